// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes into the timeline parser. What it
 * accepts must validate, survive a write/parse round trip unchanged, and give
 * expectations that stay inside the window.
 *
 *   make fuzz && build-fuzz/fuzz_timeline -max_total_time=30
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrc/timeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrc_timeline *tl = NULL, *back = NULL;
	struct vrc_tl_expect_stats st;
	struct vrc_vblank vb[32];
	char err[256];
	char *text;
	int rc = vrc_timeline_parse((const char *)data, size, &tl, err, sizeof(err));

	if (rc) {
		if (tl || (rc != -EINVAL && rc != -E2BIG && rc != -ENOMEM) || !err[0])
			abort();
		return 0;
	}
	if (vrc_timeline_validate(tl, err, sizeof(err)))
		abort();
	text = vrc_timeline_to_json(tl, err, sizeof(err));
	if (!text || vrc_timeline_parse(text, strlen(text), &back, err, sizeof(err)))
		abort();
	if (back->nevents != tl->nevents || back->nframes != tl->nframes ||
	    (tl->nevents && memcmp(back->events, tl->events, tl->nevents * sizeof(*tl->events))) ||
	    (tl->nframes && memcmp(back->frames, tl->frames, tl->nframes * sizeof(*tl->frames))))
		abort();
	memset(vb, 0, sizeof(vb));
	if (vrc_timeline_expect(tl, tl->hw_offset, tl->first, vb, 32, &st))
		abort();
	if ((size_t)st.flips + st.asyncs + st.cursors + st.draws + st.outside + st.unjudged !=
	    tl->nevents)
		abort();
	for (size_t i = 0; i < 32; i++)
		if (vb[i].pri || vb[i].cur || vb[i].inexact)
			abort();
	free(text);
	vrc_timeline_free(back);
	vrc_timeline_free(tl);
	return 0;
}
