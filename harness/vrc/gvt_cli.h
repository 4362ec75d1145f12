/* SPDX-License-Identifier: MIT */
/*
 * What the vrc command line calls of the gvt and mdev backends: the doors
 * to harness/gvt that harness/vrc keeps (gvt_detect.c, mdev_backend.c).
 */
#ifndef VRC_HARNESS_GVT_CLI_H
#define VRC_HARNESS_GVT_CLI_H

#include <stdbool.h>

struct vrc_opts;

/*
 * vrc run --backend=gvt [--dry-run] [--sysfs-root=DIR]: the bring-up of
 * harness/gvt/bringup.c, then the conformance tests on the vGPU it keeps.
 * Returns the exit status (VRC_EXIT_*: 0 a test passed and none failed, 1 a
 * test failed or the bring-up's dmesg was flagged, 2 a step failed, 4 no
 * usable GVT-g here or every test skipped: nothing was tested).
 */
int vrc_gvt_run(const struct vrc_opts *o, const char *sysfs_root, bool dry_run);
/*
 * --backend=auto: true if a usable GVT-g vGPU is here (the run tests it),
 * with one line on stderr about GVT-g hardware if there is any.
 */
bool vrc_gvt_auto(const char *sysfs_root);
/*
 * vrc run --backend=mdev [--mdev-type=PARENT/TYPE]: an mdev of any parent
 * whose devices offer the display irq (vgpu-mdev: guest-images/mdev), run
 * as the gvt backend runs its vGPU but opened without a KVM VM. Exit status
 * as vrc_gvt_run's; 2 if the mdev cannot be created or opened.
 */
int vrc_mdev_run(const struct vrc_opts *o, const char *type_spec);

#endif /* VRC_HARNESS_GVT_CLI_H */
