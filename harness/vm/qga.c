// SPDX-License-Identifier: MIT
/* qemu-guest-agent client: resync, commands, guest-exec, file fetch. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vrc/util.h"
#include "harness/vm/qga.h"

#define EXEC_POLL_MIN_MS	20
#define EXEC_POLL_MAX_MS	250

void vrc_qga_init(struct vrc_qga *g, int fd)
{
	memset(g, 0, sizeof(*g));
	g->fd = fd;
	g->need_sync = true;
	/* A per-session random start keeps ids of an earlier client's syncs apart. */
	g->next_id = (int64_t)(vrc_now_ns() % 1000000000u) * 1000 + getpid() % 1000;
	vrc_lr_init(&g->lr, VRC_QGA_LINE_MAX, true);
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void vrc_qga_close(struct vrc_qga *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	vrc_lr_free(&g->lr);
}

/* Next reply object by the deadline. */
static int next_obj(struct vrc_qga *g, struct json_object **o, int64_t deadline,
		    const struct vrc_waiter *w, char *err, size_t errlen)
{
	char *line;
	size_t len;
	int rc = vrc_wait_line(&g->lr, g->fd, &g->closed, "agent", deadline, w, &line, &len,
			       err, errlen);

	return rc == 1 ? vrc_qga_parse_line(line, len, o, err, errlen) : rc;
}

static int send_req(struct vrc_qga *g, const char *prefix, const char *cmd,
		    struct json_object *args, int64_t id, bool with_id, int64_t deadline,
		    char *err, size_t errlen)
{
	struct json_object *req = json_object_new_object();
	int rc;

	if (!req) {
		json_object_put(args);
		return -ENOMEM;
	}
	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", args);
	if (with_id)
		json_object_object_add(req, "id", json_object_new_int64(id));
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t plen = strlen(prefix), slen = strlen(s);
	char *line = malloc(plen + slen + 2);
	if (!line) {
		json_object_put(req);
		return -ENOMEM;
	}
	memcpy(line, prefix, plen);
	memcpy(line + plen, s, slen);
	line[plen + slen] = '\n';
	json_object_put(req);
	if (g->closed || g->fd < 0) {
		free(line);
		vrc_seterr(err, errlen, "agent connection closed by QEMU");
		return -EPIPE;
	}
	rc = vrc_send_all(g->fd, line, plen + slen + 1, deadline, err, errlen);
	free(line);
	if (rc == -EPIPE)
		g->closed = true;
	return rc;
}

int vrc_qga_sync(struct vrc_qga *g, int timeout_ms, const struct vrc_waiter *w,
		 char *err, size_t errlen)
{
	int64_t deadline = vrc_now_ms() + timeout_ms;
	int64_t id = g->next_id++;
	struct json_object *args = json_object_new_object();
	int rc;

	if (!args)
		return -ENOMEM;
	json_object_object_add(args, "id", json_object_new_int64(id));
	/* The leading 0xFF makes qemu-ga drop whatever half request it holds. */
	rc = send_req(g, "\xff", "guest-sync-delimited", args, 0, false, deadline, err, errlen);
	if (rc)
		return rc;
	g->need_sync = true;
	for (;;) {
		struct json_object *o, *v;
		char e[256] = "";

		rc = next_obj(g, &o, deadline, w, e, sizeof(e));
		if (rc == -EPROTO)	/* garbage before the sentinel: stale, skip */
			continue;
		if (rc) {
			vrc_seterr(err, errlen, "guest-sync-delimited: %s", e);
			return rc;
		}
		bool match = g->lr.ff_seen && json_object_object_get_ex(o, "return", &v) &&
			     json_object_is_type(v, json_type_int) &&
			     json_object_get_int64(v) == id;
		json_object_put(o);
		if (match)
			break;
	}
	g->lr.ff_seen = 0;
	g->need_sync = false;
	return 0;
}

int vrc_qga_cmd(struct vrc_qga *g, const char *cmd, struct json_object *args,
		struct json_object **ret, int timeout_ms, const struct vrc_waiter *w,
		char *err, size_t errlen)
{
	int64_t deadline = vrc_now_ms() + timeout_ms;
	int64_t id = g->next_id++;
	struct json_object *o = NULL, *v;
	char e[256] = "";
	int rc;

	if (ret)
		*ret = NULL;
	if (g->need_sync) {
		rc = vrc_qga_sync(g, timeout_ms, w, err, errlen);
		if (rc) {
			json_object_put(args);
			return rc;
		}
	}
	rc = send_req(g, "", cmd, args, id, true, deadline, e, sizeof(e));
	while (!rc) {
		rc = next_obj(g, &o, deadline, w, e, sizeof(e));
		if (rc)
			break;
		/* qemu-ga echoes the id; a reply with another id is stale. */
		if (json_object_object_get_ex(o, "id", &v) &&
		    !(json_object_is_type(v, json_type_int) && json_object_get_int64(v) == id)) {
			json_object_put(o);
			o = NULL;
			continue;
		}
		break;
	}
	if (rc) {
		g->need_sync = true;
		vrc_seterr(err, errlen, "%s: %s", cmd, e);
		return rc;
	}
	if (json_object_object_get_ex(o, "error", &v)) {
		struct json_object *c = NULL, *d = NULL;
		if (json_object_is_type(v, json_type_object)) {
			json_object_object_get_ex(v, "class", &c);
			json_object_object_get_ex(v, "desc", &d);
		}
		vrc_seterr(err, errlen, "%s: agent error %.40s: %.200s", cmd,
			   json_object_is_type(c, json_type_string) ? json_object_get_string(c) : "?",
			   json_object_is_type(d, json_type_string) ? json_object_get_string(d) : "?");
		json_object_put(o);
		return -EREMOTEIO;
	}
	if (!json_object_object_get_ex(o, "return", &v)) {
		vrc_seterr(err, errlen, "%s: agent reply with neither return nor error", cmd);
		json_object_put(o);
		g->need_sync = true;
		return -EPROTO;
	}
	if (ret)
		*ret = json_object_get(v);
	json_object_put(o);
	return 0;
}

int vrc_qga_ping(struct vrc_qga *g, int timeout_ms, const struct vrc_waiter *w,
		 char *err, size_t errlen)
{
	return vrc_qga_cmd(g, "guest-ping", NULL, NULL, timeout_ms, w, err, errlen);
}

static struct json_object *str_array(const char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; a && v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

int vrc_qga_exec(struct vrc_qga *g, const struct vrc_qga_exec_req *req,
		 struct vrc_qga_exec_status *st, int64_t *pid_out, int timeout_ms,
		 const struct vrc_waiter *w, char *err, size_t errlen)
{
	int64_t deadline = vrc_now_ms() + timeout_ms;
	struct json_object *args = json_object_new_object(), *ret;
	int64_t pid;
	int rc, pause_ms = EXEC_POLL_MIN_MS;
	char e[256] = "";

	memset(st, 0, sizeof(*st));
	if (!args)
		return -ENOMEM;
	json_object_object_add(args, "path", json_object_new_string(req->path));
	if (req->argv && req->argv[0])
		json_object_object_add(args, "arg", str_array(req->argv));
	if (req->env && req->env[0])
		json_object_object_add(args, "env", str_array(req->env));
	json_object_object_add(args, "capture-output", json_object_new_boolean(!req->no_capture));
	rc = vrc_qga_cmd(g, "guest-exec", args, &ret, timeout_ms, w, err, errlen);
	if (rc)
		return rc;
	rc = vrc_qga_parse_exec_pid(ret, &pid, err, errlen);
	json_object_put(ret);
	if (rc)
		return rc;
	if (pid_out)
		*pid_out = pid;
	for (;;) {
		struct json_object *a = json_object_new_object();
		if (!a)
			return -ENOMEM;
		json_object_object_add(a, "pid", json_object_new_int64(pid));
		rc = vrc_qga_cmd(g, "guest-exec-status", a, &ret, vrc_left_ms(deadline), w, e,
				 sizeof(e));
		if (rc) {
			vrc_seterr(err, errlen, "%s (pid %lld in the guest): %s", req->path,
				   (long long)pid, e);
			return rc;
		}
		rc = vrc_qga_parse_exec_status(ret, req->out_max, st, e, sizeof(e));
		json_object_put(ret);
		if (rc) {
			vrc_seterr(err, errlen, "%s: %s", req->path, e);
			return rc;
		}
		if (st->exited)
			return 0;
		vrc_qga_exec_status_free(st);
		if (vrc_left_ms(deadline) <= pause_ms) {
			vrc_seterr(err, errlen, "%s (pid %lld in the guest) still running after %d ms",
				   req->path, (long long)pid, timeout_ms);
			return -ETIMEDOUT;
		}
		struct timespec ts = { 0, (long)pause_ms * 1000000L };
		nanosleep(&ts, NULL);
		pause_ms = pause_ms * 2 > EXEC_POLL_MAX_MS ? EXEC_POLL_MAX_MS : pause_ms * 2;
	}
}

int vrc_qga_read_file(struct vrc_qga *g, const char *path, size_t max, uint8_t **data,
		      size_t *len, int timeout_ms, const struct vrc_waiter *w,
		      char *err, size_t errlen)
{
	int64_t deadline = vrc_now_ms() + timeout_ms;
	struct json_object *args = json_object_new_object(), *ret;
	int64_t handle;
	bool eof = false;
	int rc;
	char e[256] = "";

	*data = NULL;
	*len = 0;
	if (!args)
		return -ENOMEM;
	json_object_object_add(args, "path", json_object_new_string(path));
	json_object_object_add(args, "mode", json_object_new_string("r"));
	rc = vrc_qga_cmd(g, "guest-file-open", args, &ret, timeout_ms, w, e, sizeof(e));
	if (rc) {
		vrc_seterr(err, errlen, "%s: %s", path, e);
		return rc;
	}
	if (!json_object_is_type(ret, json_type_int) || json_object_get_int64(ret) < 0) {
		json_object_put(ret);
		vrc_seterr(err, errlen, "guest-file-open %s: reply is not a handle", path);
		return -EPROTO;
	}
	handle = json_object_get_int64(ret);
	json_object_put(ret);
	while (!eof) {
		struct json_object *a = json_object_new_object();
		if (!a) {
			rc = -ENOMEM;
			break;
		}
		json_object_object_add(a, "handle", json_object_new_int64(handle));
		json_object_object_add(a, "count", json_object_new_int(VRC_QGA_READ_CHUNK));
		rc = vrc_qga_cmd(g, "guest-file-read", a, &ret, vrc_left_ms(deadline), w, e,
				 sizeof(e));
		if (rc)
			break;
		rc = vrc_qga_parse_file_read(ret, max, data, len, &eof, e, sizeof(e));
		json_object_put(ret);
		if (rc)
			break;
	}
	/* Close even after an error, unless the agent is gone or out of sync. */
	if (!g->closed && !g->need_sync) {
		struct json_object *a = json_object_new_object();
		if (a) {
			json_object_object_add(a, "handle", json_object_new_int64(handle));
			int crc = vrc_qga_cmd(g, "guest-file-close", a, NULL,
					      vrc_left_ms(deadline) + 1000, w, NULL, 0);
			if (!rc && crc) {
				rc = crc;
				snprintf(e, sizeof(e), "guest-file-close failed");
			}
		}
	}
	if (rc) {
		vrc_seterr(err, errlen, "%s: %s", path, e);
		free(*data);
		*data = NULL;
		*len = 0;
	}
	return rc;
}
