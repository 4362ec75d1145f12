// SPDX-License-Identifier: GPL-2.0
/*
 * The vblank clock. Real (clock=real, the default): a 60 Hz hrtimer queues
 * a work item that runs one vblank of every open device, as GVT's vblank
 * timer does for its vGPUs. The work runs in process context because the
 * series' code takes vgpu_lock, a mutex. A tick that comes while the
 * previous one still waits to run is merged into it (counted in
 * missed_ticks, shown at unload).
 *
 * Stepped (clock=stepped): no timer; a device's vblanks run only when the
 * host writes a count to /sys/kernel/debug/vgpu-mdev/<mdev uuid>/step, each
 * one synchronously, so that when the write returns every signal of those
 * vblanks has been delivered: the suite judges in virtual time, as with
 * vgpu-sim's stepped clock, but through the kernel. A test-only control,
 * out of a guest's reach: a guest of the mdev sees only what the VFIO
 * device exposes (its regions and ioctls, none of which touch the clock),
 * and debugfs is the host's, root-only (0200).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include "vgpu_mdev.h"
#include "vgpu_series.h"

#define STEP_MAX	600	/* vblanks a write may ask for: 10 s at 60 Hz */

static char *clock = "real";
module_param(clock, charp, 0444);
MODULE_PARM_DESC(clock, "real (default): 60 Hz; stepped: on writes to debugfs vgpu-mdev/<uuid>/step");

static bool stepped;
static struct dentry *debug_root;
static struct hrtimer clock_timer;
static struct work_struct clock_work;
static LIST_HEAD(clock_devices);
static DEFINE_MUTEX(clock_lock);	/* the list; taken before a vgpu_lock */
static unsigned long missed_ticks;

/* One vblank of an open device; the caller holds clock_lock. */
static void device_vblank(struct vgpu_mdev *v)
{
	struct mutex *lock = vgpu_series_lock(v->series);

	mutex_lock(lock);
	/* GVT: the series signals before the frame counters move */
	vgpu_series_vblank(v->series);
	vgpu_mdev_frame_tick(v);
	mutex_unlock(lock);
}

static void clock_vblank(struct work_struct *work)
{
	struct vgpu_mdev *v;

	mutex_lock(&clock_lock);
	list_for_each_entry(v, &clock_devices, vblank_node)
		device_vblank(v);
	mutex_unlock(&clock_lock);
}

static enum hrtimer_restart clock_tick(struct hrtimer *t)
{
	hrtimer_forward_now(t, ns_to_ktime(NSEC_PER_SEC / VGPU_MDEV_HZ));
	if (!queue_work(system_highpri_wq, &clock_work))
		missed_ticks++;
	return HRTIMER_RESTART;
}

const char *vgpu_mdev_clock_name(void)
{
	return stepped ? "stepped" : "real";
}

int vgpu_mdev_clock_start(void)
{
	if (!strcmp(clock, "stepped")) {
		stepped = true;
	} else if (strcmp(clock, "real")) {
		pr_err(VGPU_MDEV_NAME ": clock=%s: want real or stepped\n", clock);
		return -EINVAL;
	}
	debug_root = debugfs_create_dir(VGPU_MDEV_NAME, NULL);
	if (stepped)
		return 0;
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
	debugfs_remove_recursive(debug_root);
	if (stepped)
		return;
	hrtimer_cancel(&clock_timer);
	cancel_work_sync(&clock_work);
	pr_info(VGPU_MDEV_NAME ": vblank clock stopped, %lu ticks merged\n", missed_ticks);
}

/* debugfs vgpu-mdev/<uuid>/step: run that many vblanks of the device now. */
static ssize_t step_write(struct file *file, const char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	struct vgpu_mdev *v = file->private_data;
	unsigned int n, i;
	int ret = kstrtouint_from_user(ubuf, count, 10, &n);

	if (ret)
		return ret;
	if (!n || n > STEP_MAX)
		return -ERANGE;
	mutex_lock(&clock_lock);
	if (list_empty(&v->vblank_node)) {
		mutex_unlock(&clock_lock);
		return -ENODEV;		/* not open: no vblanks, as with the timer */
	}
	for (i = 0; i < n; i++)
		device_vblank(v);
	mutex_unlock(&clock_lock);
	return count;
}

static const struct file_operations step_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = step_write,
	.llseek = noop_llseek,
};

void vgpu_mdev_clock_attach(struct vgpu_mdev *v, const char *name)
{
	v->debug_dir = NULL;
	if (!stepped)
		return;
	v->debug_dir = debugfs_create_dir(name, debug_root);
	debugfs_create_file("step", 0200, v->debug_dir, v, &step_fops);
}

void vgpu_mdev_clock_detach(struct vgpu_mdev *v)
{
	debugfs_remove_recursive(v->debug_dir);
	v->debug_dir = NULL;
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
