// SPDX-License-Identifier: MIT
/*
 * One gvt run, step by step. Every step is printed as a "# gvt: " line; with
 * dry_run it is only printed (reads of sysfs, the marker dir and the kernel's
 * UUID source are all it does), so `vrc run --backend=gvt --dry-run` shows
 * the whole plan on any machine. Cleanup always runs, in reverse order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vrc/irq.h"
#include "vrc/i915_regs.h"
#include "gvt.h"
#include "kmsg.h"

struct run {
	const struct gvt_bringup_opts *o;
	const struct gvt_host *h;
	FILE *f;
	struct gvt_session s;
	struct vrc_display_irq irq;
	bool have_irq;
};

static void step(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step(struct run *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->f, "# gvt: %s", r->o->dry_run ? "[dry-run] " : "");
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
	fputc('\n', r->f);
	fflush(r->f);
}

static void sweep_log(void *ctx, const char *line)
{
	step(ctx, "sweep: %s", line);
}

static void print_guest_plan(struct run *r, const struct gvt_detect *d)
{
	const char *args[GVT_QEMU_MAX_ARGS];
	char buf[1024], dir[600];
	int n;

	if (r->s.m.dir[0])
		snprintf(dir, sizeof(dir), "%s", r->s.m.dir);
	else
		snprintf(dir, sizeof(dir), "%s/bus/mdev/devices/%s", r->h->sysfs_root,
			 r->s.m.uuid[0] ? r->s.m.uuid : "<uuid>");
	n = gvt_qemu_device_args(3, 4, "vgpu0", dir, buf, sizeof(buf), args, GVT_QEMU_MAX_ARGS);

	step(r, "guest clauses (EVT, TEAR, ISO): %s", d->guest_ok ? "possible on this host" :
	     "NOT possible on this host (see the 'no guest' lines); the plan would be:");
	step(r, "  1. open %s/vfio/devices/%s and %s/iommu without binding (QEMU binds)",
	     r->h->dev_root, r->s.m.cdev[0] ? r->s.m.cdev : "vfioN", r->h->dev_root);
	if (n > 0)
		step(r, "  2. QEMU (the VM launcher's argv) inherits them as fd 3 (cdev) and 4 "
		     "(iommufd), plus: %s %s %s %s", args[0], args[1], args[2], args[3]);
	step(r, "  3. wait until VFIO_DEVICE_GET_INFO succeeds on our copy (-EINVAL until "
	     "QEMU's BIND_IOMMUFD opened the vGPU)");
	step(r, "  4. then display irq discovery, SET_IRQS eventfd registration, "
	     "QUERY_GFX_PLANE and BAR0 frame counter reads on our copy");
	step(r, "  5. at the end: unregister, stop QEMU, close our fds, remove the mdev");
	step(r, "  (booting the guest is the VM launcher's; not run by this step)");
}

static int open_device(struct run *r)
{
	char how[400] = "", err[300] = "";
	int rc;

	if (r->o->dry_run) {
		step(r, "VFIO open (group): %s/vfio/vfio container (type1v2), "
		     "%s/vfio/<iommu_group of the mdev>, KVM_DEV_VFIO_FILE_ADD(group fd), "
		     "VFIO_GROUP_GET_DEVICE_FD(\"%s\"); without a group node: the cdev, "
		     "KVM_DEV_VFIO_FILE_ADD(cdev fd) before BIND_IOMMUFD",
		     r->h->dev_root, r->h->dev_root, r->s.m.uuid);
		return 0;
	}
	rc = gvt_session_open_device(&r->s, how, sizeof(how), err, sizeof(err));
	if (rc)
		step(r, "VFIO open FAILED: %s", err);
	else
		step(r, "VFIO open: %s, with the KVM VM associated first", how);
	return rc;
}

static int probe_irq(struct run *r)
{
	char err[300] = "";
	uint32_t frm = 0;
	int rc;

	step(r, "display irq: VFIO_DEVICE_GET_INFO, then GET_IRQ_INFO of each index >= 5 "
	     "with the argsz retry, looking for type GFX / DISPLAY_IRQ");
	if (r->o->dry_run) {
		step(r, "eventfd: SET_IRQS(index of the display irq, TRIGGER|DATA_EVENTFD, "
		     "start 0, count 1 (v5/v6) or 2 (v7), eventfd), then read PIPE_FRMCOUNT_A "
		     "(BAR0 %#x) on each wake", VRC_PIPE_FRMCOUNT(0));
		return 0;
	}
	rc = vrc_display_irq_find(r->s.t, &r->irq, err, sizeof(err));
	if (rc == -ENOENT) {
		step(r, "display irq not offered (unpatched kernel): the irq tests SKIP");
		return 0;
	}
	if (rc) {
		step(r, "FAILED: %s", err);
		return rc;
	}
	r->have_irq = true;
	step(r, "display irq: index %u, count %u, flags %#x, ABI %s", r->irq.index,
	     r->irq.count, r->irq.flags, vrc_abi_str(r->irq.desc.abi));
	rc = vrc_display_irq_register(&r->irq);
	step(r, "eventfd: SET_IRQS(index %u, TRIGGER|DATA_EVENTFD): %s", r->irq.index,
	     rc ? strerror(-rc) : "registered");
	if (rc)
		return rc;
	rc = vrc_read_frame_counter(r->s.t, VRC_PIPE_FRMCOUNT(0), &frm);
	step(r, "BAR0 PIPE_FRMCOUNT_A: %s (%u)", rc ? strerror(-rc) : "read", frm);
	rc = vrc_display_irq_unregister(&r->irq);
	step(r, "eventfd: SET_IRQS(TRIGGER|DATA_NONE, count 0): %s",
	     rc ? strerror(-rc) : "unregistered");
	return rc;
}

static int cleanup(struct run *r)
{
	char err[300] = "";
	int rc;

	step(r, "cleanup: close the device and the KVM VM, then echo 1 > "
	     "%s/bus/mdev/devices/%s/remove and delete the marker", r->h->sysfs_root,
	     r->s.m.uuid[0] ? r->s.m.uuid : "<uuid>");
	if (r->have_irq)
		vrc_display_irq_close(&r->irq);
	rc = gvt_session_destroy(&r->s, err, sizeof(err));
	if (rc)
		step(r, "cleanup FAILED: %s (the next run's sweep retries)", err);
	return rc;
}

int gvt_bringup(const struct gvt_bringup_opts *o)
{
	struct run r = { .o = o, .h = o->h, .f = o->out ? o->out : stdout };
	struct gvt_detect d;
	struct gvt_dmesg dm;
	char err[300] = "", uuid[40] = "";
	struct gvt_mdev_env env = { .h = o->h, .w = o->w };
	bool dmesg = false;
	int rc, status = 0;

	r.s.m.iommu_group = -1;
	gvt_detect(o->h, &d);
	step(&r, "detect: sysfs %s, dev %s, kernel %s, %s", o->h->sysfs_root, o->h->dev_root,
	     o->h->kernel_release, o->h->qemu_version[0] ? o->h->qemu_version : "no QEMU");
	gvt_detect_print(&d, r.f, o->dry_run ? "# gvt: [dry-run] detect: " : "# gvt: detect: ");
	if (!d.uapi_ok && !o->dry_run) {
		step(&r, "SKIP: no usable GVT-g vGPU here (see the 'unusable' lines; "
		     "docs/hardware.md says what each means)");
		return 4;
	}
	if (!d.found) {	/* dry run: the plan with placeholders */
		snprintf(d.bdf, sizeof(d.bdf), "<bdf>");
		snprintf(d.type, sizeof(d.type), "<i915-GVTg type>");
	}
	if (!d.uapi_ok)
		step(&r, "this host cannot run it (see the 'unusable' lines); the plan anyway:");
	rc = gvt_mdev_sweep(&env, o->dry_run, sweep_log, &r);
	step(&r, "sweep: markers in %s: %s", o->h->run_dir,
	     rc < 0 ? strerror(-rc) : rc ? "leftovers removed" : "nothing of ours left over");

	if (gvt_new_uuid(o->h, uuid, err, sizeof(err))) {
		step(&r, "%s: %s", o->dry_run ? "uuid" : "FAILED", err);
		if (!o->dry_run)
			return 2;
		snprintf(uuid, sizeof(uuid), "<uuid>");
	}
	if (!o->dry_run && !gvt_dmesg_begin(&dm, NULL, err, sizeof(err))) {
		dmesg = true;
	} else if (!o->dry_run) {
		step(&r, "dmesg capture unavailable: %s", err);
		gvt_dmesg_free(&dm);
	} else
		step(&r, "dmesg: read /dev/kmsg from here on; kernel warnings, oopses, BUG:, "
		     "WARNING: and gvt/i915/vfio/kvm errors fail the run (dmesg-warn/-fail)");
	step(&r, "mdev: marker %s/%s (pid %ld, run %s), then echo %s > "
	     "%s/bus/pci/devices/%s/mdev_supported_types/%s/create", o->h->run_dir, uuid,
	     (long)getpid(), o->run_id, uuid, o->h->sysfs_root, d.bdf, d.type);
	if (o->dry_run) {
		snprintf(r.s.m.uuid, sizeof(r.s.m.uuid), "%s", uuid);
	} else {
		struct gvt_session_cfg c = {
			.h = o->h, .w = o->w, .sys = o->sys, .bdf = d.bdf, .type = d.type,
			.uuid = uuid, .run_id = o->run_id,
		};

		rc = gvt_session_create(&r.s, &c, err, sizeof(err));
		if (rc) {
			step(&r, "FAILED: %s", err);
			status = 2;
			goto out;
		}
		step(&r, "mdev %s: iommu group %d, VFIO cdev %s", r.s.m.dir,
		     r.s.m.iommu_group, r.s.m.cdev[0] ? r.s.m.cdev :
		     "none (kernel < 6.6 or no CONFIG_VFIO_DEVICE_CDEV)");
	}
	step(&r, "KVM VM: open %s/kvm, KVM_CREATE_VM, KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO) "
	     "(GVT opens a vGPU only for a process with an associated VM; one VM per "
	     "opening of the device)", o->h->dev_root);
	if (open_device(&r) || probe_irq(&r))
		status = 2;
	print_guest_plan(&r, &d);
	if (!o->dry_run && d.guest_ok)
		step(&r, "guest clauses need the VM launcher (harness/vm) to start QEMU with the "
		     "argv above: not run here");
out:
	if (o->keep && !status && !o->dry_run) {
		/* the suite runs on this vGPU; its caller removes it */
		if (r.have_irq)
			vrc_display_irq_close(&r.irq);
		r.have_irq = false;
		gvt_session_close_device(&r.s);
		*o->keep = r.s;
		step(&r, "mdev %s kept for the conformance tests; removed when they end",
		     r.s.m.uuid);
	} else if (cleanup(&r))
		status = 2;
	if (dmesg) {
		enum gvt_dmesg_verdict v = gvt_dmesg_end(&dm);

		step(&r, "dmesg: %s (%u record(s) flagged, %u lost)", gvt_dmesg_verdict_name(v),
		     dm.nflagged, dm.lost);
		for (unsigned i = 0; i < dm.nlines; i++)
			step(&r, "dmesg: %s", dm.line[i]);
		if (v != GVT_DMESG_CLEAN && !status)
			status = 1;
		gvt_dmesg_free(&dm);
	}
	step(&r, "%s", status == 0 ? (o->dry_run ? "plan complete (nothing was touched)" :
				      "bring-up complete") : "bring-up FAILED");
	/* a dry run on a host that cannot run it is still a skip */
	return status == 0 && o->dry_run && !d.uapi_ok ? 4 : status;
}
