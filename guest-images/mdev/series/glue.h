/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The end of the series TU in vgpu-mdev: calls the series' code where GVT
 * calls it, as harness/vgpu-sim/kmodel/glue.h does in userspace, behind the
 * interface of vgpu_series.h. What the patches add inside existing GVT
 * functions is done here, one place each:
 *  - pri_surf_mmio_write and the cursor handlers note a plane update with
 *    vgpu_lock held (patch 3);
 *  - intel_vgpu_emulate_vblank() signals under vgpu_lock before the frame
 *    counters move (patch 2);
 *  - intel_vgpu_ioctl()'s GET_INFO num_irqs, GET_IRQ_INFO and SET_IRQS
 *    preambles as patched (patch 4);
 *  - close_device and VFIO_DEVICE_RESET release under vgpu_lock (patch 4).
 */
#ifndef VGPU_MDEV_SERIES_GLUE_H
#define VGPU_MDEV_SERIES_GLUE_H

#ifdef GVT_DISPLAY_PRI_EVENT_VAL
#define KM_ABI_NAME	"v6"	/* one eventfd, value-encoded */
#define KM_IRQ_COUNT	1
#else
#define KM_ABI_NAME	"v7"	/* one eventfd per plane */
#define KM_IRQ_COUNT	GVT_DISPLAY_NR_PLANES
#endif

const char vgpu_series_kernel[] = KM_SERIES;
const char vgpu_series_abi[] = KM_ABI_NAME;

struct intel_vgpu *vgpu_series_create(u32 *regs)
{
	static struct drm_i915_private i915;
	static struct intel_gt gt = { .i915 = &i915 };
	static struct intel_gvt gvt = { .gt = &gt };
	struct intel_vgpu *vgpu = kzalloc(sizeof(*vgpu), GFP_KERNEL);

	if (!vgpu)
		return NULL;
	vgpu->gvt = &gvt;
	vgpu->regs = regs;
	mutex_init(&vgpu->vgpu_lock);
	return vgpu;
}

void vgpu_series_destroy(struct intel_vgpu *vgpu)
{
	if (!vgpu)
		return;
	vgpu_series_release(vgpu);
	mutex_destroy(&vgpu->vgpu_lock);
	kfree(vgpu);
}

struct mutex *vgpu_series_lock(struct intel_vgpu *vgpu)
{
	return &vgpu->vgpu_lock;
}

void vgpu_series_primary_write(struct intel_vgpu *vgpu, unsigned int pipe)
{
	intel_vgpu_display_plane_updated(vgpu, (enum pipe)pipe,
					 GVT_DISPLAY_UPDATE_PRIMARY);
}

void vgpu_series_cursor_write(struct intel_vgpu *vgpu, u32 offset, u32 val)
{
	cursor_mmio_write(vgpu, offset, &val, sizeof(val));
}

void vgpu_series_vblank(struct intel_vgpu *vgpu)
{
	intel_vgpu_display_irq_signal(vgpu, display_irq_vblank_planes(vgpu));
}

u32 vgpu_series_num_irqs(void)
{
	return INTEL_GVT_NUM_IRQS;
}

/* kvmgt's intel_vgpu_get_irq_count() for the indexes this device has */
static int vgpu_series_irq_count(u32 index)
{
	return index == INTEL_GVT_DISPLAY_IRQ_INDEX ? KM_IRQ_COUNT : 0;
}

long vgpu_series_get_irq_info(struct intel_vgpu *vgpu, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info = { 0 };

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= INTEL_GVT_NUM_IRQS)
		return -EINVAL;
	if (info.index == INTEL_GVT_DISPLAY_IRQ_INDEX)
		return intel_vgpu_get_display_irq_info(&info, arg);
	/* the PCI indexes: no INTx or MSI on this device */
	info.flags = 0;
	info.count = 0;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/* a SET_IRQS of eventfds that registers one (not only fd -1) */
static bool km_any_fd(const s32 *fds, u32 count)
{
	u32 i;

	for (i = 0; i < count; i++)
		if (fds[i] >= 0)
			return true;
	return false;
}

long vgpu_series_set_irqs(struct intel_vgpu *vgpu, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	void *data = NULL;
	int ret;

	if (copy_from_user(&hdr, (void __user *)arg, minsz))
		return -EFAULT;
#if KM_LINUX >= KM_VERSION(7, 0)
	/* generic checks 6.12's kvmgt lacks and 7.2's has */
	if (!is_power_of_2(hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) ||
	    !is_power_of_2(hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK))
		return -EINVAL;
#endif
	/* kvmgt's preamble as patched: index >= 5 is validated, DATA_NONE too */
	if (!(hdr.flags & VFIO_IRQ_SET_DATA_NONE) ||
	    hdr.index >= INTEL_GVT_DISPLAY_IRQ_INDEX) {
		int max = vgpu_series_irq_count(hdr.index);

#if KM_LINUX >= KM_VERSION(7, 0)
		/* 7.2's count 0 check; the series lets DATA_NONE through */
		if (!hdr.count && !(hdr.flags & VFIO_IRQ_SET_DATA_NONE))
			return -EINVAL;
#endif
		ret = vfio_set_irqs_validate_and_prepare(&hdr, max,
							 INTEL_GVT_NUM_IRQS, &data_size);
		if (ret)	/* 6.x's kvmgt said -EINVAL, 7.2's passes it on */
			return KM_LINUX >= KM_VERSION(7, 0) ? ret : -EINVAL;
		if (data_size) {
			data = memdup_user((void __user *)(arg + minsz), data_size);
			if (IS_ERR(data))
				return PTR_ERR(data);
		}
	}
	if (hdr.index == INTEL_GVT_DISPLAY_IRQ_INDEX) {
		/* fault=leak tells a replaced trigger from a released one */
		km_registering = (hdr.flags & VFIO_IRQ_SET_DATA_EVENTFD) && data &&
				 km_any_fd(data, hdr.count);
		ret = intel_vgpu_set_display_irq(vgpu, hdr.index, hdr.start,
						 hdr.count, hdr.flags, data);
		km_registering = false;
	} else {
		ret = -ENOTTY;	/* kvmgt's intel_vgpu_set_irqs(): no handler */
	}
	kfree(data);
	return ret;
}

void vgpu_series_fault_cleanup(void)
{
	spin_lock(&km_fault_lock);
	while (km_nleaked)
		eventfd_ctx_put(km_leaked[--km_nleaked]);	/* km_: not registering */
	spin_unlock(&km_fault_lock);
}

void vgpu_series_release(struct intel_vgpu *vgpu)
{
	mutex_lock(&vgpu->vgpu_lock);
	intel_vgpu_display_irq_release(vgpu);
	mutex_unlock(&vgpu->vgpu_lock);
}

#endif /* VGPU_MDEV_SERIES_GLUE_H */
