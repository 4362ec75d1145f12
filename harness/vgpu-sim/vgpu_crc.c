// SPDX-License-Identifier: MIT
/*
 * The pipe CRC source. While PIPE_CRC_CTL enables it, each vblank of the
 * pipe yields the CRC of the primary plane scanned out from that vblank on:
 * in PIPE_CRC_RES_1, where i915 reads it, and appended to the pipe's CRC
 * ring in the shared header, so a guest whose interrupt comes late (TCG)
 * still gets every frame's CRC. vdisp hands them to DRM's debugfs CRC
 * source, which igt's pipe-CRC tests read.
 *
 * The CRC is vrc/bandcrc.h's over a single band: the visible pixels of
 * every row, X byte ignored, so the same picture gives the same CRC
 * whatever its stride. It covers the primary plane only (no cursor
 * composition). A plane that is off, or not a valid surface, scans out
 * nothing and yields no entry.
 */
#include <linux/vfio.h>

#include "vrc/bandcrc.h"
#include "vgpu_priv.h"

void vgpu_crc_tick(struct vgpu *v, unsigned p, uint32_t frame)
{
	struct vgpu_crc_ring *r = &((struct vgpu_shm_header *)v->shm)->crc[p];
	struct vfio_device_gfx_plane_info info;
	struct vrc_band_crcs c;
	uint64_t surf;
	uint32_t head;

	if (p >= VRC_NUM_PIPES || !(vgpu_reg(v, VRC_PIPE_CRC_CTL(p)) & VRC_PIPE_CRC_ENABLE))
		return;
	if (vgpu_primary_plane(v, (int)p, &info, &surf) != 1 ||
	    vrc_band_crc_xrgb(v->shm + v->vram_off + surf, info.width, info.height,
			      info.stride, 1, &c))
		return;
	vgpu_reg_set(v, VRC_PIPE_CRC_RES_1(p), c.crc[0]);
	head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	r->rec[head & (VGPU_CRC_ENTRIES - 1)].frame = frame;
	r->rec[head & (VGPU_CRC_ENTRIES - 1)].crc = c.crc[0];
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
}
