#!/bin/sh
# vdisp must refuse shared memory that is not a consistent vgpu-sim header,
# with a clear dmesg line, and register no DRM device. Two ivshmem-plain
# devices (same PCI id 1af4:1110) back the guest with crafted files: one all
# zeros (no magic), one with a valid header whose VRAM runs past the end of
# the 8 MiB BAR. TAP for prove; VRC_BUILD, VRC_ACCEL, VRC_BOOT_TIMEOUT as
# in t_boot.sh.
b=${VRC_BUILD:-build}
img=$b/guest
# KVM only from hardware virtualization: other /dev/kvm providers (kvm_pvm
# on the project VMs) accept the VM but never run a stock guest kernel.
if [ -z "${VRC_ACCEL:-}" ] && [ -w /dev/kvm ] &&
   { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
	VRC_ACCEL=kvm:tcg
fi
accel=${VRC_ACCEL:-tcg}
boot_timeout=${VRC_BOOT_TIMEOUT:-120}
qemu_pid=
dir=$(mktemp -d /tmp/vrc-refuse.XXXXXX)
trap '[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM

echo "TAP version 13"
echo "1..3"
[ -f "$img/initrd.img" ] || { echo "Bail out! $img/initrd.img missing: run make image BUILD=$b"; exit 1; }
kernel=$img/vmlinuz
[ -f "$img/vmlinux" ] && kernel=$img/vmlinux

truncate -s 8M "$dir/zero.shm"
# struct vgpu_shm_header (vgpu/shm.h): right magic, version and registers,
# but 16 MiB of VRAM at 1 MiB in an 8 MiB shm.
perl -e 'print pack("V8 Q<4 V2", 0x55504756, 1, 4096, 0, 0, 3, 0x60000, 0x14000,
		   4096, 0x15000, 0x100000, 0x1000000, 1024, 60000)' > "$dir/bad.shm"
truncate -s 8M "$dir/bad.shm"

qemu-system-x86_64 -nodefaults -machine q35,accel="$accel" -m 512 -smp 2 -display none \
	-kernel "$kernel" -initrd "$img/initrd.img" \
	-append "console=ttyS0 quiet panic=-1 vrc.poweroff=1" -no-reboot \
	-serial file:"$dir/console.log" \
	-object memory-backend-file,id=m0,size=8M,share=on,mem-path="$dir/zero.shm" \
	-device ivshmem-plain,memdev=m0 \
	-object memory-backend-file,id=m1,size=8M,share=on,mem-path="$dir/bad.shm" \
	-device ivshmem-plain,memdev=m1 \
	>"$dir/qemu.log" 2>&1 &
qemu_pid=$!
i=0
while kill -0 "$qemu_pid" 2>/dev/null && [ $i -lt $((boot_timeout * 10)) ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$qemu_pid" 2>/dev/null; then
	echo "# the guest did not power off within ${boot_timeout}s"
fi
fail=0
t() {	# t NAME PATTERN
	if grep -q -- "$2" "$dir/console.log"; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi
}
t "no magic: refused with a dmesg line" 'vdisp .*bad magic 0[x0]* (want 0x55504756).*refusing'
t "VRAM past the BAR: refused with a dmesg line" 'vdisp .*vram_offset 0x100000 + 0x1000000 bytes runs past the end.*refusing'
t "no DRM device registered" '^vrc-guest: /dev/dri/card0 missing'
if [ "$fail" != 0 ]; then
	sed 's/^/#   /' "$dir/console.log" "$dir/qemu.log" | tail -40
fi
exit $fail
