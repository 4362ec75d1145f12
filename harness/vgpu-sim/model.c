// SPDX-License-Identifier: MIT
/*
 * The behaviour models of vgpu-sim (SPEC §5): one row of traits each, read
 * by the single implementation of the vblank and SET_IRQS logic in vgpu*.c.
 */
#include <stddef.h>
#include <string.h>

#include "kmodel.h"
#include "kmodel/series.h"	/* generated: KM_EACH_SERIES(X), X(major, minor) */
#include "model.h"

#define KM_DECLARE_OPS(a, b)	extern const struct vgpu_kops km_##a##_##b##_ops;
KM_EACH_SERIES(KM_DECLARE_OPS)
#undef KM_DECLARE_OPS

/* The fixed reference's SET_IRQS semantics (standard VFIO). */
#define REF_IRQS	(VM_DATA_BOOL | VM_FD_MINUS1 | VM_RELEASE_OLD | \
			 VM_RELEASE_ON_CLOSE)
#define REF_TRAITS	(VM_TRAP_CURSOR | VM_TRAP_CURPOS | REF_IRQS)
/* What the series' v5/v6 code did (SPEC §2). */
#define SERIES_TRAITS	(VM_PER_PIPE_LOOP | VM_CURSOR_RESETS_IDLE | \
			 VM_TRAP_CURSOR | VM_NULL_DEREF | VM_LAX_MASK_COUNT)

static const struct vgpu_model models[] = {
	{ "ref", "fixed reference: at most one signal per tick, CURPOS trapped, standard SET_IRQS",
	  REF_TRAITS, VRC_ABI_V6, 0, 0, NULL },
	{ "v3", "series v3: a primary signal at every vblank of an enabled pipe, no skipping",
	  REF_TRAITS | VM_EVERY_VBLANK, VRC_ABI_V6, 0, 0, NULL },
	{ "v5", "series v5: per-pipe loop, idle counter static across vGPUs, cap ids 3/4",
	  SERIES_TRAITS | VM_STATIC_IDLE, VRC_ABI_V5, 0, 0, NULL },
	{ "v6", "series v6: per-pipe loop over 3 pipes sharing idle, cap ids 1/2",
	  SERIES_TRAITS, VRC_ABI_V6, 0, 0, NULL },
	{ "curpipe", "ref, but cursor updates of pipe B/C are attributed to pipe A",
	  REF_TRAITS | VM_CURSOR_PIPE_BUG, VRC_ABI_V6, 0, 0, NULL },
	{ "no-cursor", "ref without any cursor trap: cursor updates never signal",
	  REF_TRAITS & ~(VM_TRAP_CURSOR | VM_TRAP_CURPOS), VRC_ABI_V6, 0, 0, NULL },
	{ "no-curpos", "ref without the CURPOS trap: position-only moves never signal",
	  REF_TRAITS & ~VM_TRAP_CURPOS, VRC_ABI_V6, 0, 0, NULL },
	{ "early", "ref, but flips and cursor updates signal at the register write, not the vblank",
	  REF_TRAITS | VM_SIGNAL_AT_WRITE, VRC_ABI_V6, 0, 0, NULL },
	{ "late", "ref, but every signal is delivered two vblanks late",
	  REF_TRAITS, VRC_ABI_V6, 0, 2, NULL },
	{ "drop", "ref, but every 7th signal is dropped",
	  REF_TRAITS, VRC_ABI_V6, 7, 0, NULL },
	{ "dup", "ref, but every signal is delivered twice",
	  REF_TRAITS | VM_DUP, VRC_ABI_V6, 0, 0, NULL },
	{ "bad-caps", "ref, but the display capability's next points outside argsz",
	  REF_TRAITS | VM_BAD_CAPS, VRC_ABI_V6, 0, 0, NULL },
	{ "sticky-mask", "ref, but UNMASK is accepted and ignored (only re-registering unmasks)",
	  REF_TRAITS | VM_STICKY_MASK, VRC_ABI_V6, 0, 0, NULL },
	{ "no-unregister", "ref, but TRIGGER|DATA_NONE count 0 is accepted and ignored",
	  REF_TRAITS | VM_NO_UNREGISTER, VRC_ABI_V6, 0, 0, NULL },
	{ "bad-values", "ref, but the display cap advertises the same value for both planes",
	  REF_TRAITS | VM_BAD_VALUES, VRC_ABI_V6, 0, 0, NULL },
	{ "leak", "ref, but re-registering keeps signalling the old eventfd too",
	  REF_TRAITS | VM_LEAK, VRC_ABI_V6, 0, 0, NULL },
	{ "stale-dmabuf", "ref, but the dmabuf cache ignores the surface address: after a flip the old buffer is handed out",
	  REF_TRAITS | VM_DMABUF_BY_GEOMETRY, VRC_ABI_V6, 0, 0, NULL },
	{ "badval", "ref, but v5/v6 add a stray 1 to the value; v7: flips also signal the cursor sub-irq",
	  REF_TRAITS | VM_BAD_VALUE, VRC_ABI_V6, 0, 0, NULL },
	{ "no-irq", "ref, but the display irq is not offered (num_irqs 5): an unpatched kernel",
	  REF_TRAITS | VM_NO_IRQ, VRC_ABI_V6, 0, 0, NULL },
	{ "silent", "ref, but no signal ever reaches an eventfd (registration, masks and queries work)",
	  REF_TRAITS | VM_SILENT, VRC_ABI_V6, 0, 0, NULL },
	{ "silent-pipe-b", "ref, but updates latched on pipe B or C never signal",
	  REF_TRAITS | VM_SILENT_PIPE_B, VRC_ABI_V6, 0, 0, NULL },
	{ "no-async", "ref, but async flips (DSPCNTR bit 9) never signal: the guest gets its flip-done, the host nothing",
	  REF_TRAITS | VM_NO_ASYNC, VRC_ABI_V6, 0, 0, NULL },
	{ "iso-shared-mask", "ref, but a mask on any vGPU masks every vGPU of the host",
	  REF_TRAITS | VM_ISO_SHARED_MASK, VRC_ABI_V6, 0, 0, NULL },
	{ "iso-crosstalk", "ref, but one vGPU's flips and cursor updates also signal every other vGPU",
	  REF_TRAITS | VM_ISO_CROSSTALK, VRC_ABI_V6, 0, 0, NULL },
	{ "same-surf", "ref, but a surface write of the address already there queues no flip",
	  REF_TRAITS | VM_SAME_SURF, VRC_ABI_V6, 0, 0, NULL },
	{ "offscreen-cursor", "ref, but cursor updates at a negative position (CURPOS sign bits) never signal",
	  REF_TRAITS | VM_OFFSCREEN_DROP, VRC_ABI_V6, 0, 0, NULL },
	{ "plane-off-on", "ref, but once a plane was turned off (DSPCNTR, CURCNTR) its updates never signal again",
	  REF_TRAITS | VM_PLANE_OFF_STICKY, VRC_ABI_V6, 0, 0, NULL },
	{ "pipe-off-on", "ref, but once a pipe was turned off (PIPECONF) its flips never signal again",
	  REF_TRAITS | VM_PIPE_OFF_STICKY, VRC_ABI_V6, 0, 0, NULL },
	{ "lazy-unmask", "ref, but UNMASK takes effect a vblank late: the next flip goes unsignalled",
	  REF_TRAITS | VM_LAZY_UNMASK, VRC_ABI_V6, 0, 0, NULL },
	{ "replay-mask", "ref, but what was masked is signalled at UNMASK",
	  REF_TRAITS | VM_REPLAY_MASK, VRC_ABI_V6, 0, 0, NULL },
	{ "mask-survives", "ref, but close and reset keep the mask, and a new registration does not clear it",
	  REF_TRAITS | VM_MASK_SURVIVES, VRC_ABI_V6, 0, 0, NULL },
	{ "overlong-info", "ref, but GET_IRQ_INFO writes the whole chain past a too small argsz",
	  REF_TRAITS | VM_OVERLONG_INFO, VRC_ABI_V6, 0, 0, NULL },
	{ "caps-loop", "ref, but the type capability's next points back at itself",
	  REF_TRAITS | VM_CAPS_LOOP, VRC_ABI_V6, 0, 0, NULL },
	{ "same-fd-drops", "ref, but re-registering the registered eventfd silently unregisters it",
	  REF_TRAITS | VM_SAME_FD_DROPS, VRC_ABI_V6, 0, 0, NULL },
	{ "refused-unmasks", "ref, but a refused SET_IRQS request clears the mask",
	  REF_TRAITS | VM_REFUSED_UNMASKS, VRC_ABI_V6, 0, 0, NULL },
	{ "sparse", "ref, but only every 4th signal reaches the eventfd",
	  REF_TRAITS | VM_SPARSE, VRC_ABI_V6, 0, 0, NULL },
	{ "zero-hotspot", "ref, but the cursor plane reports hotspot 0,0 where the guest set none (unknown)",
	  REF_TRAITS | VM_ZERO_HOTSPOT, VRC_ABI_V6, 0, 0, NULL },
	{ "torn-offset", "ref, but a primary dmabuf maps half a frame too far: every capture mixes two buffers",
	  REF_TRAITS | VM_TORN_OFFSET, VRC_ABI_V6, 0, 0, NULL },
	/* one per sentence of DISC-1 and DISC-2 (issue 25) */
	{ "pci-index", "ref, but the display irq is offered at the fixed PCI index 4 (num_irqs 5)",
	  REF_TRAITS | VM_DISC(VGPU_DISC_PCI_INDEX), VRC_ABI_V6, 0, 0, NULL },
	{ "wrong-subtype", "ref, but the irq-type capability says GFX with subtype 2",
	  REF_TRAITS | VM_DISC(VGPU_DISC_SUBTYPE), VRC_ABI_V6, 0, 0, NULL },
	{ "no-eventfd-flag", "ref, but the display irq's info lacks the EVENTFD flag",
	  REF_TRAITS | VM_DISC(VGPU_DISC_NO_EVENTFD), VRC_ABI_V6, 0, 0, NULL },
	{ "no-events-cap", "ref, but the chain has no display-plane-events capability",
	  REF_TRAITS | VM_DISC(VGPU_DISC_NO_EVENTS), VRC_ABI_V6, 0, 0, NULL },
	{ "zero-value", "ref, but the events capability's cursor value is 0",
	  REF_TRAITS | VM_DISC(VGPU_DISC_ZERO_VALUE), VRC_ABI_V6, 0, 0, NULL },
	{ "caps-misaligned", "ref, but the second capability starts at offset 38, not a multiple of 4",
	  REF_TRAITS | VM_DISC(VGPU_DISC_MISALIGNED), VRC_ABI_V6, 0, 0, NULL },
	{ "caps-version", "ref, but the second capability's header says version 2",
	  REF_TRAITS | VM_DISC(VGPU_DISC_VERSION), VRC_ABI_V6, 0, 0, NULL },
	{ "plane-map", "ref on v7, but the plane map names the primary plane for both sub-irqs",
	  REF_TRAITS | VM_DISC(VGPU_DISC_PLANE_MAP), VRC_ABI_V7, 0, 0, NULL },
	{ "short-no-caps", "ref, but a too small argsz gets an answer without FLAG_CAPS",
	  REF_TRAITS | VM_DISC(VGPU_DISC_NO_CAPS_FLAG), VRC_ABI_V6, 0, 0, NULL },
	{ "short-truncated", "ref, but an argsz 8 or more bytes short gets the type capability alone as the chain",
	  REF_TRAITS | VM_DISC(VGPU_DISC_TRUNCATED), VRC_ABI_V6, 0, 0, NULL },
	{ "retry-grows", "ref, but a retry with the argsz asked for is asked for 4 bytes more",
	  REF_TRAITS | VM_DISC(VGPU_DISC_RETRY_GROWS), VRC_ABI_V6, 0, 0, NULL },
	/* one per sentence of IRQ-1 and IRQ-2 that no other model shows */
	{ "lax-index", "ref, but SET_IRQS for an index past num_irqs is accepted and ignored",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_BAD_INDEX), VRC_ABI_V6, 0, 0, NULL },
	{ "lax-start", "ref, but a SET_IRQS with start other than 0 is accepted and ignored",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_START), VRC_ABI_V6, 0, 0, NULL },
	{ "lax-flags", "ref, but a SET_IRQS with a flag bit VFIO does not define is accepted and ignored",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_FLAG_BITS), VRC_ABI_V6, 0, 0, NULL },
	{ "lax-argsz", "ref, but a SET_IRQS whose argsz is shorter than its header is accepted and ignored",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_ARGSZ), VRC_ABI_V6, 0, 0, NULL },
	{ "lax-trigger-count", "ref, but TRIGGER with a count larger than the irq's is accepted and ignored",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_TRIGGER_COUNT), VRC_ABI_V6, 0, 0, NULL },
	{ "lax-not-eventfd", "ref, but registering a descriptor that is no eventfd is accepted and ignored",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_NOT_EVENTFD), VRC_ABI_V6, 0, 0, NULL },
	{ "mask-ignored", "ref, but MASK is accepted and ignored",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_MASK_IGNORED), VRC_ABI_V6, 0, 0, NULL },
	{ "bool-ignored", "ref, but DATA_BOOL mask and unmask act whatever the bool says",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_BOOL_IGNORED), VRC_ABI_V6, 0, 0, NULL },
	{ "badval-cursor", "ref on v7, but cursor updates also signal the primary sub-irq",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_CUR_ON_PRI), VRC_ABI_V7, 0, 0, NULL },
	/* input classes IC-10 and IC-8: a call while unregistered, a call with a
	 * signal pending */
	/* IRQ-3.5: a reference kept, nothing signalled (the series' own leak) */
	{ "keep-ref", "ref, but re-registering keeps a reference to the old eventfd (never signalled, never freed)",
	  REF_TRAITS & ~VM_RELEASE_OLD, VRC_ABI_V6, 0, 0, NULL },
	{ "unreg-mask-refused", "ref, but MASK and UNMASK are refused while no eventfd is registered",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_UNREG_MASK), VRC_ABI_V6, 0, 0, NULL },
	{ "release-drains", "ref, but an eventfd the device lets go of is read to zero: a pending signal is lost",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_RELEASE_DRAINS), VRC_ABI_V6, 0, 0, NULL },
	/* input class IC-6: SET_IRQS combinations only irq-set-product sends */
	{ "mask-eventfd", "ref, but MASK|DATA_EVENTFD is accepted and masks, as MASK|DATA_NONE",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_MASK_EVENTFD), VRC_ABI_V6, 0, 0, NULL },
	{ "lax-no-action", "ref, but a SET_IRQS without an action bit is accepted and ignored",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_NO_ACTION), VRC_ABI_V6, 0, 0, NULL },
	/* input class IC-1: an update at a register's boundary value */
	{ "surf-top", "ref, but a surface at the highest page (0xfffff000) is dropped as out of range: its 32-bit end wraps",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_SURF_TOP), VRC_ABI_V6, 0, 0, NULL },
	{ "curpos-max", "ref, but a cursor position of the largest magnitude (4095) on an axis is not signalled",
	  REF_TRAITS | VM_IRQS(VGPU_IRQS_CURPOS_MAX), VRC_ABI_V6, 0, 0, NULL },
	/* input class IC-2: the cursor's same value written again */
	{ "same-cursor", "ref, but a CURBASE or CURPOS write of the value already there queues no cursor update",
	  REF_TRAITS | VM_PLANE(VGPU_PLANE_SAME_CURSOR), VRC_ABI_V6, 0, 0, NULL },
	/* input class IC-5: a plane's size or format changed */
	{ "curcntr-drop", "ref, but a cursor update that changes CURCNTR's size or format is not signalled",
	  REF_TRAITS | VM_PLANE(VGPU_PLANE_CURCNTR_DROP), VRC_ABI_V6, 0, 0, NULL },
	{ "stride-drop", "ref, but a flip that changes the stride, tiling or pixel format is not signalled",
	  REF_TRAITS | VM_PLANE(VGPU_PLANE_STRIDE_DROP), VRC_ABI_V6, 0, 0, NULL },
	/* kernel/VER's code; eventfd_signal() lost its count in 6.8 (v7 from then) */
#define KERNEL_MODEL(a, b) \
	{ "kernel-" #a "." #b, "the reference series for Linux " #a "." #b \
	  " (kernel/" #a "." #b "): its own code, built in userspace", \
	  VM_TRAP_CURSOR | VM_TRAP_CURPOS, \
	  KM_VERSION(a, b) < KM_VERSION(6, 8) ? VRC_ABI_V6 : VRC_ABI_V7, 0, 0, \
	  &km_##a##_##b##_ops },
	KM_EACH_SERIES(KERNEL_MODEL)
#undef KERNEL_MODEL
};

#define NMODELS	(sizeof(models) / sizeof(models[0]))

const struct vgpu_model *vgpu_model_find(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned i = 0; i < NMODELS; i++)
		if (!strcmp(models[i].name, name))
			return &models[i];
	return NULL;
}

const struct vgpu_model *vgpu_model_at(unsigned i)
{
	return i < NMODELS ? &models[i] : NULL;
}
