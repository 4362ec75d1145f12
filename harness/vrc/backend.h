/* SPDX-License-Identifier: MIT */
/*
 * A backend: everything that differs between the devices a run can test,
 * in one table, as QEMU's hw/vfio keeps a device's I/O in VFIODeviceIOOps.
 * The runner and the test helpers (vt.c) call through it and never ask
 * which backend they are on; a new kind of device is a new table.
 *
 *   sim   vgpu-sim, started per test; the process guest writes registers
 *         through its shared memory; a virtual clock the test steps, so
 *         every poll window is exactly one vblank.
 *   vfio  a kernel VFIO device: GVT-g's vGPU (--backend=gvt) or an mdev
 *         whose device offers the irq (--backend=mdev, no KVM). The run's
 *         mdev is opened per test (o->gvt); the harness is its guest,
 *         writing BAR0 as a vCPU's trapped MMIO would; vblanks are real,
 *         so the harness waits for them and places signals by the frame
 *         counter; the host kernel's dmesg judges each test too.
 *   vfio_stepped  the same device with a clock the test steps (vgpu-mdev's
 *         clock=stepped, through debugfs): the kernel path judged in
 *         virtual time, exactly as on sim.
 */
#ifndef VRC_BACKEND_H
#define VRC_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "host_dmesg.h"
#include "sim_backend.h"
#include "vrc.h"

struct vt;
struct vrc_vblank;
struct vrc_transport;
typedef unsigned (*vt_act_fn)(unsigned k, void *ctx);
typedef void (*vt_beside_fn)(struct vt *t, unsigned k, void *bctx);

/* What the parent keeps around one test: the options the test runs with
 * (a backend may add to them, e.g. a second vGPU) and the backend's state. */
struct vrc_test_scope {
	struct vrc_opts opts;
	struct vrc_host_dmesg dm;
	bool dmesg;
	struct gvt_session *second;
};

/* A device opened once before the tests, to read its display irq. */
struct vrc_probe_dev {
	struct vrc_transport *t;
	struct vrc_sim sim;
};

struct vrc_backend {
	const char *name;
	/* Vblanks are real (the harness waits for them; a late harness reads
	 * several at once) rather than stepped by the test. */
	bool real_vblanks;

	/* ---- the runner, in the parent */
	/* Why this test cannot run here, or NULL. */
	const char *(*skip_reason)(const struct vrc_opts *o, const struct vrc_test *test);
	/* Around one test's run: begin fills s->opts (from o) and may end the
	 * test already (rec->result set, returns false); end judges what the
	 * backend saw (e.g. the host's dmesg) and releases. */
	bool (*test_begin)(const struct vrc_opts *o, const struct vrc_test *test,
			   struct vrc_test_scope *s, struct vrc_test_record *rec);
	void (*test_end)(const struct vrc_opts *o, const struct vrc_test *test,
			 struct vrc_test_scope *s, struct vrc_test_record *rec,
			 const char *artifact_dir);
	int (*probe_open)(const struct vrc_opts *o, struct vrc_probe_dev *p, char *err,
			  size_t errlen);
	void (*probe_close)(const struct vrc_opts *o, struct vrc_probe_dev *p);
	/* One KTAP diagnostic line: what the run is on, without the newline. */
	void (*describe)(const struct vrc_opts *o, FILE *f);
	/* The run id's middle part: the model or the backend. */
	const char *(*run_label)(const struct vrc_opts *o);

	/* ---- the test, in its child */
	/* Before the test body: bring up what the test's device needs. */
	void (*child_start)(struct vt *t);
	void (*open_device)(struct vt *t);
	void (*close_device)(struct vt *t);
	/* The guest's side of vGPU 0: how register writes will reach it, and
	 * where its memory is (t->g.vram); released by guest_detach. */
	void (*guest_attach)(struct vt *t);
	void (*guest_detach)(struct vt *t);
	/* The guest wrote t->g.vram[off, off + len): make the device see it. */
	void (*vram_written)(struct vt *t, uint64_t off, uint64_t len);
	/* The primary surface of the guest's pipe the device latched: the
	 * guest's flip-done. */
	uint32_t (*latched_surf)(struct vt *t);
	/* A guest register write on vGPU 0 or 1: 0 or -errno. */
	int (*reg_write)(struct vt *t, unsigned vgpu, uint32_t offset, uint32_t value);
	/* Write rows of the front buffer, as a guest's CPU would (no register
	 * write). Backends without guest memory do nothing. */
	void (*draw)(struct vt *t, uint64_t offset, uint32_t npx, uint32_t value);
	void (*open_second)(struct vt *t);
	void (*close_second)(struct vt *t);
	/* n vblanks of vGPU 0 / of every vGPU pass. */
	void (*step)(struct vt *t, unsigned n);
	void (*step_all)(struct vt *t, unsigned n);
	/* vt_drive_beside()/vt_drive() (vt.h): vb1 NULL for the former. */
	uint32_t (*drive)(struct vt *t, unsigned n, vt_act_fn act, void *ctx,
			  struct vrc_vblank *vb, struct vrc_vblank *vb1, vt_beside_fn beside,
			  void *bctx);
	/* The acting thread's priority: raised where vblanks are real. */
	void (*realtime)(struct vt *t);
};

extern const struct vrc_backend vrc_backend_sim;
extern const struct vrc_backend vrc_backend_vfio;
/* vfio with a clock the test steps (vgpu-mdev's clock=stepped): vblanks run
 * when the harness writes their count to the device's step file. */
extern const struct vrc_backend vrc_backend_vfio_stepped;

/* The run's backend: o->be, sim when unset. */
const struct vrc_backend *vrc_backend_of(const struct vrc_opts *o);

/* For the backends' drive loops (vt.c): do what act says at vblank k and
 * return its bits; mark what those bits make the oracle expect at v. */
unsigned vt_drive_act(struct vt *t, vt_act_fn act, unsigned k, void *ctx);
void vt_drive_mark(struct vrc_vblank *v, unsigned a);
/* The drive of a backend whose clock the test steps (vt_step/vt_step_all):
 * exact one-vblank windows. */
uint32_t vt_drive_stepped(struct vt *t, unsigned n, vt_act_fn act, void *ctx,
			  struct vrc_vblank *vb, struct vrc_vblank *vb1, vt_beside_fn beside,
			  void *bctx);

#endif
