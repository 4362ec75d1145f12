// SPDX-License-Identifier: MIT
/*
 * ISO: two vGPUs of one host are independent. vGPU 0 flips once and then
 * renders into its front buffer, so only its single-buffer heuristic can
 * notify it; vGPU 1 flips at every vblank meanwhile. If the heuristic's state
 * is shared (v5's static counter), vGPU 1's flips keep resetting it and vGPU 0
 * is never notified: an update of one suppressing signals on the other.
 */
#include <string.h>

#include "vrc/i915_regs.h"
#include "vrc/vt.h"

#define ISO_VBLANKS	48u
#define ISO_MAX_GAP	12u	/* EVT-4's THR + 2 */

static enum vrc_result iso_heuristic_independent(struct vt *t)
{
	struct vrc_vblank vb[ISO_VBLANKS];
	struct vrc_signal sig;
	unsigned other = 0;
	char why[1024];

	vt_setup(t, 0);
	vt_setup_second(t);
	uint32_t base = vt_timeline_start(t, vb, ISO_VBLANKS);
	for (unsigned k = 0; k < ISO_VBLANKS; k++) {
		if (k == 0) {
			vt_flip(t);
			vb[k].flip = 1;
		} else {
			vt_draw(t, k);
			vb[k].draw = 1;
		}
		vt_reg_on(t, 1, VRC_PLANE_SURF(0), t->surf[k & 1]);
		vt_step_all(t, 1);
		if (vt_poll(t, &sig))
			vt_place(t, vb, ISO_VBLANKS, base, k, &sig);
		if (vrc_display_irq_poll(&t->irq1, &sig) > 0)
			other += (unsigned)sig.counts.primary;
	}
	vt_diag(t, "the flipping vGPU saw %u primary signals in %u vblanks", other, ISO_VBLANKS);
	if (vrc_oracle_evt4(vb, ISO_VBLANKS, ISO_MAX_GAP, why, sizeof(why)))
		vt_violation(t, C_ISO_1, "the idle vGPU's heuristic is starved while the other "
			     "vGPU flips: %s", why);
	return R_PASS;
}

const struct vrc_test vrc_test_iso_heuristic = {
	"iso-heuristic-independent", CL(C_ISO_1),
	"one vGPU's flips do not suppress the other's single-buffer notifications",
	VT_TWO_VGPUS, iso_heuristic_independent,
};
