#!/bin/sh
# A QEMU that can share a GVT-g vGPU with the harness: >= 9.0, for the
# iommufd fd passing (-object iommufd,fd=N -device vfio-pci,fd=M). Bookworm
# ships 7.2; bookworm-backports ships 10.0, built against bookworm's
# libraries. This fetches that package from Debian's archive and unpacks it
# into a folder, without installing it: the host's QEMU and apt sources stay
# as they are (a private apt state lists only bookworm-backports).
set -eu

usage() {
	cat <<EOF
usage: scripts/qemu-gvt.sh [--out=DIR] [--mirror=URL] [--force]

Unpack bookworm-backports' qemu-system-x86 into DIR (default build/qemu-gvt)
and check that it runs here. Its binary is DIR/usr/bin/qemu-system-x86_64:
point VRC_QEMU at it (vrc run --help). Up to date: nothing is fetched.

  --out=DIR      where to unpack (default build/qemu-gvt)
  --mirror=URL   Debian mirror (default: the one this host's apt uses,
                 scripts/apt-mirror.sh)
  --force        fetch again even if DIR has it

On a GVT-g lab host, installing the same package is the other way:
  apt-get install -t bookworm-backports qemu-system-x86
EOF
}

out=build/qemu-gvt mirror= force=0
for a in "$@"; do
	case $a in
	--out=*) out=${a#*=} ;;
	--mirror=*) mirror=${a#*=} ;;
	--force) force=1 ;;
	--help|-h) usage; exit 0 ;;
	*) echo "qemu-gvt: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done

bin=$out/usr/bin/qemu-system-x86_64
if [ $force = 0 ] && [ -x "$bin" ] && "$bin" --version > /dev/null 2>&1; then
	exit 0
fi

[ -n "$mirror" ] || mirror=$("$(dirname "$0")/apt-mirror.sh")
state=$(mktemp -d /tmp/vrc-qemu-gvt.XXXXXX)
trap 'rm -rf "$state"' EXIT
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
echo "deb $mirror bookworm-backports main" > "$state/sources.list"
# apt's download sandbox user cannot write into a root-only mktemp dir
chmod 755 "$state"
apt_opts="-o Dir::Etc::sourcelist=$state/sources.list -o Dir::Etc::sourceparts=-
	-o Dir::State::lists=$state/lists -o Dir::Cache=$state/cache
	-o APT::Sandbox::User=root -o Acquire::Check-Valid-Until=false"
echo "qemu-gvt: reading bookworm-backports' package list from $mirror" >&2
# shellcheck disable=SC2086
apt-get -q $apt_opts update > "$state/update.log" 2>&1 || {
	cat "$state/update.log" >&2
	echo "qemu-gvt: apt-get update of bookworm-backports from $mirror failed" \
	     "(--mirror=URL names another)" >&2
	exit 1
}
# shellcheck disable=SC2086
ver=$(apt-cache $apt_opts show qemu-system-x86 2>/dev/null |
	sed -n 's/^Version: //p' | grep bpo12 | sort -V | tail -1)
[ -n "$ver" ] || { echo "qemu-gvt: no qemu-system-x86 in bookworm-backports at $mirror" \
		"(--mirror=URL names another)" >&2; exit 1; }
echo "qemu-gvt: fetching qemu-system-x86 $ver" >&2
# shellcheck disable=SC2086
(cd "$state" && apt-get -q $apt_opts download "qemu-system-x86=$ver" > download.log 2>&1) || {
	cat "$state/download.log" >&2
	echo "qemu-gvt: downloading qemu-system-x86 $ver failed" >&2
	exit 1
}
rm -rf "$out"
mkdir -p "$out"
dpkg-deb -x "$state"/qemu-system-x86_*.deb "$out"

# its libraries are bookworm's, the ones the stock QEMU pulls in too
missing=$(ldd "$bin" 2>/dev/null | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | tr '\n' ' ')
if [ -n "$missing" ]; then
	echo "qemu-gvt: $bin needs libraries this host lacks: $missing" >&2
	echo "qemu-gvt: (scripts/debian-packages.txt's qemu-system-x86 pulls them in)" >&2
	exit 1
fi
v=$("$bin" --version | head -1)
case $v in
"QEMU emulator version "[0-8].*)
	echo "qemu-gvt: $v is older than 9.0" >&2; exit 1 ;;
"QEMU emulator version "*) ;;
*)	echo "qemu-gvt: $bin --version said '$v'" >&2; exit 1 ;;
esac
echo "$ver" > "$out/version"
echo "qemu-gvt: $v in $bin (VRC_QEMU=$bin)" >&2
