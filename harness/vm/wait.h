/* SPDX-License-Identifier: MIT */
/*
 * Waiting on one socket while watching others: while a client waits for a
 * reply it also polls these fds (QEMU's pidfd, the QMP socket for events) and
 * lets their handlers end the wait, so a dead QEMU or a panicked guest stops
 * a wait at once instead of at its timeout.
 */
#ifndef VRC_VM_WAIT_H
#define VRC_VM_WAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRC_WAIT_MAX_WATCH	3

struct vrc_waiter {
	struct {
		int fd;
		/* fd readable: 0 to keep waiting, -errno to give up with that. */
		int (*ready)(void *ctx, char *err, size_t errlen);
	} w[VRC_WAIT_MAX_WATCH];
	unsigned n;
	/* Called at least every tick_ms (if set), e.g. to reap a child. */
	int (*tick)(void *ctx, char *err, size_t errlen);
	int tick_ms;
	void *ctx;
};

/*
 * Wait until fd (-1: none, just watch) is readable or the deadline
 * (vrc_now_ms() clock) passes: 0,
 * -ETIMEDOUT, or whatever a watcher returned (its text in err).
 */
int vrc_wait_readable(int fd, int64_t deadline, const struct vrc_waiter *w,
		      char *err, size_t errlen);

struct vrc_lr;
/*
 * The next non-empty line of a line-oriented peer (QMP, the guest agent) on
 * fd, buffered in r, by the deadline: 1 with *line, *len (valid until the
 * next call); -EPROTO for a line too long or with a NUL byte; -EPIPE once
 * the peer closed (*closed is then set and stays); -ETIMEDOUT, or what a
 * watcher returned. `what` names the peer in err ("QMP", "agent").
 */
int vrc_wait_line(struct vrc_lr *r, int fd, bool *closed, const char *what, int64_t deadline,
		  const struct vrc_waiter *w, char **line, size_t *len, char *err,
		  size_t errlen);

/* Send all of len bytes on a non-blocking socket by the deadline: 0,
 * -ETIMEDOUT, -EPIPE when the peer is gone, -errno (text in err). */
int vrc_send_all(int fd, const char *buf, size_t len, int64_t deadline, char *err,
		 size_t errlen);

#endif /* VRC_VM_WAIT_H */
