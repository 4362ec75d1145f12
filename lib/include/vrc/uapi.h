/* SPDX-License-Identifier: MIT */
/*
 * The vGPU display refresh irq uAPI, in the three ABI revisions the suite
 * understands (SPEC §1 and §6). The series was never merged, so no system
 * header has these; everything here is prefixed VRC_ / vrc_ so it coexists
 * with whatever <linux/vfio.h> the build machine carries.
 *
 * v5: cap ids 3 (type) and 4 (display plane events), one value-encoded eventfd
 * v6: cap ids 1 (type) and 2 (display plane events), one value-encoded eventfd
 * v7: cap ids 1 (type) and 3 (plane map), count = 2, one eventfd per plane,
 *     each signalled with +1 (our proposal for kernels >= 6.8, SPEC §6)
 */
#ifndef VRC_UAPI_H
#define VRC_UAPI_H

#include <linux/types.h>
#include <linux/vfio.h>

/* struct vfio_irq_info as the series extends it: 20 bytes with cap_offset. */
struct vrc_irq_info {
	__u32 argsz;
	__u32 flags;
	__u32 index;
	__u32 count;
	__u32 cap_offset;
};
#define VRC_IRQ_INFO_MINSZ	16u	/* the unextended struct */
#define VRC_IRQ_INFO_SZ		20u

#define VRC_IRQ_INFO_FLAG_EVENTFD	(1u << 0)
#define VRC_IRQ_INFO_FLAG_MASKABLE	(1u << 1)
#define VRC_IRQ_INFO_FLAG_AUTOMASKED	(1u << 2)
#define VRC_IRQ_INFO_FLAG_NORESIZE	(1u << 3)
#define VRC_IRQ_INFO_FLAG_CAPS		(1u << 4)

/* Indexes 0..4 are the fixed PCI ones; device-specific irqs start here. */
#define VRC_PCI_NUM_IRQS	5u

enum vrc_abi {
	VRC_ABI_UNKNOWN = 0,
	VRC_ABI_V5 = 5,
	VRC_ABI_V6 = 6,
	VRC_ABI_V7 = 7,
};

#define VRC_V5_CAP_TYPE		3
#define VRC_V5_CAP_DISPLAY	4
#define VRC_V6_CAP_TYPE		1
#define VRC_V6_CAP_DISPLAY	2
#define VRC_V7_CAP_TYPE		1
#define VRC_V7_CAP_PLANES	3

#define VRC_IRQ_TYPE_GFX			1u
#define VRC_IRQ_SUBTYPE_GFX_DISPLAY_IRQ		1u

/* Capability header, identical to struct vfio_info_cap_header. */
struct vrc_cap_header {
	__u16 id;
	__u16 version;
	__u32 next;
};

/* IRQ type capability (v5 id 3, v6/v7 id 1): 16 bytes. */
struct vrc_cap_irq_type {
	struct vrc_cap_header header;
	__u32 type;
	__u32 subtype;
};

/*
 * Display plane events (v5 id 4, v6 id 2): 24 bytes. In a chain it lands at
 * offsets that are only 4-byte aligned (GVT: 36, so the u64s at 44 and 52):
 * read it with memcpy, never through a cast pointer.
 */
struct vrc_cap_display_events {
	struct vrc_cap_header header;
	__u64 cur_event_val;
	__u64 pri_event_val;
} __attribute__((packed));

/* v7 plane map (id 3): sub-irq i reports plane_type[i] (DRM_PLANE_TYPE_*). */
struct vrc_cap_display_planes {
	struct vrc_cap_header header;
	__u32 nr_planes;
	__u32 plane_type[];
};
#define VRC_V7_MAX_PLANES	8u

/* DRM_PLANE_TYPE_* values (enum drm_plane_type). */
#define VRC_PLANE_OVERLAY	0u
#define VRC_PLANE_PRIMARY	1u
#define VRC_PLANE_CURSOR	2u

/* The values GVT advertises; clients must read them from the cap instead. */
#define VRC_GVT_PRI_EVENT_VAL	(1ull << 56)
#define VRC_GVT_CUR_EVENT_VAL	(1ull << 48)

/* The GVT layout of the v6 chain (SPEC §1). */
#define VRC_GVT_NUM_IRQS		6u
#define VRC_GVT_DISPLAY_IRQ_INDEX	5u
#define VRC_GVT_IRQ_INFO_ARGSZ		60u

/* eventfd counters saturate here (the kernel's ULLONG_MAX - 1 limit). */
#define VRC_EVENTFD_MAX		(~0ull - 1)

#endif /* VRC_UAPI_H */
