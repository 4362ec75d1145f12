# Nightly labs and patch gating: journal/resume, compare, JUnit/KCIDB export,
# the HTML report (cairo), LAVA helpers (harness/lab/), their self-tests.
CAIRO_CFLAGS := $(shell pkg-config --cflags cairo fontconfig 2>/dev/null)
CAIRO_LIBS   := $(shell pkg-config --libs cairo fontconfig 2>/dev/null || echo -lcairo -lfontconfig)
# report.c draws with cairo; it is in libvrcharness.a, which the harness
# self-tests link too, so cairo goes on every link line.
CFLAGS += $(CAIRO_CFLAGS)
LDLIBS += $(CAIRO_LIBS) -lm

# pngstat: decodes a PNG with cairo and prints its pixel statistics (the
# report self-test checks that Chromium's screenshot is not blank).
$(BUILD)/lab/pngstat: $(call obj,harness/lab/pngstat.c)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
ALL_TARGETS += $(BUILD)/lab/pngstat

# The journal and results parsers are untrusted-input parsers.
FUZZ_TARGETS += build-fuzz/fuzz_lab_results
LAB_PARSERS := $(addprefix harness/vrc/,results_read.c journal.c compare.c names.c)
build-fuzz/fuzz_lab_results: harness/lab/fuzz/fuzz_lab_results.c $(LAB_PARSERS) lib/xml.c lib/json.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(JSONC_LIBS) -lm
