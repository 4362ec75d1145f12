// SPDX-License-Identifier: GPL-2.0
/*
 * The display refresh irq of vgpu-mdev, implemented by the driver itself
 * (the "native" build, VGPU_MDEV_IRQ=native in Kbuild) behind the same
 * interface as the reference series' code (vgpu_series.h), with the v7
 * uAPI of <linux/vfio.h>:
 *
 *  - irq index VFIO_PCI_NUM_IRQS, one sub-irq per display plane (0 the
 *    primary plane, 1 the cursor), each with its own eventfd;
 *  - GET_IRQ_INFO describes it with a type capability (GFX, DISPLAY_IRQ)
 *    and a capability mapping each sub-irq to its DRM plane type;
 *  - plane updates written by the guest are collected per pipe and
 *    reported at the next vblank of an enabled pipe, at most one +1 per
 *    sub-irq and vblank; a pipe whose primary plane has not been updated
 *    for more than VGPU_IRQ_IDLE_THRESHOLD vblanks reports its primary
 *    plane at every vblank, for guests that draw into the buffer on screen;
 *  - SET_IRQS has the usual VFIO semantics: eventfds registered per
 *    sub-irq (replacing and releasing the previous one, fd -1 unregisters),
 *    MASK and UNMASK for the whole irq (DATA_NONE or DATA_BOOL);
 *  - close and VFIO_DEVICE_RESET release the eventfds and clear the mask.
 *
 * All state of a device is protected by its mutex, which also guards the
 * register window (vgpu_series_lock()).
 */
#include "vgpu_mdev_uapi.h"	/* out of tree only; first: <linux/vfio.h> */

#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <drm/drm_plane.h>

#include "include/vrc/i915_regs.h"
#include "vgpu_series.h"

/* what the module reports running (vgpu_series.h): not static */
const char vgpu_series_kernel[] =
	"sample";
const char vgpu_series_abi[] =
	"v7";

#define VGPU_IRQ_DISPLAY_INDEX	VFIO_PCI_NUM_IRQS
#define VGPU_IRQ_NUM_IRQS	(VFIO_PCI_NUM_IRQS + 1)

/* The sub-irqs of the display irq, one per plane, in this order. */
enum vgpu_irq_plane {
	VGPU_IRQ_PLANE_PRIMARY,
	VGPU_IRQ_PLANE_CURSOR,
	VGPU_IRQ_NR_PLANES,
};

#define VGPU_IRQ_UPDATE_PRIMARY	BIT(VGPU_IRQ_PLANE_PRIMARY)
#define VGPU_IRQ_UPDATE_CURSOR	BIT(VGPU_IRQ_PLANE_CURSOR)
#define VGPU_IRQ_ALL_PLANES	(BIT(VGPU_IRQ_NR_PLANES) - 1)

/* vblanks of a pipe without a primary update before its primary is reported */
#define VGPU_IRQ_IDLE_THRESHOLD	10

#ifdef VGPU_MDEV_FAULTS
/* fault=leak: replaced eventfds a device goes on signalling, at most */
#define VGPU_IRQ_MAX_LEAKED	8

struct vgpu_irq_leaked {
	struct eventfd_ctx *ctx;
	unsigned int plane;
};
#endif

/* One device's display irq; vgpu_series.h calls it struct intel_vgpu. */
struct intel_vgpu {
	struct mutex lock;		/* everything below and regs[] */
	u32 *regs;			/* VRC_REG_WINDOW_BASE.., the caller's */
	struct eventfd_ctx *trigger[VGPU_IRQ_NR_PLANES];	/* NULL: none */
	bool masked;
	u8 updates[VRC_NUM_PIPES];	/* VGPU_IRQ_UPDATE_* since the last vblank */
	unsigned int idle[VRC_NUM_PIPES];	/* vblanks without a primary update */
#ifdef VGPU_MDEV_FAULTS
	struct vgpu_irq_leaked leaked[VGPU_IRQ_MAX_LEAKED];
	unsigned int nr_leaked;
#endif
};

struct intel_vgpu *vgpu_series_create(u32 *regs)
{
	struct intel_vgpu *vgpu = kzalloc(sizeof(*vgpu), GFP_KERNEL);

	if (!vgpu)
		return NULL;
	mutex_init(&vgpu->lock);
	vgpu->regs = regs;
	return vgpu;
}

void vgpu_series_destroy(struct intel_vgpu *vgpu)
{
	if (!vgpu)
		return;
	vgpu_series_release(vgpu);
	mutex_destroy(&vgpu->lock);
	kfree(vgpu);
}

struct mutex *vgpu_series_lock(struct intel_vgpu *vgpu)
{
	return &vgpu->lock;
}

static u32 *vgpu_irq_reg(struct intel_vgpu *vgpu, u32 offset)
{
	if (offset < VRC_REG_WINDOW_BASE ||
	    offset - VRC_REG_WINDOW_BASE >= VRC_REG_WINDOW_SIZE ||
	    !IS_ALIGNED(offset, 4))
		return NULL;
	return &vgpu->regs[(offset - VRC_REG_WINDOW_BASE) / 4];
}

static bool vgpu_irq_pipe_enabled(struct intel_vgpu *vgpu, unsigned int pipe)
{
	u32 *conf = vgpu_irq_reg(vgpu, VRC_PIPECONF(pipe));

	return conf && (*conf & VRC_PIPECONF_ENABLE);
}

/* Locked: a guest update of @planes on @pipe, reported at its next vblank. */
static void vgpu_irq_plane_updated(struct intel_vgpu *vgpu, unsigned int pipe,
				   unsigned int planes)
{
	lockdep_assert_held(&vgpu->lock);
	if (WARN_ON(pipe >= VRC_NUM_PIPES))
		return;
	vgpu->updates[pipe] |= planes;
}

/* A primary surface write: a sync or async flip. */
void vgpu_series_primary_write(struct intel_vgpu *vgpu, unsigned int pipe)
{
	vgpu_irq_plane_updated(vgpu, pipe, VGPU_IRQ_UPDATE_PRIMARY);
}

/*
 * A CURBASE or CURPOS write: stored, and a cursor update of its pipe. A
 * move may write CURPOS alone, so both registers count. The pipe is looked
 * up among the pipes' cursor registers, never computed from a stride.
 */
void vgpu_series_cursor_write(struct intel_vgpu *vgpu, u32 offset, u32 val)
{
	u32 *reg = vgpu_irq_reg(vgpu, offset);
	unsigned int pipe;

	lockdep_assert_held(&vgpu->lock);
	if (reg)
		*reg = val;
	for (pipe = 0; pipe < VRC_NUM_PIPES; pipe++) {
		if (offset == VRC_CURBASE(pipe) || offset == VRC_CURPOS(pipe)) {
			vgpu_irq_plane_updated(vgpu, pipe, VGPU_IRQ_UPDATE_CURSOR);
			return;
		}
	}
}

/* +1 on @plane's eventfd (and the fault models' signals: dup and leak) */
static void vgpu_irq_signal_plane(struct intel_vgpu *vgpu, unsigned int plane)
{
#ifdef VGPU_MDEV_FAULTS
	unsigned int i;

	if (vgpu_mdev_fault == VGPU_FAULT_DUP)
		eventfd_signal(vgpu->trigger[plane]);
	for (i = 0; i < vgpu->nr_leaked; i++)
		if (vgpu->leaked[i].plane == plane)
			eventfd_signal(vgpu->leaked[i].ctx);
#endif
	eventfd_signal(vgpu->trigger[plane]);
}

/* Locked: +1 on the eventfd of each of @planes' sub-irqs, unless masked. */
static void vgpu_irq_signal(struct intel_vgpu *vgpu, unsigned int planes)
{
	unsigned int plane;

	lockdep_assert_held(&vgpu->lock);
	if (vgpu->masked)
		return;
	for (plane = 0; plane < VGPU_IRQ_NR_PLANES; plane++)
		if ((planes & BIT(plane)) && vgpu->trigger[plane])
			vgpu_irq_signal_plane(vgpu, plane);
}

/*
 * The planes refreshed at this vblank, merged over the enabled pipes: the
 * updates of a disabled pipe are dropped and its idle count stands still.
 * Only a primary update resets a pipe's idle count, so that a moving
 * cursor does not hide a guest drawing into its front buffer.
 */
static unsigned int vgpu_irq_vblank_planes(struct intel_vgpu *vgpu)
{
	unsigned int pipe, updates, planes = 0;

	for (pipe = 0; pipe < VRC_NUM_PIPES; pipe++) {
		updates = vgpu->updates[pipe];
		vgpu->updates[pipe] = 0;
		if (!vgpu_irq_pipe_enabled(vgpu, pipe))
			continue;
		if (updates & VGPU_IRQ_UPDATE_PRIMARY)
			vgpu->idle[pipe] = 0;
		else if (vgpu->idle[pipe] > VGPU_IRQ_IDLE_THRESHOLD)
			updates |= VGPU_IRQ_UPDATE_PRIMARY;
		else
			vgpu->idle[pipe]++;
		planes |= updates;
	}
	return planes;
}

/* Locked: one vblank of every pipe, before the frame counters move. */
void vgpu_series_vblank(struct intel_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->lock);
	vgpu_irq_signal(vgpu, vgpu_irq_vblank_planes(vgpu));
}

u32 vgpu_series_num_irqs(void)
{
	return VGPU_IRQ_NUM_IRQS;
}

static unsigned int vgpu_irq_count(u32 index)
{
	return index == VGPU_IRQ_DISPLAY_INDEX ? VGPU_IRQ_NR_PLANES : 0;
}

/*
 * The capability chain of the display irq, as it lies in the caller's
 * buffer from VGPU_IRQ_CHAIN_START on: the type capability, then the
 * plane of each sub-irq. Each capability starts 8-byte aligned.
 */
#define VGPU_IRQ_CHAIN_START	ALIGN(sizeof(struct vfio_irq_info), sizeof(u64))
#define VGPU_IRQ_PLANES_CAP	ALIGN(sizeof(struct vfio_irq_info_cap_type), sizeof(u64))
#define VGPU_IRQ_PLANES_SIZE	(sizeof(struct vfio_irq_info_cap_display_planes) + \
				 VGPU_IRQ_NR_PLANES * sizeof(u32))
#define VGPU_IRQ_CHAIN_SIZE	(VGPU_IRQ_PLANES_CAP + ALIGN(VGPU_IRQ_PLANES_SIZE, sizeof(u64)))

static void vgpu_irq_fill_chain(u8 *chain)
{
	static const u32 plane_type[VGPU_IRQ_NR_PLANES] = {
		[VGPU_IRQ_PLANE_PRIMARY] = DRM_PLANE_TYPE_PRIMARY,
		[VGPU_IRQ_PLANE_CURSOR] = DRM_PLANE_TYPE_CURSOR,
	};
	struct vfio_irq_info_cap_type *type = (void *)chain;
	struct vfio_irq_info_cap_display_planes *planes =
		(void *)(chain + VGPU_IRQ_PLANES_CAP);
	unsigned int i;

	/* offsets in the chain are from the start of struct vfio_irq_info */
	type->header.id = VFIO_IRQ_INFO_CAP_TYPE;
	type->header.version = 1;
	type->header.next = VGPU_IRQ_CHAIN_START + VGPU_IRQ_PLANES_CAP;
	type->type = VFIO_IRQ_TYPE_GFX;
	type->subtype = VFIO_IRQ_SUBTYPE_GFX_DISPLAY_IRQ;
	planes->header.id = VFIO_IRQ_INFO_CAP_DISPLAY_PLANES;
	planes->header.version = 1;
	planes->header.next = 0;
	planes->nr_planes = VGPU_IRQ_NR_PLANES;
	for (i = 0; i < VGPU_IRQ_NR_PLANES; i++)
		planes->plane_type[i] = plane_type[i];
}

/*
 * The display irq's info. A caller whose argsz ends before cap_offset gets
 * the original structure only; one whose argsz cannot hold the chain gets
 * FLAG_CAPS, the argsz it needs and cap_offset 0, and asks again.
 */
static long vgpu_irq_display_info(struct vfio_irq_info *info,
				  void __user *uinfo)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	u8 chain[VGPU_IRQ_CHAIN_SIZE] __aligned(8) = {};

	info->flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;
	info->count = VGPU_IRQ_NR_PLANES;
	if (info->argsz < sizeof(*info))
		return copy_to_user(uinfo, info, minsz) ? -EFAULT : 0;

	info->flags |= VFIO_IRQ_INFO_FLAG_CAPS;
	info->cap_offset = 0;
	if (info->argsz < VGPU_IRQ_CHAIN_START + sizeof(chain)) {
		info->argsz = VGPU_IRQ_CHAIN_START + sizeof(chain);
	} else {
		vgpu_irq_fill_chain(chain);
		if (copy_to_user(uinfo + VGPU_IRQ_CHAIN_START, chain, sizeof(chain)))
			return -EFAULT;
		info->cap_offset = VGPU_IRQ_CHAIN_START;
	}
	return copy_to_user(uinfo, info, sizeof(*info)) ? -EFAULT : 0;
}

long vgpu_series_get_irq_info(struct intel_vgpu *vgpu, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	void __user *uinfo = (void __user *)arg;
	struct vfio_irq_info info = {};

	if (copy_from_user(&info, uinfo, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VGPU_IRQ_NUM_IRQS)
		return -EINVAL;
	if (info.index == VGPU_IRQ_DISPLAY_INDEX)
		return vgpu_irq_display_info(&info, uinfo);
	/* the PCI indexes: no INTx, MSI or MSI-X on this device */
	info.flags = 0;
	info.count = 0;
	return copy_to_user(uinfo, &info, minsz) ? -EFAULT : 0;
}

#ifdef VGPU_MDEV_FAULTS
/* Locked: forget the leaked eventfds of @planes (fault=leak). */
static void vgpu_irq_drop_leaked(struct intel_vgpu *vgpu, unsigned int planes)
{
	unsigned int i, kept = 0;

	for (i = 0; i < vgpu->nr_leaked; i++) {
		if (planes & BIT(vgpu->leaked[i].plane))
			eventfd_ctx_put(vgpu->leaked[i].ctx);
		else
			vgpu->leaked[kept++] = vgpu->leaked[i];
	}
	vgpu->nr_leaked = kept;
}
#endif

/*
 * Locked: let go of an eventfd that a registration of @plane replaced.
 * fault=leak keeps it and goes on signalling it, while there is room.
 */
static void vgpu_irq_put_replaced(struct intel_vgpu *vgpu, unsigned int plane,
				  struct eventfd_ctx *old)
{
#ifdef VGPU_MDEV_FAULTS
	if (vgpu_mdev_fault == VGPU_FAULT_LEAK &&
	    vgpu->nr_leaked < VGPU_IRQ_MAX_LEAKED) {
		vgpu->leaked[vgpu->nr_leaked].ctx = old;
		vgpu->leaked[vgpu->nr_leaked].plane = plane;
		vgpu->nr_leaked++;
		return;
	}
#endif
	eventfd_ctx_put(old);
}

/* Locked: unregister the sub-irqs of @planes. */
static void vgpu_irq_unregister(struct intel_vgpu *vgpu, unsigned int planes)
{
	unsigned int plane;

	for (plane = 0; plane < VGPU_IRQ_NR_PLANES; plane++) {
		if (!(planes & BIT(plane)) || !vgpu->trigger[plane])
			continue;
		eventfd_ctx_put(vgpu->trigger[plane]);
		vgpu->trigger[plane] = NULL;
	}
#ifdef VGPU_MDEV_FAULTS
	vgpu_irq_drop_leaked(vgpu, planes);
#endif
}

/*
 * TRIGGER|DATA_EVENTFD: an eventfd for each of the first @count sub-irqs,
 * or -1 to unregister one. Every descriptor is checked before anything
 * changes; a registration unmasks the irq.
 */
static long vgpu_irq_set_eventfds(struct intel_vgpu *vgpu, unsigned int count,
				  const s32 *fds)
{
	struct eventfd_ctx *ctx[VGPU_IRQ_NR_PLANES] = {};
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (fds[i] < 0)
			continue;
		ctx[i] = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(ctx[i])) {
			/* not an open file, or not an eventfd */
			while (i--)
				if (ctx[i])
					eventfd_ctx_put(ctx[i]);
			return -EBADF;
		}
	}

	mutex_lock(&vgpu->lock);
	for (i = 0; i < count; i++) {
		struct eventfd_ctx *old = vgpu->trigger[i];

		if (!ctx[i]) {
			vgpu_irq_unregister(vgpu, BIT(i));
			continue;
		}
		vgpu->trigger[i] = ctx[i];
		vgpu->masked = false;
		if (old == ctx[i])	/* the same eventfd again: one reference */
			eventfd_ctx_put(old);
		else if (old)
			vgpu_irq_put_replaced(vgpu, i, old);
	}
	mutex_unlock(&vgpu->lock);
	return 0;
}

/*
 * DATA_NONE and DATA_BOOL: MASK and UNMASK apply to the whole irq when any
 * of their bools is true; TRIGGER with count 0 unregisters every sub-irq,
 * with a count it signals the sub-irqs selected (a loopback, as for any
 * VFIO irq).
 */
static long vgpu_irq_set_flags(struct intel_vgpu *vgpu, u32 action, u32 type,
			       unsigned int count, const u8 *bools)
{
	unsigned int i, planes = 0;

	if (!count && (type != VFIO_IRQ_SET_DATA_NONE ||
		       action != VFIO_IRQ_SET_ACTION_TRIGGER))
		return -EINVAL;
	for (i = 0; i < count; i++)
		if (type == VFIO_IRQ_SET_DATA_NONE || bools[i])
			planes |= BIT(i);

	mutex_lock(&vgpu->lock);
	if (action == VFIO_IRQ_SET_ACTION_MASK && planes)
		vgpu->masked = true;
	else if (action == VFIO_IRQ_SET_ACTION_UNMASK && planes)
		vgpu->masked = false;
	else if (action == VFIO_IRQ_SET_ACTION_TRIGGER && !count)
		vgpu_irq_unregister(vgpu, VGPU_IRQ_ALL_PLANES);
	else if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
		vgpu_irq_signal(vgpu, planes);
	mutex_unlock(&vgpu->lock);
	return 0;
}

/* SET_IRQS of the display irq; @hdr was validated, @data holds its data. */
static long vgpu_irq_set_display(struct intel_vgpu *vgpu,
				 const struct vfio_irq_set *hdr, void *data)
{
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;

	if (hdr->start)
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER || !hdr->count)
			return -EINVAL;
		return vgpu_irq_set_eventfds(vgpu, hdr->count, data);
	}
	return vgpu_irq_set_flags(vgpu, action, type, hdr->count, data);
}

long vgpu_series_set_irqs(struct intel_vgpu *vgpu, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	void *data = NULL;
	long ret;

	if (copy_from_user(&hdr, (void __user *)arg, minsz))
		return -EFAULT;
	/* index, start, count, flag bits, data type and argsz */
	ret = vfio_set_irqs_validate_and_prepare(&hdr, vgpu_irq_count(hdr.index),
						 VGPU_IRQ_NUM_IRQS, &data_size);
	if (ret)
		return ret;
	/* exactly one action */
	if (!is_power_of_2(hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK))
		return -EINVAL;
	if (hdr.index != VGPU_IRQ_DISPLAY_INDEX)
		return -EINVAL;
	if (data_size) {
		data = memdup_user((void __user *)(arg + minsz), data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}
	ret = vgpu_irq_set_display(vgpu, &hdr, data);
	kfree(data);
	return ret;
}

/* close_device and VFIO_DEVICE_RESET: the next user starts unregistered, unmasked */
void vgpu_series_release(struct intel_vgpu *vgpu)
{
	mutex_lock(&vgpu->lock);
	vgpu_irq_unregister(vgpu, VGPU_IRQ_ALL_PLANES);
	vgpu->masked = false;
	mutex_unlock(&vgpu->lock);
}

#ifdef VGPU_MDEV_FAULTS
/* fault=leak keeps its eventfds per device, dropped by release: nothing left */
void vgpu_series_fault_cleanup(void)
{
}
#endif
