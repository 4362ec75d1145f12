// SPDX-License-Identifier: MIT
/*
 * vrc-wl: the guest-side workloads of the vrc suite. Drives a display (KMS
 * through libdrm, or the vgpu-sim process guest), draws every frame with
 * cairo so that its identity shows in each band, and writes a JSON timeline
 * (lib/include/vrc/timeline.h) of what it did on the vblank axis.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrc/util.h"
#include "vrc/timeline.h"
#include "wl_display.h"
#include "wl_workloads.h"

#define EXIT_FAIL	1
#define EXIT_USAGE	2

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vrc-wl WORKLOAD [options]\n"
"\n"
"Guest workloads for the vGPU display refresh irq suite. Every frame is drawn\n"
"with cairo (frame number, per-band code) and its 16 band CRCs recorded; the\n"
"timeline (--timeline) says per vblank what was flipped, drawn and moved.\n"
"\n"
"workloads:\n"
"  flip     page flips: every vblank, every Nth (--every), a pseudo-random\n"
"           flip/no-flip pattern (--pattern, --seed), K flips inside one\n"
"           vblank (--burst), async flips (--async, where offered)\n"
"  draw     progressive drawing into the scanned-out buffer, no flips\n"
"           (DIRTYFB after each stroke on kms); --with-cursor moves the cursor\n"
"  cursor   cursor moves along a path, image changes (--image-every), hotspot\n"
"           changes (--hotspot-every, kms), CURPOS-only moves (--curpos-only, sim)\n"
"  mixed    flips (as flip) and a cursor move every vblank\n"
"  idle     nothing for --vblanks vblanks\n"
"\n"
"options:\n"
"  --backend=kms|sim    kms: libdrm on /dev/dri/cardN (default); sim: the\n"
"                       vgpu-sim process guest (needs --ivshmem)\n"
"  --device=PATH        kms: the DRM card (default: the first with KMS)\n"
"  --ivshmem=PATH       sim: a vgpu-sim vgpuN.ivshmem socket (vgpu-sim must run\n"
"                       with --clock=real)\n"
"  --size=WxH           sim: the mode (default 640x480; kms uses the\n"
"                       connector's preferred mode)\n"
"  --vblanks=N          length of the run (default 60)\n"
"  --seed=N             pattern, cursor path (default 1)\n"
"  --every=N            flip every Nth vblank (default 1)\n"
"  --pattern            flip at the vblanks a pseudo-random pattern of --seed picks\n"
"  --burst=K            K flips inside one vblank (2..%u; sim only)\n"
"  --async              async flips (DRM_MODE_PAGE_FLIP_ASYNC; recorded as\n"
"                       skipped where not offered)\n"
"  --slow-render        copy each frame into its buffer row by row over 3/4 of\n"
"                       a frame time (provokes capture races)\n"
"  --with-cursor        draw: move the cursor every vblank meanwhile\n"
"  --curpos-only        cursor: move by CURPOS writes only (sim)\n"
"  --image-every=N      cursor: new image every N moves (default 8, 0: never)\n"
"  --hotspot-every=N    cursor: new hotspot every N moves (default 13, 0: never)\n"
"  --timeline=FILE      write the JSON timeline there\n"
"  --list-devices       print the DRM devices and connectors, then exit\n"
"  --inspect=FILE       parse a timeline as the host does, print a summary line\n"
"  -v, --verbose        progress at every vblank\n"
"  -h, --help           this text\n"
"\n"
"exit status: 0 done, 1 the workload failed, 2 bad options or no device\n",
		WL_MAX_FB - 1);
}

static int parse_uint(const char *opt, const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v;

	if (vrc_parse_ulong(s, lo, hi, &v)) {
		fprintf(stderr, "vrc-wl: --%s=%s: want a number in %u..%u\n", opt, s, lo, hi);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int parse_size(const char *s, uint32_t *w, uint32_t *h)
{
	unsigned a, b;
	char x, extra;

	if (sscanf(s, "%u%c%u%c", &a, &x, &b, &extra) != 3 || x != 'x' || a < 128 || b < 128 ||
	    a > 4096 || b > 4096) {
		fprintf(stderr, "vrc-wl: --size=%s: want WxH, each 128..4096\n", s);
		return -1;
	}
	*w = a;
	*h = b;
	return 0;
}

static const char *const workloads[] = { "flip", "draw", "cursor", "mixed", "idle" };

enum {
	O_BACKEND = 256, O_DEVICE, O_IVSHMEM, O_SIZE, O_VBLANKS, O_SEED, O_EVERY, O_PATTERN,
	O_BURST, O_ASYNC, O_SLOW, O_WITH_CURSOR, O_CURPOS, O_IMAGE_EVERY, O_HOTSPOT_EVERY,
	O_TIMELINE, O_LIST, O_INSPECT,
};

static const struct option longopts[] = {
	{ "backend", required_argument, NULL, O_BACKEND },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "ivshmem", required_argument, NULL, O_IVSHMEM },
	{ "size", required_argument, NULL, O_SIZE },
	{ "vblanks", required_argument, NULL, O_VBLANKS },
	{ "seed", required_argument, NULL, O_SEED },
	{ "every", required_argument, NULL, O_EVERY },
	{ "pattern", no_argument, NULL, O_PATTERN },
	{ "burst", required_argument, NULL, O_BURST },
	{ "async", no_argument, NULL, O_ASYNC },
	{ "slow-render", no_argument, NULL, O_SLOW },
	{ "with-cursor", no_argument, NULL, O_WITH_CURSOR },
	{ "curpos-only", no_argument, NULL, O_CURPOS },
	{ "image-every", required_argument, NULL, O_IMAGE_EVERY },
	{ "hotspot-every", required_argument, NULL, O_HOTSPOT_EVERY },
	{ "timeline", required_argument, NULL, O_TIMELINE },
	{ "list-devices", no_argument, NULL, O_LIST },
	{ "inspect", required_argument, NULL, O_INSPECT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct cli {
	struct wl_opts o;
	const struct wl_backend *be;
	struct wl_open_args a;
	const char *timeline;
	bool size_set;
	bool list;
	const char *inspect;
};

/* Options that make no sense for the workload are errors, not silently ignored. */
static int check_combination(const struct cli *c)
{
	const char *w = c->o.workload;
	bool flips = !strcmp(w, "flip") || !strcmp(w, "mixed");
	const char *bad = NULL;

	if (!flips && (c->o.pattern || c->o.burst || c->o.async || c->o.every != 1))
		bad = "--every, --pattern, --burst and --async are for flip and mixed";
	else if (c->o.pattern && c->o.every != 1)
		bad = "--pattern and --every exclude each other";
	else if (c->o.burst && c->o.async)
		bad = "--burst and --async exclude each other";
	else if (c->o.with_cursor && strcmp(w, "draw"))
		bad = "--with-cursor is for draw";
	else if (c->o.curpos_only && strcmp(w, "cursor"))
		bad = "--curpos-only is for cursor";
	else if (c->o.curpos_only && c->be != &wl_backend_sim)
		bad = "--curpos-only needs --backend=sim (CURPOS is a register)";
	else if (c->be == &wl_backend_sim && !c->a.ivshmem)
		bad = "--backend=sim needs --ivshmem=PATH";
	else if (c->be == &wl_backend_kms && (c->a.ivshmem || c->size_set))
		bad = "--ivshmem and --size are for --backend=sim";
	else if (c->be == &wl_backend_sim && c->a.device)
		bad = "--device is for --backend=kms";
	if (bad)
		fprintf(stderr, "vrc-wl: %s\n", bad);
	return bad ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct cli *c)
{
	unsigned u;
	int opt;

	memset(c, 0, sizeof(*c));
	c->be = &wl_backend_kms;
	c->o.vblanks = 60;
	c->o.seed = 1;
	c->o.every = 1;
	c->o.image_every = 8;
	c->o.hotspot_every = 13;
	c->a.width = 640;
	c->a.height = 480;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case O_BACKEND: {
			static const char *const names[] = { "kms", "sim", NULL };
			static const struct wl_backend *const backends[] = {
				&wl_backend_kms, &wl_backend_sim,
			};
			char want[16];
			int i = vrc_parse_choice(optarg, names, want, sizeof(want));

			if (i < 0) {
				fprintf(stderr, "vrc-wl: --backend=%s: want %s\n", optarg, want);
				return -1;
			}
			c->be = backends[i];
			break;
		}
		case O_DEVICE: c->a.device = optarg; break;
		case O_IVSHMEM: c->a.ivshmem = optarg; break;
		case O_SIZE:
			if (parse_size(optarg, &c->a.width, &c->a.height))
				return -1;
			c->size_set = true;
			break;
		case O_VBLANKS:
			if (parse_uint("vblanks", optarg, 1, VRC_TL_MAX_SPAN - 16, &c->o.vblanks))
				return -1;
			break;
		case O_SEED:
			if (parse_uint("seed", optarg, 0, UINT_MAX, &u))
				return -1;
			c->o.seed = u;
			break;
		case O_EVERY:
			if (parse_uint("every", optarg, 1, 1000000, &c->o.every))
				return -1;
			break;
		case O_PATTERN: c->o.pattern = true; break;
		case O_BURST:
			if (parse_uint("burst", optarg, 2, WL_MAX_FB - 1, &c->o.burst))
				return -1;
			break;
		case O_ASYNC: c->o.async = true; break;
		case O_SLOW: c->o.slow_render = true; break;
		case O_WITH_CURSOR: c->o.with_cursor = true; break;
		case O_CURPOS: c->o.curpos_only = true; break;
		case O_IMAGE_EVERY:
			if (parse_uint("image-every", optarg, 0, 1000000, &c->o.image_every))
				return -1;
			break;
		case O_HOTSPOT_EVERY:
			if (parse_uint("hotspot-every", optarg, 0, 1000000, &c->o.hotspot_every))
				return -1;
			break;
		case O_TIMELINE: c->timeline = optarg; break;
		case O_LIST: c->list = true; break;
		case O_INSPECT: c->inspect = optarg; break;
		case 'v': c->o.verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default:
			fprintf(stderr, "vrc-wl: see --help\n");
			return -1;
		}
	}
	if (c->list || c->inspect)
		return 0;
	if (optind != argc - 1) {
		fprintf(stderr, "vrc-wl: %s; see --help\n", optind >= argc ?
			"no workload given (flip, draw, cursor, mixed, idle)" :
			"one workload, then options");
		return -1;
	}
	c->o.workload = argv[optind];
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(c->o.workload, workloads[i]))
			return check_combination(c);
	fprintf(stderr, "vrc-wl: unknown workload '%s': want flip, draw, cursor, mixed or idle\n",
		c->o.workload);
	return -1;
}

/* A run whose timeline would exceed the parser's limits is refused up front. */
static int check_limits(const struct cli *c)
{
	const char *w = c->o.workload;
	uint64_t flips = !strcmp(w, "flip") || !strcmp(w, "mixed") ?
			 (c->o.burst ? c->o.burst : 1) : 0;
	uint64_t draws = !strcmp(w, "draw");
	uint64_t cursor = !strcmp(w, "cursor") || !strcmp(w, "mixed") || c->o.with_cursor;
	uint64_t events = (uint64_t)c->o.vblanks * (flips + draws + cursor);
	uint64_t frames = (uint64_t)c->o.vblanks * (flips + draws) + 1;

	if (events > VRC_TL_MAX_EVENTS || frames > VRC_TL_MAX_FRAMES) {
		fprintf(stderr, "vrc-wl: --vblanks=%u: %s would record up to %llu events and "
			"%llu frames; a timeline holds at most %u and %u\n", c->o.vblanks, w,
			(unsigned long long)events, (unsigned long long)frames,
			VRC_TL_MAX_EVENTS, VRC_TL_MAX_FRAMES);
		return -1;
	}
	return 0;
}

/* The command line, as the timeline's params. */
static void record_params(struct vrc_timeline *tl, const struct cli *c)
{
	char v[64];

#define P(name, fmt, val) do { snprintf(v, sizeof(v), fmt, val); \
			       vrc_timeline_set_param(tl, name, v); } while (0)
	P("vblanks", "%u", c->o.vblanks);
	P("seed", "%u", c->o.seed);
	P("every", "%u", c->o.every);
	P("pattern", "%d", c->o.pattern);
	P("burst", "%u", c->o.burst ? c->o.burst : 1);
	P("async", "%d", c->o.async);
	P("slow_render", "%d", c->o.slow_render);
	P("with_cursor", "%d", c->o.with_cursor);
	P("curpos_only", "%d", c->o.curpos_only);
	P("image_every", "%u", c->o.image_every);
	P("hotspot_every", "%u", c->o.hotspot_every);
	P("initial_frame", "%u", 0u);
#undef P
}

/* Parse a timeline with libvrc (as the host does) and summarise it. */
static int inspect(const char *path)
{
	struct vrc_timeline *tl;
	unsigned n[VRC_TL_DRAW + 1] = { 0 }, delayed = 0, hotspot = 0, image = 0;
	char err[512];

	if (vrc_timeline_load(path, &tl, err, sizeof(err))) {
		fprintf(stderr, "vrc-wl: %s\n", err);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < tl->nevents; i++) {
		const struct vrc_tl_event *e = &tl->events[i];
		n[e->kind]++;
		/* latched more than one vblank after the ioctl returned */
		delayed += e->kind == VRC_TL_FLIP && e->seq - e->after > 1;
		hotspot += !!(e->what & VRC_TL_CUR_HOTSPOT);
		image += !!(e->what & VRC_TL_CUR_IMAGE);
	}
	printf("backend=%s workload=%s geometry=%ux%u stride=%u refresh_mhz=%u offset=", tl->backend,
	       tl->workload, tl->width, tl->height, tl->stride, tl->refresh_mhz);
	if (tl->offset_exact)
		printf("%d", (int32_t)tl->hw_offset);
	else
		printf("unknown");
	printf(" span=%u frames=%zu flips=%u delayed=%u async=%u cursor=%u image=%u hotspot=%u "
	       "draws=%u skipped=%u", tl->last - tl->first, tl->nframes, n[VRC_TL_FLIP], delayed,
	       n[VRC_TL_ASYNC], n[VRC_TL_CURSOR], image, hotspot, n[VRC_TL_DRAW], tl->nskips);
	for (unsigned i = 0; i < tl->nskips; i++)
		printf("%s%s", i ? "," : ":", tl->skips[i].what);
	printf("\n");
	vrc_timeline_free(tl);
	return 0;
}

int main(int argc, char **argv)
{
	struct wl_display d = { 0 };
	struct vrc_timeline tl;
	struct wl_summary sum;
	struct sigaction sa = { .sa_handler = on_signal };
	struct cli c;
	char err[512] = "";
	int rc;

	if (parse_args(argc, argv, &c) || (!c.list && !c.inspect && check_limits(&c)))
		return EXIT_USAGE;
	if (c.list)
		return wl_kms_list_devices() ? EXIT_USAGE : 0;
	if (c.inspect)
		return inspect(c.inspect);
	c.a.nfb = c.o.burst ? c.o.burst + 1 : 2;
	d.be = c.be;
	rc = d.be->open(&d, &c.a, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vrc-wl: %s\n", err);
		d.be->close(&d);
		return EXIT_USAGE;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	vrc_timeline_init(&tl, d.be->name, c.o.workload, VRC_BANDS_DEFAULT);
	record_params(&tl, &c);
	rc = wl_run(&d, &c.o, &tl, &stop, &sum, err, sizeof(err));
	d.be->close(&d);
	if (rc)
		fprintf(stderr, "vrc-wl: %s: %s\n", c.o.workload, err);
	if (c.timeline && tl.width) {
		char werr[512];
		if (vrc_timeline_write(&tl, c.timeline, werr, sizeof(werr))) {
			fprintf(stderr, "vrc-wl: writing the timeline: %s\n", werr);
			rc = rc ? rc : -EIO;
		}
	}
	printf("vrc-wl: %s on %s (%s, %ux%u): %u vblanks, %u flips (%u on their vblank, "
	       "%u late), %u async, %u cursor updates, %u draws; hw offset %s%s%s%s%s%s\n",
	       c.o.workload, d.be->name, d.device, d.width, d.height, sum.vblanks, sum.flips,
	       sum.on_target, sum.missed, sum.asyncs, sum.cursors, sum.draws,
	       d.offset_exact ? "exact" : "unknown", d.offset_exact ? "" : " (",
	       d.offset_exact ? "" : d.offset_why[0] ? d.offset_why : "no reason given",
	       d.offset_exact ? "" : ")", c.timeline ? "; timeline " : "",
	       c.timeline ? c.timeline : "");
	if (sum.bad_seq)
		printf("vrc-wl: %u flip completions carried a sequence not after their "
		       "submission: latch bracketed by counter reads, left unjudged\n", sum.bad_seq);
	vrc_timeline_release(&tl);
	return rc ? EXIT_FAIL : 0;
}
