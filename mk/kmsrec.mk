# vrc-kmsrec.so: the KMS recorder preloaded into igt in the guest
# (guest-images/kmsrec/). A shared object built with -fPIC that needs only
# libc at run time: the timeline writer (lib/timeline.c, lib/util.c, lib/json.c) and
# json-c are linked in statically, so it runs in the igt chroot (Debian sid,
# no json-c) as in any guest. Only ioctl() and read() are exported
# (kmsrec.map), so nothing of ours can shadow the client's symbols.
KR_DIR     := guest-images/kmsrec
KR_SRC     := $(KR_DIR)/kmsrec.c $(KR_DIR)/kr_classify.c lib/timeline.c lib/util.c lib/json.c \
	      guest-images/workloads/wl_hwcounter.c
KR_PIC     = $(patsubst %.c,$(BUILD)/obj-pic/%.o,$(1))
KR_CFLAGS  := $(shell pkg-config --cflags libdrm 2>/dev/null || echo -I/usr/include/libdrm)
# json-c as an archive; Debian's is built position-independent enough for a
# shared object whose symbols are all local but two (see kmsrec.map)
KR_JSONC_A ?= $(firstword $(wildcard /usr/lib/$(shell $(CC) -print-multiarch 2>/dev/null)/libjson-c.a \
				     /usr/lib/libjson-c.a /usr/lib64/libjson-c.a))

# Never sanitized (make asan): a preloaded ASan runtime would have to come
# first in the client, and the library must need nothing but libc.
KR_PIC_CFLAGS = $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS)) $(KR_CFLAGS) -fPIC

$(BUILD)/obj-pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  CC -fPIC $<";)$(CC) $(KR_PIC_CFLAGS) -c -o $@ $<

$(BUILD)/vrc-kmsrec.so: $(call KR_PIC,$(KR_SRC)) $(KR_DIR)/kmsrec.map
	$(if $(KR_JSONC_A),,$(error vrc-kmsrec.so needs json-c's static library (libjson-c-dev)))
	$(if $(V),,@echo "  LD      $@";)$(CC) $(filter-out -fsanitize=%,$(LDFLAGS)) -shared \
		-Wl,--version-script=$(KR_DIR)/kmsrec.map -Wl,-z,defs -o $@ \
		$(call KR_PIC,$(KR_SRC)) $(KR_JSONC_A) -lm

# The classifier alone, on real libdrm structs (no device, no preload).
$(BUILD)/tests/test_kmsrec_classify: $(BUILD)/obj/$(KR_DIR)/tests/test_kmsrec_classify.o \
		$(BUILD)/obj/$(KR_DIR)/kr_classify.o
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(call obj,$(KR_DIR)/kr_classify.c $(KR_DIR)/tests/test_kmsrec_classify.c): CFLAGS += $(KR_CFLAGS)

ALL_TARGETS  += $(BUILD)/vrc-kmsrec.so $(BUILD)/tests/test_kmsrec_classify
TEST_PROGS   += $(BUILD)/tests/test_kmsrec_classify
