// SPDX-License-Identifier: MIT
/* Per-vblank checks of SPEC §4 (see oracle.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vrc/oracle.h"

static void cell(const struct vrc_vblank *v, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s/%s%s", v->flip ? "F" : "", v->cursor ? "C" : "",
		 v->draw ? "D" : "", v->flip || v->cursor || v->draw ? "" : "-",
		 v->pri ? (v->pri > 1 ? "P*" : "P") : "",
		 v->cur ? (v->cur > 1 ? "C*" : "C") : (v->pri ? "" : "-"));
}

void vrc_oracle_neighbourhood(const struct vrc_vblank *vb, size_t n, size_t k,
			      char *out, size_t len)
{
	size_t lo = k >= 2 ? k - 2 : 0, hi = k + 3 < n ? k + 3 : n;
	size_t used = 0;

	out[0] = 0;
	for (size_t i = lo; i < hi && used < len; i++) {
		char c[16];
		cell(&vb[i], c, sizeof(c));
		int w = snprintf(out + used, len - used, "%s%s%zu:%s", i == lo ? "" : " ",
				 i == k ? ">" : "", i, c);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static void note(char *why, size_t len, unsigned count, const struct vrc_vblank *vb,
		 size_t n, size_t k, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void note(char *why, size_t len, unsigned count, const struct vrc_vblank *vb,
		 size_t n, size_t k, const char *fmt, ...)
{
	char what[160], nb[200];
	size_t used = strlen(why);
	va_list ap;

	if (count > VRC_ORACLE_SHOW || used >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	vrc_oracle_neighbourhood(vb, n, k, nb, sizeof(nb));
	snprintf(why + used, len - used, "%svblank %zu: %s [guest/host: %s]",
		 used ? "; " : "", k, what, nb);
}

unsigned vrc_oracle_evt1(const struct vrc_vblank *vb, size_t n, char *why, size_t len)
{
	unsigned bad = 0;

	why[0] = 0;
	for (size_t k = 0; k < n; k++)
		if (vb[k].pri > 1 || vb[k].cur > 1) {
			bad++;
			note(why, len, bad, vb, n, k, "%u primary + %u cursor signals in one vblank",
			     vb[k].pri, vb[k].cur);
		}
	return bad;
}

static unsigned within(const struct vrc_vblank *vb, size_t n, unsigned tol, int plane,
		       char *why, size_t len)
{
	unsigned bad = 0;

	why[0] = 0;
	for (size_t k = 0; k < n; k++) {
		if (plane ? !vb[k].cursor : !vb[k].flip)
			continue;
		int seen = 0;
		for (size_t j = k; j <= k + tol && j < n; j++)
			seen |= plane ? vb[j].cur > 0 : vb[j].pri > 0;
		/* An update too close to the end to judge is not judged. */
		if (!seen && k + tol < n) {
			bad++;
			note(why, len, bad, vb, n, k, "%s not signalled within +%u vblank(s)",
			     plane ? "cursor update" : "primary flip", tol);
		}
	}
	return bad;
}

unsigned vrc_oracle_evt2(const struct vrc_vblank *vb, size_t n, unsigned tol,
			 char *why, size_t len)
{
	return within(vb, n, tol, 0, why, len);
}

unsigned vrc_oracle_evt3(const struct vrc_vblank *vb, size_t n, unsigned tol,
			 char *why, size_t len)
{
	return within(vb, n, tol, 1, why, len);
}

unsigned vrc_oracle_evt4(const struct vrc_vblank *vb, size_t n, unsigned max_gap,
			 char *why, size_t len)
{
	size_t last = SIZE_MAX, first_draw = SIZE_MAX;
	unsigned bad = 0;

	why[0] = 0;
	for (size_t k = 0; k < n; k++) {
		if (vb[k].draw && first_draw == SIZE_MAX)
			first_draw = k;
		if (vb[k].pri)
			last = k;
		if (first_draw == SIZE_MAX || !vb[k].draw)
			continue;
		size_t since = last == SIZE_MAX || last < first_draw ?
			       (last == SIZE_MAX ? k - first_draw + 1 : k - last) : k - last;
		if (since > max_gap) {
			bad++;
			note(why, len, bad, vb, n, k, "drawing without a primary signal for %zu "
			     "vblanks (at most %u allowed)", since, max_gap);
			last = k;	/* report each silent stretch once */
		}
	}
	return bad;
}

