// SPDX-License-Identifier: MIT
/*
 * Is there a usable GVT-g vGPU here? An i915 PCI function with
 * mdev_supported_types offering i915-GVTg_* (V5 on gen9, V4 on gen8), plus
 * everything opening one needs. Each missing piece is one reason line;
 * some block everything, some only the guest clauses (SPEC §6: the VFIO
 * cdev of Linux >= 6.6 and QEMU >= 9.0 to share the device with a guest).
 * sysfs contents are untrusted input: bounded reads, numbers validated.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gvt.h"

static void reason(struct gvt_detect *d, enum gvt_scope scope, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reason(struct gvt_detect *d, enum gvt_scope scope, const char *fmt, ...)
{
	va_list ap;

	if (d->nreasons >= GVT_MAX_REASONS)
		return;
	d->reason[d->nreasons].scope = scope;
	va_start(ap, fmt);
	vsnprintf(d->reason[d->nreasons].text, sizeof(d->reason[0].text), fmt, ap);
	va_end(ap);
	d->nreasons++;
}

static bool exists(const char *root, const char *rel)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return stat(p, &st) == 0;
}

/* The first line of a small sysfs file, printable only; -1 if unreadable. */
static int read_line(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	out[0] = 0;
	if (fd < 0)
		return -1;
	n = read(fd, out, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	out[n] = 0;
	out[strcspn(out, "\n")] = 0;
	for (char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	return 0;
}

static int read_uint(const char *path, unsigned *v)
{
	char buf[32], *end;
	unsigned long x;

	if (read_line(path, buf, sizeof(buf)) || !buf[0])
		return -1;
	errno = 0;
	x = strtoul(buf, &end, 10);
	if (errno || *end || x > 1000000 || buf[0] == '-')
		return -1;
	*v = (unsigned)x;
	return 0;
}

int gvt_type_available(const struct gvt_host *h, const char *bdf, const char *type,
		       unsigned *n)
{
	char dir[600], p[768];

	if (strchr(bdf, '/') || strchr(type, '/'))
		return -1;
	gvt_types_dir(h, bdf, dir, sizeof(dir));
	snprintf(p, sizeof(p), "%s/%s/available_instances", dir, type);
	return read_uint(p, n);
}

static bool dir_has_entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	bool any = false;

	if (!dir)
		return false;
	while (!any && (e = readdir(dir)))
		any = e->d_name[0] != '.';
	closedir(dir);
	return any;
}

/* Walk one device's mdev types; keep the type with the most instances left. */
static void scan_types(const char *root, const char *bdf, struct gvt_detect *d)
{
	char path[768];
	struct dirent *e;
	DIR *types;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/mdev_supported_types", root, bdf);
	types = opendir(path);
	if (!types)
		return;
	while ((e = readdir(types))) {
		char p[1024];
		unsigned avail = 0;

		if (strncmp(e->d_name, "i915-GVTg_", 10) || strlen(e->d_name) >= sizeof(d->type))
			continue;
		snprintf(p, sizeof(p), "%s/%s/available_instances", path, e->d_name);
		if (read_uint(p, &avail))
			avail = 0;
		d->ntypes++;
		/* the first device wins; within it the type with most room, then by name */
		if (d->found && strcmp(d->bdf, bdf))
			continue;
		if (d->found && (avail < d->avail ||
				 (avail == d->avail && strcmp(e->d_name, d->type) > 0)))
			continue;
		d->found = true;
		snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
		snprintf(d->type, sizeof(d->type), "%s", e->d_name);
		d->avail = avail;
		snprintf(p, sizeof(p), "%s/%s/description", path, e->d_name);
		read_line(p, d->type_desc, sizeof(d->type_desc));
	}
	closedir(types);
}

static void scan_devices(const char *root, struct gvt_detect *d)
{
	char path[512];
	struct dirent *e;
	DIR *dev;

	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	dev = opendir(path);
	if (!dev)
		return;
	while ((e = readdir(dev)))
		if (e->d_name[0] != '.' && strlen(e->d_name) < sizeof(d->bdf))
			scan_types(root, e->d_name, d);
	closedir(dev);
}

static void check_guest_stack(const struct gvt_host *h, struct gvt_detect *d)
{
	int kmaj = 0, kmin = 0, qmaj = 0, qmin = 0;
	bool new_kernel = !gvt_parse_kernel_release(h->kernel_release, &kmaj, &kmin) &&
			  (kmaj > 6 || (kmaj == 6 && kmin >= 6));

	if (!new_kernel)
		reason(d, GVT_BLOCKS_GUEST,
		       "kernel %s has no VFIO cdev (needs >= 6.6): no guest clauses "
		       "(EVT/TEAR/ISO), DISC/IRQ still run through the group",
		       h->kernel_release[0] ? h->kernel_release : "(unknown)");
	else if (!exists(h->dev_root, "vfio/devices"))
		reason(d, GVT_BLOCKS_GUEST,
		       "no %s/vfio/devices (kernel without CONFIG_VFIO_DEVICE_CDEV, which needs "
		       "CONFIG_IOMMUFD; Debian's kernels have neither, docs/hardware.md): no guest "
		       "clauses (EVT/TEAR/ISO), DISC/IRQ still run through the group",
		       h->dev_root);
	else if (!exists(h->dev_root, "iommu"))
		reason(d, GVT_BLOCKS_GUEST,
		       "no %s/iommu (kernel without CONFIG_IOMMUFD, or iommufd not loaded): no "
		       "guest clauses (EVT/TEAR/ISO), DISC/IRQ still run through the group",
		       h->dev_root);
	else
		d->cdev_ok = true;

	if (!h->qemu_version[0])
		reason(d, GVT_BLOCKS_GUEST,
		       "%s not found or not runnable: no guest clauses (EVT/TEAR/ISO)",
		       h->qemu_bin);
	else if (gvt_parse_qemu_version(h->qemu_version, &qmaj, &qmin))
		reason(d, GVT_BLOCKS_GUEST,
		       "cannot read a version from '%s --version' (\"%.60s\"): no guest clauses",
		       h->qemu_bin, h->qemu_version);
	else if (qmaj < 9)
		reason(d, GVT_BLOCKS_GUEST,
		       "QEMU %d.%d is too old for iommufd fd passing (needs >= 9.0): no guest "
		       "clauses (EVT/TEAR/ISO)", qmaj, qmin);
	d->guest_ok = d->uapi_ok && d->cdev_ok && qmaj >= 9;
}

void gvt_detect(const struct gvt_host *h, struct gvt_detect *d)
{
	char p[512];
	bool i915, kvmgt;

	memset(d, 0, sizeof(*d));
	scan_devices(h->sysfs_root, d);

	if (h->euid != 0)
		reason(d, GVT_BLOCKS_ALL, "not root (creating an mdev and opening VFIO need root)");
	i915 = exists(h->sysfs_root, "module/i915");
	kvmgt = exists(h->sysfs_root, "module/kvmgt");
	if (!i915)
		reason(d, GVT_BLOCKS_ALL, "i915 module not loaded (no %s/module/i915)",
		       h->sysfs_root);
	/* kvmgt registers the types: with them it is there, built in or not
	 * (a built-in kvmgt may have no /sys/module entry) */
	if (!d->found && !kvmgt)
		reason(d, GVT_BLOCKS_ALL,
		       "kvmgt module not loaded (no %s/module/kvmgt and no i915-GVTg_* mdev "
		       "types, which kvmgt registers): modprobe kvmgt", h->sysfs_root);
	else if (!d->found)
		reason(d, GVT_BLOCKS_ALL,
		       "no i915 device offers i915-GVTg_* mdev types (GVT-g off: boot with "
		       "i915.enable_gvt=1 and load kvmgt; needs a gen8-gen10 GPU, Broadwell "
		       "to Comet Lake)");
	else if (d->avail == 0)
		reason(d, GVT_BLOCKS_ALL,
		       "no available instances: every i915-GVTg_* type of %s has "
		       "available_instances 0 (remove unused vGPUs, or raise the GVT aperture "
		       "in the BIOS)", d->bdf);
	snprintf(p, sizeof(p), "%s/kernel/iommu_groups", h->sysfs_root);
	if (!dir_has_entries(p))
		reason(d, GVT_BLOCKS_ALL,
		       "no IOMMU (%s is empty): boot with intel_iommu=on", p);
	if (!exists(h->dev_root, "kvm"))
		reason(d, GVT_BLOCKS_ALL,
		       "no %s/kvm (GVT opens a vGPU only for a process with a KVM VM): "
		       "load kvm_intel, enable VT-x", h->dev_root);
	d->uapi_ok = d->nreasons == 0;
	check_guest_stack(h, d);
}

void gvt_detect_print(const struct gvt_detect *d, FILE *f, const char *prefix)
{
	if (d->found)
		fprintf(f, "%sfound %s: type %s (%u available%s%s%s), %u GVT type(s)\n", prefix,
			d->bdf, d->type, d->avail, d->type_desc[0] ? ", \"" : "",
			d->type_desc, d->type_desc[0] ? "\"" : "", d->ntypes);
	for (unsigned i = 0; i < d->nreasons; i++)
		fprintf(f, "%s%s: %s\n", prefix,
			d->reason[i].scope == GVT_BLOCKS_ALL ? "unusable" : "no guest",
			d->reason[i].text);
	fprintf(f, "%suAPI clauses (DISC, IRQ): %s; guest clauses (EVT, TEAR, ISO): %s\n",
		prefix, d->uapi_ok ? "can run" : "cannot run",
		d->guest_ok ? "can run" : "cannot run");
}
