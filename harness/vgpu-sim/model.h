/* SPDX-License-Identifier: MIT */
/*
 * Behaviour models of the emulated vGPU's display refresh irq (SPEC §2, §5):
 * the fixed reference, the historical revisions, and the fault models the
 * suite must catch. A model is a row of traits read by one implementation of
 * the per-vblank logic (vgpu.c), igt-style: a flag table, not a fork of code.
 */
#ifndef VGPU_SIM_MODEL_H
#define VGPU_SIM_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include "vrc/uapi.h"

enum vgpu_model_trait {
	/* Per-vblank logic */
	VM_PER_PIPE_LOOP	= 1u << 0,  /* run the event logic once per pipe, all 3,
					       enabled or not, sharing `idle` (v5, v6) */
	VM_STATIC_IDLE		= 1u << 1,  /* `idle` shared by every vGPU (v5's static) */
	VM_EVERY_VBLANK		= 1u << 2,  /* signal at every vblank of an enabled pipe (v3) */
	VM_CURSOR_RESETS_IDLE	= 1u << 3,  /* a cursor signal resets `idle` (v5, v6) */
	VM_TRAP_CURSOR		= 1u << 4,  /* CURBASE writes queue a cursor flip */
	VM_TRAP_CURPOS		= 1u << 5,  /* CURPOS writes queue a cursor flip (ref) */
	VM_CURSOR_PIPE_BUG	= 1u << 6,  /* cursor flips of pipe B/C land on pipe A (curpipe) */
	VM_SIGNAL_AT_WRITE	= 1u << 7,  /* signal at the surface write, not the vblank (early) */
	VM_DUP			= 1u << 8,  /* signal twice for each flip (dup) */
	VM_BAD_VALUE		= 1u << 9,  /* v5/v6 abi: value + 1 (eventfd_signal's +1 of
					       >= 6.8 leaking into the encoding); v7: primary
					       flips also signal the cursor sub-irq */
	/* SET_IRQS semantics */
	VM_DATA_BOOL		= 1u << 10, /* honour DATA_BOOL mask/unmask (else EINVAL) */
	VM_FD_MINUS1		= 1u << 11, /* eventfd -1 unregisters (else EBADF) */
	VM_RELEASE_OLD		= 1u << 12, /* re-registering closes the old eventfd */
	VM_RELEASE_ON_CLOSE	= 1u << 13, /* close/reset releases trigger, clears mask */
	VM_LEAK			= 1u << 14, /* re-registering keeps signalling the old eventfd */
	VM_NULL_DEREF		= 1u << 15, /* TRIGGER|DATA_EVENTFD count 0 and TRIGGER with
					       DATA_NONE|DATA_EVENTFD oops the device (v5, v6) */
	VM_LAX_MASK_COUNT	= 1u << 16, /* MASK/UNMASK accept count <= 2 (v5, v6) */
	/* Discovery */
	VM_BAD_CAPS		= 1u << 17, /* last cap's next points outside argsz */
	VM_STICKY_MASK		= 1u << 19, /* UNMASK accepted, ignored (sticky-mask) */
	VM_NO_UNREGISTER	= 1u << 20, /* TRIGGER|DATA_NONE count 0 accepted, ignored */
	VM_BAD_VALUES		= 1u << 18, /* v5/v6: the display cap advertises the primary
					       value for both planes (signals stay right) */
	/* Planes */
	VM_DMABUF_BY_GEOMETRY	= 1u << 21, /* the dmabuf cache ignores the surface address:
					       a same-sized buffer reuses the first one's
					       dmabuf (stale-dmabuf) */
};

/*
 * Traits past bit 31 (an enum constant must fit an int): the devices a gate
 * must turn red on although nothing they answer is malformed.
 */
#define VM_NO_IRQ	(1ull << 32)	/* no display irq: num_irqs 5, index 5 EINVAL,
					   as an unpatched kernel (no-irq) */
#define VM_SILENT	(1ull << 33)	/* registers, masks and answers queries, never
					   signals (silent) */
#define VM_SILENT_PIPE_B (1ull << 34)	/* updates latched on pipe B or C never signal
					   (silent-pipe-b) */
/* Mask, registration and discovery faults a second look found (issue 25). */
#define VM_LAZY_UNMASK	(1ull << 35)	/* UNMASK takes effect one vblank late: the
					   first flip after it is not signalled */
#define VM_REPLAY_MASK	(1ull << 36)	/* what was masked is signalled at UNMASK (a
					   pending bit, as level-triggered INTx has) */
#define VM_MASK_SURVIVES (1ull << 37)	/* close/reset release the eventfd but keep the
					   mask, and the next opener's registration does
					   not clear a mask it did not set */
#define VM_OVERLONG_INFO (1ull << 38)	/* GET_IRQ_INFO with argsz too small: the right
					   20-byte answer, then the whole chain past argsz */
#define VM_CAPS_LOOP	(1ull << 39)	/* the type capability's next points at itself */
#define VM_SAME_FD_DROPS (1ull << 40)	/* re-registering the registered eventfd drops
					   it: accepted, and nothing is signalled after */
#define VM_REFUSED_UNMASKS (1ull << 41)	/* a refused SET_IRQS of the display irq clears
					   the mask (its error path re-arms the irq) */

/* EVT-2 and ISO-1 sentences, and the input classes of the workloads (suites/
 * evt.c, suites/iso.c): each caught only by the test of its sentence or class. */
#define VM_NO_ASYNC	(1ull << 42)	/* async flips never signal (no-async) */
#define VM_ISO_SHARED_MASK (1ull << 43)	/* a mask on any vGPU masks every vGPU
					   (iso-shared-mask) */
#define VM_ISO_CROSSTALK (1ull << 44)	/* a vGPU's flips signal every other vGPU
					   too (iso-crosstalk) */
#define VM_SAME_SURF	(1ull << 45)	/* a DSPSURF write of the address already
					   there queues nothing (same-surf) */
#define VM_OFFSCREEN_DROP (1ull << 46)	/* cursor updates at a negative position
					   (CURPOS sign bits) never signal
					   (offscreen-cursor) */
#define VM_PLANE_OFF_STICKY (1ull << 47) /* once a plane was turned off (DSPCNTR
					   enable, CURCNTR mode 0), its updates
					   never signal again (plane-off-on) */
#define VM_PIPE_OFF_STICKY (1ull << 48)	/* once a pipe was turned off (PIPECONF),
					   its flips never signal again
					   (pipe-off-on) */
#define VM_SPARSE	(1ull << 49)	/* only every 4th signal reaches the eventfd
					   (sparse): too few for a TEAR test to judge,
					   where drop's every 7th lost is not */
#define VM_TORN_OFFSET	(1ull << 50)	/* GET_GFX_DMABUF maps the primary plane half
					   a frame too far into VRAM: a capture is the
					   lower half of one buffer and the upper half
					   of what follows (torn-offset) */
#define VM_ZERO_HOTSPOT	(1ull << 51)	/* the cursor plane reports hotspot 0,0 where
					   the guest set none (unknown is 0xFFFFFFFF):
					   a client then offsets the cursor by a
					   hotspot nobody chose (zero-hotspot) */

/*
 * Discovery faults (issue 25: one model per sentence of DISC-1 and DISC-2).
 * Mutually exclusive, so they share bits 54..57 as a number rather than a
 * flag each; vgpu_disc_fault() reads it.
 */
#define VM_DISC_SHIFT	54
#define VM_DISC_MASK	(0xfull << VM_DISC_SHIFT)
#define VM_DISC(n)	((uint64_t)(n) << VM_DISC_SHIFT)
enum vgpu_disc_fault {
	VGPU_DISC_OK,
	VGPU_DISC_PCI_INDEX,	/* the display irq at index 4, num_irqs 5 (pci-index) */
	VGPU_DISC_SUBTYPE,	/* type cap says GFX/subtype 2 (wrong-subtype) */
	VGPU_DISC_NO_EVENTFD,	/* the EVENTFD flag is not set (no-eventfd-flag) */
	VGPU_DISC_NO_EVENTS,	/* no display-plane-events cap (no-events-cap) */
	VGPU_DISC_ZERO_VALUE,	/* cur_event_val 0 (zero-value) */
	VGPU_DISC_MISALIGNED,	/* the second cap at 38, not 36 (caps-misaligned) */
	VGPU_DISC_VERSION,	/* the second cap has version 2 (caps-version) */
	VGPU_DISC_PLANE_MAP,	/* v7: the plane map names the primary twice (plane-map) */
	VGPU_DISC_NO_CAPS_FLAG,	/* too small an argsz: FLAG_CAPS clear (short-no-caps) */
	VGPU_DISC_TRUNCATED,	/* too small an argsz that holds the type cap: a
				   chain of that cap alone (short-truncated) */
	VGPU_DISC_RETRY_GROWS,	/* the retry with the argsz asked for is asked
				   for 4 more bytes again (retry-grows) */
};

/*
 * Plane updates the workloads' input classes make (IC-2, IC-5) that a fault
 * loses; exclusive, so a number in bits 58..59 (vgpu_model_plane_fault()).
 */
#define VM_PLANE_SHIFT	58
#define VM_PLANE_MASK	(0x3ull << VM_PLANE_SHIFT)
#define VM_PLANE(n)	((uint64_t)(n) << VM_PLANE_SHIFT)
enum vgpu_plane_fault {
	VGPU_PLANE_OK,
	VGPU_PLANE_CURCNTR_DROP, /* a cursor update whose CURCNTR size or format
				   changed since the last vblank is not
				   signalled (curcntr-drop) */
	VGPU_PLANE_STRIDE_DROP,	/* a flip whose stride, tiling or pixel format
				   changed since the last vblank is not
				   signalled (stride-drop) */
	VGPU_PLANE_SAME_CURSOR,	/* a CURBASE or CURPOS write of the value
				   already there queues nothing (same-cursor) */
};

/*
 * Irq faults (issue 25: one model per sentence of IRQ-1, IRQ-2 and EVT-5
 * that no other model showed): a SET_IRQS request that must be refused is
 * accepted and changes nothing, a mask action is ignored, or a v7 sub-irq
 * is signalled for the other plane; and the last two, an update at a
 * register's boundary value that is not signalled (IC-1). Mutually exclusive: a number in bits
 * 60..63, read by vgpu_model_irqs_fault().
 */
#define VM_IRQS_SHIFT	60
#define VM_IRQS_MASK	(0xfull << VM_IRQS_SHIFT)
#define VM_IRQS(n)	((uint64_t)(n) << VM_IRQS_SHIFT)
enum vgpu_irqs_fault {
	VGPU_IRQS_OK,
	VGPU_IRQS_BAD_INDEX,	/* an index >= num_irqs accepted (lax-index) */
	VGPU_IRQS_START,	/* start != 0 accepted (lax-start) */
	VGPU_IRQS_FLAG_BITS,	/* a flag bit VFIO does not define accepted (lax-flags) */
	VGPU_IRQS_ARGSZ,	/* argsz shorter than the header accepted (lax-argsz) */
	VGPU_IRQS_TRIGGER_COUNT, /* TRIGGER with count > the irq's accepted
				   (lax-trigger-count) */
	VGPU_IRQS_NOT_EVENTFD,	/* a descriptor that is no eventfd accepted
				   (lax-not-eventfd) */
	VGPU_IRQS_MASK_IGNORED,	/* MASK accepted and ignored (mask-ignored) */
	VGPU_IRQS_BOOL_IGNORED,	/* DATA_BOOL mask/unmask act whatever the bool
				   (bool-ignored) */
	VGPU_IRQS_CUR_ON_PRI,	/* v7: a cursor update also signals the primary
				   sub-irq (badval-cursor) */
	VGPU_IRQS_UNREG_MASK,	/* MASK and UNMASK refused (EINVAL) while no
				   eventfd is registered (unreg-mask-refused) */
	VGPU_IRQS_RELEASE_DRAINS, /* an eventfd the device lets go of is read to
				   zero first, as a virqfd-style shutdown that
				   consumes the count: a signal pending unread is
				   lost (release-drains) */
	VGPU_IRQS_MASK_EVENTFD,	/* MASK|DATA_EVENTFD accepted as MASK|DATA_NONE:
				   the mask path tells BOOL apart, nothing else
				   (mask-eventfd) */
	VGPU_IRQS_NO_ACTION,	/* a request without an action bit accepted and
				   ignored: a switch on the action without a
				   default (lax-no-action) */
	/* Boundary values of the workloads' registers (input class IC-1): an
	 * update at the edge of its register's range is not signalled. Plane
	 * faults by nature, here because the plane family's 2 bits are full
	 * and no trait bit is left to widen it. */
	VGPU_IRQS_SURF_TOP,	/* a DSPSURF write of the highest page: its end,
				   computed in 32 bits, wraps to 0 and the flip
				   is dropped as out of range (surf-top) */
	VGPU_IRQS_CURPOS_MAX,	/* a CURPOS write whose x or y magnitude is the
				   largest (4095) is taken as out of range: the
				   cursor update is not signalled (curpos-max) */
};

struct vgpu_kops;

struct vgpu_model {
	const char *name;
	const char *summary;		/* one line for --help and results */
	uint64_t traits;
	enum vrc_abi default_abi;
	uint32_t drop_every;		/* drop every Nth signal (drop: 7), 0 = never */
	uint32_t delay_ticks;		/* deliver signals N vblanks late (late: 2) */
	/* kernel-VER: the display irq is that series' code (kmodel.h), the
	   traits only say which registers the device traps */
	const struct vgpu_kops *kernel;
};

/* Idle threshold of the single-framebuffer heuristic (PAGEFLIP_DELAY_THR). */
#define VGPU_IDLE_THR	10u

static inline enum vgpu_disc_fault vgpu_model_disc_fault(uint64_t traits)
{
	return (enum vgpu_disc_fault)((traits & VM_DISC_MASK) >> VM_DISC_SHIFT);
}

static inline enum vgpu_irqs_fault vgpu_model_irqs_fault(uint64_t traits)
{
	return (enum vgpu_irqs_fault)((traits & VM_IRQS_MASK) >> VM_IRQS_SHIFT);
}

static inline enum vgpu_plane_fault vgpu_model_plane_fault(uint64_t traits)
{
	return (enum vgpu_plane_fault)((traits & VM_PLANE_MASK) >> VM_PLANE_SHIFT);
}

const struct vgpu_model *vgpu_model_find(const char *name);
/* NULL-terminated walk: for (i = 0; (m = vgpu_model_at(i)); i++) */
const struct vgpu_model *vgpu_model_at(unsigned i);

#endif /* VGPU_SIM_MODEL_H */
