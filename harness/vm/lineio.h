/* SPDX-License-Identifier: MIT */
/*
 * Bounded line reader for the JSON-per-line streams of QMP and qemu-ga.
 * Everything on these sockets comes from QEMU or the guest and is untrusted:
 * a line longer than the limit is dropped whole (and reported once), memory
 * never grows past the limit, and with `delim_ff` a 0xFF byte (qemu-ga's
 * guest-sync-delimited sentinel) throws away the partial line before it.
 */
#ifndef VRC_VM_LINEIO_H
#define VRC_VM_LINEIO_H

#include <stdbool.h>
#include <stddef.h>

struct vrc_lr {
	char *buf;
	size_t len;		/* bytes held: complete lines + a partial one */
	size_t max;		/* longest accepted line, without its newline */
	bool delim_ff;		/* treat 0xFF as a resync sentinel (qemu-ga) */
	bool discarding;	/* inside an over-long line: drop up to '\n' */
	unsigned overflows;	/* over-long lines not yet reported by next() */
	unsigned ff_seen;	/* 0xFF sentinels seen since the caller cleared it */
	char *line;		/* the line next() returned last (owned) */
};

void vrc_lr_init(struct vrc_lr *r, size_t max, bool delim_ff);
void vrc_lr_free(struct vrc_lr *r);
/* Take n bytes from the stream: 0, -ENOMEM, or -ENOBUFS when more than
 * 128 KiB of complete lines pile up untaken (drain with next() between feeds). */
int vrc_lr_feed(struct vrc_lr *r, const void *data, size_t n);
/* One read() from fd into the reader: >0 bytes, -EPIPE at EOF, -EAGAIN, -errno. */
int vrc_lr_fill(struct vrc_lr *r, int fd);
/*
 * The next complete line: 1 with *line NUL-terminated (without "\r\n"; valid
 * until the next call), 0 if none is complete yet, -E2BIG once per line that
 * was longer than max (it is gone), -EILSEQ for a line with a NUL byte (gone).
 */
int vrc_lr_next(struct vrc_lr *r, char **line, size_t *len);

#endif /* VRC_VM_LINEIO_H */
