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
#include <string.h>
#include <unistd.h>

#include "irq_probe.h"

/* ---- the states */

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

/* ---- one row */

static void reopen(struct vt *t)
{
	vt_close_device(t);
	vt_open_device(t);
	vt_find_irq(t);
}

/*
 * A state that must be quiet is shown to be, before the request (a state
 * the device did not enter is that state's clause, not the request's).
 */
static void state_is_quiet(struct row *r, enum vrc_clause c)
{
	irqp_expect_flips(r, c, SET_NONE, "entering the state");
}

/* A flip's signal, left unread on A (a late or lossy device: a few flips). */
static void make_pending(struct row *r)
{
	for (unsigned k = 0; k < WINDOW; k++) {
		irqp_flip_step(r->w->t);
		if (irqp_set_ready(r->w, SET_A))
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
		irqp_mask_or_abort(w->t, true);
		if (st->via == VIA_RESET)
			irqp_reset(w->t);
		else
			reopen(w->t);
		state_is_quiet(r, C_IRQ_4);
		return;
	}
	if (st->reg == SET_NONE)
		rc = __vrc_set_irqs(w->t->dev, SET_TRIGGER_NONE, w->t->irq.index, 0, 0, NULL, 0, 0);
	if (rc)
		vt_violation(w->t, C_IRQ_3, "TRIGGER|NONE count 0 refused: %s", strerror(-rc));
	if (st->reg == SET_NONE)
		state_is_quiet(r, C_IRQ_3);	/* unregistered before any mask */
	if (st->masked)
		irqp_mask_or_abort(w->t, true);
	if (st->masked && st->reg != SET_NONE)
		state_is_quiet(r, C_IRQ_2);	/* and flips latched while masked */
	else if (st->pending)
		make_pending(r);
}

static int send_request(struct row *r, const struct request *rq)
{
	struct world *w = r->w;
	struct vt *t = w->t;
	uint32_t idx = t->irq.index, n = t->irq.count;
	uint8_t b1[VRC_IRQ_MAX_SUB] = { 1, 1 }, b0[VRC_IRQ_MAX_SUB] = { 0, 0 };
	int minus[VRC_IRQ_MAX_SUB] = { -1, -1 };
	int32_t pipes[VRC_IRQ_MAX_SUB];
	int pfd[2], rc;

	switch (rq->kind) {
	case RQ_REG_NEW:	return irqp_set_register(w, SET_B);
	case RQ_REG_SAME:	return irqp_set_register(w, SET_A);
	case RQ_REG_MINUS1:	return __vrc_display_irq_set_eventfds(&t->irq, minus, n);
	case RQ_UNREG:		return __vrc_set_irqs(t->dev, SET_TRIGGER_NONE, idx, 0, 0, NULL, 0, 0);
	case RQ_LOOP:		return __vrc_set_irqs(t->dev, SET_TRIGGER_NONE, idx, 0, n, NULL, 0, 0);
	case RQ_LOOP_B1:
	case RQ_LOOP_B0:
		return __vrc_set_irqs(t->dev, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_BOOL,
				      idx, 0, n, rq->kind == RQ_LOOP_B1 ? b1 : b0, n, 0);
	case RQ_MASK:		return vrc_display_irq_mask(&t->irq, true);
	case RQ_UNMASK:		return vrc_display_irq_mask(&t->irq, false);
	case RQ_MASK_B1:
	case RQ_MASK_B0:
		return __vrc_set_irqs(t->dev, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_BOOL,
				      idx, 0, n, rq->kind == RQ_MASK_B1 ? b1 : b0, n, 0);
	case RQ_UNMASK_B1:
	case RQ_UNMASK_B0:
		return __vrc_set_irqs(t->dev, VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_BOOL,
				      idx, 0, n, rq->kind == RQ_UNMASK_B1 ? b1 : b0, n, 0);
	case RQ_BAD_START:	return __vrc_set_irqs(t->dev, SET_TRIGGER_NONE, idx, 1, n, NULL, 0, 0);
	case RQ_BAD_COUNT:
		return __vrc_set_irqs(t->dev, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE,
				      idx, 0, n + 1, NULL, 0, 0);
	case RQ_BAD_MASK0:
		return __vrc_set_irqs(t->dev, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE,
				      idx, 0, 0, NULL, 0, 0);
	case RQ_BAD_BOOL0:
		return __vrc_set_irqs(t->dev, VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_BOOL,
				      idx, 0, 0, NULL, 0, 0);
	case RQ_BAD_UNMASK_FD:
		return __vrc_set_irqs(t->dev, VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_EVENTFD,
				      idx, 0, n, w->set[SET_B].fd, 4 * n, 0);
	case RQ_BAD_UNMASK_START:
		return __vrc_set_irqs(t->dev, VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_NONE,
				      idx, 1, n, NULL, 0, 0);
	case RQ_BAD_PIPE:
		if (pipe2(pfd, O_CLOEXEC))
			vt_abort(t, "pipe: %s", strerror(errno));
		pipes[0] = pipes[1] = pfd[0];
		rc = __vrc_set_irqs(t->dev, SET_TRIGGER_EVENTFD, idx, 0, n, pipes, 4 * n, 0);
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	vt_abort(t, "unknown request kind %d", (int)rq->kind);
}

static void run_row(struct world *w, const struct state *st, const struct request *rq)
{
	struct row r = { w, st, rq->name, st->clause != C_NUM_CLAUSES ? st->clause : rq->clause, false };
	struct outcome o;
	int rc;

	irqp_base(&r);
	if (r.bad)
		return;
	enter_state(&r);
	if (r.bad)
		return;
	o = irqp_outcome(st, rq->effect);
	rc = send_request(&r, rq);
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
	irqp_probe(&r, &o);
}

static enum vrc_result irq_set_states(struct vt *t)
{
	struct world w;

	vt_setup(t, 0);
	if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, C_IRQ_1, "registered eventfd not signalled in %u flipping vblanks",
			     WINDOW);
	vrc_display_irq_close(&t->irq);	/* the rows use their own eventfds */
	irqp_world_init(&w, t);
	for (unsigned s = 0; s < NSTATES; s++)
		for (unsigned q = 0; q < NREQUESTS; q++)
			run_row(&w, &states[s], &requests[q]);
	irqp_world_close(&w);
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "irq-set-states",
	  .clauses = CL(C_IRQ_1) | CL(C_IRQ_2) | CL(C_IRQ_3) | CL(C_IRQ_4),
	  .desc = "every SET_IRQS request in every state (pending, masked, unregistered, after "
		  "reset and reopen), judged by the eventfds",
	  .flags = VT_REFUSED, .run = irq_set_states },
};
const struct vrc_suite vrc_suite_irq_states = VRC_SUITE("irq_states", tests);
