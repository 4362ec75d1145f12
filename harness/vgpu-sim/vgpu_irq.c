// SPDX-License-Identifier: MIT
/*
 * The display irq of one emulated vGPU: GET_IRQ_INFO with its capability
 * chain (SPEC §1, §6), SET_IRQS with standard VFIO semantics unless the
 * model's traits say otherwise, and the eventfd signalling itself.
 *
 * Eventfds come from the client and may be blocking: a write that would
 * block (counter full) is skipped and counted, never attempted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vgpu_priv.h"
#include "vrc/util.h"

#define DATA_MASK	(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | \
			 VFIO_IRQ_SET_DATA_EVENTFD)
#define ACTION_MASK	(VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK | \
			 VFIO_IRQ_SET_ACTION_TRIGGER)

void vgpu_irq_init(struct vgpu *v)
{
	for (unsigned i = 0; i < VGPU_MAX_SUBIRQ; i++)
		v->trig[i] = -1;
}

unsigned vgpu_irq_count(const struct vgpu *v)
{
	return v->abi == VRC_ABI_V7 ? 2u : 1u;
}

/* ---- eventfds */

bool vgpu_is_eventfd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	if (fd < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return !strcmp(link, "anon_inode:[eventfd]");
}

/* An eventfd of ours, by number, for vrc_fdinfo_u64(). */
static int efd_fdinfo(int fd, const char *key, int base, uint64_t *val)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", fd);
	return vrc_fdinfo_u64(0, num, key, base, val);
}

int vgpu_efd_count(int fd, uint64_t *count)
{
	return efd_fdinfo(fd, "eventfd-count:", 16, count);
}

/*
 * Would adding val block? The kernel adds at once iff ULLONG_MAX - count >
 * val. Only readers run concurrently, and they only lower the counter.
 * Without fdinfo, fall back to POLLOUT, which is exact for val == 1.
 */
static bool efd_has_room(int fd, uint64_t val)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	uint64_t count;

	if (!vgpu_efd_count(fd, &count))
		return ~0ull - count > val;
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT);
}

static void efd_add(struct vgpu *v, int fd, uint64_t val)
{
	if (fd < 0)
		return;
	if (!efd_has_room(fd, val) || write(fd, &val, sizeof(val)) != sizeof(val))
		v->saturated++;
}

/* One sub-irq's current eventfd and, for LEAK, the old ones still signalled. */
static void signal_sub(struct vgpu *v, unsigned sub, uint64_t val)
{
	efd_add(v, v->trig[sub], val);
	for (unsigned i = 0; i < v->nheld; i++)
		if (v->held[i].signalled && v->held[i].sub == sub)
			efd_add(v, v->held[i].fd, val);
}

static void signal_fds(struct vgpu *v, unsigned ev)
{
	uint64_t val = 0;

	if (v->abi == VRC_ABI_V7) {
		/*
		 * BAD_VALUE: a primary flip also signals the cursor sub-irq (the
		 * cursor eventfd has no heuristic, so this is what EVT-5 sees).
		 */
		/* badval-cursor: the mirror of BAD_VALUE, for EVT-5.3 */
		if ((ev & VGPU_EV_PRI) ||
		    ((ev & VGPU_EV_CUR) && vgpu_irqs_fault(v) == VGPU_IRQS_CUR_ON_PRI))
			signal_sub(v, 0, 1);
		if ((ev & VGPU_EV_CUR) ||
		    ((ev & VGPU_EV_PRI) && vgpu_has(v, VM_BAD_VALUE)))
			signal_sub(v, 1, 1);
		return;
	}
	if (ev & VGPU_EV_PRI)
		val |= VRC_GVT_PRI_EVENT_VAL;
	if (ev & VGPU_EV_CUR)
		val |= VRC_GVT_CUR_EVENT_VAL;
	/*
	 * BAD_VALUE: the value plus a stray 1, as a port to Linux >= 6.8 that
	 * mixes eventfd_signal()'s implicit +1 into the encoding would send.
	 * Planes still decode; only EVT-5 (nothing but advertised values) fails.
	 */
	signal_sub(v, 0, vgpu_has(v, VM_BAD_VALUE) ? val + 1 : val);
}

static bool any_trigger(const struct vgpu *v)
{
	for (unsigned i = 0; i < vgpu_irq_count(v); i++)
		if (v->trig[i] >= 0)
			return true;
	return false;
}

static bool can_signal(const struct vgpu *v)
{
	return !v->masked && v->ticks >= v->resume_tick && any_trigger(v);
}

/* Delivery time: mask and trigger are checked again (late model). */
static void deliver(struct vgpu *v, unsigned ev)
{
	uint32_t drop = v->model->drop_every;

	if (!ev || !can_signal(v) || vgpu_has(v, VM_SILENT))
		return;
	v->nsignals++;
	if (drop && v->nsignals % drop == 0)
		return;
	/* sparse: three of every four signals are lost */
	if (vgpu_has(v, VM_SPARSE) && v->nsignals % 4 != 0)
		return;
	signal_fds(v, ev);
	if (vgpu_has(v, VM_DUP))
		signal_fds(v, ev);
}

void vgpu_emit(struct vgpu *v, unsigned ev)
{
	uint32_t delay = v->model->delay_ticks;

	if (ev && v->masked && vgpu_has(v, VM_REPLAY_MASK))
		v->masked_ev |= (uint8_t)ev;
	if (!ev || !can_signal(v))
		return;
	if (!delay) {
		deliver(v, ev);
		return;
	}
	if (delay > VGPU_DELAY_MAX)
		delay = VGPU_DELAY_MAX;
	if (v->ndelayed == VGPU_DELAY_SLOTS) {
		v->saturated++;
		return;
	}
	v->delayq[v->ndelayed++] = (struct vgpu_delayed){ v->ticks + delay, (uint8_t)ev };
}

void vgpu_deliver_due(struct vgpu *v)
{
	unsigned i, kept = 0;

	for (i = 0; i < v->ndelayed; i++) {
		if (v->delayq[i].due <= v->ticks)
			deliver(v, v->delayq[i].ev);
		else
			v->delayq[kept++] = v->delayq[i];
	}
	v->ndelayed = kept;
}

/* ---- trigger bookkeeping */

/* The kernel's identity of an eventfd (fdinfo "eventfd-id"), 0 if unknown. */
static uint64_t efd_id(int fd)
{
	uint64_t id;

	return efd_fdinfo(fd, "eventfd-id:", 10, &id) ? 0 : id;
}

/* Two descriptors of the same eventfd (SCM_RIGHTS gives a new number). */
static bool same_eventfd(int a, int b)
{
	uint64_t ia = efd_id(a);

	return ia && ia == efd_id(b);
}

static bool fd_in_use(const struct vgpu *v, int fd)
{
	for (unsigned i = 0; i < VGPU_MAX_SUBIRQ; i++)
		if (v->trig[i] == fd)
			return true;
	for (unsigned i = 0; i < v->nheld; i++)
		if (v->held[i].fd == fd)
			return true;
	return false;
}

/* release-drains: consume what userspace has not read yet, never blocking. */
static void drain_released(const struct vgpu *v, int fd)
{
	uint64_t count;

	if (fd >= 0 && vgpu_irqs_fault(v) == VGPU_IRQS_RELEASE_DRAINS &&
	    !vgpu_efd_count(fd, &count) && count && read(fd, &count, sizeof(count)) < 0)
		return;	/* a reader was quicker: nothing left to lose */
}

/* Close an fd we dropped, unless it is still referenced (same number). */
static void put_fd(struct vgpu *v, int fd)
{
	if (fd >= 0 && !fd_in_use(v, fd))
		close(fd);
}

static void hold_fd(struct vgpu *v, int fd, unsigned sub, bool signalled)
{
	if (v->nheld == VGPU_HELD_MAX) {
		int oldest = v->held[0].fd;

		memmove(&v->held[0], &v->held[1], sizeof(v->held[0]) * (VGPU_HELD_MAX - 1));
		v->nheld--;
		put_fd(v, oldest);
	}
	v->held[v->nheld++] = (struct vgpu_held_fd){ fd, (uint8_t)sub, signalled };
}

static void unregister_sub(struct vgpu *v, unsigned sub)
{
	int fd = v->trig[sub];
	unsigned i, kept = 0;

	v->trig[sub] = -1;
	drain_released(v, fd);
	put_fd(v, fd);
	for (i = 0; i < v->nheld; i++) {
		struct vgpu_held_fd h = v->held[i];

		if (h.sub != sub) {
			v->held[kept++] = h;
			continue;
		}
		v->held[i].fd = -1;
		put_fd(v, h.fd);
	}
	v->nheld = kept;
}

/*
 * RELEASE_OLD closes the replaced eventfd; otherwise it stays open (the
 * series' leaked reference), and LEAK keeps signalling it.
 */
static void register_sub(struct vgpu *v, unsigned sub, int fd)
{
	int old = v->trig[sub];

	/* SAME_FD_DROPS: the reference held is put, and the new one with it */
	if (old >= 0 && old != fd && vgpu_has(v, VM_SAME_FD_DROPS) && same_eventfd(old, fd)) {
		v->trig[sub] = -1;
		put_fd(v, old);
		put_fd(v, fd);
		return;
	}
	v->trig[sub] = fd;
	if (old < 0 || old == fd)
		return;
	if (vgpu_has(v, VM_LEAK))
		hold_fd(v, old, sub, true);
	else if (vgpu_has(v, VM_RELEASE_OLD)) {
		drain_released(v, old);
		put_fd(v, old);
	}
	else
		hold_fd(v, old, sub, false);
}

void vgpu_irq_release(struct vgpu *v)
{
	for (unsigned i = 0; i < VGPU_MAX_SUBIRQ; i++)
		unregister_sub(v, i);
	/* MASK_SURVIVES: the next opener inherits the mask */
	v->mask_inherited = v->masked && vgpu_has(v, VM_MASK_SURVIVES);
	v->masked = v->mask_inherited;
	v->masked_ev = 0;
	v->resume_tick = 0;
	v->ndelayed = 0;
}

void vgpu_irq_fini(struct vgpu *v)
{
	vgpu_irq_release(v);
}

/*
 * Close and reset: ref releases the trigger eventfds and clears the mask;
 * the v5/v6 bug keeps both (IRQ-4). Nothing else is reset: registers, frame
 * counters, queued flips and idle survive, as the guest owns the display.
 */
int vgpu_reset(struct vgpu *v)
{
	if (v->dead)
		return -EIO;
	if (v->kops)
		v->kops->release(v->kst);
	else if (vgpu_has(v, VM_RELEASE_ON_CLOSE))
		vgpu_irq_release(v);
	return 0;
}

void vgpu_client_closed(struct vgpu *v)
{
	if (v->kops)
		v->kops->release(v->kst);
	else if (vgpu_has(v, VM_RELEASE_ON_CLOSE))
		vgpu_irq_release(v);
}

/* ---- GET_IRQ_INFO */

static const struct {
	uint32_t flags;
	uint32_t count;
} pci_irqs[VRC_PCI_NUM_IRQS] = {
	{ VRC_IRQ_INFO_FLAG_EVENTFD | VRC_IRQ_INFO_FLAG_MASKABLE |
	  VRC_IRQ_INFO_FLAG_AUTOMASKED, 1 },				/* INTX */
	{ VRC_IRQ_INFO_FLAG_EVENTFD | VRC_IRQ_INFO_FLAG_NORESIZE, 1 },	/* MSI */
	{ VRC_IRQ_INFO_FLAG_EVENTFD | VRC_IRQ_INFO_FLAG_NORESIZE, 1 },	/* MSIX */
	{ VRC_IRQ_INFO_FLAG_EVENTFD, 1 },				/* ERR */
	{ VRC_IRQ_INFO_FLAG_EVENTFD, 1 },				/* REQ */
};

#define DISPLAY_FLAGS	(VRC_IRQ_INFO_FLAG_EVENTFD | VRC_IRQ_INFO_FLAG_MASKABLE)
#define CHAIN_MAX	64u
#define TYPE_CAP_OFF	VRC_IRQ_INFO_SZ
#define SECOND_CAP_OFF	(TYPE_CAP_OFF + sizeof(struct vrc_cap_irq_type))

/* no-eventfd-flag: the display irq's flags without EVENTFD */
static uint32_t display_flags(const struct vgpu *v)
{
	return vgpu_disc_fault(v) == VGPU_DISC_NO_EVENTFD ?
	       DISPLAY_FLAGS & ~VRC_IRQ_INFO_FLAG_EVENTFD : DISPLAY_FLAGS;
}

static size_t put_hdr_v(uint8_t *buf, size_t off, uint16_t id, uint16_t version,
			uint32_t next)
{
	struct vrc_cap_header h = { .id = id, .version = version, .next = next };

	memcpy(buf + off, &h, sizeof(h));
	return off + sizeof(h);
}

static size_t put_hdr(uint8_t *buf, size_t off, uint16_t id, uint32_t next)
{
	return put_hdr_v(buf, off, id, 1, next);
}

static void put_u32(uint8_t *buf, size_t off, uint32_t x)
{
	memcpy(buf + off, &x, sizeof(x));
}

static void put_u64(uint8_t *buf, size_t off, uint64_t x)
{
	memcpy(buf + off, &x, sizeof(x));
}

/* Where the second capability starts: 36, or 38 for caps-misaligned. */
static size_t second_cap_off(const struct vgpu *v)
{
	return SECOND_CAP_OFF + (vgpu_disc_fault(v) == VGPU_DISC_MISALIGNED ? 2 : 0);
}

/*
 * The second capability at 36 (only 4-byte aligned: the u64s of the display
 * events cap land at 44 and 52). Returns the chain's total size.
 */
static size_t put_second_cap(const struct vgpu *v, uint8_t *buf)
{
	enum vgpu_disc_fault f = vgpu_disc_fault(v);
	size_t off = second_cap_off(v), end;
	uint16_t id;

	if (v->abi == VRC_ABI_V7) {
		end = off + sizeof(struct vrc_cap_display_planes) + 2 * sizeof(uint32_t);
		id = VRC_V7_CAP_PLANES;
	} else {
		end = off + sizeof(struct vrc_cap_display_events);
		id = v->abi == VRC_ABI_V5 ? VRC_V5_CAP_DISPLAY : VRC_V6_CAP_DISPLAY;
	}
	off = put_hdr_v(buf, off, id, f == VGPU_DISC_VERSION ? 2 : 1,
			vgpu_has(v, VM_BAD_CAPS) ? (uint32_t)end + 0x100 : 0);
	if (v->abi == VRC_ABI_V7) {
		put_u32(buf, off, 2);
		put_u32(buf, off + 4, VRC_PLANE_PRIMARY);
		/* plane-map: the primary named twice, no cursor */
		put_u32(buf, off + 8, f == VGPU_DISC_PLANE_MAP ? VRC_PLANE_PRIMARY :
				      VRC_PLANE_CURSOR);
	} else {
		/* BAD_VALUES: the primary value copied into the cursor field */
		put_u64(buf, off, f == VGPU_DISC_ZERO_VALUE ? 0 :
				  vgpu_has(v, VM_BAD_VALUES) ? VRC_GVT_PRI_EVENT_VAL :
				  VRC_GVT_CUR_EVENT_VAL);
		put_u64(buf, off + 8, VRC_GVT_PRI_EVENT_VAL);
	}
	return end;
}

static size_t build_display_chain(const struct vgpu *v, uint8_t *buf)
{
	enum vgpu_disc_fault f = vgpu_disc_fault(v);
	uint16_t type_id = v->abi == VRC_ABI_V5 ? VRC_V5_CAP_TYPE :
			   v->abi == VRC_ABI_V7 ? VRC_V7_CAP_TYPE : VRC_V6_CAP_TYPE;
	/* CAPS_LOOP: the type cap's next points back at itself; no-events-cap:
	 * the type cap ends the chain */
	uint32_t next = vgpu_has(v, VM_CAPS_LOOP) ? (uint32_t)TYPE_CAP_OFF :
			f == VGPU_DISC_NO_EVENTS ? 0 : (uint32_t)second_cap_off(v);
	size_t off = put_hdr(buf, TYPE_CAP_OFF, type_id, next);
	size_t needed = SECOND_CAP_OFF;

	put_u32(buf, off, VRC_IRQ_TYPE_GFX);
	put_u32(buf, off + 4, f == VGPU_DISC_SUBTYPE ? 2 : VRC_IRQ_SUBTYPE_GFX_DISPLAY_IRQ);
	if (f != VGPU_DISC_NO_EVENTS)
		needed = put_second_cap(v, buf);
	put_u32(buf, 0, (uint32_t)needed);
	put_u32(buf, 4, display_flags(v) | VRC_IRQ_INFO_FLAG_CAPS);
	put_u32(buf, 8, vgpu_display_index(v));
	put_u32(buf, 12, vgpu_irq_count(v));
	put_u32(buf, 16, TYPE_CAP_OFF);
	return needed;
}

static int copy_out(const void *src, size_t n, uint8_t *out, size_t outcap,
		    size_t *outlen)
{
	if (!out || outcap < n)
		return -EINVAL;
	memcpy(out, src, n);
	if (outlen)
		*outlen = n;
	return 0;
}

/*
 * The retry protocol's answer to an argsz too small for the chain: the
 * needed size and the fixed part only, or one of the models' faults.
 */
static int answer_short(const struct vgpu *v, struct vrc_irq_info *info, uint8_t *buf,
			size_t needed, uint32_t argsz, uint8_t *out, size_t outcap,
			size_t *outlen)
{
	enum vgpu_disc_fault f = vgpu_disc_fault(v);

	info->argsz = (uint32_t)needed;
	/* short-no-caps: the chain is not even announced */
	if (f != VGPU_DISC_NO_CAPS_FLAG)
		info->flags |= VRC_IRQ_INFO_FLAG_CAPS;
	info->cap_offset = 0;
	/* short-truncated: short by 8 bytes or more, the type cap alone fits
	 * and is handed out as the whole chain */
	if (f == VGPU_DISC_TRUNCATED && argsz >= SECOND_CAP_OFF && argsz + 4 < needed) {
		info->cap_offset = TYPE_CAP_OFF;
		memcpy(buf, info, sizeof(*info));
		put_u32(buf, TYPE_CAP_OFF + 4, 0);	/* the type cap's next */
		return copy_out(buf, SECOND_CAP_OFF, out, outcap, outlen);
	}
	if (!vgpu_has(v, VM_OVERLONG_INFO))
		return copy_out(info, sizeof(*info), out, outcap, outlen);
	/* OVERLONG_INFO: that answer, and the chain after it anyway */
	memcpy(buf, info, sizeof(*info));
	return copy_out(buf, needed, out, outcap, outlen);
}

int vgpu_irq_info(struct vgpu *v, uint32_t index, uint32_t argsz,
		  uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t buf[CHAIN_MAX] = { 0 };
	struct vrc_irq_info info = { .index = index };
	bool display = index == vgpu_display_index(v);
	size_t needed;

	if (argsz < VRC_IRQ_INFO_MINSZ || index >= vgpu_num_irqs(v))
		return -EINVAL;
	if (index == VGPU_DISPLAY_IRQ && v->kops)	/* the series answers */
		return v->dead ? -EIO : v->kops->irq_info(v->kst, argsz, out, outcap, outlen);
	if (!display && index >= VRC_PCI_NUM_IRQS)
		return -EINVAL;
	if (!display) {
		info.flags = pci_irqs[index].flags;
		info.count = pci_irqs[index].count;
	} else {
		info.flags = display_flags(v);
		info.count = vgpu_irq_count(v);
	}
	/* the unextended struct: no cap_offset, no chain */
	if (argsz < VRC_IRQ_INFO_SZ || !display) {
		info.argsz = argsz < VRC_IRQ_INFO_SZ ? VRC_IRQ_INFO_MINSZ : VRC_IRQ_INFO_SZ;
		return copy_out(&info, info.argsz, out, outcap, outlen);
	}
	needed = build_display_chain(v, buf);
	if (argsz < needed)
		return answer_short(v, &info, buf, needed, argsz, out, outcap, outlen);
	/* retry-grows: the argsz asked for is never enough */
	if (vgpu_disc_fault(v) == VGPU_DISC_RETRY_GROWS && argsz <= UINT32_MAX - 4)
		return answer_short(v, &info, buf, (size_t)argsz + 4, argsz, out, outcap,
				    outlen);
	return copy_out(buf, needed, out, outcap, outlen);
}

/* ---- SET_IRQS */

static void oops(struct vgpu *v)
{
	char why[128];

	snprintf(why, sizeof(why),
		 "emulated oops: NULL pointer dereference in SET_IRQS (%s)",
		 v->model->name);
	vgpu_die(v, why);
}

static bool one_bit(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* TRIGGER|DATA_EVENTFD: all fds are checked before anything changes. */
static int set_trigger_fds(struct vgpu *v, uint32_t count, int *fds, size_t nfds)
{
	unsigned i;

	if (!count)
		return -EINVAL;
	if (!nfds) {
		/* vfio-user's de-assign form: count > 0, no fds */
		if (!vgpu_has(v, VM_FD_MINUS1))
			return -EBADF;
		for (i = 0; i < count; i++)
			unregister_sub(v, i);
		return 0;
	}
	if (nfds != count)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		if (fds[i] < 0 && !vgpu_has(v, VM_FD_MINUS1))
			return -EBADF;
		if (fds[i] >= 0 && !vgpu_is_eventfd(fds[i]))
			return -EBADF;
	}
	for (i = 0; i < count; i++) {
		if (fds[i] < 0) {
			unregister_sub(v, i);
			continue;
		}
		register_sub(v, i, fds[i]);
		fds[i] = -1;	/* kept */
		if (!v->mask_inherited) {
			v->masked = false;
			v->masked_ev = 0;
		}
	}
	return 0;
}

/* DATA_NONE/DATA_BOOL trigger: a loopback signal of sub-irqs 0..count-1. */
static void loopback(struct vgpu *v, uint32_t count, const uint8_t *bools)
{
	unsigned ev = 0;

	for (uint32_t i = 0; i < count && i < VGPU_MAX_SUBIRQ; i++)
		if (!bools || bools[i])
			ev |= i ? VGPU_EV_CUR : VGPU_EV_PRI;
	if (ev && can_signal(v))
		signal_fds(v, ev);
}

static int set_trigger(struct vgpu *v, uint32_t data_t, uint32_t count,
		       const uint8_t *data, size_t datalen, int *fds, size_t nfds)
{
	switch (data_t) {
	case VFIO_IRQ_SET_DATA_EVENTFD:
		return set_trigger_fds(v, count, fds, nfds);
	case VFIO_IRQ_SET_DATA_NONE:
		if (!count) {
			/* NO_UNREGISTER: accepted, and the eventfd stays armed */
			for (unsigned i = 0; i < VGPU_MAX_SUBIRQ && !vgpu_has(v, VM_NO_UNREGISTER); i++)
				unregister_sub(v, i);
		} else {
			loopback(v, count, NULL);
		}
		return 0;
	default:	/* DATA_BOOL */
		if (!vgpu_has(v, VM_DATA_BOOL) || !count || !data || datalen < count)
			return -EINVAL;
		loopback(v, count, data);
		return 0;
	}
}

/*
 * The mask changes. REPLAY_MASK signals at unmask what it suppressed;
 * LAZY_UNMASK lets nothing through before the second vblank after unmask.
 */
static void set_masked(struct vgpu *v, bool mask)
{
	bool was = v->masked;

	v->masked = mask;
	v->mask_inherited = false;
	if (mask) {
		if (!was)
			v->masked_ev = 0;
		return;
	}
	if (was && vgpu_has(v, VM_LAZY_UNMASK))
		v->resume_tick = v->ticks + 2;
	if (was && v->masked_ev && can_signal(v))
		signal_fds(v, v->masked_ev);
	v->masked_ev = 0;
}

/* One mask for the whole index, as GVT keeps it. */
static int set_mask(struct vgpu *v, bool mask, uint32_t data_t, uint32_t count,
		    const uint8_t *data, size_t datalen)
{
	bool doit = false;

	if (!count && !vgpu_has(v, VM_LAX_MASK_COUNT))
		return -EINVAL;
	if (data_t == VFIO_IRQ_SET_DATA_NONE) {
		doit = true;
	} else if (data_t == VFIO_IRQ_SET_DATA_BOOL) {
		if (!vgpu_has(v, VM_DATA_BOOL) || !count || !data || datalen < count)
			return -EINVAL;
		for (uint32_t i = 0; i < count; i++)
			doit |= data[i] != 0;
	} else if (mask && vgpu_irqs_fault(v) == VGPU_IRQS_MASK_EVENTFD) {
		doit = true;	/* mask-eventfd: anything but BOOL masks */
	} else {
		return -EINVAL;
	}
	/* STICKY_MASK: unmask is accepted but only re-registering clears the mask */
	/* bool-ignored: a false bool acts as a true one */
	if (data_t == VFIO_IRQ_SET_DATA_BOOL && vgpu_irqs_fault(v) == VGPU_IRQS_BOOL_IGNORED)
		doit = true;
	/* unreg-mask-refused: a device that keys the mask on its trigger */
	if (vgpu_irqs_fault(v) == VGPU_IRQS_UNREG_MASK && !any_trigger(v))
		return -EINVAL;
	/* mask-ignored: accepted, nothing masked */
	if (mask && vgpu_irqs_fault(v) == VGPU_IRQS_MASK_IGNORED)
		doit = false;
	if (doit && (mask || !vgpu_has(v, VM_STICKY_MASK)))
		set_masked(v, mask);
	return 0;
}

/* The series' v5/v6 code dereferenced a NULL trigger on these. */
static bool oopses(const struct vgpu *v, uint32_t data_t, uint32_t action,
		   uint32_t count)
{
	if (!vgpu_has(v, VM_NULL_DEREF) || action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return false;
	return data_t == (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_EVENTFD) ||
	       (data_t == VFIO_IRQ_SET_DATA_EVENTFD && count == 0);
}

static int set_display(struct vgpu *v, const struct vfu_irq_set *req,
		       const uint8_t *data, size_t datalen, int *fds, size_t nfds)
{
	uint32_t data_t = req->flags & DATA_MASK;
	uint32_t action = req->flags & ACTION_MASK;
	uint32_t max = vgpu_irq_count(v);
	bool is_mask = action == VFIO_IRQ_SET_ACTION_MASK ||
		       action == VFIO_IRQ_SET_ACTION_UNMASK;

	if (oopses(v, data_t, action, req->count)) {
		oops(v);
		return -EIO;
	}
	if ((req->flags & ~(DATA_MASK | ACTION_MASK)) || !one_bit(data_t) ||
	    !one_bit(action) || req->start != 0)
		return -EINVAL;
	if (is_mask && vgpu_has(v, VM_LAX_MASK_COUNT))
		max = 2;
	if (req->count > max)
		return -EINVAL;
	if (is_mask)
		return set_mask(v, action == VFIO_IRQ_SET_ACTION_MASK, data_t,
				req->count, data, datalen);
	return set_trigger(v, data_t, req->count, data, datalen, fds, nfds);
}

/* Any descriptor passed that is not an eventfd (-1 unregisters). */
static bool any_not_eventfd(const int *fds, size_t nfds)
{
	for (size_t i = 0; i < nfds; i++)
		if (fds[i] >= 0 && !vgpu_is_eventfd(fds[i]))
			return true;
	return false;
}

/*
 * The lax-* models: the one kind of invalid request the model lets through
 * is accepted (0) and changes nothing.
 */
static bool lax_accepts(const struct vgpu *v, const struct vfu_irq_set *req,
			const int *fds, size_t nfds)
{
	bool display = req->index == VGPU_DISPLAY_IRQ;

	switch (vgpu_irqs_fault(v)) {
	case VGPU_IRQS_BAD_INDEX:
		return req->index >= vgpu_num_irqs(v);
	case VGPU_IRQS_START:
		return display && req->start != 0;
	case VGPU_IRQS_FLAG_BITS:
		return display && (req->flags & ~(DATA_MASK | ACTION_MASK));
	case VGPU_IRQS_ARGSZ:
		return req->argsz < sizeof(*req);
	case VGPU_IRQS_TRIGGER_COUNT:
		return display && (req->flags & ACTION_MASK) == VFIO_IRQ_SET_ACTION_TRIGGER &&
		       req->count > vgpu_irq_count(v);
	case VGPU_IRQS_NOT_EVENTFD:
		return display && any_not_eventfd(fds, nfds);
	case VGPU_IRQS_NO_ACTION:
		return display && !(req->flags & ACTION_MASK);
	default:
		return false;
	}
}

/* The same fd number twice would be closed twice: refuse it. */
static bool dup_fds(int *fds, size_t nfds)
{
	bool dup = false;

	for (size_t i = 0; i < nfds; i++)
		for (size_t j = 0; j < i; j++)
			if (fds[i] >= 0 && fds[i] == fds[j]) {
				fds[i] = -1;
				dup = true;
				break;
			}
	return dup;
}

int vgpu_set_irqs(struct vgpu *v, const struct vfu_irq_set *req,
		  const uint8_t *data, size_t datalen, int *fds, size_t nfds)
{
	int rc;

	if (!fds)
		nfds = 0;
	if (dup_fds(fds, nfds) || !req)
		rc = -EINVAL;
	else if (v->dead)
		rc = -EIO;
	else if (!v->kops && lax_accepts(v, req, fds, nfds))
		rc = 0;
	else if (req->argsz < sizeof(*req) || req->index >= vgpu_num_irqs(v))
		rc = -EINVAL;
	else if (req->index != VGPU_DISPLAY_IRQ)
		rc = 0;		/* the PCI irqs: accepted, nothing to do */
	else if (v->kops)	/* its eventfd contexts hold their own references */
		rc = v->kops->set_irqs(v->kst, req, data, datalen, fds, nfds);
	else {
		rc = set_display(v, req, data, datalen, fds, nfds);
		/* REFUSED_UNMASKS: the error path re-arms the irq */
		if (rc && !v->dead && vgpu_has(v, VM_REFUSED_UNMASKS))
			set_masked(v, false);
	}
	/* whatever was not kept is closed, on success and on failure */
	for (size_t i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			put_fd(v, fds[i]);
	return rc;
}
