/* SPDX-License-Identifier: MIT */
/* vrc: run options, clauses, test descriptors, results (shared by the CLI,
 * the runner and the suites). */
#ifndef VRC_HARNESS_VRC_H
#define VRC_HARNESS_VRC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VRC_VERSION	"0.1"

/* SPEC §3 clauses, one bit each. */
enum vrc_clause {
	C_DISC_1, C_DISC_2, C_IRQ_1, C_IRQ_2, C_IRQ_3, C_IRQ_4,
	C_EVT_1, C_EVT_2, C_EVT_3, C_EVT_4, C_EVT_5, C_TEAR_1, C_TEAR_2, C_ISO_1,
	C_NUM_CLAUSES
};
#define CL(c)	(1u << (c))
const char *vrc_clause_name(enum vrc_clause c);
/* "IRQ-2,EVT-1" from a mask, into buf. */
const char *vrc_clauses_str(uint32_t mask, char *buf, size_t len);

enum vrc_result { R_PASS, R_FAIL, R_SKIP, R_TIMEOUT, R_CRASH, R_NUM_RESULTS };
const char *vrc_result_name(enum vrc_result r);

struct vrc_opts {
	const char *backend;	/* "sim" (gvt: a later issue) */
	const char *model;	/* sim model */
	const char *abi;	/* "v5|v6|v7" or NULL: the model's */
	const char *suite;	/* glob over test names and clause ids, NULL: all */
	const char *out;	/* results dir, NULL: results/<run-id> */
	const char *sim_path;	/* vgpu-sim binary */
	bool destructive;
	int timeout_s;		/* per test */
	int verbose;
	FILE *ktap;		/* where KTAP goes (stdout) */
	bool no_results;	/* do not write results/ (nested runs write their own) */
};

struct vt;
struct vrc_test {
	const char *name;	/* igt-style, dashes */
	uint32_t clauses;	/* CL(C_...) mask of what it checks */
	const char *desc;	/* one line: what it does and why */
	unsigned flags;
#define VT_DESTRUCTIVE	(1u << 0)	/* can take a host down on real hardware */
#define VT_TWO_VGPUS	(1u << 1)	/* needs two vGPU instances at once */
	enum vrc_result (*run)(struct vt *t);
};

extern const struct vrc_test *const vrc_all_tests[];
extern const unsigned vrc_num_tests;

/* A SHOULD measurement (SPEC §3): reported with the run, not a verdict. */
struct vrc_measurement {
	char name[40];		/* snake_case, e.g. "idle_signal_rate" */
	char unit[16];		/* "signals/vblank", "us", ... */
	double value;
};
#define VRC_MAX_MEASUREMENTS	12

/* One finished test. */
struct vrc_test_record {
	const struct vrc_test *test;
	enum vrc_result result;
	uint32_t violated;	/* clauses found violated (fail/crash/timeout) */
	double duration_s;
	char reason[640];
	bool reason_shown;	/* the test printed it already as a diagnostic */
	unsigned nmeas;
	struct vrc_measurement meas[VRC_MAX_MEASUREMENTS];
};

struct vrc_run {
	char run_id[64];
	char dir[512];
	char abi_found[8];
	int irq_index;
	unsigned ntests;
	struct vrc_test_record *rec;
	unsigned count[R_NUM_RESULTS];
	uint32_t flagged;	/* union of violated clauses */
};

/* Run every selected test; returns 0 all passed, 1 some failed, 2 harness error. */
int vrc_run(const struct vrc_opts *o, struct vrc_run *run);
void vrc_run_free(struct vrc_run *run);
bool vrc_test_selected(const struct vrc_opts *o, const struct vrc_test *t);

/* results.json (json-c), rewritten atomically after every test. */
int vrc_results_write(const struct vrc_opts *o, const struct vrc_run *run,
		      const char *started, const char *finished);

/* 1 if sysfs_root ("/sys") shows a GVT-g capable i915; bdf says which. */
int vrc_gvt_detect(const char *sysfs_root, char *bdf, size_t len);

/* vrc mutation: every model against the suite, model x clause table. */
int vrc_mutation(const struct vrc_opts *o);

#endif /* VRC_HARNESS_VRC_H */
