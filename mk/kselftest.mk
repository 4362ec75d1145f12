# The kernel selftest of the display refresh irq (issue 24):
# kernel/selftests/vfio/vfio_display_irq_test.c, written to sit in the
# kernel at tools/testing/selftests/vfio/ (the series' patch adds it there).
# Built here out of tree, as `make -C tools/testing/selftests TARGETS=vfio`
# would build it, from a few files of Debian's linux-source-6.12 (install-deps
# profile "kselftest"), extracted once into $(BUILD)/kselftest/linux-6.12:
#   kselftest_harness.h, kselftest.h   the harness the test includes
#   include/uapi/linux/vfio.h          patched with the series' uAPI patch
#                                      (kernel/6.12/0001) and installed as
#                                      $(BUILD)/kselftest/usr/include, as
#                                      `make headers` gives KHDR_INCLUDES
#   scripts/checkpatch.pl (+ its data)  for make kselftest-checkpatch
# The test needs the series' <linux/vfio.h> and nothing else: no fallback
# definitions in the source, which stays as it is in the tree.
#   make $(BUILD)/vfio_display_irq_test   the binary the mdev image carries
#   make kselftest-checkpatch              checkpatch --strict on the source
KST_SRC      := /usr/src/linux-source-6.12.tar.xz
KST_DIR      := $(BUILD)/kselftest
KST_TREE     := $(KST_DIR)/linux-6.12
KST_FILES    := scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch \
		tools/testing/selftests/kselftest_harness.h tools/testing/selftests/kselftest.h \
		include/uapi/linux/vfio.h
KST_UAPI_PATCH := $(wildcard kernel/6.12/0001-*.patch)
# The kernel builds selftests with -Wall; -Wextra too, but not three of its
# warnings that the 6.12 harness itself raises: its setjmp() in every TEST_F
# wrapper (clobbered), an unused signal handler argument, and ASSERT_EQ(0, x)
# comparing the int literal with an unsigned x as given (sign-compare).
KST_CFLAGS   := -std=gnu11 -O2 -g -Wall -Wextra -Wno-clobbered -Wno-unused-parameter \
		-Wno-sign-compare -Werror -D_GNU_SOURCE

# Only these files of the tarball (xz has to be read through: ~20 s, once).
# linux-source-6.12 comes from install-deps (profile kselftest, a part of
# profile kernel); a tarball that appears later re-extracts.
$(KST_TREE)/.extracted: $(wildcard $(KST_SRC))
	@test -f $(KST_SRC) || scripts/install-deps.sh kselftest
	@test -f $(KST_SRC) || { echo "$(KST_SRC) missing after install-deps.sh kselftest"; exit 2; }
	@rm -rf $(KST_TREE) && mkdir -p $(KST_TREE)
	$(if $(V),,@echo "  TAR     $(KST_TREE) ($(words $(KST_FILES)) files)";)tar -xJf $(KST_SRC) \
		-C $(KST_TREE) --strip-components=1 $(addprefix linux-source-6.12/,$(KST_FILES))
	@mkdir -p $(KST_TREE)/tools/testing/selftests/vfio	# "../kselftest_harness.h" resolves from here
	@touch $@

# <linux/vfio.h> as the patched tree's `make headers` installs it
$(KST_DIR)/usr/include/linux/vfio.h: $(KST_TREE)/.extracted $(KST_UAPI_PATCH)
	@rm -rf $(KST_DIR)/uapi && mkdir -p $(KST_DIR)/uapi/include/uapi/linux $(dir $@)
	@cp $(KST_TREE)/include/uapi/linux/vfio.h $(KST_DIR)/uapi/include/uapi/linux/
	$(if $(V),,@echo "  PATCH   $@";)patch -s -p1 -d $(KST_DIR)/uapi < $(KST_UAPI_PATCH)
	@sed 's/__user //g' $(KST_DIR)/uapi/include/uapi/linux/vfio.h > $@

$(BUILD)/vfio_display_irq_test: kernel/selftests/vfio/vfio_display_irq_test.c \
		$(KST_DIR)/usr/include/linux/vfio.h
	$(if $(V),,@echo "  CC      $@";)$(CC) $(KST_CFLAGS) -isystem $(KST_DIR)/usr/include \
		-iquote $(KST_TREE)/tools/testing/selftests/vfio -o $@ $<

.PHONY: kselftest-checkpatch
kselftest-checkpatch: $(KST_TREE)/.extracted
	$(KST_TREE)/scripts/checkpatch.pl --strict --no-tree -f \
		kernel/selftests/vfio/vfio_display_irq_test.c
