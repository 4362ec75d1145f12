#!/bin/sh
# Build the igt userland of the igt guest flavour: a Debian sid minbase
# root file system with igt-gpu-tools (not in bookworm or trixie), packed
# into a read-only squashfs that the guest mounts from a virtio-blk disk and
# chroots into. Rebuilt only when an input changes (a stamp). See --help.
set -eu

usage() {
	cat <<USAGE
usage: guest-images/igt/mkigt.sh [--build=DIR] [--out=DIR] [--suite=S] [--mirror=URL] [--force]

Builds the igt userland of the igt guest flavour in DIR/guest-igt:
  rootfs/          debootstrap --variant=minbase of suite S with the packages
                   of guest-images/igt/packages.txt (igt-gpu-tools), kept for
                   host-side inspection (chroot rootfs kms_flip --list-subtests)
  rootfs.sqfs      the same as a squashfs (zstd), attached to the guest as a
                   read-only virtio-blk disk, mounted on /igt by the guest's init
  manifest         suite, date, the resolved igt-gpu-tools version, every
                   package and version, the image size
The newer suite is used only inside the chroot (debootstrap's own sources);
the host's apt sources are never touched.
  --build=DIR    the build directory (default: build)
  --out=DIR      output directory (default: DIR/guest-igt)
  --suite=S      Debian suite with igt-gpu-tools (default: sid)
  --mirror=URL   Debian mirror (default: the one this host's apt uses,
                 scripts/apt-mirror.sh)
  --force        rebuild even if the stamp says it is up to date
The kernel and initramfs of the flavour come from
guest-images/mkimage.sh --flavour=igt (make image-igt runs both).
USAGE
}

build=build out= suite=sid mirror= force=0
for a in "$@"; do
	case $a in
	--build=*) build=${a#*=} ;;
	--out=*) out=${a#*=} ;;
	--suite=*) suite=${a#*=} ;;
	--mirror=*) mirror=${a#*=} ;;
	--force) force=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "mkigt: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || out=$build/guest-igt
here=$(cd "$(dirname "$0")" && pwd)
[ -n "$mirror" ] || mirror=$("$here/../../scripts/apt-mirror.sh")
mkdir -p "$out"
out=$(cd "$out" && pwd)

log() { echo "mkigt: $*" >&2; }
die() { echo "mkigt: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: run scripts/install-deps.sh igt ($2)"; }
need debootstrap debootstrap
need mksquashfs squashfs-tools
[ "$(id -u)" = 0 ] || die "debootstrap needs root"

pkgs=$(sed 's/#.*//' "$here/packages.txt" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
[ -n "$pkgs" ] || die "$here/packages.txt lists no package"
stamp_now=$( {
	echo "suite $suite mirror $mirror packages $pkgs"
	sha256sum "$0" "$here/packages.txt" | sed "s|$here/||"
} | sha256sum | cut -d' ' -f1)
if [ "$force" = 0 ] && [ -f "$out/rootfs.stamp" ] && [ "$(cat "$out/rootfs.stamp")" = "$stamp_now" ] &&
   [ -f "$out/rootfs.sqfs" ] && [ -f "$out/manifest" ]; then
	log "$out/rootfs.sqfs is up to date ($(sed -n 's/^igt-gpu-tools //p' "$out/manifest"))"
	exit 0
fi

t0=$(date +%s)
tmp=$out/rootfs.tmp
# a half-finished debootstrap may have left its mounts behind
umount_all() {
	for m in $(awk -v r="$1" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
}
umount_all "$tmp"
rm -rf "$tmp"
log "debootstrap $suite (minbase + $pkgs) from $mirror"
# debootstrap checks the Release signature (the host's archive keyring) but
# not its Valid-Until, so a stale mirror snapshot still bootstraps.
if ! nice -n 10 debootstrap --variant=minbase --components=main --include="$(echo "$pkgs" | tr ' ' ,)" \
	--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	"$suite" "$tmp" "$mirror" > "$out/debootstrap.log" 2>&1; then
	tail -20 "$out/debootstrap.log" >&2
	[ -f "$tmp/debootstrap/debootstrap.log" ] && tail -20 "$tmp/debootstrap/debootstrap.log" >&2
	umount_all "$tmp"
	die "debootstrap of $suite from $mirror failed (log: $out/debootstrap.log; --mirror=URL names another)"
fi
umount_all "$tmp"
igtver=$(chroot "$tmp" dpkg-query -W -f='${Version}' igt-gpu-tools 2>/dev/null) ||
	die "igt-gpu-tools is not installed in the chroot"
[ -d "$tmp/usr/libexec/igt-gpu-tools" ] || die "no /usr/libexec/igt-gpu-tools in igt-gpu-tools $igtver"
pkglist=$(chroot "$tmp" dpkg-query -W -f='${Package} ${Version}\n')
echo "igt-gpu-tools $igtver (Debian $suite)" > "$tmp/etc/vrc-igt-version"

# Trim what a test run never reads: package caches and lists, docs, locales.
rm -rf "$tmp"/var/cache/apt/*.bin "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/* \
       "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/* "$tmp"/usr/share/info/* "$tmp"/usr/share/locale/* \
       "$tmp"/var/log/*.log "$tmp"/debootstrap
# mount points the guest's init binds into
# never delete through a mount that is still there
awk -v r="$tmp/" 'index($2, r) == 1 { f = 1 } END { exit f }' /proc/mounts ||
	die "something is still mounted under $tmp"
rm -rf "$tmp"/proc/* "$tmp"/sys/* "$tmp"/dev/*
mkdir -p "$tmp"/proc "$tmp"/sys "$tmp"/dev "$tmp"/tmp "$tmp"/run "$tmp"/var/tmp
rm -f "$out/rootfs.sqfs.tmp"
nice -n 10 mksquashfs "$tmp" "$out/rootfs.sqfs.tmp" -comp zstd -noappend -quiet -no-progress \
 >"$out/mksquashfs.log" 2>&1 ||
	{ cat "$out/mksquashfs.log" >&2; die "mksquashfs failed"; }
umount_all "$out/rootfs"
rm -rf "$out/rootfs"
mv "$tmp" "$out/rootfs"
mv "$out/rootfs.sqfs.tmp" "$out/rootfs.sqfs"
secs=$(( $(date +%s) - t0 ))
{
	echo "suite $suite"
	echo "mirror $mirror"
	echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${secs}s"
	echo "igt-gpu-tools $igtver"
	echo "rootfs $(du -sk "$out/rootfs" | cut -f1) KiB, rootfs.sqfs $(du -k "$out/rootfs.sqfs" | cut -f1) KiB"
	echo "packages:"
	echo "$pkglist" | sed 's/^/  /'
} > "$out/manifest"
echo "$stamp_now" > "$out/rootfs.stamp"
log "done in ${secs}s: igt-gpu-tools $igtver, $out/rootfs.sqfs ($(du -k "$out/rootfs.sqfs" | cut -f1) KiB)"
