// SPDX-License-Identifier: MIT
/*
 * vfio-user: the message codec over real socketpairs with real eventfds and
 * memfds, the VERSION JSON, and the client transport against scripted
 * servers (a thread per case replying with canned, often broken, messages).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "vrc/transport.h"
#include "vrc/vfio_user.h"
#include "vrc/irq.h"
#include "vrc/vtest.h"
#include "vrc/util.h"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void pair(int sv[2])
{
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
}

static int make_efd(void)
{
	return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

static void efd_write(int fd, uint64_t v)
{
	ASSERT_EQ((ssize_t)sizeof(v), write(fd, &v, sizeof(v)));
}

static ino_t inode_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	return st.st_ino;
}

static void raw_write(int fd, const void *p, size_t n)
{
	ASSERT_EQ((ssize_t)n, write(fd, p, n));
}

/* sendmsg of raw bytes with nfds fds, for messages vfu_send refuses to build. */
static void raw_sendmsg(int sock, const void *p, size_t n, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(32 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)p, .iov_len = n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	ASSERT_EQ((ssize_t)n, sendmsg(sock, &mh, MSG_NOSIGNAL));
}

static struct vfu_hdr hdr(uint16_t id, uint16_t cmd, size_t payload, uint32_t flags)
{
	return (struct vfu_hdr){
		.msg_id = id, .command = cmd,
		.msg_size = (uint32_t)(VFU_HDR_SIZE + payload), .flags = flags,
	};
}

/* =========================================================== codec */

TEST(roundtrip_header_payload_fds)
{
	int sv[2], efd = make_efd(), mfd = memfd_create("t", MFD_CLOEXEC);
	uint8_t payload[100];
	struct vfu_hdr h = hdr(7, VFU_CMD_DEVICE_SET_IRQS, sizeof(payload), 0);
	int fds[2] = { efd, mfd };
	struct vfu_msg m;
	char err[256] = "";

	pair(sv);
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	ASSERT_EQ(0, vfu_send(sv[0], &h, payload, sizeof(payload), fds, 2));
	ASSERT_EQ(0, vfu_recv(sv[1], &m, 4096, 1000, err, sizeof(err)));
	ASSERT_EQ(7, m.hdr.msg_id);
	ASSERT_EQ(VFU_CMD_DEVICE_SET_IRQS, m.hdr.command);
	ASSERT_EQ(VFU_HDR_SIZE + sizeof(payload), m.hdr.msg_size);
	ASSERT_EQ(sizeof(payload), m.payload_len);
	ASSERT_EQ(0, memcmp(payload, m.payload, sizeof(payload)));
	ASSERT_EQ(2u, m.nfds);
	/* The same objects, received close-on-exec. */
	ASSERT_EQ(inode_of(efd), inode_of(m.fds[0]));
	ASSERT_EQ(inode_of(mfd), inode_of(m.fds[1]));
	ASSERT_TRUE(fcntl(m.fds[0], F_GETFD) & FD_CLOEXEC);
	efd_write(m.fds[0], 5);
	ASSERT_EQ(5u, vrc_eventfd_take(efd));
	vfu_msg_release(&m);
	ASSERT_EQ(0u, m.nfds);
	ASSERT_TRUE(m.payload == NULL);
}

TEST(recv_reads_exactly_one_message)
{
	int sv[2];
	struct vfu_hdr h1 = hdr(1, VFU_CMD_DEVICE_RESET, 0, 0);
	struct vfu_hdr h2 = hdr(2, VFU_CMD_REGION_READ, 4, 0);
	uint8_t buf[VFU_HDR_SIZE * 2 + 4];
	struct vfu_msg m;
	char err[256];

	pair(sv);
	/* Both messages in one write: the first recv must stop at its end. */
	memcpy(buf, &h1, VFU_HDR_SIZE);
	memcpy(buf + VFU_HDR_SIZE, &h2, VFU_HDR_SIZE);
	memcpy(buf + 2 * VFU_HDR_SIZE, "abcd", 4);
	raw_write(sv[0], buf, sizeof(buf));
	ASSERT_EQ(0, vfu_recv(sv[1], &m, 4096, 1000, err, sizeof(err)));
	ASSERT_EQ(1, m.hdr.msg_id);
	ASSERT_EQ(0u, m.payload_len);
	vfu_msg_release(&m);
	ASSERT_EQ(0, vfu_recv(sv[1], &m, 4096, 1000, err, sizeof(err)));
	ASSERT_EQ(2, m.hdr.msg_id);
	ASSERT_EQ(4u, m.payload_len);
	ASSERT_EQ(0, memcmp("abcd", m.payload, 4));
	vfu_msg_release(&m);
}

TEST(truncated_header_then_close_is_epipe)
{
	int sv[2];
	struct vfu_hdr h = hdr(1, VFU_CMD_DEVICE_RESET, 0, 0);
	struct vfu_msg m;
	char err[256] = "";

	pair(sv);
	raw_write(sv[0], &h, 8);
	close(sv[0]);
	ASSERT_EQ(-EPIPE, vfu_recv(sv[1], &m, 4096, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "8 of 16") != NULL);
}

TEST(clean_close_is_epipe)
{
	int sv[2];
	struct vfu_msg m;
	char err[256] = "";

	pair(sv);
	close(sv[0]);
	ASSERT_EQ(-EPIPE, vfu_recv(sv[1], &m, 4096, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "closed") != NULL);
}

TEST(oversized_msg_size_is_eproto_and_closes_fds)
{
	int sv[2], efd = make_efd(), before;
	struct vfu_hdr h = hdr(1, VFU_CMD_REGION_WRITE, 1u << 30, 0);
	struct vfu_msg m;
	char err[256] = "";
	int64_t t0;

	pair(sv);
	before = vrc_count_open_fds();
	raw_sendmsg(sv[0], &h, sizeof(h), &efd, 1);
	t0 = vrc_now_ms();
	ASSERT_EQ(-EPROTO, vfu_recv(sv[1], &m, 4096, 5000, err, sizeof(err)));
	ASSERT_LT(vrc_now_ms() - t0, 1000);	/* no waiting for a payload */
	ASSERT_TRUE(strstr(err, "unusable") != NULL);
	ASSERT_EQ(before, vrc_count_open_fds());	/* the fd that came with it is closed */
	ASSERT_TRUE(m.payload == NULL);
}

TEST(undersized_msg_size_is_eproto)
{
	int sv[2];
	struct vfu_hdr h = hdr(1, VFU_CMD_DEVICE_RESET, 0, 0);
	struct vfu_msg m;
	char err[256];

	pair(sv);
	h.msg_size = 15;
	raw_write(sv[0], &h, sizeof(h));
	ASSERT_EQ(-EPROTO, vfu_recv(sv[1], &m, 4096, 1000, err, sizeof(err)));
}

TEST(peer_closes_mid_payload)
{
	int sv[2];
	struct vfu_hdr h = hdr(3, VFU_CMD_REGION_WRITE, 84, 0);
	uint8_t junk[20] = { 0 };
	struct vfu_msg m;
	char err[256] = "";

	pair(sv);
	raw_write(sv[0], &h, sizeof(h));
	raw_write(sv[0], junk, sizeof(junk));
	close(sv[0]);
	ASSERT_EQ(-EPIPE, vfu_recv(sv[1], &m, 4096, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "36 of 100") != NULL);
	ASSERT_TRUE(m.payload == NULL);
}

TEST(timeout_with_nothing_sent)
{
	int sv[2];
	struct vfu_msg m;
	char err[256] = "";
	int64_t t0, dt;

	pair(sv);
	t0 = vrc_now_ms();
	ASSERT_EQ(-ETIMEDOUT, vfu_recv(sv[1], &m, 4096, 150, err, sizeof(err)));
	dt = vrc_now_ms() - t0;
	ASSERT_GE(dt, 140);
	ASSERT_LT(dt, 1000);
}

static void *drip(void *arg)
{
	int fd = *(int *)arg;
	struct vfu_hdr h = hdr(9, VFU_CMD_REGION_WRITE, 4, 0);
	uint8_t buf[VFU_HDR_SIZE + 4];

	memcpy(buf, &h, VFU_HDR_SIZE);
	memcpy(buf + VFU_HDR_SIZE, "wxyz", 4);
	for (size_t i = 0; i < sizeof(buf); i++) {
		if (write(fd, buf + i, 1) != 1)
			break;
		sleep_ms(40);
	}
	return NULL;
}

/* The timeout bounds the whole message, not each piece of a slow drip. */
TEST(timeout_bounds_a_dripping_message)
{
	int sv[2];
	pthread_t th;
	struct vfu_msg m;
	char err[256] = "";
	int64_t t0, dt;

	pair(sv);
	ASSERT_EQ(0, pthread_create(&th, NULL, drip, &sv[0]));
	t0 = vrc_now_ms();
	ASSERT_EQ(-ETIMEDOUT, vfu_recv(sv[1], &m, 4096, 300, err, sizeof(err)));
	dt = vrc_now_ms() - t0;
	ASSERT_LT(dt, 700);
	ASSERT_TRUE(strstr(err, "timed out") != NULL);
	pthread_join(th, NULL);
}

/* Byte-at-a-time arrival within the timeout still makes one message. */
TEST(partial_reads_assemble)
{
	int sv[2];
	pthread_t th;
	struct vfu_msg m;
	char err[256] = "";

	pair(sv);
	ASSERT_EQ(0, pthread_create(&th, NULL, drip, &sv[0]));
	ASSERT_EQ(0, vfu_recv(sv[1], &m, 4096, 5000, err, sizeof(err)));
	ASSERT_EQ(9, m.hdr.msg_id);
	ASSERT_EQ(0, memcmp("wxyz", m.payload, 4));
	vfu_msg_release(&m);
	pthread_join(th, NULL);
}

TEST(too_many_fds_is_eproto_without_leak)
{
	int sv[2], fds[VFU_MAX_FDS + 1], before;
	struct vfu_hdr h = hdr(1, VFU_CMD_DEVICE_SET_IRQS, 0, 0);
	struct vfu_msg m;
	char err[256] = "";

	pair(sv);
	for (unsigned i = 0; i < VFU_MAX_FDS + 1; i++)
		fds[i] = make_efd();
	before = vrc_count_open_fds();
	raw_sendmsg(sv[0], &h, sizeof(h), fds, VFU_MAX_FDS + 1);
	ASSERT_EQ(-EPROTO, vfu_recv(sv[1], &m, 4096, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "fds") != NULL);
	ASSERT_EQ(before, vrc_count_open_fds());
}

TEST(max_fds_is_accepted)
{
	int sv[2], fds[VFU_MAX_FDS];
	struct vfu_hdr h = hdr(1, VFU_CMD_DEVICE_SET_IRQS, 0, 0);
	struct vfu_msg m;
	char err[256] = "";

	pair(sv);
	for (unsigned i = 0; i < VFU_MAX_FDS; i++)
		fds[i] = make_efd();
	ASSERT_EQ(0, vfu_send(sv[0], &h, NULL, 0, fds, VFU_MAX_FDS));
	ASSERT_EQ(0, vfu_recv(sv[1], &m, 4096, 1000, err, sizeof(err)));
	ASSERT_EQ(VFU_MAX_FDS, m.nfds);
	vfu_msg_release(&m);
}

TEST(bad_flags_rejected)
{
	struct vfu_hdr h = hdr(1, 1, 0, 0);
	char err[256];

	ASSERT_EQ(0, vfu_hdr_check(&h, 64, err, sizeof(err)));
	h.flags = 2;			/* unknown type */
	ASSERT_EQ(-EPROTO, vfu_hdr_check(&h, 64, err, sizeof(err)));
	h.flags = VFU_FLAG_ERROR;	/* ERROR on a command */
	ASSERT_EQ(-EPROTO, vfu_hdr_check(&h, 64, err, sizeof(err)));
	h.flags = VFU_FLAG_REPLY | VFU_FLAG_ERROR;
	ASSERT_EQ(0, vfu_hdr_check(&h, 64, err, sizeof(err)));
	h.flags = VFU_FLAG_REPLY | VFU_FLAG_NO_REPLY;
	ASSERT_EQ(-EPROTO, vfu_hdr_check(&h, 64, err, sizeof(err)));
	h.flags = 0x100;		/* unknown bit */
	ASSERT_EQ(-EPROTO, vfu_hdr_check(&h, 64, err, sizeof(err)));
	h.flags = 0;
	h.msg_size = 65;
	ASSERT_EQ(-EPROTO, vfu_hdr_check(&h, 64, err, sizeof(err)));
}

TEST(recv_rejects_bad_type_on_the_wire)
{
	int sv[2];
	struct vfu_hdr h = hdr(1, VFU_CMD_DEVICE_RESET, 0, 3);
	struct vfu_msg m;
	char err[256] = "";

	pair(sv);
	raw_write(sv[0], &h, sizeof(h));
	ASSERT_EQ(-EPROTO, vfu_recv(sv[1], &m, 4096, 1000, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "type") != NULL);
}

TEST(send_checks_msg_size_and_fd_count)
{
	int sv[2], fds[VFU_MAX_FDS + 1] = { 0 };
	struct vfu_hdr h = hdr(1, 1, 3, 0);

	pair(sv);
	ASSERT_EQ(-EINVAL, vfu_send(sv[0], &h, "ab", 2, NULL, 0));
	h = hdr(1, 1, 0, 0);
	ASSERT_EQ(-EINVAL, vfu_send(sv[0], &h, NULL, 0, fds, VFU_MAX_FDS + 1));
}

TEST(send_to_closed_peer_is_epipe_not_sigpipe)
{
	int sv[2];
	struct vfu_hdr h = hdr(1, 1, 0, 0);

	pair(sv);
	close(sv[1]);
	ASSERT_EQ(-EPIPE, vfu_send(sv[0], &h, NULL, 0, NULL, 0));
}

TEST(send_bad_fd_is_ebadf_and_sends_nothing)
{
	int sv[2], bad = 999;
	struct vfu_hdr h = hdr(1, 1, 0, 0);
	char c;

	pair(sv);
	ASSERT_EQ(-EBADF, vfu_send(sv[0], &h, NULL, 0, &bad, 1));
	ASSERT_EQ(-1, recv(sv[1], &c, 1, MSG_DONTWAIT));
}

TEST(send_times_out_when_peer_never_reads)
{
	int sv[2], sz = 4096, rc = 0;
	static uint8_t big[256 << 10];
	struct vfu_hdr h = hdr(1, VFU_CMD_REGION_WRITE, sizeof(big), 0);
	int64_t t0;

	pair(sv);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	t0 = vrc_now_ms();
	for (int i = 0; i < 64 && !rc; i++)
		rc = vfu_send_timeout(sv[0], &h, big, sizeof(big), NULL, 0, 100);
	ASSERT_EQ(-ETIMEDOUT, rc);
	ASSERT_LT(vrc_now_ms() - t0, 2000);
}

struct bigsend {
	int sock;
	int fd;
	int rc;
	uint8_t *buf;
	size_t len;
};

static void *bigsend_fn(void *arg)
{
	struct bigsend *b = arg;
	struct vfu_hdr h = hdr(4, VFU_CMD_REGION_WRITE, b->len, 0);

	b->rc = vfu_send(b->sock, &h, b->buf, b->len, &b->fd, 1);
	return NULL;
}

/* A message bigger than the socket buffer goes out in pieces, fd once. */
TEST(large_send_in_pieces_fd_once)
{
	int sv[2];
	struct bigsend b = { .fd = make_efd(), .len = 1u << 20 };
	pthread_t th;
	struct vfu_msg m;
	char err[256] = "";

	pair(sv);
	b.sock = sv[0];
	b.buf = malloc(b.len);
	ASSERT_TRUE(b.buf != NULL);
	for (size_t i = 0; i < b.len; i++)
		b.buf[i] = (uint8_t)(i ^ (i >> 8));
	ASSERT_EQ(0, pthread_create(&th, NULL, bigsend_fn, &b));
	ASSERT_EQ(0, vfu_recv(sv[1], &m, VFU_MAX_MSG_SIZE, 5000, err, sizeof(err)));
	pthread_join(th, NULL);
	ASSERT_EQ(0, b.rc);
	ASSERT_EQ(b.len, m.payload_len);
	ASSERT_EQ(0, memcmp(b.buf, m.payload, b.len));
	ASSERT_EQ(1u, m.nfds);
	vfu_msg_release(&m);
	free(b.buf);
}

/* ========================================================= version JSON */

static int parse(const char *s, struct vfu_caps *caps)
{
	char err[256];

	return vfu_parse_version_json(s, strlen(s) + 1, caps, err, sizeof(err));
}

TEST(version_json_defaults)
{
	struct vfu_caps caps = { 99, 99 };
	char err[256];

	ASSERT_EQ(0, vfu_parse_version_json("", 0, &caps, err, sizeof(err)));
	ASSERT_EQ(1u, caps.max_msg_fds);
	ASSERT_EQ(1u << 20, caps.max_data_xfer_size);
	caps.max_msg_fds = 99;
	ASSERT_EQ(0, parse("{}", &caps));
	ASSERT_EQ(1u, caps.max_msg_fds);
	caps.max_msg_fds = 99;
	ASSERT_EQ(0, parse("{\"capabilities\":{\"pgsizes\":4096}}", &caps));
	ASSERT_EQ(1u, caps.max_msg_fds);
	ASSERT_EQ(1u << 20, caps.max_data_xfer_size);
}

TEST(version_json_values)
{
	struct vfu_caps caps;

	ASSERT_EQ(0, parse("{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":65536,"
			   "\"pgsizes\":4096,\"migration\":{\"pgsize\":4096},\"x\":[1]}}", &caps));
	ASSERT_EQ(8u, caps.max_msg_fds);
	ASSERT_EQ(65536u, caps.max_data_xfer_size);
	ASSERT_EQ(0, parse("  {\"capabilities\":{\"max_msg_fds\":16}}\n ", &caps));
	ASSERT_EQ(16u, caps.max_msg_fds);
}

TEST(version_json_wrong_types_and_absurd_values)
{
	struct vfu_caps caps;

	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":{\"max_msg_fds\":\"8\"}}", &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":{\"max_msg_fds\":8.0}}", &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":{\"max_msg_fds\":true}}", &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":{\"max_msg_fds\":-1}}", &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":{\"max_msg_fds\":253}}", &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":{\"max_data_xfer_size\":0}}", &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":{\"max_data_xfer_size\":4294967296}}", &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":{\"max_data_xfer_size\":99999999999999999999999}}",
				 &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":{\"max_data_xfer_size\":null}}", &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":[1,2]}", &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":7}", &caps));
}

TEST(version_json_garbage)
{
	struct vfu_caps caps;
	char err[256];
	static const char after_nul[] = "{}\0x";

	ASSERT_EQ(-EPROTO, parse("[]", &caps));
	ASSERT_EQ(-EPROTO, parse("\"str\"", &caps));
	ASSERT_EQ(-EPROTO, parse("3", &caps));
	ASSERT_EQ(-EPROTO, parse("{", &caps));
	ASSERT_EQ(-EPROTO, parse("{\"capabilities\":", &caps));
	ASSERT_EQ(-EPROTO, parse("{} {}", &caps));
	ASSERT_EQ(-EPROTO, parse("{}x", &caps));
	ASSERT_EQ(-EPROTO, parse("\xff\xfe", &caps));
	ASSERT_EQ(-EPROTO, vfu_parse_version_json(after_nul, sizeof(after_nul), &caps,
						  err, sizeof(err)));
	/* Not NUL-terminated within len: parsed as the len bytes. */
	ASSERT_EQ(0, vfu_parse_version_json("{}xyz", 2, &caps, err, sizeof(err)));
}

/* ====================================================== client transport */

/* A scripted server: one thread running fn on its end of a socketpair. */
struct srv {
	int sock;
	void (*fn)(struct srv *s);
	pthread_t th;
	int arg;
};

static void *srv_main(void *arg)
{
	struct srv *s = arg;

	s->fn(s);
	return NULL;
}

static void srv_expect(struct srv *s, struct vfu_msg *m, uint16_t cmd)
{
	char err[256] = "";
	int rc = vfu_recv(s->sock, m, VFU_MAX_MSG_SIZE, 3000, err, sizeof(err));

	if (rc)
		printf("# server: %s\n", err);
	ASSERT_EQ(0, rc);
	ASSERT_EQ(cmd, m->hdr.command);
	ASSERT_EQ(VFU_FLAG_COMMAND, m->hdr.flags);
}

static void srv_reply(struct srv *s, const struct vfu_msg *req, const void *p, size_t len,
		      const int *fds, size_t nfds)
{
	struct vfu_hdr h = hdr(req->hdr.msg_id, req->hdr.command, len, VFU_FLAG_REPLY);

	ASSERT_EQ(0, vfu_send(s->sock, &h, p, len, fds, nfds));
}

static void srv_error(struct srv *s, const struct vfu_msg *req, uint32_t error)
{
	struct vfu_hdr h = hdr(req->hdr.msg_id, req->hdr.command, 0,
			       VFU_FLAG_REPLY | VFU_FLAG_ERROR);

	h.error = error;
	ASSERT_EQ(0, vfu_send(s->sock, &h, NULL, 0, NULL, 0));
}

static void srv_version_json(struct srv *s, const char *json)
{
	struct vfu_msg m;
	uint8_t rep[256];
	struct vfu_version v = { 0, 0 };
	size_t jl = strlen(json) + 1;
	struct vfu_caps caps;
	char err[256];

	srv_expect(s, &m, VFU_CMD_VERSION);
	/* The client proposes 0.0 with a NUL-terminated caps object. */
	ASSERT_GE(m.payload_len, 6u);
	memcpy(&v, m.payload, sizeof(v));
	ASSERT_EQ(0, v.major);
	ASSERT_EQ(0, v.minor);
	ASSERT_EQ(0, m.payload[m.payload_len - 1]);
	ASSERT_EQ(0, vfu_parse_version_json((char *)m.payload + 4, m.payload_len - 4, &caps,
					    err, sizeof(err)));
	ASSERT_EQ(VFU_MAX_FDS, caps.max_msg_fds);
	memcpy(rep, &v, sizeof(v));
	memcpy(rep + sizeof(v), json, jl);
	srv_reply(s, &m, rep, sizeof(v) + jl, NULL, 0);
	vfu_msg_release(&m);
}

static void srv_version(struct srv *s)
{
	srv_version_json(s, "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576}}");
}

/* Start fn as the server and open the client on the other end. */
static int client_open(struct srv *s, void (*fn)(struct srv *), int timeout_ms,
		       struct vrc_transport **t, char *err, size_t errlen)
{
	int sv[2];

	pair(sv);
	s->sock = sv[1];
	s->fn = fn;
	ASSERT_EQ(0, pthread_create(&s->th, NULL, srv_main, s));
	return vrc_vfio_user_open_fd(sv[0], timeout_ms, t, err, errlen);
}

static void srv_done(struct srv *s)
{
	pthread_join(s->th, NULL);
	close(s->sock);
}

static void s_version_only(struct srv *s)
{
	struct vfu_msg m;
	char err[256];

	srv_version(s);
	/* Then wait for the client to go away. */
	ASSERT_EQ(-EPIPE, vfu_recv(s->sock, &m, 4096, 3000, err, sizeof(err)));
}

static void *accept_and_serve(void *arg)
{
	struct srv *s = arg;
	int l = s->arg;

	s->sock = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_GE(s->sock, 0);
	s->fn(s);
	return NULL;
}

TEST(client_opens_through_a_socket_path)
{
	char path[108], err[256] = "";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vrc_transport *t = NULL;
	struct srv s = { .fn = s_version_only };

	snprintf(path, sizeof(path), "/tmp/vrc-vfu-test-%d.sock", (int)getpid());
	unlink(path);
	strcpy(sa.sun_path, path);
	s.arg = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_EQ(0, bind(s.arg, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(s.arg, 1));
	ASSERT_EQ(0, pthread_create(&s.th, NULL, accept_and_serve, &s));
	ASSERT_EQ(0, vrc_vfio_user_open(path, 1000, &t, err, sizeof(err)));
	ASSERT_STREQ("vfio-user", t->ops->name);
	vrc_transport_close(t);
	srv_done(&s);
	close(s.arg);
	unlink(path);
	/* Nobody listening: a clear error, no hang. */
	ASSERT_EQ(-ENOENT, vrc_vfio_user_open(path, 200, &t, err, sizeof(err)));
	ASSERT_TRUE(t == NULL);
	ASSERT_TRUE(strstr(err, path) != NULL);
}

/* ---- VERSION negotiation */

static void s_version_1_0(struct srv *s)
{
	struct vfu_msg m;
	uint8_t rep[] = { 1, 0, 0, 0, '{', '}', 0 };

	srv_expect(s, &m, VFU_CMD_VERSION);
	srv_reply(s, &m, rep, sizeof(rep), NULL, 0);
	vfu_msg_release(&m);
}

static void s_version_0_1(struct srv *s)
{
	struct vfu_msg m;
	uint8_t rep[] = { 0, 0, 1, 0, '{', '}', 0 };

	srv_expect(s, &m, VFU_CMD_VERSION);
	srv_reply(s, &m, rep, sizeof(rep), NULL, 0);
	vfu_msg_release(&m);
}

static void s_version_no_nul(struct srv *s)
{
	struct vfu_msg m;
	uint8_t rep[] = { 0, 0, 0, 0, '{', '}' };

	srv_expect(s, &m, VFU_CMD_VERSION);
	srv_reply(s, &m, rep, sizeof(rep), NULL, 0);
	vfu_msg_release(&m);
}

static void s_version_array(struct srv *s)
{
	srv_version_json(s, "[]");
}

static void s_version_refused(struct srv *s)
{
	struct vfu_msg m;

	srv_expect(s, &m, VFU_CMD_VERSION);
	srv_error(s, &m, ENOTSUP);
	vfu_msg_release(&m);
}

TEST(client_rejects_bad_versions)
{
	static void (*const bad[])(struct srv *) = {
		s_version_1_0, s_version_0_1, s_version_no_nul, s_version_array,
	};
	struct vrc_transport *t;
	char err[256];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct srv s;
		int before = vrc_count_open_fds();

		err[0] = 0;
		ASSERT_EQ(-EPROTO, client_open(&s, bad[i], 1000, &t, err, sizeof(err)));
		ASSERT_TRUE(t == NULL);
		ASSERT_TRUE(err[0] != 0);
		srv_done(&s);
		ASSERT_EQ(before, vrc_count_open_fds());	/* the client socket is closed too */
	}
	{
		struct srv s;

		ASSERT_EQ(-ENOTSUP, client_open(&s, s_version_refused, 1000, &t, err, sizeof(err)));
		srv_done(&s);
	}
}

/* ---- reply matching and errors */

static void s_wrong_id(struct srv *s)
{
	struct vfu_msg m;
	char err[256];

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_DEVICE_RESET);
	m.hdr.msg_id++;
	srv_reply(s, &m, NULL, 0, NULL, 0);
	vfu_msg_release(&m);
	/* Broken now: the client must send nothing more before closing. */
	ASSERT_EQ(-EPIPE, vfu_recv(s->sock, &m, 4096, 3000, err, sizeof(err)));
}

TEST(client_wrong_msg_id_breaks_transport)
{
	struct vrc_transport *t;
	struct srv s;
	char err[256];
	int64_t t0;

	ASSERT_EQ(0, client_open(&s, s_wrong_id, 2000, &t, err, sizeof(err)));
	ASSERT_EQ(-EPROTO, t->ops->reset(t));
	ASSERT_TRUE(strstr(vrc_transport_error(t), "msg_id") != NULL);
	t0 = vrc_now_ms();
	ASSERT_EQ(-EPIPE, t->ops->reset(t));
	ASSERT_LT(vrc_now_ms() - t0, 50);
	vrc_transport_close(t);
	srv_done(&s);
}

/* Serve REGION_READs until the client leaves: the 4 data bytes of each
 * reply are its offset, so a reply given to the wrong reader shows. */
static void s_region_echo(struct srv *s)
{
	struct vfu_msg m;
	char err[256];

	srv_version(s);
	for (;;) {
		struct vfu_region_access a;
		uint8_t rep[sizeof(a) + 4];
		uint32_t v;

		if (vfu_recv(s->sock, &m, VFU_MAX_MSG_SIZE, 3000, err, sizeof(err)))
			return;	/* -EPIPE: the client closed */
		ASSERT_EQ(VFU_CMD_REGION_READ, m.hdr.command);
		ASSERT_EQ(sizeof(a), m.payload_len);
		memcpy(&a, m.payload, sizeof(a));
		ASSERT_EQ(4u, a.count);
		v = (uint32_t)a.offset;
		memcpy(rep, &a, sizeof(a));
		memcpy(rep + sizeof(a), &v, 4);
		srv_reply(s, &m, rep, sizeof(rep), NULL, 0);
		vfu_msg_release(&m);
	}
}

#define RACE_READS	3000u

struct reader {
	struct vrc_transport *t;
	uint32_t base;
	unsigned ok, failed, wrong;
	int first_rc;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	for (uint32_t k = 0; k < RACE_READS; k++) {
		uint32_t off = r->base + 4 * k, v = 0;
		int rc = r->t->ops->region_read(r->t, 0, off, &v, 4);

		if (rc) {
			if (!r->failed++)
				r->first_rc = rc;
		} else if (v != off)
			r->wrong++;
		else
			r->ok++;
	}
	return NULL;
}

/* Two threads on one client, as the rt recorder and a test's thread are:
 * every read gets its own reply, and the transport stays whole. Without
 * the client's lock one thread takes the other's reply off the socket
 * (msg_id mismatch, or a message read half by each) within a few reads. */
TEST(client_two_threads_each_get_their_own_reply)
{
	struct vrc_transport *t;
	struct srv s;
	struct reader r[2];
	pthread_t th[2];
	char err[256];

	ASSERT_EQ(0, client_open(&s, s_region_echo, 5000, &t, err, sizeof(err)));
	for (unsigned i = 0; i < 2; i++) {
		r[i] = (struct reader){ .t = t, .base = (i + 1) << 20 };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, reader_main, &r[i]));
	}
	for (unsigned i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		if (r[i].failed || r[i].wrong)
			printf("# reader %u: %u ok, %u failed (first %s), %u wrong data; %s\n", i,
			       r[i].ok, r[i].failed, strerror(-r[i].first_rc), r[i].wrong,
			       vrc_transport_error(t));
		EXPECT_EQ(RACE_READS, r[i].ok);
	}
	vrc_transport_close(t);
	srv_done(&s);
}

static void s_wrong_command(struct srv *s)
{
	struct vfu_msg m;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_DEVICE_RESET);
	m.hdr.command = VFU_CMD_DEVICE_GET_INFO;
	srv_reply(s, &m, NULL, 0, NULL, 0);
	vfu_msg_release(&m);
}

static void s_command_not_reply(struct srv *s)
{
	struct vfu_msg m;
	struct vfu_hdr h;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_DEVICE_RESET);
	h = hdr(m.hdr.msg_id, m.hdr.command, 0, VFU_FLAG_COMMAND);
	ASSERT_EQ(0, vfu_send(s->sock, &h, NULL, 0, NULL, 0));
	vfu_msg_release(&m);
}

static void s_errno_zero(struct srv *s)
{
	struct vfu_msg m;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_DEVICE_RESET);
	srv_error(s, &m, 0);
	vfu_msg_release(&m);
}

static void s_errno_huge(struct srv *s)
{
	struct vfu_msg m;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_DEVICE_RESET);
	srv_error(s, &m, 4096);
	vfu_msg_release(&m);
}

static void s_close_after_version(struct srv *s)
{
	srv_version(s);
	shutdown(s->sock, SHUT_RDWR);
}

TEST(client_rejects_mismatched_replies)
{
	static void (*const bad[])(struct srv *) = {
		s_wrong_command, s_command_not_reply, s_errno_zero, s_errno_huge,
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vrc_transport *t;
		struct srv s;
		char err[256];

		ASSERT_EQ(0, client_open(&s, bad[i], 2000, &t, err, sizeof(err)));
		ASSERT_EQ(-EPROTO, t->ops->reset(t));
		ASSERT_EQ(-EPIPE, t->ops->reset(t));
		vrc_transport_close(t);
		srv_done(&s);
	}
}

TEST(client_peer_close_is_epipe)
{
	struct vrc_transport *t;
	struct srv s;
	char err[256];

	ASSERT_EQ(0, client_open(&s, s_close_after_version, 2000, &t, err, sizeof(err)));
	srv_done(&s);
	ASSERT_EQ(-EPIPE, t->ops->reset(t));
	vrc_transport_close(t);
}

static void s_errors(struct srv *s)
{
	struct vfu_device_info info = { 16, 3, 9, 6 };
	struct vfu_msg m;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_DEVICE_RESET);
	srv_error(s, &m, EBADF);
	vfu_msg_release(&m);
	/* A device's own EPROTO is an errno like any other. */
	srv_expect(s, &m, VFU_CMD_DEVICE_RESET);
	srv_error(s, &m, EPROTO);
	vfu_msg_release(&m);
	srv_expect(s, &m, VFU_CMD_DEVICE_GET_INFO);
	ASSERT_EQ(16u, m.payload_len);
	srv_reply(s, &m, &info, sizeof(info), NULL, 0);
	vfu_msg_release(&m);
}

TEST(client_error_reply_passes_errno_and_stays_usable)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vrc_transport *t;
	struct srv s;
	char err[256];

	ASSERT_EQ(0, client_open(&s, s_errors, 2000, &t, err, sizeof(err)));
	ASSERT_EQ(-EBADF, t->ops->reset(t));
	ASSERT_EQ(-EPROTO, t->ops->reset(t));
	ASSERT_EQ(0, t->ops->get_device_info(t, &info));
	ASSERT_EQ(3u, info.flags);
	ASSERT_EQ(9u, info.num_regions);
	ASSERT_EQ(6u, info.num_irqs);
	vrc_transport_close(t);
	srv_done(&s);
}

static void s_silent(struct srv *s)
{
	struct vfu_msg m;
	char err[256];

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_DEVICE_RESET);
	vfu_msg_release(&m);
	ASSERT_EQ(-EPIPE, vfu_recv(s->sock, &m, 4096, 5000, err, sizeof(err)));
}

TEST(client_timeout_then_fast_epipe)
{
	struct vrc_transport *t;
	struct srv s;
	char err[256];
	int64_t t0, dt;

	ASSERT_EQ(0, client_open(&s, s_silent, 200, &t, err, sizeof(err)));
	t0 = vrc_now_ms();
	ASSERT_EQ(-ETIMEDOUT, t->ops->reset(t));
	dt = vrc_now_ms() - t0;
	ASSERT_GE(dt, 190);
	ASSERT_LT(dt, 1000);
	ASSERT_TRUE(strstr(vrc_transport_error(t), "no reply") != NULL);
	t0 = vrc_now_ms();
	ASSERT_EQ(-EPIPE, t->ops->reset(t));
	ASSERT_LT(vrc_now_ms() - t0, 50);
	vrc_transport_close(t);
	srv_done(&s);
}

/* ---- REGION_READ / REGION_WRITE */

static void read_reply(struct srv *s, const struct vfu_msg *m, uint64_t off, uint32_t region,
		       uint32_t count, size_t datalen)
{
	struct vfu_region_access a = { off, region, count };
	uint8_t buf[64];

	memcpy(buf, &a, sizeof(a));
	for (size_t i = 0; i < datalen; i++)
		buf[sizeof(a) + i] = (uint8_t)(0xa0 + i);
	srv_reply(s, m, buf, sizeof(a) + datalen, NULL, 0);
}

/* arg selects the fault: 0 data short of count, 1 count > asked, 2 wrong offset. */
static void s_read_bad(struct srv *s)
{
	struct vfu_region_access a;
	struct vfu_msg m;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_REGION_READ);
	ASSERT_EQ(sizeof(a), m.payload_len);
	memcpy(&a, m.payload, sizeof(a));
	ASSERT_EQ(0x40u, a.offset);
	ASSERT_EQ(0u, a.region);
	ASSERT_EQ(4u, a.count);
	if (s->arg == 0)
		read_reply(s, &m, a.offset, a.region, 4, 2);
	else if (s->arg == 1)
		read_reply(s, &m, a.offset, a.region, 8, 8);
	else
		read_reply(s, &m, a.offset + 4, a.region, 4, 4);
	vfu_msg_release(&m);
}

TEST(client_rejects_bad_region_read_replies)
{
	for (int i = 0; i < 3; i++) {
		struct vrc_transport *t;
		struct srv s = { .arg = i };
		uint8_t buf[4];
		char err[256];

		ASSERT_EQ(0, client_open(&s, s_read_bad, 2000, &t, err, sizeof(err)));
		ASSERT_EQ(-EPROTO, t->ops->region_read(t, 0, 0x40, buf, 4));
		ASSERT_TRUE(strstr(vrc_transport_error(t), "REGION_READ") != NULL);
		vrc_transport_close(t);
		srv_done(&s);
	}
}

static void s_read_short_count(struct srv *s)
{
	struct vfu_msg m;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_REGION_READ);
	read_reply(s, &m, 0x40, 7, 2, 2);
	vfu_msg_release(&m);
	srv_expect(s, &m, VFU_CMD_DEVICE_RESET);
	srv_reply(s, &m, NULL, 0, NULL, 0);
	vfu_msg_release(&m);
}

TEST(client_short_read_count_is_eio_not_broken)
{
	struct vrc_transport *t;
	struct srv s;
	uint8_t buf[4] = { 0 };
	char err[256];

	ASSERT_EQ(0, client_open(&s, s_read_short_count, 2000, &t, err, sizeof(err)));
	ASSERT_EQ(-EIO, t->ops->region_read(t, 7, 0x40, buf, 4));
	ASSERT_EQ(0xa0, buf[0]);
	ASSERT_EQ(0xa1, buf[1]);
	ASSERT_EQ(0, t->ops->reset(t));
	vrc_transport_close(t);
	srv_done(&s);
}

/* Server advertising 4 KiB transfers: reads and writes come in pieces. */
static void s_split(struct srv *s)
{
	static const uint32_t counts[] = { 4096, 4096, 1808 };
	struct vfu_region_access a;
	struct vfu_msg m;

	srv_version_json(s, "{\"capabilities\":{\"max_data_xfer_size\":4096}}");
	for (int i = 0; i < 3; i++) {
		uint8_t *buf = malloc(sizeof(a) + 4096);

		srv_expect(s, &m, VFU_CMD_REGION_READ);
		memcpy(&a, m.payload, sizeof(a));
		ASSERT_EQ(0x1000u + 4096u * i, a.offset);
		ASSERT_EQ(2u, a.region);
		ASSERT_EQ(counts[i], a.count);
		memcpy(buf, &a, sizeof(a));
		for (uint32_t k = 0; k < a.count; k++)
			buf[sizeof(a) + k] = (uint8_t)((a.offset + k) * 13);
		srv_reply(s, &m, buf, sizeof(a) + a.count, NULL, 0);
		vfu_msg_release(&m);
		free(buf);
	}
	for (int i = 0; i < 3; i++) {
		srv_expect(s, &m, VFU_CMD_REGION_WRITE);
		memcpy(&a, m.payload, sizeof(a));
		ASSERT_EQ(0x1000u + 4096u * i, a.offset);
		ASSERT_EQ(counts[i], a.count);
		ASSERT_EQ(sizeof(a) + a.count, m.payload_len);
		for (uint32_t k = 0; k < a.count; k++)
			ASSERT_EQ((uint8_t)((a.offset + k) * 7), m.payload[sizeof(a) + k]);
		srv_reply(s, &m, &a, sizeof(a), NULL, 0);
		vfu_msg_release(&m);
	}
	/* A write reply carrying data back is malformed. */
	srv_expect(s, &m, VFU_CMD_REGION_WRITE);
	memcpy(&a, m.payload, sizeof(a));
	{
		uint8_t rep[sizeof(a) + 4];

		memcpy(rep, &a, sizeof(a));
		memset(rep + sizeof(a), 0, 4);
		srv_reply(s, &m, rep, sizeof(rep), NULL, 0);
	}
	vfu_msg_release(&m);
}

TEST(client_splits_transfers_at_max_data_xfer_size)
{
	struct vrc_transport *t;
	struct srv s;
	uint8_t *buf = malloc(10000);
	char err[256];

	ASSERT_EQ(0, client_open(&s, s_split, 2000, &t, err, sizeof(err)));
	ASSERT_EQ(0, t->ops->region_read(t, 2, 0x1000, buf, 10000));
	for (uint32_t k = 0; k < 10000; k++)
		ASSERT_EQ((uint8_t)((0x1000 + k) * 13), buf[k]);
	for (uint32_t k = 0; k < 10000; k++)
		buf[k] = (uint8_t)((0x1000 + k) * 7);
	ASSERT_EQ(0, t->ops->region_write(t, 2, 0x1000, buf, 10000));
	ASSERT_EQ(-EPROTO, t->ops->region_write(t, 2, 0, buf, 4));
	vrc_transport_close(t);
	srv_done(&s);
	free(buf);
}

/* ---- GET_IRQ_INFO */

static void s_irq_info(struct srv *s)
{
	struct vfu_irq_info req;
	struct vfu_msg m;
	uint8_t rep[60];
	struct vrc_irq_info head = { 60, VRC_IRQ_INFO_FLAG_CAPS | 1, 5, 1, 20 };

	memcpy(rep, &head, sizeof(head));
	for (unsigned i = sizeof(head); i < sizeof(rep); i++)
		rep[i] = (uint8_t)i;
	srv_version(s);
	/* 1: argsz 20, the reply is the full 60-byte chain: longer than argsz */
	srv_expect(s, &m, VFU_CMD_DEVICE_GET_IRQ_INFO);
	ASSERT_EQ(16u, m.payload_len);
	memcpy(&req, m.payload, sizeof(req));
	ASSERT_EQ(20u, req.argsz);
	ASSERT_EQ(5u, req.index);
	srv_reply(s, &m, rep, sizeof(rep), NULL, 0);
	vfu_msg_release(&m);
	/* 2: argsz 60: all of it */
	srv_expect(s, &m, VFU_CMD_DEVICE_GET_IRQ_INFO);
	memcpy(&req, m.payload, sizeof(req));
	ASSERT_EQ(60u, req.argsz);
	srv_reply(s, &m, rep, sizeof(rep), NULL, 0);
	vfu_msg_release(&m);
	/* 3: a plain 16-byte reply to argsz 20 */
	srv_expect(s, &m, VFU_CMD_DEVICE_GET_IRQ_INFO);
	srv_reply(s, &m, rep, 16, NULL, 0);
	vfu_msg_release(&m);
	/* 4: a short argsz reaches the device unchanged */
	srv_expect(s, &m, VFU_CMD_DEVICE_GET_IRQ_INFO);
	memcpy(&req, m.payload, sizeof(req));
	ASSERT_EQ(8u, req.argsz);
	srv_error(s, &m, EINVAL);
	vfu_msg_release(&m);
	/* 5: the answer for another index */
	srv_expect(s, &m, VFU_CMD_DEVICE_GET_IRQ_INFO);
	head.index = 4;
	memcpy(rep, &head, sizeof(head));
	srv_reply(s, &m, rep, 20, NULL, 0);
	vfu_msg_release(&m);
}

TEST(client_irq_info_refuses_more_than_argsz)
{
	struct vrc_transport *t;
	struct vrc_irq_info ii;
	struct srv s;
	uint8_t buf[64];
	char err[256];

	ASSERT_EQ(0, client_open(&s, s_irq_info, 2000, &t, err, sizeof(err)));
	memset(buf, 0xee, sizeof(buf));
	ii = (struct vrc_irq_info){ .argsz = 20, .index = 5 };
	memcpy(buf, &ii, sizeof(ii));
	ASSERT_EQ(-EINVAL, t->ops->get_irq_info(t, buf, 16));	/* argsz > bufsz */
	/* 60 bytes for argsz 20: refused whole, nothing of it copied */
	ASSERT_EQ(-EOVERFLOW, t->ops->get_irq_info(t, buf, sizeof(buf)));
	memcpy(&ii, buf, sizeof(ii));
	ASSERT_EQ(20u, ii.argsz);
	ASSERT_EQ(0u, ii.cap_offset);
	ASSERT_EQ(0xee, buf[20]);

	ii = (struct vrc_irq_info){ .argsz = 60, .index = 5 };
	memcpy(buf, &ii, sizeof(ii));
	ASSERT_EQ(0, t->ops->get_irq_info(t, buf, sizeof(buf)));
	ASSERT_EQ(20, buf[20]);
	ASSERT_EQ(59, buf[59]);
	ASSERT_EQ(0xee, buf[60]);

	ii = (struct vrc_irq_info){ .argsz = 20, .index = 5, .cap_offset = 0x12345678 };
	memcpy(buf, &ii, sizeof(ii));
	ASSERT_EQ(0, t->ops->get_irq_info(t, buf, sizeof(buf)));
	memcpy(&ii, buf, sizeof(ii));
	ASSERT_EQ(0x12345678u, ii.cap_offset);	/* only 16 bytes came */

	ii = (struct vrc_irq_info){ .argsz = 8, .index = 5 };
	memcpy(buf, &ii, sizeof(ii));
	ASSERT_EQ(-EINVAL, t->ops->get_irq_info(t, buf, sizeof(buf)));

	ii = (struct vrc_irq_info){ .argsz = 20, .index = 5 };
	memcpy(buf, &ii, sizeof(ii));
	ASSERT_EQ(-EPROTO, t->ops->get_irq_info(t, buf, sizeof(buf)));
	vrc_transport_close(t);
	srv_done(&s);
}

/* ---- SET_IRQS */

/* A kernel-style SET_IRQS request with room for 64 data bytes. */
static struct vfio_irq_set *irqset_new(void)
{
	struct vfio_irq_set *h = calloc(1, sizeof(*h) + 64);

	ASSERT_TRUE(h != NULL);
	return h;
}

static void expect_set(struct srv *s, struct vfu_irq_set *got, size_t *len, struct vfu_msg *m)
{
	srv_expect(s, m, VFU_CMD_DEVICE_SET_IRQS);
	ASSERT_GE(m->payload_len, sizeof(*got));
	memcpy(got, m->payload, sizeof(*got));
	*len = m->payload_len;
}

static void s_set_irqs(struct srv *s)
{
	struct vfu_irq_set is;
	struct vfu_msg m;
	size_t len;

	srv_version(s);
	/* a) two eventfds: argsz 20, no array, two SCM_RIGHTS fds */
	expect_set(s, &is, &len, &m);
	ASSERT_EQ(20u, len);
	ASSERT_EQ(20u, is.argsz);
	ASSERT_EQ(2u, is.count);
	ASSERT_EQ(2u, m.nfds);
	efd_write(m.fds[0], 1);
	efd_write(m.fds[1], 2);
	srv_reply(s, &m, NULL, 0, NULL, 0);
	vfu_msg_release(&m);
	/* b) all -1: de-assign, no fds */
	expect_set(s, &is, &len, &m);
	ASSERT_EQ(20u, len);
	ASSERT_EQ(2u, is.count);
	ASSERT_EQ(0u, m.nfds);
	srv_reply(s, &m, NULL, 0, NULL, 0);
	vfu_msg_release(&m);
	/* (the mixed request never arrives) d) short argsz passes through */
	expect_set(s, &is, &len, &m);
	ASSERT_EQ(20u, len);
	ASSERT_EQ(12u, is.argsz);
	ASSERT_EQ(0u, m.nfds);
	srv_error(s, &m, EINVAL);
	vfu_msg_release(&m);
	/* e) DATA_BOOL bytes travel as data */
	expect_set(s, &is, &len, &m);
	ASSERT_EQ(21u, len);
	ASSERT_EQ(21u, is.argsz);
	ASSERT_EQ(1, m.payload[20]);
	srv_reply(s, &m, NULL, 0, NULL, 0);
	vfu_msg_release(&m);
	/* f) an invalid data combination reaches the device as is */
	expect_set(s, &is, &len, &m);
	ASSERT_EQ((uint32_t)(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER), is.flags);
	ASSERT_EQ(0u, m.nfds);
	srv_error(s, &m, EINVAL);
	vfu_msg_release(&m);
	/* g) count 0 eventfd: no fds */
	expect_set(s, &is, &len, &m);
	ASSERT_EQ(0u, is.count);
	ASSERT_EQ(0u, m.nfds);
	srv_reply(s, &m, NULL, 0, NULL, 0);
	vfu_msg_release(&m);
}

TEST(client_set_irqs_encoding)
{
	struct vrc_transport *t;
	struct vfio_irq_set *h = irqset_new();
	struct srv s;
	int32_t fds[2] = { make_efd(), make_efd() }, m1[2] = { -1, -1 };
	int32_t mixed[2] = { fds[0], -1 };
	const uint32_t efd_trig = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	char err[256];

	ASSERT_EQ(0, client_open(&s, s_set_irqs, 2000, &t, err, sizeof(err)));
	*h = (struct vfio_irq_set){ .argsz = 28, .flags = efd_trig, .index = 5, .count = 2 };
	memcpy(h->data, fds, sizeof(fds));
	ASSERT_EQ(0, t->ops->set_irqs(t, h));
	ASSERT_EQ(1u, vrc_eventfd_take(fds[0]));	/* the server got our eventfds */
	ASSERT_EQ(2u, vrc_eventfd_take(fds[1]));
	memcpy(h->data, m1, sizeof(m1));
	ASSERT_EQ(0, t->ops->set_irqs(t, h));
	memcpy(h->data, mixed, sizeof(mixed));
	ASSERT_EQ(-EINVAL, t->ops->set_irqs(t, h));
	/* argsz 20 with count 2: the array is missing, as the kernel rejects */
	h->argsz = 20;
	ASSERT_EQ(-EINVAL, t->ops->set_irqs(t, h));
	h->argsz = 12;
	ASSERT_EQ(-EINVAL, t->ops->set_irqs(t, h));
	*h = (struct vfio_irq_set){ .argsz = 21, .index = 5, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_MASK };
	h->data[0] = 1;
	ASSERT_EQ(0, t->ops->set_irqs(t, h));
	*h = (struct vfio_irq_set){ .argsz = 20, .index = 5, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_NONE | efd_trig };
	ASSERT_EQ(-EINVAL, t->ops->set_irqs(t, h));
	*h = (struct vfio_irq_set){ .argsz = 20, .index = 5, .count = 0, .flags = efd_trig };
	ASSERT_EQ(0, t->ops->set_irqs(t, h));
	vrc_transport_close(t);
	free(h);
	srv_done(&s);
}

/* A server with no max_msg_fds key: the default 1, so one fd per message. */
static void s_chunks(struct srv *s)
{
	struct vfu_irq_set is;
	struct vfu_msg m;
	size_t len;

	srv_version_json(s, "{}");
	for (uint32_t i = 0; i < 3; i++) {
		expect_set(s, &is, &len, &m);
		ASSERT_EQ(3u + i, is.start);
		ASSERT_EQ(1u, is.count);
		ASSERT_EQ(1u, m.nfds);
		efd_write(m.fds[0], 1u << i);
		srv_reply(s, &m, NULL, 0, NULL, 0);
		vfu_msg_release(&m);
	}
}

TEST(client_set_irqs_chunks_to_max_msg_fds)
{
	struct vrc_transport *t;
	struct vfio_irq_set *h = irqset_new();
	struct srv s;
	int32_t fds[3] = { make_efd(), make_efd(), make_efd() };
	char err[256];

	ASSERT_EQ(0, client_open(&s, s_chunks, 2000, &t, err, sizeof(err)));
	*h = (struct vfio_irq_set){ .argsz = 32, .index = 2, .start = 3, .count = 3,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER };
	memcpy(h->data, fds, sizeof(fds));
	ASSERT_EQ(0, t->ops->set_irqs(t, h));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(1u << i, vrc_eventfd_take(fds[i]));
	vrc_transport_close(t);
	free(h);
	srv_done(&s);
}

/* ---- vendor commands, region info, fds in replies */

static void s_dmabuf(struct srv *s)
{
	struct vfu_gfx_dmabuf_reply rep = { 3, 0, 0x1000, 0x2000 };
	int mfd = s->arg;
	struct vfu_msg m;
	uint32_t id;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_VRC_GET_GFX_DMABUF);
	ASSERT_EQ(4u, m.payload_len);
	memcpy(&id, m.payload, 4);
	ASSERT_EQ(3u, id);
	srv_reply(s, &m, &rep, sizeof(rep), &mfd, 1);
	vfu_msg_release(&m);
	/* no fd */
	srv_expect(s, &m, VFU_CMD_VRC_GET_GFX_DMABUF);
	srv_reply(s, &m, &rep, sizeof(rep), NULL, 0);
	vfu_msg_release(&m);
}

static void s_dmabuf_two_fds(struct srv *s)
{
	struct vfu_gfx_dmabuf_reply rep = { 3, 0, 0x1000, 0x2000 };
	int two[2] = { s->arg, s->arg };
	struct vfu_msg m;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_VRC_GET_GFX_DMABUF);
	srv_reply(s, &m, &rep, sizeof(rep), two, 2);
	vfu_msg_release(&m);
}

TEST(client_dmabuf_reply_needs_exactly_one_fd)
{
	int mfd = memfd_create("vram", MFD_CLOEXEC);
	struct vrc_transport *t;
	struct srv s = { .arg = mfd };
	uint64_t off = 0;
	char err[256];
	int fd, before;

	ASSERT_EQ(0, client_open(&s, s_dmabuf, 2000, &t, err, sizeof(err)));
	fd = t->ops->get_gfx_dmabuf(t, 3, &off);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(inode_of(mfd), inode_of(fd));
	ASSERT_EQ(0x1000u, off);
	close(fd);
	ASSERT_EQ(-EPROTO, t->ops->get_gfx_dmabuf(t, 3, &off));
	vrc_transport_close(t);
	srv_done(&s);

	before = vrc_count_open_fds();
	ASSERT_EQ(0, client_open(&s, s_dmabuf_two_fds, 2000, &t, err, sizeof(err)));
	ASSERT_EQ(-EPROTO, t->ops->get_gfx_dmabuf(t, 3, &off));
	vrc_transport_close(t);
	srv_done(&s);
	ASSERT_EQ(before, vrc_count_open_fds());	/* both stray fds were closed */
}

static void s_region_info(struct srv *s)
{
	struct vfu_region_info ri = { 32, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP,
				      2, 0, 1u << 20, 0x5000 };
	int fd = s->arg;
	struct vfu_msg m;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_DEVICE_GET_REGION_INFO);
	ASSERT_EQ(32u, m.payload_len);
	memcpy(&ri.index, m.payload + 8, 4);
	ASSERT_EQ(2u, ri.index);
	srv_reply(s, &m, &ri, sizeof(ri), &fd, 1);
	vfu_msg_release(&m);
	srv_expect(s, &m, VFU_CMD_DEVICE_GET_REGION_INFO);
	ri.index = 3;
	srv_reply(s, &m, &ri, sizeof(ri), NULL, 0);
	vfu_msg_release(&m);
}

static void s_info_with_fd(struct srv *s)
{
	struct vfu_device_info di = { 16, 3, 9, 6 };
	int fd = s->arg;
	struct vfu_msg m;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_DEVICE_GET_INFO);
	srv_reply(s, &m, &di, sizeof(di), &fd, 1);
	vfu_msg_release(&m);
}

TEST(client_region_info_and_stray_fds)
{
	int mfd = memfd_create("bar", MFD_CLOEXEC), before = vrc_count_open_fds();
	struct vfio_region_info ri;
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vrc_transport *t;
	struct srv s = { .arg = mfd };
	char err[256];

	ASSERT_EQ(0, client_open(&s, s_region_info, 2000, &t, err, sizeof(err)));
	ASSERT_EQ(0, t->ops->get_region_info(t, 2, &ri));
	ASSERT_EQ(2u, ri.index);
	ASSERT_EQ(1u << 20, ri.size);
	ASSERT_EQ(0x5000u, ri.offset);
	ASSERT_TRUE(ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
	ASSERT_EQ(-EPROTO, t->ops->get_region_info(t, 2, &ri));	/* index 3 came back */
	vrc_transport_close(t);
	srv_done(&s);
	ASSERT_EQ(before, vrc_count_open_fds());	/* the mmap fd was not kept */

	ASSERT_EQ(0, client_open(&s, s_info_with_fd, 2000, &t, err, sizeof(err)));
	ASSERT_EQ(-EPROTO, t->ops->get_device_info(t, &di));
	vrc_transport_close(t);
	srv_done(&s);
	ASSERT_EQ(before, vrc_count_open_fds());
}

static void s_plane(struct srv *s)
{
	struct vfio_device_gfx_plane_info p;
	struct vfu_msg m;

	srv_version(s);
	srv_expect(s, &m, VFU_CMD_VRC_QUERY_GFX_PLANE);
	ASSERT_EQ(sizeof(p), m.payload_len);
	memcpy(&p, m.payload, sizeof(p));
	ASSERT_EQ(sizeof(p), p.argsz);
	ASSERT_EQ((uint32_t)VFIO_GFX_PLANE_TYPE_DMABUF, p.flags);
	ASSERT_EQ(1u, p.drm_plane_type);
	p.width = 1024;
	p.height = 768;
	p.dmabuf_id = 5;
	srv_reply(s, &m, &p, sizeof(p), NULL, 0);
	vfu_msg_release(&m);
	srv_expect(s, &m, VFU_CMD_VRC_QUERY_GFX_PLANE);
	srv_reply(s, &m, &p, sizeof(p) - 4, NULL, 0);
	vfu_msg_release(&m);
}

TEST(client_query_plane)
{
	struct vfio_device_gfx_plane_info p = {
		.argsz = sizeof(p), .flags = VFIO_GFX_PLANE_TYPE_DMABUF, .drm_plane_type = 1,
	};
	struct vrc_transport *t;
	struct srv s;
	char err[256];

	ASSERT_EQ(0, client_open(&s, s_plane, 2000, &t, err, sizeof(err)));
	ASSERT_EQ(0, t->ops->query_gfx_plane(t, &p));
	ASSERT_EQ(1024u, p.width);
	ASSERT_EQ(768u, p.height);
	ASSERT_EQ(5u, p.dmabuf_id);
	ASSERT_EQ(-EPROTO, t->ops->query_gfx_plane(t, &p));
	vrc_transport_close(t);
	srv_done(&s);
}

VTEST_MAIN()
