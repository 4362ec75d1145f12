// SPDX-License-Identifier: MIT
/* Progress on stderr (progress.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "vrc.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *vrc_progress_hms(double s, char *buf, size_t len)
{
	long v = s < 0 ? 0 : (long)(s + 0.5);

	if (v >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", v / 3600, v / 60 % 60, v % 60);
	else
		snprintf(buf, len, "%ld:%02ld", v / 60, v % 60);
	return buf;
}

void vrc_progress_init(struct vrc_progress *p, FILE *f, int mode, unsigned total,
		       unsigned already_done)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->total = total;
	p->done = already_done;
	p->t0 = p->last_line = mono();
	if (mode == VRC_PROGRESS_AUTO) {
		mode = f && isatty(fileno(f)) ? VRC_PROGRESS_TTY : VRC_PROGRESS_PLAIN;
		p->rate_limited = mode == VRC_PROGRESS_PLAIN;
	}
	p->mode = f ? mode : VRC_PROGRESS_OFF;
}

/* ETA from the mean duration of the tests this process ran. */
static void line(struct vrc_progress *p, char *buf, size_t len)
{
	char el[32], eta[32];
	double now = mono();

	vrc_progress_hms(now - p->t0, el, sizeof(el));
	if (p->ran)
		vrc_progress_hms(p->ran_s / p->ran * (p->total - p->done) - (now - p->test_t0),
				 eta, sizeof(eta));
	else
		snprintf(eta, sizeof(eta), "?");
	snprintf(buf, len, "[%u/%u] %s  elapsed %s  ETA %s", p->done + 1, p->total, p->name,
		 el, eta);
}

static void draw(struct vrc_progress *p)
{
	char buf[200];

	line(p, buf, sizeof(buf));
	/* \r and erase-line: one line, rewritten in place */
	fprintf(p->f, "\r\033[K%s", buf);
	fflush(p->f);
	p->line_open = true;
}

void vrc_progress_test(struct vrc_progress *p, const char *name)
{
	char buf[200];

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->test_t0 = mono();
	if (p->mode == VRC_PROGRESS_TTY) {
		draw(p);
	} else if (p->mode == VRC_PROGRESS_PLAIN) {
		if (p->rate_limited && p->test_t0 - p->last_line < VRC_PROGRESS_PLAIN_S)
			return;
		line(p, buf, sizeof(buf));
		fprintf(p->f, "vrc: %s\n", buf);
		fflush(p->f);
		p->last_line = p->test_t0;
	}
}

void vrc_progress_tick(struct vrc_progress *p)
{
	if (p->mode == VRC_PROGRESS_TTY)
		draw(p);
}

void vrc_progress_test_done(struct vrc_progress *p)
{
	p->ran_s += mono() - p->test_t0;
	p->ran++;
	p->done++;
}

void vrc_progress_clear(struct vrc_progress *p)
{
	if (p->mode == VRC_PROGRESS_TTY && p->line_open) {
		fprintf(p->f, "\r\033[K");
		fflush(p->f);
		p->line_open = false;
	}
}

void vrc_progress_end(struct vrc_progress *p)
{
	char el[32];

	if (p->mode == VRC_PROGRESS_TTY && p->line_open) {
		fprintf(p->f, "\r\033[K");
		p->line_open = false;
	}
	if (p->mode != VRC_PROGRESS_OFF && !p->rate_limited) {
		fprintf(p->f, "vrc: %u/%u tests in %s\n", p->done, p->total,
			vrc_progress_hms(mono() - p->t0, el, sizeof(el)));
	}
	if (p->f)
		fflush(p->f);
}
