// SPDX-License-Identifier: MIT
/*
 * The vGPU's lifecycle through sysfs, and the markers that make it safe:
 *
 *   <run_dir>/<uuid>   "pid <pid> start <starttime> run <run-id> parent <bdf> type <type>"
 *
 * The marker is written (and fsync'd) before the UUID goes into `create`,
 * and removed only after `remove` took effect, so whatever moment a run
 * dies at, the next run's sweep finds a marker for every mdev it may have
 * left behind. The sweep removes an mdev only through its marker: an mdev
 * someone else created (no marker) is never touched, nor one whose creator
 * is still running (its pid alive with the same start time).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vrc/util.h"
#include "gvt.h"

static int real_write(void *ctx, const char *path, const char *val, char *err, size_t errlen)
{
	int fd, rc = 0;
	size_t len = strlen(val);

	(void)ctx;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		vrc_seterr(err, errlen, "open %s: %s", path, strerror(errno));
		return rc;
	}
	/* a sysfs store takes the whole value in one write, or fails */
	if (write(fd, val, len) != (ssize_t)len) {
		rc = errno ? -errno : -EIO;
		vrc_seterr(err, errlen, "write '%.40s' to %s: %s", val, path, strerror(-rc));
	}
	close(fd);
	return rc;
}

const struct gvt_sysfs_writer gvt_sysfs_real = { .write = real_write };

void gvt_types_dir(const struct gvt_host *h, const char *parent, char *out, size_t len)
{
	struct stat st;

	snprintf(out, len, "%s/bus/pci/devices/%s", h->sysfs_root, parent);
	if (stat(out, &st) == 0)
		snprintf(out, len, "%s/bus/pci/devices/%s/mdev_supported_types", h->sysfs_root,
			 parent);
	else
		snprintf(out, len, "%s/class/mdev_bus/%s/mdev_supported_types", h->sysfs_root,
			 parent);
}

static const struct gvt_sysfs_writer *writer(const struct gvt_mdev_env *e)
{
	return e->w ? e->w : &gvt_sysfs_real;
}

bool gvt_uuid_valid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return false;
	}
	return s[36] == 0;
}

int gvt_new_uuid(const struct gvt_host *h, char uuid[40], char *err, size_t errlen)
{
	char path[300];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/sys/kernel/random/uuid", h->proc_root);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;

		vrc_seterr(err, errlen, "open %s: %s", path, strerror(errno));
		return rc;
	}
	n = read(fd, uuid, 39);
	close(fd);
	if (n < 36) {
		vrc_seterr(err, errlen, "%s: short read", path);
		return -EIO;
	}
	uuid[n] = 0;
	uuid[strcspn(uuid, "\n")] = 0;
	if (!gvt_uuid_valid(uuid)) {
		vrc_seterr(err, errlen, "%s: not a UUID: '%.39s'", path, uuid);
		return -EPROTO;
	}
	return 0;
}

/* Field 22 of /proc/<pid>/stat: when the process started, to tell reused pids apart. */
static int proc_starttime(const char *proc_root, long pid, unsigned long long *start)
{
	char path[300], buf[1024], *p;
	int field;

	snprintf(path, sizeof(path), "%s/%ld/stat", proc_root, pid);
	if (vrc_read_text(path, 0, buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');	/* comm may hold spaces and parens */
	if (!p)
		return -1;
	p++;
	for (field = 3; field < 22 && p; field++)	/* p: the space before field 3 */
		p = strchr(p + 1, ' ');
	if (!p)
		return -1;
	*start = strtoull(p + 1, NULL, 10);
	return 0;
}

static int ensure_run_dir(const char *dir, char *err, size_t errlen)
{
	char tmp[256];
	struct stat st;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *s = tmp + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(tmp, 0755);
			*s = '/';
		}
	if (mkdir(tmp, 0700) && errno != EEXIST) {
		int rc = -errno;

		vrc_seterr(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return rc;
	}
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0022)) {
		vrc_seterr(err, errlen, "marker dir %s must be a directory of ours, not "
			   "writable by others", dir);
		return -EPERM;
	}
	return 0;
}

static int write_marker(const struct gvt_host *h, const char *path, const char *run_id,
			const char *parent, const char *type, char *err, size_t errlen)
{
	unsigned long long start = 0;
	char buf[400], run[64];
	int fd, n, rc = 0;

	/* one word in the marker: the sweep reads it back with %s */
	snprintf(run, sizeof(run), "%s", run_id && *run_id ? run_id : "-");
	for (char *c = run; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-_.:", *c))
			*c = '_';

	if (proc_starttime(h->proc_root, (long)getpid(), &start))
		start = 0;
	n = snprintf(buf, sizeof(buf), "pid %ld start %llu run %s parent %s type %s\n",
		     (long)getpid(), start, run, parent, type);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		vrc_seterr(err, errlen, "create marker %s: %s", path, strerror(errno));
		return rc;
	}
	if (write(fd, buf, (size_t)n) != n || fsync(fd)) {
		rc = errno ? -errno : -EIO;
		vrc_seterr(err, errlen, "write marker %s: %s", path, strerror(-rc));
	}
	close(fd);
	if (rc)
		unlink(path);
	return rc;
}

struct marker {
	long pid;
	unsigned long long start;
	char run[64];
};

/* Parse a marker (untrusted: any file could be in the dir). -1 if malformed. */
static int read_marker(const char *path, struct marker *m)
{
	char buf[512];
	int used = 0;

	if (vrc_read_text(path, O_NOFOLLOW, buf, sizeof(buf)) < 0)
		return -1;
	if (sscanf(buf, "pid %ld start %llu run %63s %n", &m->pid, &m->start, m->run,
		   &used) < 3 || m->pid <= 0 || m->pid > INT_MAX)
		return -1;
	return 0;
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int wait_dir(const char *path, bool present, int ms)
{
	int64_t deadline = vrc_now_ms() + (ms > 0 ? ms : 5000);

	for (;;) {
		if (dir_exists(path) == present)
			return 0;
		if (vrc_now_ms() >= deadline)
			return -ETIMEDOUT;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/*
 * iommu_group link -> its number; vfio-dev/vfioN -> the cdev name, if its
 * node exists: every VFIO device has the vfio-dev entry since 6.1, the
 * /dev/vfio/devices node only with CONFIG_VFIO_DEVICE_CDEV (6.6+).
 */
static void resolve(struct gvt_mdev *m, const char *dev_root)
{
	char p[600], link[256];
	struct stat st;
	ssize_t n;
	struct dirent *e;
	DIR *d;

	m->iommu_group = -1;
	m->cdev[0] = 0;
	snprintf(p, sizeof(p), "%s/iommu_group", m->dir);
	n = readlink(p, link, sizeof(link) - 1);
	if (n > 0) {
		char *base, *end;
		long g;

		link[n] = 0;
		base = strrchr(link, '/');
		base = base ? base + 1 : link;
		g = strtol(base, &end, 10);
		if (!*end && end != base && g >= 0 && g < INT_MAX)
			m->iommu_group = (int)g;
	}
	snprintf(p, sizeof(p), "%s/vfio-dev", m->dir);
	d = opendir(p);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4) && strlen(e->d_name) < sizeof(m->cdev)) {
			snprintf(p, sizeof(p), "%s/vfio/devices/%s", dev_root, e->d_name);
			if (stat(p, &st) == 0)
				snprintf(m->cdev, sizeof(m->cdev), "%s", e->d_name);
			break;
		}
	closedir(d);
}

int gvt_mdev_create(const struct gvt_mdev_env *e, const char *parent, const char *type,
		    const char *uuid, const char *run_id, struct gvt_mdev *m,
		    char *err, size_t errlen)
{
	const struct gvt_host *h = e->h;
	char types[600], create[768], why[256] = "";
	int rc;

	memset(m, 0, sizeof(*m));
	m->iommu_group = -1;
	if (!gvt_uuid_valid(uuid) || strchr(parent, '/') || strchr(type, '/') ||
	    strlen(parent) >= sizeof(m->parent) || strlen(type) >= sizeof(m->type)) {
		vrc_seterr(err, errlen, "mdev: bad uuid '%s', parent '%s' or type '%s'",
			   uuid, parent, type);
		return -EINVAL;
	}
	snprintf(m->uuid, sizeof(m->uuid), "%s", uuid);
	snprintf(m->parent, sizeof(m->parent), "%s", parent);
	snprintf(m->type, sizeof(m->type), "%s", type);
	snprintf(m->dir, sizeof(m->dir), "%s/bus/mdev/devices/%s", h->sysfs_root, uuid);
	snprintf(m->marker, sizeof(m->marker), "%s/%s", h->run_dir, uuid);
	if ((rc = ensure_run_dir(h->run_dir, err, errlen)))
		return rc;
	if ((rc = write_marker(h, m->marker, run_id, parent, type, err, errlen)))
		return rc;
	gvt_types_dir(h, parent, types, sizeof(types));
	snprintf(create, sizeof(create), "%s/%s/create", types, type);
	rc = writer(e)->write(writer(e)->ctx, create, uuid, why, sizeof(why));
	if (rc) {
		vrc_seterr(err, errlen, "mdev create: %s", why);
		unlink(m->marker);
		return rc;
	}
	if ((rc = wait_dir(m->dir, true, e->appear_ms))) {
		/* the marker stays: the kernel may still create it; the sweep cleans up */
		vrc_seterr(err, errlen, "mdev create: %s did not appear within %d ms",
			   m->dir, e->appear_ms > 0 ? e->appear_ms : 5000);
		return rc;
	}
	resolve(m, h->dev_root);
	return 0;
}

/* fd target equal to a or b (an empty one matches nothing)? */
static bool fd_is(const char *fd_path, const char *a, const char *b)
{
	char t[600];
	ssize_t n = readlink(fd_path, t, sizeof(t) - 1);

	if (n <= 0)
		return false;
	t[n] = 0;
	return (a[0] && !strcmp(t, a)) || (b[0] && !strcmp(t, b));
}

/*
 * A process with the vGPU's group node or cdev open: its pid (comm in
 * comm), or 0. Writing `remove` while the device is open blocks in the
 * kernel until the last user closes it (vfio_unregister_group_dev waits,
 * uninterruptibly once signalled), so a sweep after a crash would hang on
 * an orphaned QEMU. A device fd whose group fd was closed is an anonymous
 * inode and is not seen; QEMU and vrc keep their group fds.
 */
static long held_by(const struct gvt_host *h, const struct gvt_mdev *m, char *comm,
		    size_t commlen)
{
	char group[320] = "", cdev[320] = "", p[600];
	struct dirent *pe, *fe;
	long found = 0;
	DIR *pd, *fd;

	if (m->iommu_group >= 0)
		snprintf(group, sizeof(group), "%s/vfio/%d", h->dev_root, m->iommu_group);
	if (m->cdev[0])
		snprintf(cdev, sizeof(cdev), "%s/vfio/devices/%s", h->dev_root, m->cdev);
	if (!group[0] && !cdev[0])
		return 0;
	if (!(pd = opendir(h->proc_root)))
		return 0;
	while (!found && (pe = readdir(pd))) {
		char *end;
		long pid = strtol(pe->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		snprintf(p, sizeof(p), "%s/%ld/fd", h->proc_root, pid);
		if (!(fd = opendir(p)))
			continue;	/* gone, or not ours to read */
		while ((fe = readdir(fd))) {
			snprintf(p, sizeof(p), "%s/%ld/fd/%s", h->proc_root, pid, fe->d_name);
			if (fe->d_name[0] != '.' && fd_is(p, group, cdev)) {
				found = pid;
				break;
			}
		}
		closedir(fd);
	}
	closedir(pd);
	if (found) {
		FILE *f;

		snprintf(p, sizeof(p), "%s/%ld/comm", h->proc_root, found);
		snprintf(comm, commlen, "?");
		if ((f = fopen(p, "re"))) {
			if (fgets(comm, (int)commlen, f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
	}
	return found;
}

static int remove_dev(const struct gvt_mdev_env *e, const char *uuid, char *err, size_t errlen)
{
	char rm[640], why[256] = "", comm[64];
	struct gvt_mdev m = { 0 };
	const char *dir = m.dir;
	long pid;
	int rc;

	snprintf(m.dir, sizeof(m.dir), "%s/bus/mdev/devices/%s", e->h->sysfs_root, uuid);
	if (!dir_exists(dir))
		return 0;
	resolve(&m, e->h->dev_root);
	if ((pid = held_by(e->h, &m, comm, sizeof(comm)))) {
		vrc_seterr(err, errlen, "mdev remove: %s is open in pid %ld (%s); not removed, "
			   "since the kernel would block the removal until it closes: stop that "
			   "process, the next run's sweep removes the mdev", uuid, pid, comm);
		return -EBUSY;
	}
	snprintf(rm, sizeof(rm), "%s/remove", dir);
	rc = writer(e)->write(writer(e)->ctx, rm, "1", why, sizeof(why));
	if (rc) {
		vrc_seterr(err, errlen, "mdev remove: %s", why);
		return rc;
	}
	if ((rc = wait_dir(dir, false, e->appear_ms))) {
		vrc_seterr(err, errlen, "mdev remove: %s still there after %d ms (still open?)",
			   dir, e->appear_ms > 0 ? e->appear_ms : 5000);
		return rc;
	}
	return 0;
}

int gvt_mdev_remove(const struct gvt_mdev_env *e, const char *uuid, char *err, size_t errlen)
{
	char marker[512];
	struct marker mk;
	int rc;

	snprintf(marker, sizeof(marker), "%s/%s", e->h->run_dir, uuid);
	if (!gvt_uuid_valid(uuid) || read_marker(marker, &mk) || mk.pid != (long)getpid()) {
		vrc_seterr(err, errlen, "mdev %s: no marker of this process in %s: not ours, "
			   "not removed", uuid, e->h->run_dir);
		return -EPERM;
	}
	if ((rc = remove_dev(e, uuid, err, errlen)))
		return rc;
	unlink(marker);
	return 0;
}

static void logf_(void (*log)(void *, const char *), void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void logf_(void (*log)(void *, const char *), void *ctx, const char *fmt, ...)
{
	char line[700];
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log(ctx, line);
}

int gvt_mdev_sweep(const struct gvt_mdev_env *e, bool dry_run,
		   void (*log)(void *ctx, const char *line), void *ctx)
{
	const struct gvt_host *h = e->h;
	struct dirent *de;
	int removed = 0;
	DIR *d = opendir(h->run_dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char marker[512], dev[600], err[300] = "";
		unsigned long long start;
		struct marker mk;
		bool alive, present;

		if (!gvt_uuid_valid(de->d_name))
			continue;
		snprintf(marker, sizeof(marker), "%s/%s", h->run_dir, de->d_name);
		snprintf(dev, sizeof(dev), "%s/bus/mdev/devices/%s", h->sysfs_root, de->d_name);
		present = dir_exists(dev);
		if (read_marker(marker, &mk)) {
			/* written before `create`: a bad marker means create never ran */
			if (present) {
				logf_(log, ctx, "marker %s unreadable and mdev %s exists: left alone",
				      marker, de->d_name);
			} else {
				logf_(log, ctx, "%sremove unreadable marker %s (no mdev)",
				      dry_run ? "would " : "", marker);
				if (!dry_run)
					unlink(marker);
			}
			continue;
		}
		alive = !proc_starttime(h->proc_root, mk.pid, &start) && start == mk.start;
		if (alive) {
			logf_(log, ctx, "mdev %s belongs to running pid %ld (run %s): left alone",
			      de->d_name, mk.pid, mk.run);
			continue;
		}
		if (!present) {
			logf_(log, ctx, "%sremove stale marker %s (run %s, mdev already gone)",
			      dry_run ? "would " : "", marker, mk.run);
			if (!dry_run)
				unlink(marker);
			continue;
		}
		logf_(log, ctx, "%sremove leftover mdev %s of dead run %s (pid %ld)",
		      dry_run ? "would " : "", de->d_name, mk.run, mk.pid);
		if (dry_run)
			continue;
		if (remove_dev(e, de->d_name, err, sizeof(err))) {
			logf_(log, ctx, "could not remove %s: %s", de->d_name, err);
			continue;
		}
		unlink(marker);
		removed++;
	}
	closedir(d);
	return removed;
}
