# Tearing checks (capture library in lib/, TEAR suites in suites/): their
# sources are picked up by the wildcards of the top-level Makefile. Only the
# per-signal bench needs a rule of its own: it starts a real vgpu-sim, so it
# links the harness library (sim_backend) and needs the daemon built, and it
# times the rt readers' capture (gvt_capture_cached), so the gvt library.
$(BUILD)/bench/bench_signal: $(BUILD)/obj/harness/bench/bench_signal.o $(VRCLIB) $(GVTLIB) $(LIBVGPU) $(LIBVRC) | $(BUILD)/vgpu-sim
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD      $@";)$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS) $(GVT_DRM_LIBS)
