/* SPDX-License-Identifier: MIT */
/*
 * qemu-guest-agent client over the host side of the virtio-serial chardev.
 * The stream may hold stale replies (an earlier client, a timed-out command),
 * so every session and every timeout is followed by a resync: 0xFF, then
 * guest-sync-delimited with a fresh id; qemu-ga answers with 0xFF and the id,
 * and everything before is dropped. Replies are untrusted: lines, decoded
 * outputs and fetched files are bounded, fields validated.
 */
#ifndef VRC_VM_QGA_H
#define VRC_VM_QGA_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/vm/lineio.h"
#include "harness/vm/wait.h"

#define VRC_QGA_LINE_MAX	(4u << 20)	/* a reply line (base64 inside) */
#define VRC_QGA_OUT_MAX		(1u << 20)	/* decoded stdout/stderr we keep */
#define VRC_QGA_READ_CHUNK	65536		/* guest-file-read count */

struct vrc_qga {
	int fd;
	struct vrc_lr lr;
	int64_t next_id;
	bool need_sync;		/* stream state unknown: resync before the next command */
	bool closed;
};

/* Take a connected socket (owned from now on). Does not talk yet. */
void vrc_qga_init(struct vrc_qga *g, int fd);
void vrc_qga_close(struct vrc_qga *g);
/* Resync: 0xFF + guest-sync-delimited; 0 once the matching reply came. */
int vrc_qga_sync(struct vrc_qga *g, int timeout_ms, const struct vrc_waiter *w,
		 char *err, size_t errlen);
/*
 * Run one agent command (resyncing first if needed). args: as for
 * vrc_qmp_cmd (reference taken). 0 and *ret, -EREMOTEIO for an agent error
 * (text in err), -ETIMEDOUT (stream marked for resync), -EPIPE, -EPROTO.
 */
int vrc_qga_cmd(struct vrc_qga *g, const char *cmd, struct json_object *args,
		struct json_object **ret, int timeout_ms, const struct vrc_waiter *w,
		char *err, size_t errlen);
int vrc_qga_ping(struct vrc_qga *g, int timeout_ms, const struct vrc_waiter *w,
		 char *err, size_t errlen);

/* guest-exec request. */
struct vrc_qga_exec_req {
	const char *path;
	const char *const *argv;	/* arguments after path, NULL-terminated; may be NULL */
	const char *const *env;		/* "K=V", NULL-terminated; may be NULL */
	bool no_capture;		/* don't capture stdout/stderr */
	size_t out_max;			/* keep at most this much of each; 0: VRC_QGA_OUT_MAX */
};

/* guest-exec-status, decoded. */
struct vrc_qga_exec_status {
	bool exited;
	bool has_exitcode, has_signal;
	int exitcode, signal;
	uint8_t *out, *err;		/* decoded, NUL-terminated for convenience (owned) */
	size_t out_len, err_len;
	bool out_truncated, err_truncated;
};
void vrc_qga_exec_status_free(struct vrc_qga_exec_status *st);

/* Parsers (pure, fuzzed): ret is the "return" value of the command. */
int vrc_qga_parse_exec_pid(struct json_object *ret, int64_t *pid, char *err, size_t errlen);
int vrc_qga_parse_exec_status(struct json_object *ret, size_t out_max,
			      struct vrc_qga_exec_status *st, char *err, size_t errlen);
/* guest-file-read: {count, buf-b64, eof}; appends the data to *buf (realloc'd),
 * refusing to grow *len past max (-EFBIG). */
int vrc_qga_parse_file_read(struct json_object *ret, size_t max, uint8_t **buf, size_t *len,
			    bool *eof, char *err, size_t errlen);
/* Parse one agent reply line; 0 with *root (caller puts), -EPROTO. */
int vrc_qga_parse_line(const char *line, size_t len, struct json_object **root,
		       char *err, size_t errlen);

/*
 * guest-exec + guest-exec-status polling until exit or timeout (-ETIMEDOUT:
 * the process may still run in the guest; its pid in *pid if pid != NULL).
 */
int vrc_qga_exec(struct vrc_qga *g, const struct vrc_qga_exec_req *req,
		 struct vrc_qga_exec_status *st, int64_t *pid, int timeout_ms,
		 const struct vrc_waiter *w, char *err, size_t errlen);
/* Fetch a guest file (open/read/close), at most max bytes (-EFBIG beyond). */
int vrc_qga_read_file(struct vrc_qga *g, const char *path, size_t max, uint8_t **data,
		      size_t *len, int timeout_ms, const struct vrc_waiter *w,
		      char *err, size_t errlen);

#endif /* VRC_VM_QGA_H */
