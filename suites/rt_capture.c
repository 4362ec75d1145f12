// SPDX-License-Identifier: MIT
/* The capturing reader of the real-time tearing tests (rt_capture.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/gvt/capture.h"
#include "harness/gvt/gvt.h"
#include "harness/vrc/artifacts.h"
#include "vrc/fourcc.h"
#include "vrc/util.h"
#include "rt_capture.h"

/*
 * One plane read the way GVT needs it, on both backends so that the sim
 * runs exercise the same code: the plane may be X/Y-tiled and its dmabuf
 * may refuse a CPU mmap, so it is read by mmap or PRIME readback through
 * the host i915 and detiled (gvt/capture.h), then CRC'd. A plane that is
 * off is -ENOENT for the primary and an "off" cursor (cur all zero).
 */
static void capture_plane(struct rt_capture_run *r, struct rt_cap *c, enum rt_cap_plane plane)
{
	bool pri = plane == RT_CAP_PRIMARY;
	uint32_t want = pri ? VRC_FMT_XRGB8888 : VRC_FMT_ARGB8888;
	const struct gvt_session *s = r->t->o->gvt;
	/* on gvt, PRIME readback must go through the vGPU's own parent */
	const struct gvt_gpu gpu = {
		.sysfs_root = s ? s->h->sysfs_root : NULL, .bdf = s ? s->m.parent : NULL,
	};
	struct gvt_frame f;

	c->rc = gvt_capture_cached(r->t->irq.t, pri ? VRC_PLANE_PRIMARY : VRC_PLANE_CURSOR,
				   &gpu, &r->cache[pri ? 0 : 1], &f, c->err, sizeof(c->err));
	if (c->rc == -ENOENT && !pri) {
		c->rc = 0;
		return;
	}
	if (c->rc)
		return;
	c->path = gvt_capture_path_name(f.path);
	if (f.drm_format != want) {
		snprintf(c->err, sizeof(c->err), "%s plane format %#x, want %#x",
			 pri ? "primary" : "cursor", f.drm_format, want);
		c->rc = -ENOTSUP;
	} else if (pri) {
		c->rc = vrc_band_crc_xrgb(f.pixels, f.width, f.height, f.stride, RT_CAP_BANDS,
					  &c->crc);
		if (c->rc)
			snprintf(c->err, sizeof(c->err), "band CRC over %ux%u: %s", f.width,
				 f.height, strerror(-c->rc));
	} else {
		c->cur = (struct vrc_cursor_state){
			.on = true, .x = f.x, .y = f.y, .hot_x = f.hot_x, .hot_y = f.hot_y,
			.width = f.width, .height = f.height, .dmabuf_id = f.dmabuf_id,
			.image_crc = vrc_cursor_crc(f.pixels, f.width, f.height, f.stride),
		};
	}
	gvt_frame_free(&f);
}

static void capture_one(struct rt_capture_run *r, size_t sample, enum rt_cap_plane plane)
{
	struct vrc_display_irq *irq = &r->t->irq;
	struct rt_cap *c;
	int r1, r2;

	if (r->n == RT_CAP_MAX) {
		r->dropped++;
		return;
	}
	c = &r->cap[r->n++];
	memset(c, 0, sizeof(*c));
	c->sample = (uint32_t)sample;
	c->plane = (uint8_t)plane;
	uint64_t t0 = vrc_now_ns();
	r1 = vrc_read_frame_counter(irq->t, irq->frmcount_reg, &c->c_q);
	capture_plane(r, c, plane);
	r2 = vrc_read_frame_counter(irq->t, irq->frmcount_reg, &c->c_end);
	c->ns = vrc_now_ns() - t0;
	c->counters_ok = !r1 && !r2;
}

/* On the recorder thread, after the wake's counters were recorded. */
static void on_wake(void *arg, const struct rt_sample *s, size_t idx)
{
	struct rt_capture_run *r = arg;

	if ((r->planes & RT_CAP_PRIMARY) && s->pri)
		capture_one(r, idx, RT_CAP_PRIMARY);
	if ((r->planes & RT_CAP_CURSOR) && s->cur)
		capture_one(r, idx, RT_CAP_CURSOR);
}

void rt_capture_run(struct vt *t, const char *const *args, unsigned planes,
		    struct rt_capture_run *r)
{
	char tl_path[700], err[256];
	int rc;

	memset(r, 0, sizeof(*r));
	r->t = t;
	r->planes = planes;
	r->cap = calloc(RT_CAP_MAX, sizeof(*r->cap));
	if (!r->cap)
		vt_abort(t, "out of memory");
	for (unsigned i = 0; i < 2; i++)
		vrc_capture_cache_init(&r->cache[i]);
	rt_record_workload(t, args, &r->rec, on_wake, r, tl_path, sizeof(tl_path));
	/* the reader is stopped: unmap (the counters stay for the artifact) */
	for (unsigned i = 0; i < 2; i++)
		vrc_capture_cache_fini(&r->cache[i]);
	if (r->dropped)
		vt_diag(t, "%zu captures taken, %zu more not taken", r->n, r->dropped);

	r->lo = calloc(r->rec.n ? r->rec.n : 1, sizeof(*r->lo));
	if (!r->lo)
		vt_abort(t, "out of memory");
	bool have_prev = false, have_last = false;
	uint32_t prev_cb = 0;
	for (size_t i = 0; i < r->rec.n; i++) {
		const struct rt_sample *s = &r->rec.s[i];
		/* signals after the last drain before it (rt.h); the first wake
		 * without one may carry anything since registration; a wake
		 * after unreadable counters anything since the last readable one */
		r->lo[i] = rt_window_lo(s, have_prev, prev_cb,
					s->counter_before - VRC_TL_MAX_SPAN);
		if (!s->counter_ok)
			continue;
		prev_cb = s->counter_before;
		have_prev = true;
		if (!have_last || (int32_t)(s->counter - r->last_counter) > 0)
			r->last_counter = s->counter;
		have_last = true;
	}
	/* the reader is stopped: its transport is ours again. A device that
	 * never signalled still has a counter to judge staleness against. */
	uint32_t now;
	if (!vrc_read_frame_counter(t->dev, t->irq.frmcount_reg, &now) &&
	    (!have_last || (int32_t)(now - r->last_counter) > 0))
		r->last_counter = now;
	if ((rc = vrc_timeline_load(tl_path, &r->tl, err, sizeof(err))))
		vt_abort(t, "the workload's timeline: %s", err);
	if (!r->tl->offset_exact)
		vt_skip(t, "timeline has no exact sequence-to-frame-counter offset "
			"(vrc-wl's summary line says why)");
	r->span_first = r->tl->first + r->tl->hw_offset;
	r->span_last = r->tl->last + r->tl->hw_offset;
	if (r->tl->bands != RT_CAP_BANDS)
		vt_abort(t, "the timeline has %u bands per frame, the captures %u", r->tl->bands,
			 RT_CAP_BANDS);
	rt_measure(t, &r->rec);
}

void rt_capture_free(struct rt_capture_run *r)
{
	rt_recorder_free(&r->rec);
	free(r->cap);
	free(r->lo);
	if (r->tl)
		vrc_timeline_free(r->tl);
	memset(r, 0, sizeof(*r));
}

void rt_capture_artifact(struct rt_capture_run *r)
{
	json_object *a = json_object_new_array(), *o = json_object_new_object();
	size_t prime = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct rt_cap *c = &r->cap[i];
		json_object *e = json_object_new_object();

		if (c->path && !strcmp(c->path, gvt_capture_path_name(GVT_CAPTURE_PRIME)))
			prime++;
		if (c->path)
			json_object_object_add(e, "path", json_object_new_string(c->path));
		json_object_object_add(e, "wake", json_object_new_int64(c->sample));
		json_object_object_add(e, "plane", json_object_new_string(
			c->plane == RT_CAP_PRIMARY ? "primary" : "cursor"));
		json_object_object_add(e, "counter_query", json_object_new_int64(c->c_q));
		json_object_object_add(e, "counter_end", json_object_new_int64(c->c_end));
		json_object_object_add(e, "counters_ok", json_object_new_boolean(c->counters_ok));
		json_object_object_add(e, "us", json_object_new_double((double)c->ns / 1000.0));
		if (c->rc)
			json_object_object_add(e, "error", json_object_new_string(c->err));
		if (c->verdict[0])
			json_object_object_add(e, "verdict", json_object_new_string(c->verdict));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "captures", a);
	json_object_object_add(o, "not_taken", json_object_new_int64((int64_t)r->dropped));
	for (unsigned i = 0; i < 2; i++) {
		json_object *m = json_object_new_object();

		json_object_object_add(m, "hits", json_object_new_int64((int64_t)r->cache[i].hits));
		json_object_object_add(m, "misses",
				       json_object_new_int64((int64_t)r->cache[i].misses));
		json_object_object_add(m, "dropped",
				       json_object_new_int64((int64_t)r->cache[i].dropped));
		json_object_object_add(o, i ? "cursor_dmabuf_cache" : "primary_dmabuf_cache", m);
	}
	vt_artifact_json(r->t, "captures.json", o);
	if (r->t->o->gvt)
		vt_diag(r->t, "captures read by dmabuf mmap: %zu, by PRIME readback through the "
			"host i915: %zu", r->n - prime, prime);
}
