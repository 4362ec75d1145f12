// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the parsers of results that vrc reads back (untrusted):
 * results.json, the journal (incl. torn last lines), mustpass lists; and a
 * comparison of what parsed against itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/vrc/compare.h"
#include "harness/vrc/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512];
	struct vrc_loaded l;
	struct vrc_journal j;
	struct vrc_mustpass m;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	size_t len = strlen(text);
	if (!vrc_results_parse(text, len, &l, err, sizeof(err))) {
		struct vrc_comparison c;
		if (!vrc_compare(&l, &l, NULL, 20.0, &c)) {
			if (c.nblocking)
				abort();	/* a run never regresses against itself */
			vrc_comparison_free(&c);
		}
		vrc_loaded_free(&l);
	}
	if (!vrc_journal_parse(text, size, &j, err, sizeof(err))) {
		if (j.good_len > size)
			abort();
		vrc_journal_free(&j);
	}
	if (!vrc_mustpass_parse("fuzz", text, size, &m, err, sizeof(err)))
		vrc_mustpass_free(&m);
	free(text);
	return 0;
}
