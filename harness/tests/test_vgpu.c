// SPDX-License-Identifier: MIT
/*
 * Unit tests of the emulated vGPU (harness/vgpu-sim/vgpu*.c, model.c),
 * driving the vgpu API directly: a real memfd shm, real non-blocking
 * eventfds read back for exact values, no sockets.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vrc/vtest.h"
#include "vrc/bandcrc.h"
#include "vrc/i915_regs.h"
#include "harness/vgpu-sim/vgpu.h"

#include "vgpu_fixture.h"

/* ------------------------------------------------------------------ models */

TEST(model_table)
{
	const struct vgpu_model *m;
	const char *names[] = { "ref", "v3", "v5", "v6", "curpipe", "no-cursor",
				"no-curpos", "early", "late", "drop", "dup",
				"bad-caps", "leak", "badval", "bad-values", "sticky-mask",
				"no-unregister", "stale-dmabuf", "no-irq", "silent",
				"silent-pipe-b", "no-async", "iso-shared-mask",
				"iso-crosstalk", "same-surf", "offscreen-cursor",
				"plane-off-on", "pipe-off-on", "lazy-unmask", "replay-mask",
				"mask-survives", "overlong-info", "caps-loop",
				"same-fd-drops", "refused-unmasks", "pci-index",
				"wrong-subtype", "no-eventfd-flag", "no-events-cap",
				"zero-value", "caps-misaligned", "caps-version", "plane-map",
				"short-no-caps", "short-truncated", "retry-grows",
				"lax-index", "lax-start", "lax-flags", "lax-argsz",
				"lax-trigger-count", "lax-not-eventfd", "mask-ignored",
				"bool-ignored", "badval-cursor", "same-cursor",
				"curcntr-drop", "stride-drop", "sparse", "torn-offset",
				"unreg-mask-refused", "release-drains", "keep-ref", "zero-hotspot", "mask-eventfd",
				"lax-no-action", "surf-top", "curpos-max" };
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		m = vgpu_model_find(names[i]);
		ASSERT_TRUE(m != NULL);
		ASSERT_STREQ(names[i], m->name);
		ASSERT_TRUE(m->summary && m->summary[0]);
	}
	for (unsigned i = 0; (m = vgpu_model_at(i)); i++)
		n += !m->kernel;	/* kernel-VER: test_kmodel.c */
	/* every model is named above: a new one is added to the list */
	ASSERT_EQ((unsigned)(sizeof(names) / sizeof(names[0])), n);
	ASSERT_TRUE(vgpu_model_find("nope") == NULL);
	ASSERT_TRUE(vgpu_model_find(NULL) == NULL);
	ASSERT_EQ((int)VRC_ABI_V5, (int)vgpu_model_find("v5")->default_abi);
	ASSERT_EQ(7u, vgpu_model_find("drop")->drop_every);
	ASSERT_EQ(2u, vgpu_model_find("late")->delay_ticks);
}

/* --------------------------------------------------------------- shm layout */

TEST(create_rejects_bad_shm)
{
	struct fx f;
	char err[256];

	ASSERT_EQ(-EINVAL, fx_try(&f, "ref", 0, 3u << 20, NULL, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "power of two") != NULL);
	munmap(f.shm, 3u << 20);
	close(f.shm_fd);
	ASSERT_EQ(-EINVAL, fx_try(&f, "ref", 0, 1u << 20, NULL, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "too small") != NULL);
	munmap(f.shm, 1u << 20);
	close(f.shm_fd);
	ASSERT_EQ(-EINVAL, fx_try(&f, "ref", (enum vrc_abi)4, SHM_SIZE, NULL, err, sizeof(err)));
	munmap(f.shm, SHM_SIZE);
	close(f.shm_fd);
}

TEST(shm_header_layout)
{
	struct fx f;
	const struct vgpu_shm_header *h;

	fx_open(&f, "ref", 0);
	h = (const struct vgpu_shm_header *)f.shm;
	ASSERT_EQ(VGPU_SHM_MAGIC, h->magic);
	ASSERT_EQ(VGPU_SHM_VERSION, h->version);
	ASSERT_EQ(VGPU_SHM_HEADER_SIZE, h->header_size);
	ASSERT_EQ(0u, h->emu_peer_id);
	ASSERT_EQ(3u, h->num_pipes);
	ASSERT_EQ(VRC_REG_WINDOW_BASE, h->regs_base);
	ASSERT_EQ(VRC_REG_WINDOW_SIZE, h->regs_size);
	ASSERT_EQ(4096u, h->regs_offset);
	ASSERT_EQ(0x15000u, h->ring_offset);
	ASSERT_EQ(1u << 20, h->vram_offset);
	ASSERT_EQ(SHM_SIZE - (1u << 20), h->vram_size);
	ASSERT_EQ(VGPU_SHM_RING_ENTRIES, h->ring_entries);
	ASSERT_EQ((int)VRC_ABI_V6, (int)vgpu_abi(f.v));
	ASSERT_STREQ("ref", vgpu_model(f.v)->name);
	fx_close(&f);
}

TEST(register_shadow_and_readonly_frmcount)
{
	struct fx f;
	const uint32_t *shadow;

	fx_open(&f, "ref", 0);
	shadow = (const uint32_t *)(f.shm + 4096);
	vgpu_mmio_write(f.v, VRC_PLANE_STRIDE(1), 0x1234);
	ASSERT_EQ(0x1234u, vgpu_mmio_read(f.v, VRC_PLANE_STRIDE(1)));
	ASSERT_EQ(0x1234u, shadow[(VRC_PLANE_STRIDE(1) - VRC_REG_WINDOW_BASE) / 4]);
	vgpu_mmio_write(f.v, VRC_PIPE_FRMCOUNT(0), 77);
	ASSERT_EQ(0u, vgpu_mmio_read(f.v, VRC_PIPE_FRMCOUNT(0)));
	vgpu_mmio_write(f.v, 0x1000, 5);	/* outside the window */
	ASSERT_EQ(0u, vgpu_mmio_read(f.v, 0x1000));
	fx_close(&f);
}

TEST(frame_counter_only_enabled_pipes)
{
	struct fx f;
	const struct vgpu_shm_header *h;
	uint32_t fc = 0;

	fx_open(&f, "ref", 0);
	h = (const struct vgpu_shm_header *)f.shm;
	ticks(&f, 3);	/* nothing enabled */
	ASSERT_EQ(0u, vgpu_mmio_read(f.v, VRC_PIPE_FRMCOUNT(0)));
	ASSERT_EQ(0u, f.notified);
	plane_setup(&f, 0);
	ticks(&f, 5);
	ASSERT_EQ(8u, (uint32_t)vgpu_vblank_count(f.v));
	ASSERT_EQ(5u, vgpu_mmio_read(f.v, VRC_PIPE_FRMCOUNT(0)));
	ASSERT_EQ(0u, vgpu_mmio_read(f.v, VRC_PIPE_FRMCOUNT(1)));
	ASSERT_EQ(0u, vgpu_mmio_read(f.v, VRC_PIPE_FRMCOUNT(2)));
	ASSERT_EQ(5u, h->pipe[0].frame_count);
	ASSERT_EQ(5u, h->pipe[0].vblank_seq);
	ASSERT_EQ(0u, h->pipe[1].vblank_seq);
	ASSERT_EQ(5u, f.notified);
	ASSERT_EQ(0, vgpu_region_read(f.v, VGPU_REGION_BAR0, VRC_PIPE_FRMCOUNT(0), &fc, 4));
	ASSERT_EQ(5u, fc);
	fx_close(&f);
}

TEST(flip_done_and_latched_surf)
{
	struct fx f;
	const struct vgpu_shm_header *h;

	fx_open(&f, "ref", 0);
	h = (const struct vgpu_shm_header *)f.shm;
	plane_setup(&f, 0);
	flip(&f, 0, SURF1);
	ASSERT_EQ(0u, h->pipe[0].flip_done_seq);
	ticks(&f, 1);
	ASSERT_EQ(1u, h->pipe[0].flip_done_seq);
	ASSERT_EQ(SURF1, h->pipe[0].latched_surf);
	vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
	ticks(&f, 1);
	ASSERT_EQ(1u, h->pipe[0].cursor_done_seq);
	/* async: flip-done at once, guest notified */
	vgpu_mmio_write(f.v, VRC_PLANE_CTL(0), VRC_PLANE_CTL_ENABLE |
			VRC_PLANE_CTL_FORMAT_XRGB8888 | VRC_PLANE_CTL_ASYNC_FLIP);
	f.notified = 0;
	flip(&f, 0, SURF0);
	ASSERT_EQ(2u, h->pipe[0].flip_done_seq);
	ASSERT_EQ(1u, f.notified);
	fx_close(&f);
}

/*
 * The pipe CRC source: one ring entry per vblank while enabled, carrying
 * the frame count and the CRC of the latched primary plane (its visible
 * pixels, X ignored), the same in PIPE_CRC_RES_1; nothing while disabled
 * or with the plane off. A CRC of the wrong surface or of the X bytes, a
 * missed or doubled entry, or an entry tagged with the wrong frame fails.
 */
/* 640x480 is more than SURF1 - SURF0: a second surface that does not overlap */
#define CRC_SURF1	0x140000u

static void fill(struct fx *f, uint32_t surf, uint32_t px)
{
	const struct vgpu_shm_header *h = (const struct vgpu_shm_header *)f->shm;
	uint32_t *p = (uint32_t *)(f->shm + h->vram_offset + surf);

	for (unsigned i = 0; i < 640u * 480u; i++)	/* plane_setup's 640x480 */
		p[i] = px;
}

TEST(pipe_crc_ring_per_vblank)
{
	struct fx f;
	const struct vgpu_shm_header *h;
	struct vrc_band_crcs want0, want1;
	uint32_t buf[640];

	fx_open(&f, "ref", 0);
	h = (const struct vgpu_shm_header *)f.shm;
	ASSERT_EQ(VGPU_CRC_ENTRIES, h->crc_entries);
	plane_setup(&f, 0);
	fill(&f, SURF0, 0x00112233u);
	fill(&f, CRC_SURF1, 0x00445566u);
	for (unsigned i = 0; i < 640; i++)
		buf[i] = 0xff112233u;	/* X differs: ignored */
	/* the reference: the band CRC of 480 such rows */
	uint32_t *img = malloc(640u * 480u * 4u);
	ASSERT_TRUE(img != NULL);
	for (unsigned r = 0; r < 480; r++)
		memcpy(img + r * 640u, buf, sizeof(buf));
	ASSERT_EQ(0, vrc_band_crc_xrgb(img, 640, 480, 640 * 4, 1, &want0));
	for (unsigned i = 0; i < 640u * 480u; i++)
		img[i] = 0x00445566u;
	ASSERT_EQ(0, vrc_band_crc_xrgb(img, 640, 480, 640 * 4, 1, &want1));
	free(img);
	ASSERT_NE(want0.crc[0], want1.crc[0]);

	flip(&f, 0, SURF0);
	ticks(&f, 2);
	ASSERT_EQ(0u, h->crc[0].head);	/* not enabled: nothing */
	vgpu_mmio_write(f.v, VRC_PIPE_CRC_CTL(0), VRC_PIPE_CRC_ENABLE);
	ticks(&f, 3);
	ASSERT_EQ(3u, h->crc[0].head);
	for (unsigned i = 0; i < 3; i++) {
		EXPECT_EQ(h->pipe[0].frame_count - 2 + i, h->crc[0].rec[i].frame);
		EXPECT_EQ(want0.crc[0], h->crc[0].rec[i].crc);
	}
	EXPECT_EQ(want0.crc[0], vgpu_mmio_read(f.v, VRC_PIPE_CRC_RES_1(0)));
	/* a flip: the vblank it latches at carries the new picture */
	flip(&f, 0, CRC_SURF1);
	ticks(&f, 1);
	EXPECT_EQ(want1.crc[0], h->crc[0].rec[3].crc);
	EXPECT_EQ(h->pipe[0].frame_count, h->crc[0].rec[3].frame);
	/* the guest cannot write the result */
	vgpu_mmio_write(f.v, VRC_PIPE_CRC_RES_1(0), 0x1234);
	EXPECT_EQ(want1.crc[0], vgpu_mmio_read(f.v, VRC_PIPE_CRC_RES_1(0)));
	/* more vblanks than slots: the ring wraps, head keeps counting */
	ticks(&f, VGPU_CRC_ENTRIES + 1);
	EXPECT_EQ(VGPU_CRC_ENTRIES + 5u, h->crc[0].head);
	EXPECT_EQ(h->pipe[0].frame_count,
		  h->crc[0].rec[(h->crc[0].head - 1) & (VGPU_CRC_ENTRIES - 1)].frame);
	/* plane off, then CRC off: no more entries */
	vgpu_mmio_write(f.v, VRC_PLANE_CTL(0), 0);
	ticks(&f, 2);
	EXPECT_EQ(VGPU_CRC_ENTRIES + 5u, h->crc[0].head);
	plane_setup(&f, 0);
	vgpu_mmio_write(f.v, VRC_PIPE_CRC_CTL(0), 0);
	ticks(&f, 2);
	EXPECT_EQ(VGPU_CRC_ENTRIES + 5u, h->crc[0].head);
	EXPECT_EQ(0u, h->crc[1].head);	/* other pipes untouched */
	fx_close(&f);
}

/*
 * The CRC is of what the pipe outputs: the cursor composed over the
 * primary as pixman's OVER composes premultiplied ARGB (igt's
 * kms_cursor_crc draws the same cursor with cairo and compares), clipped
 * at every edge, the CURPOS sign bits honoured. Expected pixels are worked
 * out by hand: a CRC of the bare primary, a cursor misplaced or unclipped,
 * or a blend that truncates (47 for 48 below) or wraps fails.
 */
#define CRC_BG		0x00204060u
static const uint32_t cursor_px[4] = {	/* and over CRC_BG: */
	0xff0000ffu,	/* opaque: itself */
	0x00000000u,	/* transparent: the primary */
	0x80402010u,	/* half: 0x40+16, 0x20+32, 0x10+48 */
	0x10ff0000u,	/* not premultiplied: red saturates */
};
static const uint32_t cursor_over_bg[4] = { 0x0000ffu, CRC_BG, 0x504040u, 0xff3c5au };

static uint32_t cursor_crc_want(uint32_t *img, int cx, int cy)
{
	struct vrc_band_crcs c;

	for (unsigned i = 0; i < 640u * 480u; i++)
		img[i] = CRC_BG;
	for (int y = 0; y < 64; y++)
		for (int x = 0; x < 64; x++)
			if (cx + x >= 0 && cx + x < 640 && cy + y >= 0 && cy + y < 480)
				img[(cy + y) * 640 + cx + x] = cursor_over_bg[(x + y) % 4];
	if (vrc_band_crc_xrgb(img, 640, 480, 640 * 4, 1, &c))
		return 0;
	return c.crc[0];
}

static uint32_t curpos(int x, int y)
{
	return (y < 0 ? 1u << 31 : 0) | (uint32_t)abs(y) << 16 |
	       (x < 0 ? 1u << 15 : 0) | (uint32_t)abs(x);
}

TEST(pipe_crc_composes_the_cursor)
{
	static const int pos[][2] = { { 100, 50 }, { -10, -5 }, { 600, 450 }, { 639, -63 } };
	struct fx f;
	const struct vgpu_shm_header *h;
	uint32_t *img = malloc(640u * 480u * 4u), *cur, bare;

	ASSERT_TRUE(img != NULL);
	fx_open(&f, "ref", 0);
	h = (const struct vgpu_shm_header *)f.shm;
	plane_setup(&f, 0);
	fill(&f, SURF0, CRC_BG);
	cur = (uint32_t *)(f.shm + h->vram_offset + CURSOR_SURF);
	for (unsigned y = 0; y < 64; y++)
		for (unsigned x = 0; x < 64; x++)
			cur[y * 64 + x] = cursor_px[(x + y) % 4];
	flip(&f, 0, SURF0);
	vgpu_mmio_write(f.v, VRC_PIPE_CRC_CTL(0), VRC_PIPE_CRC_ENABLE);
	ticks(&f, 1);
	bare = h->crc[0].rec[0].crc;
	ASSERT_EQ(cursor_crc_want(img, 0, 480), bare);	/* no cursor yet */
	vgpu_mmio_write(f.v, VRC_CURCNTR(0), VRC_CURSOR_MODE_64_ARGB);
	for (unsigned i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		uint32_t want = cursor_crc_want(img, pos[i][0], pos[i][1]);

		vgpu_mmio_write(f.v, VRC_CURPOS(0), curpos(pos[i][0], pos[i][1]));
		vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
		ticks(&f, 1);
		EXPECT_NE(bare, want);
		EXPECT_EQ(want, h->crc[0].rec[i + 1].crc);
		EXPECT_EQ(want, vgpu_mmio_read(f.v, VRC_PIPE_CRC_RES_1(0)));
	}
	/* wholly off the plane, then off: the bare primary again */
	vgpu_mmio_write(f.v, VRC_CURPOS(0), curpos(640, 0));
	ticks(&f, 1);
	EXPECT_EQ(bare, h->crc[0].rec[5].crc);
	vgpu_mmio_write(f.v, VRC_CURPOS(0), curpos(-64, 10));
	ticks(&f, 1);
	EXPECT_EQ(bare, h->crc[0].rec[6].crc);
	vgpu_mmio_write(f.v, VRC_CURPOS(0), curpos(0, 0));
	vgpu_mmio_write(f.v, VRC_CURCNTR(0), 0);
	ticks(&f, 1);
	EXPECT_EQ(bare, h->crc[0].rec[7].crc);
	/* pipe B's cursor is not pipe A's */
	vgpu_mmio_write(f.v, VRC_CURCNTR(1), VRC_CURSOR_MODE_64_ARGB);
	vgpu_mmio_write(f.v, VRC_CURBASE(1), CURSOR_SURF);
	ticks(&f, 1);
	EXPECT_EQ(bare, h->crc[0].rec[8].crc);
	free(img);
	fx_close(&f);
}

/*
 * A guest reads the status while the device writes it. Whoever sees a flip
 * done must see the frame count of the vblank it latched at, else vdisp
 * completes the flip's event with the count from before the flip (seen
 * under TCG): frame count first, done sequences after. An observer on
 * another core reads flip_done_seq, then frame_count, while one flip
 * latches per tick.
 */
struct observer {
	const struct vgpu_shm_header *h;
	uint32_t seq0, fc0;
	volatile bool stop;
	unsigned reads, early;
};

static void *observe(void *arg)
{
	struct observer *o = arg;

	while (!o->stop) {
		uint32_t seq = __atomic_load_n(&o->h->pipe[0].flip_done_seq, __ATOMIC_ACQUIRE);
		uint32_t fc = __atomic_load_n(&o->h->pipe[0].frame_count, __ATOMIC_ACQUIRE);

		o->reads++;
		o->early += (fc - o->fc0) < (seq - o->seq0);
	}
	return NULL;
}

TEST(frame_count_published_before_flip_done)
{
	struct fx f;
	struct observer o = { 0 };
	pthread_t th;

	fx_open(&f, "ref", 0);
	o.h = (const struct vgpu_shm_header *)f.shm;
	plane_setup(&f, 0);
	o.seq0 = o.h->pipe[0].flip_done_seq;
	o.fc0 = o.h->pipe[0].frame_count;
	ASSERT_EQ(0, pthread_create(&th, NULL, observe, &o));
	for (unsigned k = 0; k < 200000; k++) {
		flip(&f, 0, k & 1 ? SURF1 : SURF0);
		ticks(&f, 1);
	}
	o.stop = true;
	pthread_join(th, NULL);
	printf("# %u reads, %u saw a flip done before its frame count\n", o.reads, o.early);
	ASSERT_EQ(200000u, o.h->pipe[0].flip_done_seq - o.seq0);
	ASSERT_EQ(0u, o.early);
	fx_close(&f);
}

/* ------------------------------------------------------------------- ring */

static struct vgpu_ring *ring_of(struct fx *f)
{
	return (struct vgpu_ring *)(f->shm + 0x15000);
}

static void ring_push(struct fx *f, uint32_t off, uint32_t val)
{
	struct vgpu_ring *r = ring_of(f);

	r->rec[r->head & (VGPU_SHM_RING_ENTRIES - 1)] = (struct vgpu_ring_rec){ off, val };
	__atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
}

TEST(ring_drain)
{
	struct fx f;
	struct vgpu_ring *r;
	int fd = efd();

	fx_open(&f, "ref", 0);
	r = ring_of(&f);
	reg(&f, fd);
	ring_push(&f, VRC_PIPECONF(0), VRC_PIPECONF_ENABLE);
	ring_push(&f, VRC_PLANE_SURF(0), SURF1);
	ring_push(&f, 0x70002, 1);		/* unaligned */
	ring_push(&f, 0x200000, 1);		/* outside the window */
	ASSERT_EQ(4u, vgpu_drain_ring(f.v));
	ASSERT_EQ(4u, r->tail);
	ASSERT_EQ(2u, vgpu_ring_errors(f.v));
	ASSERT_EQ(SURF1, vgpu_mmio_read(f.v, VRC_PLANE_SURF(0)));
	ASSERT_EQ(0u, vgpu_drain_ring(f.v));
	/* the tick drains first, then latches the flip */
	ring_push(&f, VRC_PLANE_SURF(0), SURF0);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	ASSERT_EQ(5u, r->tail);
	fx_close(&f);
}

TEST(ring_overrun_and_scribbles)
{
	struct fx f;
	struct vgpu_ring *r;
	struct vgpu_shm_header *h;

	fx_open(&f, "ref", 0);
	r = ring_of(&f);
	h = (struct vgpu_shm_header *)f.shm;
	/* a guest scribbling on the header changes nothing for us */
	memset(h, 0xff, sizeof(*h));
	r->tail = 12345;
	r->head = 5000;
	ASSERT_EQ(0u, vgpu_drain_ring(f.v));
	ASSERT_EQ(1u, vgpu_ring_errors(f.v));
	ASSERT_EQ(5000u, r->tail);
	ring_push(&f, VRC_PLANE_STRIDE(0), 9);
	ASSERT_EQ(1u, vgpu_drain_ring(f.v));
	ASSERT_EQ(9u, vgpu_mmio_read(f.v, VRC_PLANE_STRIDE(0)));
	/* wrap-around of the 32-bit counters is fine */
	r->head = 0xfffffffeu;
	vgpu_drain_ring(f.v);
	ring_push(&f, VRC_PLANE_STRIDE(0), 10);
	ring_push(&f, VRC_PLANE_STRIDE(0), 11);
	ring_push(&f, VRC_PLANE_STRIDE(0), 12);
	ASSERT_EQ(3u, vgpu_drain_ring(f.v));
	ASSERT_EQ(12u, vgpu_mmio_read(f.v, VRC_PLANE_STRIDE(0)));
	ASSERT_EQ(1u, r->tail);
	fx_close(&f);
}

/* --------------------------------------------------------------- irq info */

static const uint8_t gvt_chain[60] = {
	60, 0, 0, 0,  0x13, 0, 0, 0,  5, 0, 0, 0,  1, 0, 0, 0,  20, 0, 0, 0,
	1, 0, 1, 0,  36, 0, 0, 0,  1, 0, 0, 0,  1, 0, 0, 0,		/* type @20 */
	2, 0, 1, 0,  0, 0, 0, 0,					/* display @36 */
	0, 0, 0, 0, 0, 0, 1, 0,						/* cur @44 */
	0, 0, 0, 0, 0, 0, 0, 1,						/* pri @52 */
};

TEST(irq_info_gvt_chain_bytes)
{
	struct fx f;
	uint8_t buf[256];
	size_t len = 0;
	uint64_t x;

	fx_open(&f, "ref", 0);
	memset(buf, 0xee, sizeof(buf));
	ASSERT_EQ(0, vgpu_irq_info(f.v, 5, sizeof(buf), buf, sizeof(buf), &len));
	ASSERT_EQ(60u, len);
	ASSERT_EQ(0, memcmp(buf, gvt_chain, sizeof(gvt_chain)));
	ASSERT_EQ(0xee, buf[60]);
	memcpy(&x, buf + 44, 8);
	ASSERT_EQ(CUR, x);
	memcpy(&x, buf + 52, 8);
	ASSERT_EQ(PRI, x);
	fx_close(&f);
}

TEST(bad_values_advertises_pri_twice)
{
	struct fx f;
	uint8_t buf[256];
	size_t len = 0;
	uint64_t x;

	fx_open(&f, "bad-values", 0);
	ASSERT_EQ(0, vgpu_irq_info(f.v, 5, sizeof(buf), buf, sizeof(buf), &len));
	ASSERT_EQ(60u, len);
	memcpy(&x, buf + 44, 8);
	ASSERT_EQ(PRI, x);		/* the cursor field carries the primary value */
	memcpy(&x, buf + 52, 8);
	ASSERT_EQ(PRI, x);
	fx_close(&f);
}

TEST(irq_info_argsz_retry)
{
	struct fx f;
	uint8_t buf[64];
	struct vrc_irq_info info;
	size_t len = 0;

	fx_open(&f, "ref", 0);
	for (uint32_t argsz = 20; argsz < 60; argsz += 39) {
		memset(buf, 0xee, sizeof(buf));
		ASSERT_EQ(0, vgpu_irq_info(f.v, 5, argsz, buf, sizeof(buf), &len));
		ASSERT_EQ(20u, len);
		memcpy(&info, buf, sizeof(info));
		ASSERT_EQ(60u, info.argsz);
		ASSERT_EQ(0x13u, info.flags);
		ASSERT_EQ(5u, info.index);
		ASSERT_EQ(1u, info.count);
		ASSERT_EQ(0u, info.cap_offset);
		ASSERT_EQ(0xee, buf[20]);
	}
	/* the unextended struct */
	ASSERT_EQ(0, vgpu_irq_info(f.v, 5, 16, buf, sizeof(buf), &len));
	ASSERT_EQ(16u, len);
	memcpy(&info, buf, 16);
	ASSERT_EQ(16u, info.argsz);
	ASSERT_EQ(0x3u, info.flags);
	ASSERT_EQ(0, vgpu_irq_info(f.v, 5, 19, buf, sizeof(buf), &len));
	ASSERT_EQ(16u, len);
	ASSERT_EQ(-EINVAL, vgpu_irq_info(f.v, 5, 15, buf, sizeof(buf), &len));
	ASSERT_EQ(-EINVAL, vgpu_irq_info(f.v, 6, 60, buf, sizeof(buf), &len));
	/* retry with the size it asked for */
	ASSERT_EQ(0, vgpu_irq_info(f.v, 5, 60, buf, sizeof(buf), &len));
	ASSERT_EQ(0, memcmp(buf, gvt_chain, sizeof(gvt_chain)));
	fx_close(&f);
}

TEST(irq_info_pci_indexes)
{
	struct fx f;
	uint8_t buf[64];
	struct vrc_irq_info info;
	size_t len;
	const uint32_t flags[5] = { 0x7, 0x9, 0x9, 0x1, 0x1 };

	fx_open(&f, "ref", 0);
	for (uint32_t i = 0; i < 5; i++) {
		ASSERT_EQ(0, vgpu_irq_info(f.v, i, 64, buf, sizeof(buf), &len));
		ASSERT_EQ(20u, len);
		memcpy(&info, buf, sizeof(info));
		ASSERT_EQ(20u, info.argsz);
		ASSERT_EQ(flags[i], info.flags);
		ASSERT_EQ(1u, info.count);
		ASSERT_EQ(0u, info.cap_offset);
	}
	fx_close(&f);
}

TEST(irq_info_v5_chain)
{
	struct fx f;
	uint8_t buf[64], want[60];
	size_t len;

	fx_open(&f, "v5", 0);
	ASSERT_EQ((int)VRC_ABI_V5, (int)vgpu_abi(f.v));
	ASSERT_EQ(0, vgpu_irq_info(f.v, 5, 64, buf, sizeof(buf), &len));
	ASSERT_EQ(60u, len);
	memcpy(want, gvt_chain, sizeof(want));
	want[20] = 3;
	want[36] = 4;
	ASSERT_EQ(0, memcmp(buf, want, sizeof(want)));
	fx_close(&f);
}

TEST(irq_info_v7_chain)
{
	struct fx f;
	uint8_t buf[64];
	struct vrc_irq_info info;
	size_t len;

	fx_open(&f, "v5", VRC_ABI_V7);	/* abi independent of the model */
	ASSERT_EQ((int)VRC_ABI_V7, (int)vgpu_abi(f.v));
	ASSERT_EQ(0, vgpu_irq_info(f.v, 5, 20, buf, sizeof(buf), &len));
	memcpy(&info, buf, sizeof(info));
	ASSERT_EQ(56u, info.argsz);
	ASSERT_EQ(2u, info.count);
	ASSERT_EQ(0, vgpu_irq_info(f.v, 5, 56, buf, sizeof(buf), &len));
	ASSERT_EQ(56u, len);
	memcpy(&info, buf, sizeof(info));
	ASSERT_EQ(0x13u, info.flags);
	ASSERT_EQ(20u, info.cap_offset);
	assert_v7_chain(buf, 20, 36);
	fx_close(&f);
}

TEST(irq_info_bad_caps)
{
	struct fx f;
	uint8_t buf[64], want[60];
	size_t len;
	uint32_t next = 60 + 0x100;

	fx_open(&f, "bad-caps", 0);
	ASSERT_EQ(0, vgpu_irq_info(f.v, 5, 64, buf, sizeof(buf), &len));
	ASSERT_EQ(60u, len);
	memcpy(want, gvt_chain, sizeof(want));
	memcpy(want + 40, &next, 4);
	ASSERT_EQ(0, memcmp(buf, want, sizeof(want)));
	fx_close(&f);
}

/* --------------------------------------------------------------- SET_IRQS */

TEST(setirqs_register_and_signal)
{
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);

	ASSERT_EQ(0u, rd(fd));
	flip(&f, 0, SURF1);
	ASSERT_EQ(0u, rd(fd));	/* latches at the vblank */
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	fx_close(&f);
}

struct bad_req {
	const char *name;	/* the variant's name */
	uint32_t argsz, flags, index, start, count;
	int nfds;		/* eventfds to pass */
	bool pipe_fd;		/* pass a pipe instead */
	int err;
};

static const struct bad_req bad_reqs[] = {
	{ "argsz-short", 19, ACT_TRIGGER | DATA_EVENTFD, 5, 0, 1, 1, false, -EINVAL },
	{ "bad-index", 20, ACT_TRIGGER | DATA_EVENTFD, 6, 0, 1, 1, false, -EINVAL },
	{ "start-1", 20, ACT_TRIGGER | DATA_EVENTFD, 5, 1, 1, 1, false, -EINVAL },
	{ "count-2", 20, ACT_TRIGGER | DATA_EVENTFD, 5, 0, 2, 2, false, -EINVAL },
	{ "count-0-eventfd", 20, ACT_TRIGGER | DATA_EVENTFD, 5, 0, 0, 0, false, -EINVAL },
	{ "fds-not-count", 20, ACT_TRIGGER | DATA_EVENTFD, 5, 0, 1, 2, false, -EINVAL },
	{ "mask-count-2", 20, ACT_MASK | DATA_NONE, 5, 0, 2, 0, false, -EINVAL },
	{ "two-data", 20, ACT_TRIGGER | DATA_NONE | DATA_EVENTFD, 5, 0, 1, 1, false, -EINVAL },
	{ "two-data-bool", 20, ACT_MASK | DATA_NONE | DATA_BOOL, 5, 0, 1, 0, false, -EINVAL },
	{ "two-actions", 20, ACT_MASK | ACT_UNMASK | DATA_NONE, 5, 0, 1, 0, false, -EINVAL },
	{ "no-action", 20, DATA_NONE, 5, 0, 1, 0, false, -EINVAL },
	{ "no-data", 20, ACT_MASK, 5, 0, 1, 0, false, -EINVAL },
	{ "unknown-bit", 20, ACT_MASK | DATA_NONE | (1u << 6), 5, 0, 1, 0, false, -EINVAL },
	{ "mask-eventfd", 20, ACT_MASK | DATA_EVENTFD, 5, 0, 1, 1, false, -EINVAL },
	{ "mask-bool-no-data", 20, ACT_MASK | DATA_BOOL, 5, 0, 1, 0, false, -EINVAL },
	{ "not-an-eventfd", 20, ACT_TRIGGER | DATA_EVENTFD, 5, 0, 1, 0, true, -EBADF },
};

/* Each invalid request is refused with its errno, closes the fds it was
 * passed, and leaves the registration as it was: still there, unmasked. */
TEST_VARIANTS(setirqs_invalid_change_nothing, bad_reqs)
{
	const struct bad_req *b = variant;
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);
	struct vfu_irq_set req = { b->argsz, b->flags, b->index, b->start, b->count };
	int fds[2] = { -1, -1 }, keep[2], p[2];
	size_t n = (size_t)b->nfds;

	for (size_t k = 0; k < n; k++)
		fds[k] = efd();
	if (b->pipe_fd) {
		ASSERT_EQ(0, pipe(p));
		close(p[1]);
		fds[0] = p[0];
		n = 1;
	}
	memcpy(keep, fds, sizeof(keep));
	ASSERT_EQ(b->err, vgpu_set_irqs(f.v, &req, NULL, 0, fds, n));
	for (size_t k = 0; k < n; k++)
		ASSERT_FALSE(fd_open(keep[k]));	/* closed on failure */
	/* still registered and unmasked */
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	ASSERT_FALSE(vgpu_dead(f.v));
	fx_close(&f);
}

TEST(setirqs_duplicate_fds)
{
	struct fx f;
	int e = efd(), fds[2];

	fx_open(&f, "ref", VRC_ABI_V7);
	fds[0] = dup(e);
	fds[1] = fds[0];
	ASSERT_EQ(-EINVAL, set_irqs(&f, 5, ACT_TRIGGER | DATA_EVENTFD, 0, 2, NULL, 0, fds, 2));
	ASSERT_FALSE(fd_open(fds[0]));
	fx_close(&f);
}

TEST(setirqs_pci_indexes_accepted)
{
	struct fx f;
	int d = dup(efd());

	fx_open(&f, "ref", 0);
	ASSERT_EQ(0, set_irqs(&f, 2, ACT_TRIGGER | DATA_EVENTFD, 0, 1, NULL, 0, &d, 1));
	ASSERT_FALSE(fd_open(d));
	fx_close(&f);
}

TEST(mask_unmask)
{
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);

	ASSERT_EQ(0, simple(&f, ACT_MASK | DATA_NONE, 1));
	flip(&f, 0, SURF1);
	ticks(&f, 20);		/* flips and heuristic both silenced */
	ASSERT_EQ(0u, rd(fd));
	ASSERT_EQ(0, simple(&f, ACT_UNMASK | DATA_NONE, 1));
	flip(&f, 0, SURF0);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	/* registering unmasks */
	ASSERT_EQ(0, simple(&f, ACT_MASK | DATA_NONE, 1));
	reg(&f, fd);
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	fx_close(&f);
}

TEST(data_bool_honoured_by_ref)
{
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);
	uint8_t no = 0, yes = 1;

	ASSERT_EQ(0, set_irqs(&f, 5, ACT_MASK | DATA_BOOL, 0, 1, &no, 1, NULL, 0));
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	ASSERT_EQ(0, set_irqs(&f, 5, ACT_MASK | DATA_BOOL, 0, 1, &yes, 1, NULL, 0));
	flip(&f, 0, SURF0);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	ASSERT_EQ(0, set_irqs(&f, 5, ACT_UNMASK | DATA_BOOL, 0, 1, &no, 1, NULL, 0));
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	ASSERT_EQ(0, set_irqs(&f, 5, ACT_UNMASK | DATA_BOOL, 0, 1, &yes, 1, NULL, 0));
	flip(&f, 0, SURF0);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	fx_close(&f);
}

TEST(data_bool_refused_by_v6)
{
	struct fx f;
	int fd = ref_setup(&f, "v6", 0);
	uint8_t yes = 1;

	ASSERT_EQ(-EINVAL, set_irqs(&f, 5, ACT_MASK | DATA_BOOL, 0, 1, &yes, 1, NULL, 0));
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	fx_close(&f);
}

TEST(unregister_data_none)
{
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);
	int d = reg(&f, fd);

	ASSERT_EQ(0, simple(&f, ACT_TRIGGER | DATA_NONE, 0));
	ASSERT_FALSE(fd_open(d));
	flip(&f, 0, SURF1);
	ticks(&f, 20);
	ASSERT_EQ(0u, rd(fd));
	fx_close(&f);
}

TEST(fd_minus1_ref_unregisters)
{
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);
	int d = reg(&f, fd), m1 = -1;

	/* vfio-user's form: count 1, no fds */
	ASSERT_EQ(0, simple(&f, ACT_TRIGGER | DATA_EVENTFD, 1));
	ASSERT_FALSE(fd_open(d));
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	/* the ioctl form: an explicit -1 */
	reg(&f, fd);
	ASSERT_EQ(0, set_irqs(&f, 5, ACT_TRIGGER | DATA_EVENTFD, 0, 1, NULL, 0, &m1, 1));
	flip(&f, 0, SURF0);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	fx_close(&f);
}

TEST(fd_minus1_v6_refused)
{
	struct fx f;
	int fd = ref_setup(&f, "v6", 0);

	ASSERT_EQ(-EBADF, simple(&f, ACT_TRIGGER | DATA_EVENTFD, 1));
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	fx_close(&f);
}

TEST(reregister_moves_and_releases)
{
	struct fx f;
	int a = ref_setup(&f, "ref", 0), b = efd();
	int da = reg(&f, a);

	reg(&f, b);
	ASSERT_FALSE(fd_open(da));	/* released */
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(a));
	ASSERT_EQ(PRI, rd(b));
	fx_close(&f);
}

TEST(v6_reregister_keeps_old_open)
{
	struct fx f;
	int a = ref_setup(&f, "v6", 0), b = efd();
	int da = reg(&f, a);

	reg(&f, b);
	ASSERT_TRUE(fd_open(da));	/* the series' leaked reference */
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(a));
	ASSERT_EQ(PRI, rd(b));
	fx_close(&f);
}

TEST(leak_signals_old_too)
{
	struct fx f;
	int a = ref_setup(&f, "leak", 0), b = efd();

	reg(&f, b);
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(a));
	ASSERT_EQ(PRI, rd(b));
	/* unregistering stops both */
	ASSERT_EQ(0, simple(&f, ACT_TRIGGER | DATA_NONE, 0));
	flip(&f, 0, SURF0);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(a));
	ASSERT_EQ(0u, rd(b));
	fx_close(&f);
}

TEST(close_and_reset_release_ref)
{
	struct fx f;
	int a = ref_setup(&f, "ref", 0), b = efd();
	int da = reg(&f, a);

	ASSERT_EQ(0, simple(&f, ACT_MASK | DATA_NONE, 1));
	vgpu_client_closed(f.v);
	ASSERT_FALSE(fd_open(da));
	/* a new opener starts unregistered and unmasked */
	ASSERT_EQ(0, simple(&f, ACT_TRIGGER | DATA_NONE, 1));	/* loopback: nobody */
	reg(&f, b);
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(b));
	ASSERT_EQ(0u, rd(a));
	ASSERT_EQ(0, vgpu_reset(f.v));
	flip(&f, 0, SURF0);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(b));
	fx_close(&f);
}

TEST(close_and_reset_keep_v6)
{
	struct fx f;
	int a = ref_setup(&f, "v6", 0);

	ASSERT_EQ(0, simple(&f, ACT_MASK | DATA_NONE, 1));
	vgpu_client_closed(f.v);
	ASSERT_EQ(0, vgpu_reset(f.v));
	ASSERT_EQ(0, simple(&f, ACT_UNMASK | DATA_NONE, 1));
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(a));	/* the old eventfd is still signalled */
	vgpu_client_closed(f.v);
	flip(&f, 0, SURF0);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(a));
	fx_close(&f);
}

TEST(null_deref_kills_v6)
{
	struct fx f;
	int d;

	fx_open(&f, "v6", 0);
	ASSERT_EQ(-EIO, simple(&f, ACT_TRIGGER | DATA_EVENTFD, 0));
	ASSERT_TRUE(vgpu_dead(f.v));
	ASSERT_STREQ("emulated oops: NULL pointer dereference in SET_IRQS (v6)",
		     vgpu_dead_reason(f.v));
	ASSERT_EQ(1u, ((struct vgpu_shm_header *)f.shm)->dead);
	ASSERT_EQ(-EIO, simple(&f, ACT_MASK | DATA_NONE, 1));
	ticks(&f, 3);
	ASSERT_EQ(0u, vgpu_vblank_count(f.v));
	fx_close(&f);

	fx_open(&f, "v5", 0);
	d = dup(efd());
	ASSERT_EQ(-EIO, set_irqs(&f, 5, ACT_TRIGGER | DATA_NONE | DATA_EVENTFD, 0, 1,
				 NULL, 0, &d, 1));
	ASSERT_FALSE(fd_open(d));
	ASSERT_TRUE(vgpu_dead(f.v));
	fx_close(&f);
}

TEST(lax_mask_count)
{
	struct fx f;

	fx_open(&f, "v6", 0);
	ASSERT_EQ(0, simple(&f, ACT_MASK | DATA_NONE, 2));
	ASSERT_EQ(0, simple(&f, ACT_UNMASK | DATA_NONE, 0));
	ASSERT_EQ(-EINVAL, simple(&f, ACT_MASK | DATA_NONE, 3));
	fx_close(&f);
	fx_open(&f, "ref", 0);
	ASSERT_EQ(-EINVAL, simple(&f, ACT_MASK | DATA_NONE, 2));
	ASSERT_EQ(-EINVAL, simple(&f, ACT_MASK | DATA_NONE, 0));
	fx_close(&f);
}

TEST(loopback_trigger)
{
	struct fx f;
	int fd;

	fx_open(&f, "ref", 0);
	fd = efd();
	reg(&f, fd);
	ASSERT_EQ(0, simple(&f, ACT_TRIGGER | DATA_NONE, 1));
	ASSERT_EQ(PRI, rd(fd));
	fx_close(&f);
}

/* ------------------------------------------------------------ event logic */

TEST(ref_idle_heuristic)
{
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);

	for (unsigned t = 1; t <= 11; t++) {
		ticks(&f, 1);
		ASSERT_EQ(0u, rd(fd));
	}
	for (unsigned t = 12; t <= 20; t++) {
		ticks(&f, 1);
		ASSERT_EQ(PRI, rd(fd));
	}
	/* a flip resets idle: THR + 1 silent ticks again */
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	ticks(&f, 11);
	ASSERT_EQ(0u, rd(fd));
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	fx_close(&f);
}

TEST(ref_cursor_does_not_reset_idle)
{
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);

	vgpu_mmio_write(f.v, VRC_CURCNTR(0), VRC_CURSOR_MODE_64_ARGB);
	for (unsigned t = 1; t <= 11; t++) {
		vgpu_mmio_write(f.v, VRC_CURPOS(0), t);
		ticks(&f, 1);
		ASSERT_EQ(CUR, rd(fd));
	}
	vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
	ticks(&f, 1);
	ASSERT_EQ(PRI | CUR, rd(fd));
	fx_close(&f);
}

TEST(v6_cursor_resets_idle)
{
	struct fx f;
	int fd = ref_setup(&f, "v6", 0);

	for (unsigned t = 1; t <= 30; t++) {
		vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
		ticks(&f, 1);
		ASSERT_EQ(CUR, rd(fd));
	}
	fx_close(&f);
}

TEST(ref_one_signal_per_tick)
{
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);

	plane_setup(&f, 1);
	flip(&f, 0, SURF1);
	flip(&f, 1, SURF1);
	vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
	vgpu_mmio_write(f.v, VRC_CURPOS(1), 5);
	ticks(&f, 1);
	ASSERT_EQ(PRI | CUR, rd(fd));
	ASSERT_EQ(1u, vgpu_mmio_read(f.v, VRC_PIPE_FRMCOUNT(1)));
	fx_close(&f);
}

TEST(ref_disabled_pipe_flip_discarded)
{
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);
	const struct vgpu_shm_header *h = (const struct vgpu_shm_header *)f.shm;

	flip(&f, 1, SURF1);
	vgpu_mmio_write(f.v, VRC_CURBASE(2), CURSOR_SURF);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	ASSERT_EQ(0u, h->pipe[1].flip_done_seq);
	/* not carried over to the enable either */
	plane_setup(&f, 1);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	fx_close(&f);
}

TEST(ref_async_flip)
{
	struct fx f;
	int fd = ref_setup(&f, "ref", 0);

	vgpu_mmio_write(f.v, VRC_PLANE_CTL(0), VRC_PLANE_CTL_ENABLE |
			VRC_PLANE_CTL_FORMAT_XRGB8888 | VRC_PLANE_CTL_ASYNC_FLIP);
	flip(&f, 0, SURF1);
	ASSERT_EQ(0u, rd(fd));
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	fx_close(&f);
}

/* The signal one tick after `write` on a fresh model with pipe A on. */
static uint64_t signal_after(const char *model, void (*write)(struct fx *f))
{
	struct fx f;
	int fd = ref_setup(&f, model, 0);
	uint64_t v;

	flip(&f, 0, SURF1);
	vgpu_mmio_write(f.v, VRC_CURCNTR(0), VRC_CURSOR_MODE_64_ARGB);
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 0);
	vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
	ticks(&f, 1);
	ASSERT_EQ(PRI | CUR, rd(fd));
	write(&f);
	ticks(&f, 1);
	v = rd(fd);
	fx_close(&f);
	close(fd);
	return v;
}

static void write_async_flip(struct fx *f)
{
	vgpu_mmio_write(f->v, VRC_PLANE_CTL(0), VRC_PLANE_CTL_ENABLE |
			VRC_PLANE_CTL_FORMAT_XRGB8888 | VRC_PLANE_CTL_ASYNC_FLIP);
	flip(f, 0, SURF0);
}

static void write_same_surf(struct fx *f)
{
	flip(f, 0, SURF1);
}

static void write_negative_curpos(struct fx *f)
{
	vgpu_mmio_write(f->v, VRC_CURPOS(0), 1u << 31 | 5u << 16 | 1u << 15 | 7u);
	vgpu_mmio_write(f->v, VRC_CURBASE(0), CURSOR_SURF);
}

/* each plane off, then on again, then updated */
static void write_planes_off_on(struct fx *f)
{
	vgpu_mmio_write(f->v, VRC_PLANE_CTL(0), 0);
	vgpu_mmio_write(f->v, VRC_CURCNTR(0), 0);
	vgpu_mmio_write(f->v, VRC_PLANE_CTL(0), VRC_PLANE_CTL_ENABLE |
			VRC_PLANE_CTL_FORMAT_XRGB8888);
	vgpu_mmio_write(f->v, VRC_CURCNTR(0), VRC_CURSOR_MODE_64_ARGB);
	flip(f, 0, SURF0);
	vgpu_mmio_write(f->v, VRC_CURBASE(0), CURSOR_SURF);
}

static void write_pipe_off_on(struct fx *f)
{
	vgpu_mmio_write(f->v, VRC_PIPECONF(0), 0);
	vgpu_mmio_write(f->v, VRC_PIPECONF(0), VRC_PIPECONF_ENABLE);
	flip(f, 0, SURF0);
}

/* Each input-class fault model loses exactly its class's update. */
TEST(input_class_models)
{
	ASSERT_EQ(PRI, signal_after("ref", write_async_flip));
	ASSERT_EQ(0u, signal_after("no-async", write_async_flip));
	ASSERT_EQ(PRI, signal_after("ref", write_same_surf));
	ASSERT_EQ(0u, signal_after("same-surf", write_same_surf));
	ASSERT_EQ(PRI, signal_after("same-surf", write_async_flip));
	ASSERT_EQ(CUR, signal_after("ref", write_negative_curpos));
	ASSERT_EQ(0u, signal_after("offscreen-cursor", write_negative_curpos));
	ASSERT_EQ(PRI | CUR, signal_after("ref", write_planes_off_on));
	ASSERT_EQ(0u, signal_after("plane-off-on", write_planes_off_on));
	ASSERT_EQ(PRI, signal_after("ref", write_pipe_off_on));
	ASSERT_EQ(0u, signal_after("pipe-off-on", write_pipe_off_on));
	ASSERT_EQ(PRI | CUR, signal_after("pipe-off-on", write_planes_off_on));
}

TEST(v3_every_vblank)
{
	struct fx f;
	int fd = ref_setup(&f, "v3", 0);

	for (unsigned t = 0; t < 5; t++) {
		ticks(&f, 1);
		ASSERT_EQ(PRI, rd(fd));
	}
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 1);
	ticks(&f, 1);
	ASSERT_EQ(PRI | CUR, rd(fd));
	fx_close(&f);
}

TEST(v6_heuristic_three_per_tick)
{
	struct fx f;
	int fd = ref_setup(&f, "v6", 0);

	ticks(&f, 3);
	ASSERT_EQ(0u, rd(fd));
	ticks(&f, 1);	/* idle 9 -> 10 -> 11, then pipe C fires */
	ASSERT_EQ(PRI, rd(fd));
	for (unsigned t = 0; t < 5; t++) {
		ticks(&f, 1);
		ASSERT_EQ(3 * PRI, rd(fd));
	}
	ASSERT_EQ(9u, vgpu_mmio_read(f.v, VRC_PIPE_FRMCOUNT(0)));
	ASSERT_EQ(0u, vgpu_mmio_read(f.v, VRC_PIPE_FRMCOUNT(1)));
	fx_close(&f);
}

TEST(v6_curpos_not_trapped)
{
	struct fx f;
	int fd = ref_setup(&f, "v6", 0);

	vgpu_mmio_write(f.v, VRC_CURPOS(0), 5);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
	ticks(&f, 1);
	ASSERT_EQ(CUR, rd(fd));
	fx_close(&f);
}

/* Two vGPUs on one global: vGPU b flips every tick, a stays idle. */
static unsigned idle_signals_with_busy_neighbour(const char *model)
{
	struct fx a, b;
	int fa = ref_setup(&a, model, 0);
	unsigned n = 0;

	shared_global.static_idle = 0;
	fx_open(&b, model, 0);
	plane_setup(&b, 0);
	for (unsigned t = 0; t < 30; t++) {
		flip(&b, 0, t & 1 ? SURF0 : SURF1);
		ticks(&b, 1);
		ticks(&a, 1);
		n += rd(fa) != 0;
	}
	fx_close(&b);
	fx_close(&a);
	return n;
}

TEST(v5_idle_shared_between_vgpus)
{
	ASSERT_EQ(0u, idle_signals_with_busy_neighbour("v5"));
	ASSERT_GT(idle_signals_with_busy_neighbour("v6"), 20u);
	ASSERT_GT(idle_signals_with_busy_neighbour("ref"), 15u);
}

/*
 * Two vGPUs (instances 0 and 1) on one global: what vGPU 0 gets in three
 * ticks while vGPU 1 masks its irq and flips; vGPU 0 flips at the first.
 */
static void iso_pair(const char *model, uint64_t got[3])
{
	struct fx a, b;
	char err[256];
	int fa = efd(), fb = efd();

	memset(&shared_global, 0, sizeof(shared_global));
	ASSERT_EQ(0, fx_try_instance(&a, model, 0, SHM_SIZE, &shared_global, 0, err,
				     sizeof(err)));
	ASSERT_EQ(0, fx_try_instance(&b, model, 0, SHM_SIZE, &shared_global, 1, err,
				     sizeof(err)));
	plane_setup(&a, 0);
	plane_setup(&b, 0);
	reg(&a, fa);
	reg(&b, fb);
	ASSERT_EQ(0, simple(&b, ACT_MASK | DATA_NONE, 1));
	flip(&a, 0, SURF1);
	for (unsigned t = 0; t < 3; t++) {
		flip(&b, 0, t & 1 ? SURF0 : SURF1);
		ticks(&b, 1);
		ticks(&a, 1);
		got[t] = rd(fa);
	}
	fx_close(&b);
	fx_close(&a);
	close(fa);
	close(fb);
}

TEST(iso_models_leak_between_vgpus)
{
	uint64_t got[3];

	iso_pair("ref", got);
	ASSERT_EQ(PRI, got[0]);
	ASSERT_EQ(0u, got[1] | got[2]);
	iso_pair("iso-shared-mask", got);	/* vGPU 1's mask silences vGPU 0 */
	ASSERT_EQ(0u, got[0] | got[1] | got[2]);
	iso_pair("iso-crosstalk", got);		/* vGPU 1's flips reach vGPU 0 */
	ASSERT_EQ(PRI, got[0]);
	ASSERT_EQ(PRI, got[1]);
	ASSERT_EQ(PRI, got[2]);
}

TEST(curpipe_cursor_on_pipe_b)
{
	struct fx f;
	int fd = efd();

	fx_open(&f, "curpipe", 0);
	plane_setup(&f, 1);
	reg(&f, fd);
	vgpu_mmio_write(f.v, VRC_CURBASE(1), CURSOR_SURF);
	vgpu_mmio_write(f.v, VRC_CURPOS(1), 3);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	fx_close(&f);
	fx_open(&f, "ref", 0);
	plane_setup(&f, 1);
	reg(&f, fd);
	vgpu_mmio_write(f.v, VRC_CURBASE(1), CURSOR_SURF);
	ticks(&f, 1);
	ASSERT_EQ(CUR, rd(fd));
	fx_close(&f);
}

TEST(no_cursor_and_no_curpos)
{
	struct fx f;
	int fd = ref_setup(&f, "no-cursor", 0);

	vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 3);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	fx_close(&f);
	fd = ref_setup(&f, "no-curpos", 0);
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 3);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
	ticks(&f, 1);
	ASSERT_EQ(CUR, rd(fd));
	fx_close(&f);
}

TEST(early_signals_at_write)
{
	struct fx f;
	int fd = ref_setup(&f, "early", 0);

	flip(&f, 0, SURF1);
	ASSERT_EQ(PRI, rd(fd));
	flip(&f, 0, SURF0);
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 1);
	ASSERT_EQ(PRI + CUR, rd(fd));
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	/* two writes in one frame: a burst */
	flip(&f, 0, SURF1);
	flip(&f, 0, SURF0);
	ASSERT_EQ(2 * PRI, rd(fd));
	fx_close(&f);
}

TEST(late_two_ticks)
{
	struct fx f;
	int fd = ref_setup(&f, "late", 0);

	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(fd));
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	/* a pending late signal is not delivered while masked */
	flip(&f, 0, SURF0);
	ticks(&f, 1);
	ASSERT_EQ(0, simple(&f, ACT_MASK | DATA_NONE, 1));
	ticks(&f, 2);
	ASSERT_EQ(0u, rd(fd));
	fx_close(&f);
}

TEST(drop_every_seventh)
{
	struct fx f;
	int fd = ref_setup(&f, "drop", 0);

	for (unsigned t = 1; t <= 21; t++) {
		flip(&f, 0, t & 1 ? SURF0 : SURF1);
		ticks(&f, 1);
		ASSERT_EQ(t % 7 ? PRI : 0, rd(fd));
	}
	fx_close(&f);
}

/* sparse: only every 4th signal reaches the eventfd, cursor ones too */
TEST(sparse_every_fourth)
{
	struct fx f;
	int fd = ref_setup(&f, "sparse", 0);

	for (unsigned t = 1; t <= 12; t++) {
		flip(&f, 0, t & 1 ? SURF0 : SURF1);
		ticks(&f, 1);
		ASSERT_EQ(t % 4 ? 0 : PRI, rd(fd));
	}
	for (unsigned t = 13; t <= 16; t++) {
		vgpu_mmio_write(f.v, VRC_CURPOS(0), t);
		ticks(&f, 1);
		ASSERT_EQ(t % 4 ? 0 : CUR, rd(fd));
	}
	fx_close(&f);
}

TEST(dup_twice)
{
	struct fx f;
	int fd = ref_setup(&f, "dup", 0);

	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(2 * PRI, rd(fd));
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 1);
	ticks(&f, 1);
	ASSERT_EQ(2 * CUR, rd(fd));
	fx_close(&f);
}

TEST(badval_v6_stray_one)
{
	struct fx f;
	int fd = ref_setup(&f, "badval", 0);

	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(PRI + 1, rd(fd));
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 1);
	ticks(&f, 1);
	ASSERT_EQ(CUR + 1, rd(fd));
	fx_close(&f);
}


TEST(v7_sub_irqs)
{
	struct fx f;
	int p = efd(), c = efd();

	fx_open(&f, "ref", VRC_ABI_V7);
	plane_setup(&f, 0);
	reg2(&f, p, c);
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(1u, rd(p));
	ASSERT_EQ(0u, rd(c));
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 1);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(p));
	ASSERT_EQ(1u, rd(c));
	flip(&f, 0, SURF0);
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 2);
	ticks(&f, 1);
	ASSERT_EQ(1u, rd(p));
	ASSERT_EQ(1u, rd(c));
	ASSERT_EQ(-EINVAL, simple(&f, ACT_TRIGGER | DATA_EVENTFD, 3));
	fx_close(&f);
}

TEST(badval_v7_flip_signals_cursor)
{
	struct fx f;
	int p = efd(), c = efd();

	fx_open(&f, "badval", VRC_ABI_V7);
	plane_setup(&f, 0);
	reg2(&f, p, c);
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 1);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(p));
	ASSERT_EQ(1u, rd(c));
	flip(&f, 0, SURF1);
	ticks(&f, 1);
	ASSERT_EQ(1u, rd(p));
	ASSERT_EQ(1u, rd(c));
	fx_close(&f);
}

TEST(saturated_counter_never_blocks)
{
	struct fx f;
	int blocking = eventfd(0, EFD_CLOEXEC), nb = efd();
	uint64_t fill = VRC_EVENTFD_MAX - 5, x;

	ASSERT_GE(blocking, 0);
	fx_open(&f, "ref", 0);
	plane_setup(&f, 0);
	ASSERT_EQ(8, write(blocking, &fill, 8));
	reg(&f, blocking);
	flip(&f, 0, SURF1);
	ticks(&f, 1);		/* would block forever if attempted */
	ASSERT_EQ(8, read(blocking, &x, 8));
	ASSERT_EQ(fill, x);
	reg(&f, nb);
	for (unsigned t = 0; t < 300; t++) {
		flip(&f, 0, t & 1 ? SURF0 : SURF1);
		ticks(&f, 1);
	}
	ASSERT_EQ(255 * PRI, rd(nb));
	fx_close(&f);
}

/* ---------------------------------------------------------------- regions */

TEST(device_and_region_info)
{
	struct fx f;
	struct vfu_device_info di;
	struct vfu_region_info ri;
	int fd = 0;

	fx_open(&f, "ref", 0);
	vgpu_device_info(f.v, &di);
	ASSERT_EQ(9u, di.num_regions);
	ASSERT_EQ(6u, di.num_irqs);
	ASSERT_EQ(3u, di.flags);
	ASSERT_EQ(0, vgpu_region_info(f.v, 0, &ri, &fd));
	ASSERT_EQ(-1, fd);
	ASSERT_EQ((uint64_t)VGPU_BAR0_SIZE, ri.size);
	ASSERT_EQ(3u, ri.flags);
	ASSERT_EQ(0, vgpu_region_info(f.v, 2, &ri, &fd));
	ASSERT_EQ(2ull << 20, ri.size);	/* 3 MiB of VRAM, rounded down */
	ASSERT_EQ(1u, ri.flags);
	ASSERT_EQ(0, vgpu_region_info(f.v, 7, &ri, &fd));
	ASSERT_EQ(256u, ri.size);
	ASSERT_EQ(0, vgpu_region_info(f.v, 4, &ri, &fd));
	ASSERT_EQ(0u, ri.size);
	ASSERT_EQ(-EINVAL, vgpu_region_info(f.v, 9, &ri, &fd));
	fx_close(&f);
}

TEST(config_space)
{
	struct fx f;
	uint8_t cfg[256], z[4] = { 0xff, 0xff, 0xff, 0xff };
	uint32_t x;

	fx_open(&f, "ref", 0);
	ASSERT_EQ(0, vgpu_region_read(f.v, 7, 0, cfg, 256));
	ASSERT_EQ(0x8086, cfg[0] | cfg[1] << 8);
	ASSERT_EQ(0x1912, cfg[2] | cfg[3] << 8);
	ASSERT_EQ(0x03, cfg[0x0b]);
	ASSERT_EQ(0x00, cfg[0x0a]);
	ASSERT_EQ(0x00, cfg[0x0e]);
	ASSERT_EQ(0x04, cfg[0x10]);
	ASSERT_EQ(0, cfg[6] & 0x10);	/* no capability list */
	ASSERT_EQ(0, vgpu_region_write(f.v, 7, 0x10, z, 4));
	ASSERT_EQ(0, vgpu_region_read(f.v, 7, 0x10, &x, 4));
	ASSERT_EQ(4u, x);
	ASSERT_EQ(-EINVAL, vgpu_region_read(f.v, 7, 254, &x, 4));
	fx_close(&f);
}

TEST(bar0_access)
{
	struct fx f;
	uint64_t q;
	uint16_t h;
	uint8_t b = 0x80;
	int fd;

	fd = ref_setup(&f, "ref", 0);
	q = ((uint64_t)0x11223344 << 32) | 640 * 4;
	ASSERT_EQ(0, vgpu_region_write(f.v, 0, VRC_PLANE_STRIDE(0), &q, 8));
	ASSERT_EQ(0x11223344u, vgpu_mmio_read(f.v, VRC_PLANE_STRIDE(0) + 4));
	q = 0;
	ASSERT_EQ(0, vgpu_region_read(f.v, 0, VRC_PLANE_STRIDE(0), &q, 8));
	ASSERT_EQ(((uint64_t)0x11223344 << 32) | 640 * 4, q);
	ASSERT_EQ(0, vgpu_region_read(f.v, 0, VRC_PLANE_STRIDE(0) + 6, &h, 2));
	ASSERT_EQ(0x1122, h);
	/* a byte write merges, and still goes through the traps */
	ASSERT_EQ(0, vgpu_region_write(f.v, 0, VRC_PLANE_SURF(0) + 2, &b, 1));
	ASSERT_EQ(0x800000u, vgpu_mmio_read(f.v, VRC_PLANE_SURF(0)));
	ticks(&f, 1);
	ASSERT_EQ(PRI, rd(fd));
	ASSERT_EQ(-EINVAL, vgpu_region_read(f.v, 0, 2, &q, 4));
	ASSERT_EQ(-EINVAL, vgpu_region_read(f.v, 0, 0, &q, 3));
	ASSERT_EQ(-EINVAL, vgpu_region_read(f.v, 0, VGPU_BAR0_SIZE, &q, 4));
	ASSERT_EQ(-EINVAL, vgpu_region_write(f.v, 0, VGPU_BAR0_SIZE - 4, &q, 8));
	ASSERT_EQ(0, vgpu_region_read(f.v, 0, 0x100, &q, 8));
	ASSERT_EQ(0u, q);
	ASSERT_EQ(-EINVAL, vgpu_region_read(f.v, 3, 0, &q, 4));
	fx_close(&f);
}

TEST(bar2_reads_vram)
{
	struct fx f;
	uint8_t buf[16];

	fx_open(&f, "ref", 0);
	memcpy(f.shm + (1u << 20) + 0x1000, "vram bytes", 10);
	ASSERT_EQ(0, vgpu_region_read(f.v, 2, 0x1000, buf, 10));
	ASSERT_EQ(0, memcmp(buf, "vram bytes", 10));
	ASSERT_EQ(-EINVAL, vgpu_region_read(f.v, 2, (2u << 20) - 4, buf, 8));
	ASSERT_EQ(-EINVAL, vgpu_region_write(f.v, 2, 0, buf, 4));
	fx_close(&f);
}

/* ----------------------------------------------------------------- planes */

static struct vfio_device_gfx_plane_info query(uint32_t type)
{
	struct vfio_device_gfx_plane_info p;

	memset(&p, 0, sizeof(p));
	p.argsz = sizeof(p);
	p.flags = VFIO_GFX_PLANE_TYPE_DMABUF;
	p.drm_plane_type = type;
	return p;
}

TEST(plane_flags)
{
	struct fx f;
	struct vfio_device_gfx_plane_info p = query(VRC_PLANE_PRIMARY);

	fx_open(&f, "ref", 0);
	p.flags = VFIO_GFX_PLANE_TYPE_DMABUF | VFIO_GFX_PLANE_TYPE_PROBE;
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));
	p.flags = VFIO_GFX_PLANE_TYPE_REGION | VFIO_GFX_PLANE_TYPE_PROBE;
	ASSERT_EQ(-EINVAL, vgpu_query_plane(f.v, &p));
	p.flags = 0;
	ASSERT_EQ(-EINVAL, vgpu_query_plane(f.v, &p));
	p = query(3);
	ASSERT_EQ(-EINVAL, vgpu_query_plane(f.v, &p));
	p = query(VRC_PLANE_PRIMARY);
	p.argsz = 16;
	ASSERT_EQ(-EINVAL, vgpu_query_plane(f.v, &p));
	fx_close(&f);
}

TEST(plane_off_leaves_struct)
{
	struct fx f;
	struct vfio_device_gfx_plane_info p, q;

	fx_open(&f, "ref", 0);
	p = query(VRC_PLANE_PRIMARY);
	p.width = 0xaaaa;
	q = p;
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));	/* pipe off */
	ASSERT_EQ(0, memcmp(&p, &q, sizeof(p)));
	vgpu_mmio_write(f.v, VRC_PIPECONF(0), VRC_PIPECONF_ENABLE);
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));	/* plane off */
	ASSERT_EQ(0, memcmp(&p, &q, sizeof(p)));
	p = query(VRC_PLANE_CURSOR);
	q = p;
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));	/* cursor mode 0 */
	ASSERT_EQ(0, memcmp(&p, &q, sizeof(p)));
	fx_close(&f);
}

TEST(plane_primary_and_dmabuf_ids)
{
	struct fx f;
	struct vfio_device_gfx_plane_info p;
	uint64_t off = 0, size = 0;

	fx_open(&f, "ref", 0);
	plane_setup(&f, 0);
	flip(&f, 0, SURF1);
	p = query(VRC_PLANE_PRIMARY);
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));
	ASSERT_EQ(0x34325258u, p.drm_format);
	ASSERT_EQ(0ull, p.drm_format_mod);
	ASSERT_EQ(640u, p.width);
	ASSERT_EQ(480u, p.height);
	ASSERT_EQ(2560u, p.stride);
	ASSERT_EQ(2560u * 480, p.size);
	ASSERT_EQ(0u, p.x_pos);
	ASSERT_EQ(1u, p.dmabuf_id);
	ASSERT_EQ(0, vgpu_get_dmabuf(f.v, 1, &off, &size));
	ASSERT_EQ((1ull << 20) + SURF1, off);
	ASSERT_EQ(2560ull * 480, size);
	p = query(VRC_PLANE_PRIMARY);
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));
	ASSERT_EQ(1u, p.dmabuf_id);	/* unchanged: reused */
	flip(&f, 0, SURF0);
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));
	ASSERT_EQ(2u, p.dmabuf_id);
	flip(&f, 0, SURF1);
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));
	ASSERT_EQ(1u, p.dmabuf_id);
	vgpu_mmio_write(f.v, VRC_PLANE_SIZE(0), (239u << 16) | 639u);
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));
	ASSERT_EQ(3u, p.dmabuf_id);	/* geometry changed */
	ASSERT_EQ(-EINVAL, vgpu_get_dmabuf(f.v, 99, &off, &size));
	ASSERT_EQ(-EINVAL, vgpu_get_dmabuf(f.v, 0, &off, &size));
	fx_close(&f);
}

/* stale-dmabuf: a flip to a same-sized buffer hands out the first one's id. */
TEST(plane_stale_dmabuf_reuses_first_id)
{
	struct fx f;
	struct vfio_device_gfx_plane_info p;
	uint64_t off = 0;

	fx_open(&f, "stale-dmabuf", 0);
	plane_setup(&f, 0);
	flip(&f, 0, SURF1);
	p = query(VRC_PLANE_PRIMARY);
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));
	ASSERT_EQ(1u, p.dmabuf_id);
	flip(&f, 0, SURF0);
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));
	ASSERT_EQ(1u, p.dmabuf_id);		/* ref: 2 */
	ASSERT_EQ(0, vgpu_get_dmabuf(f.v, 1, &off, NULL));
	ASSERT_EQ((1ull << 20) + SURF1, off);	/* the old buffer */
	fx_close(&f);
}

TEST(plane_bad_surface_and_tiling)
{
	struct fx f;
	struct vfio_device_gfx_plane_info p = query(VRC_PLANE_PRIMARY);

	fx_open(&f, "ref", 0);
	plane_setup(&f, 0);
	flip(&f, 0, 0x100);
	ASSERT_EQ(-EFAULT, vgpu_query_plane(f.v, &p));
	flip(&f, 0, (3u << 20) - 4096);	/* runs past the end of VRAM */
	ASSERT_EQ(-EFAULT, vgpu_query_plane(f.v, &p));
	flip(&f, 0, 0xfffff000u);
	ASSERT_EQ(-EFAULT, vgpu_query_plane(f.v, &p));
	flip(&f, 0, SURF0);
	vgpu_mmio_write(f.v, VRC_PLANE_SIZE(0), (99u << 16) | 99u);
	vgpu_mmio_write(f.v, VRC_PLANE_STRIDE(0), 512);
	vgpu_mmio_write(f.v, VRC_PLANE_CTL(0), VRC_PLANE_CTL_ENABLE |
			VRC_PLANE_CTL_FORMAT_XRGB8888 | VRC_PLANE_CTL_TILED_X);
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));
	ASSERT_EQ((1ull << 56) | 1, p.drm_format_mod);
	ASSERT_EQ(512u * 104, p.size);	/* 100 rows rounded to 8, to a page */
	vgpu_mmio_write(f.v, VRC_PLANE_STRIDE(0), 100);	/* < width * 4 */
	ASSERT_EQ(-EINVAL, vgpu_query_plane(f.v, &p));
	fx_close(&f);
}

TEST(plane_cursor)
{
	struct fx f;
	struct vfio_device_gfx_plane_info p = query(VRC_PLANE_CURSOR);

	fx_open(&f, "ref", 0);
	plane_setup(&f, 0);
	vgpu_mmio_write(f.v, VRC_CURCNTR(0), VRC_CURSOR_MODE_64_ARGB);
	vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
	vgpu_mmio_write(f.v, VRC_CURPOS(0), (1u << 15) | 5 | (7u << 16));
	ASSERT_EQ(0, vgpu_query_plane(f.v, &p));
	ASSERT_EQ(0x34325241u, p.drm_format);
	ASSERT_EQ(64u, p.width);
	ASSERT_EQ(64u, p.height);
	ASSERT_EQ(256u, p.stride);
	ASSERT_EQ(16384u, p.size);
	ASSERT_EQ((uint32_t)-5, p.x_pos);
	ASSERT_EQ(7u, p.y_pos);
	ASSERT_EQ(0xffffffffu, p.x_hot);
	ASSERT_EQ(0xffffffffu, p.y_hot);
	ASSERT_EQ(1u, p.dmabuf_id);
	vgpu_mmio_write(f.v, VRC_CURCNTR(0), 0x11);	/* unknown mode */
	ASSERT_EQ(-EINVAL, vgpu_query_plane(f.v, &p));
	fx_close(&f);
}

VTEST_MAIN()
