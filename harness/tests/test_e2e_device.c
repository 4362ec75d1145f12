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
#include "vrc/vgpu_guest.h"
#include "vrc/vtest.h"
#include "vrc/sim_backend.h"

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
TEST(real_clock_advances_and_signals)
{
	char bin[256], dir[] = "/tmp/vrc-rt-XXXXXX", a_dir[64], path[128], err[256];
	struct vrc_transport *t = NULL;
	struct vrc_display_irq irq;
	struct vgpu_guest g;
	struct vrc_signal sig;
	uint32_t f0, f1;
	int pfd[2], st;
	char ready[8] = "";

	sim_path(bin, sizeof(bin));
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(a_dir, sizeof(a_dir), "--runtime-dir=%s", dir);
	ASSERT_EQ(0, pipe(pfd));
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char a_ready[32];
		snprintf(a_ready, sizeof(a_ready), "--ready-fd=%d", pfd[1]);
		execl(bin, bin, a_dir, "--clock=real", "--hz=200", "--shm-mib=8",
		      a_ready, "--die-with-parent", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	ASSERT_EQ(6, read(pfd[0], ready, 6));
	close(pfd[0]);
	snprintf(path, sizeof(path), "%s/vgpu0.vfio-user", dir);
	ASSERT_EQ(0, vrc_vfio_user_open(path, 2000, &t, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/vgpu0.ivshmem", dir);
	ASSERT_EQ(0, vgpu_guest_open(path, 2000, &g, err, sizeof(err)));
	ASSERT_EQ(0, vrc_display_irq_find(t, &irq, err, sizeof(err)));
	ASSERT_EQ(0, vgpu_guest_write(&g, VRC_PIPECONF(0), VRC_PIPECONF_ENABLE));
	ASSERT_EQ(0, vgpu_guest_flush(&g, 2000));
	ASSERT_EQ(0, vrc_read_frame_counter(t, VRC_PIPE_FRMCOUNT(0), &f0));
	usleep(100 * 1000);
	ASSERT_EQ(0, vrc_read_frame_counter(t, VRC_PIPE_FRMCOUNT(0), &f1));
	ASSERT_GT(f1, f0);			/* the clock runs by itself */
	ASSERT_EQ(0, vrc_display_irq_register(&irq));
	while (vrc_display_irq_poll(&irq, &sig) > 0)
		;
	ASSERT_EQ(0, vgpu_guest_write(&g, VRC_PLANE_SURF(0), 0));
	ASSERT_EQ(1, vrc_display_irq_wait(&irq, 2000, &sig));
	ASSERT_GE(sig.counts.primary, 1u);
	vrc_display_irq_close(&irq);
	vgpu_guest_close(&g);
	vrc_transport_close(t);
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);	/* SIGTERM is a clean stop */
	ASSERT_EQ(0, rmdir(dir));		/* it removed its sockets */
}

VTEST_MAIN()
