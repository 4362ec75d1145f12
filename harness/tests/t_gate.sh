#!/bin/sh
# A gate over a device without the display irq is red (vgpu-sim's no-irq
# model: num_irqs 5, as an unpatched kernel; every test skips). vrc run
# exits 4 (nothing was tested) with one line saying why, so make check
# fails; vrc compare with a mustpass list reports each lost test as lost
# coverage and exits 1; the lab's own gate line fails and no lab format
# reports a skip as a pass. And the documented runs stay green: a ref run
# passes mustpass-sim, a run with the destructive test off (as on GVT-g)
# passes mustpass-gvt.
b=${VRC_BUILD:-build}
src=$(cd "$(dirname "$0")/../.." && pwd)
lab=$src/harness/lab
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0
fail=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; return 1; fi; }
show() { sed 's/^/#   /' "$1" | head -"${2:-15}"; }

echo "TAP version 13"
echo "1..16"
# the virtual-time tests the sim's mustpass list names (exact verdicts);
# '-[a-z]*' keeps the rt-* tests out (a glob also matches clause ids)
vt='disc-[a-z]*,irq-[a-z]*,evt-[a-z]*,iso-[a-z]*,tear-[a-z]*'

"$b/vrc" run --model=no-irq --out="$d/noirq" --progress=off --vgpu-sim="$b/vgpu-sim" \
	>"$d/noirq.ktap" 2>"$d/noirq.err"
st=$?
check "no-irq: vrc run exits 4 (nothing was tested)" "[ $st -eq 4 ]" || show "$d/noirq.ktap"
check "no-irq: no test passed or failed, every one skipped" \
	"grep -q '^# Totals: pass:0 fail:0 skip:[1-9][0-9]* timeout:0 crash:0\$' $d/noirq.ktap"
# every conformance test (the igt-* workloads skip for a reason of their own)
nconf=$("$b/vrc" list | grep -vc '^igt-')
line="nothing was tested: the device offers no display irq (every test skipped: $nconf of [0-9]* 'display irq not offered"
check "no-irq: one KTAP line says why" "[ \$(grep -c '^# nothing was tested' $d/noirq.ktap) -eq 1 ] && grep -q \"^# $line\" $d/noirq.ktap"
check "no-irq: the same line on stderr" "grep -q \"^vrc: $line\" $d/noirq.err"

# make check's command line (no-irq device, the virtual-time tests): fails
args=$(make -s -n --no-print-directory -C "$src" check BUILD="$(cd "$b" && pwd)" 2>/dev/null |
	sed -n 's|^[^ ]*/vrc run ||p')
# shellcheck disable=SC2086 # make check's arguments, one word each
"$b/vrc" run $args --model=no-irq --suite='disc-*,irq-*' --out="$d/check" --progress=off \
	--vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
st=$?
check "make check's vrc run ($args) on no-irq: exit 4, make fails" "[ -n '$args' ] && [ $st -eq 4 ]"

# the baseline: ref passes every test of mustpass-sim, skipping none
"$b/vrc" run --model=ref --suite="$vt" --out="$d/ref" --progress=off --vgpu-sim="$b/vgpu-sim" \
	>"$d/ref.ktap" 2>&1
st=$?
check "ref: exit 0, nothing skipped" "[ $st -eq 0 ] && grep -q '^# Totals: pass:[1-9][0-9]* fail:0 skip:0 ' $d/ref.ktap"
"$b/vrc" compare --mustpass="$src/suites/mustpass-sim.txt" "$d/ref" "$d/ref" >"$d/same.out"
check "ref passes the mustpass-sim gate" "[ $? -eq 0 ] && grep -q '^verdict: no regression' $d/same.out"

# no-irq against ref through the mustpass-sim gate: every listed test lost
"$b/vrc" compare --mustpass="$src/suites/mustpass-sim.txt" "$d/ref" "$d/noirq" >"$d/gate.out"
st=$?
check "no-irq against ref, mustpass-sim: exit 1" "[ $st -eq 1 ]" || show "$d/gate.out"
nref=$(grep -c '^ok ' "$d/ref.ktap")
check "one blocking LOST-COVERAGE line per listed test ($nref)" \
	"[ \$(grep -c '^! ' $d/gate.out) -eq $nref ] && [ \$(grep -c '^! LOST-COVERAGE ' $d/gate.out) -eq $nref ]"
check "the line names the skip's reason and the lost coverage" \
	"grep -q \"^! LOST-COVERAGE  *disc-display-irq  *pass  *-> skip: 'display irq not offered: .*' -- lost coverage (no skip-ok of the mustpass list allows this reason)\\\$\" $d/gate.out"
"$b/vrc" compare "$d/ref" "$d/noirq" >"$d/nolist.out"
check "without a list, lost coverage blocks too" \
	"[ $? -eq 1 ] && grep -q '^summary: regressed 0, lost-coverage [1-9]' $d/nolist.out"

# the LAVA definition's gate line (RUN against itself with mustpass-gvt)
cmd=$(sed -n 's/^.*lava-test-case vrc-mustpass --shell //p' "$lab/vrc-lava-test.yaml")
vrc_abs=$(cd "$(dirname "$b/vrc")" && pwd)/vrc
mkdir -p "$d/lava/build" "$d/lava/results"
ln -s "$vrc_abs" "$d/lava/build/vrc"
ln -s "$d/noirq" "$d/lava/results/latest"
# the definition's words as LAVA runs them, in a checkout whose latest run is no-irq's
( cd "$d/lava" && MUSTPASS="$src/suites/mustpass-gvt.txt" sh -c "$cmd" ) >"$d/lava-gate.out" 2>&1
st=$?
check "the LAVA gate line fails on no-irq (a mustpass test must pass)" \
	"[ $st -eq 1 ] && grep -q '^! UNCHANGED  *disc-display-irq  *skip  *-> skip: .* -- a mustpass test must pass' $d/lava-gate.out" ||
	show "$d/lava-gate.out"
# and no lab format turns the skips into passes
LAVA_TEST_CASE=lava-test-case "$lab/vrc-lava-results" --dry-run "$d/noirq" >"$d/lava.out"
check "vrc-lava-results: every no-irq test reported skip, none pass" \
	"[ \$(grep -c -- '--result skip' $d/lava.out) -eq \$(grep -c '^ok ' $d/noirq.ktap) ] && ! grep -q -- '--result pass' $d/lava.out"
"$b/vrc" export --junit="$d/j.xml" --kcidb="$d/k.json" "$d/noirq" >/dev/null
check "JUnit and KCIDB: every no-irq test skipped, none passed" \
	"python3 -c 'import json,sys,xml.etree.ElementTree as E
t=E.parse(sys.argv[1]).getroot().iter(\"testcase\")
assert all(c.find(\"skipped\") is not None for c in t)
k=json.load(open(sys.argv[2]))[\"tests\"]
assert k and all(x[\"status\"]==\"SKIP\" for x in k)' $d/j.xml $d/k.json"

# the documented GVT-g run: the destructive test off (its default there)
# skips it, which mustpass-gvt allows; mustpass-sim does not
"$b/vrc" run --model=ref --no-destructive --suite='disc-[a-z]*,irq-[a-z]*,evt-[a-z]*,iso-heuristic-independent' \
	--out="$d/nodestr" --progress=off --vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
"$b/vrc" compare --mustpass="$src/suites/mustpass-gvt.txt" "$d/ref" "$d/nodestr" >"$d/gvt.out"
st=$?
check "destructive off: mustpass-gvt allows the oops test's skip (exit 0)" \
	"[ $st -eq 0 ] && grep -q '^  LOST-COVERAGE  *irq-invalid-requests-oops .*(allowed: skip-ok in the mustpass list)' $d/gvt.out" ||
	show "$d/gvt.out"
"$b/vrc" compare --mustpass="$src/suites/mustpass-sim.txt" "$d/nodestr" "$d/nodestr" >"$d/sim.out"
check "destructive off: mustpass-sim blocks on the skip" \
	"[ $? -eq 1 ] && grep -q '^! UNCHANGED  *irq-invalid-requests-oops .*destructive' $d/sim.out"
exit $fail
