// SPDX-License-Identifier: MIT
/*
 * The exit status of vrc run from its verdicts (vrc.h). A run in which no
 * test passed tested nothing: that is not a pass, whatever the reason (a
 * device without the display irq skips every test, as an unpatched kernel
 * does), so it gets a status of its own, kselftest's skip code.
 */
#include <string.h>

#include "vrc.h"

/* The reason most skipped tests give, and how many give it. */
static const char *commonest_reason(const struct vrc_run *run, unsigned *count,
				    unsigned *nreasons)
{
	const char *best = "";

	*count = 0;
	*nreasons = 0;
	for (unsigned i = 0; i < run->ntests; i++) {
		const char *r = run->rec[i].reason;
		unsigned same = 0;
		bool first = true;

		for (unsigned k = 0; k < run->ntests; k++) {
			if (!strcmp(run->rec[k].reason, r)) {
				same++;
				first &= k >= i;
			}
		}
		*nreasons += first;
		if (same > *count) {
			*count = same;
			best = r;
		}
	}
	return best;
}

int vrc_run_status(const struct vrc_run *run, char *why, size_t len)
{
	unsigned count, nreasons;
	const char *reason;
	char others[64] = "";

	why[0] = 0;
	for (unsigned r = 0; r < R_NUM_RESULTS; r++)
		if (run->count[r] && vrc_result_is_failure(r))
			return VRC_EXIT_FAILED;
	if (run->count[R_PASS])
		return VRC_EXIT_PASSED;
	if (!run->ntests) {
		snprintf(why, len, "nothing was tested: no test selected");
		return VRC_EXIT_NOTHING_TESTED;
	}
	reason = commonest_reason(run, &count, &nreasons);
	if (nreasons > 1)
		snprintf(others, sizeof(others), "; the other %u for %u other reason%s",
			 run->ntests - count, nreasons - 1, nreasons > 2 ? "s" : "");
	snprintf(why, len, "nothing was tested: %s (every test skipped: %u of %u '%.300s'%s)",
		 run->irq_index < 0 ? "the device offers no display irq" : "no test passed",
		 count, run->ntests, reason[0] ? reason : "no reason given", others);
	return VRC_EXIT_NOTHING_TESTED;
}
