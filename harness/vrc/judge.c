// SPDX-License-Identifier: MIT
#include "judge.h"
#include "vt.h"

void vt_judge(struct vt *t, const struct vrc_vblank *vb, unsigned n, uint32_t clauses)
{
	char why[1024];

	if ((clauses & CL(C_EVT_1)) && vrc_oracle_evt1(vb, n, why, sizeof(why)))
		vt_violation(t, C_EVT_1, "%s", why);
	if ((clauses & CL(C_EVT_2)) &&
	    vrc_oracle_evt2(vb, n, VRC_ORACLE_TOLERANCE, why, sizeof(why)))
		vt_violation(t, C_EVT_2, "%s", why);
	if ((clauses & CL(C_EVT_4)) && vrc_oracle_evt4(vb, n, VT_EVT4_MAX_GAP, why, sizeof(why)))
		vt_violation(t, C_EVT_4, "%s", why);
	if ((clauses & CL(C_EVT_3)) &&
	    vrc_oracle_evt3(vb, n, VRC_ORACLE_TOLERANCE, why, sizeof(why)))
		vt_violation(t, C_EVT_3, "%s", why);
}

void vt_require_signals(struct vt *t, const struct vrc_vblank *vb, unsigned n)
{
	unsigned flips = 0, moves = 0, draws = 0, pri = 0, cur = 0, pri_drawn = 0;

	for (unsigned k = 0; k < n; k++) {
		flips += vb[k].flip;
		moves += vb[k].cursor;
		draws += vb[k].draw;
		pri += vb[k].pri;
		cur += vb[k].cur;
		if (draws)
			pri_drawn += vb[k].pri;
	}
	if (flips && !pri)
		vt_violation(t, C_EVT_2, "the guest flipped at %u of %u vblanks and the device "
			     "gave no primary signal: nothing to judge", flips, n);
	if (moves && !cur)
		vt_violation(t, C_EVT_3, "the guest updated the cursor at %u of %u vblanks and "
			     "the device gave no cursor signal: nothing to judge", moves, n);
	if (draws > VT_EVT4_MAX_GAP && !pri_drawn)
		vt_violation(t, C_EVT_4, "the guest drew at %u vblanks without flipping and the "
			     "device gave no primary signal meanwhile: nothing to judge", draws);
}

void vt_measure_idle_rate(struct vt *t, const struct vrc_vblank *vb, unsigned n)
{
	unsigned idle = 0, sig = 0;

	for (unsigned k = 0; k < n; k++)
		if (!vb[k].flip && !vb[k].cursor && !vb[k].draw) {
			idle++;
			sig += vb[k].pri + vb[k].cur;
		}
	if (idle >= 10)
		vt_measure(t, "idle_signal_rate", (double)sig / idle, "signals/vblank");
}

void vt_judge_placed(struct vt *t, const struct vrc_vblank *vb, const struct vrc_vblank *vb1,
		     unsigned n, uint32_t clauses)
{
	vt_judge(t, vb1, n, clauses & CL(C_EVT_1));
	vt_judge(t, vb, n, clauses & ~CL(C_EVT_1));
}
