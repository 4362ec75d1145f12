// SPDX-License-Identifier: MIT
/* vgpu-sim control requests (see control.h). Input is a line from a peer we
 * authenticated, but still parsed strictly: bounded numbers, known words. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrc/util.h"
#include "vrc/caps.h"
#include "vrc/i915_regs.h"
#include "control.h"
#include "sim.h"

#define STEP_MAX	100000ul

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	return vrc_parse_ulong(s, 0, max, out) ? -EINVAL : 0;
}

/* "all" -> [0, n), "<k>" -> [k, k+1) */
static int parse_instances(struct sim *s, const char *w, unsigned *lo, unsigned *hi)
{
	unsigned long k;

	if (w && !strcmp(w, "all")) {
		*lo = 0;
		*hi = s->ninstances;
		return 0;
	}
	if (parse_ulong(w, s->ninstances ? s->ninstances - 1 : 0, &k))
		return -EINVAL;
	*lo = (unsigned)k;
	*hi = (unsigned)k + 1;
	return 0;
}

int sim_control_exec(struct sim *s, const char *line, char *reply, size_t replylen)
{
	char buf[VGPU_CTL_MAX_LINE];
	char *save = NULL, *cmd, *a1, *a2, *extra;
	unsigned lo, hi;
	unsigned long n;

	snprintf(buf, sizeof(buf), "%s", line);
	cmd = strtok_r(buf, " \t", &save);
	a1 = strtok_r(NULL, " \t", &save);
	a2 = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (!cmd) {
		snprintf(reply, replylen, "err empty request");
		return 0;
	}
	if (extra) {
		snprintf(reply, replylen, "err too many arguments");
		return 0;
	}
	if (!strcmp(cmd, "quit")) {
		snprintf(reply, replylen, "ok bye");
		return 1;
	}
	if (!strcmp(cmd, "status")) {
		snprintf(reply, replylen, "ok model=%s abi=%s clock=%s instances=%u",
			 s->model->name, vrc_abi_str(s->abi),
			 s->clock == SIM_CLOCK_VIRTUAL ? "virtual" : "real",
			 s->ninstances);
		return 0;
	}
	if (!strcmp(cmd, "step")) {
		if (s->clock != SIM_CLOCK_VIRTUAL) {
			snprintf(reply, replylen, "err step needs --clock=virtual");
			return 0;
		}
		if (parse_instances(s, a1, &lo, &hi) || parse_ulong(a2, STEP_MAX, &n)) {
			snprintf(reply, replylen,
				 "err usage: step <instance|all> <1..%lu>", STEP_MAX);
			return 0;
		}
		for (unsigned long k = 0; k < n; k++)
			for (unsigned i = lo; i < hi; i++)
				if (!vgpu_dead(s->inst[i].vgpu))
					vgpu_vblank(s->inst[i].vgpu);
		snprintf(reply, replylen, "ok vblanks=%llu",
			 (unsigned long long)vgpu_vblank_count(s->inst[lo].vgpu));
		return 0;
	}
	if (!strcmp(cmd, "info")) {
		if (parse_instances(s, a1, &lo, &hi) || hi - lo != 1 || a2) {
			snprintf(reply, replylen, "err usage: info <instance>");
			return 0;
		}
		struct sim_instance *in = &s->inst[lo];
		snprintf(reply, replylen,
			 "ok vblanks=%llu frmcount=%u dead=%d ring_errors=%llu guest=%d device=%d",
			 (unsigned long long)vgpu_vblank_count(in->vgpu),
			 vgpu_mmio_read(in->vgpu, VRC_PIPE_FRMCOUNT(0)),
			 vgpu_dead(in->vgpu) ? 1 : 0,
			 (unsigned long long)vgpu_ring_errors(in->vgpu),
			 in->guest_sock >= 0, in->conn_open ? 1 : 0);
		return 0;
	}
	snprintf(reply, replylen, "err unknown request '%.32s'", cmd);
	return 0;
}
