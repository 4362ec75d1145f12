/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the reference series' code (built into this module from kernel/VER
 * by kernel/kmodel-gen.sh, with series/glue.h at its end) offers the rest of
 * vgpu-mdev: GVT's struct intel_vgpu is opaque here, as the series' state
 * lives in it. The calls are made where GVT makes them; "locked" ones with
 * vgpu_series_lock() held, as GVT's MMIO emulation holds vgpu_lock.
 */
#ifndef VGPU_MDEV_SERIES_H
#define VGPU_MDEV_SERIES_H

#include <linux/types.h>
#include "vgpu_mdev_oot.h"

struct intel_vgpu;
struct mutex;

#ifdef VGPU_MDEV_FAULTS
/*
 * Fault models, vgpu-mdev's fault= parameter (vgpu_mdev_main.c), so that the
 * kernel path is shown to see faults; each has a vgpu-sim twin of the same
 * name but warn. dup and leak live below the series, in the eventfd calls
 * it makes (series/kshim.h); no-cursor in the register traps; warn makes a
 * DSPSURF write call the series with a pipe it WARNs about; torn-offset in
 * the dma-buf export (vgpu_mdev_plane.c), below the series and its signals.
 */
enum vgpu_mdev_fault {
	VGPU_FAULT_NONE,
	VGPU_FAULT_DUP,		/* every signal delivered twice */
	VGPU_FAULT_LEAK,	/* a re-registration keeps signalling the old eventfd */
	VGPU_FAULT_NO_CURSOR,	/* no cursor trap: cursor updates never signal */
	VGPU_FAULT_WARN,	/* the series WARNs at every flip, which still counts */
	VGPU_FAULT_TORN_OFFSET,	/* a primary dma-buf starts half its rows late */
};

extern enum vgpu_mdev_fault vgpu_mdev_fault;
/* module exit: drop what fault=leak kept */
void vgpu_series_fault_cleanup(void);
#endif

/* The series' kernel (e.g. "6.1") and its ABI name ("v6", "v7"). */
extern const char vgpu_series_kernel[];
extern const char vgpu_series_abi[];

/* regs: the vGPU's register window (VRC_REG_WINDOW_BASE..), owned by the caller. */
struct intel_vgpu *vgpu_series_create(u32 *regs);
void vgpu_series_destroy(struct intel_vgpu *vgpu);
struct mutex *vgpu_series_lock(struct intel_vgpu *vgpu);

/* locked: the MMIO handlers GVT runs for DSPSURF, CURBASE and CURPOS */
void vgpu_series_primary_write(struct intel_vgpu *vgpu, unsigned int pipe);
void vgpu_series_cursor_write(struct intel_vgpu *vgpu, u32 offset, u32 val);
/* locked: GVT's vblank emulation, before the frame counters move */
void vgpu_series_vblank(struct intel_vgpu *vgpu);

/* VFIO_DEVICE_GET_INFO's num_irqs and the ioctls, as the series patches them */
u32 vgpu_series_num_irqs(void);
long vgpu_series_get_irq_info(struct intel_vgpu *vgpu, unsigned long arg);
long vgpu_series_set_irqs(struct intel_vgpu *vgpu, unsigned long arg);
/* close_device and VFIO_DEVICE_RESET: takes the lock itself */
void vgpu_series_release(struct intel_vgpu *vgpu);

#endif /* VGPU_MDEV_SERIES_H */
