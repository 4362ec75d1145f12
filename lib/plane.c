// SPDX-License-Identifier: MIT
/*
 * Plane capture (SPEC §1): QUERY_GFX_PLANE, GET_GFX_DMABUF and a read-only
 * CPU mapping of the buffer. The geometry a device reports is untrusted and
 * checked before anything is mapped.
 *
 * CPU mmap of a GVT dmabuf fails with ENODEV on 6.1-era kernels; the PRIME
 * import fallback (libdrm, read back through the host GPU) is not written
 * yet, and vrc_plane_map says so instead of pretending.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vrc/irq.h"
#include "vrc/util.h"

/* A plane bigger than this is a lie (8K x 8K XRGB is 256 MiB). */
#define PLANE_MAX_SIZE	(256ull << 20)

int vrc_plane_query(struct vrc_transport *t, uint32_t plane_type,
		    struct vrc_plane *p)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (!t || !t->ops || !t->ops->query_gfx_plane)
		return -EINVAL;
	/* a plane that is off leaves the struct untouched: drm_format 0 */
	p->info.argsz = sizeof(p->info);
	p->info.flags = VFIO_GFX_PLANE_TYPE_DMABUF;
	p->info.drm_plane_type = plane_type;
	return t->ops->query_gfx_plane(t, &p->info);
}

static int check_geometry(const struct vfio_device_gfx_plane_info *i,
			  char *err, size_t errlen)
{
	uint64_t row = (uint64_t)i->width * 4;

	if (!i->width || !i->height || !i->size) {
		vrc_seterr(err, errlen, "plane %ux%u, size %u: empty", i->width,
		       i->height, i->size);
		return -EPROTO;
	}
	if (i->stride < row) {
		vrc_seterr(err, errlen, "plane stride %u < width %u * 4", i->stride,
		       i->width);
		return -EPROTO;
	}
	if ((uint64_t)i->size < (uint64_t)i->stride * i->height) {
		vrc_seterr(err, errlen, "plane size %u < stride %u * height %u",
		       i->size, i->stride, i->height);
		return -EPROTO;
	}
	if (i->size > PLANE_MAX_SIZE) {
		vrc_seterr(err, errlen, "plane size %u over the %llu MiB limit",
		       i->size, PLANE_MAX_SIZE >> 20);
		return -EPROTO;
	}
	return 0;
}

int vrc_plane_map(struct vrc_transport *t, struct vrc_plane *p, char *err,
		  size_t errlen)
{
	uint64_t off = 0, base, page;
	struct stat st;
	size_t len;
	void *m;
	long ps;
	int fd, rc;

	if (!t || !t->ops || !t->ops->get_gfx_dmabuf) {
		vrc_seterr(err, errlen, "no transport");
		return -EINVAL;
	}
	if (p->info.drm_format == 0) {
		vrc_seterr(err, errlen, "no plane (drm_format 0)");
		return -ENOENT;
	}
	if (p->fd >= 0 || p->map) {
		vrc_seterr(err, errlen, "plane already fetched; release it first");
		return -EBUSY;
	}
	rc = check_geometry(&p->info, err, errlen);
	if (rc < 0)
		return rc;

	fd = t->ops->get_gfx_dmabuf(t, p->info.dmabuf_id, &off);
	if (fd < 0) {
		vrc_seterr(err, errlen, "GET_GFX_DMABUF(id %u): %s",
		       p->info.dmabuf_id, strerror(-fd));
		return fd;
	}
	/* kept for a fallback path; vrc_plane_release closes it */
	p->fd = fd;

	ps = sysconf(_SC_PAGESIZE);
	page = ps > 0 ? (uint64_t)ps : 4096;
	if (off > (uint64_t)INT64_MAX - p->info.size - page) {
		vrc_seterr(err, errlen, "dmabuf map offset %#llx out of range",
		       (unsigned long long)off);
		return -EPROTO;
	}
	/*
	 * Reading a shared mapping past the end of its file is SIGBUS: the
	 * buffer must lie inside the fd (dmabufs and memfds report a size).
	 */
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    off + p->info.size > (uint64_t)st.st_size) {
		vrc_seterr(err, errlen,
		       "dmabuf %u: plane (%u bytes at %#llx) beyond the buffer's %lld bytes",
		       p->info.dmabuf_id, p->info.size,
		       (unsigned long long)off, (long long)st.st_size);
		return -EPROTO;
	}
	base = off & ~(page - 1);
	len = (size_t)(off - base) + p->info.size;
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)base);
	if (m == MAP_FAILED) {
		rc = -errno;
		if (rc == -ENODEV)
			vrc_seterr(err, errlen,
			       "mmap of dmabuf %u: ENODEV (its exporter allows no CPU mapping; read it through a PRIME import, as gvt_capture does)",
			       p->info.dmabuf_id);
		else
			vrc_seterr(err, errlen, "mmap of dmabuf %u (%zu bytes at %#llx): %s",
			       p->info.dmabuf_id, len,
			       (unsigned long long)base, strerror(-rc));
		return rc;
	}
	p->map_base = m;
	p->map_base_len = len;
	p->map = (uint8_t *)m + (off - base);
	p->map_len = p->info.size;
	return 0;
}

void vrc_plane_release(struct vrc_plane *p)
{
	if (p->map_base)
		munmap(p->map_base, p->map_base_len);
	p->map_base = NULL;
	p->map_base_len = 0;
	p->map = NULL;
	p->map_len = 0;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}
