// SPDX-License-Identifier: MIT
/* JUnit XML export (junit.h). */
#include <string.h>
#include <unistd.h>

#include "junit.h"

enum kind { K_PASS, K_FAILURE, K_ERROR, K_SKIPPED };

static enum kind kind_of(enum vrc_result r)
{
	switch (r) {
	case R_PASS: return K_PASS;
	case R_SKIP: case R_NOTRUN: return K_SKIPPED;
	case R_FAIL: case R_DMESG_WARN: case R_DMESG_FAIL: return K_FAILURE;
	default: return K_ERROR;
	}
}

static void prop(FILE *f, const char *name, const char *value)
{
	fprintf(f, "    <property name=\"%s\" value=\"", name);
	vrc_xml_text(f, value);
	fprintf(f, "\"/>\n");
}

int vrc_junit_write(FILE *f, const struct vrc_loaded *run)
{
	unsigned n[4] = { 0 };
	double total = 0;
	char host[256] = "localhost";

	gethostname(host, sizeof(host) - 1);
	for (unsigned i = 0; i < run->ntests; i++) {
		n[kind_of(run->t[i].result)]++;
		total += run->t[i].duration_s;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites>\n");
	fprintf(f, "  <testsuite name=\"vrc\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
		"skipped=\"%u\" time=\"%.3f\" timestamp=\"", run->ntests, n[K_FAILURE],
		n[K_ERROR], n[K_SKIPPED], total);
	/* the Ant schema's timestamp has no zone: UTC, drop the Z */
	char ts[32];
	snprintf(ts, sizeof(ts), "%.19s", run->started[0] ? run->started : "1970-01-01T00:00:00");
	vrc_xml_text(f, ts);
	fprintf(f, "\" hostname=\"");
	vrc_xml_text(f, host);
	fprintf(f, "\" id=\"0\" package=\"vrc\">\n");
	fprintf(f, "    <properties>\n");
	fprintf(f, "  ");
	prop(f, "run_id", run->run_id);
	fprintf(f, "  ");
	prop(f, "backend", run->backend);
	fprintf(f, "  ");
	prop(f, "model", run->model);
	fprintf(f, "  ");
	prop(f, "abi", run->abi_found);
	fprintf(f, "  ");
	prop(f, "host_kernel", run->host_kernel);
	fprintf(f, "    </properties>\n");
	for (unsigned i = 0; i < run->ntests; i++) {
		const struct vrc_lt *t = &run->t[i];
		char group[32];
		enum kind k = kind_of(t->result);

		fprintf(f, "    <testcase name=\"");
		vrc_xml_text(f, t->name);
		fprintf(f, "\" classname=\"vrc.%s\" time=\"%.3f\">\n",
			vrc_lt_group(t, group, sizeof(group)), t->duration_s);
		if (k != K_PASS) {
			static const char *const tag[] = { "", "failure", "error", "skipped" };
			fprintf(f, "      <%s message=\"", tag[k]);
			vrc_xml_text(f, t->reason[0] ? t->reason : vrc_result_name(t->result));
			if (k == K_SKIPPED)
				fprintf(f, "\"/>\n");
			else {
				fprintf(f, "\" type=\"%s\">", vrc_result_name(t->result));
				if (t->violated[0]) {
					fprintf(f, "violated: ");
					vrc_xml_text(f, t->violated);
				}
				fprintf(f, "</%s>\n", tag[k]);
			}
		}
		fprintf(f, "      <system-out>");
		fprintf(f, "result: %s\nclauses: ", vrc_result_name(t->result));
		vrc_xml_text(f, t->clauses);
		fprintf(f, "\n");
		if (t->reason[0]) {
			fprintf(f, "reason: ");
			vrc_xml_text(f, t->reason);
			fprintf(f, "\n");
		}
		if (t->nattempts > 1) {
			fprintf(f, "%s:", t->flaky ? "FLAKY, attempts" : "attempts");
			for (unsigned a = 0; a < t->nattempts; a++)
				fprintf(f, " %s", vrc_result_name(t->attempt[a]));
			fprintf(f, "\n");
		}
		for (unsigned m = 0; m < t->nmeas; m++) {
			fprintf(f, "measure ");
			vrc_xml_text(f, t->meas[m].name);
			fprintf(f, " = %.6g ", t->meas[m].value);
			vrc_xml_text(f, t->meas[m].unit);
			fprintf(f, "\n");
		}
		fprintf(f, "</system-out>\n");
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return ferror(f) ? -1 : 0;
}
