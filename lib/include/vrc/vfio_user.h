/* SPDX-License-Identifier: MIT */
/*
 * vfio-user wire format (facts from the protocol spec; see docs/protocols.md §1)
 * and the message codec shared by the client (lib/transport_vfio_user.c) and
 * the server (harness/vgpu-sim). Everything received is untrusted: the
 * decoders bound every length against what was actually read.
 */
#ifndef VRC_VFIO_USER_H
#define VRC_VFIO_USER_H

#include <stddef.h>
#include <stdint.h>

struct vfu_hdr {
	uint16_t msg_id;
	uint16_t command;
	uint32_t msg_size;	/* whole message including this header */
	uint32_t flags;
	uint32_t error;		/* positive errno in an ERROR reply */
} __attribute__((packed));

#define VFU_HDR_SIZE		16u
#define VFU_FLAG_TYPE_MASK	0xfu
#define VFU_FLAG_COMMAND	0x0u
#define VFU_FLAG_REPLY		0x1u
#define VFU_FLAG_NO_REPLY	0x10u
#define VFU_FLAG_ERROR		0x20u

enum vfu_command {
	VFU_CMD_VERSION = 1,
	VFU_CMD_DMA_MAP = 2,
	VFU_CMD_DMA_UNMAP = 3,
	VFU_CMD_DEVICE_GET_INFO = 4,
	VFU_CMD_DEVICE_GET_REGION_INFO = 5,
	VFU_CMD_DEVICE_GET_REGION_IO_FDS = 6,
	VFU_CMD_DEVICE_GET_IRQ_INFO = 7,
	VFU_CMD_DEVICE_SET_IRQS = 8,
	VFU_CMD_REGION_READ = 9,
	VFU_CMD_REGION_WRITE = 10,
	VFU_CMD_DMA_READ = 11,
	VFU_CMD_DMA_WRITE = 12,
	VFU_CMD_DEVICE_RESET = 13,
	VFU_CMD_REGION_WRITE_MULTI = 15,
	VFU_CMD_DEVICE_FEATURE = 16,
	/*
	 * Vendor commands of this project, outside the standard range: the
	 * two VFIO gfx ioctls, which vfio-user has no command for.
	 *  QUERY_GFX_PLANE: payload = struct vfio_device_gfx_plane_info both
	 *    ways (argsz/flags/drm_plane_type in, the filled struct out).
	 *  GET_GFX_DMABUF: payload = __u32 dmabuf_id; the reply carries
	 *    struct vfu_gfx_dmabuf_reply and exactly one fd (a memfd of VRAM).
	 */
	VFU_CMD_VRC_QUERY_GFX_PLANE = 0x7f00,
	VFU_CMD_VRC_GET_GFX_DMABUF = 0x7f01,
};

struct vfu_gfx_dmabuf_reply {
	uint32_t dmabuf_id;
	uint32_t pad;
	uint64_t mmap_offset;	/* where the buffer starts in the fd */
	uint64_t size;
} __attribute__((packed));

struct vfu_version {
	uint16_t major;
	uint16_t minor;
	/* followed by a NUL-terminated JSON object */
} __attribute__((packed));

struct vfu_device_info {
	uint32_t argsz, flags, num_regions, num_irqs;
} __attribute__((packed));

struct vfu_region_info {
	uint32_t argsz, flags, index, cap_offset;
	uint64_t size, offset;
} __attribute__((packed));

/* 16 bytes in the protocol; this project appends cap_offset (see below). */
struct vfu_irq_info {
	uint32_t argsz, flags, index, count;
} __attribute__((packed));

struct vfu_irq_set {
	uint32_t argsz, flags, index, start, count;
} __attribute__((packed));

struct vfu_region_access {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
} __attribute__((packed));

/*
 * Extension of this project: GET_IRQ_INFO requests with argsz >= 20 get the
 * patched kernel's 20-byte struct vrc_irq_info and its capability chain
 * (with the kernel's argsz retry protocol); argsz 16 gets the plain struct.
 */

#define VFU_MAX_FDS		16u	/* most fds in one message */
#define VFU_SERVER_MAX_FDS	8u	/* what vgpu-sim advertises */
#define VFU_MAX_DATA_XFER	(1u << 20)
#define VFU_MAX_MSG_SIZE	(VFU_HDR_SIZE + 64u + VFU_MAX_DATA_XFER)

/* One received message: header, payload, and any fds that came with it. */
struct vfu_msg {
	struct vfu_hdr hdr;
	uint8_t *payload;	/* hdr.msg_size - 16 bytes, malloc'd */
	size_t payload_len;
	int fds[VFU_MAX_FDS];
	size_t nfds;
};

/*
 * Check a header just read: size within [16, max], type bits known, ERROR
 * only on replies. Returns 0 or -EPROTO with a reason in err.
 */
int vfu_hdr_check(const struct vfu_hdr *h, size_t max_size, char *err, size_t errlen);

/*
 * Read one whole message from a stream socket, waiting at most timeout_ms for
 * all of it (-1: forever). Returns 0, -ETIMEDOUT, -EPIPE (peer closed,
 * including mid-message), -EPROTO (bad header, too many fds) or -errno.
 * On success the caller owns msg (vfu_msg_release).
 */
int vfu_recv(int sock, struct vfu_msg *msg, size_t max_size, int timeout_ms,
	     char *err, size_t errlen);
/*
 * Send header + payload (+ fds) in one sendmsg, as QEMU requires; only if
 * the socket takes part of it are the rest sent by further calls, without the
 * fds. hdr->msg_size must be 16 + payload_len. Waits at most timeout_ms
 * (vfu_send: VFU_SEND_TIMEOUT_MS) for room in the socket buffer. Returns 0,
 * -ETIMEDOUT, -EPIPE or -errno (-EBADF: a bad fd, nothing was sent).
 */
#define VFU_SEND_TIMEOUT_MS	5000
int vfu_send(int sock, const struct vfu_hdr *hdr, const void *payload,
	     size_t payload_len, const int *fds, size_t nfds);
int vfu_send_timeout(int sock, const struct vfu_hdr *hdr, const void *payload,
		     size_t payload_len, const int *fds, size_t nfds, int timeout_ms);
void vfu_msg_release(struct vfu_msg *msg);

/*
 * Check a reply against the command it answers: REPLY type, same msg_id and
 * command; an ERROR reply must carry an errno in 1..4095 and nothing else.
 * Returns 0 (*dev_err = 0, or the device's positive errno) or -EPROTO.
 */
int vfu_reply_check(const struct vfu_msg *m, uint16_t msg_id, uint16_t command,
		    int *dev_err, char *err, size_t errlen);

/* Parse the VERSION JSON's "capabilities" (json-c). Missing keys: defaults. */
struct vfu_caps {
	uint32_t max_msg_fds;
	uint32_t max_data_xfer_size;
};
int vfu_parse_version_json(const char *json, size_t len, struct vfu_caps *caps,
			   char *err, size_t errlen);

/*
 * The client transport (transport_vfio_user.c) on an already connected
 * stream socket, which it takes over (closed on failure too); negotiates
 * VERSION like vrc_vfio_user_open(). For tests and the fuzzer.
 */
struct vrc_transport;
int vrc_vfio_user_open_fd(int sock, int timeout_ms, struct vrc_transport **out,
			  char *err, size_t errlen);

#endif /* VRC_VFIO_USER_H */
