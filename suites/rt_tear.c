// SPDX-License-Identifier: MIT
/*
 * TEAR-1 in real time: the workload flips at 60 Hz and draws each frame into
 * the back buffer row by row over most of a frame time (--slow-render); the
 * host, a real display client, captures the primary plane at every primary
 * signal on the reader thread (rt_capture.h). After the run each capture is
 * matched band by band against the frames of the timeline:
 *  - a complete frame older than the one on screen at the counter read
 *    before the query is a violation (the plane query or dmabuf handed out
 *    a stale buffer), whenever it was read;
 *  - a torn or unknown capture, or a complete frame the guest had not yet
 *    submitted, is a violation only if no vblank passed while it was read
 *    (the two counter reads around it agree): then the buffer the device
 *    named was on screen for the whole read and the guest, which draws only
 *    into buffers it flipped away from, could not touch it. A read that a
 *    latch overtook is counted, not judged: a late reader's noise.
 * The frame latched at the signal's vblank, or a newer one, is what is
 * accepted; the placement is the counter read itself (the latch clauses are
 * EVT-2's, in rt.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/vrc/artifacts.h"
#include "rt_capture.h"

#define WINDOW_AHEAD	8u	/* frames past the newest submitted kept for matching */
#define MAX_REPORTED	3u	/* violations printed; the rest are counted */
#define RT_MIN_JUDGED_OF 8u	/* captures judged: at least one per 8 latched flips */

static bool is_flip(const struct vrc_tl_event *e)
{
	return e->kind == VRC_TL_FLIP || e->kind == VRC_TL_ASYNC;
}

/* The frame on screen from hardware vblank v on: the last flip that latched
 * at or before v (events are in submission order), frame 0 before any. */
static uint32_t on_screen(const struct vrc_timeline *tl, uint32_t v)
{
	uint32_t f = 0;

	for (size_t i = 0; i < tl->nevents; i++)
		if (is_flip(&tl->events[i]) &&
		    (int32_t)(tl->events[i].seq + tl->hw_offset - v) <= 0)
			f = tl->events[i].frame;
	return f;
}

/* The newest frame whose flip could have been submitted by vblank v. */
static uint32_t submitted_by(const struct vrc_timeline *tl, uint32_t v)
{
	uint32_t f = 0;

	for (size_t i = 0; i < tl->nevents; i++)
		if (is_flip(&tl->events[i]) &&
		    (int32_t)(tl->events[i].before + tl->hw_offset - v) <= 0 &&
		    tl->events[i].frame > f)
			f = tl->events[i].frame;
	return f;
}

/* The known-frame table around frame `hi` (at most VRC_FRAMES_MAX). */
static void frame_window(struct vt *t, const struct vrc_timeline *tl, uint32_t hi,
			 struct vrc_frame_table *ft)
{
	if (!tl->nframes)
		vt_abort(t, "the timeline has no frames");
	if (hi >= tl->nframes)
		hi = (uint32_t)tl->nframes - 1;
	uint32_t lo = hi + 1 > VRC_FRAMES_MAX ? hi + 1 - VRC_FRAMES_MAX : 0;
	if (vrc_frames_init(ft, tl->width, tl->height, tl->bands))
		vt_abort(t, "timeline geometry %ux%u with %u bands", tl->width, tl->height,
			 tl->bands);
	for (uint32_t id = lo; id <= hi; id++)
		if (vrc_frames_add_crcs(ft, tl->frames[id].id, tl->frames[id].crc))
			vt_abort(t, "frame %u of the timeline out of order", id);
}

struct tally {
	unsigned captures, complete, torn, unjudged, violations;
	unsigned after;		/* read outside the workload (before or after), not judged */
};

static void judge_one(struct vt *t, const struct rt_capture_run *r, struct rt_cap *c,
		      struct vrc_frame_table *ft, struct tally *y)
{
	const struct vrc_timeline *tl = r->tl;
	bool outside = rt_cap_outside_span(r, c);
	struct vrc_match m;
	char s[160];

	if (c->rc == -ENODEV || c->rc == -ENOTSUP)
		vt_skip(t, "cannot read the primary plane: %s", c->err);
	/* when vrc-wl exits the guest takes its display back, and the plane
	 * can go off within the workload's last vblank: a signal of that
	 * vblank may find it off. Teardown, not judged (seen once in a VM). */
	if (c->rc == -ENOENT && (int32_t)(c->c_end - r->span_last) >= 0)
		outside = true;
	if (c->rc && outside) {
		snprintf(c->verdict, sizeof(c->verdict), "outside the workload, not judged: "
			 "no capture: %s", c->err);
		y->after++;
		return;
	}
	if (c->rc) {
		snprintf(c->verdict, sizeof(c->verdict), "no capture: %s", c->err);
		if (y->violations < MAX_REPORTED)
			vt_violation(t, C_TEAR_1, "primary signal (wake %u): the primary plane "
				     "cannot be captured: %s", c->sample, c->err);
		y->violations++;
		return;
	}
	y->captures++;
	if (!c->counters_ok) {
		snprintf(c->verdict, sizeof(c->verdict), "unjudged: frame counter unreadable");
		y->unjudged++;
		return;
	}
	uint32_t want = on_screen(tl, c->c_q), sub = submitted_by(tl, c->c_end);
	bool steady = c->c_end == c->c_q;
	frame_window(t, tl, sub + WINDOW_AHEAD, ft);
	if (vrc_frames_match(ft, &c->crc, &m))
		vt_abort(t, "band count mismatch");
	vrc_match_str(&m, s, sizeof(s));
	if (outside && !(m.kind == VRC_MATCH_FRAME && m.frame >= want && m.frame <= sub)) {
		snprintf(c->verdict, sizeof(c->verdict), "outside the workload, not judged: %s", s);
		y->captures--;
		y->after++;
		return;
	}
	if (m.kind == VRC_MATCH_FRAME && m.frame < want) {
		snprintf(c->verdict, sizeof(c->verdict), "frame %u, older than %u", m.frame, want);
		if (y->violations < MAX_REPORTED)
			vt_violation(t, C_TEAR_1, "primary signal read at vblank %u: captured "
				     "frame %u, older than frame %u on screen since that vblank",
				     c->c_q, m.frame, want);
		y->violations++;
		return;
	}
	if (m.kind == VRC_MATCH_FRAME && m.frame <= sub) {
		snprintf(c->verdict, sizeof(c->verdict), "frame %u (on screen: %u)", m.frame,
			 want);
		y->complete++;
		return;
	}
	if (m.kind != VRC_MATCH_FRAME)
		y->torn++;
	if (!steady) {
		snprintf(c->verdict, sizeof(c->verdict), "unjudged (vblanks %u..%u passed "
			 "during the read): %s", c->c_q, c->c_end, s);
		y->unjudged++;
		return;
	}
	snprintf(c->verdict, sizeof(c->verdict), "%s", s);
	if (y->violations++ >= MAX_REPORTED)
		return;
	if (m.kind == VRC_MATCH_FRAME)
		vt_violation(t, C_TEAR_1, "primary signal read at vblank %u: captured frame %u, "
			     "which the guest had not submitted (newest submitted: %u)", c->c_q,
			     m.frame, sub);
	else
		vt_violation(t, C_TEAR_1, "primary signal read at vblank %u (no vblank during "
			     "the read): %s; frame %u was on screen", c->c_q, s, want);
}

/* Vblanks of the workload's span at which at least one flip latched
 * (events are in submission order, so latch sequences never go back). */
static unsigned flip_vblanks(const struct rt_capture_run *r)
{
	const struct vrc_timeline *tl = r->tl;
	unsigned n = 0;
	uint32_t last = 0;
	bool any = false;

	for (size_t i = 0; i < tl->nevents; i++) {
		uint32_t v = tl->events[i].seq + tl->hw_offset;
		if (!is_flip(&tl->events[i]) || (int32_t)(v - r->span_first) < 0 ||
		    (int32_t)(v - r->span_last) > 0 || (any && v == last))
			continue;
		n++;
		last = v;
		any = true;
	}
	return n;
}

/*
 * The least a run must give before its verdict means anything. The
 * device's part: TEAR-1 is judged at primary signals and presumes the
 * signals the workload causes, one per latched flip (EVT-2); fewer than
 * half of them is a TEAR-1 failure (rt_require_half). Signals are not lost
 * on a busy host (the eventfd adds them up), so this cannot fail a device
 * that signals every flip. The harness's part: captures a vblank overtook
 * while they were read are not judged; when that is more than half of
 * them, or when the reader (which captures once per wake) judged fewer than
 * one capture per RT_MIN_JUDGED_OF flips, it was too busy to judge the
 * test: an error, not a verdict. One in 8 is a reader late by more than 8
 * frames on average; one that keeps up judges one capture per flip.
 */
static void require_judged(struct vt *t, const struct rt_capture_run *r, const struct tally *y)
{
	unsigned flips = flip_vblanks(r), pri, cur;
	char why[160];

	rt_signals_since(&r->rec, r->span_first, &pri, &cur);
	snprintf(why, sizeof(why), "flips latched at %u vblanks (TEAR-1 is judged at the "
		 "primary signal of each, EVT-2)", flips);
	rt_require_half(t, &r->rec, C_TEAR_1, "primary", pri, flips, why);
	if (t->violated)
		return;
	if (y->unjudged * 2 > y->captures)
		vt_abort(t, "%u of %u captures at primary signals not judged (a vblank passed "
			 "during the read): the host is too busy to judge this test",
			 y->unjudged, y->captures);
	/* a reader that keeps up captures at every flip's signal; one that woke
	 * for fewer than one in RT_MIN_JUDGED_OF of them was starved */
	if ((y->captures - y->unjudged) * RT_MIN_JUDGED_OF < flips)
		vt_abort(t, "%u captures judged for %u flips signalled %u times: the reader woke "
			 "too rarely (the host is too busy) to judge this test",
			 y->captures - y->unjudged, flips, pri);
}

/* The test's workload (rt_args), a capture at every primary signal. */
static enum vrc_result rt_tear(struct vt *t)
{
	const char *const *args = rt_args(t);
	struct rt_capture_run r;
	struct vrc_frame_table *ft = malloc(sizeof(*ft));
	struct tally y = { 0 };

	if (!ft)
		vt_abort(t, "out of memory");
	rt_capture_run(t, args, RT_CAP_PRIMARY, &r);
	for (size_t i = 0; i < r.n; i++)
		judge_one(t, &r, &r.cap[i], ft, &y);
	vt_diag(t, "%u captures at primary signals over %zu frames: %u complete, %u torn or "
		"unknown, %u not judged (a vblank passed during the read)", y.captures,
		r.tl->nframes, y.complete, y.torn, y.unjudged);
	if (y.after)
		vt_diag(t, "%u more captures outside the workload's vblanks, not judged",
			y.after);
	if (y.violations > MAX_REPORTED)
		vt_diag(t, "%u more TEAR-1 violations (captures.json has them all)",
			y.violations - MAX_REPORTED);
	if (y.captures)
		vt_measure(t, "torn_rate_event", (double)y.torn / y.captures, "fraction");
	rt_capture_artifact(&r);
	require_judged(t, &r, &y);
	rt_capture_free(&r);
	free(ft);
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "rt-tear-slow-render", .clauses = CL(C_TEAR_1),
	  .desc = "60 Hz: a flip every vblank, each frame drawn row by row over 3/4 of a frame; "
		  "every capture at a primary signal is one whole latched frame",
	  .flags = VT_REALTIME, .run = rt_tear,
	  .workload = RT_ARGS("flip", "--every=1", "--slow-render", "--vblanks=90") },
	{ .name = "rt-tear-flip-pattern", .clauses = CL(C_TEAR_1),
	  .desc = "60 Hz: pseudo-random flips, slow rendering; captures at primary signals are "
		  "whole",
	  .flags = VT_REALTIME, .run = rt_tear,
	  .workload = RT_ARGS("flip", "--pattern", "--seed=11", "--slow-render", "--vblanks=120") },
};
const struct vrc_suite vrc_suite_rt_tear = VRC_SUITE("rt_tear", tests);
