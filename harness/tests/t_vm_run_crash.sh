#!/bin/sh
# A guest that panics in the middle of a run: vrc run --guest=vm reports that
# test as crash with the guest's panic from the console in its record, and the
# run goes on with a fresh guest for the next test (which passes). The panic
# is injected with VRC_TEST_GUEST_PANIC=<test> (harness/vrc/guest_vm.c): the
# guest kernel crashes (sysrq c) where the test's workload would have run.
# TAP for prove; needs the guest image (make image).
b=${VRC_BUILD:-build}
py=/usr/bin/python3
d=$(mktemp -d /tmp/vrc-vmcrash.XXXXXX)
trap 'rm -rf "$d"' EXIT
echo "TAP version 13"
echo "1..4"
for f in "$b/vrc" "$b/vgpu-sim" "$b/vrc-wl" "$b/guest/initrd.img"; do
	[ -f "$f" ] || { echo "Bail out! $f missing: run make all image BUILD=$b"; exit 1; }
done

# rt-idle-bound (registered first) panics; rt-mixed, registered after it,
# must still run, in a fresh guest, and pass.
VRC_TEST_GUEST_PANIC=rt-idle-bound timeout -k 5 900 "$b/vrc" run --guest=vm \
	--suite='rt-[im]*' --progress=off --vgpu-sim="$b/vgpu-sim" --out="$d/run" \
	>"$d/ktap" 2>"$d/err"
rc=$?
sed 's/^/# /' "$d/ktap"

n=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n $1"; else echo "not ok $n $1"; fi
}
result() {
	$py -c 'import json,sys
for t in json.load(open(sys.argv[1]))["tests"]:
    if t["name"] == sys.argv[2]: print(t["result"]); print(t.get("reason", ""))' \
		"$d/run/results.json" "$1"
}
check "the run exits 1 (a test crashed), not 2 (harness error)" "[ $rc -eq 1 ]"
check "the panicking test is a crash" \
	"result rt-idle-bound | head -1 | grep -qx crash"
check "its record holds the guest's panic from the console" \
	"result rt-idle-bound | grep -q 'Kernel panic'"
check "the next test ran in a fresh guest and passed" \
	"result rt-mixed | head -1 | grep -qx pass"
