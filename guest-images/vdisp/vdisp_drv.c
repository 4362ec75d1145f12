// SPDX-License-Identifier: GPL-2.0
/*
 * vdisp: the PCI driver. Binds to QEMU's ivshmem-doorbell (1af4:1110) when
 * vgpu-sim serves it, refuses any other shared memory, and registers a DRM
 * device whose VRAM is BAR2 from vram_offset on. Also exposes pipe A's raw
 * hardware frame counter as sysfs "frame_counter" on the PCI device, which
 * the workloads use to map DRM sequence numbers onto the vGPU's counter.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_vram_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_atomic_helper.h>

#include "vdisp.h"

static ssize_t frame_counter_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct vdisp_device *vd = pci_get_drvdata(to_pci_dev(dev));

	return sysfs_emit(buf, "%u\n", VDISP_STATUS(vd, frame_count));
}
static DEVICE_ATTR_RO(frame_counter);

DEFINE_DRM_GEM_FOPS(vdisp_fops);

static const struct drm_driver vdisp_driver = {
	.driver_features = DRIVER_GEM | DRIVER_MODESET | DRIVER_ATOMIC,
	.fops = &vdisp_fops,
	.name = "vdisp",
	.desc = "vGPU display over ivshmem (vrc)",
	.date = "20261124",
	.major = 1,
	.minor = 0,
	DRM_GEM_VRAM_DRIVER,
};

static int vdisp_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vdisp_device *vd;
	int ret;

	vd = devm_drm_dev_alloc(&pdev->dev, &vdisp_driver, struct vdisp_device, drm);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	vd->pdev = pdev;
	pci_set_drvdata(pdev, vd);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), "vdisp");
	if (ret) {
		dev_err(&pdev->dev, "cannot claim the ivshmem registers: %d\n", ret);
		return ret;
	}
	/* on a managed device the region is released with it */
	ret = pci_request_region(pdev, 2, "vdisp");
	if (ret) {
		dev_err(&pdev->dev, "cannot claim the shared memory (BAR2): %d\n", ret);
		return ret;
	}
	ret = vdisp_hw_init(vd);
	if (ret)
		return ret;
	pci_set_master(pdev);

	ret = drmm_vram_helper_init(&vd->drm,
				    pci_resource_start(pdev, 2) + vd->vram_offset,
				    vd->vram_size);
	if (ret)
		return ret;
	ret = vdisp_kms_init(vd);
	if (ret)
		return ret;
	ret = vdisp_irq_init(vd);
	if (ret)
		return ret;
	ret = device_create_file(&pdev->dev, &dev_attr_frame_counter);
	if (ret)
		return ret;
	ret = drm_dev_register(&vd->drm, 0);
	if (ret) {
		device_remove_file(&pdev->dev, &dev_attr_frame_counter);
		return ret;
	}
	drm_info(&vd->drm, "vdisp: bound to %s, %llu MiB VRAM, frame counter %u\n",
		 pci_name(pdev), vd->vram_size >> 20, VDISP_STATUS(vd, frame_count));
	return 0;
}

static void vdisp_remove(struct pci_dev *pdev)
{
	struct vdisp_device *vd = pci_get_drvdata(pdev);

	drm_dev_unplug(&vd->drm);
	drm_atomic_helper_shutdown(&vd->drm);
	device_remove_file(&pdev->dev, &dev_attr_frame_counter);
}

static void vdisp_shutdown(struct pci_dev *pdev)
{
	struct vdisp_device *vd = pci_get_drvdata(pdev);

	drm_atomic_helper_shutdown(&vd->drm);
}

static const struct pci_device_id vdisp_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },	/* ivshmem */
	{ }
};
MODULE_DEVICE_TABLE(pci, vdisp_ids);

static struct pci_driver vdisp_pci_driver = {
	.name = "vdisp",
	.id_table = vdisp_ids,
	.probe = vdisp_probe,
	.remove = vdisp_remove,
	.shutdown = vdisp_shutdown,
};
module_pci_driver(vdisp_pci_driver);

MODULE_DESCRIPTION("DRM driver for the vrc emulated vGPU over ivshmem");
MODULE_LICENSE("GPL");
