// SPDX-License-Identifier: MIT
/* lib/json.c: absent, null, wrong type and out of range told apart. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "vrc/json.h"
#include "vrc/vtest.h"

static json_object *obj(const char *text)
{
	return json_tokener_parse(text);
}

TEST(json_member_absent_null_wrong_type)
{
	json_object *o = obj("{\"s\": \"x\", \"n\": null, \"i\": 3}"), *v;

	ASSERT_TRUE(o != NULL);
	ASSERT_EQ(-ENOENT, vrc_json_member(o, "missing", json_type_int, &v));
	ASSERT_EQ(-ENOENT, vrc_json_member(o, "n", json_type_int, &v));
	ASSERT_EQ(-EINVAL, vrc_json_member(o, "s", json_type_int, &v));
	ASSERT_EQ(0, vrc_json_member(o, "i", json_type_int, &v));
	ASSERT_EQ(-ENOENT, vrc_json_member(NULL, "i", json_type_int, &v));
	json_object_put(o);
}

TEST(json_i64_bounds_and_saturation)
{
	json_object *o = obj("{\"a\": 5, \"big\": 99999999999999999999999, \"neg\": -1, "
			     "\"d\": 1.5}");
	int64_t x = 42;

	ASSERT_EQ(0, vrc_json_i64(o, "a", 0, 5, &x));
	ASSERT_EQ(5, x);
	ASSERT_EQ(-ERANGE, vrc_json_i64(o, "a", 6, 10, &x));
	ASSERT_EQ(-ERANGE, vrc_json_i64(o, "neg", 0, 10, &x));
	ASSERT_EQ(-ERANGE, vrc_json_i64(o, "big", 0, INT64_MAX - 1, &x));
	ASSERT_EQ(-EINVAL, vrc_json_i64(o, "d", 0, 10, &x));
	ASSERT_EQ(5, x);	/* untouched by the refusals */
	json_object_put(o);
}

TEST(json_str_bool_num)
{
	json_object *o = obj("{\"s\": \"a\\u0000b\", \"t\": true, \"i\": 2, \"d\": 0.5, "
			     "\"b\": \"true\"}");
	const char *s;
	size_t n;
	bool b = false;
	double d = 0;

	ASSERT_EQ(0, vrc_json_str(o, "s", &s, &n));
	ASSERT_EQ(3u, n);	/* the NUL inside is the caller's to refuse */
	ASSERT_EQ(-EINVAL, vrc_json_str(o, "t", &s, NULL));
	ASSERT_EQ(0, vrc_json_bool(o, "t", &b));
	ASSERT_TRUE(b);
	ASSERT_EQ(-EINVAL, vrc_json_bool(o, "b", &b));
	ASSERT_EQ(0, vrc_json_num(o, "i", &d));
	ASSERT_TRUE(d == 2.0);
	ASSERT_EQ(0, vrc_json_num(o, "d", &d));
	ASSERT_TRUE(d == 0.5);
	ASSERT_EQ(-EINVAL, vrc_json_num(o, "s", &d));
	json_object_put(o);
}

VTEST_MAIN()
