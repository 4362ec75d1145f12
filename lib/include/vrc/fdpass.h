/* SPDX-License-Identifier: MIT */
/*
 * File descriptors over a UNIX socket (SCM_RIGHTS), the project's one
 * implementation for both of its fd-passing protocols (vfio-user and the
 * ivshmem server's). Received fds are untrusted in number: what a message
 * carries beyond what the caller allows is closed, never leaked.
 */
#ifndef VRC_FDPASS_H
#define VRC_FDPASS_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * Attach n fds to mh as one SCM_RIGHTS message in buf (of len bytes, at
 * least CMSG_SPACE(n * sizeof(int)), aligned for struct cmsghdr). n 0
 * attaches nothing.
 */
void vrc_fds_attach(struct msghdr *mh, void *buf, size_t len, const int *fds, size_t n);
/*
 * Take the fds a received mh carries into fds[*n..max): *n grows by what
 * was taken. -EPROTO when the message carried more than fits, was
 * truncated (MSG_CTRUNC) or held a control message that is not a whole
 * SCM_RIGHTS array: then every fd it carried is closed and *n unchanged
 * (fds taken by earlier calls are the caller's).
 */
int vrc_fds_take(struct msghdr *mh, int *fds, size_t max, size_t *n);

#endif /* VRC_FDPASS_H */
