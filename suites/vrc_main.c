// SPDX-License-Identifier: MIT
/*
 * vrc's main(): the harness's command line given the suites' tests. Here
 * and not in harness/ so that the harness never names a suite: the
 * dependencies run lib <- harness <- suites.
 */
#include <stdio.h>

#include "registry.h"

int main(int argc, char **argv)
{
	static struct vrc_registry tests;
	char err[256];

	if (vrc_suites_registry(&tests, err, sizeof(err))) {
		fprintf(stderr, "vrc: the conformance tests: %s\n", err);
		return VRC_EXIT_HARNESS;
	}
	return vrc_main(argc, argv, &tests);
}
