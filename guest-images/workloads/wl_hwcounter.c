// SPDX-License-Identifier: MIT
/* The guest's view of the host's frame counter (wl_hwcounter.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vrc/util.h"
#include "wl_hwcounter.h"

void wl_hwcounter_sysfs(struct wl_hwcounter *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
}

int wl_hwcounter_mmio(struct wl_hwcounter *c, const char *path, uint32_t offset,
		      char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stat st;
	int fd, rc = 0;

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (offset % 4) {
		snprintf(err, errlen, "%s: register offset %#x is not 32-bit aligned", path,
			 offset);
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	/* a resource file's size is the BAR's: the register must lie inside */
	if (fstat(fd, &st) || (uint64_t)st.st_size < (uint64_t)offset + 4) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: %lld bytes, too small for a register at %#x", path,
			 (long long)st.st_size, offset);
		goto out;
	}
	/* map only up to the register's page: the rest of BAR0 is none of ours */
	c->maplen = ((size_t)offset / (size_t)page + 1) * (size_t)page;
	c->map = mmap(NULL, c->maplen, PROT_READ, MAP_SHARED, fd, 0);
	if (c->map == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "%s: mmap of %zu bytes: %s", path, c->maplen,
			 strerror(errno));
		c->map = NULL;
		goto out;
	}
	c->reg = (volatile const uint32_t *)((const char *)c->map + offset);
out:
	close(fd);
	return rc;
}

int wl_hwcounter_parse(const char *buf, uint32_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || x > UINT32_MAX)
		return -EPROTO;
	*v = (uint32_t)x;
	return 0;
}

int wl_hwcounter_read(const struct wl_hwcounter *c, uint32_t *v)
{
	char buf[32];
	ssize_t n;

	if (c->reg) {
		*v = *c->reg;	/* one 32-bit MMIO load */
		return 0;
	}
	if (!c->path[0])
		return -ENOENT;
	n = vrc_read_text(c->path, 0, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return wl_hwcounter_parse(buf, v);
}

void wl_hwcounter_close(struct wl_hwcounter *c)
{
	if (c->map)
		munmap(c->map, c->maplen);
	memset(c, 0, sizeof(*c));
}
