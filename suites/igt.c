// SPDX-License-Identifier: MIT
/*
 * igt-gpu-tools subtests as extra workloads (VT_EXTRA): the igt flavour of
 * the guest image (make image-igt: vdisp, and Debian sid's igt-gpu-tools on
 * a read-only squashfs disk) boots against the test's vgpu-sim with a real
 * 60 Hz clock, runs one igt subtest chrooted into the igt userland
 * (/usr/bin/vrc-igt in the guest), and records igt's own verdict: exit 0
 * pass, 77 skip, 78 (igt's timeout) and a kill by vrc-igt's limit timeout,
 * anything else fail, with igt's messages as the reason. What these tests
 * judge is the guest driver (vdisp) through igt's eyes, not a SPEC clause,
 * so they name no clause and vrc mutation leaves them out. The igt-evt-*
 * tests at the end are the exception: they run under the KMS recorder and
 * judge igt's updates on EVT clauses (igt_judge). What they add to
 * the irq's picture is a measurement: the signals on the display-refresh
 * eventfd while the subtest ran (and the vblanks it spanned), next to ours.
 * The whole igt output goes to the test's artifacts (igt.log), with the
 * guest's dmesg of the subtest (dmesg.txt) and the VM's console (vm/).
 *
 * They skip with a process guest (igt needs the DRM driver: --guest=vm) and
 * when the igt image is not built, so `vrc run` stays green without it.
 *
 * On GVT-g the same subtests run on i915 in the igt image for i915 (make
 * image-igt-i915), booted on the shared vGPU as the rt tests' guest is: the
 * irq's signals are then GVT's, and igt judges i915 on a vGPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/vm/vm.h"
#include "harness/vrc/artifacts.h"
#include "harness/vrc/guest_vm.h"
#include "harness/vrc/judge.h"
#include "harness/vrc/rt.h"
#include "vrc/timeline.h"
#include "harness/vrc/vt.h"
#include "rt_guest.h"

#define IGT_HZ		60u
#define IGT_SHM_MIB	32u
/* vrc-igt's own limit for one subtest (the basic ones take 0.1-4 s under
 * TCG), and the agent's on top; the runner's --timeout bounds the whole
 * test (boot included, 10-20 s under TCG). */
#define IGT_LIMIT_S	40
#define IGT_EXEC_MS	((IGT_LIMIT_S + 5) * 1000)
#define IGT_OUT_MAX	(256u << 10)
#define IGT_DMESG_MAX	(256u << 10)
#define IGT_MAX_WAKES	(1u << 16)
#define IGT_WARM_MS	"6000"	/* vdisp's pipe runs before the subtest */
/* where vrc-igt --record leaves the recorder's timeline (outside the chroot) */
#define IGT_TIMELINE	"/igt/tmp/vrc-igt.timeline.json"
#define IGT_TL_MAX	(8u << 20)
#define IGT_TAIL	2u	/* vblanks judged past the timeline's last (as rt.c) */

static void restart_sim_real(struct vt *t)
{
	char err[256];
	struct vrc_sim_cfg c = {
		.sim_path = t->o->sim_path, .model = t->o->model, .abi = t->o->abi,
		.instances = 1, .real_clock = true, .hz = IGT_HZ, .shm_mib = IGT_SHM_MIB,
	};

	vrc_sim_stop(&t->sim);
	if (vrc_sim_start_cfg(&c, &t->sim, err, sizeof(err)))
		vt_abort(t, "vgpu-sim with a real clock: %s", err);
}

static void save_artifact(struct vt *t, const char *file, const void *data, size_t len)
{
	char path[760];
	int fd;

	if (!data || vt_artifact_path(t, file, path, sizeof(path)))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, data, len) != (ssize_t)len)
		vt_diag(t, "%s: short write", path);
	close(fd);
}

/*
 * Append the text after `key` on the line at p (printable ASCII only, at most
 * what fits) to out, " | "-separated. Guest output is untrusted: everything
 * is bounded by out's size and the line's end.
 */
static void append_line(char *out, size_t len, const char *p, const char *end)
{
	size_t n = strlen(out);

	if (n && n + 3 < len) {
		memcpy(out + n, " | ", 3);
		n += 3;
	}
	for (; p < end && *p != '\n' && n + 1 < len; p++)
		out[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	out[n] = 0;
}

/* Next line of buf[0..len) after p (or end). */
static const char *next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

/* Lines after which igt said why: the first CRITICAL lines (a failure) or
 * the last "Test requirement:" and the SKIP line (a skip). */
static void igt_reason(const char *out, size_t len, int code, char *why, size_t whylen)
{
	const char *end = out + len, *req = NULL, *skipline = NULL;
	unsigned ncrit = 0;

	why[0] = 0;
	for (const char *p = out; p < end; p = next_line(p, end)) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);
		const char *c = memmem(p, ll, "CRITICAL: ", 10);

		if (code != 77 && c && ncrit < 3 && !memmem(p, ll, "Stack trace", 11)) {
			char line[240] = "";

			/* igt repeats them in its debug dump: once is enough */
			append_line(line, sizeof(line), c + 10, p + ll);
			if (!strstr(why, line)) {
				append_line(why, whylen, line, line + strlen(line));
				ncrit++;
			}
		}
		if (ll >= 18 && !memcmp(p, "Test requirement: ", 18))
			req = p;
		if (ll >= 8 && !memcmp(p, "Subtest ", 8) && memmem(p, ll, ": SKIP", 6))
			skipline = p;
	}
	if (code == 77) {
		if (skipline)
			append_line(why, whylen, skipline, end);
		if (req)
			append_line(why, whylen, req, end);
	}
}

/*
 * vdisp stamps vblanks on a line it learns from the interrupts' arrivals
 * (vdisp_vblank_ts.c), and after boot the pipe has never run. Run it for a
 * while first, outside the subtest's measurements, so that igt (kms_flip's
 * timestamp calibration) meets a learnt line, as on a display that was on
 * before igt started, not one still settling. (i915 on GVT reads the
 * scanline and needs none of this.)
 */
static void warm_up_pipe(struct vt *t, struct vrc_vm *vm)
{
	const char *argv[] = { "--hold=" IGT_WARM_MS, NULL };
	struct vrc_qga_exec_req req = { .path = "/usr/bin/vdisp-probe", .argv = argv,
					.out_max = 4096 };
	struct vrc_qga_exec_status st = { 0 };
	char err[256];

	if (vrc_vm_exec(vm, &req, &st, 30000, err, sizeof(err)))
		vt_diag(t, "pipe warm-up: %s", err);
	else if (!st.exited || !st.has_exitcode || st.exitcode) {
		const char *p = st.out ? (const char *)st.out : "", *end = p + st.out_len;
		char why[240] = "";

		for (; p < end; p = next_line(p, end))	/* its FAIL lines, bounded */
			if (memmem(p, (size_t)(end - p) < 20 ? (size_t)(end - p) : 20, ": FAIL", 6))
				append_line(why, sizeof(why), p, end);
		vt_diag(t, "pipe warm-up: vdisp-probe --hold failed: %s", why[0] ? why : "?");
	}
	vrc_qga_exec_status_free(&st);
}

/* The recorder's own notes (dropped records, modesets, unknown planes) as
 * diagnostics: what the timeline could not see. */
static void recorder_notes(struct vt *t, const struct vrc_timeline *tl)
{
	for (unsigned i = 0; i < tl->nskips; i++)
		if (strcmp(tl->skips[i].what, "pixels"))
			vt_diag(t, "recorder: %s: %s", tl->skips[i].what, tl->skips[i].reason);
}

/*
 * The least a judged subtest must give before its verdict means anything
 * (rt.c's rt_require, for the recorder's timeline): most updates on one
 * vblank each, and from the device half the signals the clause calls for.
 */
static void igt_require(struct vt *t, const struct rt_recorder *rec, const struct vrc_vblank *vb,
			unsigned n, uint32_t first, const struct vrc_tl_expect_stats *st)
{
	unsigned updates = st->flips + st->asyncs + st->cursors + st->draws;
	unsigned flips = 0, cursors = 0, pri, cur;
	uint32_t cl = t->test->clauses;
	char why[200];

	if (st->unjudged * 2 > updates + st->unjudged)
		vt_abort(t, "%u of %u updates igt made straddled more than one vblank: the guest "
			 "is too slow to judge this subtest", st->unjudged, updates + st->unjudged);
	for (unsigned k = 0; k < n; k++) {
		flips += vb[k].flip != 0;
		cursors += vb[k].cursor != 0;
	}
	if ((cl & (CL(C_EVT_2) | CL(C_EVT_3))) && !flips && !cursors)
		vt_abort(t, "igt made no flip or cursor update the recorder could place: nothing "
			 "to judge (timeline.json)");
	rt_signals_since(rec, first, &pri, &cur);
	if ((cl & CL(C_EVT_2)) && flips) {
		snprintf(why, sizeof(why), "igt's flips latched at %u vblanks (EVT-2)", flips);
		rt_require_half(t, rec, C_EVT_2, "primary", pri, flips, why);
	}
	if ((cl & CL(C_EVT_3)) && cursors) {
		snprintf(why, sizeof(why), "igt's cursor updates at %u vblanks (EVT-3)", cursors);
		rt_require_half(t, rec, C_EVT_3, "cursor", cur, cursors, why);
	}
	if (cl & CL(C_EVT_4)) {
		if (!st->draws)
			vt_abort(t, "igt drew nothing the recorder saw (no DIRTYFB): nothing to "
				 "judge EVT-4 on");
		if (n > IGT_TAIL && !flips) {
			unsigned due = (n - IGT_TAIL) / (VT_EVT4_MAX_GAP + 1);
			snprintf(why, sizeof(why), "%u vblanks of igt's front-buffer drawing without "
				 "a flip (EVT-4: the heuristic signals at least every %u)",
				 n - IGT_TAIL, VT_EVT4_MAX_GAP);
			rt_require_half(t, rec, C_EVT_4, "primary", pri, due < 4 ? 4 : due, why);
		}
	}
}

/*
 * Judge what igt did (the recorder's timeline) against the signals the host
 * recorded, per vblank, with rt.c's oracle and placement. Violations go on
 * t (with the neighbourhood); with nothing to judge the test aborts.
 */
static void igt_judge(struct vt *t, const struct rt_recorder *rec, const char *json, size_t len)
{
	struct vrc_timeline *tl = NULL;
	struct vrc_tl_expect_stats st;
	unsigned spread, outside, spread1, outside1;
	char err[256];

	if (vrc_timeline_parse(json, len, &tl, err, sizeof(err)))
		vt_abort(t, "the recorder's timeline: %s", err);
	recorder_notes(t, tl);
	if (!tl->offset_exact)
		vt_skip(t, "the recorder could not read the device's frame counter");
	uint32_t first = tl->first + tl->hw_offset;
	unsigned n = (unsigned)(tl->last - tl->first) + 1u + IGT_TAIL;
	struct vrc_vblank *vb = calloc(n, sizeof(*vb)), *vb1 = calloc(n, sizeof(*vb1));
	if (!vb || !vb1) {
		free(vb);
		free(vb1);
		vrc_timeline_free(tl);
		vt_abort(t, "out of memory");
	}
	if (vrc_timeline_expect(tl, tl->hw_offset, first, vb, n, &st))
		vt_abort(t, "timeline expectations failed");
	memcpy(vb1, vb, n * sizeof(*vb));
	rt_place(rec->s, rec->n, first, vb, n, &spread, &outside);
	rt_place_mode(rec->s, rec->n, RT_PLACE_EVT1, first, vb1, n, &spread1, &outside1);
	vt_measure(t, "igt_flips", st.flips + st.asyncs, "updates");
	vt_measure(t, "igt_cursor_updates", st.cursors, "updates");
	vt_measure(t, "igt_draws", st.draws, "updates");
	vt_measure(t, "igt_unjudged", st.unjudged, "updates");
	if (st.unjudged)
		vt_diag(t, "%u of igt's updates straddled more than one vblank: not judged",
			st.unjudged);
	if (spread)
		vt_diag(t, "%u late wakes could not be placed on one vblank: given the benefit "
			"of the doubt", spread);
	igt_require(t, rec, vb, n, first, &st);
	vt_judge_placed(t, vb, vb1, n, t->test->clauses);
	vt_artifact_vblanks(t, "igt", vb, n, first);
	free(vb);
	free(vb1);
	vrc_timeline_free(tl);
}

/*
 * A judged subtest's verdict: the clauses on what igt did, whatever igt
 * concluded; igt's own verdict beside it. A subtest igt failed is not the
 * device's fault (the guest driver's, or TCG's timing): without a clause
 * violation it skips and says why, with one the violation stands.
 */
static enum vrc_result igt_judged(struct vt *t, const struct rt_recorder *rec, const uint8_t *tlj,
				  size_t tllen, int code, const char *why, const char *prog,
				  const char *sub)
{
	char verdict[560];

	if (code == 0)
		snprintf(verdict, sizeof(verdict), "pass");
	else if (code == 124 || code == 78)
		snprintf(verdict, sizeof(verdict), "timeout (exit %d) %s", code, why);
	else
		snprintf(verdict, sizeof(verdict), "fail (exit %d): %s", code,
			 why[0] ? why : "no CRITICAL line, see igt.log");
	vt_diag(t, "igt's own verdict on %s --run-subtest %s: %s", prog, sub, verdict);
	if (!tlj) {
		if (code)
			vt_skip(t, "igt: %s; and no timeline to judge", verdict);
		vt_abort(t, "igt passed but the recorder wrote no timeline");
	}
	igt_judge(t, rec, (const char *)tlj, tllen);
	if (code && !t->violated)
		vt_skip(t, "igt itself said %s: not the device's fault (no clause violated in "
			"what ran)", verdict);
	return R_PASS;
}

static enum vrc_result igt_run(struct vt *t, const char *prog, const char *sub)
{
	char dir[600], path[700], disk[700], err[512], limit[16], why[480];
	struct vrc_qga_exec_status st = { 0 };
	struct rt_recorder rec;
	struct timespec t0, t1;
	uint32_t c0 = 0, c1 = 0;
	int rc, rc0, rc1;

	bool gvt = t->o->gvt != NULL;
	/* a test with clauses runs the subtest under the KMS recorder */
	bool judged = t->test->clauses != 0;

	if (!gvt && (!t->o->guest || strcmp(t->o->guest, "vm")))
		vt_skip(t, "igt runs in a VM guest: --guest=vm with the igt image (make image-igt)");
	vrc_igt_image(t->o, gvt, dir, sizeof(dir));
	snprintf(disk, sizeof(disk), "%s/rootfs.sqfs", dir);
	snprintf(path, sizeof(path), "%s/initrd.img", dir);
	if (access(disk, R_OK) || access(path, R_OK))
		vt_skip(t, "no igt image in %s (build it: make image-igt%s)", dir,
			gvt ? "-i915" : "");

	if (!gvt)
		restart_sim_real(t);
	/* Boot, then open: on GVT QEMU must have bound the shared vGPU before
	 * the harness's copy answers (rt_guest.c); the sim takes the same order. */
	struct vrc_vm *vm = vt_vm_boot(t, dir, disk);
	vt_open_device(t);
	vt_find_irq(t);
	if ((rc = vrc_display_irq_register(&t->irq)))
		vt_abort(t, "registering an eventfd failed: %s", strerror(-rc));

	if (!gvt)
		warm_up_pipe(t, vm);
	/* The signals of the subtest only: from here to its end. */
	vt_recorder_start(t, &rec, &t->irq, IGT_MAX_WAKES, rt_probe_ns(1000000000ull / IGT_HZ),
			  NULL, NULL);
	rc0 = vrc_read_frame_counter(t->irq.t, t->irq.frmcount_reg, &c0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(limit, sizeof(limit), "%d", IGT_LIMIT_S);
	/* the agent's argv: no argv[0] */
	const char *argv_plain[] = { prog, sub, limit, NULL };
	const char *argv_rec[] = { "--record", prog, sub, limit, NULL };
	const char **argv = judged ? argv_rec : argv_plain;
	struct vrc_qga_exec_req req = {
		.path = "/usr/bin/vrc-igt", .argv = argv, .out_max = IGT_OUT_MAX,
	};
	rc = vrc_vm_exec(vm, &req, &st, IGT_EXEC_MS, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc1 = vrc_read_frame_counter(t->irq.t, t->irq.frmcount_reg, &c1);
	usleep(3 * 1000000 / IGT_HZ);	/* the last latches' signals */
	vt_recorder_stop(t, &rec);
	if (rc)
		vt_vm_fail(t, vm, "running vrc-igt", err);

	uint64_t pri = 0, cur = 0;
	for (size_t i = 0; i < rec.n; i++) {
		pri += rec.s[i].pri;
		cur += rec.s[i].cur;
	}
	vt_measure(t, "igt_seconds", (double)(t1.tv_sec - t0.tv_sec) +
		   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, "s");
	if (!rc0 && !rc1)
		vt_measure(t, "igt_vblanks", (double)(uint32_t)(c1 - c0), "vblanks");
	vt_measure(t, "igt_primary_signals", (double)pri, "signals");
	vt_measure(t, "igt_cursor_signals", (double)cur, "signals");
	if (rec.dropped)
		vt_diag(t, "recorder kept %zu wakes, %zu more not kept (counts are of the kept)",
			rec.n, rec.dropped);
	if (rec.error)
		vt_diag(t, "recorder: %s", strerror(-rec.error));

	/* igt's output and the guest's kernel log of the subtest */
	save_artifact(t, "igt.log", st.out, st.out_len);
	uint8_t *dm = NULL;
	size_t dmlen = 0;
	if (!vrc_vm_fetch(vm, "/tmp/vrc-igt.dmesg", IGT_DMESG_MAX, &dm, &dmlen, 10000, err,
			  sizeof(err)))
		save_artifact(t, "dmesg.txt", dm, dmlen);
	free(dm);
	uint8_t *tlj = NULL;
	size_t tllen = 0;
	char tlerr[512] = "";
	if (judged) {
		if (vrc_vm_fetch(vm, IGT_TIMELINE, IGT_TL_MAX, &tlj, &tllen, 10000, tlerr,
				 sizeof(tlerr)))
			tlj = NULL;	/* said only if it was needed (igt did not skip) */
		else
			save_artifact(t, "timeline.json", tlj, tllen);
	}
	if (vrc_vm_shutdown(vm, err, sizeof(err)))
		vt_vm_fail(t, vm, "shutdown", err);
	vrc_vm_free(vm);

	int code = st.exited && st.has_exitcode ? (int)st.exitcode : -1;
	const char *out = st.out ? (const char *)st.out : "";
	char out0[200];
	size_t out0len = st.out_len < sizeof(out0) ? st.out_len : sizeof(out0);
	memcpy(out0, out, out0len);
	igt_reason(out, st.out_len, code, why, sizeof(why));
	if (st.out_truncated)
		vt_diag(t, "igt output cut at %u KiB", IGT_OUT_MAX >> 10);
	vrc_qga_exec_status_free(&st);

	if (judged && code != 77 && code != 79 && code != 2) {
		if (!tlj)
			vt_diag(t, "no timeline from the recorder: %s", tlerr);
		enum vrc_result r = igt_judged(t, &rec, tlj, tllen, code, why, prog, sub);
		free(tlj);
		rt_recorder_free(&rec);
		return r;
	}
	free(tlj);
	rt_recorder_free(&rec);
	switch (code) {
	case 0:
		return R_PASS;
	case 77:
		vt_skip(t, "igt: %s", why[0] ? why : "skipped (no reason given)");
	case 78:
		snprintf(t->reason, sizeof(t->reason), "igt timed out: %s", why);
		vt_diag(t, "%s", t->reason);
		return R_TIMEOUT;
	case 124:
		snprintf(t->reason, sizeof(t->reason), "igt %s --run-subtest %s still running "
			 "after %d s: killed", prog, sub, IGT_LIMIT_S);
		vt_diag(t, "%s", t->reason);
		return R_TIMEOUT;
	case 79:
		vt_abort(t, "igt %s has no subtest %s (another igt version in %s?)", prog, sub,
			 dir);
	case 2:	/* vrc-igt's own: its first line says why */
		why[0] = 0;
		append_line(why, sizeof(why), out0, out0 + out0len);
		vt_abort(t, "vrc-igt could not run igt: %s", why);
	default:
		snprintf(t->reason, sizeof(t->reason), "igt exit %d: %s", code,
			 why[0] ? why : "(no CRITICAL line; see igt.log)");
		vt_diag(t, "%s", t->reason);
		return R_FAIL;
	}
}

/* An igt subtest: a test row's workload, igt_test() runs it. */
struct igt_subtest {
	const char *prog, *sub;
};
#define IGT_SUBTEST(prog, sub)	(&(const struct igt_subtest){ (prog), (sub) })
#define IGT_FLAGS	(VT_REALTIME | VT_EXTRA | VT_LONG)

static enum vrc_result igt_test(struct vt *t)
{
	const struct igt_subtest *s = t->test->workload;

	return igt_run(t, s->prog, s->sub);
}

static const struct vrc_test tests[] = {
	{ .name = "igt-kms_flip-basic-plain-flip",
	  .desc = "igt in the VM: page flips with events on vdisp",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_flip", "basic-plain-flip") },
	{ .name = "igt-kms_flip-basic-flip-vs-wf_vblank",
	  .desc = "igt in the VM: flips against vblank waits, with vblank timestamp accuracy",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_flip", "basic-flip-vs-wf_vblank") },
	{ .name = "igt-kms_flip-basic-flip-vs-dpms",
	  .desc = "igt in the VM: flips across DPMS off/on",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_flip", "basic-flip-vs-dpms") },
	{ .name = "igt-kms_flip-basic-flip-vs-modeset",
	  .desc = "igt in the VM: flips across modesets",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_flip", "basic-flip-vs-modeset") },
	{ .name = "igt-kms_cursor_legacy-basic-flip-before-cursor-legacy",
	  .desc = "igt in the VM: a legacy cursor update after a flip lands in the same vblank",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_legacy", "basic-flip-before-cursor-legacy") },
	{ .name = "igt-kms_cursor_legacy-basic-flip-after-cursor-legacy",
	  .desc = "igt in the VM: a flip after a legacy cursor update lands in the same vblank",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_legacy", "basic-flip-after-cursor-legacy") },
	{ .name = "igt-kms_cursor_legacy-basic-flip-before-cursor-atomic",
	  .desc = "igt in the VM: a cursor update after an atomic flip lands in the same vblank",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_legacy", "basic-flip-before-cursor-atomic") },
	{ .name = "igt-kms_cursor_legacy-basic-flip-after-cursor-atomic",
	  .desc = "igt in the VM: an atomic flip after a cursor update lands in the same vblank",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_legacy", "basic-flip-after-cursor-atomic") },
	{ .name = "igt-kms_vblank-invalid",
	  .desc = "igt in the VM: invalid vblank requests are refused",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_vblank", "invalid") },
	{ .name = "igt-kms_vblank-crtc-id",
	  .desc = "igt in the VM: vblank events carry the CRTC id",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_vblank", "crtc-id") },
	{ .name = "igt-kms_vblank-query-idle",
	  .desc = "igt in the VM: vblank counter queries advance at the refresh rate",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_vblank", "query-idle") },
	{ .name = "igt-kms_vblank-wait-idle",
	  .desc = "igt in the VM: vblank waits return on the next vblanks",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_vblank", "wait-idle") },
	{ .name = "igt-kms_vblank-accuracy-idle",
	  .desc = "igt in the VM: vblank events arrive for the vblank asked for",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_vblank", "accuracy-idle") },
	{ .name = "igt-kms_vblank-ts-continuation-idle",
	  .desc = "igt in the VM: vblank counter and timestamp continue across vblank off/on",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_vblank", "ts-continuation-idle") },
	{ .name = "igt-kms_vblank-ts-continuation-modeset",
	  .desc = "igt in the VM: vblank counter and timestamp continue across a modeset",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_vblank", "ts-continuation-modeset") },
	{ .name = "igt-kms_pipe_crc_basic-bad-source",
	  .desc = "igt in the VM: the debugfs CRC source refuses an unknown source name",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_pipe_crc_basic", "bad-source") },
	{ .name = "igt-kms_pipe_crc_basic-read-crc",
	  .desc = "igt in the VM: pipe CRCs of a constant picture are equal, frame after frame",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_pipe_crc_basic", "read-crc") },
	{ .name = "igt-kms_pipe_crc_basic-read-crc-frame-sequence",
	  .desc = "igt in the VM: pipe CRCs come for consecutive frames",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_pipe_crc_basic", "read-crc-frame-sequence") },
	{ .name = "igt-kms_pipe_crc_basic-nonblocking-crc",
	  .desc = "igt in the VM: pipe CRCs read without blocking",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_pipe_crc_basic", "nonblocking-crc") },
	{ .name = "igt-kms_pipe_crc_basic-disable-crc-after-crtc",
	  .desc = "igt in the VM: CRC capture stopped after the CRTC went off",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_pipe_crc_basic", "disable-crc-after-crtc") },
	{ .name = "igt-kms_pipe_crc_basic-compare-crc-sanitycheck-xr24",
	  .desc = "igt in the VM: equal XR24 pictures give equal pipe CRCs, different ones not",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_pipe_crc_basic", "compare-crc-sanitycheck-xr24") },
	{ .name = "igt-kms_cursor_crc-cursor-onscreen-64x64",
	  .desc = "igt in the VM: the pipe CRC of a hardware cursor equals cairo's, fully onscreen",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-onscreen-64x64") },
	{ .name = "igt-kms_cursor_crc-cursor-offscreen-64x64",
	  .desc = "igt in the VM: a cursor moved wholly offscreen leaves the primary's CRC",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-offscreen-64x64") },
	{ .name = "igt-kms_cursor_crc-cursor-sliding-64x64",
	  .desc = "igt in the VM: cursor CRCs at every pixel step across the screen edges",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-sliding-64x64") },
	{ .name = "igt-kms_cursor_crc-cursor-random-64x64",
	  .desc = "igt in the VM: cursor CRCs at random positions, on and off the edges",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-random-64x64") },
	{ .name = "igt-kms_cursor_crc-cursor-rapid-movement-64x64",
	  .desc = "igt in the VM: many legacy cursor moves in a row, the last one's CRC",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-rapid-movement-64x64") },
	{ .name = "igt-kms_cursor_crc-cursor-onscreen-128x128",
	  .desc = "igt in the VM: a 128x128 cursor's pipe CRC equals cairo's, fully onscreen",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-onscreen-128x128") },
	{ .name = "igt-kms_cursor_crc-cursor-sliding-128x128",
	  .desc = "igt in the VM: 128x128 cursor CRCs at every pixel step across the screen edges",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-sliding-128x128") },
	{ .name = "igt-kms_cursor_crc-cursor-random-128x128",
	  .desc = "igt in the VM: 128x128 cursor CRCs at random positions, on and off the edges",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-random-128x128") },
	{ .name = "igt-kms_cursor_crc-cursor-onscreen-256x256",
	  .desc = "igt in the VM: a 256x256 cursor's pipe CRC equals cairo's, fully onscreen",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-onscreen-256x256") },
	{ .name = "igt-kms_cursor_crc-cursor-sliding-256x256",
	  .desc = "igt in the VM: 256x256 cursor CRCs at every pixel step across the screen edges",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-sliding-256x256") },
	{ .name = "igt-kms_cursor_crc-cursor-random-256x256",
	  .desc = "igt in the VM: 256x256 cursor CRCs at random positions, on and off the edges",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-random-256x256") },
	{ .name = "igt-kms_cursor_crc-cursor-size-change",
	  .desc = "igt in the VM: the cursor changes size (64, 128, 256) and its CRC follows",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-size-change") },
	{ .name = "igt-kms_cursor_crc-cursor-dpms",
	  .desc = "igt in the VM: the cursor's CRC is the same after DPMS off and on",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-dpms") },
	{ .name = "igt-kms_cursor_crc-cursor-alpha-opaque",
	  .desc = "igt in the VM: an opaque white cursor composes as cairo draws it",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-alpha-opaque") },
	{ .name = "igt-kms_cursor_crc-cursor-alpha-transparent",
	  .desc = "igt in the VM: a fully transparent cursor leaves the primary's CRC",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-alpha-transparent") },
	/*
	 * Judged igt subtests: the same subtests under the KMS recorder
	 * (vrc-kmsrec.so, guest-images/kmsrec/), whose timeline of igt's flips,
	 * cursor updates and DIRTYFB draws is judged per vblank against the host's
	 * signals by the rt tests' oracle, on the clauses named. igt's own verdict
	 * is a diagnostic beside it (an igt failure without a violation skips).
	 * Select them with --suite='igt-evt-*'.
	 */
	{ .name = "igt-evt-flip-plain", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "igt's kms_flip basic-plain-flip under the recorder: a primary signal per latched "
		  "flip, at most one per vblank",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_flip", "basic-plain-flip") },
	{ .name = "igt-evt-flip-vs-wf_vblank", .clauses = CL(C_EVT_1) | CL(C_EVT_2),
	  .desc = "igt's kms_flip basic-flip-vs-wf_vblank under the recorder: flips between vblank "
		  "waits, each signalled",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_flip", "basic-flip-vs-wf_vblank") },
	{ .name = "igt-evt-cursor-flip-before-legacy",
	  .clauses = CL(C_EVT_1) | CL(C_EVT_2) | CL(C_EVT_3),
	  .desc = "igt's kms_cursor_legacy basic-flip-before-cursor-legacy under the recorder: "
		  "flips and legacy cursor moves, each plane signalled",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_legacy", "basic-flip-before-cursor-legacy") },
	/* kms_cursor_crc redraws the scanned-out primary between cursor steps
	 * (restore_image: cairo, then DIRTYFB): igt's single-buffer drawing that
	 * runs on vdisp, judged on EVT-4 beside the cursor's EVT-3 */
	{ .name = "igt-evt-cursor-sliding", .clauses = CL(C_EVT_1) | CL(C_EVT_3) | CL(C_EVT_4),
	  .desc = "igt's kms_cursor_crc cursor-sliding-64x64 under the recorder: a cursor signal "
		  "per move across the screen's edges, primary signals while igt redraws the "
		  "scanned-out buffer",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_crc", "cursor-sliding-64x64") },
	/* Intel and Xe only (drm_open_driver): skips on vdisp, judges on i915/GVT-g */
	{ .name = "igt-evt-dirtyfb", .clauses = CL(C_EVT_4),
	  .desc = "igt's kms_dirtyfb default-dirtyfb-ioctl under the recorder: front-buffer drawing "
		  "with DIRTYFB is notified within THR+2 vblanks (i915 only)",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_dirtyfb", "default-dirtyfb-ioctl") },
	{ .name = "igt-evt-cursor-edge-walk", .clauses = CL(C_EVT_1) | CL(C_EVT_3),
	  .desc = "igt's kms_cursor_edge_walk 64x64-left-edge under the recorder: a cursor walking "
		  "partly off the left edge, a cursor signal per move",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_cursor_edge_walk", "64x64-left-edge") },
	{ .name = "igt-evt-plane-cursor", .clauses = CL(C_EVT_1) | CL(C_EVT_2) | CL(C_EVT_3),
	  .desc = "igt's kms_plane_cursor primary under the recorder: atomic commits of the primary "
		  "and cursor planes together, each plane signalled",
	  .flags = IGT_FLAGS, .run = igt_test,
	  .workload = IGT_SUBTEST("kms_plane_cursor", "primary") },
};
const struct vrc_suite vrc_suite_igt = VRC_SUITE("igt", tests);
