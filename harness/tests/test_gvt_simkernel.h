/* SPDX-License-Identifier: MIT */
/*
 * A fake host kernel below the gvt backend (struct vrc_sys) whose vGPU is a
 * real vgpu-sim: the KVM and VFIO group ioctls are answered here, with the
 * rules the real stack enforces, and the device ioctls and region accesses
 * are carried to vgpu-sim over vfio-user. The conformance tests then run
 * through the whole gvt path (session, KVM association, kernel VFIO
 * transport) against a device whose models include the known-bad ones.
 *
 * Rules kept, because the gvt backend must get them right on hardware:
 *  - a group is open at most once (EBUSY);
 *  - GVT opens a vGPU only for a process whose KVM VM has the group added
 *    (KVM_DEV_VFIO_FILE_ADD) and is still alive: else ESRCH, as kvmgt does;
 *  - a VM with one vGPU open gets no second (EEXIST, kvmgt's
 *    __kvmgt_vgpu_exist): two vGPUs need two VMs;
 *  - the container needs VFIO_GROUP_SET_CONTAINER before VFIO_SET_IOMMU;
 *  - device regions sit at index << 40 in the device fd, as vfio-pci's do;
 *  - a SET_IRQS refused with EINVAL is logged into the fake kmsg at error
 *    level, as kvmgt's intel_vgpu_ioctl does for every request that fails
 *    vfio_set_irqs_validate_and_prepare.
 *
 * Fds are real (/dev/null) so their numbers are unique in the process and
 * fork copies them like the kernel's; each one's role is kept in a table.
 */
#ifndef VRC_TEST_GVT_SIMKERNEL_H
#define VRC_TEST_GVT_SIMKERNEL_H

#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "vrc/transport.h"
#include "vrc/uapi.h"

#define SIMK_MAX_FDS	64
#define SIMK_MAX_VGPUS	2
#define SIMK_REGION_SHIFT	40

enum simk_kind { SK_FREE, SK_KVM, SK_VM, SK_KVMDEV, SK_CONTAINER, SK_GROUP, SK_DEVICE };

struct simk_fd {
	int fd;
	enum simk_kind kind;
	int vm;			/* SK_KVMDEV: its VM's fd; SK_GROUP: the VM it was added
				 * to; SK_DEVICE: the VM it was opened under */
	unsigned vgpu;		/* SK_GROUP, SK_DEVICE: which vGPU */
	bool container_set;	/* SK_GROUP / SK_CONTAINER */
	struct vrc_transport *t;	/* SK_DEVICE */
};

struct simk_vgpu {
	char group_path[300];	/* <dev_root>/vfio/<n> */
	int group;
	char device_name[40];	/* the mdev's UUID; "": any mdev in the group */
	char vfu_path[128];	/* vgpu-sim's vfio-user socket */
};

struct simkernel {
	char dev_root[256];
	char sysfs_root[256];	/* where an mdev's iommu_group link is read */
	char kvm_path[300];	/* <dev_root>/kvm */
	char kmsg[300];		/* the fake /dev/kmsg file, "" for none */
	struct simk_vgpu v[SIMK_MAX_VGPUS];
	unsigned nvgpus;
	struct simk_fd f[SIMK_MAX_FDS];
	/* what the tests assert on, shared with the runner's forked tests */
	struct simk_counts { unsigned device_opens, esrch, eexist; } *n;
};

static inline struct simk_fd *simk_find(struct simkernel *k, int fd)
{
	for (unsigned i = 0; i < SIMK_MAX_FDS; i++)
		if (k->f[i].kind != SK_FREE && k->f[i].fd == fd)
			return &k->f[i];
	return NULL;
}

static inline struct simk_fd *simk_new(struct simkernel *k, enum simk_kind kind)
{
	for (unsigned i = 0; i < SIMK_MAX_FDS; i++)
		if (k->f[i].kind == SK_FREE) {
			int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

			if (fd < 0)
				return NULL;
			k->f[i] = (struct simk_fd){ .fd = fd, .kind = kind, .vm = -1 };
			return &k->f[i];
		}
	return NULL;
}

static inline int simk_fail(int e)
{
	errno = e;
	return -1;
}

static inline int simk_open(const struct vrc_sys *s, const char *path, int flags)
{
	struct simkernel *k = s->ctx;
	struct simk_fd *n;
	size_t len = strlen(path);

	(void)flags;
	if (!strcmp(path, k->kvm_path))
		n = simk_new(k, SK_KVM);
	else if (len >= 10 && !strcmp(path + len - 10, "/vfio/vfio"))
		n = simk_new(k, SK_CONTAINER);
	else {
		unsigned v;

		for (v = 0; v < k->nvgpus && strcmp(path, k->v[v].group_path); v++)
			;
		if (v == k->nvgpus)
			return simk_fail(ENOENT);
		for (unsigned i = 0; i < SIMK_MAX_FDS; i++)
			if (k->f[i].kind == SK_GROUP && k->f[i].vgpu == v)
				return simk_fail(EBUSY);
		if ((n = simk_new(k, SK_GROUP)))
			n->vgpu = v;
	}
	return n ? n->fd : simk_fail(EMFILE);
}

/* A live VM that has the group: what kvmgt's open_device checks. */
static inline bool simk_group_associated(struct simkernel *k, const struct simk_fd *g)
{
	const struct simk_fd *vm = g->vm >= 0 ? simk_find(k, g->vm) : NULL;

	return vm && vm->kind == SK_VM;
}

/* Is the device `name` the vGPU of v's group? An mdev made by the runner
 * has a UUID nobody knew before: its sysfs iommu_group link says. */
static inline bool simk_name_in_group(struct simkernel *k, const struct simk_vgpu *v,
				      const char *name)
{
	char link[700], target[300], want[32];
	ssize_t n;

	if (v->device_name[0])
		return !strcmp(name, v->device_name);
	if (strchr(name, '/'))
		return false;
	snprintf(link, sizeof(link), "%s/bus/mdev/devices/%s/iommu_group", k->sysfs_root, name);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = 0;
	snprintf(want, sizeof(want), "/%d", v->group);
	return strlen(target) > strlen(want) &&
	       !strcmp(target + strlen(target) - strlen(want), want);
}

/* Another vGPU open under g's VM (kvmgt's __kvmgt_vgpu_exist). */
static inline bool simk_vm_has_other_vgpu(struct simkernel *k, const struct simk_fd *g)
{
	for (unsigned i = 0; i < SIMK_MAX_FDS; i++)
		if (k->f[i].kind == SK_DEVICE && k->f[i].vm == g->vm && k->f[i].vgpu != g->vgpu)
			return true;
	return false;
}

/* Append a record as the kernel would log it (the harness reads the file). */
static inline void simk_log(struct simkernel *k, unsigned level, const char *msg)
{
	FILE *f = k->kmsg[0] ? fopen(k->kmsg, "a") : NULL;

	if (f) {
		fprintf(f, "%u,100,100,-;%s\n", level, msg);
		fclose(f);
	}
}

static inline int simk_device_ioctl(struct simkernel *k, struct simk_fd *d, unsigned long req,
				    void *arg)
{
	struct vrc_transport *t = d->t;
	int rc;

	switch (req) {
	case VFIO_DEVICE_GET_INFO:
		rc = t->ops->get_device_info(t, arg);
		break;
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info *ri = arg;

		rc = t->ops->get_region_info(t, ri->index, ri);
		if (!rc)
			ri->offset = (uint64_t)ri->index << SIMK_REGION_SHIFT;
		break;
	}
	case VFIO_DEVICE_GET_IRQ_INFO:
		rc = t->ops->get_irq_info(t, arg, ((struct vfio_irq_info *)arg)->argsz);
		break;
	case VFIO_DEVICE_SET_IRQS:
		rc = t->ops->set_irqs(t, arg);
		if (rc == -EINVAL)
			simk_log(k, 3, "gvt: vgpu 1: intel:vfio_set_irqs_validate_and_prepare failed");
		break;
	case VFIO_DEVICE_RESET:
		rc = t->ops->reset(t);
		break;
	case VFIO_DEVICE_QUERY_GFX_PLANE:
		rc = t->ops->query_gfx_plane(t, arg);
		break;
	default:
		/* GET_GFX_DMABUF: vgpu-sim's buffer is its VRAM at an offset,
		 * not a dmabuf mapped at 0; no test that runs on GVT captures */
		rc = -ENOTTY;
		break;
	}
	return rc < 0 ? simk_fail(-rc) : rc;
}

static inline int simk_ioctl(const struct vrc_sys *s, int fd, unsigned long req, void *arg)
{
	struct simkernel *k = s->ctx;
	struct simk_fd *f = simk_find(k, fd), *n, *g;

	if (!f)
		return simk_fail(EBADF);
	switch (f->kind) {
	case SK_KVM:
		if (req == KVM_GET_API_VERSION)
			return KVM_API_VERSION;
		if (req != KVM_CREATE_VM)
			return simk_fail(ENOTTY);
		return (n = simk_new(k, SK_VM)) ? n->fd : simk_fail(EMFILE);
	case SK_VM: {
		struct kvm_create_device *cd = arg;

		if (req != KVM_CREATE_DEVICE)
			return simk_fail(ENOTTY);
		if (cd->type != KVM_DEV_TYPE_VFIO)
			return simk_fail(ENODEV);
		if (!(n = simk_new(k, SK_KVMDEV)))
			return simk_fail(EMFILE);
		n->vm = fd;
		cd->fd = (uint32_t)n->fd;
		return 0;
	}
	case SK_KVMDEV: {
		struct kvm_device_attr *a = arg;

		if (req != KVM_SET_DEVICE_ATTR)
			return simk_fail(ENOTTY);
		if (a->group != 1 || a->attr != 1)	/* KVM_DEV_VFIO_FILE(_ADD) */
			return simk_fail(ENXIO);
		g = simk_find(k, *(const int32_t *)(uintptr_t)a->addr);
		if (!g || g->kind != SK_GROUP)
			return simk_fail(EBADF);
		g->vm = f->vm;
		return 0;
	}
	case SK_CONTAINER:
		if (req == VFIO_GET_API_VERSION)
			return VFIO_API_VERSION;
		if (req == VFIO_CHECK_EXTENSION)
			return (uintptr_t)arg == VFIO_TYPE1v2_IOMMU;
		if (req == VFIO_SET_IOMMU)
			return f->container_set ? 0 : simk_fail(EINVAL);
		return simk_fail(ENOTTY);
	case SK_GROUP:
		if (req == VFIO_GROUP_GET_STATUS) {
			struct vfio_group_status *st = arg;

			st->flags = VFIO_GROUP_FLAGS_VIABLE |
				    (f->container_set ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
			return 0;
		}
		if (req == VFIO_GROUP_SET_CONTAINER) {
			struct simk_fd *c = simk_find(k, *(const int *)arg);

			if (!c || c->kind != SK_CONTAINER)
				return simk_fail(EBADF);
			c->container_set = f->container_set = true;
			return 0;
		}
		if (req == VFIO_GROUP_GET_DEVICE_FD) {
			char err[256];

			if (!simk_name_in_group(k, &k->v[f->vgpu], arg))
				return simk_fail(ENODEV);
			if (!f->container_set)
				return simk_fail(EINVAL);
			if (!simk_group_associated(k, f)) {
				k->n->esrch++;
				return simk_fail(ESRCH);	/* "KVM is required to use Intel vGPU" */
			}
			if (simk_vm_has_other_vgpu(k, f)) {
				k->n->eexist++;
				return simk_fail(EEXIST);
			}
			if (!(n = simk_new(k, SK_DEVICE)))
				return simk_fail(EMFILE);
			n->vm = f->vm;
			n->vgpu = f->vgpu;
			if (vrc_vfio_user_open(k->v[f->vgpu].vfu_path, 5000, &n->t, err,
					       sizeof(err))) {
				close(n->fd);
				n->kind = SK_FREE;
				return simk_fail(EIO);
			}
			k->n->device_opens++;
			return n->fd;
		}
		return simk_fail(ENOTTY);
	case SK_DEVICE:
		return simk_device_ioctl(k, f, req, arg);
	default:
		return simk_fail(ENOTTY);
	}
}

static inline ssize_t simk_rw(const struct vrc_sys *s, int fd, void *rbuf, const void *wbuf,
			      size_t len, off_t off)
{
	struct simk_fd *f = simk_find(s->ctx, fd);
	uint32_t index = (uint32_t)((uint64_t)off >> SIMK_REGION_SHIFT);
	uint64_t at = (uint64_t)off & ((1ull << SIMK_REGION_SHIFT) - 1);
	int rc;

	if (!f || f->kind != SK_DEVICE)
		return simk_fail(EBADF);
	if (len > UINT32_MAX)
		return simk_fail(EINVAL);
	rc = wbuf ? f->t->ops->region_write(f->t, index, at, wbuf, (uint32_t)len) :
		    f->t->ops->region_read(f->t, index, at, rbuf, (uint32_t)len);
	return rc < 0 ? simk_fail(-rc) : (ssize_t)len;
}

static inline ssize_t simk_pread(const struct vrc_sys *s, int fd, void *buf, size_t len, off_t off)
{
	return simk_rw(s, fd, buf, NULL, len, off);
}

static inline ssize_t simk_pwrite(const struct vrc_sys *s, int fd, const void *buf, size_t len,
				  off_t off)
{
	return simk_rw(s, fd, NULL, buf, len, off);
}

static inline int simk_close(const struct vrc_sys *s, int fd)
{
	struct simkernel *k = s->ctx;
	struct simk_fd *f = simk_find(k, fd);

	if (!f)
		return simk_fail(EBADF);
	if (f->kind == SK_DEVICE)
		vrc_transport_close(f->t);
	f->kind = SK_FREE;
	return close(fd);
}

/* One more vGPU in iommu group `group`, served by vfu_path: device_name, or
 * (NULL) whichever mdev sysfs_root puts in that group. */
static inline void simkernel_add_vgpu(struct simkernel *k, int group, const char *device_name,
				      const char *vfu_path)
{
	struct simk_vgpu *v;
	char path[sizeof(v->group_path)];

	if (k->nvgpus >= SIMK_MAX_VGPUS)
		abort();
	v = &k->v[k->nvgpus];
	v->group = group;
	snprintf(path, sizeof(path), "%.256s/vfio/%d", k->dev_root, group);
	memcpy(v->group_path, path, sizeof(path));
	snprintf(v->device_name, sizeof(v->device_name), "%s", device_name ? device_name : "");
	snprintf(v->vfu_path, sizeof(v->vfu_path), "%s", vfu_path);
	k->nvgpus++;
}

/* A fake kernel whose first vGPU is device_name in group, served by vfu_path. */
static inline void simkernel_init(struct simkernel *k, struct vrc_sys *sys, const char *sysfs_root,
				  const char *dev_root, int group, const char *device_name,
				  const char *vfu_path)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->sysfs_root, sizeof(k->sysfs_root), "%s", sysfs_root);
	snprintf(k->dev_root, sizeof(k->dev_root), "%s", dev_root);
	snprintf(k->kvm_path, sizeof(k->kvm_path), "%s/kvm", dev_root);
	simkernel_add_vgpu(k, group, device_name, vfu_path);
	k->n = mmap(NULL, sizeof(*k->n), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (k->n == MAP_FAILED)
		abort();
	*sys = (struct vrc_sys){
		.open = simk_open, .ioctl = simk_ioctl, .pread = simk_pread,
		.pwrite = simk_pwrite, .close = simk_close, .ctx = k,
	};
}

#endif /* VRC_TEST_GVT_SIMKERNEL_H */
