# vrc: conformance suite for the vGPU display refresh irq.
#   make            build build/vrc, build/vgpu-sim and the self-tests
#   make test       the project's own tests (via prove)
#   make check      the conformance run (GVT if present, else the emulated vGPU
#                   with the real-time workloads and a judged igt share in booted
#                   guests), then the suite on a real kernel (check-mdev:
#                   vgpu-mdev.ko in TCG guests); make check-igt: every igt test
#   make bench      benchmarks, as ratios against baselines of the same run
#   make asan       the self-tests again under ASan+UBSan (build-asan/)
#   make fuzz       build the libFuzzer targets (clang); fuzz-smoke runs each briefly
#   make soak       the real-time suite 20 times against ref with a CPU hog
#   make vm-verdicts  per model, a run flags the same clauses with VM and process guests
BUILD   ?= build
CC      ?= gcc
SAN     ?=
V       ?=

JSONC_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
JSONC_LIBS   := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib/include -Ilib/vgpu/include -I. \
	   -MMD -MP $(JSONC_CFLAGS)
LDLIBS  += $(JSONC_LIBS) -ldeflate -lz
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC   := $(wildcard lib/*.c)
VGPU_SRC  := $(wildcard lib/vgpu/*.c)
SIM_SRC   := $(wildcard harness/vgpu-sim/*.c)
SIM_CORE  := $(filter-out harness/vgpu-sim/main.c,$(SIM_SRC))
VRC_SRC   := $(wildcard harness/vrc/*.c) $(wildcard suites/*.c)
# the program: suites/vrc_main.c's main() gives harness/vrc/main.c's command
# line the suites' registry; the self-tests link the rest
VRC_MAIN  := suites/vrc_main.c harness/vrc/main.c
VRC_CORE  := $(filter-out $(VRC_MAIN),$(VRC_SRC))
LIB_TESTS := $(patsubst lib/tests/%.c,$(BUILD)/tests/%,$(wildcard lib/tests/test_*.c))
VGPU_TESTS := $(patsubst lib/vgpu/tests/%.c,$(BUILD)/tests/%,$(wildcard lib/vgpu/tests/test_*.c))
SIM_TESTS := $(patsubst harness/tests/%.c,$(BUILD)/tests/%,$(wildcard harness/tests/test_*.c))
TEST_SCRIPTS := $(wildcard harness/tests/t_*.sh scripts/tests/t_*.sh)
BENCHES   := $(patsubst harness/bench/%.c,$(BUILD)/bench/%,$(wildcard harness/bench/bench_*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# libvrc: the host's client of a vGPU (lib/, "vrc/*.h"). libvgpu: the
# emulated vGPU's guest-facing side, shared by the device (vgpu-sim) and
# the process guest (lib/vgpu/, "vgpu/*.h"); it uses libvrc's utilities.
LIBVRC := $(BUILD)/libvrc.a
LIBVGPU := $(BUILD)/libvgpu.a
SIMLIB := $(BUILD)/libvgpusim.a
VRCLIB := $(BUILD)/libvrcharness.a

# Components beyond lib/, vgpu-sim and vrc bring their own rules in mk/*.mk.
# A fragment appends to these; `make all` builds ALL_TARGETS, `make test`
# runs TEST_PROGS then TEST_SCRIPTS through prove, `make fuzz` builds
# FUZZ_TARGETS, and DEPS_PROFILES names extra package profiles of
# scripts/debian-packages.txt that `make deps` installs.
ALL_TARGETS  := $(BUILD)/vrc $(BUILD)/vgpu-sim $(LIB_TESTS) $(VGPU_TESTS) $(SIM_TESTS)
TEST_PROGS   := $(LIB_TESTS) $(VGPU_TESTS) $(SIM_TESTS)
FUZZ_TARGETS :=
DEPS_PROFILES :=
# Libraries of components that vrc links (between libvrcharness and libvrc),
# and their link flags.
VRC_EXTRA_LIBS :=
VRC_EXTRA_LDLIBS :=
include $(sort $(wildcard mk/*.mk))

.PHONY: all deps test check bench asan fuzz fuzz-smoke soak vm-verdicts clean help
.DEFAULT_GOAL := all

all: $(ALL_TARGETS)

help:
	@sed -n '2,12p' Makefile | sed 's/^# //'

deps:
	@scripts/install-deps.sh $(DEPS_PROFILES)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  CC      $<";)$(CC) $(CFLAGS) -c -o $@ $<

$(LIBVRC): $(call obj,$(LIB_SRC))
$(LIBVGPU): $(call obj,$(VGPU_SRC))
$(SIMLIB): $(call obj,$(SIM_CORE))
$(VRCLIB): $(call obj,$(VRC_CORE))
$(LIBVRC) $(LIBVGPU) $(SIMLIB) $(VRCLIB):
	@mkdir -p $(dir $@)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/vgpu-sim: $(call obj,harness/vgpu-sim/main.c) $(SIMLIB) $(LIBVGPU) $(LIBVRC)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/vrc: $(call obj,$(VRC_MAIN)) $(VRCLIB) $(VRC_EXTRA_LIBS) $(LIBVGPU) $(LIBVRC)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(VRC_EXTRA_LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/lib/tests/%.o $(LIBVRC)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/%: $(BUILD)/obj/lib/vgpu/tests/%.o $(LIBVGPU) $(LIBVRC)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/%: $(BUILD)/obj/harness/tests/%.o $(VRCLIB) $(VRC_EXTRA_LIBS) $(SIMLIB) $(LIBVGPU) $(LIBVRC)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(VRC_EXTRA_LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/harness/bench/%.o $(LIBVRC)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Benchmarks print ratios against baselines measured in the same run.
bench: deps
	@$(MAKE) --no-print-directory $(BENCHES)
	@for b in $(BENCHES); do $$b || exit 1; done

# The self-tests: unit tests of lib and sim, then the suite against ref and
# the mutation check (harness/tests/t_*.sh), all through prove.
test: deps
	@$(MAKE) --no-print-directory all
	VRC_BUILD=$(BUILD) prove --timer --exec '' $(TEST_PROGS) $(TEST_SCRIPTS)

# The main job: every suite; the real-time workloads run in a guest booted
# from the image (built on first use, cached under $(BUILD)/guest). On a
# GVT-g host vrc picks the vGPU (vgpu-sim is found next to vrc otherwise),
# with the destructive test off. It fails unless a test passed and none
# failed: a device without the display irq (every test skips) exits 4.
# The conformance run on the device (GVT-g if usable, else vgpu-sim with the
# rt-* workloads in a booted guest), with of the extra workloads only the
# judged igt subset that covers page flips, cursor moves and front-buffer
# drawing (CHECK_IGT, in the igt image: make image-igt), then the suite
# against a real kernel: vgpu-mdev.ko in TCG guests of Debian's 6.1 and
# 6.12 (check-mdev, ~2 min).
CHECK_IGT ?= igt-evt-flip-plain,igt-evt-cursor-sliding
check: deps
	@$(MAKE) --no-print-directory $(BUILD)/vrc $(BUILD)/vgpu-sim $(BUILD)/vrc-wl image image-igt
	$(BUILD)/vrc run --guest=vm --extra=$(CHECK_IGT)
	@$(MAKE) --no-print-directory check-mdev

# The nightly lab's igt set: every judged igt subtest (igt-evt-*, ~3.5 min
# under TCG) and the unjudged ones whose verdict is igt's own (~15 min),
# then the judged ones' mutation check: known-bad models flagged on their
# clauses (t_igt_judged.sh, ~4.5 min).
.PHONY: check-igt
check-igt: deps
	@$(MAKE) --no-print-directory $(BUILD)/vrc $(BUILD)/vgpu-sim image-igt
	$(BUILD)/vrc run --guest=vm --suite='igt-*'
	VRC_BUILD=$(BUILD) prove -v --exec '' guest-images/tests/t_igt_judged.sh

SOAK_RUNS ?= 20
soak: deps
	@$(MAKE) --no-print-directory $(BUILD)/vrc $(BUILD)/vgpu-sim $(BUILD)/vrc-wl
	scripts/soak.sh $(BUILD) $(SOAK_RUNS)

VM_VERDICT_MODELS ?= ref v6 early
vm-verdicts: deps
	@$(MAKE) --no-print-directory $(BUILD)/vrc $(BUILD)/vgpu-sim $(BUILD)/vrc-wl image
	scripts/vm-verdicts.sh $(BUILD) $(VM_VERDICT_MODELS)

asan: deps
	@$(MAKE) --no-print-directory test BUILD=build-asan SAN=1

# libFuzzer targets: lib/fuzz/*.c link libvrc, lib/vgpu/fuzz/*.c libvgpu too,
# harness/fuzz/*.c the sim too.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib/include -Ilib/vgpu/include -I. \
	       $(JSONC_CFLAGS) -fsanitize=fuzzer,address,undefined
FUZZ_LIB := $(patsubst lib/fuzz/%.c,build-fuzz/%,$(wildcard lib/fuzz/fuzz_*.c))
FUZZ_VGPU := $(patsubst lib/vgpu/fuzz/%.c,build-fuzz/%,$(wildcard lib/vgpu/fuzz/fuzz_*.c))
FUZZ_SIM := $(patsubst harness/fuzz/%.c,build-fuzz/%,$(wildcard harness/fuzz/fuzz_*.c))
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_LIB) $(FUZZ_VGPU) $(FUZZ_SIM) $(FUZZ_TARGETS)
build-fuzz/%: lib/fuzz/%.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(JSONC_LIBS) -ldeflate -lz
build-fuzz/%: lib/vgpu/fuzz/%.c $(VGPU_SRC) $(LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(JSONC_LIBS) -ldeflate -lz
build-fuzz/%: harness/fuzz/%.c $(SIM_CORE) $(VGPU_SRC) $(LIB_SRC) | $(KMODEL_LIST)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -I$(KMODEL_GEN)/.. -o $@ $^ $(JSONC_LIBS) -ldeflate -lz
FUZZ_SECONDS ?= 20
fuzz-smoke: fuzz
	@set -e; for f in $(FUZZ_LIB) $(FUZZ_VGPU) $(FUZZ_SIM) $(FUZZ_TARGETS); do \
		echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
		mkdir -p build-fuzz/corpus/$$(basename $$f); \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
		    build-fuzz/corpus/$$(basename $$f) 2>build-fuzz/$$(basename $$f).log \
		    || { tail -40 build-fuzz/$$(basename $$f).log; exit 1; }; \
		grep -E '^#[0-9]+.*DONE' build-fuzz/$$(basename $$f).log | tail -1; \
	done

clean:
	rm -rf build build-asan build-fuzz

# Keep objects that pattern chains would delete as intermediates.
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
