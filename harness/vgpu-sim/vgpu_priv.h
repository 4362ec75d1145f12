/* SPDX-License-Identifier: MIT */
/*
 * Internals of one emulated vGPU, shared by vgpu.c (layout, registers, ring,
 * vblank), vgpu_irq.c (irq info, SET_IRQS, signalling) and vgpu_dev.c
 * (regions, config space, planes). Not an API: only vgpu.h is.
 */
#ifndef VGPU_SIM_VGPU_PRIV_H
#define VGPU_SIM_VGPU_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "kmodel.h"
#include "vgpu.h"
#include "vrc/i915_regs.h"

struct vfio_device_gfx_plane_info;

/* Event bits inside the sim; turned into values/sub-irqs when signalled. */
#define VGPU_EV_PRI		1u
#define VGPU_EV_CUR		2u
#define VGPU_EV_PIPE		4u	/* only in vgpu_pipe.was_off */

#define VGPU_NREGS		(VRC_REG_WINDOW_SIZE / 4u)
#define VGPU_MAX_SUBIRQ		2u	/* v7: primary, cursor */
#define VGPU_HELD_MAX		16u	/* replaced eventfds kept open (v5/v6, leak) */
#define VGPU_DELAY_MAX		8u	/* largest delay_ticks honoured */
#define VGPU_DELAY_SLOTS	32u
#define VGPU_DMABUF_SLOTS	16u
#define VGPU_PAGE		4096u
#define VGPU_VRAM_ALIGN		(1u << 20)

struct vgpu_pipe {
	bool pri_pending;	/* sync primary flip queued for the next vblank */
	bool cur_pending;	/* cursor flip queued for the next vblank */
	uint8_t async;		/* VGPU_EV_* bits of the async-flip bitmap */
	uint8_t done;		/* VGPU_EV_* latched this tick, published after the frame count */
	uint8_t was_off;	/* plane-off-on, pipe-off-on: VGPU_EV_* of planes turned
				   off once (VGPU_EV_PIPE: the pipe) */
	uint8_t reshaped;	/* curcntr-drop, stride-drop: VGPU_EV_* of planes whose
				   size, format, stride or tiling changed since the
				   last vblank */
};

/* An eventfd replaced by a re-register but not released. */
struct vgpu_held_fd {
	int fd;
	uint8_t sub;		/* sub-irq it was registered for */
	bool signalled;		/* LEAK: still signalled */
};

struct vgpu_delayed {
	uint64_t due;		/* tick at which it is delivered */
	uint8_t ev;
};

struct vgpu_dmabuf {
	uint32_t id;		/* 0: free slot */
	uint32_t drm_format;
	uint64_t modifier;
	uint64_t offset;	/* in VRAM */
	uint32_t size, width, height, stride;
};

struct vgpu {
	const struct vgpu_model *model;
	uint64_t traits;
	enum vrc_abi abi;
	unsigned instance;
	uint8_t *shm;
	size_t shm_size;
	int shm_fd;
	/* Our own copy of the layout: the header in shm is never read back. */
	uint64_t regs_off;
	uint64_t ring_off;
	uint64_t vram_off;
	uint64_t vram_size;
	uint32_t ring_entries;
	uint32_t ring_tail;	/* ours; the shm copy is only published */
	uint64_t ring_errors;

	struct vgpu_global *global;
	uint32_t idle;		/* per-vGPU idle (unless STATIC_IDLE) */
	void (*notify_guest)(void *ctx);
	void *notify_ctx;
	bool guest_dirty;	/* status changed since the last notify */

	uint32_t regs[VGPU_NREGS];
	struct vgpu_pipe pipe[VRC_NUM_PIPES];
	uint64_t ticks;
	uint8_t config[VGPU_CONFIG_SIZE];

	/* display irq */
	int trig[VGPU_MAX_SUBIRQ];
	bool masked;
	bool mask_inherited;	/* MASK_SURVIVES: the mask of a previous opener */
	uint8_t masked_ev;	/* REPLAY_MASK: VGPU_EV_* suppressed while masked */
	uint64_t resume_tick;	/* LAZY_UNMASK: no signal before this tick */
	struct vgpu_held_fd held[VGPU_HELD_MAX];
	unsigned nheld;
	struct vgpu_delayed delayq[VGPU_DELAY_SLOTS];
	unsigned ndelayed;
	uint64_t nsignals;	/* signals delivered or dropped (drop_every) */
	uint64_t saturated;	/* writes skipped: counter full or write error */

	struct vgpu_dmabuf dmabuf[VGPU_DMABUF_SLOTS];
	uint32_t next_dmabuf_id;
	unsigned dmabuf_victim;

	/* kernel-VER models: the series' irq state, and its code */
	const struct vgpu_kops *kops;
	struct vgpu_kstate *kst;

	bool dead;
	char dead_reason[224];
};

static inline bool vgpu_has(const struct vgpu *v, uint64_t trait)
{
	return (v->traits & trait) != 0;
}

static inline enum vgpu_disc_fault vgpu_disc_fault(const struct vgpu *v)
{
	return vgpu_model_disc_fault(v->traits);
}

static inline enum vgpu_plane_fault vgpu_plane_fault(const struct vgpu *v)
{
	return vgpu_model_plane_fault(v->traits);
}

static inline enum vgpu_irqs_fault vgpu_irqs_fault(const struct vgpu *v)
{
	return vgpu_model_irqs_fault(v->traits);
}

/* no-irq answers as a kernel without the series: the PCI irqs only; so
 * does pci-index, whose display irq is the last of them. */
static inline uint32_t vgpu_num_irqs(const struct vgpu *v)
{
	return vgpu_has(v, VM_NO_IRQ) || vgpu_disc_fault(v) == VGPU_DISC_PCI_INDEX ?
	       VRC_PCI_NUM_IRQS : VGPU_NUM_IRQS;
}

/* The index GET_IRQ_INFO answers the display irq's chain at. */
static inline uint32_t vgpu_display_index(const struct vgpu *v)
{
	return vgpu_disc_fault(v) == VGPU_DISC_PCI_INDEX ? VRC_PCI_NUM_IRQS - 1 :
	       VGPU_DISPLAY_IRQ;
}

/* Register file access; `off` must be an aligned offset inside the window. */
static inline uint32_t vgpu_reg(const struct vgpu *v, uint32_t off)
{
	return v->regs[(off - VRC_REG_WINDOW_BASE) / 4u];
}

static inline bool vgpu_pipe_enabled(const struct vgpu *v, unsigned p)
{
	return (vgpu_reg(v, VRC_PIPECONF(p)) & VRC_PIPECONF_ENABLE) != 0;
}

/* vgpu.c */
void vgpu_die(struct vgpu *v, const char *why);
/* Set a register in our file and in the guest-visible shadow. */
void vgpu_reg_set(struct vgpu *v, uint32_t off, uint32_t val);
/* 0, or -EINVAL for a write outside the register window / unaligned. */
int vgpu_mmio_write_checked(struct vgpu *v, uint32_t offset, uint32_t value);

/* vgpu_dev.c: pipe's primary plane (pipe < 0: none). 1: on, *p filled and
 * *surf its VRAM offset (checked to lie inside VRAM); 0: off; < 0: error. */
int vgpu_primary_plane(const struct vgpu *v, int pipe, struct vfio_device_gfx_plane_info *p,
		       uint64_t *surf);
/* The same for pipe's cursor plane: ARGB8888, linear, dim x dim, at the
 * signed position x_pos/y_pos (two's complement in the u32 fields). */
int vgpu_cursor_plane(const struct vgpu *v, int pipe, struct vfio_device_gfx_plane_info *p,
		      uint64_t *surf);

/* vgpu_crc.c: at pipe p's vblank that made the frame count `frame` */
void vgpu_crc_tick(struct vgpu *v, unsigned p, uint32_t frame);

/* vgpu_irq.c */
bool vgpu_is_eventfd(int fd);
/* An eventfd's counter, from fdinfo: 0, or -1 if unavailable. */
int vgpu_efd_count(int fd, uint64_t *count);
void vgpu_irq_init(struct vgpu *v);
void vgpu_irq_fini(struct vgpu *v);
unsigned vgpu_irq_count(const struct vgpu *v);
/* Model-level signal: delay queue, drop, dup, then the eventfds. */
void vgpu_emit(struct vgpu *v, unsigned ev);
/* Deliver the delayed signals that are due at the current tick. */
void vgpu_deliver_due(struct vgpu *v);
/* Release every trigger eventfd, clear the mask and the delay queue. */
void vgpu_irq_release(struct vgpu *v);

/* vgpu_dev.c */
void vgpu_config_init(struct vgpu *v);
uint64_t vgpu_bar2_size(const struct vgpu *v);

#endif /* VGPU_SIM_VGPU_PRIV_H */
