// SPDX-License-Identifier: MIT
/* SCM_RIGHTS fd passing (see vrc/fdpass.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "vrc/fdpass.h"

void vrc_fds_attach(struct msghdr *mh, void *buf, size_t len, const int *fds, size_t n)
{
	struct cmsghdr *cm;

	if (!n)
		return;
	memset(buf, 0, len);
	mh->msg_control = buf;
	mh->msg_controllen = CMSG_SPACE(n * sizeof(int));
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
}

/* The fd count of a whole SCM_RIGHTS control message, or -1. */
static long rights_count(const struct cmsghdr *cm)
{
	if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len < CMSG_LEN(0) || (cm->cmsg_len - CMSG_LEN(0)) % sizeof(int))
		return -1;
	return (long)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
}

static void close_all(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t k = cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
			   cm->cmsg_len >= CMSG_LEN(0) ?
			   (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int) : 0;

		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (fd >= 0)
				close(fd);
		}
	}
}

int vrc_fds_take(struct msghdr *mh, int *fds, size_t max, size_t *n)
{
	bool bad = (mh->msg_flags & MSG_CTRUNC) != 0;
	size_t total = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		long k = rights_count(cm);

		if (k < 0)
			bad = true;
		else
			total += (size_t)k;
	}
	if (bad || total > max - *n) {
		close_all(mh);
		return -EPROTO;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t k = (size_t)rights_count(cm);

		memcpy(fds + *n, CMSG_DATA(cm), k * sizeof(int));
		*n += k;
	}
	return 0;
}
