/* SPDX-License-Identifier: MIT */
/*
 * Progress of a long run on stderr (KTAP owns stdout): on a terminal one
 * live line "[n/N] name  elapsed  ETA" rewritten in place; otherwise plain
 * lines, at most one every VRC_PROGRESS_PLAIN_S seconds in auto mode (a
 * one-second run prints none), one per test with --progress=plain.
 */
#ifndef VRC_PROGRESS_H
#define VRC_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#define VRC_PROGRESS_PLAIN_S	10.0

struct vrc_progress {
	FILE *f;
	int mode;		/* VRC_PROGRESS_* of vrc.h, resolved: OFF, PLAIN or TTY */
	bool rate_limited;	/* auto mode on a non-terminal */
	unsigned total, done, ran;
	double t0, test_t0, last_line, ran_s;
	char name[64];
	bool line_open;		/* a live line is on the terminal */
};

/* mode VRC_PROGRESS_AUTO picks TTY if f is a terminal, else rate-limited PLAIN. */
void vrc_progress_init(struct vrc_progress *p, FILE *f, int mode, unsigned total,
		       unsigned already_done);
void vrc_progress_test(struct vrc_progress *p, const char *name);
/* While a test runs (about once a second): refresh the live line. */
void vrc_progress_tick(struct vrc_progress *p);
void vrc_progress_test_done(struct vrc_progress *p);
void vrc_progress_end(struct vrc_progress *p);
/* Before other output to the terminal (KTAP on the same tty): erase the line. */
void vrc_progress_clear(struct vrc_progress *p);
/* "1:02:03" or "2:03" (for ETA and elapsed). */
const char *vrc_progress_hms(double s, char *buf, size_t len);

#endif
