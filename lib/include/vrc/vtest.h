/* SPDX-License-Identifier: MIT */
/*
 * A small kselftest-style harness for the project's own self-tests: TEST()
 * registers a case, main() runs each in a forked child (its own process
 * group) under a timeout and prints KTAP, so `prove` reads the results and
 * a crash in one case shows up as that case's failure. ASSERT_* ends the
 * case, EXPECT_* records and goes on, SKIP("why") skips it.
 *
 *   TEST(caps_rejects_loop) { ... ASSERT_EQ(-EPROTO, rc); }
 *   TEST_TIMEOUT(slow_case, 170) { ... }          default VTEST_TIMEOUT_S
 *
 *   FIXTURE(tree) { char root[64]; };              teardown runs after the
 *   FIXTURE_SETUP(tree) { ... self->root ... }     body ends, passed, failed
 *   FIXTURE_TEARDOWN(tree) { ... }                 an ASSERT or skipped
 *   TEST_F(tree, good_host) { ... self->root ... } (vtest_defer() likewise)
 *
 *   static const struct abi_row { const char *name; int abi; } abis[] = {...};
 *   TEST_VARIANTS(chain, abis) { ... variant->abi ... }  -> "chain.v5", ...
 *
 *   VTEST_MAIN()
 *
 * Run one case: ./test -r NAME (NAME.VARIANT, or NAME for all its variants);
 * list: ./test -l.
 *
 * Output and exit code follow KTAP and kselftest: the plan, one result line
 * a case ("ok N name # SKIP reason" for a skip), then
 * "# Totals: pass:N fail:N xfail:0 xpass:0 skip:N error:0"; exit 0 if none
 * failed, 1 if one did, 4 if every case skipped. Under prove (HARNESS_ACTIVE
 * in the environment) an all-skipped program exits 0 instead: prove calls
 * any other exit status a failure, and counts the "# SKIP" lines as skips.
 *
 * Why not the kernel's kselftest_harness.h: it is GPL-2.0 and this project
 * is MIT and copies no code from other projects; it also brings kselftest.h
 * and threads a `_metadata` through every assertion, where this harness
 * needs little: each case is a process, an ASSERT is an exit, teardown is a
 * list run before that exit. What this file adds of its own: the case's
 * output copied to stderr when it fails (prove shows stderr), LeakSanitizer
 * run in each case's child (vrc/lsan.h), and variants as named table rows.
 *
 * A timeout or a crash kills the case's whole process group; its teardown
 * does not run then (the process is gone), so keep what a teardown removes
 * somewhere a later run does not trip over (mkdtemp names).
 */
#ifndef VRC_VTEST_H
#define VRC_VTEST_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vrc/lsan.h"

#define VTEST_TIMEOUT_S		60	/* a case's default timeout */
#define VTEST_SKIP_EXIT		4	/* a case's (and the program's) "skipped" */
#define VTEST_MAX_DEFER		16	/* teardowns a case may register */
#define VTEST_REASON_MAX	256

/* Helpers unused by one program are no warning. */
#define VTEST_FN	static __attribute__((unused))
#define VTEST_UNUSED_	__attribute__((unused))	/* a body need not use self */

struct vtest_case {
	const char *name;		/* the TEST's name */
	const char *variant;		/* NULL, or the name of its table row */
	void (*fn)(const void *row);
	const void *row;		/* the variant's table row */
	unsigned timeout_s;
};

/* What a case's process tells the runner besides its exit status. */
struct vtest_shared {
	char skip_reason[VTEST_REASON_MAX];
};

static struct vtest_case *vtest_cases;
static unsigned vtest_ncases, vtest_cap;
static const char *vtest_reg_error;	/* a registration that failed: fail loudly */
static int vtest_failed_expect;
static pid_t vtest_case_pid;		/* in a case's process: its pid */
static struct vtest_shared *vtest_shared;
static struct {
	void (*fn)(void *);
	void *arg;
} vtest_defers[VTEST_MAX_DEFER];
static unsigned vtest_ndefer;

/* Add a case; no fixed limit: the table grows, and running out of memory
 * (or a variant name KTAP cannot carry) stops the program before any case. */
VTEST_FN void vtest_register(const char *name, const char *variant,
			     void (*fn)(const void *), const void *row, unsigned timeout_s)
{
	if (variant && (!*variant || strpbrk(variant, " \t\n#"))) {
		vtest_reg_error = "a variant name is empty or has a space or '#'";
		return;
	}
	if (vtest_ncases == vtest_cap) {
		unsigned cap = vtest_cap ? 2 * vtest_cap : 64;
		struct vtest_case *c = realloc(vtest_cases, cap * sizeof(*c));

		if (!c) {
			vtest_reg_error = "out of memory registering the test cases";
			return;
		}
		vtest_cases = c;
		vtest_cap = cap;
	}
	vtest_cases[vtest_ncases++] = (struct vtest_case){
		name, variant, fn, row, timeout_s ? timeout_s : VTEST_TIMEOUT_S };
}

#define VTEST_REGISTER_(name_, timeout_)				\
	static void vtest_##name_(void);				\
	static void vtest_run_##name_(const void *row)			\
	{								\
		(void)row;						\
		vtest_##name_();					\
	}								\
	__attribute__((constructor)) static void vtest_reg_##name_(void) \
	{								\
		vtest_register(#name_, NULL, vtest_run_##name_, NULL, timeout_); \
	}								\
	static void vtest_##name_(void)

#define TEST(name_)			VTEST_REGISTER_(name_, 0)
#define TEST_TIMEOUT(name_, secs_)	VTEST_REGISTER_(name_, secs_)

/*
 * One body, one case per row of a static array whose rows have a
 * `const char *name`: the body sees its row as `variant`, the result line
 * says "NAME.ROWNAME".
 */
#define TEST_VARIANTS_TIMEOUT(name_, table_, secs_)			\
	static void vtest_##name_(__typeof__(&(table_)[0]) variant VTEST_UNUSED_);	\
	static void vtest_run_##name_(const void *row)			\
	{								\
		vtest_##name_((__typeof__(&(table_)[0]))(uintptr_t)row); \
	}								\
	__attribute__((constructor)) static void vtest_reg_##name_(void) \
	{								\
		for (size_t i_ = 0; i_ < sizeof(table_) / sizeof((table_)[0]); i_++) \
			vtest_register(#name_, (table_)[i_].name ? (table_)[i_].name : "", \
				       vtest_run_##name_, &(table_)[i_], secs_); \
	}								\
	static void vtest_##name_(__typeof__(&(table_)[0]) variant VTEST_UNUSED_)

#define TEST_VARIANTS(name_, table_)	TEST_VARIANTS_TIMEOUT(name_, table_, 0)

/* Run fn(arg) when the case ends however it ends short of being killed
 * (passed, an ASSERT failed, SKIP): last registered runs first. arg must
 * outlive the TEST's body (static or heap; a fixture's self does). */
__attribute__((noreturn)) VTEST_FN void vtest_fail_now(void);

VTEST_FN void vtest_defer(void (*fn)(void *), void *arg)
{
	if (vtest_ndefer == VTEST_MAX_DEFER) {
		printf("# vtest: more than %d teardowns in one case\n", VTEST_MAX_DEFER);
		fn(arg);
		vtest_fail_now();
	}
	vtest_defers[vtest_ndefer].fn = fn;
	vtest_defers[vtest_ndefer++].arg = arg;
}

/* Each teardown is taken off the list before it runs: one that fails an
 * ASSERT ends the case after the others have run, not in a loop. Only the
 * case's own process runs them, not a child it forked. */
VTEST_FN void vtest_run_defers(void)
{
	if (getpid() != vtest_case_pid)
		return;
	while (vtest_ndefer > 0) {
		vtest_ndefer--;
		vtest_defers[vtest_ndefer].fn(vtest_defers[vtest_ndefer].arg);
	}
}

/* How an ASSERT ends the case. */
__attribute__((noreturn)) VTEST_FN void vtest_fail_now(void)
{
	vtest_run_defers();
	fflush(stdout);
	_exit(1);
}

/* SKIP: after a failed EXPECT the case stays failed. */
__attribute__((format(printf, 1, 2), noreturn, unused))
static void vtest_skip(const char *fmt, ...)
{
	char reason[VTEST_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	for (char *s = reason; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
	if (vtest_failed_expect) {
		printf("# SKIP after a failed EXPECT counts as a failure: %s\n", reason);
		vtest_fail_now();
	}
	if (vtest_shared && getpid() == vtest_case_pid)
		snprintf(vtest_shared->skip_reason, sizeof(vtest_shared->skip_reason), "%s",
			 reason);
	else
		printf("# SKIP: %s\n", reason);
	vtest_run_defers();
	fflush(stdout);
	_exit(VTEST_SKIP_EXIT);
}

/*
 * Fixtures: FIXTURE(name) { members }; its SETUP and TEARDOWN get `self`,
 * zeroed before SETUP. TEARDOWN runs however the case ends (a failed ASSERT
 * in SETUP too), so it must cope with a fixture set up only in part. The
 * case keeps its plain name: TEST_F(tree, x) reports "x".
 */
#define FIXTURE(fx_)	struct vtest_fx_##fx_
#define FIXTURE_SETUP(fx_)						\
	static void vtest_fx_setup_##fx_(struct vtest_fx_##fx_ *self VTEST_UNUSED_)
#define FIXTURE_TEARDOWN(fx_)						\
	static void vtest_fx_teardown_##fx_(struct vtest_fx_##fx_ *self VTEST_UNUSED_); \
	static void vtest_fx_down_##fx_(void *self)			\
	{								\
		vtest_fx_teardown_##fx_(self);				\
	}								\
	static void vtest_fx_teardown_##fx_(struct vtest_fx_##fx_ *self VTEST_UNUSED_)

#define TEST_F_TIMEOUT(fx_, name_, secs_)				\
	static void vtest_##name_(struct vtest_fx_##fx_ *self VTEST_UNUSED_);		\
	static void vtest_run_##name_(const void *row)			\
	{								\
		struct vtest_fx_##fx_ self_;				\
									\
		(void)row;						\
		memset(&self_, 0, sizeof(self_));			\
		vtest_defer(vtest_fx_down_##fx_, &self_);		\
		vtest_fx_setup_##fx_(&self_);				\
		vtest_##name_(&self_);					\
		vtest_run_defers();	/* while self_ lives */		\
	}								\
	__attribute__((constructor)) static void vtest_reg_##name_(void) \
	{								\
		vtest_register(#name_, NULL, vtest_run_##name_, NULL, secs_); \
	}								\
	static void vtest_##name_(struct vtest_fx_##fx_ *self VTEST_UNUSED_)

#define TEST_F(fx_, name_)	TEST_F_TIMEOUT(fx_, name_, 0)

#define VTEST_LOG(...)	do { printf("# " __VA_ARGS__); printf("\n"); } while (0)

#define VTEST_CMP_(kind, a, op, b, fatal) do {				\
	__typeof__(a) va_ = (a);					\
	__typeof__(b) vb_ = (b);					\
	if (!(va_ op vb_)) {						\
		printf("# %s:%d: " kind " failed: %s %s %s\n",		\
		       __FILE__, __LINE__, #a, #op, #b);		\
		printf("#   observed: %#" PRIx64 " vs %#" PRIx64 " (%" PRId64 " vs %" PRId64 ")\n", \
		       (uint64_t)va_, (uint64_t)vb_, (int64_t)va_, (int64_t)vb_); \
		fflush(stdout);						\
		if (fatal)						\
			vtest_fail_now();				\
		vtest_failed_expect = 1;				\
	}								\
} while (0)

#define ASSERT_EQ(a, b)	VTEST_CMP_("ASSERT", a, ==, b, 1)
#define ASSERT_NE(a, b)	VTEST_CMP_("ASSERT", a, !=, b, 1)
#define ASSERT_LT(a, b)	VTEST_CMP_("ASSERT", a, <, b, 1)
#define ASSERT_LE(a, b)	VTEST_CMP_("ASSERT", a, <=, b, 1)
#define ASSERT_GT(a, b)	VTEST_CMP_("ASSERT", a, >, b, 1)
#define ASSERT_GE(a, b)	VTEST_CMP_("ASSERT", a, >=, b, 1)
#define ASSERT_TRUE(a)	VTEST_CMP_("ASSERT", !!(a), ==, 1, 1)
#define ASSERT_FALSE(a)	VTEST_CMP_("ASSERT", !!(a), ==, 0, 1)
#define EXPECT_EQ(a, b)	VTEST_CMP_("EXPECT", a, ==, b, 0)
#define EXPECT_NE(a, b)	VTEST_CMP_("EXPECT", a, !=, b, 0)
#define EXPECT_TRUE(a)	VTEST_CMP_("EXPECT", !!(a), ==, 1, 0)
#define EXPECT_FALSE(a)	VTEST_CMP_("EXPECT", !!(a), ==, 0, 0)
#ifndef EXPECT_GE
#define EXPECT_LT(a, b)	VTEST_CMP_("EXPECT", a, <, b, 0)
#define EXPECT_LE(a, b)	VTEST_CMP_("EXPECT", a, <=, b, 0)
#define EXPECT_GT(a, b)	VTEST_CMP_("EXPECT", a, >, b, 0)
#define EXPECT_GE(a, b)	VTEST_CMP_("EXPECT", a, >=, b, 0)
#endif
#define ASSERT_STREQ(a, b) do {						\
	const char *sa_ = (a), *sb_ = (b);				\
	if (!sa_ || !sb_ || strcmp(sa_, sb_)) {				\
		printf("# %s:%d: ASSERT failed: %s == %s\n#   observed: \"%s\" vs \"%s\"\n", \
		       __FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
		fflush(stdout);						\
		vtest_fail_now();					\
	}								\
} while (0)
#define SKIP(...)	vtest_skip(__VA_ARGS__)

/* "name" or "name.variant" */
VTEST_FN const char *vtest_full_name(const struct vtest_case *c, char *buf, size_t len)
{
	if (!c->variant)
		return c->name;
	snprintf(buf, len, "%s.%s", c->name, c->variant);
	return buf;
}

/* -r NAME picks the case of that full name, or every variant of NAME. */
VTEST_FN bool vtest_selected(const struct vtest_case *c, const char *only)
{
	char full[512];

	return !only || !strcmp(only, c->name) ||
	       !strcmp(only, vtest_full_name(c, full, sizeof(full)));
}

/* Two cases of one full name: -r could not pick one, results would mix. */
VTEST_FN bool vtest_duplicate_name(void)
{
	char a[512], b[512];

	for (unsigned i = 0; i < vtest_ncases; i++)
		for (unsigned k = i + 1; k < vtest_ncases; k++)
			if (!strcmp(vtest_full_name(&vtest_cases[i], a, sizeof(a)),
				    vtest_full_name(&vtest_cases[k], b, sizeof(b)))) {
				printf("# vtest: '%s' twice\n", a);
				return true;
			}
	return false;
}

/* Copy what a case printed from its file to `to`. */
VTEST_FN void vtest_copy(FILE *from, FILE *to)
{
	char buf[4096];
	size_t n;

	rewind(from);
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
		fwrite(buf, 1, n, to);
	fflush(to);
}

/* The case running now, for a SIGINT/SIGTERM of the runner to end too. */
static volatile sig_atomic_t vtest_running;

VTEST_FN void vtest_on_signal(int sig)
{
	if (vtest_running > 0)
		kill(-(pid_t)vtest_running, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The case's process: its own group, so a timeout ends what it forked. */
__attribute__((noreturn)) VTEST_FN void vtest_child(const struct vtest_case *c, FILE *out)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	setpgid(0, 0);
	/* a background group that touches the terminal is stopped (SIGTTIN,
	 * SIGTTOU) until its timeout: no case reads it, so nothing can */
	if (isatty(STDIN_FILENO)) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			close(null);
		}
	}
	if (out)
		dup2(fileno(out), STDOUT_FILENO);
	vtest_case_pid = getpid();
	c->fn(c->row);
	vtest_run_defers();
	fflush(stdout);
	/* _exit() skips LSan's own check: an ASan build runs it here */
	if (vrc_lsan_child_leaked()) {
		printf("# LeakSanitizer: the case leaked memory (its report is on stderr)\n");
		fflush(stdout);
		_exit(1);
	}
	_exit(vtest_failed_expect ? 1 : 0);
}

VTEST_FN int64_t vtest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the case; past its timeout kill its process group. True if it
 * timed out. A pidfd wakes us when it ends; without one, poll every 10 ms. */
VTEST_FN bool vtest_wait(pid_t pid, unsigned timeout_s, int *status)
{
	int64_t deadline = vtest_now_ms() + (int64_t)timeout_s * 1000;
	int pfd = -1;

#ifdef SYS_pidfd_open
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		int64_t left = deadline - vtest_now_ms();

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			printf("# vtest: waitpid: %s\n", strerror(errno));
			*status = 1 << 8;	/* as if it exited 1: not a pass */
			break;
		}
		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			if (pfd >= 0)
				close(pfd);
			return true;
		}
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };

			poll(&p, 1, left > 1000 ? 1000 : (int)left);
		} else {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	if (pfd >= 0)
		close(pfd);
	return false;
}

enum vtest_result { VTEST_PASS, VTEST_FAIL, VTEST_SKIP };

/*
 * A case prints into a temporary file; when it ends that goes to stdout,
 * and for a failing case to stderr as well: `prove` shows stderr without
 * -v, so a CI log carries the diagnostics of what failed.
 */
VTEST_FN enum vtest_result vtest_run_one(const struct vtest_case *c, unsigned num)
{
	FILE *out = tmpfile();
	enum vtest_result res = VTEST_FAIL;
	char full[512];
	const char *name = vtest_full_name(c, full, sizeof(full));
	int status = 0;

	vtest_shared->skip_reason[0] = 0;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		printf("not ok %u %s # fork failed: %s\n", num, name, strerror(errno));
		if (out)
			fclose(out);
		return VTEST_FAIL;
	}
	if (pid == 0)
		vtest_child(c, out);
	setpgid(pid, pid);	/* the child does too: whichever runs first */
	vtest_running = pid;
	bool timed_out = vtest_wait(pid, c->timeout_s, &status);
	vtest_running = 0;
	if (out)
		vtest_copy(out, stdout);
	vtest_shared->skip_reason[sizeof(vtest_shared->skip_reason) - 1] = 0;
	if (timed_out) {
		printf("# %s: timed out after %u s; its process group was killed\n", name,
		       c->timeout_s);
		printf("not ok %u %s # timeout after %u s\n", num, name, c->timeout_s);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %u %s\n", num, name);
		res = VTEST_PASS;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == VTEST_SKIP_EXIT) {
		printf("ok %u %s # SKIP%s%s\n", num, name,
		       vtest_shared->skip_reason[0] ? " " : "", vtest_shared->skip_reason);
		res = VTEST_SKIP;
	} else if (WIFSIGNALED(status)) {
		printf("not ok %u %s # killed by signal %d (%s)\n", num, name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else {
		printf("not ok %u %s\n", num, name);
	}
	if (res == VTEST_FAIL && out) {
		fprintf(stderr, "# --- %s failed; what it printed:\n", name);
		vtest_copy(out, stderr);
	}
	if (out)
		fclose(out);
	return res;
}

/* kselftest's exit codes, but 0 under prove for a program that only skipped. */
VTEST_FN int vtest_exit_code(unsigned fail, unsigned skip, unsigned n)
{
	if (fail)
		return 1;
	if (skip < n)
		return 0;
	if (getenv("HARNESS_ACTIVE")) {
		printf("# every case skipped: exit 0 for prove (kselftest's is %d)\n",
		       VTEST_SKIP_EXIT);
		return 0;
	}
	return VTEST_SKIP_EXIT;
}

VTEST_FN int vtest_main(int argc, char **argv)
{
	const char *only = NULL;
	char full[512];

	/* no case at all is a broken program (or harness), not a skip */
	if (!vtest_reg_error && vtest_duplicate_name())
		vtest_reg_error = "two cases have one name (a variant table's rows?)";
	if (vtest_reg_error || vtest_ncases == 0) {
		printf("Bail out! vtest: %s\n",
		       vtest_reg_error ? vtest_reg_error : "no test case registered");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-l")) {
			for (unsigned k = 0; k < vtest_ncases; k++)
				printf("%s\n", vtest_full_name(&vtest_cases[k], full, sizeof(full)));
			return 0;
		} else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
			only = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [-l] [-r CASE]\n", argv[0]);
			return 2;
		}
	}
	unsigned n = 0;
	for (unsigned k = 0; k < vtest_ncases; k++)
		n += vtest_selected(&vtest_cases[k], only);
	if (only && n == 0) {
		fprintf(stderr, "%s: no test case named '%s'\n", argv[0], only);
		return 2;
	}
	vtest_shared = mmap(NULL, sizeof(*vtest_shared), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vtest_shared == MAP_FAILED) {
		printf("Bail out! vtest: mmap of the shared page: %s\n", strerror(errno));
		return 1;
	}
	struct sigaction sa = { .sa_handler = vtest_on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	printf("KTAP version 1\n1..%u\n", n);
	unsigned count[3] = { 0, 0, 0 }, num = 0;
	for (unsigned k = 0; k < vtest_ncases; k++)
		if (vtest_selected(&vtest_cases[k], only))
			count[vtest_run_one(&vtest_cases[k], ++num)]++;
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       count[VTEST_PASS], count[VTEST_FAIL], count[VTEST_SKIP]);
	munmap(vtest_shared, sizeof(*vtest_shared));
	vtest_shared = NULL;
	free(vtest_cases);
	vtest_cases = NULL;
	return vtest_exit_code(count[VTEST_FAIL], count[VTEST_SKIP], n);
}

#define VTEST_MAIN()	int main(int argc, char **argv) { return vtest_main(argc, argv); }

#endif /* VRC_VTEST_H */
