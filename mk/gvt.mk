# The gvt backend (harness/gvt): a library linked into vrc and its self-tests.
#
# harness/gvt/*.c -> $(BUILD)/libvrcgvt.a, linked into vrc through the top
# Makefile's VRC_EXTRA_LIBS slot. The gvt self-tests need only this library
# and libvrc: their own rule, below the generic one.
GVT_SRC   := $(wildcard harness/gvt/*.c)
GVTLIB    := $(BUILD)/libvrcgvt.a
# test_gvt_suites runs the runner and the suites too: the generic harness
# test rule links it with everything vrc has.
GVT_TESTS := $(patsubst harness/tests/%.c,$(BUILD)/tests/%,$(filter-out \
	harness/tests/test_gvt_suites.c,$(wildcard harness/tests/test_gvt_*.c)))
# capture.c imports dmabufs into the host i915 with libdrm (PRIME fallback)
GVT_DRM_CFLAGS := $(shell pkg-config --cflags libdrm 2>/dev/null)
GVT_DRM_LIBS   := $(shell pkg-config --libs libdrm 2>/dev/null || echo -ldrm)
$(call obj,harness/gvt/capture.c): CFLAGS += $(GVT_DRM_CFLAGS)

$(GVTLIB): $(call obj,$(GVT_SRC))
	@mkdir -p $(dir $@)
	@rm -f $@; ar rcs $@ $^

VRC_EXTRA_LIBS   += $(GVTLIB)
VRC_EXTRA_LDLIBS += $(GVT_DRM_LIBS)

$(GVT_TESTS): $(BUILD)/tests/%: $(BUILD)/obj/harness/tests/%.o $(GVTLIB) $(LIBVRC)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(GVT_DRM_LIBS)

# The kmsg record parser under libFuzzer (make fuzz / fuzz-smoke).
FUZZ_TARGETS += build-fuzz/fuzz_gvt_kmsg
build-fuzz/fuzz_gvt_kmsg: harness/gvt/fuzz/fuzz_gvt_kmsg.c harness/gvt/kmsg.c lib/util.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Iharness/gvt -o $@ $^

.PHONY: gvt-test
gvt-test: $(GVT_TESTS) $(BUILD)/vrc
	VRC_BUILD=$(BUILD) prove --exec '' $(GVT_TESTS) harness/tests/t_gvt_dry_run.sh

# QEMU >= 9.0 for the guest path on GVT-g (iommufd fd passing): bookworm-
# backports' package, unpacked into $(BUILD)/qemu-gvt, not installed
# (scripts/qemu-gvt.sh). t_gvt_guest.sh checks the harness and the i915
# image against it; it is a TAP skip where nobody fetched it.
.PHONY: qemu-gvt
qemu-gvt:
	@scripts/qemu-gvt.sh --out=$(BUILD)/qemu-gvt
TEST_SCRIPTS += guest-images/tests/t_gvt_guest.sh
