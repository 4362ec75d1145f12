#!/bin/sh
# make kernel-check: apply each reference patch series (kernel/<ver>/) to
# Debian's linux-source-<ver>, checkpatch it, build the i915 directory (and
# the sample driver and selftest of a series that has them) and require no
# warnings in the files the series touches.
#
#   kernel/check.sh [--build DIR] [--jobs N] [--series VER|current]... [--keep] [--plan]
#
# Exit status: 0 all passed, 1 a step failed (named on stderr), 2 bad usage.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=build
jobs=2
series=""
keep=0
# Per-step time bounds, in seconds (the i915 build dominates: see README).
T_DEPS=${KCHECK_T_DEPS:-1800}
T_FETCH=${KCHECK_T_FETCH:-1800}
T_EXTRACT=${KCHECK_T_EXTRACT:-900}
T_GIT=${KCHECK_T_GIT:-900}
T_CONFIG=${KCHECK_T_CONFIG:-600}
T_PREPARE=${KCHECK_T_PREPARE:-1800}
T_BUILD=${KCHECK_T_BUILD:-5400}
# Debian's current kernel is newer than bookworm's: where to find it
SUITES=${KCHECK_SUITES-trixie-backports,sid}
MIRROR=${KCHECK_MIRROR:-}
plan=0

usage() {
	cat <<EOF
usage: kernel/check.sh [--build DIR] [--jobs N] [--series VER|current]... [--keep] [--plan]

For each series under kernel/ (6.1, 6.12, 7.2; or those named with
--series), and for Debian's current kernel: install Debian's
linux-source-VER (scripts/install-deps.sh kernel: bookworm has 6.1 and
6.12), or, for a version the host's apt does not have, fetch it from the
newer suites KCHECK_SUITES (default trixie-backports,sid) with
scripts/deb-fetch.sh into DIR/kernel/debs, without installing it (and
Debian's linux-config-VER alike); extract it into DIR/kernel/VER, commit
the files the series changes to a fresh git repository, apply the series with git am, run
checkpatch.pl --strict --no-tree on every patch (errors fail, warnings
and checks are listed; a file the series adds must be in a MAINTAINERS
section instead of checkpatch's "does MAINTAINERS need updating?"),
configure x86_64_defconfig plus i915/KVM/VFIO/GVT-g (and the sample
driver SAMPLE_VFIO_MDEV_VGPU=m for a series that adds it), check that
kernel/lab-config.sh makes a lab host's
config of Debian's amd64 one (GVT-g, and iommufd with the VFIO cdev from
6.6), make modules_prepare, build drivers/gpu/drm/i915/ and fail on any
warning in a file the series touches; for a series with the sample
(samples/vfio-mdev/vgpu-mdev) build samples/vfio-mdev/, and with a vfio
selftest build the uapi headers and tools/testing/selftests/vfio
(kselftest-all), failing on any warning in their files; require every symbol the series
makes i915.ko or kvmgt.ko need from outside them to be exported to them
(kernel/symcheck.sh); then rebuild the touched C files with W=1 and fail
on any warning there too.

Debian's current kernel is the one the linux-source metapackage of
KCHECK_SUITES stands for. Without a series of its own version, the newest
older series is checked on it too ("7.2 on 7.3"): a new kernel that
breaks the series fails here before the old one leaves the archive. A
series whose linux-source Debian no longer ships is skipped, saying so,
unless named with --series.

  --build DIR   build directory (default: build); work goes to DIR/kernel
  --jobs N      make -j N (default 2)
  --series VER  check only this series (repeatable); "current": only
                Debian's current kernel, with its series
  --keep        keep the source trees afterwards (default: remove them,
                they are ~1.5 GB each)
  --plan        only look up the packages and print what would be
                checked, on which linux-source, from where (no install,
                no download of sources)
  --help        this text

Logs: DIR/kernel/VER/logs/<step>.log. Step time bounds can be changed with
KCHECK_T_{DEPS,FETCH,EXTRACT,GIT,CONFIG,PREPARE,BUILD} (seconds).
KCHECK_SUITES='' looks in no newer suite (the host's apt only, no
current kernel); KCHECK_MIRROR=URL is the Debian mirror for them
(default: the host's, scripts/apt-mirror.sh).
EOF
}

while [ $# -gt 0 ]; do
	case "$1" in
	--build) [ $# -ge 2 ] || { usage >&2; exit 2; }; build=$2; shift 2 ;;
	--build=*) build=${1#--build=}; shift ;;
	--jobs) [ $# -ge 2 ] || { usage >&2; exit 2; }; jobs=$2; shift 2 ;;
	--jobs=*) jobs=${1#--jobs=}; shift ;;
	--series) [ $# -ge 2 ] || { usage >&2; exit 2; }; series="$series $2"; shift 2 ;;
	--series=*) series="$series ${1#--series=}"; shift ;;
	--keep) keep=1; shift ;;
	--plan) plan=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "kernel-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case "$jobs" in
''|*[!0-9]*|0) echo "kernel-check: --jobs wants a positive number, not '$jobs'" >&2; exit 2 ;;
esac
# every series under kernel/ (KCHECK_SERIES_DIR: another folder of
# them, for tests), oldest first
sdir=${KCHECK_SERIES_DIR:-$here}
all_series=$(for d in "$sdir"/*/; do
	ls "$d"0001-*.patch >/dev/null 2>&1 && basename "$d"
done | sort -V | tr '\n' ' ')
for v in $series; do
	[ "$v" = current ] && continue
	if ! ls "$sdir/$v"/0001-*.patch >/dev/null 2>&1; then
		echo "kernel-check: no patch series in kernel/$v/ (see kernel/README.md)" >&2
		exit 2
	fi
done
named=$series
case "$build" in /*) ;; *) build="$top/$build" ;; esac
work="$build/kernel"
mkdir -p "$work"

t_all=$(date +%s)
cur_ver=""
cur_step=""
cur_log=""

fail() {
	echo "kernel-check: FAIL [$cur_ver] step '$cur_step': $*" >&2
	if [ -n "$cur_log" ] && [ -s "$cur_log" ]; then
		echo "--- last lines of $cur_log" >&2
		tail -n 30 "$cur_log" >&2
	fi
	exit 1
}

# step NAME TIMEOUT CMD...: run CMD niced and bounded, log to logs/NAME.log
step() {
	cur_step=$1; limit=$2; shift 2
	cur_log="$logs/$cur_step.log"
	printf '[%s] %-15s ... ' "$cur_ver" "$cur_step"
	t0=$(date +%s)
	rc=0
	timeout --foreground -k 30 "$limit" nice -n 10 "$@" >"$cur_log" 2>&1 || rc=$?
	t1=$(date +%s)
	if [ $rc -eq 124 ]; then
		echo "timed out after $((t1 - t0))s"
		fail "timed out (limit ${limit}s)"
	elif [ $rc -ne 0 ]; then
		echo "failed after $((t1 - t0))s"
		fail "exit status $rc"
	fi
	echo "ok ($((t1 - t0))s, total $((t1 - t_all))s)"
}

# The build's configuration: x86_64 defconfig plus what the i915 GVT-g
# KVMGT module needs (the symbol names hold for 6.1, 6.12 and 7.2), no debug
# info (it only costs time here). Run by step, hence a script string.
# With a third argument "sample", also the series' sample driver
# (samples/vfio-mdev/vgpu-mdev, SAMPLE_VFIO_MDEV_VGPU: VFIO and VFIO_MDEV
# are already on).
configure='
	src=$1 obj=$2 sample=${3-}
	extra="" want=""
	[ "$sample" != sample ] ||
		{ extra="-e SAMPLES -m SAMPLE_VFIO_MDEV_VGPU"; want=SAMPLE_VFIO_MDEV_VGPU=m; }
	make -C "$src" O="$obj" x86_64_defconfig &&
	"$src/scripts/config" --file "$obj/.config" \
		-e MODULES -e VIRTUALIZATION -m KVM -m KVM_INTEL \
		-m DRM -m DRM_I915 -m VFIO -e VFIO_MDEV -m VFIO_MDEV \
		-m DRM_I915_GVT_KVMGT -d WERROR -d DRM_I915_WERROR \
		-d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT -d DEBUG_INFO_DWARF5 \
		-d DEBUG_INFO_DWARF4 -e DEBUG_INFO_NONE $extra &&
	make -C "$src" O="$obj" olddefconfig || exit 1
	for sym in DRM_I915=m DRM_I915_GVT=y DRM_I915_GVT_KVMGT=m VFIO_MDEV=m $want; do
		grep -qx "CONFIG_$sym" "$obj/.config" ||
			{ echo "CONFIG_$sym did not survive olddefconfig"; exit 1; }
	done
	grep -E "^CONFIG_(DRM_I915|DRM_I915_GVT|DRM_I915_GVT_KVMGT|VFIO|VFIO_MDEV|KVM|KVM_INTEL|SAMPLE_VFIO_MDEV_VGPU)=" "$obj/.config"
'

# checkpatch every patch but the cover letter: errors fail, the rest is listed.
# checkpatch asks "does MAINTAINERS need updating?" of every patch that adds
# a file, as it cannot look; here the tree's MAINTAINERS is asked instead
# (maintained): a file the series adds that no F: entry covers fails.
checkpatch() {
	bad=0
	for p in "$@"; do
		out=$("$src/scripts/checkpatch.pl" --strict --no-tree --no-color \
			--ignore FILE_PATH_CHANGES "$p" 2>&1) || true
		total=$(printf '%s\n' "$out" | grep '^total:' || echo "total: ? errors")
		echo "$(basename "$p"): $total"
		printf '%s\n' "$out" | grep -E '^(WARNING|CHECK|ERROR)' | sed 's/^/    /' || true
		case "$total" in
		"total: 0 errors,"*) ;;
		*) bad=1 ;;
		esac
	done
	added=$(sed -n '/^diff --git a\//{N;s|^diff --git a/\(.*\) b/.*\nnew file mode.*|\1|p}' "$@")
	[ -z "$added" ] || maintained $added || bad=1
	return $bad
}

# maintained FILE...: the MAINTAINERS section of each file (the longest F:
# entry that is the file or a folder above it); status 1 if one has none
maintained() {
	printf '%s\n' "$@" | awk '
		NR == FNR { f[FNR] = $0; n = FNR; next }
		/^[A-Z0-9].*[^:]$/ && prev == "" { sec = $0 }
		{ prev = $0 }
		/^F:\t/ {
			pat = substr($0, 4)
			for (i = 1; i <= n; i++)
				if ((f[i] == pat || (pat ~ /\/$/ && index(f[i], pat) == 1)) &&
				    length(pat) > best[i]) {
					who[i] = sec; best[i] = length(pat)
				}
		}
		END {
			for (i = 1; i <= n; i++) {
				if (i in who) { print "MAINTAINERS: " f[i] ": " who[i]; continue }
				print "MAINTAINERS: " f[i] ": no section covers it (ERROR)"; bad = 1
			}
			exit bad
		}
	' - "$src/MAINTAINERS"
}

# debian_file PKG REL: set found to /usr/src/REL of Debian's package PKG:
# the host's, installed by install-deps, or else unpacked from the newer
# suites (not installed), e.g. trixie-backports' linux-source-7.2 here.
debian_file() {
	found="/usr/src/$2"
	if [ -r "$found" ]; then
		echo "[$cur_ver] $1: $(dpkg-query -W -f='${Version}' "$1") (installed)"
		return 0
	fi
	debdir="$work/debs/$1"
	found="$debdir/usr/src/$2"
	step "fetch-$1" "$T_FETCH" "$top/scripts/deb-fetch.sh" --suite="$SUITES" \
		${MIRROR:+--mirror="$MIRROR"} --out="$debdir" "$1"
	[ -r "$found" ] || { cur_log=""; fail "$found missing after deb-fetch"; }
	echo "[$cur_ver] $1: $(cat "$debdir/version") (from $SUITES, not installed)"
}

# ---- The plan: which series on which linux-source, and from where.
# The kernel profile of debian-packages.txt comes from the host's apt;
# any other version from KCHECK_SUITES, looked up in one go.
host_pkgs=$(sed -n 's/^kernel://p' "$top/scripts/debian-packages.txt")
on_host() {
	case " $host_pkgs " in *" $1 "*) ;; *) return 1 ;; esac
	apt-cache show "$1" >/dev/null 2>&1
}
logs="$work/logs"
mkdir -p "$logs"
cur_ver=plan
deb_fetch_field() {	# FIELD PKG...: "PKG VALUE" lines from KCHECK_SUITES
	[ -n "$SUITES" ] || return 0
	f=$1; shift
	"$top/scripts/deb-fetch.sh" --suite="$SUITES" ${MIRROR:+--mirror="$MIRROR"} \
		--field="$f" "$@" 2>>"$logs/plan.log" || true
}

# Debian's current kernel: what linux-source in the newer suites stands for
current=""
: >"$logs/plan.log"
if [ -n "$SUITES" ]; then
	dep=$(deb_fetch_field Depends linux-source | sed -n 's/^linux-source //p')
	cur_step=current; cur_log="$logs/plan.log"
	[ -n "$dep" ] || fail "no linux-source metapackage in $SUITES (KCHECK_SUITES='' checks without it)"
	current=$(printf '%s\n' "$dep" | sed -n 's/^linux-source-\([0-9][0-9.]*[0-9]\)\( .*\)\{0,1\}$/\1/p')
	[ -n "$current" ] || fail "linux-source in $SUITES stands for '$dep', not a linux-source-VER"
fi
# the newest series not newer than $1
series_for() {
	r=""
	for s in $all_series; do
		dpkg --compare-versions "$s" le "$1" && r=$s
	done
	echo "$r"
}
has_series() { case " $all_series " in *" $1 "*) return 0 ;; esac; return 1; }

# checks as SOURCE_VERSION:SERIES words, each once
checks=""
add() { case " $checks " in *" $1 "*) ;; *) checks="$checks $1" ;; esac; }
if [ -z "$named" ]; then
	for s in $all_series; do add "$s:$s"; done
	if [ -n "$current" ] && ! has_series "$current"; then
		s=$(series_for "$current")
		[ -z "$s" ] || add "$current:$s"
	fi
else
	for v in $named; do
		if [ "$v" != current ]; then add "$v:$v"; continue; fi
		cur_step=current; cur_log=""
		[ -n "$current" ] || fail "--series current needs KCHECK_SUITES (it is empty)"
		s=$(series_for "$current")
		[ -n "$s" ] || fail "Debian's current kernel $current is older than every series ($(echo $all_series))"
		add "$current:$s"
	done
fi

# where each check's linux-source and linux-config come from
want=""
for c in $checks; do
	v=${c%%:*}
	for p in linux-source-$v linux-config-$v; do
		on_host "$p" || want="$want $p"
	done
done
# shellcheck disable=SC2086 # one word per package
suite_vers=$( [ -z "$want" ] || deb_fetch_field Version $want)
from() {	# PKG: where it comes from, or nothing if Debian has it nowhere
	if on_host "$1"; then
		v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true)
		[ -n "$v" ] ||
			v=$(apt-cache show --no-all-versions "$1" | sed -n 's/^Version: //p')
		echo "$v from the host's apt"
	else
		v=$(printf '%s\n' "$suite_vers" | awk -v p="$1" '$1 == p { print $2 }')
		[ -z "$v" ] || echo "$v from $SUITES"
	fi
}
label() {	# SOURCE_VERSION:SERIES -> "7.2" or "7.2 on 7.3"
	if [ "${1%%:*}" = "${1#*:}" ]; then echo "${1#*:}"; else echo "${1#*:} on ${1%%:*}"; fi
}

[ -z "$current" ] || echo "kernel-check: Debian's current kernel: $current" \
	"(linux-source $(printf '%s\n' "$dep" | sed -n 's/.*(= \(.*\))$/\1 /p')in $SUITES)"
run="" skipped=""
for c in $checks; do
	v=${c%%:*} s=${c#*:}
	fs=$(from "linux-source-$v") fc=$(from "linux-config-$v")
	note=""
	[ "$v" != "$current" ] || note=" (Debian's current kernel)"
	if [ -n "$fs" ] && [ -n "$fc" ]; then
		echo "kernel-check: $(label "$c"): kernel/$s on linux-source-$v, $fs$note"
		run="$run $c"
		continue
	fi
	miss=linux-source-$v
	[ -n "$fs" ] && miss=linux-config-$v
	if [ -n "$SUITES" ]; then
		why="$miss is in neither the host's apt nor $SUITES: Debian no longer ships it"
	else
		why="$miss is not in the host's apt, and KCHECK_SUITES is empty"
	fi
	case " $named " in
	*" $v "*|*" current "*) cur_ver=$(label "$c"); cur_step=plan; cur_log=""; fail "$why" ;;
	esac
	echo "kernel-check: $(label "$c"): SKIP, $why"
	skipped="$skipped $(label "$c")"
done
cur_ver=plan; cur_step=plan; cur_log=""
[ -n "$run" ] || fail "nothing to check: Debian ships none of the series' kernels"
[ "$plan" -eq 0 ] || exit 0

cur_ver=all
step deps "$T_DEPS" "$top/scripts/install-deps.sh" kernel

for c in $run; do
	ver=${c%%:*}
	ser=${c#*:}
	cur_ver=$(label "$c")
	vdir="$work/$ver"
	logs="$vdir/logs"
	src="$vdir/linux-source-$ver"
	obj="$vdir/obj"
	objlab="$vdir/obj-lab"
	t_ver=$(date +%s)
	rm -rf "$src" "$obj" "$objlab" "$logs"
	mkdir -p "$logs" "$obj" "$objlab"
	# the patches, cover letter excluded, as "$@"
	set --
	for p in "$sdir/$ser"/0*.patch; do
		case "$p" in */0000-*) ;; *) set -- "$@" "$p" ;; esac
	done
	echo "[$cur_ver] series: $# patches in kernel/$ser"

	debian_file "linux-source-$ver" "linux-source-$ver.tar.xz"
	tarball=$found
	debian_file "linux-config-$ver" "linux-config-$ver/config.amd64_none_amd64.xz"
	debconfig=$found

	step extract "$T_EXTRACT" tar -xf "$tarball" -C "$vdir"
	[ -f "$src/Makefile" ] || { cur_log=""; fail "$tarball did not unpack into $src"; }

	# A repository of its own, so git am records authorship and the
	# touched files are git's to name. It tracks only the files the series
	# changes (git am needs nothing else, and adding the whole tree took
	# ~30 s a series); those the series creates come with it. Debian's
	# top-level .gitignore ignores everything, hence add -f.
	pre=$(sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$@" | sort -u)
	step git-init "$T_GIT" sh -c '
		cd "$1" && name=$2 && shift 2 && git init -q && git config gc.auto 0 &&
		for f; do [ ! -e "$f" ] || git -c core.autocrlf=false add -f -- "$f" || exit; done &&
		git -c user.name=kernel-check -c user.email=kernel-check@invalid \
			commit -q --allow-empty -m "$name (pristine: the files the series changes)"' \
		sh "$src" "linux-source-$ver" $pre
	# git am refuses patches that do not apply exactly: no fuzz, no offsets
	step apply "$T_GIT" sh -c '
		cd "$1" && shift &&
		git -c user.name=kernel-check -c user.email=kernel-check@invalid \
			am --whitespace=error-all "$@" &&
		git log --format="%h %an: %s" HEAD~$#..HEAD' sh "$src" "$@"
	sed 's/^/    /' "$logs/apply.log" | grep -v '^    Applying' || true
	touched=$(cd "$src" && git diff --name-only HEAD~$# HEAD)
	# the sample driver and the selftest (the 7.2 series' patches 5 and 6,
	# kernel/sample-gen.sh), built and warned about on their own
	sample=""; selftest=""
	! printf '%s\n' "$touched" | grep -q '^samples/vfio-mdev/vgpu-mdev/' || sample=sample
	! printf '%s\n' "$touched" | grep -q '^tools/testing/selftests/vfio/.*\.c$' || selftest=vfio

	cur_step=checkpatch; cur_log="$logs/checkpatch.log"
	printf '[%s] %-15s ... ' "$cur_ver" checkpatch
	rc=0
	checkpatch "$@" >"$cur_log" 2>&1 || rc=$?
	if [ $rc -eq 0 ]; then echo ok; else echo failed; fi
	sed 's/^/    /' "$cur_log"
	[ $rc -eq 0 ] || { cur_log=""; fail "checkpatch reported errors"; }

	step config "$T_CONFIG" sh -c "$configure" sh "$src" "$obj" $sample
	sed 's/^/    /' "$logs/config.log" | grep 'CONFIG_' || true
	# the lab host's kernel: Debian's config with kernel/lab-config.sh's
	# additions (docs/hardware.md), configured only; the build below is
	# of the defconfig above, which takes a fraction of the time
	step lab-config "$T_CONFIG" sh -c 'xz -dc "$1" > "$3/.config" &&
		"$4" --src="$2" --obj="$3"' sh "$debconfig" "$src" "$objlab" "$here/lab-config.sh"
	sed -n 's/^lab-config: /    /p' "$logs/lab-config.log"
	step modules_prepare "$T_PREPARE" make -C "$src" O="$obj" -j"$jobs" modules_prepare
	step build-i915 "$T_BUILD" make -C "$src" O="$obj" -j"$jobs" drivers/gpu/drm/i915/

	# the compiler names files relative to the source tree or absolutely
	cur_step=warnings; cur_log="$logs/warnings.log"
	: >"$cur_log"
	for f in $touched; do
		grep -E "(^|/)$f:[0-9]+(:[0-9]+)?: (warning|error)" "$logs/build-i915.log" >>"$cur_log" || true
	done
	n=$(grep -c . "$cur_log" || true)
	echo "[$cur_ver] warnings in touched files ($(echo "$touched" | wc -l) files): $n"
	[ "$n" -eq 0 ] || { sed 's/^/    /' "$cur_log"; cur_log=""; fail "$n compiler warnings in files the series touches"; }
	nall=$(grep -cE ': warning:' "$logs/build-i915.log" || true)
	echo "[$cur_ver] warnings elsewhere in drivers/gpu/drm/i915 (not ours): $nall"

	# the sample driver: its folder (modpost does not run), no warning in it
	if [ -n "$sample" ]; then
		step build-sample "$T_BUILD" make -C "$src" O="$obj" -j"$jobs" samples/vfio-mdev/
		grep -E "(^|/)samples/vfio-mdev/vgpu-mdev/[^:]*:[0-9]+(:[0-9]+)?: (warning|error)" \
			"$logs/build-sample.log" >"$logs/warnings-sample.log" || true
		n=$(grep -c . "$logs/warnings-sample.log" || true)
		echo "[$cur_ver] warnings in samples/vfio-mdev/vgpu-mdev: $n"
		[ "$n" -eq 0 ] || { sed 's/^/    /' "$logs/warnings-sample.log"; cur_log=""; fail "$n compiler warnings in the sample driver"; }
		[ -f "$obj/samples/vfio-mdev/vgpu-mdev/vgpu-mdev.o" ] ||
			{ cur_log=""; fail "samples/vfio-mdev/vgpu-mdev/vgpu-mdev.o was not built"; }
	fi
	# the selftest: the uapi headers, then tools/testing/selftests/vfio
	# (-Wall -Werror of its own), no warning in the series' test files.
	# Where the tree's own vfio selftests do not build (linux-source-7.2.13:
	# its libvfio calls calloc_assert(), which nothing declares), the
	# series' test programs are built alone, by the same Makefile and flags
	# without libvfio, which they do not use; the log says so.
	if [ -n "$selftest" ]; then
		progs=$(printf '%s\n' "$touched" | sed -n 's|^tools/testing/selftests/vfio/\([^/]*\)\.c$|\1|p')
		# shellcheck disable=SC2086 # one word per program
		step build-selftest "$T_BUILD" sh -c '
			src=$1 obj=$2 jobs=$3; shift 3
			make -C "$src" O="$obj" -j"$jobs" TARGETS=vfio kselftest-all && exit 0
			echo "kernel-check: the tree'"'"'s own vfio selftests do not build (above);" \
				"the series'"'"' test programs alone: $*"
			for p; do
				make -C "$src/tools/testing/selftests/vfio" OUTPUT="$obj/kselftest/vfio" \
					KHDR_INCLUDES="-isystem $obj/usr/include" LIBVFIO_O= \
					"$obj/kselftest/vfio/$p" || exit
			done' sh "$src" "$obj" "$jobs" $progs
		! grep -q "^kernel-check: the tree's own vfio selftests do not build" "$logs/build-selftest.log" ||
			echo "[$cur_ver] the tree's own vfio selftests do not build (not the series'): $(grep -m1 -E ': error:' "$logs/build-selftest.log" | sed 's|.*/tools/testing/|tools/testing/|')"
		: >"$logs/warnings-selftest.log"
		for f in $(printf '%s\n' "$touched" | grep '^tools/testing/selftests/vfio/.*\.c$'); do
			grep -E "(^|/)${f##*/}:[0-9]+(:[0-9]+)?: (warning|error)" \
				"$logs/build-selftest.log" >>"$logs/warnings-selftest.log" || true
			b=${f##*/}
			[ -x "$obj/kselftest/vfio/${b%.c}" ] ||
				{ cur_log=""; fail "$f: no $obj/kselftest/vfio/${b%.c} built"; }
		done
		n=$(grep -c . "$logs/warnings-selftest.log" || true)
		echo "[$cur_ver] warnings in the series' selftests: $n"
		[ "$n" -eq 0 ] || { sed 's/^/    /' "$logs/warnings-selftest.log"; cur_log=""; fail "$n compiler warnings in the selftest"; }
	fi

	# What the series makes i915.ko or kvmgt.ko need from outside them
	# must be exported to them: modpost's check, without a whole kernel
	# build. It leaves the touched objects built from the pristine
	# sources; the W=1 build below makes them again from the series'.
	step symbols "$T_BUILD" "$here/symcheck.sh" --src="$src" --obj="$obj" \
		--base="HEAD~$#" --jobs="$jobs"
	sed 's/^/    /' "$logs/symbols.log"

	# The touched C files once more with W=1 (the kernel's extra warnings)
	# (kbuild's: the selftests' C files are built above, by their Makefile)
	objs=$(printf '%s\n' "$touched" | grep -v '^tools/' | sed -n 's/\.c$/.o/p')
	# shellcheck disable=SC2086 # one word per object
	step build-W1 "$T_BUILD" make -C "$src" O="$obj" -j"$jobs" W=1 $objs
	cur_step=warnings-W1; cur_log="$logs/warnings-W1.log"
	grep -E ': (warning|error):' "$logs/build-W1.log" >"$cur_log" || true
	n=$(grep -c . "$cur_log" || true)
	echo "[$cur_ver] W=1 warnings in touched C files: $n"
	[ "$n" -eq 0 ] || { sed 's/^/    /' "$cur_log"; cur_log=""; fail "$n W=1 warnings in files the series touches"; }

	t_end=$(date +%s)
	echo "[$cur_ver] PASS in $((t_end - t_ver))s"
	[ "$keep" -eq 1 ] || rm -rf "$src" "$obj" "$objlab"
done
passed=""
for c in $run; do passed="$passed, $(label "$c")"; done
echo "kernel-check: passed: ${passed#, }${skipped:+; skipped (no source):$skipped} in $(($(date +%s) - t_all))s"
