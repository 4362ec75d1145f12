// SPDX-License-Identifier: GPL-2.0
/*
 * The planes' memory and their capture: "VRAM" (BAR2, read and written
 * through the device fd, pages allocated on first touch as mbochs does),
 * VFIO_DEVICE_QUERY_GFX_PLANE from the plane registers, and
 * VFIO_DEVICE_GET_GFX_DMABUF exporting a real dma-buf over the pages a
 * plane scans out (mmap-able). A dma-buf holds its own page references:
 * it outlives the device, and the device's later writes show in it, as a
 * scanout buffer's do.
 */
#include <linux/dma-buf.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/drm/drm_fourcc.h>
#include "vgpu_mdev.h"
#include "vgpu_series.h"

#if VGPU_MDEV_NS_IS_STRING
MODULE_IMPORT_NS("DMA_BUF");
#else
MODULE_IMPORT_NS(DMA_BUF);
#endif

#define PLANE_TYPE_PRIMARY	1	/* DRM_PLANE_TYPE_PRIMARY (drm_plane.h) */
#define PLANE_TYPE_CURSOR	2	/* DRM_PLANE_TYPE_CURSOR */
#define VFIO_PLANE_HOT_UNKNOWN	0xffffffffu	/* x_hot/y_hot: "unknown" (linux/vfio.h) */
#define CURPOS_SIGN		BIT(15)		/* per half of CURPOS */
#define CURPOS_MAGNITUDE	0x7fffu

/* ---- VRAM */

static struct page *vram_page(struct vgpu_mdev *v, pgoff_t i)
{
	lockdep_assert_held(&v->vram_lock);
	if (i >= VGPU_MDEV_VRAM_PAGES)
		return NULL;
	if (!v->vram[i])
		v->vram[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	return v->vram[i];
}

void vgpu_mdev_vram_free(struct vgpu_mdev *v)
{
	pgoff_t i;

	for (i = 0; i < VGPU_MDEV_VRAM_PAGES; i++)
		if (v->vram[i])
			put_page(v->vram[i]);
}

/* One access within one page of BAR2. */
ssize_t vgpu_mdev_vram_rw(struct vgpu_mdev *v, char __user *ubuf, size_t count,
			  u64 off, bool write)
{
	size_t in_page = offset_in_page(off);
	struct page *pg;
	ssize_t ret = count;
	void *p;

	if (off >= VGPU_MDEV_VRAM_SIZE || !count)
		return -EINVAL;
	count = min_t(size_t, count, PAGE_SIZE - in_page);
	ret = count;
	mutex_lock(&v->vram_lock);
	pg = vram_page(v, off >> PAGE_SHIFT);
	if (!pg) {
		mutex_unlock(&v->vram_lock);
		return -ENOMEM;
	}
	p = kmap_local_page(pg);
	if (write ? copy_from_user(p + in_page, ubuf, count) :
		    copy_to_user(ubuf, p + in_page, count))
		ret = -EFAULT;
	kunmap_local(p);
	mutex_unlock(&v->vram_lock);
	return ret;
}

/* ---- QUERY_GFX_PLANE */

/*
 * The pipe the planes are read from: the first enabled one, as GVT's
 * get_active_pipe() picks it; -1 if none is. Caller holds the series' lock.
 */
static int display_pipe(struct vgpu_mdev *v)
{
	unsigned int p;

	for (p = 0; p < VRC_NUM_PIPES; p++)
		if (vgpu_mdev_reg_read(v, VRC_PIPECONF(p)) & VRC_PIPECONF_ENABLE)
			return p;
	return -1;
}

/* The primary plane of the display pipe as its registers describe it; false if off. */
static bool primary_plane(struct vgpu_mdev *v, struct vgpu_mdev_scanout *s)
{
	struct mutex *lock = vgpu_series_lock(v->series);
	u32 ctl = 0, size = 0;
	int p;

	mutex_lock(lock);
	p = display_pipe(v);
	if (p >= 0) {
		ctl = vgpu_mdev_reg_read(v, VRC_PLANE_CTL(p));
		size = vgpu_mdev_reg_read(v, VRC_PLANE_SIZE(p));
		s->stride = vgpu_mdev_reg_read(v, VRC_PLANE_STRIDE(p));
		s->surf = vgpu_mdev_reg_read(v, VRC_PLANE_SURF(p)) & PAGE_MASK;
	}
	mutex_unlock(lock);
	if (!(ctl & VRC_PLANE_CTL_ENABLE) ||
	    (ctl & VRC_PLANE_CTL_FORMAT_MASK) != VRC_PLANE_CTL_FORMAT_XRGB8888 ||
	    (ctl & VRC_PLANE_CTL_TILED_MASK) != VRC_PLANE_CTL_TILED_LINEAR)
		return false;
	s->format = DRM_FORMAT_XRGB8888;
	s->width = (size & 0xffff) + 1;
	s->height = (size >> 16) + 1;
	return true;
}

/* The side of a square ARGB cursor of a CURCNTR mode; 0: off or unknown. */
static u32 cursor_dim(u32 cntr)
{
	switch (cntr & VRC_CURSOR_MODE_MASK) {
	case VRC_CURSOR_MODE_64_ARGB:
		return 64;
	case VRC_CURSOR_MODE_128_ARGB:
		return 128;
	case VRC_CURSOR_MODE_256_ARGB:
		return 256;
	}
	return 0;
}

/* One CURPOS half (a magnitude and a sign bit) as the signed value it means. */
static u32 curpos_axis(u32 half)
{
	u32 mag = half & CURPOS_MAGNITUDE;

	return (half & CURPOS_SIGN) ? 0u - mag : mag;
}

/*
 * The cursor plane of the display pipe, as GVT's intel_vgpu_decode_cursor_plane()
 * reads it: CURCNTR's mode, CURBASE's page, CURPOS's position. i915 has no
 * hotspot register (GVT takes it from its PV page, which this device has
 * not), so the hotspot is unknown, 0xFFFFFFFF as the uAPI says.
 */
static bool cursor_plane(struct vgpu_mdev *v, struct vgpu_mdev_scanout *s,
			 struct vfio_device_gfx_plane_info *info)
{
	struct mutex *lock = vgpu_series_lock(v->series);
	u32 cntr = 0, pos = 0;
	int p;

	mutex_lock(lock);
	p = display_pipe(v);
	if (p >= 0) {
		cntr = vgpu_mdev_reg_read(v, VRC_CURCNTR(p));
		s->surf = vgpu_mdev_reg_read(v, VRC_CURBASE(p)) & PAGE_MASK;
		pos = vgpu_mdev_reg_read(v, VRC_CURPOS(p));
	}
	mutex_unlock(lock);
	s->width = cursor_dim(cntr);
	s->height = s->width;
	if (!s->width)
		return false;
	s->stride = s->width * 4;
	s->format = DRM_FORMAT_ARGB8888;
	info->x_pos = curpos_axis(pos & 0xffff);
	info->y_pos = curpos_axis(pos >> 16);
	info->x_hot = VFIO_PLANE_HOT_UNKNOWN;
	info->y_hot = VFIO_PLANE_HOT_UNKNOWN;
	return true;
}

/* The scanout fits in VRAM, its rows in its stride. */
static bool scanout_valid(const struct vgpu_mdev_scanout *s)
{
	u64 bytes = (u64)s->stride * s->height;

	return s->stride >= s->width * 4 && IS_ALIGNED(s->stride, 64) &&
	       s->surf < VGPU_MDEV_VRAM_SIZE && bytes <= VGPU_MDEV_VRAM_SIZE - s->surf;
}

/* The id of a scanout: the same geometry at the same address, the same id. */
static u32 scanout_id(struct vgpu_mdev *v, const struct vgpu_mdev_scanout *s)
{
	unsigned int i;
	u32 id;

	mutex_lock(&v->vram_lock);
	for (i = 0; i < VGPU_MDEV_MAX_SCANOUTS; i++)
		if (v->scanout_used[i] && !memcmp(&v->scanout[i], s, sizeof(*s)))
			goto out;
	i = v->scanout_next++ % VGPU_MDEV_MAX_SCANOUTS;	/* the oldest goes */
	v->scanout[i] = *s;
	v->scanout_used[i] = true;
	v->scanout_gen[i]++;
out:
	/* a slot's generation in the high bits: a reused slot has a new id */
	id = (v->scanout_gen[i] << 8) | i;
	mutex_unlock(&v->vram_lock);
	return id;
}

long vgpu_mdev_query_plane(struct vgpu_mdev *v, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_gfx_plane_info, dmabuf_id);
	struct vfio_device_gfx_plane_info info;
	struct vgpu_mdev_scanout s = { 0 };
	bool on;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	if (info.flags & VFIO_GFX_PLANE_TYPE_PROBE)	/* dma-bufs only, no region */
		return info.flags == (VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF) ?
			0 : -EINVAL;
	if (info.flags != VFIO_GFX_PLANE_TYPE_DMABUF)
		return -EINVAL;
	if (info.drm_plane_type == PLANE_TYPE_PRIMARY) {
		on = primary_plane(v, &s);
		info.x_pos = 0;
		info.y_pos = 0;
		info.x_hot = 0;
		info.y_hot = 0;
	} else if (info.drm_plane_type == PLANE_TYPE_CURSOR) {
		on = cursor_plane(v, &s, &info);
	} else {
		return -EINVAL;
	}
	if (!on || !scanout_valid(&s))
		return 0;	/* no plane: 0 with the struct untouched (GVT) */
	info.drm_format = s.format;
	info.drm_format_mod = DRM_FORMAT_MOD_LINEAR;
	info.width = s.width;
	info.height = s.height;
	info.stride = s.stride;
	info.size = PAGE_ALIGN(s.stride * s.height);
	info.dmabuf_id = scanout_id(v, &s);
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/* ---- GET_GFX_DMABUF: the exporter */

struct vgpu_dmabuf {
	pgoff_t npages;
	struct page *pages[];	/* each with a reference of ours */
};

static struct sg_table *dmabuf_map(struct dma_buf_attachment *at,
				   enum dma_data_direction dir)
{
	struct vgpu_dmabuf *b = at->dmabuf->priv;
	struct sg_table *sg = kzalloc(sizeof(*sg), GFP_KERNEL);
	int ret;

	if (!sg)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages(sg, b->pages, b->npages, 0,
					b->npages << PAGE_SHIFT, GFP_KERNEL);
	if (!ret) {
		ret = dma_map_sgtable(at->dev, sg, dir, 0);
		if (ret)
			sg_free_table(sg);
	}
	if (ret) {
		kfree(sg);
		return ERR_PTR(ret);
	}
	return sg;
}

static void dmabuf_unmap(struct dma_buf_attachment *at, struct sg_table *sg,
			 enum dma_data_direction dir)
{
	dma_unmap_sgtable(at->dev, sg, dir, 0);
	sg_free_table(sg);
	kfree(sg);
}

static vm_fault_t dmabuf_fault(struct vm_fault *vmf)
{
	struct vgpu_dmabuf *b = vmf->vma->vm_private_data;

	if (vmf->pgoff >= b->npages)
		return VM_FAULT_SIGBUS;
	vmf->page = b->pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct dmabuf_vm_ops = {
	.fault = dmabuf_fault,
};

static int dmabuf_mmap(struct dma_buf *buf, struct vm_area_struct *vma)
{
	struct vgpu_dmabuf *b = buf->priv;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff > b->npages ||
	    vma_pages(vma) > b->npages - vma->vm_pgoff)
		return -EINVAL;
	vma->vm_ops = &dmabuf_vm_ops;
	vma->vm_private_data = b;
	return 0;
}

static void dmabuf_release(struct dma_buf *buf)
{
	struct vgpu_dmabuf *b = buf->priv;
	pgoff_t i;

	for (i = 0; i < b->npages; i++)
		put_page(b->pages[i]);
	kfree(b);
}

static const struct dma_buf_ops dmabuf_ops = {
	.map_dma_buf = dmabuf_map,
	.unmap_dma_buf = dmabuf_unmap,
	.release = dmabuf_release,
	.mmap = dmabuf_mmap,
};

#ifdef VGPU_MDEV_FAULTS
/*
 * fault=torn-offset, vgpu-sim's torn-offset twin: a primary dma-buf starts
 * half the plane's rows (page-aligned) past its surface where the plane
 * still fits VRAM, the bug class of a start computed wrongly. A capture
 * then mixes the frame's bottom with what follows it: a torn frame.
 */
static pgoff_t torn_shift(const struct vgpu_mdev_scanout *s, pgoff_t npages)
{
	pgoff_t shift;

	if (vgpu_mdev_fault != VGPU_FAULT_TORN_OFFSET || s->format != DRM_FORMAT_XRGB8888)
		return 0;
	shift = DIV_ROUND_UP((u64)s->stride * (s->height / 2), PAGE_SIZE);
	return (s->surf >> PAGE_SHIFT) + shift + npages <= VGPU_MDEV_VRAM_PAGES ? shift : 0;
}
#endif

/* The pages of a scanout, each referenced, allocated if never touched. */
static struct vgpu_dmabuf *scanout_pages(struct vgpu_mdev *v, u32 id)
{
	unsigned int slot = id & 0xff;
	struct vgpu_mdev_scanout s;
	struct vgpu_dmabuf *b;
	pgoff_t first, i;

	mutex_lock(&v->vram_lock);
	if (slot >= VGPU_MDEV_MAX_SCANOUTS || !v->scanout_used[slot] ||
	    (v->scanout_gen[slot] << 8 | slot) != id) {
		mutex_unlock(&v->vram_lock);
		return ERR_PTR(-ENOENT);
	}
	s = v->scanout[slot];
	b = kzalloc(struct_size(b, pages, DIV_ROUND_UP((u64)s.stride * s.height, PAGE_SIZE)),
		    GFP_KERNEL);
	if (!b) {
		mutex_unlock(&v->vram_lock);
		return ERR_PTR(-ENOMEM);
	}
	b->npages = DIV_ROUND_UP((u64)s.stride * s.height, PAGE_SIZE);
	first = s.surf >> PAGE_SHIFT;
#ifdef VGPU_MDEV_FAULTS
	first += torn_shift(&s, b->npages);
#endif
	for (i = 0; i < b->npages; i++) {
		b->pages[i] = vram_page(v, first + i);
		if (!b->pages[i])
			break;
		get_page(b->pages[i]);
	}
	mutex_unlock(&v->vram_lock);
	if (i < b->npages) {
		while (i--)
			put_page(b->pages[i]);
		kfree(b);
		return ERR_PTR(-ENOMEM);
	}
	return b;
}

long vgpu_mdev_get_dmabuf(struct vgpu_mdev *v, unsigned long arg)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct vgpu_dmabuf *b;
	struct dma_buf *buf;
	u32 id;
	int fd;

	if (get_user(id, (u32 __user *)arg))
		return -EFAULT;
	b = scanout_pages(v, id);
	if (IS_ERR(b))
		return PTR_ERR(b);
	exp.ops = &dmabuf_ops;
	exp.size = b->npages << PAGE_SHIFT;
	exp.flags = O_RDWR;
	exp.priv = b;
	buf = dma_buf_export(&exp);
	if (IS_ERR(buf)) {
		for (; b->npages; b->npages--)
			put_page(b->pages[b->npages - 1]);
		kfree(b);
		return PTR_ERR(buf);
	}
	fd = dma_buf_fd(buf, O_CLOEXEC);
	if (fd < 0)
		dma_buf_put(buf);	/* its release drops the pages */
	return fd;
}
