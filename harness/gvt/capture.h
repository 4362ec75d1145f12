/* SPDX-License-Identifier: MIT */
/*
 * Capturing a vGPU plane as linear XRGB rows for band CRCs: query the plane,
 * fetch its dmabuf, read it by CPU mmap where the kernel allows it, else
 * import it into the host i915 with libdrm PRIME and read it back, then
 * detile. On i915 the fallback is the rule: a GVT dmabuf's object has no
 * shmem file, so i915_gem_dmabuf_mmap answers ENODEV, and I915_GEM_PREAD
 * reads it through the GGTT aperture, still tiled. The frame says which
 * path was used: results must name it.
 */
#ifndef VRC_GVT_CAPTURE_H
#define VRC_GVT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "vrc/transport.h"
#include "detile.h"

enum gvt_capture_path { GVT_CAPTURE_MMAP, GVT_CAPTURE_PRIME };
const char *gvt_capture_path_name(enum gvt_capture_path p);	/* "dmabuf-mmap", "prime-readback" */

struct gvt_frame {
	const uint8_t *pixels;	/* height rows of width * 4 bytes, stride apart */
	uint32_t stride;
	uint8_t *owned;		/* what gvt_frame_free frees; NULL: pixels are in
				 * a cached mapping (gvt_capture_cached) */
	uint32_t width, height, drm_format, dmabuf_id;
	int32_t x, y;			/* the plane's position (the cursor's) */
	uint32_t hot_x, hot_y;		/* the cursor's hotspot as the device says */
	enum gvt_tiling tiling;
	enum gvt_capture_path path;
};

/* Where the PRIME fallback finds the GPU that owns the vGPU. */
struct gvt_gpu {
	const char *dri_dir;	/* NULL: "/dev/dri" */
	const char *sysfs_root;	/* NULL: "/sys" (class/drm/renderDN/device) */
	const char *bdf;	/* the vGPU's parent; NULL: the first i915 node */
};

/*
 * Capture plane_type (VRC_PLANE_PRIMARY/CURSOR); gpu may be NULL (the
 * defaults above). -ENOENT: the plane is off; -ENOTSUP: not an 8888
 * format, or a tiling the detiler does not know; others with the reason
 * in err.
 */
int gvt_capture(struct vrc_transport *t, uint32_t plane_type, const struct gvt_gpu *gpu,
		struct gvt_frame *f, char *err, size_t errlen);
/*
 * The same with the dmabuf mappings kept by id in cc (vrc/capture.h), as
 * QEMU's display keeps its dmabufs: the rt readers' path. A linear plane
 * is then not copied: f->pixels point into the cached mapping (the buffer
 * live, valid until the next call with cc or its fini). A tiled plane is
 * detiled into a copy; a dmabuf that allows no CPU mmap is read by PRIME
 * as above, and not kept.
 */
struct vrc_capture_cache;
int gvt_capture_cached(struct vrc_transport *t, uint32_t plane_type, const struct gvt_gpu *gpu,
		       struct vrc_capture_cache *cc, struct gvt_frame *f, char *err,
		       size_t errlen);
void gvt_frame_free(struct gvt_frame *f);

/*
 * The fallback alone: import dmabuf_fd into gpu's i915 render node and
 * read len bytes with I915_GEM_PREAD (for an object without struct pages,
 * as GVT's are, i915 reads through the GGTT aperture). -ENODEV if there
 * is no such node; err then names the nodes passed over and why.
 */
int gvt_prime_readback(const struct gvt_gpu *gpu, int dmabuf_fd, void *dst, size_t len,
		       char *err, size_t errlen);

#endif /* VRC_GVT_CAPTURE_H */
