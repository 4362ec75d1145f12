/* SPDX-License-Identifier: MIT */
/*
 * Reading results back: results.json of a run folder (for compare, export,
 * report) and the test records of the journal. Everything read is untrusted
 * (a file from another machine, a torn write, a hand edit): sizes are
 * bounded, strings length- and charset-checked, numbers finite. The loaded
 * form does not depend on the tests compiled into this binary, so results
 * of other vrc versions compare fine.
 */
#ifndef VRC_RESULTS_READ_H
#define VRC_RESULTS_READ_H

#include <json-c/json.h>
#include <stddef.h>
#include "vrc.h"

#define VRC_RESULTS_MAX_BYTES	(16u << 20)
#define VRC_RESULTS_MAX_TESTS	4096u

/* One test as read back. */
struct vrc_lt {
	char name[64];
	char clauses[128];	/* "EVT-1,EVT-2" */
	char violated[128];
	enum vrc_result result;
	double duration_s;
	char reason[640];
	unsigned nmeas;
	struct vrc_measurement meas[VRC_MAX_MEASUREMENTS];
	unsigned nattempts;	/* >= 1 */
	enum vrc_result attempt[VRC_MAX_ATTEMPTS];
	bool flaky;
};

/* One run as read back. */
struct vrc_loaded {
	char dir[512];		/* run folder ("" if read from a bare file) */
	char run_id[64];
	char backend[16];
	char model[64];
	char abi_requested[16];
	char abi_found[16];
	char host_kernel[256];
	char started[32];
	char finished[32];	/* "" while unfinished */
	unsigned ntests;
	struct vrc_lt *t;
};

/* path is a run folder or a results.json. 0, or -1 with err naming the
 * file and the problem. */
int vrc_results_load(const char *path, struct vrc_loaded *out, char *err, size_t errlen);
int vrc_results_parse(const char *text, size_t len, struct vrc_loaded *out,
		      char *err, size_t errlen);
void vrc_loaded_free(struct vrc_loaded *l);
const struct vrc_lt *vrc_loaded_find(const struct vrc_loaded *l, const char *name);

/* One test object of results.json (or of a journal "result" record). */
int vrc_lt_from_json(json_object *o, struct vrc_lt *t, char *err, size_t errlen);
/* A test name or measurement name we accept: [A-Za-z0-9_.-]{1,len-1}. */
bool vrc_name_ok(const char *s, size_t max);

/* Read a whole file of at most max bytes (NUL-terminated, free() it). */
char *vrc_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* The clause group of a test ("EVT" for "EVT-1,EVT-2"), for JUnit classname. */
const char *vrc_lt_group(const struct vrc_lt *t, char *buf, size_t len);

#endif
