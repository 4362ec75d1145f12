// SPDX-License-Identifier: MIT
/* libFuzzer: qemu-ga replies: one line parsed as the agent's JSON, then as
 * guest-exec, guest-exec-status and guest-file-read results; and raw base64. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrc/base64.h"
#include "harness/vm/qga.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *root, *ret;
	char err[128];

	/* Raw base64: the output never exceeds 3/4 of the input. */
	uint8_t *out = malloc(vrc_b64_decoded_max(size));
	size_t n;
	if (out && !vrc_b64_decode((const char *)data, size, out, vrc_b64_decoded_max(size), &n,
				   NULL) && n > size / 4 * 3)
		__builtin_trap();
	free(out);

	if (vrc_qga_parse_line((const char *)data, size, &root, err, sizeof(err)))
		return 0;
	if (!json_object_object_get_ex(root, "return", &ret))
		ret = root;
	int64_t pid;
	vrc_qga_parse_exec_pid(ret, &pid, err, sizeof(err));
	struct vrc_qga_exec_status st;
	if (!vrc_qga_parse_exec_status(ret, 64, &st, err, sizeof(err))) {
		if (st.out_len > 64 || st.err_len > 64 || (st.out && st.out[st.out_len]) ||
		    (st.exited && st.has_exitcode == st.has_signal))
			__builtin_trap();
		vrc_qga_exec_status_free(&st);
	}
	uint8_t *buf = NULL;
	size_t len = 0;
	bool eof;
	for (int i = 0; i < 2; i++)
		if (vrc_qga_parse_file_read(ret, 100, &buf, &len, &eof, err, sizeof(err)))
			break;
	if (len > 100)
		__builtin_trap();
	free(buf);
	json_object_put(root);
	return 0;
}
