/* SPDX-License-Identifier: MIT */
/*
 * The end of a generated kmodel TU: calls the series' code where GVT calls
 * it, and exports it as struct vgpu_kops (kmodel.h). What the patches add
 * inside existing GVT functions is done here, one place each:
 *  - the MMIO handlers hold vgpu_lock when they note a plane update
 *    (pri_surf_mmio_write, the cursor handlers patch 3 registers);
 *  - intel_vgpu_emulate_vblank() signals under vgpu_lock before the frame
 *    counters move (patch 2);
 *  - intel_vgpu_ioctl()'s SET_IRQS preamble, as patched (patch 4);
 *  - close_device and VFIO_DEVICE_RESET release under vgpu_lock (patch 4).
 * harness/tests/t_kmodel.sh checks that the patches still add those lines.
 */
#ifndef VGPU_SIM_KMODEL_GLUE_H
#define VGPU_SIM_KMODEL_GLUE_H

#include "harness/vgpu-sim/kmodel.h"

/* v6 (value-encoded, one eventfd) or v7 (one eventfd per plane) */
#ifdef GVT_DISPLAY_PRI_EVENT_VAL
#define KM_ABI		VRC_ABI_V6
#define KM_IRQ_COUNT	1
#else
#define KM_ABI		VRC_ABI_V7
#define KM_IRQ_COUNT	GVT_DISPLAY_NR_PLANES
#endif

/* The vGPU whose code runs now: a kernel bug kills this device. */
static struct intel_vgpu *km_cur;

static void km_bug(const char *what, const char *file, int line)
{
	char why[192];

	snprintf(why, sizeof(why), "kernel-%s: %s at %s:%d", KM_SERIES, what, file, line);
	if (km_cur && !vgpu_dead(km_cur->sim))
		vgpu_die(km_cur->sim, why);
}

static struct intel_vgpu *km_enter(struct vgpu_kstate *k)
{
	km_cur = (struct intel_vgpu *)(void *)k;
	return km_cur;
}

static struct vgpu_kstate *km_create(struct vgpu *v)
{
	static struct intel_display display;
	static struct drm_i915_private i915 = { .display = &display };
	static struct intel_gt gt = { .i915 = &i915 };
	static struct intel_gvt gvt = { .gt = &gt };
	struct intel_vgpu *vgpu = calloc(1, sizeof(*vgpu));	/* GVT: vzalloc */

	if (!vgpu)
		return NULL;
	vgpu->gvt = &gvt;
	vgpu->sim = v;
	return (struct vgpu_kstate *)(void *)vgpu;
}

static void km_release(struct vgpu_kstate *k)
{
	struct intel_vgpu *vgpu = km_enter(k);

	mutex_lock(&vgpu->vgpu_lock);
	intel_vgpu_display_irq_release(vgpu);
	mutex_unlock(&vgpu->vgpu_lock);
}

static void km_destroy(struct vgpu_kstate *k)
{
	if (!k)
		return;
	km_release(k);
	km_cur = NULL;
	free(k);
}

static void km_primary_write(struct vgpu_kstate *k, unsigned p)
{
	struct intel_vgpu *vgpu = km_enter(k);

	mutex_lock(&vgpu->vgpu_lock);
	intel_vgpu_display_plane_updated(vgpu, (enum pipe)p, GVT_DISPLAY_UPDATE_PRIMARY);
	mutex_unlock(&vgpu->vgpu_lock);
}

static void km_cursor_write(struct vgpu_kstate *k, uint32_t offset, uint32_t val)
{
	struct intel_vgpu *vgpu = km_enter(k);

	mutex_lock(&vgpu->vgpu_lock);
	cursor_mmio_write(vgpu, offset, &val, sizeof(val));
	mutex_unlock(&vgpu->vgpu_lock);
}

static void km_vblank(struct vgpu_kstate *k)
{
	struct intel_vgpu *vgpu = km_enter(k);

	mutex_lock(&vgpu->vgpu_lock);
	intel_vgpu_display_irq_signal(vgpu, display_irq_vblank_planes(vgpu));
	mutex_unlock(&vgpu->vgpu_lock);
}

/*
 * GET_IRQ_INFO of the display index; vgpu-sim checked argsz >= minsz and
 * the index as the ioctl does. out is the caller's buffer: argsz bytes,
 * zeroed, which the kernel may write and nothing past it.
 */
static int km_irq_info(struct vgpu_kstate *k, uint32_t argsz, uint8_t *out,
		       size_t outcap, size_t *outlen)
{
	struct vfio_irq_info info = { .argsz = argsz, .index = INTEL_GVT_DISPLAY_IRQ_INDEX };
	int ret;

	km_enter(k);
	if (!out || outcap < argsz)
		return -EINVAL;
	memset(out, 0, argsz);
	km_user_lo = out;
	km_user_hi = out + argsz;
	km_user_end = out;
	ret = intel_vgpu_get_display_irq_info(&info, (unsigned long)out);
	*outlen = (size_t)(km_user_end - out);
	km_user_lo = km_user_hi = km_user_end = NULL;
	return ret;
}

/*
 * SET_IRQS of the display index: intel_vgpu_ioctl()'s preamble as each
 * series patches it, then the series' handler. Over vfio-user an eventfd
 * array arrives as fds with argsz 20 (lib/transport_vfio_user.c): the
 * request is rebuilt as the ioctl would have received it, all -1 when no
 * fds came (vfio-user's de-assign).
 */
static int km_set_irqs(struct vgpu_kstate *k, const struct vfu_irq_set *req,
		       const uint8_t *data, size_t datalen, const int *fds, size_t nfds)
{
	struct intel_vgpu *vgpu = km_enter(k);
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr = {
		.argsz = req->argsz, .flags = req->flags, .index = req->index,
		.start = req->start, .count = req->count,
	};
	s32 efds[KM_IRQ_COUNT + 1];
	size_t data_size = 0;
	void *payload = NULL;
	int ret;

	if ((hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) == VFIO_IRQ_SET_DATA_EVENTFD &&
	    hdr.argsz >= minsz && hdr.count <= KM_IRQ_COUNT + 1) {
		if (nfds && nfds != hdr.count)
			return -EINVAL;
		for (uint32_t i = 0; i < hdr.count; i++)
			efds[i] = nfds ? fds[i] : -1;
		hdr.argsz = (u32)(minsz + hdr.count * sizeof(s32));
		data = (const uint8_t *)efds;
		datalen = hdr.count * sizeof(s32);
	} else if (nfds) {
		return -EINVAL;
	}
#if KM_LINUX >= KM_VERSION(7, 0)
	/* generic checks 6.12's kvmgt lacks and 7.2's has */
	if (!is_power_of_2(hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) ||
	    !is_power_of_2(hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK))
		return -EINVAL;
	/* the series: count 0 stays refused, but for DATA_NONE */
	if (!hdr.count && !(hdr.flags & VFIO_IRQ_SET_DATA_NONE))
		return -EINVAL;
#endif
	/* the series validates every request of index >= 5, DATA_NONE too */
	ret = vfio_set_irqs_validate_and_prepare(&hdr, KM_IRQ_COUNT,
						 INTEL_GVT_NUM_IRQS, &data_size);
	if (ret)
		return KM_LINUX >= KM_VERSION(7, 0) ? ret : -EINVAL;
	if (data_size) {
		/* memdup_user() of data_size bytes after the fixed part */
		if (!data || datalen < data_size)
			return -EFAULT;
		payload = malloc(data_size);
		if (!payload)
			return -ENOMEM;
		memcpy(payload, data, data_size);
	}
	ret = intel_vgpu_set_display_irq(vgpu, hdr.index, hdr.start, hdr.count,
					 hdr.flags, payload);
	free(payload);
	return ret;
}

#define KM_OPS_NAME(a)	KM_SYM(a)
const struct vgpu_kops KM_OPS_NAME(ops) = {
	.series = KM_SERIES,
	.abi = KM_ABI,
	.create = km_create,
	.destroy = km_destroy,
	.primary_write = km_primary_write,
	.cursor_write = km_cursor_write,
	.vblank = km_vblank,
	.irq_info = km_irq_info,
	.set_irqs = km_set_irqs,
	.release = km_release,
};

#endif /* VGPU_SIM_KMODEL_GLUE_H */
