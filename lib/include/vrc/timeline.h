/* SPDX-License-Identifier: MIT */
/*
 * The guest timeline: what a workload (vrc-wl) did, per vblank, written by
 * the guest as JSON and read back by the host to build the expected events
 * of the oracle (oracle.h) on the hardware frame-counter axis.
 *
 * Sequences. Every sequence in a timeline is on the backend's own vblank
 * axis: the DRM vblank count on kms (page-flip event `sequence`,
 * drmCrtcGetSequence), the hardware frame counter itself on the sim.
 * Hardware frame count = sequence + hw_offset (mod 2^32). Vblank F is the
 * vblank that leaves the counter at F (the DRM count and PIPE_FRMCOUNT both
 * increment at the vblank, and a flip event carries the incremented value).
 * All comparisons are wrap-safe (32-bit differences).
 *
 * Schema (version 1). Unknown keys are ignored; every key listed is required
 * unless marked optional.
 *
 *   { "format": "vrc-timeline", "version": 1,
 *     "backend": "sim" | "kms", "device": "/dev/dri/card0" or the ivshmem path,
 *     "workload": "flip" | "draw" | "cursor" | "mixed" | "idle",
 *     "params": { "every": "1", "seed": "7", ... }   strings, the command line
 *     "geometry": { "width": W, "height": H, "stride": S, "format": "XRGB8888",
 *                   "refresh_mhz": 60000 }           refresh 0: unknown
 *     "hw_offset": { "exact": true, "value": N } | { "exact": false },
 *     "span": { "first": S0, "last": S1 },           sequences the run covered
 *     "bands": 16,                                    band CRCs per frame
 *     "frames": [ { "id": i, "crc": [bands x u32] } ],   id == index
 *     "cursor_images": [ { "id": i, "width": 64, "height": 64, "crc": u32 } ],
 *     "events": [ ... ] in submission order (non-decreasing "before"),
 *     "skipped": [ { "what": "async", "reason": "..." } ]   optional
 *   }
 *
 * Events; each carries "before"/"after", the sequence read right before and
 * right after the submitting ioctl (or ring write): what it submitted latches
 * at the first vblank after the write, so at one of before+1 .. after+1.
 *   { "t": "flip",  before, after, "seq": S, "frame": f }
 *        sync page flip; S is the vblank where it latched (the flip event's
 *        sequence): exact. Several flips with the same S are a burst; the
 *        last of them is the frame on screen from S on.
 *   { "t": "async", before, after, "seq": S, "frame": f }
 *        async flip: on screen at once, S the sequence at completion.
 *   { "t": "cursor", before, after, "what": ["pos","image","hotspot"],
 *        "x", "y", "hot_x", "hot_y", "image" }
 *        cursor state after the update: x, y the top-left of the image on
 *        the CRTC (what CURPOS / drmModeMoveCursor take), hotspot inside it.
 *   { "t": "draw", before, after, "frame": f, "y0", "y1" }
 *        front-buffer write of rows [y0, y1) with no flip; f identifies the
 *        buffer's whole content after the write.
 *
 * Frame CRCs: vrc_band_crc_xrgb() over width x height, `bands` bands.
 * Cursor image CRC: zlib CRC-32 over the width*height ARGB8888 pixels,
 * packed rows, little-endian, alpha included.
 */
#ifndef VRC_TIMELINE_H
#define VRC_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vrc/bandcrc.h"
#include "vrc/oracle.h"

#define VRC_TL_VERSION		1u
/* Limits: a timeline beyond any of them is rejected, not truncated. */
#define VRC_TL_MAX_BYTES	(32u << 20)
#define VRC_TL_MAX_FRAMES	50000u
#define VRC_TL_MAX_EVENTS	200000u
#define VRC_TL_MAX_SPAN		1000000u	/* vblanks, ~4.6 h at 60 Hz */
#define VRC_TL_MAX_IMAGES	64u
#define VRC_TL_MAX_PARAMS	32u
#define VRC_TL_MAX_SKIPS	16u
#define VRC_TL_MAX_DIM		16384u
#define VRC_TL_MAX_CURSOR	256u		/* cursor image edge */
#define VRC_TL_MAX_POS		65536		/* |x|, |y| of a cursor */

enum vrc_tl_kind {
	VRC_TL_FLIP = 1,
	VRC_TL_ASYNC,
	VRC_TL_CURSOR,
	VRC_TL_DRAW,
};

/* What a cursor update changed. */
#define VRC_TL_CUR_POS		1u
#define VRC_TL_CUR_IMAGE	2u
#define VRC_TL_CUR_HOTSPOT	4u

struct vrc_tl_event {
	uint8_t kind;		/* enum vrc_tl_kind */
	uint8_t what;		/* cursor: VRC_TL_CUR_* */
	uint8_t pad[2];
	uint32_t before, after;	/* sequences around the submission */
	uint32_t seq;		/* flip: latched vblank; async: completion */
	uint32_t frame;		/* flip, async, draw: frame id */
	int32_t x, y;		/* cursor state after the update */
	uint32_t hot_x, hot_y, image;
	uint32_t y0, y1;	/* draw: rows [y0, y1) */
};

struct vrc_tl_frame {
	uint32_t id;
	uint32_t crc[VRC_BANDS_MAX];	/* `bands` of them used */
};

struct vrc_tl_image {
	uint32_t id, width, height, crc;
};

struct vrc_tl_param {
	char name[32];
	char value[64];
};

struct vrc_tl_skip {
	char what[32];
	char reason[160];
};

struct vrc_timeline {
	char backend[8];		/* "sim" or "kms" */
	char device[128];
	char workload[16];
	struct vrc_tl_param params[VRC_TL_MAX_PARAMS];
	unsigned nparams;
	uint32_t width, height, stride, refresh_mhz;
	bool offset_exact;
	uint32_t hw_offset;		/* valid if offset_exact */
	uint32_t first, last;		/* span of sequences */
	uint32_t bands;
	struct vrc_tl_frame *frames;
	size_t nframes, cap_frames;
	struct vrc_tl_image images[VRC_TL_MAX_IMAGES];
	unsigned nimages;
	struct vrc_tl_event *events;
	size_t nevents, cap_events;
	struct vrc_tl_skip skips[VRC_TL_MAX_SKIPS];
	unsigned nskips;
};

/* ---- writer (the workload program) */

/* Zeroes *tl and sets backend, workload, bands. */
void vrc_timeline_init(struct vrc_timeline *tl, const char *backend, const char *workload,
		       uint32_t bands);
int vrc_timeline_set_param(struct vrc_timeline *tl, const char *name, const char *value);
/* Adds a frame with the next id (returned in *id). -E2BIG past the limit. */
int vrc_timeline_add_frame(struct vrc_timeline *tl, const uint32_t *crc, uint32_t *id);
int vrc_timeline_add_image(struct vrc_timeline *tl, uint32_t width, uint32_t height,
			   uint32_t crc, uint32_t *id);
int vrc_timeline_add_event(struct vrc_timeline *tl, const struct vrc_tl_event *ev);
int vrc_timeline_add_skip(struct vrc_timeline *tl, const char *what, const char *reason);
/* Validates (as the parser would) and writes path atomically (tmp + rename). */
int vrc_timeline_write(const struct vrc_timeline *tl, const char *path, char *err,
		       size_t errlen);
/* The JSON text (malloc'd, caller frees), after validation; NULL on error. */
char *vrc_timeline_to_json(const struct vrc_timeline *tl, char *err, size_t errlen);

/* ---- reader (the host; untrusted input) */

/*
 * Parses and validates len bytes (need not be NUL-terminated). Returns 0 and
 * *out (free with vrc_timeline_free), or -EINVAL (malformed, with the
 * offending key or index in err) or -E2BIG (over a limit).
 */
int vrc_timeline_parse(const char *buf, size_t len, struct vrc_timeline **out,
		       char *err, size_t errlen);
int vrc_timeline_load(const char *path, struct vrc_timeline **out, char *err, size_t errlen);
/* Checks everything the parser checks on an in-memory timeline. */
int vrc_timeline_validate(const struct vrc_timeline *tl, char *err, size_t errlen);
/* Frees what parse/load returned, or the arrays of one built in place. */
void vrc_timeline_free(struct vrc_timeline *tl);
void vrc_timeline_release(struct vrc_timeline *tl);	/* arrays only */
const char *vrc_timeline_param(const struct vrc_timeline *tl, const char *name);

/* ---- expectations for the oracle */

struct vrc_tl_expect_stats {
	unsigned flips, asyncs, cursors, draws;	/* marked inside the window */
	unsigned outside;	/* events whose vblank fell outside the window */
	unsigned unjudged;	/* latch window too wide to judge (see below) */
};

/*
 * Adds the guest's events to vb[0..n), where vb[i] is the vblank with
 * hardware frame count first + i and hw = seq + hw_offset: flip, cursor and
 * draw are incremented (saturating at 255), nothing else is touched (zero
 * vb first). Returns 0, or -EINVAL for bad arguments.
 *
 * Attribution. A sync flip latched at the event sequence or earlier: a
 * driver completes the flip (and takes the sequence) in its vblank handler,
 * which a slow guest runs a vblank late, so the latch is one of before+1 ..
 * seq (seq itself when the two agree, the usual case). Everything else
 * latches at one of before+1 .. after+1 (a vblank may pass during the
 * ioctl). Each clause gets the end of that window that cannot make a
 * correct device fail:
 *  - sync flips, cursor updates (EVT-3) and async flips (EVT-2) are checked forwards,
 *    "a signal within [k, k+1]": they go to the EARLIEST candidate before+1.
 *    With one vblank passing during the ioctl (after == before + 1) the two
 *    candidates are exactly that window, so a correct device is never
 *    flagged and a device one vblank later than the latest candidate still
 *    is. Marking the later candidate instead would flag a correct device that
 *    latched at the earlier one. If more than one vblank passed (a preempted
 *    ioctl), no single mark is safe: the event is not marked and is counted
 *    in `unjudged`, which the harness should report.
 *  - front-buffer draws (EVT-4) measure silent stretches from the first
 *    draw: they go to the LATEST candidate after+1, which can only shorten a
 *    measured gap; the bound (THR + 2) leaves room for that.
 */
int vrc_timeline_expect(const struct vrc_timeline *tl, uint32_t hw_offset, uint32_t first,
			struct vrc_vblank *vb, size_t n, struct vrc_tl_expect_stats *st);

#endif /* VRC_TIMELINE_H */
