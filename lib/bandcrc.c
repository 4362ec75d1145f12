// SPDX-License-Identifier: MIT
/*
 * Band CRCs over XRGB8888 (see bandcrc.h). The CRC-32 (zlib's polynomial
 * and conventions) comes from libdeflate, whose crc32 uses carry-less
 * multiply where the CPU has it: zlib 1.2's table CRC reaches about an
 * eighth of memcpy bandwidth (make bench), libdeflate several times that.
 */
#include <errno.h>
#include <string.h>
#include <libdeflate.h>

#include "vrc/bandcrc.h"

/* Pixels masked per crc32 call: small enough for the stack (and L1), large
 * enough that the call's set-up does not show. A multiple of LANES. */
#define CHUNK_PX	1024u

/*
 * Four pixels per step in GCC's generic vector type (SSE2 on x86-64, NEON
 * on arm64; no target code here). With the width unknown at compile time
 * the scalar loop is not auto-vectorised at -O2, and that mask pass, not
 * the CRC, was the bottleneck: make bench measures the two.
 */
#define LANES		4u
typedef uint32_t px4 __attribute__((vector_size(LANES * sizeof(uint32_t))));

/* dst[i] = src pixel i with its X byte (byte 3, little-endian) cleared. */
static void mask_x(px4 *dst, const uint8_t *src, uint32_t n)
{
	uint32_t i = 0;

	for (; i + LANES <= n; i += LANES) {
		px4 v;

		memcpy(&v, src + (size_t)i * 4, sizeof(v));	/* unaligned load */
		dst[i / LANES] = v & 0x00ffffffu;
	}
	for (; i < n; i++) {
		uint32_t v;

		memcpy(&v, src + (size_t)i * 4, 4);
		v &= 0x00ffffffu;
		memcpy((uint8_t *)dst + (size_t)i * 4, &v, 4);
	}
}

static uint32_t crc_row(uint32_t crc, const uint8_t *row, uint32_t width)
{
	px4 tmp[CHUNK_PX / LANES];

	for (uint32_t x = 0; x < width; x += CHUNK_PX) {
		uint32_t n = width - x < CHUNK_PX ? width - x : CHUNK_PX;

		mask_x(tmp, row + (size_t)x * 4, n);
		crc = libdeflate_crc32(crc, tmp, (size_t)n * 4);
	}
	return crc;
}

uint32_t vrc_crc_xrgb_more(uint32_t crc, const void *pixels, uint32_t n)
{
	return n ? crc_row(crc, pixels, n) : crc;
}

int vrc_band_crc_xrgb(const void *pixels, uint32_t width, uint32_t height,
		      uint32_t stride, uint32_t nbands, struct vrc_band_crcs *out)
{
	const uint8_t *p = pixels;

	if (!p || !out || !width || !height || width > stride / 4 || !nbands ||
	    nbands > VRC_BANDS_MAX || nbands > height)
		return -EINVAL;
	out->nbands = nbands;
	for (uint32_t b = 0; b < nbands; b++) {
		uint32_t first, last, crc = 0;

		vrc_band_rows(b, nbands, height, &first, &last);
		for (uint32_t y = first; y < last; y++)
			crc = crc_row(crc, p + (size_t)y * stride, width);
		out->crc[b] = crc;
	}
	return 0;
}
