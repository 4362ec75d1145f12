// SPDX-License-Identifier: MIT
/* QMP client: connection, commands with ids, events on the way. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vrc/util.h"
#include "harness/vm/qmp.h"

/* Next message within the deadline: 0, -ETIMEDOUT, -EPIPE, -EPROTO. */
static int next_msg(struct vrc_qmp *q, struct vrc_qmp_msg *m, int64_t deadline,
		    const struct vrc_waiter *w, char *err, size_t errlen)
{
	char *line;
	size_t len;
	int rc = vrc_wait_line(&q->lr, q->fd, &q->closed, "QMP", deadline, w, &line, &len, err,
			       errlen);

	return rc == 1 ? vrc_qmp_parse(line, len, m, err, errlen) : rc;
}

int vrc_qmp_open(struct vrc_qmp *q, int fd, int timeout_ms, const struct vrc_waiter *w,
		 char *err, size_t errlen)
{
	int64_t deadline = vrc_now_ms() + timeout_ms;
	struct vrc_qmp_msg m;
	int rc;

	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->next_id = 1;
	vrc_lr_init(&q->lr, VRC_QMP_LINE_MAX, false);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		rc = next_msg(q, &m, deadline, w, err, errlen);
		if (rc) {
			char e2[200];
			snprintf(e2, sizeof(e2), "no QMP greeting: %s", err ? err : "");
			vrc_seterr(err, errlen, "%s", e2);
			return rc;
		}
		if (m.kind == VRC_QMP_GREETING)
			break;
		/* Events before the greeting cannot happen; anything else is a protocol error. */
		vrc_seterr(err, errlen, "QMP: expected the greeting first");
		vrc_qmp_msg_free(&m);
		return -EPROTO;
	}
	q->ver_major = m.ver_major;
	q->ver_minor = m.ver_minor;
	q->ver_micro = m.ver_micro;
	vrc_qmp_msg_free(&m);
	rc = vrc_qmp_cmd(q, "qmp_capabilities", NULL, NULL, vrc_left_ms(deadline), w, err, errlen);
	return rc;
}

int vrc_qmp_connect(struct vrc_qmp *q, const char *path, int timeout_ms,
		    char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		vrc_seterr(err, errlen, "QMP socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;
		vrc_seterr(err, errlen, "cannot connect to QMP socket %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return vrc_qmp_open(q, fd, timeout_ms, NULL, err, errlen);
}

void vrc_qmp_close(struct vrc_qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	vrc_lr_free(&q->lr);
}

int vrc_qmp_cmd(struct vrc_qmp *q, const char *cmd, struct json_object *args,
		struct json_object **ret, int timeout_ms, const struct vrc_waiter *w,
		char *err, size_t errlen)
{
	int64_t deadline = vrc_now_ms() + timeout_ms;
	int64_t id = q->next_id++;
	struct json_object *req = json_object_new_object();
	struct vrc_qmp_msg m;
	int rc;

	if (ret)
		*ret = NULL;
	if (!req) {
		json_object_put(args);
		return -ENOMEM;
	}
	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", args);
	json_object_object_add(req, "id", json_object_new_int64(id));
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char *line = NULL;
	size_t slen = strlen(s);
	if (q->fd < 0 || q->closed) {
		json_object_put(req);
		vrc_seterr(err, errlen, "%s: QEMU closed the QMP connection", cmd);
		return -EPIPE;
	}
	line = malloc(slen + 2);
	if (!line) {
		json_object_put(req);
		return -ENOMEM;
	}
	memcpy(line, s, slen);
	line[slen] = '\n';
	line[slen + 1] = 0;
	json_object_put(req);
	rc = vrc_send_all(q->fd, line, slen + 1, deadline, err, errlen);
	free(line);
	if (rc) {
		if (rc == -EPIPE)
			vrc_seterr(err, errlen, "%s: QEMU closed the QMP connection", cmd);
		return rc;
	}
	for (;;) {
		char e[256] = "";
		rc = next_msg(q, &m, deadline, w, e, sizeof(e));
		if (rc) {
			vrc_seterr(err, errlen, "%s: %s", cmd, e);
			return rc;
		}
		if (m.kind == VRC_QMP_EVENT) {
			vrc_qmp_note_event(&q->ev, &m);
			vrc_qmp_msg_free(&m);
			continue;
		}
		if (!m.has_id || m.id != id) {	/* a stale reply to an abandoned command */
			vrc_qmp_msg_free(&m);
			continue;
		}
		break;
	}
	if (m.kind == VRC_QMP_ERROR) {
		vrc_seterr(err, errlen, "%s: QMP error %s: %s", cmd, m.err_class, m.err_desc);
		vrc_qmp_msg_free(&m);
		return -EREMOTEIO;
	}
	if (m.kind != VRC_QMP_RETURN) {
		vrc_seterr(err, errlen, "%s: unexpected QMP message", cmd);
		vrc_qmp_msg_free(&m);
		return -EPROTO;
	}
	if (ret)
		*ret = json_object_get(m.ret);
	vrc_qmp_msg_free(&m);
	return 0;
}

int vrc_qmp_query_status(struct vrc_qmp *q, char *status, size_t len, bool *running,
			 int timeout_ms, char *err, size_t errlen)
{
	struct json_object *ret, *v;
	int rc = vrc_qmp_cmd(q, "query-status", NULL, &ret, timeout_ms, NULL, err, errlen);

	if (rc)
		return rc;
	if (!json_object_is_type(ret, json_type_object) ||
	    !json_object_object_get_ex(ret, "status", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) > 40) {
		vrc_seterr(err, errlen, "query-status: reply without a status string");
		json_object_put(ret);
		return -EPROTO;
	}
	if (status)
		snprintf(status, len, "%s", json_object_get_string(v));
	if (running) {
		*running = false;
		if (json_object_object_get_ex(ret, "running", &v) &&
		    json_object_is_type(v, json_type_boolean))
			*running = json_object_get_boolean(v);
	}
	json_object_put(ret);
	return 0;
}

int vrc_qmp_quit(struct vrc_qmp *q, int timeout_ms, char *err, size_t errlen)
{
	int rc = vrc_qmp_cmd(q, "quit", NULL, NULL, timeout_ms, NULL, err, errlen);

	return rc == -EPIPE ? 0 : rc;
}

int vrc_qmp_pump(struct vrc_qmp *q, char *err, size_t errlen)
{
	struct vrc_qmp_msg m;

	for (;;) {
		int rc = vrc_lr_fill(&q->lr, q->fd);
		if (rc == -EAGAIN)
			break;
		if (rc == -EPIPE || rc == -ECONNRESET) {
			q->closed = true;
			break;
		}
		if (rc < 0) {
			vrc_seterr(err, errlen, "QMP read: %s", strerror(-rc));
			return rc;
		}
		/* Record events as they come, so the buffer never piles up. */
		for (;;) {
			char *line;
			size_t len;
			int r = vrc_lr_next(&q->lr, &line, &len);
			if (r == 0)
				break;
			if (r < 0 || !len)
				continue;
			if (!vrc_qmp_parse(line, len, &m, NULL, 0)) {
				vrc_qmp_note_event(&q->ev, &m);
				vrc_qmp_msg_free(&m);
			}
		}
	}
	if (q->closed) {
		vrc_seterr(err, errlen, "QEMU closed the QMP connection");
		return -EPIPE;
	}
	return 0;
}

static bool event_seen(const struct vrc_qmp *q, const char *name)
{
	if (!strcmp(name, "SHUTDOWN"))
		return q->ev.shutdown;
	if (!strcmp(name, "GUEST_PANICKED"))
		return q->ev.panicked;
	if (!strcmp(name, "POWERDOWN"))
		return q->ev.powerdown;
	if (!strcmp(name, "RESET"))
		return q->ev.reset;
	return !strcmp(q->ev.last, name);
}

int vrc_qmp_wait_event(struct vrc_qmp *q, const char *name, int timeout_ms,
		       const struct vrc_waiter *w, char *err, size_t errlen)
{
	int64_t deadline = vrc_now_ms() + timeout_ms;
	struct vrc_qmp_msg m;

	while (!event_seen(q, name)) {
		char e[256] = "";
		int rc = next_msg(q, &m, deadline, w, e, sizeof(e));
		if (rc) {
			vrc_seterr(err, errlen, "waiting for %s: %s", name, e);
			return rc;
		}
		vrc_qmp_note_event(&q->ev, &m);
		vrc_qmp_msg_free(&m);
	}
	return 0;
}
