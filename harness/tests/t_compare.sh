#!/bin/sh
# vrc compare as a gate: a known-bad model against the reference regresses
# (exit 1, regressions first), a run against itself does not (exit 0), the
# mustpass lists name real tests and restrict what gates, and bad input is
# exit 2 naming it.
b=${VRC_BUILD:-build}
src=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0
fail=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi; }

echo "TAP version 13"
echo "1..20"
# The IRQ tests only: virtual time, exact verdicts (the rt-* tests run in
# real time and can flake on a loaded machine).
"$b/vrc" run --model=ref --suite='irq-*' --out="$d/ref" --vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
"$b/vrc" run --model=sticky-mask --suite='irq-*' --out="$d/bad" --vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
"$b/vrc" compare "$d/ref" "$d/ref/results.json" >"$d/same.out"
check "a run against itself: exit 0, no regression" \
	"[ $? -eq 0 ] && grep -q '^verdict: no regression' $d/same.out"
"$b/vrc" compare "$d/ref" "$d/bad" >"$d/bad.out"
check "sticky-mask against ref: exit 1" "[ $? -eq 1 ]"
check "regressions come first, irq-mask-unmask among them" \
	"sed -n 3p $d/bad.out | grep -q '^! REGRESSED ' && grep -q '^! REGRESSED  *irq-mask-unmask  *pass  *-> fail\$' $d/bad.out"
check "summary counts the classes" \
	"grep -q '^summary: regressed [1-9][0-9]*, lost-coverage 0, fixed 0, still-failing 0, new 0, removed 0, unchanged' $d/bad.out"
"$b/vrc" compare "$d/bad" "$d/ref" >"$d/fixed.out"
check "the other way round: fixed, exit 0" \
	"[ $? -eq 0 ] && grep -q '^  FIXED  *irq-mask-unmask' $d/fixed.out"
"$b/vrc" run --model=ref --suite='irq-mask*' --out="$d/part" --vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
"$b/vrc" compare "$d/part" "$d/ref" >"$d/new.out"
check "tests only in the run are new, passing new tests do not gate" \
	"[ $? -eq 0 ] && grep -q '^  NEW  *irq-reregister' $d/new.out"
"$b/vrc" compare "$d/ref" "$d/part" >"$d/removed.out"
check "tests only in the baseline are removed (no list: not gating)" \
	"[ $? -eq 0 ] && grep -q '^  REMOVED  *irq-reregister' $d/removed.out"

# mustpass: every entry of both lists names a test of vrc list (the first
# word of a line; a skip-ok reason may follow).
"$b/vrc" list --vgpu-sim="$b/vgpu-sim" | cut -d' ' -f1 >"$d/names"
stale=""
for f in "$src/suites/mustpass-sim.txt" "$src/suites/mustpass-gvt.txt"; do
	for p in $(sed 's/#.*//' "$f" | awk '{ print $1 }'); do
		hit=0
		while read -r t; do case "$t" in $p) hit=1; break;; esac; done <"$d/names"
		[ $hit -eq 1 ] || stale="$stale $p"
	done
done
check "every mustpass entry names a test" "[ -z '$stale' ]"
"$b/vrc" compare --mustpass="$src/suites/mustpass-sim.txt" "$d/ref" "$d/bad" >/dev/null
check "mustpass-sim gates sticky-mask" "[ $? -eq 1 ]"
printf 'irq-unreg*\n' >"$d/some"
"$b/vrc" compare --mustpass="$d/some" "$d/ref" "$d/bad" >"$d/mp.out"
check "a list without the regressed test does not gate it" \
	"[ $? -eq 0 ] && grep -q 'irq-mask-unmask.*(not in mustpass)' $d/mp.out"
"$b/vrc" compare --mustpass="$src/suites/mustpass-sim.txt" "$d/ref" "$d/part" >"$d/mpr.out"
check "a mustpass test missing from the run gates" \
	"[ $? -eq 1 ] && grep -q '^! REMOVED  *irq-reregister' $d/mpr.out"
# thresholds: the measurements of ref against v6 move a lot
"$b/vrc" run --model=ref --suite=evt-idle-bound --out="$d/ref-idle" --vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
"$b/vrc" run --model=v6 --suite=evt-idle-bound --out="$d/v6" --vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
"$b/vrc" compare --threshold=20 "$d/ref-idle" "$d/v6" >"$d/t20.out"
"$b/vrc" compare --threshold=1000 "$d/ref-idle" "$d/v6" >"$d/t1000.out"
check "a measurement beyond the threshold is listed, within it not" \
	"grep -q 'MEASUREMENT  *evt-idle-bound  *idle_signal_rate' $d/t20.out && ! grep -q MEASUREMENT $d/t1000.out"

# bad input: exit 2 and a message naming it
echo '{"format":"vrc-results","run":{"run_id":"x"},"tests":[{"name":"a"}]}' >"$d/broken.json"
"$b/vrc" compare "$d/ref" "$d/broken.json" 2>"$d/e1" >/dev/null
check "a broken results file: exit 2 naming file and problem" \
	"[ $? -eq 2 ] && grep -q 'broken.json: tests\\[0\\]: test .a.: missing \"result\"' $d/e1"
printf 'irq-*\nrm -rf\n' >"$d/badlist"
"$b/vrc" compare --mustpass="$d/badlist" "$d/ref" "$d/ref" 2>"$d/e2" >/dev/null
check "a bad mustpass line: exit 2 naming file:line" "[ $? -eq 2 ] && grep -q 'badlist:2: ' $d/e2"
"$b/vrc" compare --threshold=abc "$d/ref" "$d/ref" 2>"$d/e3" >/dev/null
check "a bad threshold: exit 2" "[ $? -eq 2 ] && grep -q 'threshold=abc' $d/e3"
# the new command-line surface: --help, and bad values named
"$b/vrc" compare --help | grep -q '^usage: vrc compare'
check "compare --help: exit 0, usage" "[ $? -eq 0 ]"
"$b/vrc" compare "$d/ref" 2>"$d/e4" >/dev/null
check "compare with one run: exit 2" "[ $? -eq 2 ] && grep -q 'want BASELINE and RUN' $d/e4"
"$b/vrc" run --rerun-failures=99 2>"$d/e5" >/dev/null
check "run --rerun-failures=99: exit 2 naming it" "[ $? -eq 2 ] && grep -q 'rerun-failures=99' $d/e5"
"$b/vrc" run --progress=loud 2>"$d/e6" >/dev/null
check "run --progress=loud: exit 2 naming it" "[ $? -eq 2 ] && grep -q 'progress=loud' $d/e6"
"$b/vrc" report --help | grep -q '^usage: vrc report' && "$b/vrc" export --help | grep -q '^usage: vrc export'
check "report and export --help" "[ $? -eq 0 ]"
exit $fail
