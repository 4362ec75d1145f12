/* SPDX-License-Identifier: MIT */
/*
 * Base64 (RFC 4648, standard alphabet, '=' padding), the project's one
 * implementation: the encoder for the HTML report's embedded PNGs, the
 * strict decoder for qemu-ga's out-data, err-data and buf-b64, which are
 * untrusted, so nothing is skipped silently.
 */
#ifndef VRC_BASE64_H
#define VRC_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decoded size of n base64 characters (an upper bound before padding). */
static inline size_t vrc_b64_decoded_max(size_t n) { return n / 4 * 3 + 3; }
/*
 * Decode n characters into out (capacity cap). 0 and *outlen, -EINVAL for a
 * character outside the alphabet, bad padding or a length not a multiple of 4
 * (with the offset in *bad_at), -E2BIG if the result would not fit.
 */
int vrc_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *outlen,
		   size_t *bad_at);

/* len bytes as base64, NUL-terminated (free() it); NULL when out of memory. */
char *vrc_b64_encode(const void *data, size_t len);

#endif /* VRC_BASE64_H */
