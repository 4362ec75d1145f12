// SPDX-License-Identifier: MIT
/*
 * make bench: the host's cost per primary signal through a vgpu-sim daemon
 * (virtual clock), its vfio-user socket, and a process guest flipping
 * between two full-size XRGB framebuffers. The headline is the path the
 * rt-tear readers take (suites/rt_capture.c): wake, gvt_capture_cached
 * (QUERY_GFX_PLANE, the mapping kept by dmabuf id; a linear plane is read
 * in place, a tiled one would be detiled into a copy), band CRC, record
 * (match against the known frames). For comparison: the same path mapping every dmabuf afresh
 * (GET_GFX_DMABUF + mmap + munmap per signal), and that one step by step:
 * wake (the eventfd read, plus the frame-counter read that places it),
 * query, map+unmap, band CRC over the mapping, record.
 *
 * Times are printed as ratios against a memcpy of one frame measured in
 * the same run (machines differ; ratios travel), with absolute p50/p99 next
 * to them for the one absolute target of issue 3: p99 of the whole path
 * under 2 ms at 1080p (12% of a 60 Hz frame). The stepping of the virtual
 * clock is not timed: it stands for the vblank the host waits for.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vrc/util.h"
#include "harness/gvt/capture.h"
#include "vrc/capture.h"
#include "vrc/i915_regs.h"
#include "vrc/irq.h"
#include "vgpu/guest.h"
#include "harness/vrc/sim_backend.h"

#define SHM_MIB		128u	/* two 4K XRGB frames plus the layout */
#define TARGET_P99_MS	2.0

enum step { S_WAKE, S_QUERY, S_MAP, S_CRC, S_RECORD, S_TOTAL, S_NUM };
static const char *const step_name[S_NUM] = {
	"wake", "query", "map+unmap", "band-crc", "record", "total",
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p in [0, 100] of n sorted samples (nearest rank). */
static uint64_t pct(uint64_t *v, unsigned n, double p)
{
	unsigned i = (unsigned)(p / 100.0 * n + 0.5);

	qsort(v, n, sizeof(*v), cmp_u64);
	return v[i >= n ? n - 1 : (i ? i - 1 : 0)];
}

static void die(const char *what, const char *err)
{
	fprintf(stderr, "bench_signal: %s: %s\n", what, err);
	exit(2);
}

struct world {
	struct vrc_sim sim;
	struct vrc_transport *t;
	struct vrc_display_irq irq;
	struct vgpu_guest g;
	uint32_t w, h, surf[2];
	struct vrc_frame_table known;
};

static void guest(struct world *x, uint32_t off, uint32_t val)
{
	if (vgpu_guest_write(&x->g, off, val))
		die("guest register write", "ring stuck");
}

static void setup(struct world *x, const char *sim_path, uint32_t w, uint32_t h)
{
	const struct vrc_sim_cfg cfg = { .sim_path = sim_path, .instances = 1, .shm_mib = SHM_MIB };
	char path[128], err[256];
	size_t fbsz = (size_t)w * h * 4;

	memset(x, 0, sizeof(*x));
	x->w = w;
	x->h = h;
	if (vrc_sim_start_cfg(&cfg, &x->sim, err, sizeof(err)))
		die("starting vgpu-sim", err);
	vrc_sim_path(&x->sim, 0, "vfio-user", path, sizeof(path));
	if (vrc_vfio_user_open(path, 5000, &x->t, err, sizeof(err)))
		die("opening the device", err);
	if (vrc_display_irq_find(x->t, &x->irq, err, sizeof(err)))
		die("display irq", err);
	x->irq.frmcount_reg = VRC_PIPE_FRMCOUNT(0);
	vrc_sim_path(&x->sim, 0, "ivshmem", path, sizeof(path));
	if (vgpu_guest_open(path, 5000, &x->g, err, sizeof(err)))
		die("process guest", err);
	x->surf[0] = 0;
	x->surf[1] = (uint32_t)((fbsz + (1u << 20) - 1) & ~((size_t)(1u << 20) - 1));
	if ((uint64_t)x->surf[1] + fbsz > x->g.vram_size)
		die("VRAM", "too small for two frames");
	if (vrc_frames_init(&x->known, w, h, vrc_capture_auto_bands(h)))
		die("frame table", "bad geometry");
	for (unsigned b = 0; b < 2; b++) {
		uint32_t *p = (uint32_t *)(x->g.vram + x->surf[b]);
		for (size_t i = 0; i < (size_t)w * h; i++)
			p[i] = (uint32_t)(i * 2654435761u) ^ (b ? 0x00ff00ffu : 0);
		if (vrc_frames_add(&x->known, b + 1, p, w * 4))
			die("frame table", "cannot add a frame");
	}
	guest(x, VRC_PIPESRC(0), (w - 1) << 16 | (h - 1));
	guest(x, VRC_PIPECONF(0), VRC_PIPECONF_ENABLE);
	guest(x, VRC_PLANE_STRIDE(0), w * 4);
	guest(x, VRC_PLANE_SIZE(0), (h - 1) << 16 | (w - 1));
	guest(x, VRC_PLANE_CTL(0), VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB8888);
	guest(x, VRC_PLANE_SURF(0), x->surf[0]);
	if (vrc_sim_step(&x->sim, 0, 2))
		die("vgpu-sim", "did not step");
	if (vrc_display_irq_register(&x->irq))
		die("display irq", "registering an eventfd failed");
}

static void teardown(struct world *x)
{
	vrc_display_irq_close(&x->irq);
	vgpu_guest_close(&x->g);
	vrc_transport_close(x->t);
	vrc_sim_stop(&x->sim);
}

/* One primary signal, timed step by step into t[S_*]. */
static void one_signal(struct world *x, unsigned k, uint64_t *t)
{
	struct vrc_signal sig;
	struct vrc_plane p;
	struct vrc_band_crcs c;
	struct vrc_match m;
	char err[256];
	uint64_t t0, t1, t2, t3, t4, t5, t6;
	int rc;

	guest(x, VRC_PLANE_SURF(0), x->surf[k & 1]);
	if (vgpu_guest_flush(&x->g, 2000) || vrc_sim_step(&x->sim, 0, 1))
		die("vgpu-sim", "did not step");
	t0 = now_ns();
	rc = vrc_display_irq_wait(&x->irq, 2000, &sig);
	if (rc != 1 || !sig.counts.primary)
		die("wake", "no primary signal for a flip");
	t1 = now_ns();
	if (vrc_plane_query(x->t, VRC_PLANE_PRIMARY, &p))
		die("query", "QUERY_GFX_PLANE failed");
	t2 = now_ns();
	if (vrc_plane_map(x->t, &p, err, sizeof(err)))
		die("map", err);
	t3 = now_ns();
	if (vrc_band_crc_xrgb(p.map, p.info.width, p.info.height, p.info.stride,
			      x->known.nbands, &c))
		die("band crc", "impossible geometry");
	t4 = now_ns();
	vrc_plane_release(&p);
	t5 = now_ns();
	if (vrc_frames_match(&x->known, &c, &m) || m.kind != VRC_MATCH_FRAME ||
	    m.frame != (k & 1) + 1)
		die("record", "the capture is not the frame just flipped to");
	t6 = now_ns();
	t[S_WAKE] = t1 - t0;
	t[S_QUERY] = t2 - t1;
	t[S_MAP] = (t3 - t2) + (t5 - t4);	/* the unmap belongs to the map step */
	t[S_CRC] = t4 - t3;
	t[S_RECORD] = t6 - t5;
	t[S_TOTAL] = t6 - t0;
}

/*
 * One signal the way the rt-tear readers take it (suites/rt_capture.c's
 * capture_plane): gvt_capture_cached with the reader's cache (cc NULL: each
 * dmabuf mapped afresh and copied), band CRC, then the match.
 * Wake to record, in one number.
 */
static uint64_t one_signal_suite(struct world *x, struct vrc_capture_cache *cc, unsigned k)
{
	struct vrc_signal sig;
	struct gvt_frame f;
	struct vrc_band_crcs c;
	struct vrc_match m;
	char err[256];
	uint64_t t0;

	guest(x, VRC_PLANE_SURF(0), x->surf[k & 1]);
	if (vgpu_guest_flush(&x->g, 2000) || vrc_sim_step(&x->sim, 0, 1))
		die("vgpu-sim", "did not step");
	t0 = now_ns();
	if (vrc_display_irq_wait(&x->irq, 2000, &sig) != 1 || !sig.counts.primary)
		die("wake", "no primary signal for a flip");
	if (gvt_capture_cached(x->t, VRC_PLANE_PRIMARY, NULL, cc, &f, err, sizeof(err)))
		die("capture", err);
	if (f.path != GVT_CAPTURE_MMAP)
		die("capture", "not read through a dmabuf mmap");
	if (vrc_band_crc_xrgb(f.pixels, f.width, f.height, f.stride, x->known.nbands, &c))
		die("band crc", "impossible geometry");
	gvt_frame_free(&f);
	if (vrc_frames_match(&x->known, &c, &m) || m.kind != VRC_MATCH_FRAME ||
	    m.frame != (k & 1) + 1)
		die("record", "the capture is not the frame just flipped to");
	return now_ns() - t0;
}

/* n signals of the suite's path after a warm-up (first faults, the misses
 * of the two buffers' ids), into v. */
static void run_suite_path(struct world *x, bool cached, unsigned n, uint64_t *v)
{
	struct vrc_capture_cache cc;

	vrc_capture_cache_init(&cc);
	for (unsigned k = 0; k < n + 8; k++) {
		uint64_t ns = one_signal_suite(x, cached ? &cc : NULL, k);
		if (k >= 8)
			v[k - 8] = ns;
	}
	if (cached && cc.misses != 2)
		die("cache", "the two buffers' ids were not each mapped once");
	vrc_capture_cache_fini(&cc);
}

static uint64_t memcpy_ns(size_t bytes, unsigned reps, uint64_t *p99)
{
	uint8_t *a = malloc(bytes), *b = malloc(bytes);
	uint64_t *v = calloc(reps, sizeof(*v)), p50;
	static volatile uint8_t sink;

	if (!a || !b || !v)
		die("memcpy baseline", "out of memory");
	memset(a, 0x5a, bytes);
	memset(b, 0, bytes);
	for (unsigned r = 0; r < reps; r++) {
		uint64_t t0 = now_ns();
		memcpy(b, a, bytes);
		sink ^= b[(r * 4099u) % bytes];
		v[r] = now_ns() - t0;
	}
	p50 = pct(v, reps, 50);
	*p99 = pct(v, reps, 99);
	free(a);
	free(b);
	free(v);
	return p50;
}

/* One summary line: p50 and p99 of n samples as ratios and in us. */
static void total_line(const char *label, uint64_t *v, unsigned n, uint64_t base,
		       uint64_t *p99)
{
	uint64_t p50 = pct(v, n, 50);

	*p99 = pct(v, n, 99);
	printf("  %-10s %11.2fx %11.2fx %10.1f %10.1f   %s\n", "total", (double)p50 / base,
	       (double)*p99 / base, p50 / 1e3, *p99 / 1e3, label);
}

static bool run_size(const char *sim_path, uint32_t w, uint32_t h, unsigned n, bool target)
{
	struct world x;
	uint64_t *s[S_NUM], base99, base, p99;
	uint64_t *suite = calloc(n, sizeof(uint64_t)), *afresh = calloc(n, sizeof(uint64_t));
	bool met = true;

	for (unsigned i = 0; i < S_NUM; i++)
		if (!(s[i] = calloc(n, sizeof(uint64_t))))
			die("samples", "out of memory");
	if (!suite || !afresh)
		die("samples", "out of memory");
	fflush(stdout);
	fprintf(stderr, "bench_signal: %ux%u: %u signals each: the suite's path (mappings "
		"cached by dmabuf id), afresh, afresh step by step ...\n", w, h, n);
	setup(&x, sim_path, w, h);
	run_suite_path(&x, true, n, suite);
	run_suite_path(&x, false, n, afresh);
	for (unsigned k = 0; k < 8; k++) {	/* warm up: first faults, first ids */
		uint64_t t[S_NUM];
		one_signal(&x, k, t);
	}
	for (unsigned k = 0; k < n; k++) {
		uint64_t t[S_NUM];
		one_signal(&x, k, t);
		for (unsigned i = 0; i < S_NUM; i++)
			s[i][k] = t[i];
	}
	teardown(&x);
	base = memcpy_ns((size_t)w * h * 4, n, &base99);
	printf("%ux%u  baseline memcpy of one frame: p50 %.0f us, p99 %.0f us; %u bands\n",
	       w, h, base / 1e3, base99 / 1e3, x.known.nbands);
	printf("  %-10s %12s %12s %10s %10s\n", "step", "p50/memcpy", "p99/memcpy",
	       "p50 us", "p99 us");
	total_line("the suite's path: rt_capture's, mappings cached by dmabuf id", suite, n,
		   base, &p99);
	if (target) {
		met = p99 / 1e6 < TARGET_P99_MS;
		printf("# target: p99 per signal under %.1f ms at 1080p (12%% of a 60 Hz "
		       "frame), the suite's path: %s (p99 %.2f ms)\n", TARGET_P99_MS,
		       met ? "MET" : "MISSED", p99 / 1e6);
	}
	total_line("for comparison: the same, each dmabuf mapped afresh", afresh, n, base, &p99);
	printf("  afresh, step by step (CRC over the mapping, no copy):\n");
	for (unsigned i = 0; i < S_NUM; i++) {
		uint64_t p50 = pct(s[i], n, 50), q99 = pct(s[i], n, 99);
		printf("  %-10s %11.2fx %11.2fx %10.1f %10.1f\n", step_name[i],
		       (double)p50 / base, (double)q99 / base, p50 / 1e3, q99 / 1e3);
	}
	free(suite);
	free(afresh);
	for (unsigned i = 0; i < S_NUM; i++)
		free(s[i]);
	return met;
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f, "usage: %s [--vgpu-sim=PATH] [--signals=N]\n\n"
		"Host cost per primary signal (wake, query, map, band CRC, record)\n"
		"through vfio-user against a real vgpu-sim and process guest, at 1080p\n"
		"and 4K XRGB, as ratios against a memcpy of one frame in the same run:\n"
		"the rt-tear readers' path (mappings cached by dmabuf id), the same\n"
		"mapping each dmabuf afresh, and the afresh path step by step.\n"
		"--vgpu-sim defaults to the vgpu-sim next to this program's directory.\n",
		argv0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vgpu-sim", required_argument, NULL, 's' },
		{ "signals", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char sim_path[PATH_MAX], self[PATH_MAX];
	unsigned n = 200;
	int c;

	sim_path[0] = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			snprintf(sim_path, sizeof(sim_path), "%s", optarg);
			break;
		case 'n': {
			unsigned long v;
			if (vrc_parse_ulong(optarg, 10, 100000, &v)) {
				fprintf(stderr, "bench_signal: --signals=%s: want 10..100000\n", optarg);
				return 2;
			}
			n = (unsigned)v;
			break;
		}
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bench_signal: unexpected argument '%s'\n", argv[optind]);
		usage(stderr, argv[0]);
		return 2;
	}
	if (!sim_path[0]) {
		ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (len <= 0)
			die("locating vgpu-sim", "cannot read /proc/self/exe; pass --vgpu-sim");
		self[len] = 0;
		snprintf(sim_path, sizeof(sim_path), "%s/../vgpu-sim", dirname(self));
	}
	if (access(sim_path, X_OK)) {
		fprintf(stderr, "bench_signal: %s: %s (pass --vgpu-sim=PATH)\n", sim_path,
			strerror(errno));
		return 2;
	}
	printf("# bench_signal: per primary signal through vfio-user, vgpu-sim (virtual "
	       "clock), process guest; %u signals per size, one core\n", n);
	run_size(sim_path, 1920, 1080, n, true);
	run_size(sim_path, 3840, 2160, n / 2 < 10 ? 10 : n / 2, false);
	return 0;
}
