// SPDX-License-Identifier: MIT
/*
 * ivshmem server protocol, both ends, over real UNIX sockets with real
 * eventfds and memfds: the greeting, the client's view of it, doorbells in
 * both directions, and the client's handling of broken servers.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "vgpu/ivshmem.h"
#include "vrc/irq.h"
#include "vrc/vtest.h"
#include "vrc/util.h"

#define SHM_SIZE	(4u << 20)

static int make_shm(size_t size)
{
	int fd = memfd_create("ivs-test", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return -1;
	return fd;
}

static int make_efd(void)
{
	return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void efd_write(int fd, uint64_t v)
{
	ASSERT_EQ((ssize_t)sizeof(v), write(fd, &v, sizeof(v)));
}

static ino_t inode_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return 0;
	return st.st_ino;
}

static void pair(int sv[2])
{
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
}

/* Raw send of value with n fds in one cmsg. */
static void send_nfds(int sock, int64_t value, const int *fds, unsigned n)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	uint64_t u = (uint64_t)value;	/* the test hosts are little-endian */
	struct iovec iov = { .iov_base = &u, .iov_len = 8 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&ctl, 0, sizeof(ctl));
	if (n) {
		struct cmsghdr *cm;

		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	}
	ASSERT_EQ((ssize_t)8, sendmsg(sock, &msg, MSG_NOSIGNAL));
}

/* The usual world: emulator id 0 with one vector, client id 1 with one. */
struct world {
	int shm, e0, e1;
};

static void world_init(struct world *w)
{
	w->shm = make_shm(SHM_SIZE);
	w->e0 = make_efd();
	w->e1 = make_efd();
	ASSERT_GE(w->shm, 0);
	ASSERT_GE(w->e0, 0);
	ASSERT_GE(w->e1, 0);
}

static void world_fini(struct world *w)
{
	close(w->shm);
	close(w->e0);
	close(w->e1);
}

static int world_greet(const struct world *w, int sock)
{
	struct ivshmem_peer_fds peers[2] = {
		{ .id = 0, .nvec = 1, .fds = &w->e0 },
		{ .id = 1, .nvec = 1, .fds = &w->e1 },
	};

	return ivshmem_server_greet(sock, 1, w->shm, peers, 2);
}

static void check_connected(const struct world *w, struct ivshmem_client *c)
{
	ASSERT_EQ(1, c->my_id);
	ASSERT_GE(c->sock, 0);
	ASSERT_GE(c->shm_fd, 0);
	ASSERT_EQ((size_t)SHM_SIZE, c->shm_size);
	ASSERT_EQ(inode_of(w->shm), inode_of(c->shm_fd));
	ASSERT_EQ(1u, c->peer_nvec[0]);
	ASSERT_EQ(1u, c->peer_nvec[1]);
	ASSERT_EQ(inode_of(w->e0), inode_of(c->peer_fd[0][0]));
	ASSERT_EQ(inode_of(w->e1), inode_of(c->peer_fd[1][0]));
	for (unsigned i = 2; i < IVSHMEM_MAX_PEERS; i++)
		ASSERT_EQ(0u, c->peer_nvec[i]);

	/* client -> emulator doorbell */
	ASSERT_EQ(0, ivshmem_client_ring(c, 0, 0));
	ASSERT_TRUE(readable(w->e0, 1000));
	ASSERT_EQ(1u, vrc_eventfd_take(w->e0));
	/* emulator -> client interrupt */
	ASSERT_FALSE(readable(c->peer_fd[1][0], 0));
	efd_write(w->e1, 1);
	ASSERT_TRUE(readable(c->peer_fd[1][0], 1000));
	ASSERT_EQ(1u, vrc_eventfd_take(c->peer_fd[1][0]));
	/* unknown peers and vectors */
	ASSERT_EQ(-ENOENT, ivshmem_client_ring(c, 5, 0));
	ASSERT_EQ(-ENOENT, ivshmem_client_ring(c, 0, 1));
	ASSERT_EQ(-ENOENT, ivshmem_client_ring(c, 999, 0));
	ASSERT_EQ(-ENOENT, ivshmem_client_ring(c, 0, 9999));
}

TEST(ivshmem_msg_is_le_int64_with_fd)
{
	int sv[2], efd = make_efd(), fd = -1;
	uint8_t raw[8];
	int64_t v;

	pair(sv);
	ASSERT_EQ(0, ivshmem_send_msg(sv[0], -2, -1));
	ASSERT_EQ((ssize_t)8, read(sv[1], raw, 8));
	ASSERT_EQ(0xfe, raw[0]);
	for (int i = 1; i < 8; i++)
		ASSERT_EQ(0xff, raw[i]);
	ASSERT_EQ(0, ivshmem_send_msg(sv[0], 0x0102030405060708ll, -1));
	ASSERT_EQ((ssize_t)8, read(sv[1], raw, 8));
	ASSERT_EQ(0x08, raw[0]);
	ASSERT_EQ(0x01, raw[7]);

	ASSERT_EQ(0, ivshmem_send_msg(sv[0], 42, efd));
	ASSERT_EQ(0, ivshmem_recv_msg(sv[1], 1000, &v, &fd));
	ASSERT_EQ(42, v);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(inode_of(efd), inode_of(fd));
	ASSERT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(efd);
	close(sv[0]);
	close(sv[1]);
}

TEST(ivshmem_greet_order_own_vectors_last)
{
	int sv[2], shm = make_shm(SHM_SIZE), e0[2] = { make_efd(), make_efd() };
	int e1 = make_efd(), e3 = make_efd();
	/* The client's own entry first in the array: it must still go last. */
	struct ivshmem_peer_fds peers[3] = {
		{ .id = 1, .nvec = 1, .fds = &e1 },
		{ .id = 0, .nvec = 2, .fds = e0 },
		{ .id = 3, .nvec = 1, .fds = &e3 },
	};
	struct { int64_t v; int efd; } want[] = {
		{ 0, -1 }, { 1, -1 }, { -1, shm }, { 0, e0[0] }, { 0, e0[1] },
		{ 3, e3 }, { 1, e1 },
	};

	pair(sv);
	ASSERT_EQ(0, ivshmem_server_greet(sv[0], 1, shm, peers, 3));
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int64_t v;
		int fd;

		ASSERT_EQ(0, ivshmem_recv_msg(sv[1], 1000, &v, &fd));
		ASSERT_EQ(want[i].v, v);
		if (want[i].efd < 0) {
			ASSERT_EQ(-1, fd);
		} else {
			ASSERT_GE(fd, 0);
			ASSERT_EQ(inode_of(want[i].efd), inode_of(fd));
			close(fd);
		}
	}
	int64_t v;
	int fd;

	ASSERT_EQ(-ETIMEDOUT, ivshmem_recv_msg(sv[1], 10, &v, &fd));
	close(sv[0]);
	ASSERT_EQ(-EPIPE, ivshmem_recv_msg(sv[1], 1000, &v, &fd));
	close(sv[1]);
	close(shm);
	close(e0[0]);
	close(e0[1]);
	close(e1);
	close(e3);
}

TEST(ivshmem_greet_rejects_bad_args)
{
	int sv[2], shm = make_shm(SHM_SIZE), bad = -1;
	struct ivshmem_peer_fds p = { .id = 0, .nvec = 1, .fds = &bad };
	struct ivshmem_peer_fds big = { .id = 0, .nvec = 65, .fds = &shm };

	pair(sv);
	ASSERT_EQ(-EINVAL, ivshmem_server_greet(sv[0], 1, -1, NULL, 0));
	ASSERT_EQ(-EINVAL, ivshmem_server_greet(sv[0], 1, shm, &p, 1));
	ASSERT_EQ(-EINVAL, ivshmem_server_greet(sv[0], 1, shm, &big, 1));
	ASSERT_EQ(-EINVAL, ivshmem_server_greet(sv[0], 1, shm, NULL, 1));
	ASSERT_FALSE(readable(sv[1], 0));	/* nothing half-sent */
	close(sv[0]);
	close(sv[1]);
	close(shm);
}

TEST(ivshmem_greet_bounded_when_client_stalls)
{
	int sv[2], shm = make_shm(SHM_SIZE), efd = make_efd();
	int fds[IVSHMEM_MAX_VECTORS];
	struct ivshmem_peer_fds peers[IVSHMEM_MAX_PEERS];
	int64_t t0;
	int rc;

	for (unsigned k = 0; k < IVSHMEM_MAX_VECTORS; k++)
		fds[k] = efd;
	for (unsigned i = 0; i < IVSHMEM_MAX_PEERS; i++)
		peers[i] = (struct ivshmem_peer_fds){ .id = (uint16_t)i,
			.nvec = IVSHMEM_MAX_VECTORS, .fds = fds };
	pair(sv);
	t0 = vrc_now_ms();
	/* ~1000 fd-carrying messages nobody reads: must fail, not block. */
	rc = ivshmem_server_greet(sv[0], 1, shm, peers, IVSHMEM_MAX_PEERS);
	VTEST_LOG("greet to a stalled client: %d after %lld ms", rc,
		  (long long)(vrc_now_ms() - t0));
	ASSERT_LT(rc, 0);
	ASSERT_LT(vrc_now_ms() - t0, 5000);
	close(sv[0]);
	close(sv[1]);
	close(shm);
	close(efd);
}

TEST(ivshmem_connect_socketpair)
{
	struct world w;
	struct ivshmem_client c;
	char err[256] = "";
	int sv[2], before;

	world_init(&w);
	before = vrc_count_open_fds();
	pair(sv);
	ASSERT_EQ(0, world_greet(&w, sv[0]));
	ASSERT_EQ(0, ivshmem_client_connect_fd(sv[1], 1, 1000, &c, err, sizeof(err)));
	check_connected(&w, &c);
	ASSERT_EQ(0, ivshmem_client_poll(&c));
	ivshmem_client_close(&c);
	ivshmem_client_close(&c);	/* twice is harmless */
	close(sv[0]);
	ASSERT_EQ(before, vrc_count_open_fds());
	world_fini(&w);
}

TEST(ivshmem_connect_by_path)
{
	char dir[] = "/tmp/vrc-ivs-XXXXXX", path[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ivshmem_client c;
	struct world w;
	char err[256] = "";
	int lfd, before, status;
	pid_t pid;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/ivs.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	world_init(&w);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(lfd, 0);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(lfd, 4));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int s = accept(lfd, NULL, NULL);
		char b;

		if (s < 0 || world_greet(&w, s))
			_exit(1);
		/* keep the connection until the client goes */
		while (read(s, &b, 1) > 0)
			;
		_exit(0);
	}
	close(lfd);
	before = vrc_count_open_fds();
	ASSERT_EQ(0, ivshmem_client_connect(path, 1, 2000, &c, err, sizeof(err)));
	check_connected(&w, &c);
	ivshmem_client_close(&c);
	ASSERT_EQ(before, vrc_count_open_fds());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* nobody listening any more */
	ASSERT_EQ(-ECONNREFUSED, ivshmem_client_connect(path, 1, 100, &c, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "connect") != NULL);
	unlink(path);
	ASSERT_EQ(-ENOENT, ivshmem_client_connect(path, 1, 100, &c, err, sizeof(err)));
	rmdir(dir);
	ASSERT_EQ(before, vrc_count_open_fds());
	world_fini(&w);
}

/*
 * Feed a scripted server side, then connect with timeout_ms; the writer end
 * is closed first when close_writer. Returns rc, err in err.
 */
typedef void (*script_fn)(int sock, const struct world *w);

static int run_script(script_fn fn, bool close_writer, int timeout_ms,
		      char *err, size_t errlen)
{
	struct ivshmem_client c;
	struct world w;
	int sv[2], before, rc;

	world_init(&w);
	before = vrc_count_open_fds();
	pair(sv);
	fn(sv[0], &w);
	if (close_writer)
		close(sv[0]);
	rc = ivshmem_client_connect_fd(sv[1], 1, timeout_ms, &c, err, errlen);
	VTEST_LOG("rc %d: %s", rc, err);
	if (!rc)
		ivshmem_client_close(&c);
	else
		ASSERT_EQ(-1, c.sock);	/* all closed on failure */
	if (!close_writer)
		close(sv[0]);
	ASSERT_EQ(before, vrc_count_open_fds());
	world_fini(&w);
	return rc;
}

static void s_bad_version(int s, const struct world *w)
{
	(void)w;
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
}

TEST(ivshmem_rejects_wrong_version)
{
	char err[256] = "";

	ASSERT_EQ(-EPROTO, run_script(s_bad_version, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "version") != NULL);
}

static void s_version_with_fd(int s, const struct world *w)
{
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, w->e0));
}

TEST(ivshmem_rejects_version_with_fd)
{
	char err[256] = "";

	ASSERT_EQ(-EPROTO, run_script(s_version_with_fd, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "version") != NULL);
}

static void s_no_shm(int s, const struct world *w)
{
	(void)w;
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, w->e1));
}

TEST(ivshmem_shm_never_sent_times_out)
{
	char err[256] = "";
	int64_t t0 = vrc_now_ms();

	/* writer kept open: only the timeout can end the wait */
	ASSERT_EQ(-ETIMEDOUT, run_script(s_no_shm, false, 200, err, sizeof(err)));
	ASSERT_LT(vrc_now_ms() - t0, 2000);
	ASSERT_GE(vrc_now_ms() - t0, 150);
	ASSERT_TRUE(strstr(err, "shm") != NULL);
	ASSERT_TRUE(strstr(err, "timed out") != NULL);
}

static void s_id_16(int s, const struct world *w)
{
	(void)w;
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, IVSHMEM_MAX_PEERS, -1));
}

static void s_id_70000(int s, const struct world *w)
{
	(void)w;
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 70000, -1));
}

static void s_id_neg(int s, const struct world *w)
{
	(void)w;
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, -1, w->shm));
}

static void s_peer_id_out_of_range(int s, const struct world *w)
{
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, -1, w->shm));
	ASSERT_EQ(0, ivshmem_send_msg(s, 40, w->e0));
}

TEST(ivshmem_rejects_id_out_of_range)
{
	char err[256] = "";

	ASSERT_EQ(-EPROTO, run_script(s_id_16, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "own peer id 16") != NULL);
	ASSERT_EQ(-EPROTO, run_script(s_id_70000, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "own peer id 70000") != NULL);
	ASSERT_EQ(-EPROTO, run_script(s_id_neg, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "own peer id -1") != NULL);
	ASSERT_EQ(-EPROTO, run_script(s_peer_id_out_of_range, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "peer id 40 out of range") != NULL);
}

static void s_two_fds(int s, const struct world *w)
{
	int fds[2] = { w->shm, w->e0 };

	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
	send_nfds(s, -1, fds, 2);
}

TEST(ivshmem_rejects_two_fds)
{
	char err[256] = "";

	ASSERT_EQ(-EPROTO, run_script(s_two_fds, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "more than one fd") != NULL);
}

static void s_close_mid(int s, const struct world *w)
{
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, -1, w->shm));
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, w->e0));
}

TEST(ivshmem_peer_closes_mid_sequence)
{
	char err[256] = "";

	ASSERT_EQ(-EPIPE, run_script(s_close_mid, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "closed") != NULL);
	ASSERT_TRUE(strstr(err, "our vectors") != NULL);
}

static void s_half_message(int s, const struct world *w)
{
	s_close_mid(s, w);
	ASSERT_EQ((ssize_t)3, write(s, "\x01\x00\x00", 3));
}

TEST(ivshmem_short_message_at_close)
{
	char err[256] = "";

	ASSERT_EQ(-EPROTO, run_script(s_half_message, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "malformed") != NULL);
	ASSERT_EQ(-EPROTO, run_script(s_half_message, false, 50, err, sizeof(err)));
}

static void s_shm_without_fd(int s, const struct world *w)
{
	(void)w;
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, -1, -1));
}

static void s_shm_twice(int s, const struct world *w)
{
	s_close_mid(s, w);
	ASSERT_EQ(0, ivshmem_send_msg(s, -1, w->shm));
}

static void s_shm_is_eventfd(int s, const struct world *w)
{
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, -1, w->e0));
}

static void s_own_id_left(int s, const struct world *w)
{
	s_close_mid(s, w);
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
}

static void s_vector_is_pipe(int s, const struct world *w)
{
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	close(p[0]);	/* writing it would raise SIGPIPE */
	s_close_mid(s, w);
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, p[1]));
	close(p[1]);
}

static void s_vector_is_memfd(int s, const struct world *w)
{
	s_close_mid(s, w);
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, w->shm));
}

TEST(ivshmem_rejects_non_eventfd_vectors)
{
	char err[256] = "";

	ASSERT_EQ(-EPROTO, run_script(s_vector_is_pipe, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "not an eventfd") != NULL);
	ASSERT_EQ(-EPROTO, run_script(s_vector_is_memfd, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "not an eventfd") != NULL);
}

TEST(ivshmem_rejects_bad_shm_messages)
{
	char err[256] = "";

	ASSERT_EQ(-EPROTO, run_script(s_shm_without_fd, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "without an fd") != NULL);
	ASSERT_EQ(-EPROTO, run_script(s_shm_twice, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "second shm") != NULL);
	ASSERT_EQ(-EPROTO, run_script(s_shm_is_eventfd, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "regular file") != NULL);
	ASSERT_EQ(-EPROTO, run_script(s_own_id_left, true, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "own id") != NULL);
}

static size_t g_bad_size;

static void s_bad_size(int s, const struct world *w)
{
	int shm = make_shm(g_bad_size);

	(void)w;
	ASSERT_GE(shm, 0);
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, -1, shm));
	close(shm);
}

TEST(ivshmem_rejects_bad_shm_size)
{
	const size_t bad[] = { 0, 64 << 10, 3 << 20, (1 << 20) + 4096 };
	char err[256] = "";

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		g_bad_size = bad[i];
		ASSERT_EQ(-EPROTO, run_script(s_bad_size, true, 1000, err, sizeof(err)));
		ASSERT_TRUE(strstr(err, "power of two") != NULL);
	}
	g_bad_size = 1 << 20;
	ASSERT_EQ(-ETIMEDOUT, run_script(s_bad_size, false, 20, err, sizeof(err)));
}

static void s_any_order(int s, const struct world *w)
{
	/* QEMU accepts the messages after the id in any order */
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, -1));
	ASSERT_EQ(0, ivshmem_send_msg(s, 0, w->e0));
	ASSERT_EQ(0, ivshmem_send_msg(s, 1, w->e1));
	ASSERT_EQ(0, ivshmem_send_msg(s, -1, w->shm));
}

TEST(ivshmem_shm_after_vectors_ok)
{
	char err[256] = "";

	ASSERT_EQ(0, run_script(s_any_order, true, 1000, err, sizeof(err)));
}

TEST(ivshmem_too_many_vectors)
{
	struct ivshmem_client c;
	struct world w;
	char err[256] = "";
	int sv[2], before;

	world_init(&w);
	before = vrc_count_open_fds();
	pair(sv);
	ASSERT_EQ(0, ivshmem_send_msg(sv[0], 0, -1));
	ASSERT_EQ(0, ivshmem_send_msg(sv[0], 1, -1));
	ASSERT_EQ(0, ivshmem_send_msg(sv[0], -1, w.shm));
	for (unsigned k = 0; k <= IVSHMEM_MAX_VECTORS; k++)
		ASSERT_EQ(0, ivshmem_send_msg(sv[0], 2, w.e0));
	close(sv[0]);
	ASSERT_EQ(-EPROTO, ivshmem_client_connect_fd(sv[1], 1, 1000, &c, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "more than 64 vectors") != NULL);
	ASSERT_EQ(before, vrc_count_open_fds());
	world_fini(&w);
}

TEST(ivshmem_split_message_completes)
{
	int sv[2], efd = make_efd(), fd = -1, status;
	int64_t v;
	pid_t pid;

	pair(sv);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		uint8_t b[8] = { 7, 0, 0, 0, 0, 0, 0, 0 };

		if (write(sv[0], b, 3) != 3)
			_exit(1);
		usleep(50 * 1000);
		send_nfds(sv[0], 0, &efd, 0);	/* keeps the stream aligned */
		_exit(0);
	}
	/* 3 bytes, then 8 more: the first message is 7 then 5 zero bytes */
	ASSERT_EQ(0, ivshmem_recv_msg(sv[1], 2000, &v, &fd));
	ASSERT_EQ(7, v);
	ASSERT_EQ(-1, fd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(-EPROTO, ivshmem_recv_msg(sv[1], 50, &v, &fd));	/* 3 left */

	/* the fd may ride on the second part of a split message */
	uint8_t head[3] = { 9, 0, 0 };
	uint64_t rest = 0;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &rest, .iov_len = 5 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;

	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &efd, sizeof(int));
	ASSERT_EQ((ssize_t)3, write(sv[0], head, 3));
	ASSERT_EQ((ssize_t)5, sendmsg(sv[0], &msg, 0));
	ASSERT_EQ(0, ivshmem_recv_msg(sv[1], 1000, &v, &fd));
	ASSERT_EQ(9, v);
	ASSERT_EQ(inode_of(efd), inode_of(fd));
	close(fd);

	/* an fd on each half of one message is two fds: rejected */
	int before = vrc_count_open_fds();

	memcpy(CMSG_DATA(cm), &efd, sizeof(int));
	iov.iov_len = 3;
	ASSERT_EQ((ssize_t)3, sendmsg(sv[0], &msg, 0));
	iov.iov_len = 5;
	ASSERT_EQ((ssize_t)5, sendmsg(sv[0], &msg, 0));
	ASSERT_EQ(-EPROTO, ivshmem_recv_msg(sv[1], 1000, &v, &fd));
	ASSERT_EQ(-1, fd);
	ASSERT_EQ(before, vrc_count_open_fds());
	close(sv[0]);
	close(sv[1]);
	close(efd);
}

TEST(ivshmem_poll_join_and_leave)
{
	struct ivshmem_client c;
	struct world w;
	char err[256] = "";
	int sv[2], e2[2] = { make_efd(), make_efd() }, before;

	world_init(&w);
	pair(sv);
	ASSERT_EQ(0, world_greet(&w, sv[0]));
	ASSERT_EQ(0, ivshmem_client_connect_fd(sv[1], 1, 1000, &c, err, sizeof(err)));
	before = vrc_count_open_fds();
	ASSERT_EQ(0, ivshmem_client_poll(&c));	/* nothing pending */

	/* peer 2 joins with two vectors */
	ASSERT_EQ(0, ivshmem_send_msg(sv[0], 2, e2[0]));
	ASSERT_EQ(0, ivshmem_send_msg(sv[0], 2, e2[1]));
	ASSERT_EQ(0, ivshmem_client_poll(&c));
	ASSERT_EQ(2u, c.peer_nvec[2]);
	ASSERT_EQ(inode_of(e2[1]), inode_of(c.peer_fd[2][1]));
	ASSERT_EQ(0, ivshmem_client_ring(&c, 2, 1));
	ASSERT_TRUE(readable(e2[1], 1000));
	ASSERT_FALSE(readable(e2[0], 0));
	ASSERT_EQ(before + 2, vrc_count_open_fds());

	/* and leaves: its fds are closed, ringing it fails */
	ASSERT_EQ(0, ivshmem_send_msg(sv[0], 2, -1));
	ASSERT_EQ(0, ivshmem_client_poll(&c));
	ASSERT_EQ(0u, c.peer_nvec[2]);
	ASSERT_EQ(-1, c.peer_fd[2][0]);
	ASSERT_EQ(-ENOENT, ivshmem_client_ring(&c, 2, 0));
	ASSERT_EQ(before, vrc_count_open_fds());

	/* a second shm later is a protocol error, its fd not kept */
	ASSERT_EQ(0, ivshmem_send_msg(sv[0], -1, w.shm));
	ASSERT_EQ(-EPROTO, ivshmem_client_poll(&c));
	ASSERT_EQ(before, vrc_count_open_fds());

	/* the server going away */
	close(sv[0]);
	ASSERT_EQ(-EPIPE, ivshmem_client_poll(&c));
	ivshmem_client_close(&c);
	ASSERT_EQ(-EBADF, ivshmem_client_poll(&c));
	close(e2[0]);
	close(e2[1]);
	world_fini(&w);
}

TEST(ivshmem_client_bad_args)
{
	struct ivshmem_client c;
	char err[256] = "";
	char longpath[200];
	int sv[2], before = vrc_count_open_fds();

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = 0;
	ASSERT_EQ(-ENAMETOOLONG, ivshmem_client_connect(longpath, 1, 10, &c, err, sizeof(err)));
	ASSERT_EQ(-EINVAL, ivshmem_client_connect(NULL, 1, 10, &c, err, sizeof(err)));
	pair(sv);
	ASSERT_EQ(-EINVAL, ivshmem_client_connect_fd(sv[1], 65, 10, &c, err, sizeof(err)));
	close(sv[0]);
	ASSERT_EQ(before, vrc_count_open_fds());	/* sv[1] owned and closed */
	ASSERT_EQ(-ENOENT, ivshmem_client_ring(&c, 0, 0));
	ivshmem_client_close(&c);
	ASSERT_EQ(before, vrc_count_open_fds());
}

VTEST_MAIN()
