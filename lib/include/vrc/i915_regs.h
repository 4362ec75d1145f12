/* SPDX-License-Identifier: MIT */
/*
 * The subset of the Intel display register file that GVT traps and the
 * emulated vGPU implements (gen9 layout; offsets are BAR0 MMIO offsets).
 * Facts only: offsets and bit positions from the public i915 register docs.
 */
#ifndef VRC_I915_REGS_H
#define VRC_I915_REGS_H

#define VRC_NUM_PIPES		3u
#define VRC_PIPE_STRIDE		0x1000u

#define VRC_PIPESRC(p)		(0x6001Cu + VRC_PIPE_STRIDE * (p))
/* Pipe CRC (IVB+ layout): the CRC of each frame in RES_1 at its vblank. */
#define VRC_PIPE_CRC_CTL(p)	(0x60050u + VRC_PIPE_STRIDE * (p))
#define   VRC_PIPE_CRC_ENABLE	(1u << 31)
#define VRC_PIPE_CRC_RES_1(p)	(0x60064u + VRC_PIPE_STRIDE * (p))
#define VRC_PIPECONF(p)		(0x70008u + VRC_PIPE_STRIDE * (p))
#define   VRC_PIPECONF_ENABLE	(1u << 31)
#define VRC_PIPE_FRMCOUNT(p)	(0x70040u + VRC_PIPE_STRIDE * (p))

#define VRC_CURCNTR(p)		(0x70080u + VRC_PIPE_STRIDE * (p))
#define   VRC_CURSOR_MODE_MASK	0x3fu		/* 0 = cursor off */
#define   VRC_CURSOR_MODE_64_ARGB	0x27u
#define   VRC_CURSOR_MODE_128_ARGB	0x22u
#define   VRC_CURSOR_MODE_256_ARGB	0x23u
#define   VRC_CURCNTR_V6_ASYNC	(1u << 9)	/* what v6 tests; no such bit */
#define VRC_CURBASE(p)		(0x70084u + VRC_PIPE_STRIDE * (p))
#define VRC_CURPOS(p)		(0x70088u + VRC_PIPE_STRIDE * (p))

#define VRC_PLANE_CTL(p)	(0x70180u + VRC_PIPE_STRIDE * (p))	/* DSPCNTR */
#define   VRC_PLANE_CTL_ENABLE	(1u << 31)
#define   VRC_PLANE_CTL_FORMAT_SHIFT	24
#define   VRC_PLANE_CTL_FORMAT_MASK	(0xfu << 24)
#define   VRC_PLANE_CTL_FORMAT_XRGB8888	(0x4u << 24)
#define   VRC_PLANE_CTL_FORMAT_XRGB2101010 (0x2u << 24)
#define   VRC_PLANE_CTL_TILED_MASK	(0x7u << 10)
#define   VRC_PLANE_CTL_TILED_LINEAR	(0x0u << 10)
#define   VRC_PLANE_CTL_TILED_X		(0x1u << 10)
#define   VRC_PLANE_CTL_TILED_Y		(0x4u << 10)
#define   VRC_PLANE_CTL_ASYNC_FLIP	(1u << 9)
#define VRC_PLANE_STRIDE(p)	(0x70188u + VRC_PIPE_STRIDE * (p))	/* DSPSTRIDE, bytes */
#define VRC_PLANE_SIZE(p)	(0x70190u + VRC_PIPE_STRIDE * (p))	/* (h-1)<<16 | (w-1) */
#define VRC_PLANE_SURF(p)	(0x7019Cu + VRC_PIPE_STRIDE * (p))	/* DSPSURF */

/* The window of registers the emulated vGPU mirrors into shared memory. */
#define VRC_REG_WINDOW_BASE	0x60000u
#define VRC_REG_WINDOW_SIZE	0x14000u	/* 0x60000..0x73fff */

#endif /* VRC_I915_REGS_H */
