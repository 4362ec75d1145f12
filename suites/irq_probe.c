// SPDX-License-Identifier: MIT
/*
 * The eventfd sets, row base, reference effects and probe that
 * irq-set-states and irq-set-product share (irq_probe.h).
 */
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "irq_probe.h"

void irqp_world_init(struct world *w, struct vt *t)
{
	w->t = t;
	for (enum set_id id = SET_NONE; id < NSETS; id++)
		for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
			w->set[id].fd[i] = -1;
}

void irqp_world_close(struct world *w)
{
	for (enum set_id id = SET_A; id < NSETS; id++)
		irqp_set_close(w, id);
}

/* ---- eventfd sets */

void irqp_set_open(struct world *w, enum set_id id)
{
	for (unsigned i = 0; i < VRC_IRQ_MAX_SUB; i++)
		w->set[id].fd[i] = i < w->t->irq.count ? vt_eventfd(w->t) : -1;
}

void irqp_set_close(struct world *w, enum set_id id)
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
bool irqp_set_read(struct world *w, enum set_id id)
{
	bool any = false;

	for (unsigned i = 0; i < w->t->irq.count; i++)
		any |= vrc_eventfd_take(w->set[id].fd[i]) != 0;
	return any;
}

/* Readable without reading it: a pending signal stays pending. */
bool irqp_set_ready(struct world *w, enum set_id id)
{
	struct pollfd pfd[VRC_IRQ_MAX_SUB];
	unsigned n = w->t->irq.count;

	for (unsigned i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = w->set[id].fd[i], .events = POLLIN };
	return poll(pfd, n, 0) > 0;
}

int irqp_set_register(struct world *w, enum set_id id)
{
	return __vrc_display_irq_set_eventfds(&w->t->irq, w->set[id].fd, w->t->irq.count);
}

void irqp_flip_step(struct vt *t)
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
void irqp_expect_flips(struct row *r, enum vrc_clause c, enum set_id live, const char *when)
{
	struct world *w = r->w;
	bool seen = false;

	for (unsigned k = 0; k < WINDOW && !seen; k++) {
		irqp_flip_step(w->t);
		for (enum set_id id = SET_A; id < NSETS; id++) {
			bool got = irqp_set_read(w, id);

			if (id == live)
				seen |= got;
			else if (got) {
				vt_violation(w->t, c, "state '%s', %s: %s, a flip was signalled on "
					     "eventfd %c (want %s)", r->st->name, r->what, when,
					     set_name(id), live == SET_NONE ? "none" : "only on the "
					     "registered one");
				r->bad = true;
			}
		}
	}
	if (live != SET_NONE && !seen) {
		vt_violation(w->t, c, "state '%s', %s: %s, no flip signalled on eventfd %c in %u "
			     "vblanks", r->st->name, r->what, when, set_name(live), WINDOW);
		r->bad = true;
	}
}

void irqp_mask_or_abort(struct vt *t, bool mask)
{
	int rc = vrc_display_irq_mask(&t->irq, mask);

	if (rc)
		vt_violation(t, C_IRQ_2, "%s|DATA_NONE refused: %s", mask ? "MASK" : "UNMASK",
			     strerror(-rc));
}

void irqp_reset(struct vt *t)
{
	int rc = t->dev->ops->reset(t->dev);

	if (rc)
		vt_abort(t, "VFIO_DEVICE_RESET failed: %s", strerror(-rc));
}

/*
 * The base of every row: reset, A freshly registered, unmasked, drained,
 * and shown to signal (else the device cannot be judged further).
 */
void irqp_base(struct row *r)
{
	struct world *w = r->w;
	int rc;

	irqp_reset(w->t);
	for (enum set_id id = SET_A; id < NSETS; id++) {
		irqp_set_close(w, id);
		irqp_set_open(w, id);
	}
	if ((rc = irqp_set_register(w, SET_A)))
		vt_abort(w->t, "before state '%s': registering failed: %s", r->st->name,
			 strerror(-rc));
	irqp_mask_or_abort(w->t, false);
	irqp_expect_flips(r, C_IRQ_1, SET_A, "a fresh registration after VFIO_DEVICE_RESET");
}

/* The reference semantics: the state after, given the one before. */
struct outcome irqp_outcome(const struct state *st, enum effect effect)
{
	/* VIA_*: reset and close release the eventfd and clear the mask */
	struct outcome o = { st->reg, st->via == VIA_NONE && st->masked, st->pending, 0 };

	switch (effect) {
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
	bool got = irqp_set_read(r->w, id);

	if (got != want) {
		vt_violation(r->w->t, c, "state '%s', %s: %s, eventfd %c %s", r->st->name,
			     r->what, when, set_name(id),
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
void irqp_probe(struct row *r, const struct outcome *o)
{
	struct world *w = r->w;
	int rc;

	check_now(r, r->clause, SET_A, o->now_a, "at once");
	check_now(r, r->clause, SET_B, o->now_b, "at once");
	irqp_expect_flips(r, r->clause, o->masked ? SET_NONE : o->reg, "then");
	if (r->bad)
		return;
	if (o->reg != SET_NONE && o->masked) {
		enum vrc_clause c = follow_up(r, C_IRQ_2);

		irqp_mask_or_abort(w->t, false);
		check_now(r, c, o->reg, false, "at the unmask that follows (masked flips replayed?)");
		irqp_expect_flips(r, c, o->reg, "after the unmask that follows");
	} else if (o->reg == SET_NONE) {
		enum vrc_clause c = follow_up(r, C_IRQ_3);

		if ((rc = irqp_set_register(w, SET_C))) {
			vt_violation(w->t, c, "state '%s', %s: registering a new eventfd "
				     "after it refused: %s", r->st->name, r->what, strerror(-rc));
			r->bad = true;
			return;
		}
		irqp_expect_flips(r, c, SET_C, "after a fresh registration");
	}
}

