// SPDX-License-Identifier: MIT
/*
 * The command line's door to the gvt backend (harness/gvt): detection for
 * --backend=auto, and the bring-up for --backend=gvt. The logic lives in
 * harness/gvt; vrc_gvt_detect() stays for its old callers.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gvt/cli.h"
#include "gvt/gvt.h"
#include "vrc.h"

int vrc_gvt_detect(const char *sysfs_root, char *bdf, size_t len)
{
	struct gvt_host h;
	struct gvt_detect d;

	gvt_host_probe_fast(&h, sysfs_root);
	gvt_detect(&h, &d);
	if (d.found)
		snprintf(bdf, len, "%s (%s)", d.bdf, d.type);
	return d.found;
}

void vrc_gvt_auto_note(const char *sysfs_root)
{
	struct gvt_host h;
	struct gvt_detect d;

	/* the common case, no GVT here, without running QEMU --version */
	gvt_host_probe_fast(&h, sysfs_root);
	gvt_detect(&h, &d);
	if (!d.found)
		return;
	fprintf(stderr, "vrc: GVT-g device %s (%s) found%s; the suite's tests do not drive a "
		"GVT device yet: testing the emulated vGPU. 'vrc run --backend=gvt' brings "
		"the vGPU up (DISC) and says what else is missing.\n", d.bdf, d.type,
		d.uapi_ok ? " and usable" : " but not usable (see vrc run --backend=gvt)");
}

int vrc_gvt_run(const struct vrc_opts *o, const char *sysfs_root, bool dry_run)
{
	struct gvt_host h;
	char run_id[64];
	time_t now = time(NULL);
	struct tm tm;

	(void)o;
	gmtime_r(&now, &tm);
	snprintf(run_id, sizeof(run_id), "gvt-%04d%02d%02dT%02d%02d%02dZ-%ld",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (long)getpid());
	gvt_host_probe(&h, sysfs_root);
	printf("KTAP version 1\n# vrc %s: backend gvt%s\n1..1\n", VRC_VERSION,
	       dry_run ? " (dry run: every step printed, nothing touched)" : "");
	fflush(stdout);
	struct gvt_bringup_opts bo = {
		.h = &h, .dry_run = dry_run, .run_id = run_id, .out = stdout,
	};
	int rc = gvt_bringup(&bo);

	/* one KTAP line for the bring-up; the suite's tests do not run on GVT yet */
	if (rc == 4)
		printf("ok 1 gvt-bringup # SKIP %s\n", dry_run ? "dry run on a host without "
		       "usable GVT-g" : "no usable GVT-g vGPU here");
	else if (rc == 0 && dry_run)
		printf("ok 1 gvt-bringup # SKIP dry run\n");
	else
		printf("%sok 1 gvt-bringup\n", rc ? "not " : "");
	return rc;
}
