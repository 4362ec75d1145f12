// SPDX-License-Identifier: MIT
/* Frames and cursor images drawn with cairo (wl_frame.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "vrc/bandcrc.h"
#include "vrc/util.h"
#include "wl_display.h"
#include "wl_frame.h"

#define CODE_BITS	16u

static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static void rgb(cairo_t *cr, uint32_t c)
{
	cairo_set_source_rgb(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0,
			     (c & 0xff) / 255.0);
}

int wl_painter_init(struct wl_painter *p, uint32_t width, uint32_t height, uint32_t bands,
		    char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (!width || !height || width > 16384 || height > 16384 || !bands ||
	    bands > VRC_BANDS_MAX || bands > height) {
		vrc_seterr(err, errlen, "frame %ux%u with %u bands: impossible geometry", width,
			   height, bands);
		return -EINVAL;
	}
	p->surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)width, (int)height);
	if (cairo_surface_status(p->surf) != CAIRO_STATUS_SUCCESS) {
		vrc_seterr(err, errlen, "cairo: %s",
			   cairo_status_to_string(cairo_surface_status(p->surf)));
		cairo_surface_destroy(p->surf);
		p->surf = NULL;
		return -ENOMEM;
	}
	p->cr = cairo_create(p->surf);
	p->pix = cairo_image_surface_get_data(p->surf);
	p->stride = (uint32_t)cairo_image_surface_get_stride(p->surf);
	p->width = width;
	p->height = height;
	p->bands = bands;
	return 0;
}

void wl_painter_fini(struct wl_painter *p)
{
	if (p->cr)
		cairo_destroy(p->cr);
	if (p->surf)
		cairo_surface_destroy(p->surf);
	memset(p, 0, sizeof(*p));
}

/* Segments a..g of the digits 0-9 (bit 0 = a). */
static const uint8_t seven[10] = { 0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f };

static void digit(cairo_t *cr, double x, double y, double w, double h, unsigned d)
{
	double t = w / 5;	/* stroke thickness */
	struct { double x, y, w, h; } seg[7] = {
		{ x, y, w, t },				/* a */
		{ x + w - t, y, t, h / 2 },		/* b */
		{ x + w - t, y + h / 2, t, h / 2 },	/* c */
		{ x, y + h - t, w, t },			/* d */
		{ x, y + h / 2, t, h / 2 },		/* e */
		{ x, y, t, h / 2 },			/* f */
		{ x, y + h / 2 - t / 2, w, t },		/* g */
	};

	for (unsigned s = 0; s < 7; s++)
		if (seven[d % 10] & (1u << s))
			cairo_rectangle(cr, seg[s].x, seg[s].y, seg[s].w, seg[s].h);
	cairo_fill(cr);
}

void wl_paint_frame(struct wl_painter *p, uint32_t n)
{
	cairo_t *cr = p->cr;
	double cell, dw, dh, x;
	char num[12];
	int len;

	for (uint32_t b = 0; b < p->bands; b++) {
		uint32_t y0, y1;
		vrc_band_rows(b, p->bands, p->height, &y0, &y1);
		rgb(cr, mix(n * 64u + b + 1) & 0x7f7f7f);	/* dark: digits stay visible */
		cairo_rectangle(cr, 0, y0, p->width, y1 - y0);
		cairo_fill(cr);
		/* the frame number in binary, one cell per bit, white = 1 */
		cell = (double)p->width / 4 / CODE_BITS;
		for (unsigned bit = 0; bit < CODE_BITS; bit++) {
			rgb(cr, (n >> (CODE_BITS - 1 - bit)) & 1 ? 0xffffff : 0x000000);
			cairo_rectangle(cr, bit * cell, y0, cell, y1 - y0);
			cairo_fill(cr);
		}
	}
	/* big digits over the right three quarters */
	len = snprintf(num, sizeof(num), "%u", n);
	dw = (double)p->width * 3 / 4 / (len * 1.5 + 0.5);
	dh = (double)p->height * 0.8;
	if (dw > dh / 2)
		dw = dh / 2;
	x = (double)p->width / 4 + dw / 2;
	rgb(cr, 0xffffff);
	for (int i = 0; i < len; i++, x += dw * 1.5)
		digit(cr, x, p->height * 0.1, dw, dh, (unsigned)(num[i] - '0'));
	cairo_surface_flush(p->surf);
}

void wl_paint_stroke(struct wl_painter *p, uint32_t k, uint32_t *y0, uint32_t *y1)
{
	uint32_t rows = p->height / 32 ? p->height / 32 : 1;
	uint32_t top = (k * rows) % p->height;
	cairo_t *cr = p->cr;

	if (top + rows > p->height)
		rows = p->height - top;
	rgb(cr, mix(k + 0x5eed) | 0x202020);
	cairo_rectangle(cr, 0, top, p->width, rows);
	cairo_fill(cr);
	/* a diagonal of k across the strip, so strokes of one row differ;
	 * clipped: only the strip's rows are copied to the front buffer */
	cairo_save(cr);
	cairo_rectangle(cr, 0, top, p->width, rows);
	cairo_clip(cr);
	rgb(cr, ~mix(k) & 0xffffff);
	cairo_set_line_width(cr, rows > 2 ? rows / 2.0 : 1);
	cairo_move_to(cr, (k * 37u) % p->width, top);
	cairo_line_to(cr, (k * 37u + p->width / 3) % p->width, top + rows);
	cairo_stroke(cr);
	cairo_restore(cr);
	cairo_surface_flush(p->surf);
	*y0 = top;
	*y1 = top + rows;
}

int wl_painter_crcs(const struct wl_painter *p, uint32_t *crc)
{
	struct vrc_band_crcs c;
	int rc = vrc_band_crc_xrgb(p->pix, p->width, p->height, p->stride, p->bands, &c);

	if (!rc)
		memcpy(crc, c.crc, p->bands * sizeof(*crc));
	return rc;
}

void wl_painter_copy(const struct wl_painter *p, uint8_t *dst, uint32_t dst_stride,
		     uint32_t y0, uint32_t y1, uint32_t spread_us)
{
	const unsigned slices = spread_us ? 16 : 1;
	uint32_t rows = y1 - y0;

	for (unsigned s = 0; s < slices; s++) {
		uint32_t a = y0 + rows * s / slices, b = y0 + rows * (s + 1) / slices;
		for (uint32_t y = a; y < b; y++)
			memcpy(dst + (size_t)y * dst_stride, p->pix + (size_t)y * p->stride,
			       (size_t)p->width * 4);
		if (spread_us && s + 1 < slices)
			usleep(spread_us / slices);
	}
}

uint32_t wl_paint_cursor(uint8_t *dst, unsigned i)
{
	const uint32_t stride = WL_CURSOR_DIM * 4;
	static const uint32_t colour[WL_MAX_CURSORS] = {
		0xffffffffu, 0xffff4040u, 0xff40ff40u, 0xff4080ffu };
	cairo_surface_t *s = cairo_image_surface_create_for_data(
		dst, CAIRO_FORMAT_ARGB32, WL_CURSOR_DIM, WL_CURSOR_DIM, (int)stride);
	cairo_t *cr = cairo_create(s);
	uint32_t c = colour[i % WL_MAX_CURSORS];

	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	cairo_set_source_rgba(cr, 0, 0, 0, 0);
	cairo_paint(cr);
	/* an arrow whose shape and colour differ per image, black outline */
	cairo_move_to(cr, 1, 1);
	cairo_line_to(cr, 1, 40 + 6 * (i % 4));
	cairo_line_to(cr, 12 + 4 * (i % 4), 30);
	cairo_line_to(cr, 34 - 3 * (i % 4), 30);
	cairo_close_path(cr);
	rgb(cr, c);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 2);
	cairo_stroke(cr);
	/* i dots, so images with the same shape class still differ */
	for (unsigned d = 0; d <= i; d++)
		cairo_rectangle(cr, 44 + 4 * d, 56, 3, 3);
	cairo_fill(cr);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	cairo_surface_destroy(s);
	return (uint32_t)crc32_z(0, dst, (size_t)stride * WL_CURSOR_DIM);
}
