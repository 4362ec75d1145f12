/* SPDX-License-Identifier: MIT */
/*
 * Waiting on one socket while watching others: while a client waits for a
 * reply it also polls these fds (QEMU's pidfd, the QMP socket for events) and
 * lets their handlers end the wait, so a dead QEMU or a panicked guest stops
 * a wait at once instead of at its timeout.
 */
#ifndef VRC_VM_WAIT_H
#define VRC_VM_WAIT_H

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

/* Send all of len bytes on a non-blocking socket by the deadline: 0,
 * -ETIMEDOUT, -EPIPE when the peer is gone, -errno (text in err). */
int vrc_send_all(int fd, const char *buf, size_t len, int64_t deadline, char *err,
		 size_t errlen);

#endif /* VRC_VM_WAIT_H */
