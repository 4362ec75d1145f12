// SPDX-License-Identifier: MIT
/*
 * The kms backend: libdrm on /dev/dri/cardN, legacy KMS the igt way. The
 * first connected connector, its preferred mode, a CRTC one of its encoders
 * can drive; dumb buffers as framebuffers (XRGB8888) and cursor images
 * (64x64 ARGB8888); page flips with events (the event's sequence is the
 * vblank where the flip latched), DRM_MODE_PAGE_FLIP_ASYNC where
 * DRM_CAP_ASYNC_PAGE_FLIP says so, legacy cursor ioctls (on atomic drivers
 * the DRM core turns them into cursor-plane commits), drmModeDirtyFB after
 * front-buffer writes.
 *
 * hw offset: the host's frame counter as the guest sees it (wl_hwcounter.h):
 * vdisp's /sys/dev/char/MAJ:MIN/device/frame_counter, or on i915 (a GVT-g
 * guest) PIPE_FRMCOUNT of the CRTC's pipe in BAR0 (device/resource0). Then
 * hw = seq + offset is measured by reading hw, the DRM sequence, hw again
 * until both hw reads agree, three times in a row with the same result.
 * Without a counter the offset is unknown (offset_why says why).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <i915_drm.h>	/* libdrm's copy: DRM_IOCTL_I915_GET_PIPE_FROM_CRTC_ID */

#include "vrc/i915_regs.h"
#include "vrc/util.h"
#include "wl_display.h"
#include "wl_hwcounter.h"

#define MAX_CARDS		16
#define EVENT_TIMEOUT_MS	1000
#define FLIP_BUSY_RETRIES	3	/* vblanks a flip may wait for a commit in flight */
#define OFFSET_TRIES		20

struct kbuf {
	uint32_t handle, fb_id, pitch;
	uint64_t size;
	void *map;
};

struct kms {
	int fd;
	uint32_t conn_id, crtc_id, crtc_index;
	drmModeModeInfo mode;
	drmModeCrtc *saved;		/* to restore on close */
	struct kbuf fb[WL_MAX_FB];
	struct kbuf cur[WL_MAX_CURSORS];
	unsigned cur_img;
	uint32_t hot_x, hot_y;
	bool pending;
	uint32_t flip_seq;
	bool flip_seen;
	struct wl_hwcounter counter;
};

static void kms_close(struct wl_display *d);

static int sys_err(char *err, size_t errlen, const char *what)
{
	int e = errno ? errno : EIO;

	vrc_seterr(err, errlen, "%s: %s", what, strerror(e));
	return -e;
}

static int open_card(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		vrc_seterr(err, errlen, "no DRM device: %s: %s", path, strerror(errno));
	return fd < 0 ? -errno : fd;
}

/* The first card that has KMS resources. */
static int find_card(char *path, size_t len, char *err, size_t errlen)
{
	int first_rc = 0;

	for (int i = 0; i < MAX_CARDS; i++) {
		char p[32], e[160];
		snprintf(p, sizeof(p), "/dev/dri/card%d", i);
		int fd = open_card(p, e, sizeof(e));
		if (fd < 0) {
			if (!first_rc) {
				first_rc = fd;
				vrc_seterr(err, errlen, "%s", e);
			}
			continue;
		}
		drmModeRes *res = drmModeGetResources(fd);
		if (res) {
			drmModeFreeResources(res);
			snprintf(path, len, "%s", p);
			return fd;
		}
		close(fd);
	}
	return first_rc ? first_rc : -ENODEV;
}

static bool pick_mode(const drmModeConnector *c, drmModeModeInfo *out)
{
	if (c->connection != DRM_MODE_CONNECTED || c->count_modes <= 0)
		return false;
	*out = c->modes[0];
	for (int i = 0; i < c->count_modes; i++)
		if (c->modes[i].type & DRM_MODE_TYPE_PREFERRED) {
			*out = c->modes[i];
			break;
		}
	return true;
}

/* A CRTC one of the connector's encoders can drive, the current one first. */
static int pick_crtc(int fd, const drmModeRes *res, const drmModeConnector *c,
		     uint32_t *crtc_id, uint32_t *index)
{
	if (c->encoder_id) {
		drmModeEncoder *e = drmModeGetEncoder(fd, c->encoder_id);
		if (e) {
			for (int i = 0; i < res->count_crtcs; i++)
				if (res->crtcs[i] == e->crtc_id && e->crtc_id) {
					*crtc_id = e->crtc_id;
					*index = (uint32_t)i;
					drmModeFreeEncoder(e);
					return 0;
				}
			drmModeFreeEncoder(e);
		}
	}
	for (int k = 0; k < c->count_encoders; k++) {
		drmModeEncoder *e = drmModeGetEncoder(fd, c->encoders[k]);
		if (!e)
			continue;
		for (int i = 0; i < res->count_crtcs && i < 32; i++)
			if (e->possible_crtcs & (1u << i)) {
				*crtc_id = res->crtcs[i];
				*index = (uint32_t)i;
				drmModeFreeEncoder(e);
				return 0;
			}
		drmModeFreeEncoder(e);
	}
	return -ENOENT;
}

static int make_buf(int fd, uint32_t w, uint32_t h, uint32_t format, struct kbuf *b,
		    char *err, size_t errlen)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint64_t off;

	if (drmModeCreateDumbBuffer(fd, w, h, 32, 0, &b->handle, &b->pitch, &b->size))
		return sys_err(err, errlen, "creating a dumb buffer");
	handles[0] = b->handle;
	pitches[0] = b->pitch;
	if (drmModeAddFB2(fd, w, h, format, handles, pitches, offsets, &b->fb_id, 0))
		return sys_err(err, errlen, "drmModeAddFB2");
	if (drmModeMapDumbBuffer(fd, b->handle, &off))
		return sys_err(err, errlen, "mapping a dumb buffer");
	b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		return sys_err(err, errlen, "mmap of a dumb buffer");
	}
	memset(b->map, 0, b->size);
	return 0;
}

static void free_buf(int fd, struct kbuf *b)
{
	if (b->map)
		munmap(b->map, b->size);
	if (b->fb_id)
		drmModeRmFB(fd, b->fb_id);
	if (b->handle)
		drmModeDestroyDumbBuffer(fd, b->handle);
	memset(b, 0, sizeof(*b));
}

static int kms_seq(struct wl_display *d, uint32_t *seq, char *err, size_t errlen)
{
	struct kms *k = d->priv;
	uint64_t s64, ns;
	drmVBlank vbl;

	if (!drmCrtcGetSequence(k->fd, k->crtc_id, &s64, &ns)) {
		*seq = (uint32_t)s64;
		return 0;
	}
	/* older kernels: a relative wait of 0 answers the current count */
	memset(&vbl, 0, sizeof(vbl));
	vbl.request.type = DRM_VBLANK_RELATIVE |
		((k->crtc_index << DRM_VBLANK_HIGH_CRTC_SHIFT) & DRM_VBLANK_HIGH_CRTC_MASK);
	vbl.request.sequence = 0;
	if (drmWaitVBlank(k->fd, &vbl))
		return sys_err(err, errlen, "reading the vblank sequence");
	*seq = vbl.reply.sequence;
	return 0;
}

static void measure_offset(struct wl_display *d)
{
	struct kms *k = d->priv;
	uint32_t hw1, hw2, seq, got = 0;
	unsigned agree = 0;

	for (int i = 0; i < OFFSET_TRIES && agree < 3; i++) {
		if (wl_hwcounter_read(&k->counter, &hw1) || kms_seq(d, &seq, NULL, 0) ||
		    wl_hwcounter_read(&k->counter, &hw2)) {
			snprintf(d->offset_why, sizeof(d->offset_why), "reading %.100s failed",
				 k->counter.path);
			return;
		}
		if (hw1 != hw2)
			continue;
		agree = agree && got == hw1 - seq ? agree + 1 : 1;
		got = hw1 - seq;
	}
	if (agree == 3) {
		d->offset_exact = true;
		d->hw_offset = got;
	} else {
		snprintf(d->offset_why, sizeof(d->offset_why), "%.100s and the DRM sequence "
			 "never agreed three times in a row", k->counter.path);
	}
}

/*
 * Where the host's frame counter is: vdisp's sysfs attribute, else on i915
 * PIPE_FRMCOUNT in BAR0 when the CRTC is on pipe A (the pipe the host reads).
 */
static void find_counter(struct wl_display *d, struct kms *k, const struct stat *st)
{
	char dev[96], path[160], err[200];
	drmVersionPtr v;
	bool i915;

	snprintf(dev, sizeof(dev), "/sys/dev/char/%u:%u/device", major(st->st_rdev),
		 minor(st->st_rdev));
	snprintf(path, sizeof(path), "%s/frame_counter", dev);
	if (!access(path, R_OK)) {
		wl_hwcounter_sysfs(&k->counter, path);
		return;
	}
	v = drmGetVersion(k->fd);
	i915 = v && v->name && !strcmp(v->name, "i915");
	drmFreeVersion(v);
	if (!i915) {
		snprintf(d->offset_why, sizeof(d->offset_why), "no %.100s and not i915", path);
		return;
	}
	struct drm_i915_get_pipe_from_crtc_id gp = { .crtc_id = k->crtc_id };
	if (drmIoctl(k->fd, DRM_IOCTL_I915_GET_PIPE_FROM_CRTC_ID, &gp)) {
		snprintf(d->offset_why, sizeof(d->offset_why), "i915: the CRTC's pipe: %s",
			 strerror(errno));
		return;
	}
	if (gp.pipe != 0) {
		snprintf(d->offset_why, sizeof(d->offset_why), "i915: the CRTC is on pipe %c, "
			 "the host reads pipe A's counter", 'A' + (int)gp.pipe);
		return;
	}
	snprintf(path, sizeof(path), "%s/resource0", dev);
	if (wl_hwcounter_mmio(&k->counter, path, VRC_PIPE_FRMCOUNT(0), err, sizeof(err)))
		snprintf(d->offset_why, sizeof(d->offset_why), "i915: %.200s", err);
}

static int kms_open(struct wl_display *d, const struct wl_open_args *a, char *err,
		    size_t errlen)
{
	struct kms *k = calloc(1, sizeof(*k));
	drmModeRes *res = NULL;
	drmModeConnector *conn = NULL;
	struct stat st;
	uint64_t cap = 0;
	int rc = 0;

	if (!k)
		return -ENOMEM;
	k->fd = -1;
	d->priv = k;
	if (a->device) {
		snprintf(d->device, sizeof(d->device), "%s", a->device);
		k->fd = open_card(a->device, err, errlen);
	} else {
		k->fd = find_card(d->device, sizeof(d->device), err, errlen);
	}
	if (k->fd < 0)
		return k->fd;
	res = drmModeGetResources(k->fd);
	if (!res)
		return sys_err(err, errlen, "drmModeGetResources (not a KMS device?)");
	for (int i = 0; i < res->count_connectors && !conn; i++) {
		conn = drmModeGetConnector(k->fd, res->connectors[i]);
		if (conn && pick_mode(conn, &k->mode) &&
		    !pick_crtc(k->fd, res, conn, &k->crtc_id, &k->crtc_index))
			break;
		drmModeFreeConnector(conn);
		conn = NULL;
	}
	if (!conn) {
		vrc_seterr(err, errlen, "%s: no connected connector with a mode and a CRTC "
			   "to drive it", d->device);
		rc = -ENOENT;
		goto out;
	}
	k->conn_id = conn->connector_id;
	k->saved = drmModeGetCrtc(k->fd, k->crtc_id);
	d->width = k->mode.hdisplay;
	d->height = k->mode.vdisplay;
	d->refresh_mhz = k->mode.htotal && k->mode.vtotal ?
		(uint32_t)((uint64_t)k->mode.clock * 1000000u /
			   ((uint64_t)k->mode.htotal * k->mode.vtotal)) : 0;
	d->nfb = a->nfb;
	for (unsigned i = 0; i < d->nfb; i++) {
		if ((rc = make_buf(k->fd, d->width, d->height, DRM_FORMAT_XRGB8888, &k->fb[i],
				   err, errlen)))
			goto out;
		d->fb[i] = k->fb[i].map;
	}
	d->stride = k->fb[0].pitch;
	for (unsigned i = 1; i < d->nfb; i++)
		if (k->fb[i].pitch != d->stride) {
			vrc_seterr(err, errlen, "dumb buffers of one size with different pitches");
			rc = -EPROTO;
			goto out;
		}
	for (unsigned i = 0; i < WL_MAX_CURSORS; i++) {
		if ((rc = make_buf(k->fd, WL_CURSOR_DIM, WL_CURSOR_DIM, DRM_FORMAT_ARGB8888,
				   &k->cur[i], err, errlen)))
			goto out;
		if (k->cur[i].pitch != WL_CURSOR_DIM * 4) {
			vrc_seterr(err, errlen, "cursor buffer pitch %u, want %u", k->cur[i].pitch,
				   WL_CURSOR_DIM * 4);
			rc = -EPROTO;
			goto out;
		}
		d->cursor[i] = k->cur[i].map;
	}
	d->can_async = !drmGetCap(k->fd, DRM_CAP_ASYNC_PAGE_FLIP, &cap) && cap;
	if (!d->can_async)
		snprintf(d->async_why, sizeof(d->async_why),
			 "%.80s: DRM_CAP_ASYNC_PAGE_FLIP not offered", d->device);
	d->can_burst = false;
	snprintf(d->burst_why, sizeof(d->burst_why),
		 "KMS allows one pending page flip per CRTC");
	d->can_curpos_only = false;
	snprintf(d->curpos_why, sizeof(d->curpos_why),
		 "CURPOS-only moves are a register-level case (sim backend only)");
	d->can_hotspot = true;
	if (!fstat(k->fd, &st))
		find_counter(d, k, &st);
out:
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	return rc;
}

static void kms_close(struct wl_display *d)
{
	struct kms *k = d->priv;

	if (!k)
		return;
	if (k->fd >= 0) {
		if (k->crtc_id)
			drmModeSetCursor(k->fd, k->crtc_id, 0, 0, 0);
		if (k->saved && k->saved->mode_valid)
			drmModeSetCrtc(k->fd, k->saved->crtc_id, k->saved->buffer_id,
				       k->saved->x, k->saved->y, &k->conn_id, 1, &k->saved->mode);
		for (unsigned i = 0; i < WL_MAX_FB; i++)
			free_buf(k->fd, &k->fb[i]);
		for (unsigned i = 0; i < WL_MAX_CURSORS; i++)
			free_buf(k->fd, &k->cur[i]);
		close(k->fd);
	}
	drmModeFreeCrtc(k->saved);
	wl_hwcounter_close(&k->counter);
	free(k);
	d->priv = NULL;
}

static int kms_wait_vblank(struct wl_display *d, uint32_t *seq, char *err, size_t errlen)
{
	struct kms *k = d->priv;
	drmVBlank vbl;

	memset(&vbl, 0, sizeof(vbl));
	vbl.request.type = DRM_VBLANK_RELATIVE |
		((k->crtc_index << DRM_VBLANK_HIGH_CRTC_SHIFT) & DRM_VBLANK_HIGH_CRTC_MASK);
	vbl.request.sequence = 1;
	if (drmWaitVBlank(k->fd, &vbl))
		return sys_err(err, errlen, "drmWaitVBlank");
	*seq = vbl.reply.sequence;
	return 0;
}

static int kms_cursor_set(struct wl_display *d, unsigned image, uint32_t hot_x, uint32_t hot_y,
			  int x, int y, char *err, size_t errlen)
{
	struct kms *k = d->priv;

	if (image >= WL_MAX_CURSORS) {
		vrc_seterr(err, errlen, "cursor image %u", image);
		return -EINVAL;
	}
	/*
	 * Position and image in one legacy ioctl (CURSOR_BO | CURSOR_MOVE): the
	 * DRM core makes it one commit on the cursor plane. As two calls
	 * (drmModeMoveCursor, drmModeSetCursor2) a vblank could fall between
	 * them and latch the new position with the old image, a state the
	 * timeline's single update does not describe.
	 */
	struct drm_mode_cursor2 req = {
		.flags = DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE, .crtc_id = k->crtc_id,
		.x = x, .y = y, .width = WL_CURSOR_DIM, .height = WL_CURSOR_DIM,
		.handle = k->cur[image].handle, .hot_x = (int32_t)hot_x,
		.hot_y = (int32_t)hot_y,
	};
	if (drmIoctl(k->fd, DRM_IOCTL_MODE_CURSOR2, &req))
		return sys_err(err, errlen, "DRM_IOCTL_MODE_CURSOR2 (image and position)");
	k->cur_img = image;
	k->hot_x = hot_x;
	k->hot_y = hot_y;
	return 0;
}

static int kms_start(struct wl_display *d, char *err, size_t errlen)
{
	struct kms *k = d->priv;
	uint32_t seq;
	int rc;

	if (drmModeSetCrtc(k->fd, k->crtc_id, k->fb[0].fb_id, 0, 0, &k->conn_id, 1, &k->mode))
		return sys_err(err, errlen, "drmModeSetCrtc");
	if ((rc = kms_cursor_set(d, 0, 0, 0, 0, 0, err, errlen)) ||
	    (rc = kms_wait_vblank(d, &seq, err, errlen)) ||
	    (rc = kms_wait_vblank(d, &seq, err, errlen)))
		return rc;
	measure_offset(d);
	return 0;
}

static int kms_flip_submit(struct wl_display *d, unsigned fb, bool async, char *err,
			   size_t errlen)
{
	struct kms *k = d->priv;
	uint32_t flags = DRM_MODE_PAGE_FLIP_EVENT;

	if (fb >= d->nfb || k->pending) {
		vrc_seterr(err, errlen, "framebuffer %u of %u%s", fb, d->nfb,
			   k->pending ? ", a flip is pending" : "");
		return -EINVAL;
	}
	if (async)
		flags |= DRM_MODE_PAGE_FLIP_ASYNC;
	/* EBUSY: the previous commit on the CRTC has not completed its flip.
	 * A legacy cursor update is such a commit, and the atomic helpers do
	 * not wait for it (legacy_cursor_update), so under a slow TCG guest a
	 * page flip can find it still in flight. Retrying after a vblank is
	 * what KMS asks of userspace; the flip's latch window starts before
	 * the first try, so the timeline stays truthful (only wider). */
	for (unsigned tries = 0;; tries++) {
		uint32_t seq;
		int rc;

		if (!drmModePageFlip(k->fd, k->crtc_id, k->fb[fb].fb_id, flags, k))
			break;
		if (errno != EBUSY || tries == FLIP_BUSY_RETRIES)
			return sys_err(err, errlen,
				       async ? "drmModePageFlip (async)" : "drmModePageFlip");
		if ((rc = kms_wait_vblank(d, &seq, err, errlen)))
			return rc;
	}
	k->pending = true;
	k->flip_seen = false;
	return 0;
}

static void on_flip(int fd, unsigned int sequence, unsigned int sec, unsigned int usec,
		    void *data)
{
	struct kms *k = data;

	(void)fd;
	(void)sec;
	(void)usec;
	k->flip_seq = sequence;
	k->flip_seen = true;
}

static int kms_flip_complete(struct wl_display *d, uint32_t *latch, unsigned n, char *err,
			     size_t errlen)
{
	struct kms *k = d->priv;
	drmEventContext ev = { .version = 2, .page_flip_handler = on_flip };
	int64_t deadline = vrc_now_ms() + EVENT_TIMEOUT_MS;

	if (!k->pending || n != 1) {
		vrc_seterr(err, errlen, "%u flips asked for, %d pending", n, k->pending);
		return -EINVAL;
	}
	while (!k->flip_seen) {
		struct pollfd p = { .fd = k->fd, .events = POLLIN };
		int r = poll(&p, 1, vrc_left_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sys_err(err, errlen, "poll on the DRM fd");
		if (r == 0) {
			vrc_seterr(err, errlen, "no page-flip event within %d ms", EVENT_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
		if (drmHandleEvent(k->fd, &ev))
			return sys_err(err, errlen, "drmHandleEvent");
	}
	k->pending = false;
	latch[0] = k->flip_seq;
	return 0;
}

static int kms_cursor_move(struct wl_display *d, int x, int y, bool curpos_only, char *err,
			   size_t errlen)
{
	struct kms *k = d->priv;

	if (curpos_only) {
		vrc_seterr(err, errlen, "%s", d->curpos_why);
		return -EOPNOTSUPP;
	}
	if (drmModeMoveCursor(k->fd, k->crtc_id, x, y))
		return sys_err(err, errlen, "drmModeMoveCursor");
	return 0;
}

static int kms_dirty(struct wl_display *d, unsigned fb, uint32_t y0, uint32_t y1, char *err,
		     size_t errlen)
{
	struct kms *k = d->priv;
	drmModeClip clip = { .x1 = 0, .y1 = (uint16_t)y0, .x2 = (uint16_t)d->width,
			     .y2 = (uint16_t)y1 };

	if (fb >= d->nfb) {
		vrc_seterr(err, errlen, "framebuffer %u of %u", fb, d->nfb);
		return -EINVAL;
	}
	/* drivers that scan out memory directly need no dirty call */
	if (drmModeDirtyFB(k->fd, k->fb[fb].fb_id, &clip, 1) && errno != ENOSYS &&
	    errno != EOPNOTSUPP)
		return sys_err(err, errlen, "drmModeDirtyFB");
	return 0;
}

int wl_kms_list_devices(void)
{
	int found = 0;

	for (int i = 0; i < MAX_CARDS; i++) {
		char p[32], e[160];
		snprintf(p, sizeof(p), "/dev/dri/card%d", i);
		int fd = open_card(p, e, sizeof(e));
		if (fd < 0) {
			if (fd != -ENOENT)
				printf("%s\n", e);
			continue;
		}
		drmVersionPtr v = drmGetVersion(fd);
		drmModeRes *res = drmModeGetResources(fd);
		printf("%s: driver %s, %s\n", p, v ? v->name : "?",
		       res ? "KMS" : "no KMS resources");
		for (int c = 0; res && c < res->count_connectors; c++) {
			drmModeConnector *conn = drmModeGetConnector(fd, res->connectors[c]);
			drmModeModeInfo m;
			if (!conn)
				continue;
			printf("  connector %u: %s", conn->connector_id,
			       conn->connection == DRM_MODE_CONNECTED ? "connected" :
			       "not connected");
			if (pick_mode(conn, &m))
				printf(", mode %ux%u@%u", m.hdisplay, m.vdisplay, m.vrefresh);
			printf("\n");
			drmModeFreeConnector(conn);
		}
		drmModeFreeResources(res);
		drmFreeVersion(v);
		close(fd);
		found++;
	}
	if (!found)
		fprintf(stderr, "no DRM device: /dev/dri/card0: %s\n", strerror(ENOENT));
	return found ? 0 : 1;
}

const struct wl_backend wl_backend_kms = {
	.name = "kms",
	.open = kms_open,
	.close = kms_close,
	.start = kms_start,
	.seq = kms_seq,
	.wait_vblank = kms_wait_vblank,
	.flip_submit = kms_flip_submit,
	.flip_complete = kms_flip_complete,
	.cursor_set = kms_cursor_set,
	.cursor_move = kms_cursor_move,
	.dirty = kms_dirty,
};
