#!/bin/sh
# Build the vrc guest image: $OUT/vmlinuz and $OUT/initrd.img (newc cpio,
# zstd). The kernel is Debian's linux-image-amd64, resolved at build time
# through the installed linux-headers-amd64 metapackage (exact ABI versions
# leave the archive), downloaded with apt-get into a cache and extracted,
# never installed. Rebuilt only when an input changes (a stamp of hashes and
# versions). See --help.
set -eu

usage() {
	cat <<USAGE
usage: guest-images/mkimage.sh [--build=DIR] [--flavour=vdisp|i915|igt|igt-i915|mdev] [--kernel=host|SUITE] [--out=DIR] [--series=DIR] [--force]

Builds DIR/guest (flavour vdisp), DIR/guest-i915 (the GVT guest),
DIR/guest-igt (vdisp plus what mounts the igt userland) or DIR/guest-igt-i915
(the same with i915, for igt on a GVT-g vGPU) or DIR/guest-mdev-MAJOR.MINOR
(a VFIO host with the vgpu-mdev module, on its kernel's MAJOR.MINOR):
  vmlinuz      the kernel of Debian's linux-image-<ver>-amd64, where <ver>
               is what the installed linux-headers-amd64 depends on
  vmlinux      the same kernel decompressed (ELF, PVH entry): QEMU -kernel
               boots it about 3 s faster under TCG
  initrd.img   busybox /init, the flavour's modules and their dependencies,
               vdisp.ko (vdisp flavour), qemu-ga with its libraries,
               vdisp-probe and vrc-wl from DIR if they exist
  --build=DIR    the build directory (default: build)
  --flavour=F    vdisp (default): the DRM stack for the vdisp driver;
                 i915: the i915 driver, for a guest on a GVT-g vGPU;
                 igt: vdisp plus virtio_blk and squashfs, for the igt
                 userland disk of guest-images/igt/mkigt.sh, vrc-igt and
                 DIR/vrc-kmsrec.so (the KMS recorder) if built;
                 igt-i915: the same with i915 instead of vdisp;
                 mdev: a VFIO host: vfio, vfio_iommu_type1, mdev and
                 vgpu-mdev.ko (guest-images/mdev/) with the reference
                 series of the kernel's version (kernel/MAJOR.MINOR, else
                 the newest older one, as kernel/check.sh: 7.2's on 7.3),
                 beside it extra/vgpu-mdev-native.ko (the native build of
                 guest-images/mdev/Kbuild, not loaded at boot), and
                 DIR/vrc-mdev-probe, DIR/vrc and the kernel selftest
                 DIR/vfio_display_irq_test if they exist
  --kernel=K     host (default): the kernel the installed
                 linux-headers-amd64 stands for (bookworm: 6.1); SUITE, e.g.
                 bookworm-backports (6.12): the kernel linux-headers-amd64
                 and linux-image-amd64 of that suite stand for, with its
                 headers, unpacked (never installed) into DIR/guest-cache/
                 SUITE by scripts/deb-fetch.sh; trixie-backports (7.3):
                 the same, its modules built in a trixie chroot with the
                 headers' gcc-14 (DIR/guest-cache/chroot-trixie, debootstrap)
  --out=DIR      output directory (default: DIR/guest, else DIR/guest-F;
                 mdev: DIR/guest-mdev-MAJOR.MINOR)
  --series=DIR   mdev: the reference series to build into vgpu-mdev.ko
                 (default the kernel's, above; named as that one), e.g. a mutant
                 copy to show that the guest's checks see a broken series
  --force        rebuild even if the stamp says it is up to date
USAGE
}

build=build flavour=vdisp out= force=0 series= ksuite=host
for a in "$@"; do
	case $a in
	--kernel=*) ksuite=${a#*=} ;;
	--build=*) build=${a#*=} ;;
	--flavour=*) flavour=${a#*=} ;;
	--out=*) out=${a#*=} ;;
	--series=*) series=${a#*=} ;;
	--force) force=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "mkimage: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done
case $flavour in
vdisp) modules="virtio_pci virtio_console" ;;	# + what vdisp.ko depends on
i915) modules="virtio_pci virtio_console i915" ;;
igt) modules="virtio_pci virtio_console virtio_blk squashfs" ;;	# + vdisp's
igt-i915) modules="virtio_pci virtio_console virtio_blk squashfs i915" ;;
mdev) modules="virtio_pci virtio_console vfio_iommu_type1" ;;	# + vgpu-mdev's
*) echo "mkimage: --flavour=$flavour: want vdisp, i915, igt, igt-i915 or mdev" >&2; exit 2 ;;
esac
# the flavours with our driver
vdisp=0
case $flavour in vdisp|igt) vdisp=1 ;; esac
mdev=0
[ "$flavour" = mdev ] && mdev=1
case $ksuite in
host) ;;
*[!a-z0-9-]*|'') echo "mkimage: --kernel=$ksuite: want host or a Debian suite name" >&2; exit 2 ;;
esac

src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$build"
build=$(cd "$build" && pwd)
cache=$build/guest-cache
mkdir -p "$cache"

log() { echo "mkimage: $*" >&2; }
die() { echo "mkimage: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: run scripts/install-deps.sh ($2)"; }
need dpkg-deb dpkg
need apt-get apt
need cpio cpio
need zstd zstd
need xz xz-utils
need depmod kmod
need modinfo kmod
need busybox busybox-static
[ -x /usr/sbin/qemu-ga ] || die "/usr/sbin/qemu-ga not found: run scripts/install-deps.sh (qemu-guest-agent)"

# ---- the kernel version, through the metapackage
resolve() {
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null) ||
		die "linux-headers-amd64 is not installed: run scripts/install-deps.sh"
	hdrpkg=$(echo "$dep" | sed -n 's/^\(linux-headers-[^ ,]*-amd64\).*/\1/p')
	[ -n "$hdrpkg" ] || die "cannot read the kernel ABI from linux-headers-amd64's Depends: '$dep'"
	abi=${hdrpkg#linux-headers-}
	pkgver=$(dpkg-query -W -f='${Version}' "$hdrpkg" 2>/dev/null) ||
		die "$hdrpkg is not installed (linux-headers-amd64 is broken?)"
	imgpkg=linux-image-$abi
}
fetch_kernel() {
	deb=$(ls "$cache/${imgpkg}_${pkgver}"_*.deb 2>/dev/null | head -1 || true)
	[ -n "$deb" ] && return 0
	log "downloading $imgpkg=$pkgver"
	td=$(date +%s)
	(cd "$cache" && apt-get download -q "$imgpkg=$pkgver" >/dev/null 2>"$cache/apt.err") || {
		cat "$cache/apt.err" >&2
		return 1
	}
	deb=$(ls "$cache/${imgpkg}_${pkgver}"_*.deb 2>/dev/null | head -1 || true)
	[ -n "$deb" ] && log "downloaded in $(( $(date +%s) - td ))s"
}
# --kernel=SUITE: the metapackages of that suite name the versioned
# packages; the image, the headers, their -common half and the kbuild
# scripts are unpacked by deb-fetch.sh (each kept while its version holds),
# and the headers tree is assembled in one root, where the Makefile's
# include of the -common half is pointed.
debfetch() { "$src/scripts/deb-fetch.sh" --suite="$ksuite" "$@"; }
deps_of() {	# deps_of PKG RE: the packages PKG's Depends names, matching RE
	debfetch --field=Depends "$1" 2>"$cache/deb-fetch.err" |
		sed -n "s/^$1 //p" | tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' | grep -E "^$2\$" || true
}
dep_of() { deps_of "$@" | head -1; }	# the first of them
# join_image PART...: the split image's parts laid out as one package was
# (boot/vmlinuz-ABI, lib/modules/ABI), hard links in $kc/image-ABI
join_image() {
	kx=$kc/image-$abi
	[ "$(cat "$kx/version" 2>/dev/null)" = "$pkgver" ] && return 0
	rm -rf "$kx" "$kx.tmp"
	mkdir -p "$kx.tmp/boot" "$kx.tmp/lib/modules/$abi"
	for p in "$@"; do
		for d in "$kc/$p/usr/lib/modules/$abi" "$kc/$p/lib/modules/$abi"; do
			[ -d "$d" ] && cp -al "$d/." "$kx.tmp/lib/modules/$abi/"
		done
	done
	[ -f "$kx.tmp/lib/modules/$abi/vmlinuz" ] ||
		die "no part of $imgpkg ($*) holds modules/$abi/vmlinuz"
	mv "$kx.tmp/lib/modules/$abi/vmlinuz" "$kx.tmp/boot/vmlinuz-$abi"
	echo "$pkgver" > "$kx.tmp/version"
	mv "$kx.tmp" "$kx"
}
resolve_suite() {
	kc=$cache/$ksuite
	mkdir -p "$kc"
	hdrpkg=$(dep_of linux-headers-amd64 'linux-headers-.*-amd64')
	[ -n "$hdrpkg" ] || { cat "$cache/deb-fetch.err" >&2; die "no linux-headers-amd64 metapackage in $ksuite"; }
	abi=${hdrpkg#linux-headers-}
	imgpkg=$(dep_of linux-image-amd64 "linux-image-$(echo "$abi" | sed 's/[.+]/\\&/g')(-unsigned)?")
	[ -n "$imgpkg" ] || die "linux-image-amd64 of $ksuite does not stand for $abi as linux-headers-amd64 does"
	common=$(dep_of "$hdrpkg" 'linux-headers-.*-common')
	kbuild=$(dep_of "$hdrpkg" 'linux-kbuild-.*')
	[ -n "$common" ] && [ -n "$kbuild" ] || die "$hdrpkg of $ksuite names no -common headers or kbuild"
	# 7.x splits the image: linux-image-ABI holds nothing but names
	# linux-binary-ABI (the vmlinuz), linux-modules-ABI and linux-base-ABI
	# (System.map, config, modules.*), all under usr/lib/modules/ABI
	parts=$(deps_of "$imgpkg" "linux-(binary|modules|base)-$(echo "$abi" | sed 's/[.+]/\\&/g')")
	for p in "$imgpkg" $parts "$hdrpkg" "$common" "$kbuild"; do
		debfetch --out="$kc/$p" "$p" >/dev/null || die "cannot fetch $p from $ksuite"
	done
	pkgver=$(cat "$kc/$imgpkg/version")
	deb=$kc/$imgpkg/version	# what the stamp hashes: the unpacked version
	kx=$kc/$imgpkg
	[ -z "$parts" ] || join_image $parts
	# the headers' root: /usr/src/linux-headers-{ABI,common} and
	# /usr/lib/linux-kbuild-X, as the installed packages lay them out
	kroot=$kc/headers-$abi
	if [ "$(cat "$kroot/version" 2>/dev/null)" != "$pkgver" ]; then
		rm -rf "$kroot" "$kroot.tmp"
		mkdir -p "$kroot.tmp"
		for p in "$hdrpkg" "$common" "$kbuild"; do
			cp -a "$kc/$p/usr" "$kroot.tmp/"
		done
		sed -i "s|^include /usr/src/|include $kroot/usr/src/|" \
			"$kroot.tmp/usr/src/linux-headers-$abi/Makefile"
		echo "$pkgver" > "$kroot.tmp/version"
		mv "$kroot.tmp" "$kroot"
	fi
	kdir=$kroot/usr/src/linux-headers-$abi
}
if [ "$ksuite" = host ]; then
	resolve
	if ! fetch_kernel; then
		log "$imgpkg=$pkgver is no longer in the archive: upgrading linux-headers-amd64 and retrying"
		apt-get update -qq >&2 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-headers-amd64 >&2 ||
			die "cannot upgrade linux-headers-amd64"
		resolve
		fetch_kernel || die "$imgpkg=$pkgver cannot be downloaded either"
	fi
	kdir=/usr/src/linux-headers-$abi
	kx=$cache/$imgpkg-$pkgver
else
	tf=$(date +%s)
	resolve_suite
	log "kernel $abi ($pkgver) of $ksuite ready in $(( $(date +%s) - tf ))s"
fi
[ -d "$kdir" ] || die "$kdir missing: linux-headers-amd64 is installed but $hdrpkg is not"

# ---- the compiler the headers were made with: the host's, or a chroot's
# A suite's headers may want a compiler the host has not (trixie-backports'
# 7.3: gcc-14; bookworm has 12) and their kbuild tools a newer libc. Their
# modules are then built in a chroot of the suite's own release (trixie for
# trixie-backports): debootstrap --variant=minbase with what the headers and
# kbuild depend on (gcc-14-for-host, pahole, libelf, ...), make and
# libc6-dev, and the three header packages unpacked where they install. The
# host's toolchain and apt stay as they are. Kept in BUILD/guest-cache while
# its package list and the mirror hold.
tc=
umount_under() {	# a half-finished debootstrap may leave its mounts behind
	for m in $(awk -v r="$1" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
}
toolchain_chroot() {
	base=${ksuite%-backports}
	tc=$cache/chroot-$base
	need debootstrap debootstrap
	need unshare util-linux
	[ "$(id -u)" = 0 ] || die "$hdrpkg wants $cc, which only a $base chroot has here: debootstrap needs root"
	mirror=$("$src/scripts/apt-mirror.sh")
	# binutils: gcc-N-for-host brings only the triplet-named as and ld,
	# and gcc runs plain `as` (kbuild's cc-option probes fail without it)
	pkgs=$( { printf '%s\n' binutils make libc6-dev; deps_of "$hdrpkg" 'gcc-[0-9a-z.+-]*'
		deps_of "$kbuild" '[a-z0-9][a-z0-9.+-]*'; } | sort -u | tr '\n' ' ')
	want="$base $mirror $pkgs"
	if [ "$(cat "$tc/vrc-chroot" 2>/dev/null)" != "$want" ]; then
		log "$hdrpkg wants $cc: debootstrap $base (minbase + $pkgs) in $tc"
		tb=$(date +%s)
		umount_under "$tc.tmp"
		rm -rf "$tc" "$tc.tmp"
		if ! nice -n 10 debootstrap --variant=minbase --components=main \
			--include="$(echo $pkgs | tr ' ' ,)" \
			--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
			"$base" "$tc.tmp" "$mirror" > "$cache/debootstrap-$base.log" 2>&1; then
			tail -20 "$cache/debootstrap-$base.log" >&2
			umount_under "$tc.tmp"
			die "debootstrap of $base from $mirror failed (log: $cache/debootstrap-$base.log)"
		fi
		umount_under "$tc.tmp"
		rm -rf "$tc.tmp/var/cache/apt/archives/"*.deb
		echo "$want" > "$tc.tmp/vrc-chroot"
		mv "$tc.tmp" "$tc"
		log "the $base chroot ready in $(( $(date +%s) - tb ))s ($(du -sm "$tc" | cut -f1) MiB)"
	fi
	if [ "$(cat "$tc/vrc-headers" 2>/dev/null)" != "$abi $pkgver" ]; then
		rm -rf "$tc"/usr/src/linux-headers-* "$tc"/usr/lib/linux-kbuild-* "$tc/vrc-headers"
		for p in "$hdrpkg" "$common" "$kbuild"; do
			cp -a "$kc/$p/usr" "$tc/"
		done
		echo "$abi $pkgver" > "$tc/vrc-headers"
	fi
	[ -x "$tc/usr/bin/$cc" ] || die "the $base chroot has no $cc (log: $cache/debootstrap-$base.log)"
}
cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ "]*\).*/\1/p' "$kdir/.config" 2>/dev/null)
case $cc in
*[!a-zA-Z0-9._+-]*) die "$kdir/.config names an odd compiler: '$cc'" ;;
esac
if [ "$mdev$vdisp" != 00 ] && [ -n "$cc" ] && ! command -v "$cc" >/dev/null 2>&1; then
	[ "$ksuite" != host ] || die "the host's $hdrpkg wants $cc, which is not installed"
	toolchain_chroot
fi
# kmake DIR ARGS...: kbuild's modules in DIR against the kernel's headers,
# in the chroot if there is one (a copy of DIR there; the .ko come back)
kmake() {
	d=$1
	shift
	if [ -z "$tc" ]; then
		make -s -C "$kdir" M="$d" "$@" modules
		return
	fi
	rm -rf "$tc/tmp/vrc-kbuild"
	cp -a "$d" "$tc/tmp/vrc-kbuild"
	# objtool reads /proc: a proc of its own, gone with the mount namespace
	unshare --mount --propagation private \
		sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$tc" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
		make -s -C "/usr/src/linux-headers-$abi" M=/tmp/vrc-kbuild "$@" modules || return 1
	cp "$tc/tmp/vrc-kbuild/"*.ko "$d/"
}
kmm=$(echo "$abi" | sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p')
if [ -z "$out" ]; then
	case $flavour in
	vdisp) out=$build/guest ;;
	mdev) out=$build/guest-mdev-$kmm ;;
	*) out=$build/guest-$flavour ;;
	esac
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
# the reference series vgpu-mdev runs: the one for this kernel's MAJOR.MINOR,
# else the newest older one, as kernel/check.sh checks it applies there
# (7.2's on 7.3: kernel/README.md); kmodel-gen.sh --kernel says which
series_for() {
	r=
	for d in "$src"/kernel/[0-9]*.[0-9]*; do
		s=${d##*/}
		ls "$d"/0001-*.patch >/dev/null 2>&1 || continue
		dpkg --compare-versions "$s" le "$1" || continue
		if [ -z "$r" ] || dpkg --compare-versions "$s" gt "$r"; then r=$s; fi
	done
	echo "$r"
}
if [ "$mdev" = 1 ]; then
	sver=$(series_for "$kmm")
	[ -n "$sver" ] || die "no reference series for kernel $kmm or older in $src/kernel: vgpu-mdev cannot be built for $abi"
	if [ -z "$series" ]; then
		series=$src/kernel/$sver
	else
		series=$(cd "$series" && pwd) || die "--series=$series: no such directory"
		[ "$(basename "$series")" = "$sver" ] ||
			die "--series=$series: the directory must be named after the series' kernel ($sver)"
	fi
	ls "$series"/0001-*.patch >/dev/null 2>&1 ||
		die "no reference series for kernel $kmm in $series: vgpu-mdev cannot be built for $abi"
	[ "$sver" = "$kmm" ] || log "kernel $kmm has no series of its own: the $sver series, carried to it unchanged"
elif [ -n "$series" ]; then
	die "--series is for --flavour=mdev"
fi

# ---- the stamp: every input by hash or version
extra_bins=""
for b in "$build/vdisp-probe" "$build/vrc-wl"; do
	[ -x "$b" ] && extra_bins="$extra_bins $b"
done
if [ "$mdev" = 1 ]; then
	for b in "$build/vrc-mdev-probe" "$build/vrc" "$build/vfio_display_irq_test"; do
		[ -x "$b" ] && extra_bins="$extra_bins $b"
	done
fi
stamp_now=$( {
	echo "flavour $flavour modules $modules kernel $imgpkg $pkgver from $ksuite"
	dpkg-query -W -f='${Package} ${Version}\n' busybox-static qemu-guest-agent libc6 2>/dev/null
	case $flavour in igt*) sha256sum "$src/guest-images/igt/vrc-igt.sh" | sed "s|$src/||"
		[ -f "$build/vrc-kmsrec.so" ] && sha256sum "$build/vrc-kmsrec.so" | sed "s|$build/||" ;; esac
	[ -n "$tc" ] && cat "$tc/vrc-chroot" "$tc/vrc-headers"
	[ "$mdev" = 1 ] && sha256sum "$src/guest-images/mdev/"*.[ch] "$src/guest-images/mdev/Kbuild" "$src/guest-images/mdev/series/"* \
		"$src/kernel/kmodel-gen.sh" "$series"/0*.patch | sed "s|$src/||"
	# shellcheck disable=SC2086
	sha256sum "$0" "$src/guest-images/init.sh" "$src/guest-images/vdisp/"* \
		"$src/lib/vgpu/include/vgpu/shm.h" "$src/lib/include/vrc/i915_regs.h" \
		"$deb" $extra_bins /usr/sbin/qemu-ga | sed "s|$src/||; s|$build/||"
} | sha256sum | cut -d' ' -f1)
if [ "$force" = 0 ] && [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp_now" ] &&
   [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
	log "$out is up to date ($imgpkg $pkgver, flavour $flavour)"
	exit 0
fi
t0=$(date +%s)
log "building the $flavour image in $out ($imgpkg $pkgver)"

work=$build/guest-work-$flavour
[ "$mdev" = 1 ] && work=$work-$kmm
rm -rf "$work"
mkdir -p "$work"
if [ ! -d "$kx/lib/modules/$abi" ]; then
	rm -rf "$kx.tmp"
	dpkg-deb -x "$deb" "$kx.tmp"
	mv "$kx.tmp" "$kx"
fi
mdir=$kx/lib/modules/$abi
# the package leaves modules.dep to the installing system's depmod
[ -f "$mdir/modules.dep" ] || depmod -b "$kx" "$abi" || die "depmod of $imgpkg failed"
[ -f "$kx/boot/vmlinuz-$abi" ] || die "$deb has no boot/vmlinuz-$abi"

# ---- vdisp.ko, built against the headers of the same kernel
if [ "$vdisp" = 1 ]; then
	vd=$work/vdisp
	mkdir -p "$vd/include/vrc" "$vd/include/vgpu"
	cp "$src/guest-images/vdisp/"*.c "$src/guest-images/vdisp/"*.h "$src/guest-images/vdisp/Kbuild" "$vd/"
	cp "$src/lib/vgpu/include/vgpu/shm.h" "$vd/include/vgpu/"
	cp "$src/lib/include/vrc/i915_regs.h" "$vd/include/vrc/"
	log "building vdisp.ko against $kdir"
	kmake "$vd" >"$work/kbuild.log" 2>&1 || {
		cat "$work/kbuild.log" >&2
		die "vdisp.ko failed to build"
	}
	grep -v '^Skipping BTF' "$work/kbuild.log" >&2 || true
	# the DRM stack it needs, from its own dependencies
	modules="$modules $(modinfo -F depends "$vd/vdisp.ko" | tr , ' ')"
fi

# ---- vgpu-mdev.ko with the series' code, built against the same kernel
if [ "$mdev" = 1 ]; then
	md=$work/mdev
	mkdir -p "$md/include/vrc" "$md/series"
	cp "$src/guest-images/mdev/"*.c "$src/guest-images/mdev/"*.h "$src/guest-images/mdev/Kbuild" "$md/"
	cp "$src/guest-images/mdev/series/"*.h "$md/series/"
	cp "$src/lib/include/vrc/i915_regs.h" "$md/include/vrc/"
	"$src/kernel/kmodel-gen.sh" --shim=series --kernel="$kmm" "$series" "$md/kseries.c"
	log "building vgpu-mdev.ko (series ${series##*/}) against $kdir${tc:+ in $tc}"
	tm=$(date +%s)
	# No BTF for the module: 6.12's headers ship a BTF vmlinux, and kbuild
	# would then want pahole (dwarves) for a module nothing inspects.
	kmake "$md" KCFLAGS=-Werror CONFIG_DEBUG_INFO_BTF_MODULES= >"$work/kbuild.log" 2>&1 || {
		cat "$work/kbuild.log" >&2
		die "vgpu-mdev.ko failed to build"
	}
	grep -v '^Skipping BTF' "$work/kbuild.log" >&2 || true
	log "vgpu-mdev.ko built in $(( $(date +%s) - tm ))s"
	modules="$modules $(modinfo -F depends "$md/vgpu-mdev.ko" | tr , ' ')"
	# the native build (VGPU_MDEV_IRQ=native: the driver's own v7 irq, the
	# samples/vfio-mdev form), from the same files without the series
	mn=$work/mdev-native
	mkdir -p "$mn/include/vrc"
	cp "$src/guest-images/mdev/"*.c "$src/guest-images/mdev/"*.h "$src/guest-images/mdev/Kbuild" "$mn/"
	cp "$src/lib/include/vrc/i915_regs.h" "$mn/include/vrc/"
	log "building vgpu-mdev.ko, native build, against $kdir${tc:+ in $tc}"
	kmake "$mn" VGPU_MDEV_IRQ=native KCFLAGS=-Werror CONFIG_DEBUG_INFO_BTF_MODULES= \
		>"$work/kbuild-native.log" 2>&1 || {
		cat "$work/kbuild-native.log" >&2
		die "vgpu-mdev.ko (native build) failed to build"
	}
	grep -v '^Skipping BTF' "$work/kbuild-native.log" >&2 || true
fi

# ---- the root file system
root=$work/root
mkdir -p "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin "$root"/etc \
	 "$root"/proc "$root"/sys "$root"/dev "$root"/run "$root"/tmp "$root"/var \
	 "$root/lib/modules/$abi"
cp /bin/busybox "$root/bin/busybox"
for app in $(busybox --list-full); do
	[ -e "$root/$app" ] || ln -s /bin/busybox "$root/$app"
done
cp "$src/guest-images/init.sh" "$root/init"
chmod 0755 "$root/init"
echo "$flavour" > "$root/etc/vrc-flavour"

# Modules: the flavour's list plus dependencies from modules.dep, loaded
# dependencies first. Built-in ones are skipped.
modpath() {	# name -> path relative to $mdir, "" if built in, fails if unknown
	n=$(echo "$1" | tr - _)
	p=$(awk -F: -v n="$n" '{ b = $1; sub(/.*\//, "", b); sub(/\.ko.*$/, "", b); gsub(/-/, "_", b)
		if (b == n) { print $1; exit } }' "$mdir/modules.dep")
	if [ -n "$p" ]; then echo "$p"; return 0; fi
	awk -v n="$n" '{ b = $0; sub(/.*\//, "", b); sub(/\.ko.*$/, "", b); gsub(/-/, "_", b)
		if (b == n) { f = 1 } } END { exit !f }' "$mdir/modules.builtin" && return 0
	return 1
}
order=""
visit() {	# visit PATH: its dependencies, then itself
	case " $order " in *" $1 "*) return 0 ;; esac
	deps=$(awk -F': *' -v p="$1" '$1 == p { print $2; exit }' "$mdir/modules.dep")
	for d in $deps; do visit "$d"; done
	order="$order $1"
}
for m in $modules; do
	p=$(modpath "$m") || die "module $m is not in $imgpkg"
	[ -n "$p" ] && visit "$p"
done
: > "$root/etc/vrc-modules"
for p in $order; do
	mkdir -p "$root/lib/modules/$abi/$(dirname "$p")"
	case $p in
	*.ko) cp "$mdir/$p" "$root/lib/modules/$abi/$p"; q=$p ;;
	*.ko.xz) q=${p%.xz}; xz -dc "$mdir/$p" > "$root/lib/modules/$abi/$q" ;;
	*.ko.zst) q=${p%.zst}; zstd -qdc "$mdir/$p" > "$root/lib/modules/$abi/$q" ;;
	*) die "unknown module file $p" ;;
	esac
	echo "$q" >> "$root/etc/vrc-modules"
done
if [ "$vdisp" = 1 ]; then
	mkdir -p "$root/lib/modules/$abi/extra"
	cp "$vd/vdisp.ko" "$root/lib/modules/$abi/extra/"
	echo extra/vdisp.ko >> "$root/etc/vrc-modules"
fi
if [ "$mdev" = 1 ]; then
	mkdir -p "$root/lib/modules/$abi/extra"
	cp "$md/vgpu-mdev.ko" "$root/lib/modules/$abi/extra/"
	echo extra/vgpu-mdev.ko >> "$root/etc/vrc-modules"
	# not loaded at boot; the same module name (vgpu_mdev) once loaded,
	# so rmmod vgpu_mdev && insmod .../vgpu-mdev-native.ko swaps the two
	cp "$mn/vgpu-mdev.ko" "$root/lib/modules/$abi/extra/vgpu-mdev-native.ko"
fi
cp "$mdir/modules.order" "$mdir/modules.builtin" "$mdir/modules.builtin.modinfo" "$root/lib/modules/$abi/" 2>/dev/null || true
depmod -b "$root" "$abi"
log "modules: $(wc -l < "$root/etc/vrc-modules") ($(tr '\n' ' ' < "$root/etc/vrc-modules" | sed 's|[^ ]*/||g'))"

# Programs with the shared libraries they need, walked with ldd (the host
# is the same Debian release as the guest userspace wants).
copy_file() {
	mkdir -p "$root$(dirname "$1")"
	[ -e "$root$1" ] || cp -L "$1" "$root$1"
}
copy_prog() {	# copy_prog HOST-PATH GUEST-PATH
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
	for lib in $(ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }'); do
		copy_file "$lib"
		# the loader is found under its canonical path too
		case $lib in */ld-linux*) copy_file "$(readlink -f "$lib")" ;; esac
	done
}
copy_prog /usr/sbin/qemu-ga /usr/sbin/qemu-ga
for b in $extra_bins; do
	copy_prog "$b" "/usr/bin/$(basename "$b")"
done
if [ "${flavour#igt}" != "$flavour" ]; then
	cp "$src/guest-images/igt/vrc-igt.sh" "$root/usr/bin/vrc-igt"
	chmod 0755 "$root/usr/bin/vrc-igt"
	# the KMS recorder vrc-igt --record preloads into the subtest (libc only)
	if [ -f "$build/vrc-kmsrec.so" ]; then
		mkdir -p "$root/usr/lib/vrc"
		cp "$build/vrc-kmsrec.so" "$root/usr/lib/vrc/vrc-kmsrec.so"
	fi
fi

# ---- kernel and initrd, replaced only when both are complete
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	zstd -q -T0 -10 > "$work/initrd.img"
cp "$kx/boot/vmlinuz-$abi" "$work/vmlinuz"
# The same kernel decompressed: an ELF with the PVH entry note, which QEMU's
# -kernel boots directly, skipping the real-mode setup and the in-guest
# decompression (about 3 s of a 10 s boot under TCG). 6.1's payload is XZ,
# 6.12's zstd; either is followed by the setup's trailer, which zstd calls
# an unsupported format after the frame: the ELF magic is what counts.
unpack_vmlinux() {
	off=$(LC_ALL=C grep -obUaP "$1" "$work/vmlinuz" | head -1 | cut -d: -f1)
	[ -n "$off" ] || return 1
	tail -c +$((off + 1)) "$work/vmlinuz" | $2 > "$work/vmlinux" 2>/dev/null
	[ "$(head -c 4 "$work/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]
}
if unpack_vmlinux '\xfd7zXZ\x00' 'xz -dc --single-stream' ||
   unpack_vmlinux '\x28\xb5\x2f\xfd' 'zstd -qdc'; then
	mv "$work/vmlinux" "$out/vmlinux"
else
	log "no XZ or zstd payload in vmlinuz-$abi: no vmlinux (PVH) this time, boot vmlinuz"
	rm -f "$work/vmlinux" "$out/vmlinux"
fi
mv "$work/vmlinuz" "$out/vmlinuz"
mv "$work/initrd.img" "$out/initrd.img"
echo "$abi" > "$out/kernel-release"
echo "$ksuite" > "$out/kernel-suite"
echo "$stamp_now" > "$out/stamp"
log "done in $(( $(date +%s) - t0 ))s: $out/vmlinuz, $out/initrd.img ($(du -k "$out/initrd.img" | cut -f1) KiB)"
