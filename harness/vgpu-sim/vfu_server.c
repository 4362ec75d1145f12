// SPDX-License-Identifier: MIT
/*
 * vgpu-sim's vfio-user server: one connection, one vGPU. Each command maps
 * onto a vgpu_* call with the VFIO ioctl's semantics, so the device's errno
 * reaches the client unchanged (as a positive errno in an ERROR reply).
 *
 * The client is untrusted: payload sizes are checked before any field is
 * read, every fd that arrives is handed to the device or closed, and a
 * protocol violation ends the connection instead of guessing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "vfu_server.h"
#include "vgpu.h"
#include "vrc/util.h"

#define IRQ_SET_FIXED		20u	/* struct vfu_irq_set */
#define IRQ_INFO_MAX_ARGSZ	4096u	/* cap on the chain we build */
#define DMA_MAP_SIZE		32u
#define DMA_UNMAP_SIZE		24u
#define MAX_ERRNO		4095

static void close_fds(struct vfu_msg *in)
{
	for (size_t i = 0; i < in->nfds && i < VFU_MAX_FDS; i++)
		if (in->fds[i] >= 0)
			close(in->fds[i]);
	in->nfds = 0;
}

/* Give out a malloc'd copy of len bytes as the reply payload. */
static int set_payload(struct vfu_reply *out, const void *p, size_t len)
{
	if (!len)
		return 0;
	out->payload = malloc(len);
	if (!out->payload)
		return -ENOMEM;
	memcpy(out->payload, p, len);
	out->payload_len = len;
	return 0;
}

void vfu_reply_release(struct vfu_reply *out)
{
	if (!out)
		return;
	free(out->payload);
	memset(out, 0, sizeof(*out));
}

/* ---------------------------------------------------------- commands */

static int do_version(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out,
		      int *fatal, char *err, size_t errlen)
{
	static const char json[] = VFU_SERVER_VERSION_JSON;
	uint8_t rep[sizeof(struct vfu_version) + sizeof(json)];
	struct vfu_version v;
	struct vfu_caps caps;
	const char *cj;
	size_t cjlen;
	int rc;

	close_fds(in);	/* VERSION carries no fds (no twin socket here) */
	if (c->negotiated) {
		vrc_seterr(err, errlen, "VERSION sent twice");
		return -EINVAL;
	}
	*fatal = -EPROTO;	/* a failed negotiation closes the socket */
	if (in->payload_len < sizeof(v)) {
		vrc_seterr(err, errlen, "VERSION payload of %zu bytes", in->payload_len);
		return -EINVAL;
	}
	memcpy(&v, in->payload, sizeof(v));
	if (v.major != 0) {
		vrc_seterr(err, errlen, "client speaks vfio-user %u.%u, we speak 0.0",
		       v.major, v.minor);
		return -EINVAL;
	}
	cj = (const char *)in->payload + sizeof(v);
	cjlen = in->payload_len - sizeof(v);
	if (cjlen && cj[cjlen - 1] != '\0') {
		vrc_seterr(err, errlen, "client's version JSON is not NUL-terminated");
		return -EINVAL;
	}
	rc = vfu_parse_version_json(cj, cjlen, &caps, err, errlen);
	if (rc)
		return -EINVAL;
	*fatal = 0;
	/* 0.0 whatever the client proposed: QEMU rejects any other minor. */
	v.major = 0;
	v.minor = 0;
	memcpy(rep, &v, sizeof(v));
	memcpy(rep + sizeof(v), json, sizeof(json));
	rc = set_payload(out, rep, sizeof(rep));
	if (!rc)
		c->negotiated = true;
	return rc;
}

/* The device does no DMA: maps are accepted, their fds closed at once. */
static int do_dma(struct vfu_msg *in, struct vfu_reply *out)
{
	close_fds(in);
	if (in->hdr.command == VFU_CMD_DMA_MAP)
		return in->payload_len < DMA_MAP_SIZE ? -EINVAL : 0;
	if (in->payload_len < DMA_UNMAP_SIZE)
		return -EINVAL;
	/* libvfio-user echoes the unmap request; QEMU takes either. */
	return set_payload(out, in->payload, DMA_UNMAP_SIZE);
}

static int do_device_info(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out)
{
	struct vfu_device_info info;

	close_fds(in);
	if (in->payload_len < sizeof(info))
		return -EINVAL;
	memcpy(&info, in->payload, sizeof(info));
	if (info.argsz < sizeof(info))
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	vgpu_device_info(c->v, &info);
	return set_payload(out, &info, sizeof(info));
}

static int do_region_info(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out)
{
	struct vfu_region_info info;
	uint32_t index;
	int fd = -1, rc;

	close_fds(in);
	if (in->payload_len < sizeof(info))
		return -EINVAL;
	memcpy(&info, in->payload, sizeof(info));
	if (info.argsz < sizeof(info))
		return -EINVAL;
	index = info.index;
	memset(&info, 0, sizeof(info));
	rc = vgpu_region_info(c->v, index, &info, &fd);
	if (rc)
		return rc;
	rc = set_payload(out, &info, sizeof(info));
	if (!rc && fd >= 0)
		out->fds[out->nfds++] = fd;	/* borrowed: the device keeps it */
	return rc;
}

static int do_irq_info(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out)
{
	struct vfu_irq_info req;
	size_t outlen = 0;
	uint8_t *buf;
	int rc;

	close_fds(in);
	if (in->payload_len < sizeof(req))
		return -EINVAL;
	memcpy(&req, in->payload, sizeof(req));
	if (req.argsz < sizeof(req))
		return -EINVAL;
	if (req.argsz > IRQ_INFO_MAX_ARGSZ)
		req.argsz = IRQ_INFO_MAX_ARGSZ;
	buf = calloc(1, IRQ_INFO_MAX_ARGSZ);
	if (!buf)
		return -ENOMEM;
	rc = vgpu_irq_info(c->v, req.index, req.argsz, buf, IRQ_INFO_MAX_ARGSZ, &outlen);
	/* the device broke its own contract, unless that is its model */
	if (!rc && (outlen < sizeof(req) ||
		    (outlen > req.argsz && !(vgpu_model(c->v)->traits & VM_OVERLONG_INFO))))
		rc = -EIO;
	if (!rc) {
		out->payload = buf;
		out->payload_len = outlen;
		return 0;
	}
	free(buf);
	return rc;
}

/*
 * SET_IRQS. The device must see the argsz it was sent, short ones included
 * (IRQ-1): a payload shorter than the fixed part is zero-filled and its argsz
 * capped at the bytes that came, so the device rejects it rather than read
 * invented fields. Fds pass to the device, which keeps or closes each.
 */
static int do_set_irqs(struct vfu_conn *c, struct vfu_msg *in)
{
	struct vfu_irq_set s = { 0 };
	const uint8_t *data = NULL;
	size_t datalen = 0;
	size_t nfds = in->nfds;
	int rc;

	if (in->payload_len < sizeof(s.argsz) || nfds > VFU_SERVER_MAX_FDS) {
		close_fds(in);
		return -EINVAL;
	}
	if (in->payload_len < IRQ_SET_FIXED) {
		memcpy(&s, in->payload, in->payload_len);
		if (s.argsz > in->payload_len)
			s.argsz = (uint32_t)in->payload_len;
	} else {
		memcpy(&s, in->payload, sizeof(s));
		data = in->payload + IRQ_SET_FIXED;
		datalen = in->payload_len - IRQ_SET_FIXED;
	}
	in->nfds = 0;	/* ownership moves to the device */
	rc = vgpu_set_irqs(c->v, &s, datalen ? data : NULL, datalen, in->fds, nfds);
	return rc;
}

static int do_region_read(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out)
{
	struct vfu_region_access a;
	uint8_t *buf;
	int rc;

	close_fds(in);
	if (in->payload_len != sizeof(a))
		return -EINVAL;
	memcpy(&a, in->payload, sizeof(a));
	if (a.count > VFU_MAX_DATA_XFER)
		return -EINVAL;
	buf = malloc(sizeof(a) + a.count);
	if (!buf)
		return -ENOMEM;
	rc = vgpu_region_read(c->v, a.region, a.offset, buf + sizeof(a), a.count);
	if (rc) {
		free(buf);
		return rc;
	}
	memcpy(buf, &a, sizeof(a));
	out->payload = buf;
	out->payload_len = sizeof(a) + a.count;
	return 0;
}

static int do_region_write(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out)
{
	struct vfu_region_access a;
	int rc;

	close_fds(in);
	if (in->payload_len < sizeof(a))
		return -EINVAL;
	memcpy(&a, in->payload, sizeof(a));
	if (a.count > VFU_MAX_DATA_XFER || a.count != in->payload_len - sizeof(a))
		return -EINVAL;
	rc = vgpu_region_write(c->v, a.region, a.offset, in->payload + sizeof(a), a.count);
	if (rc)
		return rc;
	return set_payload(out, &a, sizeof(a));
}

static int do_query_plane(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out)
{
	struct vfio_device_gfx_plane_info p;
	int rc;

	close_fds(in);
	if (in->payload_len != sizeof(p))
		return -EINVAL;
	memcpy(&p, in->payload, sizeof(p));
	rc = vgpu_query_plane(c->v, &p);
	if (rc)
		return rc;
	return set_payload(out, &p, sizeof(p));
}

static int do_get_dmabuf(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out)
{
	struct vfu_gfx_dmabuf_reply rep = { 0 };
	uint64_t off = 0, size = 0;
	int rc;

	close_fds(in);
	if (in->payload_len < sizeof(rep.dmabuf_id))
		return -EINVAL;
	memcpy(&rep.dmabuf_id, in->payload, sizeof(rep.dmabuf_id));
	rc = vgpu_get_dmabuf(c->v, rep.dmabuf_id, &off, &size);
	if (rc)
		return rc;
	if (c->shm_fd < 0)
		return -ENODEV;
	rep.mmap_offset = off;
	rep.size = size;
	rc = set_payload(out, &rep, sizeof(rep));
	if (!rc)
		out->fds[out->nfds++] = c->shm_fd;	/* borrowed */
	return rc;
}

/* ---------------------------------------------------------- dispatch */

static int run_command(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out,
		       int *fatal, char *err, size_t errlen)
{
	switch (in->hdr.command) {
	case VFU_CMD_VERSION:
		return do_version(c, in, out, fatal, err, errlen);
	case VFU_CMD_DMA_MAP:
	case VFU_CMD_DMA_UNMAP:
		return do_dma(in, out);
	case VFU_CMD_DEVICE_GET_INFO:
		return do_device_info(c, in, out);
	case VFU_CMD_DEVICE_GET_REGION_INFO:
		return do_region_info(c, in, out);
	case VFU_CMD_DEVICE_GET_IRQ_INFO:
		return do_irq_info(c, in, out);
	case VFU_CMD_DEVICE_SET_IRQS:
		return do_set_irqs(c, in);
	case VFU_CMD_REGION_READ:
		return do_region_read(c, in, out);
	case VFU_CMD_REGION_WRITE:
		return do_region_write(c, in, out);
	case VFU_CMD_DEVICE_RESET:
		close_fds(in);
		return vgpu_reset(c->v);
	case VFU_CMD_DEVICE_FEATURE:
		close_fds(in);	/* no migration, no DMA logging */
		return -ENOTSUP;
	case VFU_CMD_VRC_QUERY_GFX_PLANE:
		return do_query_plane(c, in, out);
	case VFU_CMD_VRC_GET_GFX_DMABUF:
		return do_get_dmabuf(c, in, out);
	default:
		close_fds(in);
		return -ENOSYS;
	}
}

int vfu_dispatch(struct vfu_conn *c, struct vfu_msg *in, struct vfu_reply *out,
		 char *err, size_t errlen)
{
	const uint32_t flags = in->hdr.flags;
	int fatal = 0, rc;

	memset(out, 0, sizeof(*out));
	if (in->nfds > VFU_MAX_FDS)
		in->nfds = VFU_MAX_FDS;	/* never index past the array */
	if (vgpu_dead(c->v)) {
		close_fds(in);
		vrc_seterr(err, errlen, "device dead: %s", vgpu_dead_reason(c->v));
		return -EPIPE;
	}
	if ((flags & VFU_FLAG_TYPE_MASK) != VFU_FLAG_COMMAND ||
	    (flags & ~(VFU_FLAG_TYPE_MASK | VFU_FLAG_NO_REPLY))) {
		close_fds(in);
		vrc_seterr(err, errlen, "client sent a message with flags %#x, not a command",
		       flags);
		return -EPROTO;
	}
	if (!c->negotiated && in->hdr.command != VFU_CMD_VERSION) {
		close_fds(in);
		vrc_seterr(err, errlen, "command %u before VERSION", in->hdr.command);
		rc = -EINVAL;
		fatal = -EPROTO;
	} else {
		rc = run_command(c, in, out, &fatal, err, errlen);
	}
	close_fds(in);	/* a handler that failed early may have left some */
	/* An emulated oops: the "ioctl" never returns. */
	if (vgpu_dead(c->v)) {
		vfu_reply_release(out);
		vrc_seterr(err, errlen, "device dead: %s", vgpu_dead_reason(c->v));
		return -EPIPE;
	}
	out->hdr.msg_id = in->hdr.msg_id;
	out->hdr.command = in->hdr.command;
	out->hdr.flags = VFU_FLAG_REPLY;
	if (rc) {
		free(out->payload);
		out->payload = NULL;
		out->payload_len = 0;
		out->nfds = 0;
		out->hdr.flags |= VFU_FLAG_ERROR;
		out->hdr.error = (rc < 0 && rc >= -MAX_ERRNO) ? (uint32_t)-rc : EIO;
	}
	out->hdr.msg_size = (uint32_t)(VFU_HDR_SIZE + out->payload_len);
	out->send = !(flags & VFU_FLAG_NO_REPLY);
	return fatal;
}

int vfu_conn_handle(struct vfu_conn *c, char *err, size_t errlen)
{
	struct vfu_reply out;
	struct vfu_msg in;
	int rc, src;

	rc = vfu_recv(c->sock, &in, VFU_MAX_MSG_SIZE, VFU_SERVER_MSG_TIMEOUT_MS, err, errlen);
	if (rc)
		return rc;
	rc = vfu_dispatch(c, &in, &out, err, errlen);
	vfu_msg_release(&in);
	if (out.send) {
		src = vfu_send(c->sock, &out.hdr, out.payload, out.payload_len,
			       out.fds, out.nfds);
		if (src && !rc) {
			vrc_seterr(err, errlen, "sending the reply to command %u: %s",
			       out.hdr.command, strerror(-src));
			rc = src == -EPIPE ? -EPIPE : -EPROTO;
		}
	}
	vfu_reply_release(&out);
	return rc;
}
