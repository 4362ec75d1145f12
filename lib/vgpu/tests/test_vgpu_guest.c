// SPDX-License-Identifier: MIT
/*
 * The process guest against a fake emulator built here: a memfd shm with a
 * hand-made vgpu_shm_header, served by ivshmem_server_greet from a forked
 * child on a UNIX socket in a mkdtemp dir. The test process keeps its own
 * mapping of the shm and the eventfds, so it plays vgpu-sim's side.
 */
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "vrc/i915_regs.h"
#include "vgpu/guest.h"
#include "vrc/irq.h"
#include "vrc/vtest.h"
#include "vrc/util.h"

#define SHM_SIZE	(4u << 20)
#define REGS_OFF	4096u
#define RING_OFF	((REGS_OFF + VRC_REG_WINDOW_SIZE + 4095u) & ~4095u)
#define VRAM_OFF	(1u << 20)

enum fake_mode {
	FAKE_IDLE,	/* greet, then wait for the guest to leave */
	FAKE_CONSUME,	/* also consume the ring on each doorbell, slowly */
};

struct fake {
	char dir[32];
	char path[64];
	int lfd, shm, db, irq;
	void *map;
	struct vgpu_shm_header *hdr;
	struct vgpu_ring *ring;
	pid_t pid;
};

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/* A valid header; the caller may break it before fake_start. */
static void fake_init(struct fake *f, uint32_t ring_entries)
{
	struct vgpu_shm_header *h;

	memset(f, 0, sizeof(*f));
	f->lfd = f->shm = f->db = f->irq = -1;
	f->pid = -1;
	f->shm = memfd_create("vgpu-test", MFD_CLOEXEC);
	ASSERT_GE(f->shm, 0);
	ASSERT_EQ(0, ftruncate(f->shm, SHM_SIZE));
	f->map = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->shm, 0);
	ASSERT_TRUE(f->map != MAP_FAILED);
	f->db = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->irq = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_GE(f->db, 0);
	ASSERT_GE(f->irq, 0);

	h = f->hdr = f->map;
	h->magic = VGPU_SHM_MAGIC;
	h->version = VGPU_SHM_VERSION;
	h->header_size = VGPU_SHM_HEADER_SIZE;
	h->emu_peer_id = 0;
	h->num_pipes = 3;
	h->regs_base = VRC_REG_WINDOW_BASE;
	h->regs_size = VRC_REG_WINDOW_SIZE;
	h->regs_offset = REGS_OFF;
	h->ring_offset = RING_OFF;
	h->vram_offset = VRAM_OFF;
	h->vram_size = SHM_SIZE - VRAM_OFF;
	h->ring_entries = ring_entries;
	f->ring = (struct vgpu_ring *)((uint8_t *)f->map + RING_OFF);
}

static void fake_serve(struct fake *f, int s, enum fake_mode mode)
{
	struct ivshmem_peer_fds peers[2] = {
		{ .id = 0, .nvec = 1, .fds = &f->db },
		{ .id = 1, .nvec = 1, .fds = &f->irq },
	};

	if (ivshmem_server_greet(s, 1, f->shm, peers, 2))
		_exit(1);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = s, .events = POLLIN },
			{ .fd = f->db, .events = POLLIN },
		};
		char b;

		if (poll(p, mode == FAKE_CONSUME ? 2 : 1, -1) < 0)
			_exit(1);
		if (p[0].revents) {
			if (read(s, &b, 1) <= 0)
				_exit(0);
		}
		if (mode == FAKE_CONSUME && (p[1].revents & POLLIN)) {
			vrc_eventfd_take(f->db);
			usleep(100 * 1000);	/* a slow emulator */
			__atomic_store_n(&f->ring->tail,
					 __atomic_load_n(&f->ring->head, __ATOMIC_ACQUIRE),
					 __ATOMIC_RELEASE);
		}
	}
}

static void fake_start(struct fake *f, enum fake_mode mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(f->dir, sizeof(f->dir), "/tmp/vrc-vg-XXXXXX");
	ASSERT_TRUE(mkdtemp(f->dir) != NULL);
	snprintf(f->path, sizeof(f->path), "%s/ivs.sock", f->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(f->lfd, 0);
	ASSERT_EQ(0, bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(f->lfd, 4));
	fflush(stdout);
	f->pid = fork();
	ASSERT_GE(f->pid, 0);
	if (f->pid == 0) {
		int s = accept(f->lfd, NULL, NULL);

		if (s < 0)
			_exit(1);
		fake_serve(f, s, mode);
		_exit(0);
	}
	close(f->lfd);
	f->lfd = -1;
}

static void fake_stop(struct fake *f)
{
	int status;

	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		ASSERT_EQ(f->pid, waitpid(f->pid, &status, 0));
	}
	unlink(f->path);
	rmdir(f->dir);
	munmap(f->map, SHM_SIZE);
	close(f->shm);
	close(f->db);
	close(f->irq);
}

static void open_ok(struct fake *f, struct vgpu_guest *g, uint32_t entries,
		    enum fake_mode mode)
{
	char err[256] = "";
	int rc;

	fake_init(f, entries);
	fake_start(f, mode);
	rc = vgpu_guest_open(f->path, 2000, g, err, sizeof(err));
	if (rc)
		VTEST_LOG("open: %s", err);
	ASSERT_EQ(0, rc);
}

TEST(vgpu_guest_open_maps_layout)
{
	struct vgpu_guest g;
	struct fake f;
	int before = vrc_count_open_fds();

	open_ok(&f, &g, VGPU_SHM_RING_ENTRIES, FAKE_IDLE);
	ASSERT_EQ(1, g.ivs.my_id);
	ASSERT_EQ((size_t)SHM_SIZE, g.shm_size);
	ASSERT_EQ(VGPU_SHM_MAGIC, g.hdr->magic);
	ASSERT_EQ((uintptr_t)g.shm + REGS_OFF, (uintptr_t)g.regs);
	ASSERT_EQ((uintptr_t)g.shm + RING_OFF, (uintptr_t)g.ring);
	ASSERT_EQ((uintptr_t)g.shm + VRAM_OFF, (uintptr_t)g.vram);
	ASSERT_EQ((uint64_t)(SHM_SIZE - VRAM_OFF), g.vram_size);
	ASSERT_EQ(VGPU_SHM_RING_ENTRIES, g.ring_entries);
	ASSERT_EQ(0, g.emu_id);
	ASSERT_GE(vgpu_guest_irq_fd(&g), 0);

	/* the same memory on both sides */
	g.vram[123] = 0x5a;
	ASSERT_EQ(0x5a, ((uint8_t *)f.map)[VRAM_OFF + 123]);

	/* emulator -> guest interrupt on the display vector */
	ASSERT_FALSE(readable(vgpu_guest_irq_fd(&g), 0));
	uint64_t one = 1;
	ASSERT_EQ((ssize_t)8, write(f.irq, &one, 8));
	ASSERT_TRUE(readable(vgpu_guest_irq_fd(&g), 1000));
	ASSERT_EQ(1u, vrc_eventfd_take(vgpu_guest_irq_fd(&g)));

	vgpu_guest_close(&g);
	vgpu_guest_close(&g);	/* twice is harmless */
	ASSERT_EQ(-1, vgpu_guest_irq_fd(&g));
	fake_stop(&f);
	ASSERT_EQ(before, vrc_count_open_fds());
}

TEST(vgpu_guest_writes_become_ring_records)
{
	struct vgpu_guest g;
	struct fake f;

	open_ok(&f, &g, VGPU_SHM_RING_ENTRIES, FAKE_IDLE);
	/* continue from whatever head the ring holds */
	ASSERT_EQ(0u, __atomic_load_n(&f.ring->head, __ATOMIC_ACQUIRE));
	for (uint32_t i = 0; i < 5; i++)
		ASSERT_EQ(0, vgpu_guest_write_nodb(&g, 0x70000 + 4 * i, 0x100 + i));
	ASSERT_EQ(5u, __atomic_load_n(&f.ring->head, __ATOMIC_ACQUIRE));
	ASSERT_EQ(5u, g.pending);
	for (uint32_t i = 0; i < 5; i++) {
		ASSERT_EQ(0x70000 + 4 * i, f.ring->rec[i].offset);
		ASSERT_EQ(0x100 + i, f.ring->rec[i].value);
	}
	ASSERT_FALSE(readable(f.db, 0));	/* nodb does not ring */
	ASSERT_EQ(0, vgpu_guest_doorbell(&g));
	ASSERT_TRUE(readable(f.db, 1000));
	ASSERT_EQ(1u, vrc_eventfd_take(f.db));
	ASSERT_EQ(0u, g.pending);

	ASSERT_EQ(0, vgpu_guest_write(&g, 0x70180, 0xdeadbeef));
	ASSERT_EQ(6u, __atomic_load_n(&f.ring->head, __ATOMIC_ACQUIRE));
	ASSERT_EQ(0x70180u, f.ring->rec[5].offset);
	ASSERT_EQ(0xdeadbeefu, f.ring->rec[5].value);
	ASSERT_TRUE(readable(f.db, 1000));
	ASSERT_EQ(1u, vrc_eventfd_take(f.db));
	vgpu_guest_close(&g);
	fake_stop(&f);
}

TEST(vgpu_guest_ring_wraps)
{
	struct vgpu_guest g;
	struct fake f;

	fake_init(&f, 8);
	/* a previous guest left the counters near 2^32 */
	f.ring->head = f.ring->tail = 0xfffffffeu;
	fake_start(&f, FAKE_IDLE);
	char err[256] = "";
	ASSERT_EQ(0, vgpu_guest_open(f.path, 2000, &g, err, sizeof(err)));
	for (uint32_t i = 0; i < 8; i++)
		ASSERT_EQ(0, vgpu_guest_write_nodb(&g, 4 * i, i));
	ASSERT_EQ(-EAGAIN, vgpu_guest_write_nodb(&g, 0, 0));
	ASSERT_EQ(6u, f.ring->head);
	ASSERT_EQ(0u, f.ring->rec[6].value);	/* 0xfffffffe & 7 */
	ASSERT_EQ(2u, f.ring->rec[0].value);	/* 0x100000000 & 7 */
	/* the emulator consumes 3: room for 3 more */
	__atomic_store_n(&f.ring->tail, 0xfffffffeu + 3, __ATOMIC_RELEASE);
	for (uint32_t i = 0; i < 3; i++)
		ASSERT_EQ(0, vgpu_guest_write_nodb(&g, 0, 100 + i));
	ASSERT_EQ(-EAGAIN, vgpu_guest_write_nodb(&g, 0, 0));
	ASSERT_EQ(102u, f.ring->rec[0].value);
	vgpu_guest_close(&g);
	fake_stop(&f);
}

TEST(vgpu_guest_full_ring)
{
	struct vgpu_guest g;
	struct fake f;
	int64_t t0;

	open_ok(&f, &g, 16, FAKE_IDLE);
	for (uint32_t i = 0; i < 16; i++)
		ASSERT_EQ(0, vgpu_guest_write_nodb(&g, 0x70000, i));
	ASSERT_EQ(-EAGAIN, vgpu_guest_write_nodb(&g, 0x70000, 99));
	ASSERT_EQ(16u, f.ring->head);
	/* nobody consumes: the blocking write gives up after about 1 s */
	t0 = vrc_now_ms();
	ASSERT_EQ(-ETIMEDOUT, vgpu_guest_write(&g, 0x70000, 99));
	ASSERT_GE(vrc_now_ms() - t0, 900);
	ASSERT_LT(vrc_now_ms() - t0, 3000);
	ASSERT_TRUE(readable(f.db, 0));	/* it rang before waiting */
	/* a tail ahead of head is a broken emulator */
	__atomic_store_n(&f.ring->tail, 20, __ATOMIC_RELEASE);
	ASSERT_EQ(-EIO, vgpu_guest_write_nodb(&g, 0x70000, 1));
	ASSERT_EQ(-EIO, vgpu_guest_flush(&g, 100));
	vgpu_guest_close(&g);
	fake_stop(&f);
}

TEST(vgpu_guest_full_ring_waits_for_consumer)
{
	struct vgpu_guest g;
	struct fake f;

	open_ok(&f, &g, 16, FAKE_CONSUME);
	for (uint32_t i = 0; i < 16; i++)
		ASSERT_EQ(0, vgpu_guest_write_nodb(&g, 0x70000, i));
	ASSERT_EQ(0, vgpu_guest_write(&g, 0x70004, 77));
	ASSERT_EQ(17u, __atomic_load_n(&f.ring->head, __ATOMIC_ACQUIRE));
	ASSERT_EQ(77u, f.ring->rec[0].value);
	ASSERT_EQ(0, vgpu_guest_flush(&g, 2000));
	vgpu_guest_close(&g);
	fake_stop(&f);
}

TEST(vgpu_guest_flush_waits_for_tail)
{
	struct vgpu_guest g;
	struct fake f;
	int64_t t0;

	open_ok(&f, &g, VGPU_SHM_RING_ENTRIES, FAKE_CONSUME);
	ASSERT_EQ(0, vgpu_guest_flush(&g, 0));	/* empty: at once */
	for (uint32_t i = 0; i < 10; i++)
		ASSERT_EQ(0, vgpu_guest_write_nodb(&g, 0x70000, i));
	/* flush rings for the pending records, then waits the ~100 ms */
	t0 = vrc_now_ms();
	ASSERT_EQ(0, vgpu_guest_flush(&g, 2000));
	ASSERT_GE(vrc_now_ms() - t0, 80);
	ASSERT_EQ(10u, __atomic_load_n(&f.ring->tail, __ATOMIC_ACQUIRE));
	vgpu_guest_close(&g);
	fake_stop(&f);
}

TEST(vgpu_guest_flush_times_out)
{
	struct vgpu_guest g;
	struct fake f;
	int64_t t0;

	open_ok(&f, &g, VGPU_SHM_RING_ENTRIES, FAKE_IDLE);
	ASSERT_EQ(0, vgpu_guest_write(&g, 0x70000, 1));
	t0 = vrc_now_ms();
	ASSERT_EQ(-ETIMEDOUT, vgpu_guest_flush(&g, 200));
	ASSERT_GE(vrc_now_ms() - t0, 190);
	ASSERT_LT(vrc_now_ms() - t0, 2000);
	ASSERT_EQ(-EINVAL, vgpu_guest_flush(&g, -1));
	vgpu_guest_close(&g);
	fake_stop(&f);
}

TEST(vgpu_guest_shadow_reads)
{
	struct vgpu_guest g;
	struct fake f;
	volatile uint32_t *shadow;
	const uint32_t last = VRC_REG_WINDOW_BASE + VRC_REG_WINDOW_SIZE - 4;

	open_ok(&f, &g, VGPU_SHM_RING_ENTRIES, FAKE_IDLE);
	shadow = (volatile uint32_t *)((uint8_t *)f.map + REGS_OFF);
	shadow[0] = 0x11111111;
	shadow[(0x70008 - VRC_REG_WINDOW_BASE) / 4] = 0x12345678;
	shadow[VRC_REG_WINDOW_SIZE / 4 - 1] = 0xcafef00d;
	ASSERT_EQ(0x11111111u, vgpu_guest_read(&g, VRC_REG_WINDOW_BASE));
	ASSERT_EQ(0x12345678u, vgpu_guest_read(&g, 0x70008));
	ASSERT_EQ(0xcafef00du, vgpu_guest_read(&g, last));
	ASSERT_EQ(0u, vgpu_guest_read(&g, last + 4));
	ASSERT_EQ(0u, vgpu_guest_read(&g, VRC_REG_WINDOW_BASE - 4));
	ASSERT_EQ(0u, vgpu_guest_read(&g, 0x70009));
	ASSERT_EQ(0u, vgpu_guest_read(&g, 0));
	ASSERT_EQ(0u, vgpu_guest_read(&g, 0xfffffffcu));
	/* the shadow is live: a later emulator update shows at once */
	shadow[(0x70008 - VRC_REG_WINDOW_BASE) / 4] = 0x87654321;
	ASSERT_EQ(0x87654321u, vgpu_guest_read(&g, 0x70008));
	/* a changed header after open does not move the window */
	f.hdr->regs_size = 0xfffffff0u;
	f.hdr->ring_entries = 1u << 31;
	ASSERT_EQ(0u, vgpu_guest_read(&g, last + 4));
	ASSERT_EQ(0, vgpu_guest_write_nodb(&g, 0x70000, 5));
	ASSERT_EQ(5u, f.ring->rec[0].value);
	vgpu_guest_close(&g);
	fake_stop(&f);
}

/* ------------------------------------------------------- malformed headers */

enum breakage {
	BAD_MAGIC, BAD_VERSION, BAD_HEADER_SIZE, RING_OUTSIDE, RING_HUGE,
	RING_NOT_POW2, RING_ZERO, RING_UNALIGNED, REGS_OUTSIDE, REGS_UNALIGNED,
	REGS_IN_HEADER, VRAM_OUTSIDE, VRAM_OVERLAPS_RING, EMU_UNKNOWN,
	EMU_IS_US, NUM_PIPES, NUM_BREAKAGES
};

static const char *const expect_field[NUM_BREAKAGES] = {
	[BAD_MAGIC] = "magic",
	[BAD_VERSION] = "version",
	[BAD_HEADER_SIZE] = "header_size",
	[RING_OUTSIDE] = "ring_offset",
	[RING_HUGE] = "ring_offset",
	[RING_NOT_POW2] = "ring_entries",
	[RING_ZERO] = "ring_entries",
	[RING_UNALIGNED] = "ring_offset",
	[REGS_OUTSIDE] = "regs_offset",
	[REGS_UNALIGNED] = "regs_base",
	[REGS_IN_HEADER] = "regs_offset",
	[VRAM_OUTSIDE] = "vram_offset",
	[VRAM_OVERLAPS_RING] = "vram_offset",
	[EMU_UNKNOWN] = "emu_peer_id",
	[EMU_IS_US] = "emu_peer_id",
	[NUM_PIPES] = "num_pipes",
};

static void break_header(struct vgpu_shm_header *h, enum breakage b)
{
	switch (b) {
	case BAD_MAGIC:		h->magic = 0x12345678; break;
	case BAD_VERSION:	h->version = 99; break;
	case BAD_HEADER_SIZE:	h->header_size = 64; break;
	case RING_OUTSIDE:	h->ring_offset = SHM_SIZE - 64; break;
	case RING_HUGE:		h->ring_entries = 1u << 31; break;
	case RING_NOT_POW2:	h->ring_entries = 1000; break;
	case RING_ZERO:		h->ring_entries = 0; break;
	case RING_UNALIGNED:	h->ring_offset += 4; break;
	case REGS_OUTSIDE:	h->regs_offset = 0xffffffffffff0000ull; break;
	case REGS_UNALIGNED:	h->regs_base += 2; break;
	case REGS_IN_HEADER:	h->regs_offset = 0; break;
	case VRAM_OUTSIDE:	h->vram_size = SHM_SIZE; break;
	case VRAM_OVERLAPS_RING: h->vram_offset = RING_OFF + 4096; h->vram_size = 4096; break;
	case EMU_UNKNOWN:	h->emu_peer_id = 7; break;
	case EMU_IS_US:		h->emu_peer_id = 1; break;
	case NUM_PIPES:		h->num_pipes = 5; break;
	case NUM_BREAKAGES:	break;
	}
}

TEST(vgpu_guest_rejects_malformed_headers)
{
	int before = vrc_count_open_fds();

	for (int b = 0; b < NUM_BREAKAGES; b++) {
		struct vgpu_guest g;
		struct fake f;
		char err[256] = "";
		int rc;

		fake_init(&f, VGPU_SHM_RING_ENTRIES);
		break_header(f.hdr, (enum breakage)b);
		fake_start(&f, FAKE_IDLE);
		rc = vgpu_guest_open(f.path, 2000, &g, err, sizeof(err));
		VTEST_LOG("breakage %d: rc %d: %s", b, rc, err);
		ASSERT_EQ(-EPROTO, rc);
		ASSERT_TRUE(strstr(err, expect_field[b]) != NULL);
		ASSERT_TRUE(g.shm == NULL);
		ASSERT_EQ(-1, g.ivs.sock);
		fake_stop(&f);
		ASSERT_EQ(before, vrc_count_open_fds());
	}
}

TEST(vgpu_guest_open_fails_cleanly)
{
	struct vgpu_guest g;
	char err[256] = "";
	int before = vrc_count_open_fds();

	ASSERT_EQ(-ENOENT, vgpu_guest_open("/nonexistent/vrc/ivs.sock", 100, &g,
					   err, sizeof(err)));
	ASSERT_TRUE(err[0] != 0);
	ASSERT_EQ(-EBADF, vgpu_guest_write_nodb(&g, 0, 0));
	ASSERT_EQ(-EBADF, vgpu_guest_doorbell(&g));
	ASSERT_EQ(-EBADF, vgpu_guest_flush(&g, 0));
	ASSERT_EQ(0u, vgpu_guest_read(&g, VRC_REG_WINDOW_BASE));
	ASSERT_EQ(-1, vgpu_guest_irq_fd(&g));
	vgpu_guest_close(&g);
	ASSERT_EQ(before, vrc_count_open_fds());
}

VTEST_MAIN()
