// SPDX-License-Identifier: MIT
/*
 * The process guest (vgpu/guest.h): joins vgpu-sim's ivshmem server as a
 * client, maps the shared memory and drives the emulated vGPU through the
 * register shadow and the write ring, like the vdisp guest driver does.
 *
 * The shm header is written by the emulator and untrusted: it is validated
 * once at open, and everything later uses the validated copies kept in
 * struct vgpu_guest, so a header changed behind our back cannot send an
 * access outside the mapping.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vgpu/guest.h"
#include "vrc/util.h"

/* Bound of vgpu_guest_write's wait for room in a full ring. */
#define VGPU_GUEST_WRITE_WAIT_MS	1000
#define VGPU_GUEST_SLEEP_US		50

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool inside(uint64_t off, uint64_t size, uint64_t total)
{
	return off <= total && size <= total - off;
}

/* Both ranges already lie inside the shm, so the sums cannot wrap. */
static bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

/* One area [off, +size) of the shm: aligned, after the header, inside. */
static int check_area(const char *field, uint64_t off, uint64_t size,
		      uint64_t align, uint32_t header_size, size_t shm_size,
		      char *err, size_t errlen)
{
	if (off % align) {
		vrc_seterr(err, errlen, "vgpu shm: %s %#llx not %llu-byte aligned",
		       field, (unsigned long long)off, (unsigned long long)align);
		return -EPROTO;
	}
	if (off < header_size) {
		vrc_seterr(err, errlen, "vgpu shm: %s %#llx overlaps the %#x-byte header",
		       field, (unsigned long long)off, header_size);
		return -EPROTO;
	}
	if (!inside(off, size, shm_size)) {
		vrc_seterr(err, errlen,
		       "vgpu shm: %s %#llx + %#llx bytes lies outside the %#zx-byte shm",
		       field, (unsigned long long)off, (unsigned long long)size,
		       shm_size);
		return -EPROTO;
	}
	return 0;
}

static int check_header(const struct vgpu_shm_header *h, size_t shm_size,
			const struct ivshmem_client *ivs, char *err, size_t errlen)
{
	uint64_t ring_bytes;
	int rc;

	if (h->magic != VGPU_SHM_MAGIC) {
		vrc_seterr(err, errlen, "vgpu shm: bad magic %#x (want %#x)",
		       h->magic, VGPU_SHM_MAGIC);
		return -EPROTO;
	}
	if (h->version != VGPU_SHM_VERSION) {
		vrc_seterr(err, errlen, "vgpu shm: unsupported version %u (want %u)",
		       h->version, VGPU_SHM_VERSION);
		return -EPROTO;
	}
	if (h->header_size != VGPU_SHM_HEADER_SIZE) {
		vrc_seterr(err, errlen, "vgpu shm: bad header_size %u (want %u)",
		       h->header_size, VGPU_SHM_HEADER_SIZE);
		return -EPROTO;
	}
	if (h->num_pipes > sizeof(h->pipe) / sizeof(h->pipe[0])) {
		vrc_seterr(err, errlen, "vgpu shm: num_pipes %u exceeds %zu",
		       h->num_pipes, sizeof(h->pipe) / sizeof(h->pipe[0]));
		return -EPROTO;
	}

	/* register shadow */
	if (!h->regs_size || h->regs_size % 4 || h->regs_base % 4 ||
	    (uint64_t)h->regs_base + h->regs_size > (1ull << 32)) {
		vrc_seterr(err, errlen,
		       "vgpu shm: bad regs_base/regs_size %#x/%#x (4-byte aligned, non-empty, below 4 GiB)",
		       h->regs_base, h->regs_size);
		return -EPROTO;
	}
	rc = check_area("regs_offset", h->regs_offset, h->regs_size, 4,
			h->header_size, shm_size, err, errlen);
	if (rc)
		return rc;

	/* write ring */
	if (!h->ring_entries || (h->ring_entries & (h->ring_entries - 1))) {
		vrc_seterr(err, errlen, "vgpu shm: ring_entries %u is not a power of two",
		       h->ring_entries);
		return -EPROTO;
	}
	ring_bytes = sizeof(struct vgpu_ring) +
		     (uint64_t)h->ring_entries * sizeof(struct vgpu_ring_rec);
	rc = check_area("ring_offset", h->ring_offset, ring_bytes, 64,
			h->header_size, shm_size, err, errlen);
	if (rc)
		return rc;

	/* VRAM */
	rc = check_area("vram_offset", h->vram_offset, h->vram_size, 1,
			h->header_size, shm_size, err, errlen);
	if (rc)
		return rc;

	if (overlap(h->regs_offset, h->regs_size, h->ring_offset, ring_bytes)) {
		vrc_seterr(err, errlen, "vgpu shm: regs_offset and ring_offset areas overlap");
		return -EPROTO;
	}
	if (overlap(h->regs_offset, h->regs_size, h->vram_offset, h->vram_size)) {
		vrc_seterr(err, errlen, "vgpu shm: regs_offset and vram_offset areas overlap");
		return -EPROTO;
	}
	if (overlap(h->ring_offset, ring_bytes, h->vram_offset, h->vram_size)) {
		vrc_seterr(err, errlen, "vgpu shm: ring_offset and vram_offset areas overlap");
		return -EPROTO;
	}

	/* the emulator peer we ring */
	if (h->emu_peer_id >= IVSHMEM_MAX_PEERS ||
	    h->emu_peer_id == ivs->my_id ||
	    ivs->peer_nvec[h->emu_peer_id] <= VGPU_DOORBELL_VEC) {
		vrc_seterr(err, errlen,
		       "vgpu shm: emu_peer_id %u is not a known peer with a doorbell vector (our id %u)",
		       h->emu_peer_id, ivs->my_id);
		return -EPROTO;
	}
	return 0;
}

static void guest_reset(struct vgpu_guest *g)
{
	memset(g, 0, sizeof(*g));
	g->ivs.sock = -1;
	g->ivs.shm_fd = -1;
	for (unsigned i = 0; i < IVSHMEM_MAX_PEERS; i++)
		for (unsigned k = 0; k < IVSHMEM_MAX_VECTORS; k++)
			g->ivs.peer_fd[i][k] = -1;
}

int vgpu_guest_open(const char *ivshmem_path, int timeout_ms,
		    struct vgpu_guest *g, char *err, size_t errlen)
{
	struct vgpu_shm_header h;
	void *shm;
	int rc;

	if (!g) {
		vrc_seterr(err, errlen, "vgpu guest: no guest");
		return -EINVAL;
	}
	guest_reset(g);
	rc = ivshmem_client_connect(ivshmem_path, VGPU_NUM_VECTORS, timeout_ms,
				    &g->ivs, err, errlen);
	if (rc)
		return rc;

	shm = mmap(NULL, g->ivs.shm_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   g->ivs.shm_fd, 0);
	if (shm == MAP_FAILED) {
		rc = -errno;
		vrc_seterr(err, errlen, "vgpu guest: mmap of %zu bytes of shm: %s",
		       g->ivs.shm_size, strerror(errno));
		goto fail;
	}
	g->shm = shm;
	g->shm_size = g->ivs.shm_size;

	/* One snapshot, validated and used from here on. */
	memcpy(&h, shm, sizeof(h));
	rc = check_header(&h, g->shm_size, &g->ivs, err, errlen);
	if (rc)
		goto fail;

	g->hdr = shm;
	g->regs = (volatile uint32_t *)((uint8_t *)shm + h.regs_offset);
	g->ring = (struct vgpu_ring *)((uint8_t *)shm + h.ring_offset);
	g->vram = (uint8_t *)shm + h.vram_offset;
	g->vram_size = h.vram_size;
	g->ring_entries = h.ring_entries;
	g->regs_base = h.regs_base;
	g->regs_size = h.regs_size;
	g->emu_id = (uint16_t)h.emu_peer_id;
	g->head = __atomic_load_n(&g->ring->head, __ATOMIC_ACQUIRE);
	g->pending = 0;
	return 0;

fail:
	vgpu_guest_close(g);
	return rc;
}

void vgpu_guest_close(struct vgpu_guest *g)
{
	if (!g)
		return;
	if (g->shm)
		munmap(g->shm, g->shm_size);
	ivshmem_client_close(&g->ivs);
	guest_reset(g);
}

int vgpu_guest_write_nodb(struct vgpu_guest *g, uint32_t offset, uint32_t value)
{
	struct vgpu_ring_rec *rec;
	uint32_t tail, used;

	if (!g || !g->ring)
		return -EBADF;
	tail = __atomic_load_n(&g->ring->tail, __ATOMIC_ACQUIRE);
	used = g->head - tail;
	if (used == g->ring_entries)
		return -EAGAIN;
	if (used > g->ring_entries)
		return -EIO;	/* tail ahead of head: a broken emulator */
	rec = &g->ring->rec[g->head & (g->ring_entries - 1)];
	__atomic_store_n(&rec->offset, offset, __ATOMIC_RELAXED);
	__atomic_store_n(&rec->value, value, __ATOMIC_RELAXED);
	g->head++;
	__atomic_store_n(&g->ring->head, g->head, __ATOMIC_RELEASE);
	g->pending++;
	return 0;
}

int vgpu_guest_doorbell(struct vgpu_guest *g)
{
	int rc;

	if (!g || !g->ring)
		return -EBADF;
	rc = ivshmem_client_ring(&g->ivs, g->emu_id, VGPU_DOORBELL_VEC);
	if (!rc)
		g->pending = 0;
	return rc;
}

int vgpu_guest_write(struct vgpu_guest *g, uint32_t offset, uint32_t value)
{
	int64_t deadline;
	int rc;

	rc = vgpu_guest_write_nodb(g, offset, value);
	if (rc == -EAGAIN) {
		/* Full: make the emulator drain it, then wait for room. */
		rc = vgpu_guest_doorbell(g);
		if (rc && rc != -EAGAIN)
			return rc;
		deadline = now_us() + VGPU_GUEST_WRITE_WAIT_MS * 1000;
		do {
			usleep(VGPU_GUEST_SLEEP_US);
			rc = vgpu_guest_write_nodb(g, offset, value);
		} while (rc == -EAGAIN && now_us() < deadline);
		if (rc == -EAGAIN)
			return -ETIMEDOUT;
	}
	if (rc)
		return rc;
	return vgpu_guest_doorbell(g);
}

uint32_t vgpu_guest_read(const struct vgpu_guest *g, uint32_t offset)
{
	uint32_t rel;

	if (!g || !g->regs || offset % 4 || offset < g->regs_base)
		return 0;
	rel = offset - g->regs_base;
	if (rel >= g->regs_size)
		return 0;
	return g->regs[rel / 4];
}

int vgpu_guest_flush(struct vgpu_guest *g, int timeout_ms)
{
	int64_t deadline;
	int rc;

	if (!g || !g->ring)
		return -EBADF;
	if (timeout_ms < 0)
		return -EINVAL;
	/* Records appended without a doorbell would never be consumed. */
	if (g->pending) {
		rc = vgpu_guest_doorbell(g);
		if (rc && rc != -EAGAIN)
			return rc;
	}
	deadline = now_us() + (int64_t)timeout_ms * 1000;
	for (;;) {
		uint32_t tail = __atomic_load_n(&g->ring->tail, __ATOMIC_ACQUIRE);

		if (tail == g->head)
			return 0;
		if (g->head - tail > g->ring_entries)
			return -EIO;
		if (now_us() >= deadline)
			return -ETIMEDOUT;
		usleep(VGPU_GUEST_SLEEP_US);
	}
}

int vgpu_guest_irq_fd(const struct vgpu_guest *g)
{
	if (!g || g->ivs.sock < 0 || g->ivs.my_id >= IVSHMEM_MAX_PEERS ||
	    g->ivs.peer_nvec[g->ivs.my_id] <= VGPU_VEC_DISPLAY)
		return -1;
	return g->ivs.peer_fd[g->ivs.my_id][VGPU_VEC_DISPLAY];
}
