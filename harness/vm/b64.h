/* SPDX-License-Identifier: MIT */
/* Strict base64 (RFC 4648, standard alphabet, '=' padding) for qemu-ga's
 * out-data, err-data and buf-b64: untrusted, so nothing is skipped silently. */
#ifndef VRC_VM_B64_H
#define VRC_VM_B64_H

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

#endif /* VRC_VM_B64_H */
