# The VM launcher (harness/vm): libvrcvm.a, the vrc-vm program, its self-tests
# and fuzzers.
#   $(BUILD)/libvrcvm.a   QEMU argv + process, QMP and qemu-ga clients, lifecycle
#   $(BUILD)/vrc-vm       boot the guest image, run one command, shut down
# harness/tests/test_vm_*.c link the launcher (their own rule below: a pattern
# with a shorter stem wins over the generic harness/tests one).
# harness/tests/t_vm_guest.sh boots the guest image, which `make all` builds
# (mk/image.mk's `image` target), so it runs after it.
VM_SRC   := $(filter-out harness/vm/main.c,$(wildcard harness/vm/*.c))
VMLIB    := $(BUILD)/libvrcvm.a
VM_PARSE := harness/vm/lineio.c lib/base64.c lib/json.c harness/vm/qmp_parse.c \
	    harness/vm/qga_parse.c lib/util.c

$(VMLIB): $(call obj,$(VM_SRC))
	@mkdir -p $(dir $@)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/vrc-vm: $(call obj,harness/vm/main.c) $(VMLIB) $(VRCLIB) $(LIBVGPU) $(LIBVRC)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/test_vm_%: $(BUILD)/obj/harness/tests/test_vm_%.o $(VMLIB) $(VRCLIB) $(SIMLIB) $(LIBVGPU) $(LIBVRC)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

ALL_TARGETS += $(VMLIB) $(BUILD)/vrc-vm

# libFuzzer: the parsers of everything QEMU and the guest send.
VM_FUZZ := build-fuzz/fuzz_qmp build-fuzz/fuzz_qga
build-fuzz/fuzz_qmp build-fuzz/fuzz_qga: build-fuzz/%: harness/vm/fuzz/%.c $(VM_PARSE)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(JSONC_LIBS)
FUZZ_TARGETS += $(VM_FUZZ)

# vrc boots guests for the real-time suites (--guest=vm).
VRC_EXTRA_LIBS += $(VMLIB)
