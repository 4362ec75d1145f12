/* SPDX-License-Identifier: MIT */
/*
 * Decoding what an eventfd read returns (SPEC §1, EVT-5). v5/v6: a sum of
 * advertised values since the last read, decoded into per-plane counts;
 * v7: each sub-irq's eventfd holds a plain count for its plane.
 */
#ifndef VRC_DECODE_H
#define VRC_DECODE_H

#include <stdbool.h>
#include <stdint.h>

struct vrc_signal_counts {
	uint64_t primary;
	uint64_t cursor;
	bool exact;		/* value is a sum of the advertised values, nothing else */
	bool saturated;		/* at/over the eventfd limit, or a field overflowed:
				   counts are a lower bound */
	uint64_t residue;	/* what is left once the advertised values are taken out */
};

/*
 * Decode a summed value given the two advertised values (non-zero, distinct).
 * Works for any pair, not only GVT's powers of two: takes out as many of the
 * larger value as fit while the remainder is still a non-negative combination
 * of the smaller; exact only if nothing remains. O(log) for any pair.
 * saturated = value >= VRC_EVENTFD_MAX (then exact is false). A carry is
 * not detectable: with GVT's values 256 cursor signals equal one primary
 * and decode as such; the contract's "read at least once per 255 vblanks"
 * is what excludes it. Always: primary*pri + cursor*cur + residue == value.
 */
void vrc_decode_value(uint64_t value, uint64_t pri_val, uint64_t cur_val,
		      struct vrc_signal_counts *out);

#endif /* VRC_DECODE_H */
