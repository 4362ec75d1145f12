/* SPDX-License-Identifier: MIT */
/*
 * Typed access to a member of a JSON object (json-c), the project's one
 * implementation for every parser of untrusted JSON (results, journals,
 * timelines, vfio-user capabilities, QMP and guest-agent replies). Each
 * returns 0, -ENOENT when the member is absent or JSON null (no value),
 * -EINVAL when it has another type, -ERANGE when a number is outside the
 * bounds; the caller words the error, naming the member and its place.
 */
#ifndef VRC_JSON_H
#define VRC_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

int vrc_json_member(json_object *o, const char *key, json_type type, json_object **out);
/* An integer in [lo, hi] (a number json-c saturated is outside any bounds
 * short of the int64 limits: it is -ERANGE too). */
int vrc_json_i64(json_object *o, const char *key, int64_t lo, int64_t hi, int64_t *out);
/* A string (json-c's, valid while o is); *len its length, NULL: not wanted. */
int vrc_json_str(json_object *o, const char *key, const char **out, size_t *len);
int vrc_json_bool(json_object *o, const char *key, bool *out);
/* An integer or a double, as a double. */
int vrc_json_num(json_object *o, const char *key, double *out);

#endif /* VRC_JSON_H */
