// SPDX-License-Identifier: MIT
/*
 * GVT-g detection against fake host trees: a good host is usable for all
 * clauses, and each missing piece gives exactly its one reason line, with
 * the right scope (everything, or only the guest clauses).
 */
#include "test_gvt_fake.h"

/*
 * Each case gets a good fake host; the teardown removes its tree however
 * the case ends, a failed ASSERT included.
 */
FIXTURE(host) {
	char root[64];
	struct gvt_host h;
	struct gvt_detect d;
};

FIXTURE_SETUP(host)
{
	fake_good_host(self->root, &self->h);
}

FIXTURE_TEARDOWN(host)
{
	if (self->root[0])
		fake_cleanup(self->root);
}

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

TEST_F(host, good_host_runs_everything)
{
	gvt_detect(&self->h, &self->d);
	ASSERT_EQ(0u, self->d.nreasons);
	ASSERT_TRUE(self->d.found && self->d.uapi_ok && self->d.guest_ok && self->d.cdev_ok);
	ASSERT_STREQ(FAKE_BDF, self->d.bdf);
	/* the type with most instances left, its description's first line */
	ASSERT_STREQ("i915-GVTg_V5_8", self->d.type);
	ASSERT_EQ(6u, self->d.avail);
	ASSERT_EQ(2u, self->d.ntypes);
	ASSERT_STREQ("low_gm_size: 64MB", self->d.type_desc);
}

TEST_F(host, gen8_v4_types_count)
{
	fake_rm(self->root, FAKE_TYPES);
	fake_put(self->root, FAKE_TYPES "/i915-GVTg_V4_2/available_instances", "2\n");
	fake_put(self->root, FAKE_TYPES "/nvidia-63/available_instances", "9\n");
	gvt_detect(&self->h, &self->d);
	ASSERT_TRUE(self->d.uapi_ok);
	ASSERT_STREQ("i915-GVTg_V4_2", self->d.type);
	ASSERT_EQ(1u, self->d.ntypes);
}

TEST_F(host, reason_module_not_loaded)
{
	fake_rm(self->root, "sys/module/i915");
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_ALL, "i915 module not loaded");
	ASSERT_FALSE(self->d.uapi_ok);
	ASSERT_FALSE(self->d.guest_ok);
	fake_rm(self->root, "sys/module");
	fake_mkdirs(self->root, "sys/module/i915");
	/* no /sys/module/kvmgt but its types: a built-in kvmgt, usable */
	gvt_detect(&self->h, &self->d);
	ASSERT_EQ(0u, self->d.nreasons);
	ASSERT_TRUE(self->d.uapi_ok);
	/* neither: kvmgt is what is missing, one reason */
	fake_rm(self->root, FAKE_TYPES);
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_ALL, "kvmgt module not loaded");
}

TEST_F(host, reason_no_types)
{
	fake_rm(self->root, FAKE_TYPES);
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_ALL, "i915.enable_gvt=1");
	ASSERT_FALSE(self->d.found);
}

TEST_F(host, reason_no_available_instances)
{
	fake_put(self->root, FAKE_TYPES "/i915-GVTg_V5_4/available_instances", "0\n");
	fake_put(self->root, FAKE_TYPES "/i915-GVTg_V5_8/available_instances", "0\n");
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_ALL, "no available instances");
	ASSERT_TRUE(self->d.found);
	ASSERT_FALSE(self->d.uapi_ok);
	/* garbage is no instance either */
	fake_put(self->root, FAKE_TYPES "/i915-GVTg_V5_8/available_instances", "-3\n");
	fake_put(self->root, FAKE_TYPES "/i915-GVTg_V5_4/available_instances", "12abc\n");
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_ALL, "no available instances");
}

TEST_F(host, reason_no_iommu)
{
	fake_rm(self->root, "sys/kernel/iommu_groups/0");
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_ALL, "intel_iommu=on");
}

TEST_F(host, reason_no_kvm)
{
	fake_rm(self->root, "dev/kvm");
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_ALL, "/kvm");
}

TEST_F(host, reason_not_root)
{
	self->h.euid = 1000;
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_ALL, "not root");
}

TEST_F(host, reason_old_kernel_keeps_uapi_clauses)
{
	snprintf(self->h.kernel_release, sizeof(self->h.kernel_release), "6.1.0-26-amd64");
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_GUEST, "no VFIO cdev");
	ASSERT_TRUE(self->d.uapi_ok);
	ASSERT_FALSE(self->d.guest_ok);
	/* new enough, but no /dev/vfio/devices; then that but no /dev/iommu:
	 * sharing needs both, each missing one is its own reason */
	snprintf(self->h.kernel_release, sizeof(self->h.kernel_release), "6.6.0");
	fake_rm(self->root, "dev/vfio/devices");
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_GUEST, "CONFIG_VFIO_DEVICE_CDEV");
	ASSERT_TRUE(self->d.uapi_ok);
	ASSERT_FALSE(self->d.guest_ok);
	fake_mkdirs(self->root, "dev/vfio/devices");
	fake_rm(self->root, "dev/iommu");
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_GUEST, "CONFIG_IOMMUFD");
	ASSERT_TRUE(self->d.uapi_ok);
	ASSERT_FALSE(self->d.guest_ok);
}

TEST_F(host, reason_old_or_missing_qemu)
{
	snprintf(self->h.qemu_version, sizeof(self->h.qemu_version),
		 "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)");
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_GUEST, "QEMU 7.2 is too old");
	ASSERT_TRUE(self->d.uapi_ok);
	ASSERT_FALSE(self->d.guest_ok);
	self->h.qemu_version[0] = 0;
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_GUEST, "not found");
	snprintf(self->h.qemu_version, sizeof(self->h.qemu_version), "QEMU emulator version x");
	gvt_detect(&self->h, &self->d);
	assert_one_reason(&self->d, GVT_BLOCKS_GUEST, "cannot read a version");
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
