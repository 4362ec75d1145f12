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
#include "gvt/gvt.h"
#include "rt.h"
#include "runner.h"
#include "vt.h"

#define OPEN_TIMEOUT_MS	5000
/* gvt: GVT emulates vblanks at the guest's mode rate (tens of ms apart); a
 * frame counter that has not moved for a second is stuck. */
#define GVT_VBLANK_MAX_MS	1000
#define GVT_SIGNAL_WAIT_MS	4	/* a quarter of a 60 Hz frame */
/* gvt with a guest: QEMU binds the shared vGPU while it starts, well before
 * the guest agent answers; this only bounds a QEMU that never does. */
#define GVT_BIND_MS		30000

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
	char path[128], err[256];
	int rc;

	if (t->o->gvt) {
		char how[400];

		if (t->gvt_shared)
			rc = gvt_session_open_shared(t->o->gvt, GVT_BIND_MS, err, sizeof(err));
		else
			rc = gvt_session_open_device(t->o->gvt, how, sizeof(how), err,
						     sizeof(err));
		if (rc)
			vt_abort(t, "cannot open the vGPU: %s", err);
		t->t = t->o->gvt->t;
		return;
	}
	vrc_sim_path(&t->sim, 0, "vfio-user", path, sizeof(path));
	rc = vrc_vfio_user_open(path, OPEN_TIMEOUT_MS, &t->t, err, sizeof(err));
	if (rc)
		vt_abort(t, "cannot open the device: %s", err);
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
	if (t->o->gvt && (t->t || t->gvt_shared))
		gvt_session_close_device(t->o->gvt);	/* the device, then its KVM VM */
	else if (t->t)
		vrc_transport_close(t->t);
	t->t = NULL;
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
	int rc = vrc_display_irq_find(t->t, &t->irq, err, sizeof(err));

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

/*
 * gvt with plane memory in BAR2 (vgpu-mdev): the guest draws into a copy
 * of it, g.vram, and writes what it drew through the region
 * (vt_vram_written), as mbochs' guests write its VRAM BAR. Bounded: BAR2
 * is the device's word.
 */
#define VRAM_SHADOW_MAX	(64ull << 20)

static void attach_vram_shadow(struct vt *t)
{
	struct vfio_region_info info;
	int rc;

	if (!t->t->ops->get_region_info)
		vt_skip(t, "the device's transport has no region info: no plane memory to fill");
	rc = t->t->ops->get_region_info(t->t, VFIO_PCI_BAR2_REGION_INDEX, &info);
	if (rc)
		vt_skip(t, "no BAR2 region to fill the planes' memory through: %s", strerror(-rc));
	if (!info.size || info.size > VRAM_SHADOW_MAX ||
	    !(info.flags & VFIO_REGION_INFO_FLAG_WRITE))
		vt_skip(t, "BAR2 is no plane memory the harness can fill (%llu bytes, flags %#x)",
			(unsigned long long)info.size, info.flags);
	t->g.vram = calloc(1, info.size);
	if (!t->g.vram)
		vt_abort(t, "out of memory for a copy of BAR2 (%llu bytes)",
			 (unsigned long long)info.size);
	t->g.vram_size = info.size;
	t->vram_shadow = true;
}

/*
 * On GVT the harness owns the vGPU with no guest running, so it is the
 * guest: its writes through the VFIO BAR0 region reach GVT's MMIO handlers
 * exactly as a vCPU's trapped writes do (intel_vgpu_emulate_mmio_write).
 */
void vt_guest_attach(struct vt *t)
{
	char path[128], err[256];

	if (t->o->gvt) {
		if (t->o->gvt_harness_vram && !t->vram_shadow)
			attach_vram_shadow(t);
		return;
	}
	vrc_sim_path(&t->sim, 0, "ivshmem", path, sizeof(path));
	if (vgpu_guest_open(path, OPEN_TIMEOUT_MS, &t->g, err, sizeof(err)))
		vt_abort(t, "process guest cannot attach: %s", err);
	t->have_guest = true;
}

void vt_guest_detach(struct vt *t)
{
	if (t->have_guest)
		vgpu_guest_close(&t->g);
	t->have_guest = false;
	if (t->vram_shadow) {
		free(t->g.vram);
		t->g.vram = NULL;
		t->g.vram_size = 0;
		t->vram_shadow = false;
	}
}

void vt_vram_written(struct vt *t, uint64_t off, uint64_t len)
{
	const uint32_t chunk = 1u << 20;
	int rc;

	if (!t->vram_shadow)
		return;	/* the process guest's VRAM is the device's */
	if (off > t->g.vram_size || len > t->g.vram_size - off)
		vt_abort(t, "guest write [%#llx, +%llu) outside VRAM", (unsigned long long)off,
			 (unsigned long long)len);
	if (!t->t)
		vt_abort(t, "guest VRAM write with the device closed");
	for (uint64_t done = 0; done < len; done += chunk) {
		uint32_t n = len - done < chunk ? (uint32_t)(len - done) : chunk;

		rc = t->t->ops->region_write(t->t, VFIO_PCI_BAR2_REGION_INDEX, off + done,
					     t->g.vram + off + done, n);
		if (rc)
			vt_abort(t, "guest VRAM write at %#llx through BAR2 failed: %s",
				 (unsigned long long)(off + done), strerror(-rc));
	}
}

/*
 * gvt: a harness-owned vGPU injects no flip-done interrupt into the
 * harness, so the harness takes a sync flip as done at the first vblank
 * after its DSPSURF write, where GVT injects it (SPEC §2: a queued flip
 * latches at the next vblank of its enabled pipe), and an async one at
 * once. vt_step waits for the frame counter, which moves in the same
 * vblank as the latch.
 */
uint32_t vt_latched_surf(struct vt *t)
{
	if (t->o->gvt)
		return t->gvt_surf_latched;
	if (!t->have_guest)
		vt_abort(t, "no guest attached to see its flip-done");
	return __atomic_load_n(&t->g.hdr->pipe[t->pipe].latched_surf, __ATOMIC_ACQUIRE);
}

/* gvt: what the guest's own register writes tell of its flips (vt_latched_surf) */
static void gvt_note_write(struct vt *t, uint32_t offset, uint32_t value)
{
	if (offset == VRC_PLANE_CTL(t->pipe))
		t->gvt_ctl_async = (value & VRC_PLANE_CTL_ASYNC_FLIP) != 0;
	if (offset != VRC_PLANE_SURF(t->pipe))
		return;
	if (t->gvt_ctl_async) {
		t->gvt_surf_latched = value;
		return;
	}
	t->gvt_surf_armed = value;
	t->gvt_surf_pending = true;
}

void vt_reg_on(struct vt *t, unsigned vgpu, uint32_t offset, uint32_t value)
{
	struct vrc_transport *dev = vgpu ? t->t1 : t->t;
	int rc;

	if (t->o->gvt) {
		if (!dev)
			vt_abort(t, "vGPU %u: guest register write %#x with the vGPU closed",
				 vgpu, offset);
		rc = dev->ops->region_write(dev, VFIO_PCI_BAR0_REGION_INDEX, offset,
					    &value, sizeof(value));
		if (!rc && !vgpu)
			gvt_note_write(t, offset, value);
	} else
		rc = vgpu_guest_write(vgpu ? &t->g1 : &t->g, offset, value);

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

/* gvt: the runner's second vGPU (o->gvt_second), through a KVM VM of its own */
static void open_second_gvt(struct vt *t)
{
	char how[400], err[256];

	if (!t->o->gvt_second)
		vt_abort(t, "a two-vGPU test without the runner's second vGPU");
	if (gvt_session_open_device(t->o->gvt_second, how, sizeof(how), err, sizeof(err)))
		vt_abort(t, "cannot open the second vGPU: %s", err);
	t->t1 = t->o->gvt_second->t;
	vt_diag(t, "second vGPU %s open (%s)", t->o->gvt_second->m.uuid, how);
}

static void open_second_sim(struct vt *t)
{
	char path[128], err[256];

	vrc_sim_path(&t->sim, 1, "vfio-user", path, sizeof(path));
	if (vrc_vfio_user_open(path, OPEN_TIMEOUT_MS, &t->t1, err, sizeof(err)))
		vt_abort(t, "cannot open the second device: %s", err);
	vrc_sim_path(&t->sim, 1, "ivshmem", path, sizeof(path));
	if (vgpu_guest_open(path, OPEN_TIMEOUT_MS, &t->g1, err, sizeof(err))) {
		vrc_transport_close(t->t1);
		t->t1 = NULL;
		vt_abort(t, "second process guest cannot attach: %s", err);
	}
}

void vt_setup_second(struct vt *t)
{
	char err[256];
	struct vrc_signal sig;
	int rc;

	memset(&t->irq1, 0, sizeof(t->irq1));
	t->irq1.efd[0] = t->irq1.efd[1] = -1;
	if (t->o->gvt)
		open_second_gvt(t);
	else
		open_second_sim(t);
	t->have_second = true;
	if (vrc_display_irq_find(t->t1, &t->irq1, err, sizeof(err)))
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
	if (t->o->gvt) {
		if (t->o->gvt_second)
			gvt_session_close_device(t->o->gvt_second);	/* t1 is its transport */
	} else {
		vrc_transport_close(t->t1);
		vgpu_guest_close(&t->g1);
	}
	t->t1 = NULL;
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
	uint64_t off = t->surf[t->front] + (uint64_t)y0 * VT_W * 4;

	/* gvt: the framebuffer would be guest memory, which the harness-owned
	 * vGPU has none of; the device cannot see a draw anyway (no capture
	 * test runs on it), so there is nothing to do. */
	if (t->o->gvt)
		return;
	if (off + rows * VT_W * 4 > t->g.vram_size)
		vt_abort(t, "front buffer outside VRAM");
	uint32_t *px = (uint32_t *)(t->g.vram + off);
	for (uint32_t i = 0; i < rows * VT_W; i++)
		px[i] = 0x00102030u + k;
}

/*
 * gvt: the signal of a vblank comes in the emulation step that bumped the
 * counter, but its writer (GVT's vblank work, or vgpu-sim's tick) can be
 * scheduled out in between. A poll ahead of it would find the signal one
 * vblank later, added to that vblank's own: a false EVT-1. So wait up to
 * GVT_SIGNAL_WAIT_MS for the eventfd: a prompt signal costs nothing, a quiet
 * vblank the whole wait, still far from the next vblank. Then a moment for
 * a second plane's write of the same step.
 */
static void gvt_settle(struct vt *t)
{
	struct pollfd pfd[VRC_IRQ_MAX_SUB];
	nfds_t n = 0;

	for (unsigned i = 0; t->have_irq && i < VRC_IRQ_MAX_SUB; i++)
		if (t->irq.efd[i] >= 0)
			pfd[n++] = (struct pollfd){ .fd = t->irq.efd[i], .events = POLLIN };
	if (n)
		(void)poll(pfd, n, GVT_SIGNAL_WAIT_MS);	/* EINTR: settle as on time-out */
	usleep(1000);
}

/* gvt: real vblanks; wait for the frame counter of the guest's pipe to move n. */
static void gvt_wait_vblanks(struct vt *t, unsigned n)
{
	uint32_t c0, c;
	int64_t last_move, now;
	int rc = vrc_read_frame_counter(t->t, VRC_PIPE_FRMCOUNT(t->pipe), &c0);

	if (rc)
		vt_abort(t, "reading the frame counter failed: %s", strerror(-rc));
	last_move = vrc_now_ms();
	for (uint32_t prev = c0;;) {
		usleep(1000);
		if ((rc = vrc_read_frame_counter(t->t, VRC_PIPE_FRMCOUNT(t->pipe), &c)))
			vt_abort(t, "reading the frame counter failed: %s", strerror(-rc));
		now = vrc_now_ms();
		if (c - c0 >= n)
			break;
		if (c != prev)
			last_move = now;
		prev = c;
		if (now - last_move > GVT_VBLANK_MAX_MS)
			vt_abort(t, "pipe %c frame counter stuck at %u for %d ms (vblank "
				 "emulation not running: pipe not enabled?)", 'A' + t->pipe, c,
				 GVT_VBLANK_MAX_MS);
	}
	if (t->gvt_surf_pending)
		t->gvt_surf_latched = t->gvt_surf_armed;
	t->gvt_surf_pending = false;
	gvt_settle(t);
}

void vt_step(struct vt *t, unsigned n)
{
	int rc;

	if (t->o->gvt) {
		gvt_wait_vblanks(t, n);
		return;
	}
	rc = vrc_sim_step(&t->sim, 0, n);

	if (rc)
		vt_abort(t, "vgpu-sim did not step: %s", strerror(-rc));
}

/* gvt: each vGPU has its own vblank timer; vGPU 0's vblanks pace the test */
void vt_step_all(struct vt *t, unsigned n)
{
	int rc;

	if (t->o->gvt) {
		gvt_wait_vblanks(t, n);
		return;
	}
	if ((rc = vrc_sim_step_all(&t->sim, n)))
		vt_abort(t, "vgpu-sim did not step: %s", strerror(-rc));
}

int vt_poll(struct vt *t, struct vrc_signal *sig)
{
	int rc = vrc_display_irq_poll(&t->irq, sig);

	if (rc < 0)
		vt_abort(t, "reading the display irq failed: %s", strerror(-rc));
	return rc;
}

uint64_t vt_efd_read(int fd)
{
	uint64_t v = 0;

	return vrc_eventfd_drain(fd, &v) == 1 ? v : 0;
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

/* Do what act says at vblank k; returns its bits. */
static unsigned drive_act(struct vt *t, vt_act_fn act, unsigned k, void *ctx)
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

static void drive_mark(struct vrc_vblank *v, unsigned a)
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
	int rc = vrc_read_frame_counter(t->t, t->irq.frmcount_reg, &c);

	if (rc)
		vt_abort(t, "reading the frame counter failed: %s", strerror(-rc));
	return c;
}

void vt_realtime(struct vt *t)
{
	struct sched_param sp = { .sched_priority = 10 };
	int rc;

	if (!t->o->gvt)
		return;
	rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (rc)
		vt_diag(t, "acting at normal priority (SCHED_FIFO: %s): on a loaded host the "
			"harness may miss vblanks", strerror(rc));
}

/*
 * gvt: real vblanks, and the harness's own timing runs late on a loaded
 * host, so a step can take more than one vblank. The drive follows the
 * frame counter, not its steps: each update is recorded at the vblank after
 * the counter read just before it (as a guest timeline does; one during
 * which more than one vblank passed is not judged), until the counter has
 * crossed the n vblanks. Every poll, empty ones too, is bracketed by counter
 * reads: its signals came from vblanks in (counter before the previous
 * drain, counter after this one], and are placed as the rt tests place
 * theirs (rt.h), vb for the latch clauses and vb1 for EVT-1. A harness that
 * keeps up makes one step per vblank with one-vblank windows: exact.
 */
static uint32_t drive_gvt(struct vt *t, unsigned n, vt_act_fn act, void *ctx,
			  struct vrc_vblank *vb, struct vrc_vblank *vb1,
			  vt_beside_fn beside, void *bctx)
{
	struct rt_sample *s = calloc(n + 1u, sizeof(*s));
	unsigned k, unjudged = 0, spread, outside, spread1, outside1;
	uint32_t base = vt_timeline_start(t, vb, n);
	struct vrc_signal sig;

	if (!s)
		vt_abort(t, "out of memory");
	vt_realtime(t);
	/* The start's drain, the first poll's lower bound: it saw base before
	 * and after, so nothing after it came from a vblank up to base. */
	s[0] = (struct rt_sample){ .counter_before = base, .counter = base, .counter_ok = true };
	for (k = 0; k < n; k++) {
		uint32_t c0 = vt_counter(t), idx = c0 - base;

		if (idx >= n)
			break;
		unsigned a = drive_act(t, act, k, ctx);
		uint32_t c1 = vt_counter(t);

		if (a && c1 - c0 > VRC_ORACLE_TOLERANCE)
			unjudged++;
		else if (a)
			drive_mark(&vb[idx], a);
		if (beside)
			beside(t, k, bctx);
		vt_step(t, 1);
		uint32_t cb = vt_counter(t);
		if (!vt_poll(t, &sig)) {	/* nothing: an exact, empty read */
			sig.frame_counter = vt_counter(t);
			sig.counts.exact = true;
		}
		s[k + 1] = rt_sample_of(&sig, cb, true);
	}
	if (vb1)
		memcpy(vb1, vb, n * sizeof(*vb));
	/* every poll's window reaches back to the last: each is a probe */
	rt_place(s, k + 1, base + 1, vb, n, &spread, &outside);
	if (vb1)
		rt_place_mode(s, k + 1, RT_PLACE_EVT1, base + 1, vb1, n, &spread1, &outside1);
	free(s);
	outside--;	/* the start's */
	if (k < n || unjudged)
		vt_diag(t, "the harness ran late: %u of %u vblanks passed without a guest "
			"update, %u updates spanned more than one vblank (not judged)",
			n - k, n, unjudged);
	if (spread)
		vt_diag(t, "%u polls found signals of more than one vblank (the harness ran "
			"late): given the benefit of the doubt", spread);
	if (outside)
		vt_diag(t, "%u polls read a frame counter outside the window [%u, %u]: their "
			"signals are not placed", outside, base + 1, base + n);
	/* Late steps thin out what the test drives and widen what it reads;
	 * past half of the vblanks the test would no longer test much. */
	if ((n - k + unjudged) * 2 > n)
		vt_abort(t, "the harness ran late at %u of %u vblanks: the host is too busy "
			 "to judge this test", n - k + unjudged, n);
	return base;
}

uint32_t vt_drive_beside(struct vt *t, unsigned n, vt_act_fn act, void *ctx,
			 struct vrc_vblank *vb, vt_beside_fn beside, void *bctx)
{
	struct vrc_signal sig;

	if (t->o->gvt)
		return drive_gvt(t, n, act, ctx, vb, NULL, beside, bctx);
	/* virtual time: the harness steps the clock, every window is one vblank */
	uint32_t base = vt_timeline_start(t, vb, n);
	for (unsigned k = 0; k < n; k++) {
		drive_mark(&vb[k], drive_act(t, act, k, ctx));
		if (beside) {
			beside(t, k, bctx);
			vt_step_all(t, 1);
		} else {
			vt_step(t, 1);
		}
		if (vt_poll(t, &sig))
			vt_place(t, vb, n, base, k, &sig);
	}
	return base;
}

uint32_t vt_drive(struct vt *t, unsigned n, vt_act_fn act, void *ctx, struct vrc_vblank *vb,
		  struct vrc_vblank *vb1)
{
	if (t->o->gvt)
		return drive_gvt(t, n, act, ctx, vb, vb1, NULL, NULL);
	uint32_t base = vt_drive_beside(t, n, act, ctx, vb, NULL, NULL);
	if (vb1)
		memcpy(vb1, vb, n * sizeof(*vb));
	return base;
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
