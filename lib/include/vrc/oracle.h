/* SPDX-License-Identifier: MIT */
/*
 * The per-vblank oracle (SPEC §4), in its first form: a timeline of what the
 * guest did at each vblank against what the host saw, both on the vblank
 * axis given by the frame counter. One row per vblank; checks return the
 * number of violating vblanks and describe the first few with their
 * neighbourhood (expected vs seen), as a test prints them.
 */
#ifndef VRC_ORACLE_H
#define VRC_ORACLE_H

#include <stddef.h>
#include <stdint.h>

struct vrc_vblank {
	/* what the guest did, latching at this vblank */
	uint8_t flip;		/* primary flips latched (sync or async) */
	uint8_t cursor;		/* cursor updates (image or position) */
	uint8_t draw;		/* front-buffer writes, no flip (single-buffer rendering) */
	/* what the host saw, placed here by the frame counter */
	uint32_t pri;		/* primary signals */
	uint32_t cur;		/* cursor signals */
	uint32_t inexact;	/* reads that were not a sum of advertised values */
};

#define VRC_ORACLE_TOLERANCE	1u	/* default: +1 vblank */
#define VRC_ORACLE_SHOW		3u	/* violations described */

/* EVT-1: at most one signal per plane per vblank. */
unsigned vrc_oracle_evt1(const struct vrc_vblank *vb, size_t n, char *why, size_t len);
/* EVT-2: each vblank with a flip has a primary signal within [k, k+tol]. */
unsigned vrc_oracle_evt2(const struct vrc_vblank *vb, size_t n, unsigned tol,
			 char *why, size_t len);
/* EVT-3: each vblank with a cursor update has a cursor signal within [k, k+tol]. */
unsigned vrc_oracle_evt3(const struct vrc_vblank *vb, size_t n, unsigned tol,
			 char *why, size_t len);
/*
 * EVT-4: while the guest keeps drawing into the scanned-out buffer, primary
 * signals are at most max_gap (THR + 2) vblanks apart, counting from the last
 * primary signal before the drawing started.
 */
unsigned vrc_oracle_evt4(const struct vrc_vblank *vb, size_t n, unsigned max_gap,
			 char *why, size_t len);

/* "k-2: F/-  k-1: -/P ..." around vblank k: guest events / host signals. */
void vrc_oracle_neighbourhood(const struct vrc_vblank *vb, size_t n, size_t k,
			      char *out, size_t len);

#endif /* VRC_ORACLE_H */
