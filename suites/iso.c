// SPDX-License-Identifier: MIT
/*
 * ISO: two vGPUs of one host are independent. vGPU 0 flips once and then
 * renders into its front buffer, so only its single-buffer heuristic can
 * notify it; vGPU 1 flips at every vblank meanwhile. If the heuristic's state
 * is shared (v5's static counter), vGPU 1's flips keep resetting it and vGPU 0
 * is never notified: an update of one suppressing signals on the other.
 */
#include <stdbool.h>
#include <string.h>

#include "vrc/i915_regs.h"
#include "vrc/vt.h"

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

static enum vrc_result iso_heuristic_independent(struct vt *t)
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

const struct vrc_test vrc_test_iso_heuristic = {
	"iso-heuristic-independent", CL(C_ISO_1),
	"one vGPU's flips do not suppress the other's single-buffer notifications",
	VT_TWO_VGPUS, iso_heuristic_independent,
};
