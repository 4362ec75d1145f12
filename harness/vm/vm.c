// SPDX-License-Identifier: MIT
/*
 * VM lifecycle with a watchdog: boot (console marker, then the agent), run
 * commands, shut down. Every wait watches QEMU's pidfd and the QMP events,
 * so a death or panic ends it at once; the outcome is sticky.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vrc/util.h"
#include "harness/vm/vm_priv.h"

#define QMP_TIMEOUT_MS		10000
#define SYNC_SLICE_MS		2000
#define PING_TIMEOUT_MS		3000
#define SCAN_CHUNK		65536
#define PANIC_TEXT		"Kernel panic"
#define DEATH_GRACE_MS		3000	/* a panicking guest takes QEMU down soon */

const char *vrc_vm_outcome_name(enum vrc_vm_outcome o)
{
	static const char *const n[] = { "ok", "crash", "timeout", "error" };
	return (unsigned)o < 4 ? n[o] : "?";
}

/* Scan the console's new bytes for the ready marker and panic text. */
static void scan_console(struct vrc_vm *vm)
{
	const char *marker = vm->cfg.ready_marker ? vm->cfg.ready_marker : VRC_VM_READY_MARKER;
	size_t keep = sizeof(PANIC_TEXT) > strlen(marker) + 1 ? sizeof(PANIC_TEXT)
							       : strlen(marker) + 1;
	int fd = open(vm->console, O_RDONLY | O_CLOEXEC);
	char buf[SCAN_CHUNK + 256];

	if (fd < 0)
		return;
	for (;;) {
		/* Re-read a little before pos: a marker may straddle two reads. */
		off_t from = vm->console_pos > (off_t)keep ? vm->console_pos - (off_t)keep : 0;
		ssize_t n = pread(fd, buf, SCAN_CHUNK, from);
		if (n <= 0 || from + n <= vm->console_pos)
			break;
		if (*marker && memmem(buf, (size_t)n, marker, strlen(marker)))
			vm->marker_seen = true;
		if (!vm->panic_seen && memmem(buf, (size_t)n, PANIC_TEXT, strlen(PANIC_TEXT)))
			vm->panic_seen = true;
		vm->console_pos = from + n;
		if (n < SCAN_CHUNK)
			break;
	}
	close(fd);
	if (vm->panic_seen && !vm->panic_line[0])
		vrc_file_find_line(vm->console, PANIC_TEXT, 1 << 20, vm->panic_line,
				   sizeof(vm->panic_line));
}

static void qemu_log_last_line(const struct vrc_vm *vm, char *buf, size_t len)
{
	vrc_file_tail(vm->qemu_log, 1, buf, len);
	buf[strcspn(buf, "\n")] = 0;
}

static void set_outcome(struct vrc_vm *vm, enum vrc_vm_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_outcome(struct vrc_vm *vm, enum vrc_vm_outcome o, const char *fmt, ...)
{
	va_list ap;

	if (vm->outcome != VRC_VM_OK)
		return;		/* the first verdict stands */
	vm->outcome = o;
	va_start(ap, fmt);
	vsnprintf(vm->reason, sizeof(vm->reason), fmt, ap);
	va_end(ap);
}

/* QEMU is gone or the guest panicked: turn what we know into a verdict. */
static void classify_end(struct vrc_vm *vm)
{
	const struct vrc_qmp_events *ev = &vm->qmp.ev;
	char what[200], qlog[160] = "";

	scan_console(vm);
	if (vm->stopping && !ev->panicked && !vm->panic_seen)
		return;		/* the end we asked for */
	if (ev->panicked)
		snprintf(what, sizeof(what), "GUEST_PANICKED (pvpanic)");
	else if (ev->shutdown && !strcmp(ev->shutdown_reason, "guest-panic"))
		snprintf(what, sizeof(what), "SHUTDOWN reason guest-panic");
	else if (ev->shutdown && !strcmp(ev->shutdown_reason, "guest-reset"))
		snprintf(what, sizeof(what), "the guest reset itself (-no-reboot)");
	else if (ev->shutdown && ev->shutdown_guest)
		snprintf(what, sizeof(what), "the guest powered off by itself (%s)",
			 ev->shutdown_reason);
	else if (vm->exited && WIFSIGNALED(vm->status))
		snprintf(what, sizeof(what), "QEMU killed by signal %d", WTERMSIG(vm->status));
	else if (vm->exited) {
		qemu_log_last_line(vm, qlog, sizeof(qlog));
		snprintf(what, sizeof(what), "QEMU exited with status %d%s%s",
			 WEXITSTATUS(vm->status), qlog[0] ? ": " : "", qlog);
	} else
		snprintf(what, sizeof(what), "QEMU closed QMP");
	if (vm->panic_seen)
		set_outcome(vm, VRC_VM_CRASH, "guest kernel panic: %s [%s]", vm->panic_line, what);
	else
		set_outcome(vm, VRC_VM_CRASH, "%s", what);
}

/* Watchers for waits: QEMU's death, and QMP events. */
static int on_pidfd(void *ctx, char *err, size_t errlen)
{
	struct vrc_vm *vm = ctx;

	if (!vrc_vm_reap(vm, 0))
		return 0;
	if (vm->qmp_open)
		vrc_qmp_pump(&vm->qmp, NULL, 0);	/* the last events explain the exit */
	classify_end(vm);
	vrc_seterr(err, errlen, "%s", vm->outcome ? vm->reason : "QEMU exited");
	return -ECHILD;
}

static int on_qmp(void *ctx, char *err, size_t errlen)
{
	struct vrc_vm *vm = ctx;
	int rc = vrc_qmp_pump(&vm->qmp, NULL, 0);

	if (rc == 0 && !vm->qmp.ev.panicked)
		return 0;
	/* A panic report or QMP hung up: QEMU is on its way out; wait a moment. */
	vrc_vm_reap(vm, DEATH_GRACE_MS);
	classify_end(vm);
	vrc_seterr(err, errlen, "%s", vm->outcome ? vm->reason : "QEMU is exiting");
	return -ECHILD;
}

static int on_tick(void *ctx, char *err, size_t errlen)
{
	struct vrc_vm *vm = ctx;

	return vm->pidfd < 0 && vrc_vm_reap(vm, 0) ? on_pidfd(ctx, err, errlen) : 0;
}

/* with_qmp: also watch QMP (not while QMP itself is the one waited on). */
static void waiter(struct vrc_vm *vm, struct vrc_waiter *w, bool with_qmp)
{
	memset(w, 0, sizeof(*w));
	w->ctx = vm;
	w->tick = on_tick;
	w->tick_ms = 100;
	if (vm->pidfd >= 0)
		w->w[w->n++] = (typeof(w->w[0])){ vm->pidfd, on_pidfd };
	if (with_qmp && vm->qmp_open)
		w->w[w->n++] = (typeof(w->w[0])){ vm->qmp.fd, on_qmp };
}

static int check_alive(struct vrc_vm *vm, char *err, size_t errlen)
{
	if (vm->outcome != VRC_VM_OK) {
		vrc_seterr(err, errlen, "%s: %s", vrc_vm_outcome_name(vm->outcome), vm->reason);
		return vm->outcome == VRC_VM_TIMEOUT ? -ETIMEDOUT : -ECHILD;
	}
	if (vrc_vm_reap(vm, 0) && !vm->stopping) {
		classify_end(vm);
		vrc_seterr(err, errlen, "%s", vm->reason);
		return -ECHILD;
	}
	return 0;
}

int vrc_vm_start(const struct vrc_vm_config *c, struct vrc_vm **out, char *err, size_t errlen)
{
	struct vrc_vm *vm = calloc(1, sizeof(*vm));
	struct vrc_waiter w;
	char e[400] = "";
	int rc;

	*out = NULL;
	if (!vm)
		return -ENOMEM;
	vm->cfg = *c;
	vm->pid = vm->pidfd = -1;
	vm->qmp.fd = vm->qga.fd = -1;
	vm->boot_ms = -1;
	vm->ended_by = "";
	vm->guest = !c->machine || strcmp(c->machine, "none");
	if (!c->run_dir || strlen(c->run_dir) >= sizeof(vm->dir)) {
		vrc_seterr(err, errlen, "no run folder (or its path is too long)");
		free(vm);
		return -EINVAL;
	}
	snprintf(vm->dir, sizeof(vm->dir), "%s", c->run_dir);
	vm->accel = vrc_vm_pick_accel(c->accel, vm->accel_why, sizeof(vm->accel_why));
	rc = vrc_vm_spawn(vm, err, errlen);
	if (rc) {
		vm->outcome = VRC_VM_ERROR;
		vrc_vm_free(vm);
		return rc;
	}
	waiter(vm, &w, false);
	rc = vrc_qmp_open(&vm->qmp, vm->qmp.fd, QMP_TIMEOUT_MS, &w, e, sizeof(e));
	vm->qmp_open = true;
	if (rc) {
		/* QEMU refused the command line (or died): its stderr says why. */
		char qlog[300] = "";
		vrc_vm_reap(vm, 1000);
		qemu_log_last_line(vm, qlog, sizeof(qlog));
		vrc_seterr(err, errlen, "QEMU did not come up: %s%s%s", e, qlog[0] ? "; QEMU said: " : "",
			   qlog);
		vrc_vm_free(vm);
		return rc == -ECHILD ? -ECHILD : rc;
	}
	*out = vm;
	return 0;
}

int vrc_vm_wait_ready(struct vrc_vm *vm, char *err, size_t errlen)
{
	unsigned limit = vm->cfg.boot_timeout_ms ? vm->cfg.boot_timeout_ms
			 : vm->accel == VRC_VM_ACCEL_KVM ? 60000 : 240000;
	int64_t deadline = vm->t_start + limit;
	const char *marker = vm->cfg.ready_marker ? vm->cfg.ready_marker : VRC_VM_READY_MARKER;
	struct vrc_waiter w;
	char e[400] = "";
	int rc;

	if ((rc = check_alive(vm, err, errlen)))
		return rc;
	if (!vm->guest || !vm->qga_open) {
		vrc_seterr(err, errlen, "no guest agent in this VM");
		return -EINVAL;
	}
	waiter(vm, &w, true);
	/* 1: the console marker (the guest's init got that far). */
	while (*marker && !vm->marker_seen) {
		scan_console(vm);
		if (vm->marker_seen)
			break;
		if (vm->panic_seen) {
			vrc_vm_reap(vm, DEATH_GRACE_MS);
			classify_end(vm);
			break;
		}
		if (!vrc_left_ms(deadline))
			break;
		/* Sleep ~100 ms, waking on QEMU's death or QMP events. */
		rc = vrc_wait_readable(-1, vrc_now_ms() + 100, &w, e, sizeof(e));
		if (rc == -ECHILD)
			break;
	}
	if (vm->outcome == VRC_VM_OK && *marker && !vm->marker_seen)
		set_outcome(vm, VRC_VM_TIMEOUT, "no '%s' on the console within %u s", marker,
			    limit / 1000);
	/* 2: the agent answers a resync. Repeat it: one sent before qemu-ga
	 * opened its port waits in the channel and is answered late. */
	while (vm->outcome == VRC_VM_OK) {
		int slice = vrc_left_ms(deadline);
		if (!slice) {
			set_outcome(vm, VRC_VM_TIMEOUT, "guest agent silent %u s after boot (%s)",
				    limit / 1000, e[0] ? e : "no reply to guest-sync-delimited");
			break;
		}
		rc = vrc_qga_sync(&vm->qga, slice < SYNC_SLICE_MS ? slice : SYNC_SLICE_MS, &w, e,
				  sizeof(e));
		if (rc == 0) {
			vm->boot_ms = vrc_now_ms() - vm->t_start;
			return 0;
		}
		if (rc == -EPIPE) {
			vrc_vm_reap(vm, DEATH_GRACE_MS);
			classify_end(vm);
			set_outcome(vm, VRC_VM_CRASH, "agent channel closed: %s", e);
		}
	}
	scan_console(vm);
	if (vm->outcome == VRC_VM_TIMEOUT && vm->panic_seen) {
		/* A panicked guest that kept QEMU alive is still a crash. */
		vm->outcome = VRC_VM_OK;
		classify_end(vm);
	}
	vrc_seterr(err, errlen, "%s: %s", vrc_vm_outcome_name(vm->outcome), vm->reason);
	return vm->outcome == VRC_VM_TIMEOUT ? -ETIMEDOUT : -ECHILD;
}

int vrc_vm_boot(const struct vrc_vm_config *c, struct vrc_vm **out, char *err, size_t errlen)
{
	int rc = vrc_vm_start(c, out, err, errlen);

	return rc ? rc : vrc_vm_wait_ready(*out, err, errlen);
}

/* After an agent call failed: decide whether the VM is still good. */
static int agent_failed(struct vrc_vm *vm, int rc, const char *what, int timeout_ms,
			const char *e, char *err, size_t errlen)
{
	struct vrc_waiter w;
	char pe[200];

	if (rc == -ECHILD || rc == -EPIPE) {
		vrc_vm_reap(vm, DEATH_GRACE_MS);
		classify_end(vm);
		set_outcome(vm, VRC_VM_CRASH, "agent channel closed during %s", what);
	} else if (rc == -ETIMEDOUT) {
		/* The command ran long, or the guest is gone: ask the agent. */
		waiter(vm, &w, true);
		int prc = vrc_qga_ping(&vm->qga, PING_TIMEOUT_MS, &w, pe, sizeof(pe));
		scan_console(vm);
		if (prc == -ECHILD || vm->panic_seen) {
			vrc_vm_reap(vm, DEATH_GRACE_MS);
			classify_end(vm);
		} else if (prc) {
			set_outcome(vm, VRC_VM_TIMEOUT, "guest agent silent: %s (%d ms) and guest-ping "
				    "got no answer", what, timeout_ms);
		} else {
			set_outcome(vm, VRC_VM_TIMEOUT, "%s", e);
		}
	} else {
		/* An agent error (no such file, ...) or garbage: the VM itself is fine. */
		vrc_seterr(err, errlen, "%s", e);
		return rc;
	}
	vrc_seterr(err, errlen, "%s: %s", vrc_vm_outcome_name(vm->outcome), vm->reason);
	return vm->outcome == VRC_VM_TIMEOUT ? -ETIMEDOUT : -ECHILD;
}

/* Before a request to the guest agent: QEMU alive, an agent connected, and
 * the waiter that ends the wait if QEMU dies or the guest panics. */
static int agent_ready(struct vrc_vm *vm, struct vrc_waiter *w, char *err, size_t errlen)
{
	int rc = check_alive(vm, err, errlen);

	if (rc)
		return rc;
	if (!vm->qga_open) {
		vrc_seterr(err, errlen, "no guest agent in this VM");
		return -EINVAL;
	}
	waiter(vm, w, true);
	return 0;
}

int vrc_vm_exec(struct vrc_vm *vm, const struct vrc_qga_exec_req *req,
		struct vrc_qga_exec_status *st, int timeout_ms, char *err, size_t errlen)
{
	struct vrc_waiter w;
	char e[400] = "";
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = agent_ready(vm, &w, err, errlen)))
		return rc;
	rc = vrc_qga_exec(&vm->qga, req, st, NULL, timeout_ms, &w, e, sizeof(e));
	if (!rc)
		return 0;
	return agent_failed(vm, rc, req->path, timeout_ms, e, err, errlen);
}

int vrc_vm_ping(struct vrc_vm *vm, int timeout_ms, char *err, size_t errlen)
{
	struct vrc_waiter w;
	char e[400] = "";
	int rc;

	if ((rc = agent_ready(vm, &w, err, errlen)))
		return rc;
	rc = vrc_qga_ping(&vm->qga, timeout_ms, &w, e, sizeof(e));
	return rc ? agent_failed(vm, rc, "guest-ping", timeout_ms, e, err, errlen) : 0;
}

int vrc_vm_fetch(struct vrc_vm *vm, const char *path, size_t max, uint8_t **data, size_t *len,
		 int timeout_ms, char *err, size_t errlen)
{
	struct vrc_waiter w;
	char e[400] = "";
	int rc;

	*data = NULL;
	*len = 0;
	if ((rc = agent_ready(vm, &w, err, errlen)))
		return rc;
	rc = vrc_qga_read_file(&vm->qga, path, max, data, len, timeout_ms, &w, e, sizeof(e));
	return rc ? agent_failed(vm, rc, path, timeout_ms, e, err, errlen) : 0;
}

int vrc_vm_qmp(struct vrc_vm *vm, const char *cmd, struct json_object *args,
	       struct json_object **ret, int timeout_ms, char *err, size_t errlen)
{
	struct vrc_waiter w;
	char e[400] = "";
	int rc;

	if (ret)
		*ret = NULL;
	if ((rc = check_alive(vm, err, errlen))) {
		json_object_put(args);
		return rc;
	}
	waiter(vm, &w, false);
	rc = vrc_qmp_cmd(&vm->qmp, cmd, args, ret, timeout_ms, &w, e, sizeof(e));
	if (rc == -EPIPE || rc == -ECHILD) {
		vrc_vm_reap(vm, DEATH_GRACE_MS);
		classify_end(vm);
		set_outcome(vm, VRC_VM_CRASH, "QEMU closed QMP during %s", cmd);
		vrc_seterr(err, errlen, "%s: %s", vrc_vm_outcome_name(vm->outcome), vm->reason);
		return -ECHILD;
	}
	vrc_seterr(err, errlen, "%s", e);
	return rc;
}

/* Wait for QEMU to exit, reading QMP events meanwhile. */
static bool wait_exit(struct vrc_vm *vm, int timeout_ms)
{
	int64_t deadline = vrc_now_ms() + timeout_ms;

	while (!vrc_vm_reap(vm, 0)) {
		if (!vrc_left_ms(deadline))
			return false;
		if (vm->qmp_open && !vm->qmp.closed) {
			struct vrc_waiter w;
			waiter(vm, &w, false);
			int left = vrc_left_ms(deadline);
			if (!vrc_wait_readable(vm->qmp.fd, vrc_now_ms() + (left < 100 ? left : 100),
					       &w, NULL, 0))
				vrc_qmp_pump(&vm->qmp, NULL, 0);
		} else {
			vrc_vm_reap(vm, vrc_left_ms(deadline) < 100 ? vrc_left_ms(deadline) : 100);
		}
	}
	return true;
}

int vrc_vm_shutdown(struct vrc_vm *vm, char *err, size_t errlen)
{
	unsigned step = vm->cfg.shutdown_timeout_ms ? vm->cfg.shutdown_timeout_ms : 10000;
	char e[300] = "";

	if (vm->pid <= 0)
		return 0;
	if (vm->exited) {
		if (!vm->ended_by[0])
			vm->ended_by = "guest";
		classify_end(vm);
	} else {
		vm->stopping = true;
		if (vm->guest && vm->outcome == VRC_VM_OK && !vm->qmp.closed &&
		    !vrc_qmp_cmd(&vm->qmp, "system_powerdown", NULL, NULL, QMP_TIMEOUT_MS, NULL,
				 e, sizeof(e)) &&
		    wait_exit(vm, (int)step))
			vm->ended_by = "powerdown";
		if (!vm->exited && !vm->qmp.closed &&
		    !vrc_qmp_quit(&vm->qmp, QMP_TIMEOUT_MS, e, sizeof(e)) && wait_exit(vm, (int)step))
			vm->ended_by = "quit";
		if (!vm->exited) {
			vrc_vm_kill(vm);
			vm->ended_by = "kill";
		}
		vrc_qmp_pump(&vm->qmp, NULL, 0);
		classify_end(vm);	/* a panic on the way down still counts */
	}
	if (vm->outcome == VRC_VM_OK)
		return 0;
	vrc_seterr(err, errlen, "%s: %s", vrc_vm_outcome_name(vm->outcome), vm->reason);
	return -ECHILD;
}

void vrc_vm_free(struct vrc_vm *vm)
{
	if (!vm)
		return;
	if (vm->pid > 0 && !vm->exited)
		vrc_vm_kill(vm);
	if (vm->qmp_open)
		vrc_qmp_close(&vm->qmp);
	else if (vm->qmp.fd >= 0)
		close(vm->qmp.fd);
	if (vm->qga_open)
		vrc_qga_close(&vm->qga);
	if (vm->pidfd >= 0)
		close(vm->pidfd);
	if (vm->qmp_sock[0])
		unlink(vm->qmp_sock);
	if (vm->qga_sock[0])
		unlink(vm->qga_sock);
	free(vm);
}

enum vrc_vm_outcome vrc_vm_outcome(const struct vrc_vm *vm) { return vm->outcome; }
const char *vrc_vm_reason(const struct vrc_vm *vm) { return vm->reason; }
enum vrc_vm_accel vrc_vm_accel(const struct vrc_vm *vm) { return vm->accel; }
pid_t vrc_vm_pid(const struct vrc_vm *vm) { return vm->pid; }
int64_t vrc_vm_boot_ms(const struct vrc_vm *vm) { return vm->boot_ms; }
const char *vrc_vm_ended_by(const struct vrc_vm *vm) { return vm->ended_by; }
const char *vrc_vm_console_path(const struct vrc_vm *vm) { return vm->console; }

bool vrc_vm_exited(struct vrc_vm *vm, int *status)
{
	if (!vrc_vm_reap(vm, 0))
		return false;
	if (status)
		*status = vm->status;
	return true;
}

int vrc_vm_console_tail(const struct vrc_vm *vm, unsigned nlines, char *buf, size_t len)
{
	return vrc_file_tail(vm->console, nlines, buf, len);
}
