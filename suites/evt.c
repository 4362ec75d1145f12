// SPDX-License-Identifier: MIT
/*
 * EVT, first checks in virtual time: a process guest flips and moves the
 * cursor at known vblanks; every host signal is placed on the vblank axis by
 * the frame counter and judged per vblank by the oracle (lib/oracle.c).
 */
#include <stdlib.h>

#include "vrc/vt.h"
#include "vrc/artifacts.h"
#include "vrc/judge.h"

static enum vrc_result drive_and_judge(struct vt *t, unsigned pipe, unsigned n,
				       vt_act_fn act, void *ctx)
{
	struct vrc_vblank *vb = calloc(n, sizeof(*vb)), *vb1 = calloc(n, sizeof(*vb1));

	if (!vb || !vb1)
		vt_abort(t, "out of memory");
	vt_setup(t, pipe);
	uint32_t base = vt_drive(t, n, act, ctx, vb, vb1);
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

/* Flips every third vblank, cursor moves on odd ones: both planes, never idle. */
static unsigned act_mixed(unsigned k, void *ctx)
{
	(void)ctx;
	return (k % 3 == 0 ? VT_ACT_FLIP : 0) | (k % 2 ? VT_ACT_CURSOR : 0);
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

	return drive_and_judge(t, 0, 60, act_pattern, &p);
}

static enum vrc_result evt_cursor_move(struct vt *t)
{
	return drive_and_judge(t, 0, 20, act_cursor, NULL);
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

static enum vrc_result evt_cursor_pipe_b(struct vt *t)
{
	return drive_and_judge(t, 1, 20, act_cursor, NULL);
}

static enum vrc_result evt_frontbuffer_draw(struct vt *t)
{
	return drive_and_judge(t, 0, 48, act_draw, NULL);
}

static enum vrc_result evt_frontbuffer_draw_cursor(struct vt *t)
{
	return drive_and_judge(t, 0, 48, act_draw_cursor, NULL);
}

static enum vrc_result evt_values_decode(struct vt *t)
{
	const unsigned n = 30;
	struct vrc_vblank vb[30];

	vt_setup(t, 0);
	vt_drive(t, n, act_mixed, NULL, vb, NULL);
	for (unsigned k = 0; k < n; k++) {
		if (vb[k].inexact)
			vt_violation(t, C_EVT_5, "vblank %u: a signal value is not a sum of the "
				     "advertised values", k);
		/* v7: the cursor sub-irq has no heuristic; it speaks only of cursors. */
		if (t->irq.desc.abi == VRC_ABI_V7 && vb[k].cur &&
		    !vb[k].cursor && !(k && vb[k - 1].cursor))
			vt_violation(t, C_EVT_5, "vblank %u: cursor sub-irq signalled with no "
				     "cursor update", k);
		if (t->violated)
			break;
	}
	return R_PASS;
}

#define EVT(var, name, cl, desc, fn) \
	const struct vrc_test var = { name, cl, desc, 0, fn }

EVT(vrc_test_evt_flip_every, "evt-flip-every-vblank", CL(C_EVT_1) | CL(C_EVT_2),
    "a flip at every vblank: one primary signal each, at its latch", evt_flip_every_vblank);
EVT(vrc_test_evt_flip_burst, "evt-flip-burst", CL(C_EVT_1),
    "three flips inside each vblank still give one signal per vblank", evt_flip_burst);
EVT(vrc_test_evt_idle_bound, "evt-idle-bound", CL(C_EVT_1),
    "an idle screen after flips: the heuristic signals at most once per vblank",
    evt_idle_bound);
EVT(vrc_test_evt_flip_pattern, "evt-flip-pattern", CL(C_EVT_2),
    "pseudo-random flip/no-flip vblanks: each flip notified within +1", evt_flip_pattern);
EVT(vrc_test_evt_cursor_move, "evt-cursor-move", CL(C_EVT_3),
    "CURPOS then CURBASE at every vblank: each notified within +1", evt_cursor_move);
EVT(vrc_test_evt_cursor_pattern, "evt-cursor-pattern", CL(C_EVT_3),
    "pseudo-random move / no-move vblanks: each move notified within +1",
    evt_cursor_pattern);
EVT(vrc_test_evt_cursor_curpos, "evt-cursor-curpos-only", CL(C_EVT_3),
    "CURPOS-only moves are cursor updates too", evt_cursor_curpos_only);
EVT(vrc_test_evt_cursor_pipe_b, "evt-cursor-pipe-b", CL(C_EVT_3),
    "cursor moves on pipe B (A off) are notified", evt_cursor_pipe_b);
EVT(vrc_test_evt_frontbuffer, "evt-frontbuffer-draw", CL(C_EVT_4),
    "drawing into the front buffer without flips is notified every THR+2 vblanks",
    evt_frontbuffer_draw);
EVT(vrc_test_evt_frontbuffer_cursor, "evt-frontbuffer-draw-cursor", CL(C_EVT_4),
    "front-buffer drawing is still notified while the cursor moves",
    evt_frontbuffer_draw_cursor);
EVT(vrc_test_evt_values, "evt-values-decode", CL(C_EVT_5),
    "every signal decodes exactly into the advertised values", evt_values_decode);
