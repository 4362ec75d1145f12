// SPDX-License-Identifier: MIT
/*
 * The runner: each test in a forked child of its own process group with its
 * own vgpu-sim, or on GVT its own opening of the run's vGPU (a crashed or
 * hung test, or device, cannot take the run down), a timeout from the
 * parent, KTAP on the way, results.json after each test.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vrc/caps.h"
#include "vrc/lsan.h"
#include "backend.h"
#include "journal.h"
#include "progress.h"
#include "runner.h"

void vrc_next_to_sim(const struct vrc_opts *o, const char *name, char *out, size_t len)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s", o->sim_path ? o->sim_path : "build/vgpu-sim");
	snprintf(out, len, "%s/%s", dirname(dir), name);
}

void vrc_guest_image(const struct vrc_opts *o, bool i915, char *out, size_t len)
{
	if (o->image_dir)
		snprintf(out, len, "%s", o->image_dir);
	else
		vrc_next_to_sim(o, i915 ? "guest-i915" : "guest", out, len);
}

void vrc_igt_image(const struct vrc_opts *o, bool i915, char *out, size_t len)
{
	if (o->igt_image_dir)
		snprintf(out, len, "%s", o->igt_image_dir);
	else
		vrc_next_to_sim(o, i915 ? "guest-igt-i915" : "guest-igt", out, len);
}

int vrc_guest_image_files(const char *dir, char *kernel, size_t klen, char *initrd,
			  size_t ilen)
{
	snprintf(kernel, klen, "%s/vmlinux", dir);
	if (access(kernel, R_OK))
		snprintf(kernel, klen, "%s/vmlinuz", dir);
	snprintf(initrd, ilen, "%s/initrd.img", dir);
	return access(kernel, R_OK) || access(initrd, R_OK) ? -ENOENT : 0;
}

/* One glob of --suite (len bytes at pat) against a test's name or clauses. */
static bool glob_selects(const char *pat, size_t len, const struct vrc_test *t)
{
	char g[256];

	if (len >= sizeof(g))
		return false;
	memcpy(g, pat, len);
	g[len] = 0;
	if (!fnmatch(g, t->name, 0))
		return true;
	for (unsigned c = 0; c < C_NUM_CLAUSES; c++)
		if ((t->clauses & CL(c)) && !fnmatch(g, vrc_clause_name(c), FNM_CASEFOLD))
			return true;
	return false;
}

/* --suite is a comma-separated list of globs; a test matching any runs. */
/* Whether a comma-separated list of globs (test names, clause ids) selects t. */
static bool globs_select(const char *list, const struct vrc_test *t)
{
	for (const char *p = list;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len && glob_selects(p, len, t))
			return true;
		if (!comma)
			return false;
		p = comma + 1;
	}
}

bool vrc_test_selected(const struct vrc_opts *o, const struct vrc_test *t)
{
	if (o->no_realtime && (t->flags & VT_REALTIME))
		return false;
	if ((t->flags & VT_EXTRA) && (o->no_extra || (o->extra && !globs_select(o->extra, t))))
		return false;
	return !o->suite || globs_select(o->suite, t);
}

/* ---- the child side */

struct child_report {
	enum vrc_result result;
	uint32_t violated;
	char reason[640];
	unsigned nmeas;
	struct vrc_measurement meas[VRC_MAX_MEASUREMENTS];
};
/* One write(2) to a pipe is atomic up to PIPE_BUF. */
_Static_assert(sizeof(struct child_report) <= 4096, "child report exceeds PIPE_BUF");

static int report_fd = -1;

_Noreturn void vrc_child_finish(struct vt *t, enum vrc_result r)
{
	struct child_report rep = { .result = r, .violated = t->violated };

	if (r == R_PASS && t->violated)
		rep.result = R_FAIL;
	if (rep.result == R_FAIL && !rep.violated)
		rep.violated = t->test->clauses;
	snprintf(rep.reason, sizeof(rep.reason), "%s", t->reason);
	rep.nmeas = t->nmeas;
	memcpy(rep.meas, t->meas, sizeof(rep.meas));
	vt_close_device(t);
	vt_guest_detach(t);
	vt_close_second(t);
	vrc_sim_stop(&t->sim);
	/* _exit() skips LSan's own check: an ASan build runs it here (the
	 * test's vgpu-sim ran its own as it exited) */
	if (vrc_lsan_child_leaked()) {
		snprintf(rep.reason, sizeof(rep.reason), "the test process leaked memory "
			 "(LeakSanitizer's report is on stderr); its verdict was %s",
			 vrc_result_name(rep.result));
		rep.result = R_CRASH;
	} else if (vrc_sim_bad_exit()) {
		snprintf(rep.reason, sizeof(rep.reason), "vgpu-sim exited with status %d after "
			 "quit (LeakSanitizer's or another sanitizer's report is on stderr); the "
			 "verdict was %s", vrc_sim_bad_exit(), vrc_result_name(rep.result));
		rep.result = R_CRASH;
	}
	fflush(NULL);
	if (write(report_fd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(3);
	_exit(0);
}

/* Where the running test keeps its artifacts (set before each fork). */
static char artifact_dir[700];

static _Noreturn void child_main(const struct vrc_opts *o, const struct vrc_test *test)
{
	static struct vt t;

	memset(&t, 0, sizeof(t));
	t.o = o;
	t.test = test;
	t.artifact_dir = artifact_dir[0] ? artifact_dir : NULL;
	t.sim.ctl = -1;
	t.sim.pid = -1;
	vrc_backend_of(o)->child_start(&t);
	vrc_child_finish(&t, test->run(&t));
}

/* ---- the parent side */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct vrc_progress progress;

const char *vrc_destructive_skip_reason(const struct vrc_opts *o, const struct vrc_test *test)
{
	return (test->flags & VT_DESTRUCTIVE) && !o->destructive ?
	       "destructive (can oops a real host): run with --destructive" : NULL;
}

/* The test in a child of its own; rec gets what it reported or how it died. */
static void run_forked(const struct vrc_opts *o, const struct vrc_test *test,
		       const char *run_dir, unsigned attempt, struct vrc_test_record *rec)
{
	struct child_report rep = { .result = R_CRASH };
	int pfd[2], status = 0;
	double t0 = now_s();

	if (pipe2(pfd, O_CLOEXEC)) {
		rec->result = R_CRASH;
		snprintf(rec->reason, sizeof(rec->reason), "pipe: %s", strerror(errno));
		return;
	}
	artifact_dir[0] = 0;
	/* a rerun keeps its artifacts apart: the verdict is the first attempt's */
	if (run_dir && run_dir[0] && !attempt)
		snprintf(artifact_dir, sizeof(artifact_dir), "%s/tests/%s", run_dir, test->name);
	else if (run_dir && run_dir[0])
		snprintf(artifact_dir, sizeof(artifact_dir), "%s/tests/%s/rerun-%u", run_dir,
			 test->name, attempt);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		close(pfd[0]);
		report_fd = pfd[1];
		child_main(o, test);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		rec->result = R_CRASH;
		snprintf(rec->reason, sizeof(rec->reason), "fork: %s", strerror(errno));
		return;
	}
	setpgid(pid, pid);
	struct pollfd p = { .fd = pfd[0], .events = POLLIN };
	int limit_s = (test->flags & VT_LONG) && o->timeout_s < VT_LONG_S ? VT_LONG_S :
		      o->timeout_s;
	double deadline = t0 + limit_s;
	int n;
	/* in slices of a second, for the live progress line */
	for (;;) {
		double left = deadline - now_s();
		int ms = left <= 0 ? 0 : left > 1.0 ? 1000 : (int)(left * 1000) + 1;
		n = poll(&p, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 0 || left <= 0)
			break;
		vrc_progress_tick(&progress);
	}
	if (n == 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(pfd[0]);
		rec->result = R_TIMEOUT;
		rec->violated = test->clauses;
		snprintf(rec->reason, sizeof(rec->reason), "no verdict within %d s", limit_s);
		rec->duration_s = now_s() - t0;
		return;
	}
	ssize_t got = read(pfd[0], &rep, sizeof(rep));
	close(pfd[0]);
	waitpid(pid, &status, 0);
	kill(-pid, SIGKILL);	/* anything the test left behind */
	rec->duration_s = now_s() - t0;
	if (got != sizeof(rep)) {
		rec->result = R_CRASH;
		rec->violated = test->clauses;
		if (WIFSIGNALED(status))
			snprintf(rec->reason, sizeof(rec->reason), "test process killed by signal %d (%s)",
				 WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			snprintf(rec->reason, sizeof(rec->reason), "test process exited (%d) without a verdict",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return;
	}
	rec->result = rep.result;
	rec->reason_shown = true;
	rec->violated = rep.result == R_PASS || rep.result == R_SKIP ? 0 :
			rep.violated ? rep.violated : test->clauses;
	rep.reason[sizeof(rep.reason) - 1] = 0;
	snprintf(rec->reason, sizeof(rec->reason), "%s", rep.reason);
	rec->nmeas = rep.nmeas < VRC_MAX_MEASUREMENTS ? rep.nmeas : VRC_MAX_MEASUREMENTS;
	for (unsigned i = 0; i < rec->nmeas; i++) {
		rec->meas[i] = rep.meas[i];
		rec->meas[i].name[sizeof(rec->meas[i].name) - 1] = 0;
		rec->meas[i].unit[sizeof(rec->meas[i].unit) - 1] = 0;
	}
}

static void run_one(const struct vrc_opts *o, const struct vrc_test *test,
		    const char *run_dir, unsigned attempt, struct vrc_test_record *rec)
{
	const struct vrc_backend *be = vrc_backend_of(o);
	struct vrc_test_scope scope = { 0 };
	const char *why;

	rec->test = test;
	if ((why = vrc_destructive_skip_reason(o, test))) {
		rec->result = R_SKIP;
		snprintf(rec->reason, sizeof(rec->reason), "%s", why);
		return;
	}
	if ((why = be->skip_reason(o, test))) {
		rec->result = R_SKIP;
		snprintf(rec->reason, sizeof(rec->reason), "%s: %s", o->backend, why);
		return;
	}
	artifact_dir[0] = 0;	/* until run_forked names this test's */
	if (be->test_begin(o, test, &scope, rec))
		run_forked(&scope.opts, test, run_dir, attempt, rec);
	be->test_end(o, test, &scope, rec, artifact_dir[0] ? artifact_dir : NULL);
}

static void ktap_result(FILE *f, unsigned num, const struct vrc_test_record *rec)
{
	char cl[128];

	vrc_clauses_str(rec->test->clauses, cl, sizeof(cl));
	for (unsigned i = 0; i < rec->nmeas; i++)
		fprintf(f, "# %s: measure %s = %.6g %s\n", rec->test->name,
			rec->meas[i].name, rec->meas[i].value, rec->meas[i].unit);
	if (rec->result != R_PASS && rec->result != R_SKIP && rec->reason[0] &&
	    !rec->reason_shown)
		fprintf(f, "# %s: %s\n", rec->test->name, rec->reason);
	if (rec->nattempts > 1) {
		fprintf(f, "# %s: %s: attempts", rec->test->name, rec->flaky ? "FLAKY" : "reran");
		for (unsigned k = 0; k < rec->nattempts; k++)
			fprintf(f, " %s", vrc_result_name(rec->attempt[k]));
		fprintf(f, "%s\n", rec->flaky ? " (verdict: the first failure)" : "");
	}
	switch (rec->result) {
	case R_PASS:
		fprintf(f, "ok %u %s [%s]\n", num, rec->test->name, cl);
		break;
	case R_SKIP:
		fprintf(f, "ok %u %s [%s] # SKIP %s\n", num, rec->test->name, cl, rec->reason);
		break;
	case R_FAIL:
		fprintf(f, "not ok %u %s [%s]\n", num, rec->test->name, cl);
		break;
	case R_TIMEOUT:
		fprintf(f, "not ok %u %s [%s] # TIMEOUT %s\n", num, rec->test->name, cl, rec->reason);
		break;
	case R_INCOMPLETE:
		fprintf(f, "not ok %u %s [%s] # ERROR incomplete\n", num, rec->test->name, cl);
		break;
	case R_NOTRUN:
		fprintf(f, "ok %u %s [%s] # SKIP notrun\n", num, rec->test->name, cl);
		break;
	case R_DMESG_WARN:
	case R_DMESG_FAIL:
		fprintf(f, "not ok %u %s [%s] # %s\n", num, rec->test->name, cl,
			vrc_result_name(rec->result));
		break;
	default:
		fprintf(f, "not ok %u %s [%s] # ERROR crash\n", num, rec->test->name, cl);
		break;
	}
	fflush(f);
}

/* The display irq's ABI and index on an open device, for the run's metadata. */
static void probe_irq(struct vrc_transport *t, struct vrc_run *run)
{
	struct vrc_display_irq irq;
	char err[256];

	if (vrc_display_irq_find(t, &irq, err, sizeof(err)))
		return;
	snprintf(run->abi_found, sizeof(run->abi_found), "%s", vrc_abi_str(irq.desc.abi));
	run->irq_index = (int)irq.index;
	vrc_display_irq_close(&irq);
}

/* Discovery once before the tests: the ABI goes into the run's metadata,
 * and a backend that cannot even start is a harness error (exit 2). */
static int probe(const struct vrc_opts *o, struct vrc_run *run, char *err, size_t errlen)
{
	const struct vrc_backend *be = vrc_backend_of(o);
	struct vrc_probe_dev p = { 0 };
	int rc;

	snprintf(run->abi_found, sizeof(run->abi_found), "none");
	run->irq_index = -1;
	if ((rc = be->probe_open(o, &p, err, errlen)))
		return rc;
	probe_irq(p.t, run);
	be->probe_close(o, &p);
	return 0;
}

static void timestamp(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void recount(struct vrc_run *run)
{
	memset(run->count, 0, sizeof(run->count));
	run->flagged = 0;
	run->nflaky = 0;
	for (unsigned i = 0; i < run->ntests; i++)
		if (run->rec[i].done) {
			run->count[run->rec[i].result]++;
			run->flagged |= run->rec[i].violated;
			run->nflaky += run->rec[i].flaky;
		}
}

static json_object *start_json(const char *name, unsigned attempt)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "type", json_object_new_string("start"));
	json_object_object_add(j, "test", json_object_new_string(name));
	json_object_object_add(j, "attempt", json_object_new_int((int)attempt));
	return j;
}

static json_object *result_json(const struct vrc_test_record *rec, unsigned attempt)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "type", json_object_new_string("result"));
	json_object_object_add(j, "attempt", json_object_new_int((int)attempt));
	json_object_object_add(j, "test", vrc_record_json(rec));
	return j;
}

static json_object *stamp_json(const char *type, const char *key)
{
	json_object *j = json_object_new_object();
	char ts[32];

	timestamp(ts, sizeof(ts));
	json_object_object_add(j, "type", json_object_new_string(type));
	json_object_object_add(j, key, json_object_new_string(ts));
	return j;
}

/* The journal is the record; results.json only a view. A journal that can
 * no longer be written ends the run (exit 2) rather than lose results. */
static int journal(struct vrc_journal_writer *w, json_object *rec)
{
	if (w->fd < 0) {
		json_object_put(rec);
		return 0;
	}
	if (vrc_journal_append(w, rec)) {
		fprintf(stderr, "vrc: cannot append to the journal: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Replay a journal into run->rec (plan order); the tests that were running
 * when the run died become incomplete, in the journal too. */
static int resume_from(const struct vrc_journal *j, struct vrc_run *run,
		       struct vrc_journal_writer *w, char *err, size_t errlen)
{
	for (unsigned i = 0; i < j->nplan; i++) {
		struct vrc_test_record *rec = &run->rec[i];
		const struct vrc_lt *lt = &j->rec[i];
		if (!j->have[i] && j->running[i] < 0)
			continue;
		if (j->have[i]) {
			rec->result = lt->result;
			rec->violated = 0;
			for (unsigned c = 0; c < C_NUM_CLAUSES; c++) {
				const char *p = strstr(lt->violated, vrc_clause_name(c));
				size_t n = strlen(vrc_clause_name(c));
				if (p && (p[n] == ',' || !p[n]))
					rec->violated |= CL(c);
			}
			rec->duration_s = lt->duration_s;
			snprintf(rec->reason, sizeof(rec->reason), "%s", lt->reason);
			rec->nmeas = lt->nmeas;
			memcpy(rec->meas, lt->meas, sizeof(rec->meas));
			rec->nattempts = lt->nattempts;
			memcpy(rec->attempt, lt->attempt, sizeof(rec->attempt));
			rec->flaky = lt->flaky;
			rec->done = true;
		}
		if (j->running[i] >= 0) {
			struct vrc_test_record inc = { .test = rec->test, .result = R_INCOMPLETE,
						       .violated = rec->test->clauses };
			snprintf(inc.reason, sizeof(inc.reason), "was running when the run was "
				 "interrupted (harness or host died); resumed without it");
			unsigned attempt = rec->done ? rec->nattempts : 0;
			if (journal(w, result_json(&inc, attempt))) {
				snprintf(err, errlen, "journal: %s", strerror(errno));
				return -1;
			}
			if (!rec->done) {
				*rec = inc;
				rec->attempt[0] = R_INCOMPLETE;
				rec->nattempts = 1;
				rec->done = true;
			} else if (rec->nattempts < VRC_MAX_ATTEMPTS) {
				rec->attempt[rec->nattempts++] = R_INCOMPLETE;
				rec->flaky = true;
			}
		}
	}
	return 0;
}

/* First attempt, then reruns of a failure (--rerun-failures): every outcome
 * in the journal; the verdict stays the first attempt's. */
static int run_test(const struct vrc_opts *o, struct vrc_run *run, struct vrc_test_record *rec,
		    struct vrc_journal_writer *w)
{
	const char *dir = o->no_results ? NULL : run->dir;
	const struct vrc_test *t = rec->test;

	if (journal(w, start_json(t->name, 0)))
		return -1;
	run_one(o, t, dir, 0, rec);
	rec->attempt[0] = rec->result;
	rec->nattempts = 1;
	if (journal(w, result_json(rec, 0)))
		return -1;
	for (unsigned k = 1; k <= (unsigned)o->rerun_failures && k < VRC_MAX_ATTEMPTS &&
			     vrc_result_is_failure(rec->attempt[k - 1]); k++) {
		struct vrc_test_record again = { 0 };
		if (journal(w, start_json(t->name, k)))
			return -1;
		run_one(o, t, dir, k, &again);
		if (journal(w, result_json(&again, k)))
			return -1;
		rec->attempt[rec->nattempts++] = again.result;
		rec->flaky |= again.result != rec->attempt[0];
	}
	rec->done = true;
	return 0;
}

static json_object *header_json(const struct vrc_opts *o, const struct vrc_run *run)
{
	json_object *h = json_object_new_object(), *meta = json_object_new_object();
	json_object *plan = json_object_new_array();

	json_object_object_add(h, "type", json_object_new_string("header"));
	json_object_object_add(h, "format", json_object_new_string("vrc-journal"));
	json_object_object_add(h, "version", json_object_new_int(1));
	json_object_object_add(meta, "run_id", json_object_new_string(run->run_id));
	json_object_object_add(meta, "vrc_version", json_object_new_string(VRC_VERSION));
	json_object_object_add(meta, "started", json_object_new_string(run->started));
	json_object_object_add(meta, "abi_found", json_object_new_string(run->abi_found));
	json_object_object_add(meta, "display_irq_index", json_object_new_int(run->irq_index));
	json_object_object_add(h, "run", meta);
	json_object_object_add(h, "options", vrc_journal_opts_json(o));
	for (unsigned i = 0; i < run->ntests; i++)
		json_object_array_add(plan, json_object_new_string(run->rec[i].test->name));
	json_object_object_add(h, "plan", plan);
	return h;
}

/* The one line of a run that tested nothing: KTAP diagnostic and stderr. */
static void nothing_tested(const struct vrc_opts *o, const char *why)
{
	fprintf(o->ktap, "# %s\n", why);
	if (!o->no_results)	/* mutation's runs: its table says it */
		fprintf(stderr, "vrc: %s\n", why);
}

int vrc_run(const struct vrc_opts *o, struct vrc_run *run)
{
	char finished[32] = "", err[700];
	struct vrc_journal_writer w = { .fd = -1, .dfd = -1 };
	struct vrc_journal j = { 0 };
	FILE *f = o->ktap;
	unsigned n = 0, ndone = 0;
	int rc = 2;

	memset(run, 0, sizeof(*run));
	if (o->resume) {
		if (vrc_journal_load(o->resume, &j, err, sizeof(err))) {
			fprintf(stderr, "vrc: --resume=%s: %s\n", o->resume, err);
			return 2;
		}
		snprintf(run->run_id, sizeof(run->run_id), "%s", j.run_id);
		snprintf(run->started, sizeof(run->started), "%s", j.started);
		snprintf(run->dir, sizeof(run->dir), "%s", o->resume);
		run->resumed = j.resumes + 1;
		n = j.nplan;
	} else {
		struct timespec ts;
		struct tm tm;
		char day[32];

		timestamp(run->started, sizeof(run->started));
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(day, sizeof(day), "%Y%m%d-%H%M%S", &tm);
		snprintf(run->run_id, sizeof(run->run_id), "%s-%s-%d", day,
			 vrc_backend_of(o)->run_label(o), (int)getpid());
		for (unsigned i = 0; i < o->registry->ntests; i++)
			n += vrc_test_selected(o, o->registry->test[i]);
	}
	if (!o->ktap_started)
		fprintf(f, "KTAP version 1\n");
	if (probe(o, run, err, sizeof(err))) {
		fprintf(f, "Bail out! backend %s: %s\n", o->backend, err);
		fprintf(stderr, "vrc: backend %s: %s\n", o->backend, err);
		goto out;
	}
	if (o->resume && strcmp(run->abi_found, j.abi_found)) {
		fprintf(f, "Bail out! --resume: the device now offers abi %s, the run found %s\n",
			run->abi_found, j.abi_found);
		fprintf(stderr, "vrc: --resume=%s: the device now offers abi %s, the run found %s\n",
			o->resume, run->abi_found, j.abi_found);
		goto out;
	}
	fprintf(f, "# vrc %s: ", VRC_VERSION);
	vrc_backend_of(o)->describe(o, f);
	fputc('\n', f);
	fprintf(f, "# display irq: abi %s at index %d\n", run->abi_found, run->irq_index);
	if (!n) {
		fprintf(f, "1..0 # SKIP no test matches --suite=%s\n", o->suite);
		nothing_tested(o, "nothing was tested: no test matches --suite");
		rc = VRC_EXIT_NOTHING_TESTED;
		goto out;
	}
	run->rec = calloc(n, sizeof(*run->rec));
	if (!run->rec)
		goto out;
	if (o->resume) {
		for (unsigned i = 0; i < n; i++)
			if (!(run->rec[i].test = vrc_registry_find(o->registry, j.rec[i].name))) {
				fprintf(f, "Bail out! --resume: the run's test '%s' is unknown to this vrc\n",
					j.rec[i].name);
				fprintf(stderr, "vrc: --resume=%s: the run's test '%s' is unknown to this "
					"vrc\n", o->resume, j.rec[i].name);
				goto out;
			}
		run->ntests = n;
		if (vrc_journal_reopen(run->dir, j.good_len, &w, err, sizeof(err)) ||
		    journal(&w, stamp_json("resume", "at")) ||
		    resume_from(&j, run, &w, err, sizeof(err))) {
			fprintf(stderr, "vrc: --resume=%s: %s\n", o->resume, err);
			goto out;
		}
		fprintf(f, "# resuming run %s%s\n", run->run_id,
			j.torn ? " (dropped a torn last journal line)" : "");
	} else {
		for (unsigned i = 0; i < o->registry->ntests; i++)
			if (vrc_test_selected(o, o->registry->test[i]))
				run->rec[run->ntests++].test = o->registry->test[i];
		if (!o->no_results) {
			char jp[600];
			/* never write over another run's record */
			snprintf(jp, sizeof(jp), "%s/%s", o->out ? o->out : "", VRC_JOURNAL_FILE);
			if (o->out && access(jp, F_OK) == 0) {
				fprintf(f, "Bail out! %s already holds a run\n", o->out);
				fprintf(stderr, "vrc: --out=%s already holds a run (%s): continue it with "
					"--resume=%s, or choose another --out\n", o->out, VRC_JOURNAL_FILE,
					o->out);
				goto out;
			}
			if (vrc_results_write(o, run, run->started, NULL)) {
				fprintf(stderr, "vrc: cannot write results to %s\n",
					run->dir[0] ? run->dir : "results/");
				goto out;
			}
			if (vrc_journal_create(run->dir, header_json(o, run), &w, err, sizeof(err))) {
				fprintf(stderr, "vrc: %s\n", err);
				goto out;
			}
		}
	}
	fprintf(f, "1..%u\n", n);
	for (unsigned i = 0; i < n; i++)
		if (run->rec[i].done) {
			ktap_result(f, i + 1, &run->rec[i]);
			ndone++;
		}
	fflush(f);
	recount(run);
	if (!o->no_results)
		vrc_results_write(o, run, run->started, NULL);
	vrc_progress_init(&progress, o->no_results ? NULL : stderr, o->progress, n, ndone);
	for (unsigned i = 0; i < n; i++) {
		struct vrc_test_record *rec = &run->rec[i];
		if (rec->done)
			continue;
		vrc_progress_test(&progress, rec->test->name);
		if (run_test(o, run, rec, &w))
			goto out;
		vrc_progress_test_done(&progress);
		recount(run);
		vrc_progress_clear(&progress);
		ktap_result(f, i + 1, rec);
		if (!o->no_results)
			vrc_results_write(o, run, run->started, NULL);
	}
	vrc_progress_end(&progress);
	fprintf(f, "# Totals: pass:%u fail:%u skip:%u timeout:%u crash:%u",
		run->count[R_PASS], run->count[R_FAIL], run->count[R_SKIP],
		run->count[R_TIMEOUT], run->count[R_CRASH]);
	for (unsigned r = R_INCOMPLETE; r < R_NUM_RESULTS; r++)
		if (run->count[r])
			fprintf(f, " %s:%u", vrc_result_name(r), run->count[r]);
	if (run->nflaky)
		fprintf(f, " flaky:%u", run->nflaky);
	fprintf(f, "\n");
	timestamp(finished, sizeof(finished));
	if (!o->no_results) {
		if (journal(&w, stamp_json("end", "finished")))
			goto out;
		if (vrc_results_write(o, run, run->started, finished))
			fprintf(stderr, "vrc: cannot write %s/results.json\n", run->dir);
		else
			fprintf(f, "# results: %s/results.json\n", run->dir);
	}
	rc = vrc_run_status(run, err, sizeof(err));
	if (rc == VRC_EXIT_NOTHING_TESTED)
		nothing_tested(o, err);
out:
	fflush(f);
	vrc_journal_close(&w);
	vrc_journal_free(&j);
	return rc;
}

void vrc_run_free(struct vrc_run *run)
{
	free(run->rec);
	run->rec = NULL;
}
