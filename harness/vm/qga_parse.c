// SPDX-License-Identifier: MIT
/* qemu-ga reply parsing: pure functions over untrusted JSON (fuzzed). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrc/json.h"
#include "vrc/util.h"
#include "vrc/base64.h"
#include "harness/vm/qga.h"

#define JSON_DEPTH	16

int vrc_qga_parse_line(const char *line, size_t len, struct json_object **root,
		       char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o;

	*root = NULL;
	if (len > VRC_QGA_LINE_MAX) {
		vrc_seterr(err, errlen, "agent line of %zu bytes (limit %u)", len, VRC_QGA_LINE_MAX);
		return -EPROTO;
	}
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, line, (int)len);
	size_t end = o ? json_tokener_get_parse_end(tok) : 0;
	while (o && end < len && (line[end] == ' ' || line[end] == '\t' || line[end] == '\r'))
		end++;
	if (!o || json_tokener_get_error(tok) != json_tokener_success || end != len ||
	    !json_object_is_type(o, json_type_object)) {
		vrc_seterr(err, errlen, "agent sent something that is not a JSON object: %.*s%s",
			   len > 60 ? 60 : (int)len, line, len > 60 ? "..." : "");
		json_object_put(o);
		json_tokener_free(tok);
		return -EPROTO;
	}
	json_tokener_free(tok);
	*root = o;
	return 0;
}

int vrc_qga_parse_exec_pid(struct json_object *ret, int64_t *pid, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_is_type(ret, json_type_object) ||
	    !json_object_object_get_ex(ret, "pid", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) <= 0 || json_object_get_int64(v) > INT32_MAX) {
		vrc_seterr(err, errlen, "guest-exec: reply without a positive pid");
		return -EPROTO;
	}
	*pid = json_object_get_int64(v);
	return 0;
}

void vrc_qga_exec_status_free(struct vrc_qga_exec_status *st)
{
	free(st->out);
	free(st->err);
	memset(st, 0, sizeof(*st));
}

/* Optional base64 field: decoded into a NUL-terminated buffer of at most max bytes;
 * more is cut (and *truncated set), never an error. */
static int get_b64(struct json_object *o, const char *key, size_t max, uint8_t **out,
		   size_t *outlen, bool *truncated, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		vrc_seterr(err, errlen, "%s is not a string", key);
		return -EPROTO;
	}
	size_t n = (size_t)json_object_get_string_len(v);
	const char *s = json_object_get_string(v);
	size_t cap = vrc_b64_decoded_max(n), bad;
	uint8_t *buf = malloc(cap + 1);
	size_t got;
	if (!buf)
		return -ENOMEM;
	int rc = vrc_b64_decode(s, n, buf, cap, &got, &bad);
	if (rc) {
		free(buf);
		vrc_seterr(err, errlen, "%s: invalid base64 at offset %zu", key, bad);
		return -EPROTO;
	}
	if (got > max) {
		got = max;
		*truncated = true;
	}
	buf[got] = 0;
	free(*out);
	*out = buf;
	*outlen = got;
	return 0;
}

static int get_bool(struct json_object *o, const char *key, bool *out, bool required,
		    char *err, size_t errlen)
{
	bool v;
	int rc = vrc_json_bool(o, key, &v);

	if (rc == -ENOENT) {
		if (required)
			vrc_seterr(err, errlen, "no %s", key);
		return required ? -EPROTO : 0;
	}
	if (rc) {
		vrc_seterr(err, errlen, "%s is not a boolean", key);
		return -EPROTO;
	}
	*out = *out || v;
	return 0;
}

static int get_int(struct json_object *o, const char *key, int64_t lo, int64_t hi, bool *has,
		   int *out, char *err, size_t errlen)
{
	int64_t v;
	int rc = vrc_json_i64(o, key, lo, hi, &v);

	if (rc == -ENOENT)
		return 0;
	if (rc) {
		vrc_seterr(err, errlen, "%s is not an integer in [%lld, %lld]", key,
			   (long long)lo, (long long)hi);
		return -EPROTO;
	}
	*has = true;
	*out = (int)v;
	return 0;
}

int vrc_qga_parse_exec_status(struct json_object *ret, size_t out_max,
			      struct vrc_qga_exec_status *st, char *err, size_t errlen)
{
	char e[160] = "";
	int rc;

	memset(st, 0, sizeof(*st));
	if (!out_max)
		out_max = VRC_QGA_OUT_MAX;
	if (!json_object_is_type(ret, json_type_object)) {
		vrc_seterr(err, errlen, "guest-exec-status: reply is not an object");
		return -EPROTO;
	}
	if ((rc = get_bool(ret, "exited", &st->exited, true, e, sizeof(e))) ||
	    (rc = get_int(ret, "exitcode", INT32_MIN, INT32_MAX, &st->has_exitcode,
			  &st->exitcode, e, sizeof(e))) ||
	    (rc = get_int(ret, "signal", 0, INT32_MAX, &st->has_signal, &st->signal,
			  e, sizeof(e))) ||
	    (rc = get_bool(ret, "out-truncated", &st->out_truncated, false, e, sizeof(e))) ||
	    (rc = get_bool(ret, "err-truncated", &st->err_truncated, false, e, sizeof(e))) ||
	    (rc = get_b64(ret, "out-data", out_max, &st->out, &st->out_len, &st->out_truncated,
			  e, sizeof(e))) ||
	    (rc = get_b64(ret, "err-data", out_max, &st->err, &st->err_len, &st->err_truncated,
			  e, sizeof(e))))
		goto bad;
	/* An exited process has exactly one of exitcode and signal. */
	if (st->exited && st->has_exitcode == st->has_signal) {
		snprintf(e, sizeof(e), "exited with %s exitcode and signal",
			 st->has_exitcode ? "both" : "neither");
		rc = -EPROTO;
		goto bad;
	}
	if (!st->exited && (st->has_exitcode || st->has_signal)) {
		snprintf(e, sizeof(e), "an exit status for a process still running");
		rc = -EPROTO;
		goto bad;
	}
	return 0;
bad:
	vrc_seterr(err, errlen, "guest-exec-status: %s", e);
	vrc_qga_exec_status_free(st);
	return rc;
}

int vrc_qga_parse_file_read(struct json_object *ret, size_t max, uint8_t **buf, size_t *len,
			    bool *eof, char *err, size_t errlen)
{
	struct json_object *v;
	int64_t count;

	*eof = false;
	if (!json_object_is_type(ret, json_type_object) ||
	    !json_object_object_get_ex(ret, "count", &v) || !json_object_is_type(v, json_type_int) ||
	    (count = json_object_get_int64(v)) < 0 || count > (int64_t)VRC_QGA_LINE_MAX) {
		vrc_seterr(err, errlen, "guest-file-read: reply without a sane count");
		return -EPROTO;
	}
	if (get_bool(ret, "eof", eof, true, NULL, 0)) {
		vrc_seterr(err, errlen, "guest-file-read: reply without eof");
		return -EPROTO;
	}
	if (!json_object_object_get_ex(ret, "buf-b64", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		vrc_seterr(err, errlen, "guest-file-read: reply without buf-b64");
		return -EPROTO;
	}
	if ((size_t)count > max - *len) {
		vrc_seterr(err, errlen, "file larger than the limit of %zu bytes", max);
		return -EFBIG;
	}
	size_t n = (size_t)json_object_get_string_len(v), got, bad;
	uint8_t *nb = realloc(*buf, *len + (size_t)count + 1);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	if (vrc_b64_decode(json_object_get_string(v), n, nb + *len, (size_t)count, &got, &bad)) {
		vrc_seterr(err, errlen, "guest-file-read: buf-b64 is not base64 of count=%lld bytes",
			   (long long)count);
		return -EPROTO;
	}
	if (got != (size_t)count) {
		vrc_seterr(err, errlen, "guest-file-read: count %lld but %zu bytes of data",
			   (long long)count, got);
		return -EPROTO;
	}
	*len += got;
	nb[*len] = 0;
	return 0;
}
