// SPDX-License-Identifier: MIT
/* QEMU's argument vector for a config, the accelerator choice, --dry-run. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vrc/util.h"
#include "harness/vm/vm.h"

#define KERNEL_ARGS	"console=ttyS0,115200 panic=-1"
#define DEFAULT_MEM_MIB	512
#define MAX_ARGS	(64 + 4 * VRC_VM_MAX_IVSHMEM + VRC_VM_MAX_EXTRA)

const char *vrc_vm_accel_name(enum vrc_vm_accel a)
{
	return a == VRC_VM_ACCEL_KVM ? "kvm" : a == VRC_VM_ACCEL_TCG ? "tcg" : "auto";
}

/*
 * KVM is usable when /dev/kvm opens read-write, speaks API 12, makes a VM,
 * and comes from hardware virtualization (kvm_intel or kvm_amd). Other
 * providers pass the ioctls but cannot run a stock guest kernel: kvm_pvm
 * (nested KVM without VMX, as in Firecracker sandboxes) needs a PVM guest
 * kernel, and QEMU then hangs or asserts on MSRs.
 */
static bool kvm_usable(char *why, size_t len)
{
	int fd, api, vm;

	if (access("/sys/module/kvm_intel", F_OK) && access("/sys/module/kvm_amd", F_OK)) {
		vrc_seterr(why, len, "%s", access("/sys/module/kvm_pvm", F_OK)
			   ? "no kvm_intel/kvm_amd module"
			   : "/dev/kvm is kvm_pvm, which cannot run a stock guest kernel");
		return false;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		vrc_seterr(why, len, "/dev/kvm: %s", strerror(errno));
		return false;
	}
	api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		vrc_seterr(why, len, "/dev/kvm: API version %d, want %d", api, KVM_API_VERSION);
		close(fd);
		return false;
	}
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		vrc_seterr(why, len, "/dev/kvm: KVM_CREATE_VM: %s", strerror(errno));
		close(fd);
		return false;
	}
	close(vm);
	close(fd);
	vrc_seterr(why, len, "/dev/kvm is usable");
	return true;
}

enum vrc_vm_accel vrc_vm_pick_accel(enum vrc_vm_accel want, char *why, size_t len)
{
	const char *env = getenv("VRC_VM_ACCEL");

	if (want == VRC_VM_ACCEL_AUTO && env && (!strcmp(env, "kvm") || !strcmp(env, "tcg"))) {
		vrc_seterr(why, len, "VRC_VM_ACCEL=%s", env);
		return !strcmp(env, "kvm") ? VRC_VM_ACCEL_KVM : VRC_VM_ACCEL_TCG;
	}
	if (want != VRC_VM_ACCEL_AUTO) {
		vrc_seterr(why, len, "asked for");
		return want;
	}
	return kvm_usable(why, len) ? VRC_VM_ACCEL_KVM : VRC_VM_ACCEL_TCG;
}

struct av {
	char *v[MAX_ARGS + 1];
	unsigned n;
	bool oom, full;
};

static void add(struct av *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct av *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->n >= MAX_ARGS) {
		a->full = true;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		a->oom = true;
		s = NULL;
	}
	va_end(ap);
	if (s)
		a->v[a->n++] = s;
}

void vrc_vm_argv_free(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}

/* QEMU's option parser splits on ',': a path with one would be misread. */
static bool bad_path(const char *p)
{
	return !p || !*p || strchr(p, ',') || strchr(p, '\n');
}

static void socket_chardev(struct av *a, const char *id, int fd, const char *run_dir,
			   const char *file)
{
	add(a, "-chardev");
	if (fd >= 0)
		add(a, "socket,id=%s,fd=%d,server=on,wait=off", id, fd);
	else
		add(a, "socket,id=%s,path=%s/%s,server=on,wait=off", id, run_dir, file);
}

char **vrc_vm_argv(const struct vrc_vm_config *c, enum vrc_vm_accel accel, int qmp_fd,
		   int qga_fd, char *err, size_t errlen)
{
	const char *machine = c->machine ? c->machine : "pc";
	bool guest = strcmp(machine, "none") != 0;
	struct av a = { .n = 0 };

	if (bad_path(c->run_dir)) {
		vrc_seterr(err, errlen, "run folder %s: must be set and free of ','",
			   c->run_dir ? c->run_dir : "(none)");
		return NULL;
	}
	if (guest && (bad_path(c->kernel) || (c->initrd && bad_path(c->initrd)))) {
		vrc_seterr(err, errlen, "kernel/initrd %s: %s", c->kernel ? c->kernel : "(none)",
			   c->kernel ? "a path with ',' is not supported" : "a guest needs a kernel");
		return NULL;
	}
	if (!guest && (c->kernel || c->n_ivshmem)) {
		vrc_seterr(err, errlen, "machine 'none' runs no guest: no kernel or ivshmem");
		return NULL;
	}
	if (c->n_ivshmem > VRC_VM_MAX_IVSHMEM || c->n_extra > VRC_VM_MAX_EXTRA) {
		vrc_seterr(err, errlen, "too many ivshmem sockets or extra arguments");
		return NULL;
	}
	for (unsigned i = 0; i < c->n_ivshmem; i++)
		if (bad_path(c->ivshmem[i])) {
			vrc_seterr(err, errlen, "ivshmem socket '%s': empty or contains ','",
				   c->ivshmem[i] ? c->ivshmem[i] : "");
			return NULL;
		}
	if (accel == VRC_VM_ACCEL_AUTO) {
		vrc_seterr(err, errlen, "accelerator not resolved");
		return NULL;
	}

	add(&a, "%s", c->qemu ? c->qemu : "qemu-system-x86_64");
	add(&a, "-nodefaults");
	add(&a, "-no-user-config");
	add(&a, "-display");
	add(&a, "none");
	add(&a, "-machine");
	add(&a, "%s", machine);
	add(&a, "-accel");
	add(&a, "%s", vrc_vm_accel_name(accel));
	socket_chardev(&a, "qmp", qmp_fd, c->run_dir, "qmp.sock");
	add(&a, "-mon");
	add(&a, "chardev=qmp,mode=control");
	if (guest) {
		if (accel == VRC_VM_ACCEL_KVM) {
			add(&a, "-cpu");
			add(&a, "host");
		}
		add(&a, "-m");
		add(&a, "%u", c->mem_mib ? c->mem_mib : DEFAULT_MEM_MIB);
		add(&a, "-smp");
		add(&a, "%u", c->cpus ? c->cpus : 1);
		/* A reset (panic=-1 reboots at once) ends QEMU; a pvpanic report
		 * makes it exit with status 1. */
		add(&a, "-no-reboot");
		add(&a, "-action");
		add(&a, "panic=exit-failure");
		add(&a, "-kernel");
		add(&a, "%s", c->kernel);
		if (c->initrd) {
			add(&a, "-initrd");
			add(&a, "%s", c->initrd);
		}
		add(&a, "-append");
		add(&a, KERNEL_ARGS "%s%s", c->append && *c->append ? " " : "",
		    c->append ? c->append : "");
		add(&a, "-chardev");
		add(&a, "file,id=con,path=%s/console.log", c->run_dir);
		add(&a, "-serial");
		add(&a, "chardev:con");
		if (!c->no_agent) {
			socket_chardev(&a, "qga", qga_fd, c->run_dir, "qga.sock");
			add(&a, "-device");
			add(&a, "virtio-serial-pci,id=vser");
			add(&a, "-device");
			add(&a, "virtserialport,bus=vser.0,chardev=qga,name=org.qemu.guest_agent.0");
		}
		if (!c->no_pvpanic) {
			add(&a, "-device");
			add(&a, "pvpanic");
		}
		for (unsigned i = 0; i < c->n_ivshmem; i++) {
			add(&a, "-chardev");
			add(&a, "socket,id=ivs%u,path=%s", i, c->ivshmem[i]);
			add(&a, "-device");
			add(&a, "ivshmem-doorbell,chardev=ivs%u,vectors=1", i);
		}
	}
	for (unsigned i = 0; i < c->n_extra; i++)
		add(&a, "%s", c->extra[i] ? c->extra[i] : "");
	if (a.oom || a.full) {
		vrc_seterr(err, errlen, "%s", a.oom ? "out of memory" : "too many QEMU arguments");
		for (unsigned i = 0; i < a.n; i++)
			free(a.v[i]);
		return NULL;
	}
	char **argv = calloc(a.n + 1, sizeof(*argv));
	if (!argv) {
		for (unsigned i = 0; i < a.n; i++)
			free(a.v[i]);
		vrc_seterr(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(argv, a.v, a.n * sizeof(*argv));
	return argv;
}

/* Print a word so a shell reads it back unchanged. */
static void shell_quote(FILE *out, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_=.,/:+@%") == strlen(s)) {
		fputs(s, out);
		return;
	}
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

int vrc_vm_dry_run(const struct vrc_vm_config *c, FILE *out, char *err, size_t errlen)
{
	char why[128];
	enum vrc_vm_accel accel = vrc_vm_pick_accel(c->accel, why, sizeof(why));
	char **argv = vrc_vm_argv(c, accel, -1, -1, err, errlen);

	if (!argv)
		return -EINVAL;
	fprintf(out, "# accel %s (%s)\n", vrc_vm_accel_name(accel), why);
	for (char **p = argv; *p; p++) {
		/* Options start a new line, their values stay with them. */
		if (p != argv)
			fputs((*p)[0] == '-' ? " \\\n  " : " ", out);
		shell_quote(out, *p);
	}
	fputc('\n', out);
	vrc_vm_argv_free(argv);
	return 0;
}
