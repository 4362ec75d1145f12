// SPDX-License-Identifier: MIT
/* KCIDB v5 export (kcidb.h). */
#include <stdio.h>
#include <string.h>

#include "kcidb.h"

const char *vrc_kcidb_status(enum vrc_result r)
{
	switch (r) {
	case R_PASS: return "PASS";
	case R_FAIL: case R_DMESG_WARN: case R_DMESG_FAIL: return "FAIL";
	case R_CRASH: case R_TIMEOUT: return "ERROR";
	case R_INCOMPLETE: case R_NOTRUN: return "MISS";
	default: return "SKIP";
	}
}

bool vrc_kcidb_origin_ok(const char *origin)
{
	size_t n = strlen(origin);

	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((origin[i] >= 'a' && origin[i] <= 'z') || (origin[i] >= '0' && origin[i] <= '9') ||
		      origin[i] == '_'))
			return false;
	return true;
}

static json_object *str(const char *s)
{
	return json_object_new_string(s);
}

/* KCIDB path components are [a-zA-Z0-9_-]+. A test's group is its own
 * level: "evt-flip-every-vblank" -> "evt.flip-every-vblank". */
static void path_part(char *dst, size_t len, const char *name, bool split_group)
{
	size_t i;
	bool split = !split_group;

	for (i = 0; name[i] && i + 1 < len; i++) {
		char c = name[i];
		if (c == '-' && !split && i > 0 && name[i + 1]) {
			dst[i] = '.';
			split = true;
			continue;
		}
		dst[i] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '-' || c == '_' ? c : '_');
	}
	dst[i] = 0;
}

json_object *vrc_kcidb_build(const struct vrc_loaded *run, const char *origin,
			     char *err, size_t errlen)
{
	char id[256], checkout_id[160], build_id[160], start[40];

	if (!vrc_kcidb_origin_ok(origin)) {
		snprintf(err, errlen, "origin '%s': want [a-z0-9_]+ of at most 64", origin);
		return NULL;
	}
	json_object *root = json_object_new_object(), *ver = json_object_new_object();
	json_object *checkouts = json_object_new_array(), *builds = json_object_new_array();
	json_object *tests = json_object_new_array();

	json_object_object_add(ver, "major", json_object_new_int(5));
	json_object_object_add(ver, "minor", json_object_new_int(0));
	json_object_object_add(root, "version", ver);

	snprintf(checkout_id, sizeof(checkout_id), "%s:%s", origin, run->run_id);
	snprintf(build_id, sizeof(build_id), "%s:%s", origin, run->run_id);
	/* RFC 3339; our stamps already are ("...Z") */
	snprintf(start, sizeof(start), "%s", run->started[0] ? run->started : "1970-01-01T00:00:00Z");

	json_object *co = json_object_new_object();
	json_object_object_add(co, "id", str(checkout_id));
	json_object_object_add(co, "origin", str(origin));
	json_object_object_add(co, "start_time", str(start));
	json_object_object_add(co, "comment", str(run->host_kernel[0] ? run->host_kernel : "unknown"));
	json_object_array_add(checkouts, co);

	json_object *b = json_object_new_object(), *bm = json_object_new_object();
	json_object_object_add(b, "id", str(build_id));
	json_object_object_add(b, "origin", str(origin));
	json_object_object_add(b, "checkout_id", str(checkout_id));
	json_object_object_add(b, "start_time", str(start));
	json_object_object_add(b, "status", str("PASS"));	/* a host we ran on was built */
	json_object_object_add(bm, "host_kernel", str(run->host_kernel));
	json_object_object_add(b, "misc", bm);
	json_object_array_add(builds, b);

	for (unsigned i = 0; i < run->ntests; i++) {
		const struct vrc_lt *t = &run->t[i];
		char part[64];
		path_part(part, sizeof(part), t->name, true);
		json_object *o = json_object_new_object(), *env = json_object_new_object();
		json_object *em = json_object_new_object(), *misc = json_object_new_object();
		char path[160];

		snprintf(id, sizeof(id), "%s:%s.%s", origin, run->run_id, t->name);
		snprintf(path, sizeof(path), "vrc.%s", part);
		json_object_object_add(o, "id", str(id));
		json_object_object_add(o, "origin", str(origin));
		json_object_object_add(o, "build_id", str(build_id));
		json_object_object_add(o, "path", str(path));
		json_object_object_add(o, "status", str(vrc_kcidb_status(t->result)));
		json_object_object_add(o, "waived", json_object_new_boolean(false));
		json_object_object_add(o, "start_time", str(start));
		json_object_object_add(o, "duration", json_object_new_double(t->duration_s));
		if (t->reason[0])
			json_object_object_add(o, "comment", str(t->reason));
		json_object_object_add(em, "backend", str(run->backend));
		json_object_object_add(em, "model", str(run->model));
		json_object_object_add(em, "abi", str(run->abi_found));
		json_object_object_add(env, "comment", str("vrc on a vGPU display refresh irq"));
		json_object_object_add(env, "misc", em);
		json_object_object_add(o, "environment", env);
		json_object_object_add(misc, "vrc_result", str(vrc_result_name(t->result)));
		json_object_object_add(misc, "clauses", str(t->clauses));
		json_object_object_add(misc, "violated", str(t->violated));
		if (t->nattempts > 1) {
			json_object *a = json_object_new_array();
			for (unsigned k = 0; k < t->nattempts; k++)
				json_object_array_add(a, str(vrc_result_name(t->attempt[k])));
			json_object_object_add(misc, "attempts", a);
			json_object_object_add(misc, "flaky", json_object_new_boolean(t->flaky));
		}
		json_object_object_add(o, "misc", misc);
		json_object_array_add(tests, o);

		for (unsigned m = 0; m < t->nmeas; m++) {
			json_object *mo = json_object_new_object(), *num = json_object_new_object();
			char mpart[48];
			path_part(mpart, sizeof(mpart), t->meas[m].name, false);
			snprintf(id, sizeof(id), "%s:%s.%s.%s", origin, run->run_id, t->name,
				 t->meas[m].name);
			snprintf(path, sizeof(path), "vrc.%s.%s", part, mpart);
			json_object_object_add(mo, "id", str(id));
			json_object_object_add(mo, "origin", str(origin));
			json_object_object_add(mo, "build_id", str(build_id));
			json_object_object_add(mo, "path", str(path));
			/* a measurement, not a verdict */
			json_object_object_add(mo, "status", str("DONE"));
			json_object_object_add(mo, "start_time", str(start));
			json_object_object_add(num, "value", json_object_new_double(t->meas[m].value));
			if (t->meas[m].unit[0])
				json_object_object_add(num, "unit", str(t->meas[m].unit));
			json_object_object_add(mo, "number", num);
			json_object_array_add(tests, mo);
		}
	}
	json_object_object_add(root, "checkouts", checkouts);
	json_object_object_add(root, "builds", builds);
	json_object_object_add(root, "tests", tests);
	return root;
}
