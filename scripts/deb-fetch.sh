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

Unpack the newest PACKAGE found in the Debian suites S (main component)
into DIR with dpkg-deb -x, write its version to DIR/version and print it.
Up to date (DIR/version already names that version): nothing is fetched.

  --suite=S,...  Debian suites to look in, e.g. trixie-backports,sid
  --out=DIR      where to unpack; replaced if it is empty or was made by
                 deb-fetch (has a version file), else refused
  --mirror=URL   Debian mirror (default: the one this host's apt uses,
                 scripts/apt-mirror.sh)
  --force        fetch and unpack again even if DIR is up to date

Exit status: 0 done, 1 not found or a download failed, 2 bad usage.
EOF
}

suites='' out='' mirror='' force=0 pkg=''
for a in "$@"; do
	case $a in
	--suite=*) suites=${a#*=} ;;
	--out=*) out=${a#*=} ;;
	--mirror=*) mirror=${a#*=} ;;
	--force) force=1 ;;
	--help|-h) usage; exit 0 ;;
	-*) echo "deb-fetch: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	*) [ -z "$pkg" ] || { echo "deb-fetch: one PACKAGE only, not also '$a'" >&2; exit 2; }
	   pkg=$a ;;
	esac
done
if [ -z "$pkg" ] || [ -z "$suites" ] || [ -z "$out" ]; then
	echo "deb-fetch: PACKAGE, --suite and --out are required (see --help)" >&2; exit 2
fi
case $pkg in
*[!a-z0-9.+-]*|[!a-z0-9]*) echo "deb-fetch: '$pkg' is not a Debian package name" >&2; exit 2 ;;
esac
# --out is replaced: only an empty folder or one of ours (it has version)
if [ -e "$out" ] && [ ! -f "$out/version" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
	echo "deb-fetch: '$out' is not empty and was not made by deb-fetch (no version file): not replacing it" >&2
	exit 2
fi

[ -n "$mirror" ] || mirror=$("$(dirname "$0")/apt-mirror.sh")
state=$(mktemp -d /tmp/vrc-deb-fetch.XXXXXX)
trap 'rm -rf "$state"' EXIT
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
: > "$state/status"
for s in $(echo "$suites" | tr ',' ' '); do
	case $s in
	*[!a-z0-9-]*) echo "deb-fetch: '$s' is not a suite name" >&2; exit 2 ;;
	esac
	echo "deb $mirror $s main"
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
# the newest by dpkg's order, over every suite that has it
ver=
# shellcheck disable=SC2086
for v in $(apt-cache $apt_opts show "$pkg" 2>/dev/null | sed -n 's/^Version: //p'); do
	if [ -z "$ver" ] || dpkg --compare-versions "$v" gt "$ver"; then ver=$v; fi
done
[ -n "$ver" ] || { echo "deb-fetch: no package $pkg in $suites at $mirror" >&2; exit 1; }

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
