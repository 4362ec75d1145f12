// SPDX-License-Identifier: MIT
/*
 * irq-set-product (input class IC-6): every SET_IRQS of the display index
 * in the action x data x count x start product, each sent from the
 * registered, unmasked state and judged as irq-set-states judges its rows
 * (irq_probe.c): the errno, then what the eventfds see.
 *
 *   action  none, TRIGGER, MASK, UNMASK, MASK|UNMASK
 *   data    NONE, BOOL (all true), EVENTFD (fresh eventfds), NONE|BOOL
 *   count   0, 1, the irq's count n, n + 1   (1 and n once when n is 1)
 *   start   0, 1
 *
 * The errno wanted is ref_answer() below: SPEC §1 and IRQ-1, which vgpu-sim's
 * ref (ABIs v5, v6, v7) and the kernel series (kernel-6.1/6.12/7.2, whose
 * preamble is vfio_set_irqs_validate_and_prepare) agree on for the whole
 * product. Not sent: TRIGGER|EVENTFD with count 0 (either start), which
 * oopses the v5/v6 series (IRQ-1.6): irq-invalid-requests-oops sends it,
 * marked destructive; leaving it out keeps this test safe on hardware, so
 * that a gate runs its 150-odd requests everywhere.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "irq_probe.h"

#define A_MASK	VFIO_IRQ_SET_ACTION_MASK
#define A_UNMASK VFIO_IRQ_SET_ACTION_UNMASK
#define A_TRIG	VFIO_IRQ_SET_ACTION_TRIGGER
#define D_NONE	VFIO_IRQ_SET_DATA_NONE
#define D_BOOL	VFIO_IRQ_SET_DATA_BOOL
#define D_EFD	VFIO_IRQ_SET_DATA_EVENTFD

static const uint32_t actions[] = { 0, A_TRIG, A_MASK, A_UNMASK, A_MASK | A_UNMASK };
static const uint32_t datas[] = { D_NONE, D_BOOL, D_EFD, D_NONE | D_BOOL };

#define NACTIONS	(sizeof(actions) / sizeof(actions[0]))
#define NDATAS		(sizeof(datas) / sizeof(datas[0]))
#define MAX_COUNT	(VRC_IRQ_MAX_SUB + 1)

static const struct state registered = {
	"registered", SET_A, false, false, VIA_NONE, C_NUM_CLAUSES
};

static bool one_bit(uint32_t x)
{
	return x && !(x & (x - 1));
}

/*
 * The reference semantics of one request in the registered, unmasked state
 * (n: the irq's count): 0 and its effect, or the -errno (effect none).
 */
static int ref_answer(uint32_t action, uint32_t data, uint32_t count, uint32_t start,
		      uint32_t n, enum effect *effect)
{
	*effect = EF_NONE;
	if (!one_bit(action) || !one_bit(data))	/* IRQ-1.5 */
		return -EINVAL;
	if (start != 0)				/* IRQ-1.3 */
		return -EINVAL;
	if (count > n)				/* IRQ-1.4 */
		return -EINVAL;
	if (data == D_EFD) {			/* only TRIGGER registers */
		if (action != A_TRIG || !count)
			return -EINVAL;
		*effect = EF_REG_B;		/* sub-irqs 0..count-1 move to B */
		return 0;
	}
	if (!count) {				/* only TRIGGER|NONE unregisters */
		if (action != A_TRIG || data != D_NONE)
			return -EINVAL;
		*effect = EF_UNREG;
		return 0;
	}
	*effect = action == A_TRIG ? EF_LOOP : action == A_MASK ? EF_MASK : EF_UNMASK;
	return 0;
}

/* The clause an effect (or a refusal that must change nothing) is judged on. */
static enum vrc_clause effect_clause(enum effect e)
{
	switch (e) {
	case EF_REG_B:		/* registering while registered: IRQ-3.3, 3.4 */
	case EF_UNREG:
		return C_IRQ_3;
	case EF_MASK:
	case EF_UNMASK:
		return C_IRQ_2;
	default:
		return C_IRQ_1;
	}
}

static void describe(char *buf, size_t len, uint32_t action, uint32_t data, uint32_t count,
		     uint32_t start)
{
	snprintf(buf, len, "%s%s%s%s|%s%s%s count %u start %u",
		 !action ? "no action" : "", action & A_TRIG ? "TRIGGER" : "",
		 action & A_MASK ? "MASK" : "",
		 action & A_UNMASK ? (action & A_MASK ? "+UNMASK" : "UNMASK") : "",
		 data & D_NONE ? "NONE" : "", data & D_BOOL ? (data & D_NONE ? "+BOOL" : "BOOL") : "",
		 data & D_EFD ? "EVENTFD" : "", count, start);
}

static int send(struct world *w, uint32_t action, uint32_t data, uint32_t count,
		uint32_t start)
{
	struct vt *t = w->t;
	uint8_t bools[MAX_COUNT] = { 1, 1, 1 };
	int32_t fds[MAX_COUNT];

	if (data != D_EFD)
		return __vrc_set_irqs(t->dev, action | data, t->irq.index, start, count,
				      data == D_NONE ? NULL : bools,
				      data == D_NONE ? 0 : count, 0);
	/* B's eventfds, and one of C's for the sub-irq past the irq's count */
	for (uint32_t i = 0; i < count; i++)
		fds[i] = i < t->irq.count ? w->set[SET_B].fd[i] : w->set[SET_C].fd[0];
	return __vrc_set_irqs(t->dev, action | data, t->irq.index, start, count, fds,
			      4 * count, 0);
}

/*
 * A registration of fewer sub-irqs than the irq has (v7, count 1) leaves
 * the others on A, where only their own plane's updates may signal: which
 * plane a signal is for is EVT-5's business, not this probe's, so A's
 * eventfds past count are closed here (the device keeps its reference)
 * and not read.
 */
static void forget_kept_subs(struct world *w, uint32_t count)
{
	for (uint32_t i = count; i < VRC_IRQ_MAX_SUB; i++)
		if (w->set[SET_A].fd[i] >= 0) {
			close(w->set[SET_A].fd[i]);
			w->set[SET_A].fd[i] = -1;
		}
}

static void run_one(struct world *w, uint32_t action, uint32_t data, uint32_t count,
		    uint32_t start)
{
	char what[96];
	enum effect effect;
	int want = ref_answer(action, data, count, start, w->t->irq.count, &effect);
	struct row r = { w, &registered, what, effect_clause(effect), false };
	struct outcome o = irqp_outcome(&registered, effect);
	int rc;

	describe(what, sizeof(what), action, data, count, start);
	irqp_base(&r);
	if (r.bad)
		return;
	rc = send(w, action, data, count, start);
	if (rc == -EIO || rc == -EPIPE)
		vt_abort(w->t, "%s: the device died (%s)", what, strerror(-rc));
	if (rc != want) {
		/* accepted or refused wrongly: the request's own clause; a wrong
		 * errno of a refusal, or an invalid one accepted, IRQ-1 */
		vt_violation(w->t, want ? C_IRQ_1 : r.clause, "%s: got %d (%s), want %d (%s)",
			     what, rc, rc ? strerror(-rc) : "accepted", want,
			     want ? strerror(-want) : "accepted");
		return;	/* its effect is unknown: the next row starts afresh */
	}
	if (effect == EF_REG_B)
		forget_kept_subs(w, count);
	irqp_probe(&r, &o);
}

static enum vrc_result irq_set_product(struct vt *t)
{
	struct world w;
	uint32_t n, counts[4];
	unsigned ncounts = 0;

	vt_setup(t, 0);
	if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, C_IRQ_1, "registered eventfd not signalled in %u flipping vblanks",
			     WINDOW);
	n = t->irq.count;
	if (n < 1 || n > VRC_IRQ_MAX_SUB)
		vt_abort(t, "display irq count %u outside 1..%u", n, VRC_IRQ_MAX_SUB);
	counts[ncounts++] = 0;
	counts[ncounts++] = 1;
	if (n > 1)
		counts[ncounts++] = n;
	counts[ncounts++] = n + 1;
	vrc_display_irq_close(&t->irq);	/* the rows use their own eventfds */
	irqp_world_init(&w, t);
	for (unsigned a = 0; a < NACTIONS; a++)
		for (unsigned d = 0; d < NDATAS; d++)
			for (unsigned c = 0; c < ncounts; c++)
				for (uint32_t start = 0; start < 2; start++) {
					/* IRQ-1.6: oopses v5/v6, left to the destructive test */
					if (actions[a] == A_TRIG && datas[d] == D_EFD && !counts[c])
						continue;
					run_one(&w, actions[a], datas[d], counts[c], start);
				}
	irqp_world_close(&w);
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "irq-set-product", .clauses = CL(C_IRQ_1) | CL(C_IRQ_2) | CL(C_IRQ_3),
	  .desc = "every SET_IRQS action x data x count x start from the registered state, "
		  "judged by the errno and the eventfds (IC-6)",
	  .flags = VT_REFUSED, .run = irq_set_product },
};
const struct vrc_suite vrc_suite_irq_product = VRC_SUITE("irq_product", tests);
