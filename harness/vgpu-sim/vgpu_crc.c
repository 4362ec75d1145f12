// SPDX-License-Identifier: MIT
/*
 * The pipe CRC source. While PIPE_CRC_CTL enables it, each vblank of the
 * pipe yields the CRC of the picture scanned out from that vblank on: in
 * PIPE_CRC_RES_1, where i915 reads it, and appended to the pipe's CRC ring
 * in the shared header, so a guest whose interrupt comes late (TCG) still
 * gets every frame's CRC. vdisp hands them to DRM's debugfs CRC source,
 * which igt's pipe-CRC tests read.
 *
 * The CRC is vrc/bandcrc.h's over a single band: the visible pixels of
 * every row, X byte ignored, so the same picture gives the same CRC
 * whatever its stride. The picture is the primary plane with the pipe's
 * cursor composed over it, as the pipe outputs it: igt's kms_cursor_crc
 * compares that CRC with the one of a primary that has the cursor drawn
 * into it by cairo, so the blend is pixman's OVER on premultiplied ARGB
 * (DRM's default blend mode), rounded as pixman rounds. A tiled primary
 * is CRCed as its bytes lie, without the cursor. A plane that is off, or
 * not a valid surface, scans out nothing and yields no entry.
 */
#include <string.h>
#include <linux/vfio.h>

#include "vrc/bandcrc.h"
#include "vrc/fourcc.h"
#include "vgpu_priv.h"

/* The widest cursor (256) is composed on the stack, one row at a time. */
#define CRC_CURSOR_MAX	256u

struct crc_cursor {
	const uint8_t *px;	/* NULL: no cursor over the primary */
	int64_t x, y;		/* top left, may be off the plane */
	uint32_t dim;
};

/* d = s OVER d for premultiplied s and an opaque d, per channel
 * s + d * (255 - a) / 255, rounded to nearest, saturated (pixman). */
static uint32_t over(uint32_t s, uint32_t d)
{
	uint32_t a = s >> 24, out = 0;

	for (unsigned sh = 0; sh < 24; sh += 8) {
		uint32_t t = ((d >> sh) & 0xffu) * (255u - a) + 0x80u;
		uint32_t c = ((s >> sh) & 0xffu) + ((t + (t >> 8)) >> 8);

		out |= (c > 255u ? 255u : c) << sh;
	}
	return out;
}

static uint32_t px_at(const uint8_t *p, size_t i)
{
	uint32_t v;

	memcpy(&v, p + i * 4, 4);
	return v;
}

/* Pipe p's cursor, if it covers any pixel of a linear primary `pri`. */
static void crc_cursor(const struct vgpu *v, unsigned p,
		       const struct vfio_device_gfx_plane_info *pri, struct crc_cursor *c)
{
	struct vfio_device_gfx_plane_info info;
	uint64_t surf;

	*c = (struct crc_cursor){ .px = NULL };
	if (pri->drm_format_mod != VRC_MOD_LINEAR ||
	    vgpu_cursor_plane(v, (int)p, &info, &surf) != 1 || info.width > CRC_CURSOR_MAX)
		return;
	c->x = (int32_t)info.x_pos;
	c->y = (int32_t)info.y_pos;
	c->dim = info.width;
	if (c->x >= pri->width || c->y >= pri->height || c->x + c->dim <= 0 ||
	    c->y + c->dim <= 0)
		return;
	c->px = v->shm + v->vram_off + surf;
}

static uint32_t crc_picture(const uint8_t *pri, const struct vfio_device_gfx_plane_info *info,
			    const struct crc_cursor *c)
{
	uint32_t crc = 0, span[CRC_CURSOR_MAX];

	for (uint32_t y = 0; y < info->height; y++) {
		const uint8_t *row = pri + (size_t)y * info->stride;
		int64_t cy = (int64_t)y - c->y;
		uint32_t x0, x1;

		if (!c->px || cy < 0 || cy >= c->dim) {
			crc = vrc_crc_xrgb_more(crc, row, info->width);
			continue;
		}
		x0 = c->x < 0 ? 0 : (uint32_t)c->x;
		x1 = c->x + c->dim > info->width ? info->width : (uint32_t)(c->x + c->dim);
		for (uint32_t x = x0; x < x1; x++)
			span[x - x0] = over(px_at(c->px, (size_t)cy * c->dim + (size_t)(x - c->x)),
					    px_at(row, x));
		crc = vrc_crc_xrgb_more(crc, row, x0);
		crc = vrc_crc_xrgb_more(crc, span, x1 - x0);
		crc = vrc_crc_xrgb_more(crc, row + (size_t)x1 * 4, info->width - x1);
	}
	return crc;
}

void vgpu_crc_tick(struct vgpu *v, unsigned p, uint32_t frame)
{
	struct vgpu_crc_ring *r = &((struct vgpu_shm_header *)v->shm)->crc[p];
	struct vfio_device_gfx_plane_info info;
	struct crc_cursor cur;
	uint64_t surf;
	uint32_t head, crc;

	if (p >= VRC_NUM_PIPES || !(vgpu_reg(v, VRC_PIPE_CRC_CTL(p)) & VRC_PIPE_CRC_ENABLE))
		return;
	if (vgpu_primary_plane(v, (int)p, &info, &surf) != 1)
		return;
	crc_cursor(v, p, &info, &cur);
	crc = crc_picture(v->shm + v->vram_off + surf, &info, &cur);
	vgpu_reg_set(v, VRC_PIPE_CRC_RES_1(p), crc);
	head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	r->rec[head & (VGPU_CRC_ENTRIES - 1)].frame = frame;
	r->rec[head & (VGPU_CRC_ENTRIES - 1)].crc = crc;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
}
