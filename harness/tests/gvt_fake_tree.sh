# Sourced by the gvt shell tests: fake GVT-g hosts for vrc run --backend=gvt.
#   gvt_tree DIR [QEMU_VERSION]   a host with a gen9 GVT-g i915, IOMMU, KVM,
#                                 VFIO cdev, and DIR/qemu answering --version
#                                 (default 9.2.0)
#   gvt_vrc DIR VRC [ARGS...]     run VRC run --backend=gvt on it (30 s bound);
#                                 KERNEL overrides its release (default 6.12)
gvt_tree() {
	t=$1
	types="$t/sys/bus/pci/devices/0000:00:02.0/mdev_supported_types"
	mkdir -p "$t/sys/module/i915" "$t/sys/module/kvmgt" "$t/sys/kernel/iommu_groups/0" \
		"$types/i915-GVTg_V5_4" "$t/sys/bus/mdev/devices" "$t/dev/vfio/devices" "$t/run"
	echo 2 > "$types/i915-GVTg_V5_4/available_instances"
	echo "low_gm_size: 128MB" > "$types/i915-GVTg_V5_4/description"
	: > "$t/dev/kvm"; : > "$t/dev/iommu"
	printf '#!/bin/sh\necho "QEMU emulator version %s (fake)"\n' "${2:-9.2.0}" > "$t/qemu"
	chmod +x "$t/qemu"
}

gvt_vrc() {
	t=$1 vrc_bin=$2
	shift 2
	VRC_GVT_DEV_ROOT="$t/dev" VRC_GVT_RUN_DIR="$t/run/vrc/mdev" VRC_QEMU="${VRC_QEMU:-$t/qemu}" \
	VRC_GVT_KERNEL="${KERNEL:-6.12.48+deb13-amd64}" \
		timeout 30 "$vrc_bin" run --backend=gvt --sysfs-root="$t/sys" "$@"
}
