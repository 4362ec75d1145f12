// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vGPU display refresh irq of a VFIO device: one irq index after the
 * PCI ones, of type GFX / DISPLAY_IRQ, with one sub-irq per display plane
 * (the plane-map capability says which), each signalling its own eventfd
 * with +1 at most once per vblank in which its plane was refreshed.
 *
 * The device is the one named by VFIO_DISPLAY_IRQ_DEVICE (an mdev uuid, or
 * a sysfs device path), else the first device in /sys/bus/mdev/devices that
 * offers the irq; it is opened through its iommu group and a type1
 * container.  Plane updates are made as a guest driver makes them, by
 * writes to the vGPU's display registers in BAR0.
 *
 * Vblanks are counted on the device's own frame counter (PIPE_FRMCOUNT of
 * pipe A).  When the device's vblank clock is stepped by the host (the
 * debugfs file vgpu-mdev/<uuid>/step of the emulated vGPU), the tests step
 * it, so that every window is exact; otherwise they wait for the counter
 * to advance in real time.
 *
 * Each test is named after the requirement it checks: the clause and
 * sentence numbers of the irq's contract (e.g. irq_3_4 is IRQ-3.4).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"

#define DEVICE_ENV		"VFIO_DISPLAY_IRQ_DEVICE"
#define DESTRUCTIVE_ENV		"VFIO_DISPLAY_IRQ_DESTRUCTIVE"
#define MDEV_DEVICES		"/sys/bus/mdev/devices"
#define STEP_FILE		"/sys/kernel/debug/vgpu-mdev/%s/step"

/* enum drm_plane_type: what the plane map names for each sub-irq */
#define PLANE_TYPE_PRIMARY	1
#define PLANE_TYPE_CURSOR	2

/* The vGPU's pipe A registers (i915) */
#define PIPE_A_FRMCOUNT		0x70040
#define PIPE_A_CURPOS		0x70088
#define PIPE_A_DSPSURF		0x7019c

/* A primary plane that is never flipped is reported after this many vblanks */
#define IDLE_THRESHOLD		10
#define MAX_SUB_IRQS		8
#define MAX_INFO_ARGSZ		4096
#define MAX_CAPS		16
#define FRAME_WAIT_MS		100	/* per vblank, on a loaded TCG guest */

struct display_irq {
	__u32 index;
	__u32 count;
	__u32 flags;
	__u32 argsz;		/* what GET_IRQ_INFO needs for the whole chain */
	__u32 plane_type[MAX_SUB_IRQS];
	int primary;		/* sub-irq of the primary plane */
	int cursor;		/* sub-irq of the cursor plane */
	bool v6_events;		/* the value-encoded events capability (v6) */
};

/* The device every test opens, chosen once in main() */
static char device_name[NAME_MAX + 1];
static char device_sysfs[PATH_MAX];

struct vfio_dev {
	int container;
	int group;
	int fd;
	__u64 bar0;
	__u32 num_irqs;
	char step[PATH_MAX];	/* the stepped clock's control, or "" */
	struct display_irq irq;
};

static int group_of(const char *sysfs, char *path, size_t len)
{
	char link[PATH_MAX + 16], target[PATH_MAX];
	const char *n;
	ssize_t r;

	snprintf(link, sizeof(link), "%s/iommu_group", sysfs);
	r = readlink(link, target, sizeof(target) - 1);
	if (r < 0)
		return -errno;
	target[r] = '\0';
	n = strrchr(target, '/');
	n = n ? n + 1 : target;
	if (!*n || strlen(n) > 10 || strspn(n, "0123456789") != strlen(n))
		return -EINVAL;
	snprintf(path, len, "/dev/vfio/%s", n);
	return 0;
}

static void vfio_close(struct vfio_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->fd = -1;
	d->group = -1;
	d->container = -1;
}

/* Open the device through its group and a type1 container: 0 or -errno. */
static int vfio_open(struct vfio_dev *d, const char *name, const char *sysfs)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info bar0 = { .argsz = sizeof(bar0) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char group[PATH_MAX];
	int ret;

	d->fd = -1;
	d->group = -1;
	d->container = open("/dev/vfio/vfio", O_RDWR);
	if (d->container < 0)
		return -errno;
	ret = group_of(sysfs, group, sizeof(group));
	if (ret)
		goto err;
	d->group = open(group, O_RDWR);
	if (d->group < 0 ||
	    ioctl(d->group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE) ||
	    ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container))
		goto err_errno;
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) &&
	    ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		goto err_errno;
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, name);
	if (d->fd < 0 || ioctl(d->fd, VFIO_DEVICE_GET_INFO, &info))
		goto err_errno;
	d->num_irqs = info.num_irqs;
	bar0.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &bar0))
		goto err_errno;
	d->bar0 = bar0.offset;
	snprintf(d->step, sizeof(d->step), STEP_FILE, name);
	if (access(d->step, W_OK))
		d->step[0] = '\0';
	return 0;

err_errno:
	ret = errno ? -errno : -ENODEV;
err:
	vfio_close(d);
	return ret;
}

/* The device fd alone, closed and opened again: a new opener. */
static int vfio_reopen_device(struct vfio_dev *d)
{
	close(d->fd);
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, device_name);
	return d->fd < 0 ? -errno : 0;
}

/* GET_IRQ_INFO of index into buf (len bytes) with the given argsz. */
static int irq_info(int fd, __u32 index, __u32 argsz, void *buf, size_t len)
{
	struct vfio_irq_info *info = buf;

	memset(buf, 0, len);
	info->argsz = argsz;
	info->index = index;
	return ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, info) ? -errno : 0;
}

/*
 * Walk the capability chain of an info of argsz bytes.  Returns 0 if every
 * capability lies inside argsz, is 4-byte aligned, has version 1 and the
 * chain ends without a loop, else -EPROTO.  Records what the chain says.
 */
static int walk_caps(const __u8 *buf, __u32 argsz, struct display_irq *irq, bool *is_display)
{
	const struct vfio_irq_info *info = (const void *)buf;
	struct vfio_info_cap_header hdr;
	__u32 off = info->cap_offset, prev = 0, type[2], nr;
	unsigned int n;

	*is_display = false;
	for (n = 0; off; n++) {
		if (n == MAX_CAPS || off <= prev || off % 4 ||
		    off < sizeof(*info) || off > argsz - sizeof(hdr))
			return -EPROTO;
		memcpy(&hdr, buf + off, sizeof(hdr));
		if (hdr.version != 1)
			return -EPROTO;
		if (hdr.id == VFIO_IRQ_INFO_CAP_TYPE) {
			if (off + sizeof(hdr) + sizeof(type) > argsz)
				return -EPROTO;
			memcpy(type, buf + off + sizeof(hdr), sizeof(type));
			*is_display = type[0] == VFIO_IRQ_TYPE_GFX &&
				      type[1] == VFIO_IRQ_SUBTYPE_GFX_DISPLAY_IRQ;
		} else if (hdr.id == VFIO_IRQ_INFO_CAP_DISPLAY_PLANES) {
			if (off + sizeof(hdr) + sizeof(nr) > argsz)
				return -EPROTO;
			memcpy(&nr, buf + off + sizeof(hdr), sizeof(nr));
			if (nr > MAX_SUB_IRQS ||
			    off + sizeof(hdr) + sizeof(nr) + nr * sizeof(__u32) > argsz)
				return -EPROTO;
			memcpy(irq->plane_type, buf + off + sizeof(hdr) + sizeof(nr),
			       nr * sizeof(__u32));
		} else if (hdr.id == VFIO_IRQ_INFO_CAP_DISPLAY_PLANES - 1) {
			/* the v6 series' value-encoded events capability */
			irq->v6_events = true;
		}
		prev = off;
		off = hdr.next;
	}
	return 0;
}

/*
 * GET_IRQ_INFO of index with the argsz retry: the info and its chain in buf
 * (MAX_INFO_ARGSZ bytes), the argsz it needed in *argsz.  0 or -errno.
 */
static int irq_info_full(int fd, __u32 index, __u8 *buf, __u32 *argsz)
{
	struct vfio_irq_info *info = (void *)buf;
	int ret;

	ret = irq_info(fd, index, sizeof(*info), buf, MAX_INFO_ARGSZ);
	if (ret)
		return ret;
	*argsz = sizeof(*info);
	if (!(info->flags & VFIO_IRQ_INFO_FLAG_CAPS) || info->argsz <= sizeof(*info))
		return 0;
	if (info->argsz > MAX_INFO_ARGSZ)
		return -E2BIG;
	*argsz = info->argsz;
	return irq_info(fd, index, *argsz, buf, MAX_INFO_ARGSZ);
}

/*
 * The display irq among the device specific indexes: 0, -ENOENT, -EPROTO
 * when a capability chain is malformed (it may be the display irq's), or
 * -errno.
 */
static int find_display_irq(struct vfio_dev *d)
{
	static __u8 buf[MAX_INFO_ARGSZ];
	struct vfio_irq_info *info = (void *)buf;
	struct display_irq *irq = &d->irq;
	bool is_display, malformed = false;
	__u32 i, sub, argsz;
	int ret;

	for (i = VFIO_PCI_NUM_IRQS; i < d->num_irqs; i++) {
		memset(irq, 0, sizeof(*irq));
		ret = irq_info_full(d->fd, i, buf, &argsz);
		if (ret)
			return ret;
		if (!(info->flags & VFIO_IRQ_INFO_FLAG_CAPS))
			continue;
		ret = walk_caps(buf, argsz, irq, &is_display);
		malformed |= ret != 0;
		if (ret || !is_display)
			continue;
		irq->index = i;
		irq->count = info->count;
		irq->flags = info->flags;
		irq->argsz = argsz;
		irq->primary = -1;
		irq->cursor = -1;
		for (sub = 0; sub < irq->count && sub < MAX_SUB_IRQS; sub++) {
			if (irq->plane_type[sub] == PLANE_TYPE_PRIMARY)
				irq->primary = sub;
			else if (irq->plane_type[sub] == PLANE_TYPE_CURSOR)
				irq->cursor = sub;
		}
		return 0;
	}
	return malformed ? -EPROTO : -ENOENT;
}

static int reg_write(struct vfio_dev *d, __u32 reg, __u32 val)
{
	ssize_t r = pwrite(d->fd, &val, sizeof(val), d->bar0 + reg);

	return r == sizeof(val) ? 0 : -EIO;
}

static __u32 frame_counter(struct vfio_dev *d)
{
	__u32 val = 0;

	if (pread(d->fd, &val, sizeof(val), d->bar0 + PIPE_A_FRMCOUNT) != sizeof(val))
		return 0;
	return val;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * Let n vblanks of the device pass: stepped, or counted on its frame
 * counter in real time.  When it returns, every signal of those vblanks
 * has been delivered.  0, or -ETIMEDOUT if the device does not count them.
 */
static int vblanks(struct vfio_dev *d, unsigned int n)
{
	__u32 start = frame_counter(d);
	long waited = 0;
	char buf[16];
	int fd, len;
	ssize_t r;

	if (d->step[0]) {
		fd = open(d->step, O_WRONLY);
		if (fd < 0)
			return -errno;
		len = snprintf(buf, sizeof(buf), "%u", n);
		r = write(fd, buf, len);
		close(fd);
		return r == len ? 0 : -EIO;
	}
	/* one more: the counter moves after the signal of its vblank */
	while (frame_counter(d) - start < n + 1) {
		if (waited > (long)(n + 1) * FRAME_WAIT_MS + 1000)
			return -ETIMEDOUT;
		sleep_ms(4);
		waited += 4;
	}
	return 0;
}

/*
 * What an eventfd counted since it was last read (it is left at 0).  Only
 * the EVT-1 tests ask how many: elsewhere a signal is any count above 0.
 */
static __u64 take(int efd)
{
	__u64 v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static int set_irqs(struct vfio_dev *d, __u32 flags, __u32 index, __u32 start,
		    __u32 count, const void *data, size_t size, __u32 argsz)
{
	__u8 buf[sizeof(struct vfio_irq_set) + MAX_SUB_IRQS * sizeof(__s32) + 8];
	struct vfio_irq_set *set = (void *)buf;

	if (size > sizeof(buf) - sizeof(*set))
		return -E2BIG;
	memset(buf, 0, sizeof(buf));
	set->argsz = argsz ? argsz : sizeof(*set) + size;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (size)
		memcpy(set->data, data, size);
	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
}

/* Register fds[0..count) as the display irq's sub-irq eventfds. */
static int trigger(struct vfio_dev *d, const int *fds)
{
	return set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD,
			d->irq.index, 0, d->irq.count, fds, d->irq.count * sizeof(__s32), 0);
}

static int unregister(struct vfio_dev *d)
{
	return set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE,
			d->irq.index, 0, 0, NULL, 0, 0);
}

/* MASK or UNMASK of the whole irq, DATA_NONE or (bools >= 0) DATA_BOOL. */
static int mask(struct vfio_dev *d, __u32 action, int bools)
{
	__u8 val[MAX_SUB_IRQS];

	if (bools < 0)
		return set_irqs(d, action | VFIO_IRQ_SET_DATA_NONE, d->irq.index, 0,
				d->irq.count, NULL, 0, 0);
	memset(val, bools, sizeof(val));
	return set_irqs(d, action | VFIO_IRQ_SET_DATA_BOOL, d->irq.index, 0,
			d->irq.count, val, d->irq.count, 0);
}

/* One update of a plane, as a guest driver makes it. */
static int update(struct vfio_dev *d, int plane_type)
{
	static __u32 seq;

	seq++;
	if (plane_type == PLANE_TYPE_CURSOR)	/* a move: x and y as magnitudes */
		return reg_write(d, PIPE_A_CURPOS, (seq % 512) << 16 | (seq % 256));
	return reg_write(d, PIPE_A_DSPSURF, 0x100000 + (seq % 64) * 0x10000);
}

static int other_plane(int plane_type)
{
	return plane_type == PLANE_TYPE_CURSOR ? PLANE_TYPE_PRIMARY : PLANE_TYPE_CURSOR;
}

/*
 * Bring the primary plane out of its idle heuristic: a flip and two
 * vblanks, so that the next IDLE_THRESHOLD vblanks carry only the
 * signals of the test's own updates.
 */
static int settle(struct vfio_dev *d)
{
	int ret = update(d, PLANE_TYPE_PRIMARY);

	return ret ? ret : vblanks(d, 2);
}

/* The device's choice, made once: 0, or -ENOENT with a reason in why. */
static int probe_device(const char *name, const char *sysfs, char *why, size_t len)
{
	struct vfio_dev d;
	int ret = vfio_open(&d, name, sysfs);

	if (ret) {
		snprintf(why, len, "%s: cannot open through its group: %s", name, strerror(-ret));
		return -ENOENT;
	}
	/* a malformed chain is tested: disc_2_1 fails on it, the rest skip */
	ret = find_display_irq(&d);
	if (ret && ret != -EPROTO)
		snprintf(why, len, "%s: no display irq among its %u irqs (%s)", name,
			 d.num_irqs, strerror(-ret));
	else if (!ret && (d.irq.v6_events || d.irq.count < 2))
		snprintf(why, len, "%s: a v6 display irq (one value-encoded eventfd), not v7",
			 name);
	vfio_close(&d);
	return why[0] ? -ENOENT : 0;
}

static int choose_device(char *why, size_t len)
{
	const char *env = getenv(DEVICE_ENV);
	char real[PATH_MAX];
	struct dirent *e;
	DIR *dir;

	if (env && *env) {
		if (strchr(env, '/')) {
			if (!realpath(env, real)) {
				snprintf(why, len, "%s=%s: %s", DEVICE_ENV, env, strerror(errno));
				return -ENOENT;
			}
			snprintf(device_sysfs, sizeof(device_sysfs), "%s", real);
		} else {
			snprintf(device_sysfs, sizeof(device_sysfs), "%s/%s", MDEV_DEVICES, env);
		}
		snprintf(device_name, sizeof(device_name), "%s", strrchr(device_sysfs, '/') + 1);
		return probe_device(device_name, device_sysfs, why, len);
	}
	dir = opendir(MDEV_DEVICES);
	if (!dir) {
		snprintf(why, len, "no %s (no mdev devices) and %s not set", MDEV_DEVICES,
			 DEVICE_ENV);
		return -ENOENT;
	}
	snprintf(why, len, "no device in %s offers the display irq (or set %s)",
		 MDEV_DEVICES, DEVICE_ENV);
	while ((e = readdir(dir))) {
		char reason[256] = "";

		if (e->d_name[0] == '.' || strlen(e->d_name) > NAME_MAX)
			continue;
		snprintf(device_sysfs, sizeof(device_sysfs), "%s/%s", MDEV_DEVICES, e->d_name);
		if (!probe_device(e->d_name, device_sysfs, reason, sizeof(reason))) {
			snprintf(device_name, sizeof(device_name), "%s", e->d_name);
			why[0] = '\0';
			break;
		}
		snprintf(why, len, "%s", reason);
	}
	closedir(dir);
	return why[0] ? -ENOENT : 0;
}

/*
 * The fixture of every test: the device open, its display irq found.
 * False when the test is skipped.
 */
static bool open_device(struct __test_metadata *_metadata, struct vfio_dev *d, int *efd)
{
	unsigned int i;
	int ret;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < MAX_SUB_IRQS; i++)
		efd[i] = -1;
	ASSERT_EQ(0, vfio_open(d, device_name, device_sysfs));
	ret = find_display_irq(d);
	if (ret) {
		vfio_close(d);
		SKIP(return false, "%s: display irq not discoverable (%s)", device_name,
		     strerror(-ret));
	}
	if (d->irq.v6_events || d->irq.count < 2) {
		vfio_close(d);
		SKIP(return false, "%s: no display irq of the v7 uAPI", device_name);
	}
	ASSERT_LE(d->irq.count, MAX_SUB_IRQS);
	for (i = 0; i < d->irq.count; i++) {
		efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ASSERT_LE(0, efd[i]);
	}
	TH_LOG("%s: display irq %u, %u sub-irqs, primary %d cursor %d, clock %s",
	       device_name, d->irq.index, d->irq.count, d->irq.primary, d->irq.cursor,
	       d->step[0] ? "stepped" : "real time");
	return true;
}

static void close_device(struct vfio_dev *d, int *efd)
{
	unsigned int i;

	for (i = 0; i < MAX_SUB_IRQS; i++)
		if (efd[i] >= 0)
			close(efd[i]);
	vfio_close(d);
}

/*
 * Every capability chain of the device specific irqs, fetched with the
 * argsz it needs, is well formed (2.1, 2.3-2.5), and one is the display
 * irq's.  Without a fixture: it runs when a malformed chain hides the irq
 * and every other test skips.
 */
TEST(disc_2_1_chains_well_formed)
{
	static __u8 buf[MAX_INFO_ARGSZ];
	struct display_irq irq;
	unsigned int displays = 0;
	struct vfio_dev d;
	bool is_display;
	__u32 i, argsz;

	ASSERT_EQ(0, vfio_open(&d, device_name, device_sysfs));
	for (i = VFIO_PCI_NUM_IRQS; i < d.num_irqs; i++) {
		memset(&irq, 0, sizeof(irq));
		ASSERT_EQ(0, irq_info_full(d.fd, i, buf, &argsz)) TH_LOG("irq index %u", i);
		if (!(((struct vfio_irq_info *)buf)->flags & VFIO_IRQ_INFO_FLAG_CAPS))
			continue;
		EXPECT_EQ(0, walk_caps(buf, argsz, &irq, &is_display))
			TH_LOG("irq index %u: malformed capability chain of %u bytes", i, argsz);
		displays += is_display;
	}
	vfio_close(&d);
	EXPECT_LT(0, displays);
}

/* ---- the irq as a whole: discovery, invalid requests, close and reset */

FIXTURE(display_irq) {
	struct vfio_dev d;
	int efd[MAX_SUB_IRQS];
};

FIXTURE_SETUP(display_irq)
{
	if (!open_device(_metadata, &self->d, self->efd))
		return;
}

FIXTURE_TEARDOWN(display_irq)
{
	close_device(&self->d, self->efd);
}

/* Register the fixture's eventfds, and let the primary plane settle. */
static void register_all(struct __test_metadata *_metadata, struct vfio_dev *d, int *efd)
{
	unsigned int i;

	ASSERT_EQ(0, trigger(d, efd));
	ASSERT_EQ(0, settle(d));
	for (i = 0; i < d->irq.count; i++)
		take(efd[i]);
}

TEST_F(display_irq, disc_1_1_index_after_pci_irqs)
{
	ASSERT_LE(VFIO_PCI_NUM_IRQS, self->d.irq.index);
	ASSERT_GT(self->d.num_irqs, self->d.irq.index);
}

TEST_F(display_irq, disc_1_3_eventfd_flag)
{
	ASSERT_TRUE(self->d.irq.flags & VFIO_IRQ_INFO_EVENTFD);
}

TEST_F(display_irq, disc_1_7_plane_map)
{
	struct display_irq *irq = &self->d.irq;

	EXPECT_LE(0, irq->primary);
	EXPECT_LE(0, irq->cursor);
	EXPECT_NE(irq->primary, irq->cursor);
}

/*
 * Every argsz from the extended struct to one short of the chain: success,
 * CAPS set, the needed argsz reported, no chain (cap_offset 0), and not a
 * byte written past the caller's argsz (2.2, 2.6, 2.7).
 */
TEST_F(display_irq, disc_2_6_short_argsz)
{
	static __u8 buf[MAX_INFO_ARGSZ];
	struct vfio_irq_info *info = (void *)buf;
	__u32 need = self->d.irq.argsz, argsz, i;

	ASSERT_LT(sizeof(*info), need);
	for (argsz = sizeof(*info); argsz < need; argsz++) {
		memset(buf, 0xa5, sizeof(buf));
		info->argsz = argsz;
		info->flags = 0;
		info->index = self->d.irq.index;
		info->count = 0;
		info->cap_offset = 0;
		ASSERT_EQ(0, ioctl(self->d.fd, VFIO_DEVICE_GET_IRQ_INFO, info))
			TH_LOG("argsz %u: %s", argsz, strerror(errno));
		EXPECT_TRUE(info->flags & VFIO_IRQ_INFO_FLAG_CAPS) TH_LOG("argsz %u", argsz);
		EXPECT_EQ(need, info->argsz) TH_LOG("argsz %u", argsz);
		EXPECT_EQ(0, info->cap_offset) TH_LOG("argsz %u", argsz);
		for (i = argsz; i < need; i++)
			ASSERT_EQ(0xa5, buf[i]) TH_LOG("argsz %u: byte %u written", argsz, i);
	}
}

/* A retry with the argsz asked for returns the whole chain (2.8). */
TEST_F(display_irq, disc_2_8_retry)
{
	static __u8 buf[MAX_INFO_ARGSZ];
	struct display_irq irq = { 0 };
	bool is_display;
	__u32 argsz;

	ASSERT_EQ(0, irq_info_full(self->d.fd, self->d.irq.index, buf, &argsz));
	ASSERT_EQ(self->d.irq.argsz, argsz);
	ASSERT_EQ(0, walk_caps(buf, argsz, &irq, &is_display));
	ASSERT_TRUE(is_display);
	ASSERT_EQ(0, memcmp(irq.plane_type, self->d.irq.plane_type, sizeof(irq.plane_type)));
}

/* A refused request left the registration in place as it was (IRQ-1.9). */
static void assert_still_signalled(struct __test_metadata *_metadata, struct vfio_dev *d,
				   int *efd)
{
	ASSERT_EQ(0, update(d, PLANE_TYPE_PRIMARY));
	ASSERT_EQ(0, vblanks(d, 1));
	ASSERT_LT(0, take(efd[d->irq.primary])) TH_LOG("a refused request changed the irq");
}

TEST_F(display_irq, irq_1_2_bad_index)
{
	struct vfio_dev *d = &self->d;

	register_all(_metadata, d, self->efd);
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE,
				    d->num_irqs, 0, 0, NULL, 0, 0));
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE,
				    0xffffffff, 0, 0, NULL, 0, 0));
	assert_still_signalled(_metadata, d, self->efd);
}

TEST_F(display_irq, irq_1_3_bad_start)
{
	struct vfio_dev *d = &self->d;

	register_all(_metadata, d, self->efd);
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE,
				    d->irq.index, 1, 1, NULL, 0, 0));
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD,
				    d->irq.index, 1, 1, self->efd, sizeof(__s32), 0));
	assert_still_signalled(_metadata, d, self->efd);
}

TEST_F(display_irq, irq_1_4_bad_count)
{
	struct vfio_dev *d = &self->d;
	__u32 over = d->irq.count + 1;
	int fds[MAX_SUB_IRQS + 1];
	unsigned int i;

	register_all(_metadata, d, self->efd);
	for (i = 0; i < over; i++)
		fds[i] = self->efd[0];
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD,
				    d->irq.index, 0, over, fds, over * sizeof(__s32), 0));
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE,
				    d->irq.index, 0, over, NULL, 0, 0));
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_NONE,
				    d->irq.index, 0, over, NULL, 0, 0));
	assert_still_signalled(_metadata, d, self->efd);
}

TEST_F(display_irq, irq_1_5_bad_flags)
{
	struct vfio_dev *d = &self->d;
	__u32 index = d->irq.index, count = d->irq.count;

	register_all(_metadata, d, self->efd);
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK |
				    VFIO_IRQ_SET_DATA_NONE, index, 0, count, NULL, 0, 0));
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE |
				    VFIO_IRQ_SET_DATA_BOOL, index, 0, count, NULL, 0, 0));
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE |
				    (1u << 31), index, 0, count, NULL, 0, 0));
	assert_still_signalled(_metadata, d, self->efd);
}

/*
 * The two requests that oopsed the original (v6) series: refused with
 * EINVAL.  A kernel with that bug goes down, so the test runs only when
 * VFIO_DISPLAY_IRQ_DESTRUCTIVE=1 says the machine may.
 */
TEST_F(display_irq, irq_1_6_oops_combinations)
{
	struct vfio_dev *d = &self->d;
	const char *env = getenv(DESTRUCTIVE_ENV);

	if (!env || strcmp(env, "1"))
		SKIP(return, "destructive on a broken kernel: set %s=1 to run it", DESTRUCTIVE_ENV);
	register_all(_metadata, d, self->efd);
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD,
				    d->irq.index, 0, 0, NULL, 0, 0));
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE |
				    VFIO_IRQ_SET_DATA_EVENTFD, d->irq.index, 0, d->irq.count,
				    self->efd, d->irq.count * sizeof(__s32), 0));
	assert_still_signalled(_metadata, d, self->efd);
}

TEST_F(display_irq, irq_1_7_short_argsz)
{
	struct vfio_dev *d = &self->d;
	__u32 count = d->irq.count;

	register_all(_metadata, d, self->efd);
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE,
				    d->irq.index, 0, count, NULL, 0,
				    sizeof(struct vfio_irq_set) - 1));
	/* the eventfds the flags and count call for do not fit */
	EXPECT_EQ(-EINVAL, set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD,
				    d->irq.index, 0, count, self->efd, count * sizeof(__s32),
				    sizeof(struct vfio_irq_set) + sizeof(__s32) * (count - 1)));
	assert_still_signalled(_metadata, d, self->efd);
}

TEST_F(display_irq, irq_1_8_not_an_eventfd)
{
	struct vfio_dev *d = &self->d;
	int fds[MAX_SUB_IRQS];
	unsigned int i;
	int null;

	register_all(_metadata, d, self->efd);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null);
	for (i = 0; i < d->irq.count; i++)
		fds[i] = null;
	EXPECT_EQ(-EBADF, trigger(d, fds));
	close(null);
	assert_still_signalled(_metadata, d, self->efd);
}

/* The eventfd of a closed device, kept by us, hears nothing more (4.1). */
TEST_F(display_irq, irq_4_1_close_releases)
{
	struct vfio_dev *d = &self->d;

	register_all(_metadata, d, self->efd);
	ASSERT_EQ(0, vfio_reopen_device(d));
	ASSERT_EQ(0, update(d, PLANE_TYPE_PRIMARY));
	ASSERT_EQ(0, update(d, PLANE_TYPE_CURSOR));
	ASSERT_EQ(0, vblanks(d, IDLE_THRESHOLD + 4));
	EXPECT_EQ(0, take(self->efd[d->irq.primary]));
	EXPECT_EQ(0, take(self->efd[d->irq.cursor]));
}

TEST_F(display_irq, irq_4_2_reset_releases)
{
	struct vfio_dev *d = &self->d;

	register_all(_metadata, d, self->efd);
	ASSERT_EQ(0, ioctl(d->fd, VFIO_DEVICE_RESET));
	ASSERT_EQ(0, update(d, PLANE_TYPE_PRIMARY));
	ASSERT_EQ(0, update(d, PLANE_TYPE_CURSOR));
	ASSERT_EQ(0, vblanks(d, IDLE_THRESHOLD + 4));
	EXPECT_EQ(0, take(self->efd[d->irq.primary]));
	EXPECT_EQ(0, take(self->efd[d->irq.cursor]));
}

/* A new opener's registration is signalled without an unmask (4.3, 4.5). */
TEST_F(display_irq, irq_4_3_close_clears_mask)
{
	struct vfio_dev *d = &self->d;

	register_all(_metadata, d, self->efd);
	ASSERT_EQ(0, mask(d, VFIO_IRQ_SET_ACTION_MASK, -1));
	ASSERT_EQ(0, vfio_reopen_device(d));
	register_all(_metadata, d, self->efd);
	ASSERT_EQ(0, update(d, PLANE_TYPE_PRIMARY));
	ASSERT_EQ(0, vblanks(d, 1));
	EXPECT_LT(0, take(self->efd[d->irq.primary]));
}

/* After a reset a new registration is signalled without an unmask (4.4, 4.5). */
TEST_F(display_irq, irq_4_4_reset_clears_mask)
{
	struct vfio_dev *d = &self->d;

	register_all(_metadata, d, self->efd);
	ASSERT_EQ(0, mask(d, VFIO_IRQ_SET_ACTION_MASK, -1));
	ASSERT_EQ(0, ioctl(d->fd, VFIO_DEVICE_RESET));
	register_all(_metadata, d, self->efd);
	ASSERT_EQ(0, update(d, PLANE_TYPE_PRIMARY));
	ASSERT_EQ(0, vblanks(d, 1));
	EXPECT_LT(0, take(self->efd[d->irq.primary]));
}

/*
 * Nothing updated: the idle heuristic reports the primary plane, at most
 * once per vblank, and the cursor never (1.2; 5.2 for the cursor).
 */
TEST_F(display_irq, evt_1_2_idle_bound)
{
	struct vfio_dev *d = &self->d;
	const unsigned int n = 3 * IDLE_THRESHOLD;
	__u32 fc0, fc1, bound;
	__u64 pri;

	register_all(_metadata, d, self->efd);
	fc0 = frame_counter(d);
	ASSERT_EQ(0, vblanks(d, n));
	pri = take(self->efd[d->irq.primary]);
	fc1 = frame_counter(d);
	/*
	 * Stepped: exactly n vblanks ran.  In real time, the frames counted
	 * and the one whose signal came before its count.
	 */
	bound = d->step[0] ? n : fc1 - fc0 + 1;
	EXPECT_GE(bound, pri) TH_LOG("%llu primary signals in %u vblanks",
				     (unsigned long long)pri, d->step[0] ? n : fc1 - fc0);
	EXPECT_LT(0, pri) TH_LOG("an idle primary plane was never reported in %u vblanks", n);
	EXPECT_EQ(0, take(self->efd[d->irq.cursor]));
}

/* ---- one plane at a time: registration, masking, events */

FIXTURE(display_plane) {
	struct vfio_dev d;
	int efd[MAX_SUB_IRQS];
	int own;		/* the eventfd of the variant's plane */
	int other;		/* the other plane's */
};

FIXTURE_VARIANT(display_plane) {
	int plane_type;
};

FIXTURE_VARIANT_ADD(display_plane, primary) {
	.plane_type = PLANE_TYPE_PRIMARY,
};

FIXTURE_VARIANT_ADD(display_plane, cursor) {
	.plane_type = PLANE_TYPE_CURSOR,
};

FIXTURE_SETUP(display_plane)
{
	struct display_irq *irq = &self->d.irq;
	bool primary = variant->plane_type == PLANE_TYPE_PRIMARY;

	if (!open_device(_metadata, &self->d, self->efd))
		return;
	self->own = self->efd[primary ? irq->primary : irq->cursor];
	self->other = self->efd[primary ? irq->cursor : irq->primary];
	register_all(_metadata, &self->d, self->efd);
}

FIXTURE_TEARDOWN(display_plane)
{
	close_device(&self->d, self->efd);
}

/* An update and the vblank it latches at: what each eventfd counted. */
static void update_and_latch(struct __test_metadata *_metadata, struct vfio_dev *d,
			     int plane_type)
{
	ASSERT_EQ(0, update(d, plane_type));
	ASSERT_EQ(0, vblanks(d, 1));
}

TEST_F(display_plane, irq_1_1_signalled)
{
	update_and_latch(_metadata, &self->d, variant->plane_type);
	EXPECT_LT(0, take(self->own));
}

TEST_F(display_plane, irq_2_1_mask_silences)
{
	struct vfio_dev *d = &self->d;

	ASSERT_EQ(0, mask(d, VFIO_IRQ_SET_ACTION_MASK, -1));
	update_and_latch(_metadata, d, variant->plane_type);
	EXPECT_EQ(0, take(self->own));
	EXPECT_EQ(0, take(self->other));
}

/* Unmask resumes at the next update; the masked one is not replayed (2.2, 2.3). */
TEST_F(display_plane, irq_2_2_unmask_resumes)
{
	struct vfio_dev *d = &self->d;

	ASSERT_EQ(0, mask(d, VFIO_IRQ_SET_ACTION_MASK, -1));
	update_and_latch(_metadata, d, variant->plane_type);
	ASSERT_EQ(0, mask(d, VFIO_IRQ_SET_ACTION_UNMASK, -1));
	ASSERT_EQ(0, vblanks(d, 2));
	EXPECT_EQ(0, take(self->own)) TH_LOG("the update made while masked was replayed");
	update_and_latch(_metadata, d, variant->plane_type);
	EXPECT_LT(0, take(self->own));
}

TEST_F(display_plane, irq_2_4_bool_mask)
{
	struct vfio_dev *d = &self->d;

	ASSERT_EQ(0, mask(d, VFIO_IRQ_SET_ACTION_MASK, 1));
	update_and_latch(_metadata, d, variant->plane_type);
	EXPECT_EQ(0, take(self->own));
	ASSERT_EQ(0, mask(d, VFIO_IRQ_SET_ACTION_UNMASK, 1));
	update_and_latch(_metadata, d, variant->plane_type);
	EXPECT_LT(0, take(self->own)) TH_LOG("a true DATA_BOOL unmask did not unmask (2.5)");
}

TEST_F(display_plane, irq_2_6_false_bool_does_nothing)
{
	struct vfio_dev *d = &self->d;

	ASSERT_EQ(0, mask(d, VFIO_IRQ_SET_ACTION_MASK, 0));
	update_and_latch(_metadata, d, variant->plane_type);
	EXPECT_LT(0, take(self->own)) TH_LOG("a false DATA_BOOL mask masked");
	ASSERT_EQ(0, mask(d, VFIO_IRQ_SET_ACTION_MASK, -1));
	ASSERT_EQ(0, mask(d, VFIO_IRQ_SET_ACTION_UNMASK, 0));
	update_and_latch(_metadata, d, variant->plane_type);
	EXPECT_EQ(0, take(self->own)) TH_LOG("a false DATA_BOOL unmask unmasked");
}

TEST_F(display_plane, irq_3_1_unregister)
{
	ASSERT_EQ(0, unregister(&self->d));
	update_and_latch(_metadata, &self->d, variant->plane_type);
	EXPECT_EQ(0, take(self->own));
}

TEST_F(display_plane, irq_3_2_unregister_minus_one)
{
	int fds[MAX_SUB_IRQS] = { -1, -1, -1, -1, -1, -1, -1, -1 };

	ASSERT_EQ(0, trigger(&self->d, fds));
	update_and_latch(_metadata, &self->d, variant->plane_type);
	EXPECT_EQ(0, take(self->own));
}

/* Signals move to the new eventfds, never the replaced ones again (3.3, 3.4). */
TEST_F(display_plane, irq_3_4_replaced_not_signalled)
{
	struct vfio_dev *d = &self->d;
	int fresh[MAX_SUB_IRQS];
	unsigned int i, own = variant->plane_type == PLANE_TYPE_PRIMARY ?
			      d->irq.primary : d->irq.cursor;
	__u64 old, new;

	for (i = 0; i < d->irq.count; i++) {
		fresh[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ASSERT_LE(0, fresh[i]);
	}
	ASSERT_EQ(0, trigger(d, fresh));
	update_and_latch(_metadata, d, variant->plane_type);
	old = take(self->own);
	new = take(fresh[own]);
	for (i = 0; i < d->irq.count; i++)
		close(fresh[i]);
	EXPECT_LT(0, new) TH_LOG("the new eventfd (3.3)");
	EXPECT_EQ(0, old) TH_LOG("the replaced eventfd was signalled (3.4)");
}

/*
 * A burst of updates of the variant's plane inside one vblank, and one of
 * the other plane's: one +1 on each sub-irq (1.1).
 */
TEST_F(display_plane, evt_1_1_burst_bound)
{
	struct vfio_dev *d = &self->d;
	unsigned int i, tries;
	__u32 fc;

	for (tries = 0; tries < 5; tries++) {
		ASSERT_EQ(0, settle(d));
		take(self->own);
		take(self->other);
		fc = frame_counter(d);
		for (i = 0; i < 8; i++)
			ASSERT_EQ(0, update(d, variant->plane_type));
		ASSERT_EQ(0, update(d, other_plane(variant->plane_type)));
		if (d->step[0] || frame_counter(d) == fc)
			break;	/* the burst stayed inside one vblank */
	}
	ASSERT_GT(5, tries) TH_LOG("no burst fit into one vblank");
	ASSERT_EQ(0, vblanks(d, 3));
	EXPECT_EQ(1, take(self->own));
	EXPECT_EQ(1, take(self->other));
}

/* An update of a plane never signals the other plane's sub-irq (5.2, 5.3). */
TEST_F(display_plane, evt_5_own_plane_only)
{
	update_and_latch(_metadata, &self->d, variant->plane_type);
	ASSERT_EQ(0, vblanks(&self->d, 2));
	EXPECT_LT(0, take(self->own));
	EXPECT_EQ(0, take(self->other));
}

int main(int argc, char **argv)
{
	char why[512] = "";
	bool listing = argc > 1 && (!strcmp(argv[1], "-l") || !strcmp(argv[1], "-h"));

	if (!listing && choose_device(why, sizeof(why)))
		ksft_exit_skip("%s\n", why);
	return test_harness_run(argc, argv);
}
