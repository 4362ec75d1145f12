/* SPDX-License-Identifier: MIT */
/*
 * vgpu-sim's control channel: a line protocol on a UNIX socket that only the
 * harness uses (a real GVT device has no such thing). One request per line,
 * one reply line: "ok ..." or "err <reason>".
 *
 *   step <instance|all> <n>   advance n vblanks (virtual clock only); each
 *                             vblank first drains the guest's write ring
 *   status                    model, abi, clock, instances
 *   info <instance>           vblanks, frame counter of pipe A, dead state
 *   quit                      stop the daemon
 *
 * Lines longer than VGPU_CTL_MAX_LINE are refused and end the connection.
 */
#ifndef VGPU_SIM_CONTROL_H
#define VGPU_SIM_CONTROL_H

#include <stddef.h>

#define VGPU_CTL_MAX_LINE	256u

struct sim;

/*
 * Execute one request line (without its newline) and write the reply
 * (without newline) into reply. Returns 1 if the daemon should quit.
 */
int sim_control_exec(struct sim *s, const char *line, char *reply, size_t replylen);

#endif /* VGPU_SIM_CONTROL_H */
