/* SPDX-License-Identifier: MIT */
/*
 * A real-time run with a real display client on the reader side: at every
 * wake with a primary (cursor) signal, the recorder thread — after it has
 * recorded the frame counter and drained the eventfd, so the wake's timing
 * stays honest — queries the plane, maps the dmabuf and computes band CRCs
 * (the cursor's state and image CRC), bracketed by two more frame-counter
 * reads. Mappings are kept by dmabuf id, per plane, as QEMU's display keeps
 * its dmabufs (vrc_capture_cache): a client flipping between a few buffers
 * maps each once, and a device that hands out the wrong buffer for an id is
 * seen as such a client sees it. The captures are judged after the run
 * against the timeline the workload wrote (rt_tear.c: TEAR-1,
 * rt_tear_cursor.c: TEAR-2).
 */
#ifndef VRC_SUITES_RT_CAPTURE_H
#define VRC_SUITES_RT_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "vrc/capture.h"
#include "vrc/timeline.h"
#include "rt_guest.h"

/* The band count vrc-wl records per frame (timeline "bands"). */
#define RT_CAP_BANDS	16u
#define RT_CAP_MAX	4096u	/* captures kept; further ones are counted */

enum rt_cap_plane { RT_CAP_PRIMARY = 1, RT_CAP_CURSOR = 2 };

struct rt_cap {
	uint32_t sample;	/* the wake (index into the recorder's samples) */
	uint8_t plane;		/* enum rt_cap_plane */
	bool counters_ok;	/* both reads below succeeded */
	uint32_t c_q;		/* frame counter right before the plane query */
	uint32_t c_end;		/* frame counter after the last pixel was read */
	int rc;			/* the capture: 0 or -errno (err says why) */
	char err[128];
	struct vrc_band_crcs crc;	/* primary */
	struct vrc_cursor_state cur;	/* cursor */
	uint64_t ns;		/* time the capture took */
	const char *path;	/* how the pixels were read (results name it) */
	char verdict[256];	/* what the judge made of it */
};

struct rt_capture_run {
	struct vt *t;
	unsigned planes;	/* RT_CAP_* to capture */
	struct rt_recorder rec;
	struct rt_cap *cap;
	size_t n, dropped;
	struct vrc_capture_cache cache[2];	/* dmabuf mappings: primary, cursor */
	struct vrc_timeline *tl;
	/* sound lower bound of the tick each wake's signals came from:
	 * the previous wake's first counter read + 1 (rt.h), per sample */
	uint32_t *lo;
	uint32_t last_counter;	/* the frame counter when the reader stopped */
	uint32_t span_first;	/* the workload's first vblank (hardware count) */
	uint32_t span_last;	/* the workload's last vblank (hardware count) */
};

/*
 * Read outside the workload's vblanks: before its first one the guest is
 * still setting its display up (a VM guest boots, modesets, and the plane
 * may be off while a model signals), after its last one it may be tearing
 * it down (a VM guest's fbcon takes over when vrc-wl exits). Such a capture
 * counts only when it shows a state the timeline allows; otherwise it is
 * not judged.
 */
static inline bool rt_cap_outside_span(const struct rt_capture_run *r, const struct rt_cap *c)
{
	return (int32_t)(c->c_end - r->span_last) > 0 || (int32_t)(c->c_end - r->span_first) < 0;
}

/* Run args (vrc-wl workload and options) on instance 0 with the capturing
 * reader, load the timeline (skips without an exact counter offset). */
void rt_capture_run(struct vt *t, const char *const *args, unsigned planes,
		    struct rt_capture_run *r);
void rt_capture_free(struct rt_capture_run *r);
/* captures.json: every capture with its counters and what it showed. */
void rt_capture_artifact(struct rt_capture_run *r);

#endif
