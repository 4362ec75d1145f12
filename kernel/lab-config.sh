#!/bin/sh
# The configuration of a GVT-g lab host's kernel: Debian's own config (the
# one the host runs) with what vrc needs on top. Debian builds GVT-g and
# KVMGT but not iommufd, so not the VFIO cdev the guest clauses share the
# vGPU through, and names a module signing key of its own build that a
# source tree lacks. docs/hardware.md runs this before building the kernel;
# make kernel-check runs it on Debian's config of each series' kernel.
set -eu

usage() {
	cat <<EOF
usage: kernel/lab-config.sh [--src=DIR] [--obj=DIR]

In the kernel source tree DIR (default .), with Debian's config already in
the build directory's .config (cp /boot/config-\$(uname -r) .config), set:
  MODULE_SIG_KEY=certs/signing_key.pem   a key the build generates
  SYSTEM_TRUSTED_KEYS="" SYSTEM_REVOCATION_KEYS=""   no certificate paths
  DRM_I915=m DRM_I915_GVT_KVMGT=m VFIO_MDEV=m        GVT-g (Debian has them)
  IOMMUFD=m VFIO_DEVICE_CDEV=y           Linux >= 6.6: the guest clauses
then make olddefconfig, and check that each survived (exit 1 naming the
first that did not).

  --src=DIR   kernel source tree (default .)
  --obj=DIR   build directory, as make O=DIR (default: the source tree)
EOF
}

src=. obj=''
for a in "$@"; do
	case $a in
	--src=*) src=${a#*=} ;;
	--obj=*) obj=${a#*=} ;;
	--help|-h) usage; exit 0 ;;
	*) echo "lab-config: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done
[ -n "$obj" ] || obj=$src
if [ ! -f "$src/Makefile" ] || [ ! -x "$src/scripts/config" ]; then
	echo "lab-config: $src is not a kernel source tree" >&2; exit 2
fi
if [ ! -s "$obj/.config" ]; then
	echo "lab-config: no $obj/.config: copy Debian's config there first" >&2; exit 2
fi

version=$(make -s -C "$src" kernelversion)
major=${version%%.*}
minor=${version#*.}; minor=${minor%%.*}
cdev=0
[ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 6 ]; } && cdev=1

set -- --set-str MODULE_SIG_KEY certs/signing_key.pem \
	--set-str SYSTEM_TRUSTED_KEYS '' --set-str SYSTEM_REVOCATION_KEYS '' \
	--module DRM_I915 --module VFIO_MDEV --module DRM_I915_GVT_KVMGT
[ $cdev = 0 ] || set -- "$@" --module IOMMUFD --enable VFIO_DEVICE_CDEV
"$src/scripts/config" --file "$obj/.config" "$@"
if [ "$obj" = "$src" ]; then
	make -s -C "$src" olddefconfig
else
	make -s -C "$src" O="$obj" olddefconfig
fi

# the signing key is checked apart: its value has quotes
grep -qx 'CONFIG_MODULE_SIG_KEY="certs/signing_key.pem"' "$obj/.config" || {
	echo "lab-config: CONFIG_MODULE_SIG_KEY is not certs/signing_key.pem after olddefconfig" >&2
	exit 1
}
want="DRM_I915=m DRM_I915_GVT=y DRM_I915_GVT_KVMGT=m VFIO_MDEV=m"
[ $cdev = 0 ] || want="$want IOMMUFD=m VFIO_DEVICE_CDEV=y"
for sym in $want; do
	grep -qx "CONFIG_$sym" "$obj/.config" ||
		{ echo "lab-config: CONFIG_$sym did not survive olddefconfig (Linux $version)" >&2; exit 1; }
done
note=
[ $cdev = 1 ] || note=" (no VFIO cdev before 6.6: the uAPI clauses only)"
echo "lab-config: Linux $version: generated signing key, $want$note"
