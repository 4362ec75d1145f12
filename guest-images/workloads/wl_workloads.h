/* SPDX-License-Identifier: MIT */
/* The workloads of vrc-wl, run against a wl_display, recorded in a timeline. */
#ifndef WL_WORKLOADS_H
#define WL_WORKLOADS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "vrc/timeline.h"
#include "wl_display.h"

struct wl_opts {
	const char *workload;		/* flip draw cursor mixed idle */
	unsigned vblanks;
	uint32_t seed;
	unsigned every;			/* flip, mixed: a flip every N vblanks */
	bool pattern;			/* flip, mixed: flip/no-flip from the seed */
	unsigned burst;			/* flip: K flips inside one vblank */
	bool async;
	bool slow_render;
	bool with_cursor;		/* draw: move the cursor meanwhile */
	bool curpos_only;		/* cursor: CURPOS-only moves (sim) */
	unsigned image_every;		/* cursor: change the image every N */
	unsigned hotspot_every;		/* cursor: change the hotspot every N (kms) */
	bool verbose;
};

/*
 * Whether vblank i (counted from the run's first sequence) flips in the
 * pattern of seed: bit 0 of the mix32 hash (two xorshift-multiply rounds,
 * constants 0x21f0aaad, 0x735a2d97) of seed * 0x9e3779b9 + i.
 */
bool wl_pattern_flip(uint32_t seed, uint32_t i);
/*
 * The cursor path: top-left of the cursor at step k (1, 2, ...) on a
 * width x height CRTC: x = (seed % w' + 7k) % w', y = (seed / 7 % h' + 5k) % h',
 * where w' = width - 64, h' = height - 64.
 */
void wl_cursor_path(uint32_t seed, uint32_t k, uint32_t width, uint32_t height, int *x, int *y);

/* Counts the summary line reports. */
struct wl_summary {
	unsigned flips, on_target, missed, asyncs, cursors, draws, vblanks;
	unsigned bad_seq;	/* flip completions not after the submission: unjudged */
};

/*
 * Runs o->workload on an opened, started display, appending to tl (whose
 * geometry and span it fills). stop: set asynchronously to end early.
 * Returns 0, or -errno with err set.
 */
int wl_run(struct wl_display *d, const struct wl_opts *o, struct vrc_timeline *tl,
	   volatile sig_atomic_t *stop, struct wl_summary *sum, char *err, size_t errlen);

#endif /* WL_WORKLOADS_H */
