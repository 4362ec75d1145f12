// SPDX-License-Identifier: MIT
/*
 * One emulated vGPU: shared-memory layout, register file and traps, the
 * guest's write ring and the per-vblank event logic of SPEC §2, selected by
 * the model's traits. Irq plumbing is in vgpu_irq.c, regions and planes in
 * vgpu_dev.c.
 *
 * The guest can write any byte of the shared memory at any time: we keep
 * our own copy of everything we need (layout, ring tail, registers) and
 * only ever publish into shm, never read back from it except the ring's
 * head and records, which are bounded before use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_priv.h"
#include "vrc/caps.h"

/* ---- shared memory */

static struct vgpu_shm_header *shm_hdr(const struct vgpu *v)
{
	return (struct vgpu_shm_header *)v->shm;
}

static struct vgpu_ring *shm_ring(const struct vgpu *v)
{
	return (struct vgpu_ring *)(v->shm + v->ring_off);
}

/* The guest reads these concurrently: publish whole words. */
static void shm_put32(vgpu_u32 *p, uint32_t val)
{
	__atomic_store_n(p, val, __ATOMIC_RELEASE);
}

static void status_bump(vgpu_u32 *p)
{
	shm_put32(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static int layout(struct vgpu *v, size_t shm_size, char *err, size_t errlen)
{
	uint64_t ring_bytes = sizeof(struct vgpu_ring) +
			      (uint64_t)VGPU_SHM_RING_ENTRIES * sizeof(struct vgpu_ring_rec);

	v->regs_off = VGPU_SHM_HEADER_SIZE;
	v->ring_off = align_up(v->regs_off + VRC_REG_WINDOW_SIZE, VGPU_PAGE);
	v->vram_off = align_up(v->ring_off + ring_bytes, VGPU_VRAM_ALIGN);
	v->ring_entries = VGPU_SHM_RING_ENTRIES;
	if (!shm_size || (shm_size & (shm_size - 1))) {
		snprintf(err, errlen,
			 "shared memory size %zu is not a power of two (QEMU's ivshmem requires one)",
			 shm_size);
		return -EINVAL;
	}
	if (shm_size < v->vram_off + VGPU_VRAM_ALIGN) {
		snprintf(err, errlen,
			 "shared memory of %zu bytes is too small: the layout needs %llu bytes before VRAM and at least 1 MiB of VRAM",
			 shm_size, (unsigned long long)v->vram_off);
		return -EINVAL;
	}
	v->vram_size = shm_size - v->vram_off;
	return 0;
}

static void shm_init(struct vgpu *v, uint32_t hz_milli)
{
	struct vgpu_shm_header *h = shm_hdr(v);

	memset(v->shm, 0, v->vram_off);
	h->version = VGPU_SHM_VERSION;
	h->header_size = VGPU_SHM_HEADER_SIZE;
	h->emu_peer_id = 0;
	h->instance = v->instance;
	h->num_pipes = VRC_NUM_PIPES;
	h->regs_base = VRC_REG_WINDOW_BASE;
	h->regs_size = VRC_REG_WINDOW_SIZE;
	h->regs_offset = v->regs_off;
	h->ring_offset = v->ring_off;
	h->vram_offset = v->vram_off;
	h->vram_size = v->vram_size;
	h->ring_entries = v->ring_entries;
	h->vblank_hz_milli = hz_milli;
	h->crc_entries = VGPU_CRC_ENTRIES;
	/* magic last: a guest polling the header sees a complete one */
	shm_put32(&h->magic, VGPU_SHM_MAGIC);
}

/* ---- lifetime and accessors */

static enum vrc_abi pick_abi(const struct vgpu_config *cfg)
{
	enum vrc_abi abi = cfg->abi ? cfg->abi : cfg->model->default_abi;

	if (abi != VRC_ABI_V5 && abi != VRC_ABI_V6 && abi != VRC_ABI_V7)
		return VRC_ABI_UNKNOWN;
	return abi;
}

int vgpu_create(const struct vgpu_config *cfg, struct vgpu **out,
		char *err, size_t errlen)
{
	struct vgpu *v;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!cfg || !out || !cfg->model || !cfg->shm) {
		snprintf(err, errlen, "vgpu: no model or no shared memory");
		return -EINVAL;
	}
	if (pick_abi(cfg) == VRC_ABI_UNKNOWN) {
		snprintf(err, errlen, "vgpu: unknown abi %d (want 5, 6 or 7)", (int)cfg->abi);
		return -EINVAL;
	}
	if (cfg->model->kernel && pick_abi(cfg) != cfg->model->default_abi) {
		snprintf(err, errlen, "vgpu: model %s implements abi %s only",
			 cfg->model->name, vrc_abi_str(cfg->model->default_abi));
		return -EINVAL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "vgpu: out of memory");
		return -ENOMEM;
	}
	rc = layout(v, cfg->shm_size, err, errlen);
	if (rc) {
		free(v);
		return rc;
	}
	v->model = cfg->model;
	v->traits = cfg->model->traits;
	v->abi = pick_abi(cfg);
	v->instance = cfg->instance;
	v->shm = cfg->shm;
	v->shm_size = cfg->shm_size;
	v->shm_fd = cfg->shm_fd;
	v->global = cfg->global;
	v->notify_guest = cfg->notify_guest;
	v->notify_ctx = cfg->notify_ctx;
	v->next_dmabuf_id = 1;
	if (cfg->model->kernel) {
		v->kops = cfg->model->kernel;
		v->kst = v->kops->create(v);
		if (!v->kst) {
			snprintf(err, errlen, "vgpu: out of memory");
			free(v);
			return -ENOMEM;
		}
	}
	vgpu_irq_init(v);
	vgpu_config_init(v);
	shm_init(v, cfg->vblank_hz_milli);
	*out = v;
	return 0;
}

void vgpu_destroy(struct vgpu *v)
{
	if (!v)
		return;
	if (v->kops)
		v->kops->destroy(v->kst);
	vgpu_irq_fini(v);
	free(v);
}

enum vrc_abi vgpu_abi(const struct vgpu *v)
{
	return v->abi;
}

const struct vgpu_model *vgpu_model(const struct vgpu *v)
{
	return v->model;
}

bool vgpu_dead(const struct vgpu *v)
{
	return v->dead;
}

const char *vgpu_dead_reason(const struct vgpu *v)
{
	return v->dead ? v->dead_reason : NULL;
}

void vgpu_die(struct vgpu *v, const char *why)
{
	if (v->dead)
		return;
	v->dead = true;
	snprintf(v->dead_reason, sizeof(v->dead_reason), "%s", why);
	shm_put32(&shm_hdr(v)->dead, 1);
	if (v->notify_guest)
		v->notify_guest(v->notify_ctx);
}

uint64_t vgpu_ring_errors(const struct vgpu *v)
{
	return v->ring_errors;
}

uint64_t vgpu_vblank_count(const struct vgpu *v)
{
	return v->ticks;
}

/* CURPOS: a sign bit per axis (i915's CURSOR_POS_*_SIGN) */
#define CURPOS_X_SIGN	(1u << 15)
#define CURPOS_Y_SIGN	(1u << 31)
#define CURPOS_MAG_MAX	0xfffu	/* 12 bits of magnitude per axis */

static uint32_t curpos_magnitude(uint32_t axis)
{
	return axis & CURPOS_MAG_MAX;
}

/* ---- register file */

static bool in_window(uint32_t off)
{
	return off % 4 == 0 && off >= VRC_REG_WINDOW_BASE &&
	       off - VRC_REG_WINDOW_BASE < VRC_REG_WINDOW_SIZE;
}

void vgpu_reg_set(struct vgpu *v, uint32_t off, uint32_t val)
{
	uint32_t idx = (off - VRC_REG_WINDOW_BASE) / 4u;

	v->regs[idx] = val;
	shm_put32((vgpu_u32 *)(v->shm + v->regs_off) + idx, val);
}

uint32_t vgpu_mmio_read(const struct vgpu *v, uint32_t offset)
{
	return in_window(offset) ? vgpu_reg(v, offset) : 0;
}

static void notify(struct vgpu *v)
{
	v->guest_dirty = false;
	if (v->notify_guest)
		v->notify_guest(v->notify_ctx);
}

static void trap_surf(struct vgpu *v, unsigned p, uint32_t val, uint32_t old)
{
	struct vgpu_pipe_status *st = &shm_hdr(v)->pipe[p];

	/* same-surf: "nothing changed", although SPEC §2 queues a flip */
	if (vgpu_has(v, VM_SAME_SURF) && val == old)
		return;
	/* surf-top: the page's end in 32 bits, 0 for the highest page */
	if (vgpu_irqs_fault(v) == VGPU_IRQS_SURF_TOP && (uint32_t)(val + VGPU_PAGE) < val)
		return;
	if (vgpu_reg(v, VRC_PLANE_CTL(p)) & VRC_PLANE_CTL_ASYNC_FLIP) {
		/* async: the guest gets flip-done now, the host at the tick */
		if (!vgpu_has(v, VM_NO_ASYNC))
			v->pipe[p].async |= VGPU_EV_PRI;
		shm_put32(&st->latched_surf, val);
		status_bump(&st->flip_done_seq);
		notify(v);
	} else {
		v->pipe[p].pri_pending = true;
	}
	if (vgpu_has(v, VM_SIGNAL_AT_WRITE) && vgpu_pipe_enabled(v, p))
		vgpu_emit(v, VGPU_EV_PRI);
}

static void trap_cursor(struct vgpu *v, unsigned p, bool base)
{
	/* the v6 CURBASE index bug: every cursor lands on pipe A */
	unsigned q = vgpu_has(v, VM_CURSOR_PIPE_BUG) ? 0 : p;

	/* offscreen-cursor: a position left of or above the screen is dropped */
	if (vgpu_has(v, VM_OFFSCREEN_DROP) &&
	    (vgpu_reg(v, VRC_CURPOS(p)) & (CURPOS_X_SIGN | CURPOS_Y_SIGN)))
		return;
	/* curpos-max: the largest magnitude taken as out of range */
	if (!base && vgpu_irqs_fault(v) == VGPU_IRQS_CURPOS_MAX &&
	    (curpos_magnitude(vgpu_reg(v, VRC_CURPOS(p))) == CURPOS_MAG_MAX ||
	     curpos_magnitude(vgpu_reg(v, VRC_CURPOS(p)) >> 16) == CURPOS_MAG_MAX))
		return;
	/* v5/v6 test CURCNTR bit 9 for "async", which cursors do not have */
	if (base && vgpu_has(v, VM_PER_PIPE_LOOP) &&
	    (vgpu_reg(v, VRC_CURCNTR(p)) & VRC_CURCNTR_V6_ASYNC))
		v->pipe[q].async |= VGPU_EV_CUR;
	else
		v->pipe[q].cur_pending = true;
	if (vgpu_has(v, VM_SIGNAL_AT_WRITE) && vgpu_pipe_enabled(v, q))
		vgpu_emit(v, VGPU_EV_CUR);
}

/*
 * plane-off-on, pipe-off-on: remember a plane or pipe that went from on to
 * off (a fault only: ref traps none of these registers).
 */
static void trap_off(struct vgpu *v, unsigned p, uint32_t r, uint32_t val, uint32_t old)
{
	struct vgpu_pipe *pp = &v->pipe[p];

	if (vgpu_has(v, VM_PIPE_OFF_STICKY) && r == VRC_PIPECONF(0) &&
	    (old & VRC_PIPECONF_ENABLE) && !(val & VRC_PIPECONF_ENABLE))
		pp->was_off |= VGPU_EV_PIPE;
	if (!vgpu_has(v, VM_PLANE_OFF_STICKY))
		return;
	if (r == VRC_PLANE_CTL(0) && (old & VRC_PLANE_CTL_ENABLE) &&
	    !(val & VRC_PLANE_CTL_ENABLE))
		pp->was_off |= VGPU_EV_PRI;
	if (r == VRC_CURCNTR(0) && (old & VRC_CURSOR_MODE_MASK) && !(val & VRC_CURSOR_MODE_MASK))
		pp->was_off |= VGPU_EV_CUR;
}

/*
 * curcntr-drop, stride-drop: remember a plane whose shape changed (a fault
 * only: ref signals the flip or cursor update that arms the change like any
 * other). Setting a plane up from 0, or turning it off or on, is no change
 * of shape (plane-off-on is that fault).
 */
static void trap_reshape(struct vgpu *v, unsigned p, uint32_t r, uint32_t val, uint32_t old)
{
	struct vgpu_pipe *pp = &v->pipe[p];

	if (vgpu_plane_fault(v) == VGPU_PLANE_CURCNTR_DROP && r == VRC_CURCNTR(0) && val != old &&
	    (old & VRC_CURSOR_MODE_MASK) && (val & VRC_CURSOR_MODE_MASK))
		pp->reshaped |= VGPU_EV_CUR;
	if (vgpu_plane_fault(v) == VGPU_PLANE_STRIDE_DROP &&
	    ((r == VRC_PLANE_STRIDE(0) && old && val != old) ||
	     (r == VRC_PLANE_CTL(0) && (old & val & VRC_PLANE_CTL_ENABLE) &&
	      ((val ^ old) & (VRC_PLANE_CTL_TILED_MASK | VRC_PLANE_CTL_FORMAT_MASK)))))
		pp->reshaped |= VGPU_EV_PRI;
}

/* Pipe A's register block; pipe p's is VRC_PIPE_STRIDE * p further. */
#define PIPE_BLOCK	0x70000u

static void trap(struct vgpu *v, uint32_t off, uint32_t val, uint32_t old)
{
	unsigned p;
	uint32_t r;

	if (off < PIPE_BLOCK || off >= PIPE_BLOCK + VRC_NUM_PIPES * VRC_PIPE_STRIDE)
		return;
	p = (off - PIPE_BLOCK) / VRC_PIPE_STRIDE;
	r = off - p * VRC_PIPE_STRIDE;
	trap_off(v, p, r, val, old);
	trap_reshape(v, p, r, val, old);
	if (r == VRC_PLANE_SURF(0))
		trap_surf(v, p, val, old);
	else if ((r == VRC_CURBASE(0) || r == VRC_CURPOS(0)) && val == old &&
		 vgpu_plane_fault(v) == VGPU_PLANE_SAME_CURSOR)
		return;		/* same-cursor: "nothing changed" */
	else if (r == VRC_CURBASE(0) && vgpu_has(v, VM_TRAP_CURSOR))
		trap_cursor(v, p, true);
	else if (r == VRC_CURPOS(0) && vgpu_has(v, VM_TRAP_CURPOS))
		trap_cursor(v, p, false);
	else
		return;
	if (!v->kops)
		return;
	/* the handlers GVT runs for these registers, with the series' hooks */
	if (r == VRC_PLANE_SURF(0))
		v->kops->primary_write(v->kst, p);
	else
		v->kops->cursor_write(v->kst, off, val);
}

static bool read_only(uint32_t off)
{
	for (unsigned p = 0; p < VRC_NUM_PIPES; p++)
		if (off == VRC_PIPE_FRMCOUNT(p) || off == VRC_PIPE_CRC_RES_1(p))
			return true;
	return false;
}

int vgpu_mmio_write_checked(struct vgpu *v, uint32_t offset, uint32_t value)
{
	if (!in_window(offset))
		return -EINVAL;
	if (v->dead || read_only(offset))
		return 0;
	uint32_t old = vgpu_reg(v, offset);

	vgpu_reg_set(v, offset, value);
	trap(v, offset, value, old);
	return 0;
}

void vgpu_mmio_write(struct vgpu *v, uint32_t offset, uint32_t value)
{
	(void)vgpu_mmio_write_checked(v, offset, value);
}

/* ---- the guest's write ring */

unsigned vgpu_drain_ring(struct vgpu *v)
{
	struct vgpu_ring *ring = shm_ring(v);
	uint32_t head, n;
	unsigned done = 0;

	if (v->dead)
		return 0;
	head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
	n = head - v->ring_tail;
	if (n > v->ring_entries) {
		/* a broken guest: drop the backlog, resynchronise */
		v->ring_errors++;
		v->ring_tail = head;
		n = 0;
	}
	for (; n; n--, done++) {
		struct vgpu_ring_rec *rec =
			&ring->rec[v->ring_tail & (v->ring_entries - 1)];
		uint32_t off = __atomic_load_n(&rec->offset, __ATOMIC_RELAXED);
		uint32_t val = __atomic_load_n(&rec->value, __ATOMIC_RELAXED);

		if (vgpu_mmio_write_checked(v, off, val))
			v->ring_errors++;
		v->ring_tail++;
	}
	__atomic_store_n(&ring->tail, v->ring_tail, __ATOMIC_RELEASE);
	return done;
}

/* ---- vblank (SPEC §2) */

static uint32_t *idle_counter(struct vgpu *v)
{
	if (vgpu_has(v, VM_STATIC_IDLE) && v->global)
		return &v->global->static_idle;
	return &v->idle;
}

/*
 * Latch what was queued on pipe p since the last tick. Sync flips of a
 * disabled pipe are discarded; its async bits count only for the per-pipe
 * loop (the series code tests no enable bit there).
 */
static unsigned latch_pipe(struct vgpu *v, unsigned p, bool en)
{
	struct vgpu_pipe *pp = &v->pipe[p];
	struct vgpu_pipe_status *st = &shm_hdr(v)->pipe[p];
	unsigned ev = 0;

	if (pp->pri_pending) {
		pp->pri_pending = false;
		if (en) {
			ev |= VGPU_EV_PRI;
			shm_put32(&st->latched_surf, vgpu_reg(v, VRC_PLANE_SURF(p)));
			pp->done |= VGPU_EV_PRI;
		}
	}
	if (pp->cur_pending) {
		pp->cur_pending = false;
		if (en) {
			ev |= VGPU_EV_CUR;
			pp->done |= VGPU_EV_CUR;
		}
	}
	if (en || vgpu_has(v, VM_PER_PIPE_LOOP))
		ev |= pp->async;
	pp->async = 0;
	/* silent-pipe-b: the guest still gets its flip-done, the host nothing */
	if (p && vgpu_has(v, VM_SILENT_PIPE_B))
		ev = 0;
	/* plane-off-on, pipe-off-on: the fault forgets what was turned off */
	if (pp->was_off & VGPU_EV_PIPE)
		ev = 0;
	ev &= ~(unsigned)pp->was_off;
	/* curcntr-drop, stride-drop: the update that armed a new shape is lost */
	ev &= ~(unsigned)pp->reshaped;
	pp->reshaped = 0;
	return ev;
}

/*
 * The single-framebuffer heuristic. idle > THR fires, so after the last
 * reset THR + 1 ticks stay silent and every later flip-less tick signals.
 * Without CURSOR_RESETS_IDLE only primary updates reset idle, and a
 * cursor-only tick still counts as idle for the primary plane.
 */
static unsigned heuristic(struct vgpu *v, uint32_t *idle, unsigned ev)
{
	bool reset = vgpu_has(v, VM_CURSOR_RESETS_IDLE) ? ev != 0 :
							   (ev & VGPU_EV_PRI) != 0;

	if (reset)
		*idle = 0;
	else if (*idle > VGPU_IDLE_THR)
		ev |= VGPU_EV_PRI;
	else
		(*idle)++;
	return ev;
}

/*
 * iso-shared-mask, iso-crosstalk: one vGPU's state leaking into the others
 * through the process-wide globals (their latches reach the others at their
 * next tick).
 */
static unsigned iso_leak(struct vgpu *v, unsigned ev, unsigned flips)
{
	struct vgpu_global *g = v->global;
	unsigned me = v->instance % VGPU_GLOBAL_MAX;

	if (!g)
		return ev;
	if (vgpu_has(v, VM_ISO_CROSSTALK)) {
		ev |= g->crosstalk[me];
		g->crosstalk[me] = 0;
		for (unsigned i = 0; i < VGPU_GLOBAL_MAX; i++)
			if (i != me)
				g->crosstalk[i] |= (uint8_t)flips;
	}
	if (vgpu_has(v, VM_ISO_SHARED_MASK)) {
		if (v->masked)
			g->masked |= 1u << me;
		else
			g->masked &= ~(1u << me);
		if (g->masked & ~(1u << me))
			ev = 0;
	}
	return ev;
}

/* Early models signalled the flips at the write already. */
static void emit_tick(struct vgpu *v, unsigned ev, unsigned flips)
{
	if (vgpu_has(v, VM_SIGNAL_AT_WRITE))
		ev &= ~flips;
	vgpu_emit(v, ev);
}

/*
 * The guest reads the status while we write it: the frame count and the
 * vblank sequence go first, then the done sequences of what latched, as
 * GVT bumps PIPE_FRMCOUNT before it raises flip-done. The other order let
 * vdisp see a flip done with the previous frame count and complete its
 * event with the sequence read before the flip was submitted.
 */
static void frame_tick(struct vgpu *v, unsigned p)
{
	struct vgpu_pipe_status *st = &shm_hdr(v)->pipe[p];
	struct vgpu_pipe *pp = &v->pipe[p];
	uint32_t fc = vgpu_reg(v, VRC_PIPE_FRMCOUNT(p)) + 1;

	vgpu_reg_set(v, VRC_PIPE_FRMCOUNT(p), fc);
	vgpu_crc_tick(v, p, fc);	/* before the guest may look: with the count */
	shm_put32(&st->frame_count, fc);
	status_bump(&st->vblank_seq);
	if (pp->done & VGPU_EV_PRI)
		status_bump(&st->flip_done_seq);
	if (pp->done & VGPU_EV_CUR)
		status_bump(&st->cursor_done_seq);
	pp->done = 0;
	v->guest_dirty = true;
}

/* v5/v6: the routine runs for every pipe, enabled or not, sharing idle. */
static void tick_per_pipe(struct vgpu *v)
{
	uint32_t *idle = idle_counter(v);

	for (unsigned p = 0; p < VRC_NUM_PIPES; p++) {
		bool en = vgpu_pipe_enabled(v, p);
		unsigned flips = latch_pipe(v, p, en);
		unsigned ev = heuristic(v, idle, flips);

		if (vgpu_has(v, VM_EVERY_VBLANK) && en)
			ev |= VGPU_EV_PRI;
		emit_tick(v, ev, flips);
		if (en)
			frame_tick(v, p);
	}
}

/* ref: once per tick for the enabled pipes, at most one signal. */
static void tick_once(struct vgpu *v)
{
	unsigned flips = 0, ev;
	bool any = false;

	for (unsigned p = 0; p < VRC_NUM_PIPES; p++) {
		bool en = vgpu_pipe_enabled(v, p);

		any |= en;
		flips |= latch_pipe(v, p, en);
	}
	if (v->kops) {
		/* the series decides what to signal, as in GVT's vblank */
		v->kops->vblank(v->kst);
	} else if (any) {
		ev = heuristic(v, idle_counter(v), flips);
		if (vgpu_has(v, VM_EVERY_VBLANK))
			ev |= VGPU_EV_PRI;
		/* nor the heuristic's signals of a screen on pipe B or C alone */
		if (vgpu_has(v, VM_SILENT_PIPE_B) && !vgpu_pipe_enabled(v, 0))
			ev = 0;
		emit_tick(v, iso_leak(v, ev, flips), flips);
	}
	if (!any || v->dead)
		return;
	for (unsigned p = 0; p < VRC_NUM_PIPES; p++)
		if (vgpu_pipe_enabled(v, p))
			frame_tick(v, p);
}

void vgpu_vblank(struct vgpu *v)
{
	if (v->dead)
		return;
	vgpu_drain_ring(v);
	v->ticks++;
	vgpu_deliver_due(v);
	if (vgpu_has(v, VM_PER_PIPE_LOOP))
		tick_per_pipe(v);
	else
		tick_once(v);
	if (v->guest_dirty)
		notify(v);
}
