/* SPDX-License-Identifier: MIT */
/*
 * Per-band CRCs of an XRGB8888 frame (SPEC TEAR-1): the frame's rows split
 * into horizontal bands, each band's CRC-32 (zlib's polynomial) over `width` pixels per
 * row — stride padding ignored, the X byte masked to 0 — so a guest and the
 * host capture agree on a frame's identity band by band, and a tear shows as
 * bands from different frames.
 */
#ifndef VRC_BANDCRC_H
#define VRC_BANDCRC_H

#include <stdint.h>

#define VRC_BANDS_MAX		64u
#define VRC_BANDS_DEFAULT	16u

struct vrc_band_crcs {
	uint32_t nbands;
	uint32_t crc[VRC_BANDS_MAX];
};

/* Row range of band b of n over height rows: [first, last). */
static inline void vrc_band_rows(uint32_t b, uint32_t n, uint32_t height,
				 uint32_t *first, uint32_t *last)
{
	*first = (uint32_t)((uint64_t)b * height / n);
	*last = (uint32_t)((uint64_t)(b + 1) * height / n);
}

/*
 * Returns 0, or -EINVAL for impossible geometry (zero size, stride < width*4,
 * nbands outside 1..min(VRC_BANDS_MAX, height), sizes that overflow).
 */
int vrc_band_crc_xrgb(const void *pixels, uint32_t width, uint32_t height,
		      uint32_t stride, uint32_t nbands, struct vrc_band_crcs *out);

/*
 * The same CRC continued over n more pixels (X masked): a band's CRC is
 * its rows' pixels chained from crc 0, so a caller that builds part of a
 * row elsewhere (vgpu-sim composing the cursor) still gets the band CRC.
 */
uint32_t vrc_crc_xrgb_more(uint32_t crc, const void *pixels, uint32_t n);

#endif /* VRC_BANDCRC_H */
