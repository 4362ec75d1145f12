/* SPDX-License-Identifier: MIT */
/* Small helpers every libvrc file needs once: error text and deadlines. */
#ifndef VRC_UTIL_H
#define VRC_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* printf into an err buffer the caller gave (NULL or 0 length: nothing). */
void vrc_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int64_t vrc_now_ms(void);	/* CLOCK_MONOTONIC */
uint64_t vrc_now_ns(void);
/* Milliseconds until deadline (a vrc_now_ms() value), 0 if past, capped for poll(). */
int vrc_left_ms(int64_t deadline);

/* Open fds of this process (for leak checks in tests and fuzzers); -1 if unknown. */
int vrc_count_open_fds(void);

/*
 * One numeric field of /proc/PID/fdinfo/FD (pid 0: this process), e.g. an
 * eventfd's "eventfd-count:" (base 16) or "eventfd-id:" (base 10).
 * 0 with *val set, -1 if the file or the key is not there.
 */
/*
 * s as a decimal whole number from lo to hi, the project's one parser of
 * such options and fields: digits only (no sign, no space, no suffix), no
 * overflow. 0, -EINVAL when s is not such a number, -ERANGE outside [lo, hi];
 * *out is set only on success. Callers say which option or field was bad.
 */
int vrc_parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
/*
 * s as one of the names of a NULL-terminated list, the project's one parser
 * of keyword options (--abi=v7, --accel=tcg): exact and case-sensitive.
 * The name's index, or -EINVAL when s is none of them (or NULL). want
 * (optional, want_len bytes) gets "a, b or c" for the caller's message.
 */
int vrc_parse_choice(const char *s, const char *const *names, char *want, size_t want_len);
/*
 * A small text file (procfs, sysfs, a marker): one read of at most len - 1
 * bytes into buf, NUL-terminated; opened O_RDONLY | O_CLOEXEC | flags.
 * Returns the byte count (> 0), -errno when it cannot be opened or read,
 * -EIO when it is empty.
 */
ssize_t vrc_read_text(const char *path, int flags, char *buf, size_t len);
int vrc_fdinfo_u64(pid_t pid, const char *fd, const char *key, int base, uint64_t *val);

#endif /* VRC_UTIL_H */
