// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "artifacts.h"
#include "host_dmesg.h"

void vrc_host_dmesg_begin(struct vrc_host_dmesg *h, const char *path, FILE *ktap)
{
	static bool said;
	char err[300];

	h->on = !gvt_dmesg_begin(&h->d, path, err, sizeof(err));
	if (h->on)
		return;
	gvt_dmesg_free(&h->d);
	if (!said && ktap)
		fprintf(ktap, "# gvt: host dmesg not captured (tests are judged without it): %s\n",
			err);
	said = true;
}

static void keep_lines(const struct gvt_dmesg *d, const char *artifact_dir)
{
	char path[800];
	FILE *f;

	if (!artifact_dir || vrc_mkdirs(artifact_dir))
		return;
	snprintf(path, sizeof(path), "%s/dmesg.txt", artifact_dir);
	if (!(f = fopen(path, "w")))
		return;
	for (unsigned i = 0; i < d->nlines; i++)
		fprintf(f, "%s\n", d->line[i]);
	if (d->nflagged > d->nlines)
		fprintf(f, "(%u more flagged records not kept)\n", d->nflagged - d->nlines);
	if (d->lost)
		fprintf(f, "(%u records overwritten before they were read)\n", d->lost);
	fclose(f);
}

void vrc_host_dmesg_end(struct vrc_host_dmesg *h, struct vrc_test_record *rec,
			const char *artifact_dir)
{
	enum gvt_dmesg_verdict v;
	char was[sizeof(rec->reason)];
	size_t len;

	if (!h->on)
		return;
	v = gvt_dmesg_end(&h->d);
	if (v != GVT_DMESG_CLEAN) {
		if (v == GVT_DMESG_FAIL || rec->result == R_FAIL)
			rec->result = R_DMESG_FAIL;
		else if (rec->result == R_PASS)
			rec->result = R_DMESG_WARN;
		keep_lines(&h->d, artifact_dir);
		snprintf(was, sizeof(was), "%s", rec->reason);
		len = (size_t)snprintf(rec->reason, sizeof(rec->reason), "host dmesg: %u record(s) "
				       "flagged", h->d.nflagged);
		for (unsigned i = 0; i < h->d.nlines && len < sizeof(rec->reason); i++)
			len += (size_t)snprintf(rec->reason + len, sizeof(rec->reason) - len,
						"%s %s", i ? ";" : ":", h->d.line[i]);
		if (was[0] && len < sizeof(rec->reason))
			snprintf(rec->reason + len, sizeof(rec->reason) - len, " (test: %.300s)", was);
		rec->reason_shown = false;
	}
	gvt_dmesg_free(&h->d);
	h->on = false;
}
