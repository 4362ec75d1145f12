// SPDX-License-Identifier: GPL-2.0
/*
 * The vblank clock: a 60 Hz hrtimer queues a work item that runs one vblank
 * of every open device, as GVT's vblank timer does for its vGPUs. The work
 * runs in process context because the series' code takes vgpu_lock, a
 * mutex. A tick that comes while the previous one still waits to run is
 * merged into it (counted in missed_ticks, shown at unload).
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include "vgpu_mdev.h"
#include "vgpu_series.h"

static struct hrtimer clock_timer;
static struct work_struct clock_work;
static LIST_HEAD(clock_devices);
static DEFINE_MUTEX(clock_lock);	/* the list; taken before a vgpu_lock */
static unsigned long missed_ticks;

static void clock_vblank(struct work_struct *work)
{
	struct vgpu_mdev *v;

	mutex_lock(&clock_lock);
	list_for_each_entry(v, &clock_devices, vblank_node) {
		struct mutex *lock = vgpu_series_lock(v->series);

		mutex_lock(lock);
		/* GVT: the series signals before the frame counters move */
		vgpu_series_vblank(v->series);
		vgpu_mdev_frame_tick(v);
		mutex_unlock(lock);
	}
	mutex_unlock(&clock_lock);
}

static enum hrtimer_restart clock_tick(struct hrtimer *t)
{
	hrtimer_forward_now(t, ns_to_ktime(NSEC_PER_SEC / VGPU_MDEV_HZ));
	if (!queue_work(system_highpri_wq, &clock_work))
		missed_ticks++;
	return HRTIMER_RESTART;
}

int vgpu_mdev_clock_start(void)
{
	INIT_WORK(&clock_work, clock_vblank);
#if VGPU_MDEV_HRTIMER_SETUP
	hrtimer_setup(&clock_timer, clock_tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
#else
	hrtimer_init(&clock_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	clock_timer.function = clock_tick;
#endif
	hrtimer_start(&clock_timer, ns_to_ktime(NSEC_PER_SEC / VGPU_MDEV_HZ),
		      HRTIMER_MODE_REL);
	return 0;
}

void vgpu_mdev_clock_stop(void)
{
	hrtimer_cancel(&clock_timer);
	cancel_work_sync(&clock_work);
	pr_info(VGPU_MDEV_NAME ": vblank clock stopped, %lu ticks merged\n", missed_ticks);
}

void vgpu_mdev_clock_add(struct vgpu_mdev *v)
{
	mutex_lock(&clock_lock);
	list_add_tail(&v->vblank_node, &clock_devices);
	mutex_unlock(&clock_lock);
}

void vgpu_mdev_clock_del(struct vgpu_mdev *v)
{
	mutex_lock(&clock_lock);
	list_del_init(&v->vblank_node);
	mutex_unlock(&clock_lock);
}
