// SPDX-License-Identifier: MIT
/* The detiler of detile.h: a span copy per tile row, bounds checked once up front. */
#include <errno.h>
#include <string.h>

#include "vrc/util.h"
#include "detile.h"

#define MOD_VENDOR_INTEL	0x01ull
#define MOD_INTEL(n)		((MOD_VENDOR_INTEL << 56) | (n))
#define MOD_LINEAR		0ull
#define MOD_X			MOD_INTEL(1)	/* I915_FORMAT_MOD_X_TILED */
#define MOD_Y			MOD_INTEL(2)	/* I915_FORMAT_MOD_Y_TILED */
#define MOD_YF			MOD_INTEL(3)	/* I915_FORMAT_MOD_Yf_TILED */

int gvt_tiling_from_modifier(uint64_t modifier, enum gvt_tiling *t)
{
	switch (modifier) {
	case MOD_LINEAR: *t = GVT_TILING_LINEAR; return 0;
	case MOD_X: *t = GVT_TILING_X; return 0;
	case MOD_Y: *t = GVT_TILING_Y; return 0;
	case MOD_YF: *t = GVT_TILING_YF; return 0;
	default: return -ENOTSUP;
	}
}

const char *gvt_tiling_name(enum gvt_tiling t)
{
	static const char *const n[] = { "linear", "X-tiled", "Y-tiled", "Yf-tiled" };

	return t <= GVT_TILING_YF ? n[t] : "?";
}

int gvt_detile(enum gvt_tiling t, const uint8_t *src, size_t src_len, uint32_t stride,
	       uint32_t width_bytes, uint32_t height, uint8_t *dst, size_t dst_stride,
	       char *err, size_t errlen)
{
	uint32_t tw, th;	/* tile width in bytes, height in rows */
	uint64_t rows, need;

	switch (t) {
	case GVT_TILING_LINEAR: tw = 1; th = 1; break;
	case GVT_TILING_X: tw = 512; th = 8; break;
	case GVT_TILING_Y: tw = 128; th = 32; break;
	default:
		vrc_seterr(err, errlen, "detile: %s buffers are not supported", gvt_tiling_name(t));
		return -ENOTSUP;
	}
	if (stride == 0 || stride % tw || width_bytes > stride || width_bytes > dst_stride) {
		vrc_seterr(err, errlen, "detile: %s stride %u must be a non-zero multiple of %u "
			   "and at least the width %u (destination rows %zu)", gvt_tiling_name(t),
			   stride, tw, width_bytes, dst_stride);
		return -EINVAL;
	}
	rows = ((uint64_t)height + th - 1) / th * th;
	need = rows * stride;
	if (need > src_len) {
		vrc_seterr(err, errlen, "detile: %s %ux%u with stride %u needs %llu bytes, the "
			   "buffer has %zu", gvt_tiling_name(t), width_bytes, height, stride,
			   (unsigned long long)need, src_len);
		return -EINVAL;
	}
	if (t == GVT_TILING_LINEAR) {
		for (uint32_t y = 0; y < height; y++)
			memcpy(dst + (size_t)y * dst_stride, src + (size_t)y * stride, width_bytes);
		return 0;
	}
	/* a tile row of the image is stride * th bytes: stride / tw tiles of 4 KiB */
	for (uint32_t y = 0; y < height; y++) {
		const uint8_t *tile_row = src + (size_t)(y / th) * stride * th;
		uint8_t *out = dst + (size_t)y * dst_stride;
		uint32_t yt = y % th;

		for (uint32_t x = 0; x < width_bytes;) {
			const uint8_t *tile = tile_row + (size_t)(x / tw) * 4096;
			uint32_t xt = x % tw, span;
			const uint8_t *from;

			if (t == GVT_TILING_X) {
				from = tile + yt * 512 + xt;
				span = 512 - xt;
			} else {	/* Y: 16-byte columns of 32 rows each */
				from = tile + (xt / 16) * 512 + yt * 16 + xt % 16;
				span = 16 - xt % 16;
			}
			if (span > width_bytes - x)
				span = width_bytes - x;
			memcpy(out + x, from, span);
			x += span;
		}
	}
	return 0;
}
