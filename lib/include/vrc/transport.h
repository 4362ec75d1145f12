/* SPDX-License-Identifier: MIT */
/*
 * One host code path, two ways to reach a device: kernel VFIO (ioctls on a
 * device fd from a group or an iommufd cdev) and vfio-user (the VFIO-over-
 * UNIX-socket protocol, with fds as SCM_RIGHTS). Tests only ever see this.
 *
 * Every op returns 0 (or a non-negative fd where it says so) on success and a
 * negative errno on failure; the device's own errno is passed through
 * unchanged so conformance tests can assert on it. Transport-level failures
 * (peer gone, timeout, malformed reply) are -EPIPE, -ETIMEDOUT or -EPROTO and
 * leave a description in vrc_transport_error().
 */
#ifndef VRC_TRANSPORT_H
#define VRC_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "vrc/uapi.h"

struct vrc_transport;

struct vrc_transport_ops {
	const char *name;
	int (*get_device_info)(struct vrc_transport *t, struct vfio_device_info *info);
	int (*get_region_info)(struct vrc_transport *t, uint32_t index,
			       struct vfio_region_info *info);
	/*
	 * Raw GET_IRQ_INFO: buf holds a struct vrc_irq_info whose argsz and
	 * index the caller has set; the device writes at most argsz bytes
	 * back (the fixed part and, if it fits, the capability chain).
	 * bufsz must be >= argsz.
	 */
	int (*get_irq_info)(struct vrc_transport *t, void *buf, size_t bufsz);
	/*
	 * Raw SET_IRQS: req is a struct vfio_irq_set followed by its data,
	 * req->argsz bytes in all (the caller may lie in argsz to test the
	 * device). With DATA_EVENTFD the data are __s32 fds, kernel style;
	 * vfio-user moves them to SCM_RIGHTS.
	 */
	int (*set_irqs)(struct vrc_transport *t, const struct vfio_irq_set *req);
	int (*region_read)(struct vrc_transport *t, uint32_t index, uint64_t off,
			   void *buf, uint32_t len);
	int (*region_write)(struct vrc_transport *t, uint32_t index, uint64_t off,
			    const void *buf, uint32_t len);
	int (*reset)(struct vrc_transport *t);
	/* VFIO_DEVICE_QUERY_GFX_PLANE, in/out as the kernel struct. */
	int (*query_gfx_plane)(struct vrc_transport *t,
			       struct vfio_device_gfx_plane_info *plane);
	/*
	 * VFIO_DEVICE_GET_GFX_DMABUF: returns an fd the caller owns. *mmap_off
	 * is the offset to map it at: 0 for a kernel dmabuf, the buffer's
	 * place in VRAM for vgpu-sim (whose "dmabuf" is its VRAM memfd, so a
	 * capture aliases live memory exactly as a dmabuf does).
	 */
	int (*get_gfx_dmabuf)(struct vrc_transport *t, uint32_t dmabuf_id,
			      uint64_t *mmap_off);
	void (*destroy)(struct vrc_transport *t);
};

struct vrc_transport {
	const struct vrc_transport_ops *ops;
	char error[256];	/* last transport-level failure, for messages */
};

static inline const char *vrc_transport_error(const struct vrc_transport *t)
{
	return t->error[0] ? t->error : "no transport error";
}

/* vfio-user client: connect to a server socket and negotiate. */
int vrc_vfio_user_open(const char *socket_path, int timeout_ms,
		       struct vrc_transport **out, char *err, size_t errlen);

/*
 * The system calls below the kernel VFIO transport (and the gvt backend's
 * KVM calls), libc-style: -1 with errno on failure. vrc_sys_real is the
 * kernel; self-tests put recorded ioctl expectations here instead.
 */
struct vrc_sys {
	int (*open)(const struct vrc_sys *s, const char *path, int flags);
	int (*ioctl)(const struct vrc_sys *s, int fd, unsigned long req, void *arg);
	ssize_t (*pread)(const struct vrc_sys *s, int fd, void *buf, size_t len, off_t off);
	ssize_t (*pwrite)(const struct vrc_sys *s, int fd, const void *buf, size_t len,
			  off_t off);
	int (*close)(const struct vrc_sys *s, int fd);
	void *ctx;	/* the fake's state */
};
extern const struct vrc_sys vrc_sys_real;

/*
 * How to open a kernel VFIO device. before_open runs with the group fd (or
 * the cdev fd) before the device is opened (GROUP_GET_DEVICE_FD) or bound
 * (BIND_IOMMUFD): GVT opens a vGPU only for a process whose KVM VM knows
 * that file, so the gvt backend does KVM_DEV_VFIO_FILE_ADD there.
 */
struct vrc_vfio_open_opts {
	const struct vrc_sys *sys;	/* NULL: vrc_sys_real */
	int (*before_open)(void *ctx, int fd, char *err, size_t errlen);
	void *ctx;
};

/* Kernel VFIO: an already opened device fd (group or cdev); takes ownership. */
int vrc_vfio_kernel_from_fd(int device_fd, struct vrc_transport **out,
			    char *err, size_t errlen);
/* Kernel VFIO through a group: /dev/vfio/N + device name. */
int vrc_vfio_kernel_open_group(const char *group_path, const char *device_name,
			       struct vrc_transport **out, char *err, size_t errlen);
/* Kernel VFIO through an iommufd cdev: /dev/vfio/devices/vfioX. */
int vrc_vfio_kernel_open_cdev(const char *cdev_path, struct vrc_transport **out,
			      char *err, size_t errlen);

/* The same three with a vrc_vfio_open_opts (NULL: as above). */
int vrc_vfio_kernel_from_fd_opts(int device_fd, const struct vrc_vfio_open_opts *o,
				 struct vrc_transport **out, char *err, size_t errlen);
int vrc_vfio_kernel_open_group_opts(const char *group_path, const char *device_name,
				    const struct vrc_vfio_open_opts *o,
				    struct vrc_transport **out, char *err, size_t errlen);
int vrc_vfio_kernel_open_cdev_opts(const char *cdev_path, const struct vrc_vfio_open_opts *o,
				   struct vrc_transport **out, char *err, size_t errlen);

void vrc_transport_close(struct vrc_transport *t);

#endif /* VRC_TRANSPORT_H */
