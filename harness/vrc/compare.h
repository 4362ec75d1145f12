/* SPDX-License-Identifier: MIT */
/*
 * Gating a run against a baseline (vrc compare, and the report's compare
 * section). Every test is classified; a regression is a gating test that
 * got worse: passed (or skipped) in the baseline and fails now, or is new
 * and fails. With a mustpass list only the tests it names gate, and each
 * of them must not fail (nor be missing) in the run whatever the baseline
 * says. SHOULD measurements that moved more than the threshold are listed,
 * never gating (they are not verdicts).
 */
#ifndef VRC_COMPARE_H
#define VRC_COMPARE_H

#include <stdio.h>
#include "results_read.h"

enum vrc_change { CH_REGRESSED, CH_FIXED, CH_STILL_FAILING, CH_NEW, CH_REMOVED, CH_UNCHANGED,
		  CH_NUM };
const char *vrc_change_name(enum vrc_change c);

struct vrc_cmp_test {
	const char *name;
	const struct vrc_lt *base, *run;	/* NULL: absent there */
	enum vrc_change change;
	bool gates;		/* in the mustpass list (or no list given) */
	bool blocks;		/* this one makes the comparison fail */
};

struct vrc_cmp_meas {
	const char *test, *name, *unit;
	double base, run;
	double pct;		/* relative change in %, INFINITY from 0 */
};

/* One test name or glob per line; '#' starts a comment. */
struct vrc_mustpass {
	unsigned n;
	char (*pat)[128];
};
#define VRC_MUSTPASS_MAX	1024u
int vrc_mustpass_load(const char *path, struct vrc_mustpass *m, char *err, size_t errlen);
int vrc_mustpass_parse(const char *text, size_t len, struct vrc_mustpass *m,
		       char *err, size_t errlen);
bool vrc_mustpass_match(const struct vrc_mustpass *m, const char *name);
void vrc_mustpass_free(struct vrc_mustpass *m);

struct vrc_comparison {
	unsigned n;
	struct vrc_cmp_test *t;	/* blocking first, then by change, then by name */
	unsigned nmeas;
	struct vrc_cmp_meas *m;
	unsigned count[CH_NUM];
	unsigned nblocking;	/* blocking tests + missing mustpass entries */
	unsigned nmissing;
	const char **missing;	/* mustpass entries matching no test of the run */
	double threshold_pct;
};

/* mp NULL: every test gates. 0, or -1 (out of memory). */
int vrc_compare(const struct vrc_loaded *base, const struct vrc_loaded *run,
		const struct vrc_mustpass *mp, double threshold_pct, struct vrc_comparison *c);
void vrc_comparison_free(struct vrc_comparison *c);
/* Human-readable, regressions first; verbose also lists unchanged tests. */
void vrc_comparison_print(FILE *f, const struct vrc_comparison *c, const struct vrc_loaded *base,
			  const struct vrc_loaded *run, bool verbose);

#endif
