// SPDX-License-Identifier: MIT
/*
 * The workloads (wl_workloads.h). Each loop iteration starts right after a
 * vblank `cur` and acts for the next one, cur + 1: a flip is submitted at
 * once (the frame is drawn first, within the frame time) and completes at
 * its latch vblank, which becomes `cur`; an iteration without a flip waits
 * for the next vblank. So a run that keeps up flips at exactly the vblanks
 * it meant to, and the timeline says where each flip really latched.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vrc/util.h"
#include "wl_frame.h"
#include "wl_workloads.h"

struct run {
	struct wl_display *d;
	const struct wl_opts *o;
	struct vrc_timeline *tl;
	struct wl_summary *sum;
	struct wl_painter pt;
	unsigned front;
	uint32_t first, cur;
	/* cursor state */
	unsigned img;
	uint32_t hot_x, hot_y;
	int cx, cy;
	uint32_t ck;			/* cursor steps so far */
	char *err;
	size_t errlen;
};

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x21f0aaadu;
	x ^= x >> 15;
	x *= 0x735a2d97u;
	x ^= x >> 15;
	return x;
}

bool wl_pattern_flip(uint32_t seed, uint32_t i)
{
	return mix32(seed * 0x9e3779b9u + i) & 1u;
}

void wl_cursor_path(uint32_t seed, uint32_t k, uint32_t width, uint32_t height, int *x, int *y)
{
	uint32_t w = width - WL_CURSOR_DIM, h = height - WL_CURSOR_DIM;

	*x = (int)((seed % w + 7u * k) % w);
	*y = (int)((seed / 7u % h + 5u * k) % h);
}

static void seen(struct run *r, uint32_t seq)
{
	if ((int32_t)(seq - r->tl->last) > 0)
		r->tl->last = seq;
}

static int get_seq(struct run *r, uint32_t *seq)
{
	int rc = r->d->be->seq(r->d, seq, r->err, r->errlen);

	if (!rc)
		seen(r, *seq);
	return rc;
}

static int add_event(struct run *r, const struct vrc_tl_event *ev)
{
	int rc = vrc_timeline_add_event(r->tl, ev);

	if (rc)
		vrc_seterr(r->err, r->errlen, "timeline: %s (at most %u events)",
			   rc == -E2BIG ? "too many events" : strerror(-rc), VRC_TL_MAX_EVENTS);
	return rc;
}

static int new_frame(struct run *r, uint32_t *id)
{
	uint32_t crc[VRC_BANDS_MAX];
	int rc = wl_painter_crcs(&r->pt, crc);

	if (!rc)
		rc = vrc_timeline_add_frame(r->tl, crc, id);
	if (rc)
		vrc_seterr(r->err, r->errlen, "timeline: cannot add a frame: %s (at most %u)",
			   rc == -E2BIG ? "too many frames" : strerror(-rc), VRC_TL_MAX_FRAMES);
	return rc;
}

static uint32_t spread_us(const struct run *r)
{
	/* three quarters of a frame time, so the flip still makes its vblank */
	if (!r->o->slow_render || !r->d->refresh_mhz)
		return 0;
	return (uint32_t)(750000000ull / r->d->refresh_mhz);
}

/* Draw the next frame into framebuffer fb; its id in *id. */
static int render(struct run *r, unsigned fb, uint32_t *id)
{
	int rc;

	wl_paint_frame(&r->pt, (uint32_t)r->tl->nframes);
	if ((rc = new_frame(r, id)))
		return rc;
	wl_painter_copy(&r->pt, r->d->fb[fb], r->d->stride, 0, r->d->height, spread_us(r));
	return 0;
}

static int wait_vblank(struct run *r)
{
	int rc = r->d->be->wait_vblank(r->d, &r->cur, r->err, r->errlen);

	if (!rc)
		seen(r, r->cur);
	return rc;
}

/*
 * A completion sequence that is not after the count read before the flip
 * was submitted cannot be the flip's latch. It was seen a few times in a
 * hundred TCG runs on vdisp: vgpu-sim published flip-done before the frame
 * count of that vblank, so vdisp could complete the event with the old
 * count (fixed there; test_vgpu checks the order). A driver can still get
 * this wrong, so rather than writing it, or refusing the whole run,
 * bracket the latch with what was measured:
 * after `before`, and at or before a count read now, at least two vblanks
 * past `before`. The window is then wider than one vblank, so the host
 * leaves this flip unjudged; the run's summary counts such flips.
 */
static int check_latch(struct run *r, uint32_t before, uint32_t *latch)
{
	uint32_t now;
	int rc;

	if ((int32_t)(*latch - before) > 0)
		return 0;
	r->sum->bad_seq++;
	if ((rc = get_seq(r, &now)))
		return rc;
	for (unsigned n = 0; (int32_t)(now - before) < 2 && n < 3; n++)
		if ((rc = r->d->be->wait_vblank(r->d, &now, r->err, r->errlen)))
			return rc;
	seen(r, now);
	*latch = now;
	return 0;
}

/* One flip (or a burst) for vblank cur + 1. */
static int do_flip(struct run *r)
{
	const struct wl_opts *o = r->o;
	unsigned k = o->burst ? o->burst : 1;
	uint32_t id[WL_MAX_FB], latch[WL_MAX_FB], before[WL_MAX_FB], after[WL_MAX_FB];
	uint32_t target = r->cur + 1;
	unsigned fb = r->front;
	int rc;

	for (unsigned i = 0; i < k; i++) {
		fb = (fb + 1) % r->d->nfb;
		if ((rc = render(r, fb, &id[i])))
			return rc;
	}
	fb = r->front;
	for (unsigned i = 0; i < k; i++) {
		fb = (fb + 1) % r->d->nfb;
		if ((rc = get_seq(r, &before[i])) ||
		    (rc = r->d->be->flip_submit(r->d, fb, o->async, r->err, r->errlen)) ||
		    (rc = get_seq(r, &after[i])))
			return rc;
	}
	if ((rc = r->d->be->flip_complete(r->d, latch, k, r->err, r->errlen)))
		return rc;
	for (unsigned i = 0; i < k && !o->async; i++)	/* an async flip may land at once */
		if ((rc = check_latch(r, before[i], &latch[i])))
			return rc;
	for (unsigned i = 0; i < k; i++) {
		struct vrc_tl_event ev = {
			.kind = o->async ? VRC_TL_ASYNC : VRC_TL_FLIP, .before = before[i],
			.after = after[i], .seq = latch[i], .frame = id[i] };
		seen(r, latch[i]);
		if ((rc = add_event(r, &ev)))
			return rc;
		if (o->async) {
			r->sum->asyncs++;
		} else {
			r->sum->flips++;
			if (latch[i] == target)
				r->sum->on_target++;
			else
				r->sum->missed++;
		}
	}
	r->front = fb;
	if (o->async)
		return wait_vblank(r);	/* one async flip per vblank */
	r->cur = latch[k - 1];
	return 0;
}

/* Move the cursor along the path; every image_every steps a new image, every
 * hotspot_every steps a new hotspot (where the backend has one). */
static int do_cursor(struct run *r)
{
	const struct wl_opts *o = r->o;
	struct vrc_tl_event ev = { .kind = VRC_TL_CURSOR, .what = VRC_TL_CUR_POS };
	uint32_t k = ++r->ck;
	bool set = false;
	int rc;

	wl_cursor_path(o->seed, k, r->d->width, r->d->height, &r->cx, &r->cy);
	if (!o->curpos_only && o->image_every && k % o->image_every == 0) {
		r->img = (r->img + 1) % WL_MAX_CURSORS;
		ev.what |= VRC_TL_CUR_IMAGE;
		set = true;
	}
	if (!o->curpos_only && r->d->can_hotspot && o->hotspot_every &&
	    k % o->hotspot_every == 0) {
		r->hot_x = (r->hot_x + 5) % 32;
		r->hot_y = (r->hot_y + 3) % 32;
		ev.what |= VRC_TL_CUR_HOTSPOT;
		set = true;
	}
	if ((rc = get_seq(r, &ev.before)))
		return rc;
	rc = set ? r->d->be->cursor_set(r->d, r->img, r->hot_x, r->hot_y, r->cx, r->cy, r->err,
					r->errlen) :
		   r->d->be->cursor_move(r->d, r->cx, r->cy, o->curpos_only, r->err, r->errlen);
	if (rc || (rc = get_seq(r, &ev.after)))
		return rc;
	ev.x = r->cx;
	ev.y = r->cy;
	ev.hot_x = r->hot_x;
	ev.hot_y = r->hot_y;
	ev.image = r->img;
	r->sum->cursors++;
	return add_event(r, &ev);
}

static int do_draw(struct run *r, uint32_t k)
{
	struct vrc_tl_event ev = { .kind = VRC_TL_DRAW };
	int rc;

	wl_paint_stroke(&r->pt, k, &ev.y0, &ev.y1);
	if ((rc = new_frame(r, &ev.frame)) || (rc = get_seq(r, &ev.before)))
		return rc;
	wl_painter_copy(&r->pt, r->d->fb[r->front], r->d->stride, ev.y0, ev.y1, spread_us(r));
	if ((rc = r->d->be->dirty(r->d, r->front, ev.y0, ev.y1, r->err, r->errlen)) ||
	    (rc = get_seq(r, &ev.after)))
		return rc;
	r->sum->draws++;
	return add_event(r, &ev);
}

static bool wants_flip(const struct run *r)
{
	uint32_t i = r->cur + 1 - r->first;

	if (r->o->pattern)
		return wl_pattern_flip(r->o->seed, i);
	return r->o->every && i % r->o->every == 0;
}

static void skip(struct run *r, const char *what, const char *why)
{
	fprintf(stderr, "vrc-wl: %s skipped: %s\n", what, why);
	/* at most a handful of features can be skipped: the list cannot fill */
	(void)vrc_timeline_add_skip(r->tl, what, why);
}

static int setup(struct run *r)
{
	struct wl_display *d = r->d;
	int rc;

	if ((rc = wl_painter_init(&r->pt, d->width, d->height, r->tl->bands, r->err, r->errlen)))
		return rc;
	for (unsigned i = 0; i < WL_MAX_CURSORS; i++) {
		uint32_t crc = wl_paint_cursor(d->cursor[i], i);
		if ((rc = vrc_timeline_add_image(r->tl, WL_CURSOR_DIM, WL_CURSOR_DIM, crc, NULL)))
			return rc;
	}
	uint32_t id;
	if ((rc = render(r, 0, &id)))
		return rc;
	if ((rc = d->be->start(d, r->err, r->errlen)))
		return rc;
	if ((rc = d->be->seq(d, &r->cur, r->err, r->errlen)))
		return rc;
	r->first = r->tl->first = r->tl->last = r->cur;
	return 0;
}

int wl_run(struct wl_display *d, const struct wl_opts *o, struct vrc_timeline *tl,
	   volatile sig_atomic_t *stop, struct wl_summary *sum, char *err, size_t errlen)
{
	struct run r = { .d = d, .o = o, .tl = tl, .sum = sum, .err = err, .errlen = errlen };
	struct wl_opts eff = *o;
	bool flips = !strcmp(o->workload, "flip") || !strcmp(o->workload, "mixed");
	bool draws = !strcmp(o->workload, "draw");
	bool cursor = !strcmp(o->workload, "cursor") || !strcmp(o->workload, "mixed") ||
		      (draws && o->with_cursor);
	uint32_t last_progress = 0;
	int rc;

	memset(sum, 0, sizeof(*sum));
	r.o = &eff;
	tl->width = d->width;
	tl->height = d->height;
	tl->stride = d->stride;
	tl->refresh_mhz = d->refresh_mhz;
	snprintf(tl->device, sizeof(tl->device), "%s", d->device);
	if (eff.async && !d->can_async) {
		skip(&r, "async", d->async_why);
		eff.async = false;
	}
	if (eff.burst > 1 && !d->can_burst) {
		skip(&r, "burst", d->burst_why);
		eff.burst = 1;
	}
	if (cursor && eff.hotspot_every && !d->can_hotspot)
		skip(&r, "hotspot", d->hotspot_why);
	if ((rc = setup(&r)))
		goto out;
	/* the kms backend measures the offset once the CRTC runs (in start) */
	tl->offset_exact = d->offset_exact;
	tl->hw_offset = d->hw_offset;
	while (!*stop && r.cur - r.first < eff.vblanks) {
		uint32_t k = r.cur - r.first;

		if (cursor && (rc = do_cursor(&r)))
			break;
		if (draws && (rc = do_draw(&r, k)))
			break;
		if (flips && wants_flip(&r))
			rc = do_flip(&r);
		else
			rc = wait_vblank(&r);
		if (rc)
			break;
		if (eff.verbose || r.cur - r.first >= last_progress + 600) {
			last_progress = r.cur - r.first;
			fprintf(stderr, "vrc-wl: %s: %u/%u vblanks\n", o->workload,
				last_progress, eff.vblanks);
		}
	}
	sum->vblanks = r.cur - r.first;
out:
	wl_painter_fini(&r.pt);
	return rc;
}
