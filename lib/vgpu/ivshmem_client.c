// SPDX-License-Identifier: MIT
/*
 * The ivshmem server protocol (docs/protocols.md §2.2), client end: a process
 * guest, or a test standing in for QEMU's ivshmem-doorbell. The server end,
 * vgpu-sim's, is ivshmem_server.c.
 *
 * Every message is 8 bytes, a little-endian int64, with at most one fd
 * attached by SCM_RIGHTS. Everything a client receives is untrusted: each
 * read is bounded by a deadline, each fd either lands in the client's tables
 * or is closed before returning.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vrc/fdpass.h"
#include "vrc/util.h"
#include "vgpu/ivshmem.h"

/* Bound for completing a message whose first bytes arrived (client_poll). */
#define IVSHMEM_POLL_MSG_TIMEOUT_MS	100
/* Messages handled per ivshmem_client_poll() call, so it cannot starve. */
#define IVSHMEM_POLL_MAX_MSGS		256
/* Smallest shm we accept (a power of two, like QEMU requires). */
#define IVSHMEM_MIN_SHM_SIZE		(1u << 20)
/* Room for a few fds: a sender passing more than one is caught, not lost. */
#define IVSHMEM_RECV_MAX_FDS		8

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/*
 * Take the fds of one recvmsg: at most one in total per message (*fd holds
 * the one seen so far). Returns 0 or -EPROTO, having closed everything.
 */
static int take_cmsg_fds(struct msghdr *msg, int *fd)
{
	size_t n = 0;
	int one = -1;

	if (vrc_fds_take(msg, &one, *fd >= 0 ? 0 : 1, &n)) {
		close_fd(fd);
		return -EPROTO;
	}
	if (n)
		*fd = one;
	return 0;
}

int ivshmem_recv_msg(int sock, int timeout_ms, int64_t *value, int *fd)
{
	uint8_t buf[8];
	size_t got = 0;
	int64_t deadline;
	int rfd = -1;

	if (!value || !fd)
		return -EINVAL;
	*value = 0;
	*fd = -1;
	if (sock < 0)
		return -EBADF;
	if (timeout_ms < 0)
		return -EINVAL;
	deadline = vrc_now_ms() + timeout_ms;

	while (got < sizeof(buf)) {
		union {
			char buf[CMSG_SPACE(IVSHMEM_RECV_MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {
			.iov_base = buf + got,
			.iov_len = sizeof(buf) - got,
		};
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		struct pollfd p = { .fd = sock, .events = POLLIN };
		ssize_t n;
		int r, rc;

		r = poll(&p, 1, vrc_left_ms(deadline));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			close_fd(&rfd);
			return rc;
		}
		if (r == 0) {
			close_fd(&rfd);
			return got ? -EPROTO : -ETIMEDOUT;
		}
		if (p.revents & POLLNVAL) {
			close_fd(&rfd);
			return -EBADF;
		}
		memset(&ctl, 0, sizeof(ctl));
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			rc = -errno;
			close_fd(&rfd);
			return rc;
		}
		rc = take_cmsg_fds(&msg, &rfd);
		if (rc)
			return rc;
		if (n == 0) {
			close_fd(&rfd);
			return got ? -EPROTO : -EPIPE;
		}
		got += (size_t)n;
	}

	uint64_t u = 0;

	for (unsigned i = 0; i < 8; i++)
		u |= (uint64_t)buf[i] << (8 * i);
	memcpy(value, &u, sizeof(u));
	*fd = rfd;
	return 0;
}

static void client_init(struct ivshmem_client *c)
{
	c->sock = -1;
	c->my_id = 0;
	c->shm_fd = -1;
	c->shm_size = 0;
	for (unsigned i = 0; i < IVSHMEM_MAX_PEERS; i++) {
		for (unsigned k = 0; k < IVSHMEM_MAX_VECTORS; k++)
			c->peer_fd[i][k] = -1;
		c->peer_nvec[i] = 0;
	}
}

static void peer_forget(struct ivshmem_client *c, unsigned id)
{
	for (unsigned k = 0; k < IVSHMEM_MAX_VECTORS; k++)
		close_fd(&c->peer_fd[id][k]);
	c->peer_nvec[id] = 0;
}

static int take_shm(struct ivshmem_client *c, int *fd, char *err, size_t errlen)
{
	struct stat st;

	if (c->shm_fd >= 0) {
		vrc_seterr(err, errlen, "ivshmem: the server sent a second shm fd");
		return -EPROTO;
	}
	if (fstat(*fd, &st) < 0) {
		int rc = -errno;

		vrc_seterr(err, errlen, "ivshmem: fstat of the shm fd: %s",
		       strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		vrc_seterr(err, errlen, "ivshmem: the shm fd is not a regular file (mode %#o)",
		       (unsigned)st.st_mode);
		return -EPROTO;
	}
	if (st.st_size < (off_t)IVSHMEM_MIN_SHM_SIZE ||
	    ((uint64_t)st.st_size & ((uint64_t)st.st_size - 1)) ||
	    (uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
		vrc_seterr(err, errlen,
		       "ivshmem: shm size %lld is not a power of two >= 1 MiB",
		       (long long)st.st_size);
		return -EPROTO;
	}
	c->shm_fd = *fd;
	c->shm_size = (size_t)st.st_size;
	*fd = -1;
	return 0;
}

/* eventfds are anonymous inodes: no file type bits in st_mode. */
static bool is_anon_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == 0;
}

/*
 * One message after the id: the shm, a peer's next vector, or a peer
 * leaving. Consumes *fd (stored or closed).
 */
static int client_handle(struct ivshmem_client *c, int64_t value, int *fd,
			 bool connecting, char *err, size_t errlen)
{
	int rc = -EPROTO;

	if (value == -1) {
		if (*fd < 0)
			vrc_seterr(err, errlen, "ivshmem: shm message (-1) without an fd");
		else if (!connecting)
			vrc_seterr(err, errlen, "ivshmem: shm fd sent after the connect sequence");
		else
			rc = take_shm(c, fd, err, errlen);
	} else if (value < 0 || value >= IVSHMEM_MAX_PEERS) {
		vrc_seterr(err, errlen, "ivshmem: peer id %lld out of range (0..%u)",
		       (long long)value, IVSHMEM_MAX_PEERS - 1);
	} else if (*fd >= 0) {
		unsigned id = (unsigned)value;

		if (!is_anon_inode(*fd)) {
			/* a pipe or socket could block us or raise SIGPIPE */
			vrc_seterr(err, errlen, "ivshmem: vector fd of peer %u is not an eventfd",
			       id);
		} else if (c->peer_nvec[id] >= IVSHMEM_MAX_VECTORS) {
			vrc_seterr(err, errlen, "ivshmem: peer %u sent more than %u vectors",
			       id, IVSHMEM_MAX_VECTORS);
		} else {
			c->peer_fd[id][c->peer_nvec[id]++] = *fd;
			*fd = -1;
			rc = 0;
		}
	} else if ((unsigned)value == c->my_id) {
		vrc_seterr(err, errlen, "ivshmem: the server disconnected our own id %u",
		       c->my_id);
	} else {
		peer_forget(c, (unsigned)value);
		rc = 0;
	}
	close_fd(fd);
	return rc;
}

static const char *recv_what(int rc)
{
	switch (rc) {
	case -ETIMEDOUT:
		return "timed out";
	case -EPIPE:
		return "the server closed the connection";
	case -EPROTO:
		return "malformed message (short, or more than one fd)";
	default:
		return strerror(-rc);
	}
}

int ivshmem_client_connect_fd(int sock, unsigned nvec, int timeout_ms,
			      struct ivshmem_client *c, char *err, size_t errlen)
{
	int64_t deadline, v;
	int fd = -1, rc;

	if (!c) {
		if (sock >= 0)
			close(sock);
		vrc_seterr(err, errlen, "ivshmem: no client");
		return -EINVAL;
	}
	client_init(c);
	if (sock < 0 || nvec > IVSHMEM_MAX_VECTORS || timeout_ms < 0) {
		if (sock >= 0)
			close(sock);
		vrc_seterr(err, errlen, "ivshmem: bad arguments (nvec %u, timeout %d)",
		       nvec, timeout_ms);
		return -EINVAL;
	}
	c->sock = sock;
	deadline = vrc_now_ms() + timeout_ms;

	rc = ivshmem_recv_msg(sock, vrc_left_ms(deadline), &v, &fd);
	if (rc) {
		vrc_seterr(err, errlen, "ivshmem: reading the protocol version: %s",
		       recv_what(rc));
		goto fail;
	}
	if (v != IVSHMEM_PROTOCOL_VERSION || fd >= 0) {
		vrc_seterr(err, errlen, "ivshmem: protocol version %lld%s (want %d)",
		       (long long)v, fd >= 0 ? " with an fd" : "",
		       IVSHMEM_PROTOCOL_VERSION);
		close_fd(&fd);
		rc = -EPROTO;
		goto fail;
	}

	rc = ivshmem_recv_msg(sock, vrc_left_ms(deadline), &v, &fd);
	if (rc) {
		vrc_seterr(err, errlen, "ivshmem: reading our peer id: %s",
		       recv_what(rc));
		goto fail;
	}
	if (v < 0 || v > 65535 || v >= IVSHMEM_MAX_PEERS || fd >= 0) {
		vrc_seterr(err, errlen, "ivshmem: own peer id %lld%s invalid (0..%u)",
		       (long long)v, fd >= 0 ? " with an fd" : "",
		       IVSHMEM_MAX_PEERS - 1);
		close_fd(&fd);
		rc = -EPROTO;
		goto fail;
	}
	c->my_id = (uint16_t)v;

	while (c->shm_fd < 0 || c->peer_nvec[c->my_id] < nvec) {
		rc = ivshmem_recv_msg(sock, vrc_left_ms(deadline), &v, &fd);
		if (rc) {
			vrc_seterr(err, errlen,
			       "ivshmem: waiting for %s (own vectors %u of %u): %s",
			       c->shm_fd < 0 ? "the shm fd" : "our vectors",
			       c->peer_nvec[c->my_id], nvec, recv_what(rc));
			goto fail;
		}
		rc = client_handle(c, v, &fd, true, err, errlen);
		if (rc)
			goto fail;
	}
	return 0;

fail:
	ivshmem_client_close(c);
	return rc;
}

int ivshmem_client_connect(const char *path, unsigned nvec, int timeout_ms,
			   struct ivshmem_client *c, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline;
	int sock, rc;

	if (c)
		client_init(c);
	if (!path || !c || timeout_ms < 0) {
		vrc_seterr(err, errlen, "ivshmem: bad arguments");
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		vrc_seterr(err, errlen, "ivshmem: socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0) {
		rc = -errno;
		vrc_seterr(err, errlen, "ivshmem: socket: %s", strerror(errno));
		return rc;
	}
	deadline = vrc_now_ms() + timeout_ms;
	/* A full listen backlog gives EAGAIN: retry until the deadline. */
	while (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && vrc_left_ms(deadline) > 0) {
			usleep(1000);
			continue;
		}
		rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
		vrc_seterr(err, errlen, "ivshmem: connect %s: %s", path,
		       strerror(-rc));
		close(sock);
		return rc;
	}
	return ivshmem_client_connect_fd(sock, nvec, vrc_left_ms(deadline),
					 c, err, errlen);
}

int ivshmem_client_poll(struct ivshmem_client *c)
{
	if (!c || c->sock < 0)
		return -EBADF;
	for (unsigned n = 0; n < IVSHMEM_POLL_MAX_MSGS; n++) {
		struct pollfd p = { .fd = c->sock, .events = POLLIN };
		int64_t v;
		int fd = -1, r, rc;

		r = poll(&p, 1, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return 0;
		rc = ivshmem_recv_msg(c->sock, IVSHMEM_POLL_MSG_TIMEOUT_MS, &v, &fd);
		if (rc)
			return rc;
		rc = client_handle(c, v, &fd, false, NULL, 0);
		if (rc)
			return rc;
	}
	return 0;
}

int ivshmem_client_ring(struct ivshmem_client *c, uint16_t peer, unsigned vec)
{
	const uint64_t one = 1;
	struct pollfd p;
	ssize_t n;
	int fd;

	if (!c || peer >= IVSHMEM_MAX_PEERS || vec >= IVSHMEM_MAX_VECTORS ||
	    vec >= c->peer_nvec[peer] || c->peer_fd[peer][vec] < 0)
		return -ENOENT;
	fd = c->peer_fd[peer][vec];
	/* The fd came from the server: never block on it. */
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLOUT))
		return -EAGAIN;
	do {
		n = write(fd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(one) ? 0 : -EIO;
}

void ivshmem_client_close(struct ivshmem_client *c)
{
	if (!c)
		return;
	close_fd(&c->sock);
	close_fd(&c->shm_fd);
	for (unsigned i = 0; i < IVSHMEM_MAX_PEERS; i++)
		peer_forget(c, i);
	c->shm_size = 0;
	c->my_id = 0;
}
