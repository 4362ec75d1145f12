/* SPDX-License-Identifier: MIT */
/*
 * The host kernel's log as part of a test's verdict on GVT (igt's
 * dmesg-warn discipline): what the kernel logged while the test ran is
 * read from /dev/kmsg and judged by harness/gvt/kmsg.c; a flagged record
 * turns pass into dmesg-warn and fail into dmesg-fail (an oops or BUG into
 * dmesg-fail whatever the test said), with the lines in the record.
 */
#ifndef VRC_HOST_DMESG_H
#define VRC_HOST_DMESG_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/gvt/kmsg.h"
#include "vrc.h"

struct vrc_host_dmesg {
	struct gvt_dmesg d;
	bool on;
};

/* Start reading at the log's end; path NULL: /dev/kmsg. A log that cannot
 * be read is said once per run on ktap and the test runs without it. */
void vrc_host_dmesg_begin(struct vrc_host_dmesg *h, const char *path, FILE *ktap);
/* Judge what was logged into rec; every flagged line goes to
 * <artifact_dir>/dmesg.txt (NULL: not kept), the first ones into the reason. */
void vrc_host_dmesg_end(struct vrc_host_dmesg *h, struct vrc_test_record *rec,
			const char *artifact_dir);

#endif /* VRC_HOST_DMESG_H */
