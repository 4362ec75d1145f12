// SPDX-License-Identifier: MIT
/*
 * vgpu-sim: the emulated vGPU daemon. For each instance it serves
 *   <dir>/vgpuN.vfio-user  the device, to the host (vrc, or QEMU's vfio-user-pci)
 *   <dir>/vgpuN.ivshmem    the guest side, as an ivshmem server (QEMU's
 *                          ivshmem-doorbell, or a process guest)
 * and <dir>/control for the harness (virtual time, status, quit).
 * One thread, one epoll loop; nothing blocks except bounded socket replies.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vrc/util.h"
#include "vrc/caps.h"
#include "vgpu/ivshmem.h"
#include "vrc/lsan.h"
#include "control.h"
#include "sim.h"

enum ev_kind { EV_VFU_LISTEN = 1, EV_VFU_CONN, EV_IVS_LISTEN, EV_IVS_GUEST,
	       EV_DOORBELL, EV_CTL_LISTEN, EV_CTL_CONN, EV_TIMER, EV_SIGNAL };

#define EV(kind, idx)	(((uint64_t)(kind) << 32) | (uint32_t)(idx))

static struct sim g_sim;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("vgpu-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vgpu-sim --runtime-dir=DIR [options]\n"
"\n"
"The emulated vGPU: serves each instance's device over vfio-user and its\n"
"guest side over the ivshmem server protocol, with the display refresh irq\n"
"behaving as the chosen model (docs/spec.md sections 2 and 5).\n"
"\n"
"Sockets created in DIR (which must be ours and mode 0700, or not exist):\n"
"  vgpuN.vfio-user   the device (VFIO over UNIX socket)\n"
"  vgpuN.ivshmem     the guest side (QEMU -device ivshmem-doorbell, vectors=1)\n"
"  control           harness requests: step, status, info, quit\n"
"\n"
"options:\n"
"  --runtime-dir=DIR   where the sockets go (required)\n"
"  --model=NAME        behaviour model (default ref; --list-models)\n"
"  --abi=v5|v6|v7      uAPI revision (default: the model's own)\n"
"  --clock=real|virtual  real: vblanks from a timer at --hz; virtual: only on\n"
"                      'step' requests (default real)\n"
"  --hz=RATE           refresh rate of the real clock (default 60)\n"
"  --instances=N       number of vGPUs, 1..%u (default 1)\n"
"  --shm-mib=N         shared memory per instance in MiB, power of two,\n"
"                      4..1024 (default 32; VRAM is all but the first MiB)\n"
"  --ready-fd=FD       write \"ready\\n\" to FD once every socket listens\n"
"  --die-with-parent   exit when the parent process dies\n"
"  --list-models       print the models and exit\n"
"  -v, --verbose       log connections and requests to stderr\n"
"  -h, --help          this text\n"
"\n"
"exit status: 0 after 'quit' or SIGTERM, 2 on bad options or set-up failure\n",
		SIM_MAX_INSTANCES);
}

static void list_models(void)
{
	const struct vgpu_model *m;

	for (unsigned i = 0; (m = vgpu_model_at(i)); i++)
		printf("%-13s abi %-3s %s\n", m->name, vrc_abi_str(m->default_abi),
		       m->summary);
}

static int epoll_add(struct sim *s, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static void epoll_del_close(struct sim *s, int *fd)
{
	if (*fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* Only our own user (or root) may talk to the device or the control socket. */
static int peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return 0;
	return cr.uid == geteuid() || cr.uid == 0;
}

static int listen_at(const char *path, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		logmsg("socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	if (lstat(path, &st) == 0) {
		logmsg("socket path exists: %s (another vgpu-sim, or a stale one: remove it)",
		       path);
		return -EEXIST;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
		int e = -errno;
		logmsg("cannot listen on %s: %s", path, strerror(-e));
		close(fd);
		return e;
	}
	*out = fd;
	return 0;
}

static int prepare_runtime_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		logmsg("cannot create runtime dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (lstat(dir, &st)) {
		logmsg("cannot stat runtime dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077)) {
		logmsg("runtime dir %s must be a directory owned by uid %u with mode 0700",
		       dir, (unsigned)geteuid());
		return -EPERM;
	}
	return 0;
}

static void notify_guest(void *ctx)
{
	struct sim_instance *in = ctx;
	uint64_t one = 1;

	if (in->guest_vec_fd >= 0 && write(in->guest_vec_fd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		logmsg("vgpu%u: guest interrupt failed: %s", in->idx, strerror(errno));
}

static int instance_init(struct sim *s, unsigned idx)
{
	struct sim_instance *in = &s->inst[idx];
	char err[256], name[32];
	int rc;

	in->idx = idx;
	in->vfu_listen = in->ivs_listen = in->guest_sock = -1;
	in->doorbell_fd = in->guest_vec_fd = in->shm_fd = -1;
	in->conn.sock = -1;
	in->next_guest_id = 1;
	in->shm_size = s->shm_size;

	snprintf(name, sizeof(name), "vgpu%u-shm", idx);
	in->shm_fd = memfd_create(name, MFD_CLOEXEC);
	if (in->shm_fd < 0 || ftruncate(in->shm_fd, (off_t)in->shm_size)) {
		logmsg("vgpu%u: shared memory: %s", idx, strerror(errno));
		return -errno;
	}
	in->shm = mmap(NULL, in->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       in->shm_fd, 0);
	if (in->shm == MAP_FAILED) {
		in->shm = NULL;
		logmsg("vgpu%u: mmap shared memory: %s", idx, strerror(errno));
		return -errno;
	}
	struct vgpu_config cfg = {
		.model = s->model, .abi = s->abi, .instance = idx,
		.shm = in->shm, .shm_size = in->shm_size, .shm_fd = in->shm_fd,
		.vblank_hz_milli = s->clock == SIM_CLOCK_REAL ? (uint32_t)(s->hz * 1000) : 0,
		.global = &s->global, .notify_guest = notify_guest, .notify_ctx = in,
	};
	rc = vgpu_create(&cfg, &in->vgpu, err, sizeof(err));
	if (rc) {
		logmsg("vgpu%u: %s", idx, err);
		return rc;
	}
	in->doorbell_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (in->doorbell_fd < 0)
		return -errno;
	snprintf(in->vfu_path, sizeof(in->vfu_path), "%s/vgpu%u.vfio-user",
		 s->runtime_dir, idx);
	snprintf(in->ivs_path, sizeof(in->ivs_path), "%s/vgpu%u.ivshmem",
		 s->runtime_dir, idx);
	if ((rc = listen_at(in->vfu_path, &in->vfu_listen)) ||
	    (rc = listen_at(in->ivs_path, &in->ivs_listen)))
		return rc;
	if ((rc = epoll_add(s, in->vfu_listen, EV(EV_VFU_LISTEN, idx))) ||
	    (rc = epoll_add(s, in->ivs_listen, EV(EV_IVS_LISTEN, idx))) ||
	    (rc = epoll_add(s, in->doorbell_fd, EV(EV_DOORBELL, idx))))
		return rc;
	return 0;
}

static void device_close(struct sim *s, struct sim_instance *in, const char *why)
{
	if (!in->conn_open)
		return;
	if (s->verbose)
		logmsg("vgpu%u: device closed (%s)", in->idx, why);
	epoll_del_close(s, &in->conn.sock);
	in->conn_open = false;
	vgpu_client_closed(in->vgpu);
}

/* A peer that hung up but whose EOF we have not processed yet. */
static int sock_hung_up(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static void vfu_accept(struct sim *s, struct sim_instance *in)
{
	int fd = accept4(in->vfu_listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (!peer_allowed(fd)) {
		logmsg("vgpu%u: refused a device connection from another user", in->idx);
		close(fd);
		return;
	}
	/* The previous owner may have closed just before this connect. */
	if (in->conn_open && sock_hung_up(in->conn.sock))
		device_close(s, in, "peer closed");
	if (in->conn_open) {
		logmsg("vgpu%u: device busy: refused a second connection", in->idx);
		close(fd);
		return;
	}
	if (vgpu_dead(in->vgpu)) {
		close(fd);
		return;
	}
	memset(&in->conn, 0, sizeof(in->conn));
	in->conn.sock = fd;
	in->conn.v = in->vgpu;
	in->conn.shm_fd = in->shm_fd;
	in->conn_open = true;
	if (epoll_add(s, fd, EV(EV_VFU_CONN, in->idx)))
		device_close(s, in, "epoll");
	else if (s->verbose)
		logmsg("vgpu%u: device opened", in->idx);
}

static void vfu_readable(struct sim *s, struct sim_instance *in)
{
	char err[256] = "";
	int rc = vfu_conn_handle(&in->conn, err, sizeof(err));

	if (rc) {
		if (rc != -EPIPE || s->verbose)
			logmsg("vgpu%u: closing device connection: %s", in->idx,
			       err[0] ? err : strerror(-rc));
		device_close(s, in, "error");
	}
	if (vgpu_dead(in->vgpu)) {
		logmsg("vgpu%u: %s", in->idx, vgpu_dead_reason(in->vgpu));
		device_close(s, in, "device dead");
	}
}

static void guest_close(struct sim *s, struct sim_instance *in)
{
	if (in->guest_sock < 0)
		return;
	if (s->verbose)
		logmsg("vgpu%u: guest %u left", in->idx, in->guest_id);
	epoll_del_close(s, &in->guest_sock);
	close(in->guest_vec_fd);
	in->guest_vec_fd = -1;
}

static void ivs_accept(struct sim *s, struct sim_instance *in)
{
	int fd = accept4(in->ivs_listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (!peer_allowed(fd)) {
		logmsg("vgpu%u: refused a guest from another user", in->idx);
		close(fd);
		return;
	}
	if (in->guest_sock >= 0 && sock_hung_up(in->guest_sock))
		guest_close(s, in);
	if (in->guest_sock >= 0) {
		logmsg("vgpu%u: a guest is attached already: refused another", in->idx);
		close(fd);
		return;
	}
	in->guest_vec_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (in->guest_vec_fd < 0) {
		close(fd);
		return;
	}
	in->guest_id = in->next_guest_id;
	in->next_guest_id = in->next_guest_id >= IVSHMEM_MAX_PEERS - 1 ? 1 :
			    in->next_guest_id + 1;
	struct ivshmem_peer_fds peers[2] = {
		{ .id = 0, .nvec = 1, .fds = &in->doorbell_fd },
		{ .id = in->guest_id, .nvec = 1, .fds = &in->guest_vec_fd },
	};
	int rc = ivshmem_server_greet(fd, in->guest_id, in->shm_fd, peers, 2);
	if (rc) {
		logmsg("vgpu%u: greeting the guest failed: %s", in->idx, strerror(-rc));
		close(fd);
		close(in->guest_vec_fd);
		in->guest_vec_fd = -1;
		return;
	}
	in->guest_sock = fd;
	if (epoll_add(s, fd, EV(EV_IVS_GUEST, in->idx)))
		guest_close(s, in);
	else if (s->verbose)
		logmsg("vgpu%u: guest %u attached", in->idx, in->guest_id);
	/* Status is in memory; an interrupt now makes a guest look at once. */
	notify_guest(in);
}

static void ctl_accept(struct sim *s)
{
	int fd = accept4(s->ctl_listen, NULL, NULL, SOCK_CLOEXEC);
	unsigned k;

	if (fd < 0)
		return;
	if (!peer_allowed(fd)) {
		close(fd);
		return;
	}
	for (k = 0; k < SIM_MAX_CTL_CONNS && s->ctl[k].fd >= 0; k++)
		;
	if (k == SIM_MAX_CTL_CONNS || epoll_add(s, fd, EV(EV_CTL_CONN, k))) {
		close(fd);
		return;
	}
	s->ctl[k].fd = fd;
	s->ctl[k].len = 0;
}

static void ctl_readable(struct sim *s, unsigned k)
{
	struct sim_ctl_conn *c = &s->ctl[k];
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	char *nl;

	if (n <= 0) {
		epoll_del_close(s, &c->fd);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = 0;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		char reply[512];
		*nl = 0;
		int quit = sim_control_exec(s, c->buf, reply, sizeof(reply) - 1);
		strcat(reply, "\n");
		if (write(c->fd, reply, strlen(reply)) < 0) {
			epoll_del_close(s, &c->fd);
			return;
		}
		size_t used = (size_t)(nl - c->buf) + 1;
		memmove(c->buf, nl + 1, c->len - used);
		c->len -= used;
		if (quit)
			s->quit = true;
	}
	if (c->len >= sizeof(c->buf) - 1) {
		logmsg("control: request line too long: closing");
		epoll_del_close(s, &c->fd);
	}
}

static void timer_fired(struct sim *s)
{
	uint64_t exp = 0;

	if (read(s->timer_fd, &exp, sizeof(exp)) != sizeof(exp))
		return;
	/* Catch up missed periods like an hrtimer would, but boundedly. */
	if (exp > 8)
		exp = 8;
	for (uint64_t k = 0; k < exp; k++)
		for (unsigned i = 0; i < s->ninstances; i++)
			if (!vgpu_dead(s->inst[i].vgpu))
				vgpu_vblank(s->inst[i].vgpu);
}

static void dispatch(struct sim *s, uint64_t tag, uint32_t events)
{
	unsigned idx = (uint32_t)tag;
	struct sim_instance *in = idx < SIM_MAX_INSTANCES ? &s->inst[idx] : NULL;
	uint64_t v;

	switch ((enum ev_kind)(tag >> 32)) {
	case EV_VFU_LISTEN: vfu_accept(s, in); break;
	case EV_VFU_CONN:
		if (in->conn_open)
			vfu_readable(s, in);
		break;
	case EV_IVS_LISTEN: ivs_accept(s, in); break;
	case EV_IVS_GUEST:
		/* Clients never send data: data or hang-up means gone. */
		(void)events;
		guest_close(s, in);
		break;
	case EV_DOORBELL:
		if (read(in->doorbell_fd, &v, sizeof(v)) == sizeof(v) && !vgpu_dead(in->vgpu))
			vgpu_drain_ring(in->vgpu);
		break;
	case EV_CTL_LISTEN: ctl_accept(s); break;
	case EV_CTL_CONN:
		if (idx < SIM_MAX_CTL_CONNS && s->ctl[idx].fd >= 0)
			ctl_readable(s, idx);
		break;
	case EV_TIMER: timer_fired(s); break;
	case EV_SIGNAL: {
		struct signalfd_siginfo si;
		if (read(s->signal_fd, &si, sizeof(si)) == sizeof(si))
			s->quit = true;
		break;
	}
	}
}

static void teardown(struct sim *s)
{
	for (unsigned i = 0; i < s->ninstances; i++) {
		struct sim_instance *in = &s->inst[i];
		if (in->vgpu)
			device_close(s, in, "shutdown");
		guest_close(s, in);
		if (in->vfu_listen >= 0) {
			close(in->vfu_listen);
			unlink(in->vfu_path);
		}
		if (in->ivs_listen >= 0) {
			close(in->ivs_listen);
			unlink(in->ivs_path);
		}
		if (in->doorbell_fd >= 0)
			close(in->doorbell_fd);
		if (in->vgpu)
			vgpu_destroy(in->vgpu);
		if (in->shm)
			munmap(in->shm, in->shm_size);
		if (in->shm_fd >= 0)
			close(in->shm_fd);
	}
	for (unsigned k = 0; k < SIM_MAX_CTL_CONNS; k++)
		if (s->ctl[k].fd >= 0)
			close(s->ctl[k].fd);
	if (s->ctl_listen >= 0) {
		close(s->ctl_listen);
		unlink(s->ctl_path);
	}
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	if (s->signal_fd >= 0)
		close(s->signal_fd);
	if (s->epfd >= 0)
		close(s->epfd);
}

static int parse_uint_opt(const char *name, const char *v, unsigned long lo,
			  unsigned long hi, unsigned long *out)
{
	if (vrc_parse_ulong(v, lo, hi, out)) {
		fprintf(stderr, "vgpu-sim: --%s=%s: want a whole number from %lu to %lu\n",
			name, v, lo, hi);
		return -1;
	}
	return 0;
}

static int parse_args(struct sim *s, int argc, char **argv, int *ready_fd)
{
	enum { O_DIR = 256, O_MODEL, O_ABI, O_CLOCK, O_HZ, O_INST, O_SHM, O_READY,
	       O_PARENT, O_LIST };
	static const struct option opts[] = {
		{ "runtime-dir", required_argument, NULL, O_DIR },
		{ "model", required_argument, NULL, O_MODEL },
		{ "abi", required_argument, NULL, O_ABI },
		{ "clock", required_argument, NULL, O_CLOCK },
		{ "hz", required_argument, NULL, O_HZ },
		{ "instances", required_argument, NULL, O_INST },
		{ "shm-mib", required_argument, NULL, O_SHM },
		{ "ready-fd", required_argument, NULL, O_READY },
		{ "die-with-parent", no_argument, NULL, O_PARENT },
		{ "list-models", no_argument, NULL, O_LIST },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = NULL;
	unsigned long x;
	int c;

	s->model = vgpu_model_find("ref");
	s->clock = SIM_CLOCK_REAL;
	s->hz = 60.0;
	s->ninstances = 1;
	s->shm_size = 32ul << 20;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case O_DIR: dir = optarg; break;
		case O_MODEL:
			s->model = vgpu_model_find(optarg);
			if (!s->model) {
				fprintf(stderr, "vgpu-sim: unknown model '%s' (--list-models)\n",
					optarg);
				return -1;
			}
			break;
		case O_ABI: {
			static const char *const abis[] = { "v5", "v6", "v7", NULL };
			static const enum vrc_abi abi_of[] = { VRC_ABI_V5, VRC_ABI_V6, VRC_ABI_V7 };
			char want[32];
			int i = vrc_parse_choice(optarg, abis, want, sizeof(want));

			if (i < 0) {
				fprintf(stderr, "vgpu-sim: --abi=%s: want %s\n", optarg, want);
				return -1;
			}
			s->abi = abi_of[i];
			break;
		}
		case O_CLOCK: {
			/* in the order of enum sim_clock */
			static const char *const clocks[] = { "real", "virtual", NULL };
			char want[32];
			int i = vrc_parse_choice(optarg, clocks, want, sizeof(want));

			if (i < 0) {
				fprintf(stderr, "vgpu-sim: --clock=%s: want %s\n", optarg, want);
				return -1;
			}
			s->clock = (enum sim_clock)i;
			break;
		}
		case O_HZ: {
			char *end;
			errno = 0;
			s->hz = strtod(optarg, &end);
			if (errno || *end || !(s->hz >= 1.0 && s->hz <= 1000.0)) {
				fprintf(stderr, "vgpu-sim: --hz=%s: want a rate from 1 to 1000\n",
					optarg);
				return -1;
			}
			break;
		}
		case O_INST:
			if (parse_uint_opt("instances", optarg, 1, SIM_MAX_INSTANCES, &x))
				return -1;
			s->ninstances = (unsigned)x;
			break;
		case O_SHM:
			if (parse_uint_opt("shm-mib", optarg, 4, 1024, &x))
				return -1;
			if (x & (x - 1)) {
				fprintf(stderr, "vgpu-sim: --shm-mib=%lu: must be a power of two "
					"(ivshmem BAR2)\n", x);
				return -1;
			}
			s->shm_size = x << 20;
			break;
		case O_READY:
			if (parse_uint_opt("ready-fd", optarg, 0, INT_MAX, &x))
				return -1;
			*ready_fd = (int)x;
			break;
		case O_PARENT: prctl(PR_SET_PDEATHSIG, SIGTERM); break;
		case O_LIST: list_models(); exit(0);
		case 'v': s->verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vgpu-sim: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!dir) {
		fprintf(stderr, "vgpu-sim: --runtime-dir=DIR is required (see --help)\n");
		return -1;
	}
	if (strlen(dir) >= sizeof(s->runtime_dir) - 1) {
		fprintf(stderr, "vgpu-sim: --runtime-dir too long (at most %zu bytes: "
			"socket paths are limited)\n", sizeof(s->runtime_dir) - 2);
		return -1;
	}
	snprintf(s->runtime_dir, sizeof(s->runtime_dir), "%s", dir);
	if (s->abi == VRC_ABI_UNKNOWN)
		s->abi = s->model->default_abi;
	return 0;
}

static int setup(struct sim *s)
{
	sigset_t mask;
	int rc;

	if ((rc = prepare_runtime_dir(s->runtime_dir)))
		return rc;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->signal_fd < 0 || epoll_add(s, s->signal_fd, EV(EV_SIGNAL, 0)))
		return -errno;
	snprintf(s->ctl_path, sizeof(s->ctl_path), "%s/control", s->runtime_dir);
	if ((rc = listen_at(s->ctl_path, &s->ctl_listen)) ||
	    (rc = epoll_add(s, s->ctl_listen, EV(EV_CTL_LISTEN, 0))))
		return rc;
	for (unsigned i = 0; i < s->ninstances; i++)
		if ((rc = instance_init(s, i)))
			return rc;
	if (s->clock == SIM_CLOCK_REAL) {
		long long ns = (long long)(1e9 / s->hz);
		struct itimerspec its = {
			.it_interval = { ns / 1000000000, ns % 1000000000 },
			.it_value = { ns / 1000000000, ns % 1000000000 },
		};
		s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (s->timer_fd < 0 || timerfd_settime(s->timer_fd, 0, &its, NULL) ||
		    epoll_add(s, s->timer_fd, EV(EV_TIMER, 0)))
			return -errno;
		/* GVT's vblank timer is a kernel hrtimer: it fires on time on a busy
		 * host. A daemon at normal priority would tick late under load and
		 * make a correct model look late; so the real clock runs at
		 * real-time priority where allowed (root or CAP_SYS_NICE). */
		struct sched_param sp = { .sched_priority = 20 };
		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			logmsg("real clock at normal priority (SCHED_FIFO: %s): "
			       "ticks may be late on a loaded host", strerror(errno));
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sim *s = &g_sim;
	int ready_fd = -1, rc;

	s->epfd = s->timer_fd = s->signal_fd = s->ctl_listen = -1;
	for (unsigned k = 0; k < SIM_MAX_CTL_CONNS; k++)
		s->ctl[k].fd = -1;
	for (unsigned i = 0; i < SIM_MAX_INSTANCES; i++)
		s->inst[i].vfu_listen = s->inst[i].ivs_listen = s->inst[i].shm_fd = -1;
	if (parse_args(s, argc, argv, &ready_fd))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	rc = setup(s);
	if (rc) {
		if (rc != -EEXIST && rc != -EPERM && rc != -ENAMETOOLONG)
			logmsg("set-up failed: %s", strerror(-rc));
		teardown(s);
		return 2;
	}
	if (s->verbose)
		logmsg("ready: %u instance(s), model %s, abi %s, %s clock",
		       s->ninstances, s->model->name, vrc_abi_str(s->abi),
		       s->clock == SIM_CLOCK_VIRTUAL ? "virtual" : "real");
	if (ready_fd >= 0) {
		if (write(ready_fd, "ready\n", 6) != 6)
			logmsg("cannot write to --ready-fd: %s", strerror(errno));
		close(ready_fd);
	}
	while (!s->quit) {
		struct epoll_event ev[16];
		int n = epoll_wait(s->epfd, ev, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			logmsg("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int k = 0; k < n && !s->quit; k++)
			dispatch(s, ev[k].data.u64, ev[k].events);
	}
	teardown(s);
	vrc_lsan_plant("vgpu-sim");	/* a self-test's leak for LSan at exit */
	return 0;
}
