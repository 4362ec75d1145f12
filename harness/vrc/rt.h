/* SPDX-License-Identifier: MIT */
/*
 * Real-time runs: the vGPU's clock ticks on its own (60 Hz), a workload
 * program (vrc-wl) drives the guest side — as a host process guest or inside
 * a VM — and writes its timeline, while a recorder thread on the host
 * drains the display eventfd(s) and reads the frame counter at every wake.
 * Afterwards the host signals are placed on the vblank axis and judged
 * against the expectations the timeline gives (SPEC §4).
 *
 * Everything the recorder does to the device happens on its own thread, the
 * main thread does not touch the transport while it runs.
 */
#ifndef VRC_RT_H
#define VRC_RT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vrc/irq.h"
#include "vrc/oracle.h"

/* One wake of the reader. */
struct rt_sample {
	uint64_t t_wake_ns;	/* CLOCK_MONOTONIC */
	uint32_t counter_before;	/* frame counter read before draining */
	uint32_t counter;	/* frame counter read after the eventfd(s) drained */
	uint32_t pri, cur;	/* decoded counts (saturating at UINT32_MAX) */
	bool inexact;		/* not a sum of advertised values */
	bool counter_ok;	/* the counter read succeeded */
};

/* The sample of one drain: sig (drained, counter read after), cb the
 * counter read before it. */
struct rt_sample rt_sample_of(const struct vrc_signal *sig, uint32_t cb, bool counter_ok);

struct rt_recorder {
	struct vrc_display_irq *irq;
	pthread_t thread;
	bool running;
	int stop_fd;		/* eventfd: wakes the thread to stop */
	struct rt_sample *s;
	size_t n, cap;		/* cap bounds memory: extra wakes are counted, not kept */
	size_t dropped;
	int error;		/* first -errno the thread met (it stops then) */
	uint64_t cpu_ns;	/* the thread's CPU time while recording */
	void (*hook)(void *arg, const struct rt_sample *s, size_t idx);
	void *hook_arg;
};

/* Start recording (the irq must be registered). cap: samples kept. */
int rt_recorder_start(struct rt_recorder *r, struct vrc_display_irq *irq, size_t cap,
		      char *err, size_t errlen);
/*
 * The same, calling hook(arg, sample, index) on the recorder thread after
 * each kept sample: a real display client's work at the wake (plane query,
 * capture), done after the counters and the drain were recorded so it
 * cannot skew them, and on the thread that owns the transport meanwhile.
 * The hook's time is counted in cpu_ns.
 */
int rt_recorder_start_hook(struct rt_recorder *r, struct vrc_display_irq *irq, size_t cap,
			   void (*hook)(void *arg, const struct rt_sample *s, size_t idx),
			   void *arg, char *err, size_t errlen);
/* Stop (drains what is pending once more), join. Samples stay in r. */
void rt_recorder_stop(struct rt_recorder *r);
void rt_recorder_free(struct rt_recorder *r);

/*
 * Place the samples on the vblank axis [first, first + n), into vb whose
 * guest side (flip/cursor/draw) is already filled from the timeline.
 *
 * A device signals at its tick and only then advances the frame counter
 * (vgpu-sim serves the counter read after the tick; GVT signals and
 * increments under the vGPU lock that an MMIO read also takes). The reader
 * reads the counter before draining (cb) and after (ca). Everything the
 * previous drain missed came after its cb, so this drain's signals belong
 * to ticks in (cb_prev, ca]. A wake within half a frame of its tick (the
 * tick instants estimated from the lower envelope of all wakes, period_ns
 * nominal) was woken by tick cb: its window is [cb, ca], one vblank for a
 * reader that keeps up: exact placement. A late wake, or a drain that was
 * itself delayed, has a wider window and its signals cannot be placed
 * exactly; they are then assigned to give
 * the device the benefit of the doubt — first to vblanks that still need a
 * signal of that plane (a latch not yet signalled within its tolerance),
 * then to vblanks without a signal, one each, so timing noise never turns
 * into a false verdict. Several signals in a one-vblank window stay
 * together (v6's three signals per tick are an EVT-1 violation). A window
 * that reaches past the end of the axis is clipped, and its signals beyond
 * the room inside are taken to be past it. Ambiguous wakes are counted in
 * *spread, samples wholly outside the window in *outside.
 */
void rt_place(const struct rt_sample *s, size_t ns, uint64_t period_ns, uint32_t first,
	      struct vrc_vblank *vb, unsigned n, unsigned *spread, unsigned *outside);

/*
 * Timing says which tick woke the reader only as long as the device's ticks
 * come on time: a device (or vgpu-sim) that was itself starved runs two
 * ticks back to back, and a prompt reader then finds both ticks' signals
 * behind one counter value. RT_PLACE_SOUND ignores timing and uses only what
 * the counters prove, (cb_prev, ca], for every wake: the placement for EVT-1,
 * which must never flag two signals that could have come from two ticks.
 * RT_PLACE_TIMED (rt_place) narrows prompt wakes to [cb, ca]: the placement
 * for the latch clauses (EVT-2/3/4), where a signal pulled back into a wide
 * window would hide a late device; a one-tick bunching delay is inside
 * their +1 tolerance.
 */
enum rt_place_mode { RT_PLACE_TIMED, RT_PLACE_SOUND };
void rt_place_mode(const struct rt_sample *s, size_t ns, uint64_t period_ns,
		   enum rt_place_mode mode, uint32_t first, struct vrc_vblank *vb, unsigned n,
		   unsigned *spread, unsigned *outside);

/*
 * Wake latency after the vblank (SHOULD measurement): the tick instants are
 * not visible to the host (nor on GVT), so each wake's phase within its
 * frame, t_wake - counter * period, is taken relative to the earliest phase
 * seen in the run — the lower envelope approximates the tick. Needs a
 * steady period (ns). Fills p50/p99 in microseconds; -ENODATA if < 10 samples.
 * The samples (us) are returned in *out (malloc'd, *nout) for the report.
 */
int rt_latency(const struct rt_sample *s, size_t ns, uint64_t period_ns, double *p50,
	       double *p99, double **out, size_t *nout);

/* A child process running a workload, its stdout+stderr to a log file. */
struct rt_proc {
	pid_t pid;
	int status;
	bool exited;
};
int rt_proc_spawn(struct rt_proc *p, const char *const argv[], const char *log_path,
		  char *err, size_t errlen);
/* Wait up to timeout_ms; 0 exited (status in p->status), -ETIMEDOUT (killed). */
int rt_proc_wait(struct rt_proc *p, int timeout_ms);

#endif /* VRC_RT_H */
