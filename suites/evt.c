// SPDX-License-Identifier: MIT
/*
 * EVT, first checks in virtual time: a process guest flips and moves the
 * cursor at known vblanks; every host signal is placed on the vblank axis by
 * the frame counter and judged per vblank by the oracle (lib/oracle.c).
 */
#include <stdlib.h>

#include "vrc/i915_regs.h"
#include "harness/vrc/vt.h"
#include "harness/vrc/artifacts.h"
#include "harness/vrc/judge.h"

static enum vrc_result drive_and_judge(struct vt *t, unsigned pipe, unsigned n,
				       vt_act_fn act, void *ctx)
{
	struct vrc_vblank *vb = calloc(n, sizeof(*vb)), *vb1 = calloc(n, sizeof(*vb1));

	if (!vb || !vb1)
		vt_abort(t, "out of memory");
	vt_setup(t, pipe);
	uint32_t base = vt_drive(t, n, act, ctx, vb, vb1);
	vt_require_signals(t, vb, n);
	vt_judge_placed(t, vb, vb1, n, t->test->clauses);
	vt_artifact_vblanks(t, "drive", vb, n, base);
	vt_measure_idle_rate(t, vb, n);
	free(vb);
	free(vb1);
	return R_PASS;
}

static unsigned act_flip(unsigned k, void *ctx) { (void)k; (void)ctx; return VT_ACT_FLIP; }
static unsigned act_burst(unsigned k, void *ctx) { (void)k; (void)ctx; return VT_ACT_BURST; }
static unsigned act_cursor(unsigned k, void *ctx) { (void)k; (void)ctx; return VT_ACT_CURSOR; }
static unsigned act_curpos(unsigned k, void *ctx) { (void)k; (void)ctx; return VT_ACT_CURPOS; }
/* Five flips, then an idle screen: the single-buffer heuristic takes over. */
static unsigned act_idle(unsigned k, void *ctx) { (void)ctx; return k < 5 ? VT_ACT_FLIP : 0; }

/*
 * Pseudo-random flip / no-flip vblanks (a fixed 16-bit LFSR, so host and guest
 * sequences align unambiguously), never more than three idle in a row.
 */
struct pattern {
	uint16_t lfsr;
	unsigned idle_run;
};

static unsigned act_pattern(unsigned k, void *ctx)
{
	struct pattern *p = ctx;

	(void)k;
	unsigned bit = ((p->lfsr >> 0) ^ (p->lfsr >> 2) ^ (p->lfsr >> 3) ^ (p->lfsr >> 5)) & 1u;
	p->lfsr = (uint16_t)((p->lfsr >> 1) | (bit << 15));
	if ((p->lfsr & 1u) || p->idle_run >= 3) {
		p->idle_run = 0;
		return VT_ACT_FLIP;
	}
	p->idle_run++;
	return 0;
}

/* One flip, then single-buffer rendering: the device sees no register write. */
static unsigned act_draw(unsigned k, void *ctx) { (void)ctx; return k ? VT_ACT_DRAW : VT_ACT_FLIP; }
/* The same while the cursor moves at every vblank (v5/v6 reset their heuristic). */
static unsigned act_draw_cursor(unsigned k, void *ctx)
{
	(void)ctx;
	return k ? VT_ACT_DRAW | VT_ACT_CURSOR : VT_ACT_FLIP;
}

/* The same pattern for the cursor: gaps make a lost signal visible. */
static unsigned act_cursor_pattern(unsigned k, void *ctx)
{
	return act_pattern(k, ctx) ? VT_ACT_CURSOR : 0;
}

/*
 * A flip every sixth vblank, the cursor at every odd one: the cursor
 * updates at 3 mod 6 are three vblanks from any flip, so a primary signal
 * there is one of the cursor's even where real vblanks place signals less
 * exactly, and the heuristic stays quiet (SPEC §2's THR).
 */
static unsigned act_mixed(unsigned k, void *ctx)
{
	(void)ctx;
	return (k % 6 == 0 ? VT_ACT_FLIP : 0) | (k % 2 ? VT_ACT_CURSOR : 0);
}

static enum vrc_result evt_flip_every_vblank(struct vt *t)
{
	return drive_and_judge(t, 0, 30, act_flip, NULL);
}

static enum vrc_result evt_flip_burst(struct vt *t)
{
	return drive_and_judge(t, 0, 10, act_burst, NULL);
}

static enum vrc_result evt_idle_bound(struct vt *t)
{
	return drive_and_judge(t, 0, 40, act_idle, NULL);
}

static enum vrc_result evt_flip_pattern(struct vt *t)
{
	struct pattern p = { .lfsr = 0xace1u };

	return drive_and_judge(t, t->test->pipe, 60, act_pattern, &p);
}

static enum vrc_result evt_cursor_move(struct vt *t)
{
	return drive_and_judge(t, t->test->pipe, 20, act_cursor, NULL);
}

static enum vrc_result evt_cursor_pattern(struct vt *t)
{
	struct pattern p = { .lfsr = 0xbeefu };

	return drive_and_judge(t, 0, 60, act_cursor_pattern, &p);
}

static enum vrc_result evt_cursor_curpos_only(struct vt *t)
{
	return drive_and_judge(t, 0, 20, act_curpos, NULL);
}

static enum vrc_result evt_frontbuffer_draw(struct vt *t)
{
	return drive_and_judge(t, 0, 48, act_draw, NULL);
}

static enum vrc_result evt_frontbuffer_draw_cursor(struct vt *t)
{
	return drive_and_judge(t, 0, 48, act_draw_cursor, NULL);
}

/* SPEC §2's THR: within this many vblanks of a flip the heuristic is quiet. */
#define HEURISTIC_QUIET	10u

/* A flip latched at one of the vblanks k - back .. k + ahead (< n). */
static bool flip_near(const struct vrc_vblank *vb, unsigned n, unsigned k, unsigned back,
		      unsigned ahead)
{
	for (unsigned j = k > back ? k - back : 0; j <= k + ahead && j < n; j++)
		if (vb[j].flip)
			return true;
	return false;
}

static enum vrc_result evt_values_decode(struct vt *t)
{
	const unsigned n = 30;
	struct vrc_vblank vb[30];

	vt_setup(t, 0);
	bool exact = !vt_backend(t)->real_vblanks;

	vt_drive(t, n, act_mixed, NULL, vb, NULL);
	/* decoding needs signals of both planes to decode */
	vt_require_signals(t, vb, n);
	for (unsigned k = 0; k < n; k++) {
		if (vb[k].inexact)
			vt_violation(t, C_EVT_5, "vblank %u: a signal value is not a sum of the "
				     "advertised values", k);
		/* v7: the cursor sub-irq has no heuristic; it speaks only of cursors. */
		if (t->irq.desc.abi == VRC_ABI_V7 && vb[k].cur &&
		    !vb[k].cursor && !(k && vb[k - 1].cursor))
			vt_violation(t, C_EVT_5, "vblank %u: cursor sub-irq signalled with no "
				     "cursor update", k);
		/* v7: nor the primary sub-irq of cursors (EVT-5.3), judged
		 * where no flip is within two vblanks either way and the
		 * heuristic is quiet; in virtual time only: on real vblanks a
		 * flip whose write spanned a vblank is not recorded */
		if (exact && t->irq.desc.abi == VRC_ABI_V7 && vb[k].pri &&
		    !flip_near(vb, n, k, 2, 2) && flip_near(vb, n, k, HEURISTIC_QUIET, 0))
			vt_violation(t, C_EVT_5, "vblank %u: primary sub-irq signalled with no "
				     "flip (a cursor update%s)", k,
				     vb[k].cursor || (k && vb[k - 1].cursor) ? " there" : " nowhere near");
		if (t->violated)
			break;
	}
	return R_PASS;
}

/* Async and sync flips, pseudo-random, with stretches of async flips alone. */
static unsigned act_async(unsigned k, void *ctx)
{
	struct pattern *p = ctx;

	if (!act_pattern(k, ctx))
		return 0;
	return (k / 8) % 2 || (p->lfsr & 2u) ? VT_ACT_ASYNC : VT_ACT_FLIP;
}

static enum vrc_result evt_async_flip(struct vt *t)
{
	struct pattern p = { .lfsr = 0x5a17u };

	return drive_and_judge(t, 0, 60, act_async, &p);
}

/*
 * Input classes, table-driven: per vblank, the register writes a guest
 * makes (in i915's order: the arming register, DSPSURF or CURBASE, last)
 * and the plane update that must be signalled. Offsets are pipe A's; the
 * test's pipe moves them. Expected outcomes are SPEC §2's: every DSPSURF
 * write of an enabled pipe queues a flip (whatever its value: the same
 * address again too), every CURBASE and CURPOS write a cursor update, and
 * what a disabled pipe queued is dropped at its vblank (nothing expected).
 */
#define S0	0u		/* vt_pipe_on()'s framebuffers */
#define S1	(256u << 10)
#define CB0	(512u << 10)	/* and cursor images */
#define CB1	(576u << 10)
#define CTL_ON	(VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB8888)
#define POS_NEG(m)	(1u << 15 | (m))	/* CURPOS: sign bit and magnitude per axis */
#define POS(x, y)	((uint32_t)(y) << 16 | (uint32_t)(x))
#define F		VT_ACT_MARK_FLIP
#define C		VT_ACT_MARK_CURSOR
#define W_SURF(v)	{ VRC_PLANE_SURF(0), (v) }
#define W_CTL(v)	{ VRC_PLANE_CTL(0), (v) }
#define W_STRIDE(v)	{ VRC_PLANE_STRIDE(0), (v) }
#define W_BASE(v)	{ VRC_CURBASE(0), (v) }
#define W_POS(v)	{ VRC_CURPOS(0), (v) }
#define W_CURCNTR(v)	{ VRC_CURCNTR(0), (v) }
#define W_PIPECONF(v)	{ VRC_PIPECONF(0), (v) }

struct evt_write {
	uint32_t reg;		/* pipe A's offset; 0 ends the list */
	uint32_t val;
};

struct evt_step {
	struct evt_write w[4];
	unsigned expect;	/* F, C: the update this vblank must be signalled */
};

/* A test's workload (vrc_test.workload): run_table() drives it. */
struct evt_table {
	const struct evt_step *steps;
	unsigned nsteps;
};

#define STEPS(a)	(&(const struct evt_table){ (a), sizeof(a) / sizeof((a)[0]) })

/* DSPSURF, DSPSTRIDE, DSPCNTR: boundary values, the same address again, a
 * change of tiling and of pixel format (input class IC-5). */
static const struct evt_step primary_values[] = {
	{ { W_SURF(S1) }, F },
	{ { W_SURF(S1) }, F },				/* the same address again */
	{ { { 0, 0 } }, 0 },
	{ { W_SURF(S1) }, F },				/* and once more */
	{ { W_SURF(S0) }, F },				/* address 0 */
	{ { W_STRIDE(32768u), W_SURF(S1) }, F },	/* i915's largest stride */
	{ { W_STRIDE(VT_W * 4u), W_SURF(S0) }, F },	/* the smallest for the mode */
	{ { W_CTL(CTL_ON | VRC_PLANE_CTL_TILED_X), W_SURF(S1) }, F },	/* tiling change */
	{ { W_CTL(CTL_ON), W_SURF(S0) }, F },
	{ { W_CTL(VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB2101010), W_SURF(S1) }, F },
	{ { W_CTL(CTL_ON), W_SURF(S0) }, F },		/* pixel format there and back */
	{ { { 0, 0 } }, 0 },
	{ { W_SURF(S0) }, F },				/* the same, after a pause */
	{ { W_SURF(0xfffff000u) }, F },			/* the highest page */
	{ { { 0, 0 } }, 0 },	/* alone: a flip next vblank would cover its loss */
	{ { W_SURF(S0) }, F },
	{ { { 0, 0 } }, 0 },
	{ { { 0, 0 } }, 0 },
};

/* CURPOS and CURBASE: edges, beyond the mode, negative, the same again,
 * CURBASE's lowest and highest page. */
static const struct evt_step cursor_positions[] = {
	{ { W_POS(POS(0, 0)), W_BASE(CB1) }, C },
	{ { W_POS(POS(0, 0)) }, C },			/* the same position again */
	{ { { 0, 0 } }, 0 },
	{ { W_POS(POS(VT_W - 1, VT_H - 1)) }, C },	/* the last pixel */
	{ { W_POS(POS(VT_W, VT_H)) }, C },		/* just beyond the mode */
	{ { W_POS(POS(4095, 4095)) }, C },		/* the largest magnitude */
	{ { { 0, 0 } }, 0 },	/* alone: an update next vblank would cover its loss */
	{ { W_POS(POS(POS_NEG(1), POS_NEG(1))) }, C },	/* one pixel up-left */
	{ { { 0, 0 } }, 0 },
	{ { W_POS(POS(POS_NEG(63), 0)), W_BASE(CB0) }, C },	/* off the left edge */
	{ { W_POS(POS(0, POS_NEG(63))) }, C },		/* off the top edge */
	{ { W_POS(POS(POS_NEG(4095), POS_NEG(4095))) }, C },
	{ { { 0, 0 } }, 0 },
	{ { W_POS(POS(POS_NEG(1), 5)), W_BASE(CB0) }, C },	/* the same image again */
	{ { W_POS(POS(10, 10)) }, C },
	{ { W_BASE(CB0) }, C },				/* the same image, alone */
	{ { { 0, 0 } }, 0 },
	{ { W_BASE(0u) }, C },				/* image at address 0 */
	{ { W_BASE(0xfffff000u) }, C },			/* and at the highest page */
	{ { W_BASE(CB1) }, C },
	{ { { 0, 0 } }, 0 },
	{ { { 0, 0 } }, 0 },
};

/* CURCNTR: size and format changes, armed by CURBASE as i915 does. */
static const struct evt_step cursor_control[] = {
	{ { W_CURCNTR(VRC_CURSOR_MODE_128_ARGB), W_BASE(CB1) }, C },	/* 64 -> 128 */
	{ { { 0, 0 } }, 0 },
	{ { W_CURCNTR(VRC_CURSOR_MODE_256_ARGB), W_BASE(CB0) }, C },	/* -> 256 */
	{ { W_CURCNTR(VRC_CURSOR_MODE_64_ARGB), W_BASE(CB1) }, C },	/* -> 64 */
	{ { { 0, 0 } }, 0 },
	{ { W_CURCNTR(VRC_CURSOR_MODE_64_ARGB), W_BASE(CB1) }, C },	/* no change */
	{ { W_POS(POS(5, 5)), W_CURCNTR(VRC_CURSOR_MODE_256_ARGB) , W_BASE(CB0) }, C },
	{ { W_POS(POS(6, 6)) }, C },
	{ { { 0, 0 } }, 0 },
	{ { W_CURCNTR(VRC_CURSOR_MODE_64_ARGB), W_BASE(CB0) }, C },
	{ { { 0, 0 } }, 0 },
	{ { { 0, 0 } }, 0 },
};

/* DSPCNTR's enable and CURCNTR's mode: each plane turned off and on. */
static const struct evt_step planes_off_on[] = {
	{ { W_SURF(S1) }, F },
	{ { W_CTL(0), W_SURF(S0) }, F },		/* primary off */
	{ { { 0, 0 } }, 0 },
	{ { W_SURF(S1) }, F },				/* a flip of the plane off */
	{ { { 0, 0 } }, 0 },
	{ { W_CTL(CTL_ON), W_SURF(S0) }, F },		/* primary on */
	{ { { 0, 0 } }, 0 },
	{ { W_SURF(S1) }, F },
	{ { W_CURCNTR(0), W_BASE(CB1) }, C },		/* cursor off */
	{ { { 0, 0 } }, 0 },
	{ { W_POS(POS(3, 3)) }, C },			/* a move of the cursor off */
	{ { W_CURCNTR(VRC_CURSOR_MODE_64_ARGB), W_BASE(CB0) }, C },	/* cursor on */
	{ { { 0, 0 } }, 0 },
	{ { W_SURF(S0), W_POS(POS(4, 4)), W_BASE(CB1) }, F | C },
	{ { { 0, 0 } }, 0 },
	{ { W_SURF(S1) }, F },
	{ { { 0, 0 } }, 0 },
	{ { { 0, 0 } }, 0 },
};

/* PIPECONF: pipe B turned off and on while pipe A (the clock) runs. */
static const struct evt_step pipe_off_on[] = {
	{ { W_SURF(S1) }, F },
	{ { { 0, 0 } }, 0 },
	{ { W_SURF(S0) }, F },
	{ { W_PIPECONF(0) }, 0 },			/* pipe off */
	{ { W_SURF(S1) }, 0 },				/* dropped: no vblank of B */
	{ { { 0, 0 } }, 0 },
	{ { W_PIPECONF(VRC_PIPECONF_ENABLE), W_SURF(S0) }, F },	/* on, with its flip */
	{ { { 0, 0 } }, 0 },
	{ { W_SURF(S1) }, F },
	{ { W_SURF(S0) }, F },
	{ { { 0, 0 } }, 0 },
	{ { W_SURF(S1) }, F },
	{ { { 0, 0 } }, 0 },
	{ { { 0, 0 } }, 0 },
};

#undef F
#undef C

struct table_run {
	struct vt *t;
	const struct evt_table *tab;
	unsigned pipe;		/* the pipe the writes go to */
};

/* Vblank k's writes; returns what they must make the device signal. */
static unsigned act_table(unsigned k, void *ctx)
{
	struct table_run *r = ctx;
	const struct evt_step *st;

	if (k >= r->tab->nsteps)
		return 0;
	st = &r->tab->steps[k];
	for (unsigned i = 0; i < 4 && st->w[i].reg; i++)
		vt_reg(r->t, st->w[i].reg + VRC_PIPE_STRIDE * r->pipe, st->w[i].val);
	return st->expect;
}

/* The test's table (its workload) on its pipe, pipe A on as the clock. */
static enum vrc_result run_table(struct vt *t)
{
	const struct evt_table *tab = t->test->workload;
	struct table_run r = { t, tab, t->test->pipe };
	unsigned n = tab->nsteps;
	struct vrc_vblank *vb = calloc(n, sizeof(*vb)), *vb1 = calloc(n, sizeof(*vb1));

	if (!vb || !vb1)
		vt_abort(t, "out of memory");
	vt_setup(t, 0);
	if (t->surf[1] != S1 || t->curbase[0] != CB0 || t->curbase[1] != CB1)
		vt_abort(t, "the tables' buffer addresses are not vt_pipe_on()'s");
	if (r.pipe != t->pipe) {
		vt_guest_pipe_on(t, 0, r.pipe);	/* pipe A stays on: the clock */
		vt_step(t, 2);
	}
	uint32_t base = vt_drive(t, n, act_table, &r, vb, vb1);
	vt_require_signals(t, vb, n);
	vt_judge_placed(t, vb, vb1, n, t->test->clauses);
	vt_artifact_vblanks(t, "drive", vb, n, base);
	free(vb);
	free(vb1);
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "evt-flip-every-vblank", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "a flip at every vblank: one primary signal each, at its latch",
	  .run = evt_flip_every_vblank },
	{ .name = "evt-flip-burst", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "three flips inside each vblank still give one signal per vblank",
	  .run = evt_flip_burst },
	{ .name = "evt-idle-bound", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "an idle screen after flips: the heuristic signals at most once per vblank",
	  .run = evt_idle_bound },
	{ .name = "evt-flip-pattern", .clauses = CL(C_EVT_2),
	  .desc = "pseudo-random flip/no-flip vblanks: each flip notified within +1",
	  .run = evt_flip_pattern },
	{ .name = "evt-cursor-move", .clauses = CL(C_EVT_3),
	  .desc = "CURPOS then CURBASE at every vblank: each notified within +1",
	  .run = evt_cursor_move },
	{ .name = "evt-cursor-pattern", .clauses = CL(C_EVT_3),
	  .desc = "pseudo-random move / no-move vblanks: each move notified within +1",
	  .run = evt_cursor_pattern },
	{ .name = "evt-cursor-curpos-only", .clauses = CL(C_EVT_3),
	  .desc = "CURPOS-only moves are cursor updates too",
	  .run = evt_cursor_curpos_only },
	{ .name = "evt-cursor-pipe-b", .clauses = CL(C_EVT_3),
	  .desc = "cursor moves on pipe B (A off) are notified",
	  .run = evt_cursor_move, .pipe = 1 },
	{ .name = "evt-frontbuffer-draw", .clauses = CL(C_EVT_4),
	  .desc = "drawing into the front buffer without flips is notified every THR+2 vblanks",
	  .run = evt_frontbuffer_draw },
	{ .name = "evt-frontbuffer-draw-cursor", .clauses = CL(C_EVT_4),
	  .desc = "front-buffer drawing is still notified while the cursor moves",
	  .run = evt_frontbuffer_draw_cursor },
	{ .name = "evt-values-decode", .clauses = CL(C_EVT_2) | CL(C_EVT_3) | CL(C_EVT_5),
	  .desc = "every signal decodes exactly into the advertised values",
	  .run = evt_values_decode },
	{ .name = "evt-async-flip", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "async flips (DSPCNTR bit 9) among sync ones: each notified at the next vblank",
	  .run = evt_async_flip },
	{ .name = "evt-flip-pattern-pipe-b", .clauses = CL(C_EVT_2),
	  .desc = "pseudo-random flip/no-flip vblanks on pipe B (A off): each flip notified "
		  "within +1",
	  .run = evt_flip_pattern, .pipe = 1 },
	{ .name = "evt-primary-values", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "DSPSURF/DSPSTRIDE/DSPCNTR boundary values and the same address again: every "
		  "surface write notified",
	  .run = run_table, .workload = STEPS(primary_values) },
	{ .name = "evt-cursor-positions", .clauses = CL(C_EVT_1) | CL(C_EVT_3),
	  .desc = "cursor at the edges, beyond the mode, at negative positions, the same again: "
		  "every CURPOS/CURBASE write notified",
	  .run = run_table, .workload = STEPS(cursor_positions) },
	{ .name = "evt-cursor-control", .clauses = CL(C_EVT_1) | CL(C_EVT_3),
	  .desc = "cursor size and format changes through CURCNTR: every update notified",
	  .run = run_table, .workload = STEPS(cursor_control) },
	{ .name = "evt-planes-off-on", .clauses = CL(C_EVT_1) | CL(C_EVT_2) | CL(C_EVT_3),
	  .desc = "the primary plane and the cursor turned off and on: every update notified",
	  .run = run_table, .workload = STEPS(planes_off_on) },
	{ .name = "evt-pipe-b-off-on", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "pipe B turned off and on (A on): its flips before and after are notified",
	  .run = run_table, .workload = STEPS(pipe_off_on), .pipe = 1 },
};
const struct vrc_suite vrc_suite_evt = VRC_SUITE("evt", tests);
