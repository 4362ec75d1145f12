/* SPDX-License-Identifier: MIT */
/*
 * The conformance suites: one table of tests per suite file, and the
 * registry vrc runs, their tables concatenated in VRC_SUITES' order.
 */
#ifndef VRC_SUITES_REGISTRY_H
#define VRC_SUITES_REGISTRY_H

#include <stddef.h>

#include "harness/vrc/vrc.h"

/*
 * Every suite file, in run order: KTAP's and results.json's order, which
 * baselines and mustpass lists are compared in. A new suite file defines
 * `const struct vrc_suite vrc_suite_NAME = VRC_SUITE("NAME", its_table);`
 * and is named here once.
 */
#define VRC_SUITES(X)							\
	X(disc) X(irq) X(irq_states) X(irq_product) X(irq_refs)		\
	X(evt) X(iso) X(tear) X(tear_cursor)				\
	X(rt) X(rt_tear) X(rt_tear_cursor) X(rt_iso)			\
	X(igt)

#define VRC_SUITE_DECLARE(s)	extern const struct vrc_suite vrc_suite_##s;
VRC_SUITES(VRC_SUITE_DECLARE)
#undef VRC_SUITE_DECLARE

/* r: every suite's tests in run order; -1 with why in err (a name twice,
 * a row without a name or function, more than VRC_MAX_TESTS). */
int vrc_suites_registry(struct vrc_registry *r, char *err, size_t len);

#endif /* VRC_SUITES_REGISTRY_H */
