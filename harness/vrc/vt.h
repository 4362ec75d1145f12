/* SPDX-License-Identifier: MIT */
/*
 * The world of one conformance test: its device (through the transport, as
 * on GVT), its process guest, its virtual clock, and its verdict per clause.
 * Helpers follow the selftests convention: vt_*() assert and end the test
 * with a harness error when something that cannot fail does; the test code
 * judges the device with vt_violation().
 */
#ifndef VRC_VT_H
#define VRC_VT_H

#include <stdbool.h>
#include <stdint.h>
#include "vrc/irq.h"
#include "vrc/oracle.h"
#include "harness/vrc/rt.h"
#include "vgpu/guest.h"
#include "backend.h"
#include "sim_backend.h"
#include "vrc.h"

#define VT_NREC	2u

struct vt {
	const struct vrc_opts *o;
	const struct vrc_test *test;
	struct vrc_sim sim;
	struct vrc_transport *dev;	/* the device (vGPU 0) over its transport */
	bool gvt_shared;	/* gvt: a guest's QEMU has the vGPU, t is our copy */
	struct vrc_display_irq irq;
	bool have_irq;
	struct vgpu_guest g;
	bool have_guest;
	/* vfio with o->gvt_harness_vram: g.vram is the harness's copy of the
	 * device's BAR2, written through with vt_vram_written() */
	bool vram_shadow;
	/* vfio: the guest's flip-done, as the harness sees its own writes: the
	 * surface armed by a DSPSURF write, and the one latched since */
	uint32_t gvt_surf_armed, gvt_surf_latched;
	bool gvt_surf_pending, gvt_ctl_async;
	unsigned pipe;		/* pipe the guest scans out on */
	uint32_t surf[2];	/* two framebuffers in VRAM */
	unsigned front;
	uint32_t curbase[2];
	unsigned cur_img;
	int cur_x, cur_y;
	/* the second vGPU of VT_TWO_VGPUS tests (sim instance 1; gvt: dev1 is
	 * o->gvt_second's transport, g1 unused) */
	struct vrc_transport *dev1;
	struct vrc_display_irq irq1;
	struct vgpu_guest g1;
	bool have_second;
	/* recorders reading the device now: a test that ends early stops them
	 * before the device and its irq close under them */
	struct rt_recorder *rec[VT_NREC];
	uint32_t violated;
	char reason[640];
	unsigned nmeas;
	struct vrc_measurement meas[VRC_MAX_MEASUREMENTS];
	const char *artifact_dir;	/* <run>/tests/<name>, NULL: not kept */
};

/* The backend the test runs on (backend.h). */
static inline const struct vrc_backend *vt_backend(const struct vt *t)
{
	return vrc_backend_of(t->o);
}

#define VT_W	64u
#define VT_H	64u

/* Record a violation of clause c (first reason kept, all printed). */
void vt_violation(struct vt *t, enum vrc_clause c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vt_diag(struct vt *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a SHOULD measurement with the test's result (printed as a KTAP
 * diagnostic, kept in results.json); the same name again replaces it. */
void vt_measure(struct vt *t, const char *name, double value, const char *unit);
/* The harness itself failed: ends the test as a crash with the reason. */
_Noreturn void vt_abort(struct vt *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The device does not offer what the test needs: ends the test as a skip. */
_Noreturn void vt_skip(struct vt *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open (or reopen) the device over its transport. */
void vt_open_device(struct vt *t);
void vt_close_device(struct vt *t);
/*
 * Start a recorder (rt.h) on irq, aborting the test if it cannot, and stop
 * it. Between the two, a test that ends early (vt_abort, vt_skip) stops it
 * before closing the transport its probes read.
 */
void vt_recorder_start(struct vt *t, struct rt_recorder *r, struct vrc_display_irq *irq,
		       size_t cap, uint64_t probe_ns,
		       void (*hook)(void *arg, const struct rt_sample *s, size_t idx),
		       void *arg);
void vt_recorder_stop(struct vt *t, struct rt_recorder *r);
/*
 * Find the display irq. Skips when it is not offered, and when it is not
 * discoverable (a malformed chain or reply: DISC-1/DISC-2's business, and
 * the skip says why); a device that died ends the test as a crash.
 */
void vt_find_irq(struct vt *t);
/* The same, but a discovery the device got wrong returns false with the
 * reason in why, for the DISC tests to judge. */
bool vt_try_find_irq(struct vt *t, char *why, size_t len);
/* vt_try_find_irq's -errno (0 when found): -ENOMSG is a display irq that is
 * misplaced or unusable (DISC-1) but whose chain t->irq describes. */
int vt_find_irq_rc(struct vt *t, char *why, size_t len);
/* Open the device, find the irq, attach the guest and light pipe `pipe`
 * (plane + cursor), settle, register an eventfd and drain. */
void vt_setup(struct vt *t, unsigned pipe);

void vt_guest_attach(struct vt *t);
void vt_guest_detach(struct vt *t);
/* The guest wrote g.vram[off, off + len): the device's memory has it now. */
void vt_vram_written(struct vt *t, uint64_t off, uint64_t len);
/* The primary surface of the guest's pipe the device latched (flip-done). */
uint32_t vt_latched_surf(struct vt *t);
/* vGPU 1 set up like vt_setup() does vGPU 0 (VT_TWO_VGPUS tests): sim
 * instance 1, or on gvt the runner's second vGPU; and closed. */
void vt_setup_second(struct vt *t);
void vt_close_second(struct vt *t);
/* Program pipe `pipe` of vGPU 0 or 1: plane (two buffers) and cursor on. */
void vt_guest_pipe_on(struct vt *t, unsigned vgpu, unsigned pipe);
void vt_pipe_on(struct vt *t, unsigned pipe);
void vt_flip(struct vt *t);
/* An async flip: the plane control's async bit set for one surface write
 * (SPEC §2: flip-done at once, the host signalled at the next vblank). */
void vt_flip_async(struct vt *t);
void vt_cursor_move(struct vt *t, bool curpos_only);
/* Draw band k of the front buffer in VRAM (no register write: the device
 * cannot see it, which is the point of the single-buffer heuristic). */
void vt_draw(struct vt *t, unsigned k);
/* Write to a guest register through the ring (the doorbell follows). */
void vt_reg(struct vt *t, uint32_t offset, uint32_t value);
/* The same on vGPU 0 or 1 (gvt: through its BAR0 region). */
void vt_reg_on(struct vt *t, unsigned vgpu, uint32_t offset, uint32_t value);
/* Advance n vblanks on the virtual clock (gvt: wait for n real ones). */
void vt_step(struct vt *t, unsigned n);
/* The same for every vGPU of the test (gvt: each has its own timer; vGPU
 * 0's vblanks are waited for). */
void vt_step_all(struct vt *t, unsigned n);
/* vGPU 0's frame counter on the guest's pipe (aborts when unreadable). */
uint32_t vt_counter(struct vt *t);
/* gvt: the harness is the guest and must act at every real vblank, so the
 * calling thread runs at real-time priority where allowed (a diagnostic
 * says when not); nothing in virtual time. */
void vt_realtime(struct vt *t);
/* Drain the registered eventfd(s): 1 if something was there. */
int vt_poll(struct vt *t, struct vrc_signal *sig);
int vt_eventfd(struct vt *t);

/*
 * Drive n vblanks with the guest doing what `act` says at vblank k (before
 * it latches), recording host signals per vblank placed by the frame counter.
 * vb must have n entries; guest events are filled from act's return bits.
 * vb1 (n entries, or NULL) gets the same with the signals placed for EVT-1:
 * identical in virtual time; on gvt, where a late harness can read several
 * vblanks' signals at once, vb gives them the benefit of the doubt for the
 * latch clauses and vb1 only what the counters prove (rt.h's two modes).
 */
#define VT_ACT_FLIP	1u
#define VT_ACT_CURSOR	2u
#define VT_ACT_CURPOS	4u	/* CURPOS-only move */
#define VT_ACT_BURST	8u	/* three flips in this vblank */
#define VT_ACT_DRAW	16u	/* draw into the scanned-out buffer, no flip */
#define VT_ACT_ASYNC	32u	/* an async flip (DSPCNTR bit 9, then DSPSURF) */
/* The act wrote the registers itself; expect a primary flip / cursor update. */
#define VT_ACT_MARK_FLIP	64u
#define VT_ACT_MARK_CURSOR	128u
/* Returns the frame counter before vblank 0. */
uint32_t vt_drive(struct vt *t, unsigned n, vt_act_fn act, void *ctx, struct vrc_vblank *vb,
		  struct vrc_vblank *vb1);

/*
 * vt_drive's loop, with beside(t, k, bctx) run after vGPU 0's act at each
 * vblank k (a neighbour's updates: ISO), then every vGPU stepped (gvt: each
 * runs on its own timer, vGPU 0's vblanks pace the loop). beside NULL:
 * vGPU 0 alone is stepped, as vt_drive does.
 */
uint32_t vt_drive_beside(struct vt *t, unsigned n, vt_act_fn act, void *ctx,
			 struct vrc_vblank *vb, vt_beside_fn beside, void *bctx);

/* Zero vb, drain stale signals, return the frame counter before vblank 0. */
uint32_t vt_timeline_start(struct vt *t, struct vrc_vblank *vb, unsigned n);
/* Place sig, read after vblank k, on the vblank axis by its frame counter. */
void vt_place(struct vt *t, struct vrc_vblank *vb, unsigned n, uint32_t base,
	      unsigned k, const struct vrc_signal *sig);

/* Flip every vblank for up to max vblanks until the irq signals: 1 if it did. */
int vt_expect_signal(struct vt *t, unsigned max);

/* A pseudo-random act / no-act sequence (a fixed 16-bit LFSR, so host and
 * guest sequences align unambiguously), never more than max_idle quiet
 * vblanks in a row: true means act at this vblank. */
bool vt_pattern_next(uint16_t *lfsr, unsigned *idle_run, unsigned max_idle);

#endif /* VRC_VT_H */
