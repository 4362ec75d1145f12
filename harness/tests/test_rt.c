// SPDX-License-Identifier: MIT
/*
 * Unit tests of real-time placement and latency (harness/vrc/rt.c): the
 * rules that keep a slow reader's merged reads from becoming false EVT-1
 * failures while a genuine multi-signal tick is still caught.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vrc/vtest.h"
#include "vrc/rt.h"

#define S(c, p, q) { .t_wake_ns = 0, .counter = (c), .pri = (p), .cur = (q), .counter_ok = true }

TEST(rt_place_one_per_wake)
{
	struct rt_sample s[] = { S(100, 1, 0), S(101, 0, 1), S(103, 1, 1) };
	struct vrc_vblank vb[5] = { 0 };
	unsigned spread, outside;

	rt_place(s, 3, 100, vb, 5, &spread, &outside);
	ASSERT_EQ(0u, spread);
	ASSERT_EQ(0u, outside);
	ASSERT_EQ(1u, vb[0].pri);
	ASSERT_EQ(1u, vb[1].cur);
	ASSERT_EQ(0u, vb[2].pri + vb[2].cur);
	ASSERT_EQ(1u, vb[3].pri);
	ASSERT_EQ(1u, vb[3].cur);
}

TEST(rt_place_spreads_a_slow_readers_merged_read)
{
	/* Two ticks' primary signals found in one read two vblanks later. */
	struct rt_sample s[] = { S(100, 1, 0), S(102, 2, 0) };
	struct vrc_vblank vb[4] = { 0 };
	unsigned spread, outside;

	rt_place(s, 2, 100, vb, 4, &spread, &outside);
	ASSERT_EQ(1u, spread);
	ASSERT_EQ(1u, vb[0].pri);
	ASSERT_EQ(1u, vb[1].pri);
	ASSERT_EQ(1u, vb[2].pri);
	char why[256];
	ASSERT_EQ(0u, vrc_oracle_evt1(vb, 4, why, sizeof(why)));
}

TEST(rt_place_keeps_three_signals_of_one_tick_together)
{
	/* v6's heuristic: three pipe calls signal in one tick; a reader that
	 * keeps up sees the counter move by one: that is an EVT-1 violation. */
	struct rt_sample s[] = { S(100, 1, 0), S(101, 3, 0) };
	struct vrc_vblank vb[3] = { 0 };
	unsigned spread, outside;
	char why[256];

	rt_place(s, 2, 100, vb, 3, &spread, &outside);
	ASSERT_EQ(0u, spread);
	ASSERT_EQ(3u, vb[1].pri);
	ASSERT_EQ(1u, vrc_oracle_evt1(vb, 3, why, sizeof(why)));
}

TEST(rt_place_more_signals_than_ticks_stay_visible)
{
	/* Six signals over two ticks: spread can give each tick at most one,
	 * the rest stays on the oldest, still an EVT-1 violation. */
	struct rt_sample s[] = { S(100, 0, 0), S(102, 6, 0) };
	struct vrc_vblank vb[3] = { 0 };
	unsigned spread, outside;

	rt_place(s, 2, 100, vb, 3, &spread, &outside);
	ASSERT_EQ(1u, vb[2].pri);
	ASSERT_EQ(5u, vb[1].pri);
	char why[256];
	ASSERT_GT(vrc_oracle_evt1(vb, 3, why, sizeof(why)), 0u);
}

TEST(rt_place_window_and_wrap)
{
	struct rt_sample s[] = { S(0xfffffffeu, 1, 0), S(0xffffffffu, 1, 0), S(0, 1, 0),
				 S(5, 1, 0), { .counter_ok = false, .pri = 1 } };
	struct vrc_vblank vb[3] = { 0 };
	unsigned spread, outside;

	rt_place(s, 5, 0xffffffffu, vb, 3, &spread, &outside);
	ASSERT_EQ(1u, vb[0].pri);	/* 0xffffffff */
	ASSERT_EQ(1u, vb[1].pri);	/* 0 after the wrap */
	ASSERT_EQ(3u, outside);		/* before the window, after it, unread counter */
}

TEST(rt_latency_against_the_envelope)
{
	enum { N = 100 };
	const uint64_t period = 16666667ull;
	struct rt_sample s[N];
	double p50, p99, *lat;
	size_t nlat;

	/* Wakes 50 us after the tick, one in ten at 2 ms, one at 5 ms. */
	for (unsigned i = 0; i < N; i++) {
		uint64_t late = i == 57 ? 5000000u : i % 10 == 3 ? 2000000u : 50000u;
		s[i] = (struct rt_sample){ .counter = 1000 + i, .counter_ok = true,
					   .t_wake_ns = (1000 + i) * period + 123456 + late };
	}
	ASSERT_EQ(0, rt_latency(s, N, period, &p50, &p99, &lat, &nlat));
	ASSERT_EQ((size_t)N, nlat);
	ASSERT_TRUE(p50 < 1.0);			/* relative to the 50 us envelope */
	ASSERT_TRUE(p99 > 1940.0 && p99 < 1960.0);
	ASSERT_TRUE(lat[N - 1] > 4940.0);
	free(lat);
	ASSERT_EQ(-ENODATA, rt_latency(s, 5, period, &p50, &p99, &lat, &nlat));
}

VTEST_MAIN()
