// SPDX-License-Identifier: MIT
/* vrc report: report.html with cairo plots (report.h). */
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrc/json.h"
#include "vrc/base64.h"
#include "compare.h"
#include "report.h"

#define ARTIFACT_MAX_BYTES	(8u << 20)
#define MAX_VBLANK_FILES	16u	/* per test */
#define MAX_ROWS		20000u
#define MAX_PLOT		2000u	/* vblanks drawn per timeline */
#define MAX_SAMPLES		1000000u
#define MAX_BANDS		1024u

/* ---- output helpers */

static void html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc((unsigned char)*s < 0x20 && *s != '\n' ? '?' : *s, f);
		}
	}
}

struct png_buf {
	unsigned char *data;
	size_t len, cap;
};

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct png_buf *b = closure;

	if (b->len + len > b->cap) {
		size_t cap = (b->len + len) * 2;
		unsigned char *n = realloc(b->data, cap);
		if (!n)
			return CAIRO_STATUS_NO_MEMORY;
		b->data = n;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

/* The surface as an <img>, then destroy it. */
static void emit_png(FILE *f, cairo_surface_t *s, const char *alt)
{
	struct png_buf b = { 0 };

	if (cairo_surface_write_to_png_stream(s, png_write, &b) == CAIRO_STATUS_SUCCESS) {
		char *b64 = vrc_b64_encode(b.data, b.len);
		if (b64) {
			fprintf(f, "<img alt=\"");
			html(f, alt);
			fprintf(f, "\" src=\"data:image/png;base64,%s\">\n", b64);
			free(b64);
		}
	}
	free(b.data);
	cairo_surface_destroy(s);
}

static cairo_t *canvas(cairo_surface_t **s, int w, int h)
{
	*s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cairo_t *cr = cairo_create(*s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 11);
	cairo_set_line_width(cr, 1);
	return cr;
}

static void text(cairo_t *cr, double x, double y, const char *s)
{
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
}

static json_object *load_json(const char *path)
{
	char err[300];
	size_t len;
	char *t = vrc_read_file(path, ARTIFACT_MAX_BYTES, &len, err, sizeof(err));

	if (!t)
		return NULL;
	json_tokener *tok = json_tokener_new_ex(16);
	json_object *o = tok ? json_tokener_parse_ex(tok, t, (int)len) : NULL;
	if (tok && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	free(t);
	return o;
}

static long int_member(json_object *o, const char *key, long min, long max, long dflt)
{
	json_object *v;

	if (vrc_json_member(o, key, json_type_int, &v))
		return dflt;
	int64_t x = json_object_get_int64(v);	/* clamped, not refused: a plot */
	return x < min ? min : x > max ? max : (long)x;
}

/* ---- timelines: guest events vs host signals per vblank */

struct vb_row {
	int flip, cursor, draw;
	long pri, cur;
};

static bool plot_timeline(FILE *f, const char *path, const char *title)
{
	json_object *root = load_json(path), *rows;
	size_t n;

	if (!root || !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "rows", &rows) || !rows ||
	    !json_object_is_type(rows, json_type_array) ||
	    (n = json_object_array_length(rows)) == 0 || n > MAX_ROWS) {
		json_object_put(root);
		return false;
	}
	struct vb_row *r = calloc(n, sizeof(*r));
	if (!r) {
		json_object_put(root);
		return false;
	}
	for (size_t k = 0; k < n; k++) {
		json_object *o = json_object_array_get_idx(rows, k);
		if (!o || !json_object_is_type(o, json_type_object))
			continue;
		r[k].flip = (int)int_member(o, "flip", 0, 1000, 0);
		r[k].cursor = (int)int_member(o, "cursor", 0, 1000, 0);
		r[k].draw = (int)int_member(o, "draw", 0, 1000, 0);
		r[k].pri = int_member(o, "pri", 0, 1000, 0);
		r[k].cur = int_member(o, "cur", 0, 1000, 0);
	}
	json_object_put(root);

	/* a wide timeline is cut: the first MAX_PLOT vblanks are drawn */
	size_t shown = n > MAX_PLOT ? MAX_PLOT : n;
	const double left = 90, step = shown > 400 ? 2.0 : shown > 150 ? 4.0 : shown > 60 ? 6.0 : 12.0;
	int w = (int)(left + step * (double)shown + 20), h = 150;
	w = w < 720 ? 720 : w;
	cairo_surface_t *s;
	cairo_t *cr = canvas(&s, w, h);
	/* lanes: guest events (what the host must notify) above, signals below */
	const double ev_y = 20, sig_base = 125, sig_h = 60;
	text(cr, 4, ev_y + 14, "guest events");
	text(cr, 4, sig_base - 20, "host signals");
	cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
	cairo_move_to(cr, left, sig_base + 0.5);
	cairo_line_to(cr, w - 10, sig_base + 0.5);
	cairo_stroke(cr);
	unsigned bad = 0;
	for (size_t k = 0; k < shown; k++) {
		double x = left + step * (double)k;
		bool want_pri = r[k].flip || r[k].draw, want_cur = r[k].cursor;
		if (r[k].flip) {
			cairo_set_source_rgb(cr, 0.12, 0.35, 0.8);
			cairo_rectangle(cr, x, ev_y, step * 0.8, 8);
			cairo_fill(cr);
		}
		if (r[k].draw) {
			cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
			cairo_rectangle(cr, x, ev_y + 9, step * 0.8, 6);
			cairo_fill(cr);
		}
		if (r[k].cursor) {
			cairo_set_source_rgb(cr, 0.95, 0.55, 0.1);
			cairo_rectangle(cr, x, ev_y + 16, step * 0.8, 8);
			cairo_fill(cr);
		}
		/* signals: primary blue, cursor orange stacked; more than one red */
		double ph = (double)(r[k].pri > 3 ? 3 : r[k].pri) * sig_h / 3 / 2;
		double ch = (double)(r[k].cur > 3 ? 3 : r[k].cur) * sig_h / 3 / 2;
		if (r[k].pri > 1)
			cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
		else
			cairo_set_source_rgb(cr, 0.12, 0.35, 0.8);
		cairo_rectangle(cr, x, sig_base - ph, step * 0.8, ph);
		cairo_fill(cr);
		if (r[k].cur > 1)
			cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
		else
			cairo_set_source_rgb(cr, 0.95, 0.55, 0.1);
		cairo_rectangle(cr, x, sig_base - ph - ch, step * 0.8, ch);
		cairo_fill(cr);
		/* expected but not signalled by the next vblank: a red mark */
		bool got_pri = r[k].pri || (k + 1 < n && r[k + 1].pri);
		bool got_cur = r[k].cur || (k + 1 < n && r[k + 1].cur);
		if ((want_pri && !got_pri) || (want_cur && !got_cur) || r[k].pri > 1 || r[k].cur > 1) {
			cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
			cairo_rectangle(cr, x, sig_base + 4, step * 0.8, 6);
			cairo_fill(cr);
			bad++;
		}
	}
	char legend[160];
	snprintf(legend, sizeof(legend), "%zu vblanks%s; blue flip/primary, orange cursor, grey "
		 "draw; red: missing or extra signal (%u)", n, shown < n ? " (first 2000)" : "", bad);
	text(cr, left, h - 6, legend);
	cairo_destroy(cr);
	fprintf(f, "<h3>");
	html(f, title);
	fprintf(f, "</h3>\n");
	emit_png(f, s, title);
	free(r);
	return true;
}

/* ---- latency histogram */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static bool plot_latency(FILE *f, const char *path, const char *test)
{
	json_object *root = load_json(path), *a;
	size_t n, m = 0;

	if (!root || !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "samples_us", &a) || !a ||
	    !json_object_is_type(a, json_type_array) || (n = json_object_array_length(a)) == 0 ||
	    n > MAX_SAMPLES) {
		json_object_put(root);
		return false;
	}
	double *v = malloc(n * sizeof(*v));
	for (size_t i = 0; v && i < n; i++) {
		json_object *x = json_object_array_get_idx(a, i);
		if (x && (json_object_is_type(x, json_type_double) || json_object_is_type(x, json_type_int))) {
			double d = json_object_get_double(x);
			if (isfinite(d) && d >= 0 && d < 1e9)
				v[m++] = d;
		}
	}
	json_object_put(root);
	if (!v || !m) {
		free(v);
		return false;
	}
	qsort(v, m, sizeof(*v), cmp_double);
	enum { BINS = 40 };
	unsigned bins[BINS] = { 0 }, top = 0;
	double lo = v[0], hi = v[m - 1], width = hi > lo ? (hi - lo) / BINS : 1;
	for (size_t i = 0; i < m; i++) {
		unsigned b = (unsigned)((v[i] - lo) / width);
		bins[b >= BINS ? BINS - 1 : b]++;
	}
	for (unsigned b = 0; b < BINS; b++)
		top = bins[b] > top ? bins[b] : top;
	cairo_surface_t *s;
	cairo_t *cr = canvas(&s, 640, 220);
	for (unsigned b = 0; b < BINS; b++) {
		double bh = 160.0 * bins[b] / top;
		cairo_set_source_rgb(cr, 0.12, 0.35, 0.8);
		cairo_rectangle(cr, 40 + b * 14.0, 180 - bh, 12, bh);
		cairo_fill(cr);
	}
	char l[200];
	snprintf(l, sizeof(l), "%.0f us", lo);
	text(cr, 40, 196, l);
	snprintf(l, sizeof(l), "%.0f us", hi);
	text(cr, 560, 196, l);
	snprintf(l, sizeof(l), "%zu samples, median %.1f us, p99 %.1f us, max %.1f us (%s)", m,
		 v[m / 2], v[(size_t)((double)(m - 1) * 0.99)], hi, test);
	text(cr, 40, 214, l);
	cairo_destroy(cr);
	fprintf(f, "<p>");
	html(f, l);
	fprintf(f, "</p>\n");
	emit_png(f, s, "latency histogram");
	free(v);
	return true;
}

/* ---- tear map */

static bool plot_tearmap(FILE *f, const char *path, const char *test)
{
	json_object *root = load_json(path), *a;
	long bands, captures;

	if (!root || !json_object_is_type(root, json_type_object) ||
	    (bands = int_member(root, "bands", 0, MAX_BANDS, 0)) < 1 ||
	    (captures = int_member(root, "captures", 0, 1L << 40, 0)) < 0 ||
	    !json_object_object_get_ex(root, "torn_per_band", &a) || !a ||
	    !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) != (size_t)bands) {
		json_object_put(root);
		return false;
	}
	cairo_surface_t *s;
	double bh = bands > 64 ? 2 : 240.0 / (double)bands;
	cairo_t *cr = canvas(&s, 520, (int)(bh * (double)bands) + 40);
	long worst = 0;
	for (long b = 0; b < bands; b++) {
		json_object *x = json_object_array_get_idx(a, (size_t)b);
		long torn = x && json_object_is_type(x, json_type_int) ?
			    (long)json_object_get_int64(x) : 0;
		torn = torn < 0 ? 0 : torn;
		worst = torn > worst ? torn : worst;
		double frac = captures ? (double)torn / (double)captures : 0;
		frac = frac > 1 ? 1 : frac;
		/* white: never torn, red: torn in every capture */
		cairo_set_source_rgb(cr, 1, 1 - frac * 0.9, 1 - frac * 0.9);
		cairo_rectangle(cr, 60, 10 + bh * (double)b, 300, bh - (bh > 3 ? 1 : 0));
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
		cairo_rectangle(cr, 370, 10 + bh * (double)b, 140 * frac, bh - (bh > 3 ? 1 : 0));
		cairo_fill(cr);
	}
	/* the frame (top band first, like the screen) and its labels */
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	cairo_rectangle(cr, 60.5, 10.5, 300, bh * (double)bands);
	cairo_stroke(cr);
	text(cr, 4, 22, "band 0");
	char lb[32];
	snprintf(lb, sizeof(lb), "band %ld", bands - 1);
	text(cr, 4, 8 + bh * (double)bands, lb);
	char l[200];
	snprintf(l, sizeof(l), "%ld bands, %ld captures, worst band torn %ld times (%s)", bands,
		 captures, worst, test);
	text(cr, 60, bh * (double)bands + 30, l);
	cairo_destroy(cr);
	json_object_put(root);
	fprintf(f, "<p>");
	html(f, l);
	fprintf(f, "</p>\n");
	emit_png(f, s, "tear map");
	return true;
}

/* ---- signal rate: event-driven vs timer-driven */

static bool plot_rates(FILE *f, const struct vrc_loaded *run)
{
	static const char *const names[] = { "torn_rate_event", "torn_rate_timer",
					     "idle_signal_rate" };
	struct { const char *test, *name, *unit; double v; } bar[24];
	unsigned nb = 0;
	double top = 0;

	for (unsigned i = 0; i < run->ntests; i++)
		for (unsigned m = 0; m < run->t[i].nmeas; m++)
			for (unsigned k = 0; k < 3; k++)
				if (!strcmp(run->t[i].meas[m].name, names[k]) && nb < 24) {
					bar[nb].test = run->t[i].name;
					bar[nb].name = names[k];
					bar[nb].unit = run->t[i].meas[m].unit;
					bar[nb].v = run->t[i].meas[m].value;
					top = fabs(bar[nb].v) > top ? fabs(bar[nb].v) : top;
					nb++;
				}
	if (!nb)
		return false;
	cairo_surface_t *s;
	cairo_t *cr = canvas(&s, 720, 30 + 26 * (int)nb);
	for (unsigned b = 0; b < nb; b++) {
		char l[200];
		double len = top > 0 ? 300 * fabs(bar[b].v) / top : 0;
		bool timer = strstr(bar[b].name, "timer") != NULL;
		cairo_set_source_rgb(cr, timer ? 0.5 : 0.12, timer ? 0.5 : 0.35, timer ? 0.5 : 0.8);
		cairo_rectangle(cr, 330, 12 + 26.0 * b, len > 1 ? len : 1, 18);
		cairo_fill(cr);
		snprintf(l, sizeof(l), "%.28s %s", bar[b].test, bar[b].name);
		text(cr, 6, 25 + 26.0 * b, l);
		snprintf(l, sizeof(l), "%.4g %s", bar[b].v, bar[b].unit);
		text(cr, 335 + (len > 1 ? len : 1), 25 + 26.0 * b, l);
	}
	cairo_destroy(cr);
	emit_png(f, s, "signal rates");
	return true;
}

/* ---- the page */

static const char *result_class(enum vrc_result r)
{
	return r == R_PASS ? "pass" : r == R_SKIP || r == R_NOTRUN ? "skip" : "fail";
}

static void compare_section(FILE *f, const struct vrc_loaded *run, const struct vrc_loaded *base)
{
	struct vrc_comparison c;

	fprintf(f, "<h2>Regressions and changes against baseline ");
	html(f, base->run_id);
	fprintf(f, "</h2>\n");
	if (vrc_compare(base, run, NULL, 20.0, &c)) {
		fprintf(f, "<p>out of memory</p>\n");
		return;
	}
	fprintf(f, "<p class=\"%s\">%s: %u blocking; ", c.nblocking ? "fail" : "pass",
		c.nblocking ? "REGRESSION" : "no regression", c.nblocking);
	for (unsigned k = 0; k < CH_NUM; k++)
		fprintf(f, "%s %u%s", vrc_change_name(k), c.count[k], k + 1 < CH_NUM ? ", " : "");
	fprintf(f, "</p>\n<table><tr><th>change</th><th>test</th><th>baseline</th><th>run</th>"
		"<th>reason</th></tr>\n");
	for (unsigned i = 0; i < c.n; i++) {
		const struct vrc_cmp_test *t = &c.t[i];
		if (t->change == CH_UNCHANGED && !(t->run && t->run->flaky))
			continue;
		fprintf(f, "<tr class=\"%s\"><td>%s%s</td><td>", t->blocks ? "fail" : "",
			vrc_change_name(t->change), t->run && t->run->flaky ? " (flaky)" : "");
		html(f, t->name);
		fprintf(f, "</td><td>%s</td><td>%s</td><td>", t->base ? vrc_result_name(t->base->result) : "-",
			t->run ? vrc_result_name(t->run->result) : "-");
		if (t->run)
			html(f, t->run->reason);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
	if (c.nmeas) {
		fprintf(f, "<h3>Measurements that moved more than 20%%</h3>\n<ul>\n");
		for (unsigned i = 0; i < c.nmeas; i++) {
			fprintf(f, "<li>");
			html(f, c.m[i].test);
			fprintf(f, " ");
			html(f, c.m[i].name);
			fprintf(f, ": %.6g &rarr; %.6g ", c.m[i].base, c.m[i].run);
			html(f, c.m[i].unit);
			fprintf(f, "</li>\n");
		}
		fprintf(f, "</ul>\n");
	}
	vrc_comparison_free(&c);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* vblanks-*.json of one test, sorted; at most MAX_VBLANK_FILES. */
static unsigned vblank_files(const char *dir, char names[][128])
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < MAX_VBLANK_FILES) {
		size_t len = strlen(e->d_name);
		if (len < 128 && !strncmp(e->d_name, "vblanks-", 8) && len > 13 &&
		    !strcmp(e->d_name + len - 5, ".json"))
			snprintf(names[n++], 128, "%s", e->d_name);
	}
	closedir(d);
	qsort(names, n, 128, cmp_name);
	return n;
}

static void write_page(FILE *f, const struct vrc_loaded *run, const struct vrc_loaded *base)
{
	char path[1200];
	unsigned count[R_NUM_RESULTS] = { 0 };

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>vrc report ");
	html(f, run->run_id);
	fprintf(f, "</title>\n<style>\n"
		"body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}\n"
		"table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
		"padding:2px 6px;text-align:left;font-size:90%%}\n"
		".pass{background:#dfd}.fail{background:#fcc}.skip{background:#eee}\n"
		"img{display:block;margin:.3em 0;border:1px solid #ddd}\n"
		"</style></head><body>\n");
	fprintf(f, "<h1>vrc report: ");
	html(f, run->run_id);
	fprintf(f, "</h1>\n<table>\n");
	const char *rows[][2] = {
		{ "backend", run->backend }, { "model", run->model },
		{ "abi requested", run->abi_requested }, { "abi found", run->abi_found },
		{ "host kernel", run->host_kernel }, { "started", run->started },
		{ "finished", run->finished[0] ? run->finished : "(unfinished)" },
	};
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fprintf(f, "<tr><th>%s</th><td>", rows[i][0]);
		html(f, rows[i][1]);
		fprintf(f, "</td></tr>\n");
	}
	for (unsigned i = 0; i < run->ntests; i++)
		count[run->t[i].result]++;
	fprintf(f, "<tr><th>totals</th><td>");
	for (unsigned r = 0; r < R_NUM_RESULTS; r++)
		if (count[r])
			fprintf(f, "%s %u ", vrc_result_name(r), count[r]);
	fprintf(f, "</td></tr>\n</table>\n");

	if (base)
		compare_section(f, run, base);

	fprintf(f, "<h2>Results</h2>\n<table><tr><th>test</th><th>clauses</th><th>result</th>"
		"<th>s</th><th>reason</th><th>measurements</th></tr>\n");
	for (unsigned i = 0; i < run->ntests; i++) {
		const struct vrc_lt *t = &run->t[i];
		fprintf(f, "<tr class=\"%s\"><td>", result_class(t->result));
		html(f, t->name);
		fprintf(f, "</td><td>");
		html(f, t->clauses);
		fprintf(f, "</td><td>%s%s</td><td>%.2f</td><td>", vrc_result_name(t->result),
			t->flaky ? " (FLAKY)" : "", t->duration_s);
		html(f, t->reason);
		fprintf(f, "</td><td>");
		for (unsigned m = 0; m < t->nmeas; m++) {
			html(f, t->meas[m].name);
			fprintf(f, " %.4g ", t->meas[m].value);
			html(f, t->meas[m].unit);
			fprintf(f, "<br>");
		}
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");

	fprintf(f, "<h2>Signal rate: event-driven vs timer-driven</h2>\n");
	if (!plot_rates(f, run))
		fprintf(f, "<p>no data (no torn_rate_event, torn_rate_timer or idle_signal_rate "
			"measurement)</p>\n");

	bool any = false;
	fprintf(f, "<h2>Latency</h2>\n");
	for (unsigned i = 0; i < run->ntests && run->dir[0]; i++) {
		snprintf(path, sizeof(path), "%s/tests/%s/latency.json", run->dir, run->t[i].name);
		if (access(path, R_OK) == 0)
			any |= plot_latency(f, path, run->t[i].name);
	}
	if (!any)
		fprintf(f, "<p>no data (no latency.json artifact)</p>\n");

	any = false;
	fprintf(f, "<h2>Tear map</h2>\n");
	for (unsigned i = 0; i < run->ntests && run->dir[0]; i++) {
		snprintf(path, sizeof(path), "%s/tests/%s/tearmap.json", run->dir, run->t[i].name);
		if (access(path, R_OK) == 0)
			any |= plot_tearmap(f, path, run->t[i].name);
	}
	if (!any)
		fprintf(f, "<p>no data (no tearmap.json artifact)</p>\n");

	any = false;
	fprintf(f, "<h2>Timelines: signals per vblank against the guest's events</h2>\n");
	for (unsigned i = 0; i < run->ntests && run->dir[0]; i++) {
		char names[MAX_VBLANK_FILES][128], dir[900];
		snprintf(dir, sizeof(dir), "%s/tests/%s", run->dir, run->t[i].name);
		unsigned n = vblank_files(dir, names);
		for (unsigned k = 0; k < n; k++) {
			char title[300];
			snprintf(path, sizeof(path), "%.900s/%.127s", dir, names[k]);
			snprintf(title, sizeof(title), "%s: %.*s (%s)", run->t[i].name,
				 (int)(strlen(names[k]) - 13), names[k] + 8,
				 vrc_result_name(run->t[i].result));
			any |= plot_timeline(f, path, title);
		}
	}
	if (!any)
		fprintf(f, "<p>no data (no vblanks-*.json artifact)</p>\n");
	fprintf(f, "<p>vrc %s</p>\n</body></html>\n", VRC_VERSION);
}

int vrc_report_write(const struct vrc_loaded *run, const struct vrc_loaded *base,
		     char *out_path, size_t out_len, char *err, size_t errlen)
{
	char tmp[700];

	if (!run->dir[0]) {
		snprintf(err, errlen, "no run folder to write report.html into");
		return -1;
	}
	snprintf(out_path, out_len, "%s/report.html", run->dir);
	snprintf(tmp, sizeof(tmp), "%s/.report.html.tmp", run->dir);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	write_page(f, run, base);
	if (ferror(f) | fclose(f) || rename(tmp, out_path)) {
		snprintf(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vrc report RUN [--compare=BASELINE]\n"
"\n"
"Write RUN/report.html (RUN a run folder, or its results.json): one\n"
"self-contained page with the results, signal rates, latency histogram,\n"
"tear map and per-vblank timelines drawn from the run's artifacts, and with\n"
"--compare the regressions against BASELINE first.\n"
"\n"
"exit status: 0 written, 2 bad input or cannot write\n");
}

int vrc_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "compare", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *cmp = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cmp = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "vrc report: want one RUN (see vrc report --help)\n");
		return 2;
	}
	struct vrc_loaded run, base;
	char err[1024], out[700];
	int rc = 2;

	if (vrc_results_load(argv[optind], &run, err, sizeof(err))) {
		fprintf(stderr, "vrc report: %s\n", err);
		return 2;
	}
	if (cmp && vrc_results_load(cmp, &base, err, sizeof(err))) {
		fprintf(stderr, "vrc report: --compare=%s\n", err);
		vrc_loaded_free(&run);
		return 2;
	}
	if (vrc_report_write(&run, cmp ? &base : NULL, out, sizeof(out), err, sizeof(err)))
		fprintf(stderr, "vrc report: %s\n", err);
	else {
		printf("%s\n", out);
		rc = 0;
	}
	if (cmp)
		vrc_loaded_free(&base);
	vrc_loaded_free(&run);
	/* cairo's and fontconfig's caches, so that leak checkers see a clean exit */
	cairo_debug_reset_static_data();
	FcFini();
	return rc;
}
