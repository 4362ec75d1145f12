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

/* The igt vocabulary where it fits: crash is igt's "abort"-like harness
 * failure of one test, incomplete a test that was running when the harness
 * or host died (found on --resume), notrun a planned test that never ran,
 * dmesg-warn/dmesg-fail reserved for host dmesg capture (harness/gvt/). */
enum vrc_result { R_PASS, R_FAIL, R_SKIP, R_TIMEOUT, R_CRASH, R_INCOMPLETE, R_NOTRUN,
		  R_DMESG_WARN, R_DMESG_FAIL, R_NUM_RESULTS };
const char *vrc_result_name(enum vrc_result r);
/* The result called name, or -1. */
int vrc_result_from_name(const char *name);
/* A verdict that gates: everything but pass, skip and notrun. */
bool vrc_result_is_failure(enum vrc_result r);

struct gvt_session;
struct vrc_backend;
struct vrc_opts {
	const char *backend;	/* "sim", "gvt", "mdev" ("auto" is resolved before vrc_run) */
	/* what the backend does (backend.h); NULL: sim */
	const struct vrc_backend *be;
	/* backend gvt: the run's vGPU (an mdev, created and removed by the
	 * caller); each test opens it through a fresh KVM VM. NULL: sim. */
	struct gvt_session *gvt;
	const char *kmsg_path;	/* gvt: host dmesg source, NULL: /dev/kmsg */
	/* gvt: the real-time tests run their workloads in an i915 guest booted
	 * on the vGPU (QEMU shares it through the cdev); else why not */
	bool gvt_guest;
	const char *gvt_no_guest_why;
	/* gvt: why the igt extras cannot run in an i915 guest, NULL if they can */
	const char *gvt_no_igt_why;
	/* gvt: the harness, as the guest, fills the planes' memory through the
	 * device's BAR2 (vgpu-mdev has one; GVT's is guest memory): the tear-*
	 * tests run, capturing real dma-bufs */
	bool gvt_harness_vram;
	/* gvt: why the type has no room for a second vGPU (ISO-1), NULL if it has */
	const char *gvt_no_second_why;
	/* gvt, set by the runner for a VT_TWO_VGPUS test: the second vGPU */
	struct gvt_session *gvt_second;
	/* vfio_stepped: the module's debugfs dir of per-device step files */
	const char *step_dir;
	bool ktap_started;	/* the caller printed "KTAP version 1" already */
	const char *model;	/* sim model */
	const char *abi;	/* "v5|v6|v7" or NULL: the model's */
	const char *suite;	/* glob over test names and clause ids, NULL: all */
	const char *out;	/* results dir, NULL: results/<run-id> */
	const char *sim_path;	/* vgpu-sim binary */
	const char *guest;	/* real-time workloads: "process" (default) or "vm" */
	const char *image_dir;	/* guest image (vmlinuz, initrd.img); NULL: next to vgpu-sim */
	const char *igt_image_dir; /* igt flavour (+ rootfs.sqfs); NULL: guest-igt next to vgpu-sim */
	bool no_extra;		/* leave out the extra workloads (VT_EXTRA: igt) */
	const char *extra;	/* of those, only these (globs as suite), NULL: all */
	bool no_realtime;	/* leave out the real-time (VT_REALTIME) tests */
	int realtime_mutation;	/* vrc mutation: VRC_RT_SOME (default), _ALL, _NONE */
	bool destructive;
	int timeout_s;		/* per test */
	int verbose;
	FILE *ktap;		/* where KTAP goes (stdout) */
	bool no_results;	/* do not write results/ (nested runs write their own) */
	const char *resume;	/* --resume=DIR: continue that run from its journal */
	int rerun_failures;	/* --rerun-failures=N: rerun a failing test up to N times */
	int progress;		/* VRC_PROGRESS_* */
	/* the conformance tests to choose from, in run order (suites/) */
	const struct vrc_registry *registry;
};
enum { VRC_RT_SOME, VRC_RT_ALL, VRC_RT_NONE };
enum { VRC_PROGRESS_AUTO, VRC_PROGRESS_OFF, VRC_PROGRESS_PLAIN, VRC_PROGRESS_TTY };

struct vt;
/* One conformance test: a row of its suite's table, in designated
 * initialisers (fields left out are 0). */
struct vrc_test {
	const char *name;	/* igt-style, dashes */
	uint32_t clauses;	/* CL(C_...) mask of what it checks */
	const char *desc;	/* one line: what it does and why */
	unsigned flags;
#define VT_DESTRUCTIVE	(1u << 0)	/* can take a host down on real hardware */
#define VT_TWO_VGPUS	(1u << 1)	/* needs two vGPU instances at once */
#define VT_REALTIME	(1u << 2)	/* real clock (60 Hz) and a workload program */
#define VT_EXTRA	(1u << 3)	/* an extra workload (igt) that checks no clause:
					 * its own verdict is recorded; not in vrc mutation */
#define VT_REFUSED	(1u << 4)	/* sends requests a correct kernel refuses; kvmgt
					 * logs some at error level (gvt/kmsg.h) */
#define VT_EMULATED	(1u << 5)	/* looks into the emulated device's process
					 * (its descriptors): skips on a kernel device */
#define VT_LONG		(1u << 6)	/* boots a guest of its own (igt): given at
					 * least VT_LONG_S whatever --timeout says */
#define VT_LONG_S	120
	enum vrc_result (*run)(struct vt *t);
	/* Where one function runs several rows, what tells them apart (the
	 * function reads them from t->test): the guest's pipe (0: A), and the
	 * workload in the suite's own type (an argv, a step table, ...). */
	unsigned pipe;
	const void *workload;
};

/* The tests of one suite file (suites/): its one table. */
struct vrc_suite {
	const char *name;
	const struct vrc_test *tests;
	unsigned ntests;
};
#define VRC_SUITE(name_, table)	\
	{ .name = (name_), .tests = (table), .ntests = sizeof(table) / sizeof((table)[0]) }

/* Every conformance test, in run order: the suites' tables concatenated. */
#define VRC_MAX_TESTS	256
struct vrc_registry {
	unsigned ntests;
	const struct vrc_test *test[VRC_MAX_TESTS];
};
/*
 * r: the tables of suites[0..nsuites) in that order. -1 with why in err
 * for a row without a name or function, a name twice, more than
 * VRC_MAX_TESTS rows.
 */
int vrc_registry_init(struct vrc_registry *r, const struct vrc_suite *const *suites,
		      unsigned nsuites, char *err, size_t len);
/* The test called name, or NULL. */
const struct vrc_test *vrc_registry_find(const struct vrc_registry *r, const char *name);
/* The command line (harness/vrc/main.c) over these tests: the program's
 * main() (suites/vrc_main.c) gives it the suites' registry. */
int vrc_main(int argc, char **argv, const struct vrc_registry *tests);

/* A SHOULD measurement (SPEC §3): reported with the run, not a verdict. */
struct vrc_measurement {
	char name[40];		/* snake_case, e.g. "idle_signal_rate" */
	char unit[16];		/* "signals/vblank", "us", ... */
	double value;
};
#define VRC_MAX_MEASUREMENTS	12
#define VRC_MAX_ATTEMPTS	10	/* first run + up to 9 reruns */

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
	/* Every outcome with --rerun-failures; attempt[0] is the verdict above.
	 * A test whose outcomes differ is a flake: its verdict stays the first
	 * failure, the flake is reported next to it. */
	unsigned nattempts;
	enum vrc_result attempt[VRC_MAX_ATTEMPTS];
	bool flaky;
	bool done;		/* finished (or found incomplete) in this run */
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
	char started[32];	/* UTC, RFC 3339 */
	unsigned resumed;	/* how many times --resume continued this run */
	unsigned nflaky;
};

/* vrc run's exit statuses (kselftest's skip code for "nothing was tested"). */
enum {
	VRC_EXIT_PASSED = 0,		/* a test passed, none failed */
	VRC_EXIT_FAILED = 1,		/* a test failed, timed out, crashed, ... */
	VRC_EXIT_HARNESS = 2,		/* the harness could not run */
	VRC_EXIT_NOTHING_TESTED = 4,	/* every test skipped, none selected, or
					 * the forced backend is absent */
};
/* Run every selected test; returns a VRC_EXIT_* status. */
int vrc_run(const struct vrc_opts *o, struct vrc_run *run);
/*
 * The status of a finished run from its counts: FAILED if any test has a
 * failing verdict, PASSED if some test passed, else NOTHING_TESTED with one
 * line in why ("nothing was tested: ...") naming the cause and the skip
 * reason most tests gave.
 */
int vrc_run_status(const struct vrc_run *run, char *why, size_t len);
void vrc_run_free(struct vrc_run *run);
bool vrc_test_selected(const struct vrc_opts *o, const struct vrc_test *t);
/*
 * What the build puts next to vgpu-sim (o->sim_path): vrc-wl, the guest
 * images. vrc_guest_image() is --image, else guest/ (make image), or for an
 * i915 guest on GVT guest-i915/ (make image-i915).
 */
void vrc_next_to_sim(const struct vrc_opts *o, const char *name, char *out, size_t len);
void vrc_guest_image(const struct vrc_opts *o, bool i915, char *out, size_t len);
/* The igt flavour: --igt-image, else guest-igt/ (make image-igt), or for
 * i915 on GVT guest-igt-i915/ (make image-igt-i915). */
void vrc_igt_image(const struct vrc_opts *o, bool i915, char *out, size_t len);
/*
 * A bootable image in dir: 0 with the kernel (vmlinux, which boots about
 * 3 s faster under TCG through its PVH entry, else vmlinuz) and initrd.img
 * paths, or -ENOENT when either is not readable.
 */
int vrc_guest_image_files(const char *dir, char *kernel, size_t klen, char *initrd,
			  size_t ilen);

/* Why a test does not run with these options (a destructive one without
 * --destructive, the default but on the emulated vGPU), or NULL. */
const char *vrc_destructive_skip_reason(const struct vrc_opts *o, const struct vrc_test *t);
/* Why a test cannot run on the gvt backend with these options, or NULL. */
const char *vrc_gvt_skip_reason(const struct vrc_opts *o, const struct vrc_test *t);

/* One finished test as a results.json test object (json-c, caller owns). */
struct json_object;
struct json_object *vrc_record_json(const struct vrc_test_record *r);

/* results.json (json-c), rewritten atomically after every test: a view of
 * the run's journal (journal.h). */
int vrc_results_write(const struct vrc_opts *o, const struct vrc_run *run,
		      const char *started, const char *finished);

/* vrc mutation: every model against the suite, model x clause table. */
int vrc_mutation(const struct vrc_opts *o);
/* vrc mutation --list-expected: its expected rows, no runs (mutation.c). */
int vrc_mutation_list_expected(FILE *out);

/* Subcommands on results (argv[0] is the subcommand): exit 0/1/2. */
int vrc_cmd_compare(int argc, char **argv);	/* compare.c */
int vrc_cmd_export(int argc, char **argv);	/* export.c */
int vrc_cmd_report(int argc, char **argv);	/* report.c */

#endif /* VRC_HARNESS_VRC_H */
