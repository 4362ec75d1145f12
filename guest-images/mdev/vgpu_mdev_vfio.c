// SPDX-License-Identifier: GPL-2.0
/*
 * The vfio_device of a vgpu-mdev: its lifetime (an emulated-IOMMU device,
 * so userspace reaches it through a VFIO group and a type1 container), the
 * device ioctls, and BAR0 and config space through read/write on the
 * device fd. The display irq's ioctls are the series' (vgpu_series.h).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "vgpu_mdev.h"
#include "vgpu_series.h"

static struct vgpu_mdev *to_vgpu(struct vfio_device *vdev)
{
	return container_of(vdev, struct vgpu_mdev, vdev);
}

static int vgpu_init_dev(struct vfio_device *vdev)
{
	struct vgpu_mdev *v = to_vgpu(vdev);

	v->mdev = to_mdev_device(vdev->dev);
	INIT_LIST_HEAD(&v->vblank_node);
	mutex_init(&v->vram_lock);
	v->vram = kvcalloc(VGPU_MDEV_VRAM_PAGES, sizeof(*v->vram), GFP_KERNEL);
	v->regs = vzalloc(VRC_REG_WINDOW_SIZE);
	v->series = v->regs ? vgpu_series_create(v->regs) : NULL;
	if (!v->vram || !v->series) {
		vfree(v->regs);
		kvfree(v->vram);
		return -ENOMEM;
	}
	vgpu_mdev_regs_reset(v);
	vgpu_mdev_cfg_init(v);
	return 0;
}

/* 6.1: the driver's release frees the device; from 6.2 the core does. */
static void vgpu_release_dev(struct vfio_device *vdev)
{
	struct vgpu_mdev *v = to_vgpu(vdev);

	vgpu_series_destroy(v->series);
	vfree(v->regs);
	vgpu_mdev_vram_free(v);
	kvfree(v->vram);
	mutex_destroy(&v->vram_lock);
#if !VGPU_MDEV_CORE_FREES_DEVICE
	vfio_free_device(vdev);
#endif
}

static int vgpu_open_device(struct vfio_device *vdev)
{
	vgpu_mdev_clock_add(to_vgpu(vdev));
	return 0;
}

/* kvmgt's close_device: the series drops the eventfd and the mask */
static void vgpu_close_device(struct vfio_device *vdev)
{
	struct vgpu_mdev *v = to_vgpu(vdev);

	vgpu_mdev_clock_del(v);
	vgpu_series_release(v->series);
}

/* ---- region access: BAR0 in 32-bit registers, BAR2 and config space in bytes */

static ssize_t bar0_rw(struct vgpu_mdev *v, char __user *ubuf, size_t count,
		       u64 off, bool write)
{
	struct mutex *lock = vgpu_series_lock(v->series);
	u32 val;

	if (count != sizeof(val) || !IS_ALIGNED(off, sizeof(val)) ||
	    off >= VGPU_MDEV_BAR0_SIZE)
		return -EINVAL;
	if (write && copy_from_user(&val, ubuf, sizeof(val)))
		return -EFAULT;
	mutex_lock(lock);
	if (write)
		vgpu_mdev_reg_write(v, (u32)off, le32_to_cpu((__force __le32)val));
	else
		val = (__force u32)cpu_to_le32(vgpu_mdev_reg_read(v, (u32)off));
	mutex_unlock(lock);
	if (!write && copy_to_user(ubuf, &val, sizeof(val)))
		return -EFAULT;
	return sizeof(val);
}

static ssize_t cfg_rw(struct vgpu_mdev *v, char __user *ubuf, size_t count,
		      u64 off, bool write)
{
	if (off >= VGPU_MDEV_CFG_SIZE || count > VGPU_MDEV_CFG_SIZE - off)
		return -EINVAL;
	if (write)
		return count;	/* nothing to program: writes are dropped */
	if (copy_to_user(ubuf, v->cfg + off, count))
		return -EFAULT;
	return count;
}

static ssize_t region_rw(struct vfio_device *vdev, char __user *ubuf,
			 size_t count, loff_t *ppos, bool write)
{
	struct vgpu_mdev *v = to_vgpu(vdev);
	u64 index = (u64)*ppos >> VGPU_MDEV_REGION_SHIFT;
	u64 off = (u64)*ppos & VGPU_MDEV_OFF_MASK;
	ssize_t ret;

	if (*ppos < 0)
		return -EINVAL;
	switch (index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		ret = bar0_rw(v, ubuf, count, off, write);
		break;
	case VFIO_PCI_BAR2_REGION_INDEX:
		ret = vgpu_mdev_vram_rw(v, ubuf, count, off, write);
		break;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		ret = cfg_rw(v, ubuf, count, off, write);
		break;
	default:
		return -EINVAL;
	}
	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t vgpu_read(struct vfio_device *vdev, char __user *buf,
			 size_t count, loff_t *ppos)
{
	return region_rw(vdev, buf, count, ppos, false);
}

static ssize_t vgpu_write(struct vfio_device *vdev, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	return region_rw(vdev, (char __user *)buf, count, ppos, true);
}

/* ---- ioctls */

static long get_device_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = vgpu_series_num_irqs();
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/* a region's offset, size and flags; -EINVAL for an index past the last */
static int fill_region_info(struct vfio_region_info *info)
{
	if (info->index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	info->offset = VGPU_MDEV_REGION_OFF(info->index);
	info->cap_offset = 0;
	switch (info->index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		info->size = VGPU_MDEV_BAR0_SIZE;
		info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR2_REGION_INDEX:
		info->size = VGPU_MDEV_VRAM_SIZE;
		info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info->size = VGPU_MDEV_CFG_SIZE;
		info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	default:
		info->size = 0;
		info->flags = 0;
		break;
	}
	return 0;
}

#if VGPU_MDEV_REGION_INFO_OP
/* the core copies the request in and the answer out (no capabilities here) */
static int vgpu_get_region_info_caps(struct vfio_device *vdev,
				     struct vfio_region_info *info,
				     struct vfio_info_cap *caps)
{
	return fill_region_info(info);
}
#else
static long get_region_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;
	int ret;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	ret = fill_region_info(&info);
	if (ret)
		return ret;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}
#endif

/* kvmgt's VFIO_DEVICE_RESET: the vGPU's registers, then the series' release */
static long reset(struct vgpu_mdev *v)
{
	struct mutex *lock = vgpu_series_lock(v->series);

	mutex_lock(lock);
	vgpu_mdev_regs_reset(v);
	mutex_unlock(lock);
	vgpu_series_release(v->series);
	return 0;
}

static long vgpu_ioctl(struct vfio_device *vdev, unsigned int cmd,
		       unsigned long arg)
{
	struct vgpu_mdev *v = to_vgpu(vdev);

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return get_device_info(arg);
#if !VGPU_MDEV_REGION_INFO_OP
	case VFIO_DEVICE_GET_REGION_INFO:
		return get_region_info(arg);
#endif
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vgpu_series_get_irq_info(v->series, arg);
	case VFIO_DEVICE_SET_IRQS:
		return vgpu_series_set_irqs(v->series, arg);
	case VFIO_DEVICE_RESET:
		return reset(v);
	case VFIO_DEVICE_QUERY_GFX_PLANE:
		return vgpu_mdev_query_plane(v, arg);
	case VFIO_DEVICE_GET_GFX_DMABUF:
		return vgpu_mdev_get_dmabuf(v, arg);
	}
	return -ENOTTY;
}

static const struct vfio_device_ops vgpu_mdev_ops = {
	.name = VGPU_MDEV_NAME,
	.init = vgpu_init_dev,
	.release = vgpu_release_dev,
	.open_device = vgpu_open_device,
	.close_device = vgpu_close_device,
	.read = vgpu_read,
	.write = vgpu_write,
	.ioctl = vgpu_ioctl,
#if VGPU_MDEV_REGION_INFO_OP
	.get_region_info_caps = vgpu_get_region_info_caps,
#endif
};

int vgpu_mdev_probe(struct mdev_device *mdev)
{
	struct vgpu_mdev *v;
	int ret;

	v = vfio_alloc_device(vgpu_mdev, vdev, &mdev->dev, &vgpu_mdev_ops);
	if (IS_ERR(v))
		return PTR_ERR(v);
	ret = vfio_register_emulated_iommu_dev(&v->vdev);
	if (ret) {
		vfio_put_device(&v->vdev);
		return ret;
	}
	dev_set_drvdata(&mdev->dev, v);
	vgpu_mdev_clock_attach(v, dev_name(&mdev->dev));
	return 0;
}

void vgpu_mdev_remove(struct mdev_device *mdev)
{
	struct vgpu_mdev *v = dev_get_drvdata(&mdev->dev);

	vgpu_mdev_clock_detach(v);
	vfio_unregister_group_dev(&v->vdev);
	vfio_put_device(&v->vdev);
}
