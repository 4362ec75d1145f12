# The guest image (guest-images/): the vdisp DRM driver, the image recipe,
# the in-guest probe and the boot test.
#   make image        $(BUILD)/guest/{vmlinuz,initrd.img}: Debian kernel, vdisp,
#                     busybox, qemu-ga, vdisp-probe (and vrc-wl if built)
#   make image-i915   $(BUILD)/guest-i915/: the same recipe with i915, for GVT-g
# guest-images/mkimage.sh keeps a stamp of its inputs and rebuilds only when
# one changed, so `image` is cheap when up to date.
LIBDRM_CFLAGS := $(shell pkg-config --cflags libdrm 2>/dev/null)
LIBDRM_LIBS   := $(shell pkg-config --libs libdrm 2>/dev/null || echo -ldrm)

# vdisp-probe runs inside the guest: no sanitizer runtime there, so it is
# built with its own flags whatever SAN says.
PROBE_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE $(LIBDRM_CFLAGS)
$(BUILD)/vdisp-probe: guest-images/probe/vdisp-probe.c
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  CC      $@";)$(CC) $(PROBE_CFLAGS) -o $@ $< $(LIBDRM_LIBS)

# vgpu-watch is the host's view in the boot test: libvrc over vfio-user.
$(BUILD)/vgpu-watch: $(call obj,guest-images/tests/vgpu-watch.c) $(LIBVRC)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The workloads (vrc-wl) go into the image when their build rule exists.
image_extra = $(filter $(BUILD)/vrc-wl,$(ALL_TARGETS))

.PHONY: image image-i915
image: $(BUILD)/vdisp-probe
	$(if $(image_extra),@$(MAKE) --no-print-directory $(image_extra))
	@guest-images/mkimage.sh --build=$(BUILD) --flavour=vdisp
image-i915: $(BUILD)/vdisp-probe
	$(if $(image_extra),@$(MAKE) --no-print-directory $(image_extra))
	@guest-images/mkimage.sh --build=$(BUILD) --flavour=i915

ALL_TARGETS  += $(BUILD)/vdisp-probe $(BUILD)/vgpu-watch image
TEST_SCRIPTS += guest-images/tests/t_boot.sh guest-images/tests/t_refuse.sh

# The mdev flavour (issue 22): a VFIO host guest with vgpu-mdev.ko, the
# reference series of its kernel compiled into the module, and
# vrc-mdev-probe, libvrc's kernel-VFIO client, and the irq's kernel selftest
# (vfio_display_irq_test, mk/kselftest.mk), for each kernel of
# MDEV_KERNELS: 6.1 is what the installed linux-headers-amd64 stands for
# (bookworm), 6.12 what bookworm-backports' linux-headers-amd64 and
# linux-image-amd64 stand for (fetched, never installed). check-mdev is
# part of `make check` (about 2 minutes for both); the mutants and the
# fault models are opt-in (about 5 minutes each for both kernels).
# 7.3, Debian's current kernel (what trixie-backports' metapackages stand
# for), is opt-in: its headers want gcc-14, so its module is built in a
# trixie chroot (debootstrap); from an empty build it adds about 2 minutes
# (1 the image, 1 the check): make check-mdev MDEV_KERNELS="6.1 6.12 7.3".
#   make image-mdev        $(BUILD)/guest-mdev-VER/ for each VER
#   make check-mdev        boot each and run vrc and the probe (t_mdev.sh)
#   make mutation-mdev     the module's fault models on each (t_mdev_faults.sh)
#   make check-mdev-mutants  mutants of each series (t_mdev_mutants.sh)
# MDEV_KERNELS=6.12 runs one kernel.
MDEV_KERNELS ?= 6.1 6.12
mdev_suite_6.1  := host
mdev_suite_6.12 := bookworm-backports
mdev_suite_7.3  := trixie-backports
mdev_deps_7.3   := mdev-chroot

$(BUILD)/vrc-mdev-probe: $(call obj,guest-images/probe/vrc-mdev-probe.c) $(LIBVRC)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# built by `all` so that it keeps compiling against libvrc
ALL_TARGETS += $(BUILD)/vrc-mdev-probe

# mdev_each SCRIPT: run it on every kernel, all of them even if one fails,
# saying which kernel served, and fail if any did
define mdev_each
	@rc=0; for k in $(MDEV_KERNELS); do \
		echo "=== $(notdir $(1)): kernel $$k"; \
		VRC_BUILD=$(BUILD) VRC_MDEV_KERNEL=$$k prove -v $(1) || rc=1; \
	done; exit $$rc
endef

# mdev_image VER: its image, BUILD/guest-mdev-VER, of the kernel the suite
# resolves to (with the install-deps profile mdev_deps_VER first) (t_mdev.sh refuses another: a suite that moved on to a newer
# kernel fails there, naming both)
define mdev_image
	@$(if $(mdev_suite_$(1)),,echo "no Debian suite for mdev kernel $(1) (mk/image.mk: mdev_suite_VER)"; exit 2;) \
	$(if $(mdev_deps_$(1)),scripts/install-deps.sh $(mdev_deps_$(1)) &&) \
	guest-images/mkimage.sh --build=$(BUILD) --flavour=mdev --kernel=$(mdev_suite_$(1)) --out=$(BUILD)/guest-mdev-$(1)

endef

.PHONY: image-mdev check-mdev
image-mdev: $(BUILD)/vrc-mdev-probe $(BUILD)/vrc $(BUILD)/vfio_display_irq_test
	$(foreach k,$(MDEV_KERNELS),$(call mdev_image,$(k)))
check-mdev: image-mdev
	$(call mdev_each,guest-images/tests/t_mdev.sh)
# the guest's checks fail against mutants of the series (opt-in)
.PHONY: check-mdev-mutants
check-mdev-mutants: image-mdev
	$(call mdev_each,guest-images/tests/t_mdev_mutants.sh)
# vgpu-mdev's fault models flagged per clause as their vgpu-sim twins, run on
# the host (opt-in)
.PHONY: mutation-mdev
mutation-mdev: image-mdev $(BUILD)/vgpu-sim
	$(call mdev_each,guest-images/tests/t_mdev_faults.sh)
