/* SPDX-License-Identifier: MIT */
/*
 * Untrusted text (guest output, device strings, reasons cut at a byte
 * limit) as XML 1.0 character data or attribute value: the result is
 * valid UTF-8 with only characters XML 1.0 allows, whatever the input.
 *   &<>"'                      as their entities (so "]]>" cannot occur)
 *   malformed UTF-8            U+FFFD, one per maximal ill-formed subpart
 *                              (Unicode's recommended practice)
 *   code points XML 1.0 forbids (C0 controls but tab, LF, CR; U+FFFE,
 *   U+FFFF; NUL)               U+FFFD
 *   everything else            unchanged
 */
#ifndef VRC_XML_H
#define VRC_XML_H

#include <stddef.h>
#include <stdio.h>

/* The longest piece vrc_xml_piece() writes ("&quot;"). */
#define VRC_XML_PIECE_MAX	6

/*
 * The escaped form of the next character of s[0..n) (n >= 1) into out (at
 * most VRC_XML_PIECE_MAX bytes, no NUL): returns its length, *used the
 * input bytes it stands for (1 to 4).
 */
size_t vrc_xml_piece(const unsigned char *s, size_t n, size_t *used, char *out);
/*
 * n bytes of s as valid UTF-8 in out (outlen >= 1, always NUL-terminated):
 * each maximal ill-formed subpart and each NUL becomes U+FFFD, the rest is
 * kept; what does not fit is cut at a character boundary. Returns the
 * length written. For JSON (which escapes controls itself) and the like.
 */
size_t vrc_utf8_clean(const char *s, size_t n, char *out, size_t outlen);
/* n bytes of s, escaped, to f. */
void vrc_xml_write(FILE *f, const char *s, size_t n);
/* A NUL-terminated string, escaped, to f. */
void vrc_xml_text(FILE *f, const char *s);

#endif
