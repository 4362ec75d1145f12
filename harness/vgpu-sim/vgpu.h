/* SPDX-License-Identifier: MIT */
/*
 * One emulated vGPU instance: register file, vblank logic, display irq state,
 * plane query. Transport-free: the vfio-user server (vfu_server.c) and the
 * guest side (ring drain) call into this; it calls out only through eventfds
 * (host signals) and the notify_guest callback (guest MSI-X).
 *
 * All register writes, from the guest ring or from host REGION_WRITEs, go
 * through vgpu_mmio_write(). Nothing here blocks.
 */
#ifndef VGPU_SIM_VGPU_H
#define VGPU_SIM_VGPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vrc/uapi.h"
#include "vrc/vfio_user.h"
#include "vgpu/shm.h"
#include "model.h"

/* vfio-user regions of the device (PCI layout QEMU expects). */
#define VGPU_REGION_BAR0	0u	/* MMIO register file */
#define VGPU_REGION_BAR2	2u	/* aperture: VRAM */
#define VGPU_REGION_CONFIG	7u
#define VGPU_NUM_REGIONS	9u
#define VGPU_BAR0_SIZE		(2u << 20)
#define VGPU_CONFIG_SIZE	256u
#define VGPU_NUM_IRQS		6u	/* INTX MSI MSIX ERR REQ + display */
#define VGPU_DISPLAY_IRQ	5u
#define VGPU_PCI_VENDOR		0x8086u
#define VGPU_PCI_DEVICE		0x1912u	/* a gen9 GT2; GVT's V5 types run here */

/* Shared by all instances of one vgpu-sim process (v5's static idle). */
#define VGPU_GLOBAL_MAX	8u	/* instances the ISO fault models track */
struct vgpu_global {
	uint32_t static_idle;
	uint32_t masked;		/* iso-shared-mask: bit i, instance i masked */
	uint8_t crosstalk[VGPU_GLOBAL_MAX];	/* iso-crosstalk: VGPU_EV_* for instance i */
};

struct vgpu_config {
	const struct vgpu_model *model;
	enum vrc_abi abi;		/* VRC_ABI_UNKNOWN: the model's default */
	unsigned instance;
	void *shm;			/* the instance's shared memory, mapped */
	size_t shm_size;		/* power of two, >= 1 MiB */
	int shm_fd;			/* memfd behind shm (handed out as "dmabuf") */
	uint32_t vblank_hz_milli;	/* for the shm header; 0 = virtual time */
	struct vgpu_global *global;
	/* Raise the guest's display vector ("look at status now"). */
	void (*notify_guest)(void *ctx);
	void *notify_ctx;
};

struct vgpu;

/* Lays out and initialises the shm header (magic, layout, shadow). */
int vgpu_create(const struct vgpu_config *cfg, struct vgpu **out,
		char *err, size_t errlen);
void vgpu_destroy(struct vgpu *v);

enum vrc_abi vgpu_abi(const struct vgpu *v);
const struct vgpu_model *vgpu_model(const struct vgpu *v);
/* true once an emulated oops (VM_NULL_DEREF) killed the device. */
bool vgpu_dead(const struct vgpu *v);
const char *vgpu_dead_reason(const struct vgpu *v);

/* ---- device side: what vfio-user commands map to. Return 0 or -errno. */
void vgpu_device_info(const struct vgpu *v, struct vfu_device_info *info);
/* *fd: -1, or an fd the caller must not close (the region's mmap backing). */
int vgpu_region_info(const struct vgpu *v, uint32_t index,
		     struct vfu_region_info *info, int *fd);
/*
 * GET_IRQ_INFO with the kernel's semantics: argsz is what the caller allows;
 * writes min(argsz, needed) bytes of struct vrc_irq_info + chain to out
 * (outcap >= argsz), sets *outlen. argsz < 16: -EINVAL. Index >= num_irqs:
 * -EINVAL. For argsz >= 20 and the display index: the chain, or, if it does
 * not fit, FLAG_CAPS with the needed argsz and cap_offset 0.
 */
int vgpu_irq_info(struct vgpu *v, uint32_t index, uint32_t argsz,
		  uint8_t *out, size_t outcap, size_t *outlen);
/*
 * SET_IRQS. req: the fixed part as received; fds: the eventfds that came
 * with it (ownership passes to vgpu, which keeps or closes each). For the
 * display index, DATA_EVENTFD takes its fds from `fds`, one per sub-index;
 * data/datalen are the bytes after the fixed part (DATA_BOOL bytes).
 * Indexes 0..4 are accepted and ignored (QEMU enables MSI-X, etc.).
 */
int vgpu_set_irqs(struct vgpu *v, const struct vfu_irq_set *req,
		  const uint8_t *data, size_t datalen, int *fds, size_t nfds);
int vgpu_region_read(struct vgpu *v, uint32_t region, uint64_t off,
		     void *buf, uint32_t count);
int vgpu_region_write(struct vgpu *v, uint32_t region, uint64_t off,
		      const void *buf, uint32_t count);
int vgpu_reset(struct vgpu *v);
/* The host side closed the device (vfio-user disconnect). */
void vgpu_client_closed(struct vgpu *v);
int vgpu_query_plane(struct vgpu *v, struct vfio_device_gfx_plane_info *p);
/* On success: *mmap_off and *size locate the buffer in the shm fd (cfg.shm_fd). */
int vgpu_get_dmabuf(struct vgpu *v, uint32_t dmabuf_id, uint64_t *mmap_off,
		    uint64_t *size);

/* ---- guest side */
void vgpu_mmio_write(struct vgpu *v, uint32_t offset, uint32_t value);
uint32_t vgpu_mmio_read(const struct vgpu *v, uint32_t offset);
/* Feed the guest's write ring into mmio_write(); returns records consumed. */
unsigned vgpu_drain_ring(struct vgpu *v);
/* Count of ring records dropped as invalid (bad offset, overrun). */
uint64_t vgpu_ring_errors(const struct vgpu *v);

/* ---- time: one emulated vblank (drains the ring first). */
void vgpu_vblank(struct vgpu *v);
uint64_t vgpu_vblank_count(const struct vgpu *v);	/* ticks so far */

#endif /* VGPU_SIM_VGPU_H */
