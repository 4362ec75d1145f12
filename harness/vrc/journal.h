/* SPDX-License-Identifier: MIT */
/*
 * The run journal, <run>/journal.jsonl: the record of a run that survives
 * the harness or the host dying. One JSON object per line, each appended
 * and fsync'd (file and folder) before the runner goes on:
 *
 *   {"type":"header","format":"vrc-journal","version":1,"run":{...},
 *    "options":{backend,model,abi,suite,destructive,timeout_s,rerun_failures},
 *    "plan":["test", ...]}
 *   {"type":"start","test":"name","attempt":0}
 *   {"type":"result","attempt":0,"test":{...the results.json test object...}}
 *   {"type":"resume","at":"2026-..."}      a --resume continued the run here
 *   {"type":"end","finished":"2026-..."}
 *
 * results.json is a view of it. A "start" without its "result" is the test
 * that was running when the run died: --resume records it as incomplete,
 * never runs a finished test again, and runs the rest of the plan with the
 * options of the header. A last line without its newline is a torn write
 * (SIGKILL mid-append): ignored, and cut off before appending again.
 */
#ifndef VRC_JOURNAL_H
#define VRC_JOURNAL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include "results_read.h"
#include "vrc.h"

#define VRC_JOURNAL_FILE	"journal.jsonl"
#define VRC_JOURNAL_MAX_LINE	(64u << 10)
#define VRC_JOURNAL_MAX_BYTES	(64u << 20)

/* The options a run is defined by (the header's "options"). */
struct vrc_journal_opts {
	char backend[16];
	char model[64];
	char abi[16];		/* "" : the model's */
	char suite[256];	/* "" : all */
	bool destructive;
	int timeout_s;
	int rerun_failures;
	char guest[16];		/* "process" or "vm" (absent in older journals: process) */
};

struct vrc_journal {
	char run_id[64];
	char started[32];
	char abi_found[16];
	int irq_index;
	struct vrc_journal_opts opts;
	unsigned nplan;
	struct vrc_lt *rec;	/* per plan entry; rec[i].name is the plan */
	bool *have;		/* rec[i] holds a finished first attempt */
	int *running;		/* attempt started without a result, or -1 */
	unsigned resumes;
	bool ended;
	size_t good_len;	/* bytes up to the last complete line */
	bool torn;		/* a torn last line was dropped */
};

int vrc_journal_parse(const char *text, size_t len, struct vrc_journal *j,
		      char *err, size_t errlen);
/* Load <dir>/journal.jsonl. 0, or -1 with err naming the file and line. */
int vrc_journal_load(const char *dir, struct vrc_journal *j, char *err, size_t errlen);
void vrc_journal_free(struct vrc_journal *j);

/* Options given on the command line (bits), for --resume's conflict check. */
enum {
	VRC_GIVEN_BACKEND = 1u << 0, VRC_GIVEN_MODEL = 1u << 1, VRC_GIVEN_ABI = 1u << 2,
	VRC_GIVEN_SUITE = 1u << 3, VRC_GIVEN_OUT = 1u << 4, VRC_GIVEN_DESTRUCTIVE = 1u << 5,
	VRC_GIVEN_TIMEOUT = 1u << 6, VRC_GIVEN_RERUN = 1u << 7,
};
/* --resume=DIR: load the journal's options into o (they live until exit).
 * An option given on the command line that differs from the run's is an
 * error naming both. 0, or -1 with err. */
int vrc_journal_resume_opts(struct vrc_opts *o, unsigned given, char *err, size_t errlen);

/* Appending. */
struct vrc_journal_writer {
	int fd;
	int dfd;
};
/* A new journal in dir with this header (ownership of header taken). */
int vrc_journal_create(const char *dir, json_object *header, struct vrc_journal_writer *w,
		       char *err, size_t errlen);
/* Reopen an existing journal for appending, cutting it to good_len first. */
int vrc_journal_reopen(const char *dir, size_t good_len, struct vrc_journal_writer *w,
		       char *err, size_t errlen);
/* One record (ownership taken), durable when this returns 0. */
int vrc_journal_append(struct vrc_journal_writer *w, json_object *rec);
void vrc_journal_close(struct vrc_journal_writer *w);

json_object *vrc_journal_opts_json(const struct vrc_opts *o);

#endif
