#!/bin/sh
# scripts/deb-fetch.sh's refusals, offline: every bad invocation exits 2
# naming what is wrong, an unreachable mirror exits 1 naming the suites,
# nothing is left in --out, and a folder it did not make is not replaced. Its fetches from Debian's archive run in
# make kernel-check (linux-source-7.2) and make qemu-gvt.
df="$(dirname "$0")/../deb-fetch.sh"
n=0
fail=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

refuses() {	# refuses NAME RC WORD ARGS...: exit status RC, stderr has WORD
	name=$1 want=$2 word=$3; shift 3
	rc=0
	"$df" "$@" > "$dir/out" 2> "$dir/err" || rc=$?
	n=$((n + 1))
	if [ $rc -eq "$want" ] && grep -q -- "$word" "$dir/err" && [ ! -s "$dir/out" ] &&
	   [ ! -e "$dir/o" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		echo "#   want: exit $want, '$word' on stderr, nothing on stdout, no $dir/o"
		echo "#   got:  exit $rc"; sed 's/^/#   /' "$dir/err"
		fail=1
	fi
}

echo "TAP version 13"
echo "1..7"
refuses "no package" 2 "PACKAGE, --suite and --out" --suite=sid --out="$dir/o"
refuses "no suite" 2 "PACKAGE, --suite and --out" --out="$dir/o" hello
refuses "two packages" 2 "one PACKAGE only" --suite=sid --out="$dir/o" hello bye
refuses "not a package name" 2 "'../x' is not a Debian package name" \
	--suite=sid --out="$dir/o" ../x
refuses "not a suite name" 2 "'sid/../x' is not a suite name" \
	--suite=trixie,sid/../x --out="$dir/o" hello
refuses "mirror unreachable" 1 "apt-get update of trixie-backports,sid from file://$dir/none failed" \
	--suite=trixie-backports,sid --mirror="file://$dir/none" --out="$dir/o" hello
mkdir -p "$dir/mine" && echo keep > "$dir/mine/notes"
refuses "an --out it did not make" 2 "'$dir/mine' is not empty and was not made by deb-fetch" \
	--suite=sid --out="$dir/mine" hello
exit $fail
