/* SPDX-License-Identifier: MIT */
/*
 * The VM launcher: boot a guest in QEMU, drive it through QMP and
 * qemu-guest-agent, and always end in a clear result.
 *
 *   struct vrc_vm_config c = { .kernel = ..., .initrd = ..., .run_dir = dir };
 *   struct vrc_vm *vm;
 *   if (vrc_vm_boot(&c, &vm, err, sizeof(err)))     // QEMU + console marker + agent
 *           ... vrc_vm_outcome(vm), vrc_vm_console_tail(vm, ...) ...
 *   vrc_vm_exec(vm, &req, &st, timeout_ms, err, sizeof(err));
 *   vrc_vm_shutdown(vm, err, sizeof(err));          // powerdown, quit, SIGKILL
 *   vrc_vm_free(vm);
 *
 * QEMU is started from an argument vector (never a shell), in its own
 * process group and with PR_SET_PDEATHSIG, so it never outlives the harness.
 * Every wait is bounded and also watches QEMU's pidfd and the QMP events: a
 * guest panic, a dead QEMU or a silent agent ends the call at once with the
 * outcome `crash` or `timeout` (sticky), and the console stays readable.
 */
#ifndef VRC_VM_VM_H
#define VRC_VM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/vm/qga.h"

enum vrc_vm_accel { VRC_VM_ACCEL_AUTO, VRC_VM_ACCEL_KVM, VRC_VM_ACCEL_TCG };

#define VRC_VM_READY_MARKER	"vrc-guest: ready"
#define VRC_VM_MAX_IVSHMEM	8
#define VRC_VM_MAX_EXTRA	32

struct vrc_vm_config {
	const char *qemu;		/* NULL: qemu-system-x86_64 from PATH */
	const char *machine;		/* NULL: "pc"; "none": no guest, QMP only */
	const char *kernel, *initrd;	/* kernel NULL: no guest (needs machine "none") */
	const char *append;		/* extra kernel arguments (after ours) */
	unsigned mem_mib;		/* 0: 512 */
	unsigned cpus;			/* 0: 1 */
	enum vrc_vm_accel accel;	/* AUTO: kvm if /dev/kvm is usable, else tcg */
	const char *ivshmem[VRC_VM_MAX_IVSHMEM]; /* vgpu-sim ivshmem server sockets */
	unsigned n_ivshmem;
	const char *extra[VRC_VM_MAX_EXTRA];	/* appended to QEMU's argv as is */
	unsigned n_extra;
	const char *run_dir;		/* must exist: console.log, qemu.log, sockets */
	const char *ready_marker;	/* NULL: VRC_VM_READY_MARKER; "": don't wait */
	bool no_agent;			/* no virtio-serial/qemu-ga channel */
	bool no_pvpanic;		/* no -device pvpanic */
	unsigned boot_timeout_ms;	/* 0: 60 s (kvm) or 240 s (tcg) */
	unsigned shutdown_timeout_ms;	/* per step (powerdown, quit); 0: 10 s */
};

enum vrc_vm_outcome {
	VRC_VM_OK,		/* nothing went wrong (yet) */
	VRC_VM_CRASH,		/* guest panic, unexpected reset/poweroff, QEMU died */
	VRC_VM_TIMEOUT,		/* guest or agent silent past a deadline */
	VRC_VM_ERROR,		/* the harness could not run the VM (bad config, no QEMU) */
};
const char *vrc_vm_outcome_name(enum vrc_vm_outcome o);	/* "ok", "crash", ... */

struct vrc_vm;

/* The accelerator AUTO resolves to here and why (a one-line reason). */
enum vrc_vm_accel vrc_vm_pick_accel(enum vrc_vm_accel want, char *why, size_t len);
const char *vrc_vm_accel_name(enum vrc_vm_accel a);

/*
 * QEMU's argv for this config, as run (accel resolved; the QMP/agent
 * sockets shown as "fd=N" placeholders). NULL-terminated, free with
 * vrc_vm_argv_free(). NULL and err on a bad config.
 */
char **vrc_vm_argv(const struct vrc_vm_config *c, enum vrc_vm_accel accel, int qmp_fd,
		   int qga_fd, char *err, size_t errlen);
void vrc_vm_argv_free(char **argv);
/* --dry-run: print the argv, one shell-quoted word per line-continuation. */
int vrc_vm_dry_run(const struct vrc_vm_config *c, FILE *out, char *err, size_t errlen);

/*
 * Start QEMU and open QMP (greeting + capabilities); no waiting for the
 * guest. On failure -errno, *out NULL, reason in err (QEMU's own stderr
 * included when it exited).
 */
int vrc_vm_start(const struct vrc_vm_config *c, struct vrc_vm **out, char *err, size_t errlen);
/*
 * Wait for the console marker and then the agent (guest-sync-delimited).
 * On failure the outcome says crash or timeout. 0 when ready.
 */
int vrc_vm_wait_ready(struct vrc_vm *vm, char *err, size_t errlen);
/* start + wait_ready. On failure *out may still be set (for the console). */
int vrc_vm_boot(const struct vrc_vm_config *c, struct vrc_vm **out, char *err, size_t errlen);

/* Run a command in the guest; 0 when it exited (any status: see st). */
int vrc_vm_exec(struct vrc_vm *vm, const struct vrc_qga_exec_req *req,
		struct vrc_qga_exec_status *st, int timeout_ms, char *err, size_t errlen);
/* guest-ping. */
int vrc_vm_ping(struct vrc_vm *vm, int timeout_ms, char *err, size_t errlen);
/* Fetch a guest file (at most max bytes; NUL-terminated in *data, owned). */
int vrc_vm_fetch(struct vrc_vm *vm, const char *path, size_t max, uint8_t **data, size_t *len,
		 int timeout_ms, char *err, size_t errlen);
/* Raw QMP command (args reference taken); for tests and debugging. */
int vrc_vm_qmp(struct vrc_vm *vm, const char *cmd, struct json_object *args,
	       struct json_object **ret, int timeout_ms, char *err, size_t errlen);

/*
 * End QEMU: system_powerdown (if a guest runs), then quit, then SIGKILL,
 * each bounded. 0 if it ended by powerdown or quit; how in vrc_vm_ended_by().
 * A crash seen on the way sets the outcome (and returns -ECHILD).
 */
int vrc_vm_shutdown(struct vrc_vm *vm, char *err, size_t errlen);
/* Kill QEMU if still running, close everything, free. NULL is fine. */
void vrc_vm_free(struct vrc_vm *vm);

enum vrc_vm_outcome vrc_vm_outcome(const struct vrc_vm *vm);
const char *vrc_vm_reason(const struct vrc_vm *vm);	/* "" while OK */
enum vrc_vm_accel vrc_vm_accel(const struct vrc_vm *vm);
pid_t vrc_vm_pid(const struct vrc_vm *vm);
/* Milliseconds from QEMU's start to the agent's first answer; -1 if not yet. */
int64_t vrc_vm_boot_ms(const struct vrc_vm *vm);
/* "powerdown", "quit", "kill", "guest" (it ended itself) or "" if running. */
const char *vrc_vm_ended_by(const struct vrc_vm *vm);
/* QEMU's wait status once it exited (see vrc_vm_exited). */
bool vrc_vm_exited(struct vrc_vm *vm, int *status);
const char *vrc_vm_console_path(const struct vrc_vm *vm);
/* The last nlines of the console (non-printables replaced), NUL-terminated. */
int vrc_vm_console_tail(const struct vrc_vm *vm, unsigned nlines, char *buf, size_t len);

/* The same on any file (public for tests): last nlines of at most 64 KiB. */
int vrc_file_tail(const char *path, unsigned nlines, char *buf, size_t len);
/* First line in the file containing needle (searching at most the last max bytes),
 * copied sanitized into line; 1 found, 0 not, -errno. */
int vrc_file_find_line(const char *path, const char *needle, size_t max, char *line, size_t len);

#endif /* VRC_VM_VM_H */
