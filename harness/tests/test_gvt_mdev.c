// SPDX-License-Identifier: MIT
/*
 * The mdev lifecycle against a fake sysfs tree. Below the code under test,
 * a fake "kernel" sysfs writer does what mdev does: a UUID written into a
 * type's `create` makes bus/mdev/devices/<uuid> appear (with an iommu_group
 * link and a vfio-dev/vfioN entry; with `cdev` set also the
 * /dev/vfio/devices/vfioN node of a CONFIG_VFIO_DEVICE_CDEV kernel), `1`
 * written into its `remove` makes it disappear. The sweep must remove only what a dead run of ours created.
 */
#include <sys/wait.h>

#include "test_gvt_fake.h"

struct fake_kernel {
	const char *root;	/* the fake tree (sys/ below it) */
	unsigned creates, removes;
	bool refuse;		/* answer writes with -EBUSY, like a busy mdev */
	bool lazy;		/* accept create but never make the device */
	bool no_cdev;		/* a 6.1 kernel: vfio-dev/vfio7 but no /dev node */
	char create_path[700];	/* the last create written */
};

static int fake_write(void *ctx, const char *path, const char *val, char *err, size_t errlen)
{
	struct fake_kernel *k = ctx;
	char rel[700], sys[300];
	const char *tail;

	if (k->refuse) {
		snprintf(err, errlen, "write %s: Device or resource busy", path);
		return -EBUSY;
	}
	snprintf(sys, sizeof(sys), "%s/sys/", k->root);
	ASSERT_EQ(0, strncmp(path, sys, strlen(sys)));	/* nothing outside sysfs */
	tail = strrchr(path, '/');
	if (!strcmp(tail, "/create")) {
		ASSERT_TRUE(strstr(path, "/mdev_supported_types/") != NULL);
		ASSERT_TRUE(gvt_uuid_valid(val));
		snprintf(k->create_path, sizeof(k->create_path), "%s", path);
		k->creates++;
		if (k->lazy)
			return 0;
		snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s/vfio-dev/vfio7", val);
		fake_mkdirs(k->root, rel);
		if (!k->no_cdev)
			fake_put(k->root, "dev/vfio/devices/vfio7", "");
		snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s/remove", val);
		fake_put(k->root, rel, "");
		snprintf(rel, sizeof(rel), "%s/sys/bus/mdev/devices/%s/iommu_group", k->root, val);
		ASSERT_EQ(0, symlink("../../../../kernel/iommu_groups/13", rel));
		return 0;
	}
	if (!strcmp(tail, "/remove")) {
		ASSERT_STREQ("1", val);
		k->removes++;
		snprintf(rel, sizeof(rel), "%.*s", (int)(tail - path - strlen(k->root) - 1),
			 path + strlen(k->root) + 1);
		fake_rm(k->root, rel);
		return 0;
	}
	snprintf(err, errlen, "unexpected sysfs write %s", path);
	return -EINVAL;
}

struct world {
	char root[64];
	struct gvt_host h;
	struct fake_kernel k;
	struct gvt_sysfs_writer w;
	struct gvt_mdev_env env;
};

static void world_init(struct world *x)
{
	fake_good_host(x->root, &x->h);
	x->k = (struct fake_kernel){ .root = x->root };
	x->w = (struct gvt_sysfs_writer){ .write = fake_write, .ctx = &x->k };
	x->env = (struct gvt_mdev_env){ .h = &x->h, .w = &x->w, .appear_ms = 300 };
}

static void new_uuid(struct world *x, char uuid[40])
{
	char err[200];

	ASSERT_EQ(0, gvt_new_uuid(&x->h, uuid, err, sizeof(err)));
	ASSERT_TRUE(gvt_uuid_valid(uuid));
}

static void put_marker(struct world *x, const char *uuid, long pid, unsigned long long start)
{
	char rel[200], body[200];

	snprintf(rel, sizeof(rel), "run/vrc/mdev/%s", uuid);
	snprintf(body, sizeof(body), "pid %ld start %llu run old-run parent %s type i915-GVTg_V5_8\n",
		 pid, start, FAKE_BDF);
	fake_put(x->root, rel, body);
}

static void put_device(struct world *x, const char *uuid)
{
	char rel[200];

	snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s/remove", uuid);
	fake_put(x->root, rel, "");
}

static bool device_there(struct world *x, const char *uuid)
{
	char rel[200];

	snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
	return fake_exists(x->root, rel);
}

static bool marker_there(struct world *x, const char *uuid)
{
	char rel[200];

	snprintf(rel, sizeof(rel), "run/vrc/mdev/%s", uuid);
	return fake_exists(x->root, rel);
}

/* A pid that certainly is not running: a child that has exited and been reaped. */
static long dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	ASSERT_GT(p, 0);
	ASSERT_EQ(p, waitpid(p, NULL, 0));
	return p;
}

static unsigned long long my_start(void)
{
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "r");

	ASSERT_TRUE(f != NULL);
	ASSERT_TRUE(fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	p = strrchr(buf, ')') + 1;	/* the space before field 3 */
	for (int field = 3; field < 22; field++)
		p = strchr(p + 1, ' ');
	return strtoull(p + 1, NULL, 10);
}

TEST(uuid_validation)
{
	ASSERT_TRUE(gvt_uuid_valid("3f1b3c9e-4a8d-4c3f-9d1e-0123456789ab"));
	ASSERT_FALSE(gvt_uuid_valid("3f1b3c9e-4a8d-4c3f-9d1e-0123456789a"));
	ASSERT_FALSE(gvt_uuid_valid("3f1b3c9e-4a8d-4c3f-9d1e-0123456789abc"));
	ASSERT_FALSE(gvt_uuid_valid("3F1B3C9E-4A8D-4C3F-9D1E-0123456789AB"));
	ASSERT_FALSE(gvt_uuid_valid("3f1b3c9e04a8d-4c3f-9d1e-0123456789ab"));
	ASSERT_FALSE(gvt_uuid_valid("../../../../etc/passwd-0123456789abcd"));
}

TEST(create_then_remove)
{
	struct world x;
	struct gvt_mdev m;
	char uuid[40], err[300] = "";

	world_init(&x);
	new_uuid(&x, uuid);
	ASSERT_EQ(0, gvt_mdev_create(&x.env, FAKE_BDF, "i915-GVTg_V5_8", uuid, "run-1", &m,
				     err, sizeof(err)));
	ASSERT_EQ(1u, x.k.creates);
	/* a GVT-g parent is a PCI function: its types are below it */
	ASSERT_TRUE(strstr(x.k.create_path, "/sys/bus/pci/devices/" FAKE_BDF
			   "/mdev_supported_types/i915-GVTg_V5_8/create") != NULL);
	ASSERT_TRUE(device_there(&x, uuid));
	ASSERT_TRUE(marker_there(&x, uuid));
	ASSERT_EQ(13, m.iommu_group);
	ASSERT_STREQ("vfio7", m.cdev);
	ASSERT_STREQ(uuid, m.uuid);
	ASSERT_EQ(0, gvt_mdev_remove(&x.env, uuid, err, sizeof(err)));
	ASSERT_EQ(1u, x.k.removes);
	ASSERT_FALSE(device_there(&x, uuid));
	ASSERT_FALSE(marker_there(&x, uuid));
	fake_cleanup(x.root);
}

/*
 * A parent that is no PCI function (vgpu-mdev, guest-images/mdev) has its
 * types only below class/mdev_bus/<name>: create and available_instances
 * are found there.
 */
TEST(non_pci_parent_through_class_mdev_bus)
{
	struct world x;
	struct gvt_mdev m;
	char uuid[40], want[700], err[300] = "";
	unsigned avail = 0;

	world_init(&x);
	fake_put(x.root, "sys/class/mdev_bus/vgpu-mdev/mdev_supported_types/"
		 "vgpu-mdev-display/available_instances", "3\n");
	ASSERT_EQ(0, gvt_type_available(&x.h, "vgpu-mdev", "vgpu-mdev-display", &avail));
	ASSERT_EQ(3u, avail);
	new_uuid(&x, uuid);
	ASSERT_EQ(0, gvt_mdev_create(&x.env, "vgpu-mdev", "vgpu-mdev-display", uuid, "run-1",
				     &m, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s/sys/class/mdev_bus/vgpu-mdev/mdev_supported_types/"
		 "vgpu-mdev-display/create", x.root);
	ASSERT_STREQ(want, x.k.create_path);
	ASSERT_STREQ("vgpu-mdev", m.parent);
	ASSERT_EQ(0, gvt_mdev_remove(&x.env, uuid, err, sizeof(err)));
	ASSERT_FALSE(device_there(&x, uuid));
	fake_cleanup(x.root);
}

/* Since 6.1 every VFIO device has vfio-dev/vfioN in sysfs; only a kernel
 * with CONFIG_VFIO_DEVICE_CDEV makes the node QEMU and vrc would open. */
TEST(vfio_dev_entry_without_node_is_no_cdev)
{
	struct world x;
	struct gvt_mdev m;
	char uuid[40], err[300] = "";

	world_init(&x);
	x.k.no_cdev = true;
	new_uuid(&x, uuid);
	ASSERT_EQ(0, gvt_mdev_create(&x.env, FAKE_BDF, "i915-GVTg_V5_8", uuid, "run-1", &m,
				     err, sizeof(err)));
	ASSERT_EQ(13, m.iommu_group);
	ASSERT_STREQ("", m.cdev);
	ASSERT_EQ(0, gvt_mdev_remove(&x.env, uuid, err, sizeof(err)));
	fake_cleanup(x.root);
}

TEST(marker_written_before_create)
{
	struct world x;
	struct gvt_mdev m;
	char uuid[40], err[300] = "";

	world_init(&x);
	new_uuid(&x, uuid);
	/* the kernel never makes the device: the marker must stay for the sweep */
	x.k.lazy = true;
	ASSERT_EQ(-ETIMEDOUT, gvt_mdev_create(&x.env, FAKE_BDF, "i915-GVTg_V5_8", uuid, "r", &m,
					      err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "did not appear") != NULL);
	ASSERT_TRUE(marker_there(&x, uuid));
	/* a refused create leaves nothing behind */
	x.k.lazy = false;
	x.k.refuse = true;
	new_uuid(&x, uuid);
	ASSERT_EQ(-EBUSY, gvt_mdev_create(&x.env, FAKE_BDF, "i915-GVTg_V5_8", uuid, "r", &m,
					  err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "busy") != NULL);
	ASSERT_FALSE(marker_there(&x, uuid));
	fake_cleanup(x.root);
}

TEST(bad_names_refused)
{
	struct world x;
	struct gvt_mdev m;
	char uuid[40], err[300] = "";

	world_init(&x);
	new_uuid(&x, uuid);
	ASSERT_EQ(-EINVAL, gvt_mdev_create(&x.env, "../../x", "i915-GVTg_V5_8", uuid, "r", &m,
					   err, sizeof(err)));
	ASSERT_EQ(-EINVAL, gvt_mdev_create(&x.env, FAKE_BDF, "i915-GVTg_V5_8/../x", uuid, "r",
					   &m, err, sizeof(err)));
	ASSERT_EQ(-EINVAL, gvt_mdev_create(&x.env, FAKE_BDF, "i915-GVTg_V5_8", "not-a-uuid", "r",
					   &m, err, sizeof(err)));
	ASSERT_EQ(0u, x.k.creates);
	fake_cleanup(x.root);
}

TEST(remove_refuses_foreign_mdev)
{
	struct world x;
	char uuid[40], err[300] = "";

	world_init(&x);
	new_uuid(&x, uuid);
	put_device(&x, uuid);	/* someone else's vGPU: no marker */
	ASSERT_EQ(-EPERM, gvt_mdev_remove(&x.env, uuid, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "not ours") != NULL);
	/* a marker of another (dead) process is not ours either */
	put_marker(&x, uuid, dead_pid(), 1);
	ASSERT_EQ(-EPERM, gvt_mdev_remove(&x.env, uuid, err, sizeof(err)));
	ASSERT_EQ(0u, x.k.removes);
	ASSERT_TRUE(device_there(&x, uuid));
	fake_cleanup(x.root);
}

static void collect(void *ctx, const char *line)
{
	unsigned *n = ctx;

	printf("# sweep: %s\n", line);
	(*n)++;
}

/*
 * Writing `remove` while the vGPU is open blocks in the kernel until it is
 * closed, so remove (and the sweep) first look through the real /proc for
 * a process with its group node or cdev open. Here that process is this
 * test, holding the fake tree's nodes.
 */
TEST(remove_refuses_while_open_names_the_holder)
{
	static const char *const nodes[] = { "dev/vfio/devices/vfio7", "dev/vfio/13" };
	struct world x;
	struct gvt_mdev m;
	char uuid[40], err[400] = "", want[40], path[300];

	world_init(&x);
	snprintf(x.h.proc_root, sizeof(x.h.proc_root), "/proc");
	fake_put(x.root, "dev/vfio/13", "");
	new_uuid(&x, uuid);
	ASSERT_EQ(0, gvt_mdev_create(&x.env, FAKE_BDF, "i915-GVTg_V5_8", uuid, "run-1", &m,
				     err, sizeof(err)));
	snprintf(want, sizeof(want), "pid %ld ", (long)getpid());
	for (unsigned i = 0; i < 2; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", x.root, nodes[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_TRUE(fd >= 0);
		ASSERT_EQ(-EBUSY, gvt_mdev_remove(&x.env, uuid, err, sizeof(err)));
		ASSERT_TRUE(strstr(err, want) != NULL);
		ASSERT_TRUE(strstr(err, "test_gvt_mdev") != NULL);
		ASSERT_EQ(0u, x.k.removes);	/* nothing written */
		ASSERT_TRUE(device_there(&x, uuid));
		close(fd);
	}
	ASSERT_EQ(0, gvt_mdev_remove(&x.env, uuid, err, sizeof(err)));
	ASSERT_EQ(1u, x.k.removes);
	fake_cleanup(x.root);
}

TEST(sweep_removes_only_dead_runs_own_mdevs)
{
	struct world x;
	char dead[40], live[40], foreign[40], reused[40], gone[40], junk[40];
	unsigned lines = 0;

	world_init(&x);
	new_uuid(&x, dead);
	new_uuid(&x, live);
	new_uuid(&x, foreign);
	new_uuid(&x, reused);
	new_uuid(&x, gone);
	new_uuid(&x, junk);
	put_device(&x, dead);
	put_marker(&x, dead, dead_pid(), 1);		/* crashed run: remove */
	put_device(&x, live);
	put_marker(&x, live, (long)getpid(), my_start());	/* running: keep */
	put_device(&x, foreign);				/* no marker: never touch */
	put_device(&x, reused);
	put_marker(&x, reused, (long)getpid(), my_start() + 1);	/* pid reused: dead */
	put_marker(&x, gone, dead_pid(), 1);		/* mdev gone already: marker only */
	put_device(&x, junk);
	fake_put(x.root, "run/vrc/mdev/README", "not a marker");
	{
		char rel[200];

		snprintf(rel, sizeof(rel), "run/vrc/mdev/%s", junk);
		fake_put(x.root, rel, "garbage");	/* unreadable: leave the mdev */
	}

	/* dry run: says what it would do, changes nothing */
	ASSERT_EQ(0, gvt_mdev_sweep(&x.env, true, collect, &lines));
	ASSERT_GE(lines, 5u);
	ASSERT_EQ(0u, x.k.removes);
	ASSERT_TRUE(device_there(&x, dead) && marker_there(&x, gone));

	ASSERT_EQ(2, gvt_mdev_sweep(&x.env, false, collect, &lines));
	ASSERT_EQ(2u, x.k.removes);
	ASSERT_FALSE(device_there(&x, dead));
	ASSERT_FALSE(marker_there(&x, dead));
	ASSERT_FALSE(device_there(&x, reused));
	ASSERT_FALSE(marker_there(&x, gone));
	ASSERT_TRUE(device_there(&x, live) && marker_there(&x, live));
	ASSERT_TRUE(device_there(&x, foreign));
	ASSERT_TRUE(device_there(&x, junk) && marker_there(&x, junk));
	ASSERT_TRUE(fake_exists(x.root, "run/vrc/mdev/README"));
	fake_cleanup(x.root);
}

TEST(sweep_after_crash_between_create_and_remove)
{
	struct world x;
	char uuid[40], err[300] = "";
	pid_t p;
	int st;

	world_init(&x);
	new_uuid(&x, uuid);
	/* a run that creates its vGPU and dies without cleaning up */
	p = fork();
	if (p == 0) {
		struct gvt_mdev m;

		_exit(gvt_mdev_create(&x.env, FAKE_BDF, "i915-GVTg_V5_8", uuid, "crashy", &m,
				      err, sizeof(err)) ? 1 : 0);
	}
	ASSERT_EQ(p, waitpid(p, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_TRUE(device_there(&x, uuid));
	/* the fake kernel's counters lived in the child; count removes here */
	ASSERT_EQ(1, gvt_mdev_sweep(&x.env, false, NULL, NULL));
	ASSERT_FALSE(device_there(&x, uuid));
	ASSERT_FALSE(marker_there(&x, uuid));
	fake_cleanup(x.root);
}

VTEST_MAIN()
