// SPDX-License-Identifier: MIT
/*
 * The vGPU session the runner will use: mdev through a fake sysfs "kernel"
 * (a writer seam that makes the device appear and disappear), and the KVM
 * VM and VFIO group open through scripted system calls. Checks the order
 * GVT needs (VM associated before the device is opened), a fresh VM per
 * opening so the device can be reopened (IRQ-4), and that nothing is left.
 */
#include "test_gvt_fake.h"
#include "test_gvt_script.h"

TEST(open_close_reopen_destroy)
{
	char root[64], uuid[40], err[300] = "", how[400] = "", kvm[300], group[300];
	struct gvt_host h;
	struct gvt_session s;
	struct gvt_sysfs_writer w = { .write = fake_mdev_write, .ctx = root };
	static const uint32_t kvm_cd_in[3] = { 4, 0, 0 }, kvm_cd_out[3] = { 4, 22, 0 };
	static const uint32_t status_in[2] = { 8, 0 }, status_out[2] = { 8, 1 };
	static const int32_t container[1] = { 10 };

	fake_good_host(root, &h);
	fake_put(root, "dev/vfio/13", "");
	ASSERT_EQ(0, gvt_new_uuid(&h, uuid, err, sizeof(err)));
	snprintf(kvm, sizeof(kvm), "%s/kvm", h.dev_root);
	snprintf(group, sizeof(group), "%s/vfio/13", h.dev_root);
#define OPEN_ONCE							\
	{ OPEN, .path = kvm, .ret = 20 },				\
	{ IOCTL, .fd = 20, .req = KVM_GET_API_VERSION, .ret = 12 },	\
	{ IOCTL, .fd = 20, .req = KVM_CREATE_VM, .ret = 21 },		\
	{ IOCTL, .fd = 21, .req = KVM_CREATE_DEVICE, .in = kvm_cd_in, .inlen = 12, \
	  .out = kvm_cd_out, .outlen = 12 },				\
	{ OPEN, .path = "/dev/vfio/vfio", .ret = 10 },			\
	{ IOCTL, .fd = 10, .req = VFIO_GET_API_VERSION, .ret = 0 },	\
	{ IOCTL, .fd = 10, .req = VFIO_CHECK_EXTENSION, .argval = VFIO_TYPE1v2_IOMMU, .ret = 1 }, \
	{ OPEN, .path = group, .ret = 11 },				\
	{ IOCTL, .fd = 11, .req = VFIO_GROUP_GET_STATUS, .in = status_in, .inlen = 8, \
	  .out = status_out, .outlen = 8 },				\
	{ IOCTL, .fd = 11, .req = VFIO_GROUP_SET_CONTAINER, .in = container, .inlen = 4 }, \
	{ IOCTL, .fd = 10, .req = VFIO_SET_IOMMU, .argval = VFIO_TYPE1v2_IOMMU }, \
	{ IOCTL, .fd = 22, .req = KVM_SET_DEVICE_ATTR, .arg_points_to_fd = true, .argval = 11 }, \
	{ IOCTL, .fd = 11, .req = VFIO_GROUP_GET_DEVICE_FD, .in = uuid, .inlen = 37, .ret = 12 }
	/* device, group, container, then the VM: it holds the group file */
#define CLOSE_ONCE							\
	{ CLOSE, .fd = 12 }, { CLOSE, .fd = 11 }, { CLOSE, .fd = 10 },	\
	{ CLOSE, .fd = 22 }, { CLOSE, .fd = 21 }, { CLOSE, .fd = 20 }
	struct expect e[] = { OPEN_ONCE, CLOSE_ONCE, OPEN_ONCE, CLOSE_ONCE };
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct gvt_session_cfg c = {
		.h = &h, .w = &w, .sys = &sys, .bdf = FAKE_BDF, .type = "i915-GVTg_V5_8",
		.uuid = uuid, .run_id = "t",
	};

	ASSERT_EQ(0, gvt_session_create(&s, &c, err, sizeof(err)));
	ASSERT_EQ(13, s.m.iommu_group);
	ASSERT_EQ(0, gvt_session_open_device(&s, how, sizeof(how), err, sizeof(err)));
	ASSERT_TRUE(strstr(how, "group") != NULL);
	ASSERT_TRUE(s.t != NULL);
	ASSERT_EQ(-EBUSY, gvt_session_open_device(&s, how, sizeof(how), err, sizeof(err)));
	gvt_session_close_device(&s);
	ASSERT_TRUE(s.t == NULL);
	ASSERT_EQ(0, gvt_session_open_device(&s, how, sizeof(how), err, sizeof(err)));
	ASSERT_EQ(0, gvt_session_destroy(&s, err, sizeof(err)));
	script_done(&sc);
	ASSERT_EQ(1u, fake_mdev_removes);
	{
		char rel[200];

		snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
		ASSERT_FALSE(fake_exists(root, rel));
		snprintf(rel, sizeof(rel), "run/vrc/mdev/%s", uuid);
		ASSERT_FALSE(fake_exists(root, rel));
	}
	fake_cleanup(root);
}

TEST(no_kvm_no_device_but_cleanup)
{
	char root[64], uuid[40], err[300] = "", how[400] = "", kvm[300], rel[200];
	struct gvt_host h;
	struct gvt_session s;
	struct gvt_sysfs_writer w = { .write = fake_mdev_write, .ctx = root };

	fake_good_host(root, &h);
	fake_put(root, "dev/vfio/13", "");
	ASSERT_EQ(0, gvt_new_uuid(&h, uuid, err, sizeof(err)));
	snprintf(kvm, sizeof(kvm), "%s/kvm", h.dev_root);
	struct expect e[] = { { OPEN, .path = kvm, .err = ENOENT } };
	struct script sc = { .e = e, .n = 1 };
	struct vrc_sys sys = fake_sys(&sc);
	struct gvt_session_cfg c = {
		.h = &h, .w = &w, .sys = &sys, .bdf = FAKE_BDF, .type = "i915-GVTg_V5_8",
		.uuid = uuid, .run_id = "t",
	};

	ASSERT_EQ(0, gvt_session_create(&s, &c, err, sizeof(err)));
	ASSERT_EQ(-ENOENT, gvt_session_open_device(&s, how, sizeof(how), err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "kvm: open") != NULL);
	ASSERT_TRUE(s.t == NULL);
	ASSERT_EQ(0, gvt_session_destroy(&s, err, sizeof(err)));
	script_done(&sc);
	snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
	ASSERT_FALSE(fake_exists(root, rel));
	fake_cleanup(root);
}

/*
 * A parent that is not GVT-g (cfg.no_kvm, vrc run --backend=mdev): the
 * group is opened with no KVM VM at all, before or after, and a sibling
 * for a two-device test is opened the same way.
 */
TEST(no_kvm_cfg_opens_without_a_vm)
{
	char root[64], uuid[40], err[300] = "", how[400] = "", group[300];
	struct gvt_host h;
	struct gvt_session s, sib;
	struct gvt_sysfs_writer w = { .write = fake_mdev_write, .ctx = root };
	static const uint32_t status_in[2] = { 8, 0 }, status_out[2] = { 8, 1 };
	static const int32_t container[1] = { 10 };

	fake_good_host(root, &h);
	fake_put(root, "dev/vfio/13", "");
	ASSERT_EQ(0, gvt_new_uuid(&h, uuid, err, sizeof(err)));
	snprintf(group, sizeof(group), "%s/vfio/13", h.dev_root);
	struct expect e[] = {
		{ OPEN, .path = "/dev/vfio/vfio", .ret = 10 },
		{ IOCTL, .fd = 10, .req = VFIO_GET_API_VERSION, .ret = 0 },
		{ IOCTL, .fd = 10, .req = VFIO_CHECK_EXTENSION, .argval = VFIO_TYPE1v2_IOMMU, .ret = 1 },
		{ OPEN, .path = group, .ret = 11 },
		{ IOCTL, .fd = 11, .req = VFIO_GROUP_GET_STATUS, .in = status_in, .inlen = 8,
		  .out = status_out, .outlen = 8 },
		{ IOCTL, .fd = 11, .req = VFIO_GROUP_SET_CONTAINER, .in = container, .inlen = 4 },
		{ IOCTL, .fd = 10, .req = VFIO_SET_IOMMU, .argval = VFIO_TYPE1v2_IOMMU },
		{ IOCTL, .fd = 11, .req = VFIO_GROUP_GET_DEVICE_FD, .in = uuid, .inlen = 37, .ret = 12 },
		{ CLOSE, .fd = 12 }, { CLOSE, .fd = 11 }, { CLOSE, .fd = 10 },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct gvt_session_cfg c = {
		.h = &h, .w = &w, .sys = &sys, .bdf = FAKE_BDF, .type = "i915-GVTg_V5_8",
		.uuid = uuid, .run_id = "t", .no_kvm = true,
	};

	ASSERT_EQ(0, gvt_session_create(&s, &c, err, sizeof(err)));
	ASSERT_EQ(0, gvt_session_open_device(&s, how, sizeof(how), err, sizeof(err)));
	ASSERT_TRUE(s.t != NULL);
	ASSERT_FALSE(s.have_kvm);
	gvt_session_close_device(&s);
	script_done(&sc);
	ASSERT_EQ(0, gvt_session_create_sibling(&s, &sib, err, sizeof(err)));
	ASSERT_TRUE(sib.no_kvm);
	ASSERT_EQ(0, gvt_session_destroy(&sib, err, sizeof(err)));
	ASSERT_EQ(0, gvt_session_destroy(&s, err, sizeof(err)));
	fake_cleanup(root);
}

/* A second vGPU for a two-vGPU test: same parent and type, its own UUID,
 * group and marker (of the same run); removing it leaves the first. */
TEST(sibling_is_a_second_vgpu_removed_alone)
{
	char root[64], uuid[40], err[300] = "", rel[200], marker[512];
	struct gvt_host h;
	struct gvt_session s, sib;
	struct gvt_sysfs_writer w = { .write = fake_mdev_write, .ctx = root };
	struct gvt_session_cfg c = {
		.h = &h, .w = &w, .bdf = FAKE_BDF, .type = "i915-GVTg_V5_8",
		.uuid = uuid, .run_id = "run-42",
	};
	FILE *f;

	fake_good_host(root, &h);
	ASSERT_EQ(0, gvt_new_uuid(&h, uuid, err, sizeof(err)));
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(-EINVAL, gvt_session_create_sibling(&s, &sib, err, sizeof(err)));
	ASSERT_EQ(0, gvt_session_create(&s, &c, err, sizeof(err)));
	ASSERT_EQ(0, gvt_session_create_sibling(&s, &sib, err, sizeof(err)));
	ASSERT_TRUE(strcmp(sib.m.uuid, s.m.uuid) != 0);
	ASSERT_STREQ(s.m.parent, sib.m.parent);
	ASSERT_STREQ("i915-GVTg_V5_8", sib.m.type);
	ASSERT_EQ(13, s.m.iommu_group);
	ASSERT_EQ(14, sib.m.iommu_group);
	f = fopen(sib.m.marker, "r");
	ASSERT_TRUE(f != NULL);
	ASSERT_TRUE(fgets(marker, sizeof(marker), f) != NULL);
	fclose(f);
	ASSERT_TRUE(strstr(marker, " run run-42 ") != NULL);

	unsigned removes = fake_mdev_removes;
	ASSERT_EQ(0, gvt_session_destroy(&sib, err, sizeof(err)));
	ASSERT_EQ(removes + 1, fake_mdev_removes);
	snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s", sib.m.uuid);
	ASSERT_FALSE(fake_exists(root, rel));
	snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s", s.m.uuid);
	ASSERT_TRUE(fake_exists(root, rel));
	ASSERT_EQ(0, gvt_session_destroy(&s, err, sizeof(err)));
	ASSERT_FALSE(fake_exists(root, rel));
	fake_cleanup(root);
}

VTEST_MAIN()
