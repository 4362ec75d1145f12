// SPDX-License-Identifier: MIT
/* Helpers of one conformance test (see vt.h). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vrc/i915_regs.h"
#include "vrc/util.h"
#include "harness/gvt/gvt.h"
#include "rt.h"
#include "runner.h"
#include "vt.h"

static void vlog(struct vt *t, const char *fmt, va_list ap)
{
	char line[640];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(t->o->ktap, "# %s: %s\n", t->test->name, line);
	fflush(t->o->ktap);
}

void vt_diag(struct vt *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(t, fmt, ap);
	va_end(ap);
}

void vt_violation(struct vt *t, enum vrc_clause c, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t->violated |= CL(c);
	vt_diag(t, "%s violated: %s", vrc_clause_name(c), line);
	if (!t->reason[0])
		snprintf(t->reason, sizeof(t->reason), "%s: %s", vrc_clause_name(c), line);
}

_Noreturn void vt_abort(struct vt *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
	vt_diag(t, "%s", t->reason);
	vrc_child_finish(t, R_CRASH);
}

_Noreturn void vt_skip(struct vt *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
	vrc_child_finish(t, R_SKIP);
}

void vt_open_device(struct vt *t)
{
	vt_backend(t)->open_device(t);
}

void vt_recorder_start(struct vt *t, struct rt_recorder *r, struct vrc_display_irq *irq,
		       size_t cap, uint64_t probe_ns,
		       void (*hook)(void *arg, const struct rt_sample *s, size_t idx),
		       void *arg)
{
	char err[256];
	unsigned i;

	for (i = 0; i < VT_NREC && t->rec[i]; i++)
		;
	if (i == VT_NREC)
		vt_abort(t, "more than %u recorders at once", VT_NREC);
	if (rt_recorder_start_hook(r, irq, cap, probe_ns, hook, arg, err, sizeof(err)))
		vt_abort(t, "%s", err);
	t->rec[i] = r;
}

void vt_recorder_stop(struct vt *t, struct rt_recorder *r)
{
	rt_recorder_stop(r);
	for (unsigned i = 0; i < VT_NREC; i++)
		if (t->rec[i] == r)
			t->rec[i] = NULL;
}

void vt_close_device(struct vt *t)
{
	for (unsigned i = 0; i < VT_NREC; i++)
		if (t->rec[i])
			vt_recorder_stop(t, t->rec[i]);
	if (t->have_irq)
		vrc_display_irq_close(&t->irq);
	t->have_irq = false;
	vt_backend(t)->close_device(t);
	t->dev = NULL;
	t->gvt_shared = false;
}

/* The device or its connection is gone: nothing was judged, a crash. */
static bool device_gone(int rc)
{
	return rc == -EPIPE || rc == -ECONNRESET || rc == -ENOTCONN || rc == -EIO ||
	       rc == -ETIMEDOUT;
}

bool vt_try_find_irq(struct vt *t, char *why, size_t len)
{
	return vt_find_irq_rc(t, why, len) == 0;
}

int vt_find_irq_rc(struct vt *t, char *why, size_t len)
{
	char err[256];
	int rc = vrc_display_irq_find(t->dev, &t->irq, err, sizeof(err));

	if (rc == -ENOENT)
		vt_skip(t, "display irq not offered: %s", err);
	if (device_gone(rc))
		vt_abort(t, "display irq discovery failed: %s", err);
	if (rc) {
		snprintf(why, len, "%s", err[0] ? err : strerror(-rc));
		return rc;
	}
	t->have_irq = true;
	t->irq.frmcount_reg = VRC_PIPE_FRMCOUNT(t->pipe);
	return 0;
}

void vt_find_irq(struct vt *t)
{
	char why[256];

	if (!vt_try_find_irq(t, why, sizeof(why)))
		vt_skip(t, "display irq not discoverable: %s", why);
}

void vt_guest_attach(struct vt *t)
{
	vt_backend(t)->guest_attach(t);
}

void vt_guest_detach(struct vt *t)
{
	vt_backend(t)->guest_detach(t);
}

void vt_vram_written(struct vt *t, uint64_t off, uint64_t len)
{
	if (off > t->g.vram_size || len > t->g.vram_size - off)
		vt_abort(t, "guest write [%#llx, +%llu) outside VRAM", (unsigned long long)off,
			 (unsigned long long)len);
	vt_backend(t)->vram_written(t, off, len);
}

uint32_t vt_latched_surf(struct vt *t)
{
	return vt_backend(t)->latched_surf(t);
}

void vt_reg_on(struct vt *t, unsigned vgpu, uint32_t offset, uint32_t value)
{
	int rc = vt_backend(t)->reg_write(t, vgpu, offset, value);

	if (rc)
		vt_abort(t, "vGPU %u: guest register write %#x failed: %s", vgpu, offset,
			 strerror(-rc));
}

void vt_reg(struct vt *t, uint32_t offset, uint32_t value)
{
	vt_reg_on(t, 0, offset, value);
}

void vt_guest_pipe_on(struct vt *t, unsigned vgpu, unsigned pipe)
{
	vt_reg_on(t, vgpu, VRC_PIPESRC(pipe), (VT_W - 1) << 16 | (VT_H - 1));
	vt_reg_on(t, vgpu, VRC_PIPECONF(pipe), VRC_PIPECONF_ENABLE);
	vt_reg_on(t, vgpu, VRC_PLANE_STRIDE(pipe), VT_W * 4);
	vt_reg_on(t, vgpu, VRC_PLANE_SIZE(pipe), (VT_H - 1) << 16 | (VT_W - 1));
	vt_reg_on(t, vgpu, VRC_PLANE_CTL(pipe),
		  VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB8888);
	vt_reg_on(t, vgpu, VRC_PLANE_SURF(pipe), t->surf[0]);
	vt_reg_on(t, vgpu, VRC_CURCNTR(pipe), VRC_CURSOR_MODE_64_ARGB);
	vt_reg_on(t, vgpu, VRC_CURPOS(pipe), 0);
	vt_reg_on(t, vgpu, VRC_CURBASE(pipe), t->curbase[0]);
}

void vt_pipe_on(struct vt *t, unsigned pipe)
{
	t->pipe = pipe;
	t->surf[0] = 0;
	t->surf[1] = 256u << 10;
	t->curbase[0] = 512u << 10;
	t->curbase[1] = (512u + 64u) << 10;
	vt_guest_pipe_on(t, 0, pipe);
	if (t->have_irq)
		t->irq.frmcount_reg = VRC_PIPE_FRMCOUNT(pipe);
}

void vt_setup_second(struct vt *t)
{
	char err[256];
	struct vrc_signal sig;
	int rc;

	memset(&t->irq1, 0, sizeof(t->irq1));
	t->irq1.efd[0] = t->irq1.efd[1] = -1;
	vt_backend(t)->open_second(t);
	t->have_second = true;
	if (vrc_display_irq_find(t->dev1, &t->irq1, err, sizeof(err)))
		vt_abort(t, "second device: display irq discovery failed: %s", err);
	vt_guest_pipe_on(t, 1, 0);
	vt_step_all(t, 2);
	if ((rc = vrc_display_irq_register(&t->irq1)))
		vt_abort(t, "second device: registering failed: %s", strerror(-rc));
	vrc_display_irq_poll(&t->irq1, &sig);
}

void vt_close_second(struct vt *t)
{
	if (!t->have_second)
		return;
	vrc_display_irq_close(&t->irq1);
	vt_backend(t)->close_second(t);
	t->dev1 = NULL;
	t->have_second = false;
}

void vt_flip(struct vt *t)
{
	t->front ^= 1;
	vt_reg(t, VRC_PLANE_SURF(t->pipe), t->surf[t->front]);
}

void vt_flip_async(struct vt *t)
{
	uint32_t ctl = VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB8888;

	vt_reg(t, VRC_PLANE_CTL(t->pipe), ctl | VRC_PLANE_CTL_ASYNC_FLIP);
	vt_flip(t);
	vt_reg(t, VRC_PLANE_CTL(t->pipe), ctl);
}

/* i915 order: position first, then the base that latches it. */
void vt_cursor_move(struct vt *t, bool curpos_only)
{
	t->cur_x = (t->cur_x + 3) % (int)VT_W;
	t->cur_y = (t->cur_y + 2) % (int)VT_H;
	vt_reg(t, VRC_CURPOS(t->pipe), (uint32_t)t->cur_y << 16 | (uint32_t)t->cur_x);
	if (!curpos_only) {
		t->cur_img ^= 1;
		vt_reg(t, VRC_CURBASE(t->pipe), t->curbase[t->cur_img]);
	}
}

void vt_draw(struct vt *t, unsigned k)
{
	uint32_t rows = 4, y0 = (k * rows) % VT_H;

	vt_backend(t)->draw(t, t->surf[t->front] + (uint64_t)y0 * VT_W * 4, rows * VT_W,
			    0x00102030u + k);
}

void vt_step(struct vt *t, unsigned n)
{
	vt_backend(t)->step(t, n);
}

void vt_step_all(struct vt *t, unsigned n)
{
	vt_backend(t)->step_all(t, n);
}

int vt_poll(struct vt *t, struct vrc_signal *sig)
{
	int rc = vrc_display_irq_poll(&t->irq, sig);

	if (rc < 0)
		vt_abort(t, "reading the display irq failed: %s", strerror(-rc));
	return rc;
}

int vt_eventfd(struct vt *t)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		vt_abort(t, "eventfd: %s", strerror(errno));
	return fd;
}

void vt_setup(struct vt *t, unsigned pipe)
{
	struct vrc_signal sig;
	int rc;

	vt_open_device(t);
	vt_find_irq(t);
	vt_guest_attach(t);
	vt_pipe_on(t, pipe);
	vt_step(t, 2);
	rc = vrc_display_irq_register(&t->irq);
	if (rc)
		vt_abort(t, "registering an eventfd failed: %s", strerror(-rc));
	vt_poll(t, &sig);
}

uint32_t vt_timeline_start(struct vt *t, struct vrc_vblank *vb, unsigned n)
{
	struct vrc_signal sig;
	uint32_t cb, ca;

	memset(vb, 0, n * sizeof(*vb));
	/*
	 * Nothing stale is attributed to the first vblank: drain until no
	 * vblank passed during the drain (bounded), so every signal of a
	 * vblank up to the returned counter is gone. In virtual time the
	 * first try holds; on gvt a real vblank can come mid-drain.
	 */
	for (unsigned tries = 0;; tries++) {
		cb = vt_counter(t);
		vt_poll(t, &sig);
		ca = vt_counter(t);
		if (ca == cb || tries == 3)
			return ca;
	}
}

void vt_place(struct vt *t, struct vrc_vblank *vb, unsigned n, uint32_t base,
	      unsigned k, const struct vrc_signal *sig)
{
	uint32_t idx = sig->frame_counter - base - 1;

	if (idx >= n) {
		vt_diag(t, "signal with frame counter %u outside the window [%u, %u]: "
			"placed at vblank %u", sig->frame_counter, base + 1, base + n, k);
		idx = k;
	}
	vb[idx].pri += (uint32_t)sig->counts.primary;
	vb[idx].cur += (uint32_t)sig->counts.cursor;
	vb[idx].inexact += !sig->counts.exact;
}

unsigned vt_drive_act(struct vt *t, vt_act_fn act, unsigned k, void *ctx)
{
	unsigned a = act(k, ctx);

	if (a & VT_ACT_BURST) {
		vt_flip(t);
		vt_flip(t);
	}
	if (a & (VT_ACT_FLIP | VT_ACT_BURST))
		vt_flip(t);
	if (a & VT_ACT_ASYNC)
		vt_flip_async(t);
	if (a & VT_ACT_DRAW)
		vt_draw(t, k);
	if (a & (VT_ACT_CURSOR | VT_ACT_CURPOS))
		vt_cursor_move(t, a & VT_ACT_CURPOS);
	return a;
}

void vt_drive_mark(struct vrc_vblank *v, unsigned a)
{
	if (a & (VT_ACT_FLIP | VT_ACT_BURST | VT_ACT_ASYNC | VT_ACT_MARK_FLIP))
		v->flip = 1;
	if (a & VT_ACT_DRAW)
		v->draw = 1;
	if (a & (VT_ACT_CURSOR | VT_ACT_CURPOS | VT_ACT_MARK_CURSOR))
		v->cursor = 1;
}

uint32_t vt_counter(struct vt *t)
{
	uint32_t c;
	int rc = vrc_read_frame_counter(t->dev, t->irq.frmcount_reg, &c);

	if (rc)
		vt_abort(t, "reading the frame counter failed: %s", strerror(-rc));
	return c;
}

/* A clock the test steps: every poll window is exactly one vblank. */
uint32_t vt_drive_stepped(struct vt *t, unsigned n, vt_act_fn act, void *ctx,
			  struct vrc_vblank *vb, struct vrc_vblank *vb1, vt_beside_fn beside,
			  void *bctx)
{
	struct vrc_signal sig;
	uint32_t base = vt_timeline_start(t, vb, n);

	for (unsigned k = 0; k < n; k++) {
		vt_drive_mark(&vb[k], vt_drive_act(t, act, k, ctx));
		if (beside) {
			beside(t, k, bctx);
			vt_step_all(t, 1);
		} else {
			vt_step(t, 1);
		}
		if (vt_poll(t, &sig))
			vt_place(t, vb, n, base, k, &sig);
	}
	if (vb1)
		memcpy(vb1, vb, n * sizeof(*vb));
	return base;
}

void vt_realtime(struct vt *t)
{
	vt_backend(t)->realtime(t);
}

uint32_t vt_drive_beside(struct vt *t, unsigned n, vt_act_fn act, void *ctx,
			 struct vrc_vblank *vb, vt_beside_fn beside, void *bctx)
{
	return vt_backend(t)->drive(t, n, act, ctx, vb, NULL, beside, bctx);
}

uint32_t vt_drive(struct vt *t, unsigned n, vt_act_fn act, void *ctx, struct vrc_vblank *vb,
		  struct vrc_vblank *vb1)
{
	return vt_backend(t)->drive(t, n, act, ctx, vb, vb1, NULL, NULL);
}

int vt_expect_signal(struct vt *t, unsigned max)
{
	struct vrc_signal sig;

	for (unsigned k = 0; k < max; k++) {
		vt_flip(t);
		vt_step(t, 1);
		if (vt_poll(t, &sig))
			return 1;
	}
	return 0;
}

void vt_measure(struct vt *t, const char *name, double value, const char *unit)
{
	unsigned i;

	for (i = 0; i < t->nmeas; i++)
		if (!strcmp(t->meas[i].name, name))
			break;
	if (i == VRC_MAX_MEASUREMENTS)
		vt_abort(t, "too many measurements (max %u) at %s", VRC_MAX_MEASUREMENTS, name);
	snprintf(t->meas[i].name, sizeof(t->meas[i].name), "%s", name);
	snprintf(t->meas[i].unit, sizeof(t->meas[i].unit), "%s", unit);
	t->meas[i].value = value;
	if (i == t->nmeas)
		t->nmeas++;
}

bool vt_pattern_next(uint16_t *lfsr, unsigned *idle_run, unsigned max_idle)
{
	unsigned bit = ((*lfsr >> 0) ^ (*lfsr >> 2) ^ (*lfsr >> 3) ^ (*lfsr >> 5)) & 1u;

	*lfsr = (uint16_t)((*lfsr >> 1) | (bit << 15));
	if ((*lfsr & 1u) || *idle_run >= max_idle) {
		*idle_run = 0;
		return true;
	}
	(*idle_run)++;
	return false;
}
