// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: an arbitrary vfio-user server answering the client
 * transport. The input is
 *
 *   byte 0          number of ops (% 9), then that many op bytes
 *   then chunks of the server's byte stream, each a control byte c:
 *     c & 1 == 0    write the next (c >> 1) bytes as they are
 *     c & 1 == 1    sendmsg the next (c >> 3) bytes with ((c >> 1) & 3)
 *                   fds (eventfds and memfds)
 *
 * All of it is queued on the server end of a socketpair, which is then shut
 * for writing, so the client reads the script and then EOF: nothing waits.
 * The client opens (VERSION) and runs the ops. The same bytes also go to the
 * VERSION JSON parser directly. Any crash, sanitizer report, hang or leaked
 * fd is a bug.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrc/transport.h"
#include "vrc/vfio_user.h"
#include "vrc/util.h"

#define MAX_OPS		8

static void send_chunk(int sock, const uint8_t *p, size_t n, unsigned nfds)
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)p, .iov_len = n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[3];

	if (!n)
		return;
	for (unsigned i = 0; i < nfds; i++)
		fds[i] = i & 1 ? memfd_create("fz", MFD_CLOEXEC) : eventfd(0, EFD_CLOEXEC);
	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the socket buffer is full: the rest of the script is lost */
	}
	for (unsigned i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void run_op(struct vrc_transport *t, uint8_t op)
{
	uint8_t buf[8192];
	int efd[2];

	memset(buf, 0, sizeof(buf));
	switch (op % 10) {
	case 0: {
		struct vfio_device_info info = { .argsz = sizeof(info) };

		t->ops->get_device_info(t, &info);
		break;
	}
	case 1: {
		struct vfio_region_info ri;

		t->ops->get_region_info(t, op >> 4, &ri);
		break;
	}
	case 2: {
		struct vrc_irq_info ii = { .argsz = 16u + (op >> 3), .index = 5 };

		memcpy(buf, &ii, sizeof(ii));
		t->ops->get_irq_info(t, buf, 64);
		break;
	}
	case 3: {
		struct vfio_irq_set *s = calloc(1, sizeof(*s) + 8);

		if (!s)
			break;
		efd[0] = eventfd(0, EFD_CLOEXEC);
		efd[1] = op & 0x10 ? -1 : eventfd(0, EFD_CLOEXEC);
		s->argsz = op & 0x20 ? 12 : 28;
		s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		s->index = 5;
		s->count = op & 0x40 ? 2 : 1;
		memcpy(s->data, efd, sizeof(efd));
		t->ops->set_irqs(t, s);
		for (int i = 0; i < 2; i++)
			if (efd[i] >= 0)
				close(efd[i]);
		free(s);
		break;
	}
	case 4: {
		struct vfio_irq_set *s = calloc(1, sizeof(*s) + 1);

		if (!s)
			break;
		s->argsz = 21;
		s->flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_MASK;
		s->index = 5;
		s->count = 1;
		s->data[0] = 1;
		t->ops->set_irqs(t, s);
		free(s);
		break;
	}
	case 5:
		t->ops->region_read(t, op >> 6, op & 0x30, buf, op & 0x8 ? 5000 : 4);
		break;
	case 6:
		t->ops->region_write(t, op >> 6, op & 0x30, buf, op & 0x8 ? 5000 : 4);
		break;
	case 7:
		t->ops->reset(t);
		break;
	case 8: {
		struct vfio_device_gfx_plane_info p = { .argsz = sizeof(p), .drm_plane_type = 1 };

		t->ops->query_gfx_plane(t, &p);
		break;
	}
	case 9: {
		uint64_t off;
		int fd = t->ops->get_gfx_dmabuf(t, op >> 4, &off);

		if (fd >= 0)
			close(fd);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrc_transport *t = NULL;
	uint8_t ops[MAX_OPS];
	size_t nops, pos;
	struct vfu_caps caps;
	char err[256];
	int sv[2], before;

	if (!size)
		return 0;
	vfu_parse_version_json((const char *)data, size, &caps, err, sizeof(err));
	nops = data[0] % (MAX_OPS + 1);
	if (size < 1 + nops)
		return 0;
	memcpy(ops, data + 1, nops);
	pos = 1 + nops;

	before = vrc_count_open_fds();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return 0;
	while (pos < size) {
		uint8_t c = data[pos++];
		size_t n = c & 1 ? c >> 3 : c >> 1;

		if (n > size - pos)
			n = size - pos;
		send_chunk(sv[1], data + pos, n, c & 1 ? (c >> 1) & 3 : 0);
		pos += n;
	}
	shutdown(sv[1], SHUT_WR);

	if (vrc_vfio_user_open_fd(sv[0], 20, &t, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < nops; i++)
			run_op(t, ops[i]);
		vrc_transport_close(t);
	}
	close(sv[1]);
	if (vrc_count_open_fds() != before) {
		fprintf(stderr, "fd leak: %d open before, %d after\n", before, vrc_count_open_fds());
		abort();
	}
	return 0;
}
