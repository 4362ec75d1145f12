/* SPDX-License-Identifier: MIT */
/*
 * A small kselftest-style harness for the project's own self-tests: TEST()
 * registers a case, main() runs each in a forked child with a timeout and
 * prints KTAP, so `prove` reads the results and a crash in one case shows up
 * as that case's failure. ASSERT_* ends the case, EXPECT_* records and goes on.
 *
 *   TEST(caps_rejects_loop) { ... ASSERT_EQ(-EPROTO, rc); }
 *   VTEST_MAIN()
 *
 * Run one case: ./test -r caps_rejects_loop ; list: ./test -l
 */
#ifndef VRC_VTEST_H
#define VRC_VTEST_H

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vrc/lsan.h"

#define VTEST_MAX		256
#define VTEST_TIMEOUT_S		60
#define VTEST_SKIP_EXIT		4

struct vtest_case {
	const char *name;
	void (*fn)(void);
};

static struct vtest_case vtest_cases[VTEST_MAX];
static unsigned vtest_ncases;
static int vtest_failed_expect;

#define TEST(name_)							\
	static void vtest_##name_(void);				\
	__attribute__((constructor)) static void vtest_reg_##name_(void) \
	{								\
		if (vtest_ncases < VTEST_MAX)				\
			vtest_cases[vtest_ncases++] =			\
				(struct vtest_case){ #name_, vtest_##name_ }; \
	}								\
	static void vtest_##name_(void)

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
			_exit(1);					\
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
#define ASSERT_STREQ(a, b) do {						\
	const char *sa_ = (a), *sb_ = (b);				\
	if (!sa_ || !sb_ || strcmp(sa_, sb_)) {				\
		printf("# %s:%d: ASSERT failed: %s == %s\n#   observed: \"%s\" vs \"%s\"\n", \
		       __FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
		fflush(stdout);						\
		_exit(1);						\
	}								\
} while (0)
#define SKIP(...) do { printf("# SKIP: " __VA_ARGS__); printf("\n");	\
	fflush(stdout); _exit(VTEST_SKIP_EXIT); } while (0)

/* Copy what a case printed from its file to `to`. */
static void vtest_copy(FILE *from, FILE *to)
{
	char buf[4096];
	size_t n;

	rewind(from);
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
		fwrite(buf, 1, n, to);
	fflush(to);
}

/*
 * A case prints into a temporary file; when it ends that goes to stdout,
 * and for a failing case to stderr as well: `prove` shows stderr without
 * -v, so a CI log carries the diagnostics of what failed.
 */
static int vtest_run_one(const struct vtest_case *c, unsigned num)
{
	FILE *out = tmpfile();
	int status, failed = 1;

	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("not ok %u %s # fork failed: %s\n", num, c->name, strerror(errno));
		if (out)
			fclose(out);
		return 1;
	}
	if (pid == 0) {
		if (out)
			dup2(fileno(out), STDOUT_FILENO);
		alarm(VTEST_TIMEOUT_S);
		c->fn();
		fflush(stdout);
		/* _exit() skips LSan's own check: an ASan build runs it here */
		if (vrc_lsan_child_leaked()) {
			printf("# LeakSanitizer: the case leaked memory (its report is on stderr)\n");
			fflush(stdout);
			_exit(1);
		}
		_exit(vtest_failed_expect ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out)
		vtest_copy(out, stdout);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %u %s\n", num, c->name);
		failed = 0;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == VTEST_SKIP_EXIT) {
		printf("ok %u %s # SKIP\n", num, c->name);
		failed = 0;
	} else if (WIFSIGNALED(status)) {
		printf("not ok %u %s # killed by signal %d%s\n", num, c->name,
		       WTERMSIG(status), WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	} else {
		printf("not ok %u %s\n", num, c->name);
	}
	if (failed && out) {
		fprintf(stderr, "# --- %s failed; what it printed:\n", c->name);
		vtest_copy(out, stderr);
	}
	if (out)
		fclose(out);
	return failed;
}

static int vtest_main(int argc, char **argv)
{
	const char *only = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-l")) {
			for (unsigned k = 0; k < vtest_ncases; k++)
				printf("%s\n", vtest_cases[k].name);
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
		if (!only || !strcmp(only, vtest_cases[k].name))
			n++;
	if (only && n == 0) {
		fprintf(stderr, "%s: no test case named '%s'\n", argv[0], only);
		return 2;
	}
	printf("KTAP version 1\n1..%u\n", n);
	unsigned failed = 0, num = 0;
	for (unsigned k = 0; k < vtest_ncases; k++)
		if (!only || !strcmp(only, vtest_cases[k].name))
			failed += vtest_run_one(&vtest_cases[k], ++num);
	printf("# Totals: pass:%u fail:%u\n", n - failed, failed);
	return failed ? 1 : 0;
}

#define VTEST_MAIN()	int main(int argc, char **argv) { return vtest_main(argc, argv); }

#endif /* VRC_VTEST_H */
