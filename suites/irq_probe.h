/* SPDX-License-Identifier: MIT */
/*
 * What irq-set-states and irq-set-product share: eventfd sets, the base of
 * every row (a fresh registration, unmasked, shown to signal), the
 * reference effect of an accepted request, and the probe that reads the
 * state after it from what the eventfds see (irq_probe.c).
 */
#ifndef VRC_SUITES_IRQ_PROBE_H
#define VRC_SUITES_IRQ_PROBE_H

#include <stdbool.h>

#include "harness/vrc/vt.h"

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

/* A state a request is made in (irq-set-product: "registered" only). */
struct state {
	const char *name;
	enum set_id reg;	/* registered set, or SET_NONE */
	bool masked;
	bool pending;		/* one primary signal unread on A */
	enum { VIA_NONE, VIA_RESET, VIA_REOPEN } via;	/* masked, then this */
	enum vrc_clause clause;	/* a state's own clause (IRQ-4), or C_NUM_CLAUSES */
};

/* What an accepted request does to the state. */
enum effect { EF_NONE, EF_REG_B, EF_REG_A, EF_UNREG, EF_LOOP, EF_MASK, EF_UNMASK };

/* One request in one state: what is reported, and whether it failed. */
struct row {
	struct world *w;
	const struct state *st;
	const char *what;	/* the request, as reports name it */
	enum vrc_clause clause;
	bool bad;
};

/* The reference semantics: the state after, given the one before. */
struct outcome {
	enum set_id reg;
	bool masked;
	bool now_a, now_b;	/* a signal readable at once on A and B */
};

void irqp_world_init(struct world *w, struct vt *t);
void irqp_world_close(struct world *w);
void irqp_set_open(struct world *w, enum set_id id);
void irqp_set_close(struct world *w, enum set_id id);
bool irqp_set_read(struct world *w, enum set_id id);
bool irqp_set_ready(struct world *w, enum set_id id);
int irqp_set_register(struct world *w, enum set_id id);
void irqp_flip_step(struct vt *t);
void irqp_expect_flips(struct row *r, enum vrc_clause c, enum set_id live, const char *when);
void irqp_mask_or_abort(struct vt *t, bool mask);
void irqp_reset(struct vt *t);
void irqp_base(struct row *r);
struct outcome irqp_outcome(const struct state *st, enum effect effect);
void irqp_probe(struct row *r, const struct outcome *o);

#endif /* VRC_SUITES_IRQ_PROBE_H */
