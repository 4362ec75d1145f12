// SPDX-License-Identifier: MIT
/*
 * The display-irq client (SPEC §1, §6): discovery through the irq-info
 * capability chain, eventfd registration, mask/unmask, reading and decoding
 * signals, and the frame counter that places each signal on the vblank axis.
 *
 * Everything the device answers is untrusted: replies are bounded by what we
 * offered, parsed by vrc_caps_parse, and counts are checked before use.
 * Errors are negative errno values; messages go to the caller's err buffer.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "vrc/i915_regs.h"
#include "vrc/irq.h"
#include "vrc/util.h"

/* More irqs than this from GET_INFO is suspicious: only this many are walked. */
#define IRQ_WALK_MAX		64u
/* Largest GET_IRQ_INFO reply we accept, whatever argsz the device asks for. */
#define IRQ_INFO_MAX		4096u
/* Largest SET_IRQS request we build (data and argsz override alike). */
#define SET_IRQS_MAX		(1u << 20)

static uint32_t rd32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* ------------------------------------------------------------ discovery */

static int fetch_once(struct vrc_transport *t, uint32_t index, uint8_t *buf,
		      uint32_t argsz, uint32_t *reply_argsz)
{
	struct vrc_irq_info req = { .argsz = argsz, .index = index };
	int rc;

	memset(buf, 0, argsz);
	memcpy(buf, &req, sizeof(req));
	rc = t->ops->get_irq_info(t, buf, argsz);
	if (rc < 0)
		return rc;
	*reply_argsz = rd32(buf, 0);
	return 0;
}

int vrc_irq_info_fetch(struct vrc_transport *t, uint32_t index, uint8_t *buf,
		       size_t bufsz, size_t *len, char *err, size_t errlen)
{
	uint32_t limit, offered = VRC_IRQ_INFO_SZ, reply;
	int rc;

	*len = 0;
	if (!t || !t->ops || !t->ops->get_irq_info || !buf ||
	    bufsz < VRC_IRQ_INFO_SZ) {
		vrc_seterr(err, errlen, "irq %u: bad arguments to the irq info fetch",
		       index);
		return -EINVAL;
	}
	limit = bufsz < IRQ_INFO_MAX ? (uint32_t)bufsz : IRQ_INFO_MAX;

	rc = fetch_once(t, index, buf, offered, &reply);
	if (rc == -EOVERFLOW) {
		vrc_seterr(err, errlen, "irq %u: GET_IRQ_INFO (argsz %u): the device replied "
			   "with more bytes than argsz", index, offered);
		return rc;
	}
	if (rc < 0) {
		vrc_seterr(err, errlen, "irq %u: GET_IRQ_INFO (argsz %u): %s",
		       index, offered, strerror(-rc));
		return rc;
	}
	if (reply > offered) {
		/* the retry protocol: the device says how much it needs */
		if (reply > limit) {
			vrc_seterr(err, errlen,
			       "irq %u: device asks for argsz %u, more than the %u we accept",
			       index, reply, limit);
			return -EMSGSIZE;
		}
		offered = reply;
		rc = fetch_once(t, index, buf, offered, &reply);
		if (rc < 0) {
			vrc_seterr(err, errlen, "irq %u: GET_IRQ_INFO retry (argsz %u): %s",
			       index, offered, rc == -EOVERFLOW ?
			       "the device replied with more bytes than argsz" : strerror(-rc));
			return rc;
		}
		if (reply > offered) {
			vrc_seterr(err, errlen,
			       "irq %u: device asked for argsz %u, then for %u on the retry",
			       index, offered, reply);
			return -EPROTO;
		}
	}
	*len = reply < offered ? reply : offered;
	return 0;
}

static void map_planes(struct vrc_display_irq *irq)
{
	const struct vrc_display_irq_desc *d = &irq->desc;
	uint32_t n = d->nr_planes;

	if (n > irq->count)
		n = irq->count;
	if (n > VRC_IRQ_MAX_SUB)
		n = VRC_IRQ_MAX_SUB;
	for (uint32_t i = 0; i < n; i++) {
		if (d->plane_type[i] == VRC_PLANE_PRIMARY && irq->sub_primary < 0)
			irq->sub_primary = (int)i;
		else if (d->plane_type[i] == VRC_PLANE_CURSOR && irq->sub_cursor < 0)
			irq->sub_cursor = (int)i;
	}
}

static void irq_init(struct vrc_display_irq *irq, struct vrc_transport *t)
{
	memset(irq, 0, sizeof(*irq));
	irq->t = t;
	irq->sub_primary = -1;
	irq->sub_cursor = -1;
	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
		irq->efd[i] = -1;
	irq->frmcount_reg = VRC_PIPE_FRMCOUNT(0);
}

/* The irq found at idx, its chain parsed into caps. */
static void keep_irq(struct vrc_display_irq *irq, uint32_t idx, const uint8_t *buf,
		     size_t len, const struct vrc_caps *caps)
{
	irq->index = idx;
	irq->flags = rd32(buf, 4);
	irq->count = len >= 16 ? rd32(buf, 12) : 0;
	irq->caps = *caps;
	irq->desc = caps->desc;
	if (caps->desc.has_planes)
		map_planes(irq);
}

/* A display-events or plane-map cap marks the display irq whatever its type. */
static bool looks_like_display(const struct vrc_caps *caps)
{
	return caps->desc.has_events || caps->desc.has_planes;
}

static bool is_display_type(const struct vrc_caps *caps)
{
	return caps->desc.has_type && caps->desc.type == VRC_IRQ_TYPE_GFX &&
	       caps->desc.subtype == VRC_IRQ_SUBTYPE_GFX_DISPLAY_IRQ;
}

/*
 * What makes a display irq that discovery found unusable for every test
 * after it (DISC-1), or NULL: nothing to decode against, or no plane map.
 * Equal non-zero values are left to the tests (bad-values): they still
 * count signals, and the tests report what cannot be told apart.
 */
static const char *unusable(const struct vrc_display_irq *irq)
{
	const struct vrc_display_irq_desc *d = &irq->desc;

	if (d->has_planes)
		return irq->sub_primary < 0 || irq->sub_cursor < 0 ?
		       "its v7 plane map does not name a primary and a cursor sub-irq" : NULL;
	if (!d->has_events)
		return "it has neither a display-plane-events capability nor a plane map";
	if (!d->pri_event_val || !d->cur_event_val)
		return "an event value of its display-plane-events capability is 0";
	return NULL;
}

/*
 * Nothing at index >= 5: a GFX/DISPLAY_IRQ irq at a fixed PCI index is the
 * display irq misplaced (DISC-1), not a device without it. Errors of these
 * indexes are the PCI irqs' business: they only mean "not this one".
 */
static bool display_at_pci_index(struct vrc_transport *t, struct vrc_display_irq *irq,
				 uint32_t num_irqs, uint8_t *buf, size_t bufsz)
{
	for (uint32_t idx = 0; idx < VRC_PCI_NUM_IRQS && idx < num_irqs; idx++) {
		struct vrc_caps caps;
		char ignored[8];
		size_t len;

		if (vrc_irq_info_fetch(t, idx, buf, bufsz, &len, ignored, sizeof(ignored)))
			continue;
		vrc_caps_parse(buf, len, &caps);
		if (is_display_type(&caps)) {
			keep_irq(irq, idx, buf, len, &caps);
			return true;
		}
	}
	return false;
}

int vrc_display_irq_find(struct vrc_transport *t, struct vrc_display_irq *irq,
			 char *err, size_t errlen)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint8_t buf[IRQ_INFO_MAX];
	uint32_t num_irqs, broken_index = 0, broken_off = 0;
	enum vrc_caps_violation broken_v = VRC_CAPS_OK;
	bool capped = false, mistyped = false;
	uint32_t mistyped_index = 0;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	irq_init(irq, t);
	if (!t || !t->ops || !t->ops->get_device_info) {
		vrc_seterr(err, errlen, "no transport");
		return -EINVAL;
	}
	rc = t->ops->get_device_info(t, &info);
	if (rc < 0) {
		vrc_seterr(err, errlen, "DEVICE_GET_INFO: %s", strerror(-rc));
		return rc;
	}
	num_irqs = info.num_irqs;
	if (num_irqs > IRQ_WALK_MAX) {
		num_irqs = IRQ_WALK_MAX;
		capped = true;
	}

	for (uint32_t idx = VRC_PCI_NUM_IRQS; idx < num_irqs; idx++) {
		struct vrc_caps caps;
		size_t len;
		int prc;

		rc = vrc_irq_info_fetch(t, idx, buf, sizeof(buf), &len, err,
					errlen);
		if (rc == -EINVAL) {
			/* not offered (an unpatched kernel answers so) */
			if (err && errlen)
				err[0] = '\0';
			continue;
		}
		if (rc < 0)
			return rc;

		prc = vrc_caps_parse(buf, len, &caps);
		if (prc < 0 && !caps.desc.has_type && broken_v == VRC_CAPS_OK) {
			/* broken before its type cap: it may be the display irq */
			broken_index = idx;
			broken_v = caps.violation;
			broken_off = caps.violation_offset;
		}
		if (!is_display_type(&caps)) {
			if (looks_like_display(&caps) && !mistyped) {
				mistyped = true;
				mistyped_index = idx;
				keep_irq(irq, idx, buf, len, &caps);
			}
			continue;
		}
		if (prc < 0 && !caps.desc.has_events && !caps.desc.has_planes) {
			/* the display irq, but its chain breaks too early */
			if (broken_v == VRC_CAPS_OK) {
				broken_index = idx;
				broken_v = caps.violation;
				broken_off = caps.violation_offset;
			}
			continue;
		}

		keep_irq(irq, idx, buf, len, &caps);
		if (unusable(irq)) {
			vrc_seterr(err, errlen, "irq %u is the display irq, but %s", idx,
				   unusable(irq));
			return -ENOMSG;
		}
		if (capped)
			vrc_seterr(err, errlen,
			       "note: device reports %u irqs; only the first %u walked",
			       info.num_irqs, IRQ_WALK_MAX);
		return 0;
	}

	if (broken_v != VRC_CAPS_OK) {
		vrc_seterr(err, errlen,
		       "irq %u: the capability chain breaks before a display irq is seen: %s at offset %u",
		       broken_index, vrc_caps_violation_str(broken_v), broken_off);
		return -EPROTO;
	}
	if (mistyped) {
		vrc_seterr(err, errlen, "irq %u carries a display-%s capability, but %s",
			   mistyped_index, irq->desc.has_events ? "plane-events" :
			   "plane-map", irq->desc.has_type ?
			   "its irq-type capability is not GFX/DISPLAY_IRQ (1/1)" :
			   "it has no irq-type capability");
		return -ENOMSG;
	}
	if (display_at_pci_index(t, irq, info.num_irqs, buf, sizeof(buf))) {
		vrc_seterr(err, errlen, "the display irq is at the fixed PCI index %u, "
			   "not at an index >= %u", irq->index, VRC_PCI_NUM_IRQS);
		return -ENOMSG;
	}
	vrc_seterr(err, errlen, "no irq index >= %u offers GFX/DISPLAY_IRQ (%u irqs%s)",
	       VRC_PCI_NUM_IRQS, info.num_irqs, capped ? ", walk capped" : "");
	return -ENOENT;
}

/* --------------------------------------------------------- registration */

int __vrc_set_irqs(struct vrc_transport *t, uint32_t flags, uint32_t index,
		   uint32_t start, uint32_t count, const void *data,
		   size_t datalen, uint32_t argsz_override)
{
	struct vfio_irq_set hdr = {
		.flags = flags,
		.index = index,
		.start = start,
		.count = count,
	};
	size_t natural, alloc;
	uint8_t *req;
	int rc;

	if (!t || !t->ops || !t->ops->set_irqs || (datalen && !data) ||
	    datalen > SET_IRQS_MAX || argsz_override > SET_IRQS_MAX)
		return -EINVAL;
	natural = sizeof(hdr) + datalen;
	hdr.argsz = argsz_override ? argsz_override : (uint32_t)natural;
	/* a lying argsz must never make the transport read past the buffer */
	alloc = natural > hdr.argsz ? natural : hdr.argsz;
	req = calloc(1, alloc);
	if (!req)
		return -ENOMEM;
	memcpy(req, &hdr, sizeof(hdr));
	if (datalen)
		memcpy(req + sizeof(hdr), data, datalen);
	rc = t->ops->set_irqs(t, (const struct vfio_irq_set *)(void *)req);
	free(req);
	return rc;
}

int __vrc_display_irq_set_eventfds(struct vrc_display_irq *irq, const int *fds,
				   uint32_t count)
{
	__s32 data[VRC_IRQ_MAX_SUB];

	if (count > VRC_IRQ_MAX_SUB || (count && !fds))
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++)
		data[i] = fds[i];
	return __vrc_set_irqs(irq->t,
			      VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD,
			      irq->index, 0, count, data, count * sizeof(data[0]), 0);
}

int vrc_display_irq_register(struct vrc_display_irq *irq)
{
	int fds[VRC_IRQ_MAX_SUB] = { -1, -1 };
	uint32_t n = irq->count;
	int rc;

	if (n == 0)
		return -EINVAL;
	if (n > VRC_IRQ_MAX_SUB)
		return -E2BIG;
	for (uint32_t i = 0; i < n; i++) {
		fds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fds[i] < 0) {
			rc = -errno;
			goto out_close;
		}
	}
	rc = __vrc_display_irq_set_eventfds(irq, fds, n);
	if (rc < 0)
		goto out_close;
	/* re-registering replaces: the device dropped the old ones */
	for (uint32_t i = 0; i < VRC_IRQ_MAX_SUB; i++) {
		close_fd(&irq->efd[i]);
		irq->efd[i] = fds[i];
	}
	return 0;

out_close:
	for (uint32_t i = 0; i < n; i++)
		close_fd(&fds[i]);
	return rc;
}

int vrc_display_irq_unregister(struct vrc_display_irq *irq)
{
	int rc = __vrc_set_irqs(irq->t,
				VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE,
				irq->index, 0, 0, NULL, 0, 0);

	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
		close_fd(&irq->efd[i]);
	return rc;
}

/* Mask and unmask apply to the whole index: start 0, count = irq count. */
int vrc_display_irq_mask(struct vrc_display_irq *irq, bool mask)
{
	uint32_t action = mask ? VFIO_IRQ_SET_ACTION_MASK :
				 VFIO_IRQ_SET_ACTION_UNMASK;

	return __vrc_set_irqs(irq->t, action | VFIO_IRQ_SET_DATA_NONE,
			      irq->index, 0, irq->count, NULL, 0, 0);
}

int vrc_display_irq_mask_bool(struct vrc_display_irq *irq, bool mask)
{
	uint32_t action = mask ? VFIO_IRQ_SET_ACTION_MASK :
				 VFIO_IRQ_SET_ACTION_UNMASK;
	uint8_t data[VRC_IRQ_MAX_SUB] = { 1, 1 };

	if (irq->count == 0 || irq->count > VRC_IRQ_MAX_SUB)
		return -EINVAL;
	return __vrc_set_irqs(irq->t, action | VFIO_IRQ_SET_DATA_BOOL,
			      irq->index, 0, irq->count, data, irq->count, 0);
}

/* -------------------------------------------------------------- signals */

int vrc_eventfd_drain(int fd, uint64_t *value)
{
	uint64_t v;
	ssize_t n;

	*value = 0;
	do {
		n = read(fd, &v, sizeof(v));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n != (ssize_t)sizeof(v))
		return -EIO;
	*value = v;
	return 1;
}

uint64_t vrc_eventfd_take(int fd)
{
	uint64_t v;

	vrc_eventfd_drain(fd, &v);	/* v is 0 unless a count was read */
	return v;
}

int vrc_read_frame_counter(struct vrc_transport *t, uint32_t reg, uint32_t *val)
{
	uint32_t le = 0;
	int rc;

	*val = 0;
	if (!t || !t->ops || !t->ops->region_read)
		return -EINVAL;
	rc = t->ops->region_read(t, VFIO_PCI_BAR0_REGION_INDEX, reg, &le,
				 sizeof(le));
	if (rc < 0)
		return rc;
	*val = le32toh(le);
	return 0;
}

static void decode_signal(const struct vrc_display_irq *irq,
			  struct vrc_signal *sig)
{
	const struct vrc_display_irq_desc *d = &irq->desc;
	struct vrc_signal_counts *c = &sig->counts;

	if (d->has_events) {
		vrc_decode_value(sig->raw[0], d->pri_event_val,
				 d->cur_event_val, c);
		return;
	}

	memset(c, 0, sizeof(*c));
	if (!d->has_planes) {
		/* nothing to decode against */
		c->residue = sig->raw[0];
		c->saturated = sig->raw[0] >= VRC_EVENTFD_MAX;
		return;
	}
	/* v7: plain counts per sub-irq; any other sub-irq is residue */
	c->exact = true;
	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++) {
		uint64_t v = sig->raw[i];

		if (v >= VRC_EVENTFD_MAX)
			c->saturated = true;
		if ((int)i == irq->sub_primary)
			c->primary = v;
		else if ((int)i == irq->sub_cursor)
			c->cursor = v;
		else if (v) {
			c->residue += v;
			c->exact = false;
		}
	}
	if (c->saturated)
		c->exact = false;
}

static unsigned nr_registered(const struct vrc_display_irq *irq)
{
	unsigned n = 0;

	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
		if (irq->efd[i] >= 0)
			n++;
	return n;
}

static int poll_at(struct vrc_display_irq *irq, struct vrc_signal *sig,
		   uint64_t t_wake)
{
	bool any = false;
	int rc;

	memset(sig, 0, sizeof(*sig));
	if (!nr_registered(irq))
		return -EBADF;
	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++) {
		if (irq->efd[i] < 0)
			continue;
		rc = vrc_eventfd_drain(irq->efd[i], &sig->raw[i]);
		if (rc < 0)
			return rc;
		if (rc > 0)
			any = true;
	}
	if (!any)
		return 0;
	sig->t_wake_ns = t_wake ? t_wake : vrc_now_ns();
	decode_signal(irq, sig);
	/* on failure the drained values stay in sig: the caller may use them */
	rc = vrc_read_frame_counter(irq->t, irq->frmcount_reg,
				    &sig->frame_counter);
	return rc < 0 ? rc : 1;
}

int vrc_display_irq_poll(struct vrc_display_irq *irq, struct vrc_signal *sig)
{
	return poll_at(irq, sig, 0);
}

int vrc_display_irq_wait(struct vrc_display_irq *irq, int timeout_ms,
			 struct vrc_signal *sig)
{
	struct pollfd pfd[VRC_IRQ_MAX_SUB];
	uint64_t deadline, now;
	nfds_t n = 0;
	int rc, left = timeout_ms;

	memset(sig, 0, sizeof(*sig));
	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++) {
		if (irq->efd[i] < 0)
			continue;
		pfd[n].fd = irq->efd[i];
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	if (!n)
		return -EBADF;

	deadline = vrc_now_ns() + (timeout_ms > 0 ? (uint64_t)timeout_ms * 1000000ull : 0);
	for (;;) {
		rc = poll(pfd, n, left);
		if (rc > 0)
			break;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
		if (timeout_ms < 0)
			continue;
		now = vrc_now_ns();
		if (now >= deadline)
			return 0;
		left = (int)((deadline - now + 999999ull) / 1000000ull);
	}
	return poll_at(irq, sig, vrc_now_ns());
}

void vrc_display_irq_close(struct vrc_display_irq *irq)
{
	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
		close_fd(&irq->efd[i]);
}
