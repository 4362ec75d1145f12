/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdisp: DRM/KMS driver for the emulated vGPU behind QEMU's ivshmem-doorbell
 * (1af4:1110). The device side is vgpu-sim; the protocol is vgpu/shm.h:
 * BAR2 holds a header, a shadow of the gen9 display registers, a write ring
 * for register writes (trapped MMIO, rung through the BAR0 doorbell) and
 * VRAM. One pipe (A), a primary and a cursor plane, a virtual connector.
 */
#ifndef VDISP_H
#define VDISP_H

#include <linux/pci.h>
#include <linux/spinlock.h>
#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_device.h>
#include <drm/drm_encoder.h>
#include <drm/drm_plane.h>

#include "vgpu/shm.h"
#include "vrc/i915_regs.h"

#define VDISP_PIPE		0u	/* the one pipe we drive: A */
#define VDISP_CURSOR_MAX	256u	/* the widest cursor CURCNTR selects */

/* ivshmem BAR0 registers (docs/specs/ivshmem-spec.rst) */
#define IVSHMEM_IVPOSITION	0x08
#define IVSHMEM_DOORBELL	0x0c

/* What a pending vblank event waits for: the counter of the update it carries. */
enum vdisp_wait {
	VDISP_WAIT_FLIP,	/* pipe[].flip_done_seq */
	VDISP_WAIT_CURSOR,	/* pipe[].cursor_done_seq */
	VDISP_WAIT_VBLANK,	/* pipe[].vblank_seq: nothing latches */
};

/* A commit between atomic_begin and atomic_flush (commits are serialised). */
struct vdisp_commit {
	u32 flip_before, cursor_before;
	bool primary_written, cursor_written;
};

struct vdisp_device {
	struct drm_device drm;
	struct pci_dev *pdev;

	void __iomem *mmio;		/* ivshmem BAR0 */
	void *shm;			/* BAR2 [0, vram_offset): header, regs, ring */
	struct vgpu_shm_header *hdr;
	u32 *regs;			/* register shadow (read-only for us) */
	struct vgpu_ring *ring;
	/* validated copies of the header: it is not trusted after probe */
	u32 regs_base, regs_size, ring_entries;
	u64 vram_offset, vram_size;
	u16 emu_id, my_id;

	spinlock_t ring_lock;		/* ring head and batching */
	u32 head;
	unsigned int pending;		/* records appended since the last doorbell */
	bool dead_reported;

	/* the event of the last commit, completed from the irq */
	struct drm_pending_vblank_event *event;	/* under drm.event_lock */
	enum vdisp_wait wait;
	u32 wait_seq;			/* counter value before the update */
	u32 last_vblank_seq;
	bool vblank_on;
	struct vdisp_commit commit;

	/* vblank timestamps on the device's grid (vdisp_vblank_ts.c) */
	spinlock_t ts_lock;
	u64 period_ns;			/* nominal; 0: virtual time, no stamps */
	s64 ts_period;			/* learnt, in 1/256 ns */
	bool ts_valid;
	bool ts_resume;			/* the pipe came back on: re-anchor */
	u32 ts_n0;			/* anchor: frame n0 began at t0 */
	ktime_t ts_t0;
	/* the period's measurement: earliest arrivals of frame windows, the
	 * first window's (base) to the latest window's */
	bool win_valid, base_valid;
	u32 windows;			/* windows measured since the base */
	u32 win_start, win_n, base_n;
	s64 win_t, base_t;		/* ns */

	/* the debugfs CRC source (vdisp_crc.c) */
	bool crc_on;
	u32 crc_head;			/* next CRC ring record to hand to DRM */

	struct drm_plane primary, cursor;
	struct drm_crtc crtc;
	struct drm_encoder encoder;
	struct drm_connector connector;
};

static inline struct vdisp_device *to_vdisp(struct drm_device *drm)
{
	return container_of(drm, struct vdisp_device, drm);
}

/* vdisp_hw.c: the shared-memory protocol */
int vdisp_hw_init(struct vdisp_device *vd);
u32 vdisp_read(struct vdisp_device *vd, u32 reg);
void vdisp_write(struct vdisp_device *vd, u32 reg, u32 val);
void vdisp_doorbell(struct vdisp_device *vd);
u32 vdisp_status(struct vdisp_device *vd, const vgpu_u32 *field);
#define VDISP_STATUS(vd, f) vdisp_status(vd, &(vd)->hdr->pipe[VDISP_PIPE].f)

/* vdisp_kms.c: planes, CRTC, connector */
int vdisp_kms_init(struct vdisp_device *vd);

/* vdisp_irq.c: vblank and flip completion */
int vdisp_irq_init(struct vdisp_device *vd);
void vdisp_arm_event(struct vdisp_device *vd, struct drm_crtc_state *state,
		     enum vdisp_wait wait, u32 seq_before);
void vdisp_flush_event(struct vdisp_device *vd);
u32 vdisp_get_vblank_counter(struct drm_crtc *crtc);
int vdisp_enable_vblank(struct drm_crtc *crtc);
void vdisp_disable_vblank(struct drm_crtc *crtc);

/* vdisp_vblank_ts.c: vblank timestamps */
void vdisp_ts_init(struct vdisp_device *vd, u32 hz_milli);
void vdisp_ts_sample(struct vdisp_device *vd);
void vdisp_ts_pipe_on(struct vdisp_device *vd);
bool vdisp_get_vblank_timestamp(struct drm_crtc *crtc, int *max_error,
				ktime_t *vblank_time, bool in_vblank_irq);

/* vdisp_crc.c: the debugfs CRC source */
int vdisp_set_crc_source(struct drm_crtc *crtc, const char *source);
int vdisp_verify_crc_source(struct drm_crtc *crtc, const char *source, size_t *values_cnt);
const char *const *vdisp_get_crc_sources(struct drm_crtc *crtc, size_t *count);
void vdisp_crc_drain(struct vdisp_device *vd);

#endif
