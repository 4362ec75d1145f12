// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/vm/lineio.h"

#define FILL_CHUNK	65536

void vrc_lr_init(struct vrc_lr *r, size_t max, bool delim_ff)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
	r->delim_ff = delim_ff;
}

void vrc_lr_free(struct vrc_lr *r)
{
	free(r->buf);
	free(r->line);
	r->buf = r->line = NULL;
	r->len = 0;
}

/* Drop the partial line at the end of the buffer (after the last '\n'). */
static void drop_partial(struct vrc_lr *r)
{
	char *nl = r->len ? memrchr(r->buf, '\n', r->len) : NULL;

	r->len = nl ? (size_t)(nl - r->buf) + 1 : 0;
}

/* Append bytes that contain no 0xFF sentinel. */
static int append(struct vrc_lr *r, const char *p, size_t n)
{
	while (n) {
		if (r->discarding) {
			const char *nl = memchr(p, '\n', n);
			if (!nl)
				return 0;
			r->discarding = false;
			r->overflows++;
			n -= (size_t)(nl - p) + 1;
			p = nl + 1;
			continue;
		}
		/* The partial line at the end may not grow past max. */
		const char *last_nl = r->len ? memrchr(r->buf, '\n', r->len) : NULL;
		size_t partial = last_nl ? r->len - (size_t)(last_nl - r->buf) - 1 : r->len;
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) + 1 : n;
		size_t linelen = partial + (nl ? take - 1 : take);

		if (linelen > r->max) {
			drop_partial(r);
			r->discarding = true;
			continue;	/* the loop drops up to the newline */
		}
		if (r->len + take > r->max + 2 * FILL_CHUNK) {
			/* Complete lines the caller did not take: feed less at once. */
			return -ENOBUFS;
		}
		char *nb = realloc(r->buf, r->len + take);
		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		memcpy(r->buf + r->len, p, take);
		r->len += take;
		p += take;
		n -= take;
	}
	return 0;
}

int vrc_lr_feed(struct vrc_lr *r, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		const char *ff = r->delim_ff ? memchr(p, 0xff, n) : NULL;
		size_t take = ff ? (size_t)(ff - p) : n;
		int rc = append(r, p, take);

		if (rc)
			return rc;
		if (!ff)
			break;
		/* Sentinel: whatever partial line came before it is stale. */
		drop_partial(r);
		r->discarding = false;
		r->ff_seen++;
		p = ff + 1;
		n -= take + 1;
	}
	return 0;
}

int vrc_lr_fill(struct vrc_lr *r, int fd)
{
	char chunk[FILL_CHUNK];
	ssize_t n;

	do
		n = read(fd, chunk, sizeof(chunk));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		return -EPIPE;
	int rc = vrc_lr_feed(r, chunk, (size_t)n);
	return rc ? rc : (int)n;
}

int vrc_lr_next(struct vrc_lr *r, char **line, size_t *len)
{
	if (r->overflows) {
		r->overflows--;
		return -E2BIG;
	}
	char *nl = r->len ? memchr(r->buf, '\n', r->len) : NULL;
	if (!nl)
		return 0;
	size_t n = (size_t)(nl - r->buf);
	size_t consumed = n + 1;

	if (n && r->buf[n - 1] == '\r')
		n--;
	free(r->line);
	r->line = malloc(n + 1);
	if (!r->line)
		return -ENOMEM;
	memcpy(r->line, r->buf, n);
	r->line[n] = 0;
	memmove(r->buf, r->buf + consumed, r->len - consumed);
	r->len -= consumed;
	if (memchr(r->line, 0, n))
		return -EILSEQ;
	*line = r->line;
	*len = n;
	return 1;
}
