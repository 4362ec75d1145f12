/* SPDX-License-Identifier: MIT */
/*
 * LeakSanitizer for forked children that end in _exit(). LSan checks for
 * leaks from an atexit handler, which _exit() skips: a test run in a child
 * (the runner's test processes, vtest.h's cases) would never be checked.
 * vrc_lsan_child_leaked() runs the check by hand before such an _exit();
 * outside an ASan build it is false and costs nothing.
 *
 * A vgpu-sim daemon exits normally after 'quit', so LSan checks it at exit
 * and, if it leaked, makes its exit status non-zero (1 under ASan), where
 * it is otherwise 0: vrc_sim_stop() counts that.
 *
 * VRC_TEST_PLANT_LEAK in the environment plants a leak (ASan builds only)
 * so that a self-test can show each is reported (harness/tests/t_lsan.sh):
 * "child" just before the check above, "vgpu-sim" as the daemon exits.
 */
#ifndef VRC_LSAN_H
#define VRC_LSAN_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define VRC_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VRC_HAVE_LSAN 1
#endif
#endif

#ifdef VRC_HAVE_LSAN
#include <sanitizer/lsan_interface.h>

/* A block nothing points to any more: what a forgotten free() leaves. */
static __attribute__((noinline)) void vrc_lsan_plant_leak(void)
{
	static void *volatile planted;

	planted = malloc(4242);
	if (planted)
		memset(planted, 0x5a, 4242);
	planted = NULL;
}

/* Plant a leak if VRC_TEST_PLANT_LEAK names `where`. */
static inline void vrc_lsan_plant(const char *where)
{
	const char *plant = getenv("VRC_TEST_PLANT_LEAK");

	if (plant && !strcmp(plant, where))
		vrc_lsan_plant_leak();
}

/* Run LSan now; true (and its report on stderr) if anything leaked. */
static inline bool vrc_lsan_child_leaked(void)
{
	vrc_lsan_plant("child");
	return __lsan_do_recoverable_leak_check() != 0;
}
#else
static inline void vrc_lsan_plant(const char *where)
{
	(void)where;
}

static inline bool vrc_lsan_child_leaked(void)
{
	return false;
}
#endif

#endif /* VRC_LSAN_H */
