// SPDX-License-Identifier: MIT
/*
 * The QEMU process: listening QMP/agent sockets made here and handed over by
 * fd (no start-up race, no polling for a socket path), exec from an argv in
 * its own process group with PR_SET_PDEATHSIG, stdout/stderr to qemu.log.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vrc/util.h"
#include "harness/vm/vm_priv.h"

/*
 * Bind a listening socket at dir/name. sun_path holds 108 bytes; a longer
 * run folder is reached through /proc/self/fd/<dirfd>/name instead.
 */
static int listen_at(int dirfd, const char *dir, const char *name, char *path, size_t plen,
		     char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(path, plen, "%s/%s", dir, name);
	unlinkat(dirfd, name, 0);
	if (strlen(path) < sizeof(sa.sun_path))
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	else
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		int e = errno;
		vrc_seterr(err, errlen, "cannot listen on %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

/* Our end: connected now, accepted by QEMU once it runs. */
static int connect_to(int lfd, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int fd;

	if (getsockname(lfd, (struct sockaddr *)&sa, &len)) {
		vrc_seterr(err, errlen, "getsockname: %s", strerror(errno));
		return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len)) {
		int e = errno;
		vrc_seterr(err, errlen, "connect %s: %s", sa.sun_path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static void child(char **argv, int logfd, int lq, int lg, int errpipe, pid_t parent)
{
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

	setpgid(0, 0);
	/* Die with the harness; and if it died before the prctl, go now. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(126);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		goto fail;
	/* The listening sockets are QEMU's; everything else stays CLOEXEC. */
	if (fcntl(lq, F_SETFD, 0) || (lg >= 0 && fcntl(lg, F_SETFD, 0)))
		goto fail;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
fail:;
	int e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* The exact command in <dir>/qemu.cmdline, one line, for whoever debugs a
 * guest (which QEMU, which options): arguments with a space are quoted. */
static int write_cmdline(int dirfd, const char *dir, char **argv, char *err, size_t errlen)
{
	int fd = openat(dirfd, "qemu.cmdline", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f;
	int bad;

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		vrc_seterr(err, errlen, "%s/qemu.cmdline: %s", dir, strerror(e));
		return -e;
	}
	for (char **a = argv; *a; a++)
		fprintf(f, strchr(*a, ' ') ? "%s'%s'" : "%s%s", a == argv ? "" : " ", *a);
	fputc('\n', f);
	bad = ferror(f);
	if (fclose(f) || bad) {
		vrc_seterr(err, errlen, "%s/qemu.cmdline: write failed", dir);
		return -EIO;
	}
	return 0;
}

int vrc_vm_spawn(struct vrc_vm *vm, char *err, size_t errlen)
{
	int dirfd = -1, lq = -1, lg = -1, logfd = -1, ep[2] = { -1, -1 };
	char **argv = NULL;
	int rc;

	dirfd = open(vm->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		rc = -errno;
		vrc_seterr(err, errlen, "run folder %s: %s", vm->dir, strerror(errno));
		goto out;
	}
	snprintf(vm->console, sizeof(vm->console), "%s/console.log", vm->dir);
	snprintf(vm->qemu_log, sizeof(vm->qemu_log), "%s/qemu.log", vm->dir);
	if (vm->guest) {
		/* Fresh: the marker must not be found in a previous boot's log. */
		int cfd = open(vm->console, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (cfd < 0) {
			rc = -errno;
			vrc_seterr(err, errlen, "%s: %s", vm->console, strerror(errno));
			goto out;
		}
		close(cfd);
	}
	logfd = open(vm->qemu_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0) {
		rc = -errno;
		vrc_seterr(err, errlen, "%s: %s", vm->qemu_log, strerror(errno));
		goto out;
	}
	rc = lq = listen_at(dirfd, vm->dir, "qmp.sock", vm->qmp_sock, sizeof(vm->qmp_sock),
			    err, errlen);
	if (rc < 0)
		goto out;
	if (vm->guest && !vm->cfg.no_agent) {
		rc = lg = listen_at(dirfd, vm->dir, "qga.sock", vm->qga_sock,
				    sizeof(vm->qga_sock), err, errlen);
		if (rc < 0)
			goto out;
	}
	argv = vrc_vm_argv(&vm->cfg, vm->accel, lq, lg, err, errlen);
	if (!argv) {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = write_cmdline(dirfd, vm->dir, argv, err, errlen)))
		goto out;
	rc = connect_to(lq, err, errlen);
	if (rc < 0)
		goto out;
	vm->qmp.fd = rc;
	if (lg >= 0) {
		rc = connect_to(lg, err, errlen);
		if (rc < 0)
			goto out;
		vrc_qga_init(&vm->qga, rc);
		vm->qga_open = true;
	}
	if (pipe2(ep, O_CLOEXEC)) {
		rc = -errno;
		vrc_seterr(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	pid_t parent = getpid();
	fflush(NULL);
	vm->pid = fork();
	if (vm->pid < 0) {
		rc = -errno;
		vrc_seterr(err, errlen, "fork: %s", strerror(errno));
		goto out;
	}
	if (vm->pid == 0)
		child(argv, logfd, lq, lg, ep[1], parent);
	setpgid(vm->pid, vm->pid);	/* also here: no window for a stray kill */
	vm->t_start = vrc_now_ms();
	close(ep[1]);
	ep[1] = -1;
	int e = 0;
	ssize_t n;
	do
		n = read(ep[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(vm->pid, NULL, 0);
		vm->pid = -1;
		rc = -e;
		vrc_seterr(err, errlen, "cannot run %s: %s", argv[0], strerror(e));
		goto out;
	}
	vm->pidfd = pidfd_open_(vm->pid);
	rc = 0;
out:
	vrc_vm_argv_free(argv);
	for (int *fd = (int[]){ dirfd, lq, lg, logfd, ep[0], ep[1] }, i = 0; i < 6; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return rc;
}

bool vrc_vm_reap(struct vrc_vm *vm, int timeout_ms)
{
	int64_t deadline = vrc_now_ms() + timeout_ms;

	if (vm->exited || vm->pid <= 0)
		return true;
	for (;;) {
		int status;
		pid_t r = waitpid(vm->pid, &status, WNOHANG);
		if (r == vm->pid || (r < 0 && errno == ECHILD)) {
			vm->exited = true;
			vm->status = r == vm->pid ? status : 0;
			return true;
		}
		int left = vrc_left_ms(deadline);
		if (!left)
			return false;
		if (vm->pidfd >= 0) {
			struct pollfd p = { .fd = vm->pidfd, .events = POLLIN };
			poll(&p, 1, left);
		} else {
			usleep(left < 20 ? (unsigned)left * 1000 : 20000);
		}
	}
}

void vrc_vm_kill(struct vrc_vm *vm)
{
	if (vm->pid <= 0 || vm->exited)
		return;
	if (kill(-vm->pid, SIGKILL) && errno == ESRCH)
		kill(vm->pid, SIGKILL);
	vrc_vm_reap(vm, 5000);
}
