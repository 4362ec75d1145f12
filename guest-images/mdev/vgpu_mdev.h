/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgpu-mdev: the emulated vGPU of vrc as a VFIO mediated device, for
 * testing the display refresh irq through real kernel VFIO without GPU
 * hardware (as samples/vfio-mdev does for display devices). One parent,
 * one mdev type; BAR0 holds the Intel display registers vgpu-sim has
 * (lib/include/vrc/i915_regs.h) trapped through region read/write, as GVT
 * traps a vCPU's MMIO; vblanks come from a 60 Hz hrtimer; the display irq
 * is the reference series' own code (vgpu_series.h).
 *
 *   vgpu_mdev_main.c   module, parent device, mdev type and driver
 *   vgpu_mdev_vfio.c   the vfio_device: lifetime, ioctls, region access
 *   vgpu_mdev_regs.c   the register file and its traps
 *   vgpu_mdev_vblank.c the vblank clock of every open device: 60 Hz, or stepped
 *   vgpu_mdev_plane.c  VRAM (BAR2), QUERY_GFX_PLANE, GET_GFX_DMABUF (dma-bufs)
 */
#ifndef VGPU_MDEV_H
#define VGPU_MDEV_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/mdev.h>
#include <linux/vfio.h>
#include "include/vrc/i915_regs.h"
#include "vgpu_mdev_oot.h"

#define VGPU_MDEV_NAME		"vgpu-mdev"
#define VGPU_MDEV_BAR0_SIZE	(2u << 20)	/* as vgpu-sim's VGPU_BAR0_SIZE */
#define VGPU_MDEV_CFG_SIZE	256u
#define VGPU_MDEV_HZ		60
#define VGPU_MDEV_VRAM_SIZE	(8u << 20)	/* BAR2: the planes' memory */
#define VGPU_MDEV_VRAM_PAGES	(VGPU_MDEV_VRAM_SIZE >> PAGE_SHIFT)
#define VGPU_MDEV_MAX_SCANOUTS	8	/* remembered plane geometries (dmabuf ids) */

/* region offsets in the device fd, as vfio-pci lays them out */
#define VGPU_MDEV_REGION_SHIFT	40
#define VGPU_MDEV_REGION_OFF(i)	((u64)(i) << VGPU_MDEV_REGION_SHIFT)
#define VGPU_MDEV_OFF_MASK	(VGPU_MDEV_REGION_OFF(1) - 1)

struct intel_vgpu;

/* What a plane scans out: a dmabuf id stands for one of these. */
struct vgpu_mdev_scanout {
	u32 surf, stride, width, height, format;
};

struct vgpu_mdev {
	struct vfio_device vdev;
	struct mdev_device *mdev;
	struct intel_vgpu *series;	/* the series' state; its lock guards regs */
	u32 *regs;			/* the register window, VRC_REG_WINDOW_* */
	u8 cfg[VGPU_MDEV_CFG_SIZE];	/* PCI config space, read-only */
	struct list_head vblank_node;	/* on the clock's list while open */
	struct dentry *debug_dir;	/* clock=stepped: <uuid>/step */
	struct mutex vram_lock;		/* vram[] and the scanout table */
	struct page **vram;		/* VGPU_MDEV_VRAM_PAGES, NULL until touched */
	struct vgpu_mdev_scanout scanout[VGPU_MDEV_MAX_SCANOUTS];
	bool scanout_used[VGPU_MDEV_MAX_SCANOUTS];
	u32 scanout_gen[VGPU_MDEV_MAX_SCANOUTS];
	unsigned int scanout_next;
};

/* vgpu_mdev_vfio.c */
int vgpu_mdev_probe(struct mdev_device *mdev);
void vgpu_mdev_remove(struct mdev_device *mdev);

/* vgpu_mdev_regs.c: callers hold vgpu_series_lock() */
void vgpu_mdev_regs_reset(struct vgpu_mdev *v);
u32 vgpu_mdev_reg_read(struct vgpu_mdev *v, u32 offset);
void vgpu_mdev_reg_write(struct vgpu_mdev *v, u32 offset, u32 val);
void vgpu_mdev_frame_tick(struct vgpu_mdev *v);
void vgpu_mdev_cfg_init(struct vgpu_mdev *v);

/* vgpu_mdev_plane.c */
ssize_t vgpu_mdev_vram_rw(struct vgpu_mdev *v, char __user *ubuf, size_t count,
			  u64 off, bool write);
void vgpu_mdev_vram_free(struct vgpu_mdev *v);
long vgpu_mdev_query_plane(struct vgpu_mdev *v, unsigned long arg);
long vgpu_mdev_get_dmabuf(struct vgpu_mdev *v, unsigned long arg);

/* vgpu_mdev_vblank.c */
int vgpu_mdev_clock_start(void);
void vgpu_mdev_clock_stop(void);
void vgpu_mdev_clock_add(struct vgpu_mdev *v);
void vgpu_mdev_clock_del(struct vgpu_mdev *v);
/* clock=stepped: the device's step file, from probe to remove */
void vgpu_mdev_clock_attach(struct vgpu_mdev *v, const char *name);
void vgpu_mdev_clock_detach(struct vgpu_mdev *v);
const char *vgpu_mdev_clock_name(void);

#endif /* VGPU_MDEV_H */
