// SPDX-License-Identifier: MIT
/*
 * The detiler against synthetic tiled buffers: a linear image is tiled byte
 * by byte with the PRM's address formula (written here independently of the
 * detiler's span copies), detiled again and compared; fixed addresses pin
 * the layouts themselves; bad geometry is refused before any read.
 */
#include "vrc/vtest.h"
#include "harness/gvt/detile.h"

/* Where byte xb of row y lives in a tiled buffer (the PRM's formula). */
static size_t tiled_addr(enum gvt_tiling t, uint32_t stride, uint32_t xb, uint32_t y)
{
	if (t == GVT_TILING_X)
		return (size_t)(y / 8) * stride * 8 + (xb / 512) * 4096 + (y % 8) * 512 + xb % 512;
	return (size_t)(y / 32) * stride * 32 + (xb / 128) * 4096 + ((xb % 128) / 16) * 512 +
	       (y % 32) * 16 + xb % 16;
}

static uint8_t pattern(uint32_t xb, uint32_t y)
{
	return (uint8_t)(xb * 7 + y * 13 + (xb >> 8) * 3 + (y >> 3));
}

static void round_trip(enum gvt_tiling t, uint32_t width_bytes, uint32_t height, uint32_t stride)
{
	uint32_t th = t == GVT_TILING_X ? 8 : 32;
	size_t len = (size_t)stride * ((height + th - 1) / th * th);
	uint8_t *tiled = malloc(len), *out = calloc(height, width_bytes);
	char err[200] = "";

	ASSERT_TRUE(tiled && out);
	memset(tiled, 0xee, len);
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width_bytes; x++)
			tiled[tiled_addr(t, stride, x, y)] = pattern(x, y);
	ASSERT_EQ(0, gvt_detile(t, tiled, len, stride, width_bytes, height, out, width_bytes,
				err, sizeof(err)));
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width_bytes; x++)
			if (out[(size_t)y * width_bytes + x] != pattern(x, y)) {
				printf("# %s %ux%u stride %u: byte (%u,%u) is %#x, want %#x\n",
				       gvt_tiling_name(t), width_bytes, height, stride, x, y,
				       out[(size_t)y * width_bytes + x], pattern(x, y));
				ASSERT_TRUE(0);
			}
	free(tiled);
	free(out);
}

TEST(layout_facts)
{
	/* X: rows of 512 bytes inside a tile; the next tile 4 KiB on */
	ASSERT_EQ(512u, tiled_addr(GVT_TILING_X, 2048, 0, 1));
	ASSERT_EQ(4096u, tiled_addr(GVT_TILING_X, 2048, 512, 0));
	ASSERT_EQ(2048u * 8, tiled_addr(GVT_TILING_X, 2048, 0, 8));
	/* Y: 16-byte columns of 32 rows: (0,1) at 16, (16,0) at 512 */
	ASSERT_EQ(16u, tiled_addr(GVT_TILING_Y, 512, 0, 1));
	ASSERT_EQ(512u, tiled_addr(GVT_TILING_Y, 512, 16, 0));
	ASSERT_EQ(4096u, tiled_addr(GVT_TILING_Y, 512, 128, 0));
}

TEST(detiler_matches_layout_facts)
{
	/* a buffer whose every byte says where it is; detile and look */
	uint8_t src[2 * 4096 * 2], out[4 * 64];
	char err[200];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i / 16);	/* the OWord index */
	ASSERT_EQ(0, gvt_detile(GVT_TILING_Y, src, sizeof(src), 256, 64, 4, out, 64,
				err, sizeof(err)));
	ASSERT_EQ(0, out[0]);		/* (0,0): OWord 0 */
	ASSERT_EQ(1, out[64]);		/* (0,1): OWord 1 */
	ASSERT_EQ(32, out[16]);		/* (16,0): OWord 32 = byte 512 */
	ASSERT_EQ(0, gvt_detile(GVT_TILING_X, src, sizeof(src), 1024, 64, 4, out, 64,
				err, sizeof(err)));
	ASSERT_EQ(32, out[64]);		/* X (0,1): byte 512 */
}

TEST(round_trips)
{
	round_trip(GVT_TILING_X, 1024 * 4, 768, 4096);		/* 1024x768 XRGB */
	round_trip(GVT_TILING_X, 1366 * 4, 7, 5632);		/* odd width, < 1 tile high */
	round_trip(GVT_TILING_Y, 1920 * 4, 1080, 7680);		/* 1080: not a multiple of 32 */
	round_trip(GVT_TILING_Y, 64 * 4, 64, 256);		/* a cursor-sized plane */
	round_trip(GVT_TILING_Y, 13, 33, 128);			/* width not a multiple of 16 */
}

TEST(linear_copies_rows)
{
	uint8_t src[3 * 16], out[3 * 8];
	char err[200];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)i;
	ASSERT_EQ(0, gvt_detile(GVT_TILING_LINEAR, src, sizeof(src), 16, 8, 3, out, 8,
				err, sizeof(err)));
	ASSERT_EQ(16, out[8]);
	ASSERT_EQ(39, out[23]);
}

TEST(refuses_bad_geometry)
{
	static uint8_t src[8192], out[8192];
	char err[200] = "";

	/* stride not a whole number of tiles */
	ASSERT_EQ(-EINVAL, gvt_detile(GVT_TILING_X, src, sizeof(src), 768, 64, 8, out, 64,
				      err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "multiple of 512") != NULL);
	/* width beyond the stride */
	ASSERT_EQ(-EINVAL, gvt_detile(GVT_TILING_Y, src, sizeof(src), 128, 256, 8, out, 256,
				      err, sizeof(err)));
	/* 33 rows of Y need two tile rows (8 KiB at stride 128 is fine, at 256 it is not) */
	ASSERT_EQ(0, gvt_detile(GVT_TILING_Y, src, sizeof(src), 128, 128, 33, out, 128,
				err, sizeof(err)));
	ASSERT_EQ(-EINVAL, gvt_detile(GVT_TILING_Y, src, sizeof(src), 256, 128, 33, out, 128,
				      err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "needs 16384 bytes") != NULL);
	ASSERT_EQ(-EINVAL, gvt_detile(GVT_TILING_X, src, sizeof(src), 0, 0, 1, out, 64,
				      err, sizeof(err)));
	ASSERT_EQ(-ENOTSUP, gvt_detile(GVT_TILING_YF, src, sizeof(src), 128, 128, 32, out, 128,
				       err, sizeof(err)));
}

TEST(modifiers)
{
	enum gvt_tiling t;

	ASSERT_EQ(0, gvt_tiling_from_modifier(0, &t));
	ASSERT_EQ((int)GVT_TILING_LINEAR, (int)t);
	ASSERT_EQ(0, gvt_tiling_from_modifier(0x0100000000000001ull, &t));	/* I915 X */
	ASSERT_EQ((int)GVT_TILING_X, (int)t);
	ASSERT_EQ(0, gvt_tiling_from_modifier(0x0100000000000002ull, &t));	/* I915 Y */
	ASSERT_EQ((int)GVT_TILING_Y, (int)t);
	ASSERT_EQ(0, gvt_tiling_from_modifier(0x0100000000000003ull, &t));	/* I915 Yf */
	ASSERT_EQ((int)GVT_TILING_YF, (int)t);
	ASSERT_EQ(-ENOTSUP, gvt_tiling_from_modifier(0x0100000000000004ull, &t));	/* Y CCS */
}

VTEST_MAIN()
