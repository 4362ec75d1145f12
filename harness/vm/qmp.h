/* SPDX-License-Identifier: MIT */
/*
 * QMP client (QEMU Machine Protocol, one JSON object per line): greeting and
 * qmp_capabilities, commands with ids and timeouts, asynchronous events
 * recorded as they pass (SHUTDOWN, GUEST_PANICKED, ...). Everything read is
 * untrusted: lines are bounded, every message is validated before use.
 */
#ifndef VRC_VM_QMP_H
#define VRC_VM_QMP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/vm/lineio.h"
#include "harness/vm/wait.h"

#define VRC_QMP_LINE_MAX	(1u << 20)

enum vrc_qmp_kind { VRC_QMP_GREETING, VRC_QMP_RETURN, VRC_QMP_ERROR, VRC_QMP_EVENT };

/* One parsed message; root owns everything the pointers reference. */
struct vrc_qmp_msg {
	enum vrc_qmp_kind kind;
	struct json_object *root;
	struct json_object *ret;	/* RETURN: the "return" value */
	struct json_object *data;	/* EVENT: "data" (may be NULL) */
	const char *event;		/* EVENT: its name */
	const char *err_class, *err_desc; /* ERROR */
	bool has_id;
	int64_t id;			/* an integer id we sent, echoed */
	int ver_major, ver_minor, ver_micro; /* GREETING */
};

/* Parse one line: 0, or -EPROTO with what was wrong in err. */
int vrc_qmp_parse(const char *line, size_t len, struct vrc_qmp_msg *m, char *err, size_t errlen);
void vrc_qmp_msg_free(struct vrc_qmp_msg *m);

/* What the events said so far. */
struct vrc_qmp_events {
	unsigned count;
	bool shutdown;			/* SHUTDOWN seen */
	bool shutdown_guest;		/* ... and the guest asked for it */
	char shutdown_reason[32];	/* "guest-shutdown", "guest-reset", "guest-panic", ... */
	bool panicked;			/* GUEST_PANICKED seen */
	char panic_action[16];
	bool powerdown;			/* POWERDOWN seen */
	bool reset;			/* RESET seen */
	char last[32];			/* name of the last event */
};
/* Record one event (used by the client; public for tests). */
void vrc_qmp_note_event(struct vrc_qmp_events *ev, const struct vrc_qmp_msg *m);

struct vrc_qmp {
	int fd;
	struct vrc_lr lr;
	int64_t next_id;
	struct vrc_qmp_events ev;
	int ver_major, ver_minor, ver_micro;
	bool closed;			/* EOF seen */
};

/*
 * Take a connected socket (owned from now on), read the greeting, negotiate
 * capabilities. w: other things to watch meanwhile (NULL: none).
 */
int vrc_qmp_open(struct vrc_qmp *q, int fd, int timeout_ms, const struct vrc_waiter *w,
		 char *err, size_t errlen);
/* Connect to a QMP UNIX socket path first. */
int vrc_qmp_connect(struct vrc_qmp *q, const char *path, int timeout_ms,
		    char *err, size_t errlen);
void vrc_qmp_close(struct vrc_qmp *q);
/*
 * Run a command. args may be NULL (a reference is taken either way: pass a
 * new object, or NULL). On success 0 and *ret (caller puts it; may pass
 * NULL). -EREMOTEIO for a QMP error reply (class: desc in err), -ETIMEDOUT,
 * -EPIPE when QEMU closed the connection, -EPROTO for garbage.
 */
int vrc_qmp_cmd(struct vrc_qmp *q, const char *cmd, struct json_object *args,
		struct json_object **ret, int timeout_ms, const struct vrc_waiter *w,
		char *err, size_t errlen);
/* query-status: "running", "paused", "shutdown", "guest-panicked", ... */
int vrc_qmp_query_status(struct vrc_qmp *q, char *status, size_t len, bool *running,
			 int timeout_ms, char *err, size_t errlen);
/* quit: QEMU may hang up before or after the reply: both are success. */
int vrc_qmp_quit(struct vrc_qmp *q, int timeout_ms, char *err, size_t errlen);
/* Read whatever is there without blocking and record events: 0, -EPIPE at EOF. */
int vrc_qmp_pump(struct vrc_qmp *q, char *err, size_t errlen);
/* Wait until the named event has been seen (at any time): 0 or -ETIMEDOUT/-EPIPE. */
int vrc_qmp_wait_event(struct vrc_qmp *q, const char *name, int timeout_ms,
		       const struct vrc_waiter *w, char *err, size_t errlen);

#endif /* VRC_VM_QMP_H */
