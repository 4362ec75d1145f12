// SPDX-License-Identifier: MIT
/* The guest's serial console log: excerpts for reports, marker and panic search.
 * The guest writes it, so it is untrusted: bounded reads, sanitized text. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/vm/vm.h"

#define TAIL_MAX	65536

/* Read the last max bytes of a file into a malloc'd buffer. */
static int read_last(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int e = errno;
		close(fd);
		return -e;
	}
	off_t off = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;
	size_t want = (size_t)(st.st_size - off);
	char *buf = malloc(want + 1);
	size_t got = 0;
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = 0;
	*out = buf;
	*len = got;
	return 0;
}

/* Printable ASCII, tab and newline stay; '\r' goes; the rest becomes '?'. */
static size_t sanitize(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r')
			continue;
		s[o++] = (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) ? (char)c : '?';
	}
	s[o] = 0;
	return o;
}

int vrc_file_tail(const char *path, unsigned nlines, char *buf, size_t len)
{
	char *data;
	size_t n;
	int rc;

	if (!len)
		return -EINVAL;
	buf[0] = 0;
	rc = read_last(path, TAIL_MAX, &data, &n);
	if (rc)
		return rc;
	n = sanitize(data, n);
	/* Walk back nlines newlines (a trailing newline does not count). */
	size_t start = n;
	unsigned seen = 0;
	if (start && data[start - 1] == '\n')
		start--;
	while (start > 0) {
		if (data[start - 1] == '\n' && ++seen == nlines)
			break;
		start--;
	}
	/* Keep the end if the caller's buffer is small. */
	if (n - start >= len)
		start = n - (len - 1);
	memcpy(buf, data + start, n - start);
	buf[n - start] = 0;
	free(data);
	return 0;
}

int vrc_file_find_line(const char *path, const char *needle, size_t max, char *line, size_t len)
{
	char *data;
	size_t n;
	int rc = read_last(path, max, &data, &n);

	if (rc)
		return rc;
	n = sanitize(data, n);
	char *hit = memmem(data, n, needle, strlen(needle));
	if (hit && line && len) {
		char *b = hit, *e = hit;
		while (b > data && b[-1] != '\n')
			b--;
		while (e < data + n && *e != '\n')
			e++;
		size_t l = (size_t)(e - b) < len - 1 ? (size_t)(e - b) : len - 1;
		memcpy(line, b, l);
		line[l] = 0;
	}
	free(data);
	return hit ? 1 : 0;
}
