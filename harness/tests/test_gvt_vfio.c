// SPDX-License-Identifier: MIT
/*
 * The kernel VFIO transport and the gvt backend's KVM calls, byte by byte:
 * below the transport sits a scripted fake of the system calls (struct
 * vrc_sys) holding recorded expectations — which call, on which fd, with
 * exactly which argument bytes — and the kernel's answers. The code under
 * test is the real transport, irq client and plane query. Plus one test
 * against the real /dev/kvm, where there is one.
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "vrc/irq.h"
#include "harness/gvt/gvt.h"
#include "test_gvt_script.h"

static struct vrc_transport *transport(struct vrc_sys *sys, int fd)
{
	struct vrc_vfio_open_opts o = { .sys = sys };
	struct vrc_transport *t = NULL;
	char err[200];

	ASSERT_EQ(0, vrc_vfio_kernel_from_fd_opts(fd, &o, &t, err, sizeof(err)));
	return t;
}

#define DEV	100	/* the device fd of the scripted device */
#define MDEV_DIR "/sys/bus/mdev/devices/f81e5b5c-0f0e-4cbb-9a3c-2d6d5a1f0d3e"

/* GET_DEVICE_INFO as the irq client sends it, and GVT's answer. */
static const uint32_t devinfo_out[] = { 20, 3, 9, 6, 0 };	/* RESET|PCI, 9 regions, 6 irqs */
/* GET_IRQ_INFO(5) with argsz 20, the short answer, the retry with 60, the chain. */
static const uint32_t irq5_in20[] = { 20, 0, 5, 0, 0 };
static const uint32_t irq5_out20[] = { 60, 0x13, 5, 1, 0 };
static const uint32_t irq5_in60[15] = { 60, 0, 5, 0, 0 };
static const uint32_t irq5_out60[15] = {
	60, 0x13, 5, 1, 20,
	1 | 1 << 16, 36, 1, 1,			/* type cap: id 1 v1 next 36, GFX/DISPLAY_IRQ */
	2 | 1 << 16, 0, 0, 1 << 16, 0, 1 << 24,	/* display cap: cur 1<<48, pri 1<<56 */
};

TEST(discovery_bytes_and_argsz_retry)
{
	uint32_t devinfo_in[5] = { (uint32_t)sizeof(struct vfio_device_info) };
	struct expect e[] = {
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_INFO, .in = devinfo_in,
		  .inlen = sizeof(struct vfio_device_info), .out = devinfo_out,
		  .outlen = sizeof(struct vfio_device_info) },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_IRQ_INFO, .in = irq5_in20, .inlen = 20,
		  .out = irq5_out20, .outlen = 20 },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_IRQ_INFO, .in = irq5_in60, .inlen = 60,
		  .out = irq5_out60, .outlen = 60 },
		{ CLOSE, .fd = DEV },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct vrc_transport *t = transport(&sys, DEV);
	struct vrc_display_irq irq;
	char err[200] = "";

	ASSERT_EQ(0, vrc_display_irq_find(t, &irq, err, sizeof(err)));
	ASSERT_EQ(5u, irq.index);
	ASSERT_EQ(1u, irq.count);
	ASSERT_EQ((int)VRC_ABI_V6, (int)irq.desc.abi);
	ASSERT_EQ(VRC_GVT_PRI_EVENT_VAL, irq.desc.pri_event_val);
	ASSERT_EQ(VRC_GVT_CUR_EVENT_VAL, irq.desc.cur_event_val);
	vrc_transport_close(t);
	script_done(&sc);
}

TEST(irq_info_buffer_never_overrun)
{
	SCRIPT(sc, { CLOSE, .fd = DEV });
	struct vrc_sys sys = fake_sys(&sc);
	struct vrc_transport *t = transport(&sys, DEV);
	uint8_t buf[20] = { 60 };	/* argsz 60 in a 20-byte buffer */

	/* refused before any ioctl: the kernel would write 60 bytes */
	ASSERT_EQ(-EINVAL, t->ops->get_irq_info(t, buf, sizeof(buf)));
	vrc_transport_close(t);
	script_done(&sc);
}

/* DISC-2: a kernel that writes the whole chain for argsz 20 is caught by the
 * transport's canary, and the caller's bytes past argsz stay untouched. */
TEST(irq_info_write_past_argsz_is_refused)
{
	SCRIPT(sc, { IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_IRQ_INFO, .in = irq5_in20,
		     .inlen = 20, .out = irq5_out60, .outlen = 60 },
		   { CLOSE, .fd = DEV });
	struct vrc_sys sys = fake_sys(&sc);
	struct vrc_transport *t = transport(&sys, DEV);
	uint8_t buf[64];

	memset(buf, 0xee, sizeof(buf));
	memcpy(buf, irq5_in20, sizeof(irq5_in20));
	ASSERT_EQ(-EOVERFLOW, t->ops->get_irq_info(t, buf, sizeof(buf)));
	for (unsigned i = 20; i < sizeof(buf); i++)
		ASSERT_EQ(0xee, buf[i]);
	vrc_transport_close(t);
	script_done(&sc);
}


TEST(set_irqs_each_action_and_data)
{
	/* argsz, flags, index, start, count, data */
	static const uint32_t reg[] = { 24, 0x24, 5, 0, 1 };		/* TRIGGER|EVENTFD, fd */
	static const uint32_t unreg[] = { 20, 0x21, 5, 0, 0 };		/* TRIGGER|NONE, count 0 */
	static const uint32_t minus1[] = { 24, 0x24, 5, 0, 1, 0xffffffff };	/* fd -1 */
	static const uint32_t mask[] = { 20, 0x09, 5, 0, 1 };		/* MASK|NONE */
	static const uint32_t unmask[] = { 20, 0x11, 5, 0, 1 };		/* UNMASK|NONE */
	static const uint8_t maskb[21] = { 21, 0, 0, 0, 0x0a, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0,
					   1, 0, 0, 0, 1 };		/* MASK|BOOL, true */
	static const uint8_t unmaskb[21] = { 21, 0, 0, 0, 0x12, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0,
					     1, 0, 0, 0, 1 };		/* UNMASK|BOOL, true */
	struct expect e[] = {
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_SET_IRQS, .in = reg, .inlen = 24,
		  .arg_is_eventfd_at = true, .in_fd_off = 20 },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_SET_IRQS, .in = mask, .inlen = 20 },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_SET_IRQS, .in = unmask, .inlen = 20 },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_SET_IRQS, .in = maskb, .inlen = 21 },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_SET_IRQS, .in = unmaskb, .inlen = 21 },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_SET_IRQS, .in = minus1, .inlen = 24 },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_SET_IRQS, .in = unreg, .inlen = 20 },
		/* the device's errno reaches the caller unchanged */
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_SET_IRQS, .in = mask, .inlen = 20,
		  .err = EINVAL },
		{ CLOSE, .fd = DEV },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct vrc_transport *t = transport(&sys, DEV);
	struct vrc_display_irq irq = { .t = t, .index = 5, .count = 1, .efd = { -1, -1 } };
	int minus_one = -1;

	ASSERT_EQ(0, vrc_display_irq_register(&irq));
	ASSERT_TRUE(is_eventfd(irq.efd[0]));
	ASSERT_EQ(0, vrc_display_irq_mask(&irq, true));
	ASSERT_EQ(0, vrc_display_irq_mask(&irq, false));
	ASSERT_EQ(0, vrc_display_irq_mask_bool(&irq, true));
	ASSERT_EQ(0, vrc_display_irq_mask_bool(&irq, false));
	ASSERT_EQ(0, __vrc_display_irq_set_eventfds(&irq, &minus_one, 1));
	ASSERT_EQ(0, vrc_display_irq_unregister(&irq));
	ASSERT_EQ(-EINVAL, vrc_display_irq_mask(&irq, true));
	vrc_display_irq_close(&irq);
	vrc_transport_close(t);
	script_done(&sc);
}

TEST(region_info_offsets_and_short_reads)
{
	static const uint32_t ri0_in[8] = { 32, 0, 0 };
	static const uint32_t ri2_in[8] = { 32, 0, 2 };
	/* BAR0: 16 MiB at fd offset 0, caps present (argsz grew to 80): the fixed part stands */
	static const uint32_t ri0_out[8] = { 80, 0xf, 0, 0, 16 << 20, 0, 0, 0 };
	/* BAR2: 4 KiB at fd offset 2 << 40 (vfio-pci's index << 40) */
	static const uint32_t ri2_out[8] = { 32, 0x3, 2, 0, 4096, 0, 0, 2 << 8 };
	static const uint8_t frm_lo[2] = { 0x2a, 0x01 }, frm_hi[2] = { 0, 0 };
	static const uint8_t w[4] = { 1, 2, 3, 4 };
	struct expect e[] = {
		/* frame counter: PIPE_FRMCOUNT_A, a read the kernel splits in two */
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_REGION_INFO, .in = ri0_in, .inlen = 32,
		  .out = ri0_out, .outlen = 32 },
		{ PREAD, .fd = DEV, .off = 0x70040, .len = 4, .out = frm_lo, .outlen = 2 },
		{ PREAD, .fd = DEV, .off = 0x70042, .len = 2, .out = frm_hi, .outlen = 2 },
		/* a write into BAR2 at its offset */
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_REGION_INFO, .in = ri2_in, .inlen = 32,
		  .out = ri2_out, .outlen = 32 },
		{ PWRITE, .fd = DEV, .off = (off_t)(2ull << 40) + 0x10, .len = 4, .in = w,
		  .inlen = 4, .ret = 4 },
		/* past the end of BAR2: refused without touching the fd */
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_REGION_INFO, .in = ri2_in, .inlen = 32,
		  .out = ri2_out, .outlen = 32 },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_RESET, .argval = 0 },
		{ CLOSE, .fd = DEV },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct vrc_transport *t = transport(&sys, DEV);
	uint32_t frm = 0;

	ASSERT_EQ(0, vrc_read_frame_counter(t, 0x70040, &frm));
	ASSERT_EQ(0x12au, frm);
	ASSERT_EQ(0, t->ops->region_write(t, 2, 0x10, w, 4));
	ASSERT_EQ(-EINVAL, t->ops->region_write(t, 2, 4094, w, 4));
	ASSERT_EQ(0, t->ops->reset(t));
	vrc_transport_close(t);
	script_done(&sc);
}

TEST(gfx_plane_query_and_dmabuf)
{
	/* argsz 64, flags DMABUF, PRIMARY, then zeros: what QEMU and the suite send */
	static const uint32_t q_in[16] = { 64, 2, 1 };
	static const uint32_t q_out[16] = {
		64, 2, 1, 0x34325258 /* XR24 */, 1, 1 << 24 /* I915 X-tiled */,
		1024, 768, 4096, 4096 * 768, 0, 0, 0xffffffff, 0xffffffff, 1, 0,
	};
	static const uint32_t id_in[1] = { 1 };
	struct expect e[] = {
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_QUERY_GFX_PLANE, .in = q_in, .inlen = 64,
		  .out = q_out, .outlen = 64 },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_GFX_DMABUF, .in = id_in, .inlen = 4,
		  .ret_real_fd = 1 },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_GFX_DMABUF, .in = id_in, .inlen = 4,
		  .err = EINVAL },
		{ CLOSE, .fd = DEV },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct vrc_transport *t = transport(&sys, DEV);
	struct vrc_plane p;
	uint64_t off = 99;
	int fd;

	ASSERT_EQ(0, vrc_plane_query(t, VRC_PLANE_PRIMARY, &p));
	ASSERT_EQ(0x34325258u, p.info.drm_format);
	ASSERT_EQ(0x0100000000000001ull, (unsigned long long)p.info.drm_format_mod);
	ASSERT_EQ(1024u, p.info.width);
	ASSERT_EQ(4096u, p.info.stride);
	ASSERT_EQ(0xffffffffu, p.info.x_hot);
	ASSERT_EQ(1u, p.info.dmabuf_id);
	fd = t->ops->get_gfx_dmabuf(t, 1, &off);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0u, off);	/* a kernel dmabuf maps from its start */
	close(fd);
	ASSERT_EQ(-EINVAL, t->ops->get_gfx_dmabuf(t, 1, &off));
	vrc_transport_close(t);
	script_done(&sc);
}

/* KVM VM + VFIO pseudo device, as the group open's before_open hook uses them. */
#define KVM_EXPECT(dev_root)							\
	{ OPEN, .path = dev_root "/kvm", .ret = 20 },				\
	{ IOCTL, .fd = 20, .req = KVM_GET_API_VERSION, .argval = 0, .ret = 12 },	\
	{ IOCTL, .fd = 20, .req = KVM_CREATE_VM, .argval = 0, .ret = 21 },	\
	{ IOCTL, .fd = 21, .req = KVM_CREATE_DEVICE, .in = kvm_cd_in, .inlen = 12, \
	  .out = kvm_cd_out, .outlen = 12 }

static const uint32_t kvm_cd_in[3] = { 4 /* KVM_DEV_TYPE_VFIO */, 0, 0 };
static const uint32_t kvm_cd_out[3] = { 4, 22, 0 };

TEST(group_open_with_kvm_association)
{
	static const uint32_t status_in[2] = { 8, 0 };
	static const uint32_t status_out[2] = { 8, 1 /* VIABLE */ };
	static const int32_t container[1] = { 10 };
	static const char name[] = "3f1b3c9e-4a8d-4c3f-9d1e-0123456789ab";
	struct expect e[] = {
		KVM_EXPECT("/fake/dev"),
		{ OPEN, .path = "/dev/vfio/vfio", .ret = 10 },
		{ IOCTL, .fd = 10, .req = VFIO_GET_API_VERSION, .argval = 0, .ret = 0 },
		{ IOCTL, .fd = 10, .req = VFIO_CHECK_EXTENSION, .argval = VFIO_TYPE1v2_IOMMU, .ret = 1 },
		{ OPEN, .path = "/fake/dev/vfio/13", .ret = 11 },
		{ IOCTL, .fd = 11, .req = VFIO_GROUP_GET_STATUS, .in = status_in, .inlen = 8,
		  .out = status_out, .outlen = 8 },
		{ IOCTL, .fd = 11, .req = VFIO_GROUP_SET_CONTAINER, .in = container, .inlen = 4 },
		{ IOCTL, .fd = 10, .req = VFIO_SET_IOMMU, .argval = VFIO_TYPE1v2_IOMMU },
		/* GVT opens the vGPU only once the VM knows the group */
		{ IOCTL, .fd = 22, .req = KVM_SET_DEVICE_ATTR, .arg_points_to_fd = true, .argval = 11 },
		{ IOCTL, .fd = 11, .req = VFIO_GROUP_GET_DEVICE_FD, .in = name, .inlen = sizeof(name),
		  .ret = 12 },
		{ CLOSE, .fd = 12 }, { CLOSE, .fd = 11 }, { CLOSE, .fd = 10 },
		{ CLOSE, .fd = 22 }, { CLOSE, .fd = 21 }, { CLOSE, .fd = 20 },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct gvt_kvm kvm;
	struct vrc_vfio_open_opts o = { .sys = &sys, .before_open = gvt_kvm_before_open,
					.ctx = &kvm };
	struct vrc_transport *t = NULL;
	char err[300] = "";

	ASSERT_EQ(0, gvt_kvm_create(&kvm, &sys, "/fake/dev", err, sizeof(err)));
	ASSERT_EQ(0, vrc_vfio_kernel_open_group_opts("/fake/dev/vfio/13", name, &o, &t, err,
						     sizeof(err)));
	vrc_transport_close(t);
	gvt_kvm_destroy(&kvm);
	script_done(&sc);
}

TEST(group_open_fails_cleanly_without_kvm)
{
	static const uint32_t status_in[2] = { 8, 0 };
	static const uint32_t status_out[2] = { 8, 1 };
	static const int32_t container[1] = { 10 };
	struct expect e[] = {
		KVM_EXPECT("/d"),
		{ OPEN, .path = "/dev/vfio/vfio", .ret = 10 },
		{ IOCTL, .fd = 10, .req = VFIO_GET_API_VERSION, .argval = 0, .ret = 0 },
		{ IOCTL, .fd = 10, .req = VFIO_CHECK_EXTENSION, .argval = VFIO_TYPE1v2_IOMMU, .ret = 1 },
		{ OPEN, .path = "/d/vfio/13", .ret = 11 },
		{ IOCTL, .fd = 11, .req = VFIO_GROUP_GET_STATUS, .in = status_in, .inlen = 8,
		  .out = status_out, .outlen = 8 },
		{ IOCTL, .fd = 11, .req = VFIO_GROUP_SET_CONTAINER, .in = container, .inlen = 4 },
		{ IOCTL, .fd = 10, .req = VFIO_SET_IOMMU, .argval = VFIO_TYPE1v2_IOMMU },
		{ IOCTL, .fd = 22, .req = KVM_SET_DEVICE_ATTR, .arg_points_to_fd = true, .argval = 11,
		  .err = EINVAL },
		/* no GET_DEVICE_FD after a failed association; everything closed */
		{ CLOSE, .fd = 11 }, { CLOSE, .fd = 10 },
		{ CLOSE, .fd = 22 }, { CLOSE, .fd = 21 }, { CLOSE, .fd = 20 },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct gvt_kvm kvm;
	struct vrc_vfio_open_opts o = { .sys = &sys, .before_open = gvt_kvm_before_open,
					.ctx = &kvm };
	struct vrc_transport *t = NULL;
	char err[300] = "";

	ASSERT_EQ(0, gvt_kvm_create(&kvm, &sys, "/d", err, sizeof(err)));
	ASSERT_EQ(-EINVAL, vrc_vfio_kernel_open_group_opts("/d/vfio/13", "x", &o, &t, err,
							   sizeof(err)));
	ASSERT_TRUE(t == NULL);
	ASSERT_TRUE(strstr(err, "KVM_DEV_VFIO_FILE_ADD") != NULL);
	gvt_kvm_destroy(&kvm);
	script_done(&sc);
}

TEST(cdev_open_associates_before_bind)
{
	static const uint32_t bind_in[4] = { 16, 0, 31, 0 };
	static const uint32_t bind_out[4] = { 16, 0, 31, 5 };
	static const uint32_t ioas_in[3] = { 12, 0, 0 };
	static const uint32_t ioas_out[3] = { 12, 0, 7 };
	static const uint32_t attach_in[3] = { 12, 0, 7 };
	struct expect e[] = {
		KVM_EXPECT("/d"),
		{ OPEN, .path = "/d/vfio/devices/vfio3", .ret = 30 },
		{ OPEN, .path = "/dev/iommu", .ret = 31 },
		{ IOCTL, .fd = 22, .req = KVM_SET_DEVICE_ATTR, .arg_points_to_fd = true, .argval = 30 },
		{ IOCTL, .fd = 30, .req = _IO(VFIO_TYPE, VFIO_BASE + 18), .in = bind_in, .inlen = 16,
		  .out = bind_out, .outlen = 16 },
		{ IOCTL, .fd = 31, .req = _IO(';', 0x81), .in = ioas_in, .inlen = 12,
		  .out = ioas_out, .outlen = 12 },
		{ IOCTL, .fd = 30, .req = _IO(VFIO_TYPE, VFIO_BASE + 19), .in = attach_in,
		  .inlen = 12 },
		{ CLOSE, .fd = 30 }, { CLOSE, .fd = 31 },
		{ CLOSE, .fd = 22 }, { CLOSE, .fd = 21 }, { CLOSE, .fd = 20 },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct gvt_kvm kvm;
	struct vrc_vfio_open_opts o = { .sys = &sys, .before_open = gvt_kvm_before_open,
					.ctx = &kvm };
	struct vrc_transport *t = NULL;
	char err[300] = "";

	ASSERT_EQ(0, gvt_kvm_create(&kvm, &sys, "/d", err, sizeof(err)));
	ASSERT_EQ(0, vrc_vfio_kernel_open_cdev_opts("/d/vfio/devices/vfio3", &o, &t, err,
						    sizeof(err)));
	vrc_transport_close(t);
	gvt_kvm_destroy(&kvm);
	script_done(&sc);
}

TEST(shared_device_waits_for_qemus_bind)
{
	static const uint32_t devinfo_in[5] = { (uint32_t)sizeof(struct vfio_device_info) };
	struct expect e[] = {
		/* not bound yet: the kernel refuses with EINVAL, twice */
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_INFO, .in = devinfo_in,
		  .inlen = sizeof(struct vfio_device_info), .err = EINVAL },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_INFO, .in = devinfo_in,
		  .inlen = sizeof(struct vfio_device_info), .err = EINVAL },
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_INFO, .in = devinfo_in,
		  .inlen = sizeof(struct vfio_device_info), .out = devinfo_out,
		  .outlen = sizeof(struct vfio_device_info) },
		/* another error is not "wait longer" */
		{ IOCTL, .fd = DEV, .req = VFIO_DEVICE_GET_INFO, .in = devinfo_in,
		  .inlen = sizeof(struct vfio_device_info), .err = ENODEV },
		{ CLOSE, .fd = DEV },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct vrc_transport *t = transport(&sys, DEV);
	char err[300] = "";
	const char *args[GVT_QEMU_MAX_ARGS];
	char buf[300];

	ASSERT_EQ(0, gvt_share_wait_bound(t, 2000, err, sizeof(err)));
	ASSERT_EQ(-ENODEV, gvt_share_wait_bound(t, 2000, err, sizeof(err)));
	vrc_transport_close(t);
	script_done(&sc);
	ASSERT_EQ(4, gvt_qemu_device_args(7, 8, "vgpu0", MDEV_DIR, buf, sizeof(buf), args, 8));
	ASSERT_STREQ("-object", args[0]);
	ASSERT_STREQ("iommufd,id=iommufd0,fd=8", args[1]);
	ASSERT_STREQ("-device", args[2]);
	/* sysfsdev: without it QEMU >= 9.1 takes the mdev for a physical device */
	ASSERT_STREQ("vfio-pci,id=vgpu0,iommufd=iommufd0,fd=7,sysfsdev=" MDEV_DIR
		     ",display=off,x-igd-opregion=on", args[3]);
	ASSERT_EQ(-ENOSPC, gvt_qemu_device_args(7, 8, "vgpu0", MDEV_DIR, buf, 30, args, 8));
	ASSERT_EQ(-EINVAL, gvt_qemu_device_args(7, 8, "vgpu0", "", buf, sizeof(buf), args, 8));
	ASSERT_EQ(-EINVAL, gvt_qemu_device_args(7, 8, "vgpu0", "/sys/a,b", buf, sizeof(buf),
						args, 8));
}

TEST(share_opens_cdev_and_iommufd_unbound)
{
	struct expect e[] = {
		{ OPEN, .path = "/d/vfio/devices/vfio3", .ret = 40 },
		{ OPEN, .path = "/d/iommu", .ret = 41 },
		/* no BIND_IOMMUFD: that is QEMU's */
		{ OPEN, .path = "/d/vfio/devices/vfio3", .ret = 40 },
		{ OPEN, .path = "/d/iommu", .err = ENOENT },
		{ CLOSE, .fd = 40 },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct gvt_share s;
	char err[300] = "";

	ASSERT_EQ(0, gvt_share_open(&s, &sys, "/d", "vfio3", err, sizeof(err)));
	ASSERT_EQ(40, s.dev_fd);
	ASSERT_EQ(41, s.iommu_fd);
	ASSERT_EQ(-ENOENT, gvt_share_open(&s, &sys, "/d", "vfio3", err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "/d/iommu") != NULL);
	ASSERT_EQ(-1, s.dev_fd);
	script_done(&sc);
}

/* The session's sharing: fds for QEMU, then our copy once QEMU has bound. */
TEST(session_shares_cdev_then_opens_its_copy_after_the_bind)
{
	static const uint32_t devinfo_in[5] = { (uint32_t)sizeof(struct vfio_device_info) };
	struct expect e[] = {
		{ OPEN, .path = "/d/vfio/devices/vfio3", .ret = 40 },
		{ OPEN, .path = "/d/iommu", .ret = 41 },
		/* QEMU has not bound it yet, then it has */
		{ IOCTL, .fd = 40, .req = VFIO_DEVICE_GET_INFO, .in = devinfo_in,
		  .inlen = sizeof(struct vfio_device_info), .err = EINVAL },
		{ IOCTL, .fd = 40, .req = VFIO_DEVICE_GET_INFO, .in = devinfo_in,
		  .inlen = sizeof(struct vfio_device_info), .out = devinfo_out,
		  .outlen = sizeof(struct vfio_device_info) },
		/* after QEMU exited: our copy, then the iommufd */
		{ CLOSE, .fd = 40 },
		{ CLOSE, .fd = 41 },
	};
	struct script sc = { .e = e, .n = sizeof(e) / sizeof(e[0]) };
	struct vrc_sys sys = fake_sys(&sc);
	struct gvt_host h = { .dev_root = "/d" };
	struct gvt_session s = { .h = &h, .sys = &sys };
	const char *args[GVT_QEMU_MAX_ARGS];
	char buf[256], err[300] = "";

	/* nothing shared yet: nothing to open */
	ASSERT_EQ(-EINVAL, gvt_session_open_shared(&s, 1000, err, sizeof(err)));
	/* no cdev: no system call at all */
	ASSERT_EQ(-ENODEV, gvt_session_share(&s, buf, sizeof(buf), args, GVT_QEMU_MAX_ARGS,
					     err, sizeof(err)));
	snprintf(s.m.cdev, sizeof(s.m.cdev), "vfio3");
	snprintf(s.m.dir, sizeof(s.m.dir), "%s", MDEV_DIR);
	ASSERT_EQ(4, gvt_session_share(&s, buf, sizeof(buf), args, GVT_QEMU_MAX_ARGS, err,
				       sizeof(err)));
	ASSERT_STREQ("iommufd,id=iommufd0,fd=41", args[1]);
	ASSERT_STREQ("vfio-pci,id=vgpu0,iommufd=iommufd0,fd=40,sysfsdev=" MDEV_DIR
		     ",display=off,x-igd-opregion=on", args[3]);
	ASSERT_EQ(-EBUSY, gvt_session_share(&s, buf, sizeof(buf), args, GVT_QEMU_MAX_ARGS,
					    err, sizeof(err)));
	ASSERT_EQ(0, gvt_session_open_shared(&s, 2000, err, sizeof(err)));
	ASSERT_TRUE(s.t != NULL);
	gvt_session_close_device(&s);
	ASSERT_TRUE(s.t == NULL);
	ASSERT_FALSE(s.shared);
	script_done(&sc);
}

TEST(real_kvm_accepts_vm_refuses_non_vfio_file)
{
	struct gvt_kvm kvm;
	char err[300] = "";
	int efd, rc;

	if (access("/dev/kvm", R_OK | W_OK))
		SKIP("no usable /dev/kvm here");
	rc = gvt_kvm_create(&kvm, NULL, "/dev", err, sizeof(err));
	if (rc == -EACCES || rc == -EPERM)
		SKIP("%s", err);
	if (rc)
		printf("# %s\n", err);
	ASSERT_EQ(0, rc);
	ASSERT_GE(kvm.vfio_dev_fd, 0);
	/* the real KVM VFIO device checks the file: an eventfd is no VFIO file */
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	rc = gvt_kvm_add_file(&kvm, efd, err, sizeof(err));
	ASSERT_EQ(-EINVAL, rc);
	ASSERT_TRUE(strstr(err, "KVM_DEV_VFIO_FILE_ADD") != NULL);
	close(efd);
	ASSERT_EQ(-EBADF, gvt_kvm_add_file(&kvm, 1000, err, sizeof(err)));
	gvt_kvm_destroy(&kvm);
	ASSERT_EQ(-1, kvm.vm_fd);
}

VTEST_MAIN()
