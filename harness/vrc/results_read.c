// SPDX-License-Identifier: MIT
/* Reading results.json (and journal test records) back, untrusted. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vrc/json.h"
#include "results_read.h"
#include "vrc/xml.h"

bool vrc_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n >= max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

char *vrc_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, more than the %zu accepted", path,
			 (long long)st.st_size, max);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	close(fd);
	if (len)
		*len = got;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* A string member copied into dst as valid UTF-8 (vrc_utf8_clean: a
 * results file is untrusted text); absent or null gives "". */
static int get_str(json_object *o, const char *key, char *dst, size_t len, bool required,
		   char *err, size_t errlen)
{
	const char *s;
	size_t n;
	int rc = vrc_json_str(o, key, &s, &n);

	dst[0] = 0;
	if (rc == -ENOENT) {
		if (required) {
			snprintf(err, errlen, "missing \"%s\"", key);
			return -1;
		}
		return 0;
	}
	if (rc) {
		snprintf(err, errlen, "\"%s\" is not a string", key);
		return -1;
	}
	if (n >= len || strlen(s) != n) {
		snprintf(err, errlen, "\"%s\" is too long or holds a NUL", key);
		return -1;
	}
	vrc_utf8_clean(s, n, dst, len);
	return 0;
}

static int get_result(json_object *o, const char *key, enum vrc_result *r, char *err, size_t errlen)
{
	char name[32];

	if (get_str(o, key, name, sizeof(name), true, err, errlen))
		return -1;
	int v = vrc_result_from_name(name);
	if (v < 0) {
		snprintf(err, errlen, "\"%s\": unknown result '%s'", key, name);
		return -1;
	}
	*r = (enum vrc_result)v;
	return 0;
}

/* A clause list ["EVT-1", ...] as "EVT-1,EVT-2". */
static int get_clauses(json_object *o, const char *key, char *dst, size_t len,
		       char *err, size_t errlen)
{
	json_object *a;
	size_t used = 0;

	dst[0] = 0;
	if (!json_object_object_get_ex(o, key, &a) || !a)
		return 0;
	if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) > 32) {
		snprintf(err, errlen, "\"%s\" is not a list of at most 32 clauses", key);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *c = json_object_array_get_idx(a, i);
		const char *s = c ? json_object_get_string(c) : NULL;
		if (!c || !json_object_is_type(c, json_type_string) || !vrc_name_ok(s, 16)) {
			snprintf(err, errlen, "\"%s\"[%zu] is not a clause id", key, i);
			return -1;
		}
		int w = snprintf(dst + used, len - used, "%s%s", used ? "," : "", s);
		if (w < 0 || (size_t)w >= len - used) {
			snprintf(err, errlen, "\"%s\" too long", key);
			return -1;
		}
		used += (size_t)w;
	}
	return 0;
}

static int get_num(json_object *o, const char *key, double *d, char *err, size_t errlen)
{
	int rc = vrc_json_num(o, key, d);

	if (rc == -ENOENT)
		*d = 0;
	if (rc == -ENOENT)
		return 0;
	if (rc) {
		*d = 0;
		snprintf(err, errlen, "\"%s\" is not a number", key);
		return -1;
	}
	if (!isfinite(*d)) {
		snprintf(err, errlen, "\"%s\" is not finite", key);
		return -1;
	}
	return 0;
}

int vrc_lt_from_json(json_object *o, struct vrc_lt *t, char *err, size_t errlen)
{
	char e[200];
	json_object *m, *a;

	memset(t, 0, sizeof(*t));
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "test record is not an object");
		return -1;
	}
	if (get_str(o, "name", t->name, sizeof(t->name), true, e, sizeof(e)) ||
	    !vrc_name_ok(t->name, sizeof(t->name))) {
		snprintf(err, errlen, "test name: %s", t->name[0] ? "bad characters" : e);
		return -1;
	}
	if (get_result(o, "result", &t->result, e, sizeof(e)) ||
	    get_clauses(o, "clauses", t->clauses, sizeof(t->clauses), e, sizeof(e)) ||
	    get_clauses(o, "violated", t->violated, sizeof(t->violated), e, sizeof(e)) ||
	    get_num(o, "duration_s", &t->duration_s, e, sizeof(e)) ||
	    get_str(o, "reason", t->reason, sizeof(t->reason), false, e, sizeof(e)))
		goto bad;
	if (json_object_object_get_ex(o, "measurements", &m) && m) {
		if (!json_object_is_type(m, json_type_object)) {
			snprintf(e, sizeof(e), "\"measurements\" is not an object");
			goto bad;
		}
		json_object_object_foreach(m, key, val) {
			struct vrc_measurement *x = &t->meas[t->nmeas];
			if (t->nmeas >= VRC_MAX_MEASUREMENTS) {
				snprintf(e, sizeof(e), "more than %d measurements", VRC_MAX_MEASUREMENTS);
				goto bad;
			}
			if (!vrc_name_ok(key, sizeof(x->name)) || !val ||
			    !json_object_is_type(val, json_type_object)) {
				snprintf(e, sizeof(e), "bad measurement '%.40s'", key);
				goto bad;
			}
			snprintf(x->name, sizeof(x->name), "%s", key);
			if (get_num(val, "value", &x->value, e, sizeof(e)) ||
			    get_str(val, "unit", x->unit, sizeof(x->unit), false, e, sizeof(e)))
				goto bad;
			t->nmeas++;
		}
	}
	t->attempt[0] = t->result;
	t->nattempts = 1;
	if (json_object_object_get_ex(o, "attempts", &a) && a) {
		size_t n = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
		if (n < 1 || n > VRC_MAX_ATTEMPTS) {
			snprintf(e, sizeof(e), "\"attempts\" is not a list of 1..%d results",
				 VRC_MAX_ATTEMPTS);
			goto bad;
		}
		for (size_t i = 0; i < n; i++) {
			json_object *r = json_object_array_get_idx(a, i);
			int v = r && json_object_is_type(r, json_type_string) ?
				vrc_result_from_name(json_object_get_string(r)) : -1;
			if (v < 0) {
				snprintf(e, sizeof(e), "\"attempts\"[%zu] is not a result", i);
				goto bad;
			}
			t->attempt[i] = (enum vrc_result)v;
		}
		t->nattempts = (unsigned)n;
		if (t->attempt[0] != t->result) {
			snprintf(e, sizeof(e), "first attempt %s differs from result %s",
				 vrc_result_name(t->attempt[0]), vrc_result_name(t->result));
			goto bad;
		}
	}
	for (unsigned i = 1; i < t->nattempts; i++)
		t->flaky |= t->attempt[i] != t->attempt[0];
	return 0;
bad:
	snprintf(err, errlen, "test '%s': %s", t->name, e);
	return -1;
}

int vrc_results_parse(const char *text, size_t len, struct vrc_loaded *out,
		      char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *root = NULL, *run, *tests, *fmt;
	char e[300];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (len > VRC_RESULTS_MAX_BYTES || strlen(text) != len) {
		snprintf(err, errlen, "not a text of at most %u bytes", VRC_RESULTS_MAX_BYTES);
		goto out;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(err, errlen, "not JSON (%s at offset %zu)",
			 json_tokener_error_desc(json_tokener_get_error(tok)),
			 json_tokener_get_parse_end(tok));
		goto out;
	}
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "format", &fmt) || !fmt ||
	    strcmp(json_object_get_string(fmt), "vrc-results")) {
		snprintf(err, errlen, "not a vrc results file (no \"format\": \"vrc-results\")");
		goto out;
	}
	if (!json_object_object_get_ex(root, "run", &run) || !run ||
	    !json_object_is_type(run, json_type_object)) {
		snprintf(err, errlen, "no \"run\" object");
		goto out;
	}
	if (get_str(run, "run_id", out->run_id, sizeof(out->run_id), true, e, sizeof(e)) ||
	    get_str(run, "backend", out->backend, sizeof(out->backend), false, e, sizeof(e)) ||
	    get_str(run, "model", out->model, sizeof(out->model), false, e, sizeof(e)) ||
	    get_str(run, "abi_requested", out->abi_requested, sizeof(out->abi_requested), false,
		    e, sizeof(e)) ||
	    get_str(run, "abi_found", out->abi_found, sizeof(out->abi_found), false, e, sizeof(e)) ||
	    get_str(run, "host_kernel", out->host_kernel, sizeof(out->host_kernel), false,
		    e, sizeof(e)) ||
	    get_str(run, "started", out->started, sizeof(out->started), false, e, sizeof(e)) ||
	    get_str(run, "finished", out->finished, sizeof(out->finished), false, e, sizeof(e))) {
		snprintf(err, errlen, "run: %s", e);
		goto out;
	}
	if (!json_object_object_get_ex(root, "tests", &tests) || !tests ||
	    !json_object_is_type(tests, json_type_array) ||
	    json_object_array_length(tests) > VRC_RESULTS_MAX_TESTS) {
		snprintf(err, errlen, "\"tests\" is not a list of at most %u tests",
			 VRC_RESULTS_MAX_TESTS);
		goto out;
	}
	size_t n = json_object_array_length(tests);
	out->t = calloc(n ? n : 1, sizeof(*out->t));
	if (!out->t) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct vrc_lt *t = &out->t[out->ntests];
		if (vrc_lt_from_json(json_object_array_get_idx(tests, i), t, e, sizeof(e))) {
			snprintf(err, errlen, "tests[%zu]: %s", i, e);
			goto out;
		}
		if (vrc_loaded_find(out, t->name)) {
			snprintf(err, errlen, "tests[%zu]: test '%s' twice", i, t->name);
			goto out;
		}
		out->ntests++;
	}
	rc = 0;
out:
	if (rc)
		vrc_loaded_free(out);
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

int vrc_results_load(const char *path, struct vrc_loaded *out, char *err, size_t errlen)
{
	char file[600], e[400];
	struct stat st;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/results.json", path);
	else
		snprintf(file, sizeof(file), "%s", path);
	char *text = vrc_read_file(file, VRC_RESULTS_MAX_BYTES, &len, err, errlen);
	if (!text)
		return -1;
	int rc = vrc_results_parse(text, len, out, e, sizeof(e));
	free(text);
	if (rc) {
		snprintf(err, errlen, "%s: %s", file, e);
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		snprintf(out->dir, sizeof(out->dir), "%s", path);
	else {
		/* results.json inside a run folder: the folder holds the artifacts */
		const char *slash = strrchr(path, '/');
		if (slash && !strcmp(slash + 1, "results.json") && (size_t)(slash - path) < sizeof(out->dir))
			snprintf(out->dir, sizeof(out->dir), "%.*s", (int)(slash - path), path);
		else if (!slash && !strcmp(path, "results.json"))
			snprintf(out->dir, sizeof(out->dir), ".");
	}
	return 0;
}

void vrc_loaded_free(struct vrc_loaded *l)
{
	free(l->t);
	l->t = NULL;
	l->ntests = 0;
}

const struct vrc_lt *vrc_loaded_find(const struct vrc_loaded *l, const char *name)
{
	for (unsigned i = 0; i < l->ntests; i++)
		if (!strcmp(l->t[i].name, name))
			return &l->t[i];
	return NULL;
}

const char *vrc_lt_group(const struct vrc_lt *t, char *buf, size_t len)
{
	size_t n = strcspn(t->clauses, "-,");

	if (!n)
		snprintf(buf, len, "other");
	else
		snprintf(buf, len, "%.*s", (int)n, t->clauses);
	return buf;
}
