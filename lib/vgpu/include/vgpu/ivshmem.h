/* SPDX-License-Identifier: MIT */
/*
 * The ivshmem server protocol (docs/protocols.md §2.2), both ends
 * (ivshmem_server.c, ivshmem_client.c): vgpu-sim is the
 * server QEMU's ivshmem-doorbell connects to; a process guest is a client
 * speaking the same protocol. Messages are little-endian int64, server to
 * client only, each with at most one fd.
 *
 * Peer ids: the emulator is 0, each connecting guest gets the next id.
 */
#ifndef VGPU_IVSHMEM_H
#define VGPU_IVSHMEM_H

#include <stddef.h>
#include <stdint.h>

#define IVSHMEM_PROTOCOL_VERSION	0
#define IVSHMEM_MAX_VECTORS		64u
#define IVSHMEM_MAX_PEERS		16u

/* Server side: send one message (value + optional fd, -1 for none). */
int ivshmem_send_msg(int sock, int64_t value, int fd);

/*
 * The whole connect sequence for a new client: version, its id, the shm fd,
 * then for every peer in `peers` its vectors (peers[i].id, nvec eventfds),
 * the client's own last. The caller builds `peers` (emulator first).
 */
struct ivshmem_peer_fds {
	uint16_t id;
	unsigned nvec;
	const int *fds;		/* nvec eventfds */
};
int ivshmem_server_greet(int sock, uint16_t client_id, int shm_fd,
			 const struct ivshmem_peer_fds *peers, unsigned npeers);

/*
 * Client side: receive one message with a timeout. Returns 0 with *value
 * and *fd (-1 if none), -ETIMEDOUT, -EPIPE on close, -EPROTO on a short or
 * malformed message (more than one fd, truncated cmsg).
 */
int ivshmem_recv_msg(int sock, int timeout_ms, int64_t *value, int *fd);

/* What a client learns from the connect sequence. */
struct ivshmem_client {
	int sock;
	uint16_t my_id;
	int shm_fd;
	size_t shm_size;
	/* vectors per peer id: fds to ring that peer (own id: fds we receive on) */
	int peer_fd[IVSHMEM_MAX_PEERS][IVSHMEM_MAX_VECTORS];
	unsigned peer_nvec[IVSHMEM_MAX_PEERS];
};

/*
 * Connect to a server at path and read the sequence until the shm fd and our
 * own `nvec` vectors have arrived. Validates everything (version 0, ids in
 * range, vectors in order). Returns 0 or -errno with a message in err.
 */
int ivshmem_client_connect(const char *path, unsigned nvec, int timeout_ms,
			   struct ivshmem_client *c, char *err, size_t errlen);
/*
 * The same on a connected stream socket; takes ownership of sock (it is
 * closed on failure and by ivshmem_client_close).
 */
int ivshmem_client_connect_fd(int sock, unsigned nvec, int timeout_ms,
			      struct ivshmem_client *c, char *err, size_t errlen);
/* Process further messages (peer joins/leaves) without blocking. */
int ivshmem_client_poll(struct ivshmem_client *c);
/* Ring vector `vec` of peer `peer`. */
int ivshmem_client_ring(struct ivshmem_client *c, uint16_t peer, unsigned vec);
void ivshmem_client_close(struct ivshmem_client *c);

#endif /* VGPU_IVSHMEM_H */
