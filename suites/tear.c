// SPDX-License-Identifier: MIT
/*
 * TEAR-1 in virtual time: the process guest draws distinct frames (every
 * band identifiable) into a double or triple buffer in VRAM and flips; at
 * every primary signal the host captures the primary plane through
 * QUERY_GFX_PLANE + dmabuf and matches it band by band against the frames
 * the guest drew (lib/capture.c). It must be one complete frame the guest
 * submitted, the one latched at the signal's vblank (placed by the frame
 * counter) or newer.
 *
 * The guest is a well-behaved one: it draws only into buffers that are
 * neither scanned out nor queued, and reuses the buffer it flipped away
 * from once the device reports the flip done (vt_latched_surf: vgpu-sim's
 * latched_surf in shared memory; on a harness-owned vGPU the first vblank
 * after the write). It reacts to flip-done before the host reads the plane (a guest
 * interrupt beats an eventfd wakeup through userspace), so a device that
 * hands out the wrong buffer shows a half-drawn frame, not just an old one.
 * Frames are 320x240 with stride padding and junk in the X byte and the
 * padding, which the band CRCs must ignore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness/vrc/artifacts.h"
#include "vrc/capture.h"
#include "vrc/i915_regs.h"
#include "harness/vrc/vt.h"

#define TW		320u
#define TH		240u
#define TSTRIDE		(TW * 4 + 64)
#define NBUF		3u
#define MAX_VBLANKS	512u

/* VRAM offsets of the framebuffers, clear of vt.c's (0..640 KiB). */
static const uint32_t fb_off[NBUF] = { 1u << 20, (1u << 20) + (512u << 10), 2u << 20 };

struct tear {
	struct vt *t;
	struct vrc_frame_table known;
	uint32_t nbands;
	uint32_t buf_frame[NBUF];	/* frame id drawn (or being drawn) in each buffer */
	unsigned front;			/* buffer scanned out (the device's flip-done) */
	int pending;			/* buffer queued by a SURF write, -1: none */
	int drawing;			/* buffer being drawn, -1: none */
	uint32_t rows_done;		/* rows of `drawing` drawn so far */
	uint32_t next_id;
	uint32_t newest_submitted;
	uint32_t base;			/* frame counter before vblank 0 */
	uint32_t latched_at[MAX_VBLANKS];	/* frame on screen after vblank k */
	unsigned nvb;
	unsigned captures, complete;
	unsigned flips;			/* flips the device latched (flip-done) */
	unsigned signals;		/* polls that found a primary signal */
	/* signals whose frame counter is past the steps taken: a real vblank
	 * clock (gvt, mdev) ran ahead of a slow loop; judged at the step */
	unsigned ahead;
	uint32_t *ref;			/* one frame, packed, for the known-frame table */
};

/* Visible pixel of frame f: every band of every frame distinct. */
static uint32_t px(uint32_t f, uint32_t x, uint32_t y)
{
	uint32_t h = f * 0x9e3779b1u ^ (y * 0x85ebca6bu) ^ (x * 0xc2b2ae35u);

	h ^= h >> 15;
	return (h * 0x27d4eb2du) & 0x00ffffffu;
}

static uint32_t *fb(struct tear *w, unsigned b, uint32_t y)
{
	uint64_t off = fb_off[b] + (uint64_t)y * TSTRIDE;

	if (off + TSTRIDE > w->t->g.vram_size)
		vt_abort(w->t, "framebuffer %u outside VRAM (%llu bytes)", b,
			 (unsigned long long)w->t->g.vram_size);
	return (uint32_t *)(w->t->g.vram + off);
}

/* Rows [y0, y1) of frame f into buffer b, with X-byte and padding junk. */
static void draw_rows(struct tear *w, unsigned b, uint32_t f, uint32_t y0, uint32_t y1)
{
	for (uint32_t y = y0; y < y1; y++) {
		uint32_t *row = fb(w, b, y);
		for (uint32_t x = 0; x < TW; x++)
			row[x] = px(f, x, y) | ((f * 13u + x) & 0xffu) << 24;
		for (uint32_t x = TW; x < TSTRIDE / 4; x++)
			row[x] = 0xdead0000u | (f & 0xffffu);
	}
	if (y1 > y0)
		vt_vram_written(w->t, fb_off[b] + (uint64_t)y0 * TSTRIDE,
				(uint64_t)(y1 - y0) * TSTRIDE);
}

/* Start a new frame in buffer b: it becomes known to the matcher now (so a
 * capture of it half drawn reads as torn, not as unknown). */
static uint32_t begin_frame(struct tear *w, unsigned b)
{
	uint32_t id = w->next_id++;

	for (uint32_t y = 0; y < TH; y++)
		for (uint32_t x = 0; x < TW; x++)
			w->ref[y * TW + x] = px(id, x, y);
	if (vrc_frames_add(&w->known, id, w->ref, TW * 4))
		vt_abort(w->t, "known-frame table refused frame %u", id);
	w->buf_frame[b] = id;
	w->drawing = (int)b;
	w->rows_done = 0;
	return id;
}

/* Draw the next rows of the frame in progress; true when it is complete. */
static bool draw_more(struct tear *w, uint32_t rows)
{
	uint32_t y1;

	if (w->drawing < 0)
		return false;
	y1 = w->rows_done + rows > TH ? TH : w->rows_done + rows;
	draw_rows(w, (unsigned)w->drawing, w->buf_frame[w->drawing], w->rows_done, y1);
	w->rows_done = y1;
	return w->rows_done == TH;
}

static void submit(struct tear *w)
{
	unsigned b = (unsigned)w->drawing;

	vt_reg(w->t, VRC_PLANE_SURF(w->t->pipe), fb_off[b]);
	w->pending = (int)b;
	w->newest_submitted = w->buf_frame[b];
	w->drawing = -1;
}

/* A buffer neither scanned out, queued nor being drawn. */
static int free_buffer(const struct tear *w, unsigned nbuf)
{
	for (unsigned b = 0; b < nbuf; b++)
		if (b != w->front && (int)b != w->pending && (int)b != w->drawing)
			return (int)b;
	return -1;
}

/* After a vblank: what the device says is scanned out (the guest's
 * flip-done), and the frame on screen at vblank k. */
static bool flip_done(struct tear *w, unsigned k)
{
	uint32_t s = vt_latched_surf(w->t);
	bool flipped = false;

	for (unsigned b = 0; b < NBUF; b++)
		if (fb_off[b] == s && b != w->front) {
			w->front = b;
			flipped = true;
		}
	w->flips += flipped;
	if (w->pending >= 0 && (unsigned)w->pending == w->front)
		w->pending = -1;
	if (k < MAX_VBLANKS) {
		w->latched_at[k] = w->buf_frame[w->front];
		w->nvb = k + 1;
	}
	return flipped;
}

/*
 * "(A off)": a device may come up with pipe A on, as a GVT vGPU does (and
 * vgpu-mdev after a reset); the planes a client reads are the first
 * enabled pipe's, so a test on another pipe turns A off.
 */
static void pipe_a_off(struct vt *t, unsigned pipe)
{
	if (pipe)
		vt_reg(t, VRC_PIPECONF(0), 0);
}

/* Program a bigger plane on the guest's pipe, show frame 1, settle. */
static void tear_setup(struct tear *w, struct vt *t, unsigned pipe)
{
	struct vrc_signal sig;
	int rc;

	memset(w, 0, sizeof(*w));
	w->t = t;
	w->pending = w->drawing = -1;
	w->front = NBUF;	/* nothing scanned out until the device says so */
	w->next_id = 1;
	w->ref = malloc((size_t)TW * TH * 4);
	if (!w->ref)
		vt_abort(t, "out of memory");
	vt_setup(t, pipe);
	pipe_a_off(t, pipe);
	w->nbands = vrc_capture_auto_bands(TH);
	if (vrc_frames_init(&w->known, TW, TH, w->nbands))
		vt_abort(t, "bad band count %u", w->nbands);
	begin_frame(w, 0);
	draw_more(w, TH);
	vt_reg(t, VRC_PIPESRC(pipe), (TW - 1) << 16 | (TH - 1));
	vt_reg(t, VRC_PLANE_STRIDE(pipe), TSTRIDE);
	vt_reg(t, VRC_PLANE_SIZE(pipe), (TH - 1) << 16 | (TW - 1));
	submit(w);
	vt_step(t, 2);
	flip_done(w, 0);
	if (w->front != 0)
		vt_abort(t, "the device did not report the first frame latched (flip-done)");
	vt_poll(t, &sig);
	rc = vrc_read_frame_counter(t->dev, t->irq.frmcount_reg, &w->base);
	if (rc)
		vt_abort(t, "reading the frame counter failed: %s", strerror(-rc));
	w->nvb = 0;
	w->flips = 0;	/* the setup's flip is no part of the workload */
}

static void tear_fini(struct tear *w)
{
	free(w->ref);
	w->ref = NULL;
}

/* Capture now; a plane that cannot be read at all is the device's fault,
 * except a missing CPU mapping path, which is ours (skip). */
static bool capture(struct tear *w, struct vrc_capture *c)
{
	char err[256];
	int rc = vrc_capture_primary(w->t->dev, w->nbands, c, err, sizeof(err));

	if (rc == -ENODEV || rc == -ENOTSUP)
		vt_skip(w->t, "cannot read the primary plane: %s", err);
	if (rc) {
		vt_violation(w->t, C_TEAR_1, "the primary plane cannot be captured: %s", err);
		return false;
	}
	return true;
}

/* TEAR-1 for a capture taken at a primary signal placed at vblank idx. */
static void judge(struct tear *w, const struct vrc_capture *c, unsigned idx, unsigned k)
{
	struct vrc_match m;
	char s[160];
	uint32_t want;

	if (!w->nvb)
		vt_abort(w->t, "a capture before the first vblank");
	want = idx < w->nvb ? w->latched_at[idx] : w->latched_at[w->nvb - 1];

	if (vrc_frames_match(&w->known, &c->crc, &m))
		vt_abort(w->t, "band count mismatch");
	w->captures++;
	vrc_match_str(&m, s, sizeof(s));
	if (m.kind != VRC_MATCH_FRAME) {
		vt_violation(w->t, C_TEAR_1, "signal at vblank %u (read after vblank %u): "
			     "captured %s; frame %u was latched", idx, k, s, want);
		return;
	}
	if (m.frame < want)
		vt_violation(w->t, C_TEAR_1, "signal at vblank %u: captured frame %u, older "
			     "than frame %u latched at that vblank", idx, m.frame, want);
	else if (m.frame > w->newest_submitted)
		vt_violation(w->t, C_TEAR_1, "signal at vblank %u: captured frame %u, which the "
			     "guest is still drawing (newest submitted: %u)", idx, m.frame,
			     w->newest_submitted);
	else
		w->complete++;
}

/* Poll after vblank k; capture and judge at a primary signal. */
static void host_poll(struct tear *w, unsigned k)
{
	struct vrc_signal sig;
	struct vrc_capture c;

	if (!vt_poll(w->t, &sig) || !sig.counts.primary)
		return;
	w->signals++;
	uint32_t idx = sig.frame_counter - w->base - 1;
	if (idx >= w->nvb) {
		if (!w->ahead++)
			vt_diag(w->t, "signal with frame counter %u outside [%u, %u]: judged at "
				"vblank %u (the next such ones only counted)", sig.frame_counter,
				w->base + 1, w->base + w->nvb, k);
		idx = k;
	}
	if (capture(w, &c))
		judge(w, &c, idx, k);
}

/*
 * The least a run must give TEAR-1 to judge. TEAR-1 is judged at primary
 * signals, and it presumes the signals the workload causes: every flip the
 * device latched is one (EVT-2). A device that signals fewer than half of
 * them leaves the clause with little or nothing to judge, so the test fails
 * it rather than pass on what it never saw. Half, not all: a device that
 * loses some signals (drop's every 7th, late's last ones at the run's end)
 * still shows most latched frames here, and each lost signal is EVT-2's to
 * count, per vblank, in the evt- and rt- tests. In virtual time every
 * signal is captured and judged (the host polls after every vblank), so
 * signals seen and captures judged are the same count.
 */
static void require_signals(struct tear *w, const char *what, unsigned flips, unsigned signals)
{
	unsigned need = (flips + 1) / 2;

	if (w->t->violated || signals >= need)
		return;
	vt_violation(w->t, C_TEAR_1, "%s: the device latched %u flips but gave %u primary "
		     "signals; at least %u (half) are needed to judge captures at them, "
		     "and every flip is to be signalled (EVT-2)", what, flips, signals, need);
}

static void report(struct tear *w)
{
	vt_diag(w->t, "%u captures at primary signals, %u complete frames, %u frames drawn, "
		"%u flips latched", w->captures, w->complete, w->next_id - 1, w->flips);
	if (w->ahead)
		vt_diag(w->t, "%u signals came with a frame counter past the test's steps (a real "
			"vblank clock ahead of the loop): each judged at its step's vblank, the "
			"newest latched frame", w->ahead);
}

/* ---- tear-flip-pattern: double buffer, flips on a pseudo-random pattern */

/*
 * At a flip-done the guest starts the next frame in the buffer it flipped
 * away from and draws its top half at once; the bottom half follows when
 * the pattern says flip, then it submits.
 */
static enum vrc_result tear_flip_pattern(struct vt *t)
{
	struct tear w;
	uint16_t lfsr = 0x5a5au;
	unsigned idle = 0;
	const unsigned n = 48;

	tear_setup(&w, t, 0);
	begin_frame(&w, 1);
	draw_more(&w, TH / 2);
	for (unsigned k = 0; k < n && !t->violated; k++) {
		if (vt_pattern_next(&lfsr, &idle, 3) && w.drawing >= 0) {
			draw_more(&w, TH);
			submit(&w);
		}
		vt_step(t, 1);
		if (flip_done(&w, k) && w.drawing < 0) {
			int b = free_buffer(&w, 2);
			if (b < 0)
				vt_abort(t, "no free buffer after a flip");
			begin_frame(&w, (unsigned)b);
			draw_more(&w, TH / 2);
		}
		host_poll(&w, k);
	}
	report(&w);
	require_signals(&w, "double buffer, pseudo-random flips", w.flips, w.signals);
	tear_fini(&w);
	return R_PASS;
}

/* ---- tear-slow-render: triple buffer, frames take 1..13 vblanks */

/*
 * Render times in vblanks, cycled: the 13 outlasts the single-buffer
 * heuristic (THR + 1 flip-less vblanks), so primary signals also arrive
 * while a frame is half drawn, and those must show the front buffer.
 */
static const unsigned render_vblanks[] = { 3, 1, 2, 5, 13, 2, 1, 4 };

static enum vrc_result tear_slow_render(struct vt *t)
{
	struct tear w;
	const unsigned n = 96;
	unsigned fi = 0, left;

	tear_setup(&w, t, t->test->pipe);
	begin_frame(&w, 1);
	left = render_vblanks[0];
	for (unsigned k = 0; k < n && !t->violated; k++) {
		/* rows in equal shares over the render time, row by row */
		if (!left)
			left = 1;
		bool done = draw_more(&w, (TH - w.rows_done + left - 1) / left);
		left--;
		if (done) {
			submit(&w);
			/* triple buffering: the next frame starts at once */
			int b = free_buffer(&w, NBUF);
			if (b < 0)
				vt_abort(t, "no free buffer with a flip queued");
			begin_frame(&w, (unsigned)b);
			fi = (fi + 1) % (sizeof(render_vblanks) / sizeof(render_vblanks[0]));
			left = render_vblanks[fi];
			draw_more(&w, TH / (4 * left));
		}
		vt_step(t, 1);
		flip_done(&w, k);
		host_poll(&w, k);
	}
	report(&w);
	require_signals(&w, "triple buffer, slow rendering", w.flips, w.signals);
	tear_fini(&w);
	return R_PASS;
}

/* ---- tear-torn-rate: event-driven vs a 30 ms timer (SHOULD measurement) */

/*
 * Virtual time in phases of a fifth of a vblank (3.33 ms at 60 Hz), so a
 * 30 ms timer is exactly every 9 phases and hits the vblank phases
 * 0, 0.8, 0.6, 0.4, 0.2 in turn. A capture is not instantaneous: the host
 * reads the buffer band by band over READ_PHASES (a copy, or a compositor
 * sampling the dmabuf during its next refresh). The guest renders each
 * frame into the buffer it just flipped away from, starting at the flip-
 * done, two bands per phase in a scattered order (a GPU draws in no row
 * order), and submits it at the next phase. A capture that starts at a
 * signal reads a buffer the guest will not touch before the next latch; one
 * that starts on a timer may still be reading when the flip lands and the
 * guest starts drawing into it.
 */
#define PHASES		5u	/* per vblank */
#define TIMER_PHASES	9u	/* 30 ms */
#define READ_PHASES	5u
#define BANDS_PER_PHASE	2u
#define RATE_PHASES	400u	/* per mode: 80 vblanks, 40 frames */

struct rate_run {
	const char *mode;
	unsigned captures, torn;
	unsigned torn_per_band[VRC_BANDS_MAX];
};

struct reader {
	bool active;
	struct vrc_capture c;
	unsigned start;		/* phase */
	unsigned idx, k;	/* signal placement (event mode) */
	bool judge;
};

static uint32_t scatter(uint32_t i, uint32_t n)
{
	return (i * 7u + 3u) % n;	/* 7 is coprime to every band count we use */
}

/* The guest's drawing in band units, in scattered order. */
static bool draw_bands(struct tear *w, unsigned *next_band, unsigned count)
{
	for (unsigned i = 0; i < count && *next_band < w->nbands; i++, (*next_band)++) {
		uint32_t b = scatter(*next_band, w->nbands), y0, y1;
		vrc_band_rows(b, w->nbands, TH, &y0, &y1);
		draw_rows(w, (unsigned)w->drawing, w->buf_frame[w->drawing], y0, y1);
	}
	return *next_band == w->nbands;
}

static void tearmap(struct tear *w, struct rate_run *r, const struct vrc_match *m)
{
	unsigned votes[VRC_FRAMES_MAX] = { 0 }, best = 0;

	r->torn++;
	/* the frame most bands belong to; the other bands are the tear */
	for (unsigned b = 0; b < w->nbands; b++)
		for (unsigned j = 0; j < w->known.n; j++)
			if (w->known.f[j].id == m->band_frame[b] && ++votes[j] >= votes[best])
				best = j;
	for (unsigned b = 0; b < w->nbands; b++)
		if (m->band_frame[b] != w->known.f[best].id)
			r->torn_per_band[b]++;
}

static void reader_step(struct tear *w, struct reader *rd, struct rate_run *r, unsigned p)
{
	if (!rd->active)
		return;
	for (unsigned b = 0; b < w->nbands; b++)
		if (rd->start + b * READ_PHASES / w->nbands == p &&
		    vrc_capture_bands(&rd->c, b, b + 1))
			vt_abort(w->t, "band CRC over the mapped plane failed");
	if (p + 1 < rd->start + READ_PHASES)
		return;
	struct vrc_match m;
	vrc_capture_close(&rd->c);
	rd->active = false;
	if (vrc_frames_match(&w->known, &rd->c.crc, &m))
		vt_abort(w->t, "band count mismatch");
	r->captures++;
	if (m.kind != VRC_MATCH_FRAME)
		tearmap(w, r, &m);
	if (rd->judge) {
		judge(w, &rd->c, rd->idx, rd->k);
	}
}

static bool reader_start(struct tear *w, struct reader *rd, unsigned p)
{
	char err[256];
	int rc;

	if (rd->active)
		return false;	/* still reading the previous one */
	rc = vrc_capture_open(w->t->dev, w->nbands, &rd->c, err, sizeof(err));
	if (rc == -ENODEV || rc == -ENOTSUP)
		vt_skip(w->t, "cannot read the primary plane: %s", err);
	if (rc) {
		vt_violation(w->t, C_TEAR_1, "the primary plane cannot be captured: %s", err);
		return false;
	}
	rd->active = true;
	rd->start = p;
	rd->judge = false;
	return true;
}

static void rate_mode(struct tear *w, struct rate_run *r, bool timer, unsigned *k0,
		      unsigned *next_band)
{
	struct reader rd = { 0 };
	struct vt *t = w->t;
	unsigned k = *k0;

	for (unsigned p = 0; p < RATE_PHASES || rd.active; p++) {
		bool vblank = p % PHASES == 0 && p;
		struct vrc_signal sig;

		if (vblank) {
			vt_step(t, 1);
			if (flip_done(w, k++) && w->drawing < 0) {
				int b = free_buffer(w, 2);
				if (b < 0)
					vt_abort(t, "no free buffer after a flip");
				begin_frame(w, (unsigned)b);
				*next_band = 0;
			}
		}
		/* the guest first: it loses no race against the host */
		if (w->drawing >= 0 && w->pending < 0) {
			if (*next_band == w->nbands)
				submit(w);
			else
				draw_bands(w, next_band, BANDS_PER_PHASE);
		}
		if (!timer && vblank && vt_poll(t, &sig) && sig.counts.primary) {
			w->signals++;
			uint32_t idx = sig.frame_counter - w->base - 1;
			if (reader_start(w, &rd, p)) {
				rd.idx = idx < w->nvb ? idx : k - 1;
				rd.k = k - 1;
				rd.judge = true;
			}
		}
		if (timer && p % TIMER_PHASES == 0 && p < RATE_PHASES)
			reader_start(w, &rd, p);
		reader_step(w, &rd, r, p);
		if (t->violated)
			break;
	}
	if (rd.active)
		vrc_capture_close(&rd.c);
	*k0 = k;
}

static void rate_report(struct tear *w, struct rate_run *r, const char *name,
			const char *file)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (unsigned b = 0; b < w->nbands; b++)
		json_object_array_add(a, json_object_new_int((int)r->torn_per_band[b]));
	json_object_object_add(o, "bands", json_object_new_int((int)w->nbands));
	json_object_object_add(o, "torn_per_band", a);
	json_object_object_add(o, "captures", json_object_new_int((int)r->captures));
	json_object_object_add(o, "torn", json_object_new_int((int)r->torn));
	json_object_object_add(o, "mode", json_object_new_string(r->mode));
	vt_artifact_json(w->t, file, o);
	vt_diag(w->t, "%s: %u of %u captures torn", r->mode, r->torn, r->captures);
	if (r->captures)
		vt_measure(w->t, name, (double)r->torn / r->captures, "fraction");
}

static enum vrc_result tear_torn_rate(struct vt *t)
{
	struct tear w;
	struct rate_run ev = { .mode = "event" }, tm = { .mode = "timer" };
	unsigned k = 0, next_band = 0;
	int rc;

	tear_setup(&w, t, 0);
	begin_frame(&w, 1);
	rate_mode(&w, &ev, false, &k, &next_band);
	/* a measurement with nothing measured on the event side is no pass */
	unsigned ev_flips = w.flips, ev_signals = w.signals;
	require_signals(&w, "event-driven phase", ev_flips, ev_signals);
	if (!t->violated) {
		if ((rc = vrc_display_irq_mask(&t->irq, true)))
			vt_abort(t, "masking the display irq failed: %s", strerror(-rc));
		rate_mode(&w, &tm, true, &k, &next_band);
		rate_report(&w, &tm, "torn_rate_timer", "tearmap.json");
	}
	rate_report(&w, &ev, "torn_rate_event", "tearmap-event.json");
	report(&w);
	tear_fini(&w);
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "tear-flip-pattern", .clauses = CL(C_TEAR_1),
	  .desc = "double buffer, pseudo-random flips: each primary signal shows the latched "
		  "frame, whole",
	  .run = tear_flip_pattern },
	{ .name = "tear-slow-render", .clauses = CL(C_TEAR_1),
	  .desc = "triple buffer, frames drawn row by row over 1..13 vblanks: never a half-drawn "
		  "capture",
	  .run = tear_slow_render },
	{ .name = "tear-slow-render-pipe-b", .clauses = CL(C_TEAR_1),
	  .desc = "the same on pipe B (A off)",
	  .run = tear_slow_render, .pipe = 1 },
	{ .name = "tear-torn-rate", .clauses = CL(C_TEAR_1),
	  .desc = "torn captures, event-driven vs a 30 ms timer with the irq masked (SHOULD)",
	  .run = tear_torn_rate },
};
const struct vrc_suite vrc_suite_tear = VRC_SUITE("tear", tests);
