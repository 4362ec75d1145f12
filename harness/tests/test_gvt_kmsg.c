// SPDX-License-Identifier: MIT
/*
 * Host dmesg capture: the kmsg record parser, the verdicts, and the capture
 * around a "test" against a fake kmsg file in the same record format
 * (`prio,seq,ts,flags;message` plus " KEY=value" continuation lines).
 */
#include <fcntl.h>

#include "vrc/vtest.h"
#include "harness/gvt/kmsg.h"

static int parse(const char *s, struct gvt_kmsg_rec *r)
{
	return gvt_kmsg_parse(s, strlen(s), r);
}

TEST(parses_records)
{
	struct gvt_kmsg_rec r;

	ASSERT_EQ(0, parse("4,1234,5678901,-;i915 0000:00:02.0: [drm] GPU hang", &r));
	ASSERT_EQ(4u, r.level);
	ASSERT_EQ(0u, r.facility);
	ASSERT_EQ(1234u, r.seq);
	ASSERT_EQ(5678901u, r.ts_us);
	ASSERT_EQ('-', r.flags);
	ASSERT_EQ(strlen("i915 0000:00:02.0: [drm] GPU hang"), r.msglen);
	ASSERT_EQ(0, memcmp(r.msg, "i915", 4));
	/* facility 1 (user), continuation flag, a caller field of newer kernels */
	ASSERT_EQ(0, parse("14,7,8,c,caller=T123;hello", &r));
	ASSERT_EQ(6u, r.level);
	ASSERT_EQ(1u, r.facility);
	ASSERT_EQ('c', r.flags);
	ASSERT_EQ(5u, r.msglen);
	/* an empty message is a record */
	ASSERT_EQ(0, parse("6,1,2,-;", &r));
	ASSERT_EQ(0u, r.msglen);
}

TEST(rejects_malformed)
{
	static const char *const bad[] = {
		"", "no semicolon", ";msg", "4;msg", "4,1;msg", "4,1,2;msg", "4,1,2,x;msg",
		"x,1,2,-;msg", "4,-1,2,-;msg", "4,1,2,-garbage;msg", "99999,1,2,-;msg",
		"4,99999999999999999999999,2,-;m", " SUBSYSTEM=pci",
	};
	struct gvt_kmsg_rec r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &r) != -EINVAL)
			printf("# accepted: '%s'\n", bad[i]);
		ASSERT_EQ(-EINVAL, parse(bad[i], &r));
	}
}

static int classify(const char *s)
{
	struct gvt_kmsg_rec r;

	ASSERT_EQ(0, parse(s, &r));
	return (int)gvt_kmsg_classify(&r);
}

TEST(classifies_like_igt)
{
	ASSERT_EQ((int)GVT_DMESG_FAIL, (int)classify("1,1,1,-;BUG: kernel NULL pointer dereference, address: 0000000000000008"));
	ASSERT_EQ((int)GVT_DMESG_FAIL, (int)classify("4,2,1,-;Oops: 0000 [#1] PREEMPT SMP NOPTI"));
	ASSERT_EQ((int)GVT_DMESG_FAIL, (int)classify("0,3,1,-;Kernel panic - not syncing: Fatal exception"));
	ASSERT_EQ((int)GVT_DMESG_WARN, (int)classify("4,4,1,-;WARNING: CPU: 2 PID: 1 at drivers/gpu/drm/i915/gvt/handlers.c:100"));
	ASSERT_EQ((int)GVT_DMESG_WARN, (int)classify("3,5,1,-;gvt: vgpu 1: fail to emulate MMIO read 00070040 len 4"));
	ASSERT_EQ((int)GVT_DMESG_WARN, (int)classify("4,6,1,-;vfio-pci 0000:01:00.0: something odd"));
	/* informational driver messages and other drivers' errors are not ours */
	ASSERT_EQ((int)GVT_DMESG_CLEAN, (int)classify("6,7,1,-;i915 0000:00:02.0: [drm] GVT-g is enabled"));
	ASSERT_EQ((int)GVT_DMESG_CLEAN, (int)classify("3,8,1,-;e1000e 0000:00:1f.6 eno1: NIC Link is Down"));
	/* userspace writing into /dev/kmsg (facility 1) cannot fail a test */
	ASSERT_EQ((int)GVT_DMESG_CLEAN, (int)classify("9,9,1,-;BUG: written by a user"));
	ASSERT_STREQ("dmesg-warn", gvt_dmesg_verdict_name(GVT_DMESG_WARN));
	ASSERT_STREQ("dmesg-fail", gvt_dmesg_verdict_name(GVT_DMESG_FAIL));
	ASSERT_STREQ("pass", gvt_dmesg_verdict_name(GVT_DMESG_CLEAN));
}

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)strlen(text), write(fd, text, strlen(text)));
	close(fd);
}

TEST(capture_sees_only_what_the_test_logged)
{
	char path[] = "/tmp/vrc-kmsg-XXXXXX", err[200] = "";
	struct gvt_dmesg d;
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	close(fd);
	/* before the test: an old oops that must not be blamed on it */
	append(path, "0,1,10,-;BUG: unable to handle page fault\n SUBSYSTEM=cpu\n");
	ASSERT_EQ(0, gvt_dmesg_begin(&d, path, err, sizeof(err)));
	append(path, "6,2,20,-;i915 0000:00:02.0: [drm] fine\n");
	ASSERT_EQ((int)GVT_DMESG_CLEAN, (int)gvt_dmesg_end(&d));
	ASSERT_EQ(0u, d.nlines);
	/* a warning, then a half-written record completed by the next read */
	append(path, "4,3,30,-;WARNING: CPU: 0 PID: 9 at gvt/kvmgt.c:1\n DEVICE=+pci:0000:00:02.0\n");
	append(path, "3,4,40,-;gvt: vgpu 1: unexpected \\x01 value");
	ASSERT_EQ((int)GVT_DMESG_WARN, (int)gvt_dmesg_end(&d));
	ASSERT_EQ(1u, d.nlines);
	append(path, "\nnot a record at all\n");
	ASSERT_EQ((int)GVT_DMESG_WARN, (int)gvt_dmesg_end(&d));
	ASSERT_EQ(2u, d.nlines);
	ASSERT_EQ(1u, d.malformed);
	ASSERT_STREQ("<4> WARNING: CPU: 0 PID: 9 at gvt/kvmgt.c:1", d.line[0]);
	ASSERT_STREQ("<3> gvt: vgpu 1: unexpected \\x01 value", d.line[1]);
	append(path, "2,5,50,-;general protection fault, probably for non-canonical address\n");
	ASSERT_EQ((int)GVT_DMESG_FAIL, (int)gvt_dmesg_end(&d));
	ASSERT_EQ(3u, d.nflagged);
	gvt_dmesg_free(&d);
	unlink(path);
}

/*
 * kvmgt logs a SET_IRQS it refuses with pr_err; a test that sends such
 * requests on purpose names the line as expected. It is counted, not
 * flagged; any other gvt error still is, and an oops never is expected.
 */
TEST(expected_records_are_counted_not_flagged)
{
	static const char *const expected[] = { "vfio_set_irqs_validate_and_prepare failed",
						"Oops", NULL };
	char path[] = "/tmp/vrc-kmsg-XXXXXX", err[200] = "";
	struct gvt_dmesg d;
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, gvt_dmesg_begin(&d, path, err, sizeof(err)));
	d.expected = expected;
	append(path, "3,1,10,-;gvt: vgpu 1: intel:vfio_set_irqs_validate_and_prepare failed\n");
	append(path, "3,2,11,-;gvt: vgpu 1: intel:vfio_set_irqs_validate_and_prepare failed\n");
	ASSERT_EQ((int)GVT_DMESG_CLEAN, (int)gvt_dmesg_end(&d));
	ASSERT_EQ(2u, d.nexpected);
	ASSERT_EQ(0u, d.nflagged);
	append(path, "3,3,12,-;gvt: vgpu 1: failed to pin page\n");
	ASSERT_EQ((int)GVT_DMESG_WARN, (int)gvt_dmesg_end(&d));
	ASSERT_EQ(1u, d.nflagged);
	append(path, "1,4,13,-;Oops: general protection fault\n");
	ASSERT_EQ((int)GVT_DMESG_FAIL, (int)gvt_dmesg_end(&d));
	ASSERT_EQ(2u, d.nflagged);
	ASSERT_EQ(2u, d.nexpected);
	gvt_dmesg_free(&d);
	unlink(path);
}

TEST(capture_bounds_lines_and_escapes)
{
	struct gvt_dmesg d;
	char rec[3000];
	int n;

	memset(&d, 0, sizeof(d));
	d.fd = -1;
	d.line = calloc(GVT_DMESG_MAX_LINES, sizeof(*d.line));
	ASSERT_TRUE(d.line != NULL);
	for (int i = 0; i < GVT_DMESG_MAX_LINES + 10; i++) {
		n = snprintf(rec, sizeof(rec), "4,%d,1,-;WARNING: %d\n", i, i);
		gvt_dmesg_feed(&d, rec, (size_t)n);
	}
	ASSERT_EQ((unsigned)GVT_DMESG_MAX_LINES, d.nlines);
	ASSERT_EQ((unsigned)GVT_DMESG_MAX_LINES + 10, d.nflagged);
	/* a record longer than a kept line, with raw control bytes */
	memcpy(rec, "4,1,1,-;WARNING: \x1b[31m", 22);
	memset(rec + 22, 'A', 2000);
	rec[2022] = '\n';
	d.nlines = 0;
	gvt_dmesg_feed(&d, rec, 2023);
	ASSERT_EQ(1u, d.nlines);
	ASSERT_LT(strlen(d.line[0]), (size_t)GVT_DMESG_LINE);
	ASSERT_TRUE(strstr(d.line[0], "\\x1b[31m") != NULL);
	gvt_dmesg_free(&d);
}

TEST(real_kmsg_if_readable)
{
	char err[200] = "";
	struct gvt_dmesg d;

	if (gvt_dmesg_begin(&d, NULL, err, sizeof(err))) {
		gvt_dmesg_free(&d);
		SKIP("%s", err);
	}
	/* whatever the host logs meanwhile, end() must terminate and stay bounded */
	gvt_dmesg_end(&d);
	ASSERT_LE(d.nlines, (unsigned)GVT_DMESG_MAX_LINES);
	gvt_dmesg_free(&d);
}

VTEST_MAIN()
