// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "vrc/util.h"
#include "harness/vm/lineio.h"
#include "harness/vm/wait.h"

int vrc_wait_readable(int fd, int64_t deadline, const struct vrc_waiter *w,
		      char *err, size_t errlen)
{
	struct pollfd p[1 + VRC_WAIT_MAX_WATCH];
	unsigned nw = w ? w->n : 0;

	if (nw > VRC_WAIT_MAX_WATCH)
		nw = VRC_WAIT_MAX_WATCH;
	for (;;) {
		int left = vrc_left_ms(deadline);
		int slice = left;
		int rc;

		if (w && w->tick && w->tick_ms > 0 && slice > w->tick_ms)
			slice = w->tick_ms;
		p[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
		for (unsigned i = 0; i < nw; i++)
			p[1 + i] = (struct pollfd){ .fd = w->w[i].fd, .events = POLLIN };
		rc = poll(p, 1 + nw, slice);
		if (rc < 0 && errno != EINTR) {
			vrc_seterr(err, errlen, "poll: %s", strerror(errno));
			return -errno;
		}
		/* Watchers first: a dead QEMU explains a hung-up socket better. */
		for (unsigned i = 0; rc > 0 && i < nw; i++) {
			if (!p[1 + i].revents)
				continue;
			int wr = w->w[i].ready(w->ctx, err, errlen);
			if (wr)
				return wr;
		}
		if (w && w->tick) {
			int tr = w->tick(w->ctx, err, errlen);
			if (tr)
				return tr;
		}
		if (rc > 0 && p[0].revents)
			return 0;
		if (vrc_left_ms(deadline) == 0) {
			vrc_seterr(err, errlen, "timed out");
			return -ETIMEDOUT;
		}
	}
}

/* Send all of buf (the socket is non-blocking: wait for room, bounded). */
int vrc_send_all(int fd, const char *buf, size_t len, int64_t deadline, char *err,
		    size_t errlen)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			if (vrc_left_ms(deadline) == 0) {
				vrc_seterr(err, errlen, "timed out sending");
				return -ETIMEDOUT;
			}
			poll(&p, 1, vrc_left_ms(deadline));
			continue;
		}
		if (n < 0) {
			int e = errno;
			vrc_seterr(err, errlen, "send: %s", strerror(e));
			return e == EPIPE || e == ECONNRESET ? -EPIPE : -e;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int vrc_wait_line(struct vrc_lr *r, int fd, bool *closed, const char *what, int64_t deadline,
		  const struct vrc_waiter *w, char **line, size_t *len, char *err,
		  size_t errlen)
{
	for (;;) {
		int rc = vrc_lr_next(r, line, len);

		if (rc == -E2BIG) {
			vrc_seterr(err, errlen, "%s line longer than %zu bytes", what, r->max);
			return -EPROTO;
		}
		if (rc == -EILSEQ) {
			vrc_seterr(err, errlen, "%s line with a NUL byte", what);
			return -EPROTO;
		}
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (*len == 0)
				continue;
			return 1;
		}
		if (*closed) {
			vrc_seterr(err, errlen, "QEMU closed the %s connection", what);
			return -EPIPE;
		}
		rc = vrc_wait_readable(fd, deadline, w, err, errlen);
		if (rc)
			return rc;
		rc = vrc_lr_fill(r, fd);
		if (rc == -EPIPE || rc == -ECONNRESET)
			*closed = true;
		else if (rc < 0 && rc != -EAGAIN) {
			vrc_seterr(err, errlen, "%s read: %s", what, strerror(-rc));
			return rc;
		}
	}
}
