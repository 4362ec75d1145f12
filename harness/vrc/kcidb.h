/* SPDX-License-Identifier: MIT */
/*
 * KCIDB (KernelCI's common results database) I/O schema v5 JSON of a run:
 * one checkout (the host kernel as tested), one build of it, and a test per
 * vrc test with path "vrc.<group>.<rest>" ("vrc.evt.flip-every-vblank"), plus
 * one test per SHOULD measurement ("vrc.<test>.<measurement>", status DONE,
 * "number" {value, unit}). IDs are "<origin>:<run-id>[...]". Statuses:
 * pass PASS, fail/dmesg-* FAIL, crash/timeout ERROR, incomplete/notrun MISS,
 * skip SKIP. Model, ABI and backend go to environment.misc. No nulls (the
 * schema forbids them).
 */
#ifndef VRC_KCIDB_H
#define VRC_KCIDB_H

#include <json-c/json.h>
#include "results_read.h"

/* origin: [a-z0-9_]+ (KCIDB's origin pattern). NULL with err if not. */
json_object *vrc_kcidb_build(const struct vrc_loaded *run, const char *origin,
			     char *err, size_t errlen);
const char *vrc_kcidb_status(enum vrc_result r);
bool vrc_kcidb_origin_ok(const char *origin);

#endif
