// SPDX-License-Identifier: GPL-2.0
/*
 * The KMS objects: one CRTC (pipe A) with a primary plane (XRGB8888) and an
 * ARGB cursor plane (64x64, 128x128 or 256x256: the sizes GVT decodes), one
 * virtual encoder and connector with a fixed mode list. Buffers live in
 * VRAM (drm_gem_vram); a plane register points at a whole buffer and a flip
 * rewrites PLANE_SURF, the GVT model. Writes of one commit go into the ring
 * and reach the emulator with one doorbell in atomic_flush.
 */
#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_damage_helper.h>
#include <drm/drm_edid.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_gem_vram_helper.h>
#include <drm/drm_modes.h>
#include <drm/drm_plane_helper.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_simple_kms_helper.h>
#include <drm/drm_vblank.h>

#include "vdisp.h"

static const u32 vdisp_primary_formats[] = { DRM_FORMAT_XRGB8888 };
static const u32 vdisp_cursor_formats[] = { DRM_FORMAT_ARGB8888 };

/* The fixed mode list; the first one is preferred. */
static const struct { u16 w, h; } vdisp_modes[] = {
	{ 1024, 768 }, { 640, 480 }, { 1280, 720 },
};

static u32 vdisp_vram_offset(struct drm_framebuffer *fb)
{
	struct drm_gem_vram_object *gbo = drm_gem_vram_of_gem(fb->obj[0]);
	s64 off = drm_gem_vram_offset(gbo);

	return off < 0 ? 0 : (u32)(off + fb->offsets[0]);
}

/* ---- primary plane */

/*
 * What both planes check: no scaling, clipped against their CRTC's mode
 * (can_position: the plane may leave parts of the CRTC uncovered). *out is
 * the plane's new state, NULL when the plane is not on a CRTC.
 */
static int vdisp_plane_check(struct drm_plane *plane, struct drm_atomic_state *state,
			     bool can_position, struct drm_plane_state **out)
{
	struct drm_plane_state *ps = drm_atomic_get_new_plane_state(state, plane);
	struct drm_crtc_state *cs;

	*out = NULL;
	if (!ps->crtc)
		return 0;
	cs = drm_atomic_get_crtc_state(state, ps->crtc);
	if (IS_ERR(cs))
		return PTR_ERR(cs);
	*out = ps;
	return drm_atomic_helper_check_plane_state(ps, cs, DRM_PLANE_NO_SCALING,
						   DRM_PLANE_NO_SCALING, can_position, true);
}

static int vdisp_primary_check(struct drm_plane *plane, struct drm_atomic_state *state)
{
	struct drm_plane_state *ps;
	int ret = vdisp_plane_check(plane, state, false, &ps);

	if (ret || !ps || !ps->visible)
		return ret;
	/* PLANE_SURF is a whole buffer: no panning inside the framebuffer */
	if (ps->src.x1 || ps->src.y1) {
		drm_dbg_kms(plane->dev, "primary: source offset %d,%d not supported\n",
			    ps->src.x1 >> 16, ps->src.y1 >> 16);
		return -EINVAL;
	}
	return 0;
}

/*
 * A DIRTYFB commit (same buffer, same place, no event) must not rewrite
 * PLANE_SURF: to the vGPU that is a flip, and front-buffer drawing is
 * exactly what must not look like one.
 */
static bool vdisp_primary_changed(struct drm_atomic_state *state,
				  struct drm_plane *plane)
{
	struct drm_plane_state *old = drm_atomic_get_old_plane_state(state, plane);
	struct drm_plane_state *new = drm_atomic_get_new_plane_state(state, plane);
	struct drm_crtc_state *cs = new->crtc ?
		drm_atomic_get_new_crtc_state(state, new->crtc) : NULL;

	return old->fb != new->fb || old->visible != new->visible ||
	       !drm_rect_equals(&old->dst, &new->dst) ||
	       !drm_rect_equals(&old->src, &new->src) ||
	       (cs && (drm_atomic_crtc_needs_modeset(cs) || cs->event));
}

static void vdisp_primary_update(struct drm_plane *plane, struct drm_atomic_state *state)
{
	struct vdisp_device *vd = to_vdisp(plane->dev);
	struct drm_plane_state *ps = drm_atomic_get_new_plane_state(state, plane);
	struct drm_framebuffer *fb = ps->fb;
	u32 w, h;

	if (!vdisp_primary_changed(state, plane))
		return;
	if (!ps->visible || !fb) {
		vdisp_write(vd, VRC_PLANE_CTL(VDISP_PIPE), 0);
		vdisp_write(vd, VRC_PLANE_SURF(VDISP_PIPE), 0);
	} else {
		w = drm_rect_width(&ps->dst);
		h = drm_rect_height(&ps->dst);
		vdisp_write(vd, VRC_PLANE_STRIDE(VDISP_PIPE), fb->pitches[0]);
		vdisp_write(vd, VRC_PLANE_SIZE(VDISP_PIPE), (h - 1) << 16 | (w - 1));
		vdisp_write(vd, VRC_PLANE_CTL(VDISP_PIPE),
			    VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB8888 |
			    VRC_PLANE_CTL_TILED_LINEAR);
		/* the SURF write arms the update: last */
		vdisp_write(vd, VRC_PLANE_SURF(VDISP_PIPE), vdisp_vram_offset(fb));
	}
	vd->commit.primary_written = true;
}

static void vdisp_primary_disable(struct drm_plane *plane, struct drm_atomic_state *state)
{
	struct vdisp_device *vd = to_vdisp(plane->dev);

	vdisp_write(vd, VRC_PLANE_CTL(VDISP_PIPE), 0);
	vdisp_write(vd, VRC_PLANE_SURF(VDISP_PIPE), 0);
	vd->commit.primary_written = true;
}

static const struct drm_plane_helper_funcs vdisp_primary_helper_funcs = {
	DRM_GEM_VRAM_PLANE_HELPER_FUNCS,
	.atomic_check = vdisp_primary_check,
	.atomic_update = vdisp_primary_update,
	.atomic_disable = vdisp_primary_disable,
};

/* ---- cursor plane */

/* CURCNTR's mode for a square ARGB cursor of side w; 0 for a size it lacks. */
static u32 vdisp_cursor_mode(u32 w)
{
	switch (w) {
	case 64:
		return VRC_CURSOR_MODE_64_ARGB;
	case 128:
		return VRC_CURSOR_MODE_128_ARGB;
	case 256:
		return VRC_CURSOR_MODE_256_ARGB;
	}
	return 0;
}

/*
 * As i915's cursor: the plane (source and destination, no scaling) is a
 * square of one of CURCNTR's sizes from the framebuffer's top left, read at
 * a stride of its width. No smaller heights: those need CUR_FBC_CTL, which
 * GVT's plane decoder ignores.
 * The framebuffer itself may be taller: igt's kms_cursor_crc gives the
 * cursor one extra opaque row, which the pipe must not show.
 */
static int vdisp_cursor_check(struct drm_plane *plane, struct drm_atomic_state *state)
{
	struct drm_plane_state *ps;
	int ret = vdisp_plane_check(plane, state, true, &ps);
	u32 w;

	if (ret || !ps || !ps->fb)
		return ret;
	w = ps->crtc_w;
	if (!vdisp_cursor_mode(w) || ps->crtc_h != w || ps->src_w != w << 16 ||
	    ps->src_h != w << 16 || ps->fb->pitches[0] != w * 4) {
		drm_dbg_kms(plane->dev,
			    "cursor: %ux%u from %ux%u, pitch %u: want a square of 64, 128 or 256 at 4 bytes a pixel\n",
			    ps->crtc_w, ps->crtc_h, ps->src_w >> 16, ps->src_h >> 16,
			    ps->fb->pitches[0]);
		return -EINVAL;
	}
	if (ps->src_x || ps->src_y)
		return -EINVAL;
	return 0;
}

/* CURPOS: sign-magnitude, 12 bits each, x low and y high. */
static u32 vdisp_curpos(int x, int y)
{
	u32 v = 0;

	if (x < 0) {
		v |= 1u << 15;
		x = -x;
	}
	if (y < 0) {
		v |= 1u << 31;
		y = -y;
	}
	return v | ((u32)y & 0xfff) << 16 | ((u32)x & 0xfff);
}

/* The cursor registers of plane state ps, in the order i915 writes them. */
static void vdisp_cursor_program(struct vdisp_device *vd, const struct drm_plane_state *ps)
{
	if (!ps->visible || !ps->fb) {
		vdisp_write(vd, VRC_CURCNTR(VDISP_PIPE), 0);
		vdisp_write(vd, VRC_CURBASE(VDISP_PIPE), 0);
	} else {
		vdisp_write(vd, VRC_CURCNTR(VDISP_PIPE), vdisp_cursor_mode(ps->crtc_w));
		/* i915 order: the position, then the base that arms both */
		vdisp_write(vd, VRC_CURPOS(VDISP_PIPE), vdisp_curpos(ps->crtc_x, ps->crtc_y));
		vdisp_write(vd, VRC_CURBASE(VDISP_PIPE), vdisp_vram_offset(ps->fb));
	}
}

static void vdisp_cursor_update(struct drm_plane *plane, struct drm_atomic_state *state)
{
	struct vdisp_device *vd = to_vdisp(plane->dev);

	vdisp_cursor_program(vd, drm_atomic_get_new_plane_state(state, plane));
	vd->commit.cursor_written = true;
}

/*
 * Legacy cursor ioctls (drmModeMoveCursor, drmModeSetCursor) are unsynced:
 * userspace expects them to return at once and to land in the current
 * frame, also right after a nonblocking flip (igt kms_cursor_legacy
 * basic-flip-before-cursor-*). Through a full commit they would wait for
 * that flip's completion first, a vblank later. The async path writes the
 * registers at once with their own doorbell; CURBASE still arms the update
 * at the next vblank, as on the hardware. Enabling, disabling and anything
 * with a modeset go the synchronous way.
 */
static int vdisp_cursor_async_check(struct drm_plane *plane, struct drm_atomic_state *state)
{
	struct drm_plane_state *ps = drm_atomic_get_new_plane_state(state, plane);
	struct drm_crtc_state *cs;

	if (!ps->crtc || !ps->fb || !plane->state->fb || !ps->visible || !plane->state->visible)
		return -EINVAL;
	/* a new size is a new CURCNTR mode: as i915, only through a full commit */
	if (ps->crtc_w != plane->state->crtc_w)
		return -EINVAL;
	cs = drm_atomic_get_new_crtc_state(state, ps->crtc);
	if (!cs || !cs->active || drm_atomic_crtc_needs_modeset(cs) || cs->event)
		return -EINVAL;
	return 0;
}

static void vdisp_cursor_async_update(struct drm_plane *plane, struct drm_atomic_state *state)
{
	struct vdisp_device *vd = to_vdisp(plane->dev);
	struct drm_plane_state *ps = drm_atomic_get_new_plane_state(state, plane);
	struct drm_plane_state *cur = plane->state;

	/* in place, as the helper wants; the old fb leaves with the new state */
	swap(cur->fb, ps->fb);
	cur->crtc_x = ps->crtc_x;
	cur->crtc_y = ps->crtc_y;
	cur->crtc_w = ps->crtc_w;
	cur->crtc_h = ps->crtc_h;
	cur->src_x = ps->src_x;
	cur->src_y = ps->src_y;
	cur->src_w = ps->src_w;
	cur->src_h = ps->src_h;
	cur->src = ps->src;
	cur->dst = ps->dst;
	cur->visible = ps->visible;
	vdisp_cursor_program(vd, cur);
	vdisp_doorbell(vd);
}

static void vdisp_cursor_disable(struct drm_plane *plane, struct drm_atomic_state *state)
{
	struct vdisp_device *vd = to_vdisp(plane->dev);

	vdisp_write(vd, VRC_CURCNTR(VDISP_PIPE), 0);
	vdisp_write(vd, VRC_CURBASE(VDISP_PIPE), 0);
	vd->commit.cursor_written = true;
}

static const struct drm_plane_helper_funcs vdisp_cursor_helper_funcs = {
	DRM_GEM_VRAM_PLANE_HELPER_FUNCS,
	.atomic_check = vdisp_cursor_check,
	.atomic_update = vdisp_cursor_update,
	.atomic_disable = vdisp_cursor_disable,
	.atomic_async_check = vdisp_cursor_async_check,
	.atomic_async_update = vdisp_cursor_async_update,
};

static const struct drm_plane_funcs vdisp_plane_funcs = {
	.update_plane = drm_atomic_helper_update_plane,
	.disable_plane = drm_atomic_helper_disable_plane,
	.destroy = drm_plane_cleanup,
	.reset = drm_atomic_helper_plane_reset,
	.atomic_duplicate_state = drm_atomic_helper_plane_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_plane_destroy_state,
};

/* ---- CRTC */

static void vdisp_crtc_enable(struct drm_crtc *crtc, struct drm_atomic_state *state)
{
	struct vdisp_device *vd = to_vdisp(crtc->dev);
	struct drm_display_mode *m = &crtc->state->adjusted_mode;

	vdisp_write(vd, VRC_PIPESRC(VDISP_PIPE),
		    (u32)(m->hdisplay - 1) << 16 | (u32)(m->vdisplay - 1));
	vdisp_write(vd, VRC_PIPECONF(VDISP_PIPE), VRC_PIPECONF_ENABLE);
	vdisp_doorbell(vd);
	vdisp_ts_pipe_on(vd);	/* before vblank_on asks for a stamp */
	drm_crtc_vblank_on(crtc);
}

static void vdisp_crtc_disable(struct drm_crtc *crtc, struct drm_atomic_state *state)
{
	struct vdisp_device *vd = to_vdisp(crtc->dev);

	vdisp_flush_event(vd);
	drm_crtc_vblank_off(crtc);
	vdisp_write(vd, VRC_PIPECONF(VDISP_PIPE), 0);
	vdisp_doorbell(vd);
}

static void vdisp_crtc_begin(struct drm_crtc *crtc, struct drm_atomic_state *state)
{
	struct vdisp_device *vd = to_vdisp(crtc->dev);

	/* before any register of this commit can reach the emulator */
	vd->commit.flip_before = VDISP_STATUS(vd, flip_done_seq);
	vd->commit.cursor_before = VDISP_STATUS(vd, cursor_done_seq);
	vd->commit.primary_written = false;
	vd->commit.cursor_written = false;
}

static void vdisp_crtc_flush(struct drm_crtc *crtc, struct drm_atomic_state *state)
{
	struct vdisp_device *vd = to_vdisp(crtc->dev);
	struct drm_crtc_state *cs = drm_atomic_get_new_crtc_state(state, crtc);
	enum vdisp_wait wait = VDISP_WAIT_VBLANK;
	u32 before = VDISP_STATUS(vd, vblank_seq);
	unsigned long flags;

	if (drm_atomic_crtc_needs_modeset(cs)) {
		/*
		 * The pipe is (re)enabled after this flush (the helpers run
		 * the planes before the enables), and the vGPU discards a
		 * flip pending on a disabled pipe at its next tick: with a
		 * tick between the two doorbells, no latch is ever reported
		 * and the event (armed on the first enable after load, when
		 * vblank_get still works) would never complete; igt
		 * kms_vblank saw "flip_done timed out". A modeset's event
		 * completes at the next vblank instead.
		 */
		before = VDISP_STATUS(vd, vblank_seq);
	} else if (vd->commit.primary_written) {
		wait = VDISP_WAIT_FLIP;
		before = vd->commit.flip_before;
	} else if (vd->commit.cursor_written) {
		wait = VDISP_WAIT_CURSOR;
		before = vd->commit.cursor_before;
	}
	spin_lock_irqsave(&vd->drm.event_lock, flags);
	vdisp_arm_event(vd, cs, wait, before);
	spin_unlock_irqrestore(&vd->drm.event_lock, flags);
	vdisp_doorbell(vd);
}

static const struct drm_crtc_helper_funcs vdisp_crtc_helper_funcs = {
	.atomic_enable = vdisp_crtc_enable,
	.atomic_disable = vdisp_crtc_disable,
	.atomic_begin = vdisp_crtc_begin,
	.atomic_flush = vdisp_crtc_flush,
};

static const struct drm_crtc_funcs vdisp_crtc_funcs = {
	.reset = drm_atomic_helper_crtc_reset,
	.destroy = drm_crtc_cleanup,
	.set_config = drm_atomic_helper_set_config,
	.page_flip = drm_atomic_helper_page_flip,
	.atomic_duplicate_state = drm_atomic_helper_crtc_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_crtc_destroy_state,
	.get_vblank_counter = vdisp_get_vblank_counter,
	.get_vblank_timestamp = vdisp_get_vblank_timestamp,
	.enable_vblank = vdisp_enable_vblank,
	.disable_vblank = vdisp_disable_vblank,
	.set_crc_source = vdisp_set_crc_source,
	.verify_crc_source = vdisp_verify_crc_source,
	.get_crc_sources = vdisp_get_crc_sources,
};

/* ---- connector */

static int vdisp_get_modes(struct drm_connector *connector)
{
	struct drm_device *dev = connector->dev;
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(vdisp_modes); i++) {
		struct drm_display_mode *m =
			drm_cvt_mode(dev, vdisp_modes[i].w, vdisp_modes[i].h, 60,
				     false, false, false);
		if (!m)
			continue;
		if (i == 0)
			m->type |= DRM_MODE_TYPE_PREFERRED;
		drm_mode_probed_add(connector, m);
		n++;
	}
	return n;
}

static const struct drm_connector_helper_funcs vdisp_connector_helper_funcs = {
	.get_modes = vdisp_get_modes,
};

static const struct drm_connector_funcs vdisp_connector_funcs = {
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

static const struct drm_mode_config_funcs vdisp_mode_config_funcs = {
	.fb_create = drm_gem_fb_create_with_dirty,
	.mode_valid = drm_vram_helper_mode_valid,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

int vdisp_kms_init(struct vdisp_device *vd)
{
	struct drm_device *dev = &vd->drm;
	int ret;

	ret = drmm_mode_config_init(dev);
	if (ret)
		return ret;
	/* no minimum: framebuffers as small as a 32x33 cursor (igt) are fine,
	 * the planes' checks refuse what the pipe cannot show */
	dev->mode_config.max_width = 4096;	/* PIPESRC holds 13 bits */
	dev->mode_config.max_height = 4096;
	dev->mode_config.cursor_width = VDISP_CURSOR_MAX;
	dev->mode_config.cursor_height = VDISP_CURSOR_MAX;
	dev->mode_config.preferred_depth = 24;
	dev->mode_config.funcs = &vdisp_mode_config_funcs;

	ret = drm_universal_plane_init(dev, &vd->primary, 0, &vdisp_plane_funcs,
				       vdisp_primary_formats,
				       ARRAY_SIZE(vdisp_primary_formats), NULL,
				       DRM_PLANE_TYPE_PRIMARY, NULL);
	if (ret)
		return ret;
	drm_plane_helper_add(&vd->primary, &vdisp_primary_helper_funcs);
	drm_plane_enable_fb_damage_clips(&vd->primary);

	ret = drm_universal_plane_init(dev, &vd->cursor, 0, &vdisp_plane_funcs,
				       vdisp_cursor_formats,
				       ARRAY_SIZE(vdisp_cursor_formats), NULL,
				       DRM_PLANE_TYPE_CURSOR, NULL);
	if (ret)
		return ret;
	drm_plane_helper_add(&vd->cursor, &vdisp_cursor_helper_funcs);

	ret = drm_crtc_init_with_planes(dev, &vd->crtc, &vd->primary, &vd->cursor,
					&vdisp_crtc_funcs, NULL);
	if (ret)
		return ret;
	drm_crtc_helper_add(&vd->crtc, &vdisp_crtc_helper_funcs);

	ret = drm_simple_encoder_init(dev, &vd->encoder, DRM_MODE_ENCODER_VIRTUAL);
	if (ret)
		return ret;
	vd->encoder.possible_crtcs = drm_crtc_mask(&vd->crtc);

	ret = drm_connector_init(dev, &vd->connector, &vdisp_connector_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	drm_connector_helper_add(&vd->connector, &vdisp_connector_helper_funcs);
	ret = drm_connector_attach_encoder(&vd->connector, &vd->encoder);
	if (ret)
		return ret;

	drm_mode_config_reset(dev);
	return 0;
}
