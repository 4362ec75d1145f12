// SPDX-License-Identifier: MIT
/* vrc compare: gating a run against a baseline (compare.h). */
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

static const char *const change_names[CH_NUM] = {
	"regressed", "lost-coverage", "fixed", "still-failing", "new", "removed", "unchanged",
};

const char *vrc_change_name(enum vrc_change c)
{
	return (unsigned)c < CH_NUM ? change_names[c] : "?";
}

/* ---- mustpass lists */

static bool glob_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-_.*?[]!", c));
}

/* s[0..n) without the blanks around it. */
static const char *trim(const char *s, size_t *n)
{
	while (*n && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\r'))
		(*n)--;
	return s;
}

/* One line (comment stripped, trimmed, not empty) into e; NULL, or what is wrong. */
static const char *parse_entry(const char *s, size_t n, struct vrc_mustpass_entry *e,
			       char *why, size_t whylen)
{
	static const char key[] = "skip-ok:";
	size_t p = 0;

	while (p < n && s[p] != ' ' && s[p] != '\t')
		p++;
	if (p >= sizeof(e->pat))
		return "the test name is longer than 127 characters";
	for (size_t i = 0; i < p; i++)
		if (!glob_char(s[i])) {
			snprintf(why, whylen, "'%.*s' is not a test name or glob", (int)p, s);
			return why;
		}
	memcpy(e->pat, s, p);
	e->pat[p] = 0;
	size_t rn = n - p;
	const char *r = trim(s + p, &rn);
	if (!rn)
		return NULL;
	if (rn < sizeof(key) - 1 || memcmp(r, key, sizeof(key) - 1)) {
		snprintf(why, whylen, "'%.*s' after the test name: want 'skip-ok: REASON'",
			 (int)(rn < 40 ? rn : 40), r);
		return why;
	}
	rn -= sizeof(key) - 1;
	r = trim(r + sizeof(key) - 1, &rn);
	if (!rn)
		return "'skip-ok:' without a reason (a part of the skip reasons it allows)";
	if (rn >= sizeof(e->skip_ok))
		return "the skip-ok reason is longer than 127 characters";
	for (size_t i = 0; i < rn; i++)
		if (r[i] < 0x20 || r[i] > 0x7e)
			return "the skip-ok reason holds a control or non-ASCII character";
	memcpy(e->skip_ok, r, rn);
	e->skip_ok[rn] = 0;
	return NULL;
}

int vrc_mustpass_parse(const char *name, const char *text, size_t len, struct vrc_mustpass *m,
		       char *err, size_t errlen)
{
	unsigned line = 0;
	size_t off = 0;
	char why[200];

	memset(m, 0, sizeof(*m));
	m->e = calloc(VRC_MUSTPASS_MAX, sizeof(*m->e));
	if (!m->e) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		const char *s = text + off, *bad;
		line++;
		off += n + 1;
		const char *hash = memchr(s, '#', n);
		if (hash)
			n = (size_t)(hash - s);
		s = trim(s, &n);
		if (!n)
			continue;
		if (m->n >= VRC_MUSTPASS_MAX) {
			snprintf(err, errlen, "%s:%u: more than %u entries", name, line,
				 VRC_MUSTPASS_MAX);
			goto bad;
		}
		if ((bad = parse_entry(s, n, &m->e[m->n], why, sizeof(why)))) {
			snprintf(err, errlen, "%s:%u: %s", name, line, bad);
			goto bad;
		}
		m->e[m->n++].line = line;
	}
	return 0;
bad:
	vrc_mustpass_free(m);
	return -1;
}

int vrc_mustpass_load(const char *path, struct vrc_mustpass *m, char *err, size_t errlen)
{
	size_t len;
	char *text = vrc_read_file(path, 1u << 20, &len, err, errlen);

	memset(m, 0, sizeof(*m));
	if (!text)
		return -1;
	int rc = -1;
	if (strlen(text) != len)
		snprintf(err, errlen, "%s: holds a NUL", path);
	else
		rc = vrc_mustpass_parse(path, text, len, m, err, errlen);
	free(text);
	return rc;
}

bool vrc_mustpass_match(const struct vrc_mustpass *m, const char *name)
{
	for (unsigned i = 0; i < m->n; i++)
		if (!fnmatch(m->e[i].pat, name, 0))
			return true;
	return false;
}

bool vrc_mustpass_skip_ok(const struct vrc_mustpass *m, const char *name, const char *reason)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->e[i].skip_ok[0] && !fnmatch(m->e[i].pat, name, 0) &&
		    strstr(reason, m->e[i].skip_ok))
			return true;
	return false;
}

void vrc_mustpass_free(struct vrc_mustpass *m)
{
	free(m->e);
	m->e = NULL;
	m->n = 0;
}

/* ---- the comparison */

/* No verdict: the test did not judge the device. */
static bool skipped(enum vrc_result r)
{
	return r == R_SKIP || r == R_NOTRUN;
}

static int cmp_tests(const void *a, const void *b)
{
	const struct vrc_cmp_test *x = a, *y = b;

	if (x->blocks != y->blocks)
		return x->blocks ? -1 : 1;
	if (x->change != y->change)
		return (int)x->change - (int)y->change;
	return strcmp(x->name, y->name);
}

static void add_meas(struct vrc_comparison *c, const struct vrc_lt *b, const struct vrc_lt *r)
{
	for (unsigned i = 0; i < b->nmeas; i++)
		for (unsigned k = 0; k < r->nmeas; k++) {
			if (strcmp(b->meas[i].name, r->meas[k].name))
				continue;
			double bv = b->meas[i].value, rv = r->meas[k].value, pct;
			if (bv == rv)
				pct = 0;
			else if (bv == 0)
				pct = INFINITY;
			else
				pct = (rv - bv) / fabs(bv) * 100.0;
			if (fabs(pct) > c->threshold_pct) {
				struct vrc_cmp_meas *m = &c->m[c->nmeas++];
				m->test = r->name;
				m->name = r->meas[k].name;
				m->unit = r->meas[k].unit;
				m->base = bv;
				m->run = rv;
				m->pct = pct;
			}
		}
}

int vrc_compare(const struct vrc_loaded *base, const struct vrc_loaded *run,
		const struct vrc_mustpass *mp, double threshold_pct, struct vrc_comparison *c)
{
	size_t cap = (size_t)base->ntests + run->ntests;

	memset(c, 0, sizeof(*c));
	c->threshold_pct = threshold_pct;
	c->mustpass = mp != NULL;
	c->t = calloc(cap ? cap : 1, sizeof(*c->t));
	c->m = calloc(cap ? cap * VRC_MAX_MEASUREMENTS : 1, sizeof(*c->m));
	if (!c->t || !c->m) {
		vrc_comparison_free(c);
		return -1;
	}
	for (unsigned i = 0; i < run->ntests; i++) {
		const struct vrc_lt *r = &run->t[i], *b = vrc_loaded_find(base, r->name);
		struct vrc_cmp_test *t = &c->t[c->n++];
		bool rf = vrc_result_is_failure(r->result), rs = skipped(r->result);
		t->name = r->name;
		t->run = r;
		t->base = b;
		t->gates = !mp || vrc_mustpass_match(mp, r->name);
		t->skip_ok = rs && mp && vrc_mustpass_skip_ok(mp, r->name, r->reason);
		if (!b)
			t->change = CH_NEW;
		else if (rs && !skipped(b->result))
			t->change = CH_LOST_COVERAGE;
		else if (vrc_result_is_failure(b->result))
			t->change = rf ? CH_STILL_FAILING : CH_FIXED;
		else
			t->change = rf ? CH_REGRESSED : CH_UNCHANGED;
		/* without a list, what got worse blocks, coverage lost included; a
		 * mustpass test must pass, or skip for a reason the list allows */
		t->blocks = t->gates && (mp ? rf || (rs && !t->skip_ok) :
					 (t->change == CH_REGRESSED || t->change == CH_LOST_COVERAGE ||
					  (t->change == CH_NEW && rf)));
		if (b)
			add_meas(c, b, r);
	}
	for (unsigned i = 0; i < base->ntests; i++) {
		const struct vrc_lt *b = &base->t[i];
		if (vrc_loaded_find(run, b->name))
			continue;
		struct vrc_cmp_test *t = &c->t[c->n++];
		t->name = b->name;
		t->base = b;
		t->change = CH_REMOVED;
		t->gates = !mp || vrc_mustpass_match(mp, b->name);
		t->blocks = mp && t->gates;	/* a mustpass test that did not run */
	}
	/* a mustpass entry that names no test of the run: not run, or a stale list */
	if (mp && !(c->missing = calloc(mp->n ? mp->n : 1, sizeof(*c->missing)))) {
		vrc_comparison_free(c);
		return -1;
	}
	for (unsigned i = 0; mp && i < mp->n; i++) {
		bool any = false;
		for (unsigned k = 0; k < run->ntests && !any; k++)
			any = !fnmatch(mp->e[i].pat, run->t[k].name, 0);
		if (!any)
			c->missing[c->nmissing++] = mp->e[i].pat;
	}
	c->nblocking += c->nmissing;
	for (unsigned i = 0; i < c->n; i++) {
		c->count[c->t[i].change]++;
		c->nblocking += c->t[i].blocks;
	}
	qsort(c->t, c->n, sizeof(*c->t), cmp_tests);
	return 0;
}

void vrc_comparison_free(struct vrc_comparison *c)
{
	free(c->t);
	free(c->m);
	free(c->missing);
	memset(c, 0, sizeof(*c));
}

static void attempts(FILE *f, const struct vrc_lt *t)
{
	if (!t || t->nattempts < 2)
		return;
	fprintf(f, " [%s:", t->flaky ? "FLAKY" : "reran");
	for (unsigned k = 0; k < t->nattempts; k++)
		fprintf(f, " %s", vrc_result_name(t->attempt[k]));
	fprintf(f, "]");
}

/* A skip's reason, and why it blocks or why not, on the test's own line. */
static void skip_why(FILE *f, const struct vrc_comparison *c, const struct vrc_cmp_test *t)
{
	fprintf(f, ": '%s'", t->run->reason[0] ? t->run->reason : "no reason given");
	if (t->skip_ok)
		fprintf(f, " (allowed: skip-ok in the mustpass list)");
	else if (t->blocks)
		fprintf(f, " -- %s%s", t->change == CH_LOST_COVERAGE ? "lost coverage" :
			"a mustpass test must pass", c->mustpass ? " (no skip-ok of the mustpass "
			"list allows this reason)" : "");
}

void vrc_comparison_print(FILE *f, const struct vrc_comparison *c, const struct vrc_loaded *base,
			  const struct vrc_loaded *run, bool verbose)
{
	fprintf(f, "vrc compare: baseline %s (%s, model %s, abi %s)\n", base->run_id,
		base->backend, base->model, base->abi_found);
	fprintf(f, "             run      %s (%s, model %s, abi %s)\n", run->run_id,
		run->backend, run->model, run->abi_found);
	for (unsigned i = 0; i < c->n; i++) {
		const struct vrc_cmp_test *t = &c->t[i];
		if (t->change == CH_UNCHANGED && !t->blocks && !verbose &&
		    !(t->run && t->run->flaky))
			continue;
		char upper[20];
		size_t k;
		for (k = 0; change_names[t->change][k] && k < sizeof(upper) - 1; k++)
			upper[k] = (char)(change_names[t->change][k] - ('a' <= change_names[t->change][k] &&
					  change_names[t->change][k] <= 'z' ? 32 : 0));
		upper[k] = 0;
		fprintf(f, "%s %-14s %-34s %-10s -> %s", t->blocks ? "!" : " ", upper, t->name,
			t->base ? vrc_result_name(t->base->result) : "-",
			t->run ? vrc_result_name(t->run->result) : "-");
		attempts(f, t->run);
		if (!t->gates)
			fprintf(f, " (not in mustpass)");
		if (t->run && skipped(t->run->result) &&
		    (t->blocks || t->skip_ok || t->change == CH_LOST_COVERAGE))
			skip_why(f, c, t);
		if (t->run && vrc_result_is_failure(t->run->result) && t->run->reason[0])
			fprintf(f, "\n    %s", t->run->reason);
		fprintf(f, "\n");
	}
	for (unsigned i = 0; i < c->nmeas; i++) {
		const struct vrc_cmp_meas *m = &c->m[i];
		if (isinf(m->pct))
			fprintf(f, "  MEASUREMENT    %-34s %s: %.6g -> %.6g %s (from zero)\n", m->test,
				m->name, m->base, m->run, m->unit);
		else
			fprintf(f, "  MEASUREMENT    %-34s %s: %.6g -> %.6g %s (%+.1f%%)\n", m->test,
				m->name, m->base, m->run, m->unit, m->pct);
	}
	for (unsigned i = 0; i < c->nmissing; i++)
		fprintf(f, "! MISSING        %-34s mustpass entry matches no test of the run\n",
			c->missing[i]);
	fprintf(f, "summary:");
	for (unsigned k = 0; k < CH_NUM; k++)
		fprintf(f, " %s %u%s", change_names[k], c->count[k], k + 1 < CH_NUM ? "," : "");
	fprintf(f, "; measurements beyond %.3g%%: %u\n", c->threshold_pct, c->nmeas);
	if (c->nblocking)
		fprintf(f, "verdict: REGRESSION (%u test%s marked !)\n", c->nblocking,
			c->nblocking == 1 ? "" : "s");
	else
		fprintf(f, "verdict: no regression\n");
}

/* ---- the command */

static void usage(FILE *f)
{
	fprintf(f,
"usage: vrc compare [options] BASELINE RUN\n"
"\n"
"Gate RUN against BASELINE (each a run folder or a results.json). Every test\n"
"is classified: regressed, lost-coverage (a pass or failure in BASELINE, a\n"
"skip in RUN), fixed, still-failing, new, removed, unchanged; what blocks\n"
"comes first, marked '!', one line a test (a skip's line gives its reason).\n"
"Without a list, regressions, lost coverage and new failures block. SHOULD\n"
"measurements that moved by more than the threshold are listed (they never\n"
"gate). A flaky test (see vrc run --rerun-failures) keeps its first failure\n"
"as its verdict and is marked FLAKY.\n"
"\n"
"options:\n"
"  --threshold=PCT   report measurements that changed by more than PCT percent\n"
"                    (default 20)\n"
"  --mustpass=FILE   only the tests this list names gate, and each of them\n"
"                    must pass in RUN: not fail, skip or be missing. A line:\n"
"                      NAME-OR-GLOB [skip-ok: REASON]   # comment\n"
"                    skip-ok allows a skip whose reason contains REASON, e.g.\n"
"                      irq-invalid-requests-oops  skip-ok: destructive\n"
"                    (suites/mustpass-sim.txt, -gvt.txt). A bad line is exit 2\n"
"                    naming FILE:LINE\n"
"  --verbose         also list unchanged tests\n"
"\n"
"exit status: 0 no regression, 1 regression (a test marked '!'), 2 bad input\n");
}

int vrc_cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "mustpass", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *mustpass = NULL;
	double threshold = 20.0;
	bool verbose = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			char *end;
			threshold = strtod(optarg, &end);
			if (end == optarg || *end || !isfinite(threshold) || threshold < 0 ||
			    threshold > 1e6) {
				fprintf(stderr, "vrc compare: --threshold=%s: want a percentage from 0 "
					"to 1000000\n", optarg);
				return 2;
			}
			break;
		}
		case 'm': mustpass = optarg; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "vrc compare: want BASELINE and RUN (see vrc compare --help)\n");
		return 2;
	}
	struct vrc_loaded base, run;
	struct vrc_mustpass mp = { 0 };
	struct vrc_comparison cmp;
	char err[1024];
	int rc = 2;

	if (vrc_results_load(argv[optind], &base, err, sizeof(err))) {
		fprintf(stderr, "vrc compare: baseline %s\n", err);
		return 2;
	}
	if (vrc_results_load(argv[optind + 1], &run, err, sizeof(err))) {
		fprintf(stderr, "vrc compare: run %s\n", err);
		vrc_loaded_free(&base);
		return 2;
	}
	if (mustpass && vrc_mustpass_load(mustpass, &mp, err, sizeof(err))) {
		fprintf(stderr, "vrc compare: --mustpass=%s\n", err);
		goto out;
	}
	if (vrc_compare(&base, &run, mustpass ? &mp : NULL, threshold, &cmp)) {
		fprintf(stderr, "vrc compare: out of memory\n");
		goto out;
	}
	vrc_comparison_print(stdout, &cmp, &base, &run, verbose);
	rc = cmp.nblocking ? 1 : 0;
	vrc_comparison_free(&cmp);
out:
	vrc_mustpass_free(&mp);
	vrc_loaded_free(&base);
	vrc_loaded_free(&run);
	return rc;
}
