// SPDX-License-Identifier: MIT
/* The names of clauses and results: what KTAP, results.json, the journal
 * and every export spell them as (kept apart from the runner so that the
 * results parsers and their fuzzer need nothing else). */
#include <stdio.h>
#include <string.h>

#include "vrc.h"

static const char *const clause_names[C_NUM_CLAUSES] = {
	"DISC-1", "DISC-2", "IRQ-1", "IRQ-2", "IRQ-3", "IRQ-4", "EVT-1", "EVT-2",
	"EVT-3", "EVT-4", "EVT-5", "TEAR-1", "TEAR-2", "ISO-1",
};
static const char *const result_names[R_NUM_RESULTS] = {
	"pass", "fail", "skip", "timeout", "crash", "incomplete", "notrun",
	"dmesg-warn", "dmesg-fail",
};

const char *vrc_clause_name(enum vrc_clause c)
{
	return (unsigned)c < C_NUM_CLAUSES ? clause_names[c] : "?";
}

const char *vrc_result_name(enum vrc_result r)
{
	return (unsigned)r < R_NUM_RESULTS ? result_names[r] : "?";
}

int vrc_result_from_name(const char *name)
{
	for (unsigned r = 0; r < R_NUM_RESULTS; r++)
		if (!strcmp(name, result_names[r]))
			return (int)r;
	return -1;
}

bool vrc_result_is_failure(enum vrc_result r)
{
	return r != R_PASS && r != R_SKIP && r != R_NOTRUN;
}

const char *vrc_clauses_str(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (unsigned c = 0; c < C_NUM_CLAUSES; c++)
		if (mask & CL(c)) {
			int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
					 clause_names[c]);
			if (w < 0 || (size_t)w >= len - used)
				break;
			used += (size_t)w;
		}
	return buf;
}

