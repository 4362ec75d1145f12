/* SPDX-License-Identifier: MIT */
/*
 * vrc report: <run>/report.html, one self-contained file (plots drawn with
 * cairo, embedded as base64 PNG; no script, no external resource):
 * the run, the comparison with a baseline (regressions first), the results,
 * signal rate event- vs timer-driven (measurements torn_rate_event,
 * torn_rate_timer, idle_signal_rate), the latency histogram
 * (tests/<t>/latency.json {"samples_us":[...]}), the per-band tear map
 * (tests/<t>/tearmap.json {"bands":N,"torn_per_band":[...],"captures":M})
 * and per test the signals per vblank against the guest's events
 * (tests/<t>/vblanks-<label>.json). Missing data says "no data".
 * Artifacts are untrusted like results: bounded and validated.
 */
#ifndef VRC_REPORT_H
#define VRC_REPORT_H

#include <stddef.h>
#include "results_read.h"

/* Write <run->dir>/report.html (base may be NULL). 0, or -1 with err. */
int vrc_report_write(const struct vrc_loaded *run, const struct vrc_loaded *base,
		     char *out_path, size_t out_len, char *err, size_t errlen);


#endif
