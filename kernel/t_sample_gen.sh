#!/bin/sh
# make test: the 7.2 series' sample driver and selftest patches are what
# kernel/sample-gen.sh makes of the current sources (guest-images/mdev/,
# lib/include/vrc/i915_regs.h, kernel/selftests/vfio/), so neither the
# sources nor the patches can be edited alone; and the check can fail: a
# changed source line, a hand-edited patch and an out-of-tree test the
# transformation cannot resolve are each caught (in a copy). TAP output.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
gen="$here/sample-gen.sh"
series=7.2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n $1"; fail=1; }

# copy: a fresh copy of what the generator reads, in $tmp/top
copy() {
	rm -rf "$tmp/top"
	mkdir -p "$tmp/top/lib/include/vrc" "$tmp/top/kernel" "$tmp/top/guest-images"
	cp -R "$top/guest-images/mdev" "$tmp/top/guest-images/"
	cp "$top/lib/include/vrc/i915_regs.h" "$tmp/top/lib/include/vrc/"
	cp -R "$top/kernel/$series" "$tmp/top/kernel/"
	[ ! -d "$top/kernel/selftests" ] || cp -R "$top/kernel/selftests" "$tmp/top/kernel/"
}

# 1. the committed series is the generated one
if "$gen" --check >"$tmp/out" 2>&1; then
	ok "kernel/$series is what kernel/sample-gen.sh makes of the sources"
else
	sed 's/^/# /' "$tmp/out" | head -n 60
	not_ok "kernel/$series differs from kernel/sample-gen.sh's output: run it and commit the result"
fi

# 2. a changed source line shows as a difference, naming the line
copy
sed -i 's|^#define STEP_MAX\t600\t|#define STEP_MAX\t601\t|' "$tmp/top/guest-images/mdev/vgpu_mdev_vblank.c"
if ! grep -q 'STEP_MAX	601' "$tmp/top/guest-images/mdev/vgpu_mdev_vblank.c"; then
	not_ok "the STEP_MAX line of vgpu_mdev_vblank.c moved: fix this test"
elif "$gen" --top "$tmp/top" --check >"$tmp/out" 2>&1; then
	not_ok "a changed line of vgpu_mdev_vblank.c went unnoticed"
elif grep -q '^++#define STEP_MAX	601' "$tmp/out"; then
	ok "a changed source line makes the check fail, showing the line"
else
	sed 's/^/# /' "$tmp/out" | head -n 30
	not_ok "the check failed without showing the changed line"
fi

# 3. a hand-edited patch shows as a difference
copy
p=$(ls "$tmp/top/kernel/$series"/0005-*.patch)
sed -i 's|^+#define STEP_MAX\t600\t|+#define STEP_MAX\t599\t|' "$p"
if ! grep -q '^+#define STEP_MAX	599' "$p"; then
	not_ok "patch 5 has no STEP_MAX line: fix this test"
elif "$gen" --top "$tmp/top" --check >/dev/null 2>&1; then
	not_ok "a hand edit of patch 5 went unnoticed"
else
	ok "a hand-edited patch makes the check fail"
fi

# 4. the out-of-tree pieces are not in the sample, and a version test the
#    generator cannot resolve stops it rather than leaking into the tree
p=$(ls "$top/kernel/$series"/0005-*.patch)
if grep -nE '^\+.*(VGPU_MDEV_FAULTS|vgpu_mdev_fault|LINUX_VERSION_CODE|vgpu_mdev_oot\.h|#include "include/)' "$p" >"$tmp/out"; then
	sed 's/^/# /' "$tmp/out" | head
	not_ok "patch 5 carries out-of-tree-only code"
else
	ok "patch 5 has no fault model, version test or out-of-tree include"
fi
copy
printf '#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)\n#endif\n' >>"$tmp/top/guest-images/mdev/vgpu_mdev_regs.c"
if "$gen" --top "$tmp/top" --out "$tmp/o" >"$tmp/out" 2>&1; then
	not_ok "a direct LINUX_VERSION_CODE test was let into the sample"
elif grep -q "LINUX_VERSION_CODE' is left" "$tmp/out"; then
	ok "a version test not named in vgpu_mdev_oot.h stops the generator"
else
	sed 's/^/# /' "$tmp/out"
	not_ok "the generator failed, but not naming the version test"
fi

echo "1..$n"
exit $fail
