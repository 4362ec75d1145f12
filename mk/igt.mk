# The igt guest flavour (guest-images/igt/): igt-gpu-tools tests from Debian's
# newer suite (sid) as extra workloads on vdisp, or on i915 for GVT-g.
#   make image-igt   $(BUILD)/guest-igt/: kernel + initrd (mkimage.sh --flavour=igt:
#                    vdisp, virtio_blk, squashfs, vrc-igt) and rootfs.sqfs, the
#                    igt userland (mkigt.sh: debootstrap of sid, 1-2 min)
# Not part of `all` or `make check`: it downloads a Debian userland and needs
# root. Without it the igt-* tests of `vrc run` and guest-images/tests/t_igt.sh
# skip. Both scripts keep a stamp of their inputs: a second run is a no-op.
.PHONY: image-igt
image-igt: $(BUILD)/vdisp-probe $(BUILD)/vrc-kmsrec.so
	@scripts/install-deps.sh igt
	$(if $(image_extra),@$(MAKE) --no-print-directory $(image_extra))
	@guest-images/mkimage.sh --build=$(BUILD) --flavour=igt
	@guest-images/igt/mkigt.sh --build=$(BUILD)

# make image-igt-i915: the same userland (a link to guest-igt's) with an
# i915 kernel image, for the igt-* tests on a GVT-g vGPU.
.PHONY: image-igt-i915
image-igt-i915: image-igt
	@guest-images/mkimage.sh --build=$(BUILD) --flavour=igt-i915
	@ln -sfn ../guest-igt/rootfs.sqfs $(BUILD)/guest-igt-i915/rootfs.sqfs

TEST_SCRIPTS += guest-images/tests/t_igt.sh
