/* SPDX-License-Identifier: MIT */
/*
 * Capture and matching for the tearing checks (SPEC TEAR-1, TEAR-2).
 *
 * Primary plane: QUERY_GFX_PLANE, fetch + map the dmabuf, band CRCs
 * (vrc/bandcrc.h), then match each band against a table of the frames the
 * guest drew (frame id -> band CRCs). The answer is one complete known
 * frame, a torn capture (bands from different frames: the first band where
 * it changes and the two frames), or a band that matches no known frame.
 * CRCs are only ever compared for equality with a known frame: a mismatch
 * means "not that frame", never a verdict of its own.
 *
 * Cursor plane: position, hotspot and a CRC of the whole ARGB image (alpha
 * included: for a cursor it is content), to compare with the guest's state.
 */
#ifndef VRC_CAPTURE_H
#define VRC_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vrc/bandcrc.h"
#include "vrc/irq.h"

#define VRC_NO_FRAME		0xffffffffu
#define VRC_FRAMES_MAX		64u	/* known frames kept; older ones drop out */
#define VRC_HOT_UNKNOWN		0xffffffffu

/* Bands for a frame of this height: 16, more (up to 64) for tall frames,
 * never more than the rows. */
uint32_t vrc_capture_auto_bands(uint32_t height);

/* The guest's known frames, newest last. Ids must increase. */
struct vrc_known_frame {
	uint32_t id;
	uint32_t crc[VRC_BANDS_MAX];
};
struct vrc_frame_table {
	uint32_t nbands;
	uint32_t width, height;		/* every frame has this geometry */
	uint32_t n;			/* valid entries, oldest first */
	struct vrc_known_frame f[VRC_FRAMES_MAX];
};

/* 0, or -EINVAL for a band count outside 1..min(VRC_BANDS_MAX, height). */
int vrc_frames_init(struct vrc_frame_table *t, uint32_t width, uint32_t height,
		    uint32_t nbands);
/* Add frame id from its pixels (XRGB8888, any stride, X byte ignored). The
 * oldest frame drops out when the table is full. -EINVAL: id not newer than
 * the newest, or impossible geometry. */
int vrc_frames_add(struct vrc_frame_table *t, uint32_t id, const void *pixels,
		   uint32_t stride);
/* The same with CRCs already computed (nbands of them). */
int vrc_frames_add_crcs(struct vrc_frame_table *t, uint32_t id, const uint32_t *crc);

enum vrc_match_kind {
	VRC_MATCH_FRAME,	/* every band is this one frame */
	VRC_MATCH_TORN,		/* every band is some known frame, not all the same */
	VRC_MATCH_UNKNOWN,	/* some band matches no known frame */
};

struct vrc_match {
	enum vrc_match_kind kind;
	/* FRAME: the frame (the newest, if identical frames both match).
	 * TORN: the newest frame that bands [0, band) all belong to. */
	uint32_t frame;
	/* TORN: first band not of `frame` and `other`, the newest frame it
	 * belongs to. UNKNOWN: the first band matching no frame. */
	uint32_t band;
	uint32_t other;
	/* per band: the newest frame whose band matches, or VRC_NO_FRAME */
	uint32_t band_frame[VRC_BANDS_MAX];
};

/* Match band CRCs (nbands must equal the table's) against the table.
 * 0, or -EINVAL if the band counts differ. */
int vrc_frames_match(const struct vrc_frame_table *t, const struct vrc_band_crcs *c,
		     struct vrc_match *m);
/* One line for a diagnostic: "frame 7", "torn at band 5: frame 7 above,
 * frame 6 from there", "band 3 matches no known frame". */
const char *vrc_match_str(const struct vrc_match *m, char *buf, size_t len);

/*
 * A primary-plane capture in two steps, so a test can model a read that
 * takes time: open (query, fetch, map), then CRC bands as they are read.
 * Only LINEAR XRGB8888 is read; a tiled plane is -ENOTSUP (detiling is not
 * written yet) and says so in err.
 */
struct vrc_capture {
	struct vrc_plane plane;		/* info as queried; map while open */
	uint32_t nbands;
	struct vrc_band_crcs crc;
	uint32_t bands_read;		/* bitmap-free: count of bands CRC'd */
	const char *path;		/* how the pixels were read: "mmap" */
};

int vrc_capture_open(struct vrc_transport *t, uint32_t nbands, struct vrc_capture *c,
		     char *err, size_t errlen);
/* CRC bands [first, last) of the mapped plane. -EINVAL out of range. */
int vrc_capture_bands(struct vrc_capture *c, uint32_t first, uint32_t last);
void vrc_capture_close(struct vrc_capture *c);
/* open + every band + close: the common instantaneous capture. */
int vrc_capture_primary(struct vrc_transport *t, uint32_t nbands, struct vrc_capture *c,
			char *err, size_t errlen);

/*
 * Mappings kept across captures, keyed by dmabuf id, as QEMU's display code
 * keeps its dmabufs: GVT keeps an id while the buffer's address, size,
 * format, modifier and geometry are unchanged, so a client that flips
 * between a few buffers maps each once. An entry is reused only if the
 * queried geometry is the one it was mapped with; an id that comes back
 * with another geometry names another buffer, and its old mapping is
 * dropped. A mapping shows the buffer live: a hit reads what is in it now.
 * A device that reuses an id for a buffer at another address (same
 * geometry) is served the old buffer, as QEMU would be: SPEC §1 forbids it.
 */
#define VRC_CAPTURE_CACHE_SLOTS	4u
struct vrc_capture_cache {
	struct {
		struct vrc_plane plane;	/* plane.map NULL: free slot */
		uint64_t last_use;
	} e[VRC_CAPTURE_CACHE_SLOTS];
	uint64_t tick;
	uint64_t hits, misses;
	uint64_t dropped;	/* mappings dropped: their id came back reshaped */
};
void vrc_capture_cache_init(struct vrc_capture_cache *cc);
void vrc_capture_cache_fini(struct vrc_capture_cache *cc);
/*
 * The mapping of queried plane q (vrc_plane_query) through the cache: a hit
 * when an entry has q's dmabuf id and geometry, else q's dmabuf is fetched
 * and mapped (vrc_plane_map) into a free or the least recently used slot.
 * *out points into the cache, valid until the next call or fini; take the
 * position and hotspot from q (they change without a new id). On error q
 * keeps what it got (its fd on -ENODEV, for a PRIME fallback): release it.
 */
int vrc_capture_cache_map(struct vrc_transport *t, struct vrc_capture_cache *cc,
			  struct vrc_plane *q, const struct vrc_plane **out, char *err,
			  size_t errlen);
/* vrc_capture_primary through the cache: query, map on a miss, every band.
 * c->plane.map stays owned by the cache (do not close c). */
int vrc_capture_primary_cached(struct vrc_transport *t, struct vrc_capture_cache *cc,
			       uint32_t nbands, struct vrc_capture *c, char *err,
			       size_t errlen);

/* The cursor as the device reports it, or as the guest set it. */
struct vrc_cursor_state {
	bool on;
	int32_t x, y;			/* signed, as CURPOS encodes them */
	uint32_t hot_x, hot_y;		/* VRC_HOT_UNKNOWN if not known */
	uint32_t width, height;
	uint32_t image_crc;		/* CRC-32 over width*4 bytes per row */
	uint32_t dmabuf_id;
};

/* CRC of an ARGB8888 image, stride padding ignored. */
uint32_t vrc_cursor_crc(const void *pixels, uint32_t width, uint32_t height,
			uint32_t stride);
/* Query the cursor plane, map it and CRC the image. A cursor that is off
 * is s->on = false and 0. */
int vrc_capture_cursor(struct vrc_transport *t, struct vrc_cursor_state *s,
		       char *err, size_t errlen);
/*
 * Compare what the device reports with the guest's state: 0 if equal, else
 * 1 with what differs in why. A hotspot the device reports as unknown is
 * accepted (i915 has no hotspot register); a known one must be the guest's.
 */
int vrc_cursor_compare(const struct vrc_cursor_state *dev,
		       const struct vrc_cursor_state *guest, char *why, size_t len);

#endif /* VRC_CAPTURE_H */
