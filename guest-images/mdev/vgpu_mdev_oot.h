/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What only the out-of-tree build of vgpu-mdev has (guest-images/mdev,
 * built against Debian's 6.1, 6.12 and 7.3): one name for each kernel API
 * change the source straddles, and the fault models. kernel/sample-gen.sh
 * drops this header when it makes the in-tree sample (samples/vfio-mdev/
 * in the 7.2 series): it resolves each version test below for the
 * series' kernel and removes the VGPU_MDEV_FAULTS code with unifdef, so
 * every #if on these names must test the name alone (#if NAME, #if !NAME,
 * #ifdef VGPU_MDEV_FAULTS).
 */
#ifndef VGPU_MDEV_OOT_H
#define VGPU_MDEV_OOT_H

#include <linux/version.h>

/* 6.2: the VFIO core frees the device after .release; 6.1's .release frees it */
#define VGPU_MDEV_CORE_FREES_DEVICE	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0))
/* 6.4: class_create() lost its owner argument */
#define VGPU_MDEV_CLASS_CREATE_OWNERLESS (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0))
/* 6.13: hrtimer_setup() sets the callback; 6.16 removed hrtimer_init() */
#define VGPU_MDEV_HRTIMER_SETUP	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0))
/* 6.13: MODULE_IMPORT_NS() takes the namespace as a string literal */
#define VGPU_MDEV_NS_IS_STRING	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0))
/* 6.19: VFIO_DEVICE_GET_REGION_INFO is the core's, through .get_region_info_caps */
#define VGPU_MDEV_REGION_INFO_OP	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0))

/* the fault= parameter and its models (vgpu_series.h), for the suite's mutation runs */
#define VGPU_MDEV_FAULTS

#endif /* VGPU_MDEV_OOT_H */
