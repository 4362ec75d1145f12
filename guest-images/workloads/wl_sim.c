// SPDX-License-Identifier: MIT
/*
 * The sim backend: the vgpu-sim process guest (vgpu/guest.h). Programs the
 * gen9 registers through the write ring the way harness/vrc/vt.c does,
 * keeps framebuffers and cursor images in VRAM, and learns about vblanks and
 * flips from struct vgpu_pipe_status. The sequence is the frame counter of
 * pipe A itself: hw_offset 0, exact.
 *
 * Latch vblank of a sync flip. vgpu-sim is single-threaded: a tick (latch,
 * flip_done_seq++, frame_count++, vblank_seq++, notify) never interleaves
 * with draining the ring. After the ring is drained (flush) we read the
 * frame counter A, then flip_done_seq: if the flip has not completed yet,
 * the tick that will latch it has not started, so it is A + 1. If it has
 * completed already (a tick ran right after the drain), we let that tick
 * finish (ticks take microseconds, the next one is a frame time away) and
 * the counter then is the latch vblank.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vrc/i915_regs.h"
#include "vrc/util.h"
#include "vgpu/guest.h"
#include "wl_display.h"

#define OPEN_TIMEOUT_MS		5000
#define FLUSH_TIMEOUT_MS	1000
#define VBLANK_TIMEOUT_MS	1000	/* a 60 Hz device is 16.7 ms */
#define SETTLE_US		1000	/* let a running tick finish */
#define PIPE			0u
#define SURF_ALIGN		(256u << 10)

struct sim {
	struct vgpu_guest g;
	uint32_t surf[WL_MAX_FB];
	uint32_t curbase[WL_MAX_CURSORS];
	uint32_t plane_ctl;
	unsigned cur_img;
	int cur_x, cur_y;
	/* the queued flips (flip_submit until flip_complete), each's latch */
	unsigned queued;
	uint32_t latch[WL_MAX_FB];
};

static volatile struct vgpu_pipe_status *status(struct sim *s)
{
	return &s->g.hdr->pipe[PIPE];
}

static uint32_t frame_count(struct sim *s)
{
	return __atomic_load_n(&status(s)->frame_count, __ATOMIC_ACQUIRE);
}

static uint32_t flip_done(struct sim *s)
{
	return __atomic_load_n(&status(s)->flip_done_seq, __ATOMIC_ACQUIRE);
}

static int dead(struct sim *s, char *err, size_t errlen)
{
	if (__atomic_load_n(&s->g.hdr->dead, __ATOMIC_ACQUIRE)) {
		vrc_seterr(err, errlen, "the emulated vGPU stopped (dead flag set)");
		return -ENODEV;
	}
	return 0;
}

static int reg(struct sim *s, uint32_t off, uint32_t val, char *err, size_t errlen)
{
	int rc = vgpu_guest_write_nodb(&s->g, off, val);

	if (rc == -EAGAIN)
		rc = vgpu_guest_write(&s->g, off, val);
	if (rc)
		vrc_seterr(err, errlen, "register write %#x: %s", off, strerror(-rc));
	return rc;
}

/* Ring the doorbell and wait until vgpu-sim consumed everything. */
static int commit(struct sim *s, char *err, size_t errlen)
{
	int rc = vgpu_guest_flush(&s->g, FLUSH_TIMEOUT_MS);

	if (rc)
		vrc_seterr(err, errlen, "vgpu-sim did not consume the write ring: %s",
			   strerror(-rc));
	return rc ? rc : dead(s, err, errlen);
}

static int sim_open(struct wl_display *d, const struct wl_open_args *a, char *err,
		    size_t errlen)
{
	struct sim *s = calloc(1, sizeof(*s));
	uint64_t fb_size, need;
	int rc;

	if (!s)
		return -ENOMEM;
	d->priv = s;
	if (!a->ivshmem) {
		vrc_seterr(err, errlen, "the sim backend needs --ivshmem=PATH (a vgpu-sim "
			   "vgpuN.ivshmem socket)");
		return -EINVAL;
	}
	rc = vgpu_guest_open(a->ivshmem, OPEN_TIMEOUT_MS, &s->g, err, errlen);
	if (rc)
		return rc;
	snprintf(d->device, sizeof(d->device), "%s", a->ivshmem);
	d->width = a->width;
	d->height = a->height;
	d->stride = a->width * 4;
	d->nfb = a->nfb;
	fb_size = ((uint64_t)d->stride * d->height + SURF_ALIGN - 1) / SURF_ALIGN * SURF_ALIGN;
	need = fb_size * d->nfb + (uint64_t)WL_MAX_CURSORS * SURF_ALIGN;
	if (need > s->g.vram_size || fb_size * WL_MAX_FB > UINT32_MAX) {
		vrc_seterr(err, errlen, "%ux%u with %u framebuffers needs %llu KiB of VRAM, "
			   "the vGPU has %llu KiB (smaller --size, or vgpu-sim --shm-mib)",
			   d->width, d->height, d->nfb, (unsigned long long)(need >> 10),
			   (unsigned long long)(s->g.vram_size >> 10));
		return -ENOSPC;
	}
	for (unsigned i = 0; i < d->nfb; i++) {
		s->surf[i] = (uint32_t)(fb_size * i);
		d->fb[i] = s->g.vram + s->surf[i];
	}
	for (unsigned i = 0; i < WL_MAX_CURSORS; i++) {
		s->curbase[i] = (uint32_t)(fb_size * d->nfb + (uint64_t)SURF_ALIGN * i);
		d->cursor[i] = s->g.vram + s->curbase[i];
	}
	d->refresh_mhz = s->g.hdr->vblank_hz_milli;
	if (!d->refresh_mhz) {
		vrc_seterr(err, errlen, "vgpu-sim runs in virtual time: start it with "
			   "--clock=real for workloads");
		return -EINVAL;
	}
	d->offset_exact = true;
	d->hw_offset = 0;
	d->can_async = d->can_burst = d->can_curpos_only = true;
	d->can_hotspot = false;
	snprintf(d->hotspot_why, sizeof(d->hotspot_why),
		 "gen9 has no cursor hotspot register (kms backend only)");
	return 0;
}

static void sim_close(struct wl_display *d)
{
	struct sim *s = d->priv;

	if (s) {
		vgpu_guest_close(&s->g);
		free(s);
	}
	d->priv = NULL;
}

static int wait_count_change(struct sim *s, uint32_t from, uint32_t *now, char *err,
			     size_t errlen)
{
	int64_t deadline = vrc_now_ms() + VBLANK_TIMEOUT_MS;
	int fd = vgpu_guest_irq_fd(&s->g);

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t v;

		*now = frame_count(s);
		if (*now != from)
			return 0;
		if (dead(s, err, errlen))
			return -ENODEV;
		if (!vrc_left_ms(deadline)) {
			vrc_seterr(err, errlen, "no vblank within %d ms (frame counter stuck at "
				   "%u)", VBLANK_TIMEOUT_MS, from);
			return -ETIMEDOUT;
		}
		/* the irq only says "look now"; a 1 ms cap covers a lost one */
		if (fd < 0 || poll(&p, 1, 1) > 0) {
			if (fd >= 0 && read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
				vrc_seterr(err, errlen, "reading the guest irq: %s",
					   strerror(errno));
				return -errno;
			}
		}
	}
}

static int sim_start(struct wl_display *d, char *err, size_t errlen)
{
	struct sim *s = d->priv;
	uint32_t now;
	int rc;

	s->plane_ctl = VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB8888;
	if ((rc = reg(s, VRC_PIPESRC(PIPE), (d->width - 1) << 16 | (d->height - 1), err, errlen)) ||
	    (rc = reg(s, VRC_PIPECONF(PIPE), VRC_PIPECONF_ENABLE, err, errlen)) ||
	    (rc = reg(s, VRC_PLANE_STRIDE(PIPE), d->stride, err, errlen)) ||
	    (rc = reg(s, VRC_PLANE_SIZE(PIPE), (d->height - 1) << 16 | (d->width - 1), err,
		      errlen)) ||
	    (rc = reg(s, VRC_PLANE_CTL(PIPE), s->plane_ctl, err, errlen)) ||
	    (rc = reg(s, VRC_PLANE_SURF(PIPE), s->surf[0], err, errlen)) ||
	    (rc = reg(s, VRC_CURCNTR(PIPE), VRC_CURSOR_MODE_64_ARGB, err, errlen)) ||
	    (rc = reg(s, VRC_CURPOS(PIPE), 0, err, errlen)) ||
	    (rc = reg(s, VRC_CURBASE(PIPE), s->curbase[0], err, errlen)) ||
	    (rc = commit(s, err, errlen)))
		return rc;
	/* two vblanks: the set-up latched and the pipe is counting */
	if ((rc = wait_count_change(s, frame_count(s), &now, err, errlen)))
		return rc;
	return wait_count_change(s, now, &now, err, errlen);
}

static int sim_seq(struct wl_display *d, uint32_t *seq, char *err, size_t errlen)
{
	struct sim *s = d->priv;

	*seq = frame_count(s);
	return dead(s, err, errlen);
}

static int sim_wait_vblank(struct wl_display *d, uint32_t *seq, char *err, size_t errlen)
{
	struct sim *s = d->priv;

	return wait_count_change(s, frame_count(s), seq, err, errlen);
}

static int sim_flip_submit(struct wl_display *d, unsigned fb, bool async, char *err,
			   size_t errlen)
{
	struct sim *s = d->priv;
	uint32_t ctl = s->plane_ctl & ~VRC_PLANE_CTL_ASYNC_FLIP, done0, a;
	int rc;

	if (fb >= d->nfb || s->queued >= WL_MAX_FB) {
		vrc_seterr(err, errlen, "framebuffer %u of %u, %u flips queued", fb, d->nfb,
			   s->queued);
		return -EINVAL;
	}
	if (async)
		ctl |= VRC_PLANE_CTL_ASYNC_FLIP;
	done0 = flip_done(s);
	if (ctl != s->plane_ctl && (rc = reg(s, VRC_PLANE_CTL(PIPE), ctl, err, errlen)))
		return rc;
	s->plane_ctl = ctl;
	if ((rc = reg(s, VRC_PLANE_SURF(PIPE), s->surf[fb], err, errlen)) ||
	    (rc = commit(s, err, errlen)))
		return rc;
	a = frame_count(s);
	if (async) {
		/* done at the drain: the sequence is the vblank it completed in */
		s->latch[s->queued] = a;
	} else if (flip_done(s) == done0) {
		s->latch[s->queued] = a + 1;
	} else {
		usleep(SETTLE_US);
		s->latch[s->queued] = frame_count(s);
	}
	s->queued++;
	return 0;
}

static int sim_flip_complete(struct wl_display *d, uint32_t *latch, unsigned n, char *err,
			     size_t errlen)
{
	struct sim *s = d->priv;
	uint32_t now = frame_count(s);
	int rc;

	if (!s->queued || n != s->queued) {
		vrc_seterr(err, errlen, "%u flips queued, %u asked for", s->queued, n);
		return -EINVAL;
	}
	s->queued = 0;
	memcpy(latch, s->latch, n * sizeof(*latch));
	/* on screen from the latch vblank on: wait until it happened */
	while ((int32_t)(now - latch[n - 1]) < 0)
		if ((rc = wait_count_change(s, now, &now, err, errlen)))
			return rc;
	return 0;
}

static int sim_cursor_set(struct wl_display *d, unsigned image, uint32_t hot_x, uint32_t hot_y,
			  int x, int y, char *err, size_t errlen)
{
	struct sim *s = d->priv;
	int rc;

	(void)hot_x;
	(void)hot_y;
	if (image >= WL_MAX_CURSORS || x < 0 || y < 0) {
		vrc_seterr(err, errlen, "cursor image %u at %d,%d", image, x, y);
		return -EINVAL;
	}
	s->cur_img = image;
	s->cur_x = x;
	s->cur_y = y;
	/* i915 order: position first, then the base that latches it */
	if ((rc = reg(s, VRC_CURPOS(PIPE), (uint32_t)y << 16 | (uint32_t)x, err, errlen)) ||
	    (rc = reg(s, VRC_CURBASE(PIPE), s->curbase[image], err, errlen)))
		return rc;
	return commit(s, err, errlen);
}

static int sim_cursor_move(struct wl_display *d, int x, int y, bool curpos_only, char *err,
			   size_t errlen)
{
	struct sim *s = d->priv;
	int rc;

	if (x < 0 || y < 0) {
		vrc_seterr(err, errlen, "cursor position %d,%d: negative positions need the "
			   "CURPOS sign bits, not used here", x, y);
		return -EINVAL;
	}
	s->cur_x = x;
	s->cur_y = y;
	if ((rc = reg(s, VRC_CURPOS(PIPE), (uint32_t)y << 16 | (uint32_t)x, err, errlen)))
		return rc;
	if (!curpos_only && (rc = reg(s, VRC_CURBASE(PIPE), s->curbase[s->cur_img], err, errlen)))
		return rc;
	return commit(s, err, errlen);
}

/* Front-buffer writes need nothing: the device scans VRAM out. */
static int sim_dirty(struct wl_display *d, unsigned fb, uint32_t y0, uint32_t y1, char *err,
		     size_t errlen)
{
	(void)fb;
	(void)y0;
	(void)y1;
	return dead(d->priv, err, errlen);
}

const struct wl_backend wl_backend_sim = {
	.name = "sim",
	.open = sim_open,
	.close = sim_close,
	.start = sim_start,
	.seq = sim_seq,
	.wait_vblank = sim_wait_vblank,
	.flip_submit = sim_flip_submit,
	.flip_complete = sim_flip_complete,
	.cursor_set = sim_cursor_set,
	.cursor_move = sim_cursor_move,
	.dirty = sim_dirty,
};
