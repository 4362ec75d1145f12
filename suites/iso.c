// SPDX-License-Identifier: MIT
/*
 * ISO: two vGPUs of one host are independent (ISO-1: updates, masks and
 * heuristics of one never cause or suppress signals on the other).
 *
 * In virtual time the verdict is a comparison, not an oracle: vGPU 0 runs a
 * workload alone (twice, to see that the device repeats itself), then the
 * same workload beside a busy vGPU 1; every signal vGPU 0 sees must be the
 * same, vblank by vblank. A fault of a lone vGPU (v6's per-pipe loop, an
 * EVT-4 fault) is then the same in both runs and is not taken for ISO-1;
 * the lone run must still give the signals its workload requires (EVT-2,
 * EVT-3, EVT-4), or there is nothing to compare. Those clauses are not in
 * the tests' lists: a --suite of EVT clauses must not pull in two-vGPU
 * tests; a violation names its clause all the same.
 *
 * On gvt each vGPU has its own vblank timer and no run repeats another: the
 * updates and masks tests judge vGPU 0's own updates beside the busy one
 * (EVT-2, EVT-3), and iso-heuristic-independent judges as before: vGPU 0 flips once and
 * then renders into its front buffer, so only its single-buffer heuristic
 * can notify it, while vGPU 1 flips at every vblank; a heuristic state
 * shared between them (v5's static counter) starves vGPU 0.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vrc/i915_regs.h"
#include "harness/vrc/artifacts.h"
#include "harness/vrc/judge.h"
#include "harness/vrc/vt.h"

#define ISO_VBLANKS	48u
#define ISO_MAX_GAP	12u	/* EVT-4's THR + 2 */

/* vGPU 1 flipped at no vblank in (from, to) (frame counters): a shared
 * heuristic could then fire for vGPU 0 up to the vblank after its next flip
 * latched (to + 1). Mark those vblanks of the axis after base. */
static unsigned mark_unflipped(bool *gap, uint32_t base, uint32_t from, uint32_t to)
{
	for (uint32_t c = from + 1; c != to + 2; c++)
		if (c - base - 1 < ISO_VBLANKS)
			gap[c - base - 1] = true;
	return to - from - 1;
}

static enum vrc_result iso_heuristic_gvt(struct vt *t)
{
	struct vrc_vblank vb[ISO_VBLANKS], judged[ISO_VBLANKS];
	struct vrc_signal sig;
	bool gap[ISO_VBLANKS] = { false };
	unsigned other = 0, missed = 0, clean = 0, longest = 0;
	char why[1024];

	vt_setup(t, 0);
	vt_setup_second(t);
	vt_realtime(t);
	uint32_t base = vt_timeline_start(t, vb, ISO_VBLANKS), prev = base;
	/*
	 * Each step's updates latch at the vblank after the counter read just
	 * before them. In virtual time that is vblank k; on gvt a late harness
	 * skips vblanks, and the axis follows the counter.
	 */
	for (unsigned k = 0; k < ISO_VBLANKS; k++) {
		uint32_t c0 = vt_counter(t), idx = c0 - base;

		if (idx >= ISO_VBLANKS)
			break;
		if (c0 - prev > 1)
			missed += mark_unflipped(gap, base, prev + 1, c0 + 1);
		prev = c0;
		if (k == 0) {
			vt_flip(t);
			vb[idx].flip = 1;
		} else {
			vt_draw(t, k);
			vb[idx].draw = 1;
		}
		vt_reg_on(t, 1, VRC_PLANE_SURF(0), t->surf[k & 1]);
		vt_step_all(t, 1);
		if (vt_poll(t, &sig) && sig.frame_counter - base - 1 < ISO_VBLANKS)
			vt_place(t, vb, ISO_VBLANKS, base, k, &sig);
		if (vrc_display_irq_poll(&t->irq1, &sig) > 0)
			other += (unsigned)sig.counts.primary;
	}
	vt_diag(t, "the flipping vGPU saw %u primary signals in %u vblanks", other, ISO_VBLANKS);
	/* Where vGPU 1 did not flip, vGPU 0 is given the benefit of the doubt. */
	memcpy(judged, vb, sizeof(vb));
	for (unsigned i = 0; i < ISO_VBLANKS; i++) {
		if (gap[i] && !judged[i].pri)
			judged[i].pri = 1;
		clean = gap[i] || !i ? 0 : clean + 1;
		longest = clean > longest ? clean : longest;
	}
	if (missed)
		vt_diag(t, "the harness ran late: vGPU 1 did not flip at %u vblanks; the longest "
			"stretch judged without doubt is %u vblanks", missed, longest);
	if (vrc_oracle_evt4(judged, ISO_VBLANKS, ISO_MAX_GAP, why, sizeof(why)))
		vt_violation(t, C_ISO_1, "the idle vGPU's heuristic is starved while the other "
			     "vGPU flips: %s", why);
	/* A shared heuristic shows only in a stretch longer than the gap. */
	else if (longest <= ISO_MAX_GAP)
		vt_abort(t, "the harness ran late and vGPU 1 did not flip at %u vblanks: the "
			 "host is too busy to judge ISO-1", missed);
	return R_PASS;
}

/* ---- virtual time: a lone baseline against a busy neighbour */

struct iso_workload {
	const char *what;		/* vGPU 0's, for the messages */
	vt_act_fn act;			/* vGPU 0, vblank k */
	vt_beside_fn beside;		/* vGPU 1, vblank k */
};

/* vGPU 0: one flip, then drawing into its front buffer (only the heuristic
 * notifies it). */
static unsigned act_draw(unsigned k, void *ctx)
{
	(void)ctx;
	return k ? VT_ACT_DRAW : VT_ACT_FLIP;
}

struct iso_pattern {
	uint16_t lfsr;
	unsigned idle;
};

/* vGPU 0: flips and cursor moves at pseudo-random vblanks, quiet ones
 * between, where a neighbour's updates could leak in. */
static unsigned act_updates(unsigned k, void *ctx)
{
	struct iso_pattern *p = ctx;
	unsigned a = 0;

	if (!k || vt_pattern_next(&p->lfsr, &p->idle, 3))
		a = p->lfsr & 4u ? VT_ACT_CURSOR : VT_ACT_FLIP;
	return k ? a : VT_ACT_FLIP | VT_ACT_CURSOR;
}

static void drain_second(struct vt *t)
{
	struct vrc_signal sig;

	if (t->irq1.efd[0] >= 0 && vrc_display_irq_poll(&t->irq1, &sig) < 0)
		vt_abort(t, "second device: reading its irq failed");
}

static void second_flip(struct vt *t, unsigned k)
{
	vt_reg_on(t, 1, VRC_PLANE_SURF(0), t->surf[k & 1]);
}

static void second_cursor(struct vt *t, unsigned k)
{
	vt_reg_on(t, 1, VRC_CURPOS(0), (k % VT_H) << 16 | (k * 3 % VT_W));
	vt_reg_on(t, 1, VRC_CURBASE(0), t->curbase[k & 1]);
}

/* vGPU 1 flips at every vblank. */
static void beside_flips(struct vt *t, unsigned k, void *bctx)
{
	(void)bctx;
	second_flip(t, k);
	drain_second(t);
}

/* vGPU 1 flips and moves its cursor, on vblanks vGPU 0 keeps quiet too. */
static void beside_updates(struct vt *t, unsigned k, void *bctx)
{
	(void)bctx;
	if (k % 3 != 1)
		second_flip(t, k);
	if (k % 4 == 1)
		second_cursor(t, k);
	drain_second(t);
}

/* vGPU 1 masks and unmasks, unregisters and registers, is reset, and
 * updates between all that. (DATA_NONE masks only: the series' DATA_BOOL
 * is IRQ-2's business, not this test's.) */
static void beside_irq_state(struct vt *t, unsigned k, void *bctx)
{
	int rc = 0;

	(void)bctx;
	switch (k % 16) {
	case 1: rc = vrc_display_irq_mask(&t->irq1, true); break;
	case 5: rc = vrc_display_irq_mask(&t->irq1, false); break;
	case 7: rc = vrc_display_irq_mask(&t->irq1, true); break;
	case 8: rc = vrc_display_irq_mask(&t->irq1, false); break;
	case 10: rc = vrc_display_irq_unregister(&t->irq1); break;
	case 12: rc = vrc_display_irq_register(&t->irq1); break;
	case 13:
		if ((rc = t->dev1->ops->reset(t->dev1)))
			break;
		vrc_display_irq_close(&t->irq1);	/* the device dropped its own */
		break;
	case 14: rc = vrc_display_irq_register(&t->irq1); break;
	default: break;
	}
	if (rc)
		vt_abort(t, "second device: irq request at vblank %u failed: %s", k, strerror(-rc));
	if (k % 2)
		second_flip(t, k);
	if (k % 4 == 2)
		second_cursor(t, k);
	drain_second(t);
}

#define ISO_N		48u
#define ISO_GAP		4u	/* quiet vblanks between runs: late signals land */

/* One run of w on vGPU 0 from the same start: the act's state afresh.
 * Returns the frame counter before its vblank 0. */
static uint32_t iso_phase(struct vt *t, const struct iso_workload *w, bool beside,
			  struct vrc_vblank *vb)
{
	struct iso_pattern st = { 0xace1u, 0 };
	uint32_t base = vt_drive_beside(t, ISO_N, w->act, &st, vb,
					beside ? w->beside : NULL, NULL);

	if (beside)
		vt_step_all(t, ISO_GAP);
	else
		vt_step(t, ISO_GAP);
	return base;
}

static bool same_vblank(const struct vrc_vblank *a, const struct vrc_vblank *b)
{
	return a->pri == b->pri && a->cur == b->cur && a->inexact == b->inexact;
}

/* Exact: every vblank where the busy run differs from the lone one. */
static void compare_exact(struct vt *t, const struct iso_workload *w,
			  const struct vrc_vblank *lone, const struct vrc_vblank *busy)
{
	char why[512] = "";
	size_t used = 0;
	unsigned bad = 0;

	for (unsigned k = 0; k < ISO_N; k++) {
		if (same_vblank(&lone[k], &busy[k]))
			continue;
		if (++bad <= VRC_ORACLE_SHOW && used < sizeof(why)) {
			int wr = snprintf(why + used, sizeof(why) - used,
					  "%svblank %u: alone %uP %uC, beside it %uP %uC (%s)",
					  used ? "; " : "", k, lone[k].pri, lone[k].cur,
					  busy[k].pri, busy[k].cur,
					  busy[k].pri + busy[k].cur > lone[k].pri + lone[k].cur ?
					  "caused" : "suppressed");
			used += wr > 0 ? (size_t)wr : 0;
		}
	}
	if (bad)
		vt_violation(t, C_ISO_1, "vGPU 0 (%s) sees other signals at %u of %u vblanks "
			     "beside a busy vGPU than alone: %s", w->what, bad, ISO_N, why);
}

/*
 * A device that does not repeat itself alone (drop's every-7th count runs
 * on) can be compared only where both lone runs agree: a signal they both
 * lacked is caused by the neighbour; one they both had and the busy run
 * lacks is suppressed, but the device loses as many by itself, so only
 * more losses than the lone runs' own disagreements are the neighbour's.
 */
static void compare_noisy(struct vt *t, const struct iso_workload *w,
			  const struct vrc_vblank *l1, const struct vrc_vblank *l2,
			  const struct vrc_vblank *busy)
{
	unsigned noise = 0, caused = 0, lost = 0, first_caused = 0;

	for (unsigned k = 0; k < ISO_N; k++) {
		noise += !same_vblank(&l1[k], &l2[k]);
		bool pri_none = !l1[k].pri && !l2[k].pri, cur_none = !l1[k].cur && !l2[k].cur;

		if ((pri_none && busy[k].pri) || (cur_none && busy[k].cur)) {
			if (!caused++)
				first_caused = k;
		}
		lost += l1[k].pri && l2[k].pri && !busy[k].pri;
		lost += l1[k].cur && l2[k].cur && !busy[k].cur;
	}
	vt_diag(t, "vGPU 0 alone gave different signals in two identical runs (at %u of %u "
		"vblanks): compared where they agree", noise, ISO_N);
	if (caused)
		vt_violation(t, C_ISO_1, "vGPU 0 (%s) beside a busy vGPU gets signals at %u "
			     "vblanks where it never had one alone (first: vblank %u)", w->what,
			     caused, first_caused);
	if (lost > noise)
		vt_violation(t, C_ISO_1, "vGPU 0 (%s) beside a busy vGPU loses %u signals it "
			     "always had alone, more than the %u it varies by itself", w->what,
			     lost, noise);
}

static enum vrc_result iso_compare(struct vt *t, const struct iso_workload *w)
{
	struct vrc_vblank lone1[ISO_N], lone2[ISO_N], busy[ISO_N];
	bool repeats = true;

	vt_setup(t, 0);
	uint32_t base1 = iso_phase(t, w, false, lone1);
	iso_phase(t, w, false, lone2);
	/* the lone run must give something to compare */
	vt_require_signals(t, lone1, ISO_N);
	if (t->violated)
		return R_PASS;
	vt_setup_second(t);
	uint32_t base = iso_phase(t, w, true, busy);
	vt_artifact_vblanks(t, "alone", lone1, ISO_N, base1);
	vt_artifact_vblanks(t, "beside", busy, ISO_N, base);
	for (unsigned k = 0; k < ISO_N; k++)
		repeats &= same_vblank(&lone1[k], &lone2[k]);
	if (repeats)
		compare_exact(t, w, lone1, busy);
	else
		compare_noisy(t, w, lone1, lone2, busy);
	return R_PASS;
}

/*
 * gvt: no run repeats another, so there is no lone baseline. What can be
 * judged is vGPU 0's own updates beside the busy vGPU 1: a signal lost there
 * is reported as the EVT clause it breaks; whether the neighbour or vGPU 0
 * itself lost it needs virtual time.
 */
static enum vrc_result iso_beside_gvt(struct vt *t, const struct iso_workload *w)
{
	struct vrc_vblank vb[ISO_N];
	struct iso_pattern st = { 0xace1u, 0 };

	vt_setup(t, 0);
	vt_setup_second(t);
	uint32_t base = vt_drive_beside(t, ISO_N, w->act, &st, vb, w->beside, NULL);
	vt_require_signals(t, vb, ISO_N);
	vt_judge(t, vb, ISO_N, CL(C_EVT_2) | CL(C_EVT_3));
	vt_artifact_vblanks(t, "beside", vb, ISO_N, base);
	vt_diag(t, "gvt: vGPU 0's updates judged beside a busy vGPU; a lone baseline to "
		"tell ISO-1 from EVT-2/3 needs virtual time");
	return R_PASS;
}

static enum vrc_result iso_heuristic_independent(struct vt *t)
{
	static const struct iso_workload w = {
		"one flip, then drawing into its front buffer", act_draw, beside_flips,
	};

	return vt_backend(t)->real_vblanks ? iso_heuristic_gvt(t) : iso_compare(t, &w);
}

static enum vrc_result iso_updates_independent(struct vt *t)
{
	static const struct iso_workload w = {
		"flips and cursor moves with quiet vblanks", act_updates, beside_updates,
	};

	return vt_backend(t)->real_vblanks ? iso_beside_gvt(t, &w) : iso_compare(t, &w);
}

static enum vrc_result iso_masks_independent(struct vt *t)
{
	static const struct iso_workload w = {
		"flips and cursor moves with quiet vblanks", act_updates, beside_irq_state,
	};

	return vt_backend(t)->real_vblanks ? iso_beside_gvt(t, &w) : iso_compare(t, &w);
}

static const struct vrc_test tests[] = {
	{ .name = "iso-heuristic-independent", .clauses = CL(C_ISO_1),
	  .desc = "one vGPU's flips do not suppress the other's single-buffer notifications",
	  .flags = VT_TWO_VGPUS, .run = iso_heuristic_independent },
	{ .name = "iso-updates-independent", .clauses = CL(C_ISO_1),
	  .desc = "one vGPU's flips and cursor moves neither cause nor suppress the other's signals",
	  .flags = VT_TWO_VGPUS, .run = iso_updates_independent },
	{ .name = "iso-masks-independent", .clauses = CL(C_ISO_1),
	  .desc = "one vGPU's masks, unregistering and reset neither cause nor suppress the "
		  "other's signals",
	  .flags = VT_TWO_VGPUS, .run = iso_masks_independent },
};
const struct vrc_suite vrc_suite_iso = VRC_SUITE("iso", tests);
