// SPDX-License-Identifier: MIT
/* QMP message parsing and event bookkeeping: pure functions (fuzzed). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vrc/json.h"
#include "vrc/util.h"
#include "harness/vm/qmp.h"

#define JSON_DEPTH	16

void vrc_qmp_msg_free(struct vrc_qmp_msg *m)
{
	if (m->root)
		json_object_put(m->root);
	memset(m, 0, sizeof(*m));
}

static const char *get_str(struct json_object *o, const char *key)
{
	const char *s;

	return vrc_json_str(o, key, &s, NULL) ? NULL : s;
}

static int get_small_int(struct json_object *o, const char *key, int *out)
{
	int64_t x;

	if (vrc_json_i64(o, key, 0, 1000000, &x))
		return -1;
	*out = (int)x;
	return 0;
}

static int parse_greeting(struct json_object *g, struct vrc_qmp_msg *m, char *err, size_t errlen)
{
	struct json_object *ver, *qemu, *caps;

	if (!json_object_is_type(g, json_type_object) ||
	    !json_object_object_get_ex(g, "version", &ver) ||
	    !json_object_is_type(ver, json_type_object) ||
	    !json_object_object_get_ex(ver, "qemu", &qemu) ||
	    !json_object_is_type(qemu, json_type_object) ||
	    get_small_int(qemu, "major", &m->ver_major) ||
	    get_small_int(qemu, "minor", &m->ver_minor) ||
	    get_small_int(qemu, "micro", &m->ver_micro)) {
		vrc_seterr(err, errlen, "QMP greeting without a valid version.qemu.{major,minor,micro}");
		return -EPROTO;
	}
	if (!json_object_object_get_ex(g, "capabilities", &caps) ||
	    !json_object_is_type(caps, json_type_array)) {
		vrc_seterr(err, errlen, "QMP greeting without a capabilities array");
		return -EPROTO;
	}
	m->kind = VRC_QMP_GREETING;
	return 0;
}

int vrc_qmp_parse(const char *line, size_t len, struct vrc_qmp_msg *m, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	struct json_object *o, *v;
	int n = 0;

	memset(m, 0, sizeof(*m));
	if (!tok)
		return -ENOMEM;
	if (len > VRC_QMP_LINE_MAX) {
		json_tokener_free(tok);
		vrc_seterr(err, errlen, "QMP line of %zu bytes (limit %u)", len, VRC_QMP_LINE_MAX);
		return -EPROTO;
	}
	o = json_tokener_parse_ex(tok, line, (int)len);
	size_t end = o ? json_tokener_get_parse_end(tok) : 0;
	while (o && end < len && (line[end] == ' ' || line[end] == '\t' || line[end] == '\r'))
		end++;
	if (!o || json_tokener_get_error(tok) != json_tokener_success || end != len) {
		vrc_seterr(err, errlen, "QMP sent something that is not one JSON value: %.*s%s",
			   len > 60 ? 60 : (int)len, line, len > 60 ? "..." : "");
		json_object_put(o);
		json_tokener_free(tok);
		return -EPROTO;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		vrc_seterr(err, errlen, "QMP message is not a JSON object");
		json_object_put(o);
		return -EPROTO;
	}
	m->root = o;
	if (json_object_object_get_ex(o, "id", &v)) {
		/* We only send integer ids; anything else is not a reply to us. */
		if (json_object_is_type(v, json_type_int)) {
			m->has_id = true;
			m->id = json_object_get_int64(v);
		}
	}
	if (json_object_object_get_ex(o, "QMP", &v)) {
		n++;
		if (parse_greeting(v, m, err, errlen))
			goto bad;
	}
	if (json_object_object_get_ex(o, "return", &v)) {
		n++;
		m->kind = VRC_QMP_RETURN;
		m->ret = v;
	}
	if (json_object_object_get_ex(o, "error", &v)) {
		n++;
		m->kind = VRC_QMP_ERROR;
		if (!json_object_is_type(v, json_type_object) ||
		    !(m->err_class = get_str(v, "class")) ||
		    !(m->err_desc = get_str(v, "desc"))) {
			vrc_seterr(err, errlen, "QMP error reply without class and desc strings");
			goto bad;
		}
	}
	if (json_object_object_get_ex(o, "event", &v)) {
		n++;
		m->kind = VRC_QMP_EVENT;
		m->event = get_str(o, "event");
		if (!m->event || !m->event[0] || strlen(m->event) > 64) {
			vrc_seterr(err, errlen, "QMP event without a sane name");
			goto bad;
		}
		if (json_object_object_get_ex(o, "data", &v)) {
			if (!json_object_is_type(v, json_type_object)) {
				vrc_seterr(err, errlen, "QMP event %s with non-object data", m->event);
				goto bad;
			}
			m->data = v;
		}
	}
	if (n != 1) {
		vrc_seterr(err, errlen, "QMP message with %s of QMP/return/error/event",
			   n ? "more than one" : "none");
		goto bad;
	}
	return 0;
bad:
	vrc_qmp_msg_free(m);
	return -EPROTO;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	/* Printable ASCII only: these end up in reports. */
	for (; src && src[i] && i + 1 < len; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = 0;
}

void vrc_qmp_note_event(struct vrc_qmp_events *ev, const struct vrc_qmp_msg *m)
{
	struct json_object *v;

	if (m->kind != VRC_QMP_EVENT || !m->event)
		return;
	ev->count++;
	copy_str(ev->last, sizeof(ev->last), m->event);
	if (!strcmp(m->event, "SHUTDOWN")) {
		ev->shutdown = true;
		if (m->data && json_object_object_get_ex(m->data, "guest", &v) &&
		    json_object_is_type(v, json_type_boolean))
			ev->shutdown_guest = json_object_get_boolean(v);
		copy_str(ev->shutdown_reason, sizeof(ev->shutdown_reason),
			 m->data ? get_str(m->data, "reason") : NULL);
	} else if (!strcmp(m->event, "GUEST_PANICKED")) {
		ev->panicked = true;
		copy_str(ev->panic_action, sizeof(ev->panic_action),
			 m->data ? get_str(m->data, "action") : NULL);
	} else if (!strcmp(m->event, "POWERDOWN")) {
		ev->powerdown = true;
	} else if (!strcmp(m->event, "RESET")) {
		ev->reset = true;
	}
}
