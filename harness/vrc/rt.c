// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vrc/util.h"
#include "rt.h"

static uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void keep(struct rt_recorder *r, const struct vrc_signal *sig, bool counter_ok)
{
	if (r->n == r->cap) {
		r->dropped++;
		return;
	}
	r->s[r->n++] = (struct rt_sample){
		.t_wake_ns = sig->t_wake_ns,
		.counter = sig->frame_counter,
		.pri = sat32(sig->counts.primary),
		.cur = sat32(sig->counts.cursor),
		.inexact = !sig->counts.exact,
		.counter_ok = counter_ok,
	};
}

static void *recorder_main(void *arg)
{
	struct rt_recorder *r = arg;
	struct pollfd pfd[VRC_IRQ_MAX_SUB + 1];
	struct vrc_signal sig;
	nfds_t n = 0;
	uint64_t cpu0 = thread_cpu_ns();
	bool stopping = false;

	pfd[n++] = (struct pollfd){ .fd = r->stop_fd, .events = POLLIN };
	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
		if (r->irq->efd[i] >= 0)
			pfd[n++] = (struct pollfd){ .fd = r->irq->efd[i], .events = POLLIN };
	while (!stopping) {
		int rc = poll(pfd, n, -1);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			r->error = -errno;
			break;
		}
		/* Stop only after one last drain, so nothing pending is lost. */
		stopping = pfd[0].revents != 0;
		memset(&sig, 0, sizeof(sig));
		sig.t_wake_ns = vrc_now_ns();
		rc = vrc_display_irq_poll(r->irq, &sig);
		if (rc == 1)
			keep(r, &sig, true);
		else if (rc < 0 && (sig.raw[0] || sig.raw[1])) {
			keep(r, &sig, false);	/* counted, but cannot be placed */
			if (!r->error)
				r->error = rc;
		} else if (rc < 0) {
			r->error = rc;
			break;
		}
	}
	r->cpu_ns = thread_cpu_ns() - cpu0;
	return NULL;
}

int rt_recorder_start(struct rt_recorder *r, struct vrc_display_irq *irq, size_t cap,
		      char *err, size_t errlen)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->irq = irq;
	r->cap = cap;
	r->s = calloc(cap ? cap : 1, sizeof(*r->s));
	r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!r->s || r->stop_fd < 0) {
		rc = r->s ? -errno : -ENOMEM;
		snprintf(err, errlen, "recorder: %s", strerror(-rc));
		rt_recorder_free(r);
		return rc;
	}
	rc = pthread_create(&r->thread, NULL, recorder_main, r);
	if (rc) {
		snprintf(err, errlen, "recorder thread: %s", strerror(rc));
		rt_recorder_free(r);
		return -rc;
	}
	/* The reader's wake latency is what the test measures and what keeps
	 * one read per vblank: give it real-time priority when allowed (root);
	 * otherwise it runs at normal priority and says so in the results. */
	struct sched_param sp = { .sched_priority = 10 };
	pthread_setschedparam(r->thread, SCHED_FIFO, &sp);
	r->running = true;
	return 0;
}

void rt_recorder_stop(struct rt_recorder *r)
{
	uint64_t one = 1;

	if (!r->running)
		return;
	if (write(r->stop_fd, &one, sizeof(one)) != sizeof(one))
		pthread_cancel(r->thread);
	pthread_join(r->thread, NULL);
	r->running = false;
}

void rt_recorder_free(struct rt_recorder *r)
{
	rt_recorder_stop(r);
	free(r->s);
	r->s = NULL;
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	r->stop_fd = -1;
}

static void place_plane(uint32_t k, uint32_t moved, size_t idx, struct vrc_vblank *vb,
			unsigned n, bool primary, unsigned *spread)
{
	uint32_t over = k < moved ? k : moved;

	if (k <= 1 || over <= 1) {
		if (primary)
			vb[idx].pri += k;
		else
			vb[idx].cur += k;
		return;
	}
	/* k signals merged over `moved` ticks: one per vblank, newest first,
	 * the remainder on the oldest of them. */
	(*spread)++;
	for (uint32_t j = 0; j < over; j++) {
		size_t at = idx >= j ? idx - j : 0;
		uint32_t add = j + 1 < over ? 1 : k - (over - 1);
		if (at >= n)
			continue;
		if (primary)
			vb[at].pri += add;
		else
			vb[at].cur += add;
	}
}

void rt_place(const struct rt_sample *s, size_t ns, uint32_t first, struct vrc_vblank *vb,
	      unsigned n, unsigned *spread, unsigned *outside)
{
	uint32_t prev = 0;
	bool have_prev = false;

	*spread = *outside = 0;
	for (size_t i = 0; i < ns; i++) {
		if (!s[i].counter_ok) {
			(*outside)++;
			continue;
		}
		uint32_t idx = s[i].counter - first;	/* modulo 2^32 on purpose */
		uint32_t moved = have_prev ? s[i].counter - prev : 1;
		prev = s[i].counter;
		have_prev = true;
		if (idx >= n) {
			(*outside)++;
			continue;
		}
		place_plane(s[i].pri, moved, idx, vb, n, true, spread);
		place_plane(s[i].cur, moved, idx, vb, n, false, spread);
		vb[idx].inexact += s[i].inexact;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int rt_latency(const struct rt_sample *s, size_t ns, uint64_t period_ns, double *p50,
	       double *p99, double **out, size_t *nout)
{
	size_t m = 0;
	double *v = calloc(ns ? ns : 1, sizeof(*v));
	int64_t min_phase = INT64_MAX;

	*out = NULL;
	*nout = 0;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < ns; i++) {
		if (!s[i].counter_ok)
			continue;
		int64_t ph = (int64_t)s[i].t_wake_ns - (int64_t)((uint64_t)s[i].counter * period_ns);
		v[m++] = (double)ph;
		if (ph < min_phase)
			min_phase = ph;
	}
	if (m < 10) {
		free(v);
		return -ENODATA;
	}
	for (size_t i = 0; i < m; i++)
		v[i] = (v[i] - (double)min_phase) / 1000.0;
	qsort(v, m, sizeof(*v), cmp_double);
	*p50 = v[(m - 1) / 2];
	*p99 = v[(m * 99 - 1) / 100];
	*out = v;
	*nout = m;
	return 0;
}

int rt_proc_spawn(struct rt_proc *p, const char *const argv[], const char *log_path,
		  char *err, size_t errlen)
{
	int logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	memset(p, 0, sizeof(*p));
	if (logfd < 0) {
		snprintf(err, errlen, "%s: %s", log_path, strerror(errno));
		return -errno;
	}
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(logfd);
		return -errno;
	}
	if (p->pid == 0) {
		dup2(logfd, 1);
		dup2(logfd, 2);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(logfd);
	return 0;
}

int rt_proc_wait(struct rt_proc *p, int timeout_ms)
{
	uint64_t deadline = vrc_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	while (!p->exited) {
		pid_t w = waitpid(p->pid, &p->status, WNOHANG);
		if (w == p->pid) {
			p->exited = true;
			break;
		}
		if (w < 0 && errno != EINTR)
			return -errno;
		if (vrc_now_ns() >= deadline) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &p->status, 0);
			p->exited = true;
			return -ETIMEDOUT;
		}
		usleep(5000);
	}
	return 0;
}
