// SPDX-License-Identifier: MIT
/*
 * Capture and matching for the tearing checks (see capture.h). Everything
 * the device reports is untrusted: vrc_plane_map checks the geometry before
 * mapping, and here the format, modifier and band count are checked before
 * a pixel is read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libdeflate.h>

#include "vrc/capture.h"
#include "vrc/fourcc.h"
#include "vrc/util.h"


uint32_t vrc_capture_auto_bands(uint32_t height)
{
	uint32_t n = height / 16;

	if (n < VRC_BANDS_DEFAULT)
		n = VRC_BANDS_DEFAULT;
	if (n > VRC_BANDS_MAX)
		n = VRC_BANDS_MAX;
	return n > height ? height : n;
}

int vrc_frames_init(struct vrc_frame_table *t, uint32_t width, uint32_t height,
		    uint32_t nbands)
{
	memset(t, 0, sizeof(*t));
	if (!width || !height || !nbands || nbands > VRC_BANDS_MAX || nbands > height)
		return -EINVAL;
	t->nbands = nbands;
	t->width = width;
	t->height = height;
	return 0;
}

int vrc_frames_add_crcs(struct vrc_frame_table *t, uint32_t id, const uint32_t *crc)
{
	struct vrc_known_frame *f;

	if (id == VRC_NO_FRAME || (t->n && id <= t->f[t->n - 1].id))
		return -EINVAL;
	if (t->n == VRC_FRAMES_MAX) {
		memmove(&t->f[0], &t->f[1], (VRC_FRAMES_MAX - 1) * sizeof(t->f[0]));
		t->n--;
	}
	f = &t->f[t->n++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	memcpy(f->crc, crc, t->nbands * sizeof(crc[0]));
	return 0;
}

int vrc_frames_add(struct vrc_frame_table *t, uint32_t id, const void *pixels,
		   uint32_t stride)
{
	struct vrc_band_crcs c;
	int rc = vrc_band_crc_xrgb(pixels, t->width, t->height, stride, t->nbands, &c);

	return rc ? rc : vrc_frames_add_crcs(t, id, c.crc);
}

/* Bit j: frame t->f[j] has this CRC for band b. */
static uint64_t band_set(const struct vrc_frame_table *t, uint32_t b, uint32_t crc)
{
	uint64_t s = 0;

	for (uint32_t j = 0; j < t->n; j++)
		if (t->f[j].crc[b] == crc)
			s |= 1ull << j;
	return s;
}

/* The newest frame of a set (frames are kept oldest first). */
static uint32_t newest(const struct vrc_frame_table *t, uint64_t s)
{
	return s ? t->f[63 - __builtin_clzll(s)].id : VRC_NO_FRAME;
}

int vrc_frames_match(const struct vrc_frame_table *t, const struct vrc_band_crcs *c,
		     struct vrc_match *m)
{
	uint64_t all = t->n == 64 ? ~0ull : (1ull << t->n) - 1, prefix = all;
	bool tear_found = false;

	memset(m, 0, sizeof(*m));
	if (!c || c->nbands != t->nbands || !t->nbands)
		return -EINVAL;
	m->kind = VRC_MATCH_FRAME;
	m->frame = m->other = VRC_NO_FRAME;
	for (uint32_t b = 0; b < t->nbands; b++) {
		uint64_t s = band_set(t, b, c->crc[b]);

		m->band_frame[b] = newest(t, s);
		if (!s) {
			if (m->kind != VRC_MATCH_UNKNOWN) {
				m->kind = VRC_MATCH_UNKNOWN;
				m->band = b;
				m->frame = newest(t, prefix);
				m->other = VRC_NO_FRAME;
			}
			continue;
		}
		if (!tear_found && !(prefix & s)) {
			tear_found = true;
			if (m->kind != VRC_MATCH_UNKNOWN) {
				m->kind = VRC_MATCH_TORN;
				m->band = b;
				m->frame = newest(t, prefix);
				m->other = newest(t, s);
			}
		}
		if (!tear_found)
			prefix &= s;
	}
	if (m->kind == VRC_MATCH_FRAME)
		m->frame = newest(t, prefix);
	return 0;
}

const char *vrc_match_str(const struct vrc_match *m, char *buf, size_t len)
{
	switch (m->kind) {
	case VRC_MATCH_FRAME:
		snprintf(buf, len, "frame %u", m->frame);
		break;
	case VRC_MATCH_TORN:
		snprintf(buf, len, "torn at band %u: frame %u above, frame %u from there",
			 m->band, m->frame, m->other);
		break;
	case VRC_MATCH_UNKNOWN:
		if (m->frame == VRC_NO_FRAME)
			snprintf(buf, len, "band %u matches no known frame", m->band);
		else
			snprintf(buf, len, "band %u matches no known frame (frame %u above)",
				 m->band, m->frame);
		break;
	}
	return buf;
}

/* ---- primary plane */

/* What this reader can CRC in nbands bands: 0, or -errno with err. */
static int primary_readable(const struct vfio_device_gfx_plane_info *i, uint32_t nbands,
			    char *err, size_t errlen)
{
	if (i->drm_format == 0) {
		vrc_seterr(err, errlen, "primary plane is off (drm_format 0)");
		return -ENOENT;
	}
	if (i->drm_format != VRC_FMT_XRGB8888) {
		vrc_seterr(err, errlen, "primary plane format %#x is not XRGB8888", i->drm_format);
		return -ENOTSUP;
	}
	if (i->drm_format_mod != VRC_MOD_LINEAR) {
		vrc_seterr(err, errlen, "primary plane modifier %#llx: this reader takes LINEAR "
			   "only (gvt_capture detiles X and Y tiling)",
			   (unsigned long long)i->drm_format_mod);
		return -ENOTSUP;
	}
	if (!nbands || nbands > VRC_BANDS_MAX || nbands > i->height) {
		vrc_seterr(err, errlen, "%u bands for a plane of %u rows", nbands, i->height);
		return -EINVAL;
	}
	return 0;
}

/* Query the primary plane into c and check this reader can take it. */
static int query_primary(struct vrc_transport *t, uint32_t nbands, struct vrc_capture *c,
			 char *err, size_t errlen)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->plane.fd = -1;
	rc = vrc_plane_query(t, VRC_PLANE_PRIMARY, &c->plane);
	if (rc) {
		vrc_seterr(err, errlen, "QUERY_GFX_PLANE(primary): %s", strerror(-rc));
		return rc;
	}
	rc = primary_readable(&c->plane.info, nbands, err, errlen);
	if (rc)
		vrc_plane_release(&c->plane);
	return rc;
}

int vrc_capture_open(struct vrc_transport *t, uint32_t nbands, struct vrc_capture *c,
		     char *err, size_t errlen)
{
	int rc = query_primary(t, nbands, c, err, errlen);

	if (rc)
		return rc;
	rc = vrc_plane_map(t, &c->plane, err, errlen);
	if (rc) {
		vrc_plane_release(&c->plane);
		return rc;
	}
	c->nbands = nbands;
	c->crc.nbands = nbands;
	c->path = "mmap";
	return 0;
}

int vrc_capture_bands(struct vrc_capture *c, uint32_t first, uint32_t last)
{
	const struct vfio_device_gfx_plane_info *i = &c->plane.info;
	const uint8_t *px = c->plane.map;

	if (!px || first > last || last > c->nbands)
		return -EINVAL;
	for (uint32_t b = first; b < last; b++) {
		struct vrc_band_crcs one;
		uint32_t y0, y1;
		int rc;

		vrc_band_rows(b, c->nbands, i->height, &y0, &y1);
		/* one band over its own rows is the band's CRC (crc starts at 0) */
		rc = vrc_band_crc_xrgb(px + (size_t)y0 * i->stride, i->width, y1 - y0,
				       i->stride, 1, &one);
		if (rc)
			return rc;
		c->crc.crc[b] = one.crc[0];
		c->bands_read++;
	}
	return 0;
}

void vrc_capture_close(struct vrc_capture *c)
{
	vrc_plane_release(&c->plane);
}

int vrc_capture_primary(struct vrc_transport *t, uint32_t nbands, struct vrc_capture *c,
			char *err, size_t errlen)
{
	int rc = vrc_capture_open(t, nbands, c, err, errlen);

	if (rc)
		return rc;
	rc = vrc_capture_bands(c, 0, nbands);
	if (rc)
		vrc_seterr(err, errlen, "band CRC over the mapped plane: %s", strerror(-rc));
	vrc_capture_close(c);
	return rc;
}

/* ---- mappings cached by dmabuf id */

void vrc_capture_cache_init(struct vrc_capture_cache *cc)
{
	memset(cc, 0, sizeof(*cc));
	for (unsigned i = 0; i < VRC_CAPTURE_CACHE_SLOTS; i++)
		cc->e[i].plane.fd = -1;
}

void vrc_capture_cache_fini(struct vrc_capture_cache *cc)
{
	for (unsigned i = 0; i < VRC_CAPTURE_CACHE_SLOTS; i++)
		vrc_plane_release(&cc->e[i].plane);
}

static bool same_geometry(const struct vfio_device_gfx_plane_info *a,
			  const struct vfio_device_gfx_plane_info *b)
{
	return a->dmabuf_id == b->dmabuf_id && a->drm_format == b->drm_format &&
	       a->drm_format_mod == b->drm_format_mod && a->width == b->width &&
	       a->height == b->height && a->stride == b->stride && a->size == b->size;
}

int vrc_capture_cache_map(struct vrc_transport *t, struct vrc_capture_cache *cc,
			  struct vrc_plane *q, const struct vrc_plane **out, char *err,
			  size_t errlen)
{
	unsigned i, victim = 0;
	int rc;

	for (i = 0; i < VRC_CAPTURE_CACHE_SLOTS; i++) {
		struct vrc_plane *e = &cc->e[i].plane;

		if (!e->map || e->info.dmabuf_id != q->info.dmabuf_id)
			continue;
		if (same_geometry(&e->info, &q->info))
			break;
		/* the id names another buffer now: the old mapping is stale */
		vrc_plane_release(e);
		cc->dropped++;
	}
	if (i < VRC_CAPTURE_CACHE_SLOTS) {
		cc->hits++;
	} else {
		/* a free slot, else the least recently used */
		for (unsigned j = 0; j < VRC_CAPTURE_CACHE_SLOTS; j++) {
			if (!cc->e[j].plane.map) {
				victim = j;
				break;
			}
			if (cc->e[j].last_use < cc->e[victim].last_use)
				victim = j;
		}
		cc->misses++;
		rc = vrc_plane_map(t, q, err, errlen);
		if (rc)
			return rc;	/* q keeps what it got: an fd on -ENODEV */
		vrc_plane_release(&cc->e[victim].plane);
		cc->e[victim].plane = *q;
		q->fd = -1;
		q->map = q->map_base = NULL;
		q->map_len = q->map_base_len = 0;
		i = victim;
	}
	cc->e[i].last_use = ++cc->tick;
	*out = &cc->e[i].plane;
	return 0;
}

int vrc_capture_primary_cached(struct vrc_transport *t, struct vrc_capture_cache *cc,
			       uint32_t nbands, struct vrc_capture *c, char *err,
			       size_t errlen)
{
	const struct vrc_plane *m;
	uint64_t misses = cc->misses;
	int rc = query_primary(t, nbands, c, err, errlen);

	if (rc)
		return rc;
	rc = vrc_capture_cache_map(t, cc, &c->plane, &m, err, errlen);
	if (rc) {
		vrc_plane_release(&c->plane);
		return rc;
	}
	c->plane = *m;
	c->nbands = nbands;
	c->crc.nbands = nbands;
	c->path = cc->misses == misses ? "mmap (cached by dmabuf id)" : "mmap";
	rc = vrc_capture_bands(c, 0, nbands);
	if (rc)
		vrc_seterr(err, errlen, "band CRC over the mapped plane: %s", strerror(-rc));
	/* the cache owns the mapping: the caller's copy must not release it */
	c->plane.map = c->plane.map_base = NULL;
	c->plane.fd = -1;
	return rc;
}

/* ---- cursor plane */

uint32_t vrc_cursor_crc(const void *pixels, uint32_t width, uint32_t height,
			uint32_t stride)
{
	const uint8_t *p = pixels;
	uint32_t crc = 0;

	for (uint32_t y = 0; y < height; y++)
		crc = libdeflate_crc32(crc, p + (size_t)y * stride, (size_t)width * 4);
	return crc;
}

int vrc_capture_cursor(struct vrc_transport *t, struct vrc_cursor_state *s,
		       char *err, size_t errlen)
{
	struct vrc_plane p;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = vrc_plane_query(t, VRC_PLANE_CURSOR, &p);
	if (rc) {
		vrc_seterr(err, errlen, "QUERY_GFX_PLANE(cursor): %s", strerror(-rc));
		return rc;
	}
	if (p.info.drm_format == 0)
		return 0;
	if (p.info.drm_format != VRC_FMT_ARGB8888 || p.info.drm_format_mod != VRC_MOD_LINEAR) {
		vrc_seterr(err, errlen, "cursor plane format %#x modifier %#llx: want linear ARGB8888",
			   p.info.drm_format, (unsigned long long)p.info.drm_format_mod);
		return -EPROTO;
	}
	rc = vrc_plane_map(t, &p, err, errlen);
	if (rc) {
		vrc_plane_release(&p);
		return rc;
	}
	s->on = true;
	s->x = (int32_t)p.info.x_pos;
	s->y = (int32_t)p.info.y_pos;
	s->hot_x = p.info.x_hot;
	s->hot_y = p.info.y_hot;
	s->width = p.info.width;
	s->height = p.info.height;
	s->dmabuf_id = p.info.dmabuf_id;
	s->image_crc = vrc_cursor_crc(p.map, p.info.width, p.info.height, p.info.stride);
	vrc_plane_release(&p);
	return 0;
}

int vrc_cursor_compare(const struct vrc_cursor_state *dev,
		       const struct vrc_cursor_state *guest, char *why, size_t len)
{
	if (dev->on != guest->on) {
		vrc_seterr(why, len, "cursor %s, the guest's is %s", dev->on ? "on" : "off",
			   guest->on ? "on" : "off");
		return 1;
	}
	if (!dev->on)
		return 0;
	if (dev->x != guest->x || dev->y != guest->y) {
		vrc_seterr(why, len, "position (%d,%d), the guest's latest is (%d,%d)",
			   dev->x, dev->y, guest->x, guest->y);
		return 1;
	}
	if ((dev->hot_x != VRC_HOT_UNKNOWN || dev->hot_y != VRC_HOT_UNKNOWN) &&
	    (dev->hot_x != guest->hot_x || dev->hot_y != guest->hot_y)) {
		vrc_seterr(why, len, "hotspot (%u,%u), the guest's is (%u,%u)",
			   dev->hot_x, dev->hot_y, guest->hot_x, guest->hot_y);
		return 1;
	}
	if (dev->width != guest->width || dev->height != guest->height) {
		vrc_seterr(why, len, "image %ux%u, the guest's is %ux%u", dev->width,
			   dev->height, guest->width, guest->height);
		return 1;
	}
	if (dev->image_crc != guest->image_crc) {
		vrc_seterr(why, len, "image CRC %08x is not the guest's latest image (%08x)",
			   dev->image_crc, guest->image_crc);
		return 1;
	}
	return 0;
}
