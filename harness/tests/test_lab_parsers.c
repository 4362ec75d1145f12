// SPDX-License-Identifier: MIT
/*
 * The lab parsers and the gating logic on hand-made input: journal replay
 * (torn last line, incomplete test, reruns and flakes, out-of-sequence and
 * corrupt records), results.json validation, mustpass lists, and the
 * classification of vrc compare (regressions block, mustpass restricts).
 */
#include <math.h>

#include "vrc/vtest.h"
#include "harness/vrc/compare.h"
#include "harness/vrc/journal.h"

#define HDR "{\"type\":\"header\",\"format\":\"vrc-journal\",\"version\":1," \
	"\"run\":{\"run_id\":\"r1\",\"started\":\"2026-01-01T00:00:00Z\",\"abi_found\":\"v6\"," \
	"\"display_irq_index\":5},\"options\":{\"backend\":\"sim\",\"model\":\"ref\",\"abi\":\"\"," \
	"\"suite\":\"\",\"destructive\":true,\"timeout_s\":60,\"rerun_failures\":2}," \
	"\"plan\":[\"a-one\",\"a-two\",\"b-three\"]}\n"
#define START(t, n) "{\"type\":\"start\",\"test\":\"" t "\",\"attempt\":" #n "}\n"
#define RESULT(t, n, r) "{\"type\":\"result\",\"attempt\":" #n ",\"test\":{\"name\":\"" t \
	"\",\"clauses\":[\"EVT-1\"],\"result\":\"" r "\",\"violated\":[],\"duration_s\":0.5," \
	"\"reason\":null,\"measurements\":{\"rate\":{\"value\":0.5,\"unit\":\"signals/vblank\"}}}}\n"

static int parse(const char *text, struct vrc_journal *j, char *err, size_t len)
{
	return vrc_journal_parse(text, strlen(text), j, err, len);
}

TEST(journal_replays_results_and_the_running_test)
{
	const char *text = HDR START("a-one", 0) RESULT("a-one", 0, "pass") START("a-two", 0);
	struct vrc_journal j;
	char err[256];

	ASSERT_EQ(0, parse(text, &j, err, sizeof(err)));
	ASSERT_EQ(3u, j.nplan);
	ASSERT_STREQ("r1", j.run_id);
	ASSERT_STREQ("ref", j.opts.model);
	ASSERT_EQ(2, j.opts.rerun_failures);
	ASSERT_TRUE(j.have[0]);
	ASSERT_EQ((int)R_PASS, (int)j.rec[0].result);
	ASSERT_EQ(1u, j.rec[0].nmeas);
	ASSERT_FALSE(j.have[1]);
	ASSERT_EQ(0, j.running[1]);	/* the test that was running when it died */
	ASSERT_EQ(-1, j.running[2]);
	ASSERT_FALSE(j.torn);
	ASSERT_EQ(strlen(text), j.good_len);
	vrc_journal_free(&j);
}

TEST(journal_drops_a_torn_last_line)
{
	char text[4096];
	struct vrc_journal j;
	char err[256];

	snprintf(text, sizeof(text), "%s%s%s", HDR START("a-one", 0), RESULT("a-one", 0, "fail"),
		 "{\"type\":\"start\",\"te");
	ASSERT_EQ(0, parse(text, &j, err, sizeof(err)));
	ASSERT_TRUE(j.torn);
	ASSERT_EQ(strlen(text) - strlen("{\"type\":\"start\",\"te"), j.good_len);
	ASSERT_EQ((int)R_FAIL, (int)j.rec[0].result);
	ASSERT_EQ(-1, j.running[1]);
	vrc_journal_free(&j);
	/* a torn line that happens to be valid JSON is still torn: no newline */
	snprintf(text, sizeof(text), "%s%s", HDR, "{\"type\":\"start\",\"test\":\"a-one\",\"attempt\":0}");
	ASSERT_EQ(0, parse(text, &j, err, sizeof(err)));
	ASSERT_TRUE(j.torn);
	ASSERT_EQ(-1, j.running[0]);
	vrc_journal_free(&j);
}

TEST(journal_reruns_make_a_flake)
{
	const char *text = HDR START("a-one", 0) RESULT("a-one", 0, "fail")
		START("a-one", 1) RESULT("a-one", 1, "fail") START("a-one", 2) RESULT("a-one", 2, "pass")
		START("a-two", 0) RESULT("a-two", 0, "fail") START("a-two", 1) RESULT("a-two", 1, "fail");
	struct vrc_journal j;
	char err[256];

	ASSERT_EQ(0, parse(text, &j, err, sizeof(err)));
	ASSERT_EQ(3u, j.rec[0].nattempts);
	ASSERT_TRUE(j.rec[0].flaky);
	ASSERT_EQ((int)R_FAIL, (int)j.rec[0].result);	/* the verdict: the first failure */
	ASSERT_EQ((int)R_PASS, (int)j.rec[0].attempt[2]);
	ASSERT_EQ(2u, j.rec[1].nattempts);
	ASSERT_FALSE(j.rec[1].flaky);
	vrc_journal_free(&j);
}

TEST(journal_rejects_corruption)
{
	static const char *const bad[] = {
		"",						/* no header */
		"{\"type\":\"header\"}\n",			/* not a vrc journal */
		HDR "not json\n",
		HDR START("zzz", 0),				/* not in the plan */
		HDR RESULT("a-one", 1, "pass"),			/* rerun before the first */
		HDR RESULT("a-one", 0, "pass") RESULT("a-one", 0, "pass"), /* twice */
		HDR RESULT("a-one", 0, "melted"),		/* unknown result */
		HDR "{\"type\":\"bogus\"}\n",
		HDR "{\"type\":\"start\",\"test\":\"a-one\",\"attempt\":99}\n",
		HDR "[1,2]\n",
		HDR "{\"type\":\"result\",\"attempt\":0,\"test\":{\"name\":\"a one\",\"result\":\"pass\"}}\n",
	};
	struct vrc_journal j;
	char err[256];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		EXPECT_EQ(-1, parse(bad[i], &j, err, sizeof(err)));
		EXPECT_TRUE(err[0] != 0);
		VTEST_LOG("bad[%u]: %s", i, err);
	}
	/* a NUL inside a line */
	char nul[] = HDR "{\"type\":\"end\"}\n";
	nul[strlen(HDR) + 3] = 0;
	EXPECT_EQ(-1, vrc_journal_parse(nul, sizeof(nul) - 1, &j, err, sizeof(err)));
}

static const char *results_doc =
	"{\"format\":\"vrc-results\",\"run\":{\"run_id\":\"x\",\"model\":\"ref\"},\"tests\":["
	"{\"name\":\"t-pass\",\"result\":\"pass\",\"measurements\":{\"m\":{\"value\":10,\"unit\":\"us\"}}},"
	"{\"name\":\"t-fail\",\"result\":\"fail\",\"reason\":\"bad\"},"
	"{\"name\":\"t-skip\",\"result\":\"skip\"},"
	"{\"name\":\"t-gone\",\"result\":\"pass\"}]}";

TEST(results_parse_validates)
{
	struct vrc_loaded l;
	char err[256];

	ASSERT_EQ(0, vrc_results_parse(results_doc, strlen(results_doc), &l, err, sizeof(err)));
	ASSERT_EQ(4u, l.ntests);
	ASSERT_EQ((int)R_FAIL, (int)vrc_loaded_find(&l, "t-fail")->result);
	ASSERT_EQ(10.0, vrc_loaded_find(&l, "t-pass")->meas[0].value);
	vrc_loaded_free(&l);
	static const char *const bad[] = {
		"{}", "[]", "{\"format\":\"vrc-results\"}",
		"{\"format\":\"vrc-results\",\"run\":{\"run_id\":\"x\"},\"tests\":[{\"name\":\"a\"}]}",
		"{\"format\":\"vrc-results\",\"run\":{\"run_id\":\"x\"},\"tests\":[{\"name\":\"a\",\"result\":\"pass\"},{\"name\":\"a\",\"result\":\"pass\"}]}",
		"{\"format\":\"vrc-results\",\"run\":{\"run_id\":\"x\"},\"tests\":[{\"name\":\"a\",\"result\":\"pass\",\"duration_s\":\"slow\"}]}",
		"{\"format\":\"vrc-results\",\"run\":{\"run_id\":\"x\"},\"tests\":[{\"name\":\"a\",\"result\":\"fail\",\"attempts\":[\"pass\",\"fail\"]}]}",
		"{\"format\":\"vrc-results\",\"run\":{\"run_id\":\"x\"},\"tests\":[{\"name\":\"../a\",\"result\":\"pass\"}]}",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, vrc_results_parse(bad[i], strlen(bad[i]), &l, err, sizeof(err)));
		VTEST_LOG("bad[%u]: %s", i, err);
	}
}

TEST(mustpass_lists)
{
	const char *text = "# comment\n\n  irq-*   # trailing comment\nevt-flip-every-vblank\n"
			   "irq-invalid-requests-oops\tskip-ok:  destructive (can oops a  # why\r\n"
			   "iso-*  skip-ok: needs two vGPUs";
	struct vrc_mustpass m;
	char err[256];

	ASSERT_EQ(0, vrc_mustpass_parse("l.txt", text, strlen(text), &m, err, sizeof(err)));
	ASSERT_EQ(4u, m.n);
	ASSERT_TRUE(vrc_mustpass_match(&m, "irq-mask-bool"));
	ASSERT_TRUE(vrc_mustpass_match(&m, "evt-flip-every-vblank"));
	ASSERT_FALSE(vrc_mustpass_match(&m, "evt-flip-burst"));
	ASSERT_STREQ("irq-invalid-requests-oops", m.e[2].pat);
	ASSERT_STREQ("destructive (can oops a", m.e[2].skip_ok);
	ASSERT_EQ(5u, m.e[2].line);
	ASSERT_STREQ("", m.e[0].skip_ok);
	/* a skip is allowed only for the tests of the line, by a part of its reason */
	ASSERT_TRUE(vrc_mustpass_skip_ok(&m, "irq-invalid-requests-oops",
					 "destructive (can oops a real host): run with --destructive"));
	ASSERT_FALSE(vrc_mustpass_skip_ok(&m, "irq-invalid-requests-oops",
					  "display irq not offered"));
	ASSERT_FALSE(vrc_mustpass_skip_ok(&m, "irq-mask-bool", "destructive (can oops a real host)"));
	ASSERT_TRUE(vrc_mustpass_skip_ok(&m, "iso-heuristic-independent",
					 "gvt: needs two vGPUs at once: type X has 1 available"));
	ASSERT_FALSE(vrc_mustpass_skip_ok(&m, "iso-heuristic-independent", ""));
	vrc_mustpass_free(&m);

	/* each bad line is named FILE:LINE with what is wrong */
	static const struct { const char *text, *err; } bad[] = {
		{ "irq-*\nrm -rf /\n", "l.txt:2: '-rf /' after the test name: want 'skip-ok: REASON'" },
		{ "# c\n\nirq-* skip-ok:\n", "l.txt:3: 'skip-ok:' without a reason" },
		{ "irq-* skip-ok:   # no reason\n", "l.txt:1: 'skip-ok:' without a reason" },
		{ "irq-* skip_ok: x\n", "l.txt:1: 'skip_ok: x' after the test name" },
		{ "irq-*  skip-ok: a\x01b\n", "l.txt:1: the skip-ok reason holds a control" },
		{ "a/b\n", "l.txt:1: 'a/b' is not a test name or glob" },
		{ "ok\nok\n\xc3\xa9t\xc3\xa9\n", "l.txt:3: '" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		EXPECT_EQ(-1, vrc_mustpass_parse("l.txt", bad[i].text, strlen(bad[i].text), &m, err,
						 sizeof(err)));
		VTEST_LOG("bad[%u]: %s", i, err);
		EXPECT_TRUE(strstr(err, bad[i].err) == err);
	}
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	EXPECT_EQ(-1, vrc_mustpass_parse("l.txt", longname, strlen(longname), &m, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "l.txt:1: the test name is longer") == err);
}

/* base: pass fail skip gone(pass) ; run: t-pass fail, t-fail pass, t-skip skip, t-new fail */
static const char *run_doc =
	"{\"format\":\"vrc-results\",\"run\":{\"run_id\":\"y\"},\"tests\":["
	"{\"name\":\"t-pass\",\"result\":\"fail\",\"measurements\":{\"m\":{\"value\":13,\"unit\":\"us\"}}},"
	"{\"name\":\"t-fail\",\"result\":\"pass\"},"
	"{\"name\":\"t-skip\",\"result\":\"skip\"},"
	"{\"name\":\"t-new\",\"result\":\"fail\"}]}";

static const struct vrc_cmp_test *find(const struct vrc_comparison *c, const char *name)
{
	for (unsigned i = 0; i < c->n; i++)
		if (!strcmp(c->t[i].name, name))
			return &c->t[i];
	return NULL;
}

TEST(compare_classifies_and_gates)
{
	struct vrc_loaded b, r;
	struct vrc_comparison c;
	char err[256];

	ASSERT_EQ(0, vrc_results_parse(results_doc, strlen(results_doc), &b, err, sizeof(err)));
	ASSERT_EQ(0, vrc_results_parse(run_doc, strlen(run_doc), &r, err, sizeof(err)));
	ASSERT_EQ(0, vrc_compare(&b, &r, NULL, 20.0, &c));
	ASSERT_EQ((int)CH_REGRESSED, (int)find(&c, "t-pass")->change);
	ASSERT_EQ((int)CH_FIXED, (int)find(&c, "t-fail")->change);
	ASSERT_EQ((int)CH_UNCHANGED, (int)find(&c, "t-skip")->change);
	ASSERT_EQ((int)CH_NEW, (int)find(&c, "t-new")->change);
	ASSERT_EQ((int)CH_REMOVED, (int)find(&c, "t-gone")->change);
	ASSERT_EQ(2u, c.nblocking);	/* the regression and the new failure */
	ASSERT_TRUE(c.t[0].blocks && c.t[1].blocks);	/* regressions first */
	ASSERT_EQ(1u, c.nmeas);		/* 10 -> 13 us is +30% */
	ASSERT_TRUE(fabs(c.m[0].pct - 30.0) < 1e-9);
	vrc_comparison_free(&c);
	ASSERT_EQ(0, vrc_compare(&b, &r, NULL, 50.0, &c));
	ASSERT_EQ(0u, c.nmeas);
	vrc_comparison_free(&c);

	/* a mustpass list: only t-fail and t-skip gate; t-gone is missing.
	 * t-skip skips (without a reason): a mustpass test must pass */
	struct vrc_mustpass m;
	const char *list = "t-fail\nt-skip\n";
	ASSERT_EQ(0, vrc_mustpass_parse("l", list, strlen(list), &m, err, sizeof(err)));
	ASSERT_EQ(0, vrc_compare(&b, &r, &m, 20.0, &c));
	ASSERT_EQ(1u, c.nblocking);
	ASSERT_TRUE(find(&c, "t-skip")->blocks);
	vrc_comparison_free(&c);
	vrc_mustpass_free(&m);
	list = "t-fail\n";
	ASSERT_EQ(0, vrc_mustpass_parse("l", list, strlen(list), &m, err, sizeof(err)));
	ASSERT_EQ(0, vrc_compare(&b, &r, &m, 20.0, &c));
	ASSERT_EQ(0u, c.nblocking);
	vrc_comparison_free(&c);
	vrc_mustpass_free(&m);
	list = "t-pass\nt-gone\n";
	ASSERT_EQ(0, vrc_mustpass_parse("l", list, strlen(list), &m, err, sizeof(err)));
	ASSERT_EQ(0, vrc_compare(&b, &r, &m, 20.0, &c));
	ASSERT_EQ(1u, c.nmissing);
	ASSERT_EQ(3u, c.nblocking);	/* t-pass fails, t-gone removed and missing */
	vrc_comparison_free(&c);
	vrc_mustpass_free(&m);

	/* against itself: never a regression */
	ASSERT_EQ(0, vrc_compare(&r, &r, NULL, 20.0, &c));
	ASSERT_EQ(0u, c.nblocking);
	ASSERT_EQ(2u, c.count[CH_STILL_FAILING]);
	vrc_comparison_free(&c);
	vrc_loaded_free(&b);
	vrc_loaded_free(&r);
}

/* Skips against a baseline: a verdict that became a skip is lost coverage
 * and blocks; with a list, a listed test that skips blocks unless a
 * skip-ok of the list allows its reason. */
static const char *cov_base =
	"{\"format\":\"vrc-results\",\"run\":{\"run_id\":\"b\"},\"tests\":["
	"{\"name\":\"a-pass\",\"result\":\"pass\"},"
	"{\"name\":\"a-fail\",\"result\":\"fail\"},"
	"{\"name\":\"a-skip\",\"result\":\"skip\",\"reason\":\"destructive (can oops a real host)\"},"
	"{\"name\":\"a-keep\",\"result\":\"pass\"}]}";
static const char *cov_run =
	"{\"format\":\"vrc-results\",\"run\":{\"run_id\":\"r\"},\"tests\":["
	"{\"name\":\"a-pass\",\"result\":\"skip\",\"reason\":\"display irq not offered\"},"
	"{\"name\":\"a-fail\",\"result\":\"skip\",\"reason\":\"display irq not offered\"},"
	"{\"name\":\"a-skip\",\"result\":\"skip\",\"reason\":\"destructive (can oops a real host)\"},"
	"{\"name\":\"a-keep\",\"result\":\"pass\"},"
	"{\"name\":\"a-notrun\",\"result\":\"notrun\"}]}";

static unsigned blocking_with(const struct vrc_loaded *b, const struct vrc_loaded *r,
			      const char *list, const char *name)
{
	struct vrc_mustpass m;
	struct vrc_comparison c;
	char err[256];
	unsigned n;

	if (list && vrc_mustpass_parse("l", list, strlen(list), &m, err, sizeof(err)))
		return 999;
	if (vrc_compare(b, r, list ? &m : NULL, 20.0, &c))
		return 998;
	n = c.nblocking;
	if (name && !find(&c, name)->blocks)
		n = 997;
	vrc_comparison_free(&c);
	if (list)
		vrc_mustpass_free(&m);
	return n;
}

TEST(compare_lost_coverage_and_skips)
{
	struct vrc_loaded b, r;
	struct vrc_comparison c;
	char err[256];
	char *text = NULL;
	size_t len = 0;

	ASSERT_EQ(0, vrc_results_parse(cov_base, strlen(cov_base), &b, err, sizeof(err)));
	ASSERT_EQ(0, vrc_results_parse(cov_run, strlen(cov_run), &r, err, sizeof(err)));
	ASSERT_EQ(0, vrc_compare(&b, &r, NULL, 20.0, &c));
	ASSERT_EQ((int)CH_LOST_COVERAGE, (int)find(&c, "a-pass")->change);
	ASSERT_EQ((int)CH_LOST_COVERAGE, (int)find(&c, "a-fail")->change);	/* not fixed */
	ASSERT_EQ((int)CH_UNCHANGED, (int)find(&c, "a-skip")->change);
	ASSERT_EQ((int)CH_NEW, (int)find(&c, "a-notrun")->change);
	ASSERT_EQ(2u, c.nblocking);	/* without a list: the lost coverage */
	ASSERT_TRUE(find(&c, "a-pass")->blocks && find(&c, "a-fail")->blocks);
	ASSERT_EQ(2u, c.count[CH_LOST_COVERAGE]);
	/* one line per blocking test, naming the lost coverage and the reason */
	FILE *f = open_memstream(&text, &len);
	ASSERT_TRUE(f != NULL);
	vrc_comparison_print(f, &c, &b, &r, false);
	fclose(f);
	for (char *l = text, *e; (e = strchr(l, '\n')); l = e + 1)
		VTEST_LOG("%.*s", (int)(e - l), l);
	ASSERT_TRUE(strstr(text, "! LOST-COVERAGE  a-pass") != NULL);
	ASSERT_TRUE(strstr(text, "pass       -> skip: 'display irq not offered' -- lost coverage\n") != NULL);
	ASSERT_TRUE(strstr(text, "summary: regressed 0, lost-coverage 2,") != NULL);
	free(text);
	vrc_comparison_free(&c);
	/* a run against itself: skips are never lost coverage */
	ASSERT_EQ(0u, blocking_with(&r, &r, NULL, NULL));

	/* every a-* must pass: the two lost, and the notrun with no reason; the
	 * destructive skip is allowed */
	ASSERT_EQ(3u, blocking_with(&b, &r, "a-*\na-skip skip-ok: destructive\n", "a-notrun"));
	ASSERT_EQ(4u, blocking_with(&b, &r, "a-*\n", "a-skip"));
	/* the allowance is for the named test and that reason only */
	ASSERT_EQ(4u, blocking_with(&b, &r, "a-*\na-keep skip-ok: destructive\n", "a-skip"));
	ASSERT_EQ(4u, blocking_with(&b, &r, "a-*\na-skip skip-ok: display irq\n", "a-skip"));
	/* lost coverage of a listed test whose reason the list allows does not block */
	ASSERT_EQ(0u, blocking_with(&b, &r, "a-pass skip-ok: display irq\na-keep\n", NULL));
	/* an unlisted test's lost coverage does not gate */
	ASSERT_EQ(0u, blocking_with(&b, &r, "a-keep\n", NULL));
	ASSERT_EQ(0, vrc_compare(&b, &r, NULL, 20.0, &c));
	vrc_comparison_free(&c);
	vrc_loaded_free(&b);
	vrc_loaded_free(&r);
}

/* vrc run's exit status: a run that passed nothing tested nothing (4), and
 * says why in one line; a failure wins over everything. */
TEST(run_status_nothing_tested)
{
	static const struct vrc_test dummy = { .name = "t" };
	struct vrc_test_record rec[3] = {
		{ .test = &dummy, .result = R_SKIP, .reason = "display irq not offered" },
		{ .test = &dummy, .result = R_SKIP, .reason = "display irq not offered" },
		{ .test = &dummy, .result = R_NOTRUN, .reason = "" },
	};
	struct vrc_run run = { .ntests = 3, .rec = rec, .irq_index = -1 };
	char why[700];

	run.count[R_SKIP] = 2;
	run.count[R_NOTRUN] = 1;
	ASSERT_EQ(VRC_EXIT_NOTHING_TESTED, vrc_run_status(&run, why, sizeof(why)));
	VTEST_LOG("%s", why);
	ASSERT_STREQ("nothing was tested: the device offers no display irq (every test skipped: "
		     "2 of 3 'display irq not offered'; the other 1 for 1 other reason)", why);
	run.irq_index = 5;
	rec[2].reason[0] = 'x';
	ASSERT_EQ(VRC_EXIT_NOTHING_TESTED, vrc_run_status(&run, why, sizeof(why)));
	ASSERT_TRUE(strstr(why, "nothing was tested: no test passed (every test skipped: 2 of 3") == why);
	/* one pass: tested */
	rec[2].result = R_PASS;
	run.count[R_NOTRUN] = 0;
	run.count[R_PASS] = 1;
	ASSERT_EQ(VRC_EXIT_PASSED, vrc_run_status(&run, why, sizeof(why)));
	ASSERT_STREQ("", why);
	/* a failure (or an incomplete test) among skips fails, pass or not */
	run.count[R_PASS] = 0;
	run.count[R_INCOMPLETE] = 1;
	ASSERT_EQ(VRC_EXIT_FAILED, vrc_run_status(&run, why, sizeof(why)));
	run.count[R_PASS] = 1;
	ASSERT_EQ(VRC_EXIT_FAILED, vrc_run_status(&run, why, sizeof(why)));
	/* nothing selected */
	struct vrc_run none = { .irq_index = 5 };
	ASSERT_EQ(VRC_EXIT_NOTHING_TESTED, vrc_run_status(&none, why, sizeof(why)));
	ASSERT_STREQ("nothing was tested: no test selected", why);
}

VTEST_MAIN()
