// SPDX-License-Identifier: MIT
/*
 * pngstat FILE.png: decode a PNG with cairo and print "WIDTH HEIGHT VARIANCE
 * DISTINCT" (luma variance, distinct colours up to 4096). The report
 * self-test uses it to tell a rendered page from a blank screenshot.
 */
#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: pngstat FILE.png\n"
		"prints: width height luma-variance distinct-colours (capped at 4096)\n");
}

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	cairo_surface_t *s = cairo_image_surface_create_from_png(argv[1]);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "pngstat: %s: %s\n", argv[1],
			cairo_status_to_string(cairo_surface_status(s)));
		cairo_surface_destroy(s);
		return 2;
	}
	cairo_surface_flush(s);
	int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
	int stride = cairo_image_surface_get_stride(s);
	const unsigned char *data = cairo_image_surface_get_data(s);
	cairo_format_t fmt = cairo_image_surface_get_format(s);
	if (!data || (fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24)) {
		fprintf(stderr, "pngstat: %s: unexpected pixel format %d\n", argv[1], (int)fmt);
		cairo_surface_destroy(s);
		return 2;
	}
	double sum = 0, sum2 = 0;
	static uint32_t seen[4096];
	unsigned distinct = 0;
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
		for (int x = 0; x < w; x++) {
			uint32_t p = row[x] & 0xffffff;
			double l = 0.299 * ((p >> 16) & 255) + 0.587 * ((p >> 8) & 255) + 0.114 * (p & 255);
			sum += l;
			sum2 += l * l;
			if (distinct < 4096) {
				unsigned k;
				for (k = 0; k < distinct && seen[k] != p; k++)
					;
				if (k == distinct)
					seen[distinct++] = p;
			}
		}
	}
	double n = (double)w * h, mean = n ? sum / n : 0;
	printf("%d %d %.3f %u\n", w, h, n ? sum2 / n - mean * mean : 0, distinct);
	cairo_surface_destroy(s);
	return 0;
}
