// SPDX-License-Identifier: MIT
/* The run journal (journal.h): append with fsync, replay untrusted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vrc/json.h"
#include "journal.h"

/* ---- writing */

static int open_dir(const char *dir, char *err, size_t errlen)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	return dfd;
}

int vrc_journal_create(const char *dir, json_object *header, struct vrc_journal_writer *w,
		       char *err, size_t errlen)
{
	char path[600];

	w->fd = w->dfd = -1;
	snprintf(path, sizeof(path), "%s/%s", dir, VRC_JOURNAL_FILE);
	if ((w->dfd = open_dir(dir, err, errlen)) < 0) {
		json_object_put(header);
		return -1;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		json_object_put(header);
		vrc_journal_close(w);
		return -1;
	}
	if (vrc_journal_append(w, header)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		vrc_journal_close(w);
		return -1;
	}
	return 0;
}

int vrc_journal_reopen(const char *dir, size_t good_len, struct vrc_journal_writer *w,
		       char *err, size_t errlen)
{
	char path[600];

	w->fd = w->dfd = -1;
	snprintf(path, sizeof(path), "%s/%s", dir, VRC_JOURNAL_FILE);
	if ((w->dfd = open_dir(dir, err, errlen)) < 0)
		return -1;
	w->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (w->fd < 0 || ftruncate(w->fd, (off_t)good_len) || fsync(w->fd)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		vrc_journal_close(w);
		return -1;
	}
	return 0;
}

int vrc_journal_append(struct vrc_journal_writer *w, json_object *rec)
{
	size_t len;
	const char *text = json_object_to_json_string_length(rec, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char *line = malloc(len + 2);
	int rc = -1;

	if (!line || len + 1 > VRC_JOURNAL_MAX_LINE) {
		errno = line ? EMSGSIZE : ENOMEM;
		goto out;
	}
	memcpy(line, text, len);
	line[len] = '\n';
	/* One write: a line is either whole or a torn tail, never interleaved. */
	size_t off = 0;
	while (off < len + 1) {
		ssize_t n = write(w->fd, line + off, len + 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	if (fsync(w->fd) || fsync(w->dfd))
		goto out;
	rc = 0;
out:
	free(line);
	json_object_put(rec);
	return rc;
}

void vrc_journal_close(struct vrc_journal_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->dfd >= 0)
		close(w->dfd);
	w->fd = w->dfd = -1;
}

json_object *vrc_journal_opts_json(const struct vrc_opts *o)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "backend", json_object_new_string(o->backend));
	json_object_object_add(j, "model", json_object_new_string(o->model ? o->model : "ref"));
	json_object_object_add(j, "abi", json_object_new_string(o->abi ? o->abi : ""));
	json_object_object_add(j, "suite", json_object_new_string(o->suite ? o->suite : ""));
	json_object_object_add(j, "destructive", json_object_new_boolean(o->destructive));
	json_object_object_add(j, "timeout_s", json_object_new_int(o->timeout_s));
	json_object_object_add(j, "rerun_failures", json_object_new_int(o->rerun_failures));
	json_object_object_add(j, "guest", json_object_new_string(o->guest ? o->guest : "process"));
	return j;
}

/* ---- reading */

static const char *str_of(json_object *o, const char *key)
{
	const char *s;

	return vrc_json_str(o, key, &s, NULL) ? NULL : s;
}

static int copy_str(json_object *o, const char *key, char *dst, size_t len, bool required)
{
	const char *s = str_of(o, key);

	dst[0] = 0;
	if (!s)
		return required ? -1 : 0;
	if (strlen(s) >= len)
		return -1;
	snprintf(dst, len, "%s", s);
	return 0;
}

static int int_of(json_object *o, const char *key, long min, long max, int *out)
{
	int64_t x;

	if (vrc_json_i64(o, key, min, max, &x))
		return -1;
	*out = (int)x;
	return 0;
}

static int plan_index(const struct vrc_journal *j, const char *name)
{
	for (unsigned i = 0; i < j->nplan; i++)
		if (!strcmp(j->rec[i].name, name))
			return (int)i;
	return -1;
}

static int parse_header(json_object *h, struct vrc_journal *j, char *e, size_t el)
{
	json_object *run, *opts, *plan, *dv;
	const char *fmt = str_of(h, "format");

	if (!fmt || strcmp(fmt, "vrc-journal")) {
		snprintf(e, el, "not a vrc journal (no \"format\": \"vrc-journal\")");
		return -1;
	}
	int version;
	if (int_of(h, "version", 1, 1, &version)) {
		snprintf(e, el, "unsupported journal version (want 1)");
		return -1;
	}
	if (!json_object_object_get_ex(h, "run", &run) || !run ||
	    !json_object_is_type(run, json_type_object) ||
	    copy_str(run, "run_id", j->run_id, sizeof(j->run_id), true) ||
	    copy_str(run, "started", j->started, sizeof(j->started), false) ||
	    copy_str(run, "abi_found", j->abi_found, sizeof(j->abi_found), false)) {
		snprintf(e, el, "header: bad \"run\" (run_id, started, abi_found)");
		return -1;
	}
	if (!vrc_name_ok(j->run_id, sizeof(j->run_id))) {
		snprintf(e, el, "header: bad run_id");
		return -1;
	}
	if (int_of(run, "display_irq_index", -1, 1 << 20, &j->irq_index))
		j->irq_index = -1;
	struct vrc_journal_opts *o = &j->opts;
	if (!json_object_object_get_ex(h, "options", &opts) || !opts ||
	    !json_object_is_type(opts, json_type_object) ||
	    copy_str(opts, "backend", o->backend, sizeof(o->backend), true) ||
	    copy_str(opts, "model", o->model, sizeof(o->model), true) ||
	    copy_str(opts, "abi", o->abi, sizeof(o->abi), false) ||
	    copy_str(opts, "suite", o->suite, sizeof(o->suite), false) ||
	    int_of(opts, "timeout_s", 1, 3600, &o->timeout_s) ||
	    int_of(opts, "rerun_failures", 0, VRC_MAX_ATTEMPTS - 1, &o->rerun_failures) ||
	    !json_object_object_get_ex(opts, "destructive", &dv) || !dv ||
	    !json_object_is_type(dv, json_type_boolean) ||
	    !vrc_name_ok(o->backend, sizeof(o->backend)) || !vrc_name_ok(o->model, sizeof(o->model)) ||
	    (o->abi[0] && !vrc_name_ok(o->abi, sizeof(o->abi)))) {
		snprintf(e, el, "header: bad \"options\"");
		return -1;
	}
	o->destructive = json_object_get_boolean(dv);
	if (copy_str(opts, "guest", o->guest, sizeof(o->guest), false) ||
	    (strcmp(o->guest, "process") && strcmp(o->guest, "vm")))
		snprintf(o->guest, sizeof(o->guest), "process");
	if (!json_object_object_get_ex(h, "plan", &plan) || !plan ||
	    !json_object_is_type(plan, json_type_array) ||
	    json_object_array_length(plan) > VRC_RESULTS_MAX_TESTS) {
		snprintf(e, el, "header: \"plan\" is not a list of at most %u tests",
			 VRC_RESULTS_MAX_TESTS);
		return -1;
	}
	size_t n = json_object_array_length(plan);
	j->rec = calloc(n ? n : 1, sizeof(*j->rec));
	j->have = calloc(n ? n : 1, sizeof(*j->have));
	j->running = calloc(n ? n : 1, sizeof(*j->running));
	if (!j->rec || !j->have || !j->running) {
		snprintf(e, el, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(plan, i);
		const char *name = t && json_object_is_type(t, json_type_string) ?
				   json_object_get_string(t) : NULL;
		if (!name || !vrc_name_ok(name, sizeof(j->rec[i].name)) || plan_index(j, name) >= 0) {
			snprintf(e, el, "header: plan[%zu] is not a new test name", i);
			return -1;
		}
		snprintf(j->rec[j->nplan].name, sizeof(j->rec[j->nplan].name), "%s", name);
		j->running[j->nplan] = -1;
		j->nplan++;
	}
	return 0;
}

static int parse_record(json_object *r, struct vrc_journal *j, char *e, size_t el)
{
	const char *type = str_of(r, "type");
	json_object *to;
	int attempt, i;

	if (!type) {
		snprintf(e, el, "record without \"type\"");
		return -1;
	}
	if (!strcmp(type, "start")) {
		const char *name = str_of(r, "test");
		if (!name || (i = plan_index(j, name)) < 0) {
			snprintf(e, el, "start of a test not in the plan");
			return -1;
		}
		if (int_of(r, "attempt", 0, VRC_MAX_ATTEMPTS - 1, &attempt) ||
		    attempt != (j->have[i] ? (int)j->rec[i].nattempts : 0)) {
			snprintf(e, el, "start of '%s': attempt out of sequence", name);
			return -1;
		}
		j->running[i] = attempt;
		return 0;
	}
	if (!strcmp(type, "result")) {
		struct vrc_lt t;
		char e2[300];
		if (!json_object_object_get_ex(r, "test", &to) || vrc_lt_from_json(to, &t, e2, sizeof(e2))) {
			snprintf(e, el, "result: %s", e2);
			return -1;
		}
		if ((i = plan_index(j, t.name)) < 0) {
			snprintf(e, el, "result of '%s', which is not in the plan", t.name);
			return -1;
		}
		if (int_of(r, "attempt", 0, VRC_MAX_ATTEMPTS - 1, &attempt) ||
		    attempt != (j->have[i] ? (int)j->rec[i].nattempts : 0)) {
			snprintf(e, el, "result of '%s': attempt out of sequence", t.name);
			return -1;
		}
		if (!attempt) {
			j->rec[i] = t;
			j->have[i] = true;
		} else {
			struct vrc_lt *x = &j->rec[i];
			x->attempt[x->nattempts++] = t.result;
			x->flaky |= t.result != x->attempt[0];
		}
		j->running[i] = -1;
		return 0;
	}
	if (!strcmp(type, "resume")) {
		j->resumes++;
		j->ended = false;
		return 0;
	}
	if (!strcmp(type, "end")) {
		j->ended = true;
		return 0;
	}
	snprintf(e, el, "unknown record type '%.32s'", type);
	return -1;
}

int vrc_journal_parse(const char *text, size_t len, struct vrc_journal *j, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new_ex(32);
	size_t off = 0;
	unsigned line = 0;
	char e[400];
	int rc = -1;

	memset(j, 0, sizeof(*j));
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (len > VRC_JOURNAL_MAX_BYTES) {
		snprintf(err, errlen, "more than %u bytes", VRC_JOURNAL_MAX_BYTES);
		goto out;
	}
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		line++;
		if (!nl) {
			/* SIGKILL or a power cut mid-append: the line never finished */
			j->torn = true;
			break;
		}
		size_t n = (size_t)(nl - (text + off));
		if (n > VRC_JOURNAL_MAX_LINE || memchr(text + off, 0, n)) {
			snprintf(err, errlen, "line %u: longer than %u bytes or holds a NUL", line,
				 VRC_JOURNAL_MAX_LINE);
			goto out;
		}
		json_tokener_reset(tok);
		json_object *r = json_tokener_parse_ex(tok, text + off, (int)n);
		if (!r || json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != n || !json_object_is_type(r, json_type_object)) {
			json_object_put(r);
			snprintf(err, errlen, "line %u: not a JSON object", line);
			goto out;
		}
		int bad = line == 1 ? parse_header(r, j, e, sizeof(e)) : parse_record(r, j, e, sizeof(e));
		json_object_put(r);
		if (bad) {
			snprintf(err, errlen, "line %u: %s", line, e);
			goto out;
		}
		off += n + 1;
		j->good_len = off;
	}
	if (!line || (line == 1 && j->torn)) {
		snprintf(err, errlen, "no header line");
		goto out;
	}
	rc = 0;
out:
	json_tokener_free(tok);
	if (rc)
		vrc_journal_free(j);
	return rc;
}

int vrc_journal_load(const char *dir, struct vrc_journal *j, char *err, size_t errlen)
{
	char path[600], e[500];
	size_t len;

	memset(j, 0, sizeof(*j));
	snprintf(path, sizeof(path), "%s/%s", dir, VRC_JOURNAL_FILE);
	char *text = vrc_read_file(path, VRC_JOURNAL_MAX_BYTES, &len, err, errlen);
	if (!text)
		return -1;
	int rc = vrc_journal_parse(text, len, j, e, sizeof(e));
	free(text);
	if (rc)
		snprintf(err, errlen, "%s: %s", path, e);
	return rc;
}

void vrc_journal_free(struct vrc_journal *j)
{
	free(j->rec);
	free(j->have);
	free(j->running);
	j->rec = NULL;
	j->have = NULL;
	j->running = NULL;
	j->nplan = 0;
}

/* ---- --resume: the run's options */

int vrc_journal_resume_opts(struct vrc_opts *o, unsigned given, char *err, size_t errlen)
{
	static struct vrc_journal_opts keep;	/* o points into it until exit */
	struct vrc_journal j;
	char e[600], conflict[512] = "";
	size_t used = 0;

	if (vrc_journal_load(o->resume, &j, e, sizeof(e))) {
		snprintf(err, errlen, "--resume=%s: %s", o->resume, e);
		return -1;
	}
	keep = j.opts;
	vrc_journal_free(&j);
#define CONFLICT(...) do { \
		int w_ = snprintf(conflict + used, sizeof(conflict) - used, __VA_ARGS__); \
		if (w_ > 0 && (size_t)w_ < sizeof(conflict) - used) used += (size_t)w_; \
	} while (0)
	if ((given & VRC_GIVEN_BACKEND) && strcmp(o->backend, "auto") && strcmp(o->backend, keep.backend))
		CONFLICT(" --backend=%s (run: %s)", o->backend, keep.backend);
	if ((given & VRC_GIVEN_MODEL) && strcmp(o->model, keep.model))
		CONFLICT(" --model=%s (run: %s)", o->model, keep.model);
	if ((given & VRC_GIVEN_ABI) && strcmp(o->abi, keep.abi))
		CONFLICT(" --abi=%s (run: %s)", o->abi, keep.abi[0] ? keep.abi : "model default");
	if ((given & VRC_GIVEN_SUITE) && strcmp(o->suite, keep.suite))
		CONFLICT(" --suite=%s (run: %s)", o->suite, keep.suite[0] ? keep.suite : "all");
	if ((given & VRC_GIVEN_OUT) && strcmp(o->out, o->resume))
		CONFLICT(" --out=%s (the run is in %s)", o->out, o->resume);
	if ((given & VRC_GIVEN_DESTRUCTIVE) && o->destructive != keep.destructive)
		CONFLICT(" --%sdestructive (run: %sdestructive)", o->destructive ? "" : "no-",
			 keep.destructive ? "" : "no-");
	if ((given & VRC_GIVEN_TIMEOUT) && o->timeout_s != keep.timeout_s)
		CONFLICT(" --timeout=%d (run: %d)", o->timeout_s, keep.timeout_s);
	if ((given & VRC_GIVEN_RERUN) && o->rerun_failures != keep.rerun_failures)
		CONFLICT(" --rerun-failures=%d (run: %d)", o->rerun_failures, keep.rerun_failures);
#undef CONFLICT
	if (used) {
		snprintf(err, errlen, "--resume=%s: options conflict with the run's:%s", o->resume,
			 conflict);
		return -1;
	}
	o->backend = keep.backend;
	o->model = keep.model;
	o->abi = keep.abi[0] ? keep.abi : NULL;
	o->suite = keep.suite[0] ? keep.suite : NULL;
	o->destructive = keep.destructive;
	o->timeout_s = keep.timeout_s;
	o->rerun_failures = keep.rerun_failures;
	o->guest = keep.guest;
	o->out = o->resume;
	return 0;
}
