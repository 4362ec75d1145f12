// SPDX-License-Identifier: MIT
/*
 * A workload in a VM guest: boot the guest image in QEMU on the test's
 * vGPU, run vrc-wl on the KMS backend through qemu-guest-agent, fetch its
 * timeline, shut the guest down. On the sim the vGPU is an ivshmem-doorbell
 * on the test's vgpu-sim instance (the vdisp driver binds to it); on GVT it
 * is the run's mdev, shared with QEMU through the iommufd cdev (i915 binds
 * to it). A guest panic, hang or QEMU death ends the test as crash/timeout
 * with the console's last lines in its record; the next test boots a fresh
 * guest (each test is its own child process).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/gvt/gvt.h"
#include "harness/vm/vm.h"
#include "artifacts.h"
#include "guest_vm.h"
#include "runner.h"
#include "vt.h"

#define GUEST_TIMELINE	"/tmp/vrc-timeline.json"
#define CONSOLE_LINES	12u

_Noreturn void vt_vm_fail(struct vt *t, struct vrc_vm *vm, const char *what, const char *err)
{
	enum vrc_vm_outcome o = vm ? vrc_vm_outcome(vm) : VRC_VM_ERROR;
	char tail[1600] = "";

	if (vm)
		vrc_vm_console_tail(vm, CONSOLE_LINES, tail, sizeof(tail));
	snprintf(t->reason, sizeof(t->reason), "guest %s: %s: %s%s%.400s",
		 vrc_vm_outcome_name(o), what, err, tail[0] ? " | console: " : "", tail);
	for (char *c = t->reason; *c; c++)
		if (*c == '\n')
			*c = '|';
	vt_diag(t, "%s", t->reason);
	if (vm)
		vt_diag(t, "console log: %s", vrc_vm_console_path(vm));
	vrc_vm_free(vm);
	vrc_child_finish(t, o == VRC_VM_TIMEOUT ? R_TIMEOUT : R_CRASH);
}

/* The VM's strings live as long as the VM: one VM per test (child) process. */
static struct {
	char kernel[600], initrd[600], ivs[160], run_dir[700], drive[800], share[1100];
} vmcfg;

/*
 * GVT: QEMU gets the vGPU's cdev and an iommufd (inherited fds) and must
 * run on KVM, since GVT opens a vGPU only for a KVM VM that knows it. The
 * harness's copy is opened by vt_open_device() once QEMU has bound it.
 */
static void gvt_vm_config(struct vt *t, struct vrc_vm_config *c)
{
	const char *args[GVT_QEMU_MAX_ARGS];
	char err[300];
	int n = gvt_session_share(t->o->gvt, vmcfg.share, sizeof(vmcfg.share), args,
				  GVT_QEMU_MAX_ARGS, err, sizeof(err));

	if (n < 0)
		vt_abort(t, "sharing the vGPU with QEMU: %s", err);
	t->gvt_shared = true;
	for (int i = 0; i < n && c->n_extra < VRC_VM_MAX_EXTRA; i++)
		c->extra[c->n_extra++] = args[i];
	c->accel = VRC_VM_ACCEL_KVM;
	c->mem_mib = 1024;
}

struct vrc_vm *vt_vm_boot(struct vt *t, const char *image_dir, const char *disk)
{
	struct vrc_vm_config c = { 0 };
	struct vrc_vm *vm = NULL;
	char err[512];

	if (vrc_guest_image_files(image_dir, vmcfg.kernel, sizeof(vmcfg.kernel), vmcfg.initrd,
				  sizeof(vmcfg.initrd)))
		vt_abort(t, "no guest image in %s (build it: make image)", image_dir);
	/* QEMU's console and logs go with the test's artifacts when kept. */
	if (vt_artifact_path(t, "vm", vmcfg.run_dir, sizeof(vmcfg.run_dir)) == 0)
		mkdir(vmcfg.run_dir, 0755);
	else
		snprintf(vmcfg.run_dir, sizeof(vmcfg.run_dir), "%s", t->sim.dir);
	c.kernel = vmcfg.kernel;
	c.initrd = vmcfg.initrd;
	/* the QEMU gvt detection asked for its version (gvt_host_probe) */
	if (getenv("VRC_QEMU") && *getenv("VRC_QEMU"))
		c.qemu = getenv("VRC_QEMU");
	c.run_dir = vmcfg.run_dir;
	c.mem_mib = 512;
	c.cpus = 1;
	if (t->o->gvt) {
		gvt_vm_config(t, &c);
	} else {
		vrc_sim_path(&t->sim, 0, "ivshmem", vmcfg.ivs, sizeof(vmcfg.ivs));
		c.ivshmem[c.n_ivshmem++] = vmcfg.ivs;
	}
	if (disk) {
		/* QEMU's -drive splits on commas: a path with one would be misread */
		if (strchr(disk, ','))
			vt_abort(t, "disk image path %s contains a comma", disk);
		if (snprintf(vmcfg.drive, sizeof(vmcfg.drive),
			     "file=%s,format=raw,if=virtio,readonly=on", disk) >=
		    (int)sizeof(vmcfg.drive))
			vt_abort(t, "disk image path too long: %s", disk);
		c.extra[c.n_extra++] = "-drive";
		c.extra[c.n_extra++] = vmcfg.drive;
	}

	if (vrc_vm_boot(&c, &vm, err, sizeof(err)))
		vt_vm_fail(t, vm, "boot", err);
	vt_measure(t, "guest_boot_ms", (double)vrc_vm_boot_ms(vm), "ms");
	return vm;
}

/* vrc-wl's own summary lines (what it did, whether the counter offset is
 * known and why not) as diagnostics: the guest's word, sanitized, bounded. */
static void diag_summary(struct vt *t, const struct vrc_qga_exec_status *st)
{
	const char *p = st->out ? (const char *)st->out : "";
	unsigned shown = 0;

	while (*p && shown < 4) {
		size_t n = strcspn(p, "\n");
		char line[400];
		size_t k = 0;

		if (n > 8 && !strncmp(p, "vrc-wl: ", 8)) {
			for (size_t i = 0; i < n && k + 1 < sizeof(line); i++)
				line[k++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
			line[k] = 0;
			vt_diag(t, "guest: %s", line);
			shown++;
		}
		p += n + (p[n] == '\n');
	}
}

void vt_vm_workload(struct vt *t, struct vrc_vm *vm, const char *const *args,
		    const char *tl_path, int timeout_ms)
{
	char err[512], a_tl[64];
	struct vrc_qga_exec_status st = { 0 };
	const char *argv[32];
	unsigned n = 0;

	snprintf(a_tl, sizeof(a_tl), "--timeline=%s", GUEST_TIMELINE);
	argv[n++] = args[0];
	argv[n++] = "--backend=kms";
	argv[n++] = a_tl;
	for (unsigned i = 1; args[i] && n < 30; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	struct vrc_qga_exec_req req = { .path = "/usr/bin/vrc-wl", .argv = argv };
	/* Fault injection for the self-tests (harness/tests/t_vm_run_crash.sh):
	 * the guest kernel panics where the named test's workload would run. */
	const char *panic_test = getenv("VRC_TEST_GUEST_PANIC");
	static const char *const panic_argv[] = { "-c", "echo c >/proc/sysrq-trigger", NULL };
	if (panic_test && !strcmp(panic_test, t->test->name)) {
		vt_diag(t, "VRC_TEST_GUEST_PANIC: the guest panics instead of running vrc-wl");
		req.path = "/bin/sh";
		req.argv = panic_argv;
	}
	if (vrc_vm_exec(vm, &req, &st, timeout_ms, err, sizeof(err)))
		vt_vm_fail(t, vm, "running vrc-wl", err);
	if (!st.exited || !st.has_exitcode || st.exitcode) {
		char msg[600];
		snprintf(msg, sizeof(msg), "vrc-wl %s exited %d%s: %.400s", args[0],
			 st.has_exitcode ? st.exitcode : -1, st.has_signal ? " (signal)" : "",
			 st.err ? (const char *)st.err : "");
		vrc_qga_exec_status_free(&st);
		vrc_vm_free(vm);
		vt_abort(t, "%s", msg);
	}
	diag_summary(t, &st);
	vrc_qga_exec_status_free(&st);

	uint8_t *data = NULL;
	size_t len = 0;
	if (vrc_vm_fetch(vm, GUEST_TIMELINE, 64u << 20, &data, &len, 30000, err, sizeof(err)))
		vt_vm_fail(t, vm, "fetching the timeline", err);
	int fd = open(tl_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		int e = errno;
		free(data);
		vrc_vm_free(vm);
		vt_abort(t, "%s: %s", tl_path, strerror(e));
	}
	close(fd);
	free(data);
}

void vt_vm_end(struct vt *t, struct vrc_vm *vm)
{
	char err[512];

	if (vrc_vm_shutdown(vm, err, sizeof(err)))
		vt_vm_fail(t, vm, "shutdown", err);
	vrc_vm_free(vm);
}
