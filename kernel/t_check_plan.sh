#!/bin/sh
# kernel/check.sh --plan against Debian archives made here (file: mirrors,
# package lists only): what kernel-check would check, on which
# linux-source, when Debian moves on. Debian's current kernel is what the
# linux-source metapackage of the newest suite stands for; a current
# kernel without a series of its own gets the newest older series
# ("9.2 on 9.3"); a series whose source left the archive is skipped,
# unless named. Offline, no kernel tree; TAP output.
here=$(cd "$(dirname "$0")" && pwd)
check="$here/check.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=0
fail=0

# pkg NAME VERSION [DEPENDS]: one stanza of a Packages file
pkg() {
	printf 'Package: %s\nVersion: %s\nArchitecture: all\n' "$1" "$2"
	[ -z "${3:-}" ] || printf 'Depends: %s\n' "$3"
	printf 'Filename: pool/%s_%s_all.deb\nSize: 1\nDescription: t\n\n' "$1" "$2"
}
# suite NAME: its Packages file from stdin
suite() {
	mkdir -p "$dir/repo/dists/$1/main/binary-amd64"
	cat > "$dir/repo/dists/$1/main/binary-amd64/Packages"
}
# series VER...: the fake series folder holds exactly these
series() {
	rm -rf "$dir/series"
	for v in "$@"; do
		mkdir -p "$dir/series/$v"
		: > "$dir/series/$v/0001-x.patch"
	done
}
# plan NAME WANT_RC SUITES [ARGS...]: run, keep stdout+stderr in $dir/out
plan() {
	name=$1 want=$2 suites=$3; shift 3
	rc=0
	KCHECK_SERIES_DIR="$dir/series" KCHECK_SUITES="$suites" \
	KCHECK_MIRROR="file://$dir/repo" \
		"$check" --build "$dir/build" --plan "$@" > "$dir/out" 2>&1 || rc=$?
	n=$((n + 1))
	if [ $rc -ne "$want" ]; then
		echo "not ok $n $name"; echo "#   exit $rc, want $want"
		sed 's/^/#   /' "$dir/out"; fail=1; return 1
	fi
	return 0
}
# has LINE... / lacks TEXT: check the output, "not ok" if not; ok: "ok"
# has LINE...: every LINE is a line of the output (fixed strings)
has() {
	for l in "$@"; do
		if ! grep -qxF -- "$l" "$dir/out"; then
			echo "not ok $n $name"; echo "#   no line: $l"
			sed 's/^/#   /' "$dir/out"; fail=1; return 1
		fi
	done
}
# lacks TEXT: no line contains TEXT
lacks() {
	if grep -qF -- "$1" "$dir/out"; then
		echo "not ok $n $name"; echo "#   unexpected: $1"
		sed 's/^/#   /' "$dir/out"; fail=1; return 1
	fi
}
ok() { echo "ok $n $name"; }

echo "TAP version 13"
echo "1..10"

# bpo has moved on to 9.3; sid still has 9.2, newer than bpo's; 9.1 is gone
{ pkg linux-source 9.3.1-1~bpo "linux-source-9.3 (= 9.3.1-1~bpo)"
  pkg linux-source-9.3 9.3.1-1~bpo; pkg linux-config-9.3 9.3.1-1~bpo
  pkg linux-source-9.2 9.2.4-1~bpo; pkg linux-config-9.2 9.2.4-1~bpo; } | suite bpo
{ pkg linux-source 9.2.5-1 "linux-source-9.2 (= 9.2.5-1)"
  pkg linux-source-9.2 9.2.5-1; pkg linux-config-9.2 9.2.5-1; } | suite sid
series 9.1 9.2

plan "a new kernel gets the newest older series; a gone one is skipped" 0 bpo,sid &&
has "kernel-check: Debian's current kernel: 9.3 (linux-source 9.3.1-1~bpo in bpo,sid)" \
    "kernel-check: 9.1: SKIP, linux-source-9.1 is in neither the host's apt nor bpo,sid: Debian no longer ships it" \
    "kernel-check: 9.2: kernel/9.2 on linux-source-9.2, 9.2.5-1 from bpo,sid" \
    "kernel-check: 9.2 on 9.3: kernel/9.2 on linux-source-9.3, 9.3.1-1~bpo from bpo,sid (Debian's current kernel)" && ok

plan "a gone series named with --series fails, naming the package" 1 bpo,sid --series 9.1 &&
has "kernel-check: FAIL [9.1] step 'plan': linux-source-9.1 is in neither the host's apt nor bpo,sid: Debian no longer ships it" && ok

plan "--series current: only the current kernel" 0 bpo,sid --series current &&
has "kernel-check: 9.2 on 9.3: kernel/9.2 on linux-source-9.3, 9.3.1-1~bpo from bpo,sid (Debian's current kernel)" &&
lacks "kernel-check: 9.2: " && ok

series 9.1 9.2 9.3
plan "a current kernel with its own series is checked once, with it" 0 bpo,sid &&
has "kernel-check: 9.3: kernel/9.3 on linux-source-9.3, 9.3.1-1~bpo from bpo,sid (Debian's current kernel)" &&
lacks " on 9.3:" && ok

plan "a series named twice, once as current, is checked once" 0 bpo,sid --series 9.3 --series current &&
n_lines=$(grep -c "^kernel-check: 9.3: " "$dir/out") &&
if [ "$n_lines" -eq 1 ]; then ok; else
	echo "not ok $n $name"; echo "#   $n_lines lines for 9.3"; fail=1; fi

plan "without newer suites a version the host lacks fails, saying why" 1 "" --series 9.3 &&
has "kernel-check: FAIL [9.3] step 'plan': linux-source-9.3 is not in the host's apt, and KCHECK_SUITES is empty" && ok

{ pkg linux-source 9.0.1-1 "linux-source-9.0 (= 9.0.1-1)"
  pkg linux-source-9.0 9.0.1-1; pkg linux-config-9.0 9.0.1-1
  pkg linux-source-9.2 9.2.5-1; pkg linux-config-9.2 9.2.5-1; } | suite old
series 9.1 9.2
plan "a current kernel older than every series: --series current fails" 1 old --series current &&
has "kernel-check: FAIL [plan] step 'current': Debian's current kernel 9.0 is older than every series (9.1 9.2)" && ok

{ pkg linux-source 9.4.1-1 "linux-source-9.4 (= 9.4.1-1)"
  pkg linux-source-9.4 9.4.1-1; } | suite noconf
plan "a current kernel without its config is skipped, saying which" 1 noconf &&
has "kernel-check: 9.2 on 9.4: SKIP, linux-config-9.4 is in neither the host's apt nor noconf: Debian no longer ships it" \
    "kernel-check: FAIL [plan] step 'plan': nothing to check: Debian ships none of the series' kernels" && ok

{ pkg linux-source 1-1 "linux-source-all"; } | suite odd
plan "a metapackage that stands for no linux-source-VER fails" 1 odd &&
has "kernel-check: FAIL [plan] step 'current': linux-source in odd stands for 'linux-source-all', not a linux-source-VER" && ok

plan "a suite without linux-source fails, naming it" 1 nosuchsuite &&
has "kernel-check: FAIL [plan] step 'current': no linux-source metapackage in nosuchsuite (KCHECK_SUITES='' checks without it)" && ok
exit $fail
