/* SPDX-License-Identifier: MIT */
/*
 * The display-irq client: discovery, registration, mask/unmask, reading and
 * decoding signals, the frame counter, plane queries and dmabuf mapping.
 * Modeled on tools/testing/selftests/vfio's device library: `__fn()` returns
 * -errno where failure is a normal outcome a test asserts on; messages go to
 * an err buffer, never to stdout from inside the library.
 */
#ifndef VRC_IRQ_H
#define VRC_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vrc/caps.h"
#include "vrc/decode.h"
#include "vrc/transport.h"

#define VRC_IRQ_MAX_SUB	2u	/* v7: primary + cursor */

struct vrc_display_irq {
	struct vrc_transport *t;
	uint32_t index;			/* irq index (>= 5) */
	uint32_t count;			/* sub-irqs: 1 (v5/v6) or 2 (v7) */
	uint32_t flags;			/* VRC_IRQ_INFO_FLAG_* */
	struct vrc_caps caps;		/* as parsed (may carry a violation) */
	struct vrc_display_irq_desc desc;
	/* v7: which sub-irq is which plane (-1 if absent) */
	int sub_primary, sub_cursor;
	/* registered eventfds, -1 if none; the client owns them */
	int efd[VRC_IRQ_MAX_SUB];
	uint32_t frmcount_reg;		/* BAR0 offset of the frame counter read */
};

/*
 * Walk irq indexes >= 5 up to num_irqs, GET_IRQ_INFO each with the argsz
 * retry protocol, and pick the first with type GFX / DISPLAY_IRQ. Returns 0,
 * -ENOENT if no index offers it (unpatched device: a SKIP), or another
 * -errno with a message in err. Salvages a chain with a malformed tail
 * (irq->caps.violation keeps it for DISC-2); -EPROTO if no display irq
 * is found and a chain of an index >= 5 breaks before its type cap, or
 * the display type cap is there but the chain breaks before its
 * events/plane-map cap; -EOVERFLOW if a reply was longer than its argsz;
 * -ENOMSG if the display irq is there but unusable or misplaced (DISC-1: at
 * a PCI index 0..4, a display-events or plane-map cap under a type cap that
 * is not GFX/DISPLAY_IRQ, no events cap or a zero value, a v7 plane map
 * without a primary and a cursor): then irq->index, flags, count, caps and
 * desc describe that irq, so DISC-2 can still judge its chain.
 * On success err is "" or a note (e.g. num_irqs > 64: only 64 walked).
 */
int vrc_display_irq_find(struct vrc_transport *t, struct vrc_display_irq *irq,
			 char *err, size_t errlen);
/*
 * Raw fetch of one index's info with the retry protocol; *len = bytes valid.
 * -EMSGSIZE if the device asks for more than min(bufsz, 4096), -EPROTO if
 * it asks for more again on the retry, -EOVERFLOW if a reply is longer
 * than the argsz sent; device errors pass through.
 */
int vrc_irq_info_fetch(struct vrc_transport *t, uint32_t index, uint8_t *buf,
		       size_t bufsz, size_t *len, char *err, size_t errlen);

/* Create non-blocking eventfds (one per sub-irq) and register them. */
int vrc_display_irq_register(struct vrc_display_irq *irq);
/*
 * Register given fds (-1 allowed: that is the fd -1 unregister form).
 * irq->efd[] is not touched: the caller owns and reads these fds.
 */
int __vrc_display_irq_set_eventfds(struct vrc_display_irq *irq, const int *fds,
				   uint32_t count);
/* TRIGGER|DATA_NONE count 0. Closes the client's eventfds. */
int vrc_display_irq_unregister(struct vrc_display_irq *irq);
/* Mask/unmask the whole index: start 0, count = irq->count. */
int vrc_display_irq_mask(struct vrc_display_irq *irq, bool mask);
int vrc_display_irq_mask_bool(struct vrc_display_irq *irq, bool mask);
/* Build and send any SET_IRQS (tests of invalid requests). */
int __vrc_set_irqs(struct vrc_transport *t, uint32_t flags, uint32_t index,
		   uint32_t start, uint32_t count, const void *data,
		   size_t datalen, uint32_t argsz_override);

/* One drained observation of the eventfd(s). */
struct vrc_signal {
	uint64_t raw[VRC_IRQ_MAX_SUB];	/* what each eventfd read returned (0: nothing) */
	struct vrc_signal_counts counts;
	uint32_t frame_counter;		/* read after the eventfd woke */
	uint64_t t_wake_ns;		/* CLOCK_MONOTONIC at wake */
};

/*
 * Non-blocking: read every registered eventfd; returns 1 if anything was
 * pending (sig filled, frame counter read), 0 if nothing, -errno on error.
 * -EBADF if nothing is registered. If only the frame counter read fails,
 * its -errno is returned with sig->raw/counts still filled.
 */
int vrc_display_irq_poll(struct vrc_display_irq *irq, struct vrc_signal *sig);
/* Wait up to timeout_ms for a signal, then as vrc_display_irq_poll. */
int vrc_display_irq_wait(struct vrc_display_irq *irq, int timeout_ms,
			 struct vrc_signal *sig);
/* Read one eventfd directly (non-blocking): 1 + value, 0 if empty. */
int vrc_eventfd_drain(int fd, uint64_t *value);
/* What one eventfd held, taken: 0 when empty or unreadable, for callers to
 * whom the two are the same (a count expected, or none). */
uint64_t vrc_eventfd_take(int fd);

int vrc_read_frame_counter(struct vrc_transport *t, uint32_t reg, uint32_t *val);

/* Plane capture. */
struct vrc_plane {
	struct vfio_device_gfx_plane_info info;	/* drm_format 0: no plane */
	int fd;				/* -1 if not fetched */
	void *map;			/* the mapped buffer, NULL if not mapped */
	size_t map_len;
	void *map_base;			/* page-aligned base actually mmapped */
	size_t map_base_len;
};
int vrc_plane_query(struct vrc_transport *t, uint32_t plane_type,
		    struct vrc_plane *p);
/*
 * Fetch the dmabuf of a queried plane and mmap it read-only. -ENOENT: no
 * plane; -EPROTO: implausible geometry (checked before the fetch) or a
 * plane beyond the buffer; -ENODEV: no CPU mmap (PRIME fallback missing),
 * p->fd then stays open until vrc_plane_release.
 */
int vrc_plane_map(struct vrc_transport *t, struct vrc_plane *p, char *err,
		  size_t errlen);
void vrc_plane_release(struct vrc_plane *p);

void vrc_display_irq_close(struct vrc_display_irq *irq);

#endif /* VRC_IRQ_H */
