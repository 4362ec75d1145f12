/* SPDX-License-Identifier: MIT */
/*
 * The display interface the workloads are written against, with two
 * backends: kms (libdrm on /dev/dri/cardN: vdisp in a VM guest, i915 in a
 * GVT guest) and sim (the vgpu-sim process guest over ivshmem, programming
 * the gen9 registers through the write ring).
 *
 * Sequences are the backend's vblank counts (DRM vblank count on kms, the
 * hardware frame counter on the sim); hw = seq + hw_offset when
 * offset_exact. A flip or cursor update submitted after vblank S latches at
 * S + 1 at the earliest.
 *
 * Guarantees every backend gives (the workloads rely on them):
 *  - flip_submit() queues a flip; flip_complete() returns, for each flip
 *    queued since the last call, the vblank it latched at (sync) or completed
 *    in (async), exactly as the flip event or the device reported it, and
 *    returns only after the last of them happened. More than one queued flip
 *    (a burst inside one vblank) only where can_burst.
 *  - cursor_*, and writes to a mapped front buffer + dirty(): take effect at
 *    the next vblank after the call; nothing is waited for.
 *  - wait_vblank(): blocks until at least one vblank passed, returns the
 *    sequence after it.
 */
#ifndef WL_DISPLAY_H
#define WL_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WL_MAX_FB	8u
#define WL_CURSOR_DIM	64u
#define WL_MAX_CURSORS	4u

struct wl_open_args {
	const char *device;	/* kms: /dev/dri/cardN (NULL: first usable) */
	const char *ivshmem;	/* sim: vgpuN.ivshmem socket */
	uint32_t width, height;	/* sim only; kms uses the connector's mode */
	unsigned nfb;		/* framebuffers wanted, 2..WL_MAX_FB */
};

struct wl_display {
	const struct wl_backend *be;
	char device[128];
	uint32_t width, height, stride, refresh_mhz;
	bool offset_exact;
	uint32_t hw_offset;
	char offset_why[256];	/* why the offset is unknown */
	/* what the backend offers; *_why says why not */
	bool can_async, can_burst, can_curpos_only, can_hotspot;
	char async_why[128], burst_why[128], curpos_why[128], hotspot_why[128];
	unsigned nfb;
	uint8_t *fb[WL_MAX_FB];			/* CPU mappings, stride bytes per row */
	uint8_t *cursor[WL_MAX_CURSORS];	/* 64x64 ARGB, 256 bytes per row */
	void *priv;
};

struct wl_backend {
	const char *name;
	int (*open)(struct wl_display *d, const struct wl_open_args *a, char *err, size_t errlen);
	void (*close)(struct wl_display *d);
	/* Light up: fb 0 on the primary plane, cursor image 0 at (0, 0). */
	int (*start)(struct wl_display *d, char *err, size_t errlen);
	int (*seq)(struct wl_display *d, uint32_t *seq, char *err, size_t errlen);
	int (*wait_vblank)(struct wl_display *d, uint32_t *seq, char *err, size_t errlen);
	int (*flip_submit)(struct wl_display *d, unsigned fb, bool async, char *err,
			   size_t errlen);
	/* n: the flips submitted since the last completion; latch[i] of each */
	int (*flip_complete)(struct wl_display *d, uint32_t *latch, unsigned n, char *err,
			     size_t errlen);
	int (*cursor_set)(struct wl_display *d, unsigned image, uint32_t hot_x, uint32_t hot_y,
			  int x, int y, char *err, size_t errlen);
	int (*cursor_move)(struct wl_display *d, int x, int y, bool curpos_only, char *err,
			   size_t errlen);
	int (*dirty)(struct wl_display *d, unsigned fb, uint32_t y0, uint32_t y1, char *err,
		     size_t errlen);
};

extern const struct wl_backend wl_backend_kms;
extern const struct wl_backend wl_backend_sim;

/* kms: print the DRM devices and their connectors (for --list-devices). */
int wl_kms_list_devices(void);

#endif /* WL_DISPLAY_H */
