/* SPDX-License-Identifier: MIT */
/* Judging a per-vblank record against the EVT clauses a test checks, and
 * the SHOULD measurements that come from the same record. */
#ifndef VRC_JUDGE_H
#define VRC_JUDGE_H

#include <stdint.h>
#include "vrc/oracle.h"

struct vt;

/* SPEC EVT-4: THR + 2 with GVT's PAGEFLIP_DELAY_THR of 10. */
#define VT_EVT4_MAX_GAP	12u

/* Run the oracle checks of the EVT clauses in `clauses`; violations are
 * recorded on t with the first mismatching vblanks and their neighbourhood. */
void vt_judge(struct vt *t, const struct vrc_vblank *vb, unsigned n, uint32_t clauses);
/* The same for signals placed twice (rt.h's two modes, vt_drive's vb1):
 * EVT-1 on vb1, what the counters prove, the latch clauses on vb. */
void vt_judge_placed(struct vt *t, const struct vrc_vblank *vb, const struct vrc_vblank *vb1,
		     unsigned n, uint32_t clauses);
/*
 * The least a workload must get from the device before anything it judged
 * means something: a workload that flipped needs at least one primary
 * signal (EVT-2), one that moved the cursor one cursor signal (EVT-3), one
 * that drew for longer than EVT-4's gap one primary signal after it started
 * drawing (EVT-4). A device that gives less fails the clause that requires
 * the signal, whatever the test's own clauses: a silent device must never
 * pass by having given nothing to judge.
 */
void vt_require_signals(struct vt *t, const struct vrc_vblank *vb, unsigned n);
/* idle_signal_rate: signals per vblank in which the guest changed nothing
 * (reported only over at least 10 such vblanks). */
void vt_measure_idle_rate(struct vt *t, const struct vrc_vblank *vb, unsigned n);

#endif
