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

struct rt_sample rt_sample_of(const struct vrc_signal *sig, uint32_t cb, bool counter_ok)
{
	return (struct rt_sample){
		.t_wake_ns = sig->t_wake_ns,
		.counter_before = cb,
		.counter = sig->frame_counter,
		.pri = sat32(sig->counts.primary),
		.cur = sat32(sig->counts.cursor),
		.inexact = !sig->counts.exact,
		.counter_ok = counter_ok,
	};
}

uint32_t rt_window_lo(const struct rt_sample *s, bool have_prev, uint32_t prev_cb,
		      uint32_t first)
{
	if (s->floor_ok)
		return s->floor + 1;
	return have_prev ? prev_cb + 1 : first;
}

static void keep(struct rt_recorder *r, const struct vrc_signal *sig, uint32_t cb,
		 bool counter_ok, uint32_t floor, bool floor_ok)
{
	if (r->n == r->cap) {
		r->dropped++;
		return;
	}
	r->s[r->n] = rt_sample_of(sig, cb, counter_ok);
	r->s[r->n].floor = floor;
	r->s[r->n].floor_ok = floor_ok;
	r->n++;
	if (r->hook)
		r->hook(r->hook_arg, &r->s[r->n - 1], r->n - 1);
}

static void *recorder_main(void *arg)
{
	struct rt_recorder *r = arg;
	struct pollfd pfd[VRC_IRQ_MAX_SUB + 1];
	struct timespec probe = { .tv_sec = (time_t)(r->probe_ns / 1000000000ull),
				  .tv_nsec = (long)(r->probe_ns % 1000000000ull) };
	struct vrc_signal sig;
	nfds_t n = 0;
	uint64_t cpu0 = thread_cpu_ns();
	uint32_t floor = 0;
	bool stopping = false, floor_ok = false;

	pfd[n++] = (struct pollfd){ .fd = r->stop_fd, .events = POLLIN };
	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
		if (r->irq->efd[i] >= 0)
			pfd[n++] = (struct pollfd){ .fd = r->irq->efd[i], .events = POLLIN };
	while (!stopping) {
		/* a timeout is a probe: drain all the same (rt.h) */
		int rc = ppoll(pfd, n, &probe, NULL);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			r->error = -errno;
			break;
		}
		/* Stop only after one last drain, so nothing pending is lost. */
		stopping = rc > 0 && pfd[0].revents != 0;
		uint64_t c0 = thread_cpu_ns();
		uint32_t cb = 0;
		uint64_t t_wake = vrc_now_ns();
		int rcb = vrc_read_frame_counter(r->irq->t, r->irq->frmcount_reg, &cb);
		memset(&sig, 0, sizeof(sig));
		rc = vrc_display_irq_poll(r->irq, &sig);
		sig.t_wake_ns = t_wake;
		if (rc == 1 || (rc < 0 && (sig.raw[0] || sig.raw[1]))) {
			/* on an error: counted, but cannot be placed */
			keep(r, &sig, cb, rc == 1 && rcb == 0, floor, floor_ok);
			r->wake_cpu_ns += thread_cpu_ns() - c0;
			if (rc < 0 && !r->error)
				r->error = rc;
		} else if (rc < 0) {
			r->error = rc;
			break;
		} else {
			r->probes++;
		}
		/* a failed read proves nothing: the older floor stays (wider) */
		if (rcb == 0) {
			floor = cb;
			floor_ok = true;
		}
	}
	r->cpu_ns = thread_cpu_ns() - cpu0;
	return NULL;
}

int rt_recorder_start(struct rt_recorder *r, struct vrc_display_irq *irq, size_t cap,
		      uint64_t probe_ns, char *err, size_t errlen)
{
	return rt_recorder_start_hook(r, irq, cap, probe_ns, NULL, NULL, err, errlen);
}

int rt_recorder_start_hook(struct rt_recorder *r, struct vrc_display_irq *irq, size_t cap,
			   uint64_t probe_ns,
			   void (*hook)(void *arg, const struct rt_sample *s, size_t idx),
			   void *arg, char *err, size_t errlen)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->stop_fd = -1;
	if (!probe_ns) {
		snprintf(err, errlen, "recorder: a probe interval of 0 would spin");
		return -EINVAL;
	}
	r->irq = irq;
	r->cap = cap;
	r->probe_ns = probe_ns;
	r->hook = hook;
	r->hook_arg = arg;
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

/* Does vblank v still need a signal of this plane to satisfy a latch at v
 * or v-1 (the +1 tolerance)? */
static bool needs(const struct vrc_vblank *vb, uint32_t v, bool primary)
{
	uint32_t sig_v = primary ? vb[v].pri : vb[v].cur;
	bool ev_v = primary ? vb[v].flip || vb[v].draw : vb[v].cursor;

	if (sig_v)
		return false;
	if (ev_v)
		return true;
	if (v == 0)
		return false;
	bool ev_p = primary ? vb[v - 1].flip : vb[v - 1].cursor;
	uint32_t sig_p = primary ? vb[v - 1].pri : vb[v - 1].cur;
	return ev_p && !sig_p;
}

static void add(struct vrc_vblank *vb, uint32_t v, bool primary, uint32_t k)
{
	if (primary)
		vb[v].pri += k;
	else
		vb[v].cur += k;
}

/*
 * k signals of one plane from ticks in [lo, hi] (indexes, inclusive): with
 * prefer_needed, first to a vblank that needs one (benefit of the doubt for
 * the latch clauses), else to the earliest vblank still without one.
 * Earliest, because wakes come in counter order and the next wake's window
 * starts after this wake's first counter read: the low end of this window
 * is out of every later wake's reach, the high end is not. (Taking the
 * latest free vblank charged a tick that ran late to the next one, which
 * then held two signals: a false EVT-1 in make soak.) Without
 * prefer_needed this is earliest-deadline-first over windows whose ends
 * never go back, so a vblank gets two signals only if no placement avoids
 * it: the rule for EVT-1, where pulling a signal onto a vblank that needs
 * one can double it up with the next wake's (a false EVT-1 under ASan).
 */
static void place_plane(struct vrc_vblank *vb, uint32_t lo, uint32_t hi, bool primary,
			uint32_t k, bool prefer_needed, bool may_be_past)
{
	for (uint32_t j = 0; j < k; j++) {
		uint32_t pick = hi;
		bool found = false;

		for (uint32_t v = lo; v <= hi && prefer_needed && !found; v++)
			if (needs(vb, v, primary)) {
				pick = v;
				found = true;
			}
		for (uint32_t v = lo; v <= hi && !found; v++)
			if (!(primary ? vb[v].pri : vb[v].cur)) {
				pick = v;
				found = true;
			}
		/* no room left in the window: the rest may be past it */
		if (!found && may_be_past)
			return;
		add(vb, pick, primary, 1);
	}
}

/*
 * The tick instants as seen from the host: t(v) = t0 + v * period, fitted to
 * the lower envelope of the wakes (the fastest wake of a stretch is the
 * best estimate of its tick). The period is refined from the envelope of
 * the first and last thirds, so a nominal 60 Hz that is really 59.94 Hz
 * does not drift into the phases. 0, or -ENODATA with fewer than 10 wakes.
 */
static int envelope(const struct rt_sample *s, size_t ns, uint64_t nominal, double *t0,
		    double *period)
{
	size_t m = 0, first = 0, last = 0;
	double lo_a = 1e300, lo_b = 1e300, ca = 0, cb = 0;

	for (size_t i = 0; i < ns; i++)
		m += s[i].counter_ok;
	if (m < 10)
		return -ENODATA;
	*period = (double)nominal;
	for (size_t i = 0, k = 0; i < ns; i++) {
		if (!s[i].counter_ok)
			continue;
		double c = (double)(uint32_t)(s[i].counter_before - s[0].counter_before);
		double ph = (double)s[i].t_wake_ns - c * *period;
		if (k < m / 3 && ph < lo_a) {
			lo_a = ph;
			ca = c;
			first++;
		} else if (k >= m - m / 3 && ph < lo_b) {
			lo_b = ph;
			cb = c;
			last++;
		}
		k++;
	}
	if (first && last && cb > ca + 10)
		*period += (lo_b - lo_a) / (cb - ca);
	double best = 1e300;
	for (size_t i = 0; i < ns; i++) {
		if (!s[i].counter_ok)
			continue;
		double c = (double)(uint32_t)(s[i].counter_before - s[0].counter_before);
		double ph = (double)s[i].t_wake_ns - c * *period;
		if (ph < best)
			best = ph;
	}
	/* t0 is the tick of counter s[0].counter_before. */
	*t0 = best;
	return 0;
}

void rt_place(const struct rt_sample *s, size_t ns, uint32_t first, struct vrc_vblank *vb,
	      unsigned n, unsigned *spread, unsigned *outside)
{
	rt_place_mode(s, ns, RT_PLACE_LATCHES, first, vb, n, spread, outside);
}

void rt_place_mode(const struct rt_sample *s, size_t ns, enum rt_place_mode mode,
		   uint32_t first, struct vrc_vblank *vb, unsigned n, unsigned *spread,
		   unsigned *outside)
{
	uint32_t prev_cb = 0;
	bool have_prev = false;

	*spread = *outside = 0;
	for (size_t i = 0; i < ns; i++) {
		if (!s[i].counter_ok) {
			(*outside)++;
			continue;
		}
		/*
		 * Signals of the ticks after the last drain before this one
		 * (rt.h). A first sample with nothing before it: its own ticks,
		 * cb .. ca (the recorder starts ahead of the workload, and
		 * probes before anything can be pending).
		 */
		uint32_t lo_c = rt_window_lo(&s[i], have_prev, prev_cb, s[i].counter_before);
		uint32_t hi_c = s[i].counter;
		prev_cb = s[i].counter_before;
		have_prev = true;
		if ((int32_t)(hi_c - lo_c) < 0)
			lo_c = hi_c;	/* a counter that went back: trust the read after */
		/*
		 * Clip to the judged window (modulo 2^32 differences). A window
		 * that reaches past its end, or back before its start, may hold
		 * signals of vblanks outside it: they go to vblanks inside only
		 * where there is room. For EVT-1 a window reaching before the
		 * start puts nothing inside: the later wakes of its first
		 * vblanks are exact, and a signal taken into vblank 0 ahead of
		 * them would double it up.
		 */
		uint32_t hi = hi_c - first, lo = lo_c - first;
		bool past = false, before = (int32_t)(lo_c - first) < 0;
		if ((int32_t)(hi_c - first) < 0 || (!before && lo >= n) ||
		    (before && mode == RT_PLACE_EVT1)) {
			(*outside)++;
			continue;
		}
		if (before)
			lo = 0;
		if (hi >= n) {
			hi = n - 1;
			past = true;
		}
		if ((lo < hi || past || before) && (s[i].pri + s[i].cur))
			(*spread)++;
		if (lo == hi && !past && !before) {
			add(vb, hi, true, s[i].pri);
			add(vb, hi, false, s[i].cur);
		} else {
			bool pref = mode == RT_PLACE_LATCHES;

			place_plane(vb, lo, hi, true, s[i].pri, pref, past || before);
			place_plane(vb, lo, hi, false, s[i].cur, pref, past || before);
		}
		vb[hi].inexact += s[i].inexact;
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
	double t0, period, *v;
	size_t m = 0;

	*out = NULL;
	*nout = 0;
	if (envelope(s, ns, period_ns, &t0, &period))
		return -ENODATA;
	v = calloc(ns, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < ns; i++) {
		if (!s[i].counter_ok)
			continue;
		/* the tick that woke the reader is at most the counter read first */
		double c = (double)(uint32_t)(s[i].counter_before - s[0].counter_before);
		v[m++] = ((double)s[i].t_wake_ns - (t0 + c * period)) / 1000.0;
	}
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
