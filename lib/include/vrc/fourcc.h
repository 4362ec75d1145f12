/* SPDX-License-Identifier: MIT */
/*
 * The DRM fourccs and modifier the plane info carries (values from the
 * kernel's drm_fourcc.h), for code that does not pull in libdrm.
 */
#ifndef VRC_FOURCC_H
#define VRC_FOURCC_H

#define VRC_FMT_XRGB8888	0x34325258u	/* 'XR24': the primary plane */
#define VRC_FMT_ARGB8888	0x34325241u	/* 'AR24': the cursor plane */
#define VRC_FMT_XBGR8888	0x34324258u	/* 'XB24' */
#define VRC_FMT_ABGR8888	0x34324241u	/* 'AB24' */
#define VRC_MOD_LINEAR		0ull

#endif
