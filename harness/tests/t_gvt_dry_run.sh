#!/bin/sh
# vrc run --backend=gvt --dry-run against fake host trees: the printed plan
# names every step (detection, sweep, mdev create, KVM VM, VFIO open,
# eventfd registration, QEMU argv, cleanup), the exit status says whether the
# host could run it, and nothing in the tree is touched. Then one real
# (not dry) bring-up against the fake tree: the mdev create fails (a fake
# tree has no kernel behind it) and leaves no marker behind.
b=${VRC_BUILD:-build}
vrc="$b/vrc"
n=0
fail=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

ok() { n=$((n + 1)); echo "ok $n $1"; }
bad() { n=$((n + 1)); echo "not ok $n $1"; fail=1; }

. "$(dirname "$0")/gvt_fake_tree.sh"
tree() { gvt_tree "$dir/$1" "${2:-}"; }

# run NAME [vrc args]: the fake host's run; output in $dir/out, status printed
run() {
	t="$dir/$1"; shift
	gvt_vrc "$t" "$vrc" "$@" > "$dir/out" 2>&1
	echo $?
}

has() {	# has NAME PATTERN: the last output has a line matching PATTERN
	if grep -q -- "$2" "$dir/out"; then ok "$1"; else
		bad "$1"; echo "# no line matching: $2"; sed 's/^/#   /' "$dir/out"; fi
}

echo "TAP version 13"
echo "1..40"

tree good
st=$(run good --dry-run --image="$dir/noimage")
[ "$st" = 0 ] && ok "dry run on a usable host exits 0" || { bad "dry run exit status $st"; sed 's/^/#   /' "$dir/out"; }
has "detection names the device and type" "detect: found 0000:00:02.0: type i915-GVTg_V5_4 (2 available"
has "both clause groups can run" "uAPI clauses (DISC, IRQ): can run; guest clauses (EVT, TEAR, ISO): can run"
has "sweep of its own markers" "sweep: markers in $dir/good/run/vrc/mdev"
has "mdev create step" "echo [0-9a-f-]\{36\} > $dir/good/sys/bus/pci/devices/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/create"
has "KVM VM step" "KVM VM: open $dir/good/dev/kvm, KVM_CREATE_VM, KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO)"
has "VFIO open path with KVM association first" "KVM_DEV_VFIO_FILE_ADD(group fd), VFIO_GROUP_GET_DEVICE_FD"
has "eventfd registration" "SET_IRQS(index of the display irq, TRIGGER|DATA_EVENTFD"
has "QEMU argv for the guest clauses" "\-object iommufd,id=iommufd0,fd=4 -device vfio-pci,id=vgpu0,iommufd=iommufd0,fd=3,sysfsdev=$dir/good/sys/bus/mdev/devices/[0-9a-f-]\{36\},display=off,x-igd-opregion=on"
has "cleanup removes the mdev" "cleanup: .*echo 1 > $dir/good/sys/bus/mdev/devices/[0-9a-f-]\{36\}/remove"
has "KTAP result line" "^ok 1 gvt-bringup # SKIP dry run"
has "plan: a uAPI test runs on the vGPU" "test irq-unregister: runs$"
has "plan: a capture test skips, saying why" "test tear-flip-pattern: SKIP, captures the guest's framebuffers"
has "plan: the count of tests" "conformance tests on the vGPU: [0-9]* run, [0-9]* skip"
has "plan: the two-vGPU test runs on a second vGPU" "test iso-heuristic-independent: runs$"
has "plan: how the second vGPU is made" "two-vGPU tests (iso-\*): for each, a second vGPU of the same type is created, opened through a KVM VM of its own"
has "plan: no i915 image, the rt tests skip saying so" "test rt-flip-every-vblank: SKIP, no i915 guest image in $dir/noimage (make image-i915"
# destructive tests are off on hardware unless asked for: the oops requests
# would take a v6-era host down
has "plan: the oops test skips by default, naming --destructive" "test irq-invalid-requests-oops: SKIP, destructive (can oops a real host): run with --destructive$"
st=$(run good --dry-run --image="$dir/noimage" --destructive)
has "plan: with --destructive the oops test runs" "test irq-invalid-requests-oops: runs (destructive: --destructive given)$"

# make check's own command line on a GVT-g host (auto picks the vGPU): it
# must not force --destructive, and its plan leaves the oops test out
src=$(cd "$(dirname "$0")/../.." && pwd)
args=$(make -s -n --no-print-directory -C "$src" check BUILD="$(cd "$b" && pwd)" 2>/dev/null |
	sed -n 's|^[^ ]*/vrc run ||p')
if [ -n "$args" ] && ! echo " $args " | grep -q -- ' --destructive '; then
	ok "make check runs vrc without --destructive ($args)"
else bad "make check's vrc command line: '$args'"; fi
# shellcheck disable=SC2086 # make check's arguments, one word each
VRC_GVT_DEV_ROOT="$dir/good/dev" VRC_GVT_RUN_DIR="$dir/good/run/vrc/mdev" VRC_QEMU="$dir/good/qemu" \
	VRC_GVT_KERNEL=6.12.48+deb13-amd64 timeout 30 "$vrc" run $args --sysfs-root="$dir/good/sys" \
	--dry-run >"$dir/out" 2>&1
st=$?
[ "$st" = 0 ] && ok "make check's command line on a GVT-g host: auto plans the vGPU (exit 0)" ||
	{ bad "make check's command line, dry run: exit $st"; sed 's/^/#   /' "$dir/out"; }
has "make check on a GVT-g host: the oops test skips" "test irq-invalid-requests-oops: SKIP, destructive (can oops a real host)"
"$vrc" run $args --dry-run --sysfs-root="$dir/none" >"$dir/out" 2>&1
[ $? = 2 ] && has "auto --dry-run without GVT-g: exit 2 saying why" "auto tests the emulated vGPU here" ||
	{ bad "auto --dry-run without GVT-g: not exit 2"; sed 's/^/#   /' "$dir/out"; }

if [ -e "$dir/good/sys/bus/pci/devices/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/create" ] ||
   [ -n "$(ls -A "$dir/good/run" 2>/dev/null)" ]; then
	bad "dry run touched nothing"; ls -lR "$dir/good" | sed 's/^/#   /'
else ok "dry run touched nothing"; fi

# with an i915 image: the rt tests run in it, those KMS cannot drive still skip
mkdir -p "$dir/img"; : > "$dir/img/vmlinuz"; : > "$dir/img/initrd.img"
st=$(run good --dry-run --image="$dir/img")
has "plan: with an i915 image an rt test runs" "test rt-flip-every-vblank: runs$"
has "plan: the rt tests boot the image with the shared vGPU" "real-time tests (rt-\*): each boots the i915 guest image $dir/img"
has "plan: the two-guest rt test still skips" "test rt-iso-heuristic-independent: SKIP, two i915 guests at once"
has "plan: no igt image for i915, the igt tests skip saying so" "test igt-kms_flip-basic-plain-flip: SKIP, no igt image for i915 in .*(make image-igt-i915"

# with the igt image for i915 too: the igt tests run in it
mkdir -p "$dir/igt"; : > "$dir/igt/vmlinuz"; : > "$dir/igt/initrd.img"; : > "$dir/igt/rootfs.sqfs"
st=$(run good --dry-run --image="$dir/img" --igt-image="$dir/igt")
has "plan: with the igt image for i915 an igt test runs" "test igt-kms_flip-basic-plain-flip: runs$"
has "plan: how the igt tests run on GVT" "igt extras (igt-\*): each boots the igt image for i915"

# one instance left: no second vGPU, the two-vGPU test skips saying why
echo 1 > "$dir/good/sys/bus/pci/devices/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/available_instances"
st=$(run good --dry-run --image="$dir/img")
has "plan: one instance, the two-vGPU test skips" "test iso-heuristic-independent: SKIP, needs two vGPUs at once: type i915-GVTg_V5_4 has 1 available"
has "plan: one instance, the two-vGPU line says why" "two-vGPU tests (iso-\*): needs two vGPUs at once"

tree old 7.2.22
KERNEL=6.1.0-26-amd64
st=$(run old --dry-run)
KERNEL=
[ "$st" = 0 ] && ok "old stack: uAPI clauses still possible (exit 0)" || bad "old stack exit status $st"
has "old kernel: one 'no guest' line" "no guest: kernel 6.1.0-26-amd64 has no VFIO cdev (needs >= 6.6)"
has "old QEMU: one 'no guest' line" "no guest: QEMU 7.2 is too old for iommufd fd passing (needs >= 9.0)"

tree noiommu
rmdir "$dir/noiommu/sys/kernel/iommu_groups/0"
st=$(run noiommu --dry-run)
[ "$st" = 4 ] && ok "no IOMMU: dry run exits 4 (skip)" || bad "no-IOMMU exit status $st"
has "no IOMMU: the reason line" "unusable: no IOMMU ($dir/noiommu/sys/kernel/iommu_groups is empty): boot with intel_iommu=on"
st=$(run noiommu)
[ "$st" = 4 ] && ok "no IOMMU, a real run: exit 4 (nothing was tested)" || bad "no-IOMMU run exit status $st"
has "no IOMMU, a real run: one line says nothing was tested" "^# nothing was tested: --backend=gvt: no usable GVT-g vGPU here"

# not a dry run: the real sysfs writer meets a tree without a kernel
tree real
st=$(run real)
if [ "$st" = 2 ] && grep -q "FAILED: mdev create: open .*/create" "$dir/out" &&
   [ -z "$(ls -A "$dir/real/run/vrc/mdev" 2>/dev/null)" ]; then
	ok "failed create: exit 2, the error names the file, no marker left"
else
	bad "failed create (status $st)"; sed 's/^/#   /' "$dir/out"
fi
exit $fail
