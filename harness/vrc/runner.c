// SPDX-License-Identifier: MIT
/*
 * The runner: each test in a forked child of its own process group with its
 * own vgpu-sim (a crashed or hung test, or device, cannot take the run down),
 * a timeout from the parent, KTAP on the way, results.json after each test.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
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
#include "runner.h"

static const char *const clause_names[C_NUM_CLAUSES] = {
	"DISC-1", "DISC-2", "IRQ-1", "IRQ-2", "IRQ-3", "IRQ-4", "EVT-1", "EVT-2",
	"EVT-3", "EVT-4", "EVT-5", "TEAR-1", "TEAR-2", "ISO-1",
};
static const char *const result_names[R_NUM_RESULTS] = {
	"pass", "fail", "skip", "timeout", "crash",
};

const char *vrc_clause_name(enum vrc_clause c)
{
	return (unsigned)c < C_NUM_CLAUSES ? clause_names[c] : "?";
}

const char *vrc_result_name(enum vrc_result r)
{
	return (unsigned)r < R_NUM_RESULTS ? result_names[r] : "?";
}

const char *vrc_clauses_str(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (unsigned c = 0; c < C_NUM_CLAUSES; c++)
		if (mask & CL(c)) {
			int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
					 clause_names[c]);
			if (w < 0 || (size_t)w >= len - used)
				break;
			used += (size_t)w;
		}
	return buf;
}

bool vrc_test_selected(const struct vrc_opts *o, const struct vrc_test *t)
{
	if (!o->suite)
		return true;
	if (!fnmatch(o->suite, t->name, 0))
		return true;
	for (unsigned c = 0; c < C_NUM_CLAUSES; c++)
		if ((t->clauses & CL(c)) && !fnmatch(o->suite, clause_names[c], FNM_CASEFOLD))
			return true;
	return false;
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
	if (t->have_guest)
		vgpu_guest_close(&t->g);
	if (t->have_second) {
		vrc_display_irq_close(&t->irq1);
		vrc_transport_close(t->t1);
		vgpu_guest_close(&t->g1);
	}
	vrc_sim_stop(&t->sim);
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
	char err[256];

	memset(&t, 0, sizeof(t));
	t.o = o;
	t.test = test;
	t.artifact_dir = artifact_dir[0] ? artifact_dir : NULL;
	t.sim.ctl = -1;
	t.sim.pid = -1;
	if (vrc_sim_start(o->sim_path, o->model, o->abi,
			  test->flags & VT_TWO_VGPUS ? 2 : 1, &t.sim, err, sizeof(err)))
		vt_abort(&t, "%s", err);
	vrc_child_finish(&t, test->run(&t));
}

/* ---- the parent side */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_one(const struct vrc_opts *o, const struct vrc_test *test,
		    const char *run_dir, struct vrc_test_record *rec)
{
	struct child_report rep = { .result = R_CRASH };
	int pfd[2], status = 0;
	double t0 = now_s();

	rec->test = test;
	if ((test->flags & VT_DESTRUCTIVE) && !o->destructive) {
		rec->result = R_SKIP;
		snprintf(rec->reason, sizeof(rec->reason),
			 "destructive (can oops a real host): run with --destructive");
		return;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		rec->result = R_CRASH;
		snprintf(rec->reason, sizeof(rec->reason), "pipe: %s", strerror(errno));
		return;
	}
	artifact_dir[0] = 0;
	if (run_dir && run_dir[0])
		snprintf(artifact_dir, sizeof(artifact_dir), "%s/tests/%s", run_dir, test->name);
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
	int n;
	do
		n = poll(&p, 1, o->timeout_s * 1000);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(pfd[0]);
		rec->result = R_TIMEOUT;
		rec->violated = test->clauses;
		snprintf(rec->reason, sizeof(rec->reason), "no verdict within %d s", o->timeout_s);
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
	default:
		fprintf(f, "not ok %u %s [%s] # ERROR crash\n", num, rec->test->name, cl);
		break;
	}
	fflush(f);
}

/* Discovery once before the tests: the ABI goes into the run's metadata,
 * and a backend that cannot even start is a harness error (exit 2). */
static int probe(const struct vrc_opts *o, struct vrc_run *run, char *err, size_t errlen)
{
	struct vrc_sim sim;
	struct vrc_transport *t = NULL;
	struct vrc_display_irq irq;
	char path[128];
	int rc;

	snprintf(run->abi_found, sizeof(run->abi_found), "none");
	run->irq_index = -1;
	rc = vrc_sim_start(o->sim_path, o->model, o->abi, 1, &sim, err, errlen);
	if (rc)
		return rc;
	vrc_sim_path(&sim, 0, "vfio-user", path, sizeof(path));
	rc = vrc_vfio_user_open(path, 5000, &t, err, errlen);
	if (!rc) {
		char e2[256];
		if (!vrc_display_irq_find(t, &irq, e2, sizeof(e2))) {
			snprintf(run->abi_found, sizeof(run->abi_found), "%s",
				 vrc_abi_str(irq.desc.abi));
			run->irq_index = (int)irq.index;
			vrc_display_irq_close(&irq);
		}
		vrc_transport_close(t);
	}
	vrc_sim_stop(&sim);
	return rc;
}

static void timestamp(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int vrc_run(const struct vrc_opts *o, struct vrc_run *run)
{
	char started[32], finished[32] = "", err[256];
	FILE *f = o->ktap;
	unsigned n = 0;

	memset(run, 0, sizeof(*run));
	timestamp(started, sizeof(started));
	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		char day[32];
		strftime(day, sizeof(day), "%Y%m%d-%H%M%S", &tm);
		snprintf(run->run_id, sizeof(run->run_id), "%s-%s-%d", day,
			 o->model ? o->model : "ref", (int)getpid());
	}
	for (unsigned i = 0; i < vrc_num_tests; i++)
		n += vrc_test_selected(o, vrc_all_tests[i]);
	fprintf(f, "KTAP version 1\n");
	if (probe(o, run, err, sizeof(err))) {
		fprintf(f, "Bail out! backend sim: %s\n", err);
		fprintf(stderr, "vrc: backend sim: %s\n", err);
		return 2;
	}
	fprintf(f, "# vrc %s: backend sim (vgpu-sim model=%s abi=%s, virtual clock, process guest)\n",
		VRC_VERSION, o->model ? o->model : "ref", o->abi ? o->abi : "model default");
	fprintf(f, "# display irq: abi %s at index %d\n", run->abi_found, run->irq_index);
	if (!n) {
		fprintf(f, "1..0 # SKIP no test matches --suite=%s\n", o->suite);
		return 0;
	}
	fprintf(f, "1..%u\n", n);
	fflush(f);
	run->rec = calloc(n, sizeof(*run->rec));
	if (!run->rec)
		return 2;
	if (!o->no_results && vrc_results_write(o, run, started, NULL) && run->dir[0])
		fprintf(stderr, "vrc: warning: cannot write results to %s\n", run->dir);
	for (unsigned i = 0; i < vrc_num_tests; i++) {
		const struct vrc_test *t = vrc_all_tests[i];
		if (!vrc_test_selected(o, t))
			continue;
		struct vrc_test_record *rec = &run->rec[run->ntests++];
		run_one(o, t, o->no_results ? NULL : run->dir, rec);
		run->count[rec->result]++;
		run->flagged |= rec->violated;
		ktap_result(f, run->ntests, rec);
		if (!o->no_results)
			vrc_results_write(o, run, started, NULL);
	}
	fprintf(f, "# Totals: pass:%u fail:%u skip:%u timeout:%u crash:%u\n",
		run->count[R_PASS], run->count[R_FAIL], run->count[R_SKIP],
		run->count[R_TIMEOUT], run->count[R_CRASH]);
	timestamp(finished, sizeof(finished));
	if (!o->no_results) {
		if (vrc_results_write(o, run, started, finished))
			fprintf(stderr, "vrc: cannot write %s/results.json\n", run->dir);
		else
			fprintf(f, "# results: %s/results.json\n", run->dir);
	}
	fflush(f);
	return run->count[R_FAIL] || run->count[R_TIMEOUT] || run->count[R_CRASH] ? 1 : 0;
}

void vrc_run_free(struct vrc_run *run)
{
	free(run->rec);
	run->rec = NULL;
}
