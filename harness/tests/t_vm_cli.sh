#!/bin/sh
# vrc-vm's command line without a guest: --help, --dry-run's QEMU argv, and
# bad input answered with one line naming it and exit 125 (no QEMU started).
b=${VRC_BUILD:-build}
n=0
fail=0
dir=$(mktemp -d /tmp/vrc-vmcli.XXXXXX)
trap 'rm -rf "$dir"' EXIT
check() {	# check NAME WANT-STATUS PATTERN CMD...: PATTERN in stdout+stderr
	name=$1 want=$2 pat=$3; shift 3
	n=$((n + 1))
	out=$(timeout 20 "$@" 2>&1); st=$?
	if [ "$st" -eq "$want" ] && printf '%s' "$out" | grep -q -- "$pat"; then
		echo "ok $n $name"
	else
		echo "# status $st (want $want), output: $(printf '%s' "$out" | head -5)"
		echo "not ok $n $name"; fail=1
	fi
}
echo "TAP version 13"
echo "1..11"
v=$b/vrc-vm
check "--help" 0 "usage: vrc-vm" "$v" --help
check "--dry-run: no defaults, no display" 0 "-nodefaults" "$v" --dry-run --kernel=/k --initrd=/i
check "--dry-run: says the accelerator" 0 "^# accel \(kvm\|tcg\) (" "$v" --dry-run --kernel=/k
check "--dry-run: forced tcg" 0 "-accel tcg" "$v" --dry-run --accel=tcg --kernel=/k
check "--dry-run: one ivshmem-doorbell per socket" 0 "ivshmem-doorbell,chardev=ivs1,vectors=1" \
	"$v" --dry-run --kernel=/k --ivshmem=/s/a.sock --ivshmem=/s/b.sock
check "--dry-run: a comma in a path is refused" 125 "kernel/initrd /k,x" "$v" --dry-run --kernel=/k,x
check "bad --accel" 125 "bad --accel 'hvf'" "$v" --accel=hvf
check "bad --timeout" 125 "bad --timeout '0'" "$v" --timeout=0
check "relative command" 125 "want an absolute path" "$v" --kernel=/k -- echo hi
check "missing kernel" 125 "$dir/nokernel: No such file or directory (build the image" \
	"$v" --kernel="$dir/nokernel" --initrd="$dir/noinitrd" -- /bin/true
check "unknown option" 125 "see --help" "$v" --frobnicate
exit $fail
