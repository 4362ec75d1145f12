// SPDX-License-Identifier: MIT
/*
 * vrc-mdev-probe: runs inside the mdev guest (guest-images/mkimage.sh
 * --flavour=mdev) and drives a vgpu-mdev device through real kernel VFIO
 * with libvrc's own client: it creates an mdev through sysfs, opens it
 * through its VFIO group and a type1v2 container (lib/transport_vfio.c),
 * discovers the display irq with the argsz retry (DISC-1/DISC-2), registers
 * its eventfd(s), and checks by BAR0 register writes that a DSPSURF write is
 * signalled at the next vblank as the primary plane's and a CURPOS write as
 * the cursor's (v6: the value the capability advertises on the one eventfd;
 * v7: +1 on the sub-irq the plane map names, nothing on the other), that a
 * masked irq and an unregistered or reset one stay silent and an unmasked
 * one signals again; then that
 * QUERY_GFX_PLANE describes the primary plane the registers set up and
 * GET_GFX_DMABUF gives a real dma-buf whose mmap shows what was written
 * into the plane's memory (BAR2), later writes too; and the cursor plane
 * the same way (its image, its position, no plane while it is off). The
 * mdev is always removed. TAP on stdout; exit 0 only if every check passed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "vrc/fourcc.h"
#include "vrc/i915_regs.h"
#include "vrc/irq.h"
#include "vrc/transport.h"
#include "vrc/util.h"

#define DEFAULT_TYPE	"/sys/class/mdev_bus/vgpu-mdev/mdev_supported_types/vgpu-mdev-display"
#define SIGNAL_MS	2000	/* a TCG guest on a loaded host stalls */
#define SIGNAL_FRAMES	3	/* "at the next vblank", with a frame to spare */
#define QUIET_FRAMES	4	/* silence after a flip: below the idle heuristic */
#define LONG_FRAMES	20	/* past any idle heuristic: silence means off */
#define PLANE_W		1024u	/* vgpu-mdev's pipe A after a reset */
#define PLANE_H		768u
#define PLANE_STRIDE	(PLANE_W * 4)
#define CAPTURE_SURF	0x100000u	/* in VRAM, BAR2 */
#define CURSOR_SURF	0x7f0000u	/* a 64x64 ARGB cursor image, clear of the planes */
#define CURSOR_DIM	64u
#define CURSOR_X	100	/* a position with a negative axis: CURPOS's sign bit */
#define CURSOR_Y	(-20)

static unsigned tap_n;
static bool failed;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	failed |= !ok;
}

static void note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static double ms_since(uint64_t t0)
{
	return (double)(vrc_now_ns() - t0) / 1e6;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		rc = -EIO;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	return rc;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* /dev/vfio/N of the mdev's iommu group (its sysfs link names N) */
static int group_path(const char *uuid, char *out, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *n;
	ssize_t r;

	snprintf(link, sizeof(link), "/sys/bus/mdev/devices/%s/iommu_group", uuid);
	r = readlink(link, target, sizeof(target) - 1);
	if (r < 0)
		return -errno;
	target[r] = '\0';
	n = strrchr(target, '/');
	n = n ? n + 1 : target;
	if (!*n || strlen(n) > 10 || strspn(n, "0123456789") != strlen(n))
		return -EPROTO;
	snprintf(out, len, "/dev/vfio/%.10s", n);
	return 0;
}

static uint32_t frame_counter(struct vrc_transport *t)
{
	uint32_t fc = 0;

	if (vrc_read_frame_counter(t, VRC_PIPE_FRMCOUNT(0), &fc) < 0)
		return 0;
	return fc;
}

static int reg_write(struct vrc_transport *t, uint32_t off, uint32_t val)
{
	return t->ops->region_write(t, 0, off, &val, sizeof(val));
}

/* Wait until pipe A has counted n more frames (bounded by 100 ms a frame). */
static void wait_frames(struct vrc_transport *t, uint32_t n)
{
	uint32_t start = frame_counter(t);
	uint64_t t0 = vrc_now_ns();

	while (frame_counter(t) - start < n && ms_since(t0) < 100.0 * n + 1000) {
		struct timespec ts = { 0, 4 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
}

/*
 * The signal of the next vblank: wait until one comes or pipe A has counted
 * SIGNAL_FRAMES more frames (bounded by SIGNAL_MS), so that a missing signal
 * is not mistaken for the idle heuristic's, which follows later.
 */
static int wait_signal(struct vrc_display_irq *irq, uint32_t fc, struct vrc_signal *sig)
{
	uint64_t t0 = vrc_now_ns();
	int rc;

	do {
		rc = vrc_display_irq_wait(irq, 5, sig);
		if (rc != 0)
			return rc;
	} while (frame_counter(irq->t) - fc <= SIGNAL_FRAMES && ms_since(t0) < SIGNAL_MS);
	return vrc_display_irq_poll(irq, sig);
}

static void drain(struct vrc_display_irq *irq)
{
	struct vrc_signal sig;

	while (vrc_display_irq_poll(irq, &sig) > 0)
		;
}

/*
 * Whether sig is exactly one update of plane (VRC_PLANE_PRIMARY or
 * VRC_PLANE_CURSOR) in the irq's ABI: v6, that plane's value on the one
 * eventfd; v7, 1 on that plane's sub-irq and nothing on the other.
 */
static bool plane_signal(const struct vrc_display_irq *irq, const struct vrc_signal *sig,
			 int plane)
{
	bool primary = plane == VRC_PLANE_PRIMARY;
	int sub = primary ? irq->sub_primary : irq->sub_cursor;
	int other = primary ? irq->sub_cursor : irq->sub_primary;

	if (irq->desc.abi != VRC_ABI_V7)
		return sig->raw[0] == (primary ? irq->desc.pri_event_val : irq->desc.cur_event_val);
	return sub >= 0 && other >= 0 && sig->raw[sub] == 1 && sig->raw[other] == 0;
}

/* A flip: DSPSURF of pipe A, then the signal of the next vblank. */
static void check_flip(struct vrc_display_irq *irq, uint32_t surf)
{
	struct vrc_transport *t = irq->t;
	uint32_t fc = frame_counter(t);
	struct vrc_signal sig = { 0 };
	uint64_t t0 = vrc_now_ns();
	int rc;

	rc = reg_write(t, VRC_PLANE_SURF(0), surf);
	check(rc == 0, "BAR0 write of DSPSURF(A) = %#x through VFIO region write (rc %d)", surf, rc);
	rc = wait_signal(irq, fc, &sig);
	note("signal after %.1f ms: raw %#" PRIx64 " %#" PRIx64 ", frame counter %u -> %u",
	     ms_since(t0), sig.raw[0], sig.raw[1], fc, sig.frame_counter);
	check(rc == 1 && plane_signal(irq, &sig, VRC_PLANE_PRIMARY),
	      "the flip is signalled as one primary update (got %#" PRIx64 " %#" PRIx64 ", primary %" PRIu64 " cursor %" PRIu64 ")",
	      sig.raw[0], sig.raw[1], sig.counts.primary, sig.counts.cursor);
	check(rc == 1 && sig.frame_counter - fc <= 2,
	      "at the next vblank (frame counter %u at the write, %u after the signal)", fc, sig.frame_counter);
}

static void check_cursor(struct vrc_display_irq *irq)
{
	uint32_t fc = frame_counter(irq->t);
	struct vrc_signal sig = { 0 };
	int rc = reg_write(irq->t, VRC_CURPOS(0), (100u << 16) | 200u);

	check(rc == 0, "BAR0 write of CURPOS(A) (rc %d)", rc);
	rc = wait_signal(irq, fc, &sig);
	check(rc == 1 && plane_signal(irq, &sig, VRC_PLANE_CURSOR),
	      "the cursor move is signalled as one cursor update (got %#" PRIx64 " %#" PRIx64 ", primary %" PRIu64 " cursor %" PRIu64 ")",
	      sig.raw[0], sig.raw[1], sig.counts.primary, sig.counts.cursor);
}

/* Nothing on fds[0..nfds) for n frames (the registered eventfds or copies). */
static void check_silent(struct vrc_transport *t, const int *fds, uint32_t nfds, uint32_t n,
			 const char *why)
{
	uint64_t v = 0, held = 0;
	uint32_t busy = 0;

	wait_frames(t, n);
	for (uint32_t i = 0; i < nfds; i++)
		if (vrc_eventfd_drain(fds[i], &v) != 0) {
			busy++;
			held = v;
		}
	check(busy == 0, "%s: no signal in %u frames on %u eventfd(s) (%u not empty, the last holding %#" PRIx64 ")",
	      why, n, nfds, busy, held);
}

/* dup() of each registered eventfd, to watch them after the device let go */
static uint32_t dup_efds(const struct vrc_display_irq *irq, int *keep)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < irq->count && i < VRC_IRQ_MAX_SUB; i++)
		if (irq->efd[i] >= 0 && (keep[n] = dup(irq->efd[i])) >= 0)
			n++;
	return n;
}

static void close_all(const int *fds, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		close(fds[i]);
}

static void check_rate(struct vrc_transport *t)
{
	uint32_t fc0 = frame_counter(t), fc1;
	uint64_t t0 = vrc_now_ns();
	struct timespec ts = { 1, 0 };
	double s, hz;

	nanosleep(&ts, NULL);
	fc1 = frame_counter(t);
	s = ms_since(t0) / 1000.0;
	hz = (double)(fc1 - fc0) / s;
	check(hz > 45 && hz < 75, "PIPE_FRMCOUNT(A) counts at %.1f Hz (%u frames in %.3f s; 60 Hz hrtimer)",
	      hz, fc1 - fc0, s);
}

/* A pixel that says where it is, different for every frame number. */
static uint32_t pattern(uint32_t x, uint32_t y, uint32_t frame)
{
	return ((y & 0xfff) << 12 | (x & 0xfff)) ^ (frame * 0x9e3779b9u);
}

/* Fill w x h pixels at surf (rows stride apart) through BAR2, one row a write. */
static int fill_image(struct vrc_transport *t, uint32_t surf, uint32_t w, uint32_t h,
		      uint32_t stride, uint32_t frame)
{
	static uint32_t row[PLANE_W];
	int rc;

	if (w > PLANE_W)
		return -EINVAL;
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++)
			row[x] = pattern(x, y, frame);
		rc = t->ops->region_write(t, VFIO_PCI_BAR2_REGION_INDEX,
					  (uint64_t)surf + (uint64_t)y * stride, row, w * 4);
		if (rc)
			return rc;
	}
	return 0;
}

static int fill_plane(struct vrc_transport *t, uint32_t surf, uint32_t frame)
{
	return fill_image(t, surf, PLANE_W, PLANE_H, PLANE_STRIDE, frame);
}

/* Pixels of the mapping that are not frame's pattern; the first in *where. */
static unsigned long mismatches(const struct vrc_plane *p, uint32_t w, uint32_t h,
				uint32_t frame, char *where, size_t len)
{
	unsigned long bad = 0;

	for (uint32_t y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)((const uint8_t *)p->map + (size_t)y * p->info.stride);

		for (uint32_t x = 0; x < w; x++)
			if (row[x] != pattern(x, y, frame) && !bad++)
				snprintf(where, len, "(%u,%u) %#x, want %#x", x, y, row[x],
					 pattern(x, y, frame));
	}
	return bad;
}

/* The primary plane through a real dma-buf, as vrc's TEAR tests capture it. */
static void check_capture(struct vrc_transport *t)
{
	struct vrc_plane p, again;
	char err[256] = "", where[96] = "";
	unsigned long bad;
	int rc;

	rc = fill_plane(t, CAPTURE_SURF, 1);
	check(rc == 0, "plane memory written through BAR2 (%u rows) (rc %d)", PLANE_H, rc);
	reg_write(t, VRC_PLANE_SURF(0), CAPTURE_SURF);
	rc = vrc_plane_query(t, VRC_PLANE_PRIMARY, &p);
	check(rc == 0 && p.info.drm_format == VRC_FMT_XRGB8888 && p.info.width == PLANE_W &&
	      p.info.height == PLANE_H && p.info.stride == PLANE_STRIDE,
	      "QUERY_GFX_PLANE(primary): format %#x %ux%u stride %u size %u dmabuf %u (rc %d)",
	      p.info.drm_format, p.info.width, p.info.height, p.info.stride, p.info.size,
	      p.info.dmabuf_id, rc);
	if (rc || p.info.drm_format != VRC_FMT_XRGB8888)
		return;
	rc = vrc_plane_query(t, VRC_PLANE_PRIMARY, &again);
	check(rc == 0 && again.info.dmabuf_id == p.info.dmabuf_id,
	      "the same plane keeps its dmabuf id (%u, %u)", p.info.dmabuf_id, again.info.dmabuf_id);
	rc = vrc_plane_map(t, &p, err, sizeof(err));
	check(rc == 0 && p.map, "GET_GFX_DMABUF: a dma-buf, mmap'ed (%s)", rc ? err : "ok");
	if (rc == 0 && p.map) {
		bad = mismatches(&p, PLANE_W, PLANE_H, 1, where, sizeof(where));
		check(bad == 0, "the dma-buf shows the plane's memory (%lu pixels differ%s%s)",
		      bad, bad ? ": first " : "", where);
		rc = fill_plane(t, CAPTURE_SURF, 2);
		bad = rc ? ~0ul : mismatches(&p, PLANE_W, PLANE_H, 2, where, sizeof(where));
		check(bad == 0, "and later writes to it, as a scanout buffer (%lu pixels differ%s%s)",
		      bad, bad ? ": first " : "", where);
	}
	vrc_plane_release(&p);
	reg_write(t, VRC_PLANE_SURF(0), CAPTURE_SURF + 0x400000);
	rc = vrc_plane_query(t, VRC_PLANE_PRIMARY, &again);
	check(rc == 0 && again.info.dmabuf_id != p.info.dmabuf_id,
	      "a flip to other memory is another dmabuf id (%u after %u)", again.info.dmabuf_id,
	      p.info.dmabuf_id);
	reg_write(t, VRC_PLANE_CTL(0), 0);
	rc = vrc_plane_query(t, VRC_PLANE_PRIMARY, &again);
	check(rc == 0 && again.info.drm_format == 0,
	      "a disabled plane is no plane (drm_format %#x, rc %d)", again.info.drm_format, rc);
}

/* CURPOS of a position: per axis a magnitude and a sign bit (bit 15). */
static uint32_t curpos(int x, int y)
{
	uint32_t hx = x < 0 ? (1u << 15) | (uint32_t)-x : (uint32_t)x;
	uint32_t hy = y < 0 ? (1u << 15) | (uint32_t)-y : (uint32_t)y;

	return hy << 16 | hx;
}

/*
 * The cursor plane through QUERY_GFX_PLANE and a real dma-buf: off while
 * CURCNTR is, then the 64x64 ARGB image at CURBASE compared pixel for
 * pixel, its position as CURPOS says (a negative one signed), the hotspot
 * unknown (i915 has no hotspot register), and off again.
 */
static void check_cursor_capture(struct vrc_transport *t)
{
	struct vrc_plane p;
	char err[256] = "", where[96] = "";
	unsigned long bad;
	int rc;

	reg_write(t, VRC_CURCNTR(0), 0);
	rc = vrc_plane_query(t, VRC_PLANE_CURSOR, &p);
	check(rc == 0 && p.info.drm_format == 0,
	      "a disabled cursor is no plane (drm_format %#x, rc %d)", p.info.drm_format, rc);
	rc = fill_image(t, CURSOR_SURF, CURSOR_DIM, CURSOR_DIM, CURSOR_DIM * 4, 3);
	check(rc == 0, "cursor image written through BAR2 (rc %d)", rc);
	reg_write(t, VRC_CURCNTR(0), VRC_CURSOR_MODE_64_ARGB);
	reg_write(t, VRC_CURPOS(0), curpos(CURSOR_X, CURSOR_Y));
	reg_write(t, VRC_CURBASE(0), CURSOR_SURF);
	rc = vrc_plane_query(t, VRC_PLANE_CURSOR, &p);
	check(rc == 0 && p.info.drm_format == VRC_FMT_ARGB8888 &&
	      p.info.drm_format_mod == VRC_MOD_LINEAR && p.info.width == CURSOR_DIM &&
	      p.info.height == CURSOR_DIM && p.info.stride == CURSOR_DIM * 4 && p.info.dmabuf_id,
	      "QUERY_GFX_PLANE(cursor): format %#x %ux%u stride %u size %u dmabuf %u (rc %d)",
	      p.info.drm_format, p.info.width, p.info.height, p.info.stride, p.info.size,
	      p.info.dmabuf_id, rc);
	check(rc == 0 && (int32_t)p.info.x_pos == CURSOR_X && (int32_t)p.info.y_pos == CURSOR_Y,
	      "the cursor at CURPOS's position (%d,%d), want (%d,%d)", (int32_t)p.info.x_pos,
	      (int32_t)p.info.y_pos, CURSOR_X, CURSOR_Y);
	check(rc == 0 && p.info.x_hot == UINT32_MAX && p.info.y_hot == UINT32_MAX,
	      "the cursor's hotspot unknown (%#x,%#x)", p.info.x_hot, p.info.y_hot);
	if (rc || p.info.drm_format != VRC_FMT_ARGB8888)
		return;
	rc = vrc_plane_map(t, &p, err, sizeof(err));
	check(rc == 0 && p.map, "GET_GFX_DMABUF(cursor): a dma-buf, mmap'ed (%s)",
	      rc ? err : "ok");
	if (rc == 0 && p.map) {
		bad = mismatches(&p, CURSOR_DIM, CURSOR_DIM, 3, where, sizeof(where));
		check(bad == 0, "the cursor dma-buf shows the image (%lu pixels differ%s%s)",
		      bad, bad ? ": first " : "", where);
	}
	vrc_plane_release(&p);
	reg_write(t, VRC_CURCNTR(0), 0);
	rc = vrc_plane_query(t, VRC_PLANE_CURSOR, &p);
	check(rc == 0 && p.info.drm_format == 0,
	      "a cursor turned off is no plane again (drm_format %#x, rc %d)", p.info.drm_format,
	      rc);
}

/* The whole session on an open device. */
static void exercise(struct vrc_transport *t)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vrc_display_irq irq;
	int keep[VRC_IRQ_MAX_SUB];
	char err[256] = "";
	uint32_t nkeep;
	int rc;

	rc = t->ops->get_device_info(t, &info);
	check(rc == 0 && info.num_irqs > 5, "GET_INFO: %u regions, %u irqs, flags %#x",
	      info.num_regions, info.num_irqs, info.flags);
	rc = vrc_display_irq_find(t, &irq, err, sizeof(err));
	check(rc == 0, "DISC-1: display irq found at index %u, count %u, flags %#x (%s)",
	      irq.index, irq.count, irq.flags, rc ? err : "ok");
	if (rc)
		return;
	check(irq.caps.violation == VRC_CAPS_OK, "DISC-2: capability chain well formed (%s)",
	      vrc_caps_violation_str(irq.caps.violation));
	note("ABI %s, pri_event_val %#" PRIx64 ", cur_event_val %#" PRIx64 ", sub-irq primary %d cursor %d",
	     vrc_abi_str(irq.desc.abi), irq.desc.pri_event_val, irq.desc.cur_event_val,
	     irq.sub_primary, irq.sub_cursor);
	if (irq.desc.abi == VRC_ABI_V7)
		check(irq.count == 2 && irq.sub_primary >= 0 && irq.sub_cursor >= 0 &&
		      irq.sub_primary != irq.sub_cursor,
		      "the plane map names a primary and a cursor sub-irq of %u", irq.count);
	else
		check(irq.desc.has_events && irq.desc.pri_event_val && irq.desc.cur_event_val,
		      "the capability advertises the plane event values");
	check_rate(t);

	rc = vrc_display_irq_register(&irq);
	check(rc == 0, "SET_IRQS: eventfd registered (rc %d)", rc);
	if (rc)
		goto out;
	check_flip(&irq, 0x10000);	/* resets the pipe's idle count */
	drain(&irq);
	check_flip(&irq, 0x20000);
	check_cursor(&irq);
	check_silent(t, irq.efd, irq.count, QUIET_FRAMES, "after the flip and the move");

	rc = vrc_display_irq_mask(&irq, true);
	check(rc == 0, "SET_IRQS: masked (rc %d)", rc);
	reg_write(t, VRC_PLANE_SURF(0), 0x30000);
	check_silent(t, irq.efd, irq.count, LONG_FRAMES, "masked, a flip");
	rc = vrc_display_irq_mask(&irq, false);
	check(rc == 0, "SET_IRQS: unmasked (rc %d)", rc);
	check_flip(&irq, 0x40000);

	nkeep = dup_efds(&irq, keep);
	rc = vrc_display_irq_unregister(&irq);
	check(rc == 0, "SET_IRQS: unregistered (DATA_NONE, count 0) (rc %d)", rc);
	if (nkeep) {
		reg_write(t, VRC_PLANE_SURF(0), 0x50000);
		reg_write(t, VRC_CURPOS(0), (300u << 16) | 400u);
		check_silent(t, keep, nkeep, LONG_FRAMES, "unregistered, a flip and a move");
		close_all(keep, nkeep);
	}

	rc = vrc_display_irq_register(&irq);
	if (rc == 0 && (nkeep = dup_efds(&irq, keep)) > 0) {
		rc = t->ops->reset(t);
		check(rc == 0, "VFIO_DEVICE_RESET (rc %d)", rc);
		drain(&irq);
		reg_write(t, VRC_PLANE_SURF(0), 0x60000);
		check_silent(t, keep, nkeep, LONG_FRAMES,
			     "after a reset, a flip (the reset released the eventfds)");
		close_all(keep, nkeep);
	} else {
		check(false, "re-register for the reset check (rc %d)", rc);
	}
	check_capture(t);
	check_cursor_capture(t);
out:
	vrc_display_irq_close(&irq);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vrc-mdev-probe [--type=DIR]\n"
		"  DIR: the mdev type's sysfs directory (default %s)\n", DEFAULT_TYPE);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *type = DEFAULT_TYPE;
	char uuid[64], path[PATH_MAX], grp[PATH_MAX], err[256] = "";
	struct vrc_transport *t = NULL;
	struct utsname un;
	uint64_t t0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 't') {
			type = optarg;
		} else {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	uname(&un);
	printf("TAP version 13\n");
	note("vrc-mdev-probe on %s %s (%s)", un.sysname, un.release, un.machine);
	snprintf(path, sizeof(path), "%s/description", type);
	if (read_line(path, err, sizeof(err)) == 0)
		note("mdev type %s: %s", type, err);
	if (read_line("/proc/sys/kernel/random/uuid", uuid, sizeof(uuid))) {
		printf("Bail out! no uuid from /proc/sys/kernel/random/uuid\n");
		return 1;
	}

	t0 = vrc_now_ns();
	snprintf(path, sizeof(path), "%s/create", type);
	rc = write_file(path, uuid);
	check(rc == 0, "mdev %s created through %s (%.1f ms) %s", uuid, path, ms_since(t0),
	      rc ? strerror(-rc) : "");
	if (rc)
		goto done;
	rc = group_path(uuid, grp, sizeof(grp));
	check(rc == 0, "its VFIO group: %s", rc ? strerror(-rc) : grp);
	if (rc == 0) {
		vrc_vfio_kernel_open_group(grp, uuid, &t, err, sizeof(err));
		check(t != NULL, "opened through %s and a type1v2 container %s", grp, t ? "" : err);
		if (t) {
			exercise(t);
			vrc_transport_close(t);
		}
	}
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid);
	rc = write_file(path, "1");
	check(rc == 0, "mdev removed %s", rc ? strerror(-rc) : "");
done:
	printf("1..%u\n", tap_n);
	return failed ? 1 : 0;
}
