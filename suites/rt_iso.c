// SPDX-License-Identifier: MIT
/*
 * ISO-1 in real time: two vGPU instances of one vgpu-sim at 60 Hz, two
 * process guests at once. The guest on vGPU 1 flips at every vblank; the
 * guest on vGPU 0 only draws into its front buffer, so only the single-
 * buffer heuristic can notify it (EVT-4: a primary signal at least every
 * THR + 2 vblanks). If the heuristic's state is shared between vGPUs (v5's
 * static counter), vGPU 1's flips keep resetting it and vGPU 0 is starved.
 * Each vGPU has its own reader thread; vGPU 0's signals are placed on its
 * frame-counter axis as in rt.c and judged against its guest's timeline.
 *
 * With --guest=vm this is a skip: two TCG guests on a 2-core host next to
 * vgpu-sim and two SCHED_FIFO readers cannot keep 60 Hz (one VM already
 * takes a core booting), and the clause is about the device's state, which
 * the process guests drive through the same registers.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/vrc/artifacts.h"
#include "vrc/i915_regs.h"
#include "harness/vrc/judge.h"
#include "vrc/timeline.h"
#include "vrc/transport.h"
#include "vrc/util.h"
#include "rt_guest.h"

#define DRAW_VBLANKS	"--vblanks=90"
#define FLIP_VBLANKS	"--vblanks=1200"	/* outlasts the drawing guest; ended then */
#define OPEN_TIMEOUT_MS	5000
#define RT_TAIL		2u

struct second {
	struct vrc_transport *t;
	struct vrc_display_irq irq;
};

static void open_second(struct vt *t, struct second *s)
{
	char path[128], err[256];
	int rc;

	memset(s, 0, sizeof(*s));
	s->irq.efd[0] = s->irq.efd[1] = -1;
	vrc_sim_path(&t->sim, 1, "vfio-user", path, sizeof(path));
	if (vrc_vfio_user_open(path, OPEN_TIMEOUT_MS, &s->t, err, sizeof(err)))
		vt_abort(t, "cannot open the second device: %s", err);
	if (vrc_display_irq_find(s->t, &s->irq, err, sizeof(err)))
		vt_abort(t, "second device: display irq discovery failed: %s", err);
	s->irq.frmcount_reg = VRC_PIPE_FRMCOUNT(0);
	if ((rc = vrc_display_irq_register(&s->irq)))
		vt_abort(t, "second device: registering failed: %s", strerror(-rc));
}

static void close_second(struct second *s)
{
	vrc_display_irq_close(&s->irq);
	vrc_transport_close(s->t);
}

/*
 * Wait (bounded) until the flipping guest's vGPU has signalled a few flips:
 * the test's premise is a busy neighbour whose flips are signalled. Five
 * wakes in 5 s (300 flips at 60 Hz) cannot be missed on a busy host, since
 * the eventfd keeps what the reader has not read yet; a vGPU that gives
 * fewer fails EVT-2 (every flip is signalled), which is what this test then
 * reports (stop_silent_flipper) instead of judging ISO-1 on a neighbour that
 * never signals.
 */
static bool await_flips(const struct rt_recorder *r)
{
	for (unsigned ms = 0; ms < 5000; ms += 10) {
		if (__atomic_load_n(&r->n, __ATOMIC_ACQUIRE) >= 5)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * The flipping vGPU gave (almost) no signal: stop its guest (vrc-wl writes
 * its timeline on SIGTERM) and tell the device's silence from a guest that
 * never got to flip on a starved host. Flips in the timeline that were not
 * signalled are EVT-2's; no flips at all is the harness's error.
 */
static void stop_silent_flipper(struct vt *t, struct rt_guest *g1, const char *tl_path,
				struct rt_recorder *rec0, struct rt_recorder *rec1)
{
	struct vrc_timeline *tl = NULL;
	unsigned flips = 0;
	char err[256];

	kill(g1->p.pid, SIGTERM);
	int rc = rt_proc_wait(&g1->p, 5000);
	vt_recorder_stop(t, rec0);
	vt_recorder_stop(t, rec1);
	size_t wakes = rec1->n;
	uint64_t pri = 0;
	for (size_t i = 0; i < wakes; i++)	/* the stop drained what was left */
		pri += rec1->s[i].pri;
	rt_recorder_free(rec0);
	rt_recorder_free(rec1);
	if (rc)
		vt_abort(t, "the flipping guest's vGPU gave %zu signals in 5 s, and its guest did "
			 "not stop: %s (log: %s)", wakes, strerror(-rc), g1->log_path);
	if (vrc_timeline_load(tl_path, &tl, err, sizeof(err)))
		vt_abort(t, "the flipping guest's vGPU gave %zu signals in 5 s; its timeline: %s",
			 wakes, err);
	for (size_t i = 0; i < tl->nevents; i++)
		flips += tl->events[i].kind == VRC_TL_FLIP || tl->events[i].kind == VRC_TL_ASYNC;
	vrc_timeline_free(tl);
	if (flips < 10 || pri * 2 >= flips)
		vt_abort(t, "the flipping guest made %u flips in 5 s and its vGPU gave %llu primary "
			 "signals, but the reader woke %zu times: the host is too busy to run "
			 "this test", flips, (unsigned long long)pri, wakes);
	vt_violation(t, C_EVT_2, "the flipping guest's vGPU latched %u flips and gave %llu "
		     "primary signals (EVT-2: each flip is signalled): no busy neighbour "
		     "whose signals show it runs, nothing to judge ISO-1 against", flips,
		     (unsigned long long)pri);
}

/*
 * Judge a drawing guest's run (its timeline at tl_path, vGPU 0's signals in
 * rec) by EVT-4's rule: 1 with the reason in why when a stretch of drawing
 * went unnotified too long; *rate is the share of its vblanks that had a
 * primary signal. The placed vblanks are kept as artifact `name`.
 */
static int drawer_starved(struct vt *t, const char *tl_path, const struct rt_recorder *rec,
			  const char *name, char *why, size_t whylen, double *rate)
{
	struct vrc_timeline *tl = NULL;
	struct vrc_tl_expect_stats st;
	unsigned n, spread, outside;
	char err[256];
	int starved;

	if (vrc_timeline_load(tl_path, &tl, err, sizeof(err)))
		vt_abort(t, "the drawing guest's timeline: %s", err);
	if (!tl->offset_exact)
		vt_skip(t, "timeline has no exact sequence-to-frame-counter offset");
	uint32_t first = tl->first + tl->hw_offset;
	n = (unsigned)(tl->last - tl->first) + 1u + RT_TAIL;
	struct vrc_vblank *vb = calloc(n, sizeof(*vb));
	if (!vb)
		vt_abort(t, "out of memory");
	if (vrc_timeline_expect(tl, tl->hw_offset, first, vb, n, &st))
		vt_abort(t, "timeline expectations failed");
	rt_place(rec->s, rec->n, first, vb, n, &spread, &outside);
	if (spread)
		vt_diag(t, "%u late wakes could not be placed on one vblank: given the "
			"benefit of the doubt", spread);
	starved = vrc_oracle_evt4(vb, n, VT_EVT4_MAX_GAP, why, whylen) != 0;
	unsigned with_pri = 0;
	for (unsigned k = 0; k < n; k++)
		with_pri += vb[k].pri != 0;
	*rate = (double)with_pri / n;
	vt_artifact_vblanks(t, name, vb, n, first);
	free(vb);
	vrc_timeline_free(tl);
	return starved;
}

/*
 * The drawing guest alone first: ISO-1 is about what a neighbour does, so a
 * heuristic that starves a lone vGPU (bad-values' undecodable values, a
 * broken heuristic) is its own EVT-4 fault and is reported as such, before
 * any neighbour runs. 1 if it was.
 */
static int starved_alone(struct vt *t, const char *const *drawer, double *rate)
{
	struct rt_recorder rec;
	struct rt_guest g;
	char tl[700], why[1024];
	int starved;

	rt_timeline_path(t, "timeline-alone.json", tl, sizeof(tl));
	vt_recorder_start(t, &rec, &t->irq, RT_MAX_SAMPLES, RT_PROBE_NS, NULL, NULL);
	rt_guest_spawn(t, 0, drawer, tl, &g);
	rt_guest_finish(t, &g, 60000);
	usleep(3 * 1000000 / RT_HZ);	/* the last vblanks' signals */
	vt_recorder_stop(t, &rec);
	starved = drawer_starved(t, tl, &rec, "rt-alone", why, sizeof(why), rate);
	if (starved)
		vt_violation(t, C_EVT_4, "the drawing vGPU alone, before any neighbour ran: %s",
			     why);
	rt_recorder_free(&rec);
	return starved;
}

static enum vrc_result rt_iso_heuristic(struct vt *t)
{
	static const char *const flipper[] = { "flip", "--every=1", FLIP_VBLANKS, NULL };
	static const char *const drawer[] = { "draw", DRAW_VBLANKS, NULL };
	char tl0[700], tl1[700], why[1024];
	double rate_alone, rate_busy;
	struct rt_recorder rec0, rec1;
	struct rt_guest g0, g1;
	struct second s;
	int rc;

	if (t->o->guest && !strcmp(t->o->guest, "vm"))
		vt_skip(t, "two guests at once: process guests only (two TCG VMs on this host "
			"cannot keep 60 Hz next to vgpu-sim and the readers)");
	rt_restart_sim_real(t, 2);
	vt_open_device(t);
	vt_find_irq(t);
	if ((rc = vrc_display_irq_register(&t->irq)))
		vt_abort(t, "registering an eventfd failed: %s", strerror(-rc));
	if (starved_alone(t, drawer, &rate_alone))
		return R_PASS;
	open_second(t, &s);
	rt_timeline_path(t, "timeline.json", tl0, sizeof(tl0));
	rt_timeline_path(t, "timeline-flipper.json", tl1, sizeof(tl1));
	vt_recorder_start(t, &rec1, &s.irq, RT_MAX_SAMPLES, RT_PROBE_NS, NULL, NULL);
	vt_recorder_start(t, &rec0, &t->irq, RT_MAX_SAMPLES, RT_PROBE_NS, NULL, NULL);
	rt_guest_spawn(t, 1, flipper, tl1, &g1);
	if (!await_flips(&rec1)) {
		stop_silent_flipper(t, &g1, tl1, &rec0, &rec1);
		close_second(&s);
		return R_PASS;
	}
	uint64_t t_a = vrc_now_ns();
	rt_guest_spawn(t, 0, drawer, tl0, &g0);
	rt_guest_finish(t, &g0, 60000);
	uint64_t t_b = vrc_now_ns();
	usleep(3 * 1000000 / RT_HZ);	/* the last vblanks' signals */
	/* the flipping guest must still be flipping: then end it */
	if (waitpid(g1.p.pid, &g1.p.status, WNOHANG) != 0)
		vt_abort(t, "the flipping guest ended before the drawing one (log: %s)",
			 g1.log_path);
	rt_proc_wait(&g1.p, 0);
	vt_recorder_stop(t, &rec0);
	vt_recorder_stop(t, &rec1);
	if (rec0.error || rec1.error)
		vt_diag(t, "recorders: %s / %s", strerror(-rec0.error), strerror(-rec1.error));

	unsigned flips = 0;
	for (size_t i = 0; i < rec1.n; i++)
		if (rec1.s[i].t_wake_ns >= t_a && rec1.s[i].t_wake_ns <= t_b)
			flips += rec1.s[i].pri;
	vt_diag(t, "the flipping vGPU signalled %u primary events while the other guest drew "
		"(%.0f vblanks)", flips, (double)(t_b - t_a) / (double)RT_PERIOD_NS);

	/*
	 * Starved beside the neighbour: ISO-1 only if the neighbour took the
	 * signals away (v5's shared counter leaves next to none). A device
	 * that loses signals on its own (sparse) signals about as often as it
	 * did alone, and a gap that its phase put elsewhere alone is EVT-4's.
	 */
	if (drawer_starved(t, tl0, &rec0, "rt", why, sizeof(why), &rate_busy)) {
		vt_diag(t, "vblanks with a primary signal: %.2f alone, %.2f beside the "
			"flipping vGPU", rate_alone, rate_busy);
		if (rate_busy * 2 < rate_alone)
			vt_violation(t, C_ISO_1, "the drawing vGPU's notifications are starved "
				     "while the other vGPU flips (alone it was notified at %.2f "
				     "of its vblanks, beside it at %.2f): %s", rate_alone,
				     rate_busy, why);
		else
			vt_violation(t, C_EVT_4, "the drawing vGPU is notified as often beside "
				     "the flipping vGPU as alone (%.2f, %.2f of its vblanks), "
				     "but not every %u: %s", rate_busy, rate_alone,
				     VT_EVT4_MAX_GAP, why);
	}
	rt_measure(t, &rec0);
	rt_recorder_free(&rec0);
	rt_recorder_free(&rec1);
	close_second(&s);
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "rt-iso-heuristic-independent", .clauses = CL(C_ISO_1) | CL(C_EVT_2) | CL(C_EVT_4),
	  .desc = "60 Hz, two vGPUs and two guests at once: one flips every vblank, the other's "
		  "front-buffer drawing is still notified",
	  .flags = VT_REALTIME | VT_TWO_VGPUS, .run = rt_iso_heuristic },
};
const struct vrc_suite vrc_suite_rt_iso = VRC_SUITE("rt_iso", tests);
