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
	/*
	 * The counter read before the last drain ahead of this one, an empty
	 * probe's included (floor_ok: there was one, and its read succeeded).
	 * That drain took every signal of the ticks up to floor, so this
	 * drain's signals come from ticks after it. Without it, the previous
	 * kept sample's counter_before is the floor.
	 */
	uint32_t floor;
	bool floor_ok;
};

/* The sample of one drain: sig (drained, counter read after), cb the
 * counter read before it. */
struct rt_sample rt_sample_of(const struct vrc_signal *sig, uint32_t cb, bool counter_ok);

/*
 * The earliest tick whose signals s may hold: the one after its floor;
 * without a floor, the one after prev_cb (the previous readable sample's
 * counter_before) when have_prev; else `first`, the caller's bound for a
 * first sample.
 */
uint32_t rt_window_lo(const struct rt_sample *s, bool have_prev, uint32_t prev_cb,
		      uint32_t first);

struct rt_recorder {
	struct vrc_display_irq *irq;
	pthread_t thread;
	bool running;
	int stop_fd;		/* eventfd: wakes the thread to stop */
	struct rt_sample *s;
	size_t n, cap;		/* cap bounds memory: extra wakes are counted, not kept */
	size_t dropped;
	int error;		/* first -errno the thread met (it stops then) */
	uint64_t probe_ns;	/* the longest the reader sleeps without draining */
	uint64_t probes;	/* drains that found nothing */
	uint64_t cpu_ns;	/* the thread's CPU time while recording, probes too */
	uint64_t wake_cpu_ns;	/* the part from each kept wake to the end of its
				 * work (counter reads, drain, hook): what a
				 * display client pays per signal */
	void (*hook)(void *arg, const struct rt_sample *s, size_t idx);
	void *hook_arg;
};

/*
 * Start recording (the irq must be registered). cap: samples kept.
 *
 * Between wakes the reader probes: when no signal came for probe_ns it
 * reads the counter and drains anyway. An empty probe is not kept, but its
 * counter read is the next sample's floor: the proof that the reader was
 * awake at that tick. Without probes, a signal after an idle stretch could
 * have come from any tick since the last signal, and only the wake's timing
 * could say which; timing cannot tell a prompt wake from a reader starved
 * for whole frames that happens to wake near a later tick. A quarter of the
 * vblank period (rt_probe_ns) puts a probe between any two ticks of a
 * reader that keeps up, so its windows are one vblank wide.
 */
static inline uint64_t rt_probe_ns(uint64_t period_ns)
{
	return period_ns / 4;
}
int rt_recorder_start(struct rt_recorder *r, struct vrc_display_irq *irq, size_t cap,
		      uint64_t probe_ns, char *err, size_t errlen);
/*
 * The same, calling hook(arg, sample, index) on the recorder thread after
 * each kept sample: a real display client's work at the wake (plane query,
 * capture), done after the counters and the drain were recorded so it
 * cannot skew them, and on the thread that owns the transport meanwhile.
 * The hook's time is counted in cpu_ns.
 */
int rt_recorder_start_hook(struct rt_recorder *r, struct vrc_display_irq *irq, size_t cap,
			   uint64_t probe_ns, void (*hook)(void *arg, const struct rt_sample *s, size_t idx),
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
 * increments under the vGPU lock that an MMIO read also takes). A drain
 * that read counter c before it took every signal of the ticks up to c, so
 * a later drain's signals belong to ticks in (floor, ca], ca its counter
 * read after draining. For a reader that keeps up (it probes between ticks)
 * that is one vblank: exact placement. A reader that was starved, or whose
 * drain was itself delayed, has a wider window: which tick each signal
 * came from is unknown, and the placement mode decides. Only the counters
 * decide windows, never timing: timing cannot tell a prompt wake from one
 * starved for whole frames that lands near a later tick (a false EVT-2 in
 * CI under TCG).
 *
 * RT_PLACE_LATCHES (rt_place), for the latch clauses (EVT-2/3/4): signals
 * in a wide window give the device the benefit of the doubt, first to
 * vblanks that still need a signal of that plane (a latch not yet
 * signalled within its tolerance), then to vblanks without one, one each,
 * so timing noise never turns into a false verdict.
 *
 * RT_PLACE_EVT1, for EVT-1, which must never flag two signals that could
 * have come from two ticks: the earliest vblank of the window still without
 * a signal (earliest-deadline-first; place_plane says why).
 *
 * In both, several signals in a one-vblank window stay together (v6's three
 * signals per tick are an EVT-1 violation). A window that reaches past the
 * end of the axis is clipped, and its signals beyond the room inside are
 * taken to be past it; one that reaches back before the start does the
 * same for the latches, and is left out for EVT-1. Wakes with a window
 * wider than one vblank are counted in *spread, samples wholly outside the
 * axis in *outside.
 */
enum rt_place_mode { RT_PLACE_LATCHES, RT_PLACE_EVT1 };
void rt_place_mode(const struct rt_sample *s, size_t ns, enum rt_place_mode mode,
		   uint32_t first, struct vrc_vblank *vb, unsigned n, unsigned *spread,
		   unsigned *outside);
void rt_place(const struct rt_sample *s, size_t ns, uint32_t first, struct vrc_vblank *vb,
	      unsigned n, unsigned *spread, unsigned *outside);

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
