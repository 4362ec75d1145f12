/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out of tree only: what vgpu_mdev_irq.c finds in the kernel it is merged
 * into but the kernels vgpu-mdev is built for lack:
 *  - what the v7 series' first patch adds to <uapi/linux/vfio.h> (irq info
 *    capabilities and the display irq type);
 *  - eventfd_signal(ctx) without a count (Linux 6.8).
 * Include it before anything else that includes <linux/vfio.h>. The
 * generator of the samples/vfio-mdev patch drops this header and its
 * #include: in that tree <linux/vfio.h> and <linux/eventfd.h> provide the
 * same names.
 */
#ifndef VGPU_MDEV_UAPI_H
#define VGPU_MDEV_UAPI_H

/*
 * The unpatched struct vfio_irq_info ends at count; the patch adds
 * cap_offset. Rename the running kernel's structure out of the way and
 * define the patched one.
 */
#include <linux/bits.h>

#define vfio_irq_info vgpu_mdev_unpatched_vfio_irq_info
#include <linux/vfio.h>
#undef vfio_irq_info

#ifdef VFIO_IRQ_INFO_FLAG_CAPS
#error "<linux/vfio.h> has irq info capabilities already: build without this header"
#endif

struct vfio_irq_info {
	__u32	argsz;
	__u32	flags;
	__u32	index;
	__u32	count;
	__u32	cap_offset;	/* Offset within info struct of first cap */
};

#define VFIO_IRQ_INFO_FLAG_CAPS		BIT(4)

#define VFIO_IRQ_INFO_CAP_TYPE		1

struct vfio_irq_info_cap_type {
	struct vfio_info_cap_header header;
	__u32 type;
	__u32 subtype;
};

#define VFIO_IRQ_TYPE_GFX			(1)
#define VFIO_IRQ_SUBTYPE_GFX_DISPLAY_IRQ	(1)

#define VFIO_IRQ_INFO_CAP_DISPLAY_PLANES	3

struct vfio_irq_info_cap_display_planes {
	struct vfio_info_cap_header header;
	__u32 nr_planes;
	__u32 plane_type[];
};

/* 6.8: eventfd_signal() lost its count and always adds 1 */
#include <linux/eventfd.h>
#include <linux/version.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define eventfd_signal(ctx)	eventfd_signal((ctx), 1)
#endif

#endif /* VGPU_MDEV_UAPI_H */
