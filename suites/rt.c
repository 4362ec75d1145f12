// SPDX-License-Identifier: MIT
/*
 * EVT in real time: vgpu-sim's clock ticks at 60 Hz on its own, a workload
 * program (vrc-wl, the same binary a VM guest runs) drives the guest side
 * and writes its timeline, and the host records every wake of the display
 * eventfd with the frame counter read at that moment. The verdict is per
 * vblank on the frame-counter axis (SPEC §4), as in virtual time; what real
 * time adds is the timing noise a real reader lives with, absorbed by the
 * placement rules of rt.h and the +1 tolerance, never by retries.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrc/artifacts.h"
#include "vrc/guest_vm.h"
#include "vrc/judge.h"
#include "vrc/rt.h"
#include "vrc/timeline.h"
#include "vrc/vt.h"

#define RT_HZ		60u
#define RT_SHM_MIB	32u
#define PERIOD_NS	(1000000000ull / RT_HZ)
#define RT_MAX_SAMPLES	(1u << 16)
/* Vblanks judged past the timeline's last one: a flip of the last vblank may
 * be signalled one later (tolerance). */
#define RT_TAIL		2u

/* Where vrc-wl is: next to vgpu-sim unless VRC_WORKLOAD says otherwise. */
static void workload_path(const struct vt *t, char *out, size_t len)
{
	const char *env = getenv("VRC_WORKLOAD");
	char dir[512];

	if (env && env[0]) {
		snprintf(out, len, "%s", env);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", t->o->sim_path);
	snprintf(out, len, "%s/vrc-wl", dirname(dir));
}

/* The guest image: --image, else guest/ next to vgpu-sim (make image). */
static void image_dir(const struct vt *t, char *out, size_t len)
{
	char dir[512];

	if (t->o->image_dir) {
		snprintf(out, len, "%s", t->o->image_dir);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", t->o->sim_path);
	snprintf(out, len, "%s/guest", dirname(dir));
}

/* The process guest: vrc-wl on the host, over the instance's ivshmem socket. */
static void run_process_guest(struct vt *t, const char *const *args, const char *tl_path,
			      int timeout_ms)
{
	char wl[600], ivs[160], a_ivs[200], a_tl[720], log_path[720], err[256];
	const char *argv[32];
	unsigned n = 0;
	struct rt_proc p;

	workload_path(t, wl, sizeof(wl));
	if (access(wl, X_OK))
		vt_abort(t, "workload program %s: %s (build it: make all)", wl, strerror(errno));
	vrc_sim_path(&t->sim, 0, "ivshmem", ivs, sizeof(ivs));
	snprintf(a_ivs, sizeof(a_ivs), "--ivshmem=%s", ivs);
	snprintf(a_tl, sizeof(a_tl), "--timeline=%s", tl_path);
	snprintf(log_path, sizeof(log_path), "%s.log", tl_path);
	argv[n++] = wl;
	argv[n++] = args[0];
	argv[n++] = "--backend=sim";
	argv[n++] = a_ivs;
	argv[n++] = a_tl;
	for (unsigned i = 1; args[i] && n < 30; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (rt_proc_spawn(&p, argv, log_path, err, sizeof(err)))
		vt_abort(t, "cannot start the workload: %s", err);
	int rc = rt_proc_wait(&p, timeout_ms);
	if (rc == -ETIMEDOUT)
		vt_abort(t, "workload %s did not finish within %d ms (log: %s)", args[0],
			 timeout_ms, log_path);
	if (!WIFEXITED(p.status) || WEXITSTATUS(p.status)) {
		char tail[300] = "";
		FILE *f = fopen(log_path, "r");
		if (f) {
			size_t got = fread(tail, 1, sizeof(tail) - 1, f);
			tail[got] = 0;
			fclose(f);
			for (char *c = tail; *c; c++)
				if (*c == '\n')
					*c = ' ';
		}
		vt_abort(t, "workload %s failed (status %d): %s", args[0], p.status, tail);
	}
}

static void restart_sim_real(struct vt *t)
{
	char err[256];
	struct vrc_sim_cfg c = {
		.sim_path = t->o->sim_path, .model = t->o->model, .abi = t->o->abi,
		.instances = 1, .real_clock = true, .hz = RT_HZ, .shm_mib = RT_SHM_MIB,
	};

	vrc_sim_stop(&t->sim);
	if (vrc_sim_start_cfg(&c, &t->sim, err, sizeof(err)))
		vt_abort(t, "vgpu-sim with a real clock: %s", err);
}

static void measure(struct vt *t, const struct rt_recorder *r)
{
	double p50, p99, *lat;
	size_t nlat;
	uint64_t signals = 0;

	for (size_t i = 0; i < r->n; i++)
		signals += (uint64_t)r->s[i].pri + r->s[i].cur;
	if (!rt_latency(r->s, r->n, PERIOD_NS, &p50, &p99, &lat, &nlat)) {
		vt_measure(t, "wake_latency_p50", p50, "us");
		vt_measure(t, "wake_latency_p99", p99, "us");
		json_object *o = json_object_new_object(), *a = json_object_new_array();
		for (size_t i = 0; i < nlat; i++)
			json_object_array_add(a, json_object_new_double(lat[i]));
		json_object_object_add(o, "samples_us", a);
		json_object_object_add(o, "method", json_object_new_string(
			"wake phase within the frame relative to the earliest wake of the run"));
		vt_artifact_json(t, "latency.json", o);
		free(lat);
	}
	/* Every wake as read, for whoever has to second-guess a placement. */
	json_object *w = json_object_new_array();
	for (size_t i = 0; i < r->n; i++) {
		json_object *e = json_object_new_array();
		json_object_array_add(e, json_object_new_int64((int64_t)r->s[i].t_wake_ns));
		json_object_array_add(e, json_object_new_int64(r->s[i].counter_before));
		json_object_array_add(e, json_object_new_int64(r->s[i].counter));
		json_object_array_add(e, json_object_new_int64(r->s[i].pri));
		json_object_array_add(e, json_object_new_int64(r->s[i].cur));
		json_object_array_add(e, json_object_new_int(r->s[i].counter_ok));
		json_object_array_add(w, e);
	}
	json_object *wo = json_object_new_object();
	json_object_object_add(wo, "columns", json_object_new_string(
		"t_wake_ns counter_before counter_after primary cursor counter_ok"));
	json_object_object_add(wo, "wakes", w);
	vt_artifact_json(t, "wakes.json", wo);
	if (r->n)
		vt_measure(t, "host_cpu_per_wake", (double)r->cpu_ns / 1000.0 / (double)r->n, "us");
	(void)signals;
}

/*
 * Run one workload in real time and judge the clauses of the test.
 * args: the workload name, then its options, NULL-terminated.
 */
static enum vrc_result rt_workload(struct vt *t, const char *const *args)
{
	char tl_path[700], err[256];
	struct rt_recorder rec;
	struct vrc_timeline *tl = NULL;
	int rc;

	restart_sim_real(t);
	vt_open_device(t);
	vt_find_irq(t);
	if ((rc = vrc_display_irq_register(&t->irq)))
		vt_abort(t, "registering an eventfd failed: %s", strerror(-rc));
	/* The timeline is kept with the test's artifacts (else in the sim's
	 * runtime dir, removed with it). */
	if (vt_artifact_path(t, "timeline.json", tl_path, sizeof(tl_path)))
		snprintf(tl_path, sizeof(tl_path), "%s/timeline.json", t->sim.dir);
	if (rt_recorder_start(&rec, &t->irq, RT_MAX_SAMPLES, err, sizeof(err)))
		vt_abort(t, "%s", err);
	if (t->o->guest && !strcmp(t->o->guest, "vm")) {
		char img[600];
		for (unsigned i = 1; args[i]; i++)
			if (!strcmp(args[i], "--curpos-only") || !strncmp(args[i], "--burst", 7))
				vt_skip(t, "%s needs direct register access: process guest "
					"only (KMS cannot do it)", args[i]);
		image_dir(t, img, sizeof(img));
		vt_vm_run_workload(t, img, args, tl_path, 180000);
	} else {
		run_process_guest(t, args, tl_path, 60000);
	}
	usleep(3 * 1000000 / RT_HZ);	/* the last latches' signals */
	rt_recorder_stop(&rec);
	if (rec.error)
		vt_diag(t, "recorder: %s", strerror(-rec.error));
	if (rec.dropped)
		vt_diag(t, "recorder kept %zu wakes, %zu more not kept", rec.n, rec.dropped);

	if ((rc = vrc_timeline_load(tl_path, &tl, err, sizeof(err))))
		vt_abort(t, "the workload's timeline: %s", err);
	if (!tl->offset_exact)
		vt_skip(t, "timeline has no exact sequence-to-frame-counter offset");
	uint32_t first = tl->first + tl->hw_offset;
	unsigned n = (unsigned)(tl->last - tl->first) + 1u + RT_TAIL;
	struct vrc_vblank *vb = calloc(n, sizeof(*vb)), *vb1 = calloc(n, sizeof(*vb1));
	struct vrc_tl_expect_stats st;
	unsigned spread, outside, spread1, outside1;
	if (!vb || !vb1)
		vt_abort(t, "out of memory");
	if (vrc_timeline_expect(tl, tl->hw_offset, first, vb, n, &st))
		vt_abort(t, "timeline expectations failed");
	memcpy(vb1, vb, n * sizeof(*vb));
	/* EVT-1 on what the counters prove, the latch clauses on timing too
	 * (rt.h says why). */
	rt_place(rec.s, rec.n, PERIOD_NS, first, vb, n, &spread, &outside);
	rt_place_mode(rec.s, rec.n, PERIOD_NS, RT_PLACE_SOUND, first, vb1, n, &spread1,
		      &outside1);
	if (st.unjudged)
		vt_diag(t, "%u guest updates straddled more than one vblank: not judged",
			st.unjudged);
	if (spread)
		vt_diag(t, "%u late wakes could not be placed on one vblank: given the "
			"benefit of the doubt", spread);
	vt_judge(t, vb1, n, t->test->clauses & CL(C_EVT_1));
	vt_judge(t, vb, n, t->test->clauses & ~CL(C_EVT_1));
	vt_measure_idle_rate(t, vb, n);
	measure(t, &rec);
	vt_artifact_vblanks(t, "rt", vb, n, first);
	free(vb);
	free(vb1);
	vrc_timeline_free(tl);
	rt_recorder_free(&rec);
	return R_PASS;
}

#define RT(sym, name, clauses, desc, ...)					\
	static enum vrc_result sym##_run(struct vt *t)				\
	{									\
		static const char *const args[] = { __VA_ARGS__, NULL };	\
		return rt_workload(t, args);					\
	}									\
	const struct vrc_test sym = { name, clauses, desc, VT_REALTIME, sym##_run }

RT(vrc_test_rt_flip_every, "rt-flip-every-vblank", CL(C_EVT_1) | CL(C_EVT_2),
   "60 Hz: the guest flips at every vblank; one primary signal per latch",
   "flip", "--every=1", "--vblanks=90");
RT(vrc_test_rt_flip_pattern, "rt-flip-pattern", CL(C_EVT_1) | CL(C_EVT_2),
   "60 Hz: a pseudo-random flip/no-flip pattern; signals exactly where flips latch",
   "flip", "--pattern", "--seed=7", "--vblanks=120");
RT(vrc_test_rt_flip_burst, "rt-flip-burst", CL(C_EVT_1) | CL(C_EVT_2),
   "60 Hz: three flips inside one vblank, every fourth vblank; one signal each time",
   "flip", "--burst=3", "--every=4", "--vblanks=80");
RT(vrc_test_rt_idle, "rt-idle-bound", CL(C_EVT_1),
   "60 Hz: an idle screen; the heuristic signals at most once per vblank",
   "idle", "--vblanks=60");
RT(vrc_test_rt_cursor, "rt-cursor-move", CL(C_EVT_1) | CL(C_EVT_3),
   "60 Hz: the cursor moves, changes image and hotspot; a cursor signal each time",
   "cursor", "--vblanks=90");
RT(vrc_test_rt_curpos, "rt-cursor-curpos-only", CL(C_EVT_3),
   "60 Hz: CURPOS-only cursor moves (no CURBASE write) are notified too",
   "cursor", "--curpos-only", "--vblanks=60");
RT(vrc_test_rt_draw, "rt-frontbuffer-draw", CL(C_EVT_4),
   "60 Hz: drawing into the scanned-out buffer without flips is notified",
   "draw", "--vblanks=90");
RT(vrc_test_rt_draw_cursor, "rt-frontbuffer-draw-cursor", CL(C_EVT_4),
   "60 Hz: front-buffer drawing while the cursor moves is still notified",
   "draw", "--with-cursor", "--vblanks=90");
RT(vrc_test_rt_mixed, "rt-mixed", CL(C_EVT_1) | CL(C_EVT_2) | CL(C_EVT_3),
   "60 Hz: flips and cursor updates together; each plane notified on its own",
   "mixed", "--vblanks=90");
