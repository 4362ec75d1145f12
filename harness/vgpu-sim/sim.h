/* SPDX-License-Identifier: MIT */
/* The vgpu-sim daemon: instances, their sockets, and the event loop. */
#ifndef VGPU_SIM_SIM_H
#define VGPU_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include "vgpu.h"
#include "vfu_server.h"

#define SIM_MAX_INSTANCES	8u
#define SIM_MAX_CTL_CONNS	4u

enum sim_clock { SIM_CLOCK_REAL, SIM_CLOCK_VIRTUAL };

struct sim_ctl_conn {
	int fd;
	char buf[256];
	size_t len;
};

struct sim_instance {
	unsigned idx;
	struct vgpu *vgpu;
	int shm_fd;
	void *shm;
	size_t shm_size;
	/* vfio-user: listening socket and the one connected client */
	int vfu_listen;
	struct vfu_conn conn;
	bool conn_open;
	/* ivshmem: listening socket, the guest, our doorbell vector */
	int ivs_listen;
	int guest_sock;
	uint16_t guest_id;
	uint16_t next_guest_id;
	int doorbell_fd;	/* emulator peer 0, vector 0: guests ring it */
	int guest_vec_fd;	/* guest's vector 0: we write it to interrupt */
	char vfu_path[108];
	char ivs_path[108];
};

struct sim {
	const struct vgpu_model *model;
	enum vrc_abi abi;
	enum sim_clock clock;
	double hz;
	size_t shm_size;
	unsigned ninstances;
	struct sim_instance inst[SIM_MAX_INSTANCES];
	struct vgpu_global global;
	char runtime_dir[80];
	char ctl_path[108];
	int ctl_listen;
	struct sim_ctl_conn ctl[SIM_MAX_CTL_CONNS];
	int epfd;
	int timer_fd;
	int signal_fd;
	int verbose;
	bool quit;
};

#endif /* VGPU_SIM_SIM_H */
