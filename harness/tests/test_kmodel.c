// SPDX-License-Identifier: MIT
/*
 * Unit tests of the kernel models (kernel-VER): vgpu-sim devices whose
 * display irq is the reference series' own code (kernel/kmodel-gen.sh,
 * harness/vgpu-sim/kmodel/). The whole suite runs against them in
 * vrc mutation; these pin what only the series' code does, so a model
 * that quietly fell back on vgpu-sim's own logic fails here: VFIO's
 * 8-byte aligned chain from 6.6, argsz left as the caller passed it, one
 * idle count per pipe, the eventfd references, and kernel WARNs ending
 * the device.
 */
#include <dirent.h>

#include "harness/vgpu-sim/kmodel.h"
#include "harness/vgpu-sim/vgpu_priv.h"
#include "vgpu_fixture.h"

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	ASSERT_TRUE(d != NULL);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static struct vrc_irq_info irq_info(struct fx *f, uint32_t argsz, uint8_t *buf,
				    size_t cap, size_t *len)
{
	struct vrc_irq_info info;

	ASSERT_EQ(0, vgpu_irq_info(f->v, VGPU_DISPLAY_IRQ, argsz, buf, cap, len));
	memcpy(&info, buf, sizeof(info));
	return info;
}

/* Every series under kernel/ is a model, on the abi of its kernel. */
TEST(kernel_models_listed)
{
	const struct vgpu_model *m;
	unsigned n = 0;

	for (unsigned i = 0; (m = vgpu_model_at(i)); i++) {
		char name[32];

		if (!m->kernel)
			continue;
		n++;
		snprintf(name, sizeof(name), "kernel-%s", m->kernel->series);
		ASSERT_STREQ(name, m->name);
		ASSERT_EQ((int)m->default_abi, m->kernel->abi);
	}
	ASSERT_EQ(3u, n);
	ASSERT_EQ((int)VRC_ABI_V6, (int)vgpu_model_find("kernel-6.1")->default_abi);
	ASSERT_EQ((int)VRC_ABI_V7, (int)vgpu_model_find("kernel-6.12")->default_abi);
	ASSERT_EQ((int)VRC_ABI_V7, (int)vgpu_model_find("kernel-7.2")->default_abi);
}

/* The series' code speaks one abi: another is refused, not faked. */
TEST(kernel_abi_is_the_series)
{
	struct fx f;
	char err[256];

	ASSERT_EQ(-EINVAL, fx_try(&f, "kernel-7.2", VRC_ABI_V6, SHM_SIZE, NULL, err, sizeof(err)));
	ASSERT_TRUE(strstr(err, "kernel-7.2 implements abi v7 only") != NULL);
	munmap(f.shm, SHM_SIZE);
	close(f.shm_fd);
	fx_open(&f, "kernel-7.2", VRC_ABI_V7);
	fx_close(&f);
}

/*
 * v7 from the series: VFIO aligns capabilities to 8 bytes since 6.6, so the
 * chain starts at 24 (vgpu-sim's own v7 at 20), the plane map at 40, 64
 * bytes in all; the retry reports 64 with cap_offset 0, and a full reply
 * leaves argsz as the caller passed it.
 */
static const struct series_row {
	const char *name;	/* the model */
} v7_series[] = { { "kernel-6.12" }, { "kernel-7.2" } };

TEST_VARIANTS(kernel_v7_chain_aligned, v7_series)
{
	struct vrc_irq_info info;
	uint8_t buf[128];
	size_t len = 0;
	struct fx f;

	fx_open(&f, variant->name, 0);
	info = irq_info(&f, 20, buf, sizeof(buf), &len);
	ASSERT_EQ(20u, len);
	ASSERT_EQ(64u, info.argsz);
	ASSERT_EQ(0x13u, info.flags);	/* EVENTFD | MASKABLE | CAPS */
	ASSERT_EQ(2u, info.count);
	ASSERT_EQ(0u, info.cap_offset);
	memset(buf, 0xee, sizeof(buf));
	info = irq_info(&f, 100, buf, sizeof(buf), &len);
	ASSERT_EQ(64u, len);
	ASSERT_EQ(100u, info.argsz);
	ASSERT_EQ(24u, info.cap_offset);
	ASSERT_EQ(0, buf[20] | buf[21] | buf[22] | buf[23]);	/* padding */
	assert_v7_chain(buf, 24, 40);
	/* a caller whose argsz ends before cap_offset: the old struct */
	info = irq_info(&f, 16, buf, sizeof(buf), &len);
	ASSERT_EQ(16u, len);
	fx_close(&f);
}

/*
 * 6.1 has no alignment: its chain is SPEC §1's GVT layout (20/36, 60
 * bytes), byte for byte what ref answers (test_vgpu checks ref's bytes).
 */
TEST(kernel_6_1_gvt_layout)
{
	uint8_t got[128], want[128];
	size_t len = 0, want_len = 0;
	struct fx f;

	memset(got, 0xee, sizeof(got));
	memset(want, 0xee, sizeof(want));
	fx_open(&f, "ref", 0);
	irq_info(&f, 60, want, sizeof(want), &want_len);
	fx_close(&f);
	fx_open(&f, "kernel-6.1", 0);
	irq_info(&f, 60, got, sizeof(got), &len);
	fx_close(&f);
	ASSERT_EQ(60u, want_len);
	ASSERT_EQ(want_len, len);
	ASSERT_EQ(0, memcmp(want, got, 60));
}

/*
 * Two enabled pipes, A flipping every 4th vblank, B drawn into without
 * flips: the series keeps an idle count per pipe, so B is reported at
 * every vblank once it has been idle long enough; ref's one count per vGPU
 * is reset by A's flips and never gets there.
 */
static unsigned primary_signals_two_pipes(const char *model)
{
	const struct vgpu_model *m = vgpu_model_find(model);
	unsigned n = 0;
	struct fx f;
	int p = efd(), c = efd();

	fx_open(&f, model, m->kernel ? 0 : VRC_ABI_V7);
	plane_setup(&f, 0);
	plane_setup(&f, 1);
	reg2(&f, p, c);
	for (unsigned i = 0; i < 40; i++) {
		if (i % 4 == 0)
			flip(&f, 0, i % 8 ? SURF1 : SURF0);
		ticks(&f, 1);
		n += rd(p) != 0;
	}
	ASSERT_EQ(0u, rd(c));
	fx_close(&f);
	close(p);
	close(c);
	return n;
}

TEST(kernel_idle_count_per_pipe)
{
	unsigned k = primary_signals_two_pipes("kernel-7.2");

	ASSERT_EQ(10u, primary_signals_two_pipes("ref"));
	/* flips at 0, 4, 8; from B's 12th idle vblank on, every vblank */
	ASSERT_EQ(3u + (40u - 11u), k);
}

/*
 * The series' eventfd contexts hold references of their own: registered,
 * replaced and released, the count of open files follows, and a released
 * eventfd is never signalled again.
 */
TEST(kernel_eventfd_references)
{
	struct fx f;
	unsigned base;
	int a = efd(), b = efd(), c = efd();

	fx_open(&f, "kernel-7.2", 0);
	plane_setup(&f, 0);
	base = open_fds();
	reg2(&f, a, c);			/* the model closes what it was given */
	ASSERT_EQ(base + 2, open_fds());	/* two contexts */
	reg2(&f, b, c);			/* a's context put, c's replaced by c's */
	ASSERT_EQ(base + 2, open_fds());
	flip(&f, 0, SURF1);
	vgpu_mmio_write(f.v, VRC_CURBASE(0), CURSOR_SURF);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(a));
	ASSERT_EQ(1u, rd(b));
	ASSERT_EQ(1u, rd(c));
	ASSERT_EQ(0, vgpu_reset(f.v));
	ASSERT_EQ(base, open_fds());
	flip(&f, 0, SURF0);
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(b));
	fx_close(&f);
	close(a);
	close(b);
	close(c);
}

/* The cursor's pipe comes from the register's offset (patch 3). */
TEST(kernel_cursor_pipe_from_offset)
{
	struct fx f;
	int p = efd(), c = efd();

	fx_open(&f, "kernel-6.12", 0);
	vgpu_mmio_write(f.v, VRC_PIPECONF(1), VRC_PIPECONF_ENABLE);
	reg2(&f, p, c);
	vgpu_mmio_write(f.v, VRC_CURPOS(1), 5);
	ticks(&f, 1);
	ASSERT_EQ(1u, rd(c));
	vgpu_mmio_write(f.v, VRC_CURPOS(0), 5);	/* pipe A is off: dropped */
	ticks(&f, 1);
	ASSERT_EQ(0u, rd(c));
	fx_close(&f);
	close(p);
	close(c);
}

/* A WARN in the series' code is a kernel bug: the device dies saying where. */
TEST(kernel_warn_kills_the_device)
{
	struct fx f;

	fx_open(&f, "kernel-7.2", 0);
	f.v->kops->primary_write(f.v->kst, 7);	/* no pipe 7: drm_WARN_ON */
	ASSERT_TRUE(vgpu_dead(f.v));
	ASSERT_TRUE(strstr(vgpu_dead_reason(f.v), "kernel-7.2: WARN_ON(") != NULL);
	ASSERT_TRUE(strstr(vgpu_dead_reason(f.v), "0002-drm-i915-gvt") != NULL);
	ASSERT_EQ(-EIO, vgpu_reset(f.v));
	fx_close(&f);
}

VTEST_MAIN()
