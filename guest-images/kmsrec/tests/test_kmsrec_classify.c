// SPDX-License-Identifier: MIT
/*
 * vrc-kmsrec's classifier on the argument structs of libdrm's own headers,
 * filled as libdrm and igt fill them: what is a flip, an async flip, a
 * cursor update, a draw, and what only looks like one (a TEST_ONLY commit,
 * the same FB again, an overlay plane, a plane whose type was never asked).
 * A classifier that read the wrong field, trusted the kernel's count over
 * the client's buffer, or missed the ASYNC flag gets these wrong.
 */
#include <drm.h>
#include <drm_mode.h>

#include "vrc/vtest.h"
#include "../kr_classify.h"

enum { P_FB = 17, P_X = 18, P_Y = 19, P_TYPE = 7, P_OTHER = 40 };
enum { PRIMARY = 31, CURSOR = 33, OVERLAY = 35 };

static void learn_name(struct kr_state *s, uint32_t id, const char *name)
{
	struct drm_mode_get_property gp = { .prop_id = id };
	struct kr_update u[KR_MAX_UPDATES];

	snprintf(gp.name, sizeof(gp.name), "%s", name);
	ASSERT_EQ(0u, kr_after_ioctl(s, DRM_IOCTL_MODE_GETPROPERTY, &gp, 0, u, KR_MAX_UPDATES));
}

static void learn_plane(struct kr_state *s, uint32_t plane, uint64_t type, uint64_t fb)
{
	uint32_t ids[4] = { P_OTHER, P_TYPE, P_FB, P_X };
	uint64_t vals[4] = { 99, type, fb, 0 };
	struct drm_mode_obj_get_properties op = {
		.props_ptr = (uintptr_t)ids, .prop_values_ptr = (uintptr_t)vals,
		.count_props = 4, .obj_id = plane, .obj_type = DRM_MODE_OBJECT_PLANE,
	};
	struct kr_update u[KR_MAX_UPDATES];

	ASSERT_EQ(0u, kr_after_ioctl(s, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &op, 4, u,
				     KR_MAX_UPDATES));
}

/* A device as igt sees it: the property names asked, three planes queried. */
static void igt_like(struct kr_state *s)
{
	kr_state_init(s);
	learn_name(s, P_FB, "FB_ID");
	learn_name(s, P_X, "CRTC_X");
	learn_name(s, P_Y, "CRTC_Y");
	learn_name(s, P_TYPE, "type");
	learn_name(s, P_OTHER, "rotation");
	learn_plane(s, PRIMARY, 1, 50);
	learn_plane(s, CURSOR, 2, 0);
	learn_plane(s, OVERLAY, 0, 0);
}

TEST(plane_types_come_from_the_type_property)
{
	struct kr_state s;

	igt_like(&s);
	EXPECT_EQ(KR_PLANE_PRIMARY, kr_plane_type(&s, PRIMARY));
	EXPECT_EQ(KR_PLANE_CURSOR, kr_plane_type(&s, CURSOR));
	EXPECT_EQ(KR_PLANE_OVERLAY, kr_plane_type(&s, OVERLAY));
	EXPECT_EQ(KR_PLANE_UNKNOWN, kr_plane_type(&s, 99));
}

/* libdrm asks the count first, then passes a buffer of that size: if the
 * object grew meanwhile the kernel wrote only what fit. */
TEST(plane_query_reads_only_what_the_client_passed)
{
	uint32_t ids[2] = { P_TYPE, 0xdead };
	uint64_t vals[2] = { 2, 0xdead };
	struct drm_mode_obj_get_properties op = {
		.props_ptr = (uintptr_t)ids, .prop_values_ptr = (uintptr_t)vals,
		.count_props = 1000, .obj_id = 44, .obj_type = DRM_MODE_OBJECT_PLANE,
	};
	struct kr_update u[1];
	struct kr_state s;

	kr_state_init(&s);
	learn_name(&s, P_TYPE, "type");
	kr_after_ioctl(&s, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &op, 1, u, 1);
	EXPECT_EQ(KR_PLANE_CURSOR, kr_plane_type(&s, 44));
	EXPECT_EQ(1u, s.planes[0].nprops);
	/* a CRTC's properties are not a plane's */
	op.obj_id = 45;
	op.obj_type = DRM_MODE_OBJECT_CRTC;
	kr_after_ioctl(&s, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &op, 1, u, 1);
	EXPECT_EQ(KR_PLANE_UNKNOWN, kr_plane_type(&s, 45));
}

TEST(legacy_page_flip_sync_and_async)
{
	struct drm_mode_crtc_page_flip f = { .crtc_id = 5, .fb_id = 51,
					     .flags = DRM_MODE_PAGE_FLIP_EVENT, .user_data = 0x1234 };
	struct kr_update u[KR_MAX_UPDATES];
	struct kr_state s;

	kr_state_init(&s);
	ASSERT_TRUE(kr_request_changes_scanout(DRM_IOCTL_MODE_PAGE_FLIP, &f));
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_PAGE_FLIP, &f, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(KR_FLIP, u[0].kind);
	EXPECT_EQ(KR_NONBLOCKING, u[0].timing);
	EXPECT_TRUE(u[0].event);
	EXPECT_EQ(0x1234u, u[0].user_data);
	EXPECT_EQ(51u, u[0].fb_id);
	EXPECT_EQ(5u, u[0].crtc_id);	/* its event is told from another CRTC's by it */
	f.flags |= DRM_MODE_PAGE_FLIP_ASYNC;
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_PAGE_FLIP, &f, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(KR_ASYNC, u[0].kind);
	f.flags = 0;
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_PAGE_FLIP, &f, 0, u, KR_MAX_UPDATES));
	EXPECT_FALSE(u[0].event);
}

static unsigned commit(struct kr_state *s, uint32_t flags, const uint32_t *objs, unsigned nobj,
		       const uint32_t *counts, const uint32_t *props, const uint64_t *vals,
		       struct kr_update *u)
{
	struct drm_mode_atomic a = {
		.flags = flags, .count_objs = nobj, .objs_ptr = (uintptr_t)objs,
		.count_props_ptr = (uintptr_t)counts, .props_ptr = (uintptr_t)props,
		.prop_values_ptr = (uintptr_t)vals, .user_data = 77,
	};

	if (!kr_request_changes_scanout(DRM_IOCTL_MODE_ATOMIC, &a))
		return 0;
	return kr_after_ioctl(s, DRM_IOCTL_MODE_ATOMIC, &a, 0, u, KR_MAX_UPDATES);
}

TEST(atomic_commit_changes_per_plane)
{
	/* primary: new FB (and an unrelated property); cursor: a move */
	uint32_t objs[2] = { PRIMARY, CURSOR }, counts[2] = { 2, 2 };
	uint32_t props[4] = { P_OTHER, P_FB, P_X, P_Y };
	uint64_t vals[4] = { 0, 52, (uint64_t)(int64_t)-10, 20 };
	struct kr_update u[KR_MAX_UPDATES];
	struct kr_state s;

	igt_like(&s);
	ASSERT_EQ(2u, commit(&s, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT, objs, 2,
			     counts, props, vals, u));
	EXPECT_EQ(KR_FLIP, u[0].kind);
	EXPECT_EQ((uint32_t)PRIMARY, u[0].obj_id);
	EXPECT_EQ(52u, u[0].fb_id);
	EXPECT_EQ(KR_NONBLOCKING, u[0].timing);
	EXPECT_TRUE(u[0].event);
	EXPECT_EQ(77u, u[0].user_data);
	EXPECT_EQ(KR_CURSOR, u[1].kind);
	EXPECT_EQ(KR_CUR_POS, u[1].what);
	EXPECT_EQ(-10, u[1].x);
	EXPECT_EQ(20, u[1].y);
	/* the primary now shows FB 52: drawing into it is a front-buffer draw */
	struct drm_mode_fb_dirty_cmd d = { .fb_id = 52 };
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_DIRTYFB, &d, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(KR_DRAW, u[0].kind);
	/* the same values again (igt commits unchanged state too): nothing */
	EXPECT_EQ(0u, commit(&s, 0, objs, 2, counts, props, vals, u));
	/* a TEST_ONLY commit changes nothing and is not even bracketed */
	vals[1] = 53;
	EXPECT_EQ(0u, commit(&s, DRM_MODE_ATOMIC_TEST_ONLY, objs, 2, counts, props, vals, u));
	/* blocking and async */
	ASSERT_EQ(1u, commit(&s, DRM_MODE_PAGE_FLIP_ASYNC, objs, 1, counts, props, vals, u));
	EXPECT_EQ(KR_ASYNC, u[0].kind);
	EXPECT_EQ(KR_RETURNS_LATCHED, u[0].timing);
	EXPECT_FALSE(u[0].event);
}

TEST(atomic_fb_the_plane_already_showed_is_no_change)
{
	/* the query said the primary shows FB 50: committing 50 changes nothing */
	uint32_t objs[1] = { PRIMARY }, counts[1] = { 1 }, props[1] = { P_FB };
	uint64_t vals[1] = { 50 };
	struct kr_update u[KR_MAX_UPDATES];
	struct kr_state s;

	igt_like(&s);
	EXPECT_EQ(0u, commit(&s, 0, objs, 1, counts, props, vals, u));
	vals[0] = 0;	/* off is a change */
	EXPECT_EQ(1u, commit(&s, 0, objs, 1, counts, props, vals, u));
}

TEST(atomic_cursor_image_and_overlay_and_unknown_plane)
{
	uint32_t objs[3] = { CURSOR, OVERLAY, 77 }, counts[3] = { 1, 1, 1 };
	uint32_t props[3] = { P_FB, P_FB, P_FB };
	uint64_t vals[3] = { 60, 61, 62 };
	struct kr_update u[KR_MAX_UPDATES];
	struct kr_state s;

	igt_like(&s);
	ASSERT_EQ(1u, commit(&s, 0, objs, 3, counts, props, vals, u));
	EXPECT_EQ(KR_CURSOR, u[0].kind);
	EXPECT_EQ(KR_CUR_IMAGE, u[0].what);
	EXPECT_EQ(1u, s.overlay);
	EXPECT_EQ(1u, s.unknown_plane);
}

TEST(atomic_commit_past_the_bounds_is_not_classified)
{
	uint32_t objs[1] = { PRIMARY }, counts[1] = { KR_MAX_ATOMIC_PROPS + 1 };
	uint32_t props[1] = { P_FB };
	uint64_t vals[1] = { 70 };
	struct kr_update u[KR_MAX_UPDATES];
	struct kr_state s;

	igt_like(&s);
	EXPECT_EQ(0u, commit(&s, 0, objs, 1, counts, props, vals, u));
	EXPECT_EQ(1u, s.too_large);
}

TEST(legacy_cursor_ioctls)
{
	struct drm_mode_cursor2 c = { .flags = DRM_MODE_CURSOR_BO, .crtc_id = 5, .width = 64,
				      .height = 64, .handle = 3, .hot_x = 4, .hot_y = 5 };
	struct drm_mode_cursor m = { .flags = DRM_MODE_CURSOR_MOVE, .crtc_id = 5, .x = -3,
				     .y = 900 };
	struct kr_update u[KR_MAX_UPDATES];
	struct kr_state s;

	kr_state_init(&s);
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_CURSOR2, &c, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(KR_CURSOR, u[0].kind);
	EXPECT_EQ(KR_CUR_IMAGE | KR_CUR_HOTSPOT, u[0].what);
	EXPECT_EQ(4u, u[0].hot_x);
	EXPECT_EQ(5u, u[0].hot_y);
	EXPECT_EQ(KR_RETURNS_WRITTEN, u[0].timing);
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_CURSOR, &m, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(KR_CUR_POS, u[0].what);
	EXPECT_EQ(-3, u[0].x);
	EXPECT_EQ(900, u[0].y);
	m.flags = 0;
	EXPECT_EQ(0u, kr_after_ioctl(&s, DRM_IOCTL_MODE_CURSOR, &m, 0, u, KR_MAX_UPDATES));
}

TEST(setplane_by_plane_type)
{
	struct drm_mode_set_plane p = { .plane_id = CURSOR, .crtc_id = 5, .fb_id = 80,
					.crtc_x = 8, .crtc_y = 9 };
	struct kr_update u[KR_MAX_UPDATES];
	struct kr_state s;

	igt_like(&s);
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_SETPLANE, &p, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(KR_CURSOR, u[0].kind);
	EXPECT_EQ(KR_CUR_IMAGE | KR_CUR_POS, u[0].what);
	EXPECT_EQ(KR_RETURNS_LATCHED, u[0].timing);
	p.plane_id = PRIMARY;
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_SETPLANE, &p, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(KR_FLIP, u[0].kind);
}

TEST(dirtyfb_rows_of_its_clips)
{
	struct drm_clip_rect clips[3] = {
		{ .x1 = 0, .y1 = 40, .x2 = 10, .y2 = 50 },
		{ .x1 = 5, .y1 = 10, .x2 = 6, .y2 = 12 },
		{ .x1 = 5, .y1 = 30, .x2 = 6, .y2 = 30 },	/* empty */
	};
	struct drm_mode_fb_dirty_cmd d = { .fb_id = 50, .num_clips = 3,
					   .clips_ptr = (uintptr_t)clips };
	struct drm_mode_crtc_page_flip f = { .crtc_id = 5, .fb_id = 50 };
	struct kr_update u[KR_MAX_UPDATES];
	struct kr_state s;

	kr_state_init(&s);
	ASSERT_TRUE(kr_request_changes_scanout(DRM_IOCTL_MODE_DIRTYFB, &d));
	/* not on screen yet: no front-buffer draw */
	EXPECT_EQ(0u, kr_after_ioctl(&s, DRM_IOCTL_MODE_DIRTYFB, &d, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(1u, s.dirty_offscreen);
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_PAGE_FLIP, &f, 0, u, KR_MAX_UPDATES));
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_DIRTYFB, &d, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(KR_DRAW, u[0].kind);
	EXPECT_EQ(10u, u[0].y0);
	EXPECT_EQ(50u, u[0].y1);
	d.num_clips = 0;	/* the whole buffer */
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_DIRTYFB, &d, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(0u, u[0].y1);
	/* flipped away from: a back buffer again */
	f.fb_id = 51;
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_PAGE_FLIP, &f, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(0u, kr_after_ioctl(&s, DRM_IOCTL_MODE_DIRTYFB, &d, 0, u, KR_MAX_UPDATES));
}

TEST(queries_and_modesets_are_not_updates)
{
	struct drm_mode_crtc c = { .crtc_id = 5, .fb_id = 50, .mode_valid = 1,
				   .mode = { .hdisplay = 1280, .vdisplay = 720 } };
	struct drm_mode_fb_cmd2 f = { .width = 4096, .height = 64 };
	struct kr_update u[KR_MAX_UPDATES];
	struct kr_state s;

	kr_state_init(&s);
	EXPECT_FALSE(kr_request_changes_scanout(DRM_IOCTL_MODE_GETPROPERTY, NULL));
	EXPECT_EQ(0u, kr_after_ioctl(&s, DRM_IOCTL_MODE_ADDFB2, &f, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(4096u, s.width);
	/* the mode is the screen, whatever framebuffers came before */
	EXPECT_EQ(0u, kr_after_ioctl(&s, DRM_IOCTL_MODE_SETCRTC, &c, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(1280u, s.width);
	EXPECT_EQ(720u, s.height);
}

TEST(modesets_are_told_from_flips)
{
	struct drm_mode_atomic a = { .flags = DRM_MODE_ATOMIC_ALLOW_MODESET };
	struct drm_mode_crtc c = { .crtc_id = 5 };

	struct kr_state s;

	kr_state_init(&s);
	EXPECT_TRUE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_ATOMIC, &a));
	EXPECT_TRUE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_SETCRTC, &c));
	EXPECT_TRUE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_SETPROPERTY, &c));
	struct drm_mode_obj_set_property sp = { .obj_type = DRM_MODE_OBJECT_CRTC };
	EXPECT_TRUE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_OBJ_SETPROPERTY, &sp));
	sp.obj_type = DRM_MODE_OBJECT_PLANE;	/* rotation, blending: no modeset */
	EXPECT_FALSE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_OBJ_SETPROPERTY, &sp));
	a.flags |= DRM_MODE_ATOMIC_TEST_ONLY;	/* changes nothing */
	EXPECT_FALSE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_ATOMIC, &a));
	a.flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
	EXPECT_FALSE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_ATOMIC, &a));
	EXPECT_FALSE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_PAGE_FLIP, &c));
	EXPECT_FALSE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_CURSOR, &c));
}

/* igt's legacy commits call SETCRTC for a new primary framebuffer: with the
 * CRTC on in the same mode that is a flip, not a modeset. */
TEST(setcrtc_same_mode_is_a_flip)
{
	struct drm_mode_crtc c = { .crtc_id = 5, .fb_id = 50, .mode_valid = 1,
				   .mode = { .hdisplay = 1024, .vdisplay = 768, .clock = 65000 } };
	struct kr_update u[KR_MAX_UPDATES];
	struct kr_state s;

	kr_state_init(&s);
	/* the first one turns the CRTC on (as far as the recorder knows) */
	EXPECT_TRUE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_SETCRTC, &c));
	EXPECT_EQ(0u, kr_after_ioctl(&s, DRM_IOCTL_MODE_SETCRTC, &c, 0, u, KR_MAX_UPDATES));
	/* the same framebuffer again: nothing */
	EXPECT_FALSE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_SETCRTC, &c));
	EXPECT_EQ(0u, kr_after_ioctl(&s, DRM_IOCTL_MODE_SETCRTC, &c, 0, u, KR_MAX_UPDATES));
	c.fb_id = 51;
	EXPECT_FALSE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_SETCRTC, &c));
	ASSERT_EQ(1u, kr_after_ioctl(&s, DRM_IOCTL_MODE_SETCRTC, &c, 0, u, KR_MAX_UPDATES));
	EXPECT_EQ(KR_FLIP, u[0].kind);
	EXPECT_EQ(KR_RETURNS_LATCHED, u[0].timing);
	/* another mode, or off, is a modeset */
	c.mode.clock = 74250;
	EXPECT_TRUE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_SETCRTC, &c));
	c.mode.clock = 65000;
	c.fb_id = 0;
	EXPECT_TRUE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_SETCRTC, &c));
	EXPECT_EQ(0u, kr_after_ioctl(&s, DRM_IOCTL_MODE_SETCRTC, &c, 0, u, KR_MAX_UPDATES));
	c.fb_id = 52;	/* on again */
	EXPECT_TRUE(kr_request_is_modeset(&s, DRM_IOCTL_MODE_SETCRTC, &c));
}

static void count_event(void *arg, uint64_t user_data, uint32_t crtc_id)
{
	uint64_t *got = arg;

	got[0]++;
	got[1] = user_data;
	got[2] = crtc_id;
}

TEST(flip_events_in_a_read_buffer)
{
	struct drm_event_vblank ev[3] = {
		{ .base = { .type = DRM_EVENT_VBLANK, .length = sizeof(ev[0]) }, .user_data = 1 },
		{ .base = { .type = DRM_EVENT_FLIP_COMPLETE, .length = sizeof(ev[0]) },
		  .user_data = 0xabc, .crtc_id = 5, .sequence = 100 },
		/* a length past the buffer: the walk stops, reads nothing more */
		{ .base = { .type = DRM_EVENT_FLIP_COMPLETE, .length = 4096 }, .user_data = 3 },
	};
	uint64_t got[3] = { 0 };

	EXPECT_EQ(1u, kr_flip_events(ev, sizeof(ev), count_event, got));
	EXPECT_EQ(1u, got[0]);
	EXPECT_EQ(0xabcu, got[1]);
	EXPECT_EQ(5u, got[2]);
	/* a short read holding half an event */
	EXPECT_EQ(0u, kr_flip_events(&ev[1], sizeof(ev[1]) - 1, count_event, got));
	/* a zero length would loop forever */
	ev[0].base.length = 0;
	EXPECT_EQ(0u, kr_flip_events(ev, sizeof(ev), count_event, got));
}

VTEST_MAIN()
