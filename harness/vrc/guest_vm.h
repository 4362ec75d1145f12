/* SPDX-License-Identifier: MIT */
#ifndef VRC_GUEST_VM_H
#define VRC_GUEST_VM_H

struct vt;
struct vrc_vm;

/*
 * Boot the guest image of image_dir (vmlinux or vmlinuz, initrd.img) on the
 * test's vGPU: vgpu-sim instance 0 through an ivshmem-doorbell, or on GVT
 * the run's mdev shared through its cdev (then, and only then, the
 * harness's vt_open_device() may open its copy: QEMU has bound it). disk
 * (NULL: none) is attached as a read-only virtio-blk disk (/dev/vda in the
 * guest). Records guest_boot_ms. A guest that does not come up ends the test
 * (crash/timeout with the console excerpt); does not return then.
 */
struct vrc_vm *vt_vm_boot(struct vt *t, const char *image_dir, const char *disk);
/* End the test on a guest failure: crash or timeout by the VM's outcome,
 * what/err and the console's last lines as the reason; frees vm. */
_Noreturn void vt_vm_fail(struct vt *t, struct vrc_vm *vm, const char *what, const char *err);

/*
 * Run `vrc-wl args[0] --backend=kms args[1..]` in the booted guest and copy
 * its timeline to tl_path; vt_vm_end() shuts the guest down and frees vm.
 * Any guest failure ends the test (crash/timeout with the console excerpt);
 * they do not return then.
 */
void vt_vm_workload(struct vt *t, struct vrc_vm *vm, const char *const *args,
		    const char *tl_path, int timeout_ms);
void vt_vm_end(struct vt *t, struct vrc_vm *vm);

#endif
