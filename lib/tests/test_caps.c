// SPDX-License-Identifier: MIT
/*
 * The irq-info capability chain parser against chains built byte by byte:
 * GVT's exact v6 layout, v5 and v7, and every kind of malformed chain.
 */
#include "vrc/caps.h"
#include "vrc/vtest.h"

#define BUFSZ	1024

/* vtest compares with the operands' own types: compare as int64_t */
#define EQ(a, b)	ASSERT_EQ((int64_t)(a), (int64_t)(b))

static void put16(uint8_t *b, uint32_t off, uint16_t v) { memcpy(b + off, &v, 2); }
static void put32(uint8_t *b, uint32_t off, uint32_t v) { memcpy(b + off, &v, 4); }
static void put64(uint8_t *b, uint32_t off, uint64_t v) { memcpy(b + off, &v, 8); }

static void fixed(uint8_t *b, uint32_t argsz, uint32_t flags, uint32_t cap_offset)
{
	put32(b, 0, argsz);
	put32(b, 4, flags);
	put32(b, 8, 5);		/* index */
	put32(b, 12, 1);	/* count */
	put32(b, 16, cap_offset);
}

static void hdr(uint8_t *b, uint32_t off, uint16_t id, uint16_t ver, uint32_t next)
{
	put16(b, off, id);
	put16(b, off + 2, ver);
	put32(b, off + 4, next);
}

static void type_cap(uint8_t *b, uint32_t off, uint16_t id, uint32_t next)
{
	hdr(b, off, id, 1, next);
	put32(b, off + 8, VRC_IRQ_TYPE_GFX);
	put32(b, off + 12, VRC_IRQ_SUBTYPE_GFX_DISPLAY_IRQ);
}

static void events_cap(uint8_t *b, uint32_t off, uint16_t id, uint32_t next,
		       uint64_t cur, uint64_t pri)
{
	hdr(b, off, id, 1, next);
	put64(b, off + 8, cur);
	put64(b, off + 16, pri);
}

#define GVT_FLAGS	(VRC_IRQ_INFO_FLAG_EVENTFD | VRC_IRQ_INFO_FLAG_MASKABLE | \
			 VRC_IRQ_INFO_FLAG_CAPS)

/* SPEC §1: type at 20 (next 36), display at 36 (next 0), argsz 60. */
static void gvt_v6(uint8_t *b)
{
	memset(b, 0, BUFSZ);
	fixed(b, VRC_GVT_IRQ_INFO_ARGSZ, GVT_FLAGS, 20);
	type_cap(b, 20, VRC_V6_CAP_TYPE, 36);
	events_cap(b, 36, VRC_V6_CAP_DISPLAY, 0, VRC_GVT_CUR_EVENT_VAL,
		   VRC_GVT_PRI_EVENT_VAL);
}

static void expect_v6_values(const struct vrc_caps *c)
{
	EQ(VRC_ABI_V6, c->desc.abi);
	ASSERT_TRUE(c->desc.has_type);
	EQ(VRC_IRQ_TYPE_GFX, c->desc.type);
	EQ(VRC_IRQ_SUBTYPE_GFX_DISPLAY_IRQ, c->desc.subtype);
	ASSERT_TRUE(c->desc.has_events);
	EQ(VRC_GVT_PRI_EVENT_VAL, c->desc.pri_event_val);
	EQ(VRC_GVT_CUR_EVENT_VAL, c->desc.cur_event_val);
}

TEST(gvt_v6_layout)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	gvt_v6(b);
	EQ(0, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_OK, c.violation);
	EQ(2, c.ncaps);
	EQ(20, c.cap[0].offset);
	EQ(36, c.cap[0].next);
	EQ(VRC_V6_CAP_TYPE, c.cap[0].id);
	EQ(36, c.cap[1].offset);
	EQ(VRC_V6_CAP_DISPLAY, c.cap[1].id);
	EQ(0, c.cap[1].next);
	expect_v6_values(&c);
	ASSERT_STREQ("v6", vrc_abi_str(c.desc.abi));
}

/* The same bytes at an odd address: any cast-pointer read would trip UBSan. */
TEST(gvt_v6_unaligned_buffer)
{
	uint8_t b[BUFSZ], *shifted = malloc(BUFSZ + 3);
	struct vrc_caps c;

	ASSERT_TRUE(shifted != NULL);
	gvt_v6(b);
	memcpy(shifted + 3, b, 60);
	EQ(0, vrc_caps_parse(shifted + 3, 60, &c));
	expect_v6_values(&c);
	free(shifted);
}

TEST(v5_layout)
{
	uint8_t b[BUFSZ] = { 0 };
	struct vrc_caps c;

	fixed(b, 60, GVT_FLAGS, 20);
	type_cap(b, 20, VRC_V5_CAP_TYPE, 36);
	events_cap(b, 36, VRC_V5_CAP_DISPLAY, 0, 1ull << 48, 1ull << 56);
	EQ(0, vrc_caps_parse(b, 60, &c));
	EQ(VRC_ABI_V5, c.desc.abi);
	ASSERT_TRUE(c.desc.has_type);
	EQ(VRC_IRQ_TYPE_GFX, c.desc.type);
	ASSERT_TRUE(c.desc.has_events);
	EQ(1ull << 56, c.desc.pri_event_val);
	EQ(1ull << 48, c.desc.cur_event_val);
	ASSERT_FALSE(c.desc.has_planes);
	ASSERT_STREQ("v5", vrc_abi_str(c.desc.abi));
}

static void v7_chain(uint8_t *b, uint32_t nr, uint32_t argsz)
{
	memset(b, 0, BUFSZ);
	fixed(b, argsz, GVT_FLAGS, 20);
	put32(b, 12, 2);
	type_cap(b, 20, VRC_V7_CAP_TYPE, 36);
	hdr(b, 36, VRC_V7_CAP_PLANES, 1, 0);
	put32(b, 44, nr);
	for (uint32_t i = 0; i < nr && 48 + 4 * i + 4 <= BUFSZ; i++)
		put32(b, 48 + 4 * i, i == 0 ? VRC_PLANE_PRIMARY :
				     i == 1 ? VRC_PLANE_CURSOR : VRC_PLANE_OVERLAY);
}

TEST(v7_layout)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	v7_chain(b, 2, 56);
	EQ(0, vrc_caps_parse(b, 56, &c));
	EQ(VRC_ABI_V7, c.desc.abi);
	ASSERT_TRUE(c.desc.has_type);
	ASSERT_FALSE(c.desc.has_events);
	ASSERT_TRUE(c.desc.has_planes);
	EQ(2, c.desc.nr_planes);
	EQ(VRC_PLANE_PRIMARY, c.desc.plane_type[0]);
	EQ(VRC_PLANE_CURSOR, c.desc.plane_type[1]);
	ASSERT_STREQ("v7", vrc_abi_str(c.desc.abi));
}

TEST(v7_max_planes_and_too_many_planes)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	v7_chain(b, VRC_V7_MAX_PLANES, 48 + 4 * VRC_V7_MAX_PLANES);
	EQ(0, vrc_caps_parse(b, BUFSZ, &c));
	EQ(VRC_V7_MAX_PLANES, c.desc.nr_planes);

	v7_chain(b, VRC_V7_MAX_PLANES + 1, 48 + 4 * (VRC_V7_MAX_PLANES + 1));
	EQ(-EPROTO, vrc_caps_parse(b, BUFSZ, &c));
	EQ(VRC_CAPS_BAD_PAYLOAD, c.violation);
	EQ(36, c.violation_offset);
	EQ(1, c.ncaps);
	ASSERT_FALSE(c.desc.has_planes);

	/* a huge nr_planes must not wrap the payload size */
	v7_chain(b, 0, 56);
	put32(b, 44, 0xffffffffu);
	EQ(-EPROTO, vrc_caps_parse(b, 56, &c));
	EQ(VRC_CAPS_BAD_PAYLOAD, c.violation);
}

TEST(no_chain_is_legal)
{
	uint8_t b[BUFSZ] = { 0 };
	struct vrc_caps c;

	/* FLAG_CAPS clear: even the unextended 16-byte struct is fine */
	fixed(b, 16, VRC_IRQ_INFO_FLAG_EVENTFD, 0);
	EQ(0, vrc_caps_parse(b, 16, &c));
	EQ(VRC_CAPS_NO_CHAIN, c.violation);
	EQ(0, c.ncaps);
	EQ(VRC_ABI_UNKNOWN, c.desc.abi);

	/* cap_offset ignored without FLAG_CAPS */
	gvt_v6(b);
	put32(b, 4, VRC_IRQ_INFO_FLAG_EVENTFD);
	EQ(0, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_NO_CHAIN, c.violation);
	EQ(0, c.ncaps);

	/* FLAG_CAPS with cap_offset 0 (e.g. the retry-protocol first answer) */
	fixed(b, 60, GVT_FLAGS, 0);
	EQ(0, vrc_caps_parse(b, 20, &c));
	EQ(VRC_CAPS_NO_CHAIN, c.violation);
	EQ(0, c.ncaps);
	ASSERT_STREQ("unknown", vrc_abi_str(c.desc.abi));
}

TEST(short_buffer)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	gvt_v6(b);
	EQ(-EPROTO, vrc_caps_parse(b, 19, &c));
	EQ(VRC_CAPS_SHORT_BUFFER, c.violation);
	EQ(-EPROTO, vrc_caps_parse(b, 4, &c));
	EQ(VRC_CAPS_SHORT_BUFFER, c.violation);
	EQ(-EPROTO, vrc_caps_parse(NULL, 0, &c));
	EQ(VRC_CAPS_SHORT_BUFFER, c.violation);
	/* argsz in the reply too small for cap_offset */
	put32(b, 0, 16);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_SHORT_BUFFER, c.violation);
	EQ(0, c.ncaps);
}

TEST(offset_into_header)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	gvt_v6(b);
	put32(b, 16, 12);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_OFFSET_IN_HEADER, c.violation);
	EQ(12, c.violation_offset);
	EQ(0, c.ncaps);
	ASSERT_FALSE(c.desc.has_type);
}

TEST(out_of_bounds_keeps_caps_before)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	/* the bad-caps model: the last cap's next beyond argsz */
	gvt_v6(b);
	put32(b, 40, 64);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_OFFSET_OUT_OF_BOUNDS, c.violation);
	EQ(64, c.violation_offset);
	EQ(2, c.ncaps);
	expect_v6_values(&c);

	/* first cap_offset far away */
	gvt_v6(b);
	put32(b, 16, 0xfffffff0u);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_OFFSET_OUT_OF_BOUNDS, c.violation);
	EQ(0, c.ncaps);

	/* a third (unknown) header straddles the bound: 60 + 8 > 64 */
	gvt_v6(b);
	put32(b, 0, 64);
	put32(b, 40, 60);
	hdr(b, 60, 99, 1, 0);
	EQ(-EPROTO, vrc_caps_parse(b, 64, &c));
	EQ(VRC_CAPS_OFFSET_OUT_OF_BOUNDS, c.violation);
	EQ(60, c.violation_offset);
	EQ(2, c.ncaps);
	expect_v6_values(&c);

	/* next inside the display cap's own payload: an overlap */
	gvt_v6(b);
	put32(b, 40, 56);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_BAD_PAYLOAD, c.violation);
	EQ(36, c.violation_offset);
	EQ(1, c.ncaps);
}

TEST(next_outside_argsz_inside_len)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	gvt_v6(b);
	put32(b, 40, 64);
	hdr(b, 64, 99, 1, 0);	/* a real header there, beyond argsz */
	EQ(-EPROTO, vrc_caps_parse(b, 128, &c));
	EQ(VRC_CAPS_OFFSET_OUT_OF_BOUNDS, c.violation);
	EQ(64, c.violation_offset);
	EQ(2, c.ncaps);
	expect_v6_values(&c);
}

TEST(len_shorter_than_argsz)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	/* the reply stops inside the display cap's payload */
	gvt_v6(b);
	EQ(-EPROTO, vrc_caps_parse(b, 44, &c));
	EQ(VRC_CAPS_BAD_PAYLOAD, c.violation);
	EQ(36, c.violation_offset);
	EQ(1, c.ncaps);
	ASSERT_TRUE(c.desc.has_type);
	ASSERT_FALSE(c.desc.has_events);
	EQ(VRC_ABI_UNKNOWN, c.desc.abi);

	/* ... or inside its header */
	EQ(-EPROTO, vrc_caps_parse(b, 40, &c));
	EQ(VRC_CAPS_OFFSET_OUT_OF_BOUNDS, c.violation);
	EQ(1, c.ncaps);

	/* argsz larger than len, chain inside len: fine */
	put32(b, 0, 4096);
	EQ(0, vrc_caps_parse(b, 60, &c));
	expect_v6_values(&c);
}

TEST(misaligned)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	gvt_v6(b);
	put32(b, 24, 38);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_MISALIGNED, c.violation);
	EQ(38, c.violation_offset);
	EQ(1, c.ncaps);
	ASSERT_TRUE(c.desc.has_type);

	gvt_v6(b);
	put32(b, 16, 22);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_MISALIGNED, c.violation);
	EQ(0, c.ncaps);
}

TEST(loops)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	/* backward: display -> type */
	gvt_v6(b);
	put32(b, 40, 20);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_LOOP, c.violation);
	EQ(20, c.violation_offset);
	EQ(2, c.ncaps);
	expect_v6_values(&c);

	/* self loop */
	gvt_v6(b);
	put32(b, 24, 20);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_LOOP, c.violation);
	EQ(1, c.ncaps);
	ASSERT_TRUE(c.desc.has_type);

	/* into its own header */
	gvt_v6(b);
	put32(b, 24, 24);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_LOOP, c.violation);
	EQ(1, c.ncaps);

	/* into the fixed part from a later cap */
	gvt_v6(b);
	put32(b, 40, 4);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_LOOP, c.violation);
	EQ(2, c.ncaps);
}

static void unknown_chain(uint8_t *b, unsigned n)
{
	memset(b, 0, BUFSZ);
	fixed(b, 20 + 8 * n, GVT_FLAGS, 20);
	for (unsigned i = 0; i < n; i++)
		hdr(b, 20 + 8 * i, (uint16_t)(100 + i), 1,
		    i + 1 < n ? 20 + 8 * (i + 1) : 0);
}

TEST(too_many)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	unknown_chain(b, VRC_CAPS_MAX);
	EQ(0, vrc_caps_parse(b, BUFSZ, &c));
	EQ(VRC_CAPS_MAX, c.ncaps);
	EQ(VRC_ABI_UNKNOWN, c.desc.abi);

	unknown_chain(b, VRC_CAPS_MAX + 1);
	EQ(-EPROTO, vrc_caps_parse(b, BUFSZ, &c));
	EQ(VRC_CAPS_TOO_MANY, c.violation);
	EQ(20 + 8 * VRC_CAPS_MAX, c.violation_offset);
	EQ(VRC_CAPS_MAX, c.ncaps);
}

TEST(bad_version)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	gvt_v6(b);
	put16(b, 22, 2);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_BAD_VERSION, c.violation);
	EQ(20, c.violation_offset);
	EQ(0, c.ncaps);
	ASSERT_FALSE(c.desc.has_type);

	gvt_v6(b);
	put16(b, 38, 0);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_BAD_VERSION, c.violation);
	EQ(36, c.violation_offset);
	EQ(1, c.ncaps);
	ASSERT_TRUE(c.desc.has_type);
	ASSERT_FALSE(c.desc.has_events);

	/* unknown caps may have any version */
	gvt_v6(b);
	put32(b, 0, 68);
	put32(b, 40, 60);
	hdr(b, 60, 99, 7, 0);
	EQ(0, vrc_caps_parse(b, 68, &c));
	EQ(3, c.ncaps);
	expect_v6_values(&c);
}

TEST(truncated_payload)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	/* display cap needs 24 bytes, argsz leaves 16 */
	gvt_v6(b);
	put32(b, 0, 52);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_BAD_PAYLOAD, c.violation);
	EQ(36, c.violation_offset);
	EQ(1, c.ncaps);
	ASSERT_TRUE(c.desc.has_type);
	ASSERT_FALSE(c.desc.has_events);

	/* type cap overlapped by the next cap: next 28 < 20 + 16 */
	memset(b, 0, BUFSZ);
	fixed(b, 60, GVT_FLAGS, 20);
	type_cap(b, 20, VRC_V6_CAP_TYPE, 28);
	events_cap(b, 28, VRC_V6_CAP_DISPLAY, 0, 1, 2);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_BAD_PAYLOAD, c.violation);
	EQ(20, c.violation_offset);
	EQ(0, c.ncaps);
	ASSERT_FALSE(c.desc.has_type);
	ASSERT_FALSE(c.desc.has_events);
}

TEST(duplicate)
{
	uint8_t b[BUFSZ] = { 0 };
	struct vrc_caps c;

	fixed(b, 76, GVT_FLAGS, 20);
	type_cap(b, 20, VRC_V6_CAP_TYPE, 36);
	type_cap(b, 36, VRC_V6_CAP_TYPE, 52);
	events_cap(b, 52, VRC_V6_CAP_DISPLAY, 0, 1, 2);
	EQ(-EPROTO, vrc_caps_parse(b, 76, &c));
	EQ(VRC_CAPS_DUPLICATE, c.violation);
	EQ(36, c.violation_offset);
	EQ(1, c.ncaps);
	ASSERT_TRUE(c.desc.has_type);
	ASSERT_FALSE(c.desc.has_events);
}

TEST(first_violation_in_chain_order)
{
	uint8_t b[BUFSZ];
	struct vrc_caps c;

	/* bad version on the first cap and a loop after the second */
	gvt_v6(b);
	put16(b, 22, 3);
	put32(b, 40, 20);
	EQ(-EPROTO, vrc_caps_parse(b, 60, &c));
	EQ(VRC_CAPS_BAD_VERSION, c.violation);
	EQ(0, c.ncaps);
}

TEST(display_before_type_and_unknown_between)
{
	uint8_t b[BUFSZ] = { 0 };
	struct vrc_caps c;

	fixed(b, 68, GVT_FLAGS, 20);
	events_cap(b, 20, VRC_V6_CAP_DISPLAY, 44, 3, 5);
	hdr(b, 44, 0x77, 1, 52);
	type_cap(b, 52, VRC_V6_CAP_TYPE, 0);
	EQ(0, vrc_caps_parse(b, 68, &c));
	EQ(3, c.ncaps);
	EQ(VRC_ABI_V6, c.desc.abi);
	EQ(5, c.desc.pri_event_val);
	EQ(3, c.desc.cur_event_val);
}

TEST(strings)
{
	for (int v = VRC_CAPS_OK; v <= VRC_CAPS_DUPLICATE; v++) {
		const char *s = vrc_caps_violation_str((enum vrc_caps_violation)v);

		ASSERT_TRUE(s != NULL && s[0]);
		ASSERT_TRUE(strcmp(s, "unknown violation") != 0);
		for (int w = VRC_CAPS_OK; w < v; w++)
			ASSERT_TRUE(strcmp(s, vrc_caps_violation_str(
					(enum vrc_caps_violation)w)) != 0);
	}
	ASSERT_STREQ("unknown violation",
		     vrc_caps_violation_str((enum vrc_caps_violation)999));
	ASSERT_STREQ("unknown", vrc_abi_str(VRC_ABI_UNKNOWN));
	ASSERT_STREQ("unknown", vrc_abi_str((enum vrc_abi)42));
}

VTEST_MAIN()
