/* SPDX-License-Identifier: MIT */
/*
 * Frames whose identity survives in every band: drawn with cairo into a
 * CPU-side XRGB8888 image (stride = width * 4), band CRCs computed there
 * (scanout memory is write-combined and slow to read), then copied into a
 * framebuffer, at once or row by row across a frame time (--slow-render).
 *
 * A frame n shows, in each of its bands b: a background colour derived from
 * (n, b), a 16-cell binary code of n at the left edge, and n in big seven-
 * segment digits across the middle (no fonts needed in the guest). So the
 * band CRCs of two frames differ in every band, and a torn capture shows as
 * bands matching different frames.
 */
#ifndef WL_FRAME_H
#define WL_FRAME_H

#include <stdint.h>
#include <cairo.h>

struct wl_painter {
	cairo_surface_t *surf;
	cairo_t *cr;
	uint8_t *pix;
	uint32_t width, height, stride, bands;
};

int wl_painter_init(struct wl_painter *p, uint32_t width, uint32_t height, uint32_t bands,
		    char *err, size_t errlen);
void wl_painter_fini(struct wl_painter *p);
/* The whole frame n. */
void wl_paint_frame(struct wl_painter *p, uint32_t n);
/*
 * Progressive drawing, stroke k on top of what is there: a strip of rows
 * with a pattern of k; returns its rows [*y0, *y1).
 */
void wl_paint_stroke(struct wl_painter *p, uint32_t k, uint32_t *y0, uint32_t *y1);
/* Band CRCs of the current image (vrc_band_crc_xrgb). */
int wl_painter_crcs(const struct wl_painter *p, uint32_t *crc);
/*
 * Copy rows [y0, y1) into dst (dst_stride bytes per row). spread_us > 0:
 * in 16 slices with pauses summing to about spread_us.
 */
void wl_painter_copy(const struct wl_painter *p, uint8_t *dst, uint32_t dst_stride,
		     uint32_t y0, uint32_t y1, uint32_t spread_us);

/* Cursor image i (64x64 ARGB8888, 256 bytes per row) into dst; its CRC. */
uint32_t wl_paint_cursor(uint8_t *dst, unsigned i);

#endif /* WL_FRAME_H */
