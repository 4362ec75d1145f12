// SPDX-License-Identifier: MIT
/* The host facts detection looks at: roots, euid, kernel release, QEMU version. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gvt.h"

static void set(char *dst, size_t len, const char *env, const char *dflt)
{
	const char *v = env ? getenv(env) : NULL;

	snprintf(dst, len, "%s", v && *v ? v : dflt);
}

/* First line of `bin --version`, run without a shell; "" if it does not run. */
static void qemu_version(const char *bin, char *out, size_t len)
{
	int p[2];
	pid_t pid;
	size_t n = 0;

	out[0] = 0;
	if (pipe2(p, O_CLOEXEC))
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(p[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		execlp(bin, bin, "--version", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (n + 1 < len) {
		ssize_t r = read(p[0], out + n, len - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = 0;
	close(p[0]);	/* a chatty binary gets SIGPIPE, not a hang */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	out[strcspn(out, "\n")] = 0;
	for (char *c = out; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
}

void gvt_host_probe(struct gvt_host *h, const char *sysfs_root)
{
	gvt_host_probe_fast(h, sysfs_root);
	qemu_version(h->qemu_bin, h->qemu_version, sizeof(h->qemu_version));
}

void gvt_host_probe_fast(struct gvt_host *h, const char *sysfs_root)
{
	struct utsname u;

	memset(h, 0, sizeof(*h));
	snprintf(h->sysfs_root, sizeof(h->sysfs_root), "%s", sysfs_root ? sysfs_root : "/sys");
	set(h->dev_root, sizeof(h->dev_root), "VRC_GVT_DEV_ROOT", "/dev");
	set(h->proc_root, sizeof(h->proc_root), "VRC_GVT_PROC_ROOT", "/proc");
	set(h->run_dir, sizeof(h->run_dir), "VRC_GVT_RUN_DIR", "/run/vrc/mdev");
	set(h->qemu_bin, sizeof(h->qemu_bin), "VRC_QEMU", "qemu-system-x86_64");
	h->euid = geteuid();
	if (uname(&u) == 0)
		snprintf(h->kernel_release, sizeof(h->kernel_release), "%s", u.release);
	if (getenv("VRC_GVT_KERNEL") && *getenv("VRC_GVT_KERNEL"))
		snprintf(h->kernel_release, sizeof(h->kernel_release), "%s",
			 getenv("VRC_GVT_KERNEL"));
}

static int two_numbers(const char *s, int *major, int *minor)
{
	char *end;
	long a, b;

	if (!isdigit((unsigned char)*s))
		return -1;
	a = strtol(s, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return -1;
	b = strtol(end + 1, &end, 10);
	if (a > 1000 || b > 1000)
		return -1;
	*major = (int)a;
	*minor = (int)b;
	return 0;
}

int gvt_parse_qemu_version(const char *text, int *major, int *minor)
{
	static const char key[] = "version ";
	const char *v = strstr(text, key);

	return v ? two_numbers(v + sizeof(key) - 1, major, minor) : -1;
}

int gvt_parse_kernel_release(const char *rel, int *major, int *minor)
{
	return two_numbers(rel, major, minor);
}
