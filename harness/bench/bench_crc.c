// SPDX-License-Identifier: MIT
/*
 * make bench: band-CRC throughput (what TEAR-1 computes on every captured
 * primary frame) against two baselines measured in the same run on the same
 * buffer: memcpy (what any capture costs at least) and zlib's crc32 over the
 * raw bytes (the CRC without masking and banding). Prints ratios; the
 * target (issue 3) is band CRC >= 0.5 x memcpy bandwidth on one core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "vrc/bandcrc.h"

#define REPS	15

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static volatile uint32_t sink;

enum what { MEMCPY, CRC32_RAW, BAND_CRC };

/* Median seconds of one pass over the frame. */
static double measure(enum what w, uint8_t *src, uint8_t *dst, uint32_t wd, uint32_t h)
{
	size_t bytes = (size_t)wd * h * 4;
	double t[REPS];
	struct vrc_band_crcs c;

	for (int r = 0; r < REPS; r++) {
		double t0 = now_s();
		switch (w) {
		case MEMCPY:
			memcpy(dst, src, bytes);
			sink ^= dst[bytes / 2];
			break;
		case CRC32_RAW:
			sink ^= (uint32_t)crc32_z(0, src, bytes);
			break;
		case BAND_CRC:
			if (vrc_band_crc_xrgb(src, wd, h, wd * 4, VRC_BANDS_DEFAULT, &c))
				abort();
			sink ^= c.crc[0];
			break;
		}
		t[r] = now_s() - t0;
	}
	qsort(t, REPS, sizeof(t[0]), cmp_double);
	return t[REPS / 2];
}

int main(int argc, char **argv)
{
	static const struct { uint32_t w, h; const char *name; } sizes[] = {
		{ 1920, 1080, "1920x1080" }, { 3840, 2160, "3840x2160" },
	};
	int fail = 0;

	if (argc > 1) {
		printf("usage: %s\n\nBand-CRC throughput vs memcpy and zlib crc32, "
		       "median of %d passes per size.\n", argv[0], REPS);
		return strcmp(argv[1], "--help") && strcmp(argv[1], "-h") ? 2 : 0;
	}
	printf("# bench_crc: median of %d passes, one core, %u bands, XRGB8888\n",
	       REPS, VRC_BANDS_DEFAULT);
	printf("%-10s %10s %10s %10s %14s %14s\n", "frame", "memcpy", "crc32", "band-crc",
	       "band/memcpy", "band/crc32");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t bytes = (size_t)sizes[i].w * sizes[i].h * 4;
		uint8_t *src = malloc(bytes), *dst = malloc(bytes);

		if (!src || !dst)
			return 2;
		for (size_t k = 0; k < bytes; k++)
			src[k] = (uint8_t)(k * 2654435761u >> 13);
		memset(dst, 0, bytes);
		double tm = measure(MEMCPY, src, dst, sizes[i].w, sizes[i].h);
		double tc = measure(CRC32_RAW, src, dst, sizes[i].w, sizes[i].h);
		double tb = measure(BAND_CRC, src, dst, sizes[i].w, sizes[i].h);
		double gb = (double)bytes / 1e9;
		printf("%-10s %7.2f GB/s %6.2f GB/s %6.2f GB/s %13.2fx %13.2fx\n",
		       sizes[i].name, gb / tm, gb / tc, gb / tb, tm / tb, tc / tb);
		if (tm / tb < 0.5)
			fail = 1;
		free(src);
		free(dst);
	}
	printf("# target: band-crc >= 0.50x memcpy: %s\n", fail ? "MISSED" : "met");
	return 0;
}
