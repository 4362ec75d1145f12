// SPDX-License-Identifier: MIT
/*
 * GVT-g detection against fake host trees: a good host is usable for all
 * clauses, and each missing piece gives exactly its one reason line, with
 * the right scope (everything, or only the guest clauses).
 */
#include "test_gvt_fake.h"

/* The only reason is the one containing needle, with that scope. */
static void assert_one_reason(const struct gvt_detect *d, enum gvt_scope scope,
			      const char *needle)
{
	if (d->nreasons != 1 || !strstr(d->reason[0].text, needle)) {
		gvt_detect_print(d, stdout, "# ");
		printf("# wanted exactly one reason containing '%s'\n", needle);
	}
	ASSERT_EQ(1u, d->nreasons);
	ASSERT_TRUE(strstr(d->reason[0].text, needle) != NULL);
	ASSERT_EQ(scope, d->reason[0].scope);
}

TEST(good_host_runs_everything)
{
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;

	fake_good_host(root, &h);
	gvt_detect(&h, &d);
	ASSERT_EQ(0u, d.nreasons);
	ASSERT_TRUE(d.found && d.uapi_ok && d.guest_ok && d.cdev_ok);
	ASSERT_STREQ(FAKE_BDF, d.bdf);
	/* the type with most instances left, its description's first line */
	ASSERT_STREQ("i915-GVTg_V5_8", d.type);
	ASSERT_EQ(6u, d.avail);
	ASSERT_EQ(2u, d.ntypes);
	ASSERT_STREQ("low_gm_size: 64MB", d.type_desc);
	fake_cleanup(root);
}

TEST(gen8_v4_types_count)
{
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;

	fake_good_host(root, &h);
	fake_rm(root, FAKE_TYPES);
	fake_put(root, FAKE_TYPES "/i915-GVTg_V4_2/available_instances", "2\n");
	fake_put(root, FAKE_TYPES "/nvidia-63/available_instances", "9\n");
	gvt_detect(&h, &d);
	ASSERT_TRUE(d.uapi_ok);
	ASSERT_STREQ("i915-GVTg_V4_2", d.type);
	ASSERT_EQ(1u, d.ntypes);
	fake_cleanup(root);
}

TEST(reason_module_not_loaded)
{
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;

	fake_good_host(root, &h);
	fake_rm(root, "sys/module/i915");
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_ALL, "i915 module not loaded");
	ASSERT_FALSE(d.uapi_ok);
	ASSERT_FALSE(d.guest_ok);
	fake_rm(root, "sys/module");
	fake_mkdirs(root, "sys/module/i915");
	/* no /sys/module/kvmgt but its types: a built-in kvmgt, usable */
	gvt_detect(&h, &d);
	ASSERT_EQ(0u, d.nreasons);
	ASSERT_TRUE(d.uapi_ok);
	/* neither: kvmgt is what is missing, one reason */
	fake_rm(root, FAKE_TYPES);
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_ALL, "kvmgt module not loaded");
	fake_cleanup(root);
}

TEST(reason_no_types)
{
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;

	fake_good_host(root, &h);
	fake_rm(root, FAKE_TYPES);
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_ALL, "i915.enable_gvt=1");
	ASSERT_FALSE(d.found);
	fake_cleanup(root);
}

TEST(reason_no_available_instances)
{
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;

	fake_good_host(root, &h);
	fake_put(root, FAKE_TYPES "/i915-GVTg_V5_4/available_instances", "0\n");
	fake_put(root, FAKE_TYPES "/i915-GVTg_V5_8/available_instances", "0\n");
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_ALL, "no available instances");
	ASSERT_TRUE(d.found);
	ASSERT_FALSE(d.uapi_ok);
	/* garbage is no instance either */
	fake_put(root, FAKE_TYPES "/i915-GVTg_V5_8/available_instances", "-3\n");
	fake_put(root, FAKE_TYPES "/i915-GVTg_V5_4/available_instances", "12abc\n");
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_ALL, "no available instances");
	fake_cleanup(root);
}

TEST(reason_no_iommu)
{
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;

	fake_good_host(root, &h);
	fake_rm(root, "sys/kernel/iommu_groups/0");
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_ALL, "intel_iommu=on");
	fake_cleanup(root);
}

TEST(reason_no_kvm)
{
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;

	fake_good_host(root, &h);
	fake_rm(root, "dev/kvm");
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_ALL, "/kvm");
	fake_cleanup(root);
}

TEST(reason_not_root)
{
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;

	fake_good_host(root, &h);
	h.euid = 1000;
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_ALL, "not root");
	fake_cleanup(root);
}

TEST(reason_old_kernel_keeps_uapi_clauses)
{
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;

	fake_good_host(root, &h);
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.1.0-26-amd64");
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_GUEST, "no VFIO cdev");
	ASSERT_TRUE(d.uapi_ok);
	ASSERT_FALSE(d.guest_ok);
	/* new enough, but no /dev/vfio/devices; then that but no /dev/iommu:
	 * sharing needs both, each missing one is its own reason */
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.6.0");
	fake_rm(root, "dev/vfio/devices");
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_GUEST, "CONFIG_VFIO_DEVICE_CDEV");
	ASSERT_TRUE(d.uapi_ok);
	ASSERT_FALSE(d.guest_ok);
	fake_mkdirs(root, "dev/vfio/devices");
	fake_rm(root, "dev/iommu");
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_GUEST, "CONFIG_IOMMUFD");
	ASSERT_TRUE(d.uapi_ok);
	ASSERT_FALSE(d.guest_ok);
	fake_cleanup(root);
}

TEST(reason_old_or_missing_qemu)
{
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;

	fake_good_host(root, &h);
	snprintf(h.qemu_version, sizeof(h.qemu_version),
		 "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)");
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_GUEST, "QEMU 7.2 is too old");
	ASSERT_TRUE(d.uapi_ok);
	ASSERT_FALSE(d.guest_ok);
	h.qemu_version[0] = 0;
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_GUEST, "not found");
	snprintf(h.qemu_version, sizeof(h.qemu_version), "QEMU emulator version x");
	gvt_detect(&h, &d);
	assert_one_reason(&d, GVT_BLOCKS_GUEST, "cannot read a version");
	fake_cleanup(root);
}

TEST(version_parsers)
{
	int a = 0, b = 0;

	ASSERT_EQ(0, gvt_parse_qemu_version("QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-1~bpo12+1)", &a, &b));
	ASSERT_EQ(10, a);
	ASSERT_EQ(0, b);
	ASSERT_EQ(-1, gvt_parse_qemu_version("QEMU emulator version 9", &a, &b));
	ASSERT_EQ(-1, gvt_parse_qemu_version("", &a, &b));
	ASSERT_EQ(0, gvt_parse_kernel_release("6.12.48+deb13-amd64", &a, &b));
	ASSERT_EQ(6, a);
	ASSERT_EQ(12, b);
	ASSERT_EQ(-1, gvt_parse_kernel_release("v6.12", &a, &b));
}

TEST(nothing_there_no_device)
{
	struct gvt_host h;
	struct gvt_detect d;

	memset(&h, 0, sizeof(h));
	snprintf(h.sysfs_root, sizeof(h.sysfs_root), "/nonexistent");
	snprintf(h.dev_root, sizeof(h.dev_root), "/nonexistent");
	gvt_detect(&h, &d);
	ASSERT_FALSE(d.found);
	ASSERT_FALSE(d.uapi_ok);
	ASSERT_GE(d.nreasons, 4u);
}

VTEST_MAIN()
