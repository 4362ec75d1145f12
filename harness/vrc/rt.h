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
	uint32_t counter;	/* frame counter read after the eventfd(s) drained */
	uint32_t pri, cur;	/* decoded counts (saturating at UINT32_MAX) */
	bool inexact;		/* not a sum of advertised values */
	bool counter_ok;	/* the counter read succeeded */
};

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
};

/* Start recording (the irq must be registered). cap: samples kept. */
int rt_recorder_start(struct rt_recorder *r, struct vrc_display_irq *irq, size_t cap,
		      char *err, size_t errlen);
/* Stop (drains what is pending once more), join. Samples stay in r. */
void rt_recorder_stop(struct rt_recorder *r);
void rt_recorder_free(struct rt_recorder *r);

/*
 * Place the samples on the vblank axis [first, first + n): each wake's
 * signals belong to the vblank whose tick preceded the counter read, i.e. at
 * counter - first. A slow reader can find the signals of several ticks
 * merged in one read; when a read holds k > 1 signals of a plane and the
 * counter moved by m > 1 since the previous read, the k signals are spread
 * over the last min(k, m) vblanks (newest first) instead of being charged to
 * one: timing noise must not become an EVT-1 false failure. Such placements
 * are counted in *spread (reported, they weaken EVT-1 for those vblanks
 * only). Samples outside the window are counted in *outside.
 */
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
