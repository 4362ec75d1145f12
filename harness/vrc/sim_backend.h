/* SPDX-License-Identifier: MIT */
/* Starting, driving and stopping a vgpu-sim daemon for one test. */
#ifndef VRC_SIM_BACKEND_H
#define VRC_SIM_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct vrc_sim {
	pid_t pid;
	char dir[64];		/* runtime dir (0700, removed at stop) */
	int ctl;		/* control connection */
	unsigned instances;
};

/*
 * Start vgpu-sim with a virtual clock in a fresh runtime dir and wait until
 * it is ready. model/abi may be NULL for defaults. Returns 0 or -errno with
 * the reason in err (the daemon's own one-line error on stderr too).
 */
int vrc_sim_start(const char *sim_path, const char *model, const char *abi,
		  unsigned instances, struct vrc_sim *s, char *err, size_t errlen);

/* The same with every knob: a real clock at hz for real-time tests and VM
 * guests, and the shared memory size (VRAM for full-size framebuffers). */
struct vrc_sim_cfg {
	const char *sim_path, *model, *abi;	/* model/abi NULL: defaults */
	unsigned instances;
	bool real_clock;
	unsigned hz;		/* real clock only; 0: the sim's default (60) */
	unsigned shm_mib;	/* power of two; 0: 8 MiB */
};
int vrc_sim_start_cfg(const struct vrc_sim_cfg *c, struct vrc_sim *s, char *err, size_t errlen);
/* Send one control request; reply "ok ..." -> 0 and the text; "err" -> -EIO. */
int vrc_sim_request(struct vrc_sim *s, const char *req, char *reply, size_t len);
int vrc_sim_step(struct vrc_sim *s, unsigned instance, unsigned n);
/* Every instance, one vblank at a time in instance order. */
int vrc_sim_step_all(struct vrc_sim *s, unsigned n);
void vrc_sim_path(const struct vrc_sim *s, unsigned instance, const char *kind,
		  char *out, size_t len);
/* quit, wait (bounded), kill if needed, remove the runtime dir. */
void vrc_sim_stop(struct vrc_sim *s);
/* The last non-zero exit status of a daemon this process stopped (after
 * 'quit' it exits 0, unless a sanitizer reported at exit: an ASan build's
 * LeakSanitizer, vrc/lsan.h), or 0. */
int vrc_sim_bad_exit(void);

#endif /* VRC_SIM_BACKEND_H */
