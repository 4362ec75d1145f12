// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: an arbitrary vfio-user client talking to vgpu-sim's
 * server dispatcher, in front of a real vGPU (model "ref", 4 MiB memfd shm).
 * The input is
 *
 *   byte 0          bit 0: start negotiated (skip VERSION); bits 1-3: abi
 *                   (0 model default, else 5/6/7 by bits % 3)
 *   then messages, each:
 *     c             control: bits 0-1 fd count (eventfds; memfd if bit 2),
 *                   bit 6 run a vblank after it
 *     cmd           < 0xf0: command number as is (with 0x7f00 when >= 0x80);
 *                   >= 0xf0: a raw u16 follows
 *     flags         header flags byte
 *     len           payload length (u16 little endian, % 4096)
 *     payload       len bytes (short at the end of input: zero-filled)
 *
 * A negative return from vfu_dispatch ends the connection, as the event loop
 * would. Every reply is checked for a consistent size; leaked fds, memory, or
 * any crash are bugs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness/vgpu-sim/vfu_server.h"
#include "harness/vgpu-sim/vgpu.h"
#include "vrc/util.h"

#define SHM_SIZE	(4u << 20)
#define MAX_MSGS	64

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t take16(struct in *in)
{
	uint16_t lo = take(in);

	return (uint16_t)(lo | take(in) << 8);
}

static void check_reply(const struct vfu_msg *m, const struct vfu_reply *r)
{
	if (!r->send)
		return;
	if (r->hdr.msg_size != VFU_HDR_SIZE + r->payload_len ||
	    r->hdr.msg_id != m->hdr.msg_id || r->hdr.command != m->hdr.command ||
	    !(r->hdr.flags & VFU_FLAG_REPLY) || r->nfds > 2 ||
	    (r->payload_len && !r->payload) ||
	    ((r->hdr.flags & VFU_FLAG_ERROR) &&
	     (r->payload_len || r->hdr.error < 1 || r->hdr.error > 4095))) {
		fprintf(stderr, "inconsistent reply to command %u\n", m->hdr.command);
		abort();
	}
	for (size_t i = 0; i < r->nfds; i++)
		if (r->fds[i] < 0)
			abort();
}

/* One message from the input; false at the end of it. */
static bool next_msg(struct in *in, struct vfu_msg *m, bool *vblank)
{
	uint8_t c, cmd;
	size_t len;

	if (!in->n)
		return false;
	memset(m, 0, sizeof(*m));
	c = take(in);
	cmd = take(in);
	if (cmd >= 0xf0)
		m->hdr.command = take16(in);
	else
		m->hdr.command = cmd >= 0x80 ? (uint16_t)(0x7f00 + (cmd & 0xf)) : cmd;
	m->hdr.flags = take(in);
	m->hdr.msg_id = take(in);
	len = take16(in) % 4096u;
	m->hdr.msg_size = (uint32_t)(VFU_HDR_SIZE + len);
	if (len) {
		m->payload = calloc(1, len);
		if (!m->payload)
			return false;
		for (size_t i = 0; i < len && in->n; i++)
			m->payload[i] = take(in);
		m->payload_len = len;
	}
	for (unsigned i = 0; i < (c & 3u); i++)
		m->fds[m->nfds++] = c & 4 ? memfd_create("fz", MFD_CLOEXEC) :
					   eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	*vblank = c & 0x40;
	return true;
}

static void noop_notify(void *ctx)
{
	(void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum vrc_abi abis[] = { VRC_ABI_V5, VRC_ABI_V6, VRC_ABI_V7 };
	static struct vgpu_global global;
	struct in in = { data, size };
	struct vgpu_config cfg = { 0 };
	struct vfu_conn conn = { 0 };
	struct vgpu *v = NULL;
	char err[256];
	uint8_t b0;
	int before = vrc_count_open_fds(), shm_fd;
	void *shm;

	if (!size)
		return 0;
	b0 = take(&in);
	shm_fd = memfd_create("fz-shm", MFD_CLOEXEC);
	if (shm_fd < 0 || ftruncate(shm_fd, SHM_SIZE))
		abort();
	shm = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm == MAP_FAILED)
		abort();
	cfg.model = vgpu_model_find("ref");
	cfg.abi = b0 & 0xe ? abis[((b0 >> 1) & 7) % 3] : VRC_ABI_UNKNOWN;
	cfg.shm = shm;
	cfg.shm_size = SHM_SIZE;
	cfg.shm_fd = shm_fd;
	cfg.global = &global;
	cfg.notify_guest = noop_notify;
	if (!cfg.model || vgpu_create(&cfg, &v, err, sizeof(err))) {
		fprintf(stderr, "vgpu_create: %s\n", err);
		abort();
	}
	conn.sock = -1;
	conn.v = v;
	conn.shm_fd = shm_fd;
	conn.negotiated = b0 & 1;

	for (int i = 0; i < MAX_MSGS; i++) {
		struct vfu_reply out;
		struct vfu_msg m;
		bool vblank = false;
		int rc;

		if (!next_msg(&in, &m, &vblank))
			break;
		rc = vfu_dispatch(&conn, &m, &out, err, sizeof(err));
		if (m.nfds)
			abort();	/* dispatch must take every fd */
		check_reply(&m, &out);
		vfu_reply_release(&out);
		vfu_msg_release(&m);
		if (vblank)
			vgpu_vblank(v);
		if (rc < 0)
			break;
	}
	vgpu_client_closed(v);
	vgpu_destroy(v);
	munmap(shm, SHM_SIZE);
	close(shm_fd);
	if (vrc_count_open_fds() != before) {
		fprintf(stderr, "fd leak: %d open before, %d after\n", before, vrc_count_open_fds());
		abort();
	}
	return 0;
}
