// SPDX-License-Identifier: MIT
/* results/<run-id>/results.json: run metadata and one record per finished
 * test, rewritten atomically (tmp + fsync + rename) after every test so a
 * dying run loses nothing it finished. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "vrc.h"
#include "vrc/xml.h"

static int mkdir_p(const char *path)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(tmp, 0755) && errno != EEXIST ? -errno : 0;
}

static json_object *clauses_json(uint32_t mask)
{
	json_object *a = json_object_new_array();

	for (unsigned c = 0; c < C_NUM_CLAUSES; c++)
		if (mask & CL(c))
			json_object_array_add(a, json_object_new_string(vrc_clause_name(c)));
	return a;
}

json_object *vrc_record_json(const struct vrc_test_record *r)
{
	json_object *t = json_object_new_object();
	char reason[sizeof(r->reason)];

	/* a reason can quote the guest or be cut mid-character: JSON is UTF-8 */
	vrc_utf8_clean(r->reason, strnlen(r->reason, sizeof(r->reason)), reason, sizeof(reason));
	json_object_object_add(t, "name", json_object_new_string(r->test->name));
	json_object_object_add(t, "clauses", clauses_json(r->test->clauses));
	json_object_object_add(t, "result", json_object_new_string(vrc_result_name(r->result)));
	json_object_object_add(t, "violated", clauses_json(r->violated));
	json_object_object_add(t, "duration_s", json_object_new_double(r->duration_s));
	json_object_object_add(t, "reason", reason[0] ? json_object_new_string(reason) : NULL);
	if (r->nmeas) {
		json_object *m = json_object_new_object();
		for (unsigned k = 0; k < r->nmeas; k++) {
			json_object *v = json_object_new_object();
			json_object_object_add(v, "value", json_object_new_double(r->meas[k].value));
			json_object_object_add(v, "unit", json_object_new_string(r->meas[k].unit));
			json_object_object_add(m, r->meas[k].name, v);
		}
		json_object_object_add(t, "measurements", m);
	}
	/* Reruns (--rerun-failures): every outcome, first one first. */
	if (r->nattempts > 1) {
		json_object *a = json_object_new_array();
		for (unsigned k = 0; k < r->nattempts && k < VRC_MAX_ATTEMPTS; k++)
			json_object_array_add(a, json_object_new_string(vrc_result_name(r->attempt[k])));
		json_object_object_add(t, "attempts", a);
		json_object_object_add(t, "flaky", json_object_new_boolean(r->flaky));
	}
	return t;
}

static json_object *build(const struct vrc_opts *o, const struct vrc_run *run,
			  const char *started, const char *finished)
{
	json_object *root = json_object_new_object(), *meta = json_object_new_object();
	json_object *tests = json_object_new_array(), *totals = json_object_new_object();
	struct utsname u;

	json_object_object_add(root, "format", json_object_new_string("vrc-results"));
	json_object_object_add(root, "format_version", json_object_new_int(1));
	json_object_object_add(meta, "run_id", json_object_new_string(run->run_id));
	json_object_object_add(meta, "vrc_version", json_object_new_string(VRC_VERSION));
	json_object_object_add(meta, "backend", json_object_new_string(o->backend));
	json_object_object_add(meta, "model", json_object_new_string(o->model ? o->model : "ref"));
	json_object_object_add(meta, "abi_requested",
			       json_object_new_string(o->abi ? o->abi : "model default"));
	json_object_object_add(meta, "abi_found", json_object_new_string(run->abi_found));
	json_object_object_add(meta, "display_irq_index", json_object_new_int(run->irq_index));
	/* virtual-time tests always drive a process guest; the real-time
	 * (rt-*) tests run their workloads where --guest says */
	json_object_object_add(meta, "clock", json_object_new_string("virtual and real (60 Hz)"));
	json_object_object_add(meta, "guest", json_object_new_string(o->guest ? o->guest : "process"));
	json_object_object_add(meta, "destructive", json_object_new_boolean(o->destructive));
	json_object_object_add(meta, "suite", json_object_new_string(o->suite ? o->suite : "*"));
	if (!uname(&u)) {
		char k[400];
		snprintf(k, sizeof(k), "%s %s %s", u.sysname, u.release, u.machine);
		json_object_object_add(meta, "host_kernel", json_object_new_string(k));
	}
	json_object_object_add(meta, "started", json_object_new_string(started));
	json_object_object_add(meta, "rerun_failures", json_object_new_int(o->rerun_failures));
	json_object_object_add(meta, "resumed", json_object_new_int((int)run->resumed));
	json_object_object_add(meta, "finished", finished ? json_object_new_string(finished) : NULL);
	json_object_object_add(root, "run", meta);
	for (unsigned i = 0; i < run->ntests; i++)
		if (run->rec[i].done)
			json_object_array_add(tests, vrc_record_json(&run->rec[i]));
	json_object_object_add(root, "tests", tests);
	for (unsigned k = 0; k < R_NUM_RESULTS; k++)
		json_object_object_add(totals, vrc_result_name(k), json_object_new_int((int)run->count[k]));
	json_object_object_add(totals, "flaky", json_object_new_int((int)run->nflaky));
	json_object_object_add(root, "totals", totals);
	return root;
}

int vrc_results_write(const struct vrc_opts *o, const struct vrc_run *run_c,
		      const char *started, const char *finished)
{
	struct vrc_run *run = (struct vrc_run *)run_c;
	char tmp[600], final[600];
	int rc = 0;

	if (!run->dir[0]) {
		if (o->out)
			snprintf(run->dir, sizeof(run->dir), "%s", o->out);
		else
			snprintf(run->dir, sizeof(run->dir), "results/%s", run->run_id);
		if ((rc = mkdir_p(run->dir)))
			return rc;
		if (!o->out) {
			/* results/latest -> the newest run */
			unlink("results/latest.tmp");
			if (!symlink(run->run_id, "results/latest.tmp"))
				rename("results/latest.tmp", "results/latest");
		}
	}
	json_object *root = build(o, run, started, finished);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	snprintf(tmp, sizeof(tmp), "%s/results.json.tmp", run->dir);
	snprintf(final, sizeof(final), "%s/results.json", run->dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) || rename(tmp, final))
		rc = errno ? -errno : -EIO;
	if (fd >= 0)
		close(fd);
	/* the rename itself must survive a power cut */
	int dfd = open(run->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	json_object_put(root);
	return rc;
}
