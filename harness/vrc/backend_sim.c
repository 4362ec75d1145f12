// SPDX-License-Identifier: MIT
/*
 * The sim backend (backend.h): vgpu-sim, one daemon per test (instance 1
 * for the second vGPU of a VT_TWO_VGPUS test), the device over vfio-user,
 * the process guest on its ivshmem shared memory, and a virtual clock the
 * test steps: every poll window is exactly one vblank.
 */
#include <errno.h>
#include <string.h>

#include "vgpu/guest.h"
#include "backend.h"
#include "vt.h"

#define OPEN_TIMEOUT_MS	5000

static const char *sim_skip_reason(const struct vrc_opts *o, const struct vrc_test *test)
{
	(void)o, (void)test;
	return NULL;
}

static bool sim_test_begin(const struct vrc_opts *o, const struct vrc_test *test,
			   struct vrc_test_scope *s, struct vrc_test_record *rec)
{
	(void)test, (void)rec;
	s->opts = *o;
	return true;
}

static void sim_test_end(const struct vrc_opts *o, const struct vrc_test *test,
			 struct vrc_test_scope *s, struct vrc_test_record *rec,
			 const char *artifact_dir)
{
	(void)o, (void)test, (void)s, (void)rec, (void)artifact_dir;
}

static int sim_probe_open(const struct vrc_opts *o, struct vrc_probe_dev *p, char *err,
			  size_t errlen)
{
	char path[400];
	int rc = vrc_sim_start(o->sim_path, o->model, o->abi, 1, &p->sim, err, errlen);

	if (rc)
		return rc;
	vrc_sim_path(&p->sim, 0, "vfio-user", path, sizeof(path));
	if ((rc = vrc_vfio_user_open(path, OPEN_TIMEOUT_MS, &p->t, err, errlen))) {
		vrc_sim_stop(&p->sim);
		p->t = NULL;
	}
	return rc;
}

static void sim_probe_close(const struct vrc_opts *o, struct vrc_probe_dev *p)
{
	(void)o;
	vrc_transport_close(p->t);
	p->t = NULL;
	vrc_sim_stop(&p->sim);
}

static void sim_describe(const struct vrc_opts *o, FILE *f)
{
	fprintf(f, "backend sim (vgpu-sim model=%s abi=%s); virtual-time tests with a process "
		"guest, real-time (rt-*) tests at 60 Hz with a %s guest",
		o->model ? o->model : "ref", o->abi ? o->abi : "model default",
		o->guest && !strcmp(o->guest, "vm") ? "VM" : "process");
}

static const char *sim_run_label(const struct vrc_opts *o)
{
	return o->model ? o->model : "ref";
}

static void sim_child_start(struct vt *t)
{
	char err[256];

	if (vrc_sim_start(t->o->sim_path, t->o->model, t->o->abi,
			  t->test->flags & VT_TWO_VGPUS ? 2 : 1, &t->sim, err, sizeof(err)))
		vt_abort(t, "%s", err);
}

static void sim_open_device(struct vt *t)
{
	char path[128], err[256];

	vrc_sim_path(&t->sim, 0, "vfio-user", path, sizeof(path));
	if (vrc_vfio_user_open(path, OPEN_TIMEOUT_MS, &t->dev, err, sizeof(err)))
		vt_abort(t, "cannot open the device: %s", err);
}

static void sim_close_device(struct vt *t)
{
	if (t->dev)
		vrc_transport_close(t->dev);
}

static void sim_guest_attach(struct vt *t)
{
	char path[128], err[256];

	vrc_sim_path(&t->sim, 0, "ivshmem", path, sizeof(path));
	if (vgpu_guest_open(path, OPEN_TIMEOUT_MS, &t->g, err, sizeof(err)))
		vt_abort(t, "process guest cannot attach: %s", err);
	t->have_guest = true;
}

static void sim_guest_detach(struct vt *t)
{
	if (t->have_guest)
		vgpu_guest_close(&t->g);
	t->have_guest = false;
}

static void sim_vram_written(struct vt *t, uint64_t off, uint64_t len)
{
	(void)t, (void)off, (void)len;	/* the process guest's VRAM is the device's */
}

static uint32_t sim_latched_surf(struct vt *t)
{
	if (!t->have_guest)
		vt_abort(t, "no guest attached to see its flip-done");
	return __atomic_load_n(&t->g.hdr->pipe[t->pipe].latched_surf, __ATOMIC_ACQUIRE);
}

static int sim_reg_write(struct vt *t, unsigned vgpu, uint32_t offset, uint32_t value)
{
	return vgpu_guest_write(vgpu ? &t->g1 : &t->g, offset, value);
}

static void sim_draw(struct vt *t, uint64_t offset, uint32_t npx, uint32_t value)
{
	if (offset > t->g.vram_size || npx > (t->g.vram_size - offset) / 4)
		vt_abort(t, "front buffer outside VRAM");
	uint32_t *px = (uint32_t *)(t->g.vram + offset);
	for (uint32_t i = 0; i < npx; i++)
		px[i] = value;
}

static void sim_open_second(struct vt *t)
{
	char path[128], err[256];

	vrc_sim_path(&t->sim, 1, "vfio-user", path, sizeof(path));
	if (vrc_vfio_user_open(path, OPEN_TIMEOUT_MS, &t->dev1, err, sizeof(err)))
		vt_abort(t, "cannot open the second device: %s", err);
	vrc_sim_path(&t->sim, 1, "ivshmem", path, sizeof(path));
	if (vgpu_guest_open(path, OPEN_TIMEOUT_MS, &t->g1, err, sizeof(err))) {
		vrc_transport_close(t->dev1);
		t->dev1 = NULL;
		vt_abort(t, "second process guest cannot attach: %s", err);
	}
}

static void sim_close_second(struct vt *t)
{
	vrc_transport_close(t->dev1);
	vgpu_guest_close(&t->g1);
}

static void sim_step(struct vt *t, unsigned n)
{
	int rc = vrc_sim_step(&t->sim, 0, n);

	if (rc)
		vt_abort(t, "vgpu-sim did not step: %s", strerror(-rc));
}

static void sim_step_all(struct vt *t, unsigned n)
{
	int rc = vrc_sim_step_all(&t->sim, n);

	if (rc)
		vt_abort(t, "vgpu-sim did not step: %s", strerror(-rc));
}

static void sim_realtime(struct vt *t)
{
	(void)t;	/* the clock waits for the harness */
}

const struct vrc_backend vrc_backend_sim = {
	.name = "sim",
	.real_vblanks = false,
	.skip_reason = sim_skip_reason,
	.test_begin = sim_test_begin,
	.test_end = sim_test_end,
	.probe_open = sim_probe_open,
	.probe_close = sim_probe_close,
	.describe = sim_describe,
	.run_label = sim_run_label,
	.child_start = sim_child_start,
	.open_device = sim_open_device,
	.close_device = sim_close_device,
	.guest_attach = sim_guest_attach,
	.guest_detach = sim_guest_detach,
	.vram_written = sim_vram_written,
	.latched_surf = sim_latched_surf,
	.reg_write = sim_reg_write,
	.draw = sim_draw,
	.open_second = sim_open_second,
	.close_second = sim_close_second,
	.step = sim_step,
	.step_all = sim_step_all,
	.drive = vt_drive_stepped,
	.realtime = sim_realtime,
};

const struct vrc_backend *vrc_backend_of(const struct vrc_opts *o)
{
	return o->be ? o->be : &vrc_backend_sim;
}
