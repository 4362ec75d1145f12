// SPDX-License-Identifier: MIT
/*
 * Plane capture: below it a small device double answers QUERY_GFX_PLANE
 * with an X-tiled XRGB plane and GET_GFX_DMABUF with a memfd holding the
 * tiled pixels (CPU-mappable) or a pipe (mmap answers ENODEV, as i915
 * does for a GVT dmabuf, whose object has no shmem file). The capture must
 * detile the first exactly, take the PRIME fallback for the second and say
 * so, and read back only through the vGPU's own parent GPU.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vrc/vtest.h"
#include "vrc/capture.h"
#include "vrc/irq.h"
#include "vrc/util.h"
#include "harness/gvt/capture.h"

#define W	300u	/* pixels: not a whole number of X tiles */
#define H	20u	/* rows: not a whole number of tile rows */
#define STRIDE	2048u	/* 4 X tiles per tile row */
#define SIZE	(STRIDE * 24u)	/* stride * roundup(H, 8), GVT's size */

struct dev {
	struct vrc_transport t;
	uint64_t modifier;
	bool unmappable;
	uint32_t drm_format;
	uint32_t x_pos;		/* changes without a new dmabuf id */
	unsigned fetches;	/* GET_GFX_DMABUF calls */
};

static uint32_t px(uint32_t x, uint32_t y)
{
	return 0xff000000u | (x << 12) | y;
}

static int q_plane(struct vrc_transport *t, struct vfio_device_gfx_plane_info *p)
{
	struct dev *d = (struct dev *)t;

	if (p->argsz < sizeof(*p) || p->flags != VFIO_GFX_PLANE_TYPE_DMABUF)
		return -EINVAL;
	if (!d->drm_format)
		return 0;	/* plane off: struct untouched */
	p->drm_format = d->drm_format;
	p->drm_format_mod = d->modifier;
	p->width = W;
	p->height = H;
	p->stride = STRIDE;
	p->size = SIZE;
	p->dmabuf_id = 1;
	p->x_pos = d->x_pos;
	return 0;
}

static int get_dmabuf(struct vrc_transport *t, uint32_t id, uint64_t *off)
{
	struct dev *d = (struct dev *)t;
	static uint8_t buf[SIZE];
	int fd, pp[2];

	if (id != 1)
		return -EINVAL;
	d->fetches++;
	*off = 0;
	if (d->unmappable) {
		ASSERT_EQ(0, pipe2(pp, O_CLOEXEC));
		close(pp[1]);
		return pp[0];
	}
	memset(buf, 0xee, sizeof(buf));
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++) {
			uint32_t xb = x * 4, v = px(x, y);
			size_t a = (size_t)(y / 8) * STRIDE * 8 + (xb / 512) * 4096 +
				   (y % 8) * 512 + xb % 512;

			memcpy(buf + a, &v, 4);
		}
	fd = memfd_create("dmabuf", MFD_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)SIZE, write(fd, buf, SIZE));
	return fd;
}

static void destroy(struct vrc_transport *t)
{
	(void)t;
}

static const struct vrc_transport_ops ops = {
	.name = "capture-double", .query_gfx_plane = q_plane, .get_gfx_dmabuf = get_dmabuf,
	.destroy = destroy,
};

TEST(x_tiled_plane_by_mmap)
{
	struct dev d = { .t.ops = &ops, .modifier = 0x0100000000000001ull,
			 .drm_format = 0x34325258 };
	struct gvt_frame f;
	char err[300] = "";
	int before = vrc_count_open_fds();

	const struct gvt_gpu none = { .dri_dir = "/nonexistent" };

	ASSERT_EQ(0, gvt_capture(&d.t, VRC_PLANE_PRIMARY, &none, &f, err, sizeof(err)));
	ASSERT_STREQ("dmabuf-mmap", gvt_capture_path_name(f.path));
	ASSERT_EQ((int)GVT_TILING_X, (int)f.tiling);
	ASSERT_EQ(W, f.width);
	ASSERT_EQ(H, f.height);
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++) {
			uint32_t v;

			memcpy(&v, f.pixels + ((size_t)y * W + x) * 4, 4);
			if (v != px(x, y))
				printf("# pixel (%u,%u) = %#x, want %#x\n", x, y, v, px(x, y));
			ASSERT_EQ(px(x, y), v);
		}
	gvt_frame_free(&f);
	ASSERT_EQ(before, vrc_count_open_fds());
}

TEST(enodev_mmap_takes_prime_fallback)
{
	struct dev d = { .t.ops = &ops, .modifier = 0, .drm_format = 0x34325258,
			 .unmappable = true };
	char dri[] = "/tmp/vrc-dri-XXXXXX", err[300] = "";
	struct gvt_frame f;
	int before = vrc_count_open_fds();

	const struct gvt_gpu gpu = { .dri_dir = dri };

	ASSERT_TRUE(mkdtemp(dri) != NULL);
	/* no i915 render node here: the fallback is taken and says why it failed */
	ASSERT_EQ(-ENODEV, gvt_capture(&d.t, VRC_PLANE_PRIMARY, &gpu, &f, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "no i915 render node") != NULL);
	ASSERT_TRUE(f.pixels == NULL);
	ASSERT_EQ(before, vrc_count_open_fds());
	rmdir(dri);
}

/*
 * Another GPU's render node is passed over without being opened: its i915
 * would import the dmabuf as foreign, and GVT's sg table has no pages. A
 * fake sysfs names renderD128's device 0000:03:00.0; the dri dir holds a
 * FIFO of that name, which an open would block on.
 */
TEST(prime_readback_only_through_the_vgpus_parent)
{
	char root[] = "/tmp/vrc-prime-XXXXXX", dri[100], sys[100], p[200], err[400] = "";
	static const char *const dirs[] = { "dri", "sys", "sys/class", "sys/class/drm",
					    "sys/class/drm/renderD128" };
	uint8_t buf[16];
	int before = vrc_count_open_fds();

	ASSERT_TRUE(mkdtemp(root) != NULL);
	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		ASSERT_EQ(0, mkdir(p, 0700));
	}
	snprintf(p, sizeof(p), "%s/sys/class/drm/renderD128/device", root);
	ASSERT_EQ(0, symlink("../../../devices/pci0000:00/0000:03:00.0", p));
	snprintf(p, sizeof(p), "%s/dri/renderD128", root);
	ASSERT_EQ(0, mkfifo(p, 0600));
	snprintf(dri, sizeof(dri), "%s/dri", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	const struct gvt_gpu gpu = { .dri_dir = dri, .sysfs_root = sys, .bdf = "0000:00:02.0" };

	ASSERT_EQ(-ENODEV, gvt_prime_readback(&gpu, -1, buf, sizeof(buf), err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "no i915 render node of 0000:00:02.0") != NULL);
	ASSERT_TRUE(strstr(err, "renderD128 is 0000:03:00.0") != NULL);
	ASSERT_EQ(before, vrc_count_open_fds());
	unlink(p);
	snprintf(p, sizeof(p), "%s/sys/class/drm/renderD128/device", root);
	unlink(p);
	for (unsigned i = sizeof(dirs) / sizeof(dirs[0]); i-- > 0;) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		rmdir(p);
	}
	rmdir(root);
}

TEST(plane_off_and_unknown_tiling)
{
	struct dev d = { .t.ops = &ops, .modifier = 0x0100000000000004ull /* Y CCS */ };
	struct gvt_frame f;
	char err[300] = "";

	ASSERT_EQ(-ENOENT, gvt_capture(&d.t, VRC_PLANE_CURSOR, NULL, &f, err, sizeof(err)));
	d.drm_format = 0x34325258;
	ASSERT_EQ(-ENOTSUP, gvt_capture(&d.t, VRC_PLANE_PRIMARY, NULL, &f, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "0x100000000000004") != NULL);
	d.modifier = 0x0100000000000003ull;	/* Yf: known, but not detiled */
	ASSERT_EQ(-ENOTSUP, gvt_capture(&d.t, VRC_PLANE_PRIMARY, NULL, &f, err, sizeof(err)));
	ASSERT_TRUE(f.pixels == NULL);
	/* a format of other than 4 bytes a pixel (RGB565) is refused before reading */
	d.modifier = 0;
	d.drm_format = 0x36314752;
	ASSERT_EQ(-ENOTSUP, gvt_capture(&d.t, VRC_PLANE_PRIMARY, NULL, &f, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "0x36314752") != NULL);
	ASSERT_TRUE(f.pixels == NULL);
}

/*
 * The rt readers' path: through a cache, the dmabuf is fetched once for
 * captures of an unchanged id, a linear plane is read in place (the same
 * rows the uncached capture copies), a tiled one is still detiled into a
 * copy, and the position comes from each query, not from the cached entry.
 */
TEST(cached_capture_maps_once_and_reads_linear_in_place)
{
	struct dev d = { .t.ops = &ops, .modifier = 0, .drm_format = 0x34325258 };
	const struct gvt_gpu none = { .dri_dir = "/nonexistent" };
	struct vrc_capture_cache cc;
	struct gvt_frame ref, f;
	char err[300] = "";
	int before = vrc_count_open_fds();

	ASSERT_EQ(0, gvt_capture(&d.t, VRC_PLANE_PRIMARY, &none, &ref, err, sizeof(err)));
	ASSERT_TRUE(ref.owned != NULL);
	ASSERT_EQ(W * 4, ref.stride);
	vrc_capture_cache_init(&cc);
	for (uint32_t k = 0; k < 3; k++) {
		d.x_pos = 10 + k;
		ASSERT_EQ(0, gvt_capture_cached(&d.t, VRC_PLANE_PRIMARY, &none, &cc, &f, err,
						sizeof(err)));
		ASSERT_TRUE(f.owned == NULL);		/* in the cached mapping */
		ASSERT_EQ(STRIDE, f.stride);
		ASSERT_EQ((int32_t)(10 + k), f.x);
		for (uint32_t y = 0; y < H; y++)
			ASSERT_EQ(0, memcmp(f.pixels + (size_t)y * f.stride,
					    ref.pixels + (size_t)y * ref.stride, W * 4));
		gvt_frame_free(&f);
	}
	ASSERT_EQ(2u, d.fetches);	/* the uncached one, then one for the cache */
	ASSERT_EQ(2u, (unsigned)cc.hits);
	gvt_frame_free(&ref);

	/* X-tiled: still one fetch per id, and a detiled copy */
	vrc_capture_cache_fini(&cc);
	vrc_capture_cache_init(&cc);
	d.modifier = 0x0100000000000001ull;
	d.fetches = 0;
	for (unsigned k = 0; k < 2; k++) {
		ASSERT_EQ(0, gvt_capture_cached(&d.t, VRC_PLANE_PRIMARY, &none, &cc, &f, err,
						sizeof(err)));
		ASSERT_TRUE(f.owned != NULL);
		ASSERT_EQ(W * 4, f.stride);
		for (uint32_t y = 0; y < H; y++)
			for (uint32_t x = 0; x < W; x++) {
				uint32_t v;

				memcpy(&v, f.pixels + (size_t)y * f.stride + x * 4, 4);
				ASSERT_EQ(px(x, y), v);
			}
		gvt_frame_free(&f);
	}
	ASSERT_EQ(1u, d.fetches);
	vrc_capture_cache_fini(&cc);
	ASSERT_EQ(before, vrc_count_open_fds());
}

VTEST_MAIN()
