// SPDX-License-Identifier: MIT
/* vrc: the command line. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrc.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: vrc run [options]     run the conformance suite, print KTAP\n"
"       vrc list [--suite=GLOB]  list tests and the SPEC clauses they check\n"
"       vrc mutation [options]   run every known-bad model; print model x clause\n"
"       vrc --help | --version\n"
"\n"
"vrc checks the vGPU display refresh irq against SPEC.md. Today it runs on the\n"
"emulated vGPU (vgpu-sim) with a process guest in virtual time; the GVT-g\n"
"hardware backend and booted VM guests are not implemented yet.\n"
"\n"
"run options:\n"
"  --backend=auto|sim     the device under test; only sim exists so far. auto,\n"
"                         the default, says if it sees GVT-g hardware, then\n"
"                         uses sim\n"
"  --model=NAME           vgpu-sim behaviour model (default ref; see\n"
"                         'vgpu-sim --list-models')\n"
"  --abi=v5|v6|v7         uAPI revision the sim speaks (default: the model's)\n"
"  --suite=GLOB           only tests whose name or clause matches, e.g.\n"
"                         'irq-*' or 'EVT-*'\n"
"  --out=DIR              results directory (default results/<run-id>, and\n"
"                         results/latest points at it)\n"
"  --destructive          run tests that can oops a real host (default on sim)\n"
"  --no-destructive       skip them\n"
"  --timeout=SECONDS      per-test limit, 1..3600 (default 60)\n"
"  --vgpu-sim=PATH        the vgpu-sim binary (default: next to vrc)\n"
"\n"
"exit status: 0 every test passed (or skipped), 1 a test failed, timed out or\n"
"crashed, 2 the harness could not run (bad option, backend did not start)\n");
}

static const char *default_sim_path(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 16);

	if (n <= 0)
		return "vgpu-sim";
	path[n] = 0;
	char *slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "vgpu-sim");
	return path;
}

static int cmd_list(const struct vrc_opts *o)
{
	char cl[128];

	for (unsigned i = 0; i < vrc_num_tests; i++) {
		const struct vrc_test *t = vrc_all_tests[i];
		if (!vrc_test_selected(o, t))
			continue;
		printf("%-34s %-14s %s%s\n", t->name, vrc_clauses_str(t->clauses, cl, sizeof(cl)),
		       t->flags & VT_DESTRUCTIVE ? "(destructive) " : "", t->desc);
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_BACKEND = 256, O_MODEL, O_ABI, O_SUITE, O_OUT, O_DESTR, O_NODESTR,
	       O_TIMEOUT, O_SIM, O_VERSION };
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, O_BACKEND },
		{ "model", required_argument, NULL, O_MODEL },
		{ "abi", required_argument, NULL, O_ABI },
		{ "suite", required_argument, NULL, O_SUITE },
		{ "out", required_argument, NULL, O_OUT },
		{ "destructive", no_argument, NULL, O_DESTR },
		{ "no-destructive", no_argument, NULL, O_NODESTR },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "vgpu-sim", required_argument, NULL, O_SIM },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct vrc_opts o = {
		.backend = "auto", .destructive = true, .timeout_s = 60, .ktap = stdout,
	};
	const char *cmd;
	int c;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("vrc %s\n", VRC_VERSION);
		return 0;
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "list") && strcmp(cmd, "mutation")) {
		fprintf(stderr, "vrc: unknown command '%s' (see vrc --help)\n", cmd);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_BACKEND:
			if (!strcmp(optarg, "gvt")) {
				fprintf(stderr, "vrc: --backend=gvt is not implemented yet "
					"(see README.md, 'On GVT-g hardware')\n");
				return 2;
			}
			if (strcmp(optarg, "sim") && strcmp(optarg, "auto")) {
				fprintf(stderr, "vrc: --backend=%s: want sim or auto\n", optarg);
				return 2;
			}
			o.backend = optarg;
			break;
		case O_MODEL: o.model = optarg; break;
		case O_ABI:
			if (strcmp(optarg, "v5") && strcmp(optarg, "v6") && strcmp(optarg, "v7")) {
				fprintf(stderr, "vrc: --abi=%s: want v5, v6 or v7\n", optarg);
				return 2;
			}
			o.abi = optarg;
			break;
		case O_SUITE: o.suite = optarg; break;
		case O_OUT: o.out = optarg; break;
		case O_DESTR: o.destructive = true; break;
		case O_NODESTR: o.destructive = false; break;
		case O_TIMEOUT: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || !*optarg || v < 1 || v > 3600) {
				fprintf(stderr, "vrc: --timeout=%s: want seconds from 1 to 3600\n",
					optarg);
				return 2;
			}
			o.timeout_s = (int)v;
			break;
		}
		case O_SIM: o.sim_path = optarg; break;
		case O_VERSION: printf("vrc %s\n", VRC_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vrc: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!o.sim_path)
		o.sim_path = default_sim_path();
	if (access(o.sim_path, X_OK)) {
		fprintf(stderr, "vrc: vgpu-sim not found at %s (build it with make, or "
			"pass --vgpu-sim=PATH)\n", o.sim_path);
		return 2;
	}
	if (!strcmp(cmd, "list"))
		return cmd_list(&o);
	if (!strcmp(o.backend, "auto")) {
		char bdf[300];
		if (vrc_gvt_detect("/sys", bdf, sizeof(bdf)))
			fprintf(stderr, "vrc: GVT-g device %s found, but the gvt backend is not "
				"implemented yet: testing the emulated vGPU instead\n", bdf);
		o.backend = "sim";
	}
	if (!strcmp(cmd, "mutation"))
		return vrc_mutation(&o);
	struct vrc_run run;
	int rc = vrc_run(&o, &run);
	vrc_run_free(&run);
	return rc;
}
