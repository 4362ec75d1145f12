// SPDX-License-Identifier: MIT
/*
 * The command line's door to the gvt backend (harness/gvt): detection for
 * --backend=auto, and the bring-up for --backend=gvt. The logic lives in
 * harness/gvt.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/gvt/gvt.h"
#include "backend.h"
#include "gvt_cli.h"
#include "vrc.h"

bool vrc_gvt_auto(const char *sysfs_root)
{
	struct gvt_host h;
	struct gvt_detect d;

	/* the common case, no GVT here, without running QEMU --version */
	gvt_host_probe_fast(&h, sysfs_root);
	gvt_detect(&h, &d);
	if (!d.found)
		return false;
	if (d.uapi_ok) {
		fprintf(stderr, "vrc: GVT-g device %s (%s) found and usable: testing it "
			"(--backend=sim tests the emulated vGPU instead)\n", d.bdf, d.type);
		return true;
	}
	fprintf(stderr, "vrc: GVT-g device %s (%s) found but not usable (see vrc run "
		"--backend=gvt): testing the emulated vGPU\n", d.bdf, d.type);
	return false;
}

/*
 * Can the real-time tests boot an i915 guest on the vGPU here (s: the run's
 * vGPU, NULL in a dry run)? If not, why: one line for their SKIP.
 */
static bool guest_possible(const struct vrc_opts *o, const struct gvt_detect *d,
			   const struct gvt_session *s, char *why, size_t len)
{
	char img[512], kernel[600], initrd[600];

	if (!d->guest_ok) {
		for (unsigned i = 0; i < d->nreasons; i++)
			if (d->reason[i].scope == GVT_BLOCKS_GUEST) {
				snprintf(why, len, "no i915 guest on the vGPU here: %s",
					 d->reason[i].text);
				return false;
			}
		snprintf(why, len, "no i915 guest on the vGPU here (see the detect lines)");
		return false;
	}
	if (s && !s->m.cdev[0]) {
		snprintf(why, len, "no i915 guest on the vGPU: the mdev has no VFIO cdev "
			 "to share with QEMU");
		return false;
	}
	vrc_guest_image(o, true, img, sizeof(img));
	if (vrc_guest_image_files(img, kernel, sizeof(kernel), initrd, sizeof(initrd))) {
		snprintf(why, len, "no i915 guest image in %s (make image-i915, or --image=DIR)",
			 img);
		return false;
	}
	snprintf(why, len, "i915 guest image %s", img);
	return true;
}

/* Can the igt extras run in an i915 guest on the vGPU? If not, why. */
static const char *igt_possible(const struct vrc_opts *o, bool guest, const char *guest_why,
				char *why, size_t len)
{
	char img[512], kernel[600], initrd[600], disk[600];

	if (!guest)
		return guest_why;
	vrc_igt_image(o, true, img, sizeof(img));
	snprintf(disk, sizeof(disk), "%s/rootfs.sqfs", img);
	if (vrc_guest_image_files(img, kernel, sizeof(kernel), initrd, sizeof(initrd)) ||
	    access(disk, R_OK)) {
		snprintf(why, len, "no igt image for i915 in %s (make image-igt-i915, or "
			 "--igt-image=DIR)", img);
		return why;
	}
	return NULL;
}

/* The tests of the plan that would run on the vGPU, and those that skip. */
static void print_plan(const struct vrc_opts *o)
{
	unsigned nrun = 0, nskip = 0;

	for (unsigned i = 0; i < o->registry->ntests; i++) {
		const struct vrc_test *t = o->registry->test[i];
		const char *why = vrc_destructive_skip_reason(o, t);

		if (!vrc_test_selected(o, t))
			continue;
		if (!why)
			why = vrc_gvt_skip_reason(o, t);
		if (why)
			nskip++;
		else
			nrun++;
		printf("# gvt: [dry-run] test %s: %s%s\n", t->name, why ? "SKIP, " : "runs",
		       why ? why : t->flags & VT_DESTRUCTIVE ? " (destructive: --destructive "
		       "given)" : "");
	}
	printf("# gvt: [dry-run] conformance tests on the vGPU: %u run, %u skip; each is "
	       "judged with the host dmesg logged meanwhile\n", nrun, nskip);
	printf("# gvt: [dry-run] virtual-time tests (disc, irq, evt): the harness opens the "
	       "vGPU through a fresh KVM VM and writes its registers through BAR0 as the "
	       "guest\n");
	printf("# gvt: [dry-run] two-vGPU tests (iso-*): %s\n", o->gvt_no_second_why ?
	       o->gvt_no_second_why : "for each, a second vGPU of the same type is created, "
	       "opened through a KVM VM of its own (GVT allows one vGPU per VM), driven "
	       "through its BAR0 like the first, and removed after the test");
	printf("# gvt: [dry-run] real-time tests (rt-*): %s%s\n", o->gvt_guest ?
	       "each boots the " : "SKIP: ", o->gvt_no_guest_why);
	if (o->gvt_guest)
		printf("# gvt: [dry-run]   in QEMU on KVM with the vGPU's cdev and an iommufd "
		       "(the plan above), waits for QEMU's bind, registers the eventfd, runs "
		       "vrc-wl in the guest through qemu-guest-agent, captures planes (dmabuf "
		       "mmap, else PRIME readback through the host i915, detiled), unregisters, "
		       "shuts the guest down, closes its copy\n");
	if (o->gvt_no_igt_why)
		printf("# gvt: [dry-run] igt extras (igt-*): SKIP: %s\n", o->gvt_no_igt_why);
	else
		printf("# gvt: [dry-run] igt extras (igt-*): each boots the igt image for i915 "
		       "the same way and runs one igt subtest in it; igt's verdict is the "
		       "test's, the irq's signals meanwhile a measurement\n");
}

int vrc_gvt_run(const struct vrc_opts *o, const char *sysfs_root, bool dry_run)
{
	struct gvt_host h;
	struct gvt_session s;
	struct vrc_run run;
	char run_id[64], err[300];
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	memset(&s, 0, sizeof(s));
	gmtime_r(&now, &tm);
	snprintf(run_id, sizeof(run_id), "gvt-%04d%02d%02dT%02d%02d%02dZ-%ld",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (long)getpid());
	struct vrc_opts go = *o;
	struct gvt_detect d;
	char guest_why[700], second_why[160], igt_why[700];

	gvt_host_probe(&h, sysfs_root);
	gvt_detect(&h, &d);
	go.gvt_guest = guest_possible(o, &d, NULL, guest_why, sizeof(guest_why));
	go.gvt_no_guest_why = guest_why;
	go.gvt_no_igt_why = igt_possible(o, go.gvt_guest, guest_why, igt_why, sizeof(igt_why));
	if (d.found && d.avail < 2) {
		snprintf(second_why, sizeof(second_why), "needs two vGPUs at once: type %s "
			 "has %u available", d.type, d.avail);
		go.gvt_no_second_why = second_why;
	}
	printf("KTAP version 1\n# vrc %s: backend gvt%s\n", VRC_VERSION,
	       dry_run ? " (dry run: every step printed, nothing touched)" : "");
	fflush(stdout);
	struct gvt_bringup_opts bo = {
		.h = &h, .dry_run = dry_run, .run_id = run_id, .out = stdout,
		.keep = dry_run ? NULL : &s,
	};
	rc = gvt_bringup(&bo);
	if (dry_run && rc != 2)
		print_plan(&go);
	if (dry_run || rc) {
		if (s.have_mdev && gvt_session_destroy(&s, err, sizeof(err)))
			printf("# gvt: cleanup FAILED: %s (the next run's sweep retries)\n", err);
		printf("1..1\n");
		if (rc == 4)
			printf("ok 1 gvt-bringup # SKIP %s\n", dry_run ? "dry run on a host "
			       "without usable GVT-g" : "no usable GVT-g vGPU here");
		if (rc == 4 && !dry_run) {
			static const char why[] = "nothing was tested: --backend=gvt: no usable "
				"GVT-g vGPU here (the 'unusable' lines say why)";
			printf("# %s\n", why);
			fprintf(stderr, "vrc: %s\n", why);
		}
		else if (rc == 0)
			printf("ok 1 gvt-bringup # SKIP dry run\n");
		else
			printf("not ok 1 gvt-bringup\n");
		return rc;
	}
	go.gvt_guest = guest_possible(o, &d, &s, guest_why, sizeof(guest_why));
	go.gvt_no_igt_why = igt_possible(o, go.gvt_guest, guest_why, igt_why, sizeof(igt_why));
	go.backend = "gvt";
	go.gvt = &s;
	go.be = &vrc_backend_vfio;
	go.ktap_started = true;
	rc = vrc_run(&go, &run);
	vrc_run_free(&run);
	if (gvt_session_destroy(&s, err, sizeof(err))) {
		printf("# gvt: cleanup FAILED: %s (the next run's sweep retries)\n", err);
		rc = rc ? rc : 2;
	} else
		printf("# gvt: mdev %s removed\n", s.m.uuid);
	return rc;
}
