// SPDX-License-Identifier: MIT
/*
 * vtest.h itself. This program holds two sets of cases: "subject_*" cases
 * that misbehave on purpose (fail an ASSERT, hang, skip, crash, come 300 at
 * a time), registered like any other but run only in a child copy of this
 * program (VTEST_SUBJECT set), and the checks, which start that child with
 * -r and judge what it printed and how it exited. So a vtest that skips a
 * teardown, lets a hung case run on, counts a skip as a pass, loses its
 * 257th case or exits 0 after a failure fails here.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "vrc/vtest.h"

#define SUBJECT_ENV	"VTEST_SUBJECT"
#define MARK_ENV	"VTEST_MARK_DIR"
#define OUT_MAX		(1u << 20)

/* --------------------------------------------------------------- subjects */

/* Leave a file named `what` in the check's directory: how a subject says
 * that some code of it ran. */
static void mark(const char *what, const char *content)
{
	const char *dir = getenv(MARK_ENV);
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, what);
	f = fopen(path, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

FIXTURE(marked) {
	bool set_up;
};

FIXTURE_SETUP(marked)
{
	mark("setup", "");
	self->set_up = true;
}

FIXTURE_TEARDOWN(marked)
{
	mark(self->set_up ? "teardown" : "teardown-without-setup", "");
}

TEST(subject_passes)
{
}

TEST_F(marked, subject_fixture_passes)
{
	ASSERT_TRUE(self->set_up);
}

TEST_F(marked, subject_assert_fails)
{
	ASSERT_EQ(1, 2);
	mark("after-assert", "");
}

TEST_F(marked, subject_skips)
{
	SKIP("no %s here", "widget");
}

TEST(subject_expect_then_skip)
{
	EXPECT_EQ(1, 2);
	SKIP("too late to skip");
}

/* Appends its name to the file "order": which teardown ran first. */
static void deferred_mark(void *what)
{
	const char *dir = getenv(MARK_ENV);
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/order", dir);
	f = fopen(path, "a");
	if (f) {
		fprintf(f, "%s\n", (const char *)what);
		fclose(f);
	}
}

static void helper_that_asserts(void)
{
	ASSERT_STREQ("a", "b");
}

/* A plain TEST's teardown via vtest_defer, an ASSERT deep in a helper. */
TEST(subject_deferred)
{
	static char first[] = "deferred-first", second[] = "deferred-second";

	vtest_defer(deferred_mark, first);
	vtest_defer(deferred_mark, second);
	helper_that_asserts();
	mark("after-assert", "");
}

/* Hangs, with a child of its own that must not outlive the timeout. */
TEST_TIMEOUT(subject_hangs, 1)
{
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", (int)getpid());
		mark("grandchild", buf);
		for (;;)
			pause();
	}
	for (;;)
		pause();
}

TEST(subject_killed)
{
	kill(getpid(), SIGKILL);
}

#define ROW(a, b, c)	{ "n" #a #b #c }
#define ROWS10(a, b)	ROW(a, b, 0), ROW(a, b, 1), ROW(a, b, 2), ROW(a, b, 3), ROW(a, b, 4), \
			ROW(a, b, 5), ROW(a, b, 6), ROW(a, b, 7), ROW(a, b, 8), ROW(a, b, 9)
#define ROWS100(a)	ROWS10(a, 0), ROWS10(a, 1), ROWS10(a, 2), ROWS10(a, 3), ROWS10(a, 4), \
			ROWS10(a, 5), ROWS10(a, 6), ROWS10(a, 7), ROWS10(a, 8), ROWS10(a, 9)

/* 300 cases: more than the 256 an old vtest kept. */
static const struct many_row {
	const char *name;
} many_rows[] = { ROWS100(0), ROWS100(1), ROWS100(2) };

TEST_VARIANTS(subject_many, many_rows)
{
	ASSERT_EQ('n', variant->name[0]);
	ASSERT_EQ(4u, strlen(variant->name));
}

/* ----------------------------------------------------------------- checks */

/* What a subject run printed and how it ended. */
struct run {
	int status;
	char *out, *err;	/* NUL-terminated, at most OUT_MAX */
	int64_t ms;
};

static char *slurp(FILE *f)
{
	char *buf = malloc(OUT_MAX + 1);
	size_t n;

	ASSERT_TRUE(buf != NULL);
	rewind(f);
	n = fread(buf, 1, OUT_MAX, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Run argv (argv[0] a path) with stdout and stderr captured, env set as
 * given: SUBJECT_ENV and MARK_ENV always, HARNESS_ACTIVE only if asked. */
static void run_argv(struct run *r, char *const argv[], const char *mark_dir,
		     bool harness_active)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int64_t start = vtest_now_ms();

	ASSERT_TRUE(out && err);
	fflush(stdout);
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		setenv(SUBJECT_ENV, "1", 1);
		setenv(MARK_ENV, mark_dir, 1);
		if (harness_active)
			setenv("HARNESS_ACTIVE", "1", 1);
		else
			unsetenv("HARNESS_ACTIVE");
		dup2(fileno(out), STDOUT_FILENO);
		dup2(fileno(err), STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &r->status, 0) < 0)
		ASSERT_EQ(EINTR, errno);
	r->ms = vtest_now_ms() - start;
	r->out = slurp(out);
	r->err = slurp(err);
}

/* This program, as a subject, with -r only (or every subject if NULL). */
static void run_subject(struct run *r, const char *only, const char *mark_dir,
			bool harness_active)
{
	char *argv[] = { "/proc/self/exe", "-r", (char *)only, NULL };

	if (!only)
		argv[1] = NULL;
	run_argv(r, argv, mark_dir, harness_active);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

static int exit_code(const struct run *r)
{
	return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128 + WTERMSIG(r->status);
}

/* True if text has `line` as a whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0))
			return true;
	return false;
}

static unsigned count_prefix(const char *text, const char *prefix)
{
	unsigned n = 0;
	size_t len = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, len);
	return n;
}

/* Text as comment lines: a subject's own "ok" lines must not reach prove. */
static void print_commented(const char *text)
{
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		int n = e ? (int)(e - p) : (int)strlen(p);

		printf("#   %.*s\n", n, p);
		p += n + (e != NULL);
	}
}

static void show(const struct run *r)
{
	printf("# subject exited %d after %" PRId64 " ms; it printed:\n", exit_code(r), r->ms);
	print_commented(r->out);
}

/* Each check gets an empty directory for the subject's marks. */
FIXTURE(dir) {
	char path[64];
	struct run r;
};

FIXTURE_SETUP(dir)
{
	char tmpl[] = "/tmp/vrc-vtest-XXXXXX";

	ASSERT_TRUE(mkdtemp(tmpl) != NULL);
	snprintf(self->path, sizeof(self->path), "%s", tmpl);
}

FIXTURE_TEARDOWN(dir)
{
	char cmd[128];

	run_free(&self->r);
	if (!self->path[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->path);
	if (system(cmd))
		printf("# could not remove %s\n", self->path);
}

static bool marked(const char *dir, const char *what)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, what);
	return stat(path, &st) == 0;
}

TEST_F(dir, failing_assert_still_runs_teardown)
{
	run_subject(&self->r, "subject_assert_fails", self->path, false);
	show(&self->r);
	EXPECT_EQ(1, exit_code(&self->r));
	EXPECT_TRUE(has_line(self->r.out, "not ok 1 subject_assert_fails"));
	EXPECT_TRUE(strstr(self->r.out, "ASSERT failed: 1 == 2") != NULL);
	EXPECT_TRUE(marked(self->path, "setup"));
	EXPECT_TRUE(marked(self->path, "teardown"));
	EXPECT_FALSE(marked(self->path, "after-assert"));
	/* the failing case's output goes to stderr too, for prove */
	EXPECT_TRUE(strstr(self->r.err, "ASSERT failed: 1 == 2") != NULL);
}

TEST_F(dir, passing_case_runs_teardown)
{
	run_subject(&self->r, "subject_fixture_passes", self->path, false);
	show(&self->r);
	EXPECT_EQ(0, exit_code(&self->r));
	EXPECT_TRUE(has_line(self->r.out, "ok 1 subject_fixture_passes"));
	EXPECT_TRUE(marked(self->path, "teardown"));
}

TEST_F(dir, deferred_teardowns_run_last_first_after_an_assert)
{
	char path[600], order[128] = "";
	FILE *f;

	run_subject(&self->r, "subject_deferred", self->path, false);
	show(&self->r);
	EXPECT_EQ(1, exit_code(&self->r));
	EXPECT_TRUE(has_line(self->r.out, "not ok 1 subject_deferred"));
	EXPECT_FALSE(marked(self->path, "after-assert"));
	snprintf(path, sizeof(path), "%s/order", self->path);
	f = fopen(path, "r");
	ASSERT_TRUE(f != NULL);
	size_t n = fread(order, 1, sizeof(order) - 1, f);
	fclose(f);
	order[n] = 0;
	ASSERT_STREQ("deferred-second\ndeferred-first\n", order);
}

/* Gone, or a zombie nobody reaped yet: either way not running. */
static bool process_gone(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

TEST_F(dir, timeout_kills_the_case_and_its_children)
{
	char path[600], buf[32] = "";
	FILE *f;

	run_subject(&self->r, "subject_hangs", self->path, false);
	show(&self->r);
	EXPECT_EQ(1, exit_code(&self->r));
	EXPECT_TRUE(has_line(self->r.out, "not ok 1 subject_hangs # timeout after 1 s"));
	EXPECT_TRUE(has_line(self->r.out,
			     "# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0"));
	EXPECT_LT(self->r.ms, 15000);	/* its 1 s, not the 60 s default */
	snprintf(path, sizeof(path), "%s/grandchild", self->path);
	f = fopen(path, "r");
	ASSERT_TRUE(f != NULL);
	ASSERT_TRUE(fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	pid_t pid = (pid_t)atoi(buf);
	ASSERT_GT(pid, 1);
	for (int i = 0; i < 200 && !process_gone(pid); i++)
		usleep(10000);
	ASSERT_TRUE(process_gone(pid));
}

TEST_F(dir, crash_is_a_failure_naming_the_signal)
{
	run_subject(&self->r, "subject_killed", self->path, false);
	show(&self->r);
	EXPECT_EQ(1, exit_code(&self->r));
	EXPECT_TRUE(strstr(self->r.out, "not ok 1 subject_killed # killed by signal 9") != NULL);
}

TEST_F(dir, skip_reason_on_the_result_line_and_exit_4)
{
	run_subject(&self->r, "subject_skips", self->path, false);
	show(&self->r);
	EXPECT_EQ(4, exit_code(&self->r));	/* kselftest's KSFT_SKIP */
	EXPECT_TRUE(has_line(self->r.out, "ok 1 subject_skips # SKIP no widget here"));
	EXPECT_TRUE(has_line(self->r.out,
			     "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:1 error:0"));
	EXPECT_TRUE(marked(self->path, "teardown"));
	run_free(&self->r);
	/* under prove a non-zero exit is a failure: 0, the SKIP line stays */
	run_subject(&self->r, "subject_skips", self->path, true);
	show(&self->r);
	EXPECT_EQ(0, exit_code(&self->r));
	EXPECT_TRUE(has_line(self->r.out, "ok 1 subject_skips # SKIP no widget here"));
}

TEST_F(dir, skip_after_a_failed_expect_is_a_failure)
{
	run_subject(&self->r, "subject_expect_then_skip", self->path, false);
	show(&self->r);
	EXPECT_EQ(1, exit_code(&self->r));
	EXPECT_TRUE(has_line(self->r.out, "not ok 1 subject_expect_then_skip"));
}

TEST_F(dir, totals_count_each_outcome)
{
	run_subject(&self->r, NULL, self->path, false);
	EXPECT_EQ(1, exit_code(&self->r));
	/* 8 subjects, subject_many is 300: 302 pass, 1 skip, 5 fail */
	EXPECT_TRUE(has_line(self->r.out, "1..308"));
	EXPECT_TRUE(has_line(self->r.out,
			     "# Totals: pass:302 fail:5 xfail:0 xpass:0 skip:1 error:0"));
	EXPECT_EQ(303u, count_prefix(self->r.out, "ok "));
	EXPECT_EQ(5u, count_prefix(self->r.out, "not ok "));
	EXPECT_EQ(1u, count_prefix(self->r.out, "KTAP version 1"));
	if (vtest_failed_expect)
		show(&self->r);
}

TEST_F(dir, more_than_256_cases_all_run)
{
	char line[64];

	run_subject(&self->r, "subject_many", self->path, false);
	EXPECT_EQ(0, exit_code(&self->r));
	EXPECT_TRUE(has_line(self->r.out, "1..300"));
	for (unsigned i = 0; i < 300; i++) {
		snprintf(line, sizeof(line), "ok %u subject_many.n%03u", i + 1, i);
		if (!has_line(self->r.out, line)) {
			printf("# missing: %s\n", line);
			EXPECT_TRUE(false);
		}
	}
	EXPECT_TRUE(has_line(self->r.out,
			     "# Totals: pass:300 fail:0 xfail:0 xpass:0 skip:0 error:0"));
	if (vtest_failed_expect)
		show(&self->r);
}

TEST_F(dir, variants_listed_and_picked_by_full_name)
{
	char *list[] = { "/proc/self/exe", "-l", NULL };

	run_argv(&self->r, list, self->path, false);
	EXPECT_EQ(0, exit_code(&self->r));
	EXPECT_TRUE(has_line(self->r.out, "subject_many.n000"));
	EXPECT_TRUE(has_line(self->r.out, "subject_many.n299"));
	EXPECT_EQ(300u, count_prefix(self->r.out, "subject_many."));
	run_free(&self->r);
	run_subject(&self->r, "subject_many.n123", self->path, false);
	show(&self->r);
	EXPECT_EQ(0, exit_code(&self->r));
	EXPECT_TRUE(has_line(self->r.out, "1..1"));
	EXPECT_TRUE(has_line(self->r.out, "ok 1 subject_many.n123"));
}

/* prove itself: an all-skipped program is no failure, a failing one is. */
static void prove_subject(struct run *r, const char *dir, const char *only)
{
	char self_path[256], script[128];
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	FILE *f;

	ASSERT_GT(n, 0);
	self_path[n] = 0;
	snprintf(script, sizeof(script), "%s/%s.t", dir, only);
	f = fopen(script, "w");
	ASSERT_TRUE(f != NULL);
	fprintf(f, "#!/bin/sh\nexec '%s' -r %s\n", self_path, only);
	fclose(f);
	ASSERT_EQ(0, chmod(script, 0755));
	char *argv[] = { "prove", "-v", "--exec", "", script, NULL };
	run_argv(r, argv, dir, false);
	printf("# prove exited %d:\n", exit_code(r));
	print_commented(r->out);
}

TEST_F(dir, prove_reads_all_skipped_as_skipped_and_a_failure_as_failed)
{
	if (system("command -v prove >/dev/null 2>&1"))
		SKIP("prove is not installed");
	prove_subject(&self->r, self->path, "subject_skips");
	EXPECT_EQ(0, exit_code(&self->r));
	EXPECT_TRUE(has_line(self->r.out, "ok 1 subject_skips # SKIP no widget here"));
	EXPECT_TRUE(strstr(self->r.out, "Result: PASS") != NULL);
	run_free(&self->r);
	prove_subject(&self->r, self->path, "subject_assert_fails");
	EXPECT_NE(0, exit_code(&self->r));
	EXPECT_TRUE(strstr(self->r.out, "Result: FAIL") != NULL);
}

/* Subjects run only in the child copy; the checks only in the parent. */
int main(int argc, char **argv)
{
	bool subject = getenv(SUBJECT_ENV) != NULL;
	unsigned k = 0;

	for (unsigned i = 0; i < vtest_ncases; i++)
		if ((strncmp(vtest_cases[i].name, "subject_", 8) == 0) == subject)
			vtest_cases[k++] = vtest_cases[i];
	vtest_ncases = k;
	return vtest_main(argc, argv);
}
