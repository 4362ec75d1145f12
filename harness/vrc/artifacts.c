// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifacts.h"
#include "vt.h"

int vrc_mkdirs(const char *path)
{
	char buf[700];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0755) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int vt_artifact_json(struct vt *t, const char *file, json_object *obj)
{
	char tmp[800], final[800];
	int rc, fd = -1;

	if (!t->artifact_dir) {
		json_object_put(obj);
		return 0;
	}
	if (strchr(file, '/') || file[0] == '.') {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = vrc_mkdirs(t->artifact_dir)))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", t->artifact_dir, file);
	snprintf(final, sizeof(final), "%s/%s", t->artifact_dir, file);
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    rename(tmp, final))
		rc = errno ? -errno : -EIO;
out:
	if (fd >= 0)
		close(fd);
	json_object_put(obj);
	if (rc)
		vt_diag(t, "cannot keep artifact %s: %s", file, strerror(-rc));
	return rc;
}

int vt_artifact_path(struct vt *t, const char *file, char *out, size_t len)
{
	int rc;

	if (!t->artifact_dir)
		return -ENOENT;
	if (strchr(file, '/') || file[0] == '.')
		return -EINVAL;
	if ((rc = vrc_mkdirs(t->artifact_dir)))
		return rc;
	if ((size_t)snprintf(out, len, "%s/%s", t->artifact_dir, file) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int vt_artifact_vblanks(struct vt *t, const char *label, const struct vrc_vblank *vb,
			unsigned n, uint32_t first_counter)
{
	json_object *root = json_object_new_object(), *rows = json_object_new_array();
	char file[96];

	json_object_object_add(root, "first_counter", json_object_new_int64(first_counter));
	for (unsigned k = 0; k < n; k++) {
		json_object *r = json_object_new_object();
		json_object_object_add(r, "flip", json_object_new_int(vb[k].flip));
		json_object_object_add(r, "cursor", json_object_new_int(vb[k].cursor));
		json_object_object_add(r, "draw", json_object_new_int(vb[k].draw));
		json_object_object_add(r, "pri", json_object_new_int64(vb[k].pri));
		json_object_object_add(r, "cur", json_object_new_int64(vb[k].cur));
		json_object_object_add(r, "inexact", json_object_new_int64(vb[k].inexact));
		json_object_array_add(rows, r);
	}
	json_object_object_add(root, "rows", rows);
	snprintf(file, sizeof(file), "vblanks-%s.json", label);
	return vt_artifact_json(t, file, root);
}
