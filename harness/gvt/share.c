// SPDX-License-Identifier: MIT
/*
 * Sharing one vGPU between QEMU (which owns the KVM VM and the guest) and
 * the harness (which registers the display eventfd, queries planes and
 * reads BAR0). Only one process can open a VFIO device, so both use the
 * same open file of the iommufd cdev. The ordering, and why it is safe:
 *
 *  1. The harness opens /dev/vfio/devices/vfioN and /dev/iommu, and does not
 *     bind: the cdev opens the device (GVT's open_device) only at
 *     VFIO_DEVICE_BIND_IOMMUFD, and GVT requires the binder's KVM VM.
 *  2. QEMU (>= 9.0) inherits both fds (`-object iommufd,id=iommufd0,fd=N`,
 *     `-device vfio-pci,iommufd=iommufd0,fd=M,sysfsdev=<mdev>,display=off`):
 *     it adds the cdev to its VM (KVM_DEV_VFIO_FILE_ADD), then binds and
 *     attaches its IOAS. Our fd M' is a dup of the same struct file, so the
 *     bind is ours too. sysfsdev is what tells QEMU the device is an mdev
 *     (it resolves <mdev>/subsystem; with only fd= it cannot know): QEMU >=
 *     9.1 otherwise treats it as physical, asks IOMMU_GET_HW_INFO and an
 *     auto domain for the bound id, and an mdev's id is an iommufd access,
 *     not a device, so realize fails. The fd still decides what is opened.
 *  3. The harness polls GET_DEVICE_INFO on its copy: until the bind finished
 *     the kernel answers every device ioctl and read with -EINVAL (the file's
 *     access_granted is set, with release semantics, only after open_device
 *     succeeded); the first success means the device is open and usable.
 *  4. Only then: display irq discovery, SET_IRQS on the display index, plane
 *     queries, pread of BAR0. None of these touch what QEMU manages (the PCI
 *     irq indexes 0..4, DMA mappings, config space, BAR mmaps), and QEMU does
 *     not know the display irq, so the two never race on the same state.
 *  5. Teardown: the harness unregisters its eventfd (TRIGGER|DATA_NONE count
 *     0) before QEMU is stopped, closes its fds after QEMU exited (the device
 *     is released when the last reference goes), then removes the mdev.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vrc/util.h"
#include "gvt.h"

int gvt_qemu_device_args(int dev_fd, int iommu_fd, const char *id, const char *sysfsdev,
			 char *buf, size_t buflen, const char **args, size_t maxargs)
{
	int n1, n2;

	/* QEMU splits -device on commas: a path with one cannot be passed */
	if (maxargs < 4 || dev_fd < 0 || iommu_fd < 0 || !sysfsdev || !sysfsdev[0] ||
	    strchr(sysfsdev, ','))
		return -EINVAL;
	n1 = snprintf(buf, buflen, "iommufd,id=iommufd0,fd=%d", iommu_fd);
	if (n1 < 0 || (size_t)n1 + 1 >= buflen)
		return -ENOSPC;
	/* GVT emulates an OpRegion (the guest i915 finds its VBT there); QEMU
	 * before 10.1 exposes it only when asked */
	n2 = snprintf(buf + n1 + 1, buflen - (size_t)n1 - 1,
		      "vfio-pci,id=%s,iommufd=iommufd0,fd=%d,sysfsdev=%s,display=off,"
		      "x-igd-opregion=on", id, dev_fd, sysfsdev);
	if (n2 < 0 || (size_t)n2 >= buflen - (size_t)n1 - 1)
		return -ENOSPC;
	args[0] = "-object";
	args[1] = buf;
	args[2] = "-device";
	args[3] = buf + n1 + 1;
	return 4;
}

int gvt_share_open(struct gvt_share *s, const struct vrc_sys *sys, const char *dev_root,
		   const char *cdev, char *err, size_t errlen)
{
	char path[300];

	if (!sys)
		sys = &vrc_sys_real;
	s->dev_fd = s->iommu_fd = -1;
	/* no O_CLOEXEC: QEMU inherits both */
	snprintf(path, sizeof(path), "%s/vfio/devices/%s", dev_root, cdev);
	s->dev_fd = sys->open(sys, path, O_RDWR);
	if (s->dev_fd < 0) {
		int rc = -errno;

		vrc_seterr(err, errlen, "open %s: %s", path, strerror(errno));
		return rc;
	}
	snprintf(path, sizeof(path), "%s/iommu", dev_root);
	s->iommu_fd = sys->open(sys, path, O_RDWR);
	if (s->iommu_fd < 0) {
		int rc = -errno;

		vrc_seterr(err, errlen, "open %s: %s", path, strerror(errno));
		sys->close(sys, s->dev_fd);
		s->dev_fd = -1;
		return rc;
	}
	return 0;
}

int gvt_share_wait_bound(struct vrc_transport *t, int timeout_ms, char *err, size_t errlen)
{
	int64_t deadline = vrc_now_ms() + timeout_ms;

	for (;;) {
		struct vfio_device_info info = { .argsz = sizeof(info) };
		int rc = t->ops->get_device_info(t, &info);

		if (rc == 0)
			return 0;
		if (rc != -EINVAL) {
			vrc_seterr(err, errlen, "waiting for QEMU to bind the vGPU: "
				   "GET_DEVICE_INFO: %s", strerror(-rc));
			return rc;
		}
		if (vrc_now_ms() >= deadline) {
			vrc_seterr(err, errlen, "QEMU did not bind the vGPU within %d ms "
				   "(GET_DEVICE_INFO still -EINVAL)", timeout_ms);
			return -ETIMEDOUT;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
