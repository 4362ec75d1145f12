#!/bin/sh
# scripts/deb-fetch.sh, offline: every bad invocation exits 2 naming what
# is wrong, an unreachable mirror exits 1 naming the suites, nothing is
# left in --out, and a folder it did not make is not replaced. Then its
# work against a Debian archive made here (a file: mirror, two suites):
# the newest version over both is unpacked, not fetched again when up to
# date, and --field reads a metapackage's dependency. Its fetches from
# Debian's own archive run in make kernel-check and make qemu-gvt.
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
echo "1..14"
refuses "no package" 2 "PACKAGE, --suite and --out" --suite=sid --out="$dir/o"
refuses "no suite" 2 "PACKAGE, --suite and --out" --out="$dir/o" hello
refuses "two packages" 2 "one PACKAGE only" --suite=sid --out="$dir/o" hello bye
refuses "not a field name" 2 "'Ver sion' is not a control field name" \
	--suite=sid --field='Ver sion' hello
refuses "not a package name" 2 "'../x' is not a Debian package name" \
	--suite=sid --out="$dir/o" ../x
refuses "not a suite name" 2 "'sid/../x' is not a suite name" \
	--suite=trixie,sid/../x --out="$dir/o" hello
refuses "mirror unreachable" 1 "apt-get update of trixie-backports,sid from file://$dir/none failed" \
	--suite=trixie-backports,sid --mirror="file://$dir/none" --out="$dir/o" hello
mkdir -p "$dir/mine" && echo keep > "$dir/mine/notes"
refuses "an --out it did not make" 2 "'$dir/mine' is not empty and was not made by deb-fetch" \
	--suite=sid --out="$dir/mine" hello

# an archive: hello 1.0 in sid, 2.0 in exp, and a metapackage for it
repo=$dir/repo
mkdeb() {	# mkdeb NAME VERSION [DEPENDS]: build it, add it to Packages on stdout
	d=$dir/deb/$1-$2
	mkdir -p "$d/DEBIAN" "$d/usr/share/hello" "$repo/pool"
	printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: t <t@invalid>\nDescription: t\n' \
		"$1" "$2" > "$d/DEBIAN/control"
	[ -z "${3:-}" ] || echo "Depends: $3" >> "$d/DEBIAN/control"
	echo "$2" > "$d/usr/share/hello/v"
	f=pool/${1}_${2}_all.deb
	dpkg-deb -Zgzip --build "$d" "$repo/$f" >/dev/null
	cat "$d/DEBIAN/control"
	printf 'Filename: %s\nSize: %s\nSHA256: %s\n\n' "$f" "$(stat -c %s "$repo/$f")" \
		"$(sha256sum < "$repo/$f" | cut -d' ' -f1)"
}
for s in sid exp; do mkdir -p "$repo/dists/$s/main/binary-amd64"; done
mkdeb hello 1.0 > "$repo/dists/sid/main/binary-amd64/Packages"
{ mkdeb hello 2.0; mkdeb hello-meta 2.0 "hello (>= 2.0)"; } \
	> "$repo/dists/exp/main/binary-amd64/Packages"

does() {	# does NAME WANT_RC WANT_STDOUT WANT_STDERR_WORD ARGS...
	name=$1 want=$2 wout=$3 word=$4; shift 4
	rc=0
	"$df" --mirror="file://$repo" "$@" > "$dir/out" 2> "$dir/err" || rc=$?
	n=$((n + 1))
	if [ $rc -eq "$want" ] && [ "$(cat "$dir/out")" = "$wout" ] &&
	   grep -q -- "$word" "$dir/err"; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		echo "#   want: exit $want, stdout '$wout', '$word' on stderr"
		echo "#   got:  exit $rc, stdout '$(cat "$dir/out")'"; sed 's/^/#   /' "$dir/err"
		fail=1
	fi
}
does "the newest over the suites is unpacked" 0 "2.0" "fetching hello 2.0" \
	--suite=sid,exp --out="$dir/o" hello
n=$((n + 1))
if [ "$(cat "$dir/o/usr/share/hello/v" 2>/dev/null)" = 2.0 ] &&
   [ "$(cat "$dir/o/version" 2>/dev/null)" = 2.0 ]; then echo "ok $n its files and version file"
else echo "not ok $n its files and version file"; fail=1; fi
does "up to date: not fetched again" 0 "2.0" "hello 2.0 in $dir/o is up to date" \
	--suite=sid,exp --out="$dir/o" hello
does "one suite: its own version" 0 "1.0" "fetching hello 1.0" \
	--suite=sid --out="$dir/o" hello
does "--field: a metapackage's dependency; a package without it named" 1 \
	"hello-meta hello (>= 2.0)" "hello 2.0 has no field Depends" \
	--suite=sid,exp --field=Depends hello-meta hello
does "--field=Version: the newest; a missing package named" 1 "hello 2.0" \
	"no package nosuch in sid,exp" --suite=sid,exp --field=Version nosuch hello
exit $fail
