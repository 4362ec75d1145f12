#!/bin/sh
# Unpack one package from a Debian suite this host does not use (bookworm-
# backports' QEMU, trixie-backports' linux-source-7.2) into a folder, without
# installing it: the host's packages and apt sources stay as they are. A
# private apt state lists only the suites asked for, with an empty dpkg
# status, so the host's installed version never stands in for the suite's.
set -eu

usage() {
	cat <<EOF
usage: scripts/deb-fetch.sh --suite=S[,S...] --out=DIR [--mirror=URL] [--force] PACKAGE
       scripts/deb-fetch.sh --suite=S[,S...] --field=NAME [--mirror=URL] PACKAGE...

Unpack the newest PACKAGE found in the Debian suites S (main component)
into DIR with dpkg-deb -x, write its version to DIR/version and print it.
Up to date (DIR/version already names that version): nothing is fetched.
With --field, fetch nothing: for each PACKAGE print "PACKAGE VALUE", the
control field NAME (Version, Depends, ...) of its newest version in S,
e.g. the versioned package a metapackage stands for (exit 1 if a package
or its field is missing; the others are still printed).

  --suite=S,...  Debian suites to look in, e.g. trixie-backports,sid
  --out=DIR      where to unpack; replaced if it is empty or was made by
                 deb-fetch (has a version file), else refused
  --field=NAME   print that field of the newest PACKAGE instead
  --mirror=URL   Debian mirror (default: the one this host's apt uses,
                 scripts/apt-mirror.sh); a file: tree is the caller's
                 own and may be unsigned
  --force        fetch and unpack again even if DIR is up to date

Exit status: 0 done, 1 not found or a download failed, 2 bad usage.
EOF
}

suites='' out='' mirror='' force=0 pkg='' field=''
for a in "$@"; do
	case $a in
	--suite=*) suites=${a#*=} ;;
	--out=*) out=${a#*=} ;;
	--mirror=*) mirror=${a#*=} ;;
	--field=*) field=${a#*=} ;;
	--force) force=1 ;;
	--help|-h) usage; exit 0 ;;
	-*) echo "deb-fetch: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	*) pkg="$pkg $a" ;;
	esac
done
if [ -z "$pkg" ] || [ -z "$suites" ] || { [ -z "$out" ] && [ -z "$field" ]; }; then
	echo "deb-fetch: PACKAGE, --suite and --out (or --field) are required (see --help)" >&2; exit 2
fi
pkg=${pkg# }
if [ -z "$field" ] && [ "$pkg" != "${pkg%% *}" ]; then
	echo "deb-fetch: one PACKAGE only, not '$pkg' (several only with --field)" >&2; exit 2
fi
case $field in
*[!A-Za-z0-9-]*) echo "deb-fetch: '$field' is not a control field name" >&2; exit 2 ;;
esac
for p in $pkg; do
	case $p in
	*[!a-z0-9.+-]*|[!a-z0-9]*) echo "deb-fetch: '$p' is not a Debian package name" >&2; exit 2 ;;
	esac
done
# --out is replaced: only an empty folder or one of ours (it has version)
if [ -n "$out" ] && [ -e "$out" ] && [ ! -f "$out/version" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
	echo "deb-fetch: '$out' is not empty and was not made by deb-fetch (no version file): not replacing it" >&2
	exit 2
fi

[ -n "$mirror" ] || mirror=$("$(dirname "$0")/apt-mirror.sh")
trusted=
case $mirror in file:*) trusted='[trusted=yes] ' ;; esac
state=$(mktemp -d /tmp/vrc-deb-fetch.XXXXXX)
trap 'rm -rf "$state"' EXIT
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
: > "$state/status"
for s in $(echo "$suites" | tr ',' ' '); do
	case $s in
	*[!a-z0-9-]*) echo "deb-fetch: '$s' is not a suite name" >&2; exit 2 ;;
	esac
	echo "deb $trusted$mirror $s main"
done > "$state/sources.list"
# apt's download sandbox user cannot write into a root-only mktemp dir
chmod 755 "$state"
apt_opts="-o Dir::Etc::sourcelist=$state/sources.list -o Dir::Etc::sourceparts=-
	-o Dir::State::lists=$state/lists -o Dir::State::status=$state/status
	-o Dir::Cache=$state/cache -o APT::Sandbox::User=root
	-o Acquire::Check-Valid-Until=false"
echo "deb-fetch: reading the package lists of $suites from $mirror" >&2
# shellcheck disable=SC2086
apt-get -q $apt_opts update > "$state/update.log" 2>&1 || {
	cat "$state/update.log" >&2
	echo "deb-fetch: apt-get update of $suites from $mirror failed" \
	     "(--mirror=URL names another)" >&2
	exit 1
}
# newest PKG: its newest version by dpkg's order, over every suite that has it
newest() {
	nv=
	# shellcheck disable=SC2086
	for v in $(apt-cache $apt_opts show "$1" 2>/dev/null | sed -n 's/^Version: //p'); do
		if [ -z "$nv" ] || dpkg --compare-versions "$v" gt "$nv"; then nv=$v; fi
	done
	[ -n "$nv" ] || { echo "deb-fetch: no package $1 in $suites at $mirror" >&2; return 1; }
	echo "$nv"
}

if [ -n "$field" ]; then
	# one line "PKG VALUE" per package found; exit 1 if any was not
	rc=0
	for p in $pkg; do
		v=$(newest "$p") || { rc=1; continue; }
		# shellcheck disable=SC2086
		val=$(apt-cache $apt_opts show "$p=$v" 2>/dev/null |
			awk -v f="$field" 'tolower(substr($0, 1, length(f) + 1)) == tolower(f ":") {
				sub(/^[^:]*: */, ""); print; exit }')
		if [ -n "$val" ]; then echo "$p $val"; else
			echo "deb-fetch: $p $v has no field $field" >&2; rc=1; fi
	done
	exit $rc
fi
ver=$(newest "$pkg") || exit 1

if [ $force = 0 ] && [ -f "$out/version" ] && [ "$(cat "$out/version")" = "$ver" ]; then
	echo "deb-fetch: $pkg $ver in $out is up to date" >&2
	echo "$ver"
	exit 0
fi
echo "deb-fetch: fetching $pkg $ver" >&2
# shellcheck disable=SC2086
(cd "$state" && apt-get -q $apt_opts download "$pkg=$ver" > download.log 2>&1) || {
	cat "$state/download.log" >&2
	echo "deb-fetch: downloading $pkg $ver failed" >&2
	exit 1
}
# unpacked beside --out first: a failed unpack leaves the old one in place
new="$out.deb-fetch.$$"
rm -rf "$new"
mkdir -p "$new"
dpkg-deb -x "$state/${pkg}_"*.deb "$new" || {
	rm -rf "$new"
	echo "deb-fetch: unpacking $pkg $ver failed" >&2
	exit 1
}
echo "$ver" > "$new/version"
rm -rf "$out"
mv "$new" "$out"
echo "$ver"
