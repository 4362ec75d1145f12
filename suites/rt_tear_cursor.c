// SPDX-License-Identifier: MIT
/*
 * TEAR-2 in real time: the workload moves the cursor at every vblank and
 * changes its image often; the host refreshes its cursor only at cursor
 * signals, from the cursor plane query and its dmabuf (rt_capture.h), as an
 * event-driven client does. Judged after the run against the timeline's
 * cursor updates (each with the sequences read around its register writes,
 * so it took effect at one of before+1 .. after+1):
 *  - a capture shows the state of one update that may be current at its
 *    read: written by the last counter read (before <= end), and not
 *    replaced by a later update certainly latched before the query
 *    (after + 1 <= query); position, image CRC and (when the device knows
 *    it) hotspot are compared;
 *  - no update stays unshown: within +1 vblank of its latest latch
 *    (after + 2), some wake whose signals may come from that tick
 *    (rt.h's sound window) refreshed the client to it or a newer one.
 * As in virtual time (tear_cursor.c), the second check is how a device
 * that never signals the cursor (no-cursor, curpipe) fails TEAR-2 at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/vrc/artifacts.h"
#include "rt_capture.h"

#define MAX_REPORTED	3u

struct cstate {
	struct vrc_cursor_state s;
	uint32_t before, after;		/* hardware vblanks around the writes */
};

/* State 0 is vrc-wl's start (image 0 at 0,0), then one per cursor event. */
static struct cstate *cursor_states(struct vt *t, const struct vrc_timeline *tl, size_t *n)
{
	struct cstate *v = calloc(tl->nevents + 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		vt_abort(t, "out of memory");
	if (!tl->nimages)
		vt_abort(t, "the timeline has no cursor images");
	uint32_t start = tl->first + tl->hw_offset - 2;
	v[k++] = (struct cstate){
		.s = { .on = true, .width = tl->images[0].width, .height = tl->images[0].height,
		       .image_crc = tl->images[0].crc },
		.before = start, .after = start,
	};
	for (size_t i = 0; i < tl->nevents; i++) {
		const struct vrc_tl_event *e = &tl->events[i];
		if (e->kind != VRC_TL_CURSOR)
			continue;
		if (e->image >= tl->nimages)
			vt_abort(t, "cursor event %zu names image %u of %u", i, e->image,
				 tl->nimages);
		const struct vrc_tl_image *im = &tl->images[e->image];
		v[k++] = (struct cstate){
			.s = { .on = true, .x = e->x, .y = e->y, .hot_x = e->hot_x,
			       .hot_y = e->hot_y, .width = im->width, .height = im->height,
			       .image_crc = im->crc },
			.before = e->before + tl->hw_offset, .after = e->after + tl->hw_offset,
		};
	}
	*n = k;
	return v;
}

static bool le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* The newest state the capture shows among those it may show, or -1. */
static long match_state(const struct cstate *v, size_t n, const struct rt_cap *c,
			size_t *lo_out, size_t *hi_out)
{
	size_t lo = 0, hi = 0;
	char why[200];

	for (size_t i = 1; i < n; i++) {
		if (le(v[i].before, c->c_end))
			hi = i;
		if (le(v[i].after + 1, c->c_q))
			lo = i;
	}
	*lo_out = lo;
	*hi_out = hi;
	for (size_t i = hi + 1; i-- > lo;)
		if (!vrc_cursor_compare(&c->cur, &v[i].s, why, sizeof(why)))
			return (long)i;
	return -1;
}

struct seen {
	uint32_t lo;	/* earliest tick the wake's signals may come from */
	size_t state;	/* the state it showed */
};

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return (int32_t)(x->lo - y->lo) < 0 ? -1 : x->lo != y->lo;
}

/* Vblanks of the workload's span with a cursor update latching (by its
 * latest vblank, after + 1); states are in submission order. */
static unsigned cursor_vblanks(const struct rt_capture_run *r, const struct cstate *v, size_t nv)
{
	unsigned n = 0;

	for (size_t i = 1; i < nv; i++) {
		uint32_t at = v[i].after + 1;
		if (le(r->span_first, at) && le(at, r->span_last) &&
		    (i == 1 || v[i - 1].after != v[i].after))
			n++;
	}
	return n;
}

/* The test's workload (rt_args), a capture at every cursor signal. */
static enum vrc_result rt_tear_cursor(struct vt *t)
{
	const char *const *args = rt_args(t);
	struct rt_capture_run r;
	struct cstate *v;
	struct seen *seen;
	size_t nv, nseen = 0;
	unsigned bad = 0, stale = 0, unjudged = 0, judged = 0, unreadable = 0;
	char why[200];

	rt_capture_run(t, args, RT_CAP_CURSOR, &r);
	v = cursor_states(t, r.tl, &nv);
	seen = calloc(r.n ? r.n : 1, sizeof(*seen));
	if (!seen)
		vt_abort(t, "out of memory");
	for (size_t i = 0; i < r.n; i++) {
		struct rt_cap *c = &r.cap[i];
		size_t lo, hi;
		if (c->rc == -ENODEV)
			vt_skip(t, "cannot read the cursor plane: %s", c->err);
		if ((c->rc || !c->counters_ok) && rt_cap_outside_span(&r, c)) {
			snprintf(c->verdict, sizeof(c->verdict), "outside the workload, not judged");
			unjudged++;
			continue;
		}
		if (c->rc) {
			snprintf(c->verdict, sizeof(c->verdict), "no capture: %s", c->err);
			if (bad++ < MAX_REPORTED)
				vt_violation(t, C_TEAR_2, "cursor signal (wake %u): the cursor "
					     "plane cannot be captured: %s", c->sample, c->err);
			continue;
		}
		if (!c->counters_ok) {
			snprintf(c->verdict, sizeof(c->verdict), "unjudged: counter unreadable");
			unjudged++;
			unreadable++;
			continue;
		}
		long k = match_state(v, nv, c, &lo, &hi);
		if (k < 0 && rt_cap_outside_span(&r, c)) {
			snprintf(c->verdict, sizeof(c->verdict), "outside the workload, not judged");
			unjudged++;
			continue;
		}
		judged++;
		if (k < 0) {
			vrc_cursor_compare(&c->cur, &v[hi].s, why, sizeof(why));
			snprintf(c->verdict, sizeof(c->verdict), "none of updates %zu..%zu: %s",
				 lo, hi, why);
			if (bad++ < MAX_REPORTED)
				vt_violation(t, C_TEAR_2, "cursor signal read at vblank %u: the "
					     "plane shows none of the guest's updates %zu..%zu that "
					     "could be current: %s", c->c_q, lo, hi, why);
			continue;
		}
		snprintf(c->verdict, sizeof(c->verdict), "update %ld (of %zu..%zu)", k, lo, hi);
		seen[nseen++] = (struct seen){ .lo = r.lo[c->sample], .state = (size_t)k };
	}
	/* Staleness: the newest state shown by wakes that may come from ticks
	 * up to D, against each update's deadline D = after + 2. */
	qsort(seen, nseen, sizeof(*seen), cmp_seen);
	size_t j = 0, best = 0;
	bool any = false;
	for (size_t i = 1; i < nv && !r.rec.error; i++) {
		uint32_t d = v[i].after + 2;
		/* past the workload's end the guest may tear its cursor down;
		 * or the recorder stopped too soon after it to tell */
		if (!le(d, r.span_last) || !le(d + 1, r.last_counter))
			break;
		for (; j < nseen && le(seen[j].lo, d); j++) {
			if (!any || seen[j].state > best)
				best = seen[j].state;
			any = true;
		}
		if (any && best >= i)
			continue;
		if (stale++ < MAX_REPORTED) {
			if (any)
				vt_violation(t, C_TEAR_2, "cursor update %zu (latched by vblank %u) "
					     "not shown within +1: the client's newest refresh "
					     "by vblank %u shows update %zu", i, v[i].after + 1, d, best);
			else
				vt_violation(t, C_TEAR_2, "cursor update %zu (latched by vblank %u) "
					     "not shown within +1: no cursor signal by vblank %u "
					     "refreshed the client", i, v[i].after + 1, d);
		}
	}
	vt_diag(t, "%zu cursor updates, %zu captures at cursor signals: %u judged, %u not "
		"judged; %u wrong, %u updates left stale (at most %u of each printed)", nv - 1,
		r.n, judged, unjudged, bad, stale, MAX_REPORTED);
	/*
	 * The least the run must give: TEAR-2 is judged at cursor signals, one
	 * per update (EVT-3), so fewer than half of them fails it (the
	 * staleness check above usually says so first, update by update). A
	 * reader that could not place most of its captures, or woke for fewer
	 * than one update in 8, judged next to nothing: the harness's error.
	 */
	unsigned updates = cursor_vblanks(&r, v, nv), pri, cur;
	char cause[160];
	rt_signals_since(&r.rec, r.span_first, &pri, &cur);
	snprintf(cause, sizeof(cause), "cursor updates at %u vblanks (TEAR-2 is judged at the "
		 "cursor signal of each, EVT-3)", updates);
	rt_require_half(t, &r.rec, C_TEAR_2, "cursor", cur, updates, cause);
	rt_capture_artifact(&r);
	if (!t->violated && unreadable * 2 > judged + unreadable)
		vt_abort(t, "%u of %u captures at cursor signals had no frame counter read: the "
			 "host is too busy to judge this test", unreadable, judged + unreadable);
	/* one capture per wake: fewer than one per 8 updates is a starved reader */
	if (!t->violated && judged * 8u < updates)
		vt_abort(t, "%u captures judged for %u cursor updates signalled %u times: the "
			 "reader woke too rarely (the host is too busy) to judge this test", judged,
			 updates, cur);
	free(seen);
	free(v);
	rt_capture_free(&r);
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "rt-tear-cursor", .clauses = CL(C_TEAR_2),
	  .desc = "60 Hz: cursor moves and image swaps; each cursor signal shows the latest, none "
		  "stale",
	  .flags = VT_REALTIME, .run = rt_tear_cursor,
	  .workload = RT_ARGS("cursor", "--image-every=3", "--vblanks=90") },
};
const struct vrc_suite vrc_suite_rt_tear_cursor = VRC_SUITE("rt_tear_cursor", tests);
