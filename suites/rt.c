// SPDX-License-Identifier: MIT
/*
 * EVT in real time: vgpu-sim's clock ticks at 60 Hz on its own, a workload
 * program (vrc-wl, the same binary a VM guest runs) drives the guest side
 * and writes its timeline, and the host records every wake of the display
 * eventfd with the frame counter read at that moment. The verdict is per
 * vblank on the frame-counter axis (SPEC §4), as in virtual time; what real
 * time adds is the timing noise a real reader lives with, absorbed by the
 * placement rules of rt.h and the +1 tolerance, never by retries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/vrc/artifacts.h"
#include "harness/vrc/judge.h"
#include "harness/vrc/rt.h"
#include "vrc/timeline.h"
#include "harness/vrc/vt.h"
#include "rt_guest.h"

/* Vblanks judged past the timeline's last one: a flip of the last vblank may
 * be signalled one later (tolerance). */
#define RT_TAIL		2u

/* Vblanks of vb[0..n) with a flip, with a cursor update. */
static void count_updates(const struct vrc_vblank *vb, unsigned n, unsigned *flips,
			  unsigned *cursors)
{
	*flips = *cursors = 0;
	for (unsigned k = 0; k < n; k++) {
		*flips += vb[k].flip != 0;
		*cursors += vb[k].cursor != 0;
	}
}

/*
 * The least a run must give before its verdict means anything. The
 * harness's part: the guest's updates must mostly land on one vblank each
 * (a process guest that straddled more than half of them was starved: the
 * host is too busy, an error, not a verdict). The device's part, per clause
 * of the test: primary signals for at least half of the vblanks a flip
 * latched at (EVT-2), cursor signals for half of those with a cursor update
 * (EVT-3), and for a screen without flips (front-buffer drawing, or idle:
 * to the device the two look the same, writes to the front buffer are not
 * trapped, so the single-buffer heuristic must fire on both) half of the
 * primary signals EVT-4's gap of THR + 2 implies over the run, at least 2
 * (so the signal of the setup's flip alone does not count). Per-vblank
 * oracles judge the exact counts; this says the test saw something to judge.
 */
static void rt_require(struct vt *t, const struct rt_recorder *rec, const struct vrc_vblank *vb,
		       unsigned n, uint32_t first, const struct vrc_tl_expect_stats *st)
{
	unsigned updates = st->flips + st->asyncs + st->cursors + st->draws, flips, cursors;
	unsigned pri, cur;
	uint32_t cl = t->test->clauses;
	char why[160];

	if (st->unjudged * 2 > updates + st->unjudged)
		vt_abort(t, "%u of %u guest updates straddled more than one vblank: the host is "
			 "too busy to judge this test", st->unjudged, updates + st->unjudged);
	count_updates(vb, n, &flips, &cursors);
	rt_signals_since(rec, first, &pri, &cur);
	if ((cl & CL(C_EVT_2)) && flips) {
		snprintf(why, sizeof(why), "flips latched at %u vblanks (EVT-2: each signalled)",
			 flips);
		rt_require_half(t, rec, C_EVT_2, "primary", pri, flips, why);
	}
	if ((cl & CL(C_EVT_3)) && cursors) {
		snprintf(why, sizeof(why), "cursor updates at %u vblanks (EVT-3: each signalled)",
			 cursors);
		rt_require_half(t, rec, C_EVT_3, "cursor", cur, cursors, why);
	}
	if ((cl & CL(C_EVT_4)) && !flips && n > RT_TAIL) {
		unsigned due = (n - RT_TAIL) / (VT_EVT4_MAX_GAP + 1);
		snprintf(why, sizeof(why), "%u vblanks without a flip (EVT-4: the heuristic "
			 "signals at least every %u)", n - RT_TAIL, VT_EVT4_MAX_GAP);
		rt_require_half(t, rec, C_EVT_4, "primary", pri, due < 4 ? 4 : due, why);
	}
}

/* Run the test's workload (rt_args) in real time and judge its clauses. */
static enum vrc_result rt_workload(struct vt *t)
{
	const char *const *args = rt_args(t);
	char tl_path[700], err[256];
	struct rt_recorder rec;
	struct vrc_timeline *tl = NULL;
	int rc;

	rt_record_workload(t, args, &rec, NULL, NULL, tl_path, sizeof(tl_path));

	if ((rc = vrc_timeline_load(tl_path, &tl, err, sizeof(err))))
		vt_abort(t, "the workload's timeline: %s", err);
	if (!tl->offset_exact)
		vt_skip(t, "timeline has no exact sequence-to-frame-counter offset "
			"(vrc-wl's summary line says why)");
	uint32_t first = tl->first + tl->hw_offset;
	unsigned n = (unsigned)(tl->last - tl->first) + 1u + RT_TAIL;
	struct vrc_vblank *vb = calloc(n, sizeof(*vb)), *vb1 = calloc(n, sizeof(*vb1));
	struct vrc_tl_expect_stats st;
	unsigned spread, outside, spread1, outside1;
	if (!vb || !vb1)
		vt_abort(t, "out of memory");
	if (vrc_timeline_expect(tl, tl->hw_offset, first, vb, n, &st))
		vt_abort(t, "timeline expectations failed");
	memcpy(vb1, vb, n * sizeof(*vb));
	/* the latch clauses and EVT-1 resolve wide windows differently (rt.h) */
	rt_place(rec.s, rec.n, first, vb, n, &spread, &outside);
	rt_place_mode(rec.s, rec.n, RT_PLACE_EVT1, first, vb1, n, &spread1, &outside1);
	if (st.unjudged)
		vt_diag(t, "%u guest updates straddled more than one vblank: not judged",
			st.unjudged);
	rt_require(t, &rec, vb, n, first, &st);
	if (spread)
		vt_diag(t, "%u late wakes could not be placed on one vblank: given the "
			"benefit of the doubt", spread);
	vt_judge_placed(t, vb, vb1, n, t->test->clauses);
	vt_measure_idle_rate(t, vb, n);
	rt_measure(t, &rec);
	vt_artifact_vblanks(t, "rt", vb, n, first);
	free(vb);
	free(vb1);
	vrc_timeline_free(tl);
	rt_recorder_free(&rec);
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "rt-flip-every-vblank", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "60 Hz: the guest flips at every vblank; one primary signal per latch",
	  .flags = VT_REALTIME, .run = rt_workload,
	  .workload = RT_ARGS("flip", "--every=1", "--vblanks=90") },
	{ .name = "rt-flip-pattern", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "60 Hz: a pseudo-random flip/no-flip pattern; signals exactly where flips latch",
	  .flags = VT_REALTIME, .run = rt_workload,
	  .workload = RT_ARGS("flip", "--pattern", "--seed=7", "--vblanks=120") },
	{ .name = "rt-flip-burst", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "60 Hz: three flips inside one vblank, every fourth vblank; one signal each time",
	  .flags = VT_REALTIME, .run = rt_workload,
	  .workload = RT_ARGS("flip", "--burst=3", "--every=4", "--vblanks=80") },
	{ .name = "rt-idle-bound", .clauses = CL(C_EVT_1) | CL(C_EVT_4),
	  .desc = "60 Hz: an idle screen; the heuristic signals at least every THR+2 vblanks "
		  "(EVT-4: to the device an idle screen is a front buffer it cannot see drawn), "
		  "at most once per vblank",
	  .flags = VT_REALTIME, .run = rt_workload,
	  .workload = RT_ARGS("idle", "--vblanks=60") },
	{ .name = "rt-cursor-move", .clauses = CL(C_EVT_1) | CL(C_EVT_3),
	  .desc = "60 Hz: the cursor moves, changes image and hotspot; a cursor signal each time",
	  .flags = VT_REALTIME, .run = rt_workload,
	  .workload = RT_ARGS("cursor", "--vblanks=90") },
	{ .name = "rt-cursor-curpos-only", .clauses = CL(C_EVT_3),
	  .desc = "60 Hz: CURPOS-only cursor moves (no CURBASE write) are notified too",
	  .flags = VT_REALTIME, .run = rt_workload,
	  .workload = RT_ARGS("cursor", "--curpos-only", "--vblanks=60") },
	{ .name = "rt-frontbuffer-draw", .clauses = CL(C_EVT_4),
	  .desc = "60 Hz: drawing into the scanned-out buffer without flips is notified",
	  .flags = VT_REALTIME, .run = rt_workload,
	  .workload = RT_ARGS("draw", "--vblanks=90") },
	{ .name = "rt-frontbuffer-draw-cursor", .clauses = CL(C_EVT_4),
	  .desc = "60 Hz: front-buffer drawing while the cursor moves is still notified",
	  .flags = VT_REALTIME, .run = rt_workload,
	  .workload = RT_ARGS("draw", "--with-cursor", "--vblanks=90") },
	{ .name = "rt-mixed", .clauses = CL(C_EVT_1) | CL(C_EVT_2) | CL(C_EVT_3),
	  .desc = "60 Hz: flips and cursor updates together; each plane notified on its own",
	  .flags = VT_REALTIME, .run = rt_workload,
	  .workload = RT_ARGS("mixed", "--vblanks=90") },
};
const struct vrc_suite vrc_suite_rt = VRC_SUITE("rt", tests);
