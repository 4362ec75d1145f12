// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "vrc/base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int vrc_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *outlen,
		   size_t *bad_at)
{
	size_t o = 0;

	*outlen = 0;
	if (bad_at)
		*bad_at = n;
	if (n % 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)in[i + k];
			/* '=' only in the last group, only at its end. */
			if (c == '=' && i + 4 == n && k >= 2) {
				pad++;
				v[k] = 0;
				continue;
			}
			v[k] = pad ? -1 : sextet(c);
			if (v[k] < 0) {
				if (bad_at)
					*bad_at = i + (size_t)k;
				return -EINVAL;
			}
		}
		/* Bits dropped by the padding must be zero (canonical encoding). */
		if ((pad == 2 && (v[1] & 0xf)) || (pad == 1 && (v[2] & 0x3))) {
			if (bad_at)
				*bad_at = i + 3 - (size_t)pad;
			return -EINVAL;
		}
		size_t bytes = 3 - (size_t)pad;
		if (o + bytes > cap)
			return -E2BIG;
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
			     (uint32_t)v[2] << 6 | (uint32_t)v[3];
		out[o++] = (uint8_t)(w >> 16);
		if (bytes > 1)
			out[o++] = (uint8_t)(w >> 8);
		if (bytes > 2)
			out[o++] = (uint8_t)w;
	}
	*outlen = o;
	return 0;
}

char *vrc_b64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		*p++ = alphabet[(v >> 18) & 63];
		*p++ = alphabet[(v >> 12) & 63];
		*p++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? alphabet[v & 63] : '=';
	}
	*p = 0;
	return out;
}
