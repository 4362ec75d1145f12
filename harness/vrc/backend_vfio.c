// SPDX-License-Identifier: MIT
/*
 * The vfio backend (backend.h): a kernel VFIO device that offers the irq,
 * GVT-g's vGPU (--backend=gvt) or an mdev of any parent (--backend=mdev).
 * The run's mdev (o->gvt, created and removed by gvt_detect.c or
 * mdev_backend.c) is opened by each test through harness/gvt's session
 * (a KVM VM of its own on GVT-g, none on a plain mdev). The harness owns
 * the device and is its guest: its writes through the VFIO BAR0 region
 * reach the device's MMIO handlers exactly as a vCPU's trapped writes do
 * (intel_vgpu_emulate_mmio_write). Vblanks are real.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrc/i915_regs.h"
#include "vrc/util.h"
#include "harness/gvt/gvt.h"
#include "backend.h"
#include "rt.h"
#include "vt.h"

/* GVT emulates vblanks at the guest's mode rate (tens of ms apart); a
 * frame counter that has not moved for a second is stuck. */
#define VBLANK_MAX_MS	1000
#define SIGNAL_WAIT_MS	4	/* a quarter of a 60 Hz frame */
/* With a guest: QEMU binds the shared vGPU while it starts, well before
 * the guest agent answers; this only bounds a QEMU that never does. */
#define BIND_MS		30000

/*
 * The harness-owned device has registers and real vblanks but no guest
 * memory, so nothing to capture unless the device has plane memory of its
 * own in BAR2 (o->gvt_harness_vram: vgpu-mdev); the real-time tests run vrc-wl in an i915
 * guest that QEMU boots on the vGPU, when the host and the image allow it
 * (o->gvt_guest). One vGPU per run, and a second one for each test of two
 * (VT_TWO_VGPUS) while it runs.
 */
const char *vrc_gvt_skip_reason(const struct vrc_opts *o, const struct vrc_test *test)
{
	if (test->flags & VT_EMULATED)
		return "looks into the emulated device's process: a kernel device's eventfd "
		       "references cannot be seen from userspace";
	if ((test->flags & VT_TWO_VGPUS) && (test->flags & VT_REALTIME))
		return "two i915 guests at once: not on GVT-g yet (iso-heuristic-independent "
		       "checks ISO-1 on two harness-owned vGPUs)";
	if (test->flags & VT_TWO_VGPUS)
		return o->gvt_no_second_why;
	if ((test->flags & VT_REALTIME) && !o->gvt_guest)
		return o->gvt_no_guest_why ? o->gvt_no_guest_why :
		       "needs an i915 guest booted on the vGPU";
	if (test->flags & VT_EXTRA)
		return o->gvt_no_igt_why;
	if (test->flags & VT_REALTIME)
		return NULL;
	if ((test->clauses & (CL(C_TEAR_1) | CL(C_TEAR_2))) && !o->gvt_harness_vram)
		return "captures the guest's framebuffers: the harness-owned vGPU has no "
		       "guest memory; on GVT the rt-tear-* tests check TEAR (i915 guest)";
	return NULL;
}

/* ---- the runner's side */

/*
 * A second vGPU like the run's, for a VT_TWO_VGPUS test only. The parent
 * creates and removes it, as it does the first: a test that dies leaves
 * nothing, and a harness that dies leaves a marker for the next run's sweep.
 */
static bool second_create(const struct vrc_opts *o, const struct vrc_test *test,
			  struct vrc_test_scope *s, struct vrc_test_record *rec)
{
	char err[300];
	unsigned avail;

	if (!gvt_type_available(o->gvt->h, o->gvt->m.parent, o->gvt->m.type, &avail) &&
	    avail == 0) {
		rec->result = R_SKIP;
		snprintf(rec->reason, sizeof(rec->reason), "gvt: needs two vGPUs at once: "
			 "type %s has no instance left for a second", o->gvt->m.type);
		return false;
	}
	if (!(s->second = calloc(1, sizeof(*s->second)))) {
		rec->result = R_CRASH;
		snprintf(rec->reason, sizeof(rec->reason), "gvt: the second vGPU: out of memory");
		return false;
	}
	if (gvt_session_create_sibling(o->gvt, s->second, err, sizeof(err))) {
		free(s->second);
		s->second = NULL;
		rec->result = R_CRASH;
		snprintf(rec->reason, sizeof(rec->reason), "gvt: the second vGPU: %s", err);
		return false;
	}
	fprintf(o->ktap, "# %s: second vGPU %s created\n", test->name, s->second->m.uuid);
	s->opts.gvt_second = s->second;
	return true;
}

static void second_destroy(const struct vrc_opts *o, const struct vrc_test *test,
			   struct vrc_test_scope *s, struct vrc_test_record *rec)
{
	char err[300];

	if (gvt_session_destroy(s->second, err, sizeof(err))) {
		fprintf(o->ktap, "# %s: removing the second vGPU FAILED: %s (the next run's "
			"sweep retries)\n", test->name, err);
		if (rec->result == R_PASS || rec->result == R_SKIP) {
			rec->result = R_CRASH;
			snprintf(rec->reason, sizeof(rec->reason), "gvt: removing the second "
				 "vGPU: %s", err);
		}
	}
	free(s->second);
	s->second = NULL;
}

/* The host kernel is under test too: its dmesg judges the test. */
static bool vfio_test_begin(const struct vrc_opts *o, const struct vrc_test *test,
			    struct vrc_test_scope *s, struct vrc_test_record *rec)
{
	s->opts = *o;
	vrc_host_dmesg_begin(&s->dm, o->kmsg_path, o->ktap);
	s->dmesg = true;
	if (test->flags & VT_REFUSED)
		s->dm.d.expected = gvt_kmsg_kvmgt_refusals;
	return !(test->flags & VT_TWO_VGPUS) || second_create(o, test, s, rec);
}

static void vfio_test_end(const struct vrc_opts *o, const struct vrc_test *test,
			  struct vrc_test_scope *s, struct vrc_test_record *rec,
			  const char *artifact_dir)
{
	if (s->second)
		second_destroy(o, test, s, rec);
	if (s->dmesg)
		vrc_host_dmesg_end(&s->dm, rec, artifact_dir);
	s->dmesg = false;
}

static int vfio_probe_open(const struct vrc_opts *o, struct vrc_probe_dev *p, char *err,
			   size_t errlen)
{
	char how[400];
	int rc = gvt_session_open_device(o->gvt, how, sizeof(how), err, errlen);

	p->t = rc ? NULL : o->gvt->t;
	return rc;
}

static void vfio_probe_close(const struct vrc_opts *o, struct vrc_probe_dev *p)
{
	gvt_session_close_device(o->gvt);
	p->t = NULL;
}

static void vfio_describe(const struct vrc_opts *o, FILE *f)
{
	fprintf(f, "backend %s (mdev %s, type %s on %s); virtual-time tests: the harness "
		"owns the vGPU and acts as its guest (BAR0 writes, real vblanks); "
		"real-time (rt-*) tests: %s%s", o->backend, o->gvt->m.uuid, o->gvt->m.type,
		o->gvt->m.parent, o->gvt_guest ? "vrc-wl in an i915 guest on the vGPU, " :
		"SKIP, ", o->gvt_no_guest_why ? o->gvt_no_guest_why : "no i915 guest");
}

static const char *vfio_run_label(const struct vrc_opts *o)
{
	return o->backend;
}

/* ---- the test's side */

static void vfio_child_start(struct vt *t)
{
	(void)t;	/* the run's vGPU exists; each test opens it (vt_open_device) */
}

static void vfio_open_device(struct vt *t)
{
	char how[400], err[256];
	int rc;

	if (t->gvt_shared)
		rc = gvt_session_open_shared(t->o->gvt, BIND_MS, err, sizeof(err));
	else
		rc = gvt_session_open_device(t->o->gvt, how, sizeof(how), err, sizeof(err));
	if (rc)
		vt_abort(t, "cannot open the vGPU: %s", err);
	t->dev = t->o->gvt->t;
	/*
	 * The run's device outlives each test, with whatever the last one left
	 * (a pipe on, a heuristic's count): each test starts from its reset
	 * state instead, as each sim test starts a fresh vgpu-sim. Not when a
	 * guest's QEMU shares the device: its state is the guest's.
	 */
	if (!t->gvt_shared && (rc = t->dev->ops->reset(t->dev)))
		vt_abort(t, "VFIO_DEVICE_RESET at the test's start failed: %s", strerror(-rc));
}

static void vfio_close_device(struct vt *t)
{
	if (t->dev || t->gvt_shared)
		gvt_session_close_device(t->o->gvt);	/* the device, then its KVM VM */
	t->gvt_shared = false;
}

/*
 * With plane memory in BAR2 (vgpu-mdev, o->gvt_harness_vram) the guest
 * draws into a copy of it, g.vram, and writes what it drew through the
 * region (vt_vram_written), as mbochs' guests write its VRAM BAR. Bounded:
 * BAR2's size is the device's word.
 */
#define VRAM_SHADOW_MAX	(64ull << 20)

static void attach_vram_shadow(struct vt *t)
{
	struct vfio_region_info info;
	int rc;

	if (!t->dev->ops->get_region_info)
		vt_skip(t, "the device's transport has no region info: no plane memory to fill");
	rc = t->dev->ops->get_region_info(t->dev, VFIO_PCI_BAR2_REGION_INDEX, &info);
	if (rc)
		vt_skip(t, "no BAR2 region to fill the planes' memory through: %s", strerror(-rc));
	if (!info.size || info.size > VRAM_SHADOW_MAX ||
	    !(info.flags & VFIO_REGION_INFO_FLAG_WRITE))
		vt_skip(t, "BAR2 is no plane memory the harness can fill (%llu bytes, flags %#x)",
			(unsigned long long)info.size, info.flags);
	t->g.vram = calloc(1, info.size);
	if (!t->g.vram)
		vt_abort(t, "out of memory for a copy of BAR2 (%llu bytes)",
			 (unsigned long long)info.size);
	t->g.vram_size = info.size;
	t->vram_shadow = true;
}

/* The harness is the guest: BAR0 through the transport. */
static void vfio_guest_attach(struct vt *t)
{
	if (t->o->gvt_harness_vram && !t->vram_shadow)
		attach_vram_shadow(t);
}

static void vfio_guest_detach(struct vt *t)
{
	if (!t->vram_shadow)
		return;
	free(t->g.vram);
	t->g.vram = NULL;
	t->g.vram_size = 0;
	t->vram_shadow = false;
}

static void vfio_vram_written(struct vt *t, uint64_t off, uint64_t len)
{
	const uint32_t chunk = 1u << 20;
	int rc;

	if (!t->vram_shadow)
		return;
	if (!t->dev)
		vt_abort(t, "guest VRAM write with the device closed");
	for (uint64_t done = 0; done < len; done += chunk) {
		uint32_t n = len - done < chunk ? (uint32_t)(len - done) : chunk;

		rc = t->dev->ops->region_write(t->dev, VFIO_PCI_BAR2_REGION_INDEX, off + done,
					     t->g.vram + off + done, n);
		if (rc)
			vt_abort(t, "guest VRAM write at %#llx through BAR2 failed: %s",
				 (unsigned long long)(off + done), strerror(-rc));
	}
}

/*
 * A harness-owned device injects no flip-done interrupt into the harness,
 * so the harness takes a sync flip as done at the first vblank after its
 * DSPSURF write, where GVT injects it (SPEC §2: a queued flip latches at
 * the next vblank of its enabled pipe), and an async one at once. The
 * steps (vfio_step, stepped_step) wait for or run that vblank.
 */
static uint32_t vfio_latched_surf(struct vt *t)
{
	return t->gvt_surf_latched;
}

/* What the guest's own register writes tell of its flips. */
static void note_write(struct vt *t, uint32_t offset, uint32_t value)
{
	if (offset == VRC_PLANE_CTL(t->pipe))
		t->gvt_ctl_async = (value & VRC_PLANE_CTL_ASYNC_FLIP) != 0;
	if (offset != VRC_PLANE_SURF(t->pipe))
		return;
	if (t->gvt_ctl_async) {
		t->gvt_surf_latched = value;
		return;
	}
	t->gvt_surf_armed = value;
	t->gvt_surf_pending = true;
}

/* A vblank of vGPU 0 passed: a flip armed before it has latched. */
static void note_vblank(struct vt *t)
{
	if (t->gvt_surf_pending)
		t->gvt_surf_latched = t->gvt_surf_armed;
	t->gvt_surf_pending = false;
}

static int vfio_reg_write(struct vt *t, unsigned vgpu, uint32_t offset, uint32_t value)
{
	struct vrc_transport *dev = vgpu ? t->dev1 : t->dev;

	if (!dev)
		vt_abort(t, "vGPU %u: guest register write %#x with the vGPU closed", vgpu,
			 offset);
	int rc = dev->ops->region_write(dev, VFIO_PCI_BAR0_REGION_INDEX, offset, &value,
					sizeof(value));

	if (!rc && !vgpu)
		note_write(t, offset, value);
	return rc;
}

/* The framebuffer would be guest memory, which the harness-owned vGPU has
 * none of; the device cannot see a draw anyway (no capture test runs on
 * it), so there is nothing to do. */
static void vfio_draw(struct vt *t, uint64_t offset, uint32_t npx, uint32_t value)
{
	(void)t, (void)offset, (void)npx, (void)value;
}

/* The runner's second vGPU (o->gvt_second), through a KVM VM of its own. */
static void vfio_open_second(struct vt *t)
{
	char how[400], err[256];

	if (!t->o->gvt_second)
		vt_abort(t, "a two-vGPU test without the runner's second vGPU");
	if (gvt_session_open_device(t->o->gvt_second, how, sizeof(how), err, sizeof(err)))
		vt_abort(t, "cannot open the second vGPU: %s", err);
	t->dev1 = t->o->gvt_second->t;
	vt_diag(t, "second vGPU %s open (%s)", t->o->gvt_second->m.uuid, how);
}

static void vfio_close_second(struct vt *t)
{
	if (t->o->gvt_second)
		gvt_session_close_device(t->o->gvt_second);	/* dev1 is its transport */
}

/*
 * The signal of a vblank comes in the emulation step that bumped the
 * counter, but its writer (GVT's vblank work, or vgpu-sim's tick) can be
 * scheduled out in between. A poll ahead of it would find the signal one
 * vblank later, added to that vblank's own: a false EVT-1. So wait up to
 * SIGNAL_WAIT_MS for the eventfd: a prompt signal costs nothing, a quiet
 * vblank the whole wait, still far from the next vblank. Then a moment for
 * a second plane's write of the same step.
 */
static void settle(struct vt *t)
{
	struct pollfd pfd[VRC_IRQ_MAX_SUB];
	nfds_t n = 0;

	for (unsigned i = 0; t->have_irq && i < VRC_IRQ_MAX_SUB; i++)
		if (t->irq.efd[i] >= 0)
			pfd[n++] = (struct pollfd){ .fd = t->irq.efd[i], .events = POLLIN };
	if (n)
		(void)poll(pfd, n, SIGNAL_WAIT_MS);	/* EINTR: settle as on time-out */
	usleep(1000);
}

/* Real vblanks: wait for the frame counter of the guest's pipe to move n.
 * Each vGPU has its own vblank timer; vGPU 0's vblanks pace the test. */
static void vfio_step(struct vt *t, unsigned n)
{
	uint32_t c0, c;
	int64_t last_move, now;
	int rc = vrc_read_frame_counter(t->dev, VRC_PIPE_FRMCOUNT(t->pipe), &c0);

	if (rc)
		vt_abort(t, "reading the frame counter failed: %s", strerror(-rc));
	last_move = vrc_now_ms();
	for (uint32_t prev = c0;;) {
		usleep(1000);
		if ((rc = vrc_read_frame_counter(t->dev, VRC_PIPE_FRMCOUNT(t->pipe), &c)))
			vt_abort(t, "reading the frame counter failed: %s", strerror(-rc));
		now = vrc_now_ms();
		if (c - c0 >= n)
			break;
		if (c != prev)
			last_move = now;
		prev = c;
		if (now - last_move > VBLANK_MAX_MS)
			vt_abort(t, "pipe %c frame counter stuck at %u for %d ms (vblank "
				 "emulation not running: pipe not enabled?)", 'A' + t->pipe, c,
				 VBLANK_MAX_MS);
	}
	note_vblank(t);
	settle(t);
}

static void vfio_realtime(struct vt *t)
{
	struct sched_param sp = { .sched_priority = 10 };
	int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);

	if (rc)
		vt_diag(t, "acting at normal priority (SCHED_FIFO: %s): on a loaded host the "
			"harness may miss vblanks", strerror(rc));
}

/*
 * Real vblanks, and the harness's own timing runs late on a loaded host,
 * so a step can take more than one vblank. The drive follows the frame
 * counter, not its steps: each update is recorded at the vblank after the
 * counter read just before it (as a guest timeline does; one during which
 * more than one vblank passed is not judged), until the counter has
 * crossed the n vblanks. Every poll, empty ones too, is bracketed by
 * counter reads: its signals came from vblanks in (counter before the
 * previous drain, counter after this one], and are placed as the rt tests
 * place theirs (rt.h), vb for the latch clauses and vb1 for EVT-1. A
 * harness that keeps up makes one step per vblank with one-vblank windows:
 * exact.
 */
static uint32_t vfio_drive(struct vt *t, unsigned n, vt_act_fn act, void *ctx,
			   struct vrc_vblank *vb, struct vrc_vblank *vb1, vt_beside_fn beside,
			   void *bctx)
{
	struct rt_sample *s = calloc(n + 1u, sizeof(*s));
	unsigned k, unjudged = 0, spread, outside, spread1, outside1;
	uint32_t base = vt_timeline_start(t, vb, n);
	struct vrc_signal sig;

	if (!s)
		vt_abort(t, "out of memory");
	vfio_realtime(t);
	/* The start's drain, the first poll's lower bound: it saw base before
	 * and after, so nothing after it came from a vblank up to base. */
	s[0] = (struct rt_sample){ .counter_before = base, .counter = base, .counter_ok = true };
	for (k = 0; k < n; k++) {
		uint32_t c0 = vt_counter(t), idx = c0 - base;

		if (idx >= n)
			break;
		unsigned a = vt_drive_act(t, act, k, ctx);
		uint32_t c1 = vt_counter(t);

		if (a && c1 - c0 > VRC_ORACLE_TOLERANCE)
			unjudged++;
		else if (a)
			vt_drive_mark(&vb[idx], a);
		if (beside)
			beside(t, k, bctx);
		vfio_step(t, 1);
		uint32_t cb = vt_counter(t);
		if (!vt_poll(t, &sig)) {	/* nothing: an exact, empty read */
			sig.frame_counter = vt_counter(t);
			sig.counts.exact = true;
		}
		s[k + 1] = rt_sample_of(&sig, cb, true);
	}
	if (vb1)
		memcpy(vb1, vb, n * sizeof(*vb));
	/* every poll's window reaches back to the last: each is a probe */
	rt_place(s, k + 1, base + 1, vb, n, &spread, &outside);
	if (vb1)
		rt_place_mode(s, k + 1, RT_PLACE_EVT1, base + 1, vb1, n, &spread1, &outside1);
	free(s);
	outside--;	/* the start's */
	if (k < n || unjudged)
		vt_diag(t, "the harness ran late: %u of %u vblanks passed without a guest "
			"update, %u updates spanned more than one vblank (not judged)",
			n - k, n, unjudged);
	if (spread)
		vt_diag(t, "%u polls found signals of more than one vblank (the harness ran "
			"late): given the benefit of the doubt", spread);
	if (outside)
		vt_diag(t, "%u polls read a frame counter outside the window [%u, %u]: their "
			"signals are not placed", outside, base + 1, base + n);
	/* Late steps thin out what the test drives and widen what it reads;
	 * past half of the vblanks the test would no longer test much. */
	if ((n - k + unjudged) * 2 > n)
		vt_abort(t, "the harness ran late at %u of %u vblanks: the host is too busy "
			 "to judge this test", n - k + unjudged, n);
	return base;
}

/* What both tables share: the device, its runner side and its guest. */
#define VFIO_DEVICE_OPS \
	.skip_reason = vrc_gvt_skip_reason, \
	.test_begin = vfio_test_begin, \
	.test_end = vfio_test_end, \
	.probe_open = vfio_probe_open, \
	.probe_close = vfio_probe_close, \
	.run_label = vfio_run_label, \
	.child_start = vfio_child_start, \
	.open_device = vfio_open_device, \
	.close_device = vfio_close_device, \
	.guest_attach = vfio_guest_attach, \
	.guest_detach = vfio_guest_detach, \
	.vram_written = vfio_vram_written, \
	.latched_surf = vfio_latched_surf, \
	.reg_write = vfio_reg_write, \
	.draw = vfio_draw, \
	.open_second = vfio_open_second, \
	.close_second = vfio_close_second

const struct vrc_backend vrc_backend_vfio = {
	VFIO_DEVICE_OPS,
	.name = "vfio",
	.real_vblanks = true,
	.describe = vfio_describe,
	.step = vfio_step,
	.step_all = vfio_step,
	.drive = vfio_drive,
	.realtime = vfio_realtime,
};

/* ---- vfio_stepped: the same device, its clock stepped by the test */

static void stepped_describe(const struct vrc_opts *o, FILE *f)
{
	fprintf(f, "backend %s (mdev %s, type %s on %s), its clock stepped by the harness "
		"(%s/UUID/step): virtual-time tests as on sim, the harness the device's guest "
		"(BAR0 writes); real-time (rt-*) tests: SKIP, %s", o->backend, o->gvt->m.uuid,
		o->gvt->m.type, o->gvt->m.parent, o->step_dir,
		o->gvt_no_guest_why ? o->gvt_no_guest_why : "no guest");
}

/* n vblanks of one device, run by the module before the write returns. */
static void step_device(struct vt *t, const struct gvt_session *s, unsigned n)
{
	char path[512], num[16];
	int fd, len = snprintf(num, sizeof(num), "%u", n);
	ssize_t w;

	snprintf(path, sizeof(path), "%s/%s/step", t->o->step_dir, s->m.uuid);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		vt_abort(t, "stepping the clock: %s: %s", path, strerror(errno));
	w = write(fd, num, (size_t)len);
	if (w != len) {
		int e = w < 0 ? errno : EIO;

		close(fd);
		vt_abort(t, "stepping the clock: writing %u to %s: %s", n, path, strerror(e));
	}
	close(fd);
}

static void stepped_step(struct vt *t, unsigned n)
{
	step_device(t, t->o->gvt, n);
	note_vblank(t);
}

static void stepped_step_all(struct vt *t, unsigned n)
{
	stepped_step(t, n);
	if (t->have_second && t->o->gvt_second)
		step_device(t, t->o->gvt_second, n);
}

static void stepped_realtime(struct vt *t)
{
	(void)t;	/* the clock waits for the harness */
}

const struct vrc_backend vrc_backend_vfio_stepped = {
	VFIO_DEVICE_OPS,
	.name = "vfio-stepped",
	.real_vblanks = false,
	.describe = stepped_describe,
	.step = stepped_step,
	.step_all = stepped_step_all,
	.drive = vt_drive_stepped,
	.realtime = stepped_realtime,
};
