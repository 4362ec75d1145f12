// SPDX-License-Identifier: MIT
/* libFuzzer: the QMP stream as QEMU would send it: the bounded line reader
 * (fed in fuzzer-chosen chunks), message parsing and event bookkeeping. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness/vm/lineio.h"
#include "harness/vm/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrc_lr r;
	struct vrc_qmp_events ev;
	size_t chunk;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	memset(&ev, 0, sizeof(ev));
	/* A small line limit so over-long lines are reached. */
	vrc_lr_init(&r, 512, (chunk & 1) != 0);
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (vrc_lr_feed(&r, data + off, n))
			break;
		for (;;) {
			char *line, err[128];
			size_t len;
			int rc = vrc_lr_next(&r, &line, &len);
			if (rc == 0)
				break;
			if (rc < 0)
				continue;
			if (len > 512 || strlen(line) != len)
				__builtin_trap();
			struct vrc_qmp_msg m;
			if (!vrc_qmp_parse(line, len, &m, err, sizeof(err))) {
				vrc_qmp_note_event(&ev, &m);
				vrc_qmp_msg_free(&m);
			}
		}
	}
	if (r.len > 512 + 2 * 65536)
		__builtin_trap();
	vrc_lr_free(&r);
	return 0;
}
