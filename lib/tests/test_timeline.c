// SPDX-License-Identifier: MIT
/* The guest timeline: what the writer emits the parser gives back, the parser
 * refuses malformed and oversized input naming the problem, and expectation
 * windows land each event on the right vblank of the hardware axis. */
#include <stdlib.h>

#include "vrc/timeline.h"
#include "vrc/vtest.h"

static void build(struct vrc_timeline *tl)
{
	uint32_t crc[16], id;

	vrc_timeline_init(tl, "sim", "mixed", 16);
	snprintf(tl->device, sizeof(tl->device), "/tmp/x/vgpu0.ivshmem");
	ASSERT_EQ(0, vrc_timeline_set_param(tl, "seed", "7"));
	ASSERT_EQ(0, vrc_timeline_set_param(tl, "every", "2"));
	tl->width = 320;
	tl->height = 240;
	tl->stride = 1280;
	tl->refresh_mhz = 60000;
	tl->offset_exact = true;
	tl->hw_offset = 0;
	tl->first = 100;
	tl->last = 120;
	for (uint32_t f = 0; f < 3; f++) {
		for (uint32_t b = 0; b < 16; b++)
			crc[b] = 0xf0000000u + f * 16 + b;
		ASSERT_EQ(0, vrc_timeline_add_frame(tl, crc, &id));
		ASSERT_EQ(f, id);
	}
	ASSERT_EQ(0, vrc_timeline_add_image(tl, 64, 64, 0xabcdef01u, &id));
	ASSERT_EQ(0, vrc_timeline_add_image(tl, 64, 64, 0x12345678u, &id));
	ASSERT_EQ(1u, id);
	struct vrc_tl_event ev[] = {
		{ .kind = VRC_TL_FLIP, .before = 100, .after = 100, .seq = 101, .frame = 0 },
		{ .kind = VRC_TL_CURSOR, .before = 101, .after = 101, .what = VRC_TL_CUR_POS |
		  VRC_TL_CUR_IMAGE, .x = -5, .y = 7, .hot_x = 3, .hot_y = 4, .image = 1 },
		{ .kind = VRC_TL_ASYNC, .before = 103, .after = 104, .seq = 104, .frame = 1 },
		{ .kind = VRC_TL_DRAW, .before = 105, .after = 105, .frame = 2, .y0 = 8, .y1 = 12 },
		{ .kind = VRC_TL_CURSOR, .before = 106, .after = 108, .what = VRC_TL_CUR_HOTSPOT,
		  .x = 1, .y = 2, .hot_x = 0, .hot_y = 0, .image = 0 },
		{ .kind = VRC_TL_FLIP, .before = 109, .after = 109, .seq = 111, .frame = 1 },
	};
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		ASSERT_EQ(0, vrc_timeline_add_event(tl, &ev[i]));
	ASSERT_EQ(0, vrc_timeline_add_skip(tl, "async", "not offered"));
}

static struct vrc_timeline *parse_ok(const char *text)
{
	struct vrc_timeline *out = NULL;
	char err[256] = "";
	int rc = vrc_timeline_parse(text, strlen(text), &out, err, sizeof(err));

	if (rc)
		VTEST_LOG("parse: %s", err);
	ASSERT_EQ(0, rc);
	return out;
}

TEST(round_trip_keeps_everything)
{
	struct vrc_timeline tl, *back;
	char err[256];
	char *text;

	build(&tl);
	text = vrc_timeline_to_json(&tl, err, sizeof(err));
	ASSERT_TRUE(text != NULL);
	back = parse_ok(text);
	ASSERT_STREQ("sim", back->backend);
	ASSERT_STREQ("mixed", back->workload);
	ASSERT_STREQ("/tmp/x/vgpu0.ivshmem", back->device);
	ASSERT_STREQ("2", vrc_timeline_param(back, "every"));
	ASSERT_EQ(320u, back->width);
	ASSERT_EQ(1280u, back->stride);
	ASSERT_EQ(60000u, back->refresh_mhz);
	ASSERT_TRUE(back->offset_exact);
	ASSERT_EQ(100u, back->first);
	ASSERT_EQ(120u, back->last);
	ASSERT_EQ(tl.nframes, back->nframes);
	ASSERT_EQ(0, memcmp(tl.frames, back->frames, tl.nframes * sizeof(*tl.frames)));
	ASSERT_EQ(2u, back->nimages);
	ASSERT_EQ(0x12345678u, back->images[1].crc);
	ASSERT_EQ(tl.nevents, back->nevents);
	for (size_t i = 0; i < tl.nevents; i++) {
		EXPECT_EQ(0, memcmp(&tl.events[i], &back->events[i], sizeof(tl.events[i])));
		if (memcmp(&tl.events[i], &back->events[i], sizeof(tl.events[i])))
			VTEST_LOG("event %zu differs", i);
	}
	ASSERT_EQ(1u, back->nskips);
	ASSERT_STREQ("not offered", back->skips[0].reason);
	vrc_timeline_free(back);
	free(text);
	vrc_timeline_release(&tl);
}

TEST(write_and_load_a_file)
{
	struct vrc_timeline tl, *back;
	char path[] = "/tmp/test_timeline_XXXXXX", err[256];
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	close(fd);
	build(&tl);
	ASSERT_EQ(0, vrc_timeline_write(&tl, path, err, sizeof(err)));
	ASSERT_EQ(0, vrc_timeline_load(path, &back, err, sizeof(err)));
	ASSERT_EQ(tl.nevents, back->nevents);
	vrc_timeline_free(back);
	unlink(path);
	ASSERT_EQ(-ENOENT, vrc_timeline_load(path, &back, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, path) != NULL);
	vrc_timeline_release(&tl);
}

/* The writer refuses what the parser would refuse. */
TEST(writer_validates)
{
	struct vrc_timeline tl;
	char err[256];

	build(&tl);
	tl.events[0].frame = 9;
	ASSERT_TRUE(vrc_timeline_to_json(&tl, err, sizeof(err)) == NULL);
	ASSERT_TRUE(strstr(err, "events[0] (flip): frame 9") != NULL);
	tl.events[0].frame = 0;
	tl.events[0].seq = 100;	/* a sync flip cannot latch before its submission */
	ASSERT_TRUE(vrc_timeline_to_json(&tl, err, sizeof(err)) == NULL);
	ASSERT_TRUE(strstr(err, "seq 100") != NULL);
	vrc_timeline_release(&tl);
}

/* Replace the first occurrence of `from` in the valid JSON and expect rc. */
static void mutate(const char *from, const char *to, int want, const char *msg)
{
	struct vrc_timeline tl, *out = NULL;
	char err[256] = "", *text, *buf, *at;
	int rc;

	build(&tl);
	text = vrc_timeline_to_json(&tl, err, sizeof(err));
	ASSERT_TRUE(text != NULL);
	at = strstr(text, from);
	if (!at)
		VTEST_LOG("'%s' not in %s", from, text);
	ASSERT_TRUE(at != NULL);
	buf = malloc(strlen(text) + strlen(to) + 1);
	memcpy(buf, text, (size_t)(at - text));
	strcpy(buf + (at - text), to);
	strcat(buf, at + strlen(from));
	rc = vrc_timeline_parse(buf, strlen(buf), &out, err, sizeof(err));
	if (rc != want || !strstr(err, msg))
		VTEST_LOG("%s -> %s: rc %d, err '%s' (want '%s')", from, to, rc, err, msg);
	EXPECT_EQ(want, rc);
	EXPECT_TRUE(strstr(err, msg) != NULL);
	EXPECT_TRUE(out == NULL);
	vrc_timeline_free(out);
	free(buf);
	free(text);
	vrc_timeline_release(&tl);
}

TEST(rejects_malformed)
{
	mutate("\"format\":\"vrc-timeline\"", "\"format\":\"other\"", -EINVAL, "format 'other'");
	mutate("\"version\":1", "\"version\":2", -EINVAL, "version 2");
	mutate("\"backend\":\"sim\"", "\"backend\":\"gvt\"", -EINVAL, "backend 'gvt'");
	mutate("\"width\":320", "\"width\":0", -EINVAL, "geometry 0x240");
	mutate("\"width\":320", "\"width\":\"320\"", -EINVAL, "geometry.width: missing or not int");
	mutate("\"stride\":1280", "\"stride\":100", -EINVAL, "stride 100");
	mutate("\"bands\":16", "\"bands\":15", -EINVAL, "frames[0].crc: 16 values, want bands = 15");
	mutate("\"bands\":16", "\"bands\":65", -EINVAL, "bands 65");
	mutate("{\"id\":1,\"crc\"", "{\"id\":5,\"crc\"", -EINVAL, "frames[1]: id 5");
	mutate("\"t\":\"flip\"", "\"t\":\"flop\"", -EINVAL, "unknown event 'flop'");
	mutate("\"seq\":111", "\"seq\":5000", -EINVAL, "events[5] (flip): seq 5000");
	mutate("\"before\":109", "\"before\":-1", -EINVAL, "events[5].before: -1 outside");
	mutate("\"before\":109", "\"before\":4294967296", -EINVAL, "outside [0, 4294967295]");
	mutate("\"before\":103", "\"before\":99", -EINVAL, "before 99 / after 104 outside");
	mutate("\"before\":105,\"after\":105", "\"before\":101,\"after\":101", -EINVAL,
	       "must be in submission order");
	mutate("\"what\":[\"pos\",\"image\"]", "\"what\":[\"pos\",\"spin\"]", -EINVAL,
	       "events[1].what[1]: want pos");
	mutate("\"what\":[\"pos\",\"image\"]", "\"what\":[]", -EINVAL, "empty or unknown 'what'");
	mutate("\"image\":1", "\"image\":2", -EINVAL, "image 2 not in cursor_images");
	mutate("\"hot_x\":3", "\"hot_x\":64", -EINVAL, "hotspot 64,4 out of range");
	mutate("\"x\":-5", "\"x\":-70000", -EINVAL, "events[1].x: -70000 outside");
	mutate("\"y1\":12", "\"y1\":241", -EINVAL, "rows [8, 241)");
	mutate("\"first\":100", "\"first\":121", -E2BIG, "span [121, 120]");
	mutate("\"last\":120", "\"last\":2000000", -E2BIG, "more than 1000000 vblanks");
	mutate("\"exact\":true", "\"exact\":1", -EINVAL, "hw_offset.exact: missing or not boolean");
	mutate("\"skipped\":[{", "\"skipped\":[7,{", -EINVAL, "skipped[0]: not an object");
	mutate("\"events\":[", "\"events\":[3,", -EINVAL, "events[0]: not an object");
	mutate("\"params\":{", "\"params\":{\"n\":3,", -EINVAL, "params.n: not a string");
	/* untrusted bytes quoted in an error come out printable */
	mutate("\"t\":\"draw\"", "\"t\":\"d\\u001b[2J\\u00e9\"", -EINVAL,
	       "unknown event 'd?[2J?" "?'");
}

TEST(rejects_bad_json)
{
	struct vrc_timeline *out = (struct vrc_timeline *)1;
	char err[256];
	const char *cases[][2] = {
		{ "", "unexpected end of input" },
		{ "{\"format\":", "unexpected end of input" },
		{ "[1,2]", "top level: not an object" },
		{ "{} x", "not JSON at byte 3" },
		{ "{}\n\n", "format: missing" },
		{ "{\"a\":[[[[[[[[[[[[1]]]]]]]]]]]]}", "not JSON" },
		{ "{}", "format: missing" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = vrc_timeline_parse(cases[i][0], strlen(cases[i][0]), &out, err,
					    sizeof(err));
		if (!strstr(err, cases[i][1]))
			VTEST_LOG("'%s': err '%s', want '%s'", cases[i][0], err, cases[i][1]);
		EXPECT_EQ(-EINVAL, rc);
		EXPECT_TRUE(out == NULL);
		EXPECT_TRUE(strstr(err, cases[i][1]) != NULL);
	}
	/* not NUL-terminated: the parser must stop at len */
	ASSERT_EQ(-EINVAL, vrc_timeline_parse("{}garbage", 2, &out, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "format: missing") != NULL);
}

TEST(rejects_oversized)
{
	struct vrc_timeline tl, *out;
	char err[256];
	size_t big = (size_t)VRC_TL_MAX_BYTES + 1;
	char *buf = malloc(big);
	uint32_t crc[16] = { 0 };
	struct vrc_tl_event ev = { .kind = VRC_TL_DRAW, .before = 100, .after = 100,
				   .frame = 0, .y0 = 0, .y1 = 1 };
	char *text;
	int rc;

	memset(buf, ' ', big);
	ASSERT_EQ(-E2BIG, vrc_timeline_parse(buf, big, &out, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "at most") != NULL);
	free(buf);

	/* the writer stops at the event limit ... */
	build(&tl);
	while ((rc = vrc_timeline_add_event(&tl, &ev)) == 0)
		;
	ASSERT_EQ(-E2BIG, rc);
	ASSERT_EQ((size_t)VRC_TL_MAX_EVENTS, tl.nevents);
	vrc_timeline_release(&tl);
	build(&tl);
	for (unsigned i = 3; i < VRC_TL_MAX_FRAMES; i++)
		ASSERT_EQ(0, vrc_timeline_add_frame(&tl, crc, NULL));
	ASSERT_EQ(-E2BIG, vrc_timeline_add_frame(&tl, crc, NULL));
	/* ... and the parser refuses one more frame than the limit */
	text = vrc_timeline_to_json(&tl, err, sizeof(err));
	ASSERT_TRUE(text != NULL);
	const char *tail = "{\"id\":50000,\"crc\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]},";
	char *at = strstr(text, "\"frames\":[") + strlen("\"frames\":[");
	buf = malloc(strlen(text) + strlen(tail) + 1);
	memcpy(buf, text, (size_t)(at - text));
	strcpy(buf + (at - text), tail);
	strcat(buf, at);
	ASSERT_EQ(-E2BIG, vrc_timeline_parse(buf, strlen(buf), &out, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "frames: 50001 entries, at most 50000") != NULL);
	free(buf);
	free(text);
	vrc_timeline_release(&tl);
}

TEST(expect_places_events_on_the_hw_axis)
{
	struct vrc_timeline tl;
	struct vrc_vblank vb[16];
	struct vrc_tl_expect_stats st;

	build(&tl);
	/* hw = seq + 1000; window starts at hw 1100 = seq 100 */
	memset(vb, 0, sizeof(vb));
	ASSERT_EQ(0, vrc_timeline_expect(&tl, 1000, 1100, vb, 16, &st));
	EXPECT_EQ(1, vb[1].flip);	/* sync flip: its latch seq 101 */
	EXPECT_EQ(1, vb[2].cursor);	/* cursor before 101: earliest candidate 102 */
	EXPECT_EQ(1, vb[4].flip);	/* async before 103, after 104: earliest 104 */
	EXPECT_EQ(1, vb[6].draw);	/* draw after 105: latest candidate 106 */
	EXPECT_EQ(0, vb[7].cursor + vb[8].cursor + vb[9].cursor);	/* window 106..108 */
	EXPECT_EQ(1u, st.unjudged);
	/* the second sync flip: written at 109, its event says 111: a slow
	 * driver completed it a vblank late, so it latched at 110 or 111 */
	EXPECT_EQ(1, vb[10].flip);
	EXPECT_EQ(0u, st.outside);
	EXPECT_EQ(2u, st.flips);
	unsigned marks = 0;
	for (int i = 0; i < 16; i++)
		marks += vb[i].flip + vb[i].cursor + vb[i].draw;
	EXPECT_EQ(5u, marks);
	vrc_timeline_release(&tl);
}

TEST(expect_window_edges_and_wrap)
{
	struct vrc_timeline tl;
	struct vrc_vblank vb[4];
	struct vrc_tl_expect_stats st;

	build(&tl);
	/* window [seq 110, 114): only the flip of 110..111 */
	memset(vb, 0, sizeof(vb));
	ASSERT_EQ(0, vrc_timeline_expect(&tl, 0, 110, vb, 4, &st));
	EXPECT_EQ(1, vb[0].flip);
	EXPECT_EQ(1u, st.flips);
	EXPECT_EQ(4u, st.outside);
	/* an offset that wraps the 32-bit counter: hw = seq - 105 */
	memset(vb, 0, sizeof(vb));
	ASSERT_EQ(0, vrc_timeline_expect(&tl, (uint32_t)-105, UINT32_MAX - 4, vb, 4, &st));
	/* hw 0xfffffffb..0xfffffffe = seq 100..103: flip at 101, cursor at 102 */
	EXPECT_EQ(1, vb[1].flip);
	EXPECT_EQ(1, vb[2].cursor);
	/* a burst: many flips on one vblank saturate, never wrap */
	for (int i = 0; i < 300; i++) {
		struct vrc_tl_event e = { .kind = VRC_TL_FLIP, .before = 119, .after = 119,
					  .seq = 120, .frame = 0 };
		ASSERT_EQ(0, vrc_timeline_add_event(&tl, &e));
	}
	memset(vb, 0, sizeof(vb));
	ASSERT_EQ(0, vrc_timeline_expect(&tl, 0, 118, vb, 4, &st));
	EXPECT_EQ(255, vb[2].flip);
	/* a flip event three vblanks after the write: latch unknowable, unjudged */
	struct vrc_tl_event late = { .kind = VRC_TL_FLIP, .before = 130, .after = 130,
				     .seq = 133, .frame = 0 };
	ASSERT_EQ(0, vrc_timeline_add_event(&tl, &late));
	memset(vb, 0, sizeof(vb));
	ASSERT_EQ(0, vrc_timeline_expect(&tl, 0, 130, vb, 4, &st));
	EXPECT_EQ(0, vb[0].flip + vb[1].flip + vb[2].flip + vb[3].flip);
	EXPECT_EQ(2u, st.unjudged);	/* this flip and the wide cursor */
	ASSERT_EQ(-EINVAL, vrc_timeline_expect(&tl, 0, 0, NULL, 4, &st));
	vrc_timeline_release(&tl);
}

VTEST_MAIN()
