// SPDX-License-Identifier: GPL-2.0
/*
 * Vblank and flip completion. vgpu-sim raises MSI-X vector 0 after a vblank
 * or a latched update; the interrupt only says "look now", the state is the
 * per-pipe status in shared memory. The vblank counter is the hardware one
 * (PIPE_FRMCOUNT mirrored into frame_count), and an event completes at the
 * vblank where its update latched: when the flip (or cursor) done counter
 * has moved past the value it had before the update was written.
 */
#include <linux/interrupt.h>
#include <drm/drm_vblank.h>

#include "vdisp.h"

static u32 vdisp_wait_seq(struct vdisp_device *vd, enum vdisp_wait wait)
{
	switch (wait) {
	case VDISP_WAIT_FLIP:
		return VDISP_STATUS(vd, flip_done_seq);
	case VDISP_WAIT_CURSOR:
		return VDISP_STATUS(vd, cursor_done_seq);
	default:
		return VDISP_STATUS(vd, vblank_seq);
	}
}

/* Under drm.event_lock. */
static void vdisp_complete_locked(struct vdisp_device *vd)
{
	drm_crtc_send_vblank_event(&vd->crtc, vd->event);
	drm_crtc_vblank_put(&vd->crtc);
	vd->event = NULL;
}

static irqreturn_t vdisp_irq(int irq, void *arg)
{
	struct vdisp_device *vd = arg;
	unsigned long flags;
	u32 seq;

	if (READ_ONCE(vd->hdr->dead) && !vd->dead_reported) {
		vd->dead_reported = true;
		dev_err(&vd->pdev->dev, "vgpu reports itself dead: no more vblanks\n");
	}
	seq = VDISP_STATUS(vd, vblank_seq);
	if (seq != vd->last_vblank_seq) {
		vdisp_ts_sample(vd);	/* before DRM asks for the stamp */
		if (READ_ONCE(vd->vblank_on)) {
			drm_crtc_handle_vblank(&vd->crtc);
			vdisp_crc_drain(vd);
		}
		/* after the count moved: vdisp_arm_event relies on it */
		WRITE_ONCE(vd->last_vblank_seq, seq);
	}
	spin_lock_irqsave(&vd->drm.event_lock, flags);
	if (vd->event && vdisp_wait_seq(vd, vd->wait) != vd->wait_seq)
		vdisp_complete_locked(vd);
	spin_unlock_irqrestore(&vd->drm.event_lock, flags);
	return IRQ_HANDLED;
}

/*
 * Called from atomic_flush with the status counter sampled before the
 * update's registers were written. They are published with the doorbell
 * that follows, but a ring that filled up mid-commit was published (and
 * may have been drained at a vblank) already, so the update may have
 * latched already;
 * the device publishes the frame count and vblank_seq before the done
 * sequences (as GVT bumps PIPE_FRMCOUNT before flip-done), so a done
 * sequence that moved with vblank_seq equal to what the irq last saw means
 * the irq of the latch vblank has run and the vblank count is that frame's.
 */
void vdisp_arm_event(struct vdisp_device *vd, struct drm_crtc_state *state,
		     enum vdisp_wait wait, u32 seq_before)
{
	struct drm_pending_vblank_event *e = state->event;

	lockdep_assert_held(&vd->drm.event_lock);
	if (!e)
		return;
	state->event = NULL;
	if (vd->event)	/* the helpers wait for flip_done: cannot happen */
		vdisp_complete_locked(vd);
	if (!state->active || drm_crtc_vblank_get(&vd->crtc)) {
		drm_crtc_send_vblank_event(&vd->crtc, e);
		return;
	}
	vd->event = e;
	vd->wait = wait;
	vd->wait_seq = seq_before;
	/*
	 * Latched already, and the irq of that vblank has run (the vblank
	 * count is current): complete now rather than a frame late.
	 */
	if (vdisp_wait_seq(vd, wait) != seq_before &&
	    VDISP_STATUS(vd, vblank_seq) == READ_ONCE(vd->last_vblank_seq))
		vdisp_complete_locked(vd);
}

/* The pipe goes off: whatever waits would never latch. */
void vdisp_flush_event(struct vdisp_device *vd)
{
	unsigned long flags;

	spin_lock_irqsave(&vd->drm.event_lock, flags);
	if (vd->event)
		vdisp_complete_locked(vd);
	spin_unlock_irqrestore(&vd->drm.event_lock, flags);
}

u32 vdisp_get_vblank_counter(struct drm_crtc *crtc)
{
	return VDISP_STATUS(to_vdisp(crtc->dev), frame_count);
}

int vdisp_enable_vblank(struct drm_crtc *crtc)
{
	WRITE_ONCE(to_vdisp(crtc->dev)->vblank_on, true);
	return 0;
}

void vdisp_disable_vblank(struct drm_crtc *crtc)
{
	WRITE_ONCE(to_vdisp(crtc->dev)->vblank_on, false);
}

int vdisp_irq_init(struct vdisp_device *vd)
{
	struct pci_dev *pdev = vd->pdev;
	int ret;

	ret = drm_vblank_init(&vd->drm, 1);
	if (ret)
		return ret;
	/* the hardware counter is 32 bits wide */
	vd->drm.max_vblank_count = 0xffffffff;

	ret = pci_alloc_irq_vectors(pdev, VGPU_NUM_VECTORS, VGPU_NUM_VECTORS,
				    PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(&pdev->dev, "no MSI-X vector %u (ivshmem-doorbell vectors=1?): %d\n",
			VGPU_VEC_DISPLAY, ret);
		return ret;
	}
	vd->last_vblank_seq = VDISP_STATUS(vd, vblank_seq);
	ret = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, VGPU_VEC_DISPLAY),
			       vdisp_irq, 0, "vdisp", vd);
	if (ret)
		dev_err(&pdev->dev, "cannot request the display interrupt: %d\n", ret);
	return ret;
}
