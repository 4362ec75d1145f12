// SPDX-License-Identifier: MIT
/*
 * The ivshmem server protocol (docs/protocols.md §2.2), server end: vgpu-sim
 * greets a connecting guest (QEMU's ivshmem-doorbell or a process guest) with
 * the connect sequence. The client end is ivshmem_client.c.
 *
 * Every message is 8 bytes, a little-endian int64, with at most one fd
 * attached by SCM_RIGHTS.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "vrc/fdpass.h"
#include "vrc/util.h"
#include "vgpu/ivshmem.h"

/* How long the server waits for room in a full socket buffer per message. */
#define IVSHMEM_SEND_TIMEOUT_MS		1000

int ivshmem_send_msg(int sock, int64_t value, int fd)
{
	uint64_t u = (uint64_t)value;
	uint8_t buf[8];
	size_t sent = 0;
	int64_t deadline = vrc_now_ms() + IVSHMEM_SEND_TIMEOUT_MS;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;

	if (sock < 0)
		return -EBADF;
	for (unsigned i = 0; i < 8; i++)
		buf[i] = (uint8_t)(u >> (8 * i));

	while (sent < sizeof(buf)) {
		struct iovec iov = {
			.iov_base = buf + sent,
			.iov_len = sizeof(buf) - sent,
		};
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		/* The fd goes with the first byte that leaves; never twice. */
		if (fd >= 0 && sent == 0)
			vrc_fds_attach(&msg, ctl.buf, sizeof(ctl.buf), &fd, 1);
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n == 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd p = { .fd = sock, .events = POLLOUT };
			int left = vrc_left_ms(deadline);
			int r;

			if (left == 0)
				return -ETIMEDOUT;
			r = poll(&p, 1, left);
			if (r < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		return -errno;
	}
	return 0;
}

static int greet_peer(int sock, const struct ivshmem_peer_fds *p)
{
	for (unsigned k = 0; k < p->nvec; k++) {
		int rc = ivshmem_send_msg(sock, p->id, p->fds[k]);

		if (rc)
			return rc;
	}
	return 0;
}

int ivshmem_server_greet(int sock, uint16_t client_id, int shm_fd,
			 const struct ivshmem_peer_fds *peers, unsigned npeers)
{
	int rc;

	if (sock < 0 || shm_fd < 0 || (npeers && !peers))
		return -EINVAL;
	for (unsigned i = 0; i < npeers; i++) {
		if (peers[i].nvec > IVSHMEM_MAX_VECTORS ||
		    (peers[i].nvec && !peers[i].fds))
			return -EINVAL;
		for (unsigned k = 0; k < peers[i].nvec; k++)
			if (peers[i].fds[k] < 0)
				return -EINVAL;
	}

	rc = ivshmem_send_msg(sock, IVSHMEM_PROTOCOL_VERSION, -1);
	if (!rc)
		rc = ivshmem_send_msg(sock, client_id, -1);
	if (!rc)
		rc = ivshmem_send_msg(sock, -1, shm_fd);
	/* Other peers in the caller's order, then the client's own vectors. */
	for (unsigned i = 0; !rc && i < npeers; i++)
		if (peers[i].id != client_id)
			rc = greet_peer(sock, &peers[i]);
	for (unsigned i = 0; !rc && i < npeers; i++)
		if (peers[i].id == client_id)
			rc = greet_peer(sock, &peers[i]);
	return rc;
}
