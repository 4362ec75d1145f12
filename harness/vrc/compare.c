// SPDX-License-Identifier: MIT
/* vrc compare: gating a run against a baseline (compare.h). */
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

static const char *const change_names[CH_NUM] = {
	"regressed", "fixed", "still-failing", "new", "removed", "unchanged",
};

const char *vrc_change_name(enum vrc_change c)
{
	return (unsigned)c < CH_NUM ? change_names[c] : "?";
}

/* ---- mustpass lists */

int vrc_mustpass_parse(const char *text, size_t len, struct vrc_mustpass *m,
		       char *err, size_t errlen)
{
	unsigned line = 0;
	size_t off = 0;

	memset(m, 0, sizeof(*m));
	m->pat = calloc(VRC_MUSTPASS_MAX, sizeof(*m->pat));
	if (!m->pat) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		const char *s = text + off;
		line++;
		off += n + 1;
		/* strip the comment and surrounding blanks */
		const char *hash = memchr(s, '#', n);
		if (hash)
			n = (size_t)(hash - s);
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		if (!n)
			continue;
		if (n >= sizeof(m->pat[0]) || m->n >= VRC_MUSTPASS_MAX) {
			snprintf(err, errlen, "line %u: pattern longer than %zu or more than %u lines",
				 line, sizeof(m->pat[0]) - 1, VRC_MUSTPASS_MAX);
			goto bad;
		}
		for (size_t i = 0; i < n; i++) {
			char c = s[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			      strchr("-_.*?[]!", c))) {
				snprintf(err, errlen, "line %u: '%.*s' is not a test name or glob",
					 line, (int)n, s);
				goto bad;
			}
		}
		memcpy(m->pat[m->n], s, n);
		m->pat[m->n][n] = 0;
		m->n++;
	}
	return 0;
bad:
	vrc_mustpass_free(m);
	return -1;
}

int vrc_mustpass_load(const char *path, struct vrc_mustpass *m, char *err, size_t errlen)
{
	char e[300];
	size_t len;
	char *text = vrc_read_file(path, 1u << 20, &len, err, errlen);

	memset(m, 0, sizeof(*m));
	if (!text)
		return -1;
	int rc = strlen(text) != len ? -1 : vrc_mustpass_parse(text, len, m, e, sizeof(e));
	if (rc)
		snprintf(err, errlen, "%s: %s", path, strlen(text) != len ? "holds a NUL" : e);
	free(text);
	return rc;
}

bool vrc_mustpass_match(const struct vrc_mustpass *m, const char *name)
{
	for (unsigned i = 0; i < m->n; i++)
		if (!fnmatch(m->pat[i], name, 0))
			return true;
	return false;
}

void vrc_mustpass_free(struct vrc_mustpass *m)
{
	free(m->pat);
	m->pat = NULL;
	m->n = 0;
}

/* ---- the comparison */

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
	c->t = calloc(cap ? cap : 1, sizeof(*c->t));
	c->m = calloc(cap ? cap * VRC_MAX_MEASUREMENTS : 1, sizeof(*c->m));
	if (!c->t || !c->m) {
		vrc_comparison_free(c);
		return -1;
	}
	for (unsigned i = 0; i < run->ntests; i++) {
		const struct vrc_lt *r = &run->t[i], *b = vrc_loaded_find(base, r->name);
		struct vrc_cmp_test *t = &c->t[c->n++];
		bool rf = vrc_result_is_failure(r->result);
		t->name = r->name;
		t->run = r;
		t->base = b;
		t->gates = !mp || vrc_mustpass_match(mp, r->name);
		if (!b)
			t->change = CH_NEW;
		else if (vrc_result_is_failure(b->result))
			t->change = rf ? CH_STILL_FAILING : CH_FIXED;
		else
			t->change = rf ? CH_REGRESSED : CH_UNCHANGED;
		/* without a list, only what got worse blocks; a mustpass test
		 * must not fail at all */
		t->blocks = t->gates && (mp ? rf : (t->change == CH_REGRESSED ||
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
			any = !fnmatch(mp->pat[i], run->t[k].name, 0);
		if (!any)
			c->missing[c->nmissing++] = mp->pat[i];
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
"is classified: regressed, fixed, still-failing, new, removed, unchanged;\n"
"regressions come first, marked '!'. SHOULD measurements that moved by more\n"
"than the threshold are listed (they never gate). A flaky test (see vrc run\n"
"--rerun-failures) keeps its first failure as its verdict and is marked FLAKY.\n"
"\n"
"options:\n"
"  --threshold=PCT   report measurements that changed by more than PCT percent\n"
"                    (default 20)\n"
"  --mustpass=FILE   only the tests this list names gate (one name or glob a\n"
"                    line, '#' comments; suites/mustpass-sim.txt, -gvt.txt), and\n"
"                    each of them must not fail or be missing in RUN\n"
"  --verbose         also list unchanged tests\n"
"\n"
"exit status: 0 no regression, 1 regression, 2 bad input\n");
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
