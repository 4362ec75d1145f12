// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: an arbitrary ivshmem server talking to
 * ivshmem_client_connect_fd(). The input is a script for the server side of
 * a socketpair:
 *
 *   byte 0          timeout (low nibble % 11, in ms) and nvec (high nibble)
 *   then ops, each a control byte c:
 *     c & 3 == 0    write (next byte % 32) raw bytes from the input
 *     c & 3 == 1    send 8 input bytes with one fd of kind (c >> 2) & 7
 *     c & 3 == 2    send 8 input bytes with two fds
 *     c & 3 == 3    send a well-formed message: value (next byte as
 *                   int8), with an fd of kind (c >> 2) & 7 when c & 0x20
 *
 * The writer end is closed before connecting, so every read ends at once.
 * After a successful connect the client also polls and rings. Any crash,
 * sanitizer report, hang or leaked fd is a bug.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vgpu/ivshmem.h"

#define MAX_FDS		8
#define MAX_OPS		128

struct in {
	const uint8_t *p;
	size_t n;
};

static int take(struct in *in, uint8_t *b)
{
	if (!in->n)
		return 0;
	*b = *in->p++;
	in->n--;
	return 1;
}

static size_t take_buf(struct in *in, uint8_t *buf, size_t want)
{
	size_t n = want < in->n ? want : in->n;

	memcpy(buf, in->p, n);
	memset(buf + n, 0, want - n);
	in->p += n;
	in->n -= n;
	return n;
}

/* An fd of some kind the server might (wrongly or rightly) pass. */
static int make_fd(unsigned kind)
{
	static const off_t sizes[] = { 1 << 20, 4 << 20, 3 << 20, 4096 };
	int fd, p[2];

	switch (kind) {
	case 0:
	case 1:
	case 2:
	case 3:
		fd = memfd_create("fuzz-shm", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, sizes[kind]) < 0) {
			close(fd);
			fd = -1;
		}
		return fd;
	case 4:
	case 5:
		return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	default:
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		close(p[0]);
		return p[1];
	}
}

static void send_fds(int sock, const uint8_t msg[8], const int *fds, unsigned n)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = 8 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&ctl, 0, sizeof(ctl));
	if (n) {
		struct cmsghdr *cm;

		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(n * sizeof(int));
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	}
	/* never block: a full socket just ends the script early */
	(void)sendmsg(sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct ivshmem_client c;
	int fds[MAX_FDS], nfds = 0, sv[2], timeout, rc, baseline;
	unsigned nvec;
	char err[256];
	uint8_t b0;

	err[0] = 0;
	baseline = lowest_free_fd();
	if (!take(&in, &b0))
		return 0;
	timeout = (b0 & 0xf) % 11;
	nvec = b0 >> 4;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;

	for (unsigned op = 0; op < MAX_OPS && in.n; op++) {
		uint8_t c, msg[8], len, v;
		int two[2];

		take(&in, &c);
		switch (c & 3) {
		case 0:
			if (!take(&in, &len))
				break;
			len %= 32;
			{
				uint8_t raw[32];
				size_t n = take_buf(&in, raw, len);

				if (n)
					(void)send(sv[0], raw, n,
						   MSG_DONTWAIT | MSG_NOSIGNAL);
			}
			break;
		case 1:
			take_buf(&in, msg, 8);
			if (nfds < MAX_FDS && (fds[nfds] = make_fd((c >> 2) & 7)) >= 0) {
				send_fds(sv[0], msg, &fds[nfds], 1);
				nfds++;
			} else {
				send_fds(sv[0], msg, NULL, 0);
			}
			break;
		case 2:
			take_buf(&in, msg, 8);
			if (nfds + 2 <= MAX_FDS) {
				two[0] = fds[nfds++] = make_fd(4);
				two[1] = fds[nfds++] = make_fd((c >> 2) & 7);
				if (two[0] >= 0 && two[1] >= 0)
					send_fds(sv[0], msg, two, 2);
			}
			break;
		case 3:
			if (!take(&in, &v))
				break;
			{
				int64_t val = (int8_t)v;
				uint64_t u = (uint64_t)val;

				for (int i = 0; i < 8; i++)
					msg[i] = (uint8_t)(u >> (8 * i));
			}
			if ((c & 0x20) && nfds < MAX_FDS &&
			    (fds[nfds] = make_fd((c >> 2) & 7)) >= 0) {
				send_fds(sv[0], msg, &fds[nfds], 1);
				nfds++;
			} else {
				send_fds(sv[0], msg, NULL, 0);
			}
			break;
		}
	}
	close(sv[0]);

	rc = ivshmem_client_connect_fd(sv[1], nvec, timeout, &c, err, sizeof(err));
	if (rc == 0) {
		if (c.shm_fd < 0 || c.shm_size < (1u << 20) ||
		    (c.shm_size & (c.shm_size - 1)) ||
		    c.my_id >= IVSHMEM_MAX_PEERS ||
		    c.peer_nvec[c.my_id] < nvec)
			abort();
		(void)ivshmem_client_poll(&c);
		(void)ivshmem_client_ring(&c, 0, 0);
		(void)ivshmem_client_ring(&c, c.my_id, 0);
		ivshmem_client_close(&c);
	} else if (!err[0] || c.sock != -1 || c.shm_fd != -1) {
		abort();
	}

	for (int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (lowest_free_fd() != baseline)
		abort();	/* an fd leaked */
	return 0;
}
