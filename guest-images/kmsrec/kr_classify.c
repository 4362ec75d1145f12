// SPDX-License-Identifier: MIT
/* Classifying DRM ioctls from their argument structs (kr_classify.h). */
#include <string.h>
#include <drm.h>
#include <drm_mode.h>

#include "kr_classify.h"

#define USER_PTR(u64)	((const void *)(uintptr_t)(u64))

void kr_state_init(struct kr_state *s)
{
	memset(s, 0, sizeof(*s));
}

bool kr_request_changes_scanout(unsigned long req, const void *arg)
{
	if (req == DRM_IOCTL_MODE_ATOMIC)
		return arg && !(((const struct drm_mode_atomic *)arg)->flags &
				DRM_MODE_ATOMIC_TEST_ONLY);
	return req == DRM_IOCTL_MODE_PAGE_FLIP || req == DRM_IOCTL_MODE_SETPLANE ||
	       req == DRM_IOCTL_MODE_SETCRTC ||
	       req == DRM_IOCTL_MODE_CURSOR || req == DRM_IOCTL_MODE_CURSOR2 ||
	       req == DRM_IOCTL_MODE_DIRTYFB;
}

static const struct kr_crtc *find_crtc(const struct kr_state *s, uint32_t id)
{
	for (unsigned i = 0; i < s->ncrtcs; i++)
		if (s->crtcs[i].id == id)
			return &s->crtcs[i];
	return NULL;
}

/* The SETCRTC keeps the CRTC on in the same mode (a framebuffer change). */
static bool setcrtc_same_mode(const struct kr_state *s, const struct drm_mode_crtc *c)
{
	const struct kr_crtc *k = find_crtc(s, c->crtc_id);

	return k && k->on && c->mode_valid && c->fb_id && k->hdisplay == c->mode.hdisplay &&
	       k->vdisplay == c->mode.vdisplay && k->clock == c->mode.clock;
}

static void remember_crtc(struct kr_state *s, const struct drm_mode_crtc *c)
{
	struct kr_crtc *k = (struct kr_crtc *)find_crtc(s, c->crtc_id);

	if (!k) {
		if (s->ncrtcs == KR_MAX_CRTCS)
			return;
		k = &s->crtcs[s->ncrtcs++];
	}
	k->id = c->crtc_id;
	k->on = c->mode_valid && c->fb_id;
	k->fb_id = c->fb_id;
	k->hdisplay = c->mode.hdisplay;
	k->vdisplay = c->mode.vdisplay;
	k->clock = c->mode.clock;
}

bool kr_request_is_modeset(const struct kr_state *s, unsigned long req, const void *arg)
{
	if (req == DRM_IOCTL_MODE_ATOMIC) {
		const struct drm_mode_atomic *a = arg;
		return a && (a->flags & DRM_MODE_ATOMIC_ALLOW_MODESET) &&
		       !(a->flags & DRM_MODE_ATOMIC_TEST_ONLY);
	}
	if (req == DRM_IOCTL_MODE_OBJ_SETPROPERTY) {
		/* a CRTC's ACTIVE or a connector's DPMS; a plane's property is
		 * no modeset (igt sets rotation, blending that way) */
		const struct drm_mode_obj_set_property *p = arg;
		return p && (p->obj_type == DRM_MODE_OBJECT_CRTC ||
			     p->obj_type == DRM_MODE_OBJECT_CONNECTOR);
	}
	if (req == DRM_IOCTL_MODE_SETCRTC)
		return !arg || !setcrtc_same_mode(s, arg);
	/* SETPROPERTY is the connector's (DPMS) */
	return req == DRM_IOCTL_MODE_SETPROPERTY;
}

/* obj (a CRTC or a primary plane) now scans out fb (0: nothing). */
static void set_scanout(struct kr_state *s, uint32_t obj, uint32_t fb)
{
	unsigned i;

	for (i = 0; i < s->nscanout && s->scanout[i].obj != obj; i++)
		;
	if (i == s->nscanout) {
		if (i == KR_MAX_SCANOUT)
			return;
		s->nscanout++;
	}
	s->scanout[i].obj = obj;
	s->scanout[i].fb = fb;
}

static bool on_screen(const struct kr_state *s, uint32_t fb)
{
	for (unsigned i = 0; i < s->nscanout; i++)
		if (fb && s->scanout[i].fb == fb)
			return true;
	return false;
}

static struct kr_plane *find_plane(struct kr_state *s, uint32_t id)
{
	for (unsigned i = 0; i < s->nplanes; i++)
		if (s->planes[i].id == id)
			return &s->planes[i];
	return NULL;
}

static struct kr_plane *add_plane(struct kr_state *s, uint32_t id)
{
	struct kr_plane *p = find_plane(s, id);

	if (p)
		return p;
	if (s->nplanes == KR_MAX_PLANES) {
		s->planes_untracked++;
		return NULL;
	}
	p = &s->planes[s->nplanes++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	return p;
}

/* The value of property prop_id in the plane's last query, if it had one. */
static bool plane_prop(const struct kr_plane *p, uint32_t prop_id, uint64_t *val)
{
	if (!prop_id)
		return false;
	for (unsigned i = 0; i < p->nprops; i++)
		if (p->prop_id[i] == prop_id) {
			*val = p->prop_val[i];
			return true;
		}
	return false;
}

enum kr_plane_type kr_plane_type(const struct kr_state *s, uint32_t plane_id)
{
	uint64_t v;

	for (unsigned i = 0; i < s->nplanes; i++)
		if (s->planes[i].id == plane_id)
			return plane_prop(&s->planes[i], s->prop_type, &v) && v <= 2 ?
			       (enum kr_plane_type)v : KR_PLANE_UNKNOWN;
	return KR_PLANE_UNKNOWN;
}

static void learn_property(struct kr_state *s, const struct drm_mode_get_property *gp)
{
	char name[DRM_PROP_NAME_LEN + 1];

	memcpy(name, gp->name, DRM_PROP_NAME_LEN);
	name[DRM_PROP_NAME_LEN] = 0;
	if (!strcmp(name, "FB_ID"))
		s->prop_fb_id = gp->prop_id;
	else if (!strcmp(name, "CRTC_X"))
		s->prop_crtc_x = gp->prop_id;
	else if (!strcmp(name, "CRTC_Y"))
		s->prop_crtc_y = gp->prop_id;
	else if (!strcmp(name, "type"))
		s->prop_type = gp->prop_id;
}

/* A plane's properties as the client queried them: the kernel filled at
 * most the count the client passed in (pre_count). */
static void learn_plane_props(struct kr_state *s, const struct drm_mode_obj_get_properties *op,
			      uint32_t pre_count)
{
	const uint32_t *ids = USER_PTR(op->props_ptr);
	const uint64_t *vals = USER_PTR(op->prop_values_ptr);
	unsigned n = op->count_props < pre_count ? op->count_props : pre_count;
	struct kr_plane *p;

	if (op->obj_type != DRM_MODE_OBJECT_PLANE || !n || !ids || !vals)
		return;
	if (!(p = add_plane(s, op->obj_id)))
		return;
	if (n > KR_MAX_PLANE_PROPS)
		n = KR_MAX_PLANE_PROPS;
	for (unsigned i = 0; i < n; i++) {
		p->prop_id[i] = ids[i];
		p->prop_val[i] = vals[i];
	}
	p->nprops = n;
}

static void learn_size(struct kr_state *s, uint32_t w, uint32_t h, bool mode)
{
	if (!w || !h)
		return;
	/* a mode is the screen; without one, the largest framebuffer */
	if (mode || (w >= s->width && h >= s->height)) {
		s->width = w;
		s->height = h;
	}
}

static unsigned push(struct kr_update *out, unsigned n, unsigned max, const struct kr_update *u)
{
	if (n < max)
		out[n++] = *u;
	return n;
}

/* A plane's new FB and position, as a cursor or primary update (or none). */
static unsigned plane_update(struct kr_state *s, uint32_t plane_id, bool set_fb, uint32_t fb,
			     bool set_pos, int32_t x, int32_t y, struct kr_update *u,
			     struct kr_update *out, unsigned n, unsigned max)
{
	struct kr_plane *p = add_plane(s, plane_id);
	enum kr_plane_type type = kr_plane_type(s, plane_id);
	uint64_t v, vx, vy;
	bool fb_changed, pos_changed;

	if (!p)
		return n;
	/* what the plane had: the last commit seen, else the client's query */
	if (!p->fb_known && plane_prop(p, s->prop_fb_id, &v)) {
		p->fb_id = (uint32_t)v;
		p->fb_known = true;
	}
	if (!p->pos_known && plane_prop(p, s->prop_crtc_x, &vx) &&
	    plane_prop(p, s->prop_crtc_y, &vy)) {
		p->x = (int32_t)vx;
		p->y = (int32_t)vy;
		p->pos_known = true;
	}
	fb_changed = set_fb && (!p->fb_known || p->fb_id != fb);
	pos_changed = set_pos && (!p->pos_known || p->x != x || p->y != y);
	if (set_fb) {
		p->fb_id = fb;
		p->fb_known = true;
	}
	if (set_pos) {
		p->x = x;
		p->y = y;
		p->pos_known = true;
	}
	if (!fb_changed && !pos_changed)
		return n;
	switch (type) {
	case KR_PLANE_CURSOR:
		u->kind = KR_CURSOR;
		u->what = (uint8_t)((fb_changed ? KR_CUR_IMAGE : 0) | (pos_changed ? KR_CUR_POS : 0));
		break;
	case KR_PLANE_PRIMARY:
		if (u->kind != KR_ASYNC)
			u->kind = KR_FLIP;
		set_scanout(s, plane_id, p->fb_id);
		break;
	case KR_PLANE_OVERLAY:
		s->overlay++;
		return n;
	default:
		s->unknown_plane++;
		return n;
	}
	u->obj_id = plane_id;
	u->fb_id = p->fb_id;
	u->x = p->x;
	u->y = p->y;
	return push(out, n, max, u);
}

static unsigned atomic_updates(struct kr_state *s, const struct drm_mode_atomic *a,
			       struct kr_update *out, unsigned max)
{
	const uint32_t *objs = USER_PTR(a->objs_ptr), *counts = USER_PTR(a->count_props_ptr);
	const uint32_t *props = USER_PTR(a->props_ptr);
	const uint64_t *vals = USER_PTR(a->prop_values_ptr);
	struct kr_update base = { 0 };
	unsigned n = 0;
	size_t k = 0;

	if (a->flags & DRM_MODE_ATOMIC_TEST_ONLY || !a->count_objs)
		return 0;
	if (a->count_objs > KR_MAX_ATOMIC_OBJS || !objs || !counts || !props || !vals) {
		s->too_large++;
		return 0;
	}
	base.timing = a->flags & DRM_MODE_ATOMIC_NONBLOCK ? KR_NONBLOCKING : KR_RETURNS_LATCHED;
	base.event = a->flags & DRM_MODE_PAGE_FLIP_EVENT;
	base.user_data = a->user_data;
	if (a->flags & DRM_MODE_PAGE_FLIP_ASYNC)
		base.kind = KR_ASYNC;
	for (uint32_t i = 0; i < a->count_objs; i++) {
		bool set_fb = false, set_x = false, set_y = false;
		uint32_t fb = 0;
		int32_t x = 0, y = 0;

		if (counts[i] > KR_MAX_ATOMIC_PROPS - k) {
			s->too_large++;
			return n;
		}
		for (uint32_t j = 0; j < counts[i]; j++, k++) {
			uint32_t id = props[k];

			if (!id)
				continue;
			if (id == s->prop_fb_id) {
				set_fb = true;
				fb = (uint32_t)vals[k];
			} else if (id == s->prop_crtc_x) {
				set_x = true;
				x = (int32_t)vals[k];
			} else if (id == s->prop_crtc_y) {
				set_y = true;
				y = (int32_t)vals[k];
			}
		}
		if (!set_fb && !set_x && !set_y)
			continue;
		struct kr_plane *p = add_plane(s, objs[i]);
		if (!p)
			continue;
		/* one coordinate alone: the other stays (known or queried) */
		if (set_x != set_y) {
			uint64_t v;
			if (!set_x)
				x = p->pos_known ? p->x : plane_prop(p, s->prop_crtc_x, &v) ?
				    (int32_t)v : 0;
			if (!set_y)
				y = p->pos_known ? p->y : plane_prop(p, s->prop_crtc_y, &v) ?
				    (int32_t)v : 0;
		}
		struct kr_update u = base;
		n = plane_update(s, objs[i], set_fb, fb, set_x || set_y, x, y, &u, out, n, max);
	}
	return n;
}

/* The rows a DIRTYFB's clips cover; none or too many: the whole buffer. */
static void dirty_rows(const struct drm_mode_fb_dirty_cmd *d, struct kr_update *u)
{
	const struct drm_clip_rect *c = USER_PTR(d->clips_ptr);

	u->y0 = u->y1 = 0;
	if (!d->num_clips || d->num_clips > KR_MAX_CLIPS || !c)
		return;
	uint32_t y0 = UINT32_MAX, y1 = 0;
	for (uint32_t i = 0; i < d->num_clips; i++) {
		if (c[i].y2 <= c[i].y1)
			continue;
		if (c[i].y1 < y0)
			y0 = c[i].y1;
		if (c[i].y2 > y1)
			y1 = c[i].y2;
	}
	if (y0 < y1) {
		u->y0 = y0;
		u->y1 = y1;
	}
}

unsigned kr_after_ioctl(struct kr_state *s, unsigned long req, const void *arg,
			uint32_t pre_count, struct kr_update *out, unsigned max)
{
	struct kr_update u = { 0 };

	if (!arg)
		return 0;
	if (req == DRM_IOCTL_MODE_GETPROPERTY) {
		learn_property(s, arg);
	} else if (req == DRM_IOCTL_MODE_OBJ_GETPROPERTIES) {
		learn_plane_props(s, arg, pre_count);
	} else if (req == DRM_IOCTL_MODE_SETCRTC) {
		const struct drm_mode_crtc *c = arg;
		const struct kr_crtc *k = find_crtc(s, c->crtc_id);
		/* the same mode, a new framebuffer: the primary flips (blocking) */
		bool flip = setcrtc_same_mode(s, c) && k->fb_id != c->fb_id;
		if (c->mode_valid)
			learn_size(s, c->mode.hdisplay, c->mode.vdisplay, true);
		remember_crtc(s, c);
		set_scanout(s, c->crtc_id, c->mode_valid ? c->fb_id : 0);
		if (!flip)
			return 0;
		u.kind = KR_FLIP;
		u.timing = KR_RETURNS_LATCHED;
		u.obj_id = c->crtc_id;
		u.fb_id = c->fb_id;
		return push(out, 0, max, &u);
	} else if (req == DRM_IOCTL_MODE_ADDFB) {
		const struct drm_mode_fb_cmd *f = arg;
		learn_size(s, f->width, f->height, false);
	} else if (req == DRM_IOCTL_MODE_ADDFB2) {
		const struct drm_mode_fb_cmd2 *f = arg;
		learn_size(s, f->width, f->height, false);
	} else if (req == DRM_IOCTL_MODE_ATOMIC) {
		return atomic_updates(s, arg, out, max);
	} else if (req == DRM_IOCTL_MODE_PAGE_FLIP) {
		const struct drm_mode_crtc_page_flip *f = arg;
		u.kind = f->flags & DRM_MODE_PAGE_FLIP_ASYNC ? KR_ASYNC : KR_FLIP;
		u.timing = KR_NONBLOCKING;
		u.event = f->flags & DRM_MODE_PAGE_FLIP_EVENT;
		u.user_data = f->user_data;
		u.obj_id = u.crtc_id = f->crtc_id;
		u.fb_id = f->fb_id;
		set_scanout(s, f->crtc_id, f->fb_id);
		return push(out, 0, max, &u);
	} else if (req == DRM_IOCTL_MODE_SETPLANE) {
		const struct drm_mode_set_plane *p = arg;
		u.timing = KR_RETURNS_LATCHED;
		/* fb 0 turns the plane off: a change of what is scanned out */
		return plane_update(s, p->plane_id, true, p->fb_id, p->fb_id != 0, p->crtc_x,
				    p->crtc_y, &u, out, 0, max);
	} else if (req == DRM_IOCTL_MODE_CURSOR || req == DRM_IOCTL_MODE_CURSOR2) {
		const struct drm_mode_cursor *c = arg;
		if (!(c->flags & (DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE)))
			return 0;
		u.kind = KR_CURSOR;
		u.timing = KR_RETURNS_WRITTEN;
		u.obj_id = c->crtc_id;
		u.x = c->x;
		u.y = c->y;
		u.what = (uint8_t)((c->flags & DRM_MODE_CURSOR_MOVE ? KR_CUR_POS : 0) |
				   (c->flags & DRM_MODE_CURSOR_BO ? KR_CUR_IMAGE : 0));
		if (req == DRM_IOCTL_MODE_CURSOR2 && (c->flags & DRM_MODE_CURSOR_BO)) {
			const struct drm_mode_cursor2 *c2 = arg;
			u.hot_x = c2->hot_x < 0 ? 0 : (uint32_t)c2->hot_x;
			u.hot_y = c2->hot_y < 0 ? 0 : (uint32_t)c2->hot_y;
			u.what |= KR_CUR_HOTSPOT;
		}
		return push(out, 0, max, &u);
	} else if (req == DRM_IOCTL_MODE_DIRTYFB) {
		const struct drm_mode_fb_dirty_cmd *d = arg;
		/* drawing into a buffer nobody shows is no front-buffer draw */
		if (!on_screen(s, d->fb_id)) {
			s->dirty_offscreen++;
			return 0;
		}
		u.kind = KR_DRAW;
		u.timing = KR_RETURNS_WRITTEN;
		u.fb_id = d->fb_id;
		dirty_rows(d, &u);
		return push(out, 0, max, &u);
	}
	return 0;
}

unsigned kr_flip_events(const void *buf, size_t len,
			void (*fn)(void *arg, uint64_t user_data, uint32_t crtc_id), void *arg)
{
	const unsigned char *p = buf;
	unsigned n = 0;
	size_t off = 0;

	while (len - off >= sizeof(struct drm_event)) {
		struct drm_event e;

		memcpy(&e, p + off, sizeof(e));
		if (e.length < sizeof(e) || e.length > len - off)
			break;
		if (e.type == DRM_EVENT_FLIP_COMPLETE && e.length >= sizeof(struct drm_event_vblank)) {
			struct drm_event_vblank v;
			memcpy(&v, p + off, sizeof(v));
			fn(arg, v.user_data, v.crtc_id);
			n++;
		}
		off += e.length;
	}
	return n;
}
