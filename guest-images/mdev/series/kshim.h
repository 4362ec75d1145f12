/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side of harness/vgpu-sim/kmodel/kshim.h: included first by the
 * series TU that kernel/kmodel-gen.sh --shim=series generates for vgpu-mdev.
 * Here the real kernel provides what vgpu-sim's shim fakes (mutexes,
 * lockdep, eventfd contexts, the VFIO capability chain and SET_IRQS
 * validation, copy_to_user); this header only adds the few i915 types and
 * register macros the series names, on the emulated vGPU's offsets.
 */
#ifndef VGPU_MDEV_SERIES_KSHIM_H
#define VGPU_MDEV_SERIES_KSHIM_H

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/mutex.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/version.h>

/*
 * The series extends struct vfio_irq_info by cap_offset (patch 1): the
 * running kernel's uapi has no such field, so its version is renamed out of
 * the way in this TU and the patched one is defined below. The structure
 * only travels through copy_from_user/copy_to_user: no kernel function of
 * this TU takes it.
 */
#define vfio_irq_info km_unpatched_vfio_irq_info
#include <linux/vfio.h>
#undef vfio_irq_info
struct vfio_irq_info {
	__u32	argsz;
	__u32	flags;
	__u32	index;
	__u32	count;
	__u32	cap_offset;
};

#include "include/vrc/i915_regs.h"
#include "vgpu_series.h"

/* A kernel version, comparable: as vgpu-sim's kmodel.h defines it. */
#define KM_VERSION(a, b)	((a) << 8 | (b))

/*
 * The series for one kernel is built against that kernel (KM_KERNEL,
 * kmodel-gen.sh --kernel): its own, or a newer one it is carried to
 * unchanged (7.2's on 7.3, as kernel/check.sh checks), never an older one.
 */
#if KM_KERNEL != KM_VERSION(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL) || KM_LINUX > KM_KERNEL
#error "this module's reference series is not its kernel's: see mkimage.sh --flavour=mdev"
#endif

/*
 * ---- fault models below the series (vgpu_series.h): in the eventfd calls
 * it makes, as vgpu-sim's dup and leak are in its device. leak: a trigger
 * that a new registration replaces (km_registering, set by glue.h around
 * SET_IRQS; one flag for all devices, a fault model's simplification) is
 * kept, and signalled with every later signal.
 */
#define KM_MAX_LEAKED	16
static struct eventfd_ctx *km_leaked[KM_MAX_LEAKED];
static unsigned int km_nleaked;
static bool km_registering;
static DEFINE_SPINLOCK(km_fault_lock);

/*
 * 6.8: eventfd_signal(ctx) lost its count and adds 1; the series for such a
 * kernel (v7: one eventfd per plane) never asks for more.
 */
#define KM_EVENTFD_SIGNAL_COUNTS	(KM_KERNEL < KM_VERSION(6, 8))

static inline void km_eventfd_add(struct eventfd_ctx *ctx, __u64 n)
{
#if KM_EVENTFD_SIGNAL_COUNTS
	eventfd_signal(ctx, n);
#else
	WARN_ON_ONCE(n != 1);
	eventfd_signal(ctx);
#endif
}

static inline void km_eventfd_signal(struct eventfd_ctx *ctx, __u64 n)
{
	unsigned int i;

	km_eventfd_add(ctx, n);
	if (vgpu_mdev_fault == VGPU_FAULT_DUP)
		km_eventfd_add(ctx, n);
	if (vgpu_mdev_fault != VGPU_FAULT_LEAK)
		return;
	spin_lock(&km_fault_lock);
	for (i = 0; i < km_nleaked; i++)
		if (km_leaked[i] != ctx)
			km_eventfd_add(km_leaked[i], n);
	spin_unlock(&km_fault_lock);
}

static inline void km_eventfd_ctx_put(struct eventfd_ctx *ctx)
{
	bool kept = false;

	if (vgpu_mdev_fault == VGPU_FAULT_LEAK && km_registering) {
		spin_lock(&km_fault_lock);
		if (km_nleaked < KM_MAX_LEAKED) {
			km_leaked[km_nleaked++] = ctx;
			kept = true;
		}
		spin_unlock(&km_fault_lock);
	}
	if (!kept)
		eventfd_ctx_put(ctx);
}

/* the series calls eventfd_signal(ctx, n) before 6.8, eventfd_signal(ctx) after */
#define KM_EVENTFD_SIGNAL(ctx, n, ...)	km_eventfd_signal((ctx), (n))
#define eventfd_signal(...)		KM_EVENTFD_SIGNAL(__VA_ARGS__, 1, 0)
#define eventfd_ctx_put(ctx)	km_eventfd_ctx_put(ctx)

/* The series' functions that are not static, renamed per series. */
#define intel_vgpu_display_plane_updated	KM_SYM(display_plane_updated)
#define intel_vgpu_display_irq_signal		KM_SYM(display_irq_signal)
#define intel_vgpu_display_irq_release		KM_SYM(display_irq_release)

/* ---- DRM and i915, as far as the series names them */
/*
 * include/drm/drm_plane.h's, in its order (the v7 plane map carries these
 * values to userspace); the header itself wants the real struct drm_device.
 */
enum drm_plane_type {
	DRM_PLANE_TYPE_OVERLAY,
	DRM_PLANE_TYPE_PRIMARY,
	DRM_PLANE_TYPE_CURSOR,
};

enum pipe {
	INVALID_PIPE = -1,
	PIPE_A = 0,
	PIPE_B,
	PIPE_C,
	PIPE_D,
	I915_MAX_PIPES,
};

struct drm_device {
	int unused;
};

/* the 7.x series reach the display through i915->display (unused here) */
struct intel_display {
	int unused;
};

struct drm_i915_private {
	struct drm_device drm;
	struct intel_display *display;
};

struct intel_gt {
	struct drm_i915_private *i915;
};

struct intel_gvt {
	struct intel_gt *gt;
};

/* drm_WARN_ON() prints the DRM device; there is none here. */
#define drm_WARN_ON(drm, cond)	({ (void)(drm); WARN_ON(cond); })

typedef struct {
	u32 reg;
} i915_reg_t;

static inline u32 i915_mmio_reg_offset(i915_reg_t r)
{
	return r.reg;
}

/* Before 6.8 the register macros used a local dev_priv: CURBASE(pipe). */
#define KM_REG_PICK(_1, _2, NAME, ...)	NAME
#define KM_REG1(off, pipe)		((void)dev_priv, (i915_reg_t){ off(pipe) })
#define KM_REG2(off, dev, pipe)		((void)(dev), (i915_reg_t){ off(pipe) })
#define CURBASE(...)	KM_REG_PICK(__VA_ARGS__, KM_REG2, KM_REG1)(VRC_CURBASE, __VA_ARGS__)
#define CURPOS(...)	KM_REG_PICK(__VA_ARGS__, KM_REG2, KM_REG1)(VRC_CURPOS, __VA_ARGS__)
#define for_each_pipe(dev, p)	for ((void)(dev), (p) = PIPE_A; (p) < (int)VRC_NUM_PIPES; (p)++)
#define gvt_for_each_pipe(display, p)	for_each_pipe(display, p)

#endif /* VGPU_MDEV_SERIES_KSHIM_H */
