// SPDX-License-Identifier: MIT
/* Plane capture of capture.h: mmap or PRIME readback, then detile. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <i915_drm.h>	/* libdrm's copy (pkg-config --cflags libdrm) */

#include "vrc/capture.h"
#include "vrc/fourcc.h"
#include "vrc/irq.h"
#include "vrc/util.h"
#include "capture.h"

const char *gvt_capture_path_name(enum gvt_capture_path p)
{
	return p == GVT_CAPTURE_PRIME ? "prime-readback" : "dmabuf-mmap";
}

/* The PCI address a render node belongs to ("0000:00:02.0"), or "". */
static void node_bdf(const char *sysfs_root, const char *node, char *bdf, size_t len)
{
	char p[400], link[300];
	ssize_t n;

	bdf[0] = 0;
	snprintf(p, sizeof(p), "%s/class/drm/%s/device", sysfs_root, node);
	n = readlink(p, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = 0;
	const char *base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;

	if (strlen(base) < len)
		memcpy(bdf, base, strlen(base) + 1);
}

/*
 * An fd on the i915 render node of gpu->bdf (any i915 one without a bdf),
 * or -ENODEV with what was passed over in seen. Only the vGPU's parent
 * can read its dmabuf: another i915 imports it as a foreign buffer, whose
 * pages GVT's sg table does not have.
 */
static int open_i915(const struct gvt_gpu *gpu, char *which, size_t len, char *seen,
		     size_t seenlen)
{
	const char *dri = gpu && gpu->dri_dir ? gpu->dri_dir : "/dev/dri";
	const char *sys = gpu && gpu->sysfs_root ? gpu->sysfs_root : "/sys";
	const char *want = gpu ? gpu->bdf : NULL;
	struct dirent *e;
	DIR *d = opendir(dri);
	int fd = -ENODEV;

	seen[0] = 0;
	if (!d)
		return -ENODEV;
	while (fd < 0 && (e = readdir(d))) {
		char path[300], bdf[64];
		size_t used = strlen(seen);
		drmVersionPtr v;
		int f;

		if (strncmp(e->d_name, "renderD", 7))
			continue;
		if (want && want[0]) {
			node_bdf(sys, e->d_name, bdf, sizeof(bdf));
			if (strcmp(bdf, want)) {
				snprintf(seen + used, seenlen - used, "%s%s is %s", used ? ", " : "",
					 e->d_name, bdf[0] ? bdf : "of no PCI device");
				continue;
			}
		}
		snprintf(path, sizeof(path), "%s/%s", dri, e->d_name);
		f = open(path, O_RDWR | O_CLOEXEC);
		if (f < 0)
			continue;
		v = drmGetVersion(f);
		if (v && v->name && !strcmp(v->name, "i915")) {
			fd = f;
			snprintf(which, len, "%s", path);
		} else {
			snprintf(seen + used, seenlen - used, "%s%s is not i915", used ? ", " : "",
				 e->d_name);
			close(f);
		}
		drmFreeVersion(v);
	}
	closedir(d);
	return fd;
}

int gvt_prime_readback(const struct gvt_gpu *gpu, int dmabuf_fd, void *dst, size_t len,
		       char *err, size_t errlen)
{
	char node[300] = "", seen[300];
	uint32_t handle = 0;
	int fd, rc;

	fd = open_i915(gpu, node, sizeof(node), seen, sizeof(seen));
	if (fd < 0) {
		vrc_seterr(err, errlen, "PRIME readback: no i915 render node%s%s in %s%s%s%s",
			   gpu && gpu->bdf ? " of " : "", gpu && gpu->bdf ? gpu->bdf : "",
			   gpu && gpu->dri_dir ? gpu->dri_dir : "/dev/dri",
			   seen[0] ? " (" : "", seen, seen[0] ? ")" : "");
		return fd;
	}
	rc = drmPrimeFDToHandle(fd, dmabuf_fd, &handle);
	if (rc) {
		rc = -errno;
		vrc_seterr(err, errlen, "PRIME readback: import into %s: %s", node, strerror(-rc));
		close(fd);
		return rc;
	}
	struct drm_i915_gem_pread pr = {
		.handle = handle, .offset = 0, .size = len, .data_ptr = (uint64_t)(uintptr_t)dst,
	};
	if (drmIoctl(fd, DRM_IOCTL_I915_GEM_PREAD, &pr)) {
		rc = -errno;
		vrc_seterr(err, errlen, "PRIME readback: I915_GEM_PREAD of %zu bytes on %s: %s",
			   len, node, strerror(-rc));
	}
	drmCloseBufferHandle(fd, handle);
	close(fd);
	return rc;
}

void gvt_frame_free(struct gvt_frame *f)
{
	free(f->owned);
	f->owned = NULL;
	f->pixels = NULL;
}

/* The detiler and every reader of a frame take 4 bytes per pixel. */
static bool is_8888(uint32_t fourcc)
{
	return fourcc == VRC_FMT_XRGB8888 || fourcc == VRC_FMT_ARGB8888 ||
	       fourcc == VRC_FMT_XBGR8888 || fourcc == VRC_FMT_ABGR8888;
}

int gvt_capture(struct vrc_transport *t, uint32_t plane_type, const struct gvt_gpu *gpu,
		struct gvt_frame *f, char *err, size_t errlen)
{
	return gvt_capture_cached(t, plane_type, gpu, NULL, f, err, errlen);
}

int gvt_capture_cached(struct vrc_transport *t, uint32_t plane_type, const struct gvt_gpu *gpu,
		       struct vrc_capture_cache *cc, struct gvt_frame *f, char *err,
		       size_t errlen)
{
	struct vrc_plane p;
	const struct vrc_plane *cached;
	const uint8_t *src = NULL;
	uint8_t *copy = NULL;
	int rc;

	memset(f, 0, sizeof(*f));
	rc = vrc_plane_query(t, plane_type, &p);
	if (rc) {
		vrc_seterr(err, errlen, "QUERY_GFX_PLANE(%u): %s", plane_type, strerror(-rc));
		return rc;
	}
	if (p.info.drm_format == 0) {
		vrc_seterr(err, errlen, "plane %u is off", plane_type);
		return -ENOENT;
	}
	if (!is_8888(p.info.drm_format)) {
		vrc_seterr(err, errlen, "plane %u format %#x: not a 32-bit 8888 format", plane_type,
			   p.info.drm_format);
		return -ENOTSUP;
	}
	if ((rc = gvt_tiling_from_modifier(p.info.drm_format_mod, &f->tiling))) {
		vrc_seterr(err, errlen, "plane modifier %#llx: not linear, X- or Y-tiled",
			   (unsigned long long)p.info.drm_format_mod);
		return rc;
	}
	if (cc) {
		rc = vrc_capture_cache_map(t, cc, &p, &cached, err, errlen);
		src = rc ? NULL : cached->map;
	} else {
		rc = vrc_plane_map(t, &p, err, errlen);
		src = p.map;
	}
	if (rc == 0) {
		f->path = GVT_CAPTURE_MMAP;
	} else if (rc == -ENODEV && p.fd >= 0) {
		copy = malloc(p.info.size);
		if (!copy) {
			vrc_plane_release(&p);
			return -ENOMEM;
		}
		rc = gvt_prime_readback(gpu, p.fd, copy, p.info.size, err, errlen);
		src = copy;
		f->path = GVT_CAPTURE_PRIME;
	}
	if (rc == 0) {
		f->width = p.info.width;
		f->height = p.info.height;
		f->drm_format = p.info.drm_format;
		f->dmabuf_id = p.info.dmabuf_id;
		f->x = (int32_t)p.info.x_pos;
		f->y = (int32_t)p.info.y_pos;
		f->hot_x = p.info.x_hot;
		f->hot_y = p.info.y_hot;
		if (cc && f->path == GVT_CAPTURE_MMAP && f->tiling == GVT_TILING_LINEAR) {
			/* vrc_plane_map checked stride * height inside the buffer */
			f->pixels = src;
			f->stride = p.info.stride;
		} else {
			f->owned = malloc((size_t)p.info.width * 4 * p.info.height);
			f->pixels = f->owned;
			f->stride = p.info.width * 4;
			rc = f->owned ? gvt_detile(f->tiling, src, p.info.size, p.info.stride,
						   p.info.width * 4, p.info.height, f->owned,
						   (size_t)p.info.width * 4, err, errlen) : -ENOMEM;
		}
		if (rc)
			gvt_frame_free(f);
	}
	free(copy);
	vrc_plane_release(&p);
	return rc;
}
