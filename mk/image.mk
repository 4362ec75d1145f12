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
# vrc-mdev-probe, libvrc's kernel-VFIO client. Opt-in: not part of `all`,
# `test` or `check` yet (it boots a TCG guest).
#   make image-mdev   $(BUILD)/guest-mdev/
#   make check-mdev   boot it and run the probe (guest-images/tests/t_mdev.sh)
$(BUILD)/vrc-mdev-probe: $(call obj,guest-images/probe/vrc-mdev-probe.c) $(LIBVRC)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# built by `all` so that it keeps compiling against libvrc
ALL_TARGETS += $(BUILD)/vrc-mdev-probe

.PHONY: image-mdev check-mdev
image-mdev: $(BUILD)/vrc-mdev-probe $(BUILD)/vrc
	@guest-images/mkimage.sh --build=$(BUILD) --flavour=mdev
check-mdev: image-mdev
	VRC_BUILD=$(BUILD) prove -v guest-images/tests/t_mdev.sh
# the guest's checks fail against mutants of the series (opt-in too)
.PHONY: check-mdev-mutants
check-mdev-mutants: image-mdev
	VRC_BUILD=$(BUILD) prove -v guest-images/tests/t_mdev_mutants.sh
# vgpu-mdev's fault models flagged as their vgpu-sim twins (opt-in too)
.PHONY: mutation-mdev
mutation-mdev: image-mdev
	VRC_BUILD=$(BUILD) prove -v guest-images/tests/t_mdev_faults.sh
