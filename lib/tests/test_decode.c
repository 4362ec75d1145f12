// SPDX-License-Identifier: MIT
/*
 * Decoding summed eventfd values (EVT-5): GVT's values, the saturation
 * limit, values with residue, and arbitrary (non-power-of-two) value pairs
 * checked against a brute-force search.
 */
#include "vrc/decode.h"
#include "vrc/uapi.h"
#include "vrc/vtest.h"

#define EQ(a, b)	ASSERT_EQ((int64_t)(a), (int64_t)(b))

#define PRI	VRC_GVT_PRI_EVENT_VAL
#define CUR	VRC_GVT_CUR_EVENT_VAL

static struct vrc_signal_counts dec(uint64_t v, uint64_t pri, uint64_t cur)
{
	struct vrc_signal_counts c;

	memset(&c, 0xa5, sizeof(c));	/* the decoder must set every field */
	vrc_decode_value(v, pri, cur, &c);
	return c;
}

static void expect(uint64_t v, uint64_t pri, uint64_t cur, uint64_t np,
		   uint64_t nc, bool exact, bool saturated, uint64_t residue)
{
	struct vrc_signal_counts c = dec(v, pri, cur);

	EQ(np, c.primary);
	EQ(nc, c.cursor);
	EQ(exact, c.exact);
	EQ(saturated, c.saturated);
	EQ(residue, c.residue);
}

TEST(gvt_single_values)
{
	expect(0, PRI, CUR, 0, 0, true, false, 0);
	expect(PRI, PRI, CUR, 1, 0, true, false, 0);
	expect(CUR, PRI, CUR, 0, 1, true, false, 0);
	expect(PRI | CUR, PRI, CUR, 1, 1, true, false, 0);
}

TEST(gvt_sums)
{
	expect(3 * PRI, PRI, CUR, 3, 0, true, false, 0);
	expect(255 * CUR, PRI, CUR, 0, 255, true, false, 0);
	expect(2 * PRI + 7 * CUR, PRI, CUR, 2, 7, true, false, 0);
	/* the largest value both fields can hold */
	expect(255 * PRI + 255 * CUR, PRI, CUR, 255, 255, true, false, 0);
}

/*
 * 256 cursor signals carry into the primary field: the value is exactly one
 * primary, and no decoder can tell. What the reader gets is the GVT reading
 * (one primary, no cursor); the contract's "read at least once per 255
 * vblanks" is what rules this case out, not the decoder.
 */
TEST(gvt_cursor_carry_aliases_primary)
{
	expect(256 * CUR, PRI, CUR, 1, 0, true, false, 0);
	expect(256 * CUR + 3 * CUR, PRI, CUR, 1, 3, true, false, 0);
}

TEST(gvt_residue_not_exact)
{
	expect(PRI + 5, PRI, CUR, 1, 0, false, false, 5);
	expect(PRI + CUR + (CUR - 1), PRI, CUR, 1, 1, false, false, CUR - 1);
	expect(1, PRI, CUR, 0, 0, false, false, 1);
}

TEST(saturation)
{
	struct vrc_signal_counts c = dec(VRC_EVENTFD_MAX, PRI, CUR);

	ASSERT_TRUE(c.saturated);
	ASSERT_FALSE(c.exact);
	/* counts are still the (lower-bound) reading */
	EQ(255, c.primary);
	EQ(255, c.cursor);

	c = dec(~0ull, PRI, CUR);
	ASSERT_TRUE(c.saturated);
	ASSERT_FALSE(c.exact);

	c = dec(VRC_EVENTFD_MAX - 1, PRI, CUR);
	ASSERT_FALSE(c.saturated);
	ASSERT_FALSE(c.exact);
}

TEST(swapped_values)
{
	/* a device whose cursor value is the larger one */
	expect(3 * CUR + 2 * PRI, CUR, PRI, 3, 2, true, false, 0);
	expect(PRI, CUR, PRI, 0, 1, true, false, 0);
}

TEST(non_power_of_two_pairs)
{
	/* 9 = 0*5 + 3*3: greedy (1*5 + 1*3 + 1) would leave a residue */
	expect(9, 5, 3, 0, 3, true, false, 0);
	expect(8, 5, 3, 1, 1, true, false, 0);
	expect(15, 5, 3, 3, 0, true, false, 0);
	/* 7 has no decomposition: the greedy split with its residue */
	expect(7, 5, 3, 1, 0, false, false, 2);
	expect(1, 5, 3, 0, 0, false, false, 1);
	/* common factor: 6 and 4 (g = 2); odd values cannot be exact */
	expect(14, 6, 4, 1, 2, true, false, 0);
	expect(13, 6, 4, 2, 0, false, false, 1);
	/* large coprime values */
	expect(77ull * 1000003 + 123ull * 999983, 1000003, 999983, 77, 123,
	       true, false, 0);
	/* 64-bit pair: the congruence needs 128-bit products */
	expect(((1ull << 62) + 1) + 2 * ((1ull << 61) + 3), (1ull << 62) + 1,
	       (1ull << 61) + 3, 1, 2, true, false, 0);
	expect(5 * ((1ull << 60) - 1) + 7 * ((1ull << 59) + 5),
	       (1ull << 60) - 1, (1ull << 59) + 5, 5, 7, true, false, 0);
}

TEST(invalid_advertised_values)
{
	expect(42, 0, CUR, 0, 0, false, false, 42);
	expect(42, PRI, 0, 0, 0, false, false, 42);
	expect(42, 7, 7, 0, 0, false, false, 42);
	expect(0, 0, 0, 0, 0, true, false, 0);
	expect(VRC_EVENTFD_MAX, 0, 0, 0, 0, false, true, VRC_EVENTFD_MAX);
}

/* Brute force: the largest a with value - a*L a non-negative multiple of S. */
static bool brute(uint64_t v, uint64_t L, uint64_t S, uint64_t *a, uint64_t *b)
{
	for (uint64_t k = v / L + 1; k-- > 0;) {
		if ((v - k * L) % S == 0) {
			*a = k;
			*b = (v - k * L) / S;
			return true;
		}
	}
	return false;
}

TEST(matches_brute_force)
{
	for (uint64_t p = 1; p <= 14; p++) {
		for (uint64_t q = 1; q <= 14; q++) {
			if (p == q)
				continue;
			for (uint64_t v = 0; v <= 300; v++) {
				uint64_t L = p > q ? p : q, S = p > q ? q : p;
				struct vrc_signal_counts c = dec(v, p, q);
				uint64_t a, b, cp, cc;
				bool ok = brute(v, L, S, &a, &b);

				EQ(ok, c.exact);
				if (!ok) {
					ASSERT_GT(c.residue, (uint64_t)0);
					ASSERT_LT(c.residue, S);
					cp = c.primary;
					cc = c.cursor;
					EQ(v, cp * p + cc * q + c.residue);
					continue;
				}
				cp = p > q ? a : b;
				cc = p > q ? b : a;
				EQ(cp, c.primary);
				EQ(cc, c.cursor);
				EQ(0, c.residue);
			}
		}
	}
}

VTEST_MAIN()
