// SPDX-License-Identifier: MIT
/* Shared by the real-time suites (rt_guest.h). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/vrc/artifacts.h"
#include "harness/vrc/guest_vm.h"
#include "rt_guest.h"

/* Where vrc-wl is: next to vgpu-sim unless VRC_WORKLOAD says otherwise. */
static void workload_path(const struct vt *t, char *out, size_t len)
{
	const char *env = getenv("VRC_WORKLOAD");

	if (env && env[0])
		snprintf(out, len, "%s", env);
	else
		vrc_next_to_sim(t->o, "vrc-wl", out, len);
}

void rt_restart_sim_real(struct vt *t, unsigned instances)
{
	char err[256];
	struct vrc_sim_cfg c = {
		.sim_path = t->o->sim_path, .model = t->o->model, .abi = t->o->abi,
		.instances = instances, .real_clock = true, .hz = RT_HZ, .shm_mib = RT_SHM_MIB,
	};

	vrc_sim_stop(&t->sim);
	if (vrc_sim_start_cfg(&c, &t->sim, err, sizeof(err)))
		vt_abort(t, "vgpu-sim with a real clock: %s", err);
}

void rt_timeline_path(struct vt *t, const char *file, char *out, size_t len)
{
	if (vt_artifact_path(t, file, out, len))
		snprintf(out, len, "%s/%s", t->sim.dir, file);
}

void rt_guest_spawn(struct vt *t, unsigned instance, const char *const *args,
		    const char *tl_path, struct rt_guest *g)
{
	char wl[600], ivs[160], a_ivs[200], a_tl[720], err[256];
	const char *argv[32];
	unsigned n = 0;

	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", args[0]);
	workload_path(t, wl, sizeof(wl));
	if (access(wl, X_OK))
		vt_abort(t, "workload program %s: %s (build it: make all)", wl, strerror(errno));
	vrc_sim_path(&t->sim, instance, "ivshmem", ivs, sizeof(ivs));
	snprintf(a_ivs, sizeof(a_ivs), "--ivshmem=%s", ivs);
	snprintf(a_tl, sizeof(a_tl), "--timeline=%s", tl_path);
	snprintf(g->log_path, sizeof(g->log_path), "%s.log", tl_path);
	argv[n++] = wl;
	argv[n++] = args[0];
	argv[n++] = "--backend=sim";
	argv[n++] = a_ivs;
	argv[n++] = a_tl;
	for (unsigned i = 1; args[i] && n < 30; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (rt_proc_spawn(&g->p, argv, g->log_path, err, sizeof(err)))
		vt_abort(t, "cannot start the workload: %s", err);
}

void rt_guest_finish(struct vt *t, struct rt_guest *g, int timeout_ms)
{
	int rc = rt_proc_wait(&g->p, timeout_ms);

	if (rc == -ETIMEDOUT)
		vt_abort(t, "workload %s did not finish within %d ms (log: %s)", g->name,
			 timeout_ms, g->log_path);
	if (!WIFEXITED(g->p.status) || WEXITSTATUS(g->p.status)) {
		char tail[300] = "";
		FILE *f = fopen(g->log_path, "r");
		if (f) {
			size_t got = fread(tail, 1, sizeof(tail) - 1, f);
			tail[got] = 0;
			fclose(f);
			for (char *c = tail; *c; c++)
				if (*c == '\n')
					*c = ' ';
		}
		vt_abort(t, "workload %s failed (status %d): %s", g->name, g->p.status, tail);
	}
}

/* A VM guest runs the workload with --guest=vm, and always on GVT (where
 * the guest is i915 on the vGPU). */
static bool in_vm(const struct vt *t)
{
	return t->o->gvt || (t->o->guest && !strcmp(t->o->guest, "vm"));
}

/* Boot the guest for args, before the device is opened: on GVT QEMU must
 * bind the shared vGPU first (share.c), and the sim keeps the same order. */
static struct vrc_vm *boot_for(struct vt *t, const char *const *args)
{
	char img[600];

	for (unsigned i = 1; args[i]; i++)
		if (!strcmp(args[i], "--curpos-only") || !strncmp(args[i], "--burst", 7))
			vt_skip(t, "%s needs direct register access: process guest "
				"only (KMS cannot do it)", args[i]);
	vrc_guest_image(t->o, t->o->gvt != NULL, img, sizeof(img));
	return vt_vm_boot(t, img, NULL);
}

void rt_signals_since(const struct rt_recorder *r, uint32_t first, unsigned *pri,
		      unsigned *cur)
{
	uint64_t p = 0, c = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (r->s[i].counter_ok && (int32_t)(r->s[i].counter - first) < 0)
			continue;
		p += r->s[i].pri;
		c += r->s[i].cur;
	}
	*pri = p > UINT32_MAX ? UINT32_MAX : (unsigned)p;
	*cur = c > UINT32_MAX ? UINT32_MAX : (unsigned)c;
}

/*
 * Half, not all: a device that loses some signals (drop's every 7th, late's
 * last ones past the recorder's stop) is for the per-vblank oracles to
 * flag, and leaves the test most of its updates to judge.
 */
void rt_require_half(struct vt *t, const struct rt_recorder *r, enum vrc_clause clause,
		     const char *plane, unsigned signals, unsigned due, const char *cause)
{
	unsigned need = due / 2 + due % 2;

	if (signals >= need)
		return;
	if (r->error || r->dropped)
		vt_abort(t, "%s: %u %s signals due, %u recorded; the recorder failed (%s) or "
			 "kept no more wakes (%zu not kept): too few to judge anything", cause, due,
			 plane, signals, r->error ? strerror(-r->error) : "no error", r->dropped);
	vt_violation(t, clause, "%s: %u %s signals due, the device gave %u; this test needs at "
		     "least %u (half) to judge anything", cause, due, plane, signals, need);
}

void rt_measure(struct vt *t, const struct rt_recorder *r)
{
	double p50, p99, *lat;
	size_t nlat;

	if (!rt_latency(r->s, r->n, RT_PERIOD_NS, &p50, &p99, &lat, &nlat)) {
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
		json_object_array_add(e, r->s[i].floor_ok ?
				      json_object_new_int64(r->s[i].floor) : NULL);
		json_object_array_add(w, e);
	}
	json_object *wo = json_object_new_object();
	json_object_object_add(wo, "columns", json_object_new_string(
		"t_wake_ns counter_before counter_after primary cursor counter_ok floor"));
	json_object_object_add(wo, "wakes", w);
	json_object_object_add(wo, "probes", json_object_new_int64((int64_t)r->probes));
	vt_artifact_json(t, "wakes.json", wo);
	/* what a display client pays per signal; the probes are the suite's */
	if (r->n + r->dropped)
		vt_measure(t, "host_cpu_per_wake", (double)r->wake_cpu_ns / 1000.0 /
			   (double)(r->n + r->dropped), "us");
}

void rt_record_workload(struct vt *t, const char *const *args, struct rt_recorder *rec,
			void (*hook)(void *arg, const struct rt_sample *s, size_t idx),
			void *arg, char *tl_path, size_t len)
{
	struct vrc_vm *vm = NULL;
	struct rt_guest g;
	int rc;

	/* the sim's runtime dir holds what is not kept; on GVT there is none */
	if (t->o->gvt && !t->artifact_dir)
		vt_abort(t, "gvt: an rt test needs the run's results dir for its timeline and "
			 "the guest's logs");
	if (!t->o->gvt)
		rt_restart_sim_real(t, 1);
	if (in_vm(t))
		vm = boot_for(t, args);
	vt_open_device(t);
	vt_find_irq(t);
	if ((rc = vrc_display_irq_register(&t->irq)))
		vt_abort(t, "registering an eventfd failed: %s", strerror(-rc));
	rt_timeline_path(t, "timeline.json", tl_path, len);
	vt_recorder_start(t, rec, &t->irq, RT_MAX_SAMPLES, RT_PROBE_NS, hook, arg);
	if (vm) {
		vt_vm_workload(t, vm, args, tl_path, 180000);
	} else {
		rt_guest_spawn(t, 0, args, tl_path, &g);
		rt_guest_finish(t, &g, 60000);
	}
	usleep(3 * 1000000 / RT_HZ);	/* the last latches' signals */
	vt_recorder_stop(t, rec);
	if (vm) {
		/* share.c: our eventfd goes before QEMU does */
		if ((rc = vrc_display_irq_unregister(&t->irq)))
			vt_diag(t, "unregistering the eventfd: %s", strerror(-rc));
		vt_vm_end(t, vm);
	}
	if (rec->error)
		vt_diag(t, "recorder: %s", strerror(-rec->error));
	if (rec->dropped)
		vt_diag(t, "recorder kept %zu wakes, %zu more not kept", rec->n, rec->dropped);
}
