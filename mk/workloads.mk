# vrc-wl: the guest workloads (libdrm + cairo, guest-images/workloads/) and
# their self-test against a real-clock vgpu-sim. libdrm and cairo belong to
# this program only; libvrc stays free of them.
WL_DIR    := guest-images/workloads
WL_SRC    := $(wildcard $(WL_DIR)/*.c)
WL_CFLAGS := $(shell pkg-config --cflags libdrm cairo 2>/dev/null)
WL_LIBS   := $(shell pkg-config --libs libdrm cairo 2>/dev/null || echo -ldrm -lcairo)
WL_TESTS  := $(patsubst $(WL_DIR)/tests/%.c,$(BUILD)/tests/%,$(wildcard $(WL_DIR)/tests/test_*.c))

$(call obj,$(WL_SRC)): CFLAGS += $(WL_CFLAGS)

$(BUILD)/vrc-wl: $(call obj,$(WL_SRC)) $(LIBVGPU) $(LIBVRC)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(WL_LIBS) $(LDLIBS)

# The self-test runs vrc-wl and vgpu-sim as programs (from VRC_BUILD).
$(BUILD)/tests/test_workloads: $(BUILD)/obj/$(WL_DIR)/tests/test_workloads.o $(LIBVRC) \
		| $(BUILD)/vrc-wl $(BUILD)/vgpu-sim
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $< $(LIBVRC) $(LDLIBS)

# The frame-counter reader alone (no libdrm, no device).
$(BUILD)/tests/test_hwcounter: $(BUILD)/obj/$(WL_DIR)/tests/test_hwcounter.o \
		$(BUILD)/obj/$(WL_DIR)/wl_hwcounter.o $(LIBVRC)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

ALL_TARGETS  += $(BUILD)/vrc-wl $(WL_TESTS)
TEST_PROGS   += $(WL_TESTS)
# The kms backend in the vdisp guest image (boots QEMU; skips without an image).
TEST_SCRIPTS += $(WL_DIR)/tests/t_workloads_vm.sh
