/* SPDX-License-Identifier: MIT */
/*
 * Turning a captured i915 primary plane into linear rows before band CRCs.
 * GVT hands out the guest's framebuffer as it lies in memory: linear, or
 * X-/Y-tiled (SPEC §1). Layouts (Intel PRM, "Tiling"; no bit-6 swizzling on
 * gen8+, which is all GVT-g runs on):
 *   X: 4 KiB tiles of 512 bytes x 8 rows, each row linear;
 *   Y: 4 KiB tiles of 128 bytes x 32 rows, made of 16-byte columns
 *      (OWords) stored column by column: 32 rows of column 0, then column 1...
 * Tiles follow each other left to right, then tile row by tile row; the
 * plane's stride is a whole number of tiles.
 */
#ifndef VRC_GVT_DETILE_H
#define VRC_GVT_DETILE_H

#include <stddef.h>
#include <stdint.h>

enum gvt_tiling { GVT_TILING_LINEAR, GVT_TILING_X, GVT_TILING_Y, GVT_TILING_YF };

/* DRM format modifier -> tiling; -ENOTSUP for anything else (CCS, gen12). */
int gvt_tiling_from_modifier(uint64_t modifier, enum gvt_tiling *t);
const char *gvt_tiling_name(enum gvt_tiling t);

/*
 * Copy the visible width_bytes x height of a tiled buffer (src_len bytes,
 * stride bytes per row of tiles / tile height) into dst, dst_stride bytes
 * per row. Validates everything against src_len first: -EINVAL with a
 * message for a stride that is not a whole number of tiles, a width beyond
 * the stride, or a buffer shorter than stride x height rounded up to whole
 * tiles; -ENOTSUP for Yf (its 4 KiB tile is not built from OWord columns).
 */
int gvt_detile(enum gvt_tiling t, const uint8_t *src, size_t src_len, uint32_t stride,
	       uint32_t width_bytes, uint32_t height, uint8_t *dst, size_t dst_stride,
	       char *err, size_t errlen);

#endif /* VRC_GVT_DETILE_H */
