#!/bin/sh
# LeakSanitizer reaches the forked children that end in _exit(): a leak
# planted (VRC_TEST_PLANT_LEAK=child, lib/include/vrc/lsan.h) in a vtest
# case's child and in a vrc test process is reported, and turns the case
# into "not ok" and the test into "crash"; one planted in the test's
# vgpu-sim (VRC_TEST_PLANT_LEAK=vgpu-sim) does the same to the test. Only an
# ASan build has LSan (make asan); any other build skips the whole script.
b=${VRC_BUILD:-build}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
if ! grep -qa __asan_init "$b/vrc"; then
	echo "1..0 # SKIP $b/vrc is not an ASan build (make asan runs this)"
	exit 0
fi
n=0
fail=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi; }
leak_report="grep -q 'ERROR: LeakSanitizer: detected memory leaks'"

echo "TAP version 13"
echo "1..8"
prog=$b/tests/test_bandcrc
case1=$("$prog" -l | head -1)
"$prog" -r "$case1" >"$d/clean.out" 2>"$d/clean.err"
check "vtest: $case1 passes without a planted leak" \
	"[ $? -eq 0 ] && grep -q '^ok 1 $case1' $d/clean.out && ! $leak_report $d/clean.err"
VRC_TEST_PLANT_LEAK=child "$prog" -r "$case1" >"$d/leak.out" 2>"$d/leak.err"
check "vtest: a leak planted in the case's child fails the case" \
	"[ $? -ne 0 ] && grep -q '^not ok 1 $case1' $d/leak.out &&
	 grep -q 'LeakSanitizer: the case leaked memory' $d/leak.out"
check "vtest: LeakSanitizer's report names the planted block" \
	"$leak_report $d/leak.err && grep -q '4242 byte' $d/leak.err"

run() {
	"$b/vrc" run --model=ref --suite=disc-display-irq --vgpu-sim="$b/vgpu-sim" \
		--out="$d/$1" >"$d/$1.out" 2>"$d/$1.err"
}
run clean
check "vrc: disc-display-irq passes without a planted leak" \
	"[ $? -eq 0 ] && grep -q '^ok 1 disc-display-irq' $d/clean.out && ! $leak_report $d/clean.err"
VRC_TEST_PLANT_LEAK=child run leak
rc=$?
check "vrc: a leak planted in the test process makes the test crash, the run fail" \
	"[ $rc -ne 0 ] && grep -q '^not ok 1 disc-display-irq' $d/leak.out &&
	 grep -q '\"result\": *\"crash\"' $d/leak/results.json &&
	 grep -q 'leaked memory (LeakSanitizer' $d/leak/results.json"
check "vrc: LeakSanitizer's report of the test process is on stderr" \
	"$leak_report $d/leak.err && grep -q '4242 byte' $d/leak.err"
VRC_TEST_PLANT_LEAK=vgpu-sim run simleak
rc=$?
check "vrc: a leak planted in the test's vgpu-sim makes the test crash, the run fail" \
	"[ $rc -ne 0 ] && grep -q '^not ok 1 disc-display-irq' $d/simleak.out &&
	 grep -q 'vgpu-sim exited with status 1 after quit (LeakSanitizer' $d/simleak/results.json"
check "vrc: vgpu-sim's LeakSanitizer report is on stderr" \
	"$leak_report $d/simleak.err && grep -q '4242 byte' $d/simleak.err"
[ $fail -eq 0 ] || { echo "# what the leaking run printed:"; sed 's/^/# /' "$d/leak.out" "$d/leak.err" "$d/simleak.out" "$d/simleak.err" | head -80; }
exit $fail
