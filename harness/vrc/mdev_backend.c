// SPDX-License-Identifier: MIT
/*
 * vrc run --backend=mdev: the gvt backend's machinery (harness/gvt: the
 * mdev with its marker and the start-up sweep, the session that opens it
 * through a VFIO group and a type1v2 container, the host dmesg judge) on
 * an mdev type of any parent whose devices offer the display irq, opened
 * without a KVM VM: only GVT-g wants one. The first such device is
 * guest-images/mdev's vgpu-mdev, which runs the reference series' own
 * code in a kernel (issue 22). The tests run as on gvt: the harness is
 * the device's guest (BAR0 writes, the device's own vblanks), and, unlike
 * on GVT, it has the planes' memory to fill (the device's BAR2), so the
 * tear-* tests capture real dma-bufs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gvt_cli.h"
#include "harness/gvt/gvt.h"
#include "vrc/irq.h"
#include "backend.h"
#include "results_read.h"
#include "vrc.h"

#define NO_GUEST_WHY	"the mdev backend boots no guest on the device yet: real-time " \
			"tests need one (issue 22)"

/* "PARENT/TYPE" into its two names; -EINVAL with a message if malformed. */
static int parse_type(const char *spec, char *parent, size_t plen, char *type, size_t tlen)
{
	const char *slash = strchr(spec, '/');
	size_t n;

	if (!slash || strchr(slash + 1, '/') || slash == spec || !slash[1])
		goto bad;
	n = (size_t)(slash - spec);
	if (n >= plen || strlen(slash + 1) >= tlen)
		goto bad;
	memcpy(parent, spec, n);
	parent[n] = '\0';
	snprintf(type, tlen, "%s", slash + 1);
	return 0;
bad:
	fprintf(stderr, "vrc: --mdev-type=%s: want PARENT/TYPE, e.g. "
		"vgpu-mdev/vgpu-mdev-display\n", spec);
	return -EINVAL;
}

/* vgpu-mdev's module parameter `name` as a checked name ("" for another parent) */
static void vgpu_mdev_param(const struct gvt_host *h, const char *parent, const char *name,
			    char *out, size_t len)
{
	char path[300];
	FILE *f;

	out[0] = '\0';
	if (strcmp(parent, "vgpu-mdev"))
		return;
	snprintf(path, sizeof(path), "%s/module/vgpu_mdev/parameters/%s", h->sysfs_root, name);
	if (!(f = fopen(path, "r")))
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
	if (!vrc_name_ok(out, len))
		out[0] = '\0';
}

/*
 * What results.json calls the model: the type, and for vgpu-mdev the fault
 * model its module was loaded with (its fault= parameter) and a stepped
 * clock, e.g. "vgpu-mdev-display.fault-dup.clock-stepped". What sysfs says
 * is checked as a name.
 */
static void model_name(const struct gvt_host *h, const char *parent, const char *type,
		       bool stepped, char *out, size_t len)
{
	char fault[32];

	vgpu_mdev_param(h, parent, "fault", fault, sizeof(fault));
	snprintf(out, len, "%s", type);
	if (fault[0] && strcmp(fault, "none"))
		snprintf(out, len, "%s.fault-%s", type, fault);
	if (stepped)
		snprintf(out + strlen(out), len - strlen(out), ".clock-stepped");
}

/*
 * vgpu-mdev loaded with clock=stepped: the tests step its vblanks through
 * its debugfs files (VGPU_MDEV_STEP_DIR/UUID/step) instead of waiting for
 * them. Returns the dir, or NULL with err when the device's step file is
 * not there (debugfs not mounted at /sys/kernel/debug?).
 */
#define VGPU_MDEV_STEP_DIR	"/sys/kernel/debug/vgpu-mdev"
static const char *step_dir(const struct gvt_session *s, char *err, size_t errlen)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/%s/step", VGPU_MDEV_STEP_DIR, s->m.uuid);
	if (access(path, W_OK)) {
		snprintf(err, errlen, "vgpu-mdev has clock=stepped but %s: %s (debugfs not "
			 "mounted?)", path, strerror(errno));
		return NULL;
	}
	return VGPU_MDEV_STEP_DIR;
}

static void sweep_log(void *ctx, const char *line)
{
	(void)ctx;
	printf("# mdev: sweep: %s\n", line);
}

/* Create the run's mdev and look at it once: is the irq there at all? */
static int bring_up(const struct gvt_host *h, const char *parent, const char *type,
		    const char *run_id, struct gvt_session *s)
{
	struct gvt_mdev_env env = { .h = h };
	struct gvt_session_cfg c = {
		.h = h, .bdf = parent, .type = type, .run_id = run_id, .no_kvm = true,
	};
	struct vrc_display_irq irq;
	char uuid[40], how[400] = "", err[300] = "";
	int rc;

	if (gvt_mdev_sweep(&env, false, sweep_log, NULL) < 0)
		printf("# mdev: sweep of %s failed: the run goes on\n", h->run_dir);
	if ((rc = gvt_new_uuid(h, uuid, err, sizeof(err))))
		goto fail;
	c.uuid = uuid;
	if ((rc = gvt_session_create(s, &c, err, sizeof(err))))
		goto fail;
	printf("# mdev: %s created (type %s of %s), iommu group %d\n", s->m.uuid, type, parent,
	       s->m.iommu_group);
	if ((rc = gvt_session_open_device(s, how, sizeof(how), err, sizeof(err))))
		goto fail;
	rc = vrc_display_irq_find(s->t, &irq, err, sizeof(err));
	if (rc == 0)
		printf("# mdev: opened (%s, no KVM); display irq at index %u, ABI %s\n", how,
		       irq.index, vrc_abi_str(irq.desc.abi));
	else
		printf("# mdev: opened (%s, no KVM); display irq: %s\n", how,
		       rc == -ENOENT ? "not offered" : err);
	vrc_display_irq_close(&irq);
	gvt_session_close_device(s);
	return 0;	/* no irq: every test skips, exit 4 */
fail:
	printf("# mdev: FAILED: %s\n", err);
	fprintf(stderr, "vrc: backend mdev: %s\n", err);
	return rc;
}

int vrc_mdev_run(const struct vrc_opts *o, const char *type_spec)
{
	char parent[32], type[64], run_id[64], second_why[200], err[300], model[128], clock[32];
	struct vrc_opts go = *o;
	struct gvt_session s;
	struct gvt_host h;
	struct vrc_run run;
	unsigned avail = 0;
	bool stepped;
	int rc;

	memset(&s, 0, sizeof(s));
	if (parse_type(type_spec, parent, sizeof(parent), type, sizeof(type)))
		return 2;
	gvt_host_probe_fast(&h, NULL);
	snprintf(run_id, sizeof(run_id), "mdev-%ld", (long)getpid());
	printf("KTAP version 1\n# vrc %s: backend mdev (%s of parent %s, kernel %s)\n",
	       VRC_VERSION, type, parent, h.kernel_release);
	fflush(stdout);
	if (bring_up(&h, parent, type, run_id, &s)) {
		if (s.have_mdev && gvt_session_destroy(&s, err, sizeof(err)))
			printf("# mdev: cleanup FAILED: %s (the next run's sweep retries)\n", err);
		printf("1..1\nnot ok 1 mdev-bringup\n");
		return 2;
	}
	if (gvt_type_available(&h, parent, type, &avail) || avail < 1) {
		snprintf(second_why, sizeof(second_why), "needs two devices at once: type %s "
			 "has %u more available", type, avail);
		go.gvt_no_second_why = second_why;
	}
	vgpu_mdev_param(&h, parent, "clock", clock, sizeof(clock));
	stepped = !strcmp(clock, "stepped");
	model_name(&h, parent, type, stepped, model, sizeof(model));
	go.model = model;
	go.backend = "mdev";
	go.gvt = &s;
	go.be = &vrc_backend_vfio;
	if (stepped && !(go.step_dir = step_dir(&s, err, sizeof(err)))) {
		printf("# mdev: FAILED: %s\n1..1\nnot ok 1 mdev-bringup\n", err);
		if (gvt_session_destroy(&s, err, sizeof(err)))
			printf("# mdev: cleanup FAILED: %s (the next run's sweep retries)\n", err);
		return 2;
	}
	if (stepped) {
		go.be = &vrc_backend_vfio_stepped;
		printf("# mdev: clock stepped by the harness through %s/%s/step\n", go.step_dir,
		       s.m.uuid);
	}
	go.gvt_guest = false;
	go.gvt_harness_vram = true;	/* BAR2: the planes' memory (TEAR with real dma-bufs) */
	go.gvt_no_guest_why = NO_GUEST_WHY;
	go.gvt_no_igt_why = NO_GUEST_WHY;
	go.ktap_started = true;
	rc = vrc_run(&go, &run);
	vrc_run_free(&run);
	if (gvt_session_destroy(&s, err, sizeof(err))) {
		printf("# mdev: cleanup FAILED: %s (the next run's sweep retries)\n", err);
		rc = rc ? rc : 2;
	} else {
		printf("# mdev: %s removed\n", s.m.uuid);
	}
	return rc;
}
