// SPDX-License-Identifier: MIT
/*
 * irq-release-refs: IRQ-3.5 and IRQ-4's release, seen as references. A
 * device that stops signalling a replaced or unregistered eventfd but keeps
 * its reference leaks one eventfd per re-registration (the series' v5/v6
 * code did), which no signal shows. The emulated device is a process, so
 * the descriptors it holds are visible in /proc/<pid>/fd, and the kernel
 * names each eventfd in fdinfo ("eventfd-id"): the test asks whether the
 * device still holds the eventfd it was told to let go of. A kernel
 * device's references cannot be seen from userspace, so there the runner
 * skips it (VT_EMULATED).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrc/util.h"
#include "harness/vrc/vt.h"

#define SET_TRIGGER_NONE	(VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE)
#define WINDOW		4u
#define MAX_FDS_SCANNED	4096u	/* the device's descriptors looked at, at most */

/* The kernel's id of eventfd fd of process pid (0: self), 0 if none. */
static uint64_t eventfd_id(pid_t pid, const char *fd)
{
	uint64_t id;

	return vrc_fdinfo_u64(pid, fd, "eventfd-id:", 10, &id) ? 0 : id;
}

static uint64_t own_eventfd_id(int fd)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", fd);
	return eventfd_id(0, num);
}

/* Does process pid hold the eventfd with this id? -1 if it cannot be told. */
static int device_holds(pid_t pid, uint64_t id)
{
	char path[64];
	struct dirent *e;
	unsigned seen = 0;
	int held = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (!(d = opendir(path)))
		return -1;
	while (!held && seen++ < MAX_FDS_SCANNED && (e = readdir(d)))
		if (e->d_name[0] != '.' && eventfd_id(pid, e->d_name) == id)
			held = 1;
	closedir(d);
	return held;
}

/*
 * settle_ms: how long the device may take. A request's reply comes after
 * the device acted on it; a close is only seen when the device's side of
 * the connection notices, so there the device gets a moment.
 */
static void expect_released(struct vt *t, enum vrc_clause c, const uint64_t *ids, unsigned n,
			    const char *after, unsigned settle_ms)
{
	for (unsigned i = 0; i < n; i++) {
		int held;

		for (unsigned ms = 0;; ms += 10) {
			held = device_holds(t->sim.pid, ids[i]);
			if (held <= 0 || ms >= settle_ms)
				break;
			usleep(10000);
		}
		if (held < 0)
			vt_abort(t, "cannot read /proc/%d/fd: %s", (int)t->sim.pid, strerror(errno));
		if (held)
			vt_violation(t, c, "after %s the device still holds eventfd %u of %u "
				     "(eventfd-id %llu): it is never freed", after, i + 1, n,
				     (unsigned long long)ids[i]);
	}
}

/* Our registered eventfds' ids; skips when the kernel does not name them. */
static unsigned registered_ids(struct vt *t, uint64_t *ids)
{
	for (unsigned i = 0; i < t->irq.count; i++)
		if (!(ids[i] = own_eventfd_id(t->irq.efd[i])))
			vt_skip(t, "this kernel's eventfd fdinfo has no eventfd-id");
	return t->irq.count;
}

static enum vrc_result irq_release_refs(struct vt *t)
{
	uint64_t old[VRC_IRQ_MAX_SUB], cur[VRC_IRQ_MAX_SUB];
	int rc;

	vt_setup(t, 0);
	if (!vt_expect_signal(t, WINDOW))
		vt_violation(t, C_IRQ_3, "registered eventfd not signalled in %u flipping vblanks "
			     "(nothing below can be judged)", WINDOW);
	if (t->violated)
		return R_FAIL;
	unsigned n = registered_ids(t, old);

	/* re-registration: the replaced eventfds are let go of */
	vrc_display_irq_close(&t->irq);
	if ((rc = vrc_display_irq_register(&t->irq)))
		vt_abort(t, "re-registering failed: %s", strerror(-rc));
	registered_ids(t, cur);
	expect_released(t, C_IRQ_3, old, n, "re-registering another eventfd", 0);
	/* unregistering: the registered ones are let go of */
	if ((rc = __vrc_set_irqs(t->dev, SET_TRIGGER_NONE, t->irq.index, 0, 0, NULL, 0, 0)))
		vt_abort(t, "unregistering failed: %s", strerror(-rc));
	expect_released(t, C_IRQ_3, cur, n, "unregistering (TRIGGER|DATA_NONE count 0)", 0);
	/* VFIO_DEVICE_RESET and close release what is registered (IRQ-4) */
	if ((rc = vrc_display_irq_register(&t->irq)))
		vt_abort(t, "registering failed: %s", strerror(-rc));
	registered_ids(t, cur);
	if ((rc = t->dev->ops->reset(t->dev)))
		vt_abort(t, "VFIO_DEVICE_RESET failed: %s", strerror(-rc));
	expect_released(t, C_IRQ_4, cur, n, "VFIO_DEVICE_RESET", 0);
	if ((rc = vrc_display_irq_register(&t->irq)))
		vt_abort(t, "registering after the reset failed: %s", strerror(-rc));
	registered_ids(t, cur);
	vt_close_device(t);
	expect_released(t, C_IRQ_4, cur, n, "closing the device", 2000);
	return R_PASS;
}

static const struct vrc_test tests[] = {
	{ .name = "irq-release-refs", .clauses = CL(C_IRQ_3) | CL(C_IRQ_4),
	  .desc = "the device lets go of replaced, unregistered, reset and closed-over eventfds "
		  "(emulated device: its descriptors are visible)",
	  .flags = VT_EMULATED, .run = irq_release_refs },
};
const struct vrc_suite vrc_suite_irq_refs = VRC_SUITE("irq_refs", tests);
