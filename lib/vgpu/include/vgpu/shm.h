/* SPDX-License-Identifier: MIT */
/*
 * The guest side of the emulated vGPU: what a guest (the vdisp kernel driver
 * behind QEMU's ivshmem-doorbell, or a host "process guest") shares with
 * vgpu-sim. vgpu-sim is the ivshmem server; the shared memory (ivshmem BAR2)
 * holds, in this order:
 *
 *   [0, 4 KiB)          struct vgpu_shm_header: identity, layout, status
 *   [regs_offset, +regs_size)  register shadow: the vGPU's current register
 *                       values for MMIO offsets [VRC_REG_WINDOW_BASE, +size),
 *                       written only by vgpu-sim (guest reads never trap)
 *   [ring_offset, ...)  the write ring: trapped-MMIO emulation. The guest
 *                       appends (offset, value) records and rings the
 *                       doorbell; vgpu-sim feeds each to mmio_write() in order
 *   [vram_offset, +vram_size)  VRAM: framebuffers and cursor images; plane
 *                       surface registers hold offsets into it
 *
 * The header also carries a CRC ring per pipe: while PIPE_CRC_CTL enables
 * it, vgpu-sim appends (frame count, CRC of the picture scanned out
 * from that vblank on: the cursor composed over the primary plane) at
 * every vblank, so a guest that is woken late still gets every frame's CRC
 * (vdisp feeds them to DRM's debugfs CRC source).
 *
 * All status lives in memory; an interrupt only says "look now", because
 * under TCG an MSI-X sent before the guest enabled MSI-X is lost. Every field
 * written by the guest is untrusted by vgpu-sim. Little-endian throughout.
 * This header is also compiled into the guest kernel module: fixed-width
 * types only, no libc.
 */
#ifndef VGPU_SHM_H
#define VGPU_SHM_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef u32 vgpu_u32;
typedef u64 vgpu_u64;
#else
#include <stdint.h>
typedef uint32_t vgpu_u32;
typedef uint64_t vgpu_u64;
#endif

#define VGPU_SHM_MAGIC		0x55504756u	/* bytes "VGPU" in memory */
#define VGPU_SHM_VERSION	1u
#define VGPU_SHM_HEADER_SIZE	4096u
#define VGPU_SHM_RING_ENTRIES	1024u		/* power of two */
#define VGPU_CRC_ENTRIES	16u		/* power of two */

/* MSI-X vectors (ivshmem vectors) of the guest peer. */
#define VGPU_VEC_DISPLAY	0u	/* vblank / flip done: re-read status */
#define VGPU_NUM_VECTORS	1u
/* Vector of the emulator peer the guest rings after appending to the ring. */
#define VGPU_DOORBELL_VEC	0u

struct vgpu_pipe_status {
	vgpu_u32 frame_count;	/* mirror of PIPE_FRMCOUNT, after each vblank */
	vgpu_u32 vblank_seq;	/* bumped at every vblank of an enabled pipe */
	vgpu_u32 flip_done_seq;	/* bumped for each completed primary flip */
	vgpu_u32 cursor_done_seq;	/* bumped for each latched cursor update */
	vgpu_u32 latched_surf;	/* PLANE_SURF value scanned out since the last vblank */
	vgpu_u32 pad[3];
};

/*
 * head counts records modulo 2^32, the slot is head & (VGPU_CRC_ENTRIES - 1);
 * vgpu-sim writes the record, then store-releases head. A reader more than
 * VGPU_CRC_ENTRIES behind has lost the oldest ones.
 */
struct vgpu_crc_ring {
	vgpu_u32 head;
	vgpu_u32 pad[3];
	struct vgpu_crc_rec {
		vgpu_u32 frame;	/* frame_count of the vblank it starts at */
		vgpu_u32 crc;	/* CRC-32 of the primary plane's pixels, X ignored */
	} rec[VGPU_CRC_ENTRIES];
};

struct vgpu_shm_header {
	vgpu_u32 magic;		/* VGPU_SHM_MAGIC */
	vgpu_u32 version;	/* VGPU_SHM_VERSION */
	vgpu_u32 header_size;	/* VGPU_SHM_HEADER_SIZE */
	vgpu_u32 emu_peer_id;	/* ivshmem peer id to ring (doorbell) */
	vgpu_u32 instance;	/* vGPU instance number inside vgpu-sim */
	vgpu_u32 num_pipes;
	vgpu_u32 regs_base;	/* MMIO offset of the shadow's first byte */
	vgpu_u32 regs_size;
	vgpu_u64 regs_offset;	/* shm offsets of the three areas */
	vgpu_u64 ring_offset;
	vgpu_u64 vram_offset;
	vgpu_u64 vram_size;
	vgpu_u32 ring_entries;	/* power of two */
	vgpu_u32 vblank_hz_milli; /* nominal refresh in mHz (0: virtual time) */
	vgpu_u32 pad0[2];
	struct vgpu_pipe_status pipe[4];	/* written by vgpu-sim only */
	vgpu_u32 dead;		/* non-zero: the device stopped (oops model) */
	vgpu_u32 crc_entries;	/* VGPU_CRC_ENTRIES: crc[] is offered; 0: it is not */
	vgpu_u32 pad1[3];
	struct vgpu_crc_ring crc[4];	/* written by vgpu-sim only */
};

/*
 * The write ring. head: next slot the guest fills (guest-owned); tail: next
 * slot vgpu-sim consumes (emulator-owned). Both count records modulo 2^32;
 * the slot is (n & (ring_entries - 1)). The guest writes the record, then
 * store-releases head; vgpu-sim load-acquires head, consumes, store-releases
 * tail. A guest that finds head - tail == ring_entries rings and waits.
 * vgpu-sim treats head - tail > ring_entries as a broken guest: it drops
 * the backlog, counts it, and resynchronises tail = head.
 */
struct vgpu_ring_rec {
	vgpu_u32 offset;	/* MMIO offset, 4-byte aligned */
	vgpu_u32 value;
};

struct vgpu_ring {
	vgpu_u32 head;
	vgpu_u32 pad0[15];	/* head and tail on separate cache lines */
	vgpu_u32 tail;
	vgpu_u32 pad1[15];
	struct vgpu_ring_rec rec[];	/* ring_entries records */
};

#endif /* VGPU_SHM_H */
