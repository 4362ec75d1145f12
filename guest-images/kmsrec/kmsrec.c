// SPDX-License-Identifier: MIT
/*
 * vrc-kmsrec.so: turns any KMS client into a vrc timeline (timeline.h).
 *
 *   LD_PRELOAD=/path/vrc-kmsrec.so VRC_KMSREC_OUT=/tmp/tl.json kms_flip ...
 *
 * It wraps ioctl() and read(). The DRM ioctls that change what is scanned
 * out (kr_classify.h) are bracketed with reads of the device's frame
 * counter, the one the host reads (vdisp's sysfs frame_counter; on i915
 * PIPE_FRMCOUNT_A through BAR0, as vrc-wl reads it: wl_hwcounter.h), so
 * that each lands on the host's vblank axis: the timeline's sequences are
 * that counter itself (hw_offset exact, 0). Flip-complete events read from
 * a DRM fd close the flips they complete: the flip latched at or before the
 * counter read right after the read() that returned its event.
 *
 * It never changes arguments or results, issues no ioctl of its own (only
 * the counter reads, which are file reads), and is bounded: a fixed record
 * buffer; when it is full, records are dropped and counted, and the
 * timeline says so. Only the process that first recorded writes the
 * timeline (at exit); forked children pass through unrecorded.
 * Without VRC_KMSREC_OUT it passes everything through untouched.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>
#include <drm.h>
#include <drm_mode.h>

#include "vrc/i915_regs.h"
#include "vrc/oracle.h"
#include "vrc/timeline.h"
#include "../workloads/wl_hwcounter.h"
#include "kr_classify.h"

#define DRM_MAJOR	226u
#define KR_CAP		8192u	/* records kept */
#define KR_PENDING	64u	/* flips waiting for their event */
#define KR_DEFAULT_W	1024u
#define KR_DEFAULT_H	768u
#define KR_IMAGE_EDGE	256u	/* the placeholder cursor image */
#define KR_MODESETS	1024u	/* modeset windows kept */
/* Vblanks around a modeset in which no update is judged: the ioctl's own
 * span, and the tolerance after it (the pipe's first vblanks). */
#define KR_MODESET_MARGIN	(VRC_ORACLE_TOLERANCE + 1u)

typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef ssize_t (*read_fn)(int, void *, size_t);

struct pending {
	uint32_t rec;		/* index in recs */
	uint32_t crtc_id;	/* legacy page flips: the CRTC; atomic: 0, unknown */
	uint64_t user_data;
	bool used;
};

static struct {
	atomic_flag lock;
	bool enabled, init_done, counter_ok, counter_tried;
	pid_t owner;
	char out[512], device[128], counter_why[160];
	struct wl_hwcounter counter;
	uint32_t first, last;
	bool have_first;
	struct kr_state st;
	struct vrc_tl_event recs[KR_CAP];
	bool rec_open[KR_CAP];		/* nonblocking, completion not seen yet */
	uint32_t nrecs;
	unsigned long dropped, counter_fail, no_event_match;
	struct pending pend[KR_PENDING];
	uint32_t ms_before[KR_MODESETS], ms_after[KR_MODESETS];
	uint32_t nmodesets;
	bool ms_overflow;		/* later updates cannot be judged */
	uint32_t ms_cutoff;		/* the counter when the table filled */
	unsigned long near_modeset;	/* updates left out for one */
	unsigned long ms_by[3];		/* modesets: SETCRTC, atomic, property */
	int counter_fd;			/* sysfs: kept open, read with pread */
} R = { .lock = ATOMIC_FLAG_INIT, .counter_fd = -1 };

static ioctl_fn real_ioctl;
static read_fn real_read;
/* Set while the recorder itself works: the counter read is a read(), which
 * resolves to our own wrapper and must pass straight through. */
static __thread bool inside;

static void lock(void)
{
	while (atomic_flag_test_and_set_explicit(&R.lock, memory_order_acquire))
		;
}

static void unlock(void)
{
	atomic_flag_clear_explicit(&R.lock, memory_order_release);
}

__attribute__((constructor)) static void kmsrec_init(void)
{
	const char *out = getenv("VRC_KMSREC_OUT");

	real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	real_read = (read_fn)dlsym(RTLD_NEXT, "read");
	kr_state_init(&R.st);
	if (out && out[0] && strlen(out) < sizeof(R.out) && real_ioctl && real_read) {
		snprintf(R.out, sizeof(R.out), "%s", out);
		R.owner = getpid();
		R.enabled = true;
	}
}

static bool is_drm_fd(int fd, struct stat *st)
{
	return !fstat(fd, st) && S_ISCHR(st->st_mode) && major(st->st_rdev) == DRM_MAJOR;
}

/* The host's counter of the device behind fd, found once (vrc-wl's way,
 * without its one ioctl: i915's CRTC is taken to be on pipe A). */
static void find_counter(int fd, const struct stat *st)
{
	char dev[96], path[200], link[256], err[200];
	ssize_t n;

	R.counter_tried = true;
	snprintf(dev, sizeof(dev), "/sys/dev/char/%u:%u/device", major(st->st_rdev),
		 minor(st->st_rdev));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		snprintf(R.device, sizeof(R.device), "%.120s", link);
	}
	snprintf(path, sizeof(path), "%s/frame_counter", dev);
	if (!access(path, R_OK)) {
		/* one pread per read, not open/read/close: the client is timed */
		wl_hwcounter_sysfs(&R.counter, path);
		R.counter_fd = open(path, O_RDONLY | O_CLOEXEC);
		R.counter_ok = R.counter_fd >= 0;
		if (!R.counter_ok)
			snprintf(R.counter_why, sizeof(R.counter_why), "%.100s: %s", path,
				 strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	if (n <= 0 || strcmp(strrchr(link, '/') ? strrchr(link, '/') + 1 : link, "i915")) {
		snprintf(R.counter_why, sizeof(R.counter_why), "no %.100s/frame_counter and "
			 "not i915", dev);
		return;
	}
	snprintf(path, sizeof(path), "%s/resource0", dev);
	if (wl_hwcounter_mmio(&R.counter, path, VRC_PIPE_FRMCOUNT(0), err, sizeof(err)))
		snprintf(R.counter_why, sizeof(R.counter_why), "i915: %.140s", err);
	else
		R.counter_ok = true;
}

/* The sysfs attribute re-read from its start: decimal, bounded. */
static int read_sysfs_counter(uint32_t *v)
{
	char buf[32];
	ssize_t n = pread(R.counter_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return wl_hwcounter_parse(buf, v);
}

/* The counter now; false if it cannot be read. Widens the run's span. */
static bool counter_now(uint32_t *v)
{
	if (!R.counter_ok || (R.counter_fd >= 0 ? read_sysfs_counter(v) :
			      wl_hwcounter_read(&R.counter, v))) {
		R.counter_fail++;
		return false;
	}
	if (!R.have_first) {
		R.first = R.last = *v;
		R.have_first = true;
	} else if ((int32_t)(*v - R.last) > 0) {
		R.last = *v;
	}
	return true;
}

static bool recording(void)
{
	if (!R.enabled)
		return false;
	/* a forked child's updates are not recorded (and its copy of the
	 * state is lost with it): only the owner writes the timeline */
	return getpid() == R.owner;
}

static void add_record(const struct kr_update *u, uint32_t before, uint32_t after)
{
	struct vrc_tl_event e = { .before = before, .after = after };
	uint32_t idx;

	switch (u->kind) {
	case KR_FLIP:
	case KR_ASYNC:
		e.kind = u->kind == KR_FLIP ? VRC_TL_FLIP : VRC_TL_ASYNC;
		/* a blocking commit has latched by its return; otherwise the
		 * event (or the end of the run) closes it */
		e.seq = u->timing == KR_RETURNS_LATCHED ?
			((int32_t)(after - (before + 1)) > 0 ? after : before + 1) : after;
		break;
	case KR_CURSOR:
		e.kind = VRC_TL_CURSOR;
		e.what = u->what;
		e.x = u->x < -VRC_TL_MAX_POS ? -VRC_TL_MAX_POS : u->x > VRC_TL_MAX_POS ?
		      VRC_TL_MAX_POS : u->x;
		e.y = u->y < -VRC_TL_MAX_POS ? -VRC_TL_MAX_POS : u->y > VRC_TL_MAX_POS ?
		      VRC_TL_MAX_POS : u->y;
		e.hot_x = u->hot_x < KR_IMAGE_EDGE ? u->hot_x : KR_IMAGE_EDGE - 1;
		e.hot_y = u->hot_y < KR_IMAGE_EDGE ? u->hot_y : KR_IMAGE_EDGE - 1;
		break;
	case KR_DRAW:
		e.kind = VRC_TL_DRAW;
		e.y0 = u->y0;
		e.y1 = u->y1;	/* 0, 0: the whole buffer, resolved at exit */
		break;
	default:
		return;
	}
	if (R.nrecs == KR_CAP) {
		R.dropped++;
		return;
	}
	idx = R.nrecs++;
	R.recs[idx] = e;
	R.rec_open[idx] = u->timing == KR_NONBLOCKING;
	if (!R.rec_open[idx] || !u->event)
		return;
	for (unsigned i = 0; i < KR_PENDING; i++)
		if (!R.pend[i].used) {
			R.pend[i] = (struct pending){ .rec = idx, .user_data = u->user_data,
						      .crtc_id = u->crtc_id, .used = true };
			return;
		}
	/* no room to wait for its event: the end of the run closes it */
}

static void add_modeset(bool placed, uint32_t before, uint32_t after)
{
	if (R.ms_overflow)
		return;
	if (!placed || R.nmodesets == KR_MODESETS) {
		/* a modeset we cannot place: nothing from here on is judged */
		R.ms_overflow = true;
		R.ms_cutoff = R.have_first ? R.last : 0;
		return;
	}
	R.ms_before[R.nmodesets] = before;
	R.ms_after[R.nmodesets] = after;
	R.nmodesets++;
}

/* The last vblank an update's signal may be judged at. */
static uint32_t judged_until(const struct vrc_tl_event *e)
{
	uint32_t end = e->kind == VRC_TL_FLIP && (int32_t)(e->seq - e->after) > 0 ? e->seq
										  : e->after;

	return end + 1 + VRC_ORACLE_TOLERANCE;
}

/* Does the update's window [before+1, judged_until] meet a modeset's? */
static bool near_a_modeset(const struct vrc_tl_event *e)
{
	uint32_t lo = e->before + 1, hi = judged_until(e);

	if (R.ms_overflow && (int32_t)(hi - R.ms_cutoff) >= 0)
		return true;
	for (uint32_t i = 0; i < R.nmodesets; i++) {
		uint32_t mlo = R.ms_before[i], mhi = R.ms_after[i] + KR_MODESET_MARGIN;
		if ((int32_t)(lo - mhi) <= 0 && (int32_t)(mlo - hi) <= 0)
			return true;
	}
	return false;
}

/* A completion event read at counter `now`: the open records of that
 * user_data (an atomic commit's planes share one) and CRTC (where both
 * know it: another CRTC's flip may not have latched yet) latched by then. */
struct event_ctx {
	uint32_t now;
};

static void close_record(uint32_t idx, uint32_t now)
{
	struct vrc_tl_event *e = &R.recs[idx];

	if ((int32_t)(now - e->after) > 0) {
		if (e->kind != VRC_TL_FLIP)
			e->after = now;	/* the window of a nonblocking update ends here */
		e->seq = now;
	}
	if ((int32_t)(e->seq - (e->before + 1)) < 0 && e->kind == VRC_TL_FLIP)
		e->seq = e->before + 1;
	R.rec_open[idx] = false;
}

static void on_flip_event(void *arg, uint64_t user_data, uint32_t crtc_id)
{
	const struct event_ctx *c = arg;
	bool found = false;

	for (unsigned i = 0; i < KR_PENDING; i++)
		if (R.pend[i].used && R.pend[i].user_data == user_data &&
		    (!crtc_id || !R.pend[i].crtc_id || R.pend[i].crtc_id == crtc_id)) {
			close_record(R.pend[i].rec, c->now);
			R.pend[i].used = false;
			found = true;
		}
	if (!found)
		R.no_event_match++;
}

int ioctl(int fd, unsigned long req, ...)
{
	struct kr_update up[KR_MAX_UPDATES];
	uint32_t before = 0, after = 0, pre_count = 0;
	bool bracket, ok_b = false, ok_a = false;
	struct stat st;
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_ioctl)
		real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	if (inside || !recording() || _IOC_TYPE(req) != DRM_IOCTL_BASE || !is_drm_fd(fd, &st))
		return real_ioctl(fd, req, arg);

	lock();
	bool modeset = kr_request_is_modeset(&R.st, req, arg);
	unlock();
	bracket = modeset || kr_request_changes_scanout(req, arg);
	inside = true;
	lock();
	if (bracket && !R.counter_tried)
		find_counter(fd, &st);
	if (bracket)
		ok_b = counter_now(&before);
	unlock();
	inside = false;
	if (req == DRM_IOCTL_MODE_OBJ_GETPROPERTIES && arg)
		pre_count = ((const struct drm_mode_obj_get_properties *)arg)->count_props;
	rc = real_ioctl(fd, req, arg);
	int saved = errno;
	inside = true;
	lock();
	if (bracket)
		ok_a = counter_now(&after);
	if (rc == 0 && modeset) {
		add_modeset(ok_b && ok_a, before, after);
		R.ms_by[req == DRM_IOCTL_MODE_SETCRTC ? 0 : req == DRM_IOCTL_MODE_ATOMIC ? 1 : 2]++;
	}
	if (rc == 0) {
		unsigned n = kr_after_ioctl(&R.st, req, arg, pre_count, up, KR_MAX_UPDATES);
		for (unsigned i = 0; i < n; i++) {
			if (ok_b && ok_a)
				add_record(&up[i], before, after);
			else
				R.dropped++;	/* no counter: not placeable */
		}
	}
	unlock();
	inside = false;
	errno = saved;
	return rc;
}

ssize_t read(int fd, void *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	bool any;

	if (!real_read)
		real_read = (read_fn)dlsym(RTLD_NEXT, "read");
	n = real_read(fd, buf, len);
	if (inside || n <= 0 || !R.enabled)
		return n;
	int saved = errno;
	inside = true;
	lock();
	any = false;
	for (unsigned i = 0; i < KR_PENDING && !any; i++)
		any = R.pend[i].used;
	unlock();
	/* every read of the client comes here: the cheap tests first */
	if (any && getpid() == R.owner && is_drm_fd(fd, &st)) {
		struct event_ctx c;
		lock();
		if (counter_now(&c.now))
			kr_flip_events(buf, (size_t)n, on_flip_event, &c);
		unlock();
	}
	inside = false;
	errno = saved;
	return n;
}

static void add_count_param(struct vrc_timeline *tl, const char *name, unsigned long v)
{
	char s[24];

	snprintf(s, sizeof(s), "%lu", v);
	vrc_timeline_set_param(tl, name, s);
}

static void skip_if(struct vrc_timeline *tl, unsigned long n, const char *what, const char *fmt)
{
	char why[160];

	if (!n)
		return;
	snprintf(why, sizeof(why), fmt, n);
	vrc_timeline_add_skip(tl, what, why);
}

/* Submission order (threads may append out of it): a stable insertion
 * sort by before, on records that are nearly in order already. */
static void sort_records(void)
{
	for (uint32_t i = 1; i < R.nrecs; i++) {
		struct vrc_tl_event e = R.recs[i];
		uint32_t j = i;

		while (j && (int32_t)(R.recs[j - 1].before - R.first) >
			    (int32_t)(e.before - R.first)) {
			R.recs[j] = R.recs[j - 1];
			j--;
		}
		R.recs[j] = e;
	}
}

/* Whatever a record still lacks at exit. */
static void finish_records(uint32_t end, uint32_t height)
{
	for (uint32_t i = 0; i < R.nrecs; i++) {
		struct vrc_tl_event *e = &R.recs[i];

		if (R.rec_open[i])	/* never completed: latched by the end, at most */
			close_record(i, end);
		if (e->kind == VRC_TL_DRAW) {
			if (e->y1 > height)
				e->y1 = height;
			if (e->y0 >= e->y1) {
				e->y0 = 0;
				e->y1 = height;
			}
		}
	}
}

static void write_timeline(void)
{
	struct vrc_timeline tl;
	uint32_t crc[VRC_BANDS_MAX] = { 0 }, id, end = 0;
	char err[256], comm[32] = "?";
	FILE *f;

	if (!R.have_first) {	/* nothing placeable was ever seen: say why in igt's log */
		fprintf(stderr, "vrc-kmsrec: no timeline: %s\n", R.counter_why[0] ? R.counter_why :
			R.counter_tried ? "the frame counter could not be read" :
			"no DRM update was made");
		return;
	}
	counter_now(&end);
	end = R.last;
	uint32_t w = R.st.width ? R.st.width : KR_DEFAULT_W;
	uint32_t h = R.st.height ? R.st.height : KR_DEFAULT_H;
	finish_records(end, h);
	sort_records();
	/* the span covers every sequence the records name */
	for (uint32_t i = 0; i < R.nrecs; i++) {
		if ((int32_t)(R.recs[i].seq - end) > 0)
			end = R.recs[i].seq;
		if ((int32_t)(R.recs[i].after - end) > 0)
			end = R.recs[i].after;
	}
	vrc_timeline_init(&tl, "kms", "kmsrec", 1);
	snprintf(tl.device, sizeof(tl.device), "%s", R.device);
	if ((f = fopen("/proc/self/comm", "r"))) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	vrc_timeline_set_param(&tl, "recorder", "vrc-kmsrec");
	vrc_timeline_set_param(&tl, "client", comm);
	vrc_timeline_set_param(&tl, "counter", R.counter.path);
	add_count_param(&tl, "dropped", R.dropped);
	add_count_param(&tl, "counter_failures", R.counter_fail);
	add_count_param(&tl, "unmatched_events", R.no_event_match);
	tl.width = w;
	tl.height = h;
	tl.stride = 4 * w;
	tl.offset_exact = true;
	tl.hw_offset = 0;
	tl.first = R.first;
	tl.last = end;
	/* the recorder sees no pixels: one frame and one cursor image stand
	 * for all of them (no TEAR judgement from this timeline) */
	vrc_timeline_add_frame(&tl, crc, &id);
	vrc_timeline_add_image(&tl, KR_IMAGE_EDGE, KR_IMAGE_EDGE, 0, &id);
	vrc_timeline_add_skip(&tl, "pixels", "the recorder sees no pixels: frame and cursor "
			      "image ids are placeholders");
	skip_if(&tl, R.dropped, "dropped", "%lu updates not recorded: the buffer was full or "
		"the counter unreadable");
	skip_if(&tl, R.st.unknown_plane, "unknown-plane", "%lu updates of planes whose type "
		"the client never queried");
	skip_if(&tl, R.st.overlay, "overlay", "%lu overlay plane updates (not the irq's "
		"planes)");
	skip_if(&tl, R.st.dirty_offscreen, "dirty-offscreen", "%lu DIRTYFB of framebuffers "
		"not on a primary plane (no front-buffer draw)");
	skip_if(&tl, R.st.too_large + R.st.planes_untracked, "bounds", "%lu atomic commits or "
		"planes past the recorder's bounds");
	for (uint32_t i = 0; i < R.nrecs; i++) {
		const struct vrc_tl_event *e = &R.recs[i];
		if (near_a_modeset(e)) {
			R.near_modeset++;
			continue;
		}
		if (vrc_timeline_add_event(&tl, e))
			break;
	}
	if (R.near_modeset) {
		char why[160];
		snprintf(why, sizeof(why), "%lu updates within a vblank of a modeset (a pipe "
			 "going off or on) not judged; modesets: %lu SETCRTC, %lu atomic, %lu "
			 "DPMS/ACTIVE", R.near_modeset, R.ms_by[0], R.ms_by[1], R.ms_by[2]);
		vrc_timeline_add_skip(&tl, "modeset", why);
	}
	if (vrc_timeline_write(&tl, R.out, err, sizeof(err)))
		fprintf(stderr, "vrc-kmsrec: %s: %s\n", R.out, err);
	vrc_timeline_release(&tl);
}

__attribute__((destructor)) static void kmsrec_fini(void)
{
	if (!R.enabled || getpid() != R.owner)
		return;
	inside = true;
	lock();
	write_timeline();
	R.enabled = false;
	unlock();
	wl_hwcounter_close(&R.counter);
	if (R.counter_fd >= 0)
		close(R.counter_fd);
	R.counter_fd = -1;
}
