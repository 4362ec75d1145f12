// SPDX-License-Identifier: MIT
/* The registry: the suites' tables of conformance tests, concatenated. */
#include <stdio.h>
#include <string.h>

#include "vrc.h"

/* Check row k of suite s and add it: -1 with why in err. */
static int add_test(struct vrc_registry *r, const struct vrc_suite *s, unsigned k,
		    char *err, size_t len)
{
	const struct vrc_test *t = &s->tests[k];

	if (!t->name || !t->name[0] || !t->run) {
		snprintf(err, len, "suite %s: row %u has no name or no function", s->name, k);
		return -1;
	}
	if (vrc_registry_find(r, t->name)) {
		snprintf(err, len, "suite %s: test %s is registered twice", s->name, t->name);
		return -1;
	}
	if (r->ntests == VRC_MAX_TESTS) {
		snprintf(err, len, "suite %s: more than %d tests (VRC_MAX_TESTS)", s->name,
			 VRC_MAX_TESTS);
		return -1;
	}
	r->test[r->ntests++] = t;
	return 0;
}

int vrc_registry_init(struct vrc_registry *r, const struct vrc_suite *const *suites,
		      unsigned nsuites, char *err, size_t len)
{
	r->ntests = 0;
	for (unsigned i = 0; i < nsuites; i++)
		for (unsigned k = 0; k < suites[i]->ntests; k++)
			if (add_test(r, suites[i], k, err, len))
				return -1;
	return 0;
}

const struct vrc_test *vrc_registry_find(const struct vrc_registry *r, const char *name)
{
	for (unsigned i = 0; i < r->ntests; i++)
		if (!strcmp(r->test[i]->name, name))
			return r->test[i];
	return NULL;
}
