// SPDX-License-Identifier: MIT
/*
 * vdisp-probe: runs inside the guest and checks the vdisp DRM driver end to
 * end through libdrm: modeset on the preferred mode, a legacy cursor, a
 * series of page flips with events, an atomic cursor commit with an event,
 * DIRTYFB, that the DRM vblank sequence advances like the hardware frame
 * counter (sysfs frame_counter), and that vblank timestamps are the time
 * of the vblank, also after the pipe was off.
 * One line per check on stdout ("vdisp-probe: ok ..." / "vdisp-probe: FAIL
 * ..."); exit status 0 only if all passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <drm_fourcc.h>

#define EVENT_TIMEOUT_MS	5000	/* a TCG guest on a loaded host stalls */
#define PIPE_OFF_MS		1000	/* the pipe off for the timestamp check */
#define STAMP_LAG_MAX_US	250000	/* a vblank's stamp to our wake-up, at most */

struct buf {
	uint32_t handle, fb, pitch, w, h;
	uint64_t size;
	uint32_t *px;
};

struct flip_state {
	unsigned int done;
	unsigned int seq;
};

static int failures;

static void check(int ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("vdisp-probe: %s %s: ", ok ? "ok" : "FAIL", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

static int buf_create(int fd, uint32_t w, uint32_t h, uint32_t format, struct buf *b)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	void *p;

	memset(b, 0, sizeof(*b));
	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -errno;
	b->handle = c.handle;
	b->pitch = c.pitch;
	b->size = c.size;
	b->w = w;
	b->h = h;
	m.handle = c.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
		return -errno;
	p = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, m.offset);
	if (p == MAP_FAILED)
		return -errno;
	b->px = p;
	handles[0] = b->handle;
	pitches[0] = b->pitch;
	if (drmModeAddFB2(fd, w, h, format, handles, pitches, offsets, &b->fb, 0))
		return -errno;
	return 0;
}

static void buf_fill(struct buf *b, uint32_t color)
{
	for (uint32_t y = 0; y < b->h; y++)
		for (uint32_t x = 0; x < b->w; x++)
			b->px[y * (b->pitch / 4) + x] = color ^ (x << 8) ^ y;
}

static void buf_destroy(int fd, struct buf *b)
{
	struct drm_mode_destroy_dumb d = { .handle = b->handle };

	if (b->fb)
		drmModeRmFB(fd, b->fb);
	if (b->px)
		munmap(b->px, b->size);
	if (b->handle)
		drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
}

static void sleep_ms(unsigned long ms)
{
	struct timespec t = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

static int read_frame_counter(const char *path, uint32_t *out)
{
	char line[32];
	FILE *f = fopen(path, "r");
	char *end;
	unsigned long v;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	errno = 0;
	v = strtoul(line, &end, 10);
	if (errno || end == line || (*end && *end != '\n') || v > UINT32_MAX)
		return -EPROTO;
	*out = (uint32_t)v;
	return 0;
}

static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec,
		    void *data)
{
	struct flip_state *s = data;

	(void)fd; (void)sec; (void)usec;
	s->done = 1;
	s->seq = seq;
}

/* Wait for the page-flip event; 0 or -ETIMEDOUT/-errno. */
static int wait_flip(int fd, struct flip_state *s)
{
	drmEventContext ev = { .version = 2, .page_flip_handler = on_flip };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (!s->done) {
		int n = poll(&pfd, 1, EVENT_TIMEOUT_MS);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		if (drmHandleEvent(fd, &ev))
			return -EIO;
	}
	return 0;
}

/*
 * How long ago the vblank the next vblank wait returns on began, by its
 * DRM timestamp (CLOCK_MONOTONIC): the wake-up's latency, a few ms even in
 * a TCG guest. Stamps taken as the time of the frame count would be as old
 * as the time the pipe was off.
 */
static int vblank_stamp_lag(int fd, long *lag_us)
{
	drmVBlank vbl = { .request = { .type = DRM_VBLANK_RELATIVE, .sequence = 2 } };
	struct timespec now;

	if (drmWaitVBlank(fd, &vbl))
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &now);
	*lag_us = (long)((now.tv_sec - vbl.reply.tval_sec) * 1000000 +
			 (now.tv_nsec / 1000 - vbl.reply.tval_usec));
	return 0;
}

/* The id of property NAME of object ID, 0 if absent. */
static uint32_t prop_id(int fd, uint32_t id, uint32_t type, const char *name)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, id, type);
	uint32_t found = 0;

	for (uint32_t i = 0; props && i < props->count_props && !found; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, name))
			found = p->prop_id;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return found;
}

/*
 * An atomic cursor-only commit with an event: the event must come back
 * (vdisp completes it when the cursor update latched).
 */
static int atomic_cursor(int fd, uint32_t crtc_id, const struct buf *cur,
			 char *why, size_t whylen)
{
	static const char *const names[] = { "FB_ID", "CRTC_ID", "CRTC_X", "CRTC_Y",
		"CRTC_W", "CRTC_H", "SRC_X", "SRC_Y", "SRC_W", "SRC_H" };
	uint64_t vals[10] = { cur->fb, crtc_id, 200, 100, 64, 64, 0, 0, 64 << 16, 64 << 16 };
	drmModePlaneRes *pr;
	drmModeAtomicReq *req;
	struct flip_state s = { 0 };
	uint32_t plane = 0;
	int rc = 0;

	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		snprintf(why, whylen, "no atomic client cap: %s", strerror(errno));
		return -1;
	}
	pr = drmModeGetPlaneResources(fd);
	for (uint32_t i = 0; pr && i < pr->count_planes && !plane; i++) {
		uint32_t type = prop_id(fd, pr->planes[i], DRM_MODE_OBJECT_PLANE, "type");
		drmModeObjectProperties *props =
			drmModeObjectGetProperties(fd, pr->planes[i], DRM_MODE_OBJECT_PLANE);

		for (uint32_t k = 0; props && k < props->count_props; k++)
			if (props->props[k] == type && props->prop_values[k] == DRM_PLANE_TYPE_CURSOR)
				plane = pr->planes[i];
		drmModeFreeObjectProperties(props);
	}
	drmModeFreePlaneResources(pr);
	if (!plane) {
		snprintf(why, whylen, "no cursor plane");
		return -1;
	}
	req = drmModeAtomicAlloc();
	for (unsigned i = 0; req && i < 10; i++) {
		uint32_t id = prop_id(fd, plane, DRM_MODE_OBJECT_PLANE, names[i]);

		if (!id) {
			snprintf(why, whylen, "cursor plane has no %s property", names[i]);
			rc = -1;
			break;
		}
		drmModeAtomicAddProperty(req, plane, id, vals[i]);
	}
	if (!rc && drmModeAtomicCommit(fd, req, DRM_MODE_PAGE_FLIP_EVENT, &s)) {
		snprintf(why, whylen, "commit: %s", strerror(errno));
		rc = -1;
	}
	drmModeAtomicFree(req);
	if (!rc && (rc = wait_flip(fd, &s)))
		snprintf(why, whylen, "no event: %s", strerror(-rc));
	if (!rc)
		snprintf(why, whylen, "plane %u at 200,100, event at sequence %u", plane, s.seq);
	drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 0);
	return rc;
}

/* --NAME=ARG as a decimal count from lo to hi; -1 (said why) if not. */
static int opt_ulong(const char *name, const char *arg, unsigned long lo, unsigned long hi,
		     unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *out < lo || *out > hi) {
		fprintf(stderr, "vdisp-probe: --%s=%s: want %lu..%lu\n", name, arg, lo, hi);
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vdisp-probe [--device=/dev/dri/card0] [--flips=N | --hold=MS]\n"
"Checks the vdisp DRM driver: modeset, legacy cursor, N page flips with\n"
"events (default 30), an atomic cursor commit with an event, DIRTYFB, the\n"
"vblank sequence against the hardware frame counter in\n"
"/sys/class/drm/card0/device/frame_counter, and vblank timestamps across\n"
"a pipe off/on. Exit 0 if all pass.\n"
"--hold=MS only sets the preferred mode and keeps the pipe running for MS\n"
"milliseconds (1..600000), so that vdisp's vblank timestamps have learnt\n"
"the device's vblank grid before a test that measures them starts.\n");
}

/* The device under probe and what the probe made on it. */
struct probe {
	int fd;
	drmModeRes *res;
	drmModeConnector *conn;
	drmModeModeInfo mode;
	uint32_t crtc_id;
	struct buf fb[2], cur;
	unsigned int front;	/* fb[front] is on screen */
	int lit;		/* the CRTC was set: the cursor is ours to clear */
};

/* -1: go on; otherwise the exit status (--help, a bad option) */
static int parse_args(int argc, char **argv, const char **dev, unsigned long *nflips,
		      unsigned long *hold_ms)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "flips", required_argument, NULL, 'n' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': *dev = optarg; break;
		case 'n':
			if (opt_ulong("flips", optarg, 2, 100000, nflips))
				return 2;
			break;
		case 'H':
			if (opt_ulong("hold", optarg, 1, 600000, hold_ms))
				return 2;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	return -1;
}

/* The one CRTC lit on the connector's preferred mode with fb[0]: 0 or -1 */
static int light_up(struct probe *p)
{
	drmModeRes *res = drmModeGetResources(p->fd);
	int rc;

	p->res = res;
	check(res && res->count_crtcs == 1 && res->count_connectors == 1, "resources",
	      "%d crtc(s), %d connector(s) (want 1, 1)",
	      res ? res->count_crtcs : -1, res ? res->count_connectors : -1);
	if (!res || res->count_crtcs < 1 || res->count_connectors < 1)
		return -1;
	p->crtc_id = res->crtcs[0];
	p->conn = drmModeGetConnector(p->fd, res->connectors[0]);
	if (!p->conn || p->conn->connection != DRM_MODE_CONNECTED || p->conn->count_modes < 1) {
		check(0, "connector", "not connected or no modes");
		return -1;
	}
	p->mode = p->conn->modes[0];
	for (int i = 0; i < p->conn->count_modes; i++)
		if (p->conn->modes[i].type & DRM_MODE_TYPE_PREFERRED)
			p->mode = p->conn->modes[i];
	check(p->mode.hdisplay == 1024 && p->mode.vdisplay == 768, "preferred-mode",
	      "%ux%u@%u, %d modes", p->mode.hdisplay, p->mode.vdisplay, p->mode.vrefresh,
	      p->conn->count_modes);

	for (int i = 0; i < 2; i++) {
		rc = buf_create(p->fd, p->mode.hdisplay, p->mode.vdisplay, DRM_FORMAT_XRGB8888,
				&p->fb[i]);
		if (rc) {
			check(0, "dumb-buffer", "%ux%u: %s", p->mode.hdisplay, p->mode.vdisplay,
			      strerror(-rc));
			return -1;
		}
		buf_fill(&p->fb[i], i ? 0x00204080u : 0x00804020u);
	}
	rc = drmModeSetCrtc(p->fd, p->crtc_id, p->fb[0].fb, 0, 0, &p->conn->connector_id, 1,
			    &p->mode);
	check(rc == 0, "modeset", "crtc %u fb %u: %s", p->crtc_id, p->fb[0].fb,
	      rc ? strerror(errno) : "done");
	if (rc)
		return -1;
	p->lit = 1;
	return 0;
}

static void legacy_cursor(struct probe *p)
{
	int rc = buf_create(p->fd, 64, 64, DRM_FORMAT_ARGB8888, &p->cur);

	if (!rc) {
		buf_fill(&p->cur, 0xff000000u);
		rc = drmModeSetCursor(p->fd, p->crtc_id, p->cur.handle, 64, 64);
		if (!rc)
			rc = drmModeMoveCursor(p->fd, p->crtc_id, 100, 50);
		if (!rc)
			rc = drmModeMoveCursor(p->fd, p->crtc_id, -10, -5);
	}
	check(rc == 0, "legacy-cursor", "set 64x64 and move: %s", rc ? strerror(errno) : "done");
}

/* nflips page flips with events, against the hardware frame counter: 0 or -1 */
static int page_flips(struct probe *p, const char *fc_path, unsigned long nflips)
{
	unsigned int seq0 = 0, seq_prev = 0;
	uint32_t fc0, fc1;
	int rc = read_frame_counter(fc_path, &fc0);

	check(rc == 0, "frame-counter", "%s: %s", fc_path, rc ? strerror(-rc) : "readable");
	if (rc)
		return -1;
	for (unsigned long i = 0; i < nflips; i++) {
		struct flip_state s = { 0 };

		p->front ^= 1;
		rc = drmModePageFlip(p->fd, p->crtc_id, p->fb[p->front].fb,
				     DRM_MODE_PAGE_FLIP_EVENT, &s);
		if (rc) {
			check(0, "page-flip", "flip %lu: %s", i, strerror(errno));
			return -1;
		}
		rc = wait_flip(p->fd, &s);
		if (rc) {
			check(0, "page-flip", "flip %lu: no event: %s", i, strerror(-rc));
			return -1;
		}
		if (i == 0)
			seq0 = s.seq;
		else if (s.seq <= seq_prev) {
			check(0, "page-flip", "flip %lu: sequence %u after %u", i, s.seq, seq_prev);
			return -1;
		}
		seq_prev = s.seq;
	}
	rc = read_frame_counter(fc_path, &fc1);
	check(1, "page-flip", "%lu flips with events, sequence %u..%u", nflips, seq0, seq_prev);
	/*
	 * The sequence is pipe A's hardware counter rebased: the events' span
	 * cannot exceed what frame_counter advanced over the whole run, and
	 * strictly increasing sequences span at least nflips - 1. (The rest of
	 * frame_counter's advance depends on how long a TCG guest stalls.)
	 */
	check(!rc && fc1 - fc0 >= seq_prev - seq0 && seq_prev - seq0 >= nflips - 1,
	      "vblank-counter", "frame_counter %u..%u (+%u) vs sequence +%u",
	      fc0, fc1, fc1 - fc0, seq_prev - seq0);
	return 0;
}

static void atomic_cursor_and_dirtyfb(struct probe *p)
{
	drmModeClip clip = { .x1 = 0, .y1 = 0, .x2 = 64, .y2 = 64 };
	char why[160];
	int rc = atomic_cursor(p->fd, p->crtc_id, &p->cur, why, sizeof(why));

	check(rc == 0, "atomic-cursor", "%s", why);
	buf_fill(&p->fb[p->front], 0x00ffffffu);
	rc = drmModeDirtyFB(p->fd, p->fb[p->front].fb, &clip, 1);
	check(rc == 0, "dirtyfb", "%s", rc ? strerror(errno) : "done");
}

/*
 * Off and on again: vgpu-sim's frame counter stops with the pipe, its
 * vblank grid does not, and the stamps must stay on the grid, not the count.
 */
static void stamps_across_pipe_off(struct probe *p)
{
	long before = -1, after = -1;
	int rc;

	drmModeSetCursor(p->fd, p->crtc_id, 0, 0, 0);
	rc = vblank_stamp_lag(p->fd, &before);
	if (!rc && drmModeSetCrtc(p->fd, p->crtc_id, 0, 0, 0, NULL, 0, NULL))
		rc = -errno;
	if (!rc) {
		sleep_ms(PIPE_OFF_MS);
		if (drmModeSetCrtc(p->fd, p->crtc_id, p->fb[p->front].fb, 0, 0,
				   &p->conn->connector_id, 1, &p->mode))
			rc = -errno;
	}
	if (!rc)
		rc = vblank_stamp_lag(p->fd, &after);
	check(!rc && before >= 0 && before < STAMP_LAG_MAX_US && after >= 0 &&
	      after < STAMP_LAG_MAX_US, "vblank-timestamp",
	      "a vblank's stamp %ld us before the wake-up, %ld us after %d ms with the pipe off (want 0..%d)%s%s",
	      before, after, PIPE_OFF_MS, STAMP_LAG_MAX_US, rc ? ": " : "",
	      rc ? strerror(-rc) : "");
}

static void put_out(struct probe *p)
{
	if (p->lit)
		drmModeSetCursor(p->fd, p->crtc_id, 0, 0, 0);
	buf_destroy(p->fd, &p->cur);
	buf_destroy(p->fd, &p->fb[0]);
	buf_destroy(p->fd, &p->fb[1]);
	drmModeFreeConnector(p->conn);
	drmModeFreeResources(p->res);
	close(p->fd);
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/dri/card0";
	const char *fc_path = "/sys/class/drm/card0/device/frame_counter";
	unsigned long nflips = 30, hold_ms = 0;
	struct probe p = { 0 };
	int rc = parse_args(argc, argv, &dev, &nflips, &hold_ms);

	if (rc >= 0)
		return rc;
	p.fd = open(dev, O_RDWR | O_CLOEXEC);
	check(p.fd >= 0, "open", "%s%s%s", dev, p.fd < 0 ? ": " : "",
	      p.fd < 0 ? strerror(errno) : "");
	if (p.fd < 0)
		return 1;
	if (light_up(&p) == 0) {
		if (hold_ms) {
			sleep_ms(hold_ms);
			check(1, "hold", "the pipe ran for %lu ms", hold_ms);
		} else {
			legacy_cursor(&p);
			if (page_flips(&p, fc_path, nflips) == 0) {
				atomic_cursor_and_dirtyfb(&p);
				stamps_across_pipe_off(&p);
			}
		}
	}
	put_out(&p);
	printf("vdisp-probe: %s (%d failure%s)\n", failures ? "FAILED" : "PASSED",
	       failures, failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
