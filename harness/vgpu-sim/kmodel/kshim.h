/* SPDX-License-Identifier: MIT */
/*
 * The kernel APIs the reference series calls, for running its code in
 * vgpu-sim (kernel/kmodel-gen.sh). Only what the series uses, with the
 * semantics of the kernel it targets (KM_LINUX): VFIO's capability chain
 * helpers and SET_IRQS validation, eventfd contexts on real eventfds,
 * mutexes and lockdep assertions that check the locking rather than
 * ignore it, WARN_ON. A broken rule (a lock not held, a WARN, a write past
 * the caller's argsz) is a kernel bug: it kills the emulated device with
 * the reason, as an oops would, so the run reports it.
 *
 * Included first by each generated kmodel TU; kshim_vgpu.h follows the
 * series' headers, glue.h ends the TU.
 */
#ifndef VGPU_SIM_KMODEL_KSHIM_H
#define VGPU_SIM_KMODEL_KSHIM_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>

/*
 * The series extends struct vfio_irq_info by cap_offset (patch 1, checked
 * against libvrc by kernel/t_uapi.sh): the installed header's version is
 * renamed out of the way and the patched one defined below.
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

#include "harness/vgpu-sim/kmodel.h"
#include "harness/vgpu-sim/vgpu_priv.h"

/* Kernel code is built as the kernel builds it: unused parameters are fine. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* The series' functions that are not static, renamed per series. */
#define intel_vgpu_display_plane_updated	KM_SYM(display_plane_updated)
#define intel_vgpu_display_irq_signal		KM_SYM(display_irq_signal)
#define intel_vgpu_display_irq_release		KM_SYM(display_irq_release)

/* ---- types and helpers */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
#define __user

#define U32_MAX			UINT32_MAX
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define ALIGN(x, a)		(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define offsetofend(T, m)	(offsetof(T, m) + sizeof(((T *)0)->m))
#define struct_size(p, member, n) \
	(sizeof(*(p)) + (size_t)(n) * sizeof((p)->member[0]))
#define swap(a, b) \
	do { __typeof__(a) km_t_ = (a); (a) = (b); (b) = km_t_; } while (0)

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

#define MAX_ERRNO	4095
static inline void *ERR_PTR(long err)
{
	return (void *)err;
}

static inline long PTR_ERR(const void *p)
{
	return (long)p;
}

static inline bool IS_ERR(const void *p)
{
	return (unsigned long)p >= (unsigned long)-MAX_ERRNO;
}

#define GFP_KERNEL	0
#define kzalloc(n, gfp)		calloc(1, (n))
#define kfree(p)		free(p)

/* ---- bugs: the device dies with the reason (km_bug() in glue.h) */
static void km_bug(const char *what, const char *file, int line);

#define WARN_ON(cond) \
	({ bool km_c_ = !!(cond); if (km_c_) km_bug("WARN_ON(" #cond ")", __FILE__, __LINE__); km_c_; })
#define drm_WARN_ON(drm, cond)	({ (void)(drm); WARN_ON(cond); })

/* vgpu-sim is one thread: a mutex records that it is held, checking the
   series' locking rules; it never has to wait. */
struct mutex {
	bool held;
};

#define mutex_lock(m) \
	do { if ((m)->held) km_bug("mutex_lock of a held mutex (deadlock)", __FILE__, __LINE__); \
	     (m)->held = true; } while (0)
#define mutex_unlock(m) \
	do { if (!(m)->held) km_bug("mutex_unlock of a free mutex", __FILE__, __LINE__); \
	     (m)->held = false; } while (0)
#define lockdep_assert_held(m) \
	do { if (!(m)->held) km_bug("lockdep_assert_held(" #m ") failed", __FILE__, __LINE__); } while (0)

/*
 * ---- user memory: one window, the caller's buffer of argsz bytes. A copy
 * outside it is a kernel bug (it would scribble on the caller's memory).
 */
static uint8_t *km_user_lo, *km_user_hi, *km_user_end;	/* end: highest byte written + 1 */

static inline unsigned long copy_to_user(void *to, const void *from, unsigned long n)
{
	uint8_t *p = to;

	if (p < km_user_lo || p > km_user_hi || n > (unsigned long)(km_user_hi - p)) {
		km_bug("copy_to_user outside the caller's argsz", __FILE__, __LINE__);
		return n;
	}
	memcpy(p, from, n);
	if (p + n > km_user_end)
		km_user_end = p + n;
	return 0;
}

/* ---- eventfd: a context holds its own reference to the caller's file */
struct eventfd_ctx {
	int fd;
	unsigned refs;
};

static inline struct eventfd_ctx *eventfd_ctx_fdget(int fd)
{
	struct eventfd_ctx *ctx;

	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return ERR_PTR(-EBADF);
	if (!vgpu_is_eventfd(fd))
		return ERR_PTR(-EINVAL);
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ctx->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (ctx->fd < 0) {
		free(ctx);
		return ERR_PTR(-EMFILE);
	}
	ctx->refs = 1;
	return ctx;
}

static inline void eventfd_ctx_put(struct eventfd_ctx *ctx)
{
	if (!ctx->refs)
		km_bug("eventfd_ctx_put of a released context", __FILE__, __LINE__);
	else if (!--ctx->refs) {
		close(ctx->fd);
		free(ctx);
	}
}

/*
 * Adds n, or what still fits: the kernel's counter stops at ULLONG_MAX
 * (6.1 adds what fits; from 6.8 it adds 1 while below). A write() could
 * block, so what fits is read first (readers only lower the counter).
 */
static inline void km_eventfd_add(struct eventfd_ctx *ctx, uint64_t n)
{
	uint64_t count, room;

	if (vgpu_efd_count(ctx->fd, &count))	/* fdinfo: Linux >= 3.8 */
		return;
	room = UINT64_MAX - 1 - count;	/* write(2) stops one short */
	if (n > room)
		n = room;
	if (n && write(ctx->fd, &n, sizeof(n)) != sizeof(n))
		return;
}

/* eventfd_signal(ctx) from 6.8 adds 1; eventfd_signal(ctx, n) before. */
#define KM_EVENTFD_SIGNAL(ctx, n, ...)	km_eventfd_add((ctx), (n))
#define eventfd_signal(...)		KM_EVENTFD_SIGNAL(__VA_ARGS__, 1, 0)

/* ---- VFIO core: the capability chain and SET_IRQS validation */
struct vfio_info_cap {
	struct vfio_info_cap_header *buf;
	size_t size;
};

/* From 6.6 each capability's size is rounded up to 8 bytes. */
static inline struct vfio_info_cap_header *
vfio_info_cap_add(struct vfio_info_cap *caps, size_t size, u16 id, u16 version)
{
	struct vfio_info_cap_header *header, *tmp;
	void *buf;

	if (KM_LINUX >= KM_VERSION(6, 6))
		size = ALIGN(size, sizeof(u64));
	buf = realloc(caps->buf, caps->size + size);
	if (!buf) {
		free(caps->buf);
		caps->buf = NULL;
		caps->size = 0;
		return ERR_PTR(-ENOMEM);
	}
	caps->buf = buf;
	header = (void *)((uint8_t *)buf + caps->size);
	memset(header, 0, size);
	header->id = id;
	header->version = version;
	/* the chain's next offsets are relative to the buffer until shifted */
	for (tmp = buf; tmp->next; tmp = (void *)((uint8_t *)buf + tmp->next))
		;
	tmp->next = caps->size;
	caps->size += size;
	return header;
}

static inline void vfio_info_cap_shift(struct vfio_info_cap *caps, size_t offset)
{
	uint8_t *buf = (uint8_t *)caps->buf;
	struct vfio_info_cap_header *tmp;

	if (KM_LINUX >= KM_VERSION(6, 6))
		WARN_ON(!IS_ALIGNED(offset, sizeof(u64)));
	for (tmp = (void *)buf; tmp->next; tmp = (void *)(buf + tmp->next - offset))
		tmp->next += offset;
}

static inline int vfio_info_add_capability(struct vfio_info_cap *caps,
					   struct vfio_info_cap_header *cap, size_t size)
{
	struct vfio_info_cap_header *header;

	header = vfio_info_cap_add(caps, size, cap->id, cap->version);
	if (IS_ERR(header))
		return (int)PTR_ERR(header);
	memcpy(header + 1, cap + 1, size - sizeof(*header));
	return 0;
}

/* The generic checks of VFIO_DEVICE_SET_IRQS (the same from 6.1 to 7.2). */
static inline int vfio_set_irqs_validate_and_prepare(struct vfio_irq_set *hdr, int num_irqs,
						     int max_irq_type, size_t *data_size)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	size_t size;

	if (hdr->argsz < minsz || hdr->index >= (u32)max_irq_type ||
	    hdr->count >= U32_MAX - hdr->start ||
	    (hdr->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return -EINVAL;
	if (data_size)
		*data_size = 0;
	if (hdr->start >= (u32)num_irqs || hdr->start + hdr->count > (u32)num_irqs)
		return -EINVAL;
	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		size = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = sizeof(u8);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(s32);
		break;
	default:
		return -EINVAL;
	}
	if (size) {
		if (hdr->argsz - minsz < hdr->count * size)
			return -EINVAL;
		if (!data_size)
			return -EINVAL;
		*data_size = hdr->count * size;
	}
	return 0;
}

/* ---- DRM and i915 */
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

struct intel_vgpu;

struct drm_device {
	int unused;
};

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

typedef struct {
	u32 reg;
} i915_reg_t;

static inline u32 i915_mmio_reg_offset(i915_reg_t r)
{
	return r.reg;
}

/* GVT-g's gen9 has pipes A to C; vgpu-sim has the same registers. */
/*
 * The register macros take the device (dev_priv, then struct intel_display
 * from 6.13); before 6.8 they used a local dev_priv implicitly: CURBASE(pipe).
 */
#define KM_REG_PICK(_1, _2, NAME, ...)	NAME
#define KM_REG1(off, pipe)		((void)dev_priv, (i915_reg_t){ off(pipe) })
#define KM_REG2(off, dev, pipe)		((void)(dev), (i915_reg_t){ off(pipe) })
#define CURBASE(...)	KM_REG_PICK(__VA_ARGS__, KM_REG2, KM_REG1)(VRC_CURBASE, __VA_ARGS__)
#define CURPOS(...)	KM_REG_PICK(__VA_ARGS__, KM_REG2, KM_REG1)(VRC_CURPOS, __VA_ARGS__)
#define for_each_pipe(dev, p)	for ((void)(dev), (p) = PIPE_A; (p) < (int)VRC_NUM_PIPES; (p)++)
#define gvt_for_each_pipe(display, p)	for_each_pipe(display, p)

#endif /* VGPU_SIM_KMODEL_KSHIM_H */
