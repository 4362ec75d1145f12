// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu-mdev's module: one parent device (/sys/devices/virtual/vgpu-mdev/
 * vgpu-mdev, also /sys/class/mdev_bus/vgpu-mdev) with one mdev type,
 * "vgpu-mdev-display", the mdev driver that probes its devices, and the
 * vblank clock. See vgpu_mdev.h.
 */
#include <linux/device.h>
#include <linux/module.h>
#include "vgpu_mdev.h"
#include "vgpu_series.h"

#define VGPU_MDEV_MAX_INSTANCES	4	/* enough for two-device tests */

#ifdef VGPU_MDEV_FAULTS
enum vgpu_mdev_fault vgpu_mdev_fault;
static char *fault = "none";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "a fault model: none (default), dup, leak, no-cursor, warn, torn-offset");

static const char *const fault_names[] = {
	[VGPU_FAULT_NONE] = "none",
	[VGPU_FAULT_DUP] = "dup",
	[VGPU_FAULT_LEAK] = "leak",
	[VGPU_FAULT_NO_CURSOR] = "no-cursor",
	[VGPU_FAULT_WARN] = "warn",
	[VGPU_FAULT_TORN_OFFSET] = "torn-offset",
};

static int parse_fault(void)
{
	int i = sysfs_match_string(fault_names, fault);

	if (i < 0) {
		pr_err(VGPU_MDEV_NAME ": fault=%s: want none, dup, leak, no-cursor, warn or torn-offset\n",
		       fault);
		return -EINVAL;
	}
	vgpu_mdev_fault = i;
	return 0;
}
#endif

static struct class *parent_class;
static struct device parent_dev;
static struct mdev_parent parent;

static struct mdev_type display_type = {
	.sysfs_name = "display",
	.pretty_name = "vgpu-mdev display (Intel display registers, 60 Hz)",
};

static struct mdev_type *types[] = { &display_type };

static ssize_t describe(struct mdev_type *mtype, char *buf)
{
	return sysfs_emit(buf, "display refresh irq of the reference series for %s (ABI %s)\n",
			  vgpu_series_kernel, vgpu_series_abi);
}

static struct mdev_driver vgpu_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.max_instances = VGPU_MDEV_MAX_INSTANCES,
	.driver = {
		.name = "vgpu_mdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = vgpu_mdev_probe,
	.remove = vgpu_mdev_remove,
	.show_description = describe,
};

static void parent_release(struct device *dev)
{
}

static int __init vgpu_mdev_init(void)
{
	int ret;

#ifdef VGPU_MDEV_FAULTS
	ret = parse_fault();
	if (ret)
		return ret;
#endif
	/* the clock first: a device can be created as soon as the parent is */
	ret = vgpu_mdev_clock_start();
	if (ret)
		return ret;
	ret = mdev_register_driver(&vgpu_mdev_driver);
	if (ret)
		goto err_clock;
#if VGPU_MDEV_CLASS_CREATE_OWNERLESS
	parent_class = class_create(VGPU_MDEV_NAME);
#else
	parent_class = class_create(THIS_MODULE, VGPU_MDEV_NAME);
#endif
	if (IS_ERR(parent_class)) {
		ret = PTR_ERR(parent_class);
		goto err_driver;
	}
	parent_dev.class = parent_class;
	parent_dev.release = parent_release;
	dev_set_name(&parent_dev, "%s", VGPU_MDEV_NAME);
	ret = device_register(&parent_dev);
	if (ret)
		goto err_put;
	ret = mdev_register_parent(&parent, &parent_dev, &vgpu_mdev_driver,
				   types, ARRAY_SIZE(types));
	if (ret)
		goto err_device;
#ifdef VGPU_MDEV_FAULTS
	pr_info(VGPU_MDEV_NAME ": ready, reference series %s (ABI %s), clock %s (%d Hz), fault %s\n",
		vgpu_series_kernel, vgpu_series_abi, vgpu_mdev_clock_name(), VGPU_MDEV_HZ,
		fault_names[vgpu_mdev_fault]);
#else
	pr_info(VGPU_MDEV_NAME ": ready, reference series %s (ABI %s), clock %s (%d Hz)\n",
		vgpu_series_kernel, vgpu_series_abi, vgpu_mdev_clock_name(), VGPU_MDEV_HZ);
#endif
	return 0;

err_device:
	device_del(&parent_dev);
err_put:
	put_device(&parent_dev);
	class_destroy(parent_class);
err_driver:
	mdev_unregister_driver(&vgpu_mdev_driver);
err_clock:
	vgpu_mdev_clock_stop();
	return ret;
}

static void __exit vgpu_mdev_exit(void)
{
	mdev_unregister_parent(&parent);
	vgpu_mdev_clock_stop();
#ifdef VGPU_MDEV_FAULTS
	vgpu_series_fault_cleanup();
#endif
	device_unregister(&parent_dev);
	class_destroy(parent_class);
	mdev_unregister_driver(&vgpu_mdev_driver);
}

module_init(vgpu_mdev_init);
module_exit(vgpu_mdev_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vrc's emulated vGPU as a VFIO mdev: the display refresh irq under kernel VFIO");
