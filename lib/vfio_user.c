// SPDX-License-Identifier: MIT
/*
 * vfio-user message codec (docs/protocols.md §1): header checks, one whole
 * message in or out of a stream socket with its SCM_RIGHTS fds, and the
 * VERSION capabilities JSON. Shared by the client transport and vgpu-sim.
 *
 * Received bytes are untrusted: msg_size is checked against the caller's
 * bound before anything is allocated, every wait has a deadline, and every fd
 * that arrives either ends up in the returned message or is closed.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "vrc/json.h"
#include "vrc/vfio_user.h"
#include "vrc/fdpass.h"
#include "vrc/util.h"

#define VFU_KNOWN_FLAGS	(VFU_FLAG_TYPE_MASK | VFU_FLAG_NO_REPLY | VFU_FLAG_ERROR)
/* Largest values of the server's capabilities we believe (QEMU's limits). */
#define VFU_CAPS_MAX_XFER	(64u << 20)
#define VFU_CAPS_MIN_XFER	4u

/* Milliseconds left before deadline, for poll(); -1 means no deadline. */
static int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : vrc_now_ms() + timeout_ms;
}

/* Wait for events on sock until deadline: 0, -ETIMEDOUT or -errno. */
static int wait_for(int sock, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = sock, .events = events };
		int ms = vrc_left_ms(deadline);
		int n = poll(&p, 1, ms);

		if (n > 0)
			return 0;	/* ready, or HUP/ERR: the I/O call tells */
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int vfu_hdr_check(const struct vfu_hdr *h, size_t max_size, char *err, size_t errlen)
{
	uint32_t type = h->flags & VFU_FLAG_TYPE_MASK;

	if (h->msg_size < VFU_HDR_SIZE) {
		vrc_seterr(err, errlen, "vfio-user: msg_size %u is smaller than the header",
		       h->msg_size);
		return -EPROTO;
	}
	if (h->msg_size > max_size) {
		vrc_seterr(err, errlen, "vfio-user: msg_size %u exceeds the limit %zu",
		       h->msg_size, max_size);
		return -EPROTO;
	}
	if (type != VFU_FLAG_COMMAND && type != VFU_FLAG_REPLY) {
		vrc_seterr(err, errlen, "vfio-user: unknown message type %u", type);
		return -EPROTO;
	}
	if (h->flags & ~VFU_KNOWN_FLAGS) {
		vrc_seterr(err, errlen, "vfio-user: unknown flag bits %#x",
		       h->flags & ~VFU_KNOWN_FLAGS);
		return -EPROTO;
	}
	if ((h->flags & VFU_FLAG_ERROR) && type != VFU_FLAG_REPLY) {
		vrc_seterr(err, errlen, "vfio-user: ERROR flag on a command");
		return -EPROTO;
	}
	if ((h->flags & VFU_FLAG_NO_REPLY) && type != VFU_FLAG_COMMAND) {
		vrc_seterr(err, errlen, "vfio-user: NO_REPLY flag on a reply");
		return -EPROTO;
	}
	return 0;
}

void vfu_msg_release(struct vfu_msg *msg)
{
	if (!msg)
		return;
	for (size_t i = 0; i < msg->nfds && i < VFU_MAX_FDS; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	free(msg->payload);
	memset(msg, 0, sizeof(*msg));
}

/*
 * Take the SCM_RIGHTS fds out of a received control buffer into msg. Fds
 * beyond VFU_MAX_FDS are closed and reported as -EPROTO.
 */
static int take_fds(struct msghdr *mh, struct vfu_msg *msg, char *err, size_t errlen)
{
	size_t n = msg->nfds;

	if (vrc_fds_take(mh, msg->fds, VFU_MAX_FDS, &n)) {
		vrc_seterr(err, errlen, "vfio-user: more than %u fds with one message, or a "
			   "malformed control message", VFU_MAX_FDS);
		return -EPROTO;
	}
	msg->nfds = n;
	return 0;
}

/*
 * Read exactly len bytes into buf (collecting fds) before deadline. *got
 * counts the bytes read so far, for the caller's messages.
 */
static int recv_exact(int sock, void *buf, size_t len, size_t *got,
		      struct vfu_msg *msg, int64_t deadline, char *err, size_t errlen)
{
	/* One more fd than allowed fits, so an excess shows up as an excess. */
	union {
		char buf[CMSG_SPACE((VFU_MAX_FDS + 1) * sizeof(int))];
		struct cmsghdr align;
	} ctl;

	*got = 0;
	while (*got < len) {
		struct iovec iov = {
			.iov_base = (uint8_t *)buf + *got,
			.iov_len = len - *got,
		};
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n;
		int rc = wait_for(sock, POLLIN, deadline);

		if (rc) {
			if (rc == -ETIMEDOUT)
				vrc_seterr(err, errlen, "vfio-user: timed out");
			else
				vrc_seterr(err, errlen, "vfio-user: poll: %s", strerror(-rc));
			return rc;
		}
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			rc = -errno;
			vrc_seterr(err, errlen, "vfio-user: recvmsg: %s", strerror(errno));
			return rc == -ECONNRESET ? -EPIPE : rc;
		}
		rc = take_fds(&mh, msg, err, errlen);
		if (rc)
			return rc;
		if (n == 0) {
			vrc_seterr(err, errlen, "vfio-user: peer closed the connection");
			return -EPIPE;
		}
		*got += (size_t)n;
	}
	return 0;
}

int vfu_recv(int sock, struct vfu_msg *msg, size_t max_size, int timeout_ms,
	     char *err, size_t errlen)
{
	int64_t deadline = deadline_of(timeout_ms);
	size_t got, want;
	int rc;

	memset(msg, 0, sizeof(*msg));
	rc = recv_exact(sock, &msg->hdr, VFU_HDR_SIZE, &got, msg, deadline, err, errlen);
	if (rc) {
		if (rc == -EPIPE && got)
			vrc_seterr(err, errlen,
			       "vfio-user: peer closed mid-message: %zu of %u header bytes arrived",
			       got, VFU_HDR_SIZE);
		else if (rc == -ETIMEDOUT)
			vrc_seterr(err, errlen,
			       "vfio-user: timed out after %d ms waiting for a message (%zu of %u header bytes)",
			       timeout_ms, got, VFU_HDR_SIZE);
		goto fail;
	}
	rc = vfu_hdr_check(&msg->hdr, max_size, err, errlen);
	if (rc) {
		/* The payload stays unread: the stream is out of step for good. */
		size_t l = err ? strlen(err) : 0;

		if (err && l < errlen)
			vrc_seterr(err + l, errlen - l, " (connection unusable)");
		goto fail;
	}
	want = msg->hdr.msg_size - VFU_HDR_SIZE;
	if (want) {
		msg->payload = malloc(want);
		if (!msg->payload) {
			rc = -ENOMEM;
			vrc_seterr(err, errlen, "vfio-user: no memory for a %zu-byte payload", want);
			goto fail;
		}
		rc = recv_exact(sock, msg->payload, want, &got, msg, deadline, err, errlen);
		if (rc == -EPIPE)
			vrc_seterr(err, errlen,
			       "vfio-user: peer closed mid-message: %zu of %u bytes arrived (command %u)",
			       VFU_HDR_SIZE + got, msg->hdr.msg_size, msg->hdr.command);
		else if (rc == -ETIMEDOUT)
			vrc_seterr(err, errlen,
			       "vfio-user: timed out after %d ms in a message: %zu of %u bytes arrived (command %u)",
			       timeout_ms, VFU_HDR_SIZE + got, msg->hdr.msg_size,
			       msg->hdr.command);
		if (rc)
			goto fail;
		msg->payload_len = want;
	}
	return 0;
fail:
	vfu_msg_release(msg);
	return rc;
}

int vfu_send_timeout(int sock, const struct vfu_hdr *hdr, const void *payload,
		     size_t payload_len, const int *fds, size_t nfds, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(VFU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	int64_t deadline = deadline_of(timeout_ms);
	size_t total = VFU_HDR_SIZE + payload_len, sent = 0;

	if (nfds > VFU_MAX_FDS || (payload_len && !payload) ||
	    hdr->msg_size != total)
		return -EINVAL;

	while (sent < total) {
		struct iovec iov[2];
		struct msghdr mh = { .msg_iov = iov };
		ssize_t n;
		int rc;

		/* The header part still to go, then the payload part. */
		if (sent < VFU_HDR_SIZE) {
			iov[0].iov_base = (uint8_t *)hdr + sent;
			iov[0].iov_len = VFU_HDR_SIZE - sent;
			iov[1].iov_base = (void *)payload;
			iov[1].iov_len = payload_len;
			mh.msg_iovlen = payload_len ? 2 : 1;
		} else {
			iov[0].iov_base = (uint8_t *)payload + (sent - VFU_HDR_SIZE);
			iov[0].iov_len = total - sent;
			mh.msg_iovlen = 1;
		}
		/* The fds go with the first byte that leaves, never twice. */
		if (nfds && sent == 0)
			vrc_fds_attach(&mh, ctl.buf, sizeof(ctl.buf), fds, nfds);
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == ECONNRESET ? -EPIPE : -errno;
		rc = wait_for(sock, POLLOUT, deadline);
		if (rc)
			return rc;
	}
	return 0;
}

int vfu_send(int sock, const struct vfu_hdr *hdr, const void *payload,
	     size_t payload_len, const int *fds, size_t nfds)
{
	return vfu_send_timeout(sock, hdr, payload, payload_len, fds, nfds,
				VFU_SEND_TIMEOUT_MS);
}

/* An integer member within [min, max], or absent (then *out is untouched). */
static int caps_u32(struct json_object *caps, const char *key, uint32_t min,
		    uint32_t max, uint32_t *out, char *err, size_t errlen)
{
	struct json_object *o;
	int64_t v;
	int rc;

	if (!json_object_object_get_ex(caps, key, &o))
		return 0;	/* absent: the default; a null is not an integer */
	rc = vrc_json_i64(caps, key, min, max, &v);
	if (rc == -ENOENT || rc == -EINVAL) {
		vrc_seterr(err, errlen, "vfio-user: capability %s is not an integer", key);
		return -EPROTO;
	}
	if (rc) {
		vrc_seterr(err, errlen, "vfio-user: capability %s = %s is outside [%u, %u]",
		       key, json_object_to_json_string(o), min, max);
		return -EPROTO;
	}
	*out = (uint32_t)v;
	return 0;
}

int vfu_parse_version_json(const char *json, size_t len, struct vfu_caps *caps,
			   char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root, *c;
	size_t jlen = json ? strnlen(json, len) : 0;
	int rc;

	caps->max_msg_fds = 1;
	caps->max_data_xfer_size = 1u << 20;
	if (jlen == 0)
		return 0;	/* no JSON at all: every default */
	for (size_t i = jlen; i < len; i++) {
		if (json[i]) {
			vrc_seterr(err, errlen, "vfio-user: bytes after the version JSON's NUL");
			return -EPROTO;
		}
	}
	if (jlen > INT32_MAX) {
		vrc_seterr(err, errlen, "vfio-user: version JSON too long");
		return -EPROTO;
	}
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)jlen);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		vrc_seterr(err, errlen, "vfio-user: version JSON does not parse: %s",
		       json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(root);
		json_tokener_free(tok);
		return -EPROTO;
	}
	/* Only white space may follow the value. */
	for (size_t i = json_tokener_get_parse_end(tok); i < jlen; i++) {
		if (!strchr(" \t\r\n", json[i])) {
			vrc_seterr(err, errlen, "vfio-user: bytes after the version JSON");
			json_object_put(root);
			json_tokener_free(tok);
			return -EPROTO;
		}
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		vrc_seterr(err, errlen, "vfio-user: version JSON is not an object");
		rc = -EPROTO;
		goto out;
	}
	rc = 0;
	if (!json_object_object_get_ex(root, "capabilities", &c))
		goto out;
	if (!json_object_is_type(c, json_type_object)) {
		vrc_seterr(err, errlen, "vfio-user: \"capabilities\" is not an object");
		rc = -EPROTO;
		goto out;
	}
	rc = caps_u32(c, "max_msg_fds", 0, VFU_MAX_FDS, &caps->max_msg_fds, err, errlen);
	if (!rc)
		rc = caps_u32(c, "max_data_xfer_size", VFU_CAPS_MIN_XFER, VFU_CAPS_MAX_XFER,
			      &caps->max_data_xfer_size, err, errlen);
out:
	json_object_put(root);
	return rc;
}
