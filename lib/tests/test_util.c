// SPDX-License-Identifier: MIT
/* lib/util.c: the one number parser every program's options go through. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrc/util.h"
#include "vrc/vtest.h"

TEST(parse_ulong_accepts_digits_in_range)
{
	unsigned long v = 7;

	ASSERT_EQ(0, vrc_parse_ulong("0", 0, 10, &v));
	ASSERT_EQ(0ul, v);
	ASSERT_EQ(0, vrc_parse_ulong("10", 0, 10, &v));
	ASSERT_EQ(10ul, v);
	ASSERT_EQ(0, vrc_parse_ulong("007", 1, 10, &v));
	ASSERT_EQ(7ul, v);
	char max[32];
	snprintf(max, sizeof(max), "%lu", ULONG_MAX);
	ASSERT_EQ(0, vrc_parse_ulong(max, 0, ULONG_MAX, &v));
	ASSERT_EQ(ULONG_MAX, v);
}

/* What strtoul alone would let through: a sign, space, junk, overflow. */
TEST(parse_ulong_refuses_what_is_not_a_number)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1x", "0x10", "1e3", "-0",
		"99999999999999999999999999",
	};
	unsigned long v = 42;

	ASSERT_EQ(-EINVAL, vrc_parse_ulong(NULL, 0, 10, &v));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = vrc_parse_ulong(bad[i], 0, ULONG_MAX, &v);

		if (rc != -EINVAL)
			VTEST_LOG("accepted '%s'", bad[i]);
		ASSERT_EQ(-EINVAL, rc);
	}
	ASSERT_EQ(42ul, v);	/* untouched on failure */
}

TEST(parse_ulong_range_is_inclusive_and_checked)
{
	unsigned long v = 42;

	ASSERT_EQ(-ERANGE, vrc_parse_ulong("0", 1, 10, &v));
	ASSERT_EQ(-ERANGE, vrc_parse_ulong("11", 1, 10, &v));
	ASSERT_EQ(42ul, v);
	ASSERT_EQ(0, vrc_parse_ulong("1", 1, 10, &v));
	ASSERT_EQ(1ul, v);
}

/* Keywords match exactly, by index; the message lists them, bounded. */
TEST(parse_choice_exact_with_the_list_for_messages)
{
	static const char *const names[] = { "some", "all", "none", NULL };
	char want[32] = "x", tiny[6];

	ASSERT_EQ(0, vrc_parse_choice("some", names, want, sizeof(want)));
	ASSERT_STREQ("some, all or none", want);
	ASSERT_EQ(2, vrc_parse_choice("none", names, NULL, 0));
	ASSERT_EQ(1, vrc_parse_choice("all", names, tiny, sizeof(tiny)));
	ASSERT_STREQ("some,", tiny);	/* cut, still terminated */
	ASSERT_EQ(-EINVAL, vrc_parse_choice("None", names, NULL, 0));
	ASSERT_EQ(-EINVAL, vrc_parse_choice("al", names, NULL, 0));
	ASSERT_EQ(-EINVAL, vrc_parse_choice("", names, NULL, 0));
	ASSERT_EQ(-EINVAL, vrc_parse_choice(NULL, names, NULL, 0));
	static const char *const one[] = { "v7", NULL };
	ASSERT_EQ(0, vrc_parse_choice("v7", one, want, sizeof(want)));
	ASSERT_STREQ("v7", want);
}

/* One read, NUL-terminated and bounded; errors as -errno, empty as -EIO. */
TEST(read_text_bounded_and_terminated)
{
	char dir[] = "/tmp/vrc-read-text.XXXXXX", path[64], link[64], buf[8];
	FILE *f;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	ASSERT_TRUE((f = fopen(path, "w")) != NULL);
	fputs("0123456789", f);
	fclose(f);
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(7, vrc_read_text(path, 0, buf, sizeof(buf)));
	ASSERT_STREQ("0123456", buf);
	EXPECT_EQ(0, symlink(path, link));
	EXPECT_EQ(-ELOOP, vrc_read_text(link, O_NOFOLLOW, buf, sizeof(buf)));
	EXPECT_EQ(-ENOENT, vrc_read_text("/nonexistent/vrc", 0, buf, sizeof(buf)));
	ASSERT_TRUE((f = fopen(path, "w")) != NULL);
	fclose(f);
	EXPECT_EQ(-EIO, vrc_read_text(path, 0, buf, sizeof(buf)));
	unlink(link);
	unlink(path);
	rmdir(dir);
}

VTEST_MAIN()
