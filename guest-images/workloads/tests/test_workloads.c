// SPDX-License-Identifier: MIT
/*
 * vrc-wl against a real-clock vgpu-sim (60 Hz), backend sim: each case
 * starts its own vgpu-sim, runs one workload for ~40 vblanks, reads the
 * timeline back with libvrc and checks what a broken workload would get
 * wrong: flips latched at the vblanks meant, frame ids in order and frames
 * telling apart in every band, the pattern, bursts, the cursor path, and —
 * through the host side of the device (vfio-user plane query + dmabuf) —
 * that the frame and cursor on screen at the end are the ones the timeline
 * says, CRC for CRC.
 *
 * Needs VRC_BUILD (the build dir holding vrc-wl and vgpu-sim).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#include "vrc/bandcrc.h"
#include "vrc/irq.h"
#include "vrc/timeline.h"
#include "vrc/transport.h"
#include "vrc/vtest.h"

#ifndef EXPECT_GE
#define EXPECT_GE(a, b)	VTEST_CMP_("EXPECT", a, >=, b, 0)
#define EXPECT_LE(a, b)	VTEST_CMP_("EXPECT", a, <=, b, 0)
#endif

#define VBLANKS		40u
#define W		320u
#define H		240u
#define CUR		64u

struct sim {
	pid_t pid;
	char dir[96];
	char rt[128];
	char ivs[160];
	char tl[160];
	char log[160];
};

/*
 * The pattern and the cursor path as wl_workloads.h specifies them, written
 * out again here: the timeline must show exactly these.
 */
static bool wl_pattern_flip_ref(uint32_t seed, uint32_t i)
{
	uint32_t x = seed * 0x9e3779b9u + i;

	x ^= x >> 16;
	x *= 0x21f0aaadu;
	x ^= x >> 15;
	x *= 0x735a2d97u;
	x ^= x >> 15;
	return x & 1u;
}

static void wl_cursor_path_ref(uint32_t seed, uint32_t k, uint32_t w, uint32_t h, int *x, int *y)
{
	*x = (int)((seed % (w - CUR) + 7u * k) % (w - CUR));
	*y = (int)((seed / 7u % (h - CUR) + 5u * k) % (h - CUR));
}

static const char *build_dir(void)
{
	const char *b = getenv("VRC_BUILD");

	return b && *b ? b : "build";
}

static void sim_start(struct sim *s)
{
	char exe[256], a_rt[160], a_ready[32], buf[8] = "";
	int pfd[2];

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/vrc-wl-test-XXXXXX");
	ASSERT_TRUE(mkdtemp(s->dir) != NULL);
	snprintf(s->rt, sizeof(s->rt), "%s/rt", s->dir);
	snprintf(s->ivs, sizeof(s->ivs), "%s/vgpu0.ivshmem", s->rt);
	snprintf(s->tl, sizeof(s->tl), "%s/timeline.json", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/stderr", s->dir);
	snprintf(exe, sizeof(exe), "%s/vgpu-sim", build_dir());
	snprintf(a_rt, sizeof(a_rt), "--runtime-dir=%s", s->rt);
	ASSERT_EQ(0, pipe(pfd));
	snprintf(a_ready, sizeof(a_ready), "--ready-fd=%d", pfd[1]);
	fflush(NULL);
	s->pid = fork();
	ASSERT_GE(s->pid, 0);
	if (s->pid == 0) {
		close(pfd[0]);
		execl(exe, exe, a_rt, "--clock=real", "--hz=60", "--shm-mib=8", a_ready,
		      "--die-with-parent", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	struct pollfd p = { .fd = pfd[0], .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 5000));
	ASSERT_EQ(6, read(pfd[0], buf, 6));
	ASSERT_EQ(0, memcmp(buf, "ready\n", 6));
	close(pfd[0]);
}

static void sim_stop(struct sim *s)
{
	char cmd[256];
	int st;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, &st, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (system(cmd))
		VTEST_LOG("could not remove %s", s->dir);
}

/* Run vrc-wl WORKLOAD on the sim with extra args (NULL-terminated); exit status. */
static int run_wl(struct sim *s, const char *workload, const char *const *extra)
{
	char exe[256], a_ivs[200], a_tl[200];
	const char *argv[32];
	unsigned n = 0;
	int st;

	snprintf(exe, sizeof(exe), "%s/vrc-wl", build_dir());
	snprintf(a_ivs, sizeof(a_ivs), "--ivshmem=%s", s->ivs);
	snprintf(a_tl, sizeof(a_tl), "--timeline=%s", s->tl);
	argv[n++] = exe;
	argv[n++] = workload;
	argv[n++] = "--backend=sim";
	argv[n++] = a_ivs;
	argv[n++] = a_tl;
	argv[n++] = "--size=320x240";
	argv[n++] = "--vblanks=40";
	for (; extra && *extra && n < 31; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "sed 's/^/# vrc-wl: /' '%s'", s->log);
		if (system(cmd))
			VTEST_LOG("vrc-wl failed, no log");
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static struct vrc_timeline *load(struct sim *s)
{
	struct vrc_timeline *tl = NULL;
	char err[300];
	int rc = vrc_timeline_load(s->tl, &tl, err, sizeof(err));

	if (rc)
		VTEST_LOG("%s", err);
	ASSERT_EQ(0, rc);
	ASSERT_STREQ("sim", tl->backend);
	ASSERT_TRUE(tl->offset_exact);
	ASSERT_EQ(0u, tl->hw_offset);
	ASSERT_EQ(W, tl->width);
	ASSERT_EQ(H, tl->height);
	ASSERT_EQ(16u, tl->bands);
	ASSERT_EQ(60000u, tl->refresh_mhz);
	ASSERT_GE(tl->last - tl->first, VBLANKS);
	return tl;
}

static unsigned count(const struct vrc_timeline *tl, unsigned kind)
{
	unsigned n = 0;

	for (size_t i = 0; i < tl->nevents; i++)
		n += tl->events[i].kind == kind;
	return n;
}

/* Two frames are told apart in every band. */
static void expect_distinct(const struct vrc_timeline *tl, uint32_t a, uint32_t b)
{
	for (uint32_t band = 0; band < tl->bands; band++)
		if (tl->frames[a].crc[band] == tl->frames[b].crc[band]) {
			VTEST_LOG("frames %u and %u share band %u's CRC", a, b, band);
			EXPECT_TRUE(0);
		}
}

static struct vrc_transport *host_open(struct sim *s)
{
	struct vrc_transport *t = NULL;
	char path[200], err[256];

	snprintf(path, sizeof(path), "%s/vgpu0.vfio-user", s->rt);
	if (vrc_vfio_user_open(path, 5000, &t, err, sizeof(err)))
		VTEST_LOG("%s", err);
	ASSERT_TRUE(t != NULL);
	return t;
}

/* The primary plane the host captures is frame `id` of the timeline, band by band. */
static void expect_on_screen(struct sim *s, const struct vrc_timeline *tl, uint32_t id)
{
	struct vrc_transport *t = host_open(s);
	struct vrc_band_crcs c;
	struct vrc_plane p;
	char err[256];

	ASSERT_EQ(0, vrc_plane_query(t, VRC_PLANE_PRIMARY, &p));
	ASSERT_EQ(W, p.info.width);
	ASSERT_EQ(H, p.info.height);
	ASSERT_EQ(0, vrc_plane_map(t, &p, err, sizeof(err)));
	ASSERT_EQ(0, vrc_band_crc_xrgb(p.map, W, H, p.info.stride, tl->bands, &c));
	for (uint32_t b = 0; b < tl->bands; b++)
		if (c.crc[b] != tl->frames[id].crc[b]) {
			size_t f;
			for (f = 0; f < tl->nframes; f++)
				if (tl->frames[f].crc[b] == c.crc[b])
					break;
			VTEST_LOG("band %u: captured %#x, frame %u has %#x; the capture is "
				  "%s %zu's", b, c.crc[b], id, tl->frames[id].crc[b],
				  f < tl->nframes ? "frame" : "no frame, not even", f);
			EXPECT_TRUE(0);
		}
	vrc_plane_release(&p);
	vrc_transport_close(t);
}

TEST(flip_every_vblank)
{
	struct sim s;
	struct vrc_timeline *tl;
	unsigned on_next = 0;
	uint32_t last = 0;

	sim_start(&s);
	ASSERT_EQ(0, run_wl(&s, "flip", NULL));
	tl = load(&s);
	ASSERT_STREQ("flip", tl->workload);
	ASSERT_EQ(tl->nevents, (size_t)count(tl, VRC_TL_FLIP));
	ASSERT_GE(tl->nevents, VBLANKS / 2);
	for (size_t i = 0; i < tl->nevents; i++) {
		const struct vrc_tl_event *e = &tl->events[i];
		EXPECT_EQ((uint32_t)i + 1, e->frame);	/* frame 0 is the initial one */
		ASSERT_GE(e->seq - e->before, 1u);	/* latches after submission */
		if (i) {
			ASSERT_GE(e->seq - last, 1u);	/* one per vblank, in order */
			on_next += e->seq - last == 1;
		}
		last = e->seq;
		expect_distinct(tl, e->frame, e->frame - 1);
	}
	/* a flip latched at (nearly) every vblank: a busy machine may make the
	 * process miss a few, a workload that waits a vblank too many misses all */
	if (on_next * 4 < tl->nevents * 3)
		VTEST_LOG("only %u of %zu flips on consecutive vblanks", on_next, tl->nevents);
	EXPECT_GE(on_next * 4, (unsigned)tl->nevents * 3);
	expect_on_screen(&s, tl, tl->events[tl->nevents - 1].frame);
	vrc_timeline_free(tl);
	sim_stop(&s);
}

TEST(flip_pattern_latches_on_the_pattern)
{
	const char *args[] = { "--pattern", "--seed=12345", NULL };
	struct sim s;
	struct vrc_timeline *tl;
	unsigned want = 0, got = 0, off = 0;

	sim_start(&s);
	ASSERT_EQ(0, run_wl(&s, "flip", args));
	tl = load(&s);
	ASSERT_STREQ("1", vrc_timeline_param(tl, "pattern"));
	for (uint32_t i = 1; i <= VBLANKS; i++)
		want += wl_pattern_flip_ref(12345, i);
	ASSERT_GT(want, VBLANKS / 4);			/* a real pattern, */
	ASSERT_LT(want, VBLANKS * 3 / 4);		/* not all or nothing */
	for (size_t i = 0; i < tl->nevents; i++) {
		uint32_t k = tl->events[i].seq - tl->first;
		if (!wl_pattern_flip_ref(12345, k)) {
			VTEST_LOG("flip latched at vblank %u, which the pattern leaves out", k);
			off++;
		} else {
			got++;
		}
	}
	/* a process that slept through a vblank flips late or not at all; an
	 * off-by-one pattern would be off half the time */
	EXPECT_GE(got * 4, want * 3);
	EXPECT_LE(off * 4, want);
	vrc_timeline_free(tl);
	sim_stop(&s);
}

TEST(flip_every_third)
{
	const char *args[] = { "--every=3", NULL };
	struct sim s;
	struct vrc_timeline *tl;

	sim_start(&s);
	ASSERT_EQ(0, run_wl(&s, "flip", args));
	tl = load(&s);
	/* a vblank the process slept through loses its flip, nothing else */
	ASSERT_GE(tl->nevents, VBLANKS / 3 / 2);
	ASSERT_LE(tl->nevents, VBLANKS / 3 + 1);
	unsigned on = 0;
	for (size_t i = 0; i < tl->nevents; i++)
		on += (tl->events[i].seq - tl->first) % 3 == 0;
	EXPECT_GE(on * 4, (unsigned)tl->nevents * 3);
	vrc_timeline_free(tl);
	sim_stop(&s);
}

TEST(flip_burst_latches_together)
{
	const char *args[] = { "--burst=3", NULL };
	struct sim s;
	struct vrc_timeline *tl;
	unsigned together = 0, groups;

	sim_start(&s);
	ASSERT_EQ(0, run_wl(&s, "flip", args));
	tl = load(&s);
	ASSERT_EQ(0u, tl->nevents % 3);
	groups = (unsigned)tl->nevents / 3;
	ASSERT_GE(groups, VBLANKS / 2);
	for (unsigned g = 0; g < groups; g++) {
		const struct vrc_tl_event *e = &tl->events[3 * g];
		together += e[0].seq == e[1].seq && e[1].seq == e[2].seq;
		expect_distinct(tl, e[0].frame, e[2].frame);
	}
	EXPECT_GE(together * 4, groups * 3);
	/* the last flip of the last burst is what the device shows */
	expect_on_screen(&s, tl, tl->events[tl->nevents - 1].frame);
	vrc_timeline_free(tl);
	sim_stop(&s);
}

TEST(flip_async_completes_in_its_submission_window)
{
	const char *args[] = { "--async", NULL };
	struct sim s;
	struct vrc_timeline *tl;

	sim_start(&s);
	ASSERT_EQ(0, run_wl(&s, "flip", args));
	tl = load(&s);
	ASSERT_EQ(0u, tl->nskips);
	ASSERT_GE(count(tl, VRC_TL_ASYNC), VBLANKS / 2);
	for (size_t i = 0; i < tl->nevents; i++) {
		const struct vrc_tl_event *e = &tl->events[i];
		ASSERT_EQ(VRC_TL_ASYNC, e->kind);
		EXPECT_LE(e->seq - e->before, e->after - e->before);
	}
	expect_on_screen(&s, tl, tl->events[tl->nevents - 1].frame);
	vrc_timeline_free(tl);
	sim_stop(&s);
}

TEST(cursor_follows_the_path)
{
	struct sim s;
	struct vrc_timeline *tl;
	struct vrc_plane p;
	struct vrc_transport *t;
	const struct vrc_tl_event *e = NULL;
	unsigned images = 0;

	sim_start(&s);
	ASSERT_EQ(0, run_wl(&s, "cursor", NULL));
	tl = load(&s);
	ASSERT_EQ(4u, tl->nimages);
	for (unsigned i = 1; i < tl->nimages; i++)
		EXPECT_NE(tl->images[0].crc, tl->images[i].crc);
	ASSERT_EQ(1u, tl->nskips);			/* no hotspot register on the sim */
	ASSERT_STREQ("hotspot", tl->skips[0].what);
	ASSERT_GE(tl->nevents, VBLANKS / 2);
	for (size_t i = 0; i < tl->nevents; i++) {
		uint32_t k = (uint32_t)i + 1;
		int x, y;
		e = &tl->events[i];
		ASSERT_EQ(VRC_TL_CURSOR, e->kind);
		wl_cursor_path_ref(1, k, W, H, &x, &y);
		EXPECT_EQ(x, e->x);
		EXPECT_EQ(y, e->y);
		EXPECT_EQ(k % 8 == 0, !!(e->what & VRC_TL_CUR_IMAGE));
		EXPECT_EQ(0u, e->what & VRC_TL_CUR_HOTSPOT);
		EXPECT_EQ((k / 8) % 4, e->image);
		images += !!(e->what & VRC_TL_CUR_IMAGE);
		EXPECT_LE(e->after - e->before, 1u);
	}
	ASSERT_GE(images, 2u);
	/* the host sees the last position and image */
	t = host_open(&s);
	ASSERT_EQ(0, vrc_plane_query(t, VRC_PLANE_CURSOR, &p));
	ASSERT_EQ(CUR, p.info.width);
	EXPECT_EQ((uint32_t)e->x, p.info.x_pos);
	EXPECT_EQ((uint32_t)e->y, p.info.y_pos);
	char err[256];
	ASSERT_EQ(0, vrc_plane_map(t, &p, err, sizeof(err)));
	ASSERT_EQ(CUR * 4, p.info.stride);
	EXPECT_EQ(tl->images[e->image].crc, (uint32_t)crc32_z(0, p.map, CUR * CUR * 4));
	vrc_plane_release(&p);
	vrc_transport_close(t);
	vrc_timeline_free(tl);
	sim_stop(&s);
}

TEST(cursor_curpos_only_moves)
{
	const char *args[] = { "--curpos-only", NULL };
	struct sim s;
	struct vrc_timeline *tl;

	sim_start(&s);
	ASSERT_EQ(0, run_wl(&s, "cursor", args));
	tl = load(&s);
	ASSERT_GE(tl->nevents, VBLANKS / 2);
	for (size_t i = 0; i < tl->nevents; i++) {
		EXPECT_EQ(VRC_TL_CUR_POS, tl->events[i].what);
		EXPECT_EQ(0u, tl->events[i].image);
	}
	vrc_timeline_free(tl);
	sim_stop(&s);
}

TEST(draw_with_cursor_writes_the_front_buffer)
{
	const char *args[] = { "--with-cursor", NULL };
	struct sim s;
	struct vrc_timeline *tl;
	const struct vrc_tl_event *last = NULL;
	uint32_t prev = 0;

	sim_start(&s);
	ASSERT_EQ(0, run_wl(&s, "draw", args));
	tl = load(&s);
	ASSERT_EQ(0u, count(tl, VRC_TL_FLIP));
	ASSERT_GE(count(tl, VRC_TL_DRAW), VBLANKS / 2);
	ASSERT_EQ(count(tl, VRC_TL_DRAW), count(tl, VRC_TL_CURSOR));
	for (size_t i = 0; i < tl->nevents; i++) {
		const struct vrc_tl_event *e = &tl->events[i];
		if (e->kind != VRC_TL_DRAW)
			continue;
		ASSERT_LT(e->y0, e->y1);
		ASSERT_LE(e->y1, H);
		/* each stroke's content is a new frame, changed only in its rows */
		EXPECT_EQ(prev + 1, e->frame);
		unsigned changed = 0;
		for (uint32_t b = 0; b < tl->bands; b++)
			changed += tl->frames[e->frame].crc[b] != tl->frames[prev].crc[b];
		EXPECT_GE(changed, 1u);
		EXPECT_LE(changed, 2u);
		prev = e->frame;
		last = e;
	}
	ASSERT_TRUE(last != NULL);
	expect_on_screen(&s, tl, last->frame);
	vrc_timeline_free(tl);
	sim_stop(&s);
}

TEST(mixed_and_idle)
{
	const char *args[] = { "--every=2", NULL };
	struct sim s;
	struct vrc_timeline *tl;

	sim_start(&s);
	ASSERT_EQ(0, run_wl(&s, "mixed", args));
	tl = load(&s);
	EXPECT_GE(count(tl, VRC_TL_FLIP), VBLANKS / 4);
	EXPECT_GE(count(tl, VRC_TL_CURSOR), VBLANKS / 2);
	vrc_timeline_free(tl);
	ASSERT_EQ(0, run_wl(&s, "idle", NULL));
	tl = load(&s);
	EXPECT_EQ(0u, tl->nevents);
	EXPECT_EQ(1u, tl->nframes);			/* the initial frame only */
	expect_on_screen(&s, tl, 0);
	vrc_timeline_free(tl);
	sim_stop(&s);
}

/* The timeline of a real run drives the oracle's expectations. */
TEST(expect_from_a_real_run)
{
	struct sim s;
	struct vrc_timeline *tl;
	struct vrc_vblank vb[VBLANKS + 8];
	struct vrc_tl_expect_stats st;
	unsigned marked = 0;

	sim_start(&s);
	ASSERT_EQ(0, run_wl(&s, "flip", NULL));
	tl = load(&s);
	memset(vb, 0, sizeof(vb));
	ASSERT_EQ(0, vrc_timeline_expect(tl, tl->hw_offset, tl->first + 1, vb,
					 VBLANKS + 8, &st));
	ASSERT_EQ((unsigned)tl->nevents, st.flips);
	ASSERT_EQ(0u, st.outside + st.unjudged);
	for (size_t i = 0; i < tl->nevents; i++)
		EXPECT_EQ(1, vb[tl->events[i].seq - tl->first - 1].flip);
	for (unsigned i = 0; i < VBLANKS + 8; i++)
		marked += vb[i].flip;
	EXPECT_EQ((unsigned)tl->nevents, marked);
	vrc_timeline_free(tl);
	sim_stop(&s);
}

TEST(bad_usage_exits_2)
{
	struct sim s;
	const char *no_ivs[] = { "--ivshmem=/nonexistent/vgpu0.ivshmem", NULL };

	memset(&s, 0, sizeof(s));
	snprintf(s.dir, sizeof(s.dir), "/tmp/vrc-wl-test-XXXXXX");
	ASSERT_TRUE(mkdtemp(s.dir) != NULL);
	snprintf(s.tl, sizeof(s.tl), "%s/timeline.json", s.dir);
	snprintf(s.log, sizeof(s.log), "%s/stderr", s.dir);
	snprintf(s.ivs, sizeof(s.ivs), "/nonexistent/vgpu0.ivshmem");
	EXPECT_EQ(2, run_wl(&s, "flip", no_ivs));
	EXPECT_EQ(2, run_wl(&s, "spin", NULL));
	const char *bad[] = { "--burst=1", NULL };
	EXPECT_EQ(2, run_wl(&s, "flip", bad));
	const char *wrong[] = { "--with-cursor", NULL };
	EXPECT_EQ(2, run_wl(&s, "flip", wrong));
	const char *huge[] = { "--vblanks=60000", NULL };	/* over the frame limit */
	EXPECT_EQ(2, run_wl(&s, "flip", huge));
	struct stat st;
	EXPECT_NE(0, stat(s.tl, &st));			/* nothing written */
	sim_stop(&s);
}

VTEST_MAIN()
