// SPDX-License-Identifier: MIT
/*
 * The TEAR matcher on synthetic frames: a complete frame, a frame torn at
 * band k, a band of no known frame, and the same pixels behind stride
 * padding and X-byte garbage. Each asserts the matcher's exact answer (kind,
 * frame, band, other frame), which a matcher that only compares whole
 * frames, or compares the X byte or the padding, gets wrong.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <zlib.h>

#include "vrc/capture.h"
#include "vrc/util.h"
#include "vrc/vtest.h"

#define W	40u
#define H	64u
#define NB	16u

/* Visible pixel of frame f: distinct in every band of every frame. */
static uint32_t px(uint32_t f, uint32_t x, uint32_t y)
{
	uint32_t h = f * 0x9e3779b1u ^ (y * 0x85ebca6bu) ^ (x * 0xc2b2ae35u);

	h ^= h >> 15;
	return (h * 0x27d4eb2du) & 0x00ffffffu;
}

/* Frame f into buf with the given stride; X byte and padding filled with
 * junk that depends on `junk`. */
static void draw(uint8_t *buf, uint32_t stride, uint32_t f, uint32_t junk)
{
	for (uint32_t y = 0; y < H; y++) {
		uint8_t *row = buf + (size_t)y * stride;
		for (uint32_t x = 0; x < W; x++) {
			uint32_t v = px(f, x, y) | ((junk * 37u + x + y) & 0xffu) << 24;
			memcpy(row + x * 4, &v, 4);
		}
		for (uint32_t b = W * 4; b < stride; b++)
			row[b] = (uint8_t)(junk * 11u + b + y);
	}
}

/* Copy rows [y0, y1) of src into dst (same stride). */
static void copy_rows(uint8_t *dst, const uint8_t *src, uint32_t stride, uint32_t y0, uint32_t y1)
{
	memcpy(dst + (size_t)y0 * stride, src + (size_t)y0 * stride, (size_t)(y1 - y0) * stride);
}

/* A table with frames 10, 11, 12 added from tightly packed clean buffers. */
static void table3(struct vrc_frame_table *t)
{
	uint8_t *buf = malloc(W * 4 * H);

	ASSERT_EQ(0, vrc_frames_init(t, W, H, NB));
	for (uint32_t f = 10; f <= 12; f++) {
		draw(buf, W * 4, f, 0);
		ASSERT_EQ(0, vrc_frames_add(t, f, buf, W * 4));
	}
	free(buf);
}

static void crcs(const uint8_t *buf, uint32_t stride, struct vrc_band_crcs *c)
{
	ASSERT_EQ(0, vrc_band_crc_xrgb(buf, W, H, stride, NB, c));
}

TEST(complete_frame_is_that_frame)
{
	struct vrc_frame_table t;
	struct vrc_band_crcs c;
	struct vrc_match m;
	uint8_t *buf = malloc(W * 4 * H);

	table3(&t);
	draw(buf, W * 4, 11, 0);
	crcs(buf, W * 4, &c);
	ASSERT_EQ(0, vrc_frames_match(&t, &c, &m));
	ASSERT_EQ((int)VRC_MATCH_FRAME, (int)m.kind);
	ASSERT_EQ(11u, m.frame);
	for (uint32_t b = 0; b < NB; b++)
		ASSERT_EQ(11u, m.band_frame[b]);
	free(buf);
}

TEST(torn_at_band_k_names_band_and_frames)
{
	struct vrc_frame_table t;
	struct vrc_band_crcs c;
	struct vrc_match m;
	uint8_t *a = malloc(W * 4 * H), *b = malloc(W * 4 * H);
	uint32_t y0, y1;
	char s[128];

	table3(&t);
	/* frame 12 above band 5, frame 10 from band 5 on */
	draw(a, W * 4, 12, 0);
	draw(b, W * 4, 10, 0);
	vrc_band_rows(5, NB, H, &y0, &y1);
	copy_rows(a, b, W * 4, y0, H);
	crcs(a, W * 4, &c);
	ASSERT_EQ(0, vrc_frames_match(&t, &c, &m));
	ASSERT_EQ((int)VRC_MATCH_TORN, (int)m.kind);
	ASSERT_EQ(5u, m.band);
	ASSERT_EQ(12u, m.frame);
	ASSERT_EQ(10u, m.other);
	ASSERT_EQ(12u, m.band_frame[4]);
	ASSERT_EQ(10u, m.band_frame[5]);
	ASSERT_EQ(10u, m.band_frame[NB - 1]);
	ASSERT_STREQ("torn at band 5: frame 12 above, frame 10 from there",
		     vrc_match_str(&m, s, sizeof(s)));
	free(a);
	free(b);
}

TEST(torn_in_the_last_band_only)
{
	struct vrc_frame_table t;
	struct vrc_band_crcs c;
	struct vrc_match m;
	uint8_t *a = malloc(W * 4 * H), *b = malloc(W * 4 * H);
	uint32_t y0, y1;

	table3(&t);
	draw(a, W * 4, 10, 0);
	draw(b, W * 4, 11, 0);
	vrc_band_rows(NB - 1, NB, H, &y0, &y1);
	copy_rows(a, b, W * 4, y0, y1);
	crcs(a, W * 4, &c);
	ASSERT_EQ(0, vrc_frames_match(&t, &c, &m));
	ASSERT_EQ((int)VRC_MATCH_TORN, (int)m.kind);
	ASSERT_EQ(NB - 1, m.band);
	ASSERT_EQ(10u, m.frame);
	ASSERT_EQ(11u, m.other);
	free(a);
	free(b);
}

TEST(unknown_band_is_reported_first)
{
	struct vrc_frame_table t;
	struct vrc_band_crcs c;
	struct vrc_match m;
	uint8_t *a = malloc(W * 4 * H);
	uint32_t y0, y1;

	table3(&t);
	draw(a, W * 4, 11, 0);
	/* one visible pixel in band 9 changes: no known frame has that band */
	vrc_band_rows(9, NB, H, &y0, &y1);
	a[(size_t)y0 * W * 4 + 8] ^= 0x01;
	crcs(a, W * 4, &c);
	ASSERT_EQ(0, vrc_frames_match(&t, &c, &m));
	ASSERT_EQ((int)VRC_MATCH_UNKNOWN, (int)m.kind);
	ASSERT_EQ(9u, m.band);
	ASSERT_EQ(11u, m.frame);
	ASSERT_EQ(VRC_NO_FRAME, m.band_frame[9]);
	ASSERT_EQ(11u, m.band_frame[10]);
	free(a);
}

TEST(stride_padding_and_x_byte_are_ignored)
{
	const uint32_t stride = W * 4 + 52;
	struct vrc_frame_table t;
	struct vrc_band_crcs c;
	struct vrc_match m;
	uint8_t *a = malloc((size_t)stride * H);

	table3(&t);
	/* the table came from clean packed buffers; this one is padded and
	 * carries X-byte junk */
	draw(a, stride, 12, 77);
	crcs(a, stride, &c);
	ASSERT_EQ(0, vrc_frames_match(&t, &c, &m));
	ASSERT_EQ((int)VRC_MATCH_FRAME, (int)m.kind);
	ASSERT_EQ(12u, m.frame);
	/* junk changes nothing */
	draw(a, stride, 12, 78);
	crcs(a, stride, &c);
	ASSERT_EQ(0, vrc_frames_match(&t, &c, &m));
	ASSERT_EQ((int)VRC_MATCH_FRAME, (int)m.kind);
	ASSERT_EQ(12u, m.frame);
	free(a);
}

TEST(identical_frames_match_the_newest)
{
	struct vrc_frame_table t;
	struct vrc_band_crcs c;
	struct vrc_match m;
	uint8_t *a = malloc(W * 4 * H);

	ASSERT_EQ(0, vrc_frames_init(&t, W, H, NB));
	draw(a, W * 4, 3, 0);
	ASSERT_EQ(0, vrc_frames_add(&t, 3, a, W * 4));
	ASSERT_EQ(0, vrc_frames_add(&t, 4, a, W * 4));	/* redrawn unchanged */
	crcs(a, W * 4, &c);
	ASSERT_EQ(0, vrc_frames_match(&t, &c, &m));
	ASSERT_EQ((int)VRC_MATCH_FRAME, (int)m.kind);
	ASSERT_EQ(4u, m.frame);
	free(a);
}

/* Bands shared by two frames do not make a tear: 10 top + 11 bottom where
 * 11's top equals 10's top is frame 11. */
TEST(shared_bands_resolve_to_one_frame)
{
	struct vrc_frame_table t;
	struct vrc_band_crcs c;
	struct vrc_match m;
	uint8_t *a = malloc(W * 4 * H), *b = malloc(W * 4 * H);
	uint32_t y0, y1;

	ASSERT_EQ(0, vrc_frames_init(&t, W, H, NB));
	draw(a, W * 4, 10, 0);
	ASSERT_EQ(0, vrc_frames_add(&t, 10, a, W * 4));
	draw(b, W * 4, 11, 0);
	vrc_band_rows(3, NB, H, &y0, &y1);
	copy_rows(b, a, W * 4, 0, y0);		/* 11 shares bands 0..2 with 10 */
	ASSERT_EQ(0, vrc_frames_add(&t, 11, b, W * 4));
	crcs(b, W * 4, &c);
	ASSERT_EQ(0, vrc_frames_match(&t, &c, &m));
	ASSERT_EQ((int)VRC_MATCH_FRAME, (int)m.kind);
	ASSERT_EQ(11u, m.frame);
	ASSERT_EQ(11u, m.band_frame[0]);	/* the newest of the two */
	free(a);
	free(b);
}

TEST(table_drops_oldest_and_rejects_old_ids)
{
	struct vrc_frame_table t;
	struct vrc_band_crcs c;
	struct vrc_match m;
	uint8_t *a = malloc(W * 4 * H);
	uint32_t crc[VRC_BANDS_MAX] = { 0 };

	ASSERT_EQ(0, vrc_frames_init(&t, W, H, NB));
	draw(a, W * 4, 1, 0);
	ASSERT_EQ(0, vrc_frames_add(&t, 1, a, W * 4));
	ASSERT_EQ(-EINVAL, vrc_frames_add(&t, 1, a, W * 4));
	ASSERT_EQ(-EINVAL, vrc_frames_add_crcs(&t, VRC_NO_FRAME, crc));
	for (uint32_t id = 2; id < 2 + VRC_FRAMES_MAX; id++) {
		crc[0] = id;
		ASSERT_EQ(0, vrc_frames_add_crcs(&t, id, crc));
	}
	ASSERT_EQ(VRC_FRAMES_MAX, t.n);
	ASSERT_EQ(2u, t.f[0].id);
	crcs(a, W * 4, &c);
	ASSERT_EQ(0, vrc_frames_match(&t, &c, &m));
	ASSERT_EQ((int)VRC_MATCH_UNKNOWN, (int)m.kind);	/* frame 1 dropped out */
	ASSERT_EQ(0u, m.band);
	c.nbands = NB - 1;
	ASSERT_EQ(-EINVAL, vrc_frames_match(&t, &c, &m));
	ASSERT_EQ(-EINVAL, vrc_frames_init(&t, W, H, VRC_BANDS_MAX + 1));
	ASSERT_EQ(-EINVAL, vrc_frames_init(&t, W, 8, 16));
	free(a);
}

TEST(auto_bands)
{
	ASSERT_EQ(16u, vrc_capture_auto_bands(240));
	ASSERT_EQ(64u, vrc_capture_auto_bands(1080));
	ASSERT_EQ(64u, vrc_capture_auto_bands(2160));
	ASSERT_EQ(20u, vrc_capture_auto_bands(320));
	ASSERT_EQ(5u, vrc_capture_auto_bands(5));
}

TEST(cursor_crc_covers_alpha_not_padding)
{
	uint8_t img[8 * 40];
	uint8_t packed[8 * 32];
	uint32_t c0;

	for (unsigned i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 7);
	for (unsigned y = 0; y < 8; y++)
		memcpy(packed + y * 32, img + y * 40, 32);
	c0 = vrc_cursor_crc(img, 8, 8, 40);
	ASSERT_EQ((uint32_t)crc32_z(0, packed, sizeof(packed)), c0);
	img[39] ^= 0xff;			/* padding */
	ASSERT_EQ(c0, vrc_cursor_crc(img, 8, 8, 40));
	img[3] ^= 0x80;				/* alpha of pixel 0 */
	ASSERT_NE(c0, vrc_cursor_crc(img, 8, 8, 40));
}

TEST(cursor_compare_says_what_differs)
{
	struct vrc_cursor_state g = {
		.on = true, .x = 5, .y = -3, .hot_x = VRC_HOT_UNKNOWN, .hot_y = VRC_HOT_UNKNOWN,
		.width = 64, .height = 64, .image_crc = 0x1234,
	};
	struct vrc_cursor_state d = g;
	char why[160];

	ASSERT_EQ(0, vrc_cursor_compare(&d, &g, why, sizeof(why)));
	d.x = 6;
	ASSERT_EQ(1, vrc_cursor_compare(&d, &g, why, sizeof(why)));
	ASSERT_STREQ("position (6,-3), the guest's latest is (5,-3)", why);
	d = g;
	d.image_crc = 0x4321;
	ASSERT_EQ(1, vrc_cursor_compare(&d, &g, why, sizeof(why)));
	d = g;
	d.hot_x = d.hot_y = 0;			/* a hotspot the guest never set */
	ASSERT_EQ(1, vrc_cursor_compare(&d, &g, why, sizeof(why)));
	g.hot_x = g.hot_y = 0;			/* ... or one it did */
	ASSERT_EQ(0, vrc_cursor_compare(&d, &g, why, sizeof(why)));
	d = g;
	d.on = false;
	ASSERT_EQ(1, vrc_cursor_compare(&d, &g, why, sizeof(why)));
}

/* ------------------------------------------------------------------------
 * The capture path over a device double below it: a transport whose plane
 * query answers canned info and whose "dmabuf" is a memfd (as vgpu-sim's
 * is), counting the fetches.
 */
#define FSTRIDE		(W * 4 + 24)
#define FB_BYTES	((size_t)FSTRIDE * H)

struct fdev {
	struct vrc_transport t;
	struct vfio_device_gfx_plane_info out;	/* drm_format 0: plane off */
	int memfd;
	uint64_t off[4];			/* per dmabuf id: where its buffer is */
	unsigned fetches;
};

static struct fdev *to_fdev(struct vrc_transport *t)
{
	return (struct fdev *)(void *)((char *)t - offsetof(struct fdev, t));
}

static int fdev_query(struct vrc_transport *t, struct vfio_device_gfx_plane_info *p)
{
	struct fdev *d = to_fdev(t);

	if (d->out.drm_format) {
		uint32_t argsz = p->argsz, flags = p->flags, type = p->drm_plane_type;
		*p = d->out;
		p->argsz = argsz;
		p->flags = flags;
		p->drm_plane_type = type;
	}
	return 0;
}

static int fdev_dmabuf(struct vrc_transport *t, uint32_t id, uint64_t *mmap_off)
{
	struct fdev *d = to_fdev(t);

	if (!id || id >= 4)
		return -EINVAL;
	d->fetches++;
	*mmap_off = d->off[id];
	return fcntl(d->memfd, F_DUPFD_CLOEXEC, 0);
}

static const struct vrc_transport_ops fdev_ops = {
	.name = "fake-plane",
	.query_gfx_plane = fdev_query,
	.get_gfx_dmabuf = fdev_dmabuf,
};

/* Two padded framebuffers with X junk: frame 11 at id 1, frame 12 at id 2. */
static void fdev_open(struct fdev *d)
{
	uint8_t *m;

	memset(d, 0, sizeof(*d));
	d->t.ops = &fdev_ops;
	d->memfd = memfd_create("fake-vram", MFD_CLOEXEC);
	ASSERT_GE(d->memfd, 0);
	ASSERT_EQ(0, ftruncate(d->memfd, 4 << 20));
	m = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	d->off[1] = 1 << 20;
	d->off[2] = 2 << 20;
	draw(m + d->off[1], FSTRIDE, 11, 5);
	draw(m + d->off[2], FSTRIDE, 12, 6);
	munmap(m, 4 << 20);
	d->out = (struct vfio_device_gfx_plane_info){
		.drm_format = 0x34325258u, .width = W, .height = H, .stride = FSTRIDE,
		.size = (uint32_t)FB_BYTES, .dmabuf_id = 1,
	};
}

static void expect_frame(const struct vrc_frame_table *t, const struct vrc_capture *c,
			 uint32_t id)
{
	struct vrc_match m;

	ASSERT_EQ(0, vrc_frames_match(t, &c->crc, &m));
	ASSERT_EQ((int)VRC_MATCH_FRAME, (int)m.kind);
	ASSERT_EQ(id, m.frame);
}

TEST(capture_reads_the_queried_buffer)
{
	struct vrc_frame_table t;
	struct vrc_capture c;
	struct fdev d;
	char err[200];

	table3(&t);
	fdev_open(&d);
	ASSERT_EQ(0, vrc_capture_primary(&d.t, NB, &c, err, sizeof(err)));
	ASSERT_EQ(NB, c.bands_read);
	ASSERT_TRUE(c.plane.map == NULL);	/* closed */
	expect_frame(&t, &c, 11);
	d.out.dmabuf_id = 2;
	ASSERT_EQ(0, vrc_capture_primary(&d.t, NB, &c, err, sizeof(err)));
	expect_frame(&t, &c, 12);
	ASSERT_EQ(2u, d.fetches);
	close(d.memfd);
}

TEST(capture_bands_in_steps_sees_drawing_in_between)
{
	struct vrc_frame_table t;
	struct vrc_capture c;
	struct vrc_match m;
	struct fdev d;
	char err[200];
	uint8_t *m12;

	table3(&t);
	fdev_open(&d);
	ASSERT_EQ(0, vrc_capture_open(&d.t, NB, &c, err, sizeof(err)));
	ASSERT_EQ(0, vrc_capture_bands(&c, 0, 4));
	/* the guest draws frame 12 over the buffer before the rest is read */
	m12 = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, d.memfd, 0);
	ASSERT_TRUE(m12 != MAP_FAILED);
	draw(m12 + d.off[1], FSTRIDE, 12, 9);
	ASSERT_EQ(0, vrc_capture_bands(&c, 4, NB));
	ASSERT_EQ(-EINVAL, vrc_capture_bands(&c, 4, NB + 1));
	vrc_capture_close(&c);
	ASSERT_EQ(0, vrc_frames_match(&t, &c.crc, &m));
	ASSERT_EQ((int)VRC_MATCH_TORN, (int)m.kind);
	ASSERT_EQ(4u, m.band);
	ASSERT_EQ(11u, m.frame);
	ASSERT_EQ(12u, m.other);
	munmap(m12, 4 << 20);
	close(d.memfd);
}

TEST(capture_refuses_what_it_cannot_read)
{
	struct vrc_capture c;
	struct fdev d;
	char err[200];

	fdev_open(&d);
	d.out.drm_format_mod = (1ull << 56) | 1;	/* X-tiled */
	ASSERT_EQ(-ENOTSUP, vrc_capture_primary(&d.t, NB, &c, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "LINEAR only") != NULL);
	d.out.drm_format_mod = 0;
	d.out.drm_format = 0x34325241u;			/* ARGB */
	ASSERT_EQ(-ENOTSUP, vrc_capture_primary(&d.t, NB, &c, err, sizeof(err)));
	d.out.drm_format = 0x34325258u;
	ASSERT_EQ(-EINVAL, vrc_capture_primary(&d.t, H + 1, &c, err, sizeof(err)));
	d.out.stride = W * 4 - 4;			/* a lie: checked before mapping */
	ASSERT_EQ(-EPROTO, vrc_capture_primary(&d.t, NB, &c, err, sizeof(err)));
	d.out.drm_format = 0;				/* plane off */
	ASSERT_EQ(-ENOENT, vrc_capture_primary(&d.t, NB, &c, err, sizeof(err)));
	ASSERT_EQ(0u, d.fetches);
	close(d.memfd);
}

TEST(cache_maps_each_dmabuf_id_once)
{
	struct vrc_frame_table t;
	struct vrc_capture_cache cc;
	struct vrc_capture c;
	struct fdev d;
	char err[200];
	int fds = vrc_count_open_fds();

	table3(&t);
	fdev_open(&d);
	vrc_capture_cache_init(&cc);
	for (unsigned k = 0; k < 6; k++) {
		d.out.dmabuf_id = 1 + k % 2;
		ASSERT_EQ(0, vrc_capture_primary_cached(&d.t, &cc, NB, &c, err, sizeof(err)));
		expect_frame(&t, &c, 11 + k % 2);
		ASSERT_TRUE(c.plane.map == NULL);	/* the cache owns it */
	}
	ASSERT_EQ(2u, d.fetches);
	ASSERT_EQ(2u, cc.misses);
	ASSERT_EQ(4u, cc.hits);
	/* same id, other geometry: not the same buffer, mapped again */
	d.out.height = H / 2;
	d.out.size = (uint32_t)FB_BYTES / 2;
	ASSERT_EQ(0, vrc_capture_primary_cached(&d.t, &cc, NB, &c, err, sizeof(err)));
	ASSERT_EQ(3u, d.fetches);
	vrc_capture_cache_fini(&cc);
	close(d.memfd);
	ASSERT_EQ(fds, vrc_count_open_fds());
}

/*
 * An id that comes back with another geometry names another buffer: its
 * old mapping goes, so when the id later returns to the old geometry (a
 * third buffer, for all the cache knows) it is fetched again, never served
 * from the mapping of the first. The rt readers rely on this.
 */
TEST(cache_drops_an_id_that_comes_back_reshaped)
{
	struct vrc_frame_table t;
	struct vrc_capture_cache cc;
	struct vrc_capture c;
	struct fdev d;
	char err[200];

	table3(&t);
	fdev_open(&d);
	vrc_capture_cache_init(&cc);
	ASSERT_EQ(0, vrc_capture_primary_cached(&d.t, &cc, NB, &c, err, sizeof(err)));
	expect_frame(&t, &c, 11);
	d.out.height = H / 2;
	d.out.size = (uint32_t)FB_BYTES / 2;
	ASSERT_EQ(0, vrc_capture_primary_cached(&d.t, &cc, NB, &c, err, sizeof(err)));
	ASSERT_EQ(1u, cc.dropped);
	/* id 1 at the first geometry again, now frame 12's buffer */
	d.out.height = H;
	d.out.size = (uint32_t)FB_BYTES;
	d.off[1] = d.off[2];
	ASSERT_EQ(0, vrc_capture_primary_cached(&d.t, &cc, NB, &c, err, sizeof(err)));
	ASSERT_EQ(3u, d.fetches);
	ASSERT_EQ(3u, cc.misses);
	ASSERT_EQ(0u, cc.hits);
	expect_frame(&t, &c, 12);
	ASSERT_STREQ("mmap", c.path);
	vrc_capture_cache_fini(&cc);
	close(d.memfd);
}

/* A hit reads the buffer as it is now: the guest drawing into the buffer
 * of an unchanged id shows, as on the scanout (front-buffer rendering). */
TEST(cache_hit_reads_the_buffer_live)
{
	struct vrc_frame_table t;
	struct vrc_capture_cache cc;
	struct vrc_capture c;
	struct fdev d;
	char err[200];
	uint8_t *m;

	table3(&t);
	fdev_open(&d);
	vrc_capture_cache_init(&cc);
	ASSERT_EQ(0, vrc_capture_primary_cached(&d.t, &cc, NB, &c, err, sizeof(err)));
	expect_frame(&t, &c, 11);
	m = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, d.memfd, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	draw(m + d.off[1], FSTRIDE, 10, 9);
	ASSERT_EQ(0, vrc_capture_primary_cached(&d.t, &cc, NB, &c, err, sizeof(err)));
	ASSERT_EQ(1u, cc.hits);
	ASSERT_EQ(1u, d.fetches);
	ASSERT_STREQ("mmap (cached by dmabuf id)", c.path);
	expect_frame(&t, &c, 10);
	munmap(m, 4 << 20);
	vrc_capture_cache_fini(&cc);
	close(d.memfd);
}

VTEST_MAIN()
