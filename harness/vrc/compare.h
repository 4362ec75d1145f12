/* SPDX-License-Identifier: MIT */
/*
 * Gating a run against a baseline (vrc compare, and the report's compare
 * section). Every test is classified; a regression is a gating test that
 * got worse: passed (or skipped) in the baseline and fails now, or is new
 * and fails. Lost coverage is a test that had a verdict (pass or failure)
 * in the baseline and skips now: it blocks too, as a skip can hide a
 * broken device (one without the display irq skips every test). With a
 * mustpass list only the tests it names gate, and each of them must pass
 * (not fail, skip or be missing) in the run whatever the baseline says,
 * unless the list allows that skip's reason (skip-ok). SHOULD measurements
 * that moved more than the threshold are listed, never gating (they are
 * not verdicts).
 */
#ifndef VRC_COMPARE_H
#define VRC_COMPARE_H

#include <stdio.h>
#include "results_read.h"

enum vrc_change { CH_REGRESSED, CH_LOST_COVERAGE, CH_FIXED, CH_STILL_FAILING, CH_NEW, CH_REMOVED,
		  CH_UNCHANGED, CH_NUM };
const char *vrc_change_name(enum vrc_change c);

struct vrc_cmp_test {
	const char *name;
	const struct vrc_lt *base, *run;	/* NULL: absent there */
	enum vrc_change change;
	bool gates;		/* in the mustpass list (or no list given) */
	bool blocks;		/* this one makes the comparison fail */
	bool skip_ok;		/* it skips for a reason the mustpass list allows */
};

struct vrc_cmp_meas {
	const char *test, *name, *unit;
	double base, run;
	double pct;		/* relative change in %, INFINITY from 0 */
};

/*
 * A mustpass list: one entry a line, '#' starts a comment:
 *
 *   NAME-OR-GLOB                      the tests it matches must pass
 *   NAME-OR-GLOB  skip-ok: REASON     ... or skip with a reason containing
 *                                     REASON (printable ASCII, no '#')
 *
 * A test may be named on several lines; a skip is allowed when any line
 * matching it allows its reason. Errors read "FILE:LINE: what is wrong".
 */
struct vrc_mustpass_entry {
	char pat[128];
	char skip_ok[128];	/* "": no skip allowed by this line */
	unsigned line;
};
struct vrc_mustpass {
	unsigned n;
	struct vrc_mustpass_entry *e;
};
#define VRC_MUSTPASS_MAX	1024u
int vrc_mustpass_load(const char *path, struct vrc_mustpass *m, char *err, size_t errlen);
/* name: the file's name in errors. */
int vrc_mustpass_parse(const char *name, const char *text, size_t len, struct vrc_mustpass *m,
		       char *err, size_t errlen);
bool vrc_mustpass_match(const struct vrc_mustpass *m, const char *name);
/* Does a line of m that matches the test allow a skip with this reason? */
bool vrc_mustpass_skip_ok(const struct vrc_mustpass *m, const char *name, const char *reason);
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
	bool mustpass;		/* compared with a mustpass list */
};

/* mp NULL: every test gates. 0, or -1 (out of memory). */
int vrc_compare(const struct vrc_loaded *base, const struct vrc_loaded *run,
		const struct vrc_mustpass *mp, double threshold_pct, struct vrc_comparison *c);
void vrc_comparison_free(struct vrc_comparison *c);
/* Human-readable, regressions first; verbose also lists unchanged tests. */
void vrc_comparison_print(FILE *f, const struct vrc_comparison *c, const struct vrc_loaded *base,
			  const struct vrc_loaded *run, bool verbose);

#endif
