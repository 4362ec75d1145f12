# The reference kernel patch series (kernel/6.1: v6 ABI for Debian's
# linux-source-6.1; kernel/6.12 and kernel/7.2: v7 ABI for linux-source-6.12
# and -7.2, the latter fetched from trixie-backports or sid).
#   make kernel-check   apply, checkpatch and build-test every series, and
#                       the newest on Debian's current kernel (about 20 min
#                       on 2 cores; .ci/run runs it; see kernel/README.md)
# KCHECK_ARGS passes options through, e.g. KCHECK_ARGS='--series 6.1 --keep'.
# make test runs kernel/t_uapi.sh: the patches' uAPI ids, values and
# layouts against lib/include/vrc/uapi.h (no kernel tree needed), and
# kernel/t_check_plan.sh: which series kernel-check puts on which Debian
# kernel as the archive moves on (archives made in the test, offline),
# and kernel/t_symcheck.sh: kernel-check's exported-symbols rule on a
# small tree made in the test, and kernel/t_sample_gen.sh: the 7.2
# series' sample driver and selftest patches are what kernel/sample-gen.sh
# makes of guest-images/mdev/ and kernel/selftests/ (after changing either,
# run kernel/sample-gen.sh and commit its output).
TEST_SCRIPTS += kernel/t_uapi.sh kernel/t_check_plan.sh kernel/t_symcheck.sh \
	kernel/t_sample_gen.sh
KCHECK_ARGS ?=

.PHONY: kernel-check
kernel-check:
	kernel/check.sh --build $(BUILD) $(KCHECK_ARGS)
