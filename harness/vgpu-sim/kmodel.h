/* SPDX-License-Identifier: MIT */
/*
 * Kernel models: vgpu-sim devices whose display refresh irq is the code of
 * a reference kernel series (kernel/VER), compiled in userspace by
 * kernel/kmodel-gen.sh. vgpu-sim keeps the device (registers, flips, frame
 * counters, planes); these calls are where GVT would run the series' code,
 * and everything they decide (which eventfd to signal, what SET_IRQS and
 * GET_IRQ_INFO answer) is the series'.
 */
#ifndef VGPU_SIM_KMODEL_H
#define VGPU_SIM_KMODEL_H

#include <stddef.h>
#include <stdint.h>

/* A kernel version, comparable: KM_VERSION(6, 12) < KM_VERSION(7, 2). */
#define KM_VERSION(a, b)	((a) << 8 | (b))

struct vgpu;
struct vgpu_kstate;		/* the series' struct intel_vgpu */
struct vfu_irq_set;

struct vgpu_kops {
	const char *series;	/* "7.2": kernel/7.2 */
	int abi;		/* enum vrc_abi the series implements */
	struct vgpu_kstate *(*create)(struct vgpu *v);
	/* Releases what userspace registered, then frees. */
	void (*destroy)(struct vgpu_kstate *k);
	/* The guest wrote pipe p's primary surface (DSPSURF). */
	void (*primary_write)(struct vgpu_kstate *k, unsigned p);
	/* The guest wrote a cursor register (CURBASE or CURPOS of any pipe). */
	void (*cursor_write)(struct vgpu_kstate *k, uint32_t offset, uint32_t val);
	/* GVT's emulated vblank, before the frame counters move. */
	void (*vblank)(struct vgpu_kstate *k);
	/* vgpu_irq_info() and vgpu_set_irqs() of the display index. */
	int (*irq_info)(struct vgpu_kstate *k, uint32_t argsz, uint8_t *out,
			size_t outcap, size_t *outlen);
	int (*set_irqs)(struct vgpu_kstate *k, const struct vfu_irq_set *req,
			const uint8_t *data, size_t datalen, const int *fds, size_t nfds);
	/* close_device and VFIO_DEVICE_RESET. */
	void (*release)(struct vgpu_kstate *k);
};

#endif /* VGPU_SIM_KMODEL_H */
