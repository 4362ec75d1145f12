/* SPDX-License-Identifier: MIT */
/*
 * Fake host trees for the gvt self-tests: a temp dir with sys/, dev/, run/
 * below it, and a gvt_host pointing there. A "good" host has everything a
 * GVT-g run needs; tests take pieces away.
 */
#ifndef VRC_TEST_GVT_FAKE_H
#define VRC_TEST_GVT_FAKE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vrc/vtest.h"
#include "harness/gvt/gvt.h"

static inline void fake_mkdirs(const char *root, const char *rel)
{
	char p[1400];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

static inline void fake_put(const char *root, const char *rel, const char *content)
{
	char p[2100], dir[1024];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	if (strrchr(dir, '/')) {
		*strrchr(dir, '/') = 0;
		fake_mkdirs(root, dir);
	}
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	ASSERT_TRUE(f != NULL);
	fputs(content, f);
	fclose(f);
}

static inline void fake_rm(const char *root, const char *rel)
{
	char cmd[800];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", root, rel);
	ASSERT_EQ(0, system(cmd));
}

static inline bool fake_exists(const char *root, const char *rel)
{
	char p[700];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return stat(p, &st) == 0;
}

#define FAKE_BDF	"0000:00:02.0"
#define FAKE_TYPES	"sys/bus/pci/devices/" FAKE_BDF "/mdev_supported_types"

/* A host with a gen9 GVT-g i915, IOMMU, KVM, VFIO cdev and QEMU 9.2, as root. */
static inline void fake_good_host(char root[64], struct gvt_host *h)
{
	char tmpl[] = "/tmp/vrc-gvt-XXXXXX";

	root[0] = 0;	/* "nothing to remove" until the tree exists */
	ASSERT_TRUE(mkdtemp(tmpl) != NULL);
	snprintf(root, 64, "%s", tmpl);
	fake_mkdirs(root, "sys/module/i915");
	fake_mkdirs(root, "sys/module/kvmgt");
	fake_mkdirs(root, "sys/kernel/iommu_groups/0");
	fake_mkdirs(root, "sys/bus/pci/devices/0000:00:00.0");
	fake_put(root, FAKE_TYPES "/i915-GVTg_V5_4/available_instances", "1\n");
	fake_put(root, FAKE_TYPES "/i915-GVTg_V5_4/description", "low_gm_size: 128MB\nhigh_gm_size: 512MB\n");
	fake_put(root, FAKE_TYPES "/i915-GVTg_V5_8/available_instances", "6\n");
	fake_put(root, FAKE_TYPES "/i915-GVTg_V5_8/description", "low_gm_size: 64MB\n");
	fake_mkdirs(root, "sys/bus/mdev/devices");
	fake_put(root, "dev/kvm", "");
	fake_put(root, "dev/iommu", "");
	fake_mkdirs(root, "dev/vfio/devices");
	fake_mkdirs(root, "run");

	memset(h, 0, sizeof(*h));
	snprintf(h->sysfs_root, sizeof(h->sysfs_root), "%s/sys", root);
	snprintf(h->dev_root, sizeof(h->dev_root), "%s/dev", root);
	snprintf(h->proc_root, sizeof(h->proc_root), "/proc");
	snprintf(h->run_dir, sizeof(h->run_dir), "%s/run/vrc/mdev", root);
	snprintf(h->kernel_release, sizeof(h->kernel_release), "6.12.48+deb13-amd64");
	snprintf(h->qemu_bin, sizeof(h->qemu_bin), "qemu-system-x86_64");
	snprintf(h->qemu_version, sizeof(h->qemu_version),
		 "QEMU emulator version 9.2.0 (Debian 1:9.2.0+ds-1)");
	h->euid = 0;
}

/*
 * A sysfs writer whose "kernel" is the fake tree at ctx (its root): a
 * type's create makes bus/mdev/devices/<uuid> appear in iommu group 13 (14
 * when one exists already, as for a second vGPU), a device's remove deletes
 * it and counts in fake_mdev_removes.
 */
static unsigned fake_mdev_removes;

static inline int fake_mdev_write(void *ctx, const char *path, const char *val, char *err,
				  size_t errlen)
{
	const char *root = ctx, *tail = strrchr(path, '/');
	char rel[700];

	(void)err;
	(void)errlen;
	if (!strcmp(tail, "/create")) {
		char target[64];
		DIR *d;
		struct dirent *e;
		int group = 13;

		snprintf(rel, sizeof(rel), "%s/sys/bus/mdev/devices", root);
		if ((d = opendir(rel))) {
			while ((e = readdir(d)))
				group += e->d_name[0] != '.';
			closedir(d);
		}
		snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s/remove", val);
		fake_put(root, rel, "");
		snprintf(rel, sizeof(rel), "%s/sys/bus/mdev/devices/%s/iommu_group", root, val);
		snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", group);
		ASSERT_EQ(0, symlink(target, rel));
		return 0;
	}
	ASSERT_STREQ("/remove", tail);
	fake_mdev_removes++;
	snprintf(rel, sizeof(rel), "%.*s", (int)(tail - path - strlen(root) - 1),
		 path + strlen(root) + 1);
	fake_rm(root, rel);
	return 0;
}

static inline void fake_cleanup(const char *root)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("# could not remove %s\n", root);
}

#endif /* VRC_TEST_GVT_FAKE_H */
