// SPDX-License-Identifier: MIT
/*
 * The device side of one emulated vGPU: device and region info, region
 * reads/writes (BAR0 register file, BAR2 VRAM, PCI config space), and the
 * plane query / dmabuf lookup with GVT's semantics (SPEC §1).
 */
#include <errno.h>
#include <string.h>

#include "vrc/fourcc.h"
#include "vgpu_priv.h"

#define REGION_READ	(1u << 0)
#define REGION_WRITE	(1u << 1)

#define MOD_INTEL(n)		((1ull << 56) | (n))	/* fourcc_mod_code(INTEL, n) */
#define VRC_PLANE_CTL_TILED_YF	(0x5u << 10)
#define CURPOS_SIGN		(1u << 15)
#define CURPOS_MASK		0x7fffu
#define UNKNOWN_HOT		0xffffffffu

/* ---- device and regions */

void vgpu_device_info(const struct vgpu *v, struct vfu_device_info *info)
{
	info->argsz = sizeof(*info);
	info->flags = VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI;
	info->num_regions = VGPU_NUM_REGIONS;
	info->num_irqs = vgpu_num_irqs(v);
}

/* BAR2 exposes the largest power of two of VRAM. */
uint64_t vgpu_bar2_size(const struct vgpu *v)
{
	uint64_t s = v->vram_size;

	while (s & (s - 1))
		s &= s - 1;
	return s;
}

static void put_le(uint8_t *p, uint64_t x, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

void vgpu_config_init(struct vgpu *v)
{
	uint8_t *c = v->config;

	memset(c, 0, sizeof(v->config));
	put_le(c + 0x00, VGPU_PCI_VENDOR, 2);
	put_le(c + 0x02, VGPU_PCI_DEVICE, 2);
	put_le(c + 0x08, 0x03000000u, 4);	/* revision 0, class VGA display */
	c[0x0e] = 0;				/* header type 0, no capabilities */
	put_le(c + 0x10, 0x4, 4);		/* BAR0: 64-bit memory */
	put_le(c + 0x18, 0xc, 4);		/* BAR2: 64-bit prefetchable */
	put_le(c + 0x2c, VGPU_PCI_VENDOR, 2);	/* subsystem */
	put_le(c + 0x2e, VGPU_PCI_DEVICE, 2);
}

int vgpu_region_info(const struct vgpu *v, uint32_t index,
		     struct vfu_region_info *info, int *fd)
{
	if (fd)
		*fd = -1;
	if (index >= VGPU_NUM_REGIONS)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	switch (index) {
	case VGPU_REGION_BAR0:
		info->size = VGPU_BAR0_SIZE;
		info->flags = REGION_READ | REGION_WRITE;
		break;
	case VGPU_REGION_BAR2:
		info->size = vgpu_bar2_size(v);
		info->flags = REGION_READ;
		break;
	case VGPU_REGION_CONFIG:
		info->size = VGPU_CONFIG_SIZE;
		info->flags = REGION_READ | REGION_WRITE;
		break;
	}
	return 0;
}

static bool bar0_access_ok(uint64_t off, uint32_t count)
{
	if (count != 1 && count != 2 && count != 4 && count != 8)
		return false;
	return off % count == 0 && off < VGPU_BAR0_SIZE &&
	       count <= VGPU_BAR0_SIZE - off;
}

static bool range_ok(uint64_t off, uint32_t count, uint64_t size)
{
	return count && off <= size && count <= size - off;
}

static void bar0_read(const struct vgpu *v, uint32_t off, void *buf, uint32_t count)
{
	uint32_t w[2];

	if (count == 8) {
		w[0] = vgpu_mmio_read(v, off);
		w[1] = vgpu_mmio_read(v, off + 4);
		memcpy(buf, w, 8);
		return;
	}
	w[0] = vgpu_mmio_read(v, off & ~3u) >> (8 * (off & 3u));
	memcpy(buf, w, count);
}

/* Sub-word writes merge into the register, then go through mmio_write. */
static void bar0_write(struct vgpu *v, uint32_t off, const void *buf, uint32_t count)
{
	uint32_t w[2] = { 0, 0 }, base = off & ~3u, shift, mask;

	if (count >= 4) {
		memcpy(w, buf, count);
		vgpu_mmio_write(v, off, w[0]);
		if (count == 8)
			vgpu_mmio_write(v, off + 4, w[1]);
		return;
	}
	memcpy(w, buf, count);
	shift = 8 * (off & 3u);
	mask = (count == 1 ? 0xffu : 0xffffu) << shift;
	vgpu_mmio_write(v, base, (vgpu_mmio_read(v, base) & ~mask) | (w[0] << shift));
}

int vgpu_region_read(struct vgpu *v, uint32_t region, uint64_t off,
		     void *buf, uint32_t count)
{
	if (v->dead)
		return -EIO;
	if (!buf)
		return -EINVAL;
	switch (region) {
	case VGPU_REGION_BAR0:
		if (!bar0_access_ok(off, count))
			return -EINVAL;
		bar0_read(v, (uint32_t)off, buf, count);
		return 0;
	case VGPU_REGION_BAR2:
		if (!range_ok(off, count, vgpu_bar2_size(v)))
			return -EINVAL;
		memcpy(buf, v->shm + v->vram_off + off, count);
		return 0;
	case VGPU_REGION_CONFIG:
		if (!range_ok(off, count, VGPU_CONFIG_SIZE))
			return -EINVAL;
		memcpy(buf, v->config + off, count);
		return 0;
	default:
		return -EINVAL;
	}
}

int vgpu_region_write(struct vgpu *v, uint32_t region, uint64_t off,
		      const void *buf, uint32_t count)
{
	if (v->dead)
		return -EIO;
	if (!buf)
		return -EINVAL;
	switch (region) {
	case VGPU_REGION_BAR0:
		if (!bar0_access_ok(off, count))
			return -EINVAL;
		bar0_write(v, (uint32_t)off, buf, count);
		return 0;
	case VGPU_REGION_CONFIG:
		/* read-only: accepted and ignored */
		return range_ok(off, count, VGPU_CONFIG_SIZE) ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/* ---- planes */

/* Pipe A, or the first enabled pipe; -1 if none is enabled. */
static int display_pipe(const struct vgpu *v)
{
	for (unsigned p = 0; p < VRC_NUM_PIPES; p++)
		if (vgpu_pipe_enabled(v, p))
			return (int)p;
	return -1;
}

static int tiling(uint32_t ctl, uint64_t *mod, uint32_t *tile_h)
{
	switch (ctl & VRC_PLANE_CTL_TILED_MASK) {
	case VRC_PLANE_CTL_TILED_LINEAR:
		*mod = VRC_MOD_LINEAR;
		*tile_h = 1;
		return 0;
	case VRC_PLANE_CTL_TILED_X:
		*mod = MOD_INTEL(1);
		*tile_h = 8;
		return 0;
	case VRC_PLANE_CTL_TILED_Y:
		*mod = MOD_INTEL(2);
		*tile_h = 32;
		return 0;
	case VRC_PLANE_CTL_TILED_YF:
		*mod = MOD_INTEL(3);
		*tile_h = 32;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Surfaces are VRAM offsets: page-aligned and wholly inside VRAM. */
static int check_surface(const struct vgpu *v, uint64_t surf, uint64_t size)
{
	if (surf % VGPU_PAGE || surf >= v->vram_size || size > v->vram_size - surf)
		return -EFAULT;
	return 0;
}

static uint64_t page_round(uint64_t x)
{
	return (x + VGPU_PAGE - 1) & ~(uint64_t)(VGPU_PAGE - 1);
}

int vgpu_primary_plane(const struct vgpu *v, int pipe, struct vfio_device_gfx_plane_info *p,
		       uint64_t *surf)
{
	uint32_t ctl, sz, tile_h;
	uint64_t mod, w, h, stride, size;

	if (pipe < 0)
		return 0;
	ctl = vgpu_reg(v, VRC_PLANE_CTL(pipe));
	if (!(ctl & VRC_PLANE_CTL_ENABLE))
		return 0;
	if ((ctl & VRC_PLANE_CTL_FORMAT_MASK) != VRC_PLANE_CTL_FORMAT_XRGB8888 ||
	    tiling(ctl, &mod, &tile_h))
		return -EINVAL;
	sz = vgpu_reg(v, VRC_PLANE_SIZE(pipe));
	w = (sz & 0xffffu) + 1;
	h = (sz >> 16) + 1;
	stride = vgpu_reg(v, VRC_PLANE_STRIDE(pipe));
	if (stride < w * 4 || stride % 4)
		return -EINVAL;
	size = page_round(stride * ((h + tile_h - 1) / tile_h * tile_h));
	if (size > UINT32_MAX)
		return -EINVAL;
	*surf = vgpu_reg(v, VRC_PLANE_SURF(pipe));
	if (check_surface(v, *surf, size))
		return -EFAULT;
	p->drm_format = VRC_FMT_XRGB8888;
	p->drm_format_mod = mod;
	p->width = (uint32_t)w;
	p->height = (uint32_t)h;
	p->stride = (uint32_t)stride;
	p->size = (uint32_t)size;
	p->x_pos = 0;
	p->y_pos = 0;
	p->x_hot = 0;
	p->y_hot = 0;
	return 1;
}

/* CURPOS: magnitude and sign bit per axis, reported as a signed value. */
static uint32_t curpos_axis(uint32_t half)
{
	uint32_t mag = half & CURPOS_MASK;

	return (half & CURPOS_SIGN) ? (uint32_t)0 - mag : mag;
}

int vgpu_cursor_plane(const struct vgpu *v, int pipe, struct vfio_device_gfx_plane_info *p,
		      uint64_t *surf)
{
	uint32_t cntr, pos, dim;

	if (pipe < 0)
		return 0;
	cntr = vgpu_reg(v, VRC_CURCNTR(pipe)) & VRC_CURSOR_MODE_MASK;
	switch (cntr) {
	case 0:
		return 0;
	case VRC_CURSOR_MODE_64_ARGB:
		dim = 64;
		break;
	case VRC_CURSOR_MODE_128_ARGB:
		dim = 128;
		break;
	case VRC_CURSOR_MODE_256_ARGB:
		dim = 256;
		break;
	default:
		return -EINVAL;
	}
	*surf = vgpu_reg(v, VRC_CURBASE(pipe));
	if (check_surface(v, *surf, page_round(dim * dim * 4)))
		return -EFAULT;
	pos = vgpu_reg(v, VRC_CURPOS(pipe));
	p->drm_format = VRC_FMT_ARGB8888;
	p->drm_format_mod = VRC_MOD_LINEAR;
	p->width = dim;
	p->height = dim;
	p->stride = dim * 4;
	p->size = (uint32_t)page_round(dim * dim * 4);
	p->x_pos = curpos_axis(pos & 0xffffu);
	p->y_pos = curpos_axis(pos >> 16);
	p->x_hot = vgpu_has(v, VM_ZERO_HOTSPOT) ? 0 : UNKNOWN_HOT;
	p->y_hot = vgpu_has(v, VM_ZERO_HOTSPOT) ? 0 : UNKNOWN_HOT;
	return 1;
}

/* stale-dmabuf leaves the address out of the comparison: the bug class of
 * a cache keyed on what a buffer looks like rather than where it is. */
static bool same_buffer(const struct vgpu *v, const struct vgpu_dmabuf *b,
			const struct vfio_device_gfx_plane_info *p, uint64_t surf)
{
	bool same_addr = b->offset == surf || vgpu_has(v, VM_DMABUF_BY_GEOMETRY);

	return b->id && same_addr && b->size == p->size &&
	       b->drm_format == p->drm_format && b->modifier == p->drm_format_mod &&
	       b->width == p->width && b->height == p->height &&
	       b->stride == p->stride;
}

/* Reuse the id of an unchanged buffer; else a new id in a recycled slot. */
static uint32_t dmabuf_id(struct vgpu *v, const struct vfio_device_gfx_plane_info *p,
			  uint64_t surf)
{
	struct vgpu_dmabuf *b;

	for (unsigned i = 0; i < VGPU_DMABUF_SLOTS; i++)
		if (same_buffer(v, &v->dmabuf[i], p, surf))
			return v->dmabuf[i].id;
	b = &v->dmabuf[v->dmabuf_victim];
	v->dmabuf_victim = (v->dmabuf_victim + 1) % VGPU_DMABUF_SLOTS;
	if (!v->next_dmabuf_id)
		v->next_dmabuf_id = 1;
	*b = (struct vgpu_dmabuf){
		.id = v->next_dmabuf_id++, .drm_format = p->drm_format,
		.modifier = p->drm_format_mod, .offset = surf, .size = p->size,
		.width = p->width, .height = p->height, .stride = p->stride,
	};
	return b->id;
}

int vgpu_query_plane(struct vgpu *v, struct vfio_device_gfx_plane_info *p)
{
	struct vfio_device_gfx_plane_info out;
	uint64_t surf = 0;
	int rc;

	if (v->dead)
		return -EIO;
	if (!p || p->argsz < sizeof(*p))
		return -EINVAL;
	if (p->flags == (VFIO_GFX_PLANE_TYPE_DMABUF | VFIO_GFX_PLANE_TYPE_PROBE))
		return 0;
	if (p->flags != VFIO_GFX_PLANE_TYPE_DMABUF)
		return -EINVAL;
	out = *p;
	if (p->drm_plane_type == VRC_PLANE_PRIMARY)
		rc = vgpu_primary_plane(v, display_pipe(v), &out, &surf);
	else if (p->drm_plane_type == VRC_PLANE_CURSOR)
		rc = vgpu_cursor_plane(v, display_pipe(v), &out, &surf);
	else
		rc = -EINVAL;
	if (rc <= 0)
		return rc;	/* off: 0 with the struct untouched */
	out.dmabuf_id = dmabuf_id(v, &out, surf);
	*p = out;
	return 0;
}

/* torn-offset: the bug class of a dmabuf whose start is computed wrongly
 * (half the plane's rows, page-aligned), where the plane still fits VRAM. */
static uint64_t torn_shift(const struct vgpu *v, const struct vgpu_dmabuf *b)
{
	uint64_t shift;

	if (!vgpu_has(v, VM_TORN_OFFSET) || b->drm_format != VRC_FMT_XRGB8888)
		return 0;
	shift = page_round((uint64_t)b->stride * (b->height / 2));
	return check_surface(v, b->offset + shift, b->size) ? 0 : shift;
}

int vgpu_get_dmabuf(struct vgpu *v, uint32_t id, uint64_t *mmap_off,
		    uint64_t *size)
{
	if (v->dead)
		return -EIO;
	for (unsigned i = 0; id && i < VGPU_DMABUF_SLOTS; i++) {
		const struct vgpu_dmabuf *b = &v->dmabuf[i];

		if (b->id != id)
			continue;
		if (check_surface(v, b->offset, b->size))
			return -EFAULT;
		if (mmap_off)
			*mmap_off = v->vram_off + b->offset + torn_shift(v, b);
		if (size)
			*size = b->size;
		return 0;
	}
	return -EINVAL;
}
