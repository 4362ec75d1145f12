/* SPDX-License-Identifier: MIT */
/*
 * A scripted fake of the system calls below the kernel VFIO transport and
 * the gvt backend's KVM calls (struct vrc_sys): recorded expectations —
 * which call, on which fd, with exactly which argument bytes — and the
 * kernel's answers. Any difference is printed and fails script_done().
 */
#ifndef VRC_TEST_GVT_SCRIPT_H
#define VRC_TEST_GVT_SCRIPT_H

#include <fcntl.h>
#include <sys/mman.h>

#include <linux/kvm.h>

#include "vrc/vtest.h"
#include "vrc/transport.h"

enum kind { OPEN, IOCTL, PREAD, PWRITE, CLOSE };
static const char *const kind_name[] = { "open", "ioctl", "pread", "pwrite", "close" };

/* One expected system call and the fake kernel's answer. */
struct expect {
	enum kind kind;
	const char *path;		/* OPEN */
	int fd;				/* the fd the call must be made on */
	unsigned long req;		/* IOCTL */
	const void *in;			/* IOCTL: bytes at arg; PWRITE: data */
	size_t inlen;			/* 0 with in == NULL: arg is a plain value */
	uintptr_t argval;		/* IOCTL with inlen 0: the arg itself */
	bool arg_is_eventfd_at;		/* SET_IRQS: the __s32 at in_fd_off must be an eventfd */
	size_t in_fd_off;
	bool arg_points_to_fd;		/* KVM_SET_DEVICE_ATTR: addr -> __s32 == argval */
	const void *out;		/* IOCTL: written back; PREAD: returned data */
	size_t outlen;
	off_t off;			/* PREAD/PWRITE */
	size_t len;			/* PREAD/PWRITE: the length asked */
	long ret;			/* return value, or */
	int err;			/* -1 with this errno */
	int ret_real_fd;		/* IOCTL returning an fd the caller owns: a memfd */
};

struct script {
	const struct expect *e;
	size_t n, pos;
	unsigned failures;
};

static inline void hexdump(const char *what, const void *p, size_t n)
{
	const uint8_t *b = p;

	printf("#   %s:", what);
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", i % 4 ? "" : " ", b[i]);
	printf("\n");
}

static inline const struct expect *next(const struct vrc_sys *s, enum kind k, int fd, const char *what)
{
	struct script *sc = s->ctx;
	const struct expect *e;

	if (sc->pos >= sc->n) {
		printf("# call %zu: unexpected %s(%s, fd %d) after the end of the script\n",
		       sc->pos, kind_name[k], what, fd);
		sc->failures++;
		return NULL;
	}
	e = &sc->e[sc->pos++];
	if (e->kind != k || (k != OPEN && e->fd != fd)) {
		printf("# call %zu: expected %s on fd %d, got %s(%s) on fd %d\n", sc->pos - 1,
		       kind_name[e->kind], e->fd, kind_name[k], what, fd);
		sc->failures++;
		return NULL;
	}
	return e;
}

static inline long answer(const struct expect *e)
{
	if (e->err) {
		errno = e->err;
		return -1;
	}
	return e->ret;
}

static inline int f_open(const struct vrc_sys *s, const char *path, int flags)
{
	const struct expect *e = next(s, OPEN, -1, path);

	(void)flags;
	if (!e)
		return errno = EPROTO, -1;
	if (strcmp(e->path, path)) {
		printf("# open: expected %s, got %s\n", e->path, path);
		((struct script *)s->ctx)->failures++;
		return errno = EPROTO, -1;
	}
	return (int)answer(e);
}

static inline bool is_eventfd(int fd)
{
	char p[64], link[64] = "";

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return readlink(p, link, sizeof(link) - 1) > 0 && !strcmp(link, "anon_inode:[eventfd]");
}

static inline int f_ioctl(const struct vrc_sys *s, int fd, unsigned long req, void *arg)
{
	struct script *sc = s->ctx;
	const struct expect *e = next(s, IOCTL, fd, "ioctl");
	bool ok = true;

	if (!e)
		return errno = EPROTO, -1;
	if (e->req != req) {
		printf("# call %zu: expected ioctl %#lx, got %#lx\n", sc->pos - 1, e->req, req);
		ok = false;
	} else if (e->arg_points_to_fd) {
		struct kvm_device_attr a;
		int32_t v;

		memcpy(&a, arg, sizeof(a));
		memcpy(&v, (void *)(uintptr_t)a.addr, sizeof(v));
		ok = a.flags == 0 && a.group == 1 && a.attr == 1 && v == (int32_t)e->argval;
		if (!ok)
			printf("# KVM_SET_DEVICE_ATTR: group %u attr %llu fd %d, want 1/1/%d\n",
			       a.group, (unsigned long long)a.attr, v, (int)e->argval);
	} else if (e->in) {
		size_t cmp = e->arg_is_eventfd_at ? e->in_fd_off : e->inlen;

		if (!arg || memcmp(arg, e->in, cmp)) {
			printf("# call %zu: ioctl %#lx argument bytes differ\n", sc->pos - 1, req);
			hexdump("expected", e->in, cmp);
			if (arg)
				hexdump("got     ", arg, cmp);
			ok = false;
		} else if (e->arg_is_eventfd_at) {
			int32_t efd;

			memcpy(&efd, (uint8_t *)arg + e->in_fd_off, sizeof(efd));
			ok = is_eventfd(efd);
			if (!ok)
				printf("# SET_IRQS data fd %d is not an eventfd\n", efd);
		}
	} else if ((uintptr_t)arg != e->argval) {
		printf("# call %zu: ioctl %#lx arg %#lx, want %#lx\n", sc->pos - 1, req,
		       (unsigned long)(uintptr_t)arg, (unsigned long)e->argval);
		ok = false;
	}
	if (!ok) {
		sc->failures++;
		return errno = EPROTO, -1;
	}
	if (e->out)
		memcpy(arg, e->out, e->outlen);
	if (e->ret_real_fd)
		return memfd_create("fake-dmabuf", MFD_CLOEXEC);
	return (int)answer(e);
}

static inline ssize_t f_pread(const struct vrc_sys *s, int fd, void *buf, size_t len, off_t off)
{
	struct script *sc = s->ctx;
	const struct expect *e = next(s, PREAD, fd, "pread");

	if (!e)
		return errno = EPROTO, -1;
	if (e->off != off || e->len != len) {
		printf("# call %zu: pread(%zu @ %#llx), want (%zu @ %#llx)\n", sc->pos - 1, len,
		       (unsigned long long)off, e->len, (unsigned long long)e->off);
		sc->failures++;
		return errno = EPROTO, -1;
	}
	memcpy(buf, e->out, e->outlen);
	return e->err ? answer(e) : (ssize_t)e->outlen;
}

static inline ssize_t f_pwrite(const struct vrc_sys *s, int fd, const void *buf, size_t len, off_t off)
{
	struct script *sc = s->ctx;
	const struct expect *e = next(s, PWRITE, fd, "pwrite");

	if (!e)
		return errno = EPROTO, -1;
	if (e->off != off || e->len != len || memcmp(buf, e->in, e->inlen)) {
		printf("# call %zu: pwrite(%zu @ %#llx) differs from (%zu @ %#llx)\n", sc->pos - 1,
		       len, (unsigned long long)off, e->len, (unsigned long long)e->off);
		sc->failures++;
		return errno = EPROTO, -1;
	}
	return e->ret;
}

static inline int f_close(const struct vrc_sys *s, int fd)
{
	return next(s, CLOSE, fd, "close") ? 0 : (errno = EPROTO, -1);
}

#define SCRIPT(name, ...)						\
	static const struct expect name##_e[] = { __VA_ARGS__ };	\
	struct script name = { .e = name##_e, .n = sizeof(name##_e) / sizeof(name##_e[0]) }

static inline struct vrc_sys fake_sys(struct script *sc)
{
	return (struct vrc_sys){
		.open = f_open, .ioctl = f_ioctl, .pread = f_pread, .pwrite = f_pwrite,
		.close = f_close, .ctx = sc,
	};
}

/* The whole script ran, and nothing differed. */
static inline void script_done(struct script *sc)
{
	if (sc->pos != sc->n)
		printf("# script stopped at call %zu of %zu\n", sc->pos, sc->n);
	ASSERT_EQ(0u, sc->failures);
	ASSERT_EQ(sc->n, sc->pos);
}

#endif /* VRC_TEST_GVT_SCRIPT_H */
