// SPDX-License-Identifier: MIT
/* vgpu-sim lifecycle for the harness: exec with an argument vector (never a
 * shell), readiness through a pipe, control requests with timeouts. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim_backend.h"

#define START_TIMEOUT_MS	5000
#define REQUEST_TIMEOUT_MS	5000
#define STOP_TIMEOUT_MS		2000

static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n == 0 ? -ETIMEDOUT : 0;
}

void vrc_sim_path(const struct vrc_sim *s, unsigned instance, const char *kind,
		  char *out, size_t len)
{
	snprintf(out, len, "%s/vgpu%u.%s", s->dir, instance, kind);
}

static int ctl_connect(struct vrc_sim *s, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control", s->dir);
	s->ctl = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->ctl < 0 || connect(s->ctl, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, errlen, "cannot connect to %s: %s", sa.sun_path, strerror(errno));
		return -errno;
	}
	return 0;
}

int vrc_sim_start(const char *sim_path, const char *model, const char *abi,
		  unsigned instances, struct vrc_sim *s, char *err, size_t errlen)
{
	const struct vrc_sim_cfg c = {
		.sim_path = sim_path, .model = model, .abi = abi, .instances = instances,
	};

	return vrc_sim_start_cfg(&c, s, err, errlen);
}

int vrc_sim_start_cfg(const struct vrc_sim_cfg *c, struct vrc_sim *s, char *err, size_t errlen)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	const char *sim_path = c->sim_path, *model = c->model, *abi = c->abi;
	unsigned instances = c->instances;
	char a_dir[96], a_model[96], a_abi[32], a_inst[32], a_ready[32], buf[16];
	char a_shm[32], a_hz[24];
	int pfd[2];

	memset(s, 0, sizeof(*s));
	s->ctl = -1;
	s->pid = -1;
	s->instances = instances;
	if (!base || strlen(base) > 40 || access(base, W_OK))
		base = "/tmp";
	snprintf(s->dir, sizeof(s->dir), "%s/vrc-XXXXXX", base);
	if (!mkdtemp(s->dir)) {
		snprintf(err, errlen, "cannot create a runtime dir in %s: %s", base,
			 strerror(errno));
		s->dir[0] = 0;
		return -errno;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	snprintf(a_dir, sizeof(a_dir), "--runtime-dir=%s", s->dir);
	snprintf(a_model, sizeof(a_model), "--model=%s", model ? model : "ref");
	snprintf(a_abi, sizeof(a_abi), "--abi=%s", abi ? abi : "");
	snprintf(a_inst, sizeof(a_inst), "--instances=%u", instances);
	snprintf(a_ready, sizeof(a_ready), "--ready-fd=%d", pfd[1]);
	snprintf(a_shm, sizeof(a_shm), "--shm-mib=%u", c->shm_mib ? c->shm_mib : 8);
	snprintf(a_hz, sizeof(a_hz), "--hz=%u", c->hz ? c->hz : 60);
	const char *argv[] = { sim_path, a_dir, a_model,
			       c->real_clock ? "--clock=real" : "--clock=virtual", a_inst,
			       a_shm, a_ready, "--die-with-parent", a_hz,
			       abi ? a_abi : NULL, NULL };
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (s->pid == 0) {
		/* The ready fd must survive exec; everything else is CLOEXEC. */
		fcntl(pfd[1], F_SETFD, 0);
		execv(sim_path, (char *const *)argv);
		fprintf(stderr, "vrc: cannot run %s: %s\n", sim_path, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	int rc = wait_readable(pfd[0], START_TIMEOUT_MS);
	ssize_t n = rc ? 0 : read(pfd[0], buf, sizeof(buf));
	close(pfd[0]);
	if (n != 6 || memcmp(buf, "ready\n", 6)) {
		int status = 0;
		if (rc == -ETIMEDOUT)
			kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		s->pid = -1;
		if (rc == -ETIMEDOUT)
			snprintf(err, errlen, "vgpu-sim did not get ready within %d ms",
				 START_TIMEOUT_MS);
		else
			snprintf(err, errlen, "vgpu-sim (%s) exited with status %d before "
				 "getting ready", sim_path,
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		rmdir(s->dir);
		return -ECHILD;
	}
	return ctl_connect(s, err, errlen);
}

int vrc_sim_request(struct vrc_sim *s, const char *req, char *reply, size_t len)
{
	char line[300];
	size_t got = 0;
	int n = snprintf(line, sizeof(line), "%s\n", req);

	if (s->ctl < 0 || n <= 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	if (send(s->ctl, line, (size_t)n, MSG_NOSIGNAL) != n)
		return -EPIPE;
	while (got + 1 < len) {
		if (wait_readable(s->ctl, REQUEST_TIMEOUT_MS))
			return -ETIMEDOUT;
		ssize_t r = read(s->ctl, reply + got, 1);
		if (r <= 0)
			return -EPIPE;
		if (reply[got] == '\n')
			break;
		got++;
	}
	reply[got] = 0;
	return strncmp(reply, "ok", 2) ? -EIO : 0;
}

int vrc_sim_step(struct vrc_sim *s, unsigned instance, unsigned n)
{
	char req[64], reply[128];

	snprintf(req, sizeof(req), "step %u %u", instance, n);
	return vrc_sim_request(s, req, reply, sizeof(reply));
}

int vrc_sim_step_all(struct vrc_sim *s, unsigned n)
{
	char req[64], reply[128];

	snprintf(req, sizeof(req), "step all %u", n);
	return vrc_sim_request(s, req, reply, sizeof(reply));
}

static int sim_bad_exit;

int vrc_sim_bad_exit(void)
{
	return sim_bad_exit;
}

void vrc_sim_stop(struct vrc_sim *s)
{
	char reply[64];
	int status;

	if (s->pid > 0) {
		if (s->ctl >= 0)
			vrc_sim_request(s, "quit", reply, sizeof(reply));
		for (int waited = 0; waited < STOP_TIMEOUT_MS; waited += 10) {
			if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
				/* 0 by contract: else a sanitizer's report at exit */
				if (WIFEXITED(status) && WEXITSTATUS(status)) {
					fprintf(stderr, "vrc: vgpu-sim %d exited with status %d "
						"after quit\n", (int)s->pid, WEXITSTATUS(status));
					sim_bad_exit = WEXITSTATUS(status);
				}
				s->pid = -1;
				break;
			}
			usleep(10000);
		}
		if (s->pid > 0) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
			s->pid = -1;
		}
	}
	if (s->ctl >= 0)
		close(s->ctl);
	s->ctl = -1;
	if (s->dir[0]) {
		/* The daemon unlinks its sockets; after a kill, do it for it. */
		char p[128];
		const char *kinds[] = { "vfio-user", "ivshmem" };
		for (unsigned i = 0; i < s->instances; i++)
			for (unsigned k = 0; k < 2; k++) {
				vrc_sim_path(s, i, kinds[k], p, sizeof(p));
				unlink(p);
			}
		snprintf(p, sizeof(p), "%s/control", s->dir);
		unlink(p);
		rmdir(s->dir);
		s->dir[0] = 0;
	}
}
