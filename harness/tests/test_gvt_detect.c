// SPDX-License-Identifier: MIT
/* GVT-g detection against fake sysfs trees in a temporary directory. */
#include <stdlib.h>
#include <sys/stat.h>

#include "vrc/vtest.h"
#include "vrc/vrc.h"

static void mk(const char *root, const char *rel)
{
	char p[512], cmd[600];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
	ASSERT_EQ(0, system(cmd));
}

static char *tree(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/vrc-sysfs-XXXXXX");
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	return dir;
}

TEST(finds_gen9_gvt_type)
{
	char *root = tree(), bdf[300] = "";

	mk(root, "bus/pci/devices/0000:00:01.0");
	mk(root, "bus/pci/devices/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4");
	ASSERT_EQ(1, vrc_gvt_detect(root, bdf, sizeof(bdf)));
	ASSERT_STREQ("0000:00:02.0 (i915-GVTg_V5_4)", bdf);
}

TEST(ignores_other_mdev_types)
{
	char *root = tree(), bdf[300] = "";

	mk(root, "bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-63");
	ASSERT_EQ(0, vrc_gvt_detect(root, bdf, sizeof(bdf)));
}

TEST(no_sysfs_no_device)
{
	char bdf[300] = "";

	ASSERT_EQ(0, vrc_gvt_detect("/nonexistent", bdf, sizeof(bdf)));
}

VTEST_MAIN()
