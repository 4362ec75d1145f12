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

/* Pixels masked per crc32 call: small enough for the stack, large enough
 * that zlib's per-call overhead does not show. */
#define CHUNK_PX	1024u

static uint32_t crc_row(uint32_t crc, const uint8_t *row, uint32_t width)
{
	uint32_t tmp[CHUNK_PX];

	for (uint32_t x = 0; x < width; x += CHUNK_PX) {
		uint32_t n = width - x < CHUNK_PX ? width - x : CHUNK_PX;
		/* One pass: unaligned load, mask the X byte (byte 3, little-endian). */
		for (uint32_t i = 0; i < n; i++) {
			uint32_t v;
			memcpy(&v, row + ((size_t)x + i) * 4, 4);
			tmp[i] = v & 0x00ffffffu;
		}
		crc = libdeflate_crc32(crc, tmp, (size_t)n * 4);
	}
	return crc;
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
