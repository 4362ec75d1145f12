// SPDX-License-Identifier: MIT
/* The guest timeline (timeline.h): build, validate, write, parse, expect. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "vrc/json.h"
#include "vrc/timeline.h"
#include "vrc/util.h"

#define FORMAT_NAME	"vrc-timeline"
#define JSON_DEPTH	8	/* the schema nests 4 deep */

static const char *const kind_names[] = {
	[VRC_TL_FLIP] = "flip", [VRC_TL_ASYNC] = "async",
	[VRC_TL_CURSOR] = "cursor", [VRC_TL_DRAW] = "draw",
};
static const char *const what_names[] = { "pos", "image", "hotspot" };

/* ---- building */

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

void vrc_timeline_init(struct vrc_timeline *tl, const char *backend, const char *workload,
		       uint32_t bands)
{
	memset(tl, 0, sizeof(*tl));
	copy_str(tl->backend, sizeof(tl->backend), backend);
	copy_str(tl->workload, sizeof(tl->workload), workload);
	tl->bands = bands;
}

int vrc_timeline_set_param(struct vrc_timeline *tl, const char *name, const char *value)
{
	unsigned i;

	for (i = 0; i < tl->nparams; i++)
		if (!strcmp(tl->params[i].name, name))
			break;
	if (i == VRC_TL_MAX_PARAMS)
		return -E2BIG;
	if (strlen(name) >= sizeof(tl->params[i].name) ||
	    strlen(value) >= sizeof(tl->params[i].value))
		return -EINVAL;
	copy_str(tl->params[i].name, sizeof(tl->params[i].name), name);
	copy_str(tl->params[i].value, sizeof(tl->params[i].value), value);
	if (i == tl->nparams)
		tl->nparams++;
	return 0;
}

const char *vrc_timeline_param(const struct vrc_timeline *tl, const char *name)
{
	for (unsigned i = 0; i < tl->nparams; i++)
		if (!strcmp(tl->params[i].name, name))
			return tl->params[i].value;
	return NULL;
}

/* Grow *arr to hold one more element of size sz, up to max elements. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz, size_t max)
{
	size_t ncap;
	void *p;

	if (n >= max)
		return -E2BIG;
	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap > max)
		ncap = max;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int vrc_timeline_add_frame(struct vrc_timeline *tl, const uint32_t *crc, uint32_t *id)
{
	int rc = grow((void **)&tl->frames, &tl->cap_frames, tl->nframes,
		      sizeof(*tl->frames), VRC_TL_MAX_FRAMES);
	struct vrc_tl_frame *f;

	if (rc)
		return rc;
	if (tl->bands == 0 || tl->bands > VRC_BANDS_MAX)
		return -EINVAL;
	f = &tl->frames[tl->nframes];
	memset(f, 0, sizeof(*f));
	f->id = (uint32_t)tl->nframes;
	memcpy(f->crc, crc, tl->bands * sizeof(*crc));
	if (id)
		*id = f->id;
	tl->nframes++;
	return 0;
}

int vrc_timeline_add_image(struct vrc_timeline *tl, uint32_t width, uint32_t height,
			   uint32_t crc, uint32_t *id)
{
	if (tl->nimages >= VRC_TL_MAX_IMAGES)
		return -E2BIG;
	tl->images[tl->nimages] = (struct vrc_tl_image){
		.id = tl->nimages, .width = width, .height = height, .crc = crc };
	if (id)
		*id = tl->nimages;
	tl->nimages++;
	return 0;
}

int vrc_timeline_add_event(struct vrc_timeline *tl, const struct vrc_tl_event *ev)
{
	int rc = grow((void **)&tl->events, &tl->cap_events, tl->nevents,
		      sizeof(*tl->events), VRC_TL_MAX_EVENTS);

	if (rc)
		return rc;
	tl->events[tl->nevents++] = *ev;
	return 0;
}

int vrc_timeline_add_skip(struct vrc_timeline *tl, const char *what, const char *reason)
{
	if (tl->nskips >= VRC_TL_MAX_SKIPS)
		return -E2BIG;
	copy_str(tl->skips[tl->nskips].what, sizeof(tl->skips[0].what), what);
	copy_str(tl->skips[tl->nskips].reason, sizeof(tl->skips[0].reason), reason);
	tl->nskips++;
	return 0;
}

void vrc_timeline_release(struct vrc_timeline *tl)
{
	if (!tl)
		return;
	free(tl->frames);
	free(tl->events);
	tl->frames = NULL;
	tl->events = NULL;
	tl->nframes = tl->cap_frames = tl->nevents = tl->cap_events = 0;
}

void vrc_timeline_free(struct vrc_timeline *tl)
{
	vrc_timeline_release(tl);
	free(tl);
}

/* ---- validation (shared by writer and parser) */

/* b is at or after a, by at most VRC_TL_MAX_SPAN (wrap-safe). */
static bool within_span(uint32_t a, uint32_t b)
{
	return b - a <= VRC_TL_MAX_SPAN;
}

static bool in_run(const struct vrc_timeline *tl, uint32_t s)
{
	return s - tl->first <= tl->last - tl->first;
}

static int check_event(const struct vrc_timeline *tl, size_t i, const struct vrc_tl_event *e,
		       char *err, size_t errlen)
{
	const char *k = e->kind >= VRC_TL_FLIP && e->kind <= VRC_TL_DRAW ?
			kind_names[e->kind] : "?";

	if (!in_run(tl, e->before) || !in_run(tl, e->after) || !within_span(e->before, e->after)) {
		vrc_seterr(err, errlen, "events[%zu] (%s): before %u / after %u outside the "
			   "span [%u, %u] or after < before", i, k, e->before, e->after,
			   tl->first, tl->last);
		return -EINVAL;
	}
	switch (e->kind) {
	case VRC_TL_FLIP:
	case VRC_TL_ASYNC:
		/* a sync flip latches after submission; an async one completes during it
		 * or right after, and the run's span may end at the completion */
		if (!in_run(tl, e->seq) || e->seq - e->before - (e->kind == VRC_TL_FLIP) >
		    VRC_TL_MAX_SPAN) {
			vrc_seterr(err, errlen, "events[%zu] (%s): seq %u not after before %u "
				   "or outside the span [%u, %u]", i, k, e->seq, e->before,
				   tl->first, tl->last);
			return -EINVAL;
		}
		/* fallthrough */
	case VRC_TL_DRAW:
		if (e->frame >= tl->nframes) {
			vrc_seterr(err, errlen, "events[%zu] (%s): frame %u not in frames "
				   "(%zu)", i, k, e->frame, tl->nframes);
			return -EINVAL;
		}
		if (e->kind == VRC_TL_DRAW && (e->y0 >= e->y1 || e->y1 > tl->height)) {
			vrc_seterr(err, errlen, "events[%zu] (draw): rows [%u, %u) outside "
				   "[0, %u)", i, e->y0, e->y1, tl->height);
			return -EINVAL;
		}
		return 0;
	case VRC_TL_CURSOR:
		if (!e->what || e->what & ~7u) {
			vrc_seterr(err, errlen, "events[%zu] (cursor): empty or unknown 'what'", i);
			return -EINVAL;
		}
		if (e->image >= tl->nimages) {
			vrc_seterr(err, errlen, "events[%zu] (cursor): image %u not in "
				   "cursor_images (%u)", i, e->image, tl->nimages);
			return -EINVAL;
		}
		if (e->x < -VRC_TL_MAX_POS || e->x > VRC_TL_MAX_POS ||
		    e->y < -VRC_TL_MAX_POS || e->y > VRC_TL_MAX_POS ||
		    e->hot_x >= tl->images[e->image].width ||
		    e->hot_y >= tl->images[e->image].height) {
			vrc_seterr(err, errlen, "events[%zu] (cursor): position %d,%d or "
				   "hotspot %u,%u out of range", i, e->x, e->y, e->hot_x, e->hot_y);
			return -EINVAL;
		}
		return 0;
	default:
		vrc_seterr(err, errlen, "events[%zu]: unknown kind %u", i, e->kind);
		return -EINVAL;
	}
}

int vrc_timeline_validate(const struct vrc_timeline *tl, char *err, size_t errlen)
{
	if (strcmp(tl->backend, "sim") && strcmp(tl->backend, "kms")) {
		vrc_seterr(err, errlen, "backend '%s': want sim or kms", tl->backend);
		return -EINVAL;
	}
	if (!tl->workload[0]) {
		vrc_seterr(err, errlen, "workload: empty");
		return -EINVAL;
	}
	if (tl->width == 0 || tl->width > VRC_TL_MAX_DIM || tl->height == 0 ||
	    tl->height > VRC_TL_MAX_DIM || tl->stride / 4 < tl->width ||
	    tl->stride > 4 * VRC_TL_MAX_DIM * 2) {
		vrc_seterr(err, errlen, "geometry %ux%u stride %u: want 1..%u pixels, "
			   "stride >= 4 * width", tl->width, tl->height, tl->stride,
			   VRC_TL_MAX_DIM);
		return -EINVAL;
	}
	if (tl->bands == 0 || tl->bands > VRC_BANDS_MAX || tl->bands > tl->height) {
		vrc_seterr(err, errlen, "bands %u: want 1..%u and at most the height",
			   tl->bands, VRC_BANDS_MAX);
		return -EINVAL;
	}
	if (!within_span(tl->first, tl->last)) {
		vrc_seterr(err, errlen, "span [%u, %u]: more than %u vblanks or last < first",
			   tl->first, tl->last, VRC_TL_MAX_SPAN);
		return -E2BIG;
	}
	if (tl->nframes > VRC_TL_MAX_FRAMES || tl->nevents > VRC_TL_MAX_EVENTS ||
	    tl->nimages > VRC_TL_MAX_IMAGES) {
		vrc_seterr(err, errlen, "%zu frames, %zu events, %u cursor images: limits "
			   "%u, %u, %u", tl->nframes, tl->nevents, tl->nimages,
			   VRC_TL_MAX_FRAMES, VRC_TL_MAX_EVENTS, VRC_TL_MAX_IMAGES);
		return -E2BIG;
	}
	for (size_t i = 0; i < tl->nframes; i++)
		if (tl->frames[i].id != i) {
			vrc_seterr(err, errlen, "frames[%zu]: id %u, want %zu", i,
				   tl->frames[i].id, i);
			return -EINVAL;
		}
	for (unsigned i = 0; i < tl->nimages; i++) {
		const struct vrc_tl_image *im = &tl->images[i];
		if (im->id != i || im->width == 0 || im->width > VRC_TL_MAX_CURSOR ||
		    im->height == 0 || im->height > VRC_TL_MAX_CURSOR) {
			vrc_seterr(err, errlen, "cursor_images[%u]: id %u, %ux%u: want id %u "
				   "and 1..%u pixels", i, im->id, im->width, im->height, i,
				   VRC_TL_MAX_CURSOR);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < tl->nevents; i++) {
		int rc = check_event(tl, i, &tl->events[i], err, errlen);
		if (rc)
			return rc;
		if (i && tl->events[i].before - tl->events[i - 1].before > VRC_TL_MAX_SPAN) {
			vrc_seterr(err, errlen, "events[%zu]: before %u precedes the previous "
				   "event's %u: events must be in submission order", i,
				   tl->events[i].before, tl->events[i - 1].before);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- writing */

static int add_u32(json_object *o, const char *k, uint32_t v)
{
	return json_object_object_add(o, k, json_object_new_int64(v));
}

static json_object *event_json(const struct vrc_tl_event *e)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "t", json_object_new_string(kind_names[e->kind]));
	add_u32(o, "before", e->before);
	add_u32(o, "after", e->after);
	switch (e->kind) {
	case VRC_TL_FLIP:
	case VRC_TL_ASYNC:
		add_u32(o, "seq", e->seq);
		add_u32(o, "frame", e->frame);
		break;
	case VRC_TL_DRAW:
		add_u32(o, "frame", e->frame);
		add_u32(o, "y0", e->y0);
		add_u32(o, "y1", e->y1);
		break;
	case VRC_TL_CURSOR: {
		json_object *w = json_object_new_array();
		for (unsigned b = 0; b < 3; b++)
			if (e->what & (1u << b))
				json_object_array_add(w, json_object_new_string(what_names[b]));
		json_object_object_add(o, "what", w);
		json_object_object_add(o, "x", json_object_new_int(e->x));
		json_object_object_add(o, "y", json_object_new_int(e->y));
		add_u32(o, "hot_x", e->hot_x);
		add_u32(o, "hot_y", e->hot_y);
		add_u32(o, "image", e->image);
		break;
	}
	}
	return o;
}

static json_object *timeline_json(const struct vrc_timeline *tl)
{
	json_object *root = json_object_new_object(), *o, *a;

	json_object_object_add(root, "format", json_object_new_string(FORMAT_NAME));
	add_u32(root, "version", VRC_TL_VERSION);
	json_object_object_add(root, "backend", json_object_new_string(tl->backend));
	json_object_object_add(root, "device", json_object_new_string(tl->device));
	json_object_object_add(root, "workload", json_object_new_string(tl->workload));
	o = json_object_new_object();
	for (unsigned i = 0; i < tl->nparams; i++)
		json_object_object_add(o, tl->params[i].name,
				       json_object_new_string(tl->params[i].value));
	json_object_object_add(root, "params", o);
	o = json_object_new_object();
	add_u32(o, "width", tl->width);
	add_u32(o, "height", tl->height);
	add_u32(o, "stride", tl->stride);
	json_object_object_add(o, "format", json_object_new_string("XRGB8888"));
	add_u32(o, "refresh_mhz", tl->refresh_mhz);
	json_object_object_add(root, "geometry", o);
	o = json_object_new_object();
	json_object_object_add(o, "exact", json_object_new_boolean(tl->offset_exact));
	if (tl->offset_exact)
		add_u32(o, "value", tl->hw_offset);
	json_object_object_add(root, "hw_offset", o);
	o = json_object_new_object();
	add_u32(o, "first", tl->first);
	add_u32(o, "last", tl->last);
	json_object_object_add(root, "span", o);
	add_u32(root, "bands", tl->bands);
	a = json_object_new_array_ext((int)tl->nframes);
	for (size_t i = 0; i < tl->nframes; i++) {
		json_object *f = json_object_new_object(), *c = json_object_new_array();
		add_u32(f, "id", tl->frames[i].id);
		for (uint32_t b = 0; b < tl->bands; b++)
			json_object_array_add(c, json_object_new_int64(tl->frames[i].crc[b]));
		json_object_object_add(f, "crc", c);
		json_object_array_add(a, f);
	}
	json_object_object_add(root, "frames", a);
	a = json_object_new_array();
	for (unsigned i = 0; i < tl->nimages; i++) {
		json_object *m = json_object_new_object();
		add_u32(m, "id", tl->images[i].id);
		add_u32(m, "width", tl->images[i].width);
		add_u32(m, "height", tl->images[i].height);
		add_u32(m, "crc", tl->images[i].crc);
		json_object_array_add(a, m);
	}
	json_object_object_add(root, "cursor_images", a);
	a = json_object_new_array_ext((int)tl->nevents);
	for (size_t i = 0; i < tl->nevents; i++)
		json_object_array_add(a, event_json(&tl->events[i]));
	json_object_object_add(root, "events", a);
	a = json_object_new_array();
	for (unsigned i = 0; i < tl->nskips; i++) {
		json_object *s = json_object_new_object();
		json_object_object_add(s, "what", json_object_new_string(tl->skips[i].what));
		json_object_object_add(s, "reason", json_object_new_string(tl->skips[i].reason));
		json_object_array_add(a, s);
	}
	json_object_object_add(root, "skipped", a);
	return root;
}

char *vrc_timeline_to_json(const struct vrc_timeline *tl, char *err, size_t errlen)
{
	json_object *root;
	char *out;

	if (vrc_timeline_validate(tl, err, errlen))
		return NULL;
	root = timeline_json(tl);
	out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	if (!out)
		vrc_seterr(err, errlen, "out of memory");
	/* what the parser would refuse is not written either */
	if (out && strlen(out) + 1 > VRC_TL_MAX_BYTES) {
		vrc_seterr(err, errlen, "%zu bytes of JSON: at most %u allowed", strlen(out) + 1,
			   VRC_TL_MAX_BYTES);
		free(out);
		out = NULL;
	}
	return out;
}

int vrc_timeline_write(const struct vrc_timeline *tl, const char *path, char *err,
		       size_t errlen)
{
	char tmp[PATH_MAX];
	char *text = vrc_timeline_to_json(tl, err, errlen);
	size_t len;
	FILE *f;
	int rc = 0;

	if (!text)
		return -EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		vrc_seterr(err, errlen, "%s: path too long", path);
		free(text);
		return -ENAMETOOLONG;
	}
	len = strlen(text);
	f = fopen(tmp, "w");
	if (!f || fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF || fflush(f) ||
	    fsync(fileno(f))) {
		rc = -errno;
		vrc_seterr(err, errlen, "%s: %s", tmp, strerror(errno));
	}
	if (f && fclose(f) && !rc) {
		rc = -errno;
		vrc_seterr(err, errlen, "%s: %s", tmp, strerror(errno));
	}
	if (!rc && rename(tmp, path)) {
		rc = -errno;
		vrc_seterr(err, errlen, "rename %s to %s: %s", tmp, path, strerror(errno));
	}
	if (rc)
		unlink(tmp);
	free(text);
	return rc;
}

/* ---- parsing */

struct pctx {
	char *err;
	size_t errlen;
};

static json_object *get(struct pctx *p, json_object *o, const char *where, const char *key,
			json_type type)
{
	json_object *v;

	if (vrc_json_member(o, key, type, &v)) {
		vrc_seterr(p->err, p->errlen, "%s%s%s: missing or not %s", where,
			   *where ? "." : "", key, json_type_to_name(type));
		return NULL;
	}
	return v;
}

static int get_i64(struct pctx *p, json_object *o, const char *where, const char *key,
		   int64_t lo, int64_t hi, int64_t *out)
{
	json_object *v = get(p, o, where, key, json_type_int);

	if (!v)
		return -EINVAL;
	if (vrc_json_i64(o, key, lo, hi, out)) {
		vrc_seterr(p->err, p->errlen, "%s%s%s: %s outside [%lld, %lld]", where,
			   *where ? "." : "", key, json_object_to_json_string(v), (long long)lo,
			   (long long)hi);
		return -EINVAL;
	}
	return 0;
}

static int get_u32(struct pctx *p, json_object *o, const char *where, const char *key,
		   uint32_t *out)
{
	int64_t x;
	int rc = get_i64(p, o, where, key, 0, UINT32_MAX, &x);

	if (!rc)
		*out = (uint32_t)x;
	return rc;
}

static int get_str(struct pctx *p, json_object *o, const char *where, const char *key,
		   char *out, size_t cap)
{
	json_object *v = get(p, o, where, key, json_type_string);

	if (!v)
		return -EINVAL;
	if ((size_t)json_object_get_string_len(v) >= cap) {
		vrc_seterr(p->err, p->errlen, "%s%s%s: longer than %zu bytes", where,
			   *where ? "." : "", key, cap - 1);
		return -EINVAL;
	}
	copy_str(out, cap, json_object_get_string(v));
	return 0;
}

static int parse_event(struct pctx *p, json_object *o, size_t i, struct vrc_tl_event *e)
{
	char where[48], kind[16];
	int64_t x;
	int rc;

	snprintf(where, sizeof(where), "events[%zu]", i);
	memset(e, 0, sizeof(*e));
	if (!json_object_is_type(o, json_type_object)) {
		vrc_seterr(p->err, p->errlen, "%s: not an object", where);
		return -EINVAL;
	}
	if ((rc = get_str(p, o, where, "t", kind, sizeof(kind))))
		return rc;
	for (unsigned k = VRC_TL_FLIP; k <= VRC_TL_DRAW; k++)
		if (!strcmp(kind, kind_names[k]))
			e->kind = (uint8_t)k;
	if (!e->kind) {
		vrc_seterr(p->err, p->errlen, "%s.t: unknown event '%s'", where, kind);
		return -EINVAL;
	}
	if ((rc = get_u32(p, o, where, "before", &e->before)) ||
	    (rc = get_u32(p, o, where, "after", &e->after)))
		return rc;
	switch (e->kind) {
	case VRC_TL_FLIP:
	case VRC_TL_ASYNC:
		if ((rc = get_u32(p, o, where, "seq", &e->seq)) ||
		    (rc = get_u32(p, o, where, "frame", &e->frame)))
			return rc;
		break;
	case VRC_TL_DRAW:
		if ((rc = get_u32(p, o, where, "frame", &e->frame)) ||
		    (rc = get_u32(p, o, where, "y0", &e->y0)) ||
		    (rc = get_u32(p, o, where, "y1", &e->y1)))
			return rc;
		break;
	case VRC_TL_CURSOR: {
		json_object *w = get(p, o, where, "what", json_type_array);
		size_t n;
		if (!w)
			return -EINVAL;
		n = json_object_array_length(w);
		if (n > 3) {
			vrc_seterr(p->err, p->errlen, "%s.what: more than 3 entries", where);
			return -EINVAL;
		}
		for (size_t j = 0; j < n; j++) {
			json_object *s = json_object_array_get_idx(w, j);
			unsigned b;
			for (b = 0; b < 3; b++)
				if (json_object_is_type(s, json_type_string) &&
				    !strcmp(json_object_get_string(s), what_names[b]))
					break;
			if (b == 3) {
				vrc_seterr(p->err, p->errlen, "%s.what[%zu]: want pos, image "
					   "or hotspot", where, j);
				return -EINVAL;
			}
			e->what |= (uint8_t)(1u << b);
		}
		if ((rc = get_i64(p, o, where, "x", -VRC_TL_MAX_POS, VRC_TL_MAX_POS, &x)))
			return rc;
		e->x = (int32_t)x;
		if ((rc = get_i64(p, o, where, "y", -VRC_TL_MAX_POS, VRC_TL_MAX_POS, &x)))
			return rc;
		e->y = (int32_t)x;
		if ((rc = get_u32(p, o, where, "hot_x", &e->hot_x)) ||
		    (rc = get_u32(p, o, where, "hot_y", &e->hot_y)) ||
		    (rc = get_u32(p, o, where, "image", &e->image)))
			return rc;
		break;
	}
	}
	return 0;
}

/* An array member, bounded by max (-E2BIG beyond). */
static json_object *get_array(struct pctx *p, json_object *o, const char *key, size_t max,
			      size_t *n, int *rc)
{
	json_object *a = get(p, o, "", key, json_type_array);

	*rc = -EINVAL;
	if (!a)
		return NULL;
	*n = json_object_array_length(a);
	if (*n > max) {
		vrc_seterr(p->err, p->errlen, "%s: %zu entries, at most %zu allowed", key, *n, max);
		*rc = -E2BIG;
		return NULL;
	}
	*rc = 0;
	return a;
}

static int parse_root(struct pctx *p, json_object *root, struct vrc_timeline *tl)
{
	char fmt[32];
	json_object *o, *a;
	uint32_t version;
	size_t n;
	int rc;

	if (!json_object_is_type(root, json_type_object)) {
		vrc_seterr(p->err, p->errlen, "top level: not an object");
		return -EINVAL;
	}
	if ((rc = get_str(p, root, "", "format", fmt, sizeof(fmt))))
		return rc;
	if (strcmp(fmt, FORMAT_NAME)) {
		vrc_seterr(p->err, p->errlen, "format '%s': want %s", fmt, FORMAT_NAME);
		return -EINVAL;
	}
	if ((rc = get_u32(p, root, "", "version", &version)))
		return rc;
	if (version != VRC_TL_VERSION) {
		vrc_seterr(p->err, p->errlen, "version %u: this reader knows %u", version,
			   VRC_TL_VERSION);
		return -EINVAL;
	}
	if ((rc = get_str(p, root, "", "backend", tl->backend, sizeof(tl->backend))) ||
	    (rc = get_str(p, root, "", "device", tl->device, sizeof(tl->device))) ||
	    (rc = get_str(p, root, "", "workload", tl->workload, sizeof(tl->workload))))
		return rc;
	if (!(o = get(p, root, "", "params", json_type_object)))
		return -EINVAL;
	json_object_object_foreach(o, key, val) {
		if (!json_object_is_type(val, json_type_string)) {
			vrc_seterr(p->err, p->errlen, "params.%.32s: not a string", key);
			return -EINVAL;
		}
		rc = vrc_timeline_set_param(tl, key, json_object_get_string(val));
		if (rc) {
			vrc_seterr(p->err, p->errlen, "params.%.32s: %s", key, rc == -E2BIG ?
				   "too many params" : "name or value too long");
			return rc;
		}
	}
	if (!(o = get(p, root, "", "geometry", json_type_object)) ||
	    (rc = get_u32(p, o, "geometry", "width", &tl->width)) ||
	    (rc = get_u32(p, o, "geometry", "height", &tl->height)) ||
	    (rc = get_u32(p, o, "geometry", "stride", &tl->stride)) ||
	    (rc = get_u32(p, o, "geometry", "refresh_mhz", &tl->refresh_mhz)) ||
	    (rc = get_str(p, o, "geometry", "format", fmt, sizeof(fmt))))
		return -EINVAL;
	if (strcmp(fmt, "XRGB8888")) {
		vrc_seterr(p->err, p->errlen, "geometry.format '%s': want XRGB8888", fmt);
		return -EINVAL;
	}
	if (!(o = get(p, root, "", "hw_offset", json_type_object)) ||
	    !(a = get(p, o, "hw_offset", "exact", json_type_boolean)))
		return -EINVAL;
	tl->offset_exact = json_object_get_boolean(a);
	if (tl->offset_exact && (rc = get_u32(p, o, "hw_offset", "value", &tl->hw_offset)))
		return rc;
	if (!(o = get(p, root, "", "span", json_type_object)) ||
	    (rc = get_u32(p, o, "span", "first", &tl->first)) ||
	    (rc = get_u32(p, o, "span", "last", &tl->last)) ||
	    (rc = get_u32(p, root, "", "bands", &tl->bands)))
		return -EINVAL;
	if (tl->bands == 0 || tl->bands > VRC_BANDS_MAX) {
		vrc_seterr(p->err, p->errlen, "bands %u: want 1..%u", tl->bands, VRC_BANDS_MAX);
		return -EINVAL;
	}

	if (!(a = get_array(p, root, "frames", VRC_TL_MAX_FRAMES, &n, &rc)))
		return rc;
	if (n && !(tl->frames = calloc(n, sizeof(*tl->frames)))) {
		vrc_seterr(p->err, p->errlen, "out of memory for %zu frames", n);
		return -ENOMEM;
	}
	tl->cap_frames = n;
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(a, i), *c;
		char where[48];
		snprintf(where, sizeof(where), "frames[%zu]", i);
		if (!json_object_is_type(f, json_type_object)) {
			vrc_seterr(p->err, p->errlen, "%s: not an object", where);
			return -EINVAL;
		}
		if ((rc = get_u32(p, f, where, "id", &tl->frames[i].id)) ||
		    !(c = get(p, f, where, "crc", json_type_array)))
			return -EINVAL;
		if (json_object_array_length(c) != tl->bands) {
			vrc_seterr(p->err, p->errlen, "%s.crc: %zu values, want bands = %u", where,
				   json_object_array_length(c), tl->bands);
			return -EINVAL;
		}
		for (uint32_t b = 0; b < tl->bands; b++) {
			json_object *v = json_object_array_get_idx(c, b);
			int64_t x = json_object_is_type(v, json_type_int) ?
				    json_object_get_int64(v) : -1;
			if (x < 0 || x > UINT32_MAX) {
				vrc_seterr(p->err, p->errlen, "%s.crc[%u]: not a u32", where, b);
				return -EINVAL;
			}
			tl->frames[i].crc[b] = (uint32_t)x;
		}
		tl->nframes++;
	}

	if (!(a = get_array(p, root, "cursor_images", VRC_TL_MAX_IMAGES, &n, &rc)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(a, i);
		struct vrc_tl_image *im = &tl->images[i];
		char where[48];
		snprintf(where, sizeof(where), "cursor_images[%zu]", i);
		if (!json_object_is_type(m, json_type_object)) {
			vrc_seterr(p->err, p->errlen, "%s: not an object", where);
			return -EINVAL;
		}
		if ((rc = get_u32(p, m, where, "id", &im->id)) ||
		    (rc = get_u32(p, m, where, "width", &im->width)) ||
		    (rc = get_u32(p, m, where, "height", &im->height)) ||
		    (rc = get_u32(p, m, where, "crc", &im->crc)))
			return rc;
		tl->nimages++;
	}

	if (!(a = get_array(p, root, "events", VRC_TL_MAX_EVENTS, &n, &rc)))
		return rc;
	if (n && !(tl->events = calloc(n, sizeof(*tl->events)))) {
		vrc_seterr(p->err, p->errlen, "out of memory for %zu events", n);
		return -ENOMEM;
	}
	tl->cap_events = n;
	for (size_t i = 0; i < n; i++) {
		if ((rc = parse_event(p, json_object_array_get_idx(a, i), i, &tl->events[i])))
			return rc;
		tl->nevents++;
	}

	/* optional */
	if (json_object_object_get_ex(root, "skipped", &a)) {
		if (!(a = get_array(p, root, "skipped", VRC_TL_MAX_SKIPS, &n, &rc)))
			return rc;
		for (size_t i = 0; i < n; i++) {
			json_object *s = json_object_array_get_idx(a, i);
			char where[48];
			snprintf(where, sizeof(where), "skipped[%zu]", i);
			if (!json_object_is_type(s, json_type_object)) {
				vrc_seterr(p->err, p->errlen, "%s: not an object", where);
				return -EINVAL;
			}
			if ((rc = get_str(p, s, where, "what", tl->skips[i].what,
					  sizeof(tl->skips[i].what))) ||
			    (rc = get_str(p, s, where, "reason", tl->skips[i].reason,
					  sizeof(tl->skips[i].reason))))
				return rc;
			tl->nskips++;
		}
	}
	return vrc_timeline_validate(tl, p->err, p->errlen);
}

int vrc_timeline_parse(const char *buf, size_t len, struct vrc_timeline **out,
		       char *err, size_t errlen)
{
	struct pctx p = { err, errlen };
	struct json_tokener *tok;
	struct vrc_timeline *tl;
	json_object *root;
	size_t end;
	int rc;

	*out = NULL;
	if (len > VRC_TL_MAX_BYTES) {
		vrc_seterr(err, errlen, "%zu bytes: at most %u allowed", len, VRC_TL_MAX_BYTES);
		return -E2BIG;
	}
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok) {
		vrc_seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (!root) {
		enum json_tokener_error je = json_tokener_get_error(tok);
		vrc_seterr(err, errlen, "not JSON at byte %zu: %s", json_tokener_get_parse_end(tok),
			   je == json_tokener_continue ? "unexpected end of input" :
			   json_tokener_error_desc(je));
		json_tokener_free(tok);
		return -EINVAL;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (; end < len; end++)
		if (!strchr(" \t\r\n", buf[end])) {
			vrc_seterr(err, errlen, "trailing data at byte %zu", end);
			json_object_put(root);
			return -EINVAL;
		}
	tl = calloc(1, sizeof(*tl));
	if (!tl) {
		json_object_put(root);
		vrc_seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = parse_root(&p, root, tl);
	json_object_put(root);
	if (rc) {
		/* errors quote keys and strings of the input: keep them printable */
		for (char *c = err; c && errlen && *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				*c = '?';
		vrc_timeline_free(tl);
		return rc;
	}
	*out = tl;
	return 0;
}

int vrc_timeline_load(const char *path, struct vrc_timeline **out, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t len = 0;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		vrc_seterr(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)VRC_TL_MAX_BYTES) {
		vrc_seterr(err, errlen, "%s: not a regular file of at most %u bytes", path,
			   VRC_TL_MAX_BYTES);
		close(fd);
		return S_ISREG(st.st_mode) ? -E2BIG : -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		vrc_seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* read at most one byte past the size stat saw: a growing file is refused */
	while ((got = read(fd, buf + len, (size_t)st.st_size + 1 - len)) > 0 &&
	       len + (size_t)got <= (size_t)st.st_size)
		len += (size_t)got;
	rc = got < 0 ? -errno : 0;
	close(fd);
	if (rc || got > 0) {
		vrc_seterr(err, errlen, "%s: %s", path, rc ? strerror(-rc) : "changed while read");
		free(buf);
		return rc ? rc : -EIO;
	}
	rc = vrc_timeline_parse(buf, len, out, err, errlen);
	if (rc) {
		char inner[256];
		snprintf(inner, sizeof(inner), "%s", err ? err : "");
		vrc_seterr(err, errlen, "%s: %s", path, inner);
	}
	free(buf);
	return rc;
}

/* ---- expectations */

static void bump(uint8_t *c)
{
	if (*c < UINT8_MAX)
		(*c)++;
}

int vrc_timeline_expect(const struct vrc_timeline *tl, uint32_t hw_offset, uint32_t first,
			struct vrc_vblank *vb, size_t n, struct vrc_tl_expect_stats *st)
{
	struct vrc_tl_expect_stats dummy;

	if (!tl || (!vb && n))
		return -EINVAL;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < tl->nevents; i++) {
		const struct vrc_tl_event *e = &tl->events[i];
		uint32_t seq, idx;
		unsigned *count;

		switch (e->kind) {
		case VRC_TL_FLIP:
			/* The event's sequence is when the driver completed the
			 * flip, which a slow guest (TCG) does vblanks late: the
			 * latch is in before+1 .. seq, judged like a cursor. */
			seq = e->seq;
			if ((int32_t)(e->seq - (e->before + 1)) > 0) {
				if (e->seq - (e->before + 1) > VRC_ORACLE_TOLERANCE) {
					st->unjudged++;
					continue;
				}
				seq = e->before + 1;
			}
			count = &st->flips;
			break;
		case VRC_TL_ASYNC:
		case VRC_TL_CURSOR:
			if (e->after - e->before > VRC_ORACLE_TOLERANCE) {
				st->unjudged++;
				continue;
			}
			seq = e->before + 1;
			count = e->kind == VRC_TL_ASYNC ? &st->asyncs : &st->cursors;
			break;
		case VRC_TL_DRAW:
			seq = e->after + 1;
			count = &st->draws;
			break;
		default:
			return -EINVAL;
		}
		idx = seq + hw_offset - first;
		if (idx >= n) {
			st->outside++;
			continue;
		}
		bump(e->kind == VRC_TL_CURSOR ? &vb[idx].cursor :
		     e->kind == VRC_TL_DRAW ? &vb[idx].draw : &vb[idx].flip);
		(*count)++;
	}
	return 0;
}
