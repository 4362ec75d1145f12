// SPDX-License-Identifier: MIT
/* lib/base64.c: RFC 4648's vectors both ways, the decoder's strictness. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrc/base64.h"
#include "vrc/vtest.h"

static int b64(const char *in, char *out, size_t cap, size_t *n)
{
	return vrc_b64_decode(in, strlen(in), (uint8_t *)out, cap, n, NULL);
}

TEST(b64_rfc4648_vectors)
{
	static const char *const v[][2] = {
		{ "", "" }, { "Zg==", "f" }, { "Zm8=", "fo" }, { "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" }, { "Zm9vYmE=", "fooba" }, { "Zm9vYmFy", "foobar" },
		{ "aGVsbG8gdnJjCg==", "hello vrc\n" }, { "//+/", "\xff\xff\xbf" },
	};
	char out[32];
	size_t n;

	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ASSERT_EQ(0, b64(v[i][0], out, sizeof(out), &n));
		ASSERT_EQ(strlen(v[i][1]), n);
		ASSERT_EQ(0, memcmp(out, v[i][1], n));
	}
}

TEST(b64_rejects_malformed)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "====", "Zg=a", "Zm9v\n", "Zm 9", "Zg==Zg==", "Zh==",
		"Zm9=", "Zm-_", "Zm9v!A==",
	};
	char out[32];
	size_t n, at;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = vrc_b64_decode(bad[i], strlen(bad[i]), (uint8_t *)out, sizeof(out), &n,
					&at);
		if (rc != -EINVAL)
			VTEST_LOG("accepted '%s'", bad[i]);
		ASSERT_EQ(-EINVAL, rc);
	}
	/* A result larger than the buffer is refused, not written past it. */
	char small[4] = { 0, 0, 0, 'X' };
	ASSERT_EQ(-E2BIG, b64("Zm9vYmFy", small, 3, &n));
	ASSERT_EQ('X', small[3]);
}

TEST(b64_encode_rfc4648_vectors)
{
	static const char *const v[][2] = {
		{ "", "" }, { "Zg==", "f" }, { "Zm8=", "fo" }, { "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" }, { "Zm9vYmE=", "fooba" }, { "Zm9vYmFy", "foobar" },
		{ "//+/", "\xff\xff\xbf" },
	};

	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *e = vrc_b64_encode(v[i][1], strlen(v[i][1]));

		ASSERT_TRUE(e != NULL);
		ASSERT_STREQ(v[i][0], e);
		free(e);
	}
}

/* Every byte value at every position mod 3 comes back through the decoder. */
TEST(b64_round_trip)
{
	uint8_t in[258], out[258];
	size_t n;

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(in); len += len < 8 ? 1 : 61) {
		char *e = vrc_b64_encode(in, len);

		ASSERT_TRUE(e != NULL);
		ASSERT_EQ(0, vrc_b64_decode(e, strlen(e), out, sizeof(out), &n, NULL));
		ASSERT_EQ(len, n);
		ASSERT_EQ(0, memcmp(in, out, len));
		free(e);
	}
}

VTEST_MAIN()
