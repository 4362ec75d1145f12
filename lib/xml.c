// SPDX-License-Identifier: MIT
/* Untrusted bytes as valid XML 1.0 text (xml.h). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vrc/xml.h"

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] */
static bool xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/*
 * Decode one UTF-8 sequence at s (n >= 1): its length, or 0 if it is
 * ill-formed, with *bad the length of its maximal ill-formed subpart (the
 * lead byte and the continuation bytes that were still possible). The
 * second byte's range excludes overlong forms, surrogates and code points
 * past U+10FFFF (Unicode Table 3-7).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	uint32_t c;

	*bad = 1;
	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
		c = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		c = b & 0x0f;
		lo = b == 0xe0 ? 0xa0 : 0x80;
		hi = b == 0xed ? 0x9f : 0xbf;
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		c = b & 0x07;
		lo = b == 0xf0 ? 0x90 : 0x80;
		hi = b == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;	/* a continuation byte, C0, C1 or F5..FF as lead */
	}
	for (size_t i = 1; i < len; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		c = c << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return len;
}

size_t vrc_utf8_clean(const char *s, size_t n, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (n) {
		uint32_t cp = 0;
		size_t bad, len = utf8_decode(p, n, &cp, &bad);
		const void *piece = p;
		size_t plen = len, used = len;

		if (!len || cp == 0) {
			piece = replacement;
			plen = 3;
			used = len ? len : bad;
		}
		if (o + plen >= outlen)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		p += used;
		n -= used;
	}
	out[o] = 0;
	return o;
}

size_t vrc_xml_piece(const unsigned char *s, size_t n, size_t *used, char *out)
{
	const char *ent = NULL;
	uint32_t cp = 0;
	size_t bad, len = utf8_decode(s, n, &cp, &bad);

	if (!len) {
		*used = bad;
		memcpy(out, replacement, 3);
		return 3;
	}
	*used = len;
	switch (cp) {
	case '&': ent = "&amp;"; break;
	case '<': ent = "&lt;"; break;
	case '>': ent = "&gt;"; break;
	case '"': ent = "&quot;"; break;
	case '\'': ent = "&apos;"; break;
	}
	if (ent) {
		memcpy(out, ent, strlen(ent));
		return strlen(ent);
	}
	if (!xml_char(cp)) {
		memcpy(out, replacement, 3);
		return 3;
	}
	memcpy(out, s, len);
	return len;
}

void vrc_xml_write(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char piece[VRC_XML_PIECE_MAX];

	while (n) {
		size_t used, len = vrc_xml_piece(p, n, &used, piece);

		fwrite(piece, 1, len, f);
		p += used;
		n -= used;
	}
}

void vrc_xml_text(FILE *f, const char *s)
{
	vrc_xml_write(f, s, strlen(s));
}
