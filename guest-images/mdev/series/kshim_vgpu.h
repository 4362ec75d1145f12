/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GVT's struct intel_vgpu as far as the series uses it, around vgpu-mdev's
 * register window: the series' irq state (struct intel_vgpu_display_irq,
 * defined by the series' display.h above), vgpu_lock, and GVT's vreg
 * helpers. As in GVT, a trapped register is stored by its handler
 * (write_vreg), not before it.
 */
#ifndef VGPU_MDEV_SERIES_KSHIM_VGPU_H
#define VGPU_MDEV_SERIES_KSHIM_VGPU_H

struct intel_vgpu {
	struct intel_gvt *gvt;
	struct mutex vgpu_lock;
	struct {
		struct intel_vgpu_display_irq irq;	/* patch 2's gvt.h field */
	} display;
	u32 *regs;	/* VRC_REG_WINDOW_BASE .. + VRC_REG_WINDOW_SIZE */
};

static inline u32 *vgpu_vreg(struct intel_vgpu *vgpu, unsigned int offset)
{
	if (WARN_ON(offset < VRC_REG_WINDOW_BASE ||
		    offset - VRC_REG_WINDOW_BASE >= VRC_REG_WINDOW_SIZE ||
		    !IS_ALIGNED(offset, 4)))
		return NULL;
	return &vgpu->regs[(offset - VRC_REG_WINDOW_BASE) / 4];
}

/* GVT: the pipe's PIPECONF (TRANSCONF) enable bit in the vGPU's registers. */
static inline int pipe_is_enabled(struct intel_vgpu *vgpu, int pipe)
{
	if (WARN_ON(pipe < PIPE_A || pipe >= I915_MAX_PIPES))
		return -EINVAL;
	return pipe < (int)VRC_NUM_PIPES &&
	       (*vgpu_vreg(vgpu, VRC_PIPECONF(pipe)) & VRC_PIPECONF_ENABLE);
}

static inline void write_vreg(struct intel_vgpu *vgpu, unsigned int offset,
			      void *p_data, unsigned int bytes)
{
	u32 *r = vgpu_vreg(vgpu, offset);

	if (r && bytes == sizeof(*r))
		memcpy(r, p_data, bytes);
}

#endif /* VGPU_MDEV_SERIES_KSHIM_VGPU_H */
