/* SPDX-License-Identifier: MIT */
/*
 * Host dmesg capture around a test, igt's discipline: kernel warnings,
 * oopses, BUG:, WARNING: and gvt/i915/vfio/kvm errors logged while a test
 * ran make it fail, with the lines in its record.
 *
 *   struct gvt_dmesg d;
 *   gvt_dmesg_begin(&d, NULL, err, sizeof(err));   // NULL: /dev/kmsg
 *   ... the test ...
 *   v = gvt_dmesg_end(&d);   // d.line[0..nlines) are the offending records
 *   gvt_dmesg_free(&d);
 *
 * /dev/kmsg records are "prio,seq,ts_us,flags[,more];message\n" followed by
 * optional " KEY=value" continuation lines; prio is facility << 3 | level.
 */
#ifndef VRC_GVT_KMSG_H
#define VRC_GVT_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gvt_kmsg_rec {
	unsigned level;		/* 0 emerg .. 7 debug */
	unsigned facility;
	uint64_t seq;
	uint64_t ts_us;
	char flags;		/* '-' or 'c' (continuation) */
	const char *msg;	/* not NUL-terminated: msglen bytes */
	size_t msglen;
};

/* One record's first line (no '\n'). 0, or -EINVAL if it is not a record. */
int gvt_kmsg_parse(const char *line, size_t len, struct gvt_kmsg_rec *r);

enum gvt_dmesg_verdict { GVT_DMESG_CLEAN, GVT_DMESG_WARN, GVT_DMESG_FAIL };

/* What one record means for the test: clean, dmesg-warn or dmesg-fail. */
enum gvt_dmesg_verdict gvt_kmsg_classify(const struct gvt_kmsg_rec *r);
/* "pass", "dmesg-warn", "dmesg-fail" */
const char *gvt_dmesg_verdict_name(enum gvt_dmesg_verdict v);

#define GVT_DMESG_MAX_LINES	64
#define GVT_DMESG_LINE		256

struct gvt_dmesg {
	int fd;
	/*
	 * Set after begin, NULL-terminated: substrings of dmesg-warn records
	 * the test provokes on purpose (a driver logging a request it refused
	 * at error level). Those are counted in nexpected, not flagged; a
	 * dmesg-fail record (oops, BUG) never is.
	 */
	const char *const *expected;
	unsigned nexpected;
	enum gvt_dmesg_verdict verdict;
	unsigned nlines;		/* kept lines (the first GVT_DMESG_MAX_LINES) */
	unsigned nflagged;		/* all offending records, kept or not */
	unsigned lost;			/* records overwritten before we read them */
	unsigned malformed;		/* lines that were no record */
	char (*line)[GVT_DMESG_LINE];	/* "<level> message", escaped */
	char partial[1024];		/* an incomplete last line of a plain file */
	size_t npartial;
};

/*
 * For gvt_dmesg.expected: what kvmgt logs with pr_err (gvt_vgpu_err) when
 * it refuses a SET_IRQS (intel_vgpu_ioctl, upstream since 2016). A test
 * that sends such requests on purpose passes by their refusal.
 */
extern const char *const gvt_kmsg_kvmgt_refusals[];

/* Open path (NULL: /dev/kmsg) and skip what is already there. */
int gvt_dmesg_begin(struct gvt_dmesg *d, const char *path, char *err, size_t errlen);
/* Read everything logged since begin (or the last end) and judge it. */
enum gvt_dmesg_verdict gvt_dmesg_end(struct gvt_dmesg *d);
/* Feed raw kmsg bytes (the part below end(); also the fuzz target's entry). */
void gvt_dmesg_feed(struct gvt_dmesg *d, const char *buf, size_t len);
void gvt_dmesg_free(struct gvt_dmesg *d);

#endif /* VRC_GVT_KMSG_H */
