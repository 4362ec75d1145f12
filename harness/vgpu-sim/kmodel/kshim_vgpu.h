/* SPDX-License-Identifier: MIT */
/*
 * GVT's struct intel_vgpu as far as the series uses it, around one vgpu-sim
 * device: the series' irq state (struct intel_vgpu_display_irq, from its
 * display.h, which the generated TU has defined by now), vgpu_lock, and
 * GVT's register helpers on vgpu-sim's register file.
 */
#ifndef VGPU_SIM_KMODEL_KSHIM_VGPU_H
#define VGPU_SIM_KMODEL_KSHIM_VGPU_H

struct intel_vgpu {
	struct intel_gvt *gvt;
	struct mutex vgpu_lock;
	struct {
		struct intel_vgpu_display_irq irq;	/* patch 2's gvt.h field */
	} display;
	struct vgpu *sim;	/* the emulated device it lives in */
};

/* GVT: the pipe's PIPECONF (TRANSCONF) enable bit in the vGPU's registers. */
static inline int pipe_is_enabled(struct intel_vgpu *vgpu, int pipe)
{
	if (WARN_ON(pipe < PIPE_A || pipe >= I915_MAX_PIPES))
		return -EINVAL;
	return pipe < (int)VRC_NUM_PIPES && vgpu_pipe_enabled(vgpu->sim, (unsigned)pipe);
}

/* vgpu-sim stores a register before its trap runs: nothing left to do. */
static inline void write_vreg(struct intel_vgpu *vgpu, unsigned int offset,
			      void *p_data, unsigned int bytes)
{
}

#endif /* VGPU_SIM_KMODEL_KSHIM_VGPU_H */
