// SPDX-License-Identifier: MIT
/*
 * One vGPU for the harness: the mdev for the session, and per opening of
 * the device a KVM VM that GVT wants to see (none for a parent that is not
 * GVT-g: cfg.no_kvm, e.g. vgpu-mdev), associated with the VFIO file
 * before the device is opened. The runner opens and closes the device as
 * often as a test needs (IRQ-4 reopens it).
 *
 * Why a VM per opening: KVM's VFIO device keeps a reference to every file
 * added to it until that KVM device is released (its fd closed, 6.2+;
 * before, the VM's destruction), and a VFIO group can be open only once,
 * so reopening the group under the same VM would fail with EBUSY (and the
 * mdev could not be removed while the reference lives). Closing order: the
 * device first (GVT drops its kvm reference in close_device), then the
 * group, then the KVM device and the VM, which releases the references.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "vrc/util.h"
#include "gvt.h"

int gvt_session_create(struct gvt_session *s, const struct gvt_session_cfg *c,
		       char *err, size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->h = c->h;
	s->sys = c->sys;
	s->env = (struct gvt_mdev_env){ .h = c->h, .w = c->w };
	s->no_kvm = c->no_kvm;
	snprintf(s->run_id, sizeof(s->run_id), "%s", c->run_id ? c->run_id : "");
	rc = gvt_mdev_create(&s->env, c->bdf, c->type, c->uuid, c->run_id, &s->m, err, errlen);
	if (rc)
		return rc;
	s->have_mdev = true;
	return 0;
}

int gvt_session_create_sibling(const struct gvt_session *s, struct gvt_session *sib,
			       char *err, size_t errlen)
{
	struct gvt_session_cfg c = {
		.h = s->h, .w = s->env.w, .sys = s->sys, .bdf = s->m.parent, .type = s->m.type,
		.run_id = s->run_id, .no_kvm = s->no_kvm,
	};
	char uuid[40];
	int rc;

	memset(sib, 0, sizeof(*sib));
	if (!s->have_mdev) {
		vrc_seterr(err, errlen, "gvt: no first vGPU to make a second like");
		return -EINVAL;
	}
	if ((rc = gvt_new_uuid(s->h, uuid, err, errlen)))
		return rc;
	c.uuid = uuid;
	return gvt_session_create(sib, &c, err, errlen);
}

int gvt_session_open_device(struct gvt_session *s, char *how, size_t howlen,
			    char *err, size_t errlen)
{
	struct vrc_vfio_open_opts oo = {
		.sys = s->sys, .before_open = s->no_kvm ? NULL : gvt_kvm_before_open,
		.ctx = &s->kvm,
	};
	char path[340];
	struct stat st;
	int rc;

	if (s->t) {
		vrc_seterr(err, errlen, "gvt: the device is open already");
		return -EBUSY;
	}
	snprintf(path, sizeof(path), "%s/vfio/%d", s->h->dev_root, s->m.iommu_group);
	if (!(s->m.iommu_group >= 0 && stat(path, &st) == 0) && !s->m.cdev[0]) {
		vrc_seterr(err, errlen, "gvt: mdev %s has neither an iommu group node (%s) nor "
			   "a VFIO cdev", s->m.uuid, path);
		return -ENODEV;
	}
	if (!s->no_kvm) {
		rc = gvt_kvm_create(&s->kvm, s->sys, s->h->dev_root, err, errlen);
		if (rc)
			return rc;
		s->have_kvm = true;
	}
	/* the group where there is one: every kernel has it, and it needs no IOAS */
	if (s->m.iommu_group >= 0 && stat(path, &st) == 0) {
		vrc_seterr(how, howlen, "group %s, device %s", path, s->m.uuid);
		rc = vrc_vfio_kernel_open_group_opts(path, s->m.uuid, &oo, &s->t, err, errlen);
	} else {
		snprintf(path, sizeof(path), "%s/vfio/devices/%s", s->h->dev_root, s->m.cdev);
		vrc_seterr(how, howlen, "cdev %s", path);
		rc = vrc_vfio_kernel_open_cdev_opts(path, &oo, &s->t, err, errlen);
	}
	if (rc)
		gvt_session_close_device(s);
	return rc;
}

int gvt_session_share(struct gvt_session *s, char *buf, size_t buflen, const char **args,
		      size_t maxargs, char *err, size_t errlen)
{
	int rc, n;

	if (s->t || s->shared) {
		vrc_seterr(err, errlen, "gvt: the device is open or shared already");
		return -EBUSY;
	}
	if (!s->m.cdev[0]) {
		vrc_seterr(err, errlen, "gvt: mdev %s has no VFIO cdev (kernel < 6.6 or no "
			   "CONFIG_VFIO_DEVICE_CDEV): QEMU cannot share it", s->m.uuid);
		return -ENODEV;
	}
	rc = gvt_share_open(&s->share, s->sys, s->h->dev_root, s->m.cdev, err, errlen);
	if (rc)
		return rc;
	s->shared = true;
	n = gvt_qemu_device_args(s->share.dev_fd, s->share.iommu_fd, "vgpu0", s->m.dir, buf,
				 buflen, args, maxargs);
	if (n < 0) {
		vrc_seterr(err, errlen, "gvt: QEMU arguments: %s", strerror(-n));
		gvt_session_close_device(s);
	}
	return n;
}

int gvt_session_open_shared(struct gvt_session *s, int timeout_ms, char *err, size_t errlen)
{
	struct vrc_vfio_open_opts oo = { .sys = s->sys };
	int rc;

	if (!s->shared || s->t || s->share.dev_fd < 0) {
		vrc_seterr(err, errlen, "gvt: the device is not shared with a QEMU, or open");
		return -EINVAL;
	}
	/* the transport takes our copy of the cdev: closing it closes the fd */
	rc = vrc_vfio_kernel_from_fd_opts(s->share.dev_fd, &oo, &s->t, err, errlen);
	s->share.dev_fd = -1;
	if (rc)
		return rc;
	return gvt_share_wait_bound(s->t, timeout_ms, err, errlen);
}

void gvt_session_close_device(struct gvt_session *s)
{
	const struct vrc_sys *sys = s->sys ? s->sys : &vrc_sys_real;

	vrc_transport_close(s->t);
	s->t = NULL;
	if (s->shared) {
		if (s->share.dev_fd >= 0)
			sys->close(sys, s->share.dev_fd);
		if (s->share.iommu_fd >= 0)
			sys->close(sys, s->share.iommu_fd);
		s->share.dev_fd = s->share.iommu_fd = -1;
	}
	s->shared = false;
	if (s->have_kvm)
		gvt_kvm_destroy(&s->kvm);
	s->have_kvm = false;
}

int gvt_session_destroy(struct gvt_session *s, char *err, size_t errlen)
{
	int rc = 0;

	gvt_session_close_device(s);
	if (s->have_mdev)
		rc = gvt_mdev_remove(&s->env, s->m.uuid, err, errlen);
	s->have_mdev = false;
	return rc;
}
