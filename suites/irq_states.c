// SPDX-License-Identifier: MIT
/*
 * irq-set-states: every SET_IRQS request of the display index made in every
 * state that can matter, judged by the return code and by what the eventfds
 * see afterwards. The expected outcome is the reference semantics of SPEC §1
 * (standard VFIO, what vgpu-sim's ref and the kernel series do), written as
 * data: each state is (which eventfd set is registered, masked, a signal
 * pending unread), each request an errno and an effect on that state.
 *
 *  request                         errno   effect
 *  TRIGGER|EVENTFD, new set B      0       B registered, unmasked
 *  TRIGGER|EVENTFD, the same set A 0       A registered, unmasked
 *  TRIGGER|EVENTFD, fd -1          0       unregistered (mask kept)
 *  TRIGGER|NONE, count 0           0       unregistered (mask kept)
 *  TRIGGER|NONE / BOOL(1), count n 0       a signal now, if registered and unmasked
 *  TRIGGER|BOOL(0)                 0       nothing
 *  MASK|NONE, MASK|BOOL(1)         0       masked
 *  UNMASK|NONE, UNMASK|BOOL(1)     0       unmasked
 *  MASK|BOOL(0), UNMASK|BOOL(0)    0       nothing
 *  start 1 (TRIGGER, UNMASK), MASK
 *  count n+1 or 0, TRIGGER|BOOL
 *  count 0, UNMASK|EVENTFD         EINVAL  nothing
 *  a pipe instead of an eventfd    EBADF   nothing
 *
 * The state after is read by probing, as the IRQ clauses judge: whether
 * signals arrive, not when or with which value (a late, lossy, doubled or
 * mis-valued device is EVT's business). First what is readable at once (a
 * pending signal stays; a loopback adds one), then flips for a few
 * vblanks (signalled on the registered set only, and only if unmasked),
 * then, if masked, an unmask (nothing masked may come at it) and flips,
 * or, if unregistered, a fresh registration and flips (signalled on it
 * only). Each row starts from VFIO_DEVICE_RESET, a fresh registration and
 * an unmask, shown to signal; each state that must be quiet is shown to
 * be before the request, so a state the device did not enter is blamed on
 * that state's clause, not on the request.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "vrc/vt.h"

#define SET_TRIGGER_EVENTFD	(VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD)
#define SET_TRIGGER_NONE	(VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE)

#define WINDOW	4u	/* vblanks a signal may take / silence must last */

enum set_id { SET_NONE, SET_A, SET_B, SET_C, NSETS };

/* One eventfd per sub-irq. */
struct efds {
	int fd[VRC_IRQ_MAX_SUB];
};

struct world {
	struct vt *t;
	struct efds set[NSETS];		/* SET_NONE unused */
};

/* ---- the states */

struct state {
	const char *name;
	enum set_id reg;	/* registered set, or SET_NONE */
	bool masked;
	bool pending;		/* one primary signal unread on A */
	enum { VIA_NONE, VIA_RESET, VIA_REOPEN } via;	/* masked, then this */
	enum vrc_clause clause;	/* a state's own clause (IRQ-4), or C_NUM_CLAUSES */
};

static const struct state states[] = {
	{ "registered",			SET_A,	  false, false, VIA_NONE,   C_NUM_CLAUSES },
	{ "registered, signal pending",	SET_A,	  false, true,  VIA_NONE,   C_NUM_CLAUSES },
	{ "masked, a flip masked",	SET_A,	  true,  false, VIA_NONE,   C_NUM_CLAUSES },
	{ "unregistered",		SET_NONE, false, false, VIA_NONE,   C_NUM_CLAUSES },
	{ "unregistered, masked",	SET_NONE, true,  false, VIA_NONE,   C_NUM_CLAUSES },
	{ "masked, then reset",		SET_NONE, false, false, VIA_RESET,  C_IRQ_4 },
	{ "masked, then reopened",	SET_NONE, false, false, VIA_REOPEN, C_IRQ_4 },
};

/* ---- the requests */

enum effect { EF_NONE, EF_REG_B, EF_REG_A, EF_UNREG, EF_LOOP, EF_MASK, EF_UNMASK };

enum req_kind {
	RQ_REG_NEW, RQ_REG_SAME, RQ_REG_MINUS1, RQ_UNREG, RQ_LOOP, RQ_LOOP_B1, RQ_LOOP_B0,
	RQ_MASK, RQ_MASK_B1, RQ_MASK_B0, RQ_UNMASK, RQ_UNMASK_B1, RQ_UNMASK_B0,
	RQ_BAD_START, RQ_BAD_COUNT, RQ_BAD_PIPE, RQ_BAD_MASK0, RQ_BAD_BOOL0, RQ_BAD_UNMASK_FD,
	RQ_BAD_UNMASK_START,
};

struct request {
	const char *name;
	enum req_kind kind;
	int err;		/* 0 or the -errno wanted */
	enum effect effect;
	enum vrc_clause clause;
};

static const struct request requests[] = {
	{ "TRIGGER|EVENTFD, a new eventfd",	 RQ_REG_NEW,	0, EF_REG_B, C_IRQ_3 },
	{ "TRIGGER|EVENTFD, the same eventfd",	 RQ_REG_SAME,	0, EF_REG_A, C_IRQ_3 },
	{ "TRIGGER|EVENTFD, fd -1",		 RQ_REG_MINUS1,	0, EF_UNREG, C_IRQ_3 },
	{ "TRIGGER|NONE count 0",		 RQ_UNREG,	0, EF_UNREG, C_IRQ_3 },
	{ "TRIGGER|NONE (loopback)",		 RQ_LOOP,	0, EF_LOOP,  C_IRQ_1 },
	{ "TRIGGER|BOOL(1) (loopback)",		 RQ_LOOP_B1,	0, EF_LOOP,  C_IRQ_1 },
	{ "TRIGGER|BOOL(0)",			 RQ_LOOP_B0,	0, EF_NONE,  C_IRQ_1 },
	{ "MASK|NONE",				 RQ_MASK,	0, EF_MASK,  C_IRQ_2 },
	{ "MASK|BOOL(1)",			 RQ_MASK_B1,	0, EF_MASK,  C_IRQ_2 },
	{ "MASK|BOOL(0)",			 RQ_MASK_B0,	0, EF_NONE,  C_IRQ_2 },
	{ "UNMASK|NONE",			 RQ_UNMASK,	0, EF_UNMASK, C_IRQ_2 },
	{ "UNMASK|BOOL(1)",			 RQ_UNMASK_B1,	0, EF_UNMASK, C_IRQ_2 },
	{ "UNMASK|BOOL(0)",			 RQ_UNMASK_B0,	0, EF_NONE,  C_IRQ_2 },
	{ "TRIGGER|NONE start 1",		 RQ_BAD_START,	-EINVAL, EF_NONE, C_IRQ_1 },
	{ "MASK count > irq count",		 RQ_BAD_COUNT,	-EINVAL, EF_NONE, C_IRQ_1 },
	{ "TRIGGER|EVENTFD, a pipe",		 RQ_BAD_PIPE,	-EBADF, EF_NONE, C_IRQ_1 },
	{ "MASK|NONE count 0",			 RQ_BAD_MASK0,	-EINVAL, EF_NONE, C_IRQ_1 },
	{ "TRIGGER|BOOL count 0",		 RQ_BAD_BOOL0,	-EINVAL, EF_NONE, C_IRQ_1 },
	{ "UNMASK|EVENTFD",			 RQ_BAD_UNMASK_FD, -EINVAL, EF_NONE, C_IRQ_1 },
	{ "UNMASK|NONE start 1",		 RQ_BAD_UNMASK_START, -EINVAL, EF_NONE, C_IRQ_1 },
};

#define NSTATES		(sizeof(states) / sizeof(states[0]))
#define NREQUESTS	(sizeof(requests) / sizeof(requests[0]))

/* ---- eventfd sets */

static void set_open(struct world *w, enum set_id id)
{
	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
		w->set[id].fd[i] = i < w->t->irq.count ? vt_eventfd(w->t) : -1;
}

static void set_close(struct world *w, enum set_id id)
{
	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
		if (w->set[id].fd[i] >= 0) {
			close(w->set[id].fd[i]);
			w->set[id].fd[i] = -1;
		}
}

/*
 * Whether a set received anything since the last read (and drain it). The
 * IRQ clauses judge whether signals arrive, not when or with which value:
 * a late, lossy, doubled or mis-valued device is EVT's business.
 */
static bool set_read(struct world *w, enum set_id id)
{
	bool any = false;

	for (unsigned i = 0; i < w->t->irq.count; i++)
		any |= vt_efd_read(w->set[id].fd[i]) != 0;
	return any;
}

/* Readable without reading it: a pending signal stays pending. */
static bool set_ready(struct world *w, enum set_id id)
{
	struct pollfd pfd[VRC_IRQ_MAX_SUB];
	unsigned n = w->t->irq.count;

	for (unsigned i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = w->set[id].fd[i], .events = POLLIN };
	return poll(pfd, n, 0) > 0;
}

static int set_register(struct world *w, enum set_id id)
{
	return __vrc_display_irq_set_eventfds(&w->t->irq, w->set[id].fd, w->t->irq.count);
}

/* ---- one row */

struct row {
	struct world *w;
	const struct state *st;
	const struct request *rq;
	enum vrc_clause clause;
	bool bad;
};

static void flip_step(struct vt *t)
{
	vt_flip(t);
	vt_step(t, 1);
}

static char set_name(enum set_id id)
{
	return (char)('A' + (id - SET_A));
}

/*
 * Flip for up to WINDOW vblanks until `live` sees a signal (SET_NONE: all
 * WINDOW, and nobody may); no other set may see one meanwhile.
 */
static void expect_flips(struct row *r, enum vrc_clause c, enum set_id live, const char *when)
{
	struct world *w = r->w;
	bool seen = false;

	for (unsigned k = 0; k < WINDOW && !seen; k++) {
		flip_step(w->t);
		for (enum set_id id = SET_A; id < NSETS; id++) {
			bool got = set_read(w, id);

			if (id == live)
				seen |= got;
			else if (got) {
				vt_violation(w->t, c, "state '%s', %s: %s, a flip was signalled on "
					     "eventfd %c (want %s)", r->st->name, r->rq->name, when,
					     set_name(id), live == SET_NONE ? "none" : "only on the "
					     "registered one");
				r->bad = true;
			}
		}
	}
	if (live != SET_NONE && !seen) {
		vt_violation(w->t, c, "state '%s', %s: %s, no flip signalled on eventfd %c in %u "
			     "vblanks", r->st->name, r->rq->name, when, set_name(live), WINDOW);
		r->bad = true;
	}
}

static void mask_or_abort(struct vt *t, bool mask)
{
	int rc = vrc_display_irq_mask(&t->irq, mask);

	if (rc)
		vt_violation(t, C_IRQ_2, "%s|DATA_NONE refused: %s", mask ? "MASK" : "UNMASK",
			     strerror(-rc));
}

static void reopen(struct vt *t)
{
	vt_close_device(t);
	vt_open_device(t);
	vt_find_irq(t);
}

static void reset(struct vt *t)
{
	int rc = t->t->ops->reset(t->t);

	if (rc)
		vt_abort(t, "VFIO_DEVICE_RESET failed: %s", strerror(-rc));
}

/*
 * The base of every row: reset, A freshly registered, unmasked, drained,
 * and shown to signal (else the device cannot be judged further).
 */
static void base(struct row *r)
{
	struct world *w = r->w;
	int rc;

	reset(w->t);
	for (enum set_id id = SET_A; id < NSETS; id++) {
		set_close(w, id);
		set_open(w, id);
	}
	if ((rc = set_register(w, SET_A)))
		vt_abort(w->t, "before state '%s': registering failed: %s", r->st->name,
			 strerror(-rc));
	mask_or_abort(w->t, false);
	expect_flips(r, C_IRQ_1, SET_A, "a fresh registration after VFIO_DEVICE_RESET");
}

/*
 * A state that must be quiet is shown to be, before the request (a state
 * the device did not enter is that state's clause, not the request's).
 */
static void state_is_quiet(struct row *r, enum vrc_clause c)
{
	expect_flips(r, c, SET_NONE, "entering the state");
}

/* A flip's signal, left unread on A (a late or lossy device: a few flips). */
static void make_pending(struct row *r)
{
	for (unsigned k = 0; k < WINDOW; k++) {
		flip_step(r->w->t);
		if (set_ready(r->w, SET_A))
			return;
	}
	vt_violation(r->w->t, C_IRQ_1, "state '%s': no flip signalled on eventfd A in %u "
		     "vblanks", r->st->name, WINDOW);
	r->bad = true;
}

static void enter_state(struct row *r)
{
	const struct state *st = r->st;
	struct world *w = r->w;
	int rc = 0;

	if (st->via != VIA_NONE) {
		mask_or_abort(w->t, true);
		if (st->via == VIA_RESET)
			reset(w->t);
		else
			reopen(w->t);
		state_is_quiet(r, C_IRQ_4);
		return;
	}
	if (st->reg == SET_NONE)
		rc = __vrc_set_irqs(w->t->t, SET_TRIGGER_NONE, w->t->irq.index, 0, 0, NULL, 0, 0);
	if (rc)
		vt_violation(w->t, C_IRQ_3, "TRIGGER|NONE count 0 refused: %s", strerror(-rc));
	if (st->reg == SET_NONE)
		state_is_quiet(r, C_IRQ_3);	/* unregistered before any mask */
	if (st->masked)
		mask_or_abort(w->t, true);
	if (st->masked && st->reg != SET_NONE)
		state_is_quiet(r, C_IRQ_2);	/* and flips latched while masked */
	else if (st->pending)
		make_pending(r);
}

static int send_request(struct row *r)
{
	struct world *w = r->w;
	struct vt *t = w->t;
	uint32_t idx = t->irq.index, n = t->irq.count;
	uint8_t b1[VRC_IRQ_MAX_SUB] = { 1, 1 }, b0[VRC_IRQ_MAX_SUB] = { 0, 0 };
	int minus[VRC_IRQ_MAX_SUB] = { -1, -1 };
	int32_t pipes[VRC_IRQ_MAX_SUB];
	int pfd[2], rc;

	switch (r->rq->kind) {
	case RQ_REG_NEW:	return set_register(w, SET_B);
	case RQ_REG_SAME:	return set_register(w, SET_A);
	case RQ_REG_MINUS1:	return __vrc_display_irq_set_eventfds(&t->irq, minus, n);
	case RQ_UNREG:		return __vrc_set_irqs(t->t, SET_TRIGGER_NONE, idx, 0, 0, NULL, 0, 0);
	case RQ_LOOP:		return __vrc_set_irqs(t->t, SET_TRIGGER_NONE, idx, 0, n, NULL, 0, 0);
	case RQ_LOOP_B1:
	case RQ_LOOP_B0:
		return __vrc_set_irqs(t->t, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_BOOL,
				      idx, 0, n, r->rq->kind == RQ_LOOP_B1 ? b1 : b0, n, 0);
	case RQ_MASK:		return vrc_display_irq_mask(&t->irq, true);
	case RQ_UNMASK:		return vrc_display_irq_mask(&t->irq, false);
	case RQ_MASK_B1:
	case RQ_MASK_B0:
		return __vrc_set_irqs(t->t, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_BOOL,
				      idx, 0, n, r->rq->kind == RQ_MASK_B1 ? b1 : b0, n, 0);
	case RQ_UNMASK_B1:
	case RQ_UNMASK_B0:
		return __vrc_set_irqs(t->t, VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_BOOL,
				      idx, 0, n, r->rq->kind == RQ_UNMASK_B1 ? b1 : b0, n, 0);
	case RQ_BAD_START:	return __vrc_set_irqs(t->t, SET_TRIGGER_NONE, idx, 1, n, NULL, 0, 0);
	case RQ_BAD_COUNT:
		return __vrc_set_irqs(t->t, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE,
				      idx, 0, n + 1, NULL, 0, 0);
	case RQ_BAD_MASK0:
		return __vrc_set_irqs(t->t, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE,
				      idx, 0, 0, NULL, 0, 0);
	case RQ_BAD_BOOL0:
		return __vrc_set_irqs(t->t, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_BOOL,
				      idx, 0, 0, NULL, 0, 0);
	case RQ_BAD_UNMASK_FD:
		return __vrc_set_irqs(t->t, VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_EVENTFD,
				      idx, 0, n, w->set[SET_B].fd, 4 * n, 0);
	case RQ_BAD_UNMASK_START:
		return __vrc_set_irqs(t->t, VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_NONE,
				      idx, 1, n, NULL, 0, 0);
	case RQ_BAD_PIPE:
		if (pipe2(pfd, O_CLOEXEC))
			vt_abort(t, "pipe: %s", strerror(errno));
		pipes[0] = pipes[1] = pfd[0];
		rc = __vrc_set_irqs(t->t, SET_TRIGGER_EVENTFD, idx, 0, n, pipes, 4 * n, 0);
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	vt_abort(t, "unknown request kind %d", (int)r->rq->kind);
}

/* The reference semantics: the state after, given the one before. */
struct outcome {
	enum set_id reg;
	bool masked;
	bool now_a, now_b;	/* a signal readable at once on A and B */
};

static struct outcome expect(const struct state *st, const struct request *rq)
{
	/* VIA_*: reset and close release the eventfd and clear the mask */
	struct outcome o = { st->reg, st->via == VIA_NONE && st->masked, st->pending, 0 };

	switch (rq->effect) {
	case EF_NONE:
		break;
	case EF_REG_B:
		o.reg = SET_B;
		o.masked = false;
		break;
	case EF_REG_A:
		o.reg = SET_A;
		o.masked = false;
		break;
	case EF_UNREG:
		o.reg = SET_NONE;
		break;
	case EF_LOOP:
		if (o.reg == SET_A && !o.masked)
			o.now_a = true;
		break;
	case EF_MASK:
		o.masked = true;
		break;
	case EF_UNMASK:
		o.masked = false;
		break;
	}
	return o;
}

static void check_now(struct row *r, enum vrc_clause c, enum set_id id, bool want,
		      const char *when)
{
	bool got = set_read(r->w, id);

	if (got != want) {
		vt_violation(r->w->t, c, "state '%s', %s: %s, eventfd %c %s", r->st->name,
			     r->rq->name, when, set_name(id),
			     got ? "was signalled (want nothing)" : "holds nothing (want a signal)");
		r->bad = true;
	}
}

/*
 * The probe's own unmask and registration judge the clause of what they
 * do (a reset or reopen state keeps its own), not the request's.
 */
static enum vrc_clause follow_up(const struct row *r, enum vrc_clause c)
{
	return r->st->clause != C_NUM_CLAUSES ? r->st->clause : c;
}

/* After the request: probe the state the reference says it is in. */
static void probe(struct row *r, const struct outcome *o)
{
	struct world *w = r->w;
	int rc;

	check_now(r, r->clause, SET_A, o->now_a, "at once");
	check_now(r, r->clause, SET_B, o->now_b, "at once");
	expect_flips(r, r->clause, o->masked ? SET_NONE : o->reg, "then");
	if (r->bad)
		return;
	if (o->reg != SET_NONE && o->masked) {
		enum vrc_clause c = follow_up(r, C_IRQ_2);

		mask_or_abort(w->t, false);
		check_now(r, c, o->reg, false, "at the unmask that follows (masked flips replayed?)");
		expect_flips(r, c, o->reg, "after the unmask that follows");
	} else if (o->reg == SET_NONE) {
		enum vrc_clause c = follow_up(r, C_IRQ_3);

		if ((rc = set_register(w, SET_C))) {
			vt_violation(w->t, c, "state '%s', %s: registering a new eventfd "
				     "after it refused: %s", r->st->name, r->rq->name, strerror(-rc));
			r->bad = true;
			return;
		}
		expect_flips(r, c, SET_C, "after a fresh registration");
	}
}

static void run_row(struct world *w, const struct state *st, const struct request *rq)
{
	struct row r = { w, st, rq, st->clause != C_NUM_CLAUSES ? st->clause : rq->clause, false };
	struct outcome o;
	int rc;

	base(&r);
	if (r.bad)
		return;
	enter_state(&r);
	if (r.bad)
		return;
	o = expect(st, rq);
	rc = send_request(&r);
	if (rc == -EIO || rc == -EPIPE)
		vt_abort(w->t, "state '%s', %s: the device died (%s)", st->name, rq->name,
			 strerror(-rc));
	/*
	 * An invalid request that is accepted breaks IRQ-1 in any state (the
	 * state was shown to be entered); so does a valid one refused, on its
	 * own clause, except a registration refused after a reset or reopen:
	 * that is the state's clause (IRQ-4.5).
	 */
	if (rc != rq->err) {
		vt_violation(w->t, rq->err || rq->clause != C_IRQ_3 ? rq->clause : r.clause,
			     "state '%s', %s: got %d (%s), want %d%s", st->name,
			     rq->name, rc, rc ? strerror(-rc) : "accepted", rq->err,
			     rq->err ? "" : " (accepted)");
		return;	/* its effect is unknown: the next row starts afresh */
	}
	probe(&r, &o);
}

static enum vrc_result irq_set_states(struct vt *t)
{
	struct world w = { .t = t };

	vt_setup(t, 0);
	if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, C_IRQ_1, "registered eventfd not signalled in %u flipping vblanks",
			     WINDOW);
	vrc_display_irq_close(&t->irq);	/* the rows use their own eventfds */
	for (enum set_id id = SET_NONE; id < NSETS; id++)
		for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
			w.set[id].fd[i] = -1;
	for (unsigned s = 0; s < NSTATES; s++)
		for (unsigned q = 0; q < NREQUESTS; q++)
			run_row(&w, &states[s], &requests[q]);
	for (enum set_id id = SET_A; id < NSETS; id++)
		set_close(&w, id);
	return R_PASS;
}

const struct vrc_test vrc_test_irq_set_states = {
	"irq-set-states", CL(C_IRQ_1) | CL(C_IRQ_2) | CL(C_IRQ_3) | CL(C_IRQ_4),
	"every SET_IRQS request in every state (pending, masked, unregistered, after reset "
	"and reopen), judged by the eventfds",
	VT_REFUSED, irq_set_states };
