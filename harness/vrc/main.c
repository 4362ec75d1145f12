// SPDX-License-Identifier: MIT
/* vrc: the command line. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrc/util.h"
#include "gvt_cli.h"
#include "journal.h"
#include "vrc.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: vrc run [options]     run the conformance suite, print KTAP\n"
"       vrc list [--suite=GLOBS] list tests and the SPEC clauses they check\n"
"       vrc mutation [options]   run every known-bad model; print model x clause\n"
"       vrc compare BASELINE RUN gate a run against a baseline (vrc compare --help)\n"
"       vrc export --junit=FILE|--kcidb=FILE RUN   results for CI systems\n"
"       vrc report RUN [--compare=BASELINE]        RUN/report.html with plots\n"
"       vrc --help | --version\n"
"\n"
"vrc checks the display refresh irq against docs/spec.md, on the emulated vGPU\n"
"(vgpu-sim): the uAPI and the virtual-time suites with a process guest, the\n"
"real-time (rt-*) workloads in a process guest or a booted QEMU guest; or on\n"
"a GVT-g vGPU of this host (--backend=gvt, see docs/hardware.md).\n"
"\n"
"run options:\n"
"  --backend=auto|sim|gvt|mdev the device under test. sim: the emulated vGPU. gvt:\n"
"                         a GVT-g vGPU on this host: the bring-up (detection,\n"
"                         mdev, KVM VM, VFIO open, display irq), then the DISC,\n"
"                         IRQ, EVT and ISO tests with the harness as the guest\n"
"                         (BAR0 writes, real vblanks; ISO on a second vGPU),\n"
"                         and the rt-* tests in an i915 guest booted on the\n"
"                         vGPU where host and image allow; each judged with\n"
"                         the host dmesg. What cannot run skips saying why\n"
"                         (exit 4, nothing tested, if no usable GVT-g). auto, the\n"
"                         default: gvt if a usable GVT-g is here and no sim\n"
"                         option (--vgpu-sim, --model, --abi) is given, else sim.\n"
"                         mdev (never picked by auto): any mdev type whose\n"
"                         devices offer the irq (--mdev-type), through kernel\n"
"                         VFIO without KVM, run as on gvt: the DISC, IRQ, EVT\n"
"                         and ISO tests with the harness as the guest, and\n"
"                         TEAR, the harness filling the planes' memory (BAR2)\n"
"                         and capturing real dma-bufs; rt-* skip (no guest on\n"
"                         it yet)\n"
"  --model=NAME           vgpu-sim behaviour model (default ref; see\n"
"                         'vgpu-sim --list-models')\n"
"  --abi=v5|v6|v7         uAPI revision the sim speaks (default: the model's)\n"
"  --suite=GLOB[,GLOB...] only tests whose name or clause matches one of\n"
"                         the globs, e.g. 'irq-*' or 'EVT-*,TEAR-1'\n"
"  --out=DIR              results directory (default results/<run-id>, and\n"
"                         results/latest points at it)\n"
"  --destructive          run the tests that can oops a real host (default:\n"
"                         only on the emulated vGPU, backend sim, whether\n"
"                         named or picked by auto; off on gvt and any other)\n"
"  --no-destructive       skip them (SKIP naming --destructive)\n"
"  --timeout=SECONDS      per-test limit, 1..3600 (default 60)\n"
"  --vgpu-sim=PATH        the vgpu-sim binary (default: next to vrc)\n"
"  --guest=process|vm     where the real-time (rt-*) workloads run: a host\n"
"                         process on vgpu-sim's guest side (default), or vrc-wl\n"
"                         in a QEMU guest booted per test (vdisp DRM driver;\n"
"                         KVM if usable, else TCG). Virtual-time tests always\n"
"                         use the process guest\n"
"  --image=DIR            the guest image (vmlinuz, initrd.img; default guest/\n"
"                         next to vgpu-sim: make image)\n"
"  --igt-image=DIR        the igt flavour for the igt-* tests (vmlinuz,\n"
"                         initrd.img, rootfs.sqfs; default guest-igt/ next to\n"
"                         vgpu-sim: make image-igt; on GVT guest-igt-i915/:\n"
"                         make image-igt-i915); they run with --guest=vm\n"
"                         and skip without it\n"
"  --no-extra             leave the extra workloads (igt-*) out of the run\n"
"  --extra=GLOBS          of the extra workloads, only those matching GLOBS\n"
"                         (as --suite; make check: the judged igt subset)\n"
"  --dry-run              with --backend=gvt: print every step of the GVT-g\n"
"                         bring-up (detection, mdev, KVM VM, VFIO, eventfd,\n"
"                         QEMU argv, cleanup) and which tests would run or\n"
"                         skip and why, and touch nothing; with auto (e.g.\n"
"                         make check's command line): the same if auto picks\n"
"                         GVT-g here, else exit 2\n"
"  --mdev-type=PARENT/TYPE  mdev: the mdev type to test (default\n"
"                         vgpu-mdev/vgpu-mdev-display: guest-images/mdev's\n"
"                         module, which runs the reference series in a kernel)\n"
"  --sysfs-root=DIR       gvt: read sysfs from DIR instead of /sys (a testing\n"
"                         aid: a fake tree; see docs/hardware.md)\n"
"  --rerun-failures=N     rerun a failing test up to N times (0..9, default 0);\n"
"                         every outcome is kept, a test whose verdict changes\n"
"                         is reported FLAKY and keeps its first failure\n"
"  --resume=DIR           continue the run in DIR (its journal.jsonl) after the\n"
"                         harness or host died: the test that was running is\n"
"                         recorded incomplete, finished tests are not run again,\n"
"                         the rest runs with the run's original options\n"
"  --progress=auto|tty|plain|off  progress on stderr (default auto: a live line\n"
"                         on a terminal, a line every 10 s otherwise)\n"
"\n"
"mutation options (and --vgpu-sim, --guest, --timeout):\n"
"  --realtime=some|all|none  which models also run the real-time tests: some\n"
"                         (default: those that between them fail every rt-*\n"
"                         test, plus ref and v3 for false failures), all, none\n"
"                         (none: no rt-* test runs, so none is asked to fail)\n"
"  --list-expected        print each model's expected row (model, abi, clauses)\n"
"                         and run nothing\n"
"\n"
"environment:\n"
"  VRC_QEMU               the QEMU binary guests boot with (default\n"
"                         qemu-system-x86_64 from PATH); on GVT-g its version\n"
"                         decides whether a guest can share the vGPU (>= 9.0:\n"
"                         bookworm-backports', or make qemu-gvt)\n"
"\n"
"exit status of run: 0 at least one test passed and none failed, 1 a test\n"
"failed, timed out, crashed or was flagged by dmesg, 2 the harness could not\n"
"run (bad option, backend did not start), 4 nothing was tested: every\n"
"selected test skipped (e.g. the device offers no display irq), no test\n"
"matched --suite, or --backend=gvt found no usable GVT-g vGPU (the reason in\n"
"one '# nothing was tested: ...' line and on stderr, or each reason printed)\n");
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

/* A device the harness emulates: a test that oopses it takes nothing down. */
static bool backend_is_emulated(const char *backend)
{
	return !strcmp(backend, "sim");
}

/*
 * Tests that can oops a real host (VT_DESTRUCTIVE) run by default only on
 * an emulated device, whichever way the backend was chosen: on any other,
 * present or future, they wait for --destructive. --destructive and
 * --no-destructive win, and a resumed run keeps its journal's choice.
 */
static void default_destructive(struct vrc_opts *o, const char *backend, unsigned given)
{
	if (!(given & VRC_GIVEN_DESTRUCTIVE) && !o->resume)
		o->destructive = backend_is_emulated(backend);
}

static int cmd_list(const struct vrc_opts *o)
{
	char cl[128];
	int w = 0, wc = 0, n = 0;

	/* a column each for names and clauses, as wide as the longest selected */
	for (unsigned i = 0; i < o->registry->ntests; i++) {
		const struct vrc_test *t = o->registry->test[i];

		if (!vrc_test_selected(o, t))
			continue;
		if ((int)strlen(t->name) > w)
			w = (int)strlen(t->name);
		if ((int)strlen(vrc_clauses_str(t->clauses, cl, sizeof(cl))) > wc)
			wc = (int)strlen(cl);
	}
	for (unsigned i = 0; i < o->registry->ntests; i++) {
		const struct vrc_test *t = o->registry->test[i];

		if (!vrc_test_selected(o, t))
			continue;
		printf("%-*s %-*s %s%s\n", w, t->name, wc, vrc_clauses_str(t->clauses, cl, sizeof(cl)),
		       t->flags & VT_DESTRUCTIVE ? "(destructive) " : "", t->desc);
		n++;
	}
	if (!n) {
		fprintf(stderr, "vrc: no test matches --suite=%s\n", o->suite ? o->suite : "");
		return 1;
	}
	return 0;
}

/* What the command line asks for, before anything is done about it. */
struct vrc_cli {
	const char *cmd;	/* run, list or mutation */
	struct vrc_opts o;
	const char *sysfs_root;	/* gvt: a fake sysfs tree (testing aid) */
	const char *mdev_type;	/* backend mdev */
	bool dry_run;
	bool list_expected;	/* vrc mutation --list-expected */
	bool sim_named;		/* --vgpu-sim: this run is about the emulated vGPU */
	unsigned given;		/* options named on the command line (--resume) */
};

#define CLI_GO	(-1)	/* parsed: go on; anything else is the exit status */

enum { O_BACKEND = 256, O_MODEL, O_ABI, O_SUITE, O_OUT, O_DESTR, O_NODESTR,
       O_TIMEOUT, O_SIM, O_VERSION, O_RESUME, O_RERUN, O_PROGRESS,
       O_DRY_RUN, O_SYSFS_ROOT, O_GUEST, O_IMAGE, O_IGT_IMAGE, O_REALTIME, O_NO_EXTRA, O_EXTRA,
       O_LIST_EXPECTED, O_MDEV_TYPE };

static const struct option long_opts[] = {
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
	{ "dry-run", no_argument, NULL, O_DRY_RUN },
	{ "sysfs-root", required_argument, NULL, O_SYSFS_ROOT },
	{ "mdev-type", required_argument, NULL, O_MDEV_TYPE },
	{ "guest", required_argument, NULL, O_GUEST },
	{ "image", required_argument, NULL, O_IMAGE },
	{ "igt-image", required_argument, NULL, O_IGT_IMAGE },
	{ "no-extra", no_argument, NULL, O_NO_EXTRA },
	{ "extra", required_argument, NULL, O_EXTRA },
	{ "realtime", required_argument, NULL, O_REALTIME },
	{ "list-expected", no_argument, NULL, O_LIST_EXPECTED },
	{ "resume", required_argument, NULL, O_RESUME },
	{ "rerun-failures", required_argument, NULL, O_RERUN },
	{ "progress", required_argument, NULL, O_PROGRESS },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* --opt=val as one of names: its index, or -1 with the message printed */
static int choice(const char *opt, const char *val, const char *const *names)
{
	char want[96];
	int i = vrc_parse_choice(val, names, want, sizeof(want));

	if (i < 0)
		fprintf(stderr, "vrc: --%s=%s: want %s\n", opt, val, want);
	return i;
}

/* --opt=val as a count from lo to hi: 0, or -1 with the message printed */
static int count(const char *opt, const char *val, unsigned long lo, unsigned long hi,
		 const char *what, int *out)
{
	unsigned long v;

	if (vrc_parse_ulong(val, lo, hi, &v)) {
		fprintf(stderr, "vrc: --%s=%s: want %s from %lu to %lu\n", opt, val, what, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* One option into cli: CLI_GO, or the exit status (2 for a bad value) */
static int parse_option(struct vrc_cli *cli, int c, const char *arg)
{
	static const char *const backends[] = { "sim", "gvt", "mdev", "auto", NULL };
	static const char *const guests[] = { "process", "vm", NULL };
	static const char *const abis[] = { "v5", "v6", "v7", NULL };
	/* in the order of VRC_RT_* */
	static const char *const realtimes[] = { "some", "all", "none", NULL };
	static const char *const progresses[] = { "auto", "tty", "plain", "off", NULL };
	static const int progress_of[] = {
		VRC_PROGRESS_AUTO, VRC_PROGRESS_TTY, VRC_PROGRESS_PLAIN, VRC_PROGRESS_OFF,
	};
	struct vrc_opts *o = &cli->o;
	int i;

	switch (c) {
	case O_BACKEND:
		if (choice("backend", arg, backends) < 0)
			return 2;
		o->backend = arg;
		cli->given |= VRC_GIVEN_BACKEND;
		break;
	case O_MODEL: o->model = arg; cli->given |= VRC_GIVEN_MODEL; break;
	case O_GUEST:
		if (choice("guest", arg, guests) < 0)
			return 2;
		o->guest = arg;
		break;
	case O_IMAGE: o->image_dir = arg; break;
	case O_IGT_IMAGE: o->igt_image_dir = arg; break;
	case O_NO_EXTRA: o->no_extra = true; break;
	case O_EXTRA: o->extra = arg; break;
	case O_REALTIME:
		if ((i = choice("realtime", arg, realtimes)) < 0)
			return 2;
		o->realtime_mutation = i;
		break;
	case O_ABI:
		if (choice("abi", arg, abis) < 0)
			return 2;
		o->abi = arg;
		cli->given |= VRC_GIVEN_ABI;
		break;
	case O_SUITE:
		/* the journal keeps it for --resume: as long as it holds */
		if (!*arg || strlen(arg) > 255) {
			fprintf(stderr, "vrc: --suite: want 1 to 255 characters, got %zu\n",
				strlen(arg));
			return 2;
		}
		o->suite = arg;
		cli->given |= VRC_GIVEN_SUITE;
		break;
	case O_OUT: o->out = arg; cli->given |= VRC_GIVEN_OUT; break;
	case O_DESTR: o->destructive = true; cli->given |= VRC_GIVEN_DESTRUCTIVE; break;
	case O_NODESTR: o->destructive = false; cli->given |= VRC_GIVEN_DESTRUCTIVE; break;
	case O_RESUME: o->resume = arg; break;
	case O_RERUN:
		if (count("rerun-failures", arg, 0, VRC_MAX_ATTEMPTS - 1, "a count",
			  &o->rerun_failures))
			return 2;
		cli->given |= VRC_GIVEN_RERUN;
		break;
	case O_PROGRESS:
		if ((i = choice("progress", arg, progresses)) < 0)
			return 2;
		o->progress = progress_of[i];
		break;
	case O_TIMEOUT:
		if (count("timeout", arg, 1, 3600, "seconds", &o->timeout_s))
			return 2;
		cli->given |= VRC_GIVEN_TIMEOUT;
		break;
	case O_SIM: o->sim_path = arg; cli->sim_named = true; break;
	case O_VERSION: printf("vrc %s\n", VRC_VERSION); return 0;
	case O_DRY_RUN: cli->dry_run = true; break;
	case O_LIST_EXPECTED: cli->list_expected = true; break;
	case O_SYSFS_ROOT: cli->sysfs_root = arg; break;
	case O_MDEV_TYPE: cli->mdev_type = arg; break;
	case 'h': usage(stdout); return 0;
	default: usage(stderr); return 2;
	}
	return CLI_GO;
}

/* Options that only some commands or backends take, checked together */
static int check_combination(struct vrc_cli *cli)
{
	struct vrc_opts *o = &cli->o;

	if (cli->list_expected) {
		if (!strcmp(cli->cmd, "mutation"))
			return CLI_GO;	/* prints a table: nothing else applies */
		fprintf(stderr, "vrc: --list-expected is an option of vrc mutation\n");
		return 2;
	}
	if (o->resume && strcmp(cli->cmd, "run")) {
		fprintf(stderr, "vrc: --resume is an option of vrc run\n");
		return 2;
	}
	if (cli->dry_run && (strcmp(cli->cmd, "run") || !strcmp(o->backend, "sim") || o->resume)) {
		fprintf(stderr, "vrc: --dry-run plans a GVT-g run: vrc run with --backend=gvt "
			"or auto\n");
		return 2;
	}
	return CLI_GO;
}

/*
 * The command line into cli: CLI_GO, or the exit status when there is
 * nothing more to do (--help, --version, a bad option) or the command
 * reads results rather than a device (compare, export, report).
 */
static int parse_args(int argc, char **argv, struct vrc_cli *cli)
{
	int c, rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cli->cmd = argv[1];
	if (!strcmp(cli->cmd, "--help") || !strcmp(cli->cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cli->cmd, "--version")) {
		printf("vrc %s\n", VRC_VERSION);
		return 0;
	}
	/* gating and lab formats: they read results, not a device */
	if (!strcmp(cli->cmd, "compare"))
		return vrc_cmd_compare(argc - 1, argv + 1);
	if (!strcmp(cli->cmd, "export"))
		return vrc_cmd_export(argc - 1, argv + 1);
	if (!strcmp(cli->cmd, "report"))
		return vrc_cmd_report(argc - 1, argv + 1);
	if (strcmp(cli->cmd, "run") && strcmp(cli->cmd, "list") && strcmp(cli->cmd, "mutation")) {
		fprintf(stderr, "vrc: unknown command '%s' (see vrc --help)\n", cli->cmd);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1)
		if ((rc = parse_option(cli, c, optarg)) != CLI_GO)
			return rc;
	if (optind < argc) {
		fprintf(stderr, "vrc: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return check_combination(cli);
}

/* run, list or mutation, on the backend the options (or the host) choose */
static int dispatch(struct vrc_cli *cli)
{
	struct vrc_opts *o = &cli->o;
	const char *cmd = cli->cmd;

	if (cli->list_expected)
		return vrc_mutation_list_expected(stdout);
	if (o->resume) {
		char err[1024];

		if (vrc_journal_resume_opts(o, cli->given, err, sizeof(err))) {
			fprintf(stderr, "vrc: %s\n", err);
			return 2;
		}
	}
	/* auto --dry-run: what this command line would do here, if it is GVT-g */
	if (cli->dry_run && !strcmp(o->backend, "auto")) {
		if (cli->sim_named || (cli->given & (VRC_GIVEN_MODEL | VRC_GIVEN_ABI)) ||
		    !vrc_gvt_auto(cli->sysfs_root)) {
			fprintf(stderr, "vrc: --dry-run: --backend=auto tests the emulated vGPU "
				"here, not GVT-g: nothing to plan\n");
			return 2;
		}
		o->backend = "gvt";
	}
	if (!strcmp(o->backend, "gvt") && !strcmp(cmd, "run")) {
		default_destructive(o, "gvt", cli->given);
		return vrc_gvt_run(o, cli->sysfs_root, cli->dry_run);
	}
	if (!strcmp(o->backend, "mdev") && !strcmp(cmd, "run") && !cli->dry_run && !o->resume) {
		default_destructive(o, "mdev", cli->given);
		return vrc_mdev_run(o, cli->mdev_type);
	}
	if (!strcmp(o->backend, "mdev")) {
		fprintf(stderr, "vrc: --backend=mdev is for vrc run (no --dry-run, no --resume yet)\n");
		return 2;
	}
	if (!strcmp(o->backend, "gvt") && !strcmp(cmd, "mutation")) {
		fprintf(stderr, "vrc: mutation runs vgpu-sim's models: --backend=gvt does not apply\n");
		return 2;
	}
	if (!o->sim_path)
		o->sim_path = default_sim_path();
	if (access(o->sim_path, X_OK)) {
		fprintf(stderr, "vrc: vgpu-sim not found at %s (build it with make, or "
			"pass --vgpu-sim=PATH)\n", o->sim_path);
		return 2;
	}
	if (!strcmp(cmd, "list"))
		return cmd_list(o);
	if (!strcmp(o->backend, "auto")) {
		/* a run naming the sim (--vgpu-sim, --model, --abi: the self-tests
		 * do) tests the sim even on a GVT-g host */
		if (!strcmp(cmd, "run") && !o->resume && !cli->sim_named &&
		    !(cli->given & (VRC_GIVEN_MODEL | VRC_GIVEN_ABI)) &&
		    vrc_gvt_auto(cli->sysfs_root)) {
			default_destructive(o, "gvt", cli->given);
			return vrc_gvt_run(o, cli->sysfs_root, false);
		}
		o->backend = "sim";
	}
	default_destructive(o, o->backend, cli->given);
	if (!strcmp(cmd, "mutation"))
		return vrc_mutation(o);

	struct vrc_run run;
	int rc = vrc_run(o, &run);

	vrc_run_free(&run);
	return rc;
}

int vrc_main(int argc, char **argv, const struct vrc_registry *tests)
{
	struct vrc_cli cli = {
		.o = { .backend = "auto", .destructive = false, .timeout_s = 60, .ktap = stdout,
		       .registry = tests },
		.mdev_type = "vgpu-mdev/vgpu-mdev-display",
	};
	int rc = parse_args(argc, argv, &cli);

	return rc != CLI_GO ? rc : dispatch(&cli);
}
