/* SPDX-License-Identifier: MIT */
/*
 * The pure part of vrc-kmsrec: which DRM ioctls change what is scanned out,
 * read from their argument structs, and what the recorder learns passively
 * from the client's own queries (property names, plane types) to tell a
 * cursor plane from a primary one in an atomic commit. No system calls, no
 * device: everything here takes a struct the client passed (after the
 * kernel accepted it, so its pointers were readable) and a state.
 *
 * Bounded: the tables are fixed-size; what does not fit is counted and left
 * unclassified (KR_NONE), never guessed.
 */
#ifndef KR_CLASSIFY_H
#define KR_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kr_kind {
	KR_NONE = 0,
	KR_FLIP,	/* primary plane: sync page flip / FB or position change */
	KR_ASYNC,	/* primary plane: async page flip */
	KR_CURSOR,	/* cursor plane: image or position */
	KR_DRAW,	/* DIRTYFB of a framebuffer on a primary plane: front-buffer drawing */
};

/* When the submission is known to be on the hardware. */
enum kr_timing {
	KR_RETURNS_LATCHED,	/* blocking commit: latched before the ioctl returned */
	KR_RETURNS_WRITTEN,	/* legacy cursor / DIRTYFB: written, latches at the next vblank */
	KR_NONBLOCKING,		/* nonblocking: done by the completion event (if any) */
};

/* What the recorder's cursor flags mean (the timeline's VRC_TL_CUR_*). */
#define KR_CUR_POS	1u
#define KR_CUR_IMAGE	2u
#define KR_CUR_HOTSPOT	4u

struct kr_update {
	uint8_t kind;		/* enum kr_kind */
	uint8_t timing;		/* enum kr_timing */
	uint8_t what;		/* cursor: KR_CUR_* */
	bool event;		/* a completion event was asked for */
	uint64_t user_data;	/* the event's user_data */
	uint32_t obj_id;	/* the plane (atomic, SETPLANE) or CRTC (legacy) */
	uint32_t crtc_id;	/* the CRTC where the ioctl names it (legacy flips), else 0 */
	uint32_t fb_id;
	int32_t x, y;		/* cursor: position */
	uint32_t hot_x, hot_y;	/* cursor: hotspot (CURSOR2) */
	uint32_t y0, y1;	/* draw: rows [y0, y1) of the clips; 0, 0 = whole */
};

/* DRM_PLANE_TYPE_* of the "type" property; unknown until learnt. */
enum kr_plane_type { KR_PLANE_UNKNOWN = -1, KR_PLANE_OVERLAY = 0, KR_PLANE_PRIMARY = 1,
		     KR_PLANE_CURSOR = 2 };

#define KR_MAX_PLANES		16
#define KR_MAX_PLANE_PROPS	32	/* kept per plane until the names are known */
#define KR_MAX_UPDATES		8	/* per ioctl (an atomic commit's planes) */
#define KR_MAX_ATOMIC_OBJS	64
#define KR_MAX_ATOMIC_PROPS	1024
#define KR_MAX_CLIPS		256

struct kr_plane {
	uint32_t id;
	uint32_t prop_id[KR_MAX_PLANE_PROPS];
	uint64_t prop_val[KR_MAX_PLANE_PROPS];
	unsigned nprops;
	/* the last values the recorder saw committed (known: seen once) */
	uint32_t fb_id;
	int32_t x, y;
	bool fb_known, pos_known;
};

#define KR_MAX_CRTCS	8

/* A CRTC as the legacy SETCRTC calls left it. */
struct kr_crtc {
	uint32_t id, fb_id;
	uint16_t hdisplay, vdisplay;
	uint32_t clock;
	bool on;
};

#define KR_MAX_SCANOUT	16

struct kr_state {
	/* framebuffers on a primary plane, by the object that put them there
	 * (a CRTC for the legacy calls, a plane for atomic and SETPLANE) */
	struct { uint32_t obj, fb; } scanout[KR_MAX_SCANOUT];
	unsigned nscanout;
	struct kr_crtc crtcs[KR_MAX_CRTCS];
	unsigned ncrtcs;
	/* property ids by name, 0 while unknown */
	uint32_t prop_fb_id, prop_crtc_x, prop_crtc_y, prop_type;
	struct kr_plane planes[KR_MAX_PLANES];
	unsigned nplanes;
	uint32_t width, height;		/* the geometry seen (mode or framebuffer) */
	/* what could not be classified */
	unsigned planes_untracked;	/* more planes than the table holds */
	unsigned unknown_plane;		/* updates of a plane of unknown type */
	unsigned overlay;		/* updates of overlay planes (not the irq's) */
	unsigned too_large;		/* atomic commits past the bounds */
	unsigned dirty_offscreen;	/* DIRTYFB of a framebuffer not on a primary */
};

void kr_state_init(struct kr_state *s);

/*
 * A request the recorder brackets with counter reads: it may change what is
 * scanned out (decided from the request and, for atomic, its flags alone,
 * before the ioctl runs).
 */
bool kr_request_changes_scanout(unsigned long req, const void *arg);

/*
 * A request that may turn a pipe off or on (a modeset: a SETCRTC that
 * turns the CRTC off or on or changes its mode, an atomic commit allowed to
 * modeset, a CRTC's or connector's property such as ACTIVE or DPMS). A
 * SETCRTC on a CRTC already on with the same mode only replaces the
 * primary's framebuffer: a (blocking) flip, as igt's legacy commits do it. The
 * updates near one cannot be judged: an update just before a pipe goes off
 * never latches, and the device has no vblanks while it is off.
 */
bool kr_request_is_modeset(const struct kr_state *s, unsigned long req, const void *arg);

/*
 * After a successful ioctl: the updates it made (at most max, returned
 * count), and the state advanced to the values it committed. pre_count is
 * the count the client passed in (for queries the kernel fills up to it:
 * OBJ_GETPROPERTIES), ignored otherwise.
 */
unsigned kr_after_ioctl(struct kr_state *s, unsigned long req, const void *arg,
			uint32_t pre_count, struct kr_update *out, unsigned max);

/* The plane's type as learnt so far. */
enum kr_plane_type kr_plane_type(const struct kr_state *s, uint32_t plane_id);

/*
 * The flip-complete events in a buffer read() returned from a DRM fd:
 * calls fn(arg, user_data, crtc_id) for each, stops at a malformed length.
 * Returns the number of flip-complete events.
 */
unsigned kr_flip_events(const void *buf, size_t len,
			void (*fn)(void *arg, uint64_t user_data, uint32_t crtc_id), void *arg);

#endif
