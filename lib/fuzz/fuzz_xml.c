// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes through vrc_xml_write() (lib/xml.c),
 * the escaping of everything the JUnit export writes. The output must be
 * well-formed UTF-8 with only characters XML 1.0 allows and no markup
 * character outside an entity; input that is already such text (and has
 * no &<>"') must come out unchanged. The UTF-8 check here is written apart
 * from lib/xml.c's decoder, from the definition (shortest form, no
 * surrogates, at most U+10FFFF).
 *
 *   make fuzz; build-fuzz/fuzz_xml -max_total_time=20
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrc/xml.h"

/* The code point at s[0..n) and its length, or 0 if not well-formed. */
static size_t decode(const uint8_t *s, size_t n, uint32_t *cp)
{
	static const uint32_t shortest[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 :
		     (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	uint32_t c;

	if (!len || len > n)
		return 0;
	c = len == 1 ? s[0] : s[0] & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < shortest[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static bool xml10_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* Well-formed XML 1.0 text without markup characters: true. */
static bool clean_text(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t len = decode(s + i, n - i, &c);

		if (!len || !xml10_char(c) || c == '&' || c == '<' || c == '>' || c == '"' ||
		    c == '\'')
			return false;
		i += len;
	}
	return true;
}

/* Escaped output: valid text where '&' only starts one of the entities. */
static bool valid_escaped(const uint8_t *s, size_t n)
{
	static const char *const ent[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };

	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t len = decode(s + i, n - i, &c);

		if (!len || !xml10_char(c) || c == '<' || c == '>' || c == '"' || c == '\'')
			return false;
		if (c == '&') {
			size_t k = 0;

			while (k < 5 && (n - i < strlen(ent[k]) ||
					 memcmp(s + i, ent[k], strlen(ent[k]))))
				k++;
			if (k == 5)
				return false;
			len = strlen(ent[k]);
		}
		i += len;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	vrc_xml_write(f, (const char *)data, size);
	if (fclose(f))
		abort();
	if (!valid_escaped((const uint8_t *)out, len) || len > size * VRC_XML_PIECE_MAX)
		abort();
	if (clean_text(data, size) && (len != size || memcmp(out, data, size)))
		abort();
	free(out);
	/* one piece at a time: it stands for 1..4 bytes it was given */
	for (size_t i = 0; i < size;) {
		char piece[VRC_XML_PIECE_MAX];
		size_t used = 0, plen = vrc_xml_piece(data + i, size - i, &used, piece);

		if (!plen || plen > VRC_XML_PIECE_MAX || used < 1 || used > 4 || used > size - i)
			abort();
		i += used;
	}
	return 0;
}
