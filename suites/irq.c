// SPDX-License-Identifier: MIT
/*
 * IRQ: registering, rejecting bad requests, masking, unregistering, and what
 * close and reset release. Judged on real eventfds. Timing is not these
 * clauses' business: "a signal" means one within a few flipping vblanks, so a
 * late or lossy model is judged by EVT, not here. The one exception is
 * IRQ-2's "from the next qualifying vblank", judged against the device's
 * own latency (irq-unmask-next-vblank). Every test that relies on signals
 * first shows the registration signals. irq-set-states (irq_states.c)
 * crosses every request with every state.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "harness/vrc/vt.h"

#define WINDOW	4u	/* vblanks a signal may take / silence must last */

#define SET_TRIGGER_EVENTFD	(VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD)
#define SET_TRIGGER_NONE	(VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE)

/* Flip for WINDOW vblanks; return what arrived on fd (none wanted). */
static uint64_t silence_on(struct vt *t, int fd)
{
	uint64_t got = 0;

	for (unsigned k = 0; k < WINDOW; k++) {
		vt_flip(t);
		vt_step(t, 1);
		got += vrc_eventfd_take(fd);
	}
	return got;
}

/* Flip for WINDOW vblanks while masked: the registered fds must stay quiet. */
static int quiet_while_masked(struct vt *t)
{
	struct vrc_signal sig;
	int seen = 0;

	for (unsigned k = 0; k < WINDOW; k++) {
		vt_flip(t);
		vt_step(t, 1);
		seen |= vt_poll(t, &sig);
	}
	return !seen;
}

/*
 * vt_setup, then show the registration signals: against a device that never
 * signals, every "stays quiet" check below would pass having judged nothing.
 */
static void setup_live(struct vt *t, enum vrc_clause c)
{
	vt_setup(t, 0);
	if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, c, "registered eventfd not signalled in %u flipping vblanks "
			     "(nothing below can be judged)", WINDOW);
}

/* Put the device back to "registered, unmasked" after a wrongly accepted request. */
static void restore(struct vt *t)
{
	int rc = vrc_display_irq_register(&t->irq);

	if (!rc)
		rc = vrc_display_irq_mask(&t->irq, false);
	if (rc)
		vt_abort(t, "cannot restore the registration: %s", strerror(-rc));
}

static void expect_refused(struct vt *t, const char *what, int want, int rc)
{
	if (rc != want) {
		vt_violation(t, C_IRQ_1, "%s: got %d (%s), want -%s", what, rc,
			     rc ? strerror(-rc) : "accepted", want == -EBADF ? "EBADF" : "EINVAL");
		restore(t);
	}
	if (!vt_expect_signal(t, WINDOW)) {
		vt_violation(t, C_IRQ_1, "after '%s' the registration no longer signals", what);
		restore(t);
	}
}

static enum vrc_result irq_invalid_requests(struct vt *t)
{
	struct vrc_transport *tr;
	uint32_t idx, n;
	int32_t fds[4];
	int pfd[2];

	vt_setup(t, 0);
	if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, C_IRQ_1, "registered eventfd not signalled in %u flipping vblanks",
			     WINDOW);
	tr = t->dev;
	idx = t->irq.index;
	n = t->irq.count;
	for (unsigned i = 0; i < 4; i++)
		fds[i] = vt_eventfd(t);
	expect_refused(t, "index past num_irqs", -EINVAL,
		       __vrc_set_irqs(tr, SET_TRIGGER_NONE, idx + 1, 0, 0, NULL, 0, 0));
	expect_refused(t, "index 0xffffffff", -EINVAL,
		       __vrc_set_irqs(tr, SET_TRIGGER_NONE, 0xffffffffu, 0, 0, NULL, 0, 0));
	expect_refused(t, "start 1", -EINVAL,
		       __vrc_set_irqs(tr, SET_TRIGGER_EVENTFD, idx, 1, 1, fds, 4, 0));
	expect_refused(t, "TRIGGER|EVENTFD with count > irq count", -EINVAL,
		       __vrc_set_irqs(tr, SET_TRIGGER_EVENTFD, idx, 0, n + 1, fds, 4 * (n + 1), 0));
	expect_refused(t, "MASK with count > irq count", -EINVAL,
		       __vrc_set_irqs(tr, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_DATA_NONE,
				      idx, 0, n + 1, NULL, 0, 0));
	expect_refused(t, "MASK|UNMASK together", -EINVAL,
		       __vrc_set_irqs(tr, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK |
				      VFIO_IRQ_SET_DATA_NONE, idx, 0, n, NULL, 0, 0));
	expect_refused(t, "TRIGGER with DATA_NONE|DATA_BOOL", -EINVAL,
		       __vrc_set_irqs(tr, SET_TRIGGER_NONE | VFIO_IRQ_SET_DATA_BOOL,
				      idx, 0, 0, NULL, 0, 0));
	expect_refused(t, "unknown flag bit 10", -EINVAL,
		       __vrc_set_irqs(tr, SET_TRIGGER_NONE | (1u << 10), idx, 0, 0, NULL, 0, 0));
	expect_refused(t, "argsz 16", -EINVAL,
		       __vrc_set_irqs(tr, SET_TRIGGER_NONE, idx, 0, 0, NULL, 0, 16));
	if (pipe2(pfd, O_CLOEXEC))
		vt_abort(t, "pipe: %s", strerror(errno));
	int32_t notefd[2] = { pfd[0], pfd[0] };
	expect_refused(t, "a pipe instead of an eventfd", -EBADF,
		       __vrc_set_irqs(tr, SET_TRIGGER_EVENTFD, idx, 0, n, notefd, 4 * n, 0));
	close(pfd[0]);
	close(pfd[1]);
	for (unsigned i = 0; i < 4; i++)
		close(fds[i]);
	return R_PASS;
}

/* SPEC §3: on v6 these dereference a NULL pointer in the host kernel. */
static enum vrc_result irq_invalid_requests_oops(struct vt *t)
{
	int32_t fd;
	int rc;

	vt_setup(t, 0);
	fd = vt_eventfd(t);
	rc = __vrc_set_irqs(t->dev, SET_TRIGGER_EVENTFD, t->irq.index, 0, 0, NULL, 0, 0);
	if (rc != -EINVAL)
		vt_violation(t, C_IRQ_1, "TRIGGER|EVENTFD with count 0: got %d (%s), want -EINVAL",
			     rc, rc ? strerror(-rc) : "accepted");
	if (rc == -EIO || rc == -EPIPE)
		return R_CRASH;
	rc = __vrc_set_irqs(t->dev, SET_TRIGGER_NONE | VFIO_IRQ_SET_DATA_EVENTFD, t->irq.index,
			    0, 1, &fd, 4, 0);
	if (rc != -EINVAL)
		vt_violation(t, C_IRQ_1, "TRIGGER with DATA_NONE|DATA_EVENTFD: got %d (%s), want -EINVAL",
			     rc, rc ? strerror(-rc) : "accepted");
	if (rc == -EIO || rc == -EPIPE)
		return R_CRASH;
	close(fd);
	if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, C_IRQ_1, "after the refused requests the registration no longer signals");
	return R_PASS;
}

static enum vrc_result irq_mask_unmask(struct vt *t)
{
	int rc;

	setup_live(t, C_IRQ_2);
	if ((rc = vrc_display_irq_mask(&t->irq, true)))
		vt_violation(t, C_IRQ_2, "MASK|DATA_NONE refused: %s", strerror(-rc));
	else if (!quiet_while_masked(t))
		vt_violation(t, C_IRQ_2, "signal while masked");
	if ((rc = vrc_display_irq_mask(&t->irq, false)))
		vt_violation(t, C_IRQ_2, "UNMASK|DATA_NONE refused: %s", strerror(-rc));
	else if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, C_IRQ_2, "no signal within %u flipping vblanks after unmask", WINDOW);
	return R_PASS;
}

static int mask_bool(struct vt *t, bool mask, uint8_t value)
{
	uint8_t b[VRC_IRQ_MAX_SUB] = { value, value };

	return __vrc_set_irqs(t->dev, (mask ? VFIO_IRQ_SET_ACTION_MASK : VFIO_IRQ_SET_ACTION_UNMASK) |
			      VFIO_IRQ_SET_DATA_BOOL, t->irq.index, 0, t->irq.count, b,
			      t->irq.count, 0);
}

static enum vrc_result irq_mask_bool(struct vt *t)
{
	int rc;

	setup_live(t, C_IRQ_2);
	if ((rc = mask_bool(t, true, 1))) {
		vt_violation(t, C_IRQ_2, "MASK|DATA_BOOL(1) refused: %s", strerror(-rc));
		return R_FAIL;
	}
	if (!quiet_while_masked(t))
		vt_violation(t, C_IRQ_2, "signal after MASK|DATA_BOOL(1)");
	if ((rc = mask_bool(t, false, 0)))
		vt_violation(t, C_IRQ_2, "UNMASK|DATA_BOOL(0) refused: %s", strerror(-rc));
	else if (!quiet_while_masked(t))
		vt_violation(t, C_IRQ_2, "UNMASK|DATA_BOOL(0) unmasked (a false bool must do nothing)");
	if ((rc = mask_bool(t, false, 1)))
		vt_violation(t, C_IRQ_2, "UNMASK|DATA_BOOL(1) refused: %s", strerror(-rc));
	else if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, C_IRQ_2, "no signal after UNMASK|DATA_BOOL(1)");
	return R_PASS;
}

static int dup_or_abort(struct vt *t, int fd)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (d < 0)
		vt_abort(t, "dup: %s", strerror(errno));
	return d;
}

static enum vrc_result irq_unregister(struct vt *t)
{
	int old, rc;

	setup_live(t, C_IRQ_3);
	old = dup_or_abort(t, t->irq.efd[0]);
	if ((rc = vrc_display_irq_unregister(&t->irq)))
		vt_violation(t, C_IRQ_3, "TRIGGER|DATA_NONE count 0 refused: %s", strerror(-rc));
	else if (silence_on(t, old))
		vt_violation(t, C_IRQ_3, "unregistered eventfd still signalled");
	close(old);
	return R_PASS;
}

static enum vrc_result irq_unregister_fd_minus_one(struct vt *t)
{
	int minus[VRC_IRQ_MAX_SUB] = { -1, -1 };
	int old, rc;

	setup_live(t, C_IRQ_3);
	old = dup_or_abort(t, t->irq.efd[0]);
	if ((rc = __vrc_display_irq_set_eventfds(&t->irq, minus, t->irq.count)))
		vt_violation(t, C_IRQ_3, "eventfd -1 refused: %s (it must unregister)",
			     strerror(-rc));
	else if (silence_on(t, old))
		vt_violation(t, C_IRQ_3, "eventfd still signalled after the fd -1 unregister");
	close(old);
	return R_PASS;
}

static enum vrc_result irq_reregister(struct vt *t)
{
	int fresh[VRC_IRQ_MAX_SUB] = { -1, -1 };
	uint64_t old_got = 0, new_got = 0;
	int rc;

	setup_live(t, C_IRQ_3);
	for (unsigned i = 0; i < t->irq.count; i++)
		fresh[i] = vt_eventfd(t);
	if ((rc = __vrc_display_irq_set_eventfds(&t->irq, fresh, t->irq.count))) {
		vt_violation(t, C_IRQ_3, "re-registering refused: %s", strerror(-rc));
		return R_FAIL;
	}
	for (unsigned k = 0; k < WINDOW; k++) {
		vt_flip(t);
		vt_step(t, 1);
		for (unsigned i = 0; i < t->irq.count; i++) {
			old_got += vrc_eventfd_take(t->irq.efd[i]);
			new_got += vrc_eventfd_take(fresh[i]);
		}
	}
	if (old_got)
		vt_violation(t, C_IRQ_3, "the replaced eventfd is still signalled (%#llx)",
			     (unsigned long long)old_got);
	if (!new_got)
		vt_violation(t, C_IRQ_3, "the new eventfd is not signalled");
	for (unsigned i = 0; i < t->irq.count; i++)
		close(fresh[i]);
	return R_PASS;
}

/* After close or reset: the old eventfd stays quiet, a new opener works. */
static void check_released(struct vt *t, int old, const char *how)
{
	int rc;

	if (silence_on(t, old))
		vt_violation(t, C_IRQ_4, "after %s the old eventfd is still signalled", how);
	if ((rc = vrc_display_irq_register(&t->irq)))
		vt_violation(t, C_IRQ_4, "registering after %s refused: %s", how, strerror(-rc));
	else if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, C_IRQ_4, "after %s a new registration is not signalled", how);
}

static void reopen_device(struct vt *t)
{
	vt_close_device(t);
	vt_open_device(t);
	vt_find_irq(t);
}

static void reset_device(struct vt *t)
{
	int rc;

	if ((rc = t->dev->ops->reset(t->dev)))
		vt_abort(t, "VFIO_DEVICE_RESET failed: %s", strerror(-rc));
	vrc_display_irq_close(&t->irq);	/* our copies; the device dropped its own */
}

/*
 * "Clears the mask": mask, release, and register WITHOUT unmasking. The new
 * opener must start unmasked, so its registration signals.
 */
static void check_mask_cleared(struct vt *t, void (*release)(struct vt *t), const char *how)
{
	int rc;

	if ((rc = vrc_display_irq_mask(&t->irq, true))) {
		vt_violation(t, C_IRQ_4, "MASK before %s refused: %s", how, strerror(-rc));
		return;
	}
	release(t);
	if ((rc = vrc_display_irq_register(&t->irq)))
		vt_violation(t, C_IRQ_4, "registering after a masked %s refused: %s", how,
			     strerror(-rc));
	else if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, C_IRQ_4, "masked, then %s: a new registration (no unmask) is "
			     "not signalled, the mask survived", how);
}

static enum vrc_result irq_close_releases(struct vt *t)
{
	int old;

	setup_live(t, C_IRQ_4);
	old = dup_or_abort(t, t->irq.efd[0]);
	reopen_device(t);
	check_released(t, old, "closing the device");
	close(old);
	check_mask_cleared(t, reopen_device, "closing the device");
	return R_PASS;
}

static enum vrc_result irq_reset_releases(struct vt *t)
{
	int old;

	setup_live(t, C_IRQ_4);
	old = dup_or_abort(t, t->irq.efd[0]);
	reset_device(t);
	check_released(t, old, "VFIO_DEVICE_RESET");
	close(old);
	check_mask_cleared(t, reset_device, "VFIO_DEVICE_RESET");
	return R_PASS;
}

/* Step flip-less vblanks, reading: 1 if anything arrived. */
static int drain_steps(struct vt *t, unsigned n)
{
	struct vrc_signal sig;
	int seen = 0;

	for (unsigned k = 0; k < n; k++) {
		vt_step(t, 1);
		seen |= vt_poll(t, &sig);
	}
	return seen;
}

/*
 * The vblanks from a flip's latch to its signal on this device (0: the
 * latch vblank itself), or -1 if none came in WINDOW. Its own latency is
 * the yardstick: a device late on every flip is EVT-2's business.
 */
static int flip_latency(struct vt *t)
{
	struct vrc_signal sig;

	vt_flip(t);
	for (unsigned k = 0; k < WINDOW; k++) {
		vt_step(t, 1);
		if (vt_poll(t, &sig))
			return (int)k;
	}
	return -1;
}

/*
 * The yardstick for the flip after an unmask: BASELINE_FLIPS flips, never
 * masked, each signalled with the same latency. A device that loses or
 * scatters them (drop, sparse) fails EVT-2 here; judging its unmask by one
 * flip would blame IRQ-2 for a loss that has nothing to do with the mask.
 */
#define BASELINE_FLIPS	8u

static int steady_latency(struct vt *t)
{
	int lat = -2, l;

	for (unsigned i = 0; i < BASELINE_FLIPS; i++) {
		l = flip_latency(t);
		drain_steps(t, WINDOW);
		if (l < 0 || (lat != -2 && l != lat)) {
			vt_violation(t, C_EVT_2, "flip %u of %u, never masked: %s (IRQ-2's next "
				     "vblank cannot be judged on such a device)", i + 1,
				     BASELINE_FLIPS, l < 0 ? "not signalled" : "a latency unlike "
				     "the others'");
			return -1;
		}
		lat = l;
	}
	return lat;
}

/*
 * IRQ-2's second half, exactly (virtual time: a step is one vblank): unmask
 * at vblank k, and the flip latching at k + 1 is signalled with the
 * device's usual latency, not later; nothing that was masked comes at the
 * unmask, nor (on a device quiet at flip-less vblanks) after.
 */
static enum vrc_result irq_unmask_next_vblank(struct vt *t)
{
	struct vrc_signal sig;
	int lat, quiet_idle, rc;

	setup_live(t, C_IRQ_2);
	drain_steps(t, WINDOW);			/* whatever a late device still had */
	quiet_idle = !drain_steps(t, 1);	/* v3 signals every vblank */
	if ((lat = steady_latency(t)) < 0)
		return R_FAIL;
	if ((rc = vrc_display_irq_mask(&t->irq, true))) {
		vt_violation(t, C_IRQ_2, "MASK|DATA_NONE refused: %s", strerror(-rc));
		return R_FAIL;
	}
	if (!quiet_while_masked(t))	/* masked flips latched at each of these */
		vt_violation(t, C_IRQ_2, "signal while masked");
	if ((rc = vrc_display_irq_mask(&t->irq, false))) {
		vt_violation(t, C_IRQ_2, "UNMASK|DATA_NONE refused: %s", strerror(-rc));
		return R_FAIL;
	}
	if (vt_poll(t, &sig))
		vt_violation(t, C_IRQ_2, "a signal at the unmask itself: what was masked is "
			     "replayed");
	rc = flip_latency(t);
	/* real vblanks: a harness running late writes a flip one
	 * vblank later than it meant to: a vblank either way is not judged */
	if (rc < 0)
		vt_violation(t, C_IRQ_2, "the flip latching at the first vblank after unmask was "
			     "not signalled in %u vblanks (this device's flips take %d)", WINDOW, lat);
	else if (rc != lat && !(vt_backend(t)->real_vblanks && (rc == lat + 1 || rc + 1 == lat)))
		vt_violation(t, C_IRQ_2, "the flip latching at the first vblank after unmask was "
			     "signalled %d vblanks after its latch, this device's flips take %d",
			     rc, lat);
	else if (quiet_idle && drain_steps(t, 2))
		vt_violation(t, C_IRQ_2, "a signal at a flip-less vblank after unmask: a masked "
			     "flip signalled late");
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "irq-invalid-requests", .clauses = CL(C_IRQ_1),
	  .desc = "registration signals; bad index/start/count/flags/argsz and a non-eventfd are "
		  "refused and change nothing",
	  .flags = VT_REFUSED, .run = irq_invalid_requests },
	{ .name = "irq-invalid-requests-oops", .clauses = CL(C_IRQ_1),
	  .desc = "TRIGGER|EVENTFD count 0 and DATA_NONE|DATA_EVENTFD are refused (v6 oopses)",
	  .flags = VT_DESTRUCTIVE | VT_REFUSED, .run = irq_invalid_requests_oops },
	{ .name = "irq-mask-unmask", .clauses = CL(C_IRQ_2),
	  .desc = "DATA_NONE mask silences, unmask resumes",
	  .run = irq_mask_unmask },
	{ .name = "irq-mask-bool", .clauses = CL(C_IRQ_2),
	  .desc = "DATA_BOOL mask/unmask honour the bool",
	  .run = irq_mask_bool },
	{ .name = "irq-unregister", .clauses = CL(C_IRQ_3),
	  .desc = "DATA_NONE count 0 stops signals to the old eventfd",
	  .run = irq_unregister },
	{ .name = "irq-unregister-fd-minus-one", .clauses = CL(C_IRQ_3),
	  .desc = "eventfd -1 unregisters",
	  .run = irq_unregister_fd_minus_one },
	{ .name = "irq-reregister", .clauses = CL(C_IRQ_3),
	  .desc = "re-registering moves signals to the new eventfd only",
	  .run = irq_reregister },
	{ .name = "irq-close-releases", .clauses = CL(C_IRQ_4),
	  .desc = "closing the device releases the eventfd (the old one stays quiet) and clears "
		  "the mask",
	  .run = irq_close_releases },
	{ .name = "irq-reset-releases", .clauses = CL(C_IRQ_4),
	  .desc = "VFIO_DEVICE_RESET releases the eventfd (the old one stays quiet) and clears "
		  "the mask",
	  .run = irq_reset_releases },
	{ .name = "irq-unmask-next-vblank", .clauses = CL(C_IRQ_2) | CL(C_EVT_2),
	  .desc = "unmask resumes at the very next flip's vblank, and nothing masked is replayed",
	  .run = irq_unmask_next_vblank },
};
const struct vrc_suite vrc_suite_irq = VRC_SUITE("irq", tests);
