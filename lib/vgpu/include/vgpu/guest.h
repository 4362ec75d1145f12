/* SPDX-License-Identifier: MIT */
/*
 * A "process guest": a host process that drives an emulated vGPU through the
 * same ivshmem protocol and shared-memory register interface the vdisp guest
 * kernel driver uses (vgpu/shm.h). Fast tests run workloads through it
 * without booting a VM.
 */
#ifndef VGPU_GUEST_H
#define VGPU_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include "vgpu/ivshmem.h"
#include "vgpu/shm.h"

struct vgpu_guest {
	struct ivshmem_client ivs;
	void *shm;
	size_t shm_size;
	struct vgpu_shm_header *hdr;
	volatile uint32_t *regs;	/* register shadow */
	struct vgpu_ring *ring;
	uint8_t *vram;
	uint32_t pending;		/* records appended since the last doorbell */
	/* validated copies taken at open: the shm header is untrusted */
	uint32_t ring_entries;		/* power of two */
	uint32_t regs_base;
	uint32_t regs_size;
	uint32_t head;			/* guest-owned ring head */
	uint64_t vram_size;		/* bytes at vram, inside the shm */
	uint16_t emu_id;		/* peer to ring */
};

/* Connect, map, validate the header (magic, version, layout inside shm). */
int vgpu_guest_open(const char *ivshmem_path, int timeout_ms,
		    struct vgpu_guest *g, char *err, size_t errlen);
void vgpu_guest_close(struct vgpu_guest *g);

/*
 * Append one register write to the ring. Returns 0, or -EAGAIN if the ring
 * is full (ring the doorbell and retry). Does not ring.
 */
int vgpu_guest_write_nodb(struct vgpu_guest *g, uint32_t offset, uint32_t value);
/* Append and ring the doorbell (waits for room, bounded by 1 s). */
int vgpu_guest_write(struct vgpu_guest *g, uint32_t offset, uint32_t value);
int vgpu_guest_doorbell(struct vgpu_guest *g);
/* Read a register from the shadow (0 outside the window). */
uint32_t vgpu_guest_read(const struct vgpu_guest *g, uint32_t offset);
/* Wait until vgpu-sim consumed everything appended (tail == head). */
int vgpu_guest_flush(struct vgpu_guest *g, int timeout_ms);
/* The guest's display vector eventfd (readable on vblank/flip-done). */
int vgpu_guest_irq_fd(const struct vgpu_guest *g);

#endif /* VGPU_GUEST_H */
