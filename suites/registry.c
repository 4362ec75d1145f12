// SPDX-License-Identifier: MIT
/* Every conformance test, in the order a run executes them: the suites'
 * tables (one per suite file) in VRC_SUITES' order. */
#include "registry.h"

#define VRC_SUITE_ENTRY(s)	&vrc_suite_##s,
static const struct vrc_suite *const suites[] = { VRC_SUITES(VRC_SUITE_ENTRY) };

int vrc_suites_registry(struct vrc_registry *r, char *err, size_t len)
{
	return vrc_registry_init(r, suites, sizeof(suites) / sizeof(suites[0]), err, len);
}
