// SPDX-License-Identifier: MIT
/*
 * Is there a GVT-g capable device here? An i915 PCI function with
 * mdev_supported_types offering i915-GVTg_* (V5 on gen9, V4 on gen8).
 * Only detection: the gvt backend itself is a later piece of work.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "vrc.h"

int vrc_gvt_detect(const char *sysfs_root, char *bdf, size_t len)
{
	char path[512];
	struct dirent *d, *e;
	DIR *dev, *types;
	int found = 0;

	snprintf(path, sizeof(path), "%s/bus/pci/devices", sysfs_root);
	dev = opendir(path);
	if (!dev)
		return 0;
	while (!found && (d = readdir(dev))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/mdev_supported_types",
			 sysfs_root, d->d_name);
		types = opendir(path);
		if (!types)
			continue;
		while ((e = readdir(types)))
			if (!strncmp(e->d_name, "i915-GVTg_", 10)) {
				snprintf(bdf, len, "%s (%s)", d->d_name, e->d_name);
				found = 1;
				break;
			}
		closedir(types);
	}
	closedir(dev);
	return found;
}
