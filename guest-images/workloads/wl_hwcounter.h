/* SPDX-License-Identifier: MIT */
/*
 * The hardware frame counter the host reads, seen from the guest, so that
 * vrc-wl can measure the offset between it and the DRM vblank sequence
 * (wl_kms.c). Two sources:
 *
 *  - vdisp: the sysfs attribute device/frame_counter (pipe A's raw count);
 *  - i915 (a GVT-g guest): PIPE_FRMCOUNT of the CRTC's pipe read from BAR0
 *    through the PCI resource0 mapping. Under GVT-g the read traps to GVT's
 *    emulated register, the one the host reads through the VFIO region.
 *
 * The host reads pipe A's counter, so a CRTC on another pipe has no usable
 * counter (the offset stays unknown and the rt tests say so).
 */
#ifndef WL_HWCOUNTER_H
#define WL_HWCOUNTER_H

#include <stddef.h>
#include <stdint.h>

struct wl_hwcounter {
	char path[160];			/* sysfs attribute or resource file */
	void *map;			/* the BAR mapping, NULL for sysfs */
	size_t maplen;
	volatile const uint32_t *reg;	/* the register in map */
};

/* A sysfs attribute holding the count in decimal. */
void wl_hwcounter_sysfs(struct wl_hwcounter *c, const char *path);
/*
 * A 32-bit register at offset in a mappable file (a PCI resource). 0, or
 * -errno with why (the file named) in err.
 */
int wl_hwcounter_mmio(struct wl_hwcounter *c, const char *path, uint32_t offset,
		      char *err, size_t errlen);
/* The sysfs counter's text: decimal, an optional newline, 32 bits; 0 or -EPROTO. */
int wl_hwcounter_parse(const char *buf, uint32_t *v);
int wl_hwcounter_read(const struct wl_hwcounter *c, uint32_t *v);
void wl_hwcounter_close(struct wl_hwcounter *c);

#endif
