// SPDX-License-Identifier: MIT
/* Band CRCs: what TEAR-1 relies on — equal for the same visible pixels,
 * blind to X bytes and stride padding, and local to the band that changed. */
#include <stdlib.h>
#include <zlib.h>

#include "vrc/bandcrc.h"
#include "vrc/vtest.h"

#define W	100u
#define H	48u
#define STRIDE	(W * 4 + 64)

static uint8_t *frame(uint32_t seed)
{
	uint8_t *f = malloc((size_t)STRIDE * H);

	for (size_t i = 0; i < (size_t)STRIDE * H; i++)
		f[i] = (uint8_t)(i * 131u + seed * 7u + (i >> 9));
	return f;
}

TEST(matches_zlib_over_masked_rows)
{
	uint8_t *f = frame(1), *packed = malloc(W * 4 * (H / 4));
	struct vrc_band_crcs c;

	ASSERT_EQ(0, vrc_band_crc_xrgb(f, W, H, STRIDE, 4, &c));
	ASSERT_EQ(4u, c.nbands);
	/* Band 2 = rows 24..35: pack them, mask X, CRC with zlib directly. */
	for (uint32_t y = 0; y < H / 4; y++)
		for (uint32_t x = 0; x < W * 4; x++)
			packed[y * W * 4 + x] = (x % 4 == 3) ? 0 : f[(24 + y) * STRIDE + x];
	ASSERT_EQ((uint32_t)crc32_z(0, packed, W * 4 * (H / 4)), c.crc[2]);
	free(f);
	free(packed);
}

/* Chaining pieces of rows (split anywhere, odd lengths too) gives the
 * one-band CRC; an empty piece changes nothing. */
TEST(crc_continued_in_pieces_is_the_band_crc)
{
	uint8_t *f = frame(4);
	struct vrc_band_crcs c;
	uint32_t crc = 0;

	ASSERT_EQ(0, vrc_band_crc_xrgb(f, W, H, STRIDE, 1, &c));
	for (uint32_t y = 0; y < H; y++) {
		const uint8_t *row = f + (size_t)y * STRIDE;
		uint32_t cut = (y * 7u) % W;

		crc = vrc_crc_xrgb_more(crc, row, cut);
		crc = vrc_crc_xrgb_more(crc, row + (size_t)cut * 4, 0);
		crc = vrc_crc_xrgb_more(crc, row + (size_t)cut * 4, W - cut);
	}
	ASSERT_EQ(c.crc[0], crc);
	/* the X bytes are masked here as well */
	f[3] ^= 0xff;
	crc = vrc_crc_xrgb_more(0, f, 1);
	for (uint32_t y = 0; y < H; y++)
		crc = vrc_crc_xrgb_more(crc, f + (size_t)y * STRIDE + (y ? 0 : 4), y ? W : W - 1);
	ASSERT_EQ(c.crc[0], crc);
	free(f);
}

TEST(ignores_x_byte_and_stride_padding)
{
	uint8_t *a = frame(2), *b = frame(2);
	struct vrc_band_crcs ca, cb;

	for (uint32_t y = 0; y < H; y++) {
		for (uint32_t x = 0; x < W; x++)
			b[y * STRIDE + x * 4 + 3] ^= 0xff;	/* X bytes */
		for (uint32_t x = W * 4; x < STRIDE; x++)
			b[y * STRIDE + x] ^= 0x5a;		/* padding */
	}
	ASSERT_EQ(0, vrc_band_crc_xrgb(a, W, H, STRIDE, VRC_BANDS_DEFAULT, &ca));
	ASSERT_EQ(0, vrc_band_crc_xrgb(b, W, H, STRIDE, VRC_BANDS_DEFAULT, &cb));
	for (uint32_t i = 0; i < VRC_BANDS_DEFAULT; i++)
		ASSERT_EQ(ca.crc[i], cb.crc[i]);
	free(a);
	free(b);
}

TEST(a_changed_pixel_changes_only_its_band)
{
	uint8_t *a = frame(3), *b = frame(3);
	struct vrc_band_crcs ca, cb;
	uint32_t first, last;

	vrc_band_rows(5, VRC_BANDS_DEFAULT, H, &first, &last);
	b[first * STRIDE + 10 * 4 + 1] ^= 0x01;	/* one green bit, band 5 */
	ASSERT_EQ(0, vrc_band_crc_xrgb(a, W, H, STRIDE, VRC_BANDS_DEFAULT, &ca));
	ASSERT_EQ(0, vrc_band_crc_xrgb(b, W, H, STRIDE, VRC_BANDS_DEFAULT, &cb));
	for (uint32_t i = 0; i < VRC_BANDS_DEFAULT; i++) {
		if (i == 5)
			ASSERT_NE(ca.crc[i], cb.crc[i]);
		else
			ASSERT_EQ(ca.crc[i], cb.crc[i]);
	}
	free(a);
	free(b);
}

TEST(bands_cover_every_row_once)
{
	for (uint32_t h = 1; h < 70; h++)
		for (uint32_t n = 1; n <= VRC_BANDS_MAX && n <= h; n++) {
			uint32_t prev_last = 0, first, last;
			for (uint32_t b = 0; b < n; b++) {
				vrc_band_rows(b, n, h, &first, &last);
				ASSERT_EQ(prev_last, first);
				ASSERT_LT(first, last);
				prev_last = last;
			}
			ASSERT_EQ(h, prev_last);
		}
}

/*
 * The masking runs four pixels at a time in chunks of 1024: every width
 * from 1 to past two chunks, from a pointer at every byte alignment, must
 * give zlib's CRC of the masked, packed row (a wrong tail or chunk edge
 * shows here, not in the 100-pixel frames above).
 */
TEST(every_width_and_alignment_matches_zlib)
{
	const uint32_t max_w = 2 * 1024 + 9;
	uint8_t *buf = malloc((size_t)max_w * 4 + 3), *packed = malloc((size_t)max_w * 4);
	struct vrc_band_crcs c;

	for (size_t i = 0; i < (size_t)max_w * 4 + 3; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	for (uint32_t w = 1; w <= max_w; w++) {
		for (uint32_t a = 0; a < 4; a++) {
			const uint8_t *row = buf + a;

			for (uint32_t x = 0; x < w * 4; x++)
				packed[x] = x % 4 == 3 ? 0 : row[x];
			ASSERT_EQ(0, vrc_band_crc_xrgb(row, w, 1, w * 4, 1, &c));
			ASSERT_EQ((uint32_t)crc32_z(0, packed, (size_t)w * 4), c.crc[0]);
		}
	}
	free(buf);
	free(packed);
}

TEST(rejects_impossible_geometry)
{
	uint8_t px[64] = { 0 };
	struct vrc_band_crcs c;

	ASSERT_EQ(-EINVAL, vrc_band_crc_xrgb(px, 0, 4, 16, 1, &c));
	ASSERT_EQ(-EINVAL, vrc_band_crc_xrgb(px, 4, 0, 16, 1, &c));
	ASSERT_EQ(-EINVAL, vrc_band_crc_xrgb(px, 5, 2, 16, 1, &c));	/* stride < w*4 */
	ASSERT_EQ(-EINVAL, vrc_band_crc_xrgb(px, 4, 2, 16, 3, &c));	/* bands > rows */
	ASSERT_EQ(-EINVAL, vrc_band_crc_xrgb(px, 4, 4, 16, 0, &c));
	ASSERT_EQ(-EINVAL, vrc_band_crc_xrgb(NULL, 4, 4, 16, 1, &c));
	ASSERT_EQ(0, vrc_band_crc_xrgb(px, 4, 4, 16, 4, &c));
}

VTEST_MAIN()
