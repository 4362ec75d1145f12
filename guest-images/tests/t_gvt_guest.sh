#!/bin/sh
# The guest path of GVT-g, everything but the vGPU. The QEMU a GVT-g host
# needs (>= 9.0: bookworm-backports' 10.0, make qemu-gvt) against what the
# harness hands it:
#  - gvt detection reads its real --version and lets the guest clauses run;
#  - the vGPU-sharing arguments the harness prints (-object iommufd,fd=N
#    -device vfio-pci,fd=M,...,x-igd-opregion=on), on top of the VM
#    launcher's own argv, are all accepted: QEMU gets as far as binding the
#    device to the iommufd, which fails only because its fds are /dev/null;
#  - the launcher drives it end to end: the vdisp guest boots on vgpu-sim
#    with this QEMU and a real-time test passes in it.
# And the i915 image (make image-i915) that rt tests boot on the vGPU: on
# this QEMU, with no Intel GPU, it boots to its agent, loads i915, and
# vrc-wl reports the missing DRM device as an error (status 2), not a hang.
# And the igt image for i915 (make image-igt-i915): igt runs in it from its
# userland disk and, with no GPU, skips (77) rather than fails.
# Without that QEMU or an image the checks that need them are TAP skips.
# Environment:
#   VRC_BUILD     build directory (default build)
#   VRC_QEMU_GVT  the QEMU (default VRC_BUILD/qemu-gvt/usr/bin/qemu-system-x86_64)
#   VRC_I915_IMAGE the i915 image (default VRC_BUILD/guest-i915)
#   VRC_IGT_I915_IMAGE the igt image for i915 (default VRC_BUILD/guest-igt-i915)
b=${VRC_BUILD:-build}
q=${VRC_QEMU_GVT:-$b/qemu-gvt/usr/bin/qemu-system-x86_64}
n=0
fail=0
dir=$(mktemp -d /tmp/vrc-qemu-gvt.XXXXXX)
trap 'rm -rf "$dir"' EXIT

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n $*"; fail=1; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
show() { sed 's/^/#   /' "$1" | tail -n "${2:-30}"; }

echo "TAP version 13"
echo "1..10"
for f in "$b/vrc" "$b/vrc-vm" "$b/vgpu-sim"; do
	[ -x "$f" ] || { echo "Bail out! $f missing: run make BUILD=$b"; exit 1; }
done
if ! [ -x "$q" ]; then
	for k in 1 2 3 4 5 6 7 8 9 10; do skip "no QEMU >= 9.0 at $q (make qemu-gvt)"; done
	exit 0
fi
q=$(cd "$(dirname "$q")" && pwd)/$(basename "$q")
echo "# $("$q" --version | head -1)"

# 1-2: detection on a fake GVT-g host, with this QEMU's real --version
. "$(dirname "$0")/../../harness/tests/gvt_fake_tree.sh"
gvt_tree "$dir/host"
VRC_QEMU=$q gvt_vrc "$dir/host" "$b/vrc" --dry-run --image="$dir/noimage" \
	> "$dir/dry.out" 2>&1
if grep -q "guest clauses (EVT, TEAR, ISO): can run" "$dir/dry.out" &&
   ! grep -q "no guest: QEMU" "$dir/dry.out"; then
	ok "gvt detection accepts this QEMU for the guest clauses"
else
	not_ok "gvt detection accepts this QEMU for the guest clauses"; show "$dir/dry.out"
fi
args=$(sed -n 's/.*as fd 3 (cdev) and 4 (iommufd), plus: \(-object .*\)$/\1/p' "$dir/dry.out")
if [ -n "$args" ]; then
	ok "the dry run prints the vGPU-sharing arguments: $args"
else
	not_ok "the dry run prints the vGPU-sharing arguments"; show "$dir/dry.out"
fi

# 3: the launcher's argv plus the sharing arguments, fds 3 and 4 on /dev/null
img=$b/guest
if ! [ -f "$img/vmlinuz" ] || [ -z "$args" ]; then
	skip "no guest image in $img (make image) or no arguments"
else
	set --
	for a in $args; do set -- "$@" --qemu-arg="$a"; done
	timeout -k 5 120 "$b/vrc-vm" --qemu="$q" --accel=tcg --boot-timeout=60 \
		--run-dir="$dir/share" "$@" 3<>/dev/null 4<>/dev/null > "$dir/share.out" 2>&1
	st=$?
	log=$dir/share/qemu.log
	if [ "$st" != 0 ] && grep -q "error bind device fd=3 to iommufd=4" "$log" &&
	   ! grep -Eqi "not found|does not accept|invalid parameter|unknown option" "$log"; then
		ok "QEMU takes every argument and gets to binding the vGPU to the iommufd"
		grep -E "bind|KVM VFIO" "$log" | sed 's/^/#   /'
	else
		not_ok "QEMU takes every argument (vrc-vm status $st)"
		show "$dir/share.out" 10; [ -f "$log" ] && show "$log"
	fi
fi

# 4-5: the vdisp guest on vgpu-sim, booted by this QEMU, runs an rt test
rt_guest() {
VRC_QEMU=$q timeout -k 5 600 "$b/vrc" run --backend=sim --vgpu-sim="$b/vgpu-sim" \
	--guest=vm --suite=rt-flip-every-vblank --out="$dir/rt" --progress=off \
	> "$dir/rt.ktap" 2>&1
st=$?
if [ "$st" = 0 ] && grep -q "^ok 1 rt-flip-every-vblank" "$dir/rt.ktap"; then
	ok "rt-flip-every-vblank passes in a guest this QEMU booted"
else
	not_ok "rt-flip-every-vblank in a guest this QEMU booted (vrc status $st)"
	show "$dir/rt.ktap"
fi
cmd=$(find "$dir/rt" -name qemu.cmdline | head -1)
if [ -n "$cmd" ] && [ "$(cut -d' ' -f1 "$cmd")" = "$q" ]; then
	ok "the guest ran on $q"
else
	not_ok "the guest ran on $q (qemu.cmdline: ${cmd:-none})"
	[ -n "$cmd" ] && show "$cmd" 5
fi
}
if [ -f "$img/vmlinuz" ]; then
	rt_guest
else
	skip "no guest image in $img (make image)"
	skip "no guest image in $img (make image)"
fi

# 6-8: the i915 image on this QEMU, no Intel GPU behind it
i915_image() {
timeout -k 5 300 "$b/vrc-vm" --qemu="$q" --kernel="$i915/vmlinuz" --initrd="$i915/initrd.img" \
	--run-dir="$dir/i915" -- /bin/sh -c \
	'ls /sys/module; echo "--"; /usr/bin/vrc-wl flip --vblanks=5; echo "vrc-wl status $?"' \
	> "$dir/i915.out" 2>&1
st=$?
if [ "$st" = 0 ] && grep -q "vrc-vm: result: ok" "$dir/i915.out"; then
	ok "the i915 image boots on this QEMU to its guest agent"
else
	not_ok "the i915 image boots on this QEMU (vrc-vm status $st)"; show "$dir/i915.out"
fi
if sed -n '1,/^--$/p' "$dir/i915.out" | grep -qx i915; then
	ok "i915 is loaded in it"
else
	not_ok "i915 is loaded in it"; show "$dir/i915.out"
fi
if grep -q "vrc-wl status 2" "$dir/i915.out" &&
   grep -q "vrc-wl: no DRM device" "$dir/i915.out"; then
	ok "vrc-wl without a GPU: a clear error, status 2"
else
	not_ok "vrc-wl without a GPU: a clear error, status 2"; show "$dir/i915.out"
fi
}
i915=${VRC_I915_IMAGE:-$b/guest-i915}
if [ -f "$i915/vmlinuz" ]; then
	i915_image
else
	for k in 6 7 8; do skip "no i915 image in $i915 (make image-i915)"; done
fi

# 9-10: the igt image for i915 on this QEMU, its igt userland on a disk
igt=${VRC_IGT_I915_IMAGE:-$b/guest-igt-i915}
if ! [ -f "$igt/vmlinuz" ] || ! [ -e "$igt/rootfs.sqfs" ]; then
	for k in 9 10; do skip "no igt image for i915 in $igt (make image-igt-i915)"; done
	exit $fail
fi
sqfs=$(readlink -f "$igt/rootfs.sqfs")
timeout -k 5 300 "$b/vrc-vm" --qemu="$q" --kernel="$igt/vmlinuz" --initrd="$igt/initrd.img" \
	--qemu-arg=-drive --qemu-arg="file=$sqfs,format=raw,if=virtio,readonly=on" \
	--run-dir="$dir/igt" -- /usr/bin/vrc-igt kms_flip basic-plain-flip 60 > "$dir/igt.out" 2>&1
if grep -q "^IGT-Version: " "$dir/igt.out"; then
	ok "igt runs in the igt image for i915: $(grep -m1 '^IGT-Version: ' "$dir/igt.out")"
else
	not_ok "igt runs in the igt image for i915"; show "$dir/igt.out"
fi
if grep -q "vrc-igt: exit 77" "$dir/igt.out"; then
	ok "with no GPU igt skips (77): $(grep -m1 -i 'skip\|no known' "$dir/igt.out")"
else
	not_ok "with no GPU igt skips (77)"; show "$dir/igt.out"
fi
exit $fail
