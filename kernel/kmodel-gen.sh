#!/bin/sh
# kmodel-gen.sh [--shim=DIR] SERIES_DIR OUT.c: the C of one reference
# series, for vgpu-sim's kernel-VER model (or, with --shim=series, for the
# vgpu-mdev kernel module: guest-images/mdev/series/).
#
# The series' own code runs in userspace, as tools/testing/vma runs mm/vma.c:
# every top-level definition the patches add (the uapi structures and ids,
# the irq state, the vblank, cursor, SET_IRQS and GET_IRQ_INFO functions)
# is taken from the patches as they are, and compiled between a shim of the
# kernel APIs they call (harness/vgpu-sim/kmodel/kshim.h) and the glue that
# calls them where GVT does (kmodel/glue.h). Lines the patches add inside
# existing functions (handler hooks, MMIO registrations, the ioctl's
# preamble) are not top-level and are left out: glue.h does what they do.
#
# A "run" is a stretch of consecutive '+' lines of one file's diff. A run is
# kept if its first non-blank line starts in column 0 (a definition, a
# comment, a #define), minus its #include lines; an indented run adds to
# code that is already there. Headers come first (the structures), then
# the C files, in patch order.
set -eu

usage() {
	cat <<EOF
usage: kernel/kmodel-gen.sh [--shim=DIR] [--kernel=MAJOR.MINOR] SERIES_DIR OUT.c
  Writes the C of the series in SERIES_DIR (its 0NNN-*.patch files; the
  directory is named after its kernel, e.g. kernel/7.2) to OUT.c, for
  vgpu-sim's model kernel-VER. make does this (mk/kmodel.mk):
    kernel/kmodel-gen.sh kernel/7.2 build/gen/kmodel/7.2.c
  --shim=DIR  the include directory of kshim.h, kshim_vgpu.h and glue.h
              (default harness/vgpu-sim/kmodel; the vgpu-mdev module uses series,
              its kernel-side shim: guest-images/mkimage.sh --flavour=mdev)
  --kernel=V  the kernel the C is built against, when it is newer than the
              series' own (the newest series not newer than a kernel serves
              it, as kernel/check.sh checks: 7.2's on 7.3); KM_KERNEL,
              which series/kshim.h compares with the headers' version
  Exit 0, or 2 on bad arguments.
EOF
}
case ${1:-} in -h|--help) usage; exit 0 ;; esac
shim=harness/vgpu-sim/kmodel
case ${1:-} in --shim=?*) shim=${1#*=}; shift ;; esac
kernel=
case ${1:-} in --kernel=?*) kernel=${1#*=}; shift ;; esac
[ $# -eq 2 ] || { usage >&2; exit 2; }
dir=$1
out=$2
ver=$(basename "$dir")
case $ver in
[0-9]*.[0-9]*) ;;
*) echo "kmodel-gen: '$dir' is not a series directory named after its kernel (e.g. kernel/7.2)" >&2; exit 2 ;;
esac
major=${ver%%.*}
minor=${ver#*.}
case $kernel in
'') kmajor=$major kminor=$minor ;;
[0-9]*.[0-9]*) kmajor=${kernel%%.*} kminor=${kernel#*.} ;;
*) echo "kmodel-gen: --kernel=$kernel is not a MAJOR.MINOR" >&2; exit 2 ;;
esac
case $kmajor$kminor in
*[!0-9]*) echo "kmodel-gen: --kernel=$kernel is not a MAJOR.MINOR" >&2; exit 2 ;;
esac
set -- "$dir"/0[0-9][0-9][0-9]-*.patch
[ -f "$1" ] || { echo "kmodel-gen: no patches in $dir" >&2; exit 2; }

# runs PATTERN PATCH...: the kept runs of the files whose path matches
runs() {
	pat=$1
	shift
	awk -v pat="$pat" '
		function flush(   i, body) {
			for (i = 1; i <= n; i++)
				if (buf[i] !~ /^#include/ && buf[i] !~ /^[ \t]*$/)
					body = 1
			if (body && keep) {
				printf "#line %d \"%s\"\n", first, src
				# an #include stays a blank line: #line numbers hold
				for (i = 1; i <= n; i++)
					print (buf[i] ~ /^#include/ ? "" : buf[i])
			}
			n = 0; keep = 0; decided = 0
		}
		FNR == 1 { flush(); on = 0 }
		/^diff --git / { flush(); on = ($NF ~ pat); path = $NF; next }
		!on { next }
		/^\+\+\+ / { next }
		/^@@ / { flush(); next }
		/^\+/ {
			line = substr($0, 2)
			if (!n) { first = FNR; src = FILENAME }
			buf[++n] = line
			if (!decided && line !~ /^[ \t]*$/) {
				decided = 1
				keep = (line ~ /^[^ \t]/)
			}
			next
		}
		{ flush() }
		END { flush() }
	' "$@"
}

tmp=$out.tmp
mkdir -p "$(dirname "$out")"
{
	echo "/* Generated from $dir by kernel/kmodel-gen.sh: do not edit. */"
	echo "#define KM_SERIES \"$ver\""
	echo "#define KM_LINUX KM_VERSION($major, $minor)"
	echo "#define KM_SYM(x) km_${major}_${minor}_##x"
	echo "#define KM_KERNEL KM_VERSION($kmajor, $kminor)"
	echo "#include \"$shim/kshim.h\""
	echo
	echo "/* ---- the patches' uapi (include/uapi/linux/vfio.h) and GVT headers */"
	runs '^b/include/uapi/' "$@"
	runs '^b/drivers/gpu/drm/i915/gvt/.*\.h$' "$@"
	echo
	echo "#include \"$shim/kshim_vgpu.h\""
	echo
	echo "/* ---- the patches' GVT code */"
	runs '^b/drivers/gpu/drm/i915/gvt/.*\.c$' "$@"
	echo
	echo "#include \"$shim/glue.h\""
} >"$tmp"
mv "$tmp" "$out"
