// SPDX-License-Identifier: MIT
/* vrc export: a run's results in the formats CI systems read. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "junit.h"
#include "kcidb.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: vrc export [--junit=FILE] [--kcidb=FILE [--origin=NAME]] RUN\n"
"\n"
"Write the results of RUN (a run folder or its results.json):\n"
"  --junit=FILE    JUnit XML (Jenkins, GitLab): one testsuite, a testcase per\n"
"                  test, classname vrc.<clause group>; failure, error (crash,\n"
"                  timeout, incomplete) and skipped elements\n"
"  --kcidb=FILE    KCIDB I/O schema v5 JSON (checkout, build, tests with path\n"
"                  vrc.<test>, measurements as DONE tests with a number)\n"
"  --origin=NAME   the KCIDB origin, [a-z0-9_]+ (default vrc)\n"
"FILE - writes to stdout. For LAVA see harness/lab/vrc-lava-results.\n"
"\n"
"exit status: 0 written, 2 bad input or cannot write\n");
}

/* Write through FILE.tmp and rename: a reader never sees half a file. */
static int write_out(const char *path, int (*fn)(FILE *, void *), void *arg)
{
	char tmp[4200];

	if (!strcmp(path, "-"))
		return fn(stdout, arg) || fflush(stdout) ? -1 : 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "vrc export: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	int rc = fn(f, arg);
	if (fclose(f) || rc || rename(tmp, path)) {
		fprintf(stderr, "vrc export: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int junit_fn(FILE *f, void *arg)
{
	return vrc_junit_write(f, arg);
}

static int json_fn(FILE *f, void *arg)
{
	const char *s = json_object_to_json_string_ext(arg, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	return fprintf(f, "%s\n", s) < 0 ? -1 : 0;
}

int vrc_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "junit", required_argument, NULL, 'j' },
		{ "kcidb", required_argument, NULL, 'k' },
		{ "origin", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *junit = NULL, *kcidb = NULL, *origin = "vrc";
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': junit = optarg; break;
		case 'k': kcidb = optarg; break;
		case 'o': origin = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "vrc export: want one RUN (see vrc export --help)\n");
		return 2;
	}
	if (!junit && !kcidb) {
		fprintf(stderr, "vrc export: nothing to do: give --junit=FILE and/or --kcidb=FILE\n");
		return 2;
	}
	if (!vrc_kcidb_origin_ok(origin)) {
		fprintf(stderr, "vrc export: --origin=%s: want [a-z0-9_]+ (KCIDB origin), at most "
			"64 characters\n", origin);
		return 2;
	}
	struct vrc_loaded run;
	char err[1024];
	int rc = 0;

	if (vrc_results_load(argv[optind], &run, err, sizeof(err))) {
		fprintf(stderr, "vrc export: %s\n", err);
		return 2;
	}
	if (junit && write_out(junit, junit_fn, &run))
		rc = 2;
	if (kcidb && !rc) {
		json_object *k = vrc_kcidb_build(&run, origin, err, sizeof(err));
		if (!k) {
			fprintf(stderr, "vrc export: %s\n", err);
			rc = 2;
		} else if (write_out(kcidb, json_fn, k))
			rc = 2;
		json_object_put(k);
	}
	vrc_loaded_free(&run);
	return rc;
}
