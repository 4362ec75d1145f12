// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as /dev/kmsg output, through the record
 * parser (each line alone) and the capture's feed (split at a point taken
 * from the input, as reads split it), with the invariants checked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct gvt_kmsg_rec r;
	struct gvt_dmesg d;
	size_t cut;

	if (gvt_kmsg_parse(s, size, &r) == 0) {
		if (r.level > 7 || r.msg < s || r.msg + r.msglen != s + size)
			abort();
		if (gvt_kmsg_classify(&r) > GVT_DMESG_FAIL)
			abort();
	}
	memset(&d, 0, sizeof(d));
	d.fd = -1;
	d.line = calloc(GVT_DMESG_MAX_LINES, sizeof(*d.line));
	if (!d.line)
		return 0;
	cut = size ? data[0] % (size + 1) : 0;
	gvt_dmesg_feed(&d, s, cut);
	gvt_dmesg_feed(&d, s + cut, size - cut);
	if (d.nlines > GVT_DMESG_MAX_LINES || d.nlines > d.nflagged ||
	    d.npartial >= sizeof(d.partial))
		abort();
	for (unsigned i = 0; i < d.nlines; i++) {
		size_t n = strnlen(d.line[i], GVT_DMESG_LINE);

		if (n >= GVT_DMESG_LINE)
			abort();
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)d.line[i][k] < 0x20 || (unsigned char)d.line[i][k] > 0x7e)
				abort();
	}
	gvt_dmesg_free(&d);
	return 0;
}
