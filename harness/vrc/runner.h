/* SPDX-License-Identifier: MIT */
#ifndef VRC_RUNNER_H
#define VRC_RUNNER_H

#include "vt.h"

/* End a test child: release its world, report r (and t->violated) to the
 * runner, exit. Never returns. */
_Noreturn void vrc_child_finish(struct vt *t, enum vrc_result r);

#endif
