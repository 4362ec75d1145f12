// SPDX-License-Identifier: MIT
/*
 * The display-irq client against a test double placed below it: a struct
 * vrc_transport whose ops answer canned irq-info bytes (with the argsz retry
 * protocol), record every SET_IRQS request, serve a frame counter through
 * region_read and a memfd as the "dmabuf".
 */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "vrc/i915_regs.h"
#include "vrc/irq.h"
#include "vrc/vtest.h"
#include "vrc/util.h"

#define EQ(a, b)	ASSERT_EQ((int64_t)(a), (int64_t)(b))

#define FAKE_NIRQ	64
#define FAKE_NSET	8
#define FAKE_SETSZ	128

struct fake_irq {
	bool offered;
	int err;		/* answered as -err */
	bool grow;		/* asks for 4 more bytes on every call */
	uint8_t reply[512];	/* bytes [0..3] are the full argsz */
	uint32_t argsz_seen[4];
	unsigned nseen;
};

struct fake {
	struct vrc_transport t;
	uint32_t num_irqs;
	struct fake_irq irq[FAKE_NIRQ];
	/* SET_IRQS requests, argsz bytes each (bounded) */
	uint8_t set[FAKE_NSET][FAKE_SETSZ];
	unsigned nset;
	int set_rc;
	/* region_read */
	uint32_t frmcount;
	int rd_err;
	uint32_t rd_index, rd_len;
	uint64_t rd_off;
	unsigned nread;
	/* planes */
	struct vfio_device_gfx_plane_info plane_in, plane_out;
	int dmabuf_fd;		/* dup'ed for every GET_GFX_DMABUF */
	uint64_t dmabuf_off;
	uint32_t dmabuf_id_seen;
};

static struct fake *to_fake(struct vrc_transport *t)
{
	return (struct fake *)(void *)((char *)t - offsetof(struct fake, t));
}

static uint32_t get32(const uint8_t *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, 4);
	return v;
}

static void put16(uint8_t *b, uint32_t off, uint16_t v) { memcpy(b + off, &v, 2); }
static void put32(uint8_t *b, uint32_t off, uint32_t v) { memcpy(b + off, &v, 4); }
static void put64(uint8_t *b, uint32_t off, uint64_t v) { memcpy(b + off, &v, 8); }

static int fake_get_device_info(struct vrc_transport *t, struct vfio_device_info *info)
{
	info->flags = VFIO_DEVICE_FLAGS_PCI;
	info->num_regions = 9;
	info->num_irqs = to_fake(t)->num_irqs;
	return 0;
}

static int fake_get_irq_info(struct vrc_transport *t, void *buf, size_t bufsz)
{
	struct fake *f = to_fake(t);
	uint32_t argsz = get32(buf, 0), index = get32(buf, 8), full;
	struct fake_irq *q;

	if (argsz > bufsz || argsz < 16)
		return -EINVAL;
	if (index >= FAKE_NIRQ || !f->irq[index].offered)
		return -EINVAL;
	q = &f->irq[index];
	if (q->nseen < 4)
		q->argsz_seen[q->nseen] = argsz;
	q->nseen++;
	if (q->err)
		return -q->err;
	full = get32(q->reply, 0);
	if (q->grow)
		full = argsz + 4;
	if (full > argsz) {
		/* too small: the needed argsz, FLAG_CAPS, cap_offset 0 */
		uint8_t hdr[20];

		memcpy(hdr, q->reply, 20);
		put32(hdr, 0, full);
		put32(hdr, 4, get32(hdr, 4) | VRC_IRQ_INFO_FLAG_CAPS);
		put32(hdr, 16, 0);
		memcpy(buf, hdr, argsz < 20 ? argsz : 20);
		return 0;
	}
	memcpy(buf, q->reply, full);
	return 0;
}

static int fake_set_irqs(struct vrc_transport *t, const struct vfio_irq_set *req)
{
	struct fake *f = to_fake(t);
	uint32_t argsz;

	memcpy(&argsz, req, 4);
	if (f->nset < FAKE_NSET) {
		memset(f->set[f->nset], 0, FAKE_SETSZ);
		/* read all argsz bytes: ASan checks the library allocated them */
		memcpy(f->set[f->nset], req, argsz < FAKE_SETSZ ? argsz : FAKE_SETSZ);
		if (argsz > FAKE_SETSZ) {
			volatile uint8_t sink = ((const uint8_t *)req)[argsz - 1];
			(void)sink;
		}
	}
	f->nset++;
	return f->set_rc;
}

static int fake_region_read(struct vrc_transport *t, uint32_t index, uint64_t off,
			    void *buf, uint32_t len)
{
	struct fake *f = to_fake(t);

	f->nread++;
	f->rd_index = index;
	f->rd_off = off;
	f->rd_len = len;
	if (f->rd_err)
		return -f->rd_err;
	if (len != 4)
		return -EINVAL;
	memcpy(buf, &f->frmcount, 4);
	return 0;
}

static int fake_query_gfx_plane(struct vrc_transport *t,
				struct vfio_device_gfx_plane_info *plane)
{
	struct fake *f = to_fake(t);

	f->plane_in = *plane;
	if (f->plane_out.drm_format) {
		uint32_t argsz = plane->argsz, flags = plane->flags,
			 type = plane->drm_plane_type;

		*plane = f->plane_out;
		plane->argsz = argsz;
		plane->flags = flags;
		plane->drm_plane_type = type;
	}
	return 0;
}

static int fake_get_gfx_dmabuf(struct vrc_transport *t, uint32_t dmabuf_id,
			       uint64_t *mmap_off)
{
	struct fake *f = to_fake(t);
	int fd;

	f->dmabuf_id_seen = dmabuf_id;
	if (f->dmabuf_fd < 0)
		return -ENOENT;
	fd = fcntl(f->dmabuf_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*mmap_off = f->dmabuf_off;
	return fd;
}

static const struct vrc_transport_ops fake_ops = {
	.name = "fake",
	.get_device_info = fake_get_device_info,
	.get_irq_info = fake_get_irq_info,
	.set_irqs = fake_set_irqs,
	.region_read = fake_region_read,
	.query_gfx_plane = fake_query_gfx_plane,
	.get_gfx_dmabuf = fake_get_gfx_dmabuf,
};

static struct fake *fake_new(uint32_t num_irqs)
{
	struct fake *f = calloc(1, sizeof(*f));

	if (!f)
		_exit(1);
	f->t.ops = &fake_ops;
	f->num_irqs = num_irqs;
	f->dmabuf_fd = -1;
	return f;
}

static void fake_free(struct fake *f)
{
	if (f->dmabuf_fd >= 0)
		close(f->dmabuf_fd);
	free(f);
}

/* ------------------------------------------------------- canned chains */

static void fixed(uint8_t *b, uint32_t argsz, uint32_t flags, uint32_t index,
		  uint32_t count, uint32_t cap_offset)
{
	put32(b, 0, argsz);
	put32(b, 4, flags);
	put32(b, 8, index);
	put32(b, 12, count);
	put32(b, 16, cap_offset);
}

static void hdr(uint8_t *b, uint32_t off, uint16_t id, uint32_t next)
{
	put16(b, off, id);
	put16(b, off + 2, 1);
	put32(b, off + 4, next);
}

#define GVT_FLAGS	(VRC_IRQ_INFO_FLAG_EVENTFD | VRC_IRQ_INFO_FLAG_MASKABLE | \
			 VRC_IRQ_INFO_FLAG_CAPS)

/* SPEC §1's GVT reply: flags 0x13, type at 20, display at 36, argsz 60. */
static void offer_gvt_v6(struct fake *f, uint32_t index)
{
	uint8_t *b = f->irq[index].reply;

	f->irq[index].offered = true;
	fixed(b, VRC_GVT_IRQ_INFO_ARGSZ, GVT_FLAGS, index, 1, 20);
	hdr(b, 20, VRC_V6_CAP_TYPE, 36);
	put32(b, 28, VRC_IRQ_TYPE_GFX);
	put32(b, 32, VRC_IRQ_SUBTYPE_GFX_DISPLAY_IRQ);
	hdr(b, 36, VRC_V6_CAP_DISPLAY, 0);
	put64(b, 44, VRC_GVT_CUR_EVENT_VAL);
	put64(b, 52, VRC_GVT_PRI_EVENT_VAL);
}

/* v7: count 2, the plane map says sub-irq 0 = cursor, 1 = primary. */
static void offer_v7(struct fake *f, uint32_t index)
{
	uint8_t *b = f->irq[index].reply;

	f->irq[index].offered = true;
	fixed(b, 56, GVT_FLAGS, index, 2, 20);
	hdr(b, 20, VRC_V7_CAP_TYPE, 36);
	put32(b, 28, VRC_IRQ_TYPE_GFX);
	put32(b, 32, VRC_IRQ_SUBTYPE_GFX_DISPLAY_IRQ);
	hdr(b, 36, VRC_V7_CAP_PLANES, 0);
	put32(b, 44, 2);
	put32(b, 48, VRC_PLANE_CURSOR);
	put32(b, 52, VRC_PLANE_PRIMARY);
}

static bool is_eventfd(int fd)
{
	char path[64], target[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strstr(target, "eventfd") != NULL;
}

static struct vrc_display_irq find_ok(struct fake *f)
{
	struct vrc_display_irq irq;
	char err[256];
	int rc = vrc_display_irq_find(&f->t, &irq, err, sizeof(err));

	if (rc)
		VTEST_LOG("find: %d %s", rc, err);
	EQ(0, rc);
	return irq;
}

/* ----------------------------------------------------------- discovery */

TEST(discovery_walks_to_index_5_with_retry)
{
	struct fake *f = fake_new(VRC_GVT_NUM_IRQS);
	struct vrc_display_irq irq;

	offer_gvt_v6(f, 5);
	irq = find_ok(f);
	EQ(5, irq.index);
	EQ(1, irq.count);
	EQ(0x13, irq.flags);
	EQ(VRC_ABI_V6, irq.desc.abi);
	EQ(VRC_GVT_PRI_EVENT_VAL, irq.desc.pri_event_val);
	EQ(VRC_GVT_CUR_EVENT_VAL, irq.desc.cur_event_val);
	EQ(VRC_CAPS_OK, irq.caps.violation);
	EQ(2, irq.caps.ncaps);
	/* the retry protocol: 20 first, then the 60 the device asked for */
	EQ(2, f->irq[5].nseen);
	EQ(20, f->irq[5].argsz_seen[0]);
	EQ(60, f->irq[5].argsz_seen[1]);
	for (unsigned i = 0; i < VRC_PCI_NUM_IRQS; i++)
		EQ(0, f->irq[i].nseen);
	EQ(-1, irq.efd[0]);
	EQ(-1, irq.efd[1]);
	EQ(-1, irq.sub_primary);
	EQ(-1, irq.sub_cursor);
	EQ(VRC_PIPE_FRMCOUNT(0), irq.frmcount_reg);
	ASSERT_TRUE(irq.t == &f->t);
	fake_free(f);
}

TEST(fetch_without_retry_when_big_enough)
{
	struct fake *f = fake_new(6);
	uint8_t buf[256];
	size_t len;
	char err[128];

	offer_gvt_v6(f, 5);
	/* a reply that fits in 20 bytes: no chain, no retry */
	fixed(f->irq[5].reply, 20, VRC_IRQ_INFO_FLAG_EVENTFD, 5, 1, 0);
	EQ(0, vrc_irq_info_fetch(&f->t, 5, buf, sizeof(buf), &len, err, sizeof(err)));
	EQ(20, len);
	EQ(1, f->irq[5].nseen);
	EQ(-EINVAL, vrc_irq_info_fetch(&f->t, 5, buf, 19, &len, err, sizeof(err)));
	fake_free(f);
}

/* A chain that loops before any type cap is read: not "not offered". */
TEST(discovery_chain_broken_before_type_cap_is_eproto)
{
	struct fake *f = fake_new(VRC_GVT_NUM_IRQS);
	struct vrc_display_irq irq;
	char err[256];

	offer_gvt_v6(f, 5);
	hdr(f->irq[5].reply, 20, VRC_V6_CAP_TYPE, 20);	/* next: itself */
	EQ(-EPROTO, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "loop") != NULL);
	/* a bad version on the type cap: its type is never read either */
	offer_gvt_v6(f, 5);
	put16(f->irq[5].reply, 22, 2);
	EQ(-EPROTO, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "version") != NULL);
	fake_free(f);
}

/* A transport that saw a reply longer than argsz: discovery says so. */
TEST(discovery_reports_a_reply_longer_than_argsz)
{
	struct fake *f = fake_new(VRC_GVT_NUM_IRQS);
	struct vrc_display_irq irq;
	char err[256];

	offer_gvt_v6(f, 5);
	f->irq[5].err = EOVERFLOW;
	EQ(-EOVERFLOW, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "more bytes than argsz") != NULL);
	fake_free(f);
}

TEST(discovery_skips_other_irqs_and_maps_v7_planes)
{
	struct fake *f = fake_new(9);
	struct vrc_display_irq irq;
	uint8_t *b;

	/* 5: an ordinary irq without caps */
	f->irq[5].offered = true;
	fixed(f->irq[5].reply, 20, VRC_IRQ_INFO_FLAG_EVENTFD, 5, 1, 0);
	/* 6: not offered (-EINVAL) */
	/* 7: a type cap of another type */
	f->irq[7].offered = true;
	b = f->irq[7].reply;
	fixed(b, 36, GVT_FLAGS, 7, 1, 20);
	hdr(b, 20, VRC_V6_CAP_TYPE, 0);
	put32(b, 28, 2);
	put32(b, 32, 1);
	/* 8: the display irq, v7 */
	offer_v7(f, 8);

	irq = find_ok(f);
	EQ(8, irq.index);
	EQ(2, irq.count);
	EQ(VRC_ABI_V7, irq.desc.abi);
	EQ(1, irq.sub_primary);
	EQ(0, irq.sub_cursor);
	fake_free(f);
}

TEST(unpatched_device_is_enoent)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	char err[256] = "";

	/* index 5 answers -EINVAL: the irq is not offered */
	EQ(-ENOENT, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	ASSERT_TRUE(err[0] != '\0');
	fake_free(f);

	/* only the PCI irqs: nothing to walk */
	f = fake_new(5);
	EQ(-ENOENT, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	fake_free(f);
}

/* The display irq misplaced or unusable: DISC-1's -ENOMSG, the irq kept. */
static void expect_unusable(struct fake *f, uint32_t index, const char *why)
{
	struct vrc_display_irq irq;
	char err[256] = "";

	EQ(-ENOMSG, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	if (!strstr(err, why))
		VTEST_LOG("err: %s", err);
	ASSERT_TRUE(strstr(err, why) != NULL);
	EQ(index, irq.index);
	EQ(-1, irq.efd[0]);
}

TEST(display_irq_at_a_pci_index_is_enomsg)
{
	struct fake *f = fake_new(5);

	offer_gvt_v6(f, 4);
	expect_unusable(f, 4, "fixed PCI index 4");
	/* the PCI irqs are asked only after nothing was found from 5 up */
	fake_free(f);
	f = fake_new(VRC_GVT_NUM_IRQS);
	offer_gvt_v6(f, 4);
	offer_gvt_v6(f, 5);
	(void)find_ok(f);
	EQ(0, f->irq[4].nseen);
	fake_free(f);
}

TEST(display_caps_under_another_type_is_enomsg)
{
	struct fake *f = fake_new(VRC_GVT_NUM_IRQS);

	offer_gvt_v6(f, 5);
	put32(f->irq[5].reply, 32, 2);		/* subtype 2 */
	expect_unusable(f, 5, "not GFX/DISPLAY_IRQ");
	/* a plain irq of another type without events stays "not offered" */
	fixed(f->irq[5].reply, 36, GVT_FLAGS, 5, 1, 20);
	hdr(f->irq[5].reply, 20, VRC_V6_CAP_TYPE, 0);
	{
		struct vrc_display_irq irq;
		char err[256];

		EQ(-ENOENT, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	}
	fake_free(f);
}

TEST(display_irq_without_usable_values_is_enomsg)
{
	struct fake *f = fake_new(VRC_GVT_NUM_IRQS);

	offer_gvt_v6(f, 5);
	put64(f->irq[5].reply, 44, 0);		/* cur_event_val 0 */
	expect_unusable(f, 5, "event value");
	offer_gvt_v6(f, 5);
	put32(f->irq[5].reply, 0, 36);		/* the type cap alone */
	hdr(f->irq[5].reply, 20, VRC_V6_CAP_TYPE, 0);
	expect_unusable(f, 5, "neither a display-plane-events");
	/* equal non-zero values are the tests' to judge (bad-values) */
	offer_gvt_v6(f, 5);
	put64(f->irq[5].reply, 44, VRC_GVT_PRI_EVENT_VAL);
	(void)find_ok(f);
	fake_free(f);
}

TEST(v7_plane_map_without_a_cursor_is_enomsg)
{
	struct fake *f = fake_new(VRC_GVT_NUM_IRQS);

	offer_v7(f, 5);
	put32(f->irq[5].reply, 48, VRC_PLANE_PRIMARY);	/* primary twice */
	expect_unusable(f, 5, "plane map");
	fake_free(f);
}

TEST(salvage_bad_tail)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;

	offer_gvt_v6(f, 5);
	/* the bad-caps model: the display cap's next beyond argsz */
	put32(f->irq[5].reply, 40, 64);
	irq = find_ok(f);
	EQ(5, irq.index);
	EQ(VRC_CAPS_OFFSET_OUT_OF_BOUNDS, irq.caps.violation);
	EQ(64, irq.caps.violation_offset);
	ASSERT_TRUE(irq.desc.has_events);
	EQ(VRC_GVT_PRI_EVENT_VAL, irq.desc.pri_event_val);
	fake_free(f);
}

TEST(chain_broken_before_display_cap)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	char err[256] = "";

	offer_gvt_v6(f, 5);
	put32(f->irq[5].reply, 24, 38);	/* type cap's next misaligned */
	EQ(-EPROTO, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "aligned") != NULL);
	fake_free(f);
}

TEST(retry_protocol_abuse)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	char err[256] = "";

	offer_gvt_v6(f, 5);
	put32(f->irq[5].reply, 0, 8192);
	EQ(-EMSGSIZE, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	EQ(1, f->irq[5].nseen);

	offer_gvt_v6(f, 5);
	f->irq[5].nseen = 0;
	f->irq[5].grow = true;
	EQ(-EPROTO, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	EQ(2, f->irq[5].nseen);
	EQ(24, f->irq[5].argsz_seen[1]);
	fake_free(f);
}

TEST(transport_error_passes_through)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	char err[256] = "";

	offer_gvt_v6(f, 5);
	f->irq[5].err = EPIPE;
	EQ(-EPIPE, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	ASSERT_TRUE(err[0] != '\0');
	fake_free(f);
}

TEST(num_irqs_capped)
{
	struct fake *f = fake_new(100000);
	struct vrc_display_irq irq;
	char err[256] = "";

	offer_gvt_v6(f, 63);
	EQ(0, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	EQ(63, irq.index);
	ASSERT_TRUE(strstr(err, "note") != NULL);

	f->irq[63].offered = false;
	EQ(-ENOENT, vrc_display_irq_find(&f->t, &irq, err, sizeof(err)));
	fake_free(f);
}

/* -------------------------------------------------------- registration */

static const uint8_t *last_set(struct fake *f)
{
	ASSERT_GT(f->nset, 0u);
	return f->set[(f->nset - 1) % FAKE_NSET];
}

static void expect_set(struct fake *f, uint32_t argsz, uint32_t flags,
		       uint32_t index, uint32_t start, uint32_t count)
{
	const uint8_t *s = last_set(f);

	EQ(argsz, get32(s, 0));
	EQ(flags, get32(s, 4));
	EQ(index, get32(s, 8));
	EQ(start, get32(s, 12));
	EQ(count, get32(s, 16));
}

TEST(register_sends_real_eventfds)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	int old;

	offer_gvt_v6(f, 5);
	irq = find_ok(f);
	EQ(0, vrc_display_irq_register(&irq));
	expect_set(f, 24, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD,
		   5, 0, 1);
	EQ(irq.efd[0], (int32_t)get32(last_set(f), 20));
	EQ(-1, irq.efd[1]);
	ASSERT_TRUE(is_eventfd(irq.efd[0]));
	ASSERT_TRUE(fcntl(irq.efd[0], F_GETFL) & O_NONBLOCK);
	ASSERT_TRUE(fcntl(irq.efd[0], F_GETFD) & FD_CLOEXEC);

	/* re-registering replaces the old eventfd and closes it */
	old = irq.efd[0];
	EQ(0, vrc_display_irq_register(&irq));
	ASSERT_NE(old, irq.efd[0]);
	EQ(irq.efd[0], (int32_t)get32(last_set(f), 20));
	EQ(-1, fcntl(old, F_GETFD));
	EQ(EBADF, errno);

	vrc_display_irq_close(&irq);
	EQ(-1, irq.efd[0]);
	fake_free(f);
}

TEST(register_failure_leaks_nothing)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	unsigned before;

	offer_gvt_v6(f, 5);
	irq = find_ok(f);
	f->set_rc = -EBADF;
	before = vrc_count_open_fds();
	EQ(-EBADF, vrc_display_irq_register(&irq));
	EQ(-1, irq.efd[0]);
	EQ(before, vrc_count_open_fds());

	irq.count = 0;
	EQ(-EINVAL, vrc_display_irq_register(&irq));
	irq.count = 3;
	EQ(-E2BIG, vrc_display_irq_register(&irq));
	fake_free(f);
}

TEST(register_v7_two_fds)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	const uint8_t *s;

	offer_v7(f, 5);
	irq = find_ok(f);
	EQ(0, vrc_display_irq_register(&irq));
	expect_set(f, 28, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD,
		   5, 0, 2);
	s = last_set(f);
	EQ(irq.efd[0], (int32_t)get32(s, 20));
	EQ(irq.efd[1], (int32_t)get32(s, 24));
	ASSERT_TRUE(is_eventfd(irq.efd[1]));
	vrc_display_irq_close(&irq);
	fake_free(f);
}

TEST(set_eventfds_minus_one_form)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	int fds[1] = { -1 };

	offer_gvt_v6(f, 5);
	irq = find_ok(f);
	EQ(0, __vrc_display_irq_set_eventfds(&irq, fds, 1));
	expect_set(f, 24, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD,
		   5, 0, 1);
	EQ(-1, (int32_t)get32(last_set(f), 20));
	EQ(-EINVAL, __vrc_display_irq_set_eventfds(&irq, fds, 3));
	fake_free(f);
}

TEST(unregister_and_masks)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;

	offer_gvt_v6(f, 5);
	irq = find_ok(f);
	EQ(0, vrc_display_irq_register(&irq));

	EQ(0, vrc_display_irq_mask(&irq, true));
	expect_set(f, 20, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE, 5, 0, 1);
	EQ(0, vrc_display_irq_mask(&irq, false));
	expect_set(f, 20, VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_NONE, 5, 0, 1);
	EQ(0, vrc_display_irq_mask_bool(&irq, true));
	expect_set(f, 21, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_BOOL, 5, 0, 1);
	EQ(1, last_set(f)[20]);
	EQ(0, vrc_display_irq_mask_bool(&irq, false));
	expect_set(f, 21, VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_BOOL, 5, 0, 1);
	EQ(1, last_set(f)[20]);

	EQ(0, vrc_display_irq_unregister(&irq));
	expect_set(f, 20, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE, 5, 0, 0);
	EQ(-1, irq.efd[0]);
	fake_free(f);
}

TEST(set_irqs_argsz_override)
{
	struct fake *f = fake_new(6);
	uint8_t data[4] = { 1, 2, 3, 4 };

	EQ(0, __vrc_set_irqs(&f->t, VFIO_IRQ_SET_ACTION_TRIGGER |
			     VFIO_IRQ_SET_DATA_BOOL, 5, 0, 4, data, 4, 16));
	/* the fake reads argsz bytes only: count and data are not sent */
	EQ(16, get32(last_set(f), 0));
	EQ(VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_BOOL,
	   get32(last_set(f), 4));
	EQ(5, get32(last_set(f), 8));
	EQ(0, get32(last_set(f), 16));
	/* argsz larger than the data: the buffer covers it (ASan checks) */
	EQ(0, __vrc_set_irqs(&f->t, VFIO_IRQ_SET_ACTION_TRIGGER |
			     VFIO_IRQ_SET_DATA_BOOL, 5, 0, 4, data, 4, 4096));
	EQ(4096, get32(last_set(f), 0));
	EQ(3, last_set(f)[22]);
	EQ(0, last_set(f)[24]);
	EQ(-EINVAL, __vrc_set_irqs(&f->t, 0, 5, 0, 1, NULL, 4, 0));
	EQ(-EINVAL, __vrc_set_irqs(&f->t, 0, 5, 0, 1, data, 1u << 30, 0));
	fake_free(f);
}

/* ------------------------------------------------------------- signals */

static void signal_efd(int fd, uint64_t v)
{
	EQ(8, write(fd, &v, sizeof(v)));
}

TEST(poll_decodes_v6_and_reads_frame_counter)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	struct vrc_signal sig;

	offer_gvt_v6(f, 5);
	irq = find_ok(f);
	EQ(-EBADF, vrc_display_irq_poll(&irq, &sig));
	EQ(0, vrc_display_irq_register(&irq));
	EQ(0, vrc_display_irq_poll(&irq, &sig));
	EQ(0, f->nread);

	f->frmcount = 1234;
	signal_efd(irq.efd[0], VRC_GVT_PRI_EVENT_VAL | VRC_GVT_CUR_EVENT_VAL);
	signal_efd(irq.efd[0], VRC_GVT_PRI_EVENT_VAL);
	EQ(1, vrc_display_irq_poll(&irq, &sig));
	EQ(2 * VRC_GVT_PRI_EVENT_VAL + VRC_GVT_CUR_EVENT_VAL, sig.raw[0]);
	EQ(2, sig.counts.primary);
	EQ(1, sig.counts.cursor);
	ASSERT_TRUE(sig.counts.exact);
	ASSERT_FALSE(sig.counts.saturated);
	EQ(1234, sig.frame_counter);
	EQ(VFIO_PCI_BAR0_REGION_INDEX, f->rd_index);
	EQ(0x70040, f->rd_off);
	EQ(4, f->rd_len);
	ASSERT_GT(sig.t_wake_ns, 0u);

	/* drained: nothing left */
	EQ(0, vrc_display_irq_poll(&irq, &sig));

	/* a value that is not a sum of the advertised values */
	signal_efd(irq.efd[0], VRC_GVT_PRI_EVENT_VAL + 1);
	EQ(1, vrc_display_irq_poll(&irq, &sig));
	ASSERT_FALSE(sig.counts.exact);
	EQ(1, sig.counts.residue);

	/* the frame counter read fails: error, the drained value kept */
	f->rd_err = EIO;
	signal_efd(irq.efd[0], VRC_GVT_CUR_EVENT_VAL);
	EQ(-EIO, vrc_display_irq_poll(&irq, &sig));
	EQ(VRC_GVT_CUR_EVENT_VAL, sig.raw[0]);
	EQ(1, sig.counts.cursor);

	vrc_display_irq_close(&irq);
	fake_free(f);
}

TEST(poll_v7_counts_per_sub_irq)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	struct vrc_signal sig;

	offer_v7(f, 5);
	irq = find_ok(f);
	EQ(0, vrc_display_irq_register(&irq));
	f->frmcount = 77;
	signal_efd(irq.efd[1], 1);	/* primary is sub-irq 1 here */
	signal_efd(irq.efd[1], 1);
	signal_efd(irq.efd[1], 1);
	signal_efd(irq.efd[0], 1);
	EQ(1, vrc_display_irq_poll(&irq, &sig));
	EQ(1, sig.raw[0]);
	EQ(3, sig.raw[1]);
	EQ(3, sig.counts.primary);
	EQ(1, sig.counts.cursor);
	ASSERT_TRUE(sig.counts.exact);
	EQ(77, sig.frame_counter);

	signal_efd(irq.efd[0], 2);
	EQ(1, vrc_display_irq_poll(&irq, &sig));
	EQ(0, sig.counts.primary);
	EQ(2, sig.counts.cursor);
	vrc_display_irq_close(&irq);
	fake_free(f);
}

TEST(wait_times_out_then_wakes)
{
	struct fake *f = fake_new(6);
	struct vrc_display_irq irq;
	struct vrc_signal sig;

	offer_gvt_v6(f, 5);
	irq = find_ok(f);
	EQ(-EBADF, vrc_display_irq_wait(&irq, 10, &sig));
	EQ(0, vrc_display_irq_register(&irq));
	EQ(0, vrc_display_irq_wait(&irq, 20, &sig));
	signal_efd(irq.efd[0], VRC_GVT_PRI_EVENT_VAL);
	EQ(1, vrc_display_irq_wait(&irq, 1000, &sig));
	EQ(1, sig.counts.primary);
	ASSERT_GT(sig.t_wake_ns, 0u);
	vrc_display_irq_close(&irq);
	fake_free(f);
}

TEST(eventfd_drain)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t v = 99;

	ASSERT_GE(fd, 0);
	EQ(0, vrc_eventfd_drain(fd, &v));
	EQ(0, v);
	signal_efd(fd, 5);
	signal_efd(fd, 6);
	EQ(1, vrc_eventfd_drain(fd, &v));
	EQ(11, v);
	EQ(0, vrc_eventfd_drain(fd, &v));
	close(fd);
	EQ(-EBADF, vrc_eventfd_drain(fd, &v));
}

/* take: the count read and gone; empty and unreadable are both 0 */
TEST(eventfd_take_reads_and_empties)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_GE(fd, 0);
	EQ(0, vrc_eventfd_take(fd));
	signal_efd(fd, 3);
	signal_efd(fd, 4);
	EQ(7, vrc_eventfd_take(fd));
	EQ(0, vrc_eventfd_take(fd));
	close(fd);
	EQ(0, vrc_eventfd_take(fd));
}

/* --------------------------------------------------------------- planes */

TEST(plane_query_zeroes_first)
{
	struct fake *f = fake_new(6);
	struct vrc_plane p;

	memset(&p, 0x5a, sizeof(p));
	EQ(0, vrc_plane_query(&f->t, VRC_PLANE_CURSOR, &p));
	/* the plane is off: struct untouched by the device, so all zero */
	EQ(0, p.info.drm_format);
	EQ(0, p.info.width);
	EQ(-1, p.fd);
	ASSERT_TRUE(p.map == NULL);
	EQ(sizeof(p.info), f->plane_in.argsz);
	EQ(VFIO_GFX_PLANE_TYPE_DMABUF, f->plane_in.flags);
	EQ(VRC_PLANE_CURSOR, f->plane_in.drm_plane_type);
	fake_free(f);
}

static int make_memfd(size_t size)
{
	int fd = memfd_create("vrc-test-vram", MFD_CLOEXEC);

	ASSERT_GE(fd, 0);
	EQ(0, ftruncate(fd, (off_t)size));
	return fd;
}

static void set_plane(struct fake *f, uint32_t w, uint32_t h, uint32_t stride,
		      uint32_t size)
{
	memset(&f->plane_out, 0, sizeof(f->plane_out));
	f->plane_out.drm_format = 0x34325258;	/* XR24 */
	f->plane_out.width = w;
	f->plane_out.height = h;
	f->plane_out.stride = stride;
	f->plane_out.size = size;
	f->plane_out.dmabuf_id = 7;
}

TEST(plane_map_at_unaligned_offset)
{
	struct fake *f = fake_new(6);
	struct vrc_plane p;
	uint8_t pattern[256];
	char err[256] = "";

	f->dmabuf_fd = make_memfd(3 * 4096);
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 1);
	EQ(sizeof(pattern), pwrite(f->dmabuf_fd, pattern, sizeof(pattern), 4096 + 256));
	f->dmabuf_off = 4096 + 256;
	set_plane(f, 16, 4, 64, 256);

	EQ(0, vrc_plane_query(&f->t, VRC_PLANE_PRIMARY, &p));
	EQ(0x34325258, p.info.drm_format);
	EQ(0, vrc_plane_map(&f->t, &p, err, sizeof(err)));
	EQ(7, f->dmabuf_id_seen);
	ASSERT_TRUE(p.map != NULL);
	EQ(256, p.map_len);
	EQ(0, memcmp(p.map, pattern, sizeof(pattern)));
	EQ((uint8_t *)p.map - (uint8_t *)p.map_base, 256);
	EQ(-EBUSY, vrc_plane_map(&f->t, &p, err, sizeof(err)));
	vrc_plane_release(&p);
	EQ(-1, p.fd);
	ASSERT_TRUE(p.map == NULL);
	vrc_plane_release(&p);	/* twice is harmless */
	fake_free(f);
}

TEST(plane_map_rejects_bad_geometry)
{
	struct fake *f = fake_new(6);
	struct vrc_plane p;
	char err[256] = "";
	unsigned before;

	f->dmabuf_fd = make_memfd(4096);
	before = vrc_count_open_fds();

	set_plane(f, 16, 4, 60, 256);		/* stride < width * 4 */
	EQ(0, vrc_plane_query(&f->t, VRC_PLANE_PRIMARY, &p));
	EQ(-EPROTO, vrc_plane_map(&f->t, &p, err, sizeof(err)));

	set_plane(f, 16, 4, 64, 255);		/* size < stride * height */
	EQ(0, vrc_plane_query(&f->t, VRC_PLANE_PRIMARY, &p));
	EQ(-EPROTO, vrc_plane_map(&f->t, &p, err, sizeof(err)));

	set_plane(f, 16, 4, 64, 512u << 20);	/* over 256 MiB */
	EQ(0, vrc_plane_query(&f->t, VRC_PLANE_PRIMARY, &p));
	EQ(-EPROTO, vrc_plane_map(&f->t, &p, err, sizeof(err)));

	set_plane(f, 0, 4, 64, 256);		/* empty */
	EQ(0, vrc_plane_query(&f->t, VRC_PLANE_PRIMARY, &p));
	EQ(-EPROTO, vrc_plane_map(&f->t, &p, err, sizeof(err)));
	EQ(before, vrc_count_open_fds());

	/* inside limits but past the end of the buffer: no SIGBUS later */
	set_plane(f, 16, 4, 64, 256);
	f->dmabuf_off = 4096 - 128;
	EQ(0, vrc_plane_query(&f->t, VRC_PLANE_PRIMARY, &p));
	EQ(-EPROTO, vrc_plane_map(&f->t, &p, err, sizeof(err)));
	ASSERT_TRUE(p.map == NULL);
	vrc_plane_release(&p);
	EQ(before, vrc_count_open_fds());

	/* no plane */
	memset(&f->plane_out, 0, sizeof(f->plane_out));
	EQ(0, vrc_plane_query(&f->t, VRC_PLANE_PRIMARY, &p));
	EQ(-ENOENT, vrc_plane_map(&f->t, &p, err, sizeof(err)));
	fake_free(f);
}

TEST(plane_map_enodev_says_fallback_missing)
{
	struct fake *f = fake_new(6);
	struct vrc_plane p;
	char err[256] = "";

	/* /dev/null refuses mmap with ENODEV, as a 6.1-era GVT dmabuf does */
	f->dmabuf_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(f->dmabuf_fd, 0);
	set_plane(f, 16, 4, 64, 4096);
	EQ(0, vrc_plane_query(&f->t, VRC_PLANE_PRIMARY, &p));
	EQ(-ENODEV, vrc_plane_map(&f->t, &p, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "PRIME") != NULL);
	vrc_plane_release(&p);
	fake_free(f);
}

VTEST_MAIN()
