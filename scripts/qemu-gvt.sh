#!/bin/sh
# A QEMU that can share a GVT-g vGPU with the harness: >= 9.0, for the
# iommufd fd passing (-object iommufd,fd=N -device vfio-pci,fd=M). Bookworm
# ships 7.2; bookworm-backports ships 10.0, built against bookworm's
# libraries. This unpacks that package from Debian's archive into a folder,
# without installing it (scripts/deb-fetch.sh): the host's QEMU and apt
# sources stay as they are.
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

again=
[ $force = 0 ] || again=--force
# shellcheck disable=SC2086 # an empty option is no word
"$(dirname "$0")/deb-fetch.sh" --suite=bookworm-backports --out="$out" \
	${mirror:+--mirror="$mirror"} $again qemu-system-x86 > /dev/null || {
	echo "qemu-gvt: could not unpack bookworm-backports' qemu-system-x86" \
	     "(--mirror=URL names another mirror)" >&2
	exit 1
}

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
echo "qemu-gvt: $v in $bin (VRC_QEMU=$bin)" >&2
