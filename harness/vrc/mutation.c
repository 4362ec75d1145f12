// SPDX-License-Identifier: MIT
/*
 * vrc mutation: the suite's power, measured. Every model of SPEC §5 (and the
 * historical revisions) runs against the whole suite; the clauses it is
 * flagged on must be exactly those expected — a missing flag is a test that
 * cannot catch its fault, an extra one is a false failure of the suite.
 * Prints KTAP (one line per model) and the model x clause table.
 *
 * Expectations are SPEC §5's table restricted to the clauses the suite
 * checks so far, with these corrections (each explained in README.md):
 *  - v5, v6 also break IRQ-1: they accept MASK/UNMASK with count 2 on a
 *    count-1 irq, and (destructive) oops on TRIGGER|DATA_EVENTFD count 0;
 *  - late and drop also break EVT-3: a cursor update latches at a vblank
 *    like a flip, and delaying or dropping its signal is the same fault;
 *  - badval, bad-values, sticky-mask and no-unregister are ours: without
 *    them EVT-5, DISC-1, irq-mask-unmask and irq-unregister could not fail;
 *  - TEAR-2 is judged as an event-driven client sees it (its cursor is
 *    refreshed at cursor signals only, and must be the guest's latest one
 *    vblank after an update), which is how no-cursor and curpipe fail it at
 *    all; late, drop and bad-values (no decodable cursor signal) leave such
 *    a client with a stale cursor too;
 *  - early does not fail TEAR-1 here: a guest that writes the surface only
 *    for finished frames gives a capture at the write a complete frame;
 *  - early also breaks EVT-2 and EVT-3: it signals at the register write,
 *    one vblank before the latch, and nothing at the latch. Virtual time
 *    cannot see it (the host reads only after each step, when the counter
 *    already shows the latch vblank); the real-time tests can;
 *  - stale-dmabuf is ours: no model of SPEC §5 hands out a wrong buffer, and
 *    without one TEAR-1 could not fail. It also fails TEAR-2 (the cursor's
 *    second image is served from the first one's dmabuf).
 * The kernel-VER rows are no fault models: they run the reference series'
 * own code (kernel/kmodel-gen.sh), which must pass everything.
 */
#include <stdio.h>
#include <string.h>

#include "vrc.h"

struct expectation {
	const char *model;
	const char *abi;	/* NULL: the model's default */
	uint32_t clauses;
	/* The real-time (rt-*) tests take seconds each, so by default they run
	 * only against the models that between them fail every rt test and
	 * check for false failures (ref, v3); --realtime=all runs them
	 * against every model. */
	bool rt;
};

#define IRQ_ALL	(CL(C_IRQ_1) | CL(C_IRQ_2) | CL(C_IRQ_3) | CL(C_IRQ_4))

static const struct expectation expected[] = {
	{ "ref", NULL, 0, true },
	{ "ref", "v5", 0, false },
	{ "ref", "v7", 0, false },
	{ "v3", NULL, 0, true },
	{ "v5", NULL, IRQ_ALL | CL(C_EVT_1) | CL(C_EVT_3) | CL(C_EVT_4) | CL(C_ISO_1), true },
	{ "v6", NULL, IRQ_ALL | CL(C_EVT_1) | CL(C_EVT_3) | CL(C_EVT_4), true },
	{ "curpipe", NULL, CL(C_EVT_3) | CL(C_TEAR_2), false },
	{ "no-cursor", NULL, CL(C_EVT_3) | CL(C_TEAR_2), false },
	{ "no-curpos", NULL, CL(C_EVT_3), true },
	{ "early", NULL, CL(C_EVT_1) | CL(C_EVT_2) | CL(C_EVT_3), true },
	{ "late", NULL, CL(C_EVT_2) | CL(C_EVT_3) | CL(C_TEAR_2), true },
	{ "drop", NULL, CL(C_EVT_2) | CL(C_EVT_3) | CL(C_TEAR_2), false },
	{ "dup", NULL, CL(C_EVT_1), true },
	{ "bad-caps", NULL, CL(C_DISC_2), false },
	/* A reader that reads the values from the cap, as SPEC §1 demands,
	 * cannot decode anything: every signal-counting clause fails too. */
	{ "bad-values", NULL, CL(C_DISC_1) | CL(C_EVT_2) | CL(C_EVT_3) | CL(C_EVT_4) |
			      CL(C_EVT_5) | CL(C_ISO_1) | CL(C_TEAR_2), true },
	{ "leak", NULL, CL(C_IRQ_3), false },
	{ "sticky-mask", NULL, CL(C_IRQ_2), false },
	{ "no-unregister", NULL, CL(C_IRQ_3), false },
	{ "stale-dmabuf", NULL, CL(C_TEAR_1) | CL(C_TEAR_2), true },
	{ "badval", NULL, CL(C_EVT_5), false },
	{ "badval", "v7", CL(C_EVT_5), false },
	/* the reference kernel series' own code (kernel/VER): clean */
	{ "kernel-6.1", NULL, 0, false },
	{ "kernel-6.12", NULL, 0, false },
	{ "kernel-7.2", NULL, 0, false },
};
#define NEXP	(sizeof(expected) / sizeof(expected[0]))

int vrc_mutation(const struct vrc_opts *base)
{
	uint32_t flagged[NEXP], checked = 0, caught = 0;
	bool test_failed_by_some[vrc_num_tests];
	unsigned bad = 0;
	FILE *out = base->ktap;
	FILE *sink = fopen("/dev/null", "w");

	if (!sink)
		return 2;
	for (unsigned i = 0; i < vrc_num_tests; i++)
		checked |= vrc_all_tests[i]->clauses;
	memset(test_failed_by_some, 0, sizeof(test_failed_by_some));
	fprintf(out, "KTAP version 1\n1..%zu\n", NEXP + 1);
	fflush(out);
	for (unsigned i = 0; i < NEXP; i++) {
		struct vrc_opts o = *base;
		struct vrc_run run;
		char want[128], got[128], name[64];

		o.model = expected[i].model;
		o.abi = expected[i].abi;
		o.suite = NULL;
		o.no_realtime = base->realtime_mutation == VRC_RT_NONE ||
				(base->realtime_mutation == VRC_RT_SOME && !expected[i].rt);
		o.ktap = sink;
		o.no_results = true;
		/* igt's verdicts are about the guest driver, not the irq model */
		o.no_extra = true;
		snprintf(name, sizeof(name), "%s%s%s", o.model, o.abi ? "-abi-" : "",
			 o.abi ? o.abi : "");
		int rc = vrc_run(&o, &run);
		flagged[i] = run.flagged;
		uint32_t want_m = expected[i].clauses & checked;
		/* only the real-time tests can see early's EVT-2/EVT-3 */
		if (o.no_realtime && !strcmp(o.model, "early"))
			want_m &= ~(CL(C_EVT_2) | CL(C_EVT_3));
		vrc_clauses_str(want_m, want, sizeof(want));
		vrc_clauses_str(flagged[i], got, sizeof(got));
		if (rc == 2) {
			fprintf(out, "# %s: the run itself failed (harness error)\n", name);
			fprintf(out, "not ok %u %s\n", i + 1, name);
			bad++;
		} else if (flagged[i] != want_m) {
			fprintf(out, "# %s: expected flags {%s}, got {%s}\n", name, want, got);
			for (unsigned k = 0; k < run.ntests; k++)
				if (run.rec[k].result != R_PASS && run.rec[k].result != R_SKIP)
					fprintf(out, "#   %s: %s: %s\n", run.rec[k].test->name,
						vrc_result_name(run.rec[k].result), run.rec[k].reason);
			fprintf(out, "not ok %u %s\n", i + 1, name);
			bad++;
		} else {
			fprintf(out, "ok %u %s {%s}\n", i + 1, name, got[0] ? got : "no clause");
		}
		caught |= flagged[i];
		for (unsigned k = 0; k < run.ntests; k++)
			for (unsigned j = 0; j < vrc_num_tests; j++)
				if (run.rec[k].test == vrc_all_tests[j] &&
				    run.rec[k].result != R_PASS && run.rec[k].result != R_SKIP)
					test_failed_by_some[j] = true;
		fflush(out);
		vrc_run_free(&run);
	}
	fclose(sink);
	/* The table: rows are models, columns clauses; X flagged, . not. */
	fprintf(out, "# %-16s", "model");
	for (unsigned c = 0; c < C_NUM_CLAUSES; c++)
		if (checked & CL(c))
			fprintf(out, " %-6s", vrc_clause_name(c));
	fprintf(out, "\n");
	for (unsigned i = 0; i < NEXP; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s%s%s", expected[i].model,
			 expected[i].abi ? "/" : "", expected[i].abi ? expected[i].abi : "");
		fprintf(out, "# %-16s", name);
		for (unsigned c = 0; c < C_NUM_CLAUSES; c++)
			if (checked & CL(c))
				fprintf(out, " %-6s", flagged[i] & CL(c) ? "X" : ".");
		fprintf(out, "\n");
	}
	for (unsigned c = 0; c < C_NUM_CLAUSES; c++)
		if ((checked & CL(c)) && !(caught & CL(c)))
			fprintf(out, "# warning: no model is caught by %s: its tests cannot fail\n",
				vrc_clause_name(c));
	/* A test that no known-bad model fails cannot be shown to work. */
	unsigned powerless = 0;
	for (unsigned j = 0; j < vrc_num_tests; j++)
		if (!test_failed_by_some[j] && !(vrc_all_tests[j]->flags & VT_EXTRA)) {
			fprintf(out, "# %s: no model makes it fail\n", vrc_all_tests[j]->name);
			powerless++;
		}
	fprintf(out, "%s %zu every-test-fails-on-some-model\n", powerless ? "not ok" : "ok",
		NEXP + 1);
	bad += powerless != 0;
	fprintf(out, "# Totals: pass:%zu fail:%u\n", NEXP + 1 - bad, bad);
	fflush(out);
	return bad ? 1 : 0;
}

/*
 * vrc mutation --list-expected: the expected[] table as text, one row a line
 * ("MODEL ABI CLAUSES", "-" for the model's default ABI and for no clause),
 * without running anything. harness/tests/t_coverage.sh checks the model and
 * clause pairs that docs/coverage.md claims against it.
 */
int vrc_mutation_list_expected(FILE *out)
{
	for (unsigned i = 0; i < NEXP; i++) {
		char cl[160];

		vrc_clauses_str(expected[i].clauses, cl, sizeof(cl));
		fprintf(out, "%s %s %s\n", expected[i].model,
			expected[i].abi ? expected[i].abi : "-", cl[0] ? cl : "-");
	}
	return fflush(out) || ferror(out) ? 2 : 0;
}
