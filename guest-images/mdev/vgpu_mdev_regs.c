// SPDX-License-Identifier: GPL-2.0
/*
 * The register file of vgpu-mdev: the display registers of
 * lib/include/vrc/i915_regs.h in a window of BAR0, the rest of BAR0 reads
 * 0 and ignores writes. DSPSURF, CURBASE and CURPOS are trapped and run
 * GVT's handlers with the series' hooks; PIPE_FRMCOUNT moves only at a
 * vblank of an enabled pipe. The caller holds vgpu_series_lock().
 */
#include <linux/pci_regs.h>
#include <linux/string.h>
#include "vgpu_mdev.h"
#include "vgpu_series.h"

#define PIPE_BLOCK	0x70000u	/* pipe A's register block */

static bool in_window(u32 offset)
{
	return offset >= VRC_REG_WINDOW_BASE &&
	       offset - VRC_REG_WINDOW_BASE < VRC_REG_WINDOW_SIZE &&
	       IS_ALIGNED(offset, 4);
}

static u32 *reg(struct vgpu_mdev *v, u32 offset)
{
	return &v->regs[(offset - VRC_REG_WINDOW_BASE) / 4];
}

/* A guest that left pipe A on: 1024x768 XRGB8888, linear, plane enabled. */
void vgpu_mdev_regs_reset(struct vgpu_mdev *v)
{
	memset(v->regs, 0, VRC_REG_WINDOW_SIZE);
	*reg(v, VRC_PIPECONF(0)) = VRC_PIPECONF_ENABLE;
	*reg(v, VRC_PIPESRC(0)) = (1023u << 16) | 767u;
	*reg(v, VRC_PLANE_CTL(0)) = VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB8888;
	*reg(v, VRC_PLANE_STRIDE(0)) = 1024 * 4;
	*reg(v, VRC_PLANE_SIZE(0)) = (767u << 16) | 1023u;
}

u32 vgpu_mdev_reg_read(struct vgpu_mdev *v, u32 offset)
{
	return in_window(offset) ? *reg(v, offset) : 0;
}

static bool read_only(u32 offset)
{
	unsigned int p;

	for (p = 0; p < VRC_NUM_PIPES; p++)
		if (offset == VRC_PIPE_FRMCOUNT(p) || offset == VRC_PIPE_CRC_RES_1(p))
			return true;
	return false;
}

/* CURBASE and CURPOS (of pipe A's block) run GVT's cursor handler */
static bool cursor_trapped(u32 r)
{
#ifdef VGPU_MDEV_FAULTS
	if (vgpu_mdev_fault == VGPU_FAULT_NO_CURSOR)
		return false;	/* fault=no-cursor: plain registers */
#endif
	return r == VRC_CURBASE(0) || r == VRC_CURPOS(0);
}

void vgpu_mdev_reg_write(struct vgpu_mdev *v, u32 offset, u32 val)
{
	unsigned int p;
	u32 r;

	if (!in_window(offset) || read_only(offset))
		return;
	if (offset < PIPE_BLOCK || offset >= PIPE_BLOCK + VRC_NUM_PIPES * VRC_PIPE_STRIDE) {
		*reg(v, offset) = val;
		return;
	}
	p = (offset - PIPE_BLOCK) / VRC_PIPE_STRIDE;
	r = offset - p * VRC_PIPE_STRIDE;
	if (cursor_trapped(r)) {
		/* cursor_mmio_write() stores the register itself (write_vreg) */
		vgpu_series_cursor_write(v->series, offset, val);
		return;
	}
	*reg(v, offset) = val;
	/* pri_surf_mmio_write(): a flip, sync or async, reported at the next vblank */
	if (r != VRC_PLANE_SURF(0))
		return;
#ifdef VGPU_MDEV_FAULTS
	/* fault=warn: first a pipe the series WARNs about; the flip still counts */
	if (vgpu_mdev_fault == VGPU_FAULT_WARN)
		vgpu_series_primary_write(v->series, 7);
#endif
	vgpu_series_primary_write(v->series, p);
}

/* After the series' vblank: the enabled pipes count a frame. */
void vgpu_mdev_frame_tick(struct vgpu_mdev *v)
{
	unsigned int p;

	for (p = 0; p < VRC_NUM_PIPES; p++)
		if (*reg(v, VRC_PIPECONF(p)) & VRC_PIPECONF_ENABLE)
			++*reg(v, VRC_PIPE_FRMCOUNT(p));
}

/* An Intel display device with a 32-bit memory BAR0; nothing to program. */
void vgpu_mdev_cfg_init(struct vgpu_mdev *v)
{
	u8 *c = v->cfg;

	memset(c, 0, sizeof(v->cfg));
	*(__le16 *)&c[PCI_VENDOR_ID] = cpu_to_le16(0x8086);
	*(__le16 *)&c[PCI_DEVICE_ID] = cpu_to_le16(0x191b);	/* a gen9 GT2 */
	c[PCI_CLASS_DEVICE] = 0x00;	/* VGA compatible */
	c[PCI_CLASS_DEVICE + 1] = 0x03;	/* display */
	c[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	*(__le32 *)&c[PCI_BASE_ADDRESS_0] = cpu_to_le32(PCI_BASE_ADDRESS_MEM_TYPE_32);
}
