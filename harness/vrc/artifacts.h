/* SPDX-License-Identifier: MIT */
/*
 * Per-test artifacts: files a test leaves in <run>/tests/<name>/ for the
 * report and for whoever reads a failure later (per-vblank timelines,
 * latency samples, tear maps). Written by the test child; the verdict never
 * depends on them. Without a results folder (nested runs) they are skipped.
 */
#ifndef VRC_ARTIFACTS_H
#define VRC_ARTIFACTS_H

#include <stddef.h>
#include <json-c/json.h>
#include "vrc/oracle.h"

struct vt;

/* mkdir -p path (0755): 0 or -errno. */
int vrc_mkdirs(const char *path);
/* Write obj as <artifact_dir>/<file> (atomically). Takes ownership of obj.
 * 0, or -errno (also reported as a test diagnostic). */
int vt_artifact_json(struct vt *t, const char *file, json_object *obj);

/* The path of artifact `file` (its folder created) for a program that writes
 * it itself: 0, or -ENOENT when artifacts are not kept, or -errno. */
int vt_artifact_path(struct vt *t, const char *file, char *out, size_t len);

/* The per-vblank rows the oracle judged, as "vblanks-<label>.json":
 * { "first_counter": c, "rows": [ {"flip":..,"cursor":..,"draw":..,
 *   "pri":..,"cur":..,"inexact":..}, ... ] } */
int vt_artifact_vblanks(struct vt *t, const char *label, const struct vrc_vblank *vb,
			unsigned n, uint32_t first_counter);

#endif
