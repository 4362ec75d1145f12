/* SPDX-License-Identifier: MIT */
/* The VM handle, shared by the files of the launcher (process, lifecycle). */
#ifndef VRC_VM_PRIV_H
#define VRC_VM_PRIV_H

#include <limits.h>
#include <sys/types.h>

#include "harness/vm/qmp.h"
#include "harness/vm/qga.h"
#include "harness/vm/vm.h"

struct vrc_vm {
	struct vrc_vm_config cfg;	/* strings not owned: the caller's */
	bool guest;			/* a machine with a kernel (not "none") */
	enum vrc_vm_accel accel;
	char accel_why[128];

	pid_t pid;			/* QEMU; its process group too */
	int pidfd;			/* -1: polled with waitpid instead */
	bool exited;
	int status;			/* wait status once exited */
	int64_t t_start;		/* vrc_now_ms() at spawn */
	int64_t boot_ms;		/* agent first answered; -1 before */

	struct vrc_qmp qmp;
	bool qmp_open;
	struct vrc_qga qga;
	bool qga_open;

	bool stopping;			/* we asked QEMU to end: an exit is no crash */
	const char *ended_by;
	enum vrc_vm_outcome outcome;
	char reason[512];

	char dir[PATH_MAX];
	char console[PATH_MAX + 16], qemu_log[PATH_MAX + 16];
	char qmp_sock[PATH_MAX + 16], qga_sock[PATH_MAX + 16];
	off_t console_pos;		/* console scanned up to here */
	bool marker_seen, panic_seen;
	char panic_line[200];
};

/* Process (vm_proc.c). */
int vrc_vm_spawn(struct vrc_vm *vm, char *err, size_t errlen);
/* Reap if it exited: true once QEMU is gone. */
bool vrc_vm_reap(struct vrc_vm *vm, int timeout_ms);
void vrc_vm_kill(struct vrc_vm *vm);

#endif /* VRC_VM_PRIV_H */
