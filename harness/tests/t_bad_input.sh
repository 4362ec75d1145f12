#!/bin/sh
# Bad input gets a one-line error naming the problem and exit 2: no crash,
# no hang, no leftover process.
b=${VRC_BUILD:-build}
n=0
fail=0
check() {	# check NAME EXPECTED-STATUS PATTERN CMD...
	name=$1 want=$2 pat=$3; shift 3
	n=$((n + 1))
	err=$(timeout 20 "$@" 2>&1 >/dev/null); st=$?
	if [ "$st" -eq "$want" ] && printf '%s' "$err" | grep -q -- "$pat"; then
		echo "ok $n $name"
	else
		echo "# status $st (want $want), stderr: $err"
		echo "not ok $n $name"; fail=1
	fi
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "TAP version 13"
echo "1..10"
check "vrc unknown model" 2 "unknown model 'nosuch'" "$b/vrc" run --model=nosuch --vgpu-sim="$b/vgpu-sim"
check "vrc unknown command" 2 "unknown command" "$b/vrc" frobnicate
check "vrc bad abi" 2 "want v5, v6 or v7" "$b/vrc" run --abi=v9
check "vrc bad timeout" 2 "want seconds" "$b/vrc" run --timeout=0
check "vrc --suite too long to resume" 2 "want 1 to 255 characters, got 256" \
	"$b/vrc" run --suite="$(printf '%0256d' 0)"
check "vrc list: no test matches" 1 "no test matches --suite=nosuch" \
	"$b/vrc" list --suite=nosuch --vgpu-sim="$b/vgpu-sim"
check "vrc missing vgpu-sim" 2 "vgpu-sim not found" "$b/vrc" run --vgpu-sim="$dir/none"
check "vgpu-sim unknown model" 2 "unknown model" "$b/vgpu-sim" --runtime-dir="$dir/r1" --model=nosuch
mkdir -m 0700 "$dir/r2" && : > "$dir/r2/control"
check "vgpu-sim socket path exists" 2 "socket path exists" "$b/vgpu-sim" --runtime-dir="$dir/r2"
mkdir -m 0755 "$dir/r3"
check "vgpu-sim runtime dir not 0700" 2 "mode 0700" "$b/vgpu-sim" --runtime-dir="$dir/r3"
exit $fail
