#!/bin/sh
# kernel/sample-gen.sh: the sample driver and the selftest of the 7.2 series
# (patches 5 and 6), generated from the repo's sources, never edited by hand:
# one source, two builds. vgpu-mdev.ko is built out of tree from
# guest-images/mdev/ (guest-images/mkimage.sh --flavour=mdev); the same
# files, transformed mechanically, are samples/vfio-mdev/vgpu-mdev/ in the
# series. kernel/t_sample_gen.sh (make test) fails when the committed
# patches differ from what this script makes of the current sources.
#
#   kernel/sample-gen.sh [--top DIR] [--out DIR] [--check]
#
# The transformations, in order, for each C file and header of the sample:
#  1. unifdef: -UVGPU_MDEV_FAULTS (the fault models are the suite's, not a
#     sample's) and each kernel-version name of guest-images/mdev/
#     vgpu_mdev_oot.h (#define NAME (LINUX_VERSION_CODE >= KERNEL_VERSION(
#     a, b, c))) set to 1 or 0 for the series' kernel, KERNEL below;
#  2. the #include lines of the out-of-tree-only headers (OOT_H) dropped;
#  3. #include "include/vrc/i915_regs.h" becomes #include "i915_regs.h"
#     (lib/include/vrc/i915_regs.h is shipped next to the sources), and
#     comments naming lib/include/vrc/i915_regs.h name i915_regs.h;
#  4. runs of blank lines left by 1 and 2 squeezed to one (cat -s), and
#     blank lines at the end (an #endif unifdef took) dropped.
# The headers shipped from elsewhere (SAMPLE_EXTRA: i915_regs.h, shared
# with userspace) get their single-bit masks (1u << N) as BIT(N) instead.
# Then no trace of the out-of-tree build may be left (checked: a source
# that tests those names otherwise than with #if NAME / #ifdef fails here).
# The selftest is copied with 2 only. The hunks that change existing kernel
# files (samples/Kconfig, samples/vfio-mdev/Makefile and
# tools/testing/selftests/vfio/Makefile) are the small templates below,
# written against linux-source-7.2 and 7.3 and verified by kernel-check's
# git am on both (exact apply, no fuzz). Patches 1-4 are hand-written; this
# script only renumbers their subjects ([PATCH v7 N/TOTAL]) and rewrites
# the cover letter's shortlog and diffstat.
#
# Exit status: 0 written (or, with --check, up to date), 1 a failure or,
# with --check, a difference (shown), 2 bad usage.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=""
check=0

# ---- The file lists: the one place that says what goes where.
SERIES=7.2		# kernel/$SERIES/ carries the sample and the selftest
KERNEL=7.2.0		# the version the out-of-tree tests are resolved for
MDEV=guest-images/mdev
SAMPLE_DIR=samples/vfio-mdev/vgpu-mdev
# the module's C files, in link order (the out-of-tree Kbuild adds
# kseries.o, the series' code, which in the tree is the series itself)
SAMPLE_C="vgpu_mdev_main.c vgpu_mdev_vfio.c vgpu_mdev_regs.c vgpu_mdev_vblank.c
	vgpu_mdev_plane.c vgpu_mdev_irq.c"
SAMPLE_H="vgpu_mdev.h vgpu_series.h"
# headers only the out-of-tree build has: not shipped, their includes dropped
OOT_H="vgpu_mdev_oot.h vgpu_mdev_uapi.h"
# shipped from elsewhere in the repo, as REPO_PATH:NAME_IN_SAMPLE_DIR
SAMPLE_EXTRA="lib/include/vrc/i915_regs.h:i915_regs.h"
SELFTEST_DIR=tools/testing/selftests/vfio
SELFTEST_C="kernel/selftests/vfio/vfio_display_irq_test.c"

AUTHOR="vrc developers <vrc@invalid>"
P5_NAME=0005-samples-vfio-mdev-Add-a-vGPU-display-irq-sample.patch
P6_NAME=0006-selftests-vfio-Add-a-display-irq-test.patch
P5_DATE="Sun, 6 Dec 2026 07:03:00 +0000"
P6_DATE="Sun, 6 Dec 2026 07:04:00 +0000"

usage() {
	cat <<EOF
usage: kernel/sample-gen.sh [--top DIR] [--out DIR] [--check]

Writes kernel/$SERIES/$P5_NAME (samples/vfio-mdev/vgpu-mdev/ from
$MDEV/) and $P6_NAME ($SELFTEST_DIR/ from $SELFTEST_C),
renumbers the series' subjects and rewrites its cover letter's shortlog
and diffstat.

  --top DIR   read the sources from DIR (a copy of the repo; default: this one)
  --out DIR   write the series there (default: DIR/kernel/$SERIES; its
              0000..0004 are taken from the repo's kernel/$SERIES if absent)
  --check     write into a temporary folder and compare with kernel/$SERIES:
              exit 1 with the difference if they differ
EOF
}

while [ $# -gt 0 ]; do
	case "$1" in
	--top) [ $# -ge 2 ] || { usage >&2; exit 2; }; top=$(cd "$2" && pwd); shift 2 ;;
	--top=*) top=$(cd "${1#--top=}" && pwd); shift ;;
	--out) [ $# -ge 2 ] || { usage >&2; exit 2; }; out=$2; shift 2 ;;
	--out=*) out=${1#--out=}; shift ;;
	--check) check=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "sample-gen: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
die() { echo "sample-gen: $*" >&2; exit 1; }
for t in unifdef git awk; do
	command -v $t >/dev/null 2>&1 ||
		die "needs $t (scripts/install-deps.sh installs it)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
series="$top/kernel/$SERIES"
if [ "$check" = 1 ]; then
	dest="$tmp/series"
elif [ -n "$out" ]; then
	dest=$out
else
	dest=$series
fi
mkdir -p "$dest"
if [ "$dest" != "$series" ]; then
	for p in "$series"/000[0-4]-*.patch; do
		[ -e "$dest/${p##*/}" ] || cp "$p" "$dest/"
	done
fi

# present FILE: the file exists, or fail
present() {
	[ -f "$top/$1" ] || die "$1 is missing (see the file lists in kernel/sample-gen.sh)"
}

# ---- 1-4: the transformations
# unifdef's -D/-U options: the fault models out, each version test resolved
unifdef_opts() {
	echo "-UVGPU_MDEV_FAULTS"
	k=$(echo "$KERNEL" | awk -F. '{ print $1 * 65536 + $2 * 256 + $3 }')
	sed -n 's/^#define \(VGPU_MDEV_[A-Z0-9_]*\)[[:space:]]*(LINUX_VERSION_CODE >= KERNEL_VERSION(\([0-9]*\), *\([0-9]*\), *\([0-9]*\)))$/\1 \2 \3 \4/p' \
		"$top/$MDEV/vgpu_mdev_oot.h" |
	while read -r name a b c; do
		if [ "$k" -ge $((a * 65536 + b * 256 + c)) ]; then echo "-D$name=1"; else echo "-D$name=0"; fi
	done
}
opts=$(unifdef_opts)
# the names that must not survive into the tree
oot_names="VGPU_MDEV_FAULTS LINUX_VERSION_CODE vgpu_mdev_fault $(echo "$opts" | sed -n 's/^-D\([A-Z0-9_]*\)=.*/\1/p')"

drop_oot_includes() {
	pat=$(echo $OOT_H | sed 's/\./\\./g; s/ /\\|/g')
	sed "/^#include \"\\($pat\\)\"/d"
}

# transform SRC DST: one sample file
transform() {
	rc=0
	# shellcheck disable=SC2086 # one word per option
	unifdef $opts "$1" >"$tmp/u" || rc=$?
	[ $rc -le 1 ] || die "unifdef failed on $1"
	drop_oot_includes <"$tmp/u" |
		sed 's|^#include "include/vrc/i915_regs.h"|#include "i915_regs.h"|
		     s|lib/include/vrc/i915_regs\.h|i915_regs.h|g' |
		cat -s | awk '/^$/ { blank++; next } { for (; blank; blank--) print ""; print }' >"$2"
	for n in $oot_names; do
		! grep -qw "$n" "$2" ||
			die "$1: '$n' is left after the transformation (test it with #if $n or #ifdef only)"
	done
}

# bits: a header shared with userspace, in the kernel's words: its
# single-bit masks (1u << N) as BIT(N), with <linux/bits.h> after the guard
bits() {
	sed 's/(1u << \([0-9]*\))/BIT(\1)/g' | awk '
		{ print }
		!done && /^#define [A-Z0-9_]*_H$/ { print ""; print "#include <linux/bits.h>"; done = 1 }
	'
}

# ---- patch text
# recount: fill in the line counts of the template hunks ("@@ -L +L @@")
recount() {
	awk '
		function flush() {
			if (!h) return
			split(h, w, " ")
			printf "@@ %s,%d %s,%d @@%s\n", w[2], o, w[3], n, substr(h, index(h, " @@") + 3)
			for (i = 1; i <= k; i++) print body[i]
			h = ""; k = 0
		}
		/^diff --git / { flush(); print; next }
		/^@@ / { flush(); h = $0; o = n = 0; next }
		h && /^ / { o++; n++; body[++k] = $0; next }
		h && /^-/ { o++; body[++k] = $0; next }
		h && /^\+/ { n++; body[++k] = $0; next }
		{ flush(); print }
		END { flush() }
	'
}
# newfile PATH FILE: a git diff that creates PATH with FILE's content
newfile() {
	n=$(wc -l <"$2")
	printf 'diff --git a/%s b/%s\nnew file mode 100644\n' "$1" "$1"
	printf 'index 0000000..%s\n--- /dev/null\n+++ b/%s\n' \
		"$(git hash-object --no-filters "$2" | cut -c1-10)" "$1"
	if [ "$n" -eq 1 ]; then echo "@@ -0,0 +1 @@"; else echo "@@ -0,0 +1,$n @@"; fi
	sed 's/^/+/' "$2"
}

# diffstat PATCH...: format-patch's --stat=72 --summary of the patches'
# sum: a throw-away repository whose files differ by each file's summed
# added and removed lines (the series never removes what it added)
diffstat() {
	cum=$(mktemp -d "$tmp/cum.XXXXXX")
	git init -q "$cum"
	created=$(sed -n '/^diff --git a\//{N;s|^diff --git a/\(.*\) b/.*\nnew file mode.*|\1|p}' "$@")
	for p; do (cd "$tmp" && git apply --numstat "$p"); done |
		awk '{ a[$3] += $1; d[$3] += $2 } END { for (f in a) print f, a[f], d[f] }' >"$cum.num"
	while read -r f a d; do
		mkdir -p "$cum/$(dirname "$f")"
		case " $(echo $created) " in *" $f "*) continue ;; esac
		lines "$d" old >"$cum/$f"
	done <"$cum.num"
	git -C "$cum" add -A
	git -C "$cum" -c user.name=x -c user.email=x@invalid commit -q --allow-empty -m base
	while read -r f a d; do lines "$a" new >"$cum/$f"; done <"$cum.num"
	git -C "$cum" add -A
	git -C "$cum" diff --cached --stat=72 --summary HEAD
}
lines() { awk -v n="$1" -v w="$2" 'BEGIN { for (i = 0; i < n; i++) print w, i }'; }

# mail NAME DATE SUBJECT MSGFILE DIFFFILE: a git format-patch mail
mail() {
	{
		printf 'From: %s\nDate: %s\nSubject: %s\n\n' "$AUTHOR" "$2" "$3"
		cat "$4"
		printf '\nSigned-off-by: %s\n---\n' "$AUTHOR"
		diffstat "$5"
		echo
		cat "$5"
		printf -- '-- \n2.39.5\n\n'
	} >"$tmp/mail"
	# the From line names a commit in format-patch; here the mail's hash
	{
		printf 'From %s Mon Sep 17 00:00:00 2001\n' "$(git hash-object --no-filters "$tmp/mail")"
		cat "$tmp/mail"
	} >"$dest/$1"
}

# ---- patch 5: the sample
sd="$tmp/sample"
mkdir -p "$sd"
objs=""
for f in $SAMPLE_C; do
	present "$MDEV/$f"
	transform "$top/$MDEV/$f" "$sd/$f"
	objs="$objs ${f%.c}.o"
done
for f in $SAMPLE_H; do
	present "$MDEV/$f"
	transform "$top/$MDEV/$f" "$sd/$f"
done
for e in $SAMPLE_EXTRA; do
	present "${e%%:*}"
	bits <"$top/${e%%:*}" >"$sd/${e#*:}"
done
# the sample's Makefile, from the list of C files
{
	echo "# SPDX-License-Identifier: GPL-2.0-only"
	echo "obj-\$(CONFIG_SAMPLE_VFIO_MDEV_VGPU) += vgpu-mdev.o"
	for o in $objs; do echo "vgpu-mdev-y += $o"; done
} >"$sd/Makefile"

: >"$tmp/diff5"
# samples/Kconfig: after mbochs (the same context in 7.2 and 7.3)
recount >>"$tmp/diff5" <<'EOF'
diff --git a/samples/Kconfig b/samples/Kconfig
--- a/samples/Kconfig
+++ b/samples/Kconfig
@@ -242 +242 @@ config SAMPLE_VFIO_MDEV_MBOCHS
 	  Specifically it does *not* include any legacy vga stuff.
 	  Device looks a lot like "qemu -device secondary-vga".
 
+config SAMPLE_VFIO_MDEV_VGPU
+	tristate "Build VFIO vGPU display refresh irq sample code"
+	depends on VFIO
+	select VFIO_MDEV
+	select DMA_SHARED_BUFFER
+	help
+	  Build an emulated vGPU for use as a VFIO mediated device: Intel
+	  display registers trapped in BAR0, a 60 Hz vblank, dma-buf
+	  planes, and the display refresh irq (VFIO_IRQ_TYPE_GFX,
+	  VFIO_IRQ_SUBTYPE_GFX_DISPLAY_IRQ), one eventfd per plane
+	  signalled at most once per vblank when the guest updated the
+	  primary or cursor plane.  A device with no GPU behind it, for
+	  testing userspace and the VFIO irq capability chain.
+
 config SAMPLE_ANDROID_BINDERFS
 	bool "Build Android binderfs example"
 	depends on CC_CAN_LINK && HEADERS_INSTALL
EOF
recount >>"$tmp/diff5" <<'EOF'
diff --git a/samples/vfio-mdev/Makefile b/samples/vfio-mdev/Makefile
--- a/samples/vfio-mdev/Makefile
+++ b/samples/vfio-mdev/Makefile
@@ -3 +3 @@ obj-$(CONFIG_SAMPLE_VFIO_MDEV_MTTY) += mtty.o
 obj-$(CONFIG_SAMPLE_VFIO_MDEV_MDPY) += mdpy.o
 obj-$(CONFIG_SAMPLE_VFIO_MDEV_MDPY_FB) += mdpy-fb.o
 obj-$(CONFIG_SAMPLE_VFIO_MDEV_MBOCHS) += mbochs.o
+obj-$(CONFIG_SAMPLE_VFIO_MDEV_VGPU) += vgpu-mdev/
EOF
for f in $(cd "$sd" && ls | LC_ALL=C sort); do
	newfile "$SAMPLE_DIR/$f" "$sd/$f" >>"$tmp/diff5"
done

cat >"$tmp/msg5" <<'EOF'
Add a mediated device that implements the display refresh irq without
a GPU: vgpu-mdev emulates the Intel display registers GVT-g traps
(DSPSURF, CURBASE, CURPOS, PIPECONF, the plane registers) in BAR0, runs
a 60 Hz vblank from an hrtimer, exports its planes as dma-bufs through
VFIO_DEVICE_QUERY_GFX_PLANE and VFIO_DEVICE_GET_GFX_DMABUF as mbochs
does, and offers the irq of the previous patches: irq index 5 with one
eventfd per plane (primary, cursor), signalled at most once per vblank
when the guest changed that plane, described by the type and plane map
capabilities of VFIO_DEVICE_GET_IRQ_INFO.

It lets userspace (a VMM's display, a remote desktop) and the selftest
of the next patch exercise the uAPI on any machine, and shows a driver
other than GVT-g how to offer it.  With clock=stepped the vblanks run
only when the host writes a count to debugfs vgpu-mdev/<uuid>/step, so
a test can tell exactly which vblank signalled.
EOF
mail "$P5_NAME" "$P5_DATE" \
	"[PATCH v7 5/N] samples: vfio-mdev: Add a vGPU display irq sample" \
	"$tmp/msg5" "$tmp/diff5"

# ---- patch 6: the selftest (only with its test)
rm -f "$dest/$P6_NAME"
tests=""
for f in $SELFTEST_C; do
	present "$f"
	tests="$tests $f"
done
if [ -n "$tests" ]; then
	{
		{
		echo "diff --git a/$SELFTEST_DIR/Makefile b/$SELFTEST_DIR/Makefile"
		echo "--- a/$SELFTEST_DIR/Makefile"
		echo "+++ b/$SELFTEST_DIR/Makefile"
		echo "@@ -7 +7 @@ else"
		printf ' \n CFLAGS = $(KHDR_INCLUDES)\n TEST_GEN_PROGS += vfio_dma_mapping_test\n'
		for f in $tests; do
			b=${f##*/}
			echo "+TEST_GEN_PROGS += ${b%.c}"
		done
		printf ' TEST_GEN_PROGS += vfio_dma_mapping_mmio_test\n TEST_GEN_PROGS += vfio_iommufd_setup_test\n TEST_GEN_PROGS += vfio_pci_device_test\n'
		} | recount
		for f in $tests; do
			drop_oot_includes <"$top/$f" >"$tmp/t.c"
			newfile "$SELFTEST_DIR/${f##*/}" "$tmp/t.c"
		done
	} >"$tmp/diff6"
	cat >"$tmp/msg6" <<'EOF'
Test the display refresh irq of a vGPU through VFIO, on the
vgpu-mdev sample of the previous patch (or any device that offers
the irq): the GET_IRQ_INFO capability chain and its argsz protocol,
SET_IRQS' validation (every invalid request fails and changes
nothing), eventfd registration, replacement and release, masking, and
that each plane's eventfd is signalled at most once per vblank for
that plane's updates.  The test skips when no such device is present.
EOF
	mail "$P6_NAME" "$P6_DATE" \
		"[PATCH v7 6/N] selftests: vfio: Add a display irq test" \
		"$tmp/msg6" "$tmp/diff6"
fi

# ---- the series: subjects numbered N/TOTAL, the cover's shortlog and diffstat
set -- "$dest"/0[0-9][0-9][0-9]-*.patch
total=$(($# - 1))
for p; do
	sed -i "s|^\\(Subject: \\[PATCH v[0-9]* [0-9]*\\)/[0-9N]*\\]|\\1/$total]|" "$p"
done
shift	# the cover letter
stat=$(diffstat "$@")
shortlog=$(for p; do
	sed -n '/^Subject: /{N;s/^Subject: \[PATCH[^]]*\] //;s/\n / /;s/\n.*//;p;q}' "$p"
done)
cover=$(ls "$dest"/0000-*.patch)
awk -v n="$#" -v author="${AUTHOR% <*}" -v shortlog="$shortlog" -v stat="$stat" '
	!done && $0 ~ "^" author " \\([0-9]+\\):$" { skip = 1 }
	skip && /^-- $/ {
		print author " (" n "):"
		gsub(/\n/, "\n  ", shortlog); print "  " shortlog
		print ""; print stat; print ""
		skip = 0; done = 1
	}
	!skip { print }
' "$cover" >"$tmp/cover" && cp "$tmp/cover" "$cover"

if [ "$check" = 1 ]; then
	rc=0
	for p in "$dest"/*.patch "$series"/*.patch; do
		b=${p##*/}
		[ -f "$dest/$b" ] && [ -f "$series/$b" ] && continue
		echo "sample-gen: kernel/$SERIES/$b: only in $( [ -f "$dest/$b" ] && echo the generated series || echo kernel/$SERIES)"
		rc=1
	done
	for p in "$dest"/*.patch; do
		b=${p##*/}
		[ -f "$series/$b" ] || continue
		diff -u "$series/$b" "$p" || rc=1
	done
	[ $rc -eq 0 ] || echo "sample-gen: kernel/$SERIES differs from its sources: run kernel/sample-gen.sh and commit the result" >&2
	exit $rc
fi
