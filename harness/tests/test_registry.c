// SPDX-License-Identifier: MIT
/*
 * The registry of conformance tests: the suites' tables concatenated in
 * VRC_SUITES' order, each row once (suites/registry.c), and the harness's
 * vrc_registry_init() refusing what would make a run ambiguous: a name
 * twice, a row without a name or function, more rows than it holds.
 */
#include <stdio.h>
#include <string.h>

#include "vrc/vtest.h"
#include "harness/vrc/vrc.h"
#include "suites/registry.h"

static enum vrc_result pass(struct vt *t)
{
	(void)t;
	return R_PASS;
}

#define SUITE_ENTRY(s)	&vrc_suite_##s,
static const struct vrc_suite *const suites[] = { VRC_SUITES(SUITE_ENTRY) };
#define NSUITES	(sizeof(suites) / sizeof(suites[0]))

/* Row for row the tables, in their order: a run's KTAP order. */
TEST(suites_registry_is_the_tables_in_order)
{
	static struct vrc_registry r;
	char err[256] = "";
	unsigned k = 0;

	ASSERT_EQ(0, vrc_suites_registry(&r, err, sizeof(err)));
	for (unsigned s = 0; s < NSUITES; s++) {
		EXPECT_GT(suites[s]->ntests, 0u);
		for (unsigned i = 0; i < suites[s]->ntests; i++, k++) {
			ASSERT_LT(k, r.ntests);
			ASSERT_TRUE(r.test[k] == &suites[s]->tests[i]);
		}
	}
	ASSERT_EQ(k, r.ntests);
	ASSERT_STREQ("disc-display-irq", r.test[0]->name);
	/* the extra workloads (igt) run last, after every clause's tests */
	ASSERT_TRUE(r.test[r.ntests - 1]->flags & VT_EXTRA);
}

TEST(suites_registry_names_are_unique)
{
	static struct vrc_registry r;
	char err[256] = "";

	ASSERT_EQ(0, vrc_suites_registry(&r, err, sizeof(err)));
	for (unsigned i = 0; i < r.ntests; i++) {
		ASSERT_TRUE(r.test[i]->run != NULL);
		ASSERT_TRUE(vrc_registry_find(&r, r.test[i]->name) == r.test[i]);
		for (unsigned j = i + 1; j < r.ntests; j++)
			EXPECT_NE(0, strcmp(r.test[i]->name, r.test[j]->name));
	}
	ASSERT_TRUE(vrc_registry_find(&r, "no-such-test") == NULL);
}

/* Two suites with a test of the same name: which one would --suite mean? */
TEST(registry_refuses_a_name_twice)
{
	static const struct vrc_test a[] = { { .name = "x-one", .run = pass },
					     { .name = "x-two", .run = pass } };
	static const struct vrc_test b[] = { { .name = "x-two", .run = pass } };
	static const struct vrc_suite sa = VRC_SUITE("a", a), sb = VRC_SUITE("b", b);
	const struct vrc_suite *const both[] = { &sa, &sb };
	static struct vrc_registry r;
	char err[256] = "";

	ASSERT_EQ(0, vrc_registry_init(&r, both, 1, err, sizeof(err)));
	ASSERT_EQ(2u, r.ntests);
	ASSERT_EQ(-1, vrc_registry_init(&r, both, 2, err, sizeof(err)));
	VTEST_LOG("%s", err);
	ASSERT_STREQ("suite b: test x-two is registered twice", err);
}

TEST(registry_refuses_a_row_without_function)
{
	static const struct vrc_test a[] = { { .name = "x-one", .run = pass },
					     { .name = "x-half" } };
	static const struct vrc_suite sa = VRC_SUITE("a", a);
	const struct vrc_suite *const one[] = { &sa };
	static struct vrc_registry r;
	char err[256] = "";

	ASSERT_EQ(-1, vrc_registry_init(&r, one, 1, err, sizeof(err)));
	ASSERT_STREQ("suite a: row 1 has no name or no function", err);
}

TEST(registry_refuses_more_than_it_holds)
{
	static char names[VRC_MAX_TESTS + 1][16];
	static struct vrc_test rows[VRC_MAX_TESTS + 1];
	static struct vrc_registry r;
	struct vrc_suite s = { .name = "big", .tests = rows, .ntests = VRC_MAX_TESTS };
	const struct vrc_suite *const one[] = { &s };
	char err[256] = "";

	for (unsigned i = 0; i <= VRC_MAX_TESTS; i++) {
		snprintf(names[i], sizeof(names[i]), "t-%u", i);
		rows[i] = (struct vrc_test){ .name = names[i], .run = pass };
	}
	ASSERT_EQ(0, vrc_registry_init(&r, one, 1, err, sizeof(err)));
	ASSERT_EQ((unsigned)VRC_MAX_TESTS, r.ntests);
	s.ntests = VRC_MAX_TESTS + 1;
	ASSERT_EQ(-1, vrc_registry_init(&r, one, 1, err, sizeof(err)));
	VTEST_LOG("%s", err);
	ASSERT_TRUE(strstr(err, "more than") != NULL);
}

VTEST_MAIN()
