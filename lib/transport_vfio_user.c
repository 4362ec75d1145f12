// SPDX-License-Identifier: MIT
/*
 * The vfio-user client transport: each op is one command and its reply on
 * the device's socket (docs/protocols.md §1), with the VFIO ioctl semantics the
 * suite expects from the kernel transport.
 *
 * Device errors (ERROR replies) pass through as -errno and leave the
 * connection usable. Anything else that goes wrong on the wire (timeout,
 * malformed or mismatched reply, peer gone) breaks the transport: the stream
 * may be out of step, so later ops fail fast with -EPIPE.
 *
 * Ops may come from several threads at once, as ioctls on one kernel device
 * fd may (a recorder thread reads the frame counter at every signal while
 * the test's thread drives the device): each command and its reply are one
 * exchange under the client's lock, or one thread could take the other's
 * reply off the shared socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vrc/transport.h"
#include "vrc/vfio_user.h"
#include "vrc/util.h"

#define VFU_CLIENT_DEFAULT_TIMEOUT_MS	5000
#define VFU_CLIENT_VERSION_JSON \
	"{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576}}"
/* The largest errno a server may report; more is not an errno. */
#define VFU_MAX_ERRNO	4095
#define IRQ_SET_FIXED	20u	/* struct vfio_irq_set without data */

struct vfu_client {
	struct vrc_transport t;
	int sock;
	int timeout_ms;
	pthread_mutex_t lock;	/* one exchange at a time; next_id, broken, t.error */
	uint16_t next_id;
	bool broken;
	struct vfu_caps caps;
};

static struct vfu_client *to_client(struct vrc_transport *t)
{
	return (struct vfu_client *)t;
}

static const char *cmd_name(uint16_t cmd)
{
	switch (cmd) {
	case VFU_CMD_VERSION: return "VERSION";
	case VFU_CMD_DEVICE_GET_INFO: return "DEVICE_GET_INFO";
	case VFU_CMD_DEVICE_GET_REGION_INFO: return "GET_REGION_INFO";
	case VFU_CMD_DEVICE_GET_IRQ_INFO: return "GET_IRQ_INFO";
	case VFU_CMD_DEVICE_SET_IRQS: return "SET_IRQS";
	case VFU_CMD_REGION_READ: return "REGION_READ";
	case VFU_CMD_REGION_WRITE: return "REGION_WRITE";
	case VFU_CMD_DEVICE_RESET: return "DEVICE_RESET";
	case VFU_CMD_VRC_QUERY_GFX_PLANE: return "VRC_QUERY_GFX_PLANE";
	case VFU_CMD_VRC_GET_GFX_DMABUF: return "VRC_GET_GFX_DMABUF";
	default: return "command";
	}
}

/*
 * A transport-level failure: remember why, and refuse further traffic. The
 * first cause is kept: what fails after it only follows from it, and a
 * thread whose op failed reads a reason nobody rewrites.
 */
static void vbroken_locked(struct vfu_client *c, const char *fmt, va_list ap)
{
	if (c->broken)
		return;
	c->broken = true;
	vsnprintf(c->t.error, sizeof(c->t.error), fmt, ap);
}

/* In xfer(), which holds c->lock. */
static int broken_locked(struct vfu_client *c, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int broken_locked(struct vfu_client *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbroken_locked(c, fmt, ap);
	va_end(ap);
	return rc;
}

/* Anywhere else: a reply found malformed after its exchange. */
static int broken(struct vfu_client *c, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int broken(struct vfu_client *c, int rc, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&c->lock);
	va_start(ap, fmt);
	vbroken_locked(c, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/*
 * Send one command and receive its reply, c->lock held. Returns 0 with
 * *reply filled (the caller releases it), -errno from an ERROR reply (reply
 * released), or a transport failure (transport broken). A bad fd to send
 * fails with -EBADF before anything is sent, which leaves the transport
 * intact. A reply with more than max_fds fds breaks the transport (ops that
 * take an fd check the exact count).
 */
static int xfer_locked(struct vfu_client *c, uint16_t cmd, const void *payload,
		       size_t len, const int *fds, size_t nfds, size_t max_fds,
		       struct vfu_msg *reply)
{
	int64_t deadline = vrc_now_ms() + c->timeout_ms;
	char why[200] = "";
	int dev_err;
	struct vfu_hdr h = {
		.msg_id = c->next_id++,
		.command = cmd,
		.msg_size = (uint32_t)(VFU_HDR_SIZE + len),
		.flags = VFU_FLAG_COMMAND,
	};
	int rc;

	if (c->broken)
		return -EPIPE;
	if (len > VFU_MAX_MSG_SIZE - VFU_HDR_SIZE)
		return -EINVAL;
	rc = vfu_send_timeout(c->sock, &h, payload, len, fds, nfds, vrc_left_ms(deadline));
	if (rc == -EBADF)
		return rc;
	if (rc)
		return broken_locked(c, rc, "vfio-user %s: send: %s", cmd_name(cmd),
				     strerror(-rc));
	rc = vfu_recv(c->sock, reply, VFU_MAX_MSG_SIZE, vrc_left_ms(deadline), why, sizeof(why));
	if (rc == -ETIMEDOUT)
		return broken_locked(c, rc, "vfio-user %s: no reply within %d ms",
				     cmd_name(cmd), c->timeout_ms);
	if (rc)
		return broken_locked(c, rc, "vfio-user %s: %s", cmd_name(cmd), why);
	rc = vfu_reply_check(reply, h.msg_id, cmd, &dev_err, why, sizeof(why));
	if (rc) {
		vfu_msg_release(reply);
		return broken_locked(c, rc, "vfio-user %s: %s", cmd_name(cmd), why);
	}
	if (dev_err) {
		vfu_msg_release(reply);
		return -dev_err;
	}
	if (reply->nfds > max_fds) {
		vfu_msg_release(reply);
		return broken_locked(c, -EPROTO, "vfio-user: unexpected fds in a %s reply",
				     cmd_name(cmd));
	}
	return 0;
}

static int xfer(struct vfu_client *c, uint16_t cmd, const void *payload,
		size_t len, const int *fds, size_t nfds, size_t max_fds,
		struct vfu_msg *reply)
{
	int rc;

	memset(reply, 0, sizeof(*reply));
	pthread_mutex_lock(&c->lock);
	rc = xfer_locked(c, cmd, payload, len, fds, nfds, max_fds, reply);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int vfu_reply_check(const struct vfu_msg *m, uint16_t msg_id, uint16_t command,
		    int *dev_err, char *err, size_t errlen)
{
	const struct vfu_hdr *h = &m->hdr;

	*dev_err = 0;
	if ((h->flags & VFU_FLAG_TYPE_MASK) != VFU_FLAG_REPLY) {
		vrc_seterr(err, errlen, "expected a reply, got a command (%u)", h->command);
		return -EPROTO;
	}
	if (h->msg_id != msg_id || h->command != command) {
		vrc_seterr(err, errlen, "reply to msg_id %u command %u, expected %u/%u",
		       h->msg_id, h->command, msg_id, command);
		return -EPROTO;
	}
	if (!(h->flags & VFU_FLAG_ERROR))
		return 0;
	if (h->error < 1 || h->error > VFU_MAX_ERRNO) {
		vrc_seterr(err, errlen, "error reply with errno %u", h->error);
		return -EPROTO;
	}
	if (m->payload_len || m->nfds) {
		vrc_seterr(err, errlen, "error reply (errno %u) with %zu payload bytes, %zu fds",
		       h->error, m->payload_len, m->nfds);
		return -EPROTO;
	}
	*dev_err = (int)h->error;
	return 0;
}

/* Replies that carry no fds must not bring any. */
static int bad_size(struct vfu_client *c, struct vfu_msg *r)
{
	size_t len = r->payload_len;

	vfu_msg_release(r);
	return broken(c, -EPROTO, "vfio-user: %s reply has a %zu-byte payload",
		      cmd_name(r->hdr.command), len);
}

/* ----------------------------------------------------------------- ops */

static int vu_get_device_info(struct vrc_transport *t, struct vfio_device_info *info)
{
	struct vfu_client *c = to_client(t);
	struct vfu_device_info req = { .argsz = sizeof(req) }, rep;
	struct vfu_msg r;
	int rc = xfer(c, VFU_CMD_DEVICE_GET_INFO, &req, sizeof(req), NULL, 0, 0, &r);

	if (rc)
		return rc;
	if (r.payload_len < sizeof(rep))
		return bad_size(c, &r);
	memcpy(&rep, r.payload, sizeof(rep));
	vfu_msg_release(&r);
	info->flags = rep.flags;
	info->num_regions = rep.num_regions;
	info->num_irqs = rep.num_irqs;
	info->cap_offset = 0;	/* we asked for no capabilities */
	return 0;
}

static int vu_get_region_info(struct vrc_transport *t, uint32_t index,
			      struct vfio_region_info *info)
{
	struct vfu_client *c = to_client(t);
	struct vfu_region_info req = { .argsz = sizeof(req), .index = index }, rep;
	struct vfu_msg r;
	int rc = xfer(c, VFU_CMD_DEVICE_GET_REGION_INFO, &req, sizeof(req), NULL, 0, 1, &r);

	if (rc)
		return rc;
	if (r.payload_len < sizeof(rep))
		return bad_size(c, &r);
	memcpy(&rep, r.payload, sizeof(rep));
	/* An MMAP region brings its fd; this transport only reads and writes. */
	if (r.nfds > 1 || (r.nfds && !(rep.flags & VFIO_REGION_INFO_FLAG_MMAP))) {
		vfu_msg_release(&r);
		return broken(c, -EPROTO, "vfio-user: GET_REGION_INFO reply with unexpected fds");
	}
	vfu_msg_release(&r);
	if (rep.index != index)
		return broken(c, -EPROTO, "vfio-user: GET_REGION_INFO(%u) answered for region %u",
			      index, rep.index);
	info->argsz = rep.argsz;	/* the size the full info needs, like the kernel */
	info->flags = rep.flags;
	info->index = rep.index;
	info->cap_offset = 0;		/* 32 bytes asked: no room for a chain */
	info->size = rep.size;
	info->offset = rep.offset;
	return 0;
}

static int vu_get_irq_info(struct vrc_transport *t, void *buf, size_t bufsz)
{
	struct vfu_client *c = to_client(t);
	struct vfu_irq_info req, rep;
	struct vfu_msg r;
	size_t n;
	int rc;

	if (bufsz < sizeof(req))
		return -EINVAL;
	memcpy(&req, buf, sizeof(req));
	if (req.argsz > bufsz)
		return -EINVAL;
	/* argsz goes as the caller set it, short or not: the device judges. */
	req.flags = 0;
	req.count = 0;
	rc = xfer(c, VFU_CMD_DEVICE_GET_IRQ_INFO, &req, sizeof(req), NULL, 0, 0, &r);
	if (rc)
		return rc;
	if (r.payload_len < sizeof(rep))
		return bad_size(c, &r);
	memcpy(&rep, r.payload, sizeof(rep));
	if (rep.index != req.index) {
		vfu_msg_release(&r);
		return broken(c, -EPROTO, "vfio-user: GET_IRQ_INFO(%u) answered for irq %u",
			      req.index, rep.index);
	}
	/*
	 * A kernel would write the reply into the caller's buffer: more bytes
	 * than argsz would land past what the caller gave (DISC-2), so such a
	 * reply is refused whole, never truncated. A larger argsz inside the
	 * reply is the retry protocol, and fine.
	 */
	if (r.payload_len > req.argsz) {
		vfu_msg_release(&r);
		return -EOVERFLOW;
	}
	n = r.payload_len;
	memcpy(buf, r.payload, n);
	vfu_msg_release(&r);
	return 0;
}

/* One SET_IRQS command; the reply has no payload and no fds. */
static int set_irqs_one(struct vfu_client *c, const void *payload, size_t len,
			const int *fds, size_t nfds)
{
	struct vfu_msg r;
	int rc = xfer(c, VFU_CMD_DEVICE_SET_IRQS, payload, len, fds, nfds, 0, &r);

	if (rc)
		return rc;
	if (r.payload_len)
		return bad_size(c, &r);
	vfu_msg_release(&r);
	return 0;
}

/*
 * DATA_EVENTFD: the __s32 array moves to SCM_RIGHTS and argsz becomes 20,
 * as QEMU sends it, in chunks of at most the server's max_msg_fds. All -1
 * is a de-assign (no fds); a mix of -1 and fds has no vfio-user encoding.
 */
static int set_irqs_eventfd(struct vfu_client *c, const struct vfio_irq_set *req)
{
	struct vfu_irq_set s;
	const uint8_t *data = (const uint8_t *)req + IRQ_SET_FIXED;
	uint64_t need = IRQ_SET_FIXED + (uint64_t)req->count * sizeof(int32_t);
	size_t valid = 0, chunk;
	int fds[VFU_MAX_FDS];

	/* The kernel's vfio core rejects an array shorter than count. */
	if (req->argsz < need)
		return -EINVAL;
	for (uint32_t i = 0; i < req->count; i++) {
		int32_t fd;

		memcpy(&fd, data + (size_t)i * sizeof(fd), sizeof(fd));
		if (fd >= 0)
			valid++;
		else if (fd != -1)
			return -EBADF;
	}
	if (valid && valid != req->count)
		return -EINVAL;
	memcpy(&s, req, sizeof(s));
	s.argsz = IRQ_SET_FIXED;
	if (!valid)	/* de-assign, or count 0: no fds, one message */
		return set_irqs_one(c, &s, sizeof(s), NULL, 0);
	chunk = c->caps.max_msg_fds < VFU_MAX_FDS ? c->caps.max_msg_fds : VFU_MAX_FDS;
	if (!chunk)
		return -EINVAL;	/* the server takes no fds at all */
	for (uint32_t done = 0; done < req->count; done += s.count) {
		int rc;

		s.start = req->start + done;
		s.count = req->count - done < chunk ? req->count - done : (uint32_t)chunk;
		for (uint32_t i = 0; i < s.count; i++)
			memcpy(&fds[i], data + (size_t)(done + i) * sizeof(int32_t),
			       sizeof(int));
		rc = set_irqs_one(c, &s, sizeof(s), fds, s.count);
		if (rc)
			return rc;
	}
	return 0;
}

static int vu_set_irqs(struct vrc_transport *t, const struct vfio_irq_set *req)
{
	struct vfu_client *c = to_client(t);
	uint32_t dtype = req->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;

	/* A short argsz goes through unchanged so the device can reject it. */
	if (req->argsz < IRQ_SET_FIXED)
		return set_irqs_one(c, req, IRQ_SET_FIXED, NULL, 0);
	if (req->argsz - IRQ_SET_FIXED > c->caps.max_data_xfer_size)
		return -EINVAL;
	if (dtype == VFIO_IRQ_SET_DATA_EVENTFD)
		return set_irqs_eventfd(c, req);
	/* DATA_BOOL bytes, or anything odd the caller built: sent as is. */
	return set_irqs_one(c, req, req->argsz, NULL, 0);
}

static int region_read_one(struct vfu_client *c, uint32_t index, uint64_t off,
			   uint8_t *buf, uint32_t len)
{
	struct vfu_region_access req = { .offset = off, .region = index, .count = len }, rep;
	struct vfu_msg r;
	int rc = xfer(c, VFU_CMD_REGION_READ, &req, sizeof(req), NULL, 0, 0, &r);

	if (rc)
		return rc;
	if (r.payload_len < sizeof(rep))
		return bad_size(c, &r);
	memcpy(&rep, r.payload, sizeof(rep));
	if (rep.offset != off || rep.region != index || rep.count > len ||
	    r.payload_len != sizeof(rep) + rep.count) {
		size_t plen = r.payload_len;

		vfu_msg_release(&r);
		return broken(c, -EPROTO,
			      "vfio-user: REGION_READ(%u, %#llx, %u) reply: region %u offset %#llx count %u with %zu data bytes",
			      index, (unsigned long long)off, len, rep.region,
			      (unsigned long long)rep.offset, rep.count, plen - sizeof(rep));
	}
	memcpy(buf, r.payload + sizeof(rep), rep.count);
	vfu_msg_release(&r);
	return rep.count == len ? 0 : -EIO;	/* a short read, like pread's */
}

static int region_write_one(struct vfu_client *c, uint32_t index, uint64_t off,
			    const uint8_t *buf, uint32_t len)
{
	struct vfu_region_access req = { .offset = off, .region = index, .count = len }, rep;
	struct vfu_msg r;
	uint8_t *p = malloc(sizeof(req) + len);
	int rc;

	if (!p)
		return -ENOMEM;
	memcpy(p, &req, sizeof(req));
	memcpy(p + sizeof(req), buf, len);
	rc = xfer(c, VFU_CMD_REGION_WRITE, p, sizeof(req) + len, NULL, 0, 0, &r);
	free(p);
	if (rc)
		return rc;
	if (r.payload_len != sizeof(rep))
		return bad_size(c, &r);
	memcpy(&rep, r.payload, sizeof(rep));
	vfu_msg_release(&r);
	if (rep.offset != off || rep.region != index || rep.count > len)
		return broken(c, -EPROTO,
			      "vfio-user: REGION_WRITE(%u, %#llx, %u) reply: region %u offset %#llx count %u",
			      index, (unsigned long long)off, len, rep.region,
			      (unsigned long long)rep.offset, rep.count);
	return rep.count == len ? 0 : -EIO;
}

/* Split a transfer into pieces the server accepts (max_data_xfer_size). */
static int region_chunked(struct vfu_client *c, uint32_t index, uint64_t off,
			  bool write, uint8_t *rbuf, const uint8_t *wbuf, uint32_t len)
{
	uint32_t done = 0;

	while (done < len) {
		uint32_t n = len - done;
		int rc;

		if (n > c->caps.max_data_xfer_size)
			n = c->caps.max_data_xfer_size;
		if (off + done < off)
			return -EINVAL;
		rc = !write ? region_read_one(c, index, off + done, rbuf + done, n) :
			    region_write_one(c, index, off + done, wbuf + done, n);
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

static int vu_region_read(struct vrc_transport *t, uint32_t index, uint64_t off,
			  void *buf, uint32_t len)
{
	return region_chunked(to_client(t), index, off, false, buf, NULL, len);
}

static int vu_region_write(struct vrc_transport *t, uint32_t index, uint64_t off,
			   const void *buf, uint32_t len)
{
	return region_chunked(to_client(t), index, off, true, NULL, buf, len);
}

static int vu_reset(struct vrc_transport *t)
{
	struct vfu_client *c = to_client(t);
	struct vfu_msg r;
	int rc = xfer(c, VFU_CMD_DEVICE_RESET, NULL, 0, NULL, 0, 0, &r);

	if (rc)
		return rc;
	if (r.payload_len)
		return bad_size(c, &r);
	vfu_msg_release(&r);
	return 0;
}

static int vu_query_gfx_plane(struct vrc_transport *t,
			      struct vfio_device_gfx_plane_info *plane)
{
	struct vfu_client *c = to_client(t);
	struct vfu_msg r;
	int rc = xfer(c, VFU_CMD_VRC_QUERY_GFX_PLANE, plane, sizeof(*plane), NULL, 0, 0, &r);

	if (rc)
		return rc;
	if (r.payload_len != sizeof(*plane))
		return bad_size(c, &r);
	memcpy(plane, r.payload, sizeof(*plane));
	vfu_msg_release(&r);
	return 0;
}

static int vu_get_gfx_dmabuf(struct vrc_transport *t, uint32_t dmabuf_id,
			     uint64_t *mmap_off)
{
	struct vfu_client *c = to_client(t);
	struct vfu_gfx_dmabuf_reply rep;
	struct vfu_msg r;
	int fd, rc = xfer(c, VFU_CMD_VRC_GET_GFX_DMABUF, &dmabuf_id, sizeof(dmabuf_id),
			  NULL, 0, 1, &r);

	if (rc)
		return rc;
	if (r.payload_len != sizeof(rep) || r.nfds != 1) {
		size_t plen = r.payload_len, nfds = r.nfds;

		vfu_msg_release(&r);
		return broken(c, -EPROTO,
			      "vfio-user: GET_GFX_DMABUF reply: %zu bytes and %zu fds, expected %zu and 1",
			      plen, nfds, sizeof(rep));
	}
	memcpy(&rep, r.payload, sizeof(rep));
	if (rep.dmabuf_id != dmabuf_id || rep.mmap_offset + rep.size < rep.mmap_offset) {
		vfu_msg_release(&r);
		return broken(c, -EPROTO,
			      "vfio-user: GET_GFX_DMABUF(%u) reply: id %u, offset %#llx size %#llx",
			      dmabuf_id, rep.dmabuf_id, (unsigned long long)rep.mmap_offset,
			      (unsigned long long)rep.size);
	}
	fd = r.fds[0];
	r.nfds = 0;	/* the fd is the caller's now */
	vfu_msg_release(&r);
	*mmap_off = rep.mmap_offset;
	return fd;
}

static void vu_destroy(struct vrc_transport *t)
{
	struct vfu_client *c = to_client(t);

	if (c->sock >= 0)
		close(c->sock);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static const struct vrc_transport_ops vu_ops = {
	.name = "vfio-user",
	.get_device_info = vu_get_device_info,
	.get_region_info = vu_get_region_info,
	.get_irq_info = vu_get_irq_info,
	.set_irqs = vu_set_irqs,
	.region_read = vu_region_read,
	.region_write = vu_region_write,
	.reset = vu_reset,
	.query_gfx_plane = vu_query_gfx_plane,
	.get_gfx_dmabuf = vu_get_gfx_dmabuf,
	.destroy = vu_destroy,
};

/* ------------------------------------------------------------ open */

/* VERSION: propose 0.0 with our caps; accept 0.0 only, as QEMU does. */
static int negotiate(struct vfu_client *c, char *err, size_t errlen)
{
	static const char json[] = VFU_CLIENT_VERSION_JSON;
	uint8_t req[sizeof(struct vfu_version) + sizeof(json)];
	struct vfu_version v = { 0, 0 };
	struct vfu_msg r;
	const char *rj;
	size_t rjlen;
	int rc;

	memcpy(req, &v, sizeof(v));
	memcpy(req + sizeof(v), json, sizeof(json));	/* with its NUL */
	rc = xfer(c, VFU_CMD_VERSION, req, sizeof(req), NULL, 0, VFU_MAX_FDS, &r);
	if (rc) {
		if (c->broken)
			vrc_seterr(err, errlen, "%s", c->t.error);
		else
			vrc_seterr(err, errlen, "vfio-user VERSION refused: %s", strerror(-rc));
		return rc;
	}
	if (r.nfds || r.payload_len < sizeof(v)) {
		vrc_seterr(err, errlen, "vfio-user VERSION reply: %zu bytes, %zu fds",
		       r.payload_len, r.nfds);
		vfu_msg_release(&r);
		return -EPROTO;
	}
	memcpy(&v, r.payload, sizeof(v));
	if (v.major != 0 || v.minor != 0) {
		vrc_seterr(err, errlen, "vfio-user: server speaks version %u.%u, we need 0.0",
		       v.major, v.minor);
		vfu_msg_release(&r);
		return -EPROTO;
	}
	rj = (const char *)r.payload + sizeof(v);
	rjlen = r.payload_len - sizeof(v);
	if (rjlen && rj[rjlen - 1] != '\0') {
		vrc_seterr(err, errlen, "vfio-user: version JSON is not NUL-terminated");
		vfu_msg_release(&r);
		return -EPROTO;
	}
	rc = vfu_parse_version_json(rj, rjlen, &c->caps, err, errlen);
	vfu_msg_release(&r);
	if (rc)
		return rc;
	if (c->caps.max_data_xfer_size > VFU_MAX_DATA_XFER)
		c->caps.max_data_xfer_size = VFU_MAX_DATA_XFER;	/* our recv bound */
	return 0;
}

int vrc_vfio_user_open_fd(int sock, int timeout_ms, struct vrc_transport **out,
			  char *err, size_t errlen)
{
	struct vfu_client *c;
	int rc, fl;

	*out = NULL;
	if (sock < 0 || timeout_ms < 0) {
		if (sock >= 0)
			close(sock);
		vrc_seterr(err, errlen, "vfio-user: bad socket or timeout");
		return -EINVAL;
	}
	/* Every wait is a poll with a deadline; never block in the calls. */
	fl = fcntl(sock, F_GETFL);
	if (fl < 0 || fcntl(sock, F_SETFL, fl | O_NONBLOCK) < 0) {
		rc = -errno;
		close(sock);
		vrc_seterr(err, errlen, "vfio-user: fcntl: %s", strerror(-rc));
		return rc;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(sock);
		vrc_seterr(err, errlen, "vfio-user: out of memory");
		return -ENOMEM;
	}
	c->t.ops = &vu_ops;
	c->sock = sock;
	pthread_mutex_init(&c->lock, NULL);
	c->timeout_ms = timeout_ms ? timeout_ms : VFU_CLIENT_DEFAULT_TIMEOUT_MS;
	c->next_id = 1;
	rc = negotiate(c, err, errlen);
	if (rc) {
		vu_destroy(&c->t);
		return rc;
	}
	*out = &c->t;
	return 0;
}

int vrc_vfio_user_open(const char *socket_path, int timeout_ms,
		       struct vrc_transport **out, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = vrc_now_ms() + (timeout_ms > 0 ? timeout_ms : VFU_CLIENT_DEFAULT_TIMEOUT_MS);
	int sock, rc;

	*out = NULL;
	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		vrc_seterr(err, errlen, "vfio-user: socket path too long: %s", socket_path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0) {
		rc = -errno;
		vrc_seterr(err, errlen, "vfio-user: socket: %s", strerror(errno));
		return rc;
	}
	/* A full backlog says EAGAIN on a non-blocking AF_UNIX connect: retry. */
	while (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if ((errno == EAGAIN || errno == EINTR) && vrc_left_ms(deadline) > 0) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			continue;
		}
		rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
		vrc_seterr(err, errlen, "vfio-user: connect %s: %s", socket_path, strerror(-rc));
		close(sock);
		return rc;
	}
	return vrc_vfio_user_open_fd(sock, timeout_ms, out, err, errlen);
}
