// SPDX-License-Identifier: MIT
/*
 * End to end through the real daemon: vgpu-sim started as the harness starts
 * it, the device opened over vfio-user, a process guest on the ivshmem side.
 * Checks what no unit test can: the plane query and dmabuf fetch (vendor
 * commands) return the guest's actual pixels, the mapping aliases live VRAM
 * as a dmabuf does, a signal arrives through the whole chain, and a second
 * opener is refused while the first holds the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "vrc/i915_regs.h"
#include "vrc/irq.h"
#include "vgpu/guest.h"
#include "vrc/vtest.h"
#include "harness/vrc/sim_backend.h"
#include "harness/vrc/rt.h"

#define W	64u
#define H	32u
#define SURF	(128u << 10)

struct world {
	struct vrc_sim sim;
	struct vrc_transport *t;
	struct vgpu_guest g;
};

static void sim_path(char *out, size_t len)
{
	const char *b = getenv("VRC_BUILD");

	snprintf(out, len, "%s/vgpu-sim", b ? b : "build");
}

static void world_open(struct world *w, const char *model)
{
	char bin[256], path[128], err[256];

	sim_path(bin, sizeof(bin));
	ASSERT_EQ(0, vrc_sim_start(bin, model, NULL, 1, &w->sim, err, sizeof(err)));
	vrc_sim_path(&w->sim, 0, "vfio-user", path, sizeof(path));
	ASSERT_EQ(0, vrc_vfio_user_open(path, 2000, &w->t, err, sizeof(err)));
	vrc_sim_path(&w->sim, 0, "ivshmem", path, sizeof(path));
	ASSERT_EQ(0, vgpu_guest_open(path, 2000, &w->g, err, sizeof(err)));
}

static void world_close(struct world *w)
{
	vgpu_guest_close(&w->g);
	vrc_transport_close(w->t);
	vrc_sim_stop(&w->sim);
}

static void plane_on(struct world *w)
{
	struct vgpu_guest *g = &w->g;

	ASSERT_EQ(0, vgpu_guest_write(g, VRC_PIPESRC(0), (W - 1) << 16 | (H - 1)));
	ASSERT_EQ(0, vgpu_guest_write(g, VRC_PIPECONF(0), VRC_PIPECONF_ENABLE));
	ASSERT_EQ(0, vgpu_guest_write(g, VRC_PLANE_STRIDE(0), W * 4));
	ASSERT_EQ(0, vgpu_guest_write(g, VRC_PLANE_SIZE(0), (H - 1) << 16 | (W - 1)));
	ASSERT_EQ(0, vgpu_guest_write(g, VRC_PLANE_CTL(0),
				      VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB8888));
	ASSERT_EQ(0, vgpu_guest_write(g, VRC_PLANE_SURF(0), SURF));
	ASSERT_EQ(0, vgpu_guest_flush(g, 2000));
}

TEST(primary_plane_capture_aliases_guest_vram)
{
	struct world w;
	struct vrc_plane p;
	char err[256];
	uint32_t *fb, px;

	world_open(&w, "ref");
	ASSERT_LE((uint64_t)SURF + W * H * 4, w.g.vram_size);
	fb = (uint32_t *)(w.g.vram + SURF);
	for (unsigned i = 0; i < W * H; i++)
		fb[i] = 0x00010203u * (i & 0x3f) + i;
	plane_on(&w);
	ASSERT_EQ(0, vrc_plane_query(w.t, VRC_PLANE_PRIMARY, &p));
	ASSERT_EQ(0x34325258u, p.info.drm_format);	/* XRGB8888 */
	ASSERT_EQ(W, p.info.width);
	ASSERT_EQ(H, p.info.height);
	ASSERT_EQ(W * 4, p.info.stride);
	ASSERT_GE(p.info.dmabuf_id, 1u);
	ASSERT_EQ(0, vrc_plane_map(w.t, &p, err, sizeof(err)));
	ASSERT_EQ(0, memcmp(p.map, fb, W * H * 4));
	/* A dmabuf is the buffer itself, not a copy: later drawing shows. */
	fb[W * H - 1] = 0x00abcdefu;
	memcpy(&px, (uint8_t *)p.map + (W * H - 1) * 4, 4);
	ASSERT_EQ(0x00abcdefu, px);
	/* Same buffer, same id (GVT reuses ids while nothing changed). */
	uint32_t id = p.info.dmabuf_id;
	vrc_plane_release(&p);
	ASSERT_EQ(0, vrc_plane_query(w.t, VRC_PLANE_PRIMARY, &p));
	ASSERT_EQ(id, p.info.dmabuf_id);
	vrc_plane_release(&p);
	world_close(&w);
}

TEST(cursor_plane_reports_position)
{
	struct world w;
	struct vrc_plane p;

	world_open(&w, "ref");
	plane_on(&w);
	ASSERT_EQ(0, vrc_plane_query(w.t, VRC_PLANE_CURSOR, &p));
	ASSERT_EQ(0u, p.info.drm_format);		/* off: "no plane" */
	vrc_plane_release(&p);
	ASSERT_EQ(0, vgpu_guest_write(&w.g, VRC_CURCNTR(0), VRC_CURSOR_MODE_64_ARGB));
	ASSERT_EQ(0, vgpu_guest_write(&w.g, VRC_CURPOS(0), 7u << 16 | 5u));
	ASSERT_EQ(0, vgpu_guest_write(&w.g, VRC_CURBASE(0), 512u << 10));
	ASSERT_EQ(0, vgpu_guest_flush(&w.g, 2000));
	ASSERT_EQ(0, vrc_plane_query(w.t, VRC_PLANE_CURSOR, &p));
	ASSERT_EQ(0x34325241u, p.info.drm_format);	/* ARGB8888 */
	ASSERT_EQ(64u, p.info.width);
	ASSERT_EQ(5u, p.info.x_pos);
	ASSERT_EQ(7u, p.info.y_pos);
	ASSERT_EQ(0xffffffffu, p.info.x_hot);
	vrc_plane_release(&p);
	world_close(&w);
}

TEST(flip_signal_through_daemon_and_frame_counter)
{
	struct world w;
	struct vrc_display_irq irq;
	struct vrc_signal sig;
	char err[256];

	world_open(&w, "ref");
	ASSERT_EQ(0, vrc_display_irq_find(w.t, &irq, err, sizeof(err)));
	plane_on(&w);
	ASSERT_EQ(0, vrc_sim_step(&w.sim, 0, 3));
	ASSERT_EQ(0, vrc_display_irq_register(&irq));
	ASSERT_EQ(0, vrc_display_irq_poll(&irq, &sig));		/* nothing yet */
	ASSERT_EQ(0, vgpu_guest_write(&w.g, VRC_PLANE_SURF(0), 0));
	ASSERT_EQ(0, vrc_sim_step(&w.sim, 0, 1));
	ASSERT_EQ(1, vrc_display_irq_poll(&irq, &sig));
	ASSERT_EQ(1u, sig.counts.primary);
	ASSERT_EQ(0u, sig.counts.cursor);
	ASSERT_TRUE(sig.counts.exact);
	ASSERT_EQ(4u, sig.frame_counter);	/* the fourth vblank of an enabled pipe */
	ASSERT_EQ(4u, w.g.hdr->pipe[0].frame_count);
	vrc_display_irq_close(&irq);
	world_close(&w);
}

TEST(second_opener_refused_while_device_held)
{
	struct world w;
	struct vrc_transport *t2 = NULL;
	char path[128], err[256];

	world_open(&w, "ref");
	vrc_sim_path(&w.sim, 0, "vfio-user", path, sizeof(path));
	ASSERT_NE(0, vrc_vfio_user_open(path, 1000, &t2, err, sizeof(err)));
	/* After the first closes, a new opener gets the device. */
	vrc_transport_close(w.t);
	ASSERT_EQ(0, vrc_vfio_user_open(path, 1000, &w.t, err, sizeof(err)));
	world_close(&w);
}

TEST(unknown_model_fails_to_start_with_reason)
{
	struct vrc_sim s;
	char bin[256], err[256];

	sim_path(bin, sizeof(bin));
	ASSERT_NE(0, vrc_sim_start(bin, "no-such-model", NULL, 1, &s, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "exited with status 2") != NULL);
}

/*
 * The real clock: vgpu-sim's timerfd drives vblanks on its own. Not a timing
 * test (that is make bench's business): frames must advance and a flip must
 * be signalled, within a bound hundreds of frames long.
 */
struct real {
	char dir[32];
	pid_t pid;
	struct vrc_transport *t;
	struct vrc_display_irq irq;
	struct vgpu_guest g;
};

static void real_open(struct real *r, unsigned hz)
{
	char bin[256], a_dir[64], a_hz[32], path[128], err[256];
	int pfd[2];
	char ready[8] = "";

	sim_path(bin, sizeof(bin));
	snprintf(r->dir, sizeof(r->dir), "/tmp/vrc-rt-XXXXXX");
	ASSERT_TRUE(mkdtemp(r->dir) != NULL);
	snprintf(a_dir, sizeof(a_dir), "--runtime-dir=%s", r->dir);
	snprintf(a_hz, sizeof(a_hz), "--hz=%u", hz);
	ASSERT_EQ(0, pipe(pfd));
	r->pid = fork();
	ASSERT_GE(r->pid, 0);
	if (r->pid == 0) {
		char a_ready[32];
		snprintf(a_ready, sizeof(a_ready), "--ready-fd=%d", pfd[1]);
		execl(bin, bin, a_dir, "--clock=real", a_hz, "--shm-mib=8",
		      a_ready, "--die-with-parent", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	ASSERT_EQ(6, read(pfd[0], ready, 6));
	close(pfd[0]);
	snprintf(path, sizeof(path), "%s/vgpu0.vfio-user", r->dir);
	ASSERT_EQ(0, vrc_vfio_user_open(path, 2000, &r->t, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/vgpu0.ivshmem", r->dir);
	ASSERT_EQ(0, vgpu_guest_open(path, 2000, &r->g, err, sizeof(err)));
	ASSERT_EQ(0, vrc_display_irq_find(r->t, &r->irq, err, sizeof(err)));
	ASSERT_EQ(0, vgpu_guest_write(&r->g, VRC_PIPECONF(0), VRC_PIPECONF_ENABLE));
	ASSERT_EQ(0, vgpu_guest_flush(&r->g, 2000));
}

static void real_close(struct real *r)
{
	int st;

	vrc_display_irq_close(&r->irq);
	vgpu_guest_close(&r->g);
	vrc_transport_close(r->t);
	kill(r->pid, SIGTERM);
	ASSERT_EQ(r->pid, waitpid(r->pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);	/* SIGTERM is a clean stop */
	ASSERT_EQ(0, rmdir(r->dir));		/* it removed its sockets */
}

TEST(real_clock_advances_and_signals)
{
	struct real r;
	struct vrc_signal sig;
	uint32_t f0, f1;

	real_open(&r, 200);
	ASSERT_EQ(0, vrc_read_frame_counter(r.t, VRC_PIPE_FRMCOUNT(0), &f0));
	usleep(100 * 1000);
	ASSERT_EQ(0, vrc_read_frame_counter(r.t, VRC_PIPE_FRMCOUNT(0), &f1));
	ASSERT_GT(f1, f0);			/* the clock runs by itself */
	ASSERT_EQ(0, vrc_display_irq_register(&r.irq));
	while (vrc_display_irq_poll(&r.irq, &sig) > 0)
		;
	ASSERT_EQ(0, vgpu_guest_write(&r.g, VRC_PLANE_SURF(0), 0));
	ASSERT_EQ(1, vrc_display_irq_wait(&r.irq, 2000, &sig));
	ASSERT_GE(sig.counts.primary, 1u);
	real_close(&r);
}

/*
 * The rt recorder's probes (rt.h): over an idle stretch with no signal the
 * reader still drains and reads the counter, so the flip's wake carries a
 * floor from that stretch, not from before it. Without probes the floor
 * would be missing (nothing was drained before), and the placement could
 * tell the flip's tick only by timing. Bounds are hundreds of frames wide.
 */
TEST(recorder_probes_give_a_floor_after_idle)
{
	struct real r;
	struct rt_recorder rec;
	struct vrc_signal sig;
	char err[256];
	uint32_t c0;

	real_open(&r, 200);
	ASSERT_EQ(0, vrc_display_irq_register(&r.irq));
	while (vrc_display_irq_poll(&r.irq, &sig) > 0)
		;
	ASSERT_EQ(0, vrc_read_frame_counter(r.t, VRC_PIPE_FRMCOUNT(0), &c0));
	ASSERT_EQ(-EINVAL, rt_recorder_start(&rec, &r.irq, 16, 0, err, sizeof(err)));
	rt_recorder_free(&rec);
	ASSERT_EQ(0, rt_recorder_start(&rec, &r.irq, 16, 1250000, err, sizeof(err)));
	usleep(300 * 1000);			/* 60 idle ticks */
	ASSERT_EQ(0, vgpu_guest_write(&r.g, VRC_PLANE_SURF(0), 0));
	usleep(300 * 1000);			/* its signal, 60 ticks to spare */
	rt_recorder_stop(&rec);
	ASSERT_EQ(0, rec.error);
	ASSERT_GE(rec.n, 1u);
	ASSERT_GE(rec.s[0].pri, 1u);
	ASSERT_GT(rec.probes, 10u);
	ASSERT_TRUE(rec.s[0].floor_ok);
	ASSERT_GT((int32_t)(rec.s[0].floor - c0), 0);	/* read during the idle ticks */
	ASSERT_TRUE((int32_t)(rec.s[0].counter_before - rec.s[0].floor) >= 0);
	rt_recorder_free(&rec);
	real_close(&r);
}

VTEST_MAIN()
