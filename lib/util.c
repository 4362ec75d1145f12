// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vrc/util.h"

void vrc_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

uint64_t vrc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t vrc_now_ms(void)
{
	return (int64_t)(vrc_now_ns() / 1000000u);
}

int vrc_left_ms(int64_t deadline)
{
	int64_t left = deadline - vrc_now_ms();

	return left <= 0 ? 0 : left > 1000000 ? 1000000 : (int)left;
}

int vrc_count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

ssize_t vrc_read_text(const char *path, int flags, char *buf, size_t len)
{
	ssize_t n;
	int fd, e;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	if (n == 0)
		return -EIO;
	buf[n] = '\0';
	return n;
}

int vrc_fdinfo_u64(pid_t pid, const char *fd, const char *key, int base, uint64_t *val)
{
	char path[96], buf[512];
	const char *p;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", fd);
	if (vrc_read_text(path, 0, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, key);
	if (!p)
		return -1;
	*val = strtoull(p + strlen(key), NULL, base);
	return 0;
}

int vrc_parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')	/* strtoul would take space, a sign */
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int vrc_parse_choice(const char *s, const char *const *names, char *want, size_t want_len)
{
	int found = -EINVAL;
	size_t used = 0;

	for (int i = 0; names[i]; i++) {
		if (s && found < 0 && !strcmp(s, names[i]))
			found = i;
		if (!want || !want_len)
			continue;
		const char *sep = i == 0 ? "" : names[i + 1] ? ", " : " or ";
		int n = snprintf(want + used, want_len - used, "%s%s", sep, names[i]);
		used = n < 0 || (size_t)n >= want_len - used ? want_len - 1 : used + (size_t)n;
	}
	if (want && want_len && !names[0])
		want[0] = 0;
	return found;
}
