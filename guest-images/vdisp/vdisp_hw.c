// SPDX-License-Identifier: GPL-2.0
/*
 * The shared-memory protocol of vgpu/shm.h from the guest side: header
 * validation, register reads from the shadow, register writes through the
 * ring and the ivshmem doorbell. The header comes from the host and is
 * validated once; afterwards only the validated copies are used.
 */
#include <linux/delay.h>
#include <linux/io.h>

#include "vdisp.h"

/* Bound of the wait for ring room (vgpu-sim drains on every doorbell). */
#define VDISP_RING_WAIT_US	20000

/* The registers vdisp touches must lie inside the shadow window. */
static const u32 vdisp_used_regs[] = {
	VRC_PIPESRC(VDISP_PIPE), VRC_PIPECONF(VDISP_PIPE),
	VRC_PIPE_FRMCOUNT(VDISP_PIPE), VRC_CURCNTR(VDISP_PIPE),
	VRC_CURBASE(VDISP_PIPE), VRC_CURPOS(VDISP_PIPE),
	VRC_PLANE_CTL(VDISP_PIPE), VRC_PLANE_STRIDE(VDISP_PIPE),
	VRC_PLANE_SIZE(VDISP_PIPE), VRC_PLANE_SURF(VDISP_PIPE),
};

static bool vdisp_inside(u64 off, u64 size, u64 total)
{
	return off <= total && size <= total - off;
}

static bool vdisp_overlap(u64 a, u64 as, u64 b, u64 bs)
{
	return as && bs && a < b + bs && b < a + as;
}

static int vdisp_check_area(struct device *dev, const char *name, u64 off,
			    u64 size, u64 align, u64 shm_size)
{
	const char *why = NULL;

	if (off % align)
		why = "misaligned";
	else if (off < VGPU_SHM_HEADER_SIZE)
		why = "overlaps the header";
	else if (!vdisp_inside(off, size, shm_size))
		why = "runs past the end of the shared memory";
	if (!why)
		return 0;
	dev_err(dev, "vgpu shm: %s %#llx + %#llx bytes %s (alignment %llu, shm %#llx bytes): refusing the device\n",
		name, off, size, why, align, shm_size);
	return -EPROTO;
}

static int vdisp_check_header(struct vdisp_device *vd,
			      const struct vgpu_shm_header *h, u64 shm_size)
{
	struct device *dev = &vd->pdev->dev;
	u64 ring_bytes;
	unsigned int i;
	int ret;

	if (h->magic != VGPU_SHM_MAGIC) {
		dev_err(dev, "vgpu shm: bad magic %#x (want %#x): not a vgpu-sim device, refusing it\n",
			h->magic, VGPU_SHM_MAGIC);
		return -ENODEV;
	}
	if (h->version != VGPU_SHM_VERSION || h->header_size != VGPU_SHM_HEADER_SIZE) {
		dev_err(dev, "vgpu shm: version %u header_size %u (want %u, %u): refusing the device\n",
			h->version, h->header_size, VGPU_SHM_VERSION, VGPU_SHM_HEADER_SIZE);
		return -EPROTO;
	}
	if (h->num_pipes <= VDISP_PIPE || h->num_pipes > ARRAY_SIZE(h->pipe)) {
		dev_err(dev, "vgpu shm: num_pipes %u outside 1..%zu: refusing the device\n",
			h->num_pipes, ARRAY_SIZE(h->pipe));
		return -EPROTO;
	}
	if (!h->regs_size || h->regs_size % 4 || h->regs_base % 4 ||
	    (u64)h->regs_base + h->regs_size > (1ull << 32)) {
		dev_err(dev, "vgpu shm: bad register window %#x + %#x: refusing the device\n",
			h->regs_base, h->regs_size);
		return -EPROTO;
	}
	for (i = 0; i < ARRAY_SIZE(vdisp_used_regs); i++) {
		u32 r = vdisp_used_regs[i];

		if (r < h->regs_base || r - h->regs_base >= h->regs_size) {
			dev_err(dev, "vgpu shm: register %#x outside the window %#x + %#x: refusing the device\n",
				r, h->regs_base, h->regs_size);
			return -EPROTO;
		}
	}
	ret = vdisp_check_area(dev, "regs_offset", h->regs_offset, h->regs_size, 4, shm_size);
	if (ret)
		return ret;
	if (!h->ring_entries || !is_power_of_2(h->ring_entries) ||
	    h->ring_entries > (1u << 20)) {
		dev_err(dev, "vgpu shm: ring_entries %u is not a power of two up to 2^20: refusing the device\n",
			h->ring_entries);
		return -EPROTO;
	}
	ring_bytes = sizeof(struct vgpu_ring) +
		     (u64)h->ring_entries * sizeof(struct vgpu_ring_rec);
	ret = vdisp_check_area(dev, "ring_offset", h->ring_offset, ring_bytes, 64, shm_size);
	if (ret)
		return ret;
	/* TTM places buffers in pages of VRAM */
	ret = vdisp_check_area(dev, "vram_offset", h->vram_offset, h->vram_size,
			       PAGE_SIZE, shm_size);
	if (ret)
		return ret;
	if (h->vram_size < SZ_4M) {
		dev_err(dev, "vgpu shm: VRAM of %llu bytes is below 4 MiB: refusing the device\n",
			h->vram_size);
		return -EPROTO;
	}
	/* header, registers and ring must precede VRAM: we map them apart */
	if (h->regs_offset + h->regs_size > h->vram_offset ||
	    h->ring_offset + ring_bytes > h->vram_offset ||
	    vdisp_overlap(h->regs_offset, h->regs_size, h->ring_offset, ring_bytes)) {
		dev_err(dev, "vgpu shm: register shadow, ring and VRAM overlap or are out of order: refusing the device\n");
		return -EPROTO;
	}
	if (h->emu_peer_id > 0xffff || h->emu_peer_id == vd->my_id) {
		dev_err(dev, "vgpu shm: emu_peer_id %u is not another ivshmem peer (ours is %u): refusing the device\n",
			h->emu_peer_id, vd->my_id);
		return -EPROTO;
	}
	return 0;
}

int vdisp_hw_init(struct vdisp_device *vd)
{
	struct pci_dev *pdev = vd->pdev;
	struct device *dev = &pdev->dev;
	resource_size_t base = pci_resource_start(pdev, 2);
	resource_size_t len = pci_resource_len(pdev, 2);
	struct vgpu_shm_header h;
	void *p;
	int ret;

	vd->mmio = pcim_iomap_table(pdev)[0];	/* mapped by the probe */
	if (!vd->mmio || pci_resource_len(pdev, 0) < 0x10) {
		dev_err(dev, "the ivshmem registers (BAR0) are not mapped\n");
		return -ENODEV;
	}
	vd->my_id = (u16)ioread32(vd->mmio + IVSHMEM_IVPOSITION);
	if (len < 2 * VGPU_SHM_HEADER_SIZE) {
		dev_err(dev, "shared memory (BAR2) of %llu bytes is too small: is a vgpu-sim server attached (ivshmem-doorbell chardev=)?\n",
			(u64)len);
		return -ENODEV;
	}

	/* One snapshot of the header, validated and used from here on. */
	p = memremap(base, VGPU_SHM_HEADER_SIZE, MEMREMAP_WB);
	if (!p) {
		dev_err(dev, "cannot map the shared-memory header\n");
		return -ENOMEM;
	}
	memcpy(&h, p, sizeof(h));
	memunmap(p);
	ret = vdisp_check_header(vd, &h, len);
	if (ret)
		return ret;

	vd->shm = devm_memremap(dev, base, h.vram_offset, MEMREMAP_WB);
	if (IS_ERR(vd->shm)) {
		dev_err(dev, "cannot map %llu bytes of shared memory\n", h.vram_offset);
		return PTR_ERR(vd->shm);
	}
	vd->hdr = vd->shm;
	vd->regs = vd->shm + h.regs_offset;
	vd->ring = vd->shm + h.ring_offset;
	vd->regs_base = h.regs_base;
	vd->regs_size = h.regs_size;
	vd->ring_entries = h.ring_entries;
	vd->vram_offset = h.vram_offset;
	vd->vram_size = h.vram_size;
	vd->emu_id = (u16)h.emu_peer_id;
	spin_lock_init(&vd->ring_lock);
	vdisp_ts_init(vd, h.vblank_hz_milli);
	/* continue where an earlier driver instance left the ring */
	vd->head = virt_load_acquire(&vd->ring->head);
	dev_info(dev, "vgpu shm v%u: instance %u, peer %u -> emulator %u, %u ring entries, %llu MiB VRAM at +%#llx\n",
		 h.version, h.instance, vd->my_id, vd->emu_id, vd->ring_entries,
		 vd->vram_size >> 20, vd->vram_offset);
	return 0;
}

u32 vdisp_read(struct vdisp_device *vd, u32 reg)
{
	u32 rel = reg - vd->regs_base;

	if (reg % 4 || reg < vd->regs_base || rel >= vd->regs_size)
		return 0;
	return READ_ONCE(vd->regs[rel / 4]);
}

/*
 * vgpu-sim publishes each status word with a store-release; the virt_
 * barriers are the ones for memory shared with the host (as virtio's), not
 * compiled out on a uniprocessor guest.
 */
u32 vdisp_status(struct vdisp_device *vd, const vgpu_u32 *field)
{
	/* pairs with vgpu-sim's store-release of the word */
	return virt_load_acquire(field);
}

/*
 * Publish the records appended since the last doorbell, then ring. The
 * head moves once per batch: the emulator also drains at every vblank, and
 * a commit it saw half of (CURPOS without its CURBASE) would latch a new
 * position with the old image, which TEAR-2 rightly calls stale. i915 gets
 * the same atomicity from vblank evasion.
 */
static void vdisp_ring_locked(struct vdisp_device *vd)
{
	/* the records before the head that publishes them (vgpu/shm.h) */
	virt_store_release(&vd->ring->head, vd->head);
	iowrite32((u32)vd->emu_id << 16 | VGPU_DOORBELL_VEC,
		  vd->mmio + IVSHMEM_DOORBELL);
	vd->pending = 0;
}

/*
 * Append one (offset, value) record, unpublished: vdisp_doorbell() publishes
 * and rings, so that one commit's writes reach the emulator together. A
 * full ring is published, rung and waited on, bounded: a stuck emulator
 * costs a lost write and a dmesg line, never a hung CPU.
 */
void vdisp_write(struct vdisp_device *vd, u32 reg, u32 val)
{
	struct vgpu_ring_rec *rec;
	unsigned long flags;
	unsigned int waited = 0;
	u32 used;

	spin_lock_irqsave(&vd->ring_lock, flags);
	for (;;) {
		/* pairs with the emulator's release of tail after consuming */
		used = vd->head - virt_load_acquire(&vd->ring->tail);
		if (used < vd->ring_entries)
			break;
		if (used > vd->ring_entries || waited >= VDISP_RING_WAIT_US) {
			if (!vd->dead_reported)
				dev_err(&vd->pdev->dev, "vgpu ring stuck (%u of %u used): dropping register writes\n",
					used, vd->ring_entries);
			vd->dead_reported = true;
			spin_unlock_irqrestore(&vd->ring_lock, flags);
			return;
		}
		vdisp_ring_locked(vd);
		udelay(10);
		waited += 10;
	}
	rec = &vd->ring->rec[vd->head & (vd->ring_entries - 1)];
	WRITE_ONCE(rec->offset, reg);
	WRITE_ONCE(rec->value, val);
	vd->head++;
	vd->pending++;
	spin_unlock_irqrestore(&vd->ring_lock, flags);
}

void vdisp_doorbell(struct vdisp_device *vd)
{
	unsigned long flags;

	spin_lock_irqsave(&vd->ring_lock, flags);
	if (vd->pending)
		vdisp_ring_locked(vd);
	spin_unlock_irqrestore(&vd->ring_lock, flags);
}
