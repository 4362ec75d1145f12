// SPDX-License-Identifier: MIT
/*
 * A minimal KVM VM for the uAPI clauses without QEMU. Current GVT (kvmgt)
 * refuses to open a vGPU unless the opening process's KVM VM is associated
 * with the VFIO file: intel_vgpu_open_device() fails with -ESRCH when
 * vfio_device.kvm is unset. The association is what QEMU does too: a VFIO
 * pseudo device in the VM, and the group (or cdev) file added to it. No
 * memory, no vCPU: GVT only needs the kvm pointer (for its page tracking).
 * Constants checked against <linux/kvm.h> of 6.1 (GROUP_ADD) and 6.6+
 * (FILE_ADD, same group/attr numbers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/kvm.h>

#include "vrc/util.h"
#include "gvt.h"

#ifndef KVM_DEV_VFIO_FILE
#define KVM_DEV_VFIO_FILE	KVM_DEV_VFIO_GROUP	/* renamed in 6.6, same value 1 */
#endif
#ifndef KVM_DEV_VFIO_FILE_ADD
#define KVM_DEV_VFIO_FILE_ADD	KVM_DEV_VFIO_GROUP_ADD	/* 1 */
#endif
_Static_assert(KVM_DEV_VFIO_FILE == 1 && KVM_DEV_VFIO_FILE_ADD == 1,
	       "KVM_DEV_VFIO_FILE(_ADD) are 1 in every kernel since 3.14");

static int xioctl(struct gvt_kvm *k, int fd, unsigned long req, void *arg)
{
	int rc;

	do
		rc = k->sys->ioctl(k->sys, fd, req, arg);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : rc;
}

static void close_fd(struct gvt_kvm *k, int *fd)
{
	if (*fd >= 0)
		k->sys->close(k->sys, *fd);
	*fd = -1;
}

void gvt_kvm_destroy(struct gvt_kvm *k)
{
	if (!k->sys)
		return;
	close_fd(k, &k->vfio_dev_fd);
	close_fd(k, &k->vm_fd);
	close_fd(k, &k->kvm_fd);
}

int gvt_kvm_create(struct gvt_kvm *k, const struct vrc_sys *sys, const char *dev_root,
		   char *err, size_t errlen)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO };
	char path[300];
	int rc;

	k->sys = sys ? sys : &vrc_sys_real;
	k->kvm_fd = k->vm_fd = k->vfio_dev_fd = -1;
	snprintf(path, sizeof(path), "%s/kvm", dev_root);
	k->kvm_fd = k->sys->open(k->sys, path, O_RDWR | O_CLOEXEC);
	if (k->kvm_fd < 0) {
		rc = -errno;
		vrc_seterr(err, errlen, "kvm: open %s: %s", path, strerror(errno));
		return rc;
	}
	rc = xioctl(k, k->kvm_fd, KVM_GET_API_VERSION, NULL);
	if (rc != KVM_API_VERSION) {
		vrc_seterr(err, errlen, "kvm: KVM_GET_API_VERSION: %d, expected %d", rc,
			   KVM_API_VERSION);
		rc = rc < 0 ? rc : -ENOTSUP;
		goto fail;
	}
	rc = xioctl(k, k->kvm_fd, KVM_CREATE_VM, (void *)(uintptr_t)0);
	if (rc < 0) {
		vrc_seterr(err, errlen, "kvm: KVM_CREATE_VM: %s", strerror(-rc));
		goto fail;
	}
	k->vm_fd = rc;
	rc = xioctl(k, k->vm_fd, KVM_CREATE_DEVICE, &cd);
	if (rc < 0) {
		vrc_seterr(err, errlen, "kvm: KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO): %s",
			   strerror(-rc));
		goto fail;
	}
	k->vfio_dev_fd = (int)cd.fd;
	return 0;
fail:
	gvt_kvm_destroy(k);
	return rc;
}

int gvt_kvm_add_file(struct gvt_kvm *k, int vfio_fd, char *err, size_t errlen)
{
	int32_t fd = vfio_fd;
	struct kvm_device_attr attr = {
		.group = KVM_DEV_VFIO_FILE,
		.attr = KVM_DEV_VFIO_FILE_ADD,
		.addr = (uint64_t)(uintptr_t)&fd,
	};
	int rc = xioctl(k, k->vfio_dev_fd, KVM_SET_DEVICE_ATTR, &attr);

	if (rc < 0) {
		vrc_seterr(err, errlen, "kvm: KVM_SET_DEVICE_ATTR(KVM_DEV_VFIO_FILE_ADD, fd %d): %s",
			   vfio_fd, strerror(-rc));
		return rc;
	}
	return 0;
}

int gvt_kvm_before_open(void *ctx, int fd, char *err, size_t errlen)
{
	return gvt_kvm_add_file(ctx, fd, err, errlen);
}
