/* SPDX-License-Identifier: MIT */
/*
 * The irq-info capability chain parser (SPEC §1, DISC-1/DISC-2). Input is a
 * device's reply: untrusted bytes. The parser never reads outside `len`,
 * copies unaligned fields with memcpy, stops at loops, and reports the first
 * violation while keeping what it found before it, so discovery can go on
 * past a malformed tail (DISC-2 judges strictness; others need the irq).
 */
#ifndef VRC_CAPS_H
#define VRC_CAPS_H

#include <stddef.h>
#include <stdint.h>
#include "vrc/uapi.h"

#define VRC_CAPS_MAX	16u	/* more caps than this is a malformed chain */

struct vrc_cap_ref {
	uint16_t id;
	uint16_t version;
	uint32_t offset;	/* where the header is in the buffer */
	uint32_t next;
};

enum vrc_caps_violation {
	VRC_CAPS_OK = 0,
	VRC_CAPS_NO_CHAIN,		/* FLAG_CAPS clear or cap_offset 0 */
	VRC_CAPS_SHORT_BUFFER,		/* len < 20 */
	VRC_CAPS_OFFSET_IN_HEADER,	/* an offset points into the fixed 20 bytes */
	VRC_CAPS_OFFSET_OUT_OF_BOUNDS,	/* header (or payload) beyond argsz/len */
	VRC_CAPS_MISALIGNED,		/* offset not 4-byte aligned */
	VRC_CAPS_LOOP,			/* next points back (offsets must increase) */
	VRC_CAPS_TOO_MANY,
	VRC_CAPS_BAD_VERSION,		/* a known cap with version != 1 */
	VRC_CAPS_BAD_PAYLOAD,		/* a known cap too short for its payload */
	VRC_CAPS_DUPLICATE,		/* the same id twice */
};

struct vrc_display_irq_desc {
	enum vrc_abi abi;		/* detected revision, or UNKNOWN */
	uint32_t type, subtype;		/* from the type cap (0 if absent) */
	int has_type;
	/* v5/v6: the values; v7: 0 */
	uint64_t pri_event_val;
	uint64_t cur_event_val;
	int has_events;
	/* v7: sub-irq -> DRM_PLANE_TYPE_* */
	uint32_t nr_planes;
	uint32_t plane_type[VRC_V7_MAX_PLANES];
	int has_planes;
};

struct vrc_caps {
	struct vrc_cap_ref cap[VRC_CAPS_MAX];
	unsigned ncaps;
	enum vrc_caps_violation violation;
	uint32_t violation_offset;	/* where the first violation was seen */
	struct vrc_display_irq_desc desc;	/* interpretation of what was found */
};

/*
 * Parse the reply in buf (len bytes actually returned; the fixed part's
 * argsz is read from buf and bounds the chain together with len).
 * Returns 0 when the chain is well formed, -EPROTO when a violation was
 * found (caps->violation says which; what came before it is kept).
 * No chain at all (FLAG_CAPS clear or cap_offset 0) returns 0 with ncaps 0
 * and violation VRC_CAPS_NO_CHAIN: legal for an irq, so informational, not
 * a DISC-2 failure (a display irq without caps fails DISC-1, caller's call).
 * violation_offset is the offending offset: the cap_offset/next value for
 * pointer violations, the cap's own offset for version/payload/duplicate.
 */
int vrc_caps_parse(const void *buf, size_t len, struct vrc_caps *caps);
const char *vrc_caps_violation_str(enum vrc_caps_violation v);
/* "v5", "v6", "v7", "unknown" */
const char *vrc_abi_str(enum vrc_abi abi);

#endif /* VRC_CAPS_H */
