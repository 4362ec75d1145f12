// SPDX-License-Identifier: MIT
/*
 * The irq-info capability chain parser (SPEC §1, DISC-1, DISC-2).
 *
 * Two passes over untrusted bytes:
 *   1. structure: follow cap_offset/next inside min(argsz, len), checking
 *      each pointer (not into the fixed part, 4-byte aligned, header inside
 *      the bound, strictly increasing so no loop is possible), the number of
 *      caps and duplicate ids;
 *   2. meaning: pick the id numbering (v5: type 3, events 4; v6/v7: type 1,
 *      events 2, plane map 3), then check each known cap's version and
 *      payload in chain order and interpret it.
 * A violation in pass 2 is always earlier in the chain than one from pass 1
 * (pass 2 only sees the caps kept by pass 1), so what is reported is the
 * first violation in chain order, and every cap kept has been interpreted.
 *
 * An irq without a chain (FLAG_CAPS clear or cap_offset 0) is legal: that is
 * returned as 0 with ncaps 0 and violation VRC_CAPS_NO_CHAIN, which is
 * informational, not a DISC-2 failure. Whether the display irq may lack caps
 * (it may not: DISC-1) is for the caller to judge.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "vrc/caps.h"

#define CAP_HDR_SZ	8u
#define CAP_TYPE_SZ	16u	/* header + type + subtype */
#define CAP_EVENTS_SZ	24u	/* header + cur_event_val + pri_event_val */
#define CAP_PLANES_HDR	12u	/* header + nr_planes; plane_type[] follows */

enum numbering {
	NUM_NONE,
	NUM_V5,		/* type 3, events 4 */
	NUM_V6V7,	/* type 1, events 2, planes 3 */
};

static uint32_t rd32(const uint8_t *p, uint64_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint16_t rd16(const uint8_t *p, uint64_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p, uint64_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static int fail(struct vrc_caps *caps, enum vrc_caps_violation v, uint64_t off)
{
	caps->violation = v;
	caps->violation_offset = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
	return -EPROTO;
}

/* Pass 1: the pointers. Returns 0 or -EPROTO with caps->violation set. */
static int walk_chain(const uint8_t *p, uint64_t bound, uint32_t first,
		      struct vrc_caps *caps)
{
	uint64_t off = first;

	for (;;) {
		struct vrc_cap_ref *ref;

		if (off < VRC_IRQ_INFO_SZ)
			return fail(caps, VRC_CAPS_OFFSET_IN_HEADER, off);
		if (off % 4)
			return fail(caps, VRC_CAPS_MISALIGNED, off);
		if (off + CAP_HDR_SZ > bound)
			return fail(caps, VRC_CAPS_OFFSET_OUT_OF_BOUNDS, off);
		if (caps->ncaps >= VRC_CAPS_MAX)
			return fail(caps, VRC_CAPS_TOO_MANY, off);

		ref = &caps->cap[caps->ncaps];
		ref->offset = (uint32_t)off;
		ref->id = rd16(p, off);
		ref->version = rd16(p, off + 2);
		ref->next = rd32(p, off + 4);
		for (unsigned i = 0; i < caps->ncaps; i++)
			if (caps->cap[i].id == ref->id)
				return fail(caps, VRC_CAPS_DUPLICATE, off);
		caps->ncaps++;

		if (ref->next == 0)
			return 0;
		/*
		 * next must land past this cap's header: anything at or
		 * before it points back (or into the header itself), which
		 * is how a loop starts.
		 */
		if (ref->next < off + CAP_HDR_SZ)
			return fail(caps, VRC_CAPS_LOOP, ref->next);
		off = ref->next;
	}
}

static enum numbering pick_numbering(const struct vrc_caps *caps)
{
	bool has3 = false, has4 = false;

	for (unsigned i = 0; i < caps->ncaps; i++) {
		switch (caps->cap[i].id) {
		case VRC_V6_CAP_TYPE:
			return NUM_V6V7;
		case VRC_V5_CAP_TYPE:
			has3 = true;
			break;
		case VRC_V5_CAP_DISPLAY:
			has4 = true;
			break;
		}
	}
	return (has3 || has4) ? NUM_V5 : NUM_NONE;
}

enum cap_kind { CAP_UNKNOWN, CAP_TYPE, CAP_EVENTS, CAP_PLANES };

static enum cap_kind kind_of(enum numbering num, uint16_t id)
{
	if (num == NUM_V5) {
		if (id == VRC_V5_CAP_TYPE)
			return CAP_TYPE;
		if (id == VRC_V5_CAP_DISPLAY)
			return CAP_EVENTS;
	} else if (num == NUM_V6V7) {
		if (id == VRC_V6_CAP_TYPE)
			return CAP_TYPE;
		if (id == VRC_V6_CAP_DISPLAY)
			return CAP_EVENTS;
		if (id == VRC_V7_CAP_PLANES)
			return CAP_PLANES;
	}
	return CAP_UNKNOWN;
}

/*
 * A known cap's payload must fit in the bound and, when another cap
 * follows, end at or before it (overlapping caps are malformed).
 */
static bool payload_fits(const struct vrc_cap_ref *ref, uint64_t bound,
			 uint64_t size)
{
	uint64_t end = (uint64_t)ref->offset + size;

	if (end > bound)
		return false;
	/* a backward next is the LOOP pass 1 reported, not an overlap */
	if (ref->next >= (uint64_t)ref->offset + CAP_HDR_SZ && ref->next < end)
		return false;
	return true;
}

/* Pass 2: check and interpret one known cap. */
static int interpret(const uint8_t *p, uint64_t bound,
		     const struct vrc_cap_ref *ref, enum cap_kind kind,
		     struct vrc_caps *caps)
{
	struct vrc_display_irq_desc *d = &caps->desc;
	uint64_t off = ref->offset;
	uint32_t nr;

	if (ref->version != 1)
		return fail(caps, VRC_CAPS_BAD_VERSION, off);

	switch (kind) {
	case CAP_TYPE:
		if (!payload_fits(ref, bound, CAP_TYPE_SZ))
			return fail(caps, VRC_CAPS_BAD_PAYLOAD, off);
		d->type = rd32(p, off + 8);
		d->subtype = rd32(p, off + 12);
		d->has_type = 1;
		break;
	case CAP_EVENTS:
		if (!payload_fits(ref, bound, CAP_EVENTS_SZ))
			return fail(caps, VRC_CAPS_BAD_PAYLOAD, off);
		/* the two u64s are only 4-byte aligned in GVT's chain */
		d->cur_event_val = rd64(p, off + 8);
		d->pri_event_val = rd64(p, off + 16);
		d->has_events = 1;
		break;
	case CAP_PLANES:
		if (!payload_fits(ref, bound, CAP_PLANES_HDR))
			return fail(caps, VRC_CAPS_BAD_PAYLOAD, off);
		nr = rd32(p, off + 8);
		if (nr > VRC_V7_MAX_PLANES ||
		    !payload_fits(ref, bound, CAP_PLANES_HDR + 4ull * nr))
			return fail(caps, VRC_CAPS_BAD_PAYLOAD, off);
		d->nr_planes = nr;
		for (uint32_t i = 0; i < nr; i++)
			d->plane_type[i] = rd32(p, off + CAP_PLANES_HDR + 4ull * i);
		d->has_planes = 1;
		break;
	case CAP_UNKNOWN:
		break;
	}
	return 0;
}

static enum vrc_abi pick_abi(enum numbering num,
			     const struct vrc_display_irq_desc *d)
{
	if (num == NUM_V5)
		return (d->has_type || d->has_events) ? VRC_ABI_V5 : VRC_ABI_UNKNOWN;
	if (num == NUM_V6V7 && d->has_type) {
		if (d->has_events && !d->has_planes)
			return VRC_ABI_V6;
		if (d->has_planes && !d->has_events)
			return VRC_ABI_V7;
	}
	return VRC_ABI_UNKNOWN;
}

int vrc_caps_parse(const void *buf, size_t len, struct vrc_caps *caps)
{
	const uint8_t *p = buf;
	uint32_t argsz, flags, cap_offset;
	enum numbering num;
	uint64_t bound;
	int rc;

	memset(caps, 0, sizeof(*caps));
	if (!buf || len < 8)
		return fail(caps, VRC_CAPS_SHORT_BUFFER, 0);

	argsz = rd32(p, 0);
	flags = rd32(p, 4);
	/*
	 * No chain announced: legal for any irq, and the unextended 16-byte
	 * struct (no cap_offset at all) is fine then.
	 */
	if (!(flags & VRC_IRQ_INFO_FLAG_CAPS)) {
		caps->violation = VRC_CAPS_NO_CHAIN;
		return 0;
	}
	if (len < VRC_IRQ_INFO_SZ || argsz < VRC_IRQ_INFO_SZ)
		return fail(caps, VRC_CAPS_SHORT_BUFFER, 0);
	cap_offset = rd32(p, 16);
	if (cap_offset == 0) {
		caps->violation = VRC_CAPS_NO_CHAIN;
		return 0;
	}

	bound = argsz < len ? argsz : len;
	rc = walk_chain(p, bound, cap_offset, caps);

	num = pick_numbering(caps);
	for (unsigned i = 0; i < caps->ncaps; i++) {
		const struct vrc_cap_ref *ref = &caps->cap[i];
		enum cap_kind kind = kind_of(num, ref->id);

		if (kind == CAP_UNKNOWN)
			continue;
		if (interpret(p, bound, ref, kind, caps)) {
			/* earlier than anything pass 1 found: drop the rest */
			caps->ncaps = i;
			rc = -EPROTO;
			break;
		}
	}
	caps->desc.abi = pick_abi(num, &caps->desc);
	return rc;
}

const char *vrc_caps_violation_str(enum vrc_caps_violation v)
{
	switch (v) {
	case VRC_CAPS_OK:			return "well formed";
	case VRC_CAPS_NO_CHAIN:			return "no capability chain";
	case VRC_CAPS_SHORT_BUFFER:		return "reply shorter than the 20-byte irq info";
	case VRC_CAPS_OFFSET_IN_HEADER:		return "capability offset inside the fixed irq info";
	case VRC_CAPS_OFFSET_OUT_OF_BOUNDS:	return "capability beyond argsz or the reply";
	case VRC_CAPS_MISALIGNED:		return "capability offset not 4-byte aligned";
	case VRC_CAPS_LOOP:			return "capability next does not move forward (loop)";
	case VRC_CAPS_TOO_MANY:			return "too many capabilities";
	case VRC_CAPS_BAD_VERSION:		return "known capability with version != 1";
	case VRC_CAPS_BAD_PAYLOAD:		return "known capability payload truncated or overlapping";
	case VRC_CAPS_DUPLICATE:		return "duplicate capability id";
	}
	return "unknown violation";
}

const char *vrc_abi_str(enum vrc_abi abi)
{
	switch (abi) {
	case VRC_ABI_V5:	return "v5";
	case VRC_ABI_V6:	return "v6";
	case VRC_ABI_V7:	return "v7";
	case VRC_ABI_UNKNOWN:	break;
	}
	return "unknown";
}
