/* SPDX-License-Identifier: MIT */
#ifndef VRC_GUEST_VM_H
#define VRC_GUEST_VM_H

struct vt;

/*
 * Boot the guest image of image_dir (vmlinuz, initrd.img) on the test's
 * vgpu-sim instance 0, run `vrc-wl args[0] --backend=kms args[1..]` in it,
 * copy its timeline to tl_path and shut the guest down. Any guest failure
 * ends the test (crash/timeout with the console excerpt); does not return
 * then.
 */
void vt_vm_run_workload(struct vt *t, const char *image_dir, const char *const *args,
			const char *tl_path, int timeout_ms);

#endif
