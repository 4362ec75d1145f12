// SPDX-License-Identifier: MIT
/*
 * wl_hwcounter: the guest's reads of the host's frame counter. The i915
 * source maps a PCI resource file and loads PIPE_FRMCOUNT_A from it; here a
 * regular file of a BAR's size stands in for the resource (the kernel maps
 * both with the same mmap), so a wrong offset, a mapping that misses the
 * register's page, or a private copy that does not follow the "device"
 * shows as a wrong value.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "vrc/i915_regs.h"
#include "vrc/vtest.h"
#include "../wl_hwcounter.h"

#define BAR_SIZE	(1u << 20)

static void bar_file(char *path, size_t len, uint32_t off, uint32_t val)
{
	snprintf(path, len, "/tmp/vrc-hwc.XXXXXX");
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ftruncate(fd, BAR_SIZE));
	ASSERT_EQ((ssize_t)sizeof(val), pwrite(fd, &val, sizeof(val), off));
	close(fd);
}

TEST(mmio_reads_pipe_a_frame_counter)
{
	char path[64], err[256] = "";
	struct wl_hwcounter c;
	uint32_t v = 0, nv = 0x89abcdef;

	bar_file(path, sizeof(path), VRC_PIPE_FRMCOUNT(0), 0x12345678);
	ASSERT_EQ(0, wl_hwcounter_mmio(&c, path, VRC_PIPE_FRMCOUNT(0), err, sizeof(err)));
	ASSERT_EQ(0, wl_hwcounter_read(&c, &v));
	EXPECT_EQ(0x12345678u, v);
	/* the device moves on: a shared mapping sees it at the next load */
	int fd = open(path, O_WRONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)sizeof(nv), pwrite(fd, &nv, sizeof(nv), VRC_PIPE_FRMCOUNT(0)));
	close(fd);
	ASSERT_EQ(0, wl_hwcounter_read(&c, &v));
	EXPECT_EQ(nv, v);
	/* only up to the register's page is mapped, not the whole BAR */
	EXPECT_TRUE(c.maplen >= VRC_PIPE_FRMCOUNT(0) + 4u && c.maplen < BAR_SIZE);
	wl_hwcounter_close(&c);
	EXPECT_TRUE(c.map == NULL);
	unlink(path);
}

TEST(mmio_refuses_what_cannot_be_the_register)
{
	char path[64], err[256] = "";
	struct wl_hwcounter c;

	bar_file(path, sizeof(path), 0, 0);
	/* past the end of the BAR */
	EXPECT_EQ(-EINVAL, wl_hwcounter_mmio(&c, path, BAR_SIZE, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, path) != NULL);
	EXPECT_TRUE(c.map == NULL);
	/* not 32-bit aligned */
	EXPECT_EQ(-EINVAL, wl_hwcounter_mmio(&c, path, VRC_PIPE_FRMCOUNT(0) + 2, err,
					     sizeof(err)));
	unlink(path);
	/* no such resource */
	EXPECT_EQ(-ENOENT, wl_hwcounter_mmio(&c, path, 0, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, path) != NULL);
}

TEST(sysfs_counter_is_a_decimal_u32)
{
	char path[64];
	struct wl_hwcounter c;
	uint32_t v = 0;
	static const struct { const char *text; int rc; uint32_t v; } cases[] = {
		{ "4294967295\n", 0, 4294967295u }, { "17", 0, 17 },
		{ "4294967296\n", -EPROTO, 0 }, { "12x\n", -EPROTO, 0 }, { "", -EIO, 0 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "/tmp/vrc-hwc.XXXXXX");
		int fd = mkstemp(path);
		ASSERT_GE(fd, 0);
		ASSERT_EQ((ssize_t)strlen(cases[i].text),
			  write(fd, cases[i].text, strlen(cases[i].text)));
		close(fd);
		wl_hwcounter_sysfs(&c, path);
		v = 0;
		EXPECT_EQ(cases[i].rc, wl_hwcounter_read(&c, &v));
		if (!cases[i].rc)
			EXPECT_EQ(cases[i].v, v);
		unlink(path);
	}
	wl_hwcounter_sysfs(&c, "/nonexistent/frame_counter");
	EXPECT_EQ(-ENOENT, wl_hwcounter_read(&c, &v));
}

VTEST_MAIN()
