// SPDX-License-Identifier: GPL-2.0
/*
 * Vblank timestamps from the device's time base, not the interrupt's
 * arrival. vgpu-sim's vblanks lie on a grid (an interval timer on the
 * host's CLOCK_MONOTONIC), but the interrupt reaches us through the
 * ivshmem eventfd, QEMU and a vCPU, 0.3-0.9 ms later under TCG and
 * jittering: stamped at arrival, igt's kms_flip measures that jitter and
 * fails its 3-sigma-within-0.5% check.
 *
 * So frame n is stamped t0 + (n - n0) * period, a line kept on the lower
 * envelope of the arrivals. An arrival is never early: one before the line
 * moves it down to the arrival; a later one, at the vblank interrupt, lets
 * it rise by at most period/65536 (0.25 us at 60 Hz), too little to let
 * the jitter through.
 *
 * The period starts at the header's nominal rate but is measured, since
 * the guest's clock need not run at the host's rate (a TCG guest
 * calibrates its TSC against an emulated timer), and a line steeper than
 * the arrivals drops to one at every frame, jitter and all. The earliest
 * arrival of each window of frames (earliest against the line's slope) is
 * a point on the envelope. The period is the slope from the first such
 * point (the base) to the latest, so its error is a floor sample's spread
 * over the whole time the pipe has run, not over one window: slopes
 * between neighbouring windows wandered by 4 us a frame, and the line
 * drifted off the grid by 100 us within igt's calibration. Windows are 16
 * frames at first, then 64; the period is kept within 1/64 of nominal.
 * Every vblank interrupt feeds both, also while DRM has vblanks off.
 * (Nudging the period by each sample's correction does not work: rises
 * are capped and drops are not, so the period runs to its lower bound.)
 * A counter that jumps back or far ahead starts both over.
 *
 * While the pipe is off its frame counter stops but vgpu-sim's grid runs
 * on, so frame n no longer lies (n - n0) periods after t0. When the pipe
 * comes back on, the first stamp moves the line by the whole periods that
 * passed uncounted, keeping its phase and slope (without that, every stamp
 * after a modeset was as old as the time the pipe was off); the base
 * moves back by as many frames, as if the counter had counted them, and
 * the current measurement window starts over, as it would span the gap.
 *
 * Virtual time (no nominal rate in the header): no hook, DRM stamps at
 * arrival.
 */
#include <linux/math64.h>
#include <drm/drm_vblank.h>

#include "vdisp.h"

#define TS_FRAC		8	/* the period in 1/256 ns */
#define TS_WINDOW_FIRST	16u	/* frames per envelope point: the first ones */
#define TS_WINDOW	64u	/* and from the fifth on */
#define TS_RESYNC	(1u << 16)	/* frames without a sample: start over */
#define TS_BASE_MAX	(1u << 24)	/* a base this old (3 days at 60 Hz): anew */

void vdisp_ts_init(struct vdisp_device *vd, u32 hz_milli)
{
	spin_lock_init(&vd->ts_lock);
	vd->ts_valid = false;
	vd->ts_resume = false;
	vd->win_valid = false;
	vd->base_valid = false;
	vd->windows = 0;
	/* 1 Hz to 1 kHz; anything else is virtual time or nonsense */
	vd->period_ns = hz_milli >= 1000 && hz_milli <= 1000000 ?
			div_u64(1000000000000ull, hz_milli) : 0;
	vd->ts_period = (s64)vd->period_ns << TS_FRAC;
}

/* t + frames periods, in ns */
static s64 vdisp_ts_after(const struct vdisp_device *vd, s64 t, u32 frames)
{
	return t + (((s64)frames * vd->ts_period) >> TS_FRAC);
}

/* An arrival at the vblank interrupt: the window's earliest, and at the
 * window's end the period from the base to that earliest. */
static void vdisp_ts_measure(struct vdisp_device *vd, u32 n, s64 now)
{
	s64 nominal = (s64)vd->period_ns << TS_FRAC, p;
	u32 dn, len = vd->windows < 4 ? TS_WINDOW_FIRST : TS_WINDOW;

	if (!vd->win_valid || n - vd->win_start > TS_RESYNC) {
		if (vd->win_valid) {	/* a jump, not a resume: measure anew */
			vd->windows = 0;
			vd->base_valid = false;
		}
		vd->win_valid = true;
		vd->win_start = n;
		vd->win_n = n;
		vd->win_t = now;
		return;
	}
	/* earlier against the slope: now precedes win_t carried to frame n */
	if (now < vdisp_ts_after(vd, vd->win_t, n - vd->win_n)) {
		vd->win_n = n;
		vd->win_t = now;
	}
	if (n - vd->win_start < len)
		return;
	dn = vd->win_n - vd->base_n;
	if (!vd->base_valid || dn > TS_BASE_MAX) {
		vd->base_valid = true;
		vd->base_n = vd->win_n;
		vd->base_t = vd->win_t;
	} else if (dn >= TS_WINDOW_FIRST) {
		p = div_s64((vd->win_t - vd->base_t) << TS_FRAC, dn);
		vd->ts_period = clamp_t(s64, p, nominal - nominal / 64, nominal + nominal / 64);
	}
	vd->windows++;
	vd->win_start = n;
	vd->win_n = n;
	vd->win_t = now;
}

/*
 * After the pipe was off: the line's frame n0 moved on by the whole periods
 * between frame n's place on the line and `now`, which frame n began
 * before (vgpu-sim's grid kept its phase meanwhile).
 */
static void vdisp_ts_resume(struct vdisp_device *vd, u32 n, s64 now)
{
	s64 pred = vdisp_ts_after(vd, ktime_to_ns(vd->ts_t0), n - vd->ts_n0);
	s64 period = vd->ts_period >> TS_FRAC;
	s64 gap = now > pred ? div_s64(now - pred, period) : 0;

	if (gap >= TS_RESYNC) {	/* off for minutes: as good as new */
		vd->ts_valid = false;
		vd->base_valid = false;
		vd->windows = 0;
		return;
	}
	vd->ts_t0 = ns_to_ktime(vdisp_ts_after(vd, pred, (u32)gap));
	vd->ts_n0 = n;
	/* the base too: as if the counter had counted the gap */
	vd->base_n -= (u32)gap;
}

/* Stamp of frame n; `now` was read after n, so frame n began before it. */
static ktime_t vdisp_ts_update(struct vdisp_device *vd, u32 n, ktime_t now, bool at_irq)
{
	s64 pred, err;

	if (vd->ts_resume && vd->ts_valid)
		vdisp_ts_resume(vd, n, ktime_to_ns(now));
	vd->ts_resume = false;
	if (at_irq)
		vdisp_ts_measure(vd, n, ktime_to_ns(now));
	if (!vd->ts_valid || n - vd->ts_n0 > TS_RESYNC) {
		vd->ts_valid = true;
		vd->ts_n0 = n;
		vd->ts_t0 = now;
		return now;
	}
	pred = vdisp_ts_after(vd, ktime_to_ns(vd->ts_t0), n - vd->ts_n0);
	err = ktime_to_ns(now) - pred;
	if (err > 0)	/* late: all but a rise of 1/65536 period is jitter */
		err = at_irq ? min_t(s64, err, vd->period_ns >> 16) : 0;
	vd->ts_n0 = n;
	vd->ts_t0 = ns_to_ktime(pred + err);
	return vd->ts_t0;
}

/* The CRTC's enable, before its first vblank: the line and the window
 * must skip the frames that passed uncounted. */
void vdisp_ts_pipe_on(struct vdisp_device *vd)
{
	unsigned long flags;

	spin_lock_irqsave(&vd->ts_lock, flags);
	vd->ts_resume = true;
	vd->win_valid = false;
	spin_unlock_irqrestore(&vd->ts_lock, flags);
}

/* From the interrupt, at every vblank whether DRM has vblanks on or not. */
void vdisp_ts_sample(struct vdisp_device *vd)
{
	unsigned long flags;
	u32 n;

	if (!vd->period_ns)
		return;
	spin_lock_irqsave(&vd->ts_lock, flags);
	n = VDISP_STATUS(vd, frame_count);
	vdisp_ts_update(vd, n, ktime_get(), true);
	spin_unlock_irqrestore(&vd->ts_lock, flags);
}

/*
 * drm_crtc_funcs.get_vblank_timestamp: the stamp of the current frame.
 * Not a sample even from the interrupt: vdisp_irq took that one already.
 */
bool vdisp_get_vblank_timestamp(struct drm_crtc *crtc, int *max_error,
				ktime_t *vblank_time, bool in_vblank_irq)
{
	struct vdisp_device *vd = to_vdisp(crtc->dev);
	unsigned long flags;
	u32 n;

	if (!vd->period_ns)
		return false;
	spin_lock_irqsave(&vd->ts_lock, flags);
	n = VDISP_STATUS(vd, frame_count);
	*vblank_time = vdisp_ts_update(vd, n, ktime_get(), false);
	spin_unlock_irqrestore(&vd->ts_lock, flags);
	*max_error = (int)(vd->period_ns >> 16);
	return true;
}
