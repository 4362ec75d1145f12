// SPDX-License-Identifier: MIT
/*
 * vrc-vm: boot the guest image in QEMU (optionally with vgpu-sim's ivshmem
 * sockets), run one command through qemu-guest-agent, print its output and
 * status, shut down. For lab engineers debugging guests, and for the lead.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vrc/util.h"
#include "harness/vm/vm.h"
#include "harness/vrc/sim_backend.h"

#define EXIT_TIMEOUT	124
#define EXIT_HARNESS	125
#define EXIT_CRASH	123
#define EXCERPT_LINES	40

static void usage(FILE *f)
{
	fprintf(f,
"usage: vrc-vm [options] [--] [COMMAND [ARG...]]\n"
"\n"
"Boot the vrc guest image in QEMU, wait for 'vrc-guest: ready' on the console\n"
"and for qemu-guest-agent, run COMMAND in the guest (an absolute path; no\n"
"shell), print its stdout/stderr, shut down (powerdown, quit, SIGKILL).\n"
"Without COMMAND: boot, ping the agent, shut down.\n"
"\n"
"options:\n"
"  --kernel=PATH, --initrd=PATH  the guest (default BUILD/guest/vmlinuz and\n"
"                        initrd.img, BUILD being the folder of vrc-vm)\n"
"  --append=ARGS         more kernel arguments (after console=ttyS0 panic=-1)\n"
"  --mem=MIB --cpus=N    guest size (default 512, 1)\n"
"  --accel=auto|kvm|tcg  default auto: kvm if /dev/kvm is usable, else tcg\n"
"  --ivshmem=SOCKET      join this ivshmem server (repeatable, up to 8)\n"
"  --vgpus=N             start vgpu-sim (real clock) with N vGPUs and join\n"
"                        each one's ivshmem socket\n"
"  --vgpu-sim=PATH       the vgpu-sim binary (default: next to vrc-vm)\n"
"  --model=NAME          vgpu-sim model with --vgpus (default ref)\n"
"  --env=K=V             environment of COMMAND (repeatable)\n"
"  --fetch=GUEST[:HOST]  after COMMAND, copy a guest file to HOST (default:\n"
"                        stdout)\n"
"  --timeout=S           COMMAND's limit (default 60)\n"
"  --boot-timeout=S      boot limit (default 60 with kvm, 240 with tcg)\n"
"  --shutdown-timeout=S  per shutdown step (default 10)\n"
"  --run-dir=DIR         keep console.log, qemu.log and the sockets here\n"
"                        (default: a fresh /tmp/vrc-vm.XXXXXX, removed at the\n"
"                        end unless something failed or --console)\n"
"  --console             print the console log path first (on stderr) and\n"
"                        keep the run folder\n"
"  --qemu=PATH           QEMU binary (default qemu-system-x86_64)\n"
"  --qemu-arg=ARG        append ARG to QEMU's argv (repeatable)\n"
"  --dry-run             print the QEMU command line and exit\n"
"  --help\n"
"\n"
"Progress and the verdict go to stderr; the last line is\n"
"'vrc-vm: result: ok|crash|timeout|error ...'. A crash or timeout prints the\n"
"console's last lines.\n"
"\n"
"exit status: COMMAND's exit status (128+N if killed by signal N; 0 without\n"
"COMMAND), 123 crash (guest panic, QEMU died), 124 timeout, 125 harness error\n"
"(bad option, no QEMU, image missing)\n");
}

struct opts {
	struct vrc_vm_config c;
	const char *env[33];
	unsigned n_env;
	const char *fetch;
	unsigned timeout_s, vgpus;
	const char *sim_path, *model;
	bool console, dry_run, run_dir_given;
	char kernel[PATH_MAX], initrd[PATH_MAX], sim[PATH_MAX];
};

static void self_dir_file(char *out, size_t len, const char *name)
{
	char self[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		snprintf(out, len, "%s", name);
		return;
	}
	self[n] = 0;
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = 0;
	if ((size_t)snprintf(out, len, "%s/%.40s", self, name) >= len)
		snprintf(out, len, "%s", name);
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v;

	if (vrc_parse_ulong(s, lo, hi, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

static int bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "vrc-vm: bad %s '%s': %s\n", opt, val, want);
	return EXIT_HARNESS;
}

static int parse(int argc, char **argv, struct opts *o, int *first_cmd)
{
	enum { O_KERNEL = 256, O_INITRD, O_APPEND, O_MEM, O_CPUS, O_ACCEL, O_IVSHMEM, O_VGPUS,
	       O_SIM, O_MODEL, O_ENV, O_FETCH, O_TIMEOUT, O_BOOT_TIMEOUT, O_SHUT_TIMEOUT,
	       O_RUN_DIR, O_CONSOLE, O_QEMU, O_QEMU_ARG, O_DRY_RUN, O_HELP };
	static const struct option lo[] = {
		{ "kernel", 1, 0, O_KERNEL }, { "initrd", 1, 0, O_INITRD },
		{ "append", 1, 0, O_APPEND }, { "mem", 1, 0, O_MEM }, { "cpus", 1, 0, O_CPUS },
		{ "accel", 1, 0, O_ACCEL }, { "ivshmem", 1, 0, O_IVSHMEM },
		{ "vgpus", 1, 0, O_VGPUS }, { "vgpu-sim", 1, 0, O_SIM }, { "model", 1, 0, O_MODEL },
		{ "env", 1, 0, O_ENV }, { "fetch", 1, 0, O_FETCH }, { "timeout", 1, 0, O_TIMEOUT },
		{ "boot-timeout", 1, 0, O_BOOT_TIMEOUT },
		{ "shutdown-timeout", 1, 0, O_SHUT_TIMEOUT }, { "run-dir", 1, 0, O_RUN_DIR },
		{ "console", 0, 0, O_CONSOLE }, { "qemu", 1, 0, O_QEMU },
		{ "qemu-arg", 1, 0, O_QEMU_ARG }, { "dry-run", 0, 0, O_DRY_RUN },
		{ "help", 0, 0, O_HELP }, { 0, 0, 0, 0 },
	};
	unsigned v;
	int c;

	o->timeout_s = 60;
	/* '+': options end at COMMAND, whose own options are its own. */
	while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		switch (c) {
		case O_KERNEL: o->c.kernel = optarg; break;
		case O_INITRD: o->c.initrd = optarg; break;
		case O_APPEND: o->c.append = optarg; break;
		case O_MEM:
			if (!parse_uint(optarg, 64, 65536, &o->c.mem_mib))
				return bad("--mem", optarg, "want MiB in 64..65536");
			break;
		case O_CPUS:
			if (!parse_uint(optarg, 1, 64, &o->c.cpus))
				return bad("--cpus", optarg, "want 1..64");
			break;
		case O_ACCEL:
			if (!strcmp(optarg, "auto"))
				o->c.accel = VRC_VM_ACCEL_AUTO;
			else if (!strcmp(optarg, "kvm"))
				o->c.accel = VRC_VM_ACCEL_KVM;
			else if (!strcmp(optarg, "tcg"))
				o->c.accel = VRC_VM_ACCEL_TCG;
			else
				return bad("--accel", optarg, "want auto, kvm or tcg");
			break;
		case O_IVSHMEM:
			if (o->c.n_ivshmem >= VRC_VM_MAX_IVSHMEM)
				return bad("--ivshmem", optarg, "at most 8");
			o->c.ivshmem[o->c.n_ivshmem++] = optarg;
			break;
		case O_VGPUS:
			if (!parse_uint(optarg, 1, 4, &o->vgpus))
				return bad("--vgpus", optarg, "want 1..4");
			break;
		case O_SIM: o->sim_path = optarg; break;
		case O_MODEL: o->model = optarg; break;
		case O_ENV:
			if (!strchr(optarg, '=') || o->n_env >= 32)
				return bad("--env", optarg, "want K=V, at most 32");
			o->env[o->n_env++] = optarg;
			break;
		case O_FETCH: o->fetch = optarg; break;
		case O_TIMEOUT:
			if (!parse_uint(optarg, 1, 86400, &o->timeout_s))
				return bad("--timeout", optarg, "want seconds in 1..86400");
			break;
		case O_BOOT_TIMEOUT:
			if (!parse_uint(optarg, 1, 3600, &v))
				return bad("--boot-timeout", optarg, "want seconds in 1..3600");
			o->c.boot_timeout_ms = v * 1000;
			break;
		case O_SHUT_TIMEOUT:
			if (!parse_uint(optarg, 1, 600, &v))
				return bad("--shutdown-timeout", optarg, "want seconds in 1..600");
			o->c.shutdown_timeout_ms = v * 1000;
			break;
		case O_RUN_DIR: o->c.run_dir = optarg; o->run_dir_given = true; break;
		case O_CONSOLE: o->console = true; break;
		case O_QEMU: o->c.qemu = optarg; break;
		case O_QEMU_ARG:
			if (o->c.n_extra >= VRC_VM_MAX_EXTRA)
				return bad("--qemu-arg", optarg, "at most 32");
			o->c.extra[o->c.n_extra++] = optarg;
			break;
		case O_DRY_RUN: o->dry_run = true; break;
		case 'h': case O_HELP: usage(stdout); exit(0);
		default:
			fprintf(stderr, "vrc-vm: see --help\n");
			return EXIT_HARNESS;
		}
	}
	*first_cmd = optind;
	if (optind < argc && argv[optind][0] != '/')
		return bad("COMMAND", argv[optind], "want an absolute path in the guest (no shell)");
	if (o->vgpus && o->c.n_ivshmem + o->vgpus > VRC_VM_MAX_IVSHMEM)
		return bad("--vgpus", "", "too many ivshmem sockets with --ivshmem");
	if (!o->c.kernel) {
		self_dir_file(o->kernel, sizeof(o->kernel), "guest/vmlinuz");
		o->c.kernel = o->kernel;
	}
	if (!o->c.initrd) {
		self_dir_file(o->initrd, sizeof(o->initrd), "guest/initrd.img");
		o->c.initrd = o->initrd;
	}
	if (!o->sim_path) {
		self_dir_file(o->sim, sizeof(o->sim), "vgpu-sim");
		o->sim_path = o->sim;
	}
	return 0;
}

static int write_all(FILE *f, const void *p, size_t n)
{
	return n && fwrite(p, 1, n, f) != n ? -1 : 0;
}

static void excerpt(struct vrc_vm *vm)
{
	char tail[8192];

	if (!vm || vrc_vm_console_tail(vm, EXCERPT_LINES, tail, sizeof(tail)))
		return;
	fprintf(stderr, "vrc-vm: --- console (last %d lines of %s)\n", EXCERPT_LINES,
		vrc_vm_console_path(vm));
	for (char *l = strtok(tail, "\n"); l; l = strtok(NULL, "\n"))
		fprintf(stderr, "  %s\n", l);
	fprintf(stderr, "vrc-vm: ---\n");
}

static int fetch(struct vrc_vm *vm, const char *spec, char *err, size_t errlen)
{
	char guest[PATH_MAX];
	const char *host = NULL;
	uint8_t *data;
	size_t len;

	snprintf(guest, sizeof(guest), "%s", spec);
	char *colon = strchr(guest, ':');
	if (colon) {
		*colon = 0;
		host = colon + 1;
	}
	int rc = vrc_vm_fetch(vm, guest, 64u << 20, &data, &len, 60000, err, errlen);
	if (rc)
		return rc;
	FILE *f = host ? fopen(host, "w") : stdout;
	if (!f || write_all(f, data, len) || (host && fclose(f))) {
		snprintf(err, errlen, "cannot write %s", host ? host : "stdout");
		free(data);
		return -EIO;
	}
	fprintf(stderr, "vrc-vm: fetched %s (%zu bytes)%s%s\n", guest, len, host ? " to " : "",
		host ? host : "");
	free(data);
	return 0;
}

/* Before the boot: the image's files there, the run folder made. */
static int prepare(struct opts *o, char *tmpdir)
{
	for (const char *f[] = { o->c.kernel, o->c.initrd }, **p = f; p < f + 2; p++)
		if (access(*p, R_OK)) {
			fprintf(stderr, "vrc-vm: %s: %s (build the image: make image)\n", *p,
				strerror(errno));
			return EXIT_HARNESS;
		}
	if (!o->c.run_dir) {
		if (!mkdtemp(tmpdir)) {
			fprintf(stderr, "vrc-vm: mkdtemp: %s\n", strerror(errno));
			return EXIT_HARNESS;
		}
		o->c.run_dir = tmpdir;
	} else if (mkdir(o->c.run_dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "vrc-vm: --run-dir %s: %s\n", o->c.run_dir, strerror(errno));
		return EXIT_HARNESS;
	}
	if (o->console)	/* stderr: stdout is the command's */
		fprintf(stderr, "vrc-vm: console: %s/console.log\n", o->c.run_dir);
	return 0;
}

/* --vgpus: vgpu-sim started, each vGPU's ivshmem socket added to the guest's */
static int start_sim(struct opts *o, struct vrc_sim *sim,
		     char socks[][128])
{
	struct vrc_sim_cfg sc = { .sim_path = o->sim_path, .model = o->model,
				  .instances = o->vgpus, .real_clock = true };
	char err[1024];

	if (vrc_sim_start_cfg(&sc, sim, err, sizeof(err))) {
		fprintf(stderr, "vrc-vm: vgpu-sim: %s\n", err);
		return EXIT_HARNESS;
	}
	for (unsigned i = 0; i < o->vgpus; i++) {
		vrc_sim_path(sim, i, "ivshmem", socks[i], sizeof(socks[i]));
		o->c.ivshmem[o->c.n_ivshmem++] = socks[i];
	}
	fprintf(stderr, "vrc-vm: vgpu-sim with %u vGPU(s) in %s\n", o->vgpus, sim->dir);
	return 0;
}

/*
 * In the booted guest: COMMAND (argv, NULL for a ping instead) with its
 * output copied out, then --fetch. 0 with *status COMMAND's exit status,
 * or -errno with err set.
 */
static int run_in_guest(struct vrc_vm *vm, const struct opts *o, char *const *argv,
			int *status, char *err, size_t errlen)
{
	int rc;

	if (argv[0]) {
		struct vrc_qga_exec_req req = {
			.path = argv[0], .argv = (const char *const *)&argv[1],
			.env = o->n_env ? o->env : NULL,
		};
		struct vrc_qga_exec_status st;

		rc = vrc_vm_exec(vm, &req, &st, (int)o->timeout_s * 1000, err, errlen);
		if (rc)
			return rc;
		fflush(stdout);
		if (write_all(stdout, st.out, st.out_len) || write_all(stderr, st.err, st.err_len))
			fprintf(stderr, "vrc-vm: cannot write the command's output\n");
		fflush(stdout);
		if (st.out_truncated || st.err_truncated)
			fprintf(stderr, "vrc-vm: (output truncated)\n");
		*status = st.has_signal ? 128 + st.signal : st.exitcode & 0xff;
		fprintf(stderr, "vrc-vm: %s %s %d\n", argv[0],
			st.has_signal ? "killed by signal" : "exited with status",
			st.has_signal ? st.signal : st.exitcode);
		vrc_qga_exec_status_free(&st);
	} else {
		rc = vrc_vm_ping(vm, 10000, err, errlen);
		if (rc)
			return rc;
		fprintf(stderr, "vrc-vm: guest-ping answered\n");
	}
	return o->fetch ? fetch(vm, o->fetch, err, errlen) : 0;
}

/* Boot, run, shut down: the outcome, *status COMMAND's exit status. */
static enum vrc_vm_outcome boot_and_run(struct opts *o, char *const *cmd, int *status)
{
	struct vrc_vm *vm = NULL;
	enum vrc_vm_outcome outcome;
	char err[1024] = "", why[128];
	int rc;

	o->c.accel = vrc_vm_pick_accel(o->c.accel, why, sizeof(why));
	fprintf(stderr, "vrc-vm: booting %s (accel %s: %s), run folder %s\n", o->c.kernel,
		vrc_vm_accel_name(o->c.accel), why, o->c.run_dir);
	rc = vrc_vm_boot(&o->c, &vm, err, sizeof(err));
	if (!rc) {
		fprintf(stderr, "vrc-vm: guest agent ready after %.1f s\n",
			vrc_vm_boot_ms(vm) / 1000.0);
		rc = run_in_guest(vm, o, cmd, status, err, sizeof(err));
	}
	if (!rc) {
		rc = vrc_vm_shutdown(vm, err, sizeof(err));
		if (!rc)
			fprintf(stderr, "vrc-vm: QEMU ended by %s\n", vrc_vm_ended_by(vm));
	}
	outcome = vm ? vrc_vm_outcome(vm) : VRC_VM_ERROR;
	if (vm && vrc_vm_ended_by(vm)[0] == 0 && outcome != VRC_VM_OK)
		vrc_vm_shutdown(vm, NULL, 0);
	if (outcome == VRC_VM_OK && rc)
		outcome = VRC_VM_ERROR;
	if (outcome == VRC_VM_CRASH || outcome == VRC_VM_TIMEOUT)
		excerpt(vm);
	fprintf(stderr, "vrc-vm: result: %s%s%s\n", vrc_vm_outcome_name(outcome),
		outcome == VRC_VM_OK ? "" : ": ",
		outcome == VRC_VM_OK ? "" : (vm && vrc_vm_reason(vm)[0] ? vrc_vm_reason(vm) : err));
	vrc_vm_free(vm);
	return outcome;
}

/* The run folder goes when all went well and nobody asked to keep it. */
static void tidy(const struct opts *o, const char *tmpdir, enum vrc_vm_outcome outcome)
{
	if (outcome == VRC_VM_OK && !o->run_dir_given && !o->console) {
		char p[PATH_MAX];

		for (const char *f[] = { "console.log", "qemu.log" }, **q = f; q < f + 2; q++) {
			snprintf(p, sizeof(p), "%s/%s", tmpdir, *q);
			unlink(p);
		}
		rmdir(tmpdir);
	} else if (outcome != VRC_VM_OK) {
		fprintf(stderr, "vrc-vm: kept %s\n", o->c.run_dir);
	}
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct vrc_sim sim = { .pid = -1, .ctl = -1 };
	char sim_socks[VRC_VM_MAX_IVSHMEM][128];
	char tmpdir[] = "/tmp/vrc-vm.XXXXXX";
	char err[1024] = "";
	enum vrc_vm_outcome outcome;
	int first, rc, status = 0;

	rc = parse(argc, argv, &o, &first);
	if (rc)
		return rc;
	if (o.dry_run) {
		if (!o.c.run_dir)
			o.c.run_dir = "RUN_DIR";
		if (o.vgpus)
			fprintf(stderr, "vrc-vm: --dry-run: vgpu-sim's sockets not shown\n");
		rc = vrc_vm_dry_run(&o.c, stdout, err, sizeof(err));
		if (rc)
			fprintf(stderr, "vrc-vm: %s\n", err);
		return rc ? EXIT_HARNESS : 0;
	}
	rc = prepare(&o, tmpdir);
	if (!rc && o.vgpus)
		rc = start_sim(&o, &sim, sim_socks);
	if (rc)
		return rc;
	outcome = boot_and_run(&o, &argv[first], &status);
	if (o.vgpus)
		vrc_sim_stop(&sim);
	tidy(&o, tmpdir, outcome);
	return outcome == VRC_VM_CRASH ? EXIT_CRASH : outcome == VRC_VM_TIMEOUT ? EXIT_TIMEOUT
	       : outcome == VRC_VM_ERROR ? EXIT_HARNESS : status;
}
