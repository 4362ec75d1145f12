/* SPDX-License-Identifier: MIT */
/*
 * The vfio-user server side of one connection, bound to one vGPU: receives a
 * command, maps it onto the vgpu_* device calls, replies (docs/protocols.md §1).
 * Commands are handled strictly in order, one per vfu_conn_handle() call.
 */
#ifndef VGPU_SIM_VFU_SERVER_H
#define VGPU_SIM_VFU_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vrc/vfio_user.h"

struct vgpu;

/*
 * A zeroed struct plus sock, v and shm_fd is a fresh connection. The caller
 * owns sock and shm_fd (neither is closed here).
 */
struct vfu_conn {
	int sock;
	struct vgpu *v;
	int shm_fd;		/* memfd behind the vGPU's VRAM: the "dmabuf" */
	bool negotiated;	/* VERSION done */
};

/* Time allowed for the rest of a message once its first byte is there. */
#define VFU_SERVER_MSG_TIMEOUT_MS	5000

/* Our VERSION reply's JSON (sent with its NUL). */
#define VFU_SERVER_VERSION_JSON \
	"{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576," \
	"\"pgsizes\":4096,\"max_dma_maps\":65535}}"

/*
 * What to send back for one command. The fds are borrowed (a region's mmap
 * fd, the VRAM memfd): sending them does not close them.
 */
struct vfu_reply {
	bool send;		/* false: NO_REPLY, or the device died */
	struct vfu_hdr hdr;
	uint8_t *payload;	/* malloc'd; vfu_reply_release frees it */
	size_t payload_len;
	int fds[2];
	size_t nfds;
};

/*
 * Handle one command from a socket the caller saw readable. Returns 0 to keep
 * the connection, or -EPIPE (peer gone, or the device died) / -EPROTO (a
 * protocol violation) / another -errno when the caller must close it: it then
 * calls vgpu_client_closed() and closes sock. err says why.
 */
int vfu_conn_handle(struct vfu_conn *c, char *err, size_t errlen);

/*
 * The pure dispatcher behind vfu_conn_handle(), for tests and the fuzzer:
 * one received message in, the reply to send out. It trusts in->payload_len
 * (not hdr.msg_size) and takes every fd of in: each passes to the device or
 * is closed, and in->nfds is 0 on return; the caller still releases in.
 * Returns 0, or a negative errno when the connection must be closed after
 * out is sent (if out->send). Call vfu_reply_release(out) afterwards.
 */
int vfu_dispatch(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out,
		 char *err, size_t errlen);
void vfu_reply_release(struct vfu_reply *out);

#endif /* VGPU_SIM_VFU_SERVER_H */
