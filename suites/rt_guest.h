/* SPDX-License-Identifier: MIT */
/*
 * What the real-time suites share: vgpu-sim restarted with a real 60 Hz
 * clock, the workload program (vrc-wl) run as a process guest on an
 * instance's ivshmem side or in a VM, and the reader's measurements.
 */
#ifndef VRC_SUITES_RT_GUEST_H
#define VRC_SUITES_RT_GUEST_H

#include <stddef.h>

#include "harness/vrc/rt.h"
#include "harness/vrc/vt.h"

#define RT_HZ		60u
#define RT_SHM_MIB	32u
#define RT_PERIOD_NS	(1000000000ull / RT_HZ)
#define RT_PROBE_NS	rt_probe_ns(RT_PERIOD_NS)
#define RT_MAX_SAMPLES	(1u << 16)

/* A workload of vrc-wl as a test row's workload: its name, then its
 * options. rt_args(t) is the running test's. */
#define RT_ARGS(...)	((const char *const[]){ __VA_ARGS__, NULL })
static inline const char *const *rt_args(const struct vt *t)
{
	return t->test->workload;
}

/* vgpu-sim again, with a real clock at RT_HZ and `instances` vGPUs. */
void rt_restart_sim_real(struct vt *t, unsigned instances);

/* Where the workload writes its timeline: kept with the test's artifacts as
 * `file`, else in the sim's runtime dir. */
void rt_timeline_path(struct vt *t, const char *file, char *out, size_t len);

/* A process guest: vrc-wl on the host, over instance's ivshmem socket. */
struct rt_guest {
	struct rt_proc p;
	char log_path[720];
	char name[32];
};
void rt_guest_spawn(struct vt *t, unsigned instance, const char *const *args,
		    const char *tl_path, struct rt_guest *g);
/* Wait for it (ends the test on a timeout or a failed workload). */
void rt_guest_finish(struct vt *t, struct rt_guest *g, int timeout_ms);

/*
 * A real-time run as every rt test does it: vgpu-sim on a real clock (one
 * vGPU; on GVT the run's vGPU), the guest booted when it is a VM (always on
 * GVT), the device opened, an eventfd registered, the recorder (calling hook
 * at each wake, if not NULL) running while the workload (args: name,
 * options, NULL) runs to its end and three frames more for the last
 * latches' signals. In a VM, what KMS cannot do skips. tl_path receives the
 * workload's timeline path. Recorder trouble is printed as diagnostics.
 */
void rt_record_workload(struct vt *t, const char *const *args, struct rt_recorder *rec,
			void (*hook)(void *arg, const struct rt_sample *s, size_t idx),
			void *arg, char *tl_path, size_t len);

/*
 * The device's part of what an rt test needs to judge anything: primary and
 * cursor signals the recorder saw at wakes whose frame counter (read after
 * the drain) is at or past `first`, the workload's first vblank; a wake
 * without a counter read counts too (its signals arrived). Signals never
 * get lost on a busy host: the eventfd adds them up until the reader comes.
 */
void rt_signals_since(const struct rt_recorder *r, uint32_t first, unsigned *pri,
		      unsigned *cur);

/*
 * Fail `clause` when the device gave fewer than half (rounded up) of the
 * `due` signals of `plane` that `cause` calls for: the test's verdict is
 * judged at those signals and would otherwise pass on what it never saw.
 * If the recorder r failed or ran out of room, too few is the harness's error.
 */
void rt_require_half(struct vt *t, const struct rt_recorder *r, enum vrc_clause clause,
		     const char *plane, unsigned signals, unsigned due, const char *cause);

/* The reader's SHOULD measurements and its wakes as artifacts. */
void rt_measure(struct vt *t, const struct rt_recorder *r);

#endif
