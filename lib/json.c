// SPDX-License-Identifier: MIT
/* Typed access to JSON members (see vrc/json.h). */
#include <errno.h>

#include "vrc/json.h"

int vrc_json_member(json_object *o, const char *key, json_type type, json_object **out)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return -ENOENT;
	if (!json_object_is_type(v, type))
		return -EINVAL;
	*out = v;
	return 0;
}

int vrc_json_i64(json_object *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	json_object *v;
	int64_t x;
	int rc = vrc_json_member(o, key, json_type_int, &v);

	if (rc)
		return rc;
	errno = 0;
	x = json_object_get_int64(v);	/* saturates, setting errno, beyond int64 */
	if (errno || x < lo || x > hi)
		return -ERANGE;
	*out = x;
	return 0;
}

int vrc_json_str(json_object *o, const char *key, const char **out, size_t *len)
{
	json_object *v;
	int rc = vrc_json_member(o, key, json_type_string, &v);

	if (rc)
		return rc;
	*out = json_object_get_string(v);
	if (len)
		*len = (size_t)json_object_get_string_len(v);
	return 0;
}

int vrc_json_bool(json_object *o, const char *key, bool *out)
{
	json_object *v;
	int rc = vrc_json_member(o, key, json_type_boolean, &v);

	if (!rc)
		*out = json_object_get_boolean(v);
	return rc;
}

int vrc_json_num(json_object *o, const char *key, double *out)
{
	json_object *v;
	int rc = vrc_json_member(o, key, json_type_double, &v);

	if (rc == -EINVAL)
		rc = vrc_json_member(o, key, json_type_int, &v);
	if (!rc)
		*out = json_object_get_double(v);
	return rc;
}
