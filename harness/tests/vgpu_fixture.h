/* SPDX-License-Identifier: MIT */
/*
 * The fixture of the emulated vGPU's unit tests (test_vgpu.c, test_kmodel.c):
 * a vgpu on a real memfd shm with real non-blocking eventfds, driven through
 * the vgpu API, no sockets.
 */
#ifndef VRC_TESTS_VGPU_FIXTURE_H
#define VRC_TESTS_VGPU_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vrc/vtest.h"
#include "vrc/i915_regs.h"
#include "harness/vgpu-sim/vgpu.h"

#define SHM_SIZE	(4u << 20)
#define PRI		VRC_GVT_PRI_EVENT_VAL
#define CUR		VRC_GVT_CUR_EVENT_VAL
#define SURF0		0x0u
#define SURF1		0x100000u
#define CURSOR_SURF	0x200000u

#define DATA_NONE	VFIO_IRQ_SET_DATA_NONE
#define DATA_BOOL	VFIO_IRQ_SET_DATA_BOOL
#define DATA_EVENTFD	VFIO_IRQ_SET_DATA_EVENTFD
#define ACT_MASK	VFIO_IRQ_SET_ACTION_MASK
#define ACT_UNMASK	VFIO_IRQ_SET_ACTION_UNMASK
#define ACT_TRIGGER	VFIO_IRQ_SET_ACTION_TRIGGER

struct fx {
	struct vgpu *v;
	uint8_t *shm;
	int shm_fd;
	unsigned notified;
};

static struct vgpu_global shared_global;

static inline void count_notify(void *ctx)
{
	((struct fx *)ctx)->notified++;
}

/* fx_try for instance `instance` of a process (the ISO models tell vGPUs
 * apart by it). */
static inline int fx_try_instance(struct fx *f, const char *model, enum vrc_abi abi,
				  size_t size, struct vgpu_global *g, unsigned instance,
				  char *err, size_t errlen)
{
	struct vgpu_config cfg = { .instance = instance };

	memset(f, 0, sizeof(*f));
	f->shm_fd = memfd_create("test-vgpu", MFD_CLOEXEC);
	ASSERT_GE(f->shm_fd, 0);
	ASSERT_EQ(0, ftruncate(f->shm_fd, (off_t)size));
	f->shm = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f->shm_fd, 0);
	ASSERT_TRUE(f->shm != MAP_FAILED);
	cfg.model = vgpu_model_find(model);
	ASSERT_TRUE(cfg.model != NULL);
	cfg.abi = abi;
	cfg.shm = f->shm;
	cfg.shm_size = size;
	cfg.shm_fd = f->shm_fd;
	cfg.global = g;
	cfg.notify_guest = count_notify;
	cfg.notify_ctx = f;
	return vgpu_create(&cfg, &f->v, err, errlen);
}

static inline int fx_try(struct fx *f, const char *model, enum vrc_abi abi, size_t size,
		  struct vgpu_global *g, char *err, size_t errlen)
{
	return fx_try_instance(f, model, abi, size, g, 0, err, errlen);
}

static inline void fx_open(struct fx *f, const char *model, enum vrc_abi abi)
{
	char err[256];

	ASSERT_EQ(0, fx_try(f, model, abi, SHM_SIZE, &shared_global, err, sizeof(err)));
}

static inline void fx_close(struct fx *f)
{
	vgpu_destroy(f->v);
	munmap(f->shm, SHM_SIZE);
	close(f->shm_fd);
}

static inline int efd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ASSERT_GE(fd, 0);
	return fd;
}

/* What was signalled since the last read (0: nothing). */
static inline uint64_t rd(int fd)
{
	uint64_t x = 0;

	if (read(fd, &x, sizeof(x)) != sizeof(x)) {
		ASSERT_EQ(EAGAIN, errno);
		return 0;
	}
	return x;
}

static inline bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static inline int set_irqs(struct fx *f, uint32_t index, uint32_t flags, uint32_t start,
		    uint32_t count, const uint8_t *data, size_t datalen,
		    int *fds, size_t nfds)
{
	struct vfu_irq_set req = { .argsz = sizeof(req), .flags = flags,
				   .index = index, .start = start, .count = count };

	return vgpu_set_irqs(f->v, &req, data, datalen, fds, nfds);
}

/* Register a dup of fd (the vgpu owns what it is given); returns the dup. */
static inline int reg(struct fx *f, int fd)
{
	int d = dup(fd), given = d;

	ASSERT_GE(d, 0);
	ASSERT_EQ(0, set_irqs(f, VGPU_DISPLAY_IRQ, ACT_TRIGGER | DATA_EVENTFD, 0, 1,
			      NULL, 0, &given, 1));
	ASSERT_EQ(-1, given);	/* kept */
	return d;
}

static inline int simple(struct fx *f, uint32_t flags, uint32_t count)
{
	return set_irqs(f, VGPU_DISPLAY_IRQ, flags, 0, count, NULL, 0, NULL, 0);
}

static inline void plane_setup(struct fx *f, unsigned p)
{
	vgpu_mmio_write(f->v, VRC_PIPECONF(p), VRC_PIPECONF_ENABLE);
	vgpu_mmio_write(f->v, VRC_PLANE_CTL(p), VRC_PLANE_CTL_ENABLE |
			VRC_PLANE_CTL_FORMAT_XRGB8888);
	vgpu_mmio_write(f->v, VRC_PLANE_SIZE(p), (479u << 16) | 639u);
	vgpu_mmio_write(f->v, VRC_PLANE_STRIDE(p), 640 * 4);
}

static inline void ticks(struct fx *f, unsigned n)
{
	while (n--)
		vgpu_vblank(f->v);
}

static inline void flip(struct fx *f, unsigned p, uint32_t surf)
{
	vgpu_mmio_write(f->v, VRC_PLANE_SURF(p), surf);
}

/* ref with pipe A on and one registered eventfd. */
static inline int ref_setup(struct fx *f, const char *model, enum vrc_abi abi)
{
	int fd = efd();

	fx_open(f, model, abi);
	plane_setup(f, 0);
	reg(f, fd);
	return fd;
}

static inline void reg2(struct fx *f, int pri, int cur)
{
	int fds[2] = { dup(pri), dup(cur) };

	ASSERT_EQ(0, set_irqs(f, 5, ACT_TRIGGER | DATA_EVENTFD, 0, 2, NULL, 0, fds, 2));
}


/* A v7 chain in buf: the type cap at `at`, the plane map (primary, cursor) at `planes`. */
static inline void assert_v7_chain(const uint8_t *buf, size_t at, uint32_t planes)
{
	struct vrc_cap_header h;
	uint32_t u[3];

	memcpy(&h, buf + at, sizeof(h));
	ASSERT_EQ(1, h.id);
	ASSERT_EQ(planes, h.next);
	memcpy(&h, buf + planes, sizeof(h));
	ASSERT_EQ(3, h.id);
	ASSERT_EQ(1, h.version);
	ASSERT_EQ(0u, h.next);
	memcpy(u, buf + planes + sizeof(h), sizeof(u));
	ASSERT_EQ(2u, u[0]);
	ASSERT_EQ(VRC_PLANE_PRIMARY, u[1]);
	ASSERT_EQ(VRC_PLANE_CURSOR, u[2]);
}

#endif /* VRC_TESTS_VGPU_FIXTURE_H */
