// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the emulated vGPU: a real vgpu on a 4 MiB memfd shm,
 * driven by an operation stream decoded from the input: guest ring records
 * with arbitrary head/tail, scribbles over the header, shadow and ring,
 * vblank ticks, region reads/writes, SET_IRQS with arbitrary bytes and real
 * fds (eventfds, blocking ones nearly saturated, pipes, memfds), plane
 * queries. Nothing may crash, leak (memory or fds) or block.
 *
 * Input: byte 0 model, byte 1 abi, then ops until the input runs out.
 * The kernel-VER models run the reference series' code: a device they
 * leave dead (a WARN in it) is a finding too.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vrc/i915_regs.h"
#include "harness/vgpu-sim/vgpu.h"

#define SHM_SIZE	(4u << 20)
#define MAX_OPS		2048u
#define PRE_VRAM	(1u << 20)	/* header, shadow and ring live below */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t *shm;
static int shm_fd = -1;
static uint8_t iobuf[1u << 16];

static uint64_t take(struct in *in, unsigned bytes)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		x |= (uint64_t)in->p[0] << (8 * i);
	return x;
}

#define get8(in)	((uint8_t)take(in, 1))
#define get16(in)	((uint16_t)take(in, 2))
#define get32(in)	((uint32_t)take(in, 4))
#define get64(in)	take(in, 8)

static void fill(struct in *in, void *dst, size_t len)
{
	size_t n = len < in->n ? len : in->n;

	memset(dst, 0, len);
	memcpy(dst, in->p, n);
	in->p += n;
	in->n -= n;
}

/* Mostly registers that do something, sometimes anything at all. */
static uint32_t pick_offset(struct in *in)
{
	static const uint32_t regs[] = {
		0x70008, 0x70040, 0x70080, 0x70084, 0x70088, 0x70180,
		0x70188, 0x70190, 0x7019c, 0x6001c,
	};
	uint8_t sel = get8(in);

	if (sel < 200)
		return regs[sel % 10] + VRC_PIPE_STRIDE * (get8(in) % 4);
	if (sel < 230)
		return VRC_REG_WINDOW_BASE + (get32(in) % (VRC_REG_WINDOW_SIZE + 16));
	return get32(in);
}

static uint32_t pick_value(struct in *in)
{
	static const uint32_t vals[] = {
		0, VRC_PIPECONF_ENABLE, VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB8888,
		VRC_PLANE_CTL_ENABLE | VRC_PLANE_CTL_FORMAT_XRGB8888 | VRC_PLANE_CTL_ASYNC_FLIP,
		VRC_CURSOR_MODE_64_ARGB, VRC_CURSOR_MODE_256_ARGB | VRC_CURCNTR_V6_ASYNC,
		(479u << 16) | 639u, 2560, 0x1000, 0x200000, 0xfffff000u,
	};
	uint8_t sel = get8(in);

	return sel < 128 ? vals[sel % 11] : get32(in);
}

static void op_ring(struct in *in)
{
	struct vgpu_ring *r = (struct vgpu_ring *)(shm + 0x15000);
	unsigned n = get8(in) % 16;

	for (unsigned i = 0; i < n; i++) {
		struct vgpu_ring_rec *rec = &r->rec[(r->head + i) & (VGPU_SHM_RING_ENTRIES - 1)];

		rec->offset = pick_offset(in);
		rec->value = pick_value(in);
	}
	switch (get8(in) % 4) {
	case 0:
		__atomic_store_n(&r->head, r->head + n, __ATOMIC_RELEASE);
		break;
	case 1:
		r->head = get32(in);
		break;
	case 2:
		r->tail = get32(in);
		break;
	default:
		r->head += get16(in);
		break;
	}
}

static void op_scribble(struct in *in)
{
	uint32_t off = get32(in) % PRE_VRAM;
	uint32_t len = get8(in) % 64;

	if (len > PRE_VRAM - off)
		len = PRE_VRAM - off;
	fill(in, shm + off, len);
}

static uint32_t pick_count(struct in *in)
{
	static const uint32_t counts[] = { 1, 2, 4, 8, 0, 3, 16, 256, 4096 };
	uint8_t sel = get8(in);

	return sel < 200 ? counts[sel % 9] : get16(in);
}

static uint64_t pick_region_off(struct in *in)
{
	uint8_t sel = get8(in);

	if (sel < 128)
		return pick_offset(in);
	if (sel < 192)
		return get16(in);
	return get64(in);
}

static void op_region(struct vgpu *v, struct in *in, bool write)
{
	uint32_t region = get8(in) % 10;
	uint64_t off = pick_region_off(in);
	uint32_t count = pick_count(in);

	if (write) {
		fill(in, iobuf, count < 8 ? count : 8);
		vgpu_region_write(v, region, off, iobuf, count);
	} else {
		vgpu_region_read(v, region, off, iobuf, count);
	}
}

static int make_fd(struct in *in)
{
	uint64_t fill_val = VRC_EVENTFD_MAX - 3;
	int p[2], fd;

	switch (get8(in) % 5) {
	case 0:
		return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	case 1:
		/* blocking and nearly full: a write would hang the sim */
		fd = eventfd(0, EFD_CLOEXEC);
		if (fd >= 0 && write(fd, &fill_val, 8) != 8)
			abort();
		return fd;
	case 2:
		return eventfd(0, EFD_CLOEXEC);
	case 3:
		if (pipe2(p, O_CLOEXEC))
			return -1;
		close(p[1]);
		return p[0];
	default:
		return memfd_create("fuzz-fd", MFD_CLOEXEC);
	}
}

static void op_set_irqs(struct vgpu *v, struct in *in)
{
	struct vfu_irq_set req;
	uint8_t data[8];
	size_t datalen = get8(in) % 9, nfds = get8(in) % 4;
	int fds[3];

	fill(in, &req, sizeof(req));
	if (get8(in) & 1) {
		req.index = VGPU_DISPLAY_IRQ;
		req.argsz = sizeof(req);
		req.start = 0;
		req.count %= 4;
		req.flags &= 0x3f;
	}
	fill(in, data, sizeof(data));
	for (size_t i = 0; i < nfds; i++)
		fds[i] = make_fd(in);
	vgpu_set_irqs(v, &req, data, datalen, fds, nfds);
}

static void op_query(struct vgpu *v, struct in *in)
{
	struct vfio_device_gfx_plane_info p;
	uint64_t off, size;

	fill(in, &p, sizeof(p));
	if (get8(in) & 1) {
		p.argsz = sizeof(p);
		p.flags = VFIO_GFX_PLANE_TYPE_DMABUF;
		p.drm_plane_type = 1 + get8(in) % 2;
	}
	if (!vgpu_query_plane(v, &p) && p.drm_format &&
	    !vgpu_get_dmabuf(v, p.dmabuf_id, &off, &size) &&
	    (off < PRE_VRAM || off > SHM_SIZE || size > SHM_SIZE - off))
		abort();	/* a dmabuf outside VRAM */
}

static void op_irq_info(struct vgpu *v, struct in *in)
{
	uint32_t index = get8(in) % 8, argsz = get8(in);
	size_t len = 0;

	if (!vgpu_irq_info(v, index, argsz, iobuf, argsz, &len) && len > argsz)
		abort();
}

static void op_info(struct vgpu *v, struct in *in)
{
	struct vfu_device_info di;
	struct vfu_region_info ri;
	int fd;

	vgpu_device_info(v, &di);
	vgpu_region_info(v, get8(in) % 12, &ri, &fd);
	(void)vgpu_mmio_read(v, pick_offset(in));
	(void)vgpu_ring_errors(v);
	(void)vgpu_dead_reason(v);
}

static void run_op(struct vgpu *v, struct in *in)
{
	uint64_t off, size;

	switch (get8(in) % 15) {
	case 0: op_ring(in); break;
	case 1: op_scribble(in); break;
	case 2:
		for (unsigned n = get8(in) % 8 + 1; n; n--)
			vgpu_vblank(v);
		break;
	case 3: op_region(v, in, false); break;
	case 4: op_region(v, in, true); break;
	case 5: op_set_irqs(v, in); break;
	case 6: op_query(v, in); break;
	case 7: vgpu_get_dmabuf(v, get8(in) % 24, &off, &size); break;
	case 8: vgpu_mmio_write(v, pick_offset(in), pick_value(in)); break;
	case 9: op_irq_info(v, in); break;
	case 10: vgpu_reset(v); break;
	case 11: vgpu_client_closed(v); break;
	case 12: vgpu_drain_ring(v); break;
	case 13: op_info(v, in); break;
	default:
		vgpu_mmio_write(v, VRC_PLANE_SURF(get8(in) % 3), pick_value(in));
		break;
	}
}

/* The lowest free fd number: it moves if fds leak or foreign ones close. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		abort();
	close(fd);
	return fd;
}

static void setup_shm(void)
{
	if (shm)
		return;
	shm_fd = memfd_create("fuzz-vgpu", MFD_CLOEXEC);
	if (shm_fd < 0 || ftruncate(shm_fd, SHM_SIZE))
		abort();
	shm = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm == MAP_FAILED)
		abort();
}

static void notify(void *ctx)
{
	(*(unsigned *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum vrc_abi abis[] = { VRC_ABI_UNKNOWN, VRC_ABI_V5, VRC_ABI_V6, VRC_ABI_V7 };
	struct in in = { data, size };
	struct vgpu_global global = { 0 };
	struct vgpu_config cfg = { 0 };
	struct vgpu *v;
	unsigned nmodels = 0, notified = 0;
	char err[256];
	int fd_mark;

	setup_shm();
	fd_mark = lowest_free_fd();
	while (vgpu_model_at(nmodels))
		nmodels++;
	cfg.model = vgpu_model_at(get8(&in) % nmodels);
	cfg.abi = abis[get8(&in) % 4];
	if (cfg.model->kernel)	/* a series speaks its kernel's abi only */
		cfg.abi = VRC_ABI_UNKNOWN;
	cfg.shm = shm;
	cfg.shm_size = SHM_SIZE;
	cfg.shm_fd = shm_fd;
	cfg.global = &global;
	cfg.notify_guest = notify;
	cfg.notify_ctx = &notified;
	if (vgpu_create(&cfg, &v, err, sizeof(err)))
		abort();
	for (unsigned i = 0; i < MAX_OPS && in.n; i++)
		run_op(v, &in);
	/* the series' code died of a WARN, a lock rule or a bad copy: a bug */
	if (cfg.model->kernel && vgpu_dead(v))
		abort();
	vgpu_destroy(v);
	if (lowest_free_fd() != fd_mark)
		abort();	/* an fd leaked, or one not ours was closed */
	return 0;
}
