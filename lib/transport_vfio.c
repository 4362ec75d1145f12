// SPDX-License-Identifier: MIT
/*
 * The kernel VFIO transport: plain ioctls on a device fd, obtained through a
 * group (container + type1v2) or an iommufd cdev. Region access is pread and
 * pwrite at the region's offset in the device fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>
#if defined(__has_include)
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif
#endif

#include "vrc/transport.h"
#include "vrc/util.h"

/*
 * The iommufd uAPI (Linux 6.6). Older build headers (Debian bookworm's 6.1)
 * lack it, so the numbers are spelled out here; the structs are ours with
 * the kernel's layout either way.
 */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)
#endif
#ifndef VFIO_DEVICE_ATTACH_IOMMUFD_PT
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)
#endif
#ifndef IOMMU_IOAS_ALLOC
#define IOMMU_IOAS_ALLOC		_IO(';', 0x81)	/* IOMMUFD_CMD_IOAS_ALLOC */
#endif

struct vrc_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};

struct vrc_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

struct vrc_attach_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};

struct vfio_kernel {
	struct vrc_transport t;
	const struct vrc_sys *sys;	/* the system calls below (vrc_sys_real) */
	int dev_fd;
	int group_fd;		/* -1 unless opened through a group */
	int container_fd;	/* idem */
	int iommufd;		/* -1 unless opened as a cdev */
};

static struct vfio_kernel *to_kernel(struct vrc_transport *t)
{
	return (struct vfio_kernel *)t;
}

static int real_open(const struct vrc_sys *s, const char *path, int flags)
{
	(void)s;
	return open(path, flags);
}

static int real_ioctl(const struct vrc_sys *s, int fd, unsigned long req, void *arg)
{
	(void)s;
	return ioctl(fd, req, arg);
}

static ssize_t real_pread(const struct vrc_sys *s, int fd, void *buf, size_t len, off_t off)
{
	(void)s;
	return pread(fd, buf, len, off);
}

static ssize_t real_pwrite(const struct vrc_sys *s, int fd, const void *buf, size_t len,
			   off_t off)
{
	(void)s;
	return pwrite(fd, buf, len, off);
}

static int real_close(const struct vrc_sys *s, int fd)
{
	(void)s;
	return close(fd);
}

const struct vrc_sys vrc_sys_real = {
	.open = real_open, .ioctl = real_ioctl, .pread = real_pread,
	.pwrite = real_pwrite, .close = real_close,
};

static void close_fd(struct vfio_kernel *k, int *fd)
{
	if (*fd >= 0) {
		k->sys->close(k->sys, *fd);
		*fd = -1;
	}
}

/* An ioctl that returns 0 or -1/errno, as 0 or -errno. */
static int xioctl(struct vfio_kernel *k, int fd, unsigned long req, void *arg)
{
	int rc;

	do
		rc = k->sys->ioctl(k->sys, fd, req, arg);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : rc;
}

static int vk_get_device_info(struct vrc_transport *t, struct vfio_device_info *info)
{
	int rc = xioctl(to_kernel(t), to_kernel(t)->dev_fd, VFIO_DEVICE_GET_INFO, info);

	return rc < 0 ? rc : 0;
}

static int vk_get_region_info(struct vrc_transport *t, uint32_t index,
			      struct vfio_region_info *info)
{
	int rc;

	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	rc = xioctl(to_kernel(t), to_kernel(t)->dev_fd, VFIO_DEVICE_GET_REGION_INFO, info);
	return rc < 0 ? rc : 0;
}

/* Bytes past argsz the kernel is handed and must leave alone (DISC-2). */
#define IRQ_INFO_CANARY_LEN	256u
#define IRQ_INFO_CANARY		0xa5u

/*
 * The kernel writes into the buffer it is given: it gets a bounce buffer
 * with a canary past argsz, so a device that writes more than argsz is
 * seen (-EOVERFLOW) instead of corrupting the caller, who only ever gets
 * argsz bytes back.
 */
static int vk_get_irq_info(struct vrc_transport *t, void *buf, size_t bufsz)
{
	uint8_t *bounce;
	size_t head;
	__u32 argsz;
	int rc;

	if (bufsz < VRC_IRQ_INFO_MINSZ)
		return -EINVAL;
	memcpy(&argsz, buf, sizeof(argsz));
	if (argsz > bufsz)
		return -EINVAL;
	/* a short argsz goes as it is: the kernel judges it */
	head = argsz < VRC_IRQ_INFO_MINSZ ? VRC_IRQ_INFO_MINSZ : argsz;
	bounce = malloc(head + IRQ_INFO_CANARY_LEN);
	if (!bounce)
		return -ENOMEM;
	memcpy(bounce, buf, head);
	memset(bounce + head, IRQ_INFO_CANARY, IRQ_INFO_CANARY_LEN);
	rc = xioctl(to_kernel(t), to_kernel(t)->dev_fd, VFIO_DEVICE_GET_IRQ_INFO, bounce);
	for (unsigned i = 0; rc >= 0 && i < IRQ_INFO_CANARY_LEN; i++)
		if (bounce[head + i] != IRQ_INFO_CANARY)
			rc = -EOVERFLOW;
	if (rc >= 0)
		memcpy(buf, bounce, head);
	free(bounce);
	return rc < 0 ? rc : 0;
}

static int vk_set_irqs(struct vrc_transport *t, const struct vfio_irq_set *req)
{
	int rc = xioctl(to_kernel(t), to_kernel(t)->dev_fd, VFIO_DEVICE_SET_IRQS, (void *)req);

	return rc < 0 ? rc : 0;
}

/* The device fd offset of [off, off + len) in region index. */
static int region_pos(struct vrc_transport *t, uint32_t index, uint64_t off,
		      uint32_t len, off_t *pos)
{
	struct vfio_region_info info;
	int rc = vk_get_region_info(t, index, &info);

	if (rc)
		return rc;
	/* Past the end would land in the next region's window of the fd. */
	if (off > info.size || len > info.size - off)
		return -EINVAL;
	if (info.offset + off > (uint64_t)INT64_MAX)
		return -EINVAL;
	*pos = (off_t)(info.offset + off);
	return 0;
}

/* pread/pwrite until done, like a region access through the kernel. */
static int region_rw(struct vrc_transport *t, uint32_t index, uint64_t off,
		     bool write, void *rbuf, const void *wbuf, uint32_t len)
{
	struct vfio_kernel *k = to_kernel(t);
	int fd = k->dev_fd;
	size_t done = 0;
	off_t pos;
	int rc = region_pos(t, index, off, len, &pos);

	if (rc)
		return rc;
	while (done < len) {
		ssize_t n = write ?
			k->sys->pwrite(k->sys, fd, (const uint8_t *)wbuf + done, len - done,
				       pos + (off_t)done) :
			k->sys->pread(k->sys, fd, (uint8_t *)rbuf + done, len - done,
				      pos + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int vk_region_read(struct vrc_transport *t, uint32_t index, uint64_t off,
			  void *buf, uint32_t len)
{
	return region_rw(t, index, off, false, buf, NULL, len);
}

static int vk_region_write(struct vrc_transport *t, uint32_t index, uint64_t off,
			   const void *buf, uint32_t len)
{
	return region_rw(t, index, off, true, NULL, buf, len);
}

static int vk_reset(struct vrc_transport *t)
{
	int rc = xioctl(to_kernel(t), to_kernel(t)->dev_fd, VFIO_DEVICE_RESET, NULL);

	return rc < 0 ? rc : 0;
}

static int vk_query_gfx_plane(struct vrc_transport *t,
			      struct vfio_device_gfx_plane_info *plane)
{
	int rc = xioctl(to_kernel(t), to_kernel(t)->dev_fd, VFIO_DEVICE_QUERY_GFX_PLANE, plane);

	return rc < 0 ? rc : 0;
}

static int vk_get_gfx_dmabuf(struct vrc_transport *t, uint32_t dmabuf_id,
			     uint64_t *mmap_off)
{
	__u32 id = dmabuf_id;
	int fd = xioctl(to_kernel(t), to_kernel(t)->dev_fd, VFIO_DEVICE_GET_GFX_DMABUF, &id);

	if (fd < 0)
		return fd;
	*mmap_off = 0;	/* a real dmabuf maps from its start */
	return fd;
}

static void vk_destroy(struct vrc_transport *t)
{
	struct vfio_kernel *k = to_kernel(t);

	/* The device first: it holds the group and the iommufd binding. */
	close_fd(k, &k->dev_fd);
	close_fd(k, &k->group_fd);
	close_fd(k, &k->container_fd);
	close_fd(k, &k->iommufd);
	free(k);
}

static const struct vrc_transport_ops vk_ops = {
	.name = "vfio",
	.get_device_info = vk_get_device_info,
	.get_region_info = vk_get_region_info,
	.get_irq_info = vk_get_irq_info,
	.set_irqs = vk_set_irqs,
	.region_read = vk_region_read,
	.region_write = vk_region_write,
	.reset = vk_reset,
	.query_gfx_plane = vk_query_gfx_plane,
	.get_gfx_dmabuf = vk_get_gfx_dmabuf,
	.destroy = vk_destroy,
};

static struct vfio_kernel *vk_new(const struct vrc_vfio_open_opts *o)
{
	struct vfio_kernel *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->sys = o && o->sys ? o->sys : &vrc_sys_real;
	k->t.ops = &vk_ops;
	k->dev_fd = k->group_fd = k->container_fd = k->iommufd = -1;
	return k;
}

int vrc_vfio_kernel_from_fd(int device_fd, struct vrc_transport **out,
			    char *err, size_t errlen)
{
	return vrc_vfio_kernel_from_fd_opts(device_fd, NULL, out, err, errlen);
}

int vrc_vfio_kernel_from_fd_opts(int device_fd, const struct vrc_vfio_open_opts *o,
				 struct vrc_transport **out, char *err, size_t errlen)
{
	struct vfio_kernel *k;

	*out = NULL;
	if (device_fd < 0) {
		vrc_seterr(err, errlen, "vfio: bad device fd %d", device_fd);
		return -EBADF;
	}
	k = vk_new(o);
	if (!k) {
		const struct vrc_sys *sys = o && o->sys ? o->sys : &vrc_sys_real;

		sys->close(sys, device_fd);
		vrc_seterr(err, errlen, "vfio: out of memory");
		return -ENOMEM;
	}
	k->dev_fd = device_fd;
	*out = &k->t;
	return 0;
}

static int open_rw(struct vfio_kernel *k, const char *path, int *fd, char *err, size_t errlen)
{
	*fd = k->sys->open(k->sys, path, O_RDWR | O_CLOEXEC);
	if (*fd < 0) {
		int rc = -errno;

		vrc_seterr(err, errlen, "vfio: open %s: %s", path, strerror(errno));
		return rc;
	}
	return 0;
}

int vrc_vfio_kernel_open_group(const char *group_path, const char *device_name,
			       struct vrc_transport **out, char *err, size_t errlen)
{
	return vrc_vfio_kernel_open_group_opts(group_path, device_name, NULL, out, err, errlen);
}

int vrc_vfio_kernel_open_group_opts(const char *group_path, const char *device_name,
				    const struct vrc_vfio_open_opts *o,
				    struct vrc_transport **out, char *err, size_t errlen)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_kernel *k;
	int rc;

	*out = NULL;
	k = vk_new(o);
	if (!k) {
		vrc_seterr(err, errlen, "vfio: out of memory");
		return -ENOMEM;
	}
	if ((rc = open_rw(k, "/dev/vfio/vfio", &k->container_fd, err, errlen)))
		goto fail;
	rc = xioctl(k, k->container_fd, VFIO_GET_API_VERSION, NULL);
	if (rc != VFIO_API_VERSION) {
		vrc_seterr(err, errlen, "vfio: container API version %d, expected %d",
		       rc, VFIO_API_VERSION);
		rc = rc < 0 ? rc : -ENOTSUP;
		goto fail;
	}
	rc = xioctl(k, k->container_fd, VFIO_CHECK_EXTENSION, (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU);
	if (rc <= 0) {
		vrc_seterr(err, errlen, "vfio: the container has no type1v2 IOMMU");
		rc = rc < 0 ? rc : -ENOTSUP;
		goto fail;
	}
	if ((rc = open_rw(k, group_path, &k->group_fd, err, errlen)))
		goto fail;
	if ((rc = xioctl(k, k->group_fd, VFIO_GROUP_GET_STATUS, &status)) < 0) {
		vrc_seterr(err, errlen, "vfio: %s: GROUP_GET_STATUS: %s", group_path, strerror(-rc));
		goto fail;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		vrc_seterr(err, errlen, "vfio: group %s is not viable (bind all its devices to vfio)",
		       group_path);
		rc = -EBUSY;
		goto fail;
	}
	if ((rc = xioctl(k, k->group_fd, VFIO_GROUP_SET_CONTAINER, &k->container_fd)) < 0) {
		vrc_seterr(err, errlen, "vfio: %s: GROUP_SET_CONTAINER: %s", group_path, strerror(-rc));
		goto fail;
	}
	rc = xioctl(k, k->container_fd, VFIO_SET_IOMMU, (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU);
	if (rc < 0) {
		vrc_seterr(err, errlen, "vfio: SET_IOMMU(type1v2): %s", strerror(-rc));
		goto fail;
	}
	if (o && o->before_open && (rc = o->before_open(o->ctx, k->group_fd, err, errlen)))
		goto fail;
	rc = xioctl(k, k->group_fd, VFIO_GROUP_GET_DEVICE_FD, (void *)device_name);
	if (rc < 0) {
		vrc_seterr(err, errlen, "vfio: %s: GET_DEVICE_FD(%s): %s", group_path, device_name,
		       strerror(-rc));
		goto fail;
	}
	k->dev_fd = rc;
	*out = &k->t;
	return 0;
fail:
	vk_destroy(&k->t);
	return rc;
}

int vrc_vfio_kernel_open_cdev(const char *cdev_path, struct vrc_transport **out,
			      char *err, size_t errlen)
{
	return vrc_vfio_kernel_open_cdev_opts(cdev_path, NULL, out, err, errlen);
}

int vrc_vfio_kernel_open_cdev_opts(const char *cdev_path, const struct vrc_vfio_open_opts *o,
				   struct vrc_transport **out, char *err, size_t errlen)
{
	struct vrc_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vrc_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct vrc_attach_pt attach = { .argsz = sizeof(attach) };
	struct vfio_kernel *k;
	int rc;

	*out = NULL;
	k = vk_new(o);
	if (!k) {
		vrc_seterr(err, errlen, "vfio: out of memory");
		return -ENOMEM;
	}
	if ((rc = open_rw(k, cdev_path, &k->dev_fd, err, errlen)) ||
	    (rc = open_rw(k, "/dev/iommu", &k->iommufd, err, errlen)))
		goto fail;
	if (o && o->before_open && (rc = o->before_open(o->ctx, k->dev_fd, err, errlen)))
		goto fail;
	bind.iommufd = k->iommufd;
	if ((rc = xioctl(k, k->dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) < 0) {
		vrc_seterr(err, errlen, "vfio: %s: BIND_IOMMUFD: %s", cdev_path, strerror(-rc));
		goto fail;
	}
	if ((rc = xioctl(k, k->iommufd, IOMMU_IOAS_ALLOC, &ioas)) < 0) {
		vrc_seterr(err, errlen, "vfio: IOMMU_IOAS_ALLOC: %s", strerror(-rc));
		goto fail;
	}
	attach.pt_id = ioas.out_ioas_id;
	if ((rc = xioctl(k, k->dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)) < 0) {
		vrc_seterr(err, errlen, "vfio: %s: ATTACH_IOMMUFD_PT(%u): %s", cdev_path,
		       attach.pt_id, strerror(-rc));
		goto fail;
	}
	*out = &k->t;
	return 0;
fail:
	vk_destroy(&k->t);
	return rc;
}
