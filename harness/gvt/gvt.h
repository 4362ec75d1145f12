/* SPDX-License-Identifier: MIT */
/*
 * The gvt backend: a real Intel GVT-g vGPU as the device under test.
 *
 *   detect.c   is there a usable GVT-g i915 here, and if not, why (one line each)
 *   mdev.c     create/remove the vGPU (an mdev) through sysfs; markers and a
 *              start-up sweep so a crashed run never leaks one, and an mdev
 *              we did not create is never touched
 *   kvm.c      a minimal KVM VM associated with the VFIO file: GVT opens a
 *              vGPU only for a process whose VM knows it
 *   share.c    sharing the device with QEMU through the iommufd cdev
 *   bringup.c  the steps of one run, printed, and executed unless dry-run
 *
 * Every path is below a root the caller chooses (sysfs, /dev, /proc, the
 * marker dir), so the self-tests run all of it against fake trees.
 */
#ifndef VRC_GVT_H
#define VRC_GVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "vrc/transport.h"

/* What the host offers; gvt_host_probe() fills it from the machine. */
struct gvt_host {
	char sysfs_root[256];	/* "/sys" */
	char dev_root[256];	/* "/dev" */
	char proc_root[256];	/* "/proc" */
	char run_dir[256];	/* marker dir, "/run/vrc/mdev" */
	uid_t euid;
	char kernel_release[65];	/* uname -r */
	char qemu_bin[256];	/* "qemu-system-x86_64" */
	char qemu_version[128];	/* first line of `qemu --version`, "" if none */
};

/*
 * The machine's facts, with roots from sysfs_root (NULL: "/sys") and, as
 * testing aids, the environment: VRC_GVT_DEV_ROOT, VRC_GVT_PROC_ROOT,
 * VRC_GVT_RUN_DIR, VRC_GVT_KERNEL (a release string), VRC_QEMU (the QEMU
 * binary whose --version is asked).
 */
void gvt_host_probe(struct gvt_host *h, const char *sysfs_root);
/* The same without running QEMU (qemu_version stays ""): for a quick look. */
void gvt_host_probe_fast(struct gvt_host *h, const char *sysfs_root);

/* "9.2.0" out of "QEMU emulator version 9.2.0 (Debian ...)"; -1 if none. */
int gvt_parse_qemu_version(const char *text, int *major, int *minor);
/* "6.12.48+deb13-amd64" -> 6, 12; -1 if not a release string. */
int gvt_parse_kernel_release(const char *rel, int *major, int *minor);

#define GVT_MAX_REASONS	12

/* A reason the backend cannot run everything: the uAPI clauses or only the guest ones. */
enum gvt_scope { GVT_BLOCKS_ALL, GVT_BLOCKS_GUEST };

struct gvt_reason {
	enum gvt_scope scope;
	char text[320];
};

struct gvt_detect {
	bool found;		/* an i915 offering i915-GVTg_* types */
	char bdf[32];		/* its PCI address */
	char type[64];		/* the chosen type (most available instances) */
	unsigned avail;		/* its available_instances */
	char type_desc[160];	/* its description, one line */
	unsigned ntypes;
	bool uapi_ok;		/* DISC and IRQ clauses can run (no guest) */
	bool guest_ok;		/* EVT/TEAR/ISO: VFIO cdev and QEMU >= 9.0 too */
	bool cdev_ok;		/* the kernel offers the VFIO cdev */
	unsigned nreasons;
	struct gvt_reason reason[GVT_MAX_REASONS];
};

/* Look at h's trees; never fails, reasons say what is missing. */
void gvt_detect(const struct gvt_host *h, struct gvt_detect *d);
/*
 * The mdev_supported_types directory of an mdev parent: below its PCI
 * function for GVT-g (<sysfs>/bus/pci/devices/<bdf>/...), else below the
 * mdev_bus class entry every parent has (<sysfs>/class/mdev_bus/<name>/...,
 * e.g. vgpu-mdev, guest-images/mdev).
 */
void gvt_types_dir(const struct gvt_host *h, const char *parent, char *out, size_t len);
/* A type's available_instances now; -1 if unreadable. */
int gvt_type_available(const struct gvt_host *h, const char *bdf, const char *type,
		       unsigned *n);
/* Print the findings, one line each, with prefix (e.g. "# gvt: "). */
void gvt_detect_print(const struct gvt_detect *d, FILE *f, const char *prefix);

/* --- mdev lifecycle (mdev.c) --- */

/*
 * The seam below the lifecycle: writing one sysfs attribute. The real one
 * opens and writes the file; tests use a fake kernel that makes the mdev
 * directory appear on `create` and disappear on `remove`.
 */
struct gvt_sysfs_writer {
	int (*write)(void *ctx, const char *path, const char *val, char *err, size_t errlen);
	void *ctx;
};
extern const struct gvt_sysfs_writer gvt_sysfs_real;

struct gvt_mdev_env {
	const struct gvt_host *h;
	const struct gvt_sysfs_writer *w;	/* NULL: gvt_sysfs_real */
	int appear_ms;	/* how long to wait for the kernel (0: 5000) */
};

struct gvt_mdev {
	char uuid[40];
	char parent[32];	/* BDF */
	char type[64];
	char dir[512];		/* <sysfs>/bus/mdev/devices/<uuid> */
	char marker[512];	/* <run_dir>/<uuid> */
	int iommu_group;	/* -1: none found */
	char cdev[32];		/* "vfio3", "" if the kernel has no cdev */
};

/* A fresh UUID from <proc>/sys/kernel/random/uuid, validated. */
int gvt_new_uuid(const struct gvt_host *h, char uuid[40], char *err, size_t errlen);
bool gvt_uuid_valid(const char *s);

/*
 * Create an mdev of type on parent: write our marker first (so a crash at
 * any point leaves a trace the sweep understands), then the UUID into
 * .../mdev_supported_types/<type>/create, then wait for the device directory
 * and resolve its iommu group and VFIO cdev. run_id goes into the marker.
 */
int gvt_mdev_create(const struct gvt_mdev_env *e, const char *parent, const char *type,
		    const char *uuid, const char *run_id, struct gvt_mdev *m,
		    char *err, size_t errlen);
/* Remove an mdev we created (its marker must be ours), then the marker. */
int gvt_mdev_remove(const struct gvt_mdev_env *e, const char *uuid, char *err, size_t errlen);

/*
 * Start-up sweep: for each marker in run_dir whose creator is gone (pid dead
 * or reused, told apart by its start time), remove the mdev if it still
 * exists, then the marker. Markers of live runs stay. Calls log() with one
 * line per action. Returns the number of mdevs removed or -errno.
 */
int gvt_mdev_sweep(const struct gvt_mdev_env *e, bool dry_run,
		   void (*log)(void *ctx, const char *line), void *ctx);

/* --- KVM association (kvm.c) --- */

struct gvt_kvm {
	const struct vrc_sys *sys;
	int kvm_fd, vm_fd, vfio_dev_fd;
};

/* /dev/kvm, KVM_CREATE_VM, KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO). */
int gvt_kvm_create(struct gvt_kvm *k, const struct vrc_sys *sys, const char *dev_root,
		   char *err, size_t errlen);
/* KVM_DEV_VFIO_FILE_ADD (KVM_DEV_VFIO_GROUP_ADD on older headers): a group or cdev fd. */
int gvt_kvm_add_file(struct gvt_kvm *k, int vfio_fd, char *err, size_t errlen);
/* A before_open hook for vrc_vfio_open_opts: ctx is a struct gvt_kvm. */
int gvt_kvm_before_open(void *ctx, int fd, char *err, size_t errlen);
void gvt_kvm_destroy(struct gvt_kvm *k);

/* --- sharing the device with QEMU (share.c) --- */

/*
 * The harness opens the cdev and /dev/iommu, QEMU gets both by inheritance
 * (the same open files) and binds; see share.c for the ordering and why it
 * is safe.
 */
struct gvt_share {
	int dev_fd;		/* the cdev, unbound: QEMU binds it */
	int iommu_fd;		/* /dev/iommu for QEMU's -object iommufd */
};

#define GVT_QEMU_MAX_ARGS	8
/*
 * The QEMU arguments that hand the shared device over (the VM launcher
 * adds its own); sysfsdev is the mdev's sysfs directory, which QEMU needs
 * to know it is an mdev (share.c). args point into buf. Returns the number
 * of args, -ENOSPC, or -EINVAL (bad fds, no sysfsdev, a comma in it).
 */
int gvt_qemu_device_args(int dev_fd, int iommu_fd, const char *id, const char *sysfsdev,
			 char *buf, size_t buflen, const char **args, size_t maxargs);
/* Open the cdev and /dev/iommu below dev_root, without binding (both inheritable). */
int gvt_share_open(struct gvt_share *s, const struct vrc_sys *sys, const char *dev_root,
		   const char *cdev, char *err, size_t errlen);
/*
 * Wait until QEMU has bound the device: until now every device ioctl on our
 * copy answers -EINVAL; then GET_DEVICE_INFO succeeds. -ETIMEDOUT after
 * timeout_ms.
 */
int gvt_share_wait_bound(struct vrc_transport *t, int timeout_ms, char *err, size_t errlen);

/* --- one vGPU for the harness (session.c) --- */

struct gvt_session_cfg {
	const struct gvt_host *h;
	const struct gvt_sysfs_writer *w;	/* NULL: real sysfs */
	const struct vrc_sys *sys;		/* NULL: real system calls */
	const char *bdf, *type, *uuid, *run_id;
	bool no_kvm;	/* a parent that is not GVT-g (vgpu-mdev): no KVM VM to associate */
};

struct gvt_session {
	const struct gvt_host *h;
	const struct vrc_sys *sys;
	struct gvt_mdev_env env;
	char run_id[64];
	struct gvt_mdev m;
	bool have_mdev;
	struct gvt_kvm kvm;
	bool have_kvm;
	bool no_kvm;			/* from the cfg: open without a KVM VM */
	struct vrc_transport *t;	/* the open device, NULL when closed */
	bool shared;			/* share's fds are open (a guest's QEMU has them) */
	struct gvt_share share;
};

/* Create the mdev (marker first); on failure nothing of it is left behind. */
int gvt_session_create(struct gvt_session *s, const struct gvt_session_cfg *c,
		       char *err, size_t errlen);
/*
 * A second vGPU like s (same parent and type, a fresh UUID, the same run
 * id in its marker) for the tests that need two at once (ISO-1). Each is
 * opened through its own KVM VM: GVT refuses a second vGPU on a VM that
 * has one (kvmgt's __kvmgt_vgpu_exist, EEXIST). gvt_session_destroy() it.
 */
int gvt_session_create_sibling(const struct gvt_session *s, struct gvt_session *sib,
			       char *err, size_t errlen);
/*
 * Open the device into s->t: a fresh KVM VM, then the group
 * (KVM_DEV_VFIO_FILE_ADD of the group fd before GROUP_GET_DEVICE_FD), else
 * the cdev (the cdev fd before BIND_IOMMUFD). how says which path was taken.
 * close_device closes the device, then the VM (session.c says why).
 */
int gvt_session_open_device(struct gvt_session *s, char *how, size_t howlen,
			    char *err, size_t errlen);
/*
 * For a guest on the vGPU (share.c): open the cdev and /dev/iommu for QEMU
 * to inherit and put the QEMU arguments that pass them into args (pointing
 * into buf); returns their number. Start QEMU with them, then
 * gvt_session_open_shared() waits (up to timeout_ms) for QEMU's bind and
 * makes s->t the harness's copy. close_device closes both fds: call it after
 * QEMU exited.
 */
int gvt_session_share(struct gvt_session *s, char *buf, size_t buflen, const char **args,
		      size_t maxargs, char *err, size_t errlen);
int gvt_session_open_shared(struct gvt_session *s, int timeout_ms, char *err, size_t errlen);
void gvt_session_close_device(struct gvt_session *s);
/* Close the device (and its VM), remove the mdev (and its marker). */
int gvt_session_destroy(struct gvt_session *s, char *err, size_t errlen);

/* --- one run's steps (bringup.c) --- */

struct gvt_bringup_opts {
	const struct gvt_host *h;
	const struct gvt_sysfs_writer *w;	/* NULL: real sysfs */
	const struct vrc_sys *sys;		/* NULL: real system calls */
	bool dry_run;		/* print the steps, touch nothing */
	const char *run_id;
	FILE *out;		/* where steps go, as "# gvt: ..." lines */
	/* not NULL: on success the vGPU stays (device closed) and *keep
	 * holds it, for the conformance tests; gvt_session_destroy() it. */
	struct gvt_session *keep;
};

/*
 * Detect, sweep, create the vGPU, associate a KVM VM, open the device,
 * find the display irq, register and unregister an eventfd, print the QEMU
 * plan for the guest clauses, clean up. Returns 0 (all steps done or
 * printed), 4 (KSFT skip: no usable GVT here) or 2 (a step failed; the
 * cleanup still ran). With keep, a success leaves the vGPU for the caller.
 */
int gvt_bringup(const struct gvt_bringup_opts *o);

#endif /* VRC_GVT_H */
