// SPDX-License-Identifier: MIT
/*
 * /dev/kmsg capture and judgement. Each read() of /dev/kmsg returns one
 * record; a plain file (the self-tests' fake) returns bytes. Both are
 * handled by splitting on '\n': a record's first line is the header and
 * message, continuation lines start with a space and carry KEY=value
 * dictionary entries, which we skip. Everything read is untrusted: lines
 * are bounded, non-printable bytes escaped (the kernel does so already).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrc/util.h"
#include "kmsg.h"

static int field_u64(const char **p, const char *end, char stop, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (s >= end || !isdigit((unsigned char)*s))
		return -1;
	for (; s < end && isdigit((unsigned char)*s); s++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (s >= end || *s != stop)
		return -1;
	*p = s + 1;
	*v = x;
	return 0;
}

int gvt_kmsg_parse(const char *line, size_t len, struct gvt_kmsg_rec *r)
{
	const char *p = line, *end = line + len, *semi;
	uint64_t prio;

	memset(r, 0, sizeof(*r));
	semi = memchr(line, ';', len);
	if (!semi)
		return -EINVAL;
	if (field_u64(&p, semi, ',', &prio) || prio > 1023 ||
	    field_u64(&p, semi, ',', &r->seq))
		return -EINVAL;
	/* ts is followed by ',' and the flags field */
	if (field_u64(&p, semi, ',', &r->ts_us) || p >= semi)
		return -EINVAL;
	r->flags = *p;
	if (r->flags != '-' && r->flags != 'c' && r->flags != '+')
		return -EINVAL;
	p++;
	if (p != semi && *p != ',')	/* newer kernels add ",caller=T123" */
		return -EINVAL;
	r->level = (unsigned)(prio & 7);
	r->facility = (unsigned)(prio >> 3);
	r->msg = semi + 1;
	r->msglen = (size_t)(end - (semi + 1));
	return 0;
}

static bool has(const struct gvt_kmsg_rec *r, const char *needle)
{
	size_t n = strlen(needle);

	if (n > r->msglen)
		return false;
	for (size_t i = 0; i + n <= r->msglen; i++)
		if (!memcmp(r->msg + i, needle, n))
			return true;
	return false;
}

/*
 * dmesg-fail: the kernel broke (oops, BUG, panic, memory corruption found
 * by a sanitizer). dmesg-warn: a WARN_ON, or an error/warning from the
 * drivers under test (gvt, i915, vfio, kvm, iommu). Either fails the test.
 * Other drivers' warnings on a lab machine are not ours to judge.
 */
enum gvt_dmesg_verdict gvt_kmsg_classify(const struct gvt_kmsg_rec *r)
{
	static const char *const fatal[] = {
		"BUG:", "kernel BUG at", "Oops", "general protection fault",
		"Kernel panic", "Unable to handle kernel", "KASAN:", "UBSAN:",
		"list_add corruption", "list_del corruption", "refcount_t:",
	};
	static const char *const ours[] = {
		"gvt", "i915", "vfio", "kvm", "iommu", "DMAR", "mdev",
	};

	if (r->facility != 0)	/* userspace writing into kmsg is not the kernel */
		return GVT_DMESG_CLEAN;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (has(r, fatal[i]))
			return GVT_DMESG_FAIL;
	if (has(r, "WARNING:") || has(r, "------------[ cut here ]"))
		return GVT_DMESG_WARN;
	if (r->level <= 4)
		for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
			if (has(r, ours[i]))
				return GVT_DMESG_WARN;
	return GVT_DMESG_CLEAN;
}

const char *gvt_dmesg_verdict_name(enum gvt_dmesg_verdict v)
{
	switch (v) {
	case GVT_DMESG_WARN: return "dmesg-warn";
	case GVT_DMESG_FAIL: return "dmesg-fail";
	default: return "pass";
	}
}

const char *const gvt_kmsg_kvmgt_refusals[] = {
	"vfio_set_irqs_validate_and_prepare failed", NULL,
};

static void keep(struct gvt_dmesg *d, const struct gvt_kmsg_rec *r)
{
	char *out;
	size_t o = 0;

	d->nflagged++;
	if (d->nlines >= GVT_DMESG_MAX_LINES || !d->line)
		return;
	out = d->line[d->nlines++];
	o = (size_t)snprintf(out, GVT_DMESG_LINE, "<%u> ", r->level);
	for (size_t i = 0; i < r->msglen && o + 5 < GVT_DMESG_LINE; i++) {
		unsigned char c = (unsigned char)r->msg[i];

		if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
	}
	out[o] = 0;
}

static void one_line(struct gvt_dmesg *d, const char *s, size_t len)
{
	struct gvt_kmsg_rec r;
	enum gvt_dmesg_verdict v;

	if (len == 0 || s[0] == ' ')	/* dictionary continuation */
		return;
	if (gvt_kmsg_parse(s, len, &r)) {
		d->malformed++;
		return;
	}
	v = gvt_kmsg_classify(&r);
	if (v == GVT_DMESG_CLEAN)
		return;
	for (const char *const *e = d->expected; v == GVT_DMESG_WARN && e && *e; e++)
		if (has(&r, *e)) {
			d->nexpected++;
			return;
		}
	if (v > d->verdict)
		d->verdict = v;
	keep(d, &r);
}

void gvt_dmesg_feed(struct gvt_dmesg *d, const char *buf, size_t len)
{
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		if (!nl) {	/* incomplete: keep for the next read (bounded) */
			if (d->npartial + n >= sizeof(d->partial))
				n = sizeof(d->partial) - 1 - d->npartial;
			memcpy(d->partial + d->npartial, buf, n);
			d->npartial += n;
			return;
		}
		if (d->npartial) {
			size_t room = sizeof(d->partial) - d->npartial;
			size_t m = n < room ? n : room;

			memcpy(d->partial + d->npartial, buf, m);
			one_line(d, d->partial, d->npartial + m);
			d->npartial = 0;
		} else {
			one_line(d, buf, n);
		}
		buf += n + 1;
		len -= n + 1;
	}
}

int gvt_dmesg_begin(struct gvt_dmesg *d, const char *path, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (!path)
		path = "/dev/kmsg";
	d->line = calloc(GVT_DMESG_MAX_LINES, sizeof(*d->line));
	if (!d->line) {
		d->fd = -1;
		vrc_seterr(err, errlen, "dmesg: out of memory");
		return -ENOMEM;
	}
	d->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (d->fd < 0) {
		int rc = -errno;

		vrc_seterr(err, errlen, "dmesg: open %s: %s", path, strerror(errno));
		return rc;
	}
	/* /dev/kmsg: SEEK_END moves past the last record; a file: to its end */
	if (lseek(d->fd, 0, SEEK_END) < 0) {
		int rc = -errno;

		vrc_seterr(err, errlen, "dmesg: seek %s: %s", path, strerror(errno));
		close(d->fd);
		d->fd = -1;
		return rc;
	}
	return 0;
}

enum gvt_dmesg_verdict gvt_dmesg_end(struct gvt_dmesg *d)
{
	char buf[8192];	/* one /dev/kmsg record never exceeds this */

	if (d->fd < 0)
		return d->verdict;
	for (;;) {
		ssize_t n = read(d->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {	/* overwritten before we read them */
			d->lost++;
			continue;
		}
		if (n <= 0)	/* EAGAIN: all read; 0: end of a plain file */
			break;
		gvt_dmesg_feed(d, buf, (size_t)n);
	}
	return d->verdict;
}

void gvt_dmesg_free(struct gvt_dmesg *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	free(d->line);
	d->line = NULL;
}
