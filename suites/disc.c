// SPDX-License-Identifier: MIT
/* DISC: finding the display irq and the shape of its capability chain. */
#include <errno.h>
#include <string.h>

#include "vrc/caps.h"
#include "harness/vrc/vt.h"

/* Discovery the device got wrong is this clause's failure, not a skip. */
static bool found(struct vt *t, enum vrc_clause c)
{
	char why[256];

	if (vt_try_find_irq(t, why, sizeof(why)))
		return true;
	vt_violation(t, c, "display irq not discoverable: %s", why);
	return false;
}

/*
 * DISC-2's irq: a display irq that is misplaced or unusable is DISC-1's
 * failure, and its chain is still there to judge.
 */
static bool chain_found(struct vt *t)
{
	char why[256];
	int rc = vt_find_irq_rc(t, why, sizeof(why));

	if (rc == -ENOMSG) {
		vt_diag(t, "judging the chain of irq %u (DISC-1: %s)", t->irq.index, why);
		return true;
	}
	if (!rc)
		return true;
	vt_violation(t, C_DISC_2, "display irq not discoverable: %s", why);
	return false;
}

#define CANARY		0xa5u
#define SWEEP_MAX	256u	/* largest argsz swept: GVT's chain needs 60 */
#define SWEEP_IRQS	64u	/* indexes >= 5 swept at most (as discovery walks) */

/*
 * Every argsz from the unextended struct to SWEEP_MAX, the caller's buffer
 * filled past argsz with a canary: the device may write argsz bytes and no
 * more (a kernel writes straight into the caller's memory; the transports
 * refuse a longer reply with -EOVERFLOW). 1 if the index is offered.
 */
static int nothing_past_argsz(struct vt *t, uint32_t index)
{
	uint8_t buf[2 * SWEEP_MAX];

	for (uint32_t argsz = VRC_IRQ_INFO_MINSZ; argsz <= SWEEP_MAX; argsz += 4) {
		struct vrc_irq_info req = { .argsz = argsz, .index = index };
		int rc;

		memset(buf, CANARY, sizeof(buf));
		memcpy(buf, &req, sizeof(req) < argsz ? sizeof(req) : argsz);
		rc = t->dev->ops->get_irq_info(t->dev, buf, sizeof(buf));
		if (rc == -EINVAL && argsz == VRC_IRQ_INFO_MINSZ)
			return 0;	/* not offered */
		if (rc == -EOVERFLOW) {
			vt_violation(t, C_DISC_2, "irq %u, argsz %u: the device replied with more "
				     "than argsz bytes", index, argsz);
			return 1;
		}
		if (rc) {
			vt_violation(t, C_DISC_2, "irq %u: GET_IRQ_INFO(argsz %u) refused: %s", index,
				     argsz, strerror(-rc));
			return 1;
		}
		for (uint32_t i = argsz; i < sizeof(buf); i++)
			if (buf[i] != CANARY) {
				vt_violation(t, C_DISC_2, "irq %u, argsz %u: byte %u written, past "
					     "argsz", index, argsz, i);
				return 1;
			}
	}
	return 1;
}

/* Every index >= 5 the device has, before discovery reads any of them. */
static void sweep_device_irqs(struct vt *t)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int rc = t->dev->ops->get_device_info(t->dev, &info);

	if (rc)
		vt_abort(t, "DEVICE_GET_INFO failed: %s", strerror(-rc));
	for (uint32_t idx = VRC_PCI_NUM_IRQS; idx < info.num_irqs && idx < SWEEP_IRQS; idx++)
		nothing_past_argsz(t, idx);
}

static enum vrc_result disc_display_irq(struct vt *t)
{
	const struct vrc_display_irq_desc *d;

	vt_open_device(t);
	if (!found(t, C_DISC_1))
		return R_FAIL;
	d = &t->irq.desc;
	vt_diag(t, "display irq at index %u, abi %s, count %u, flags %#x", t->irq.index,
		vrc_abi_str(d->abi), t->irq.count, t->irq.flags);
	if (t->irq.index < VRC_PCI_NUM_IRQS)
		vt_violation(t, C_DISC_1, "display irq at fixed PCI index %u", t->irq.index);
	if (!d->has_type || d->type != VRC_IRQ_TYPE_GFX ||
	    d->subtype != VRC_IRQ_SUBTYPE_GFX_DISPLAY_IRQ)
		vt_violation(t, C_DISC_1, "type cap says %u/%u, want GFX/DISPLAY_IRQ (1/1)",
			     d->type, d->subtype);
	if (!(t->irq.flags & VRC_IRQ_INFO_FLAG_EVENTFD))
		vt_violation(t, C_DISC_1, "irq lacks the EVENTFD flag (flags %#x)", t->irq.flags);
	if (d->abi == VRC_ABI_V7) {
		if (t->irq.sub_primary < 0 || t->irq.sub_cursor < 0 || d->nr_planes != t->irq.count)
			vt_violation(t, C_DISC_1, "v7 plane map does not name a primary and a "
				     "cursor sub-irq for each of %u", t->irq.count);
	} else if (!d->has_events) {
		vt_violation(t, C_DISC_1, "no display-plane-events capability");
	} else {
		vt_diag(t, "event values: primary %#llx cursor %#llx",
			(unsigned long long)d->pri_event_val, (unsigned long long)d->cur_event_val);
		if (!d->pri_event_val || !d->cur_event_val || d->pri_event_val == d->cur_event_val)
			vt_violation(t, C_DISC_1, "event values must be non-zero and distinct");
	}
	return R_PASS;
}

static enum vrc_result disc_chain_well_formed(struct vt *t)
{
	uint8_t buf[4096];
	struct vrc_irq_info fixed;
	struct vrc_caps caps;
	int rc;

	vt_open_device(t);
	sweep_device_irqs(t);
	if (!chain_found(t))
		return R_FAIL;
	/* The argsz retry protocol: too small for the chain. */
	memset(buf, 0, sizeof(buf));
	fixed = (struct vrc_irq_info){ .argsz = VRC_IRQ_INFO_SZ, .index = t->irq.index };
	memcpy(buf, &fixed, sizeof(fixed));
	rc = t->dev->ops->get_irq_info(t->dev, buf, sizeof(buf));
	if (rc)
		vt_abort(t, "GET_IRQ_INFO(argsz 20) failed: %s", strerror(-rc));
	memcpy(&fixed, buf, sizeof(fixed));
	if (!(fixed.flags & VRC_IRQ_INFO_FLAG_CAPS) || fixed.argsz <= VRC_IRQ_INFO_SZ ||
	    fixed.cap_offset)
		vt_violation(t, C_DISC_2, "argsz 20: want FLAG_CAPS, a larger argsz and "
			     "cap_offset 0; got flags %#x argsz %u cap_offset %u",
			     fixed.flags, fixed.argsz, fixed.cap_offset);
	uint32_t need = fixed.argsz;
	if (need > sizeof(buf))
		vt_violation(t, C_DISC_2, "device asks for argsz %u (> %zu)", need, sizeof(buf));
	if (t->violated)
		return R_FAIL;
	/* Short by any amount (every aligned argsz below need): still no chain. */
	for (uint32_t a = VRC_IRQ_INFO_SZ + 4; a < need && !t->violated; a += 4) {
		memset(buf, 0, sizeof(buf));
		fixed = (struct vrc_irq_info){ .argsz = a, .index = t->irq.index };
		memcpy(buf, &fixed, sizeof(fixed));
		if (t->dev->ops->get_irq_info(t->dev, buf, sizeof(buf)))
			continue;
		memcpy(&fixed, buf, sizeof(fixed));
		if (fixed.cap_offset)
			vt_violation(t, C_DISC_2, "argsz %u (%u short of %u) got cap_offset %u, "
				     "want 0", a, need - a, need, fixed.cap_offset);
	}
	/* The full chain, parsed strictly. */
	memset(buf, 0, sizeof(buf));
	fixed = (struct vrc_irq_info){ .argsz = need, .index = t->irq.index };
	memcpy(buf, &fixed, sizeof(fixed));
	rc = t->dev->ops->get_irq_info(t->dev, buf, sizeof(buf));
	if (rc)
		vt_abort(t, "GET_IRQ_INFO(argsz %u) failed: %s", need, strerror(-rc));
	if (vrc_caps_parse(buf, need, &caps))
		vt_violation(t, C_DISC_2, "malformed chain: %s at offset %u (argsz %u, %u caps before it)",
			     vrc_caps_violation_str(caps.violation), caps.violation_offset,
			     need, caps.ncaps);
	else
		vt_diag(t, "chain of %u caps in argsz %u, abi %s", caps.ncaps, need,
			vrc_abi_str(caps.desc.abi));
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "disc-display-irq", .clauses = CL(C_DISC_1),
	  .desc = "walk irq indexes >= 5 and find GFX/DISPLAY_IRQ with usable event values",
	  .run = disc_display_irq },
	{ .name = "disc-chain-well-formed", .clauses = CL(C_DISC_2),
	  .desc = "argsz retry protocol, nothing written past any argsz, a strict parse of the "
		  "whole chain",
	  .run = disc_chain_well_formed },
};
const struct vrc_suite vrc_suite_disc = VRC_SUITE("disc", tests);
