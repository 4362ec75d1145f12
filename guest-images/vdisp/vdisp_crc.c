// SPDX-License-Identifier: GPL-2.0
/*
 * DRM's debugfs CRC source (dri/N/crtc-0/crc/), as igt's pipe-CRC tests use
 * it. One source, "auto": the CRC of the pipe's output (the cursor composed
 * over the primary plane) that vgpu-sim computes at every vblank while
 * PIPE_CRC_CTL enables it. vgpu-sim appends (frame count, CRC) to the
 * pipe's CRC ring in shared memory; the vblank interrupt drains the ring,
 * so an interrupt that comes late (TCG) loses no frame unless it is more
 * than VGPU_CRC_ENTRIES vblanks late.
 *
 * Frames are DRM vblank counts. With the full 32-bit hardware counter as
 * get_vblank_counter, DRM advances its count by exactly the hardware's
 * difference, so the two differ by a constant; it is measured at each drain
 * (hardware count, DRM count, hardware count again, which must agree).
 */
#include <linux/types.h>
#include <drm/drm_crtc.h>
#include <drm/drm_debugfs_crc.h>	/* needs the two above on 6.1 */
#include <drm/drm_vblank.h>

#include "vdisp.h"

static const char *const vdisp_crc_sources[] = { "auto" };

static bool vdisp_crc_source_on(const char *source)
{
	return source && !strcmp(source, "auto");
}

int vdisp_verify_crc_source(struct drm_crtc *crtc, const char *source, size_t *values_cnt)
{
	if (source && !vdisp_crc_source_on(source) && strcmp(source, "none"))
		return -EINVAL;
	*values_cnt = 1;
	return 0;
}

const char *const *vdisp_get_crc_sources(struct drm_crtc *crtc, size_t *count)
{
	*count = ARRAY_SIZE(vdisp_crc_sources);
	return vdisp_crc_sources;
}

/*
 * On: keep vblank interrupts on while capturing (the drain runs there) and
 * skip what the ring holds from an earlier capture. Off: the reverse.
 */
int vdisp_set_crc_source(struct drm_crtc *crtc, const char *source)
{
	struct vdisp_device *vd = to_vdisp(crtc->dev);
	bool on = vdisp_crc_source_on(source);
	int ret;

	if (source && !on && strcmp(source, "none"))
		return -EINVAL;
	if (on == READ_ONCE(vd->crc_on))
		return 0;
	if (on) {
		if (READ_ONCE(vd->hdr->crc_entries) != VGPU_CRC_ENTRIES)
			return -ENODEV;	/* a vgpu-sim without the CRC rings */
		ret = drm_crtc_vblank_get(crtc);
		if (ret)
			return ret;
		vd->crc_head = vdisp_status(vd, &vd->hdr->crc[VDISP_PIPE].head);
	}
	vdisp_write(vd, VRC_PIPE_CRC_CTL(VDISP_PIPE), on ? VRC_PIPE_CRC_ENABLE : 0);
	vdisp_doorbell(vd);
	/* pairs with the irq's READ_ONCE: crc_head is set before */
	smp_store_release(&vd->crc_on, on);
	if (!on)
		drm_crtc_vblank_put(crtc);
	return 0;
}

/* From the vblank interrupt, after drm_crtc_handle_vblank(). */
void vdisp_crc_drain(struct vdisp_device *vd)
{
	const struct vgpu_crc_ring *r = &vd->hdr->crc[VDISP_PIPE];
	u32 head, hw1, hw2, off;

	if (!smp_load_acquire(&vd->crc_on))
		return;
	hw1 = VDISP_STATUS(vd, frame_count);
	off = (u32)drm_crtc_vblank_count(&vd->crtc) - hw1;
	hw2 = VDISP_STATUS(vd, frame_count);
	if (hw1 != hw2)
		return;	/* a vblank in between: the next interrupt drains */
	head = vdisp_status(vd, &r->head);
	if (head - vd->crc_head > VGPU_CRC_ENTRIES)
		vd->crc_head = head - VGPU_CRC_ENTRIES;	/* older ones are lost */
	for (; vd->crc_head != head; vd->crc_head++) {
		const struct vgpu_crc_rec *rec = &r->rec[vd->crc_head & (VGPU_CRC_ENTRIES - 1)];
		u32 frame = READ_ONCE(rec->frame), crc = READ_ONCE(rec->crc);

		/* the device may have lapped us while we read: drop it then */
		smp_rmb();
		if (vdisp_status(vd, &r->head) - vd->crc_head > VGPU_CRC_ENTRIES)
			continue;
		drm_crtc_add_crc_entry(&vd->crtc, true, frame + off, &crc);
	}
}
