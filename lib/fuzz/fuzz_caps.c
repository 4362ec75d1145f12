// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary device replies into the capability chain
 * parser, and arbitrary (value, pri, cur) triples into the decoder, with
 * the invariants each promises checked after every call.
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib/include \
 *     -fsanitize=fuzzer,address,undefined lib/fuzz/fuzz_caps.c lib/caps.c \
 *     lib/decode.c -o fuzz_caps
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrc/caps.h"
#include "vrc/decode.h"

static void check_caps(const uint8_t *data, size_t size)
{
	struct vrc_caps caps;
	uint32_t argsz = 0;
	uint64_t bound;
	int rc = vrc_caps_parse(data, size, &caps);

	if (rc != 0 && rc != -EPROTO)
		abort();
	if ((rc == 0) != (caps.violation == VRC_CAPS_OK ||
			  caps.violation == VRC_CAPS_NO_CHAIN))
		abort();
	if (caps.ncaps > VRC_CAPS_MAX)
		abort();
	if (size >= 4)
		memcpy(&argsz, data, 4);
	bound = argsz < size ? argsz : size;
	for (unsigned i = 0; i < caps.ncaps; i++) {
		const struct vrc_cap_ref *r = &caps.cap[i];

		if (r->offset < VRC_IRQ_INFO_SZ || r->offset % 4 ||
		    (uint64_t)r->offset + 8 > bound)
			abort();
		if (i && r->offset <= caps.cap[i - 1].offset)
			abort();
		for (unsigned j = 0; j < i; j++)
			if (caps.cap[j].id == r->id)
				abort();
	}
	if (caps.desc.nr_planes > VRC_V7_MAX_PLANES)
		abort();
	if (vrc_caps_violation_str(caps.violation) == NULL ||
	    vrc_abi_str(caps.desc.abi) == NULL)
		abort();
}

static void check_decode(uint64_t value, uint64_t pri, uint64_t cur)
{
	struct vrc_signal_counts c;
	unsigned __int128 sum;

	vrc_decode_value(value, pri, cur, &c);
	sum = (unsigned __int128)c.primary * pri +
	      (unsigned __int128)c.cursor * cur + c.residue;
	/* every reading explains the value exactly, residue included */
	if (sum != value)
		abort();
	if (c.exact && (c.residue || c.saturated))
		abort();
	if (c.saturated != (value >= VRC_EVENTFD_MAX))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_caps(data, size);

	if (size >= 24) {
		uint64_t v[3];

		memcpy(v, data, sizeof(v));
		check_decode(v[0], v[1], v[2]);
		/* small pairs too, where the congruence path matters most */
		check_decode(v[0], (v[1] & 0xffff) + 1, (v[2] & 0xffff) + 1);
		check_decode(v[0] & 0xffffffffu, v[1] & 0xff, v[2] & 0xff);
	}
	return 0;
}
