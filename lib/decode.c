// SPDX-License-Identifier: MIT
/*
 * Decoding a summed eventfd value into per-plane counts (SPEC §1, EVT-5).
 *
 * With L the larger advertised value and S the smaller, find a, b >= 0 with
 * a*L + b*S == value and a as large as possible (the greedy reading a GVT
 * client does with (v / pri) & 0xff, (v / cur) & 0xff when L is a multiple
 * of S). For any pair this is a linear congruence, solved in O(log) steps:
 *
 *   a*L == value (mod S)  <=>  a*(L/g) == value/g (mod S/g),  g = gcd(L, S)
 *
 * so a == a0 (mod S/g) with a0 = (value/g) * inv(L/g) mod S/g, and the largest
 * such a not above floor(value / L) is taken. No solution (value not a
 * multiple of g, or every a0 + k*S/g above floor(value / L)): the greedy
 * split is reported with its residue and exact = false.
 *
 * Carry: with GVT's values (L = 256 * S) a 256th cursor event carries into
 * the primary field and is indistinguishable from one primary event; no
 * decoder can see that from the value. The contract (read at least once per
 * 255 vblanks) is what rules it out. A primary field past 255 cannot be
 * represented at all: the eventfd counter saturates first, and a value at
 * or above VRC_EVENTFD_MAX is reported as saturated (counts = lower bound).
 */
#include <string.h>

#include "vrc/decode.h"
#include "vrc/uapi.h"

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Inverse of a modulo m, for gcd(a, m) == 1 and m > 1. */
static uint64_t modinv(uint64_t a, uint64_t m)
{
	__int128 t = 0, nt = 1;
	uint64_t r = m, nr = a % m;

	while (nr) {
		uint64_t q = r / nr, tr;
		__int128 tt;

		tt = t - (__int128)q * nt;
		t = nt;
		nt = tt;
		tr = r - q * nr;
		r = nr;
		nr = tr;
	}
	if (t < 0)
		t += m;
	return (uint64_t)t;
}

/* Largest a <= value / L with (value - a*L) % S == 0; false if none. */
static bool solve(uint64_t value, uint64_t L, uint64_t S, uint64_t *a)
{
	uint64_t g = gcd64(L, S);
	uint64_t amax = value / L, m, a0;

	if (value % g)
		return false;
	m = S / g;
	if (m == 1) {
		*a = amax;
		return true;
	}
	a0 = (uint64_t)(((unsigned __int128)((value / g) % m) *
			 modinv((L / g) % m, m)) % m);
	if (a0 > amax)
		return false;
	*a = amax - (amax - a0) % m;
	return true;
}

void vrc_decode_value(uint64_t value, uint64_t pri_val, uint64_t cur_val,
		      struct vrc_signal_counts *out)
{
	uint64_t L, S, a, b, rest;
	bool pri_larger;

	memset(out, 0, sizeof(*out));
	out->saturated = value >= VRC_EVENTFD_MAX;

	if (!pri_val || !cur_val || pri_val == cur_val) {
		/* nothing to decode against: everything is residue */
		out->residue = value;
		out->exact = value == 0 && !out->saturated;
		return;
	}

	pri_larger = pri_val > cur_val;
	L = pri_larger ? pri_val : cur_val;
	S = pri_larger ? cur_val : pri_val;

	if (solve(value, L, S, &a)) {
		b = (value - a * L) / S;
		out->residue = 0;
	} else {
		a = value / L;
		rest = value - a * L;
		b = rest / S;
		out->residue = rest - b * S;
	}
	out->primary = pri_larger ? a : b;
	out->cursor = pri_larger ? b : a;
	out->exact = out->residue == 0 && !out->saturated;
}
