// SPDX-License-Identifier: MIT
/*
 * vrc_xml_write(): untrusted bytes become valid XML 1.0 text. Each case
 * is one class of input a guest or a cut-off reason can produce, with the
 * exact output: entities for the markup characters, one U+FFFD per
 * maximal ill-formed subpart, U+FFFD for the code points XML 1.0 forbids,
 * and well-formed text left alone.
 */
#include "vrc/vtest.h"
#include "vrc/xml.h"

#define FFFD "\xef\xbf\xbd"

/* in (n bytes) escaped must be exactly want. */
static void assert_escapes(const char *in, size_t n, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_TRUE(f != NULL);
	vrc_xml_write(f, in, n);
	ASSERT_EQ(0, fclose(f));
	if (len != strlen(want) || memcmp(buf, want, len)) {
		printf("# got  (%zu): ", len);
		for (size_t i = 0; i < len; i++)
			printf("%02x ", (unsigned char)buf[i]);
		printf("\n# want (%zu): ", strlen(want));
		for (size_t i = 0; i < strlen(want); i++)
			printf("%02x ", (unsigned char)want[i]);
		printf("\n");
	}
	ASSERT_EQ(strlen(want), len);
	ASSERT_EQ(0, memcmp(buf, want, len));
	free(buf);
}

#define ESC(lit, want) assert_escapes(lit, sizeof(lit) - 1, want)

TEST(markup_characters_become_entities)
{
	ESC("a<b>&\"'", "a&lt;b&gt;&amp;&quot;&apos;");
	ESC("x]]>y", "x]]&gt;y");	/* never a CDATA end, nor a bare '>' */
}

TEST(well_formed_text_is_unchanged)
{
	ESC("tab\tlf\ncr\r", "tab\tlf\ncr\r");
	ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	ESC("\xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbd \xf4\x8f\xbf\xbf",	/* D7FF E000 FFFD 10FFFF */
	    "\xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbd \xf4\x8f\xbf\xbf");
	ESC("\x7f\xc2\x80\xc2\x9f", "\x7f\xc2\x80\xc2\x9f");	/* DEL, C1: XML 1.0 Chars */
}

TEST(forbidden_code_points_become_fffd)
{
	ESC("a\x01" "b\x1b[0m\x08", "a" FFFD "b" FFFD "[0m" FFFD);
	assert_escapes("x\0y", 3, "x" FFFD "y");
	ESC("\xef\xbf\xbe\xef\xbf\xbf", FFFD FFFD);		/* U+FFFE, U+FFFF */
}

TEST(malformed_utf8_becomes_one_fffd_per_maximal_subpart)
{
	ESC("\xff\xfe", FFFD FFFD);			/* never lead bytes */
	ESC("\x80 \xbf", FFFD " " FFFD);		/* lone continuations */
	ESC("\xc0\xaf \xc1\xbf", FFFD FFFD " " FFFD FFFD);	/* overlong 2-byte */
	ESC("\xe0\x80\xaf", FFFD FFFD FFFD);		/* overlong 3-byte */
	ESC("\xed\xa0\x80", FFFD FFFD FFFD);		/* a surrogate, U+D800 */
	ESC("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);	/* past U+10FFFF */
	ESC("\xe2\x82" "A", FFFD "A");			/* cut short, one FFFD */
	ESC("\xf0\x9f\x98", FFFD);			/* cut at the end of input */
	ESC("\xc3(", FFFD "(");
}
/* vrc_utf8_clean: what results.json and the KCIDB export carry */
TEST(utf8_clean_replaces_malformed_and_cuts_at_a_character)
{
	char out[16];

	ASSERT_EQ(9u, vrc_utf8_clean("a\xff\x01" "b\xe2\x82", 6, out, sizeof(out)));
	ASSERT_STREQ("a" FFFD "\x01" "b" FFFD, out);
	ASSERT_EQ(5u, vrc_utf8_clean("x\0y", 3, out, sizeof(out)));
	ASSERT_STREQ("x" FFFD "y", out);
	/* 7 bytes of room: "ab" and one euro sign, never half of the second */
	ASSERT_EQ(5u, vrc_utf8_clean("ab\xe2\x82\xac\xe2\x82\xac", 8, out, 8));
	ASSERT_STREQ("ab\xe2\x82\xac", out);
	ASSERT_EQ(0u, vrc_utf8_clean("abc", 3, out, 1));
	ASSERT_STREQ("", out);
}

VTEST_MAIN()
