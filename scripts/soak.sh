#!/bin/sh
# make soak: the real-time suite against ref, N consecutive runs, with a CPU
# hog busy on the other core the whole time. Real-time verdicts must not
# flake: the design absorbs timing noise (frame-counter placement, spread
# of merged reads, tolerance windows, reader priority), nothing retries.
# Prints the number of failing runs and exits non-zero if there was any.
#
#   scripts/soak.sh BUILD [RUNS] [SUITE]
set -eu
b=${1:-build}
runs=${2:-20}
suite=${3:-rt-*}
out=$(mktemp -d /tmp/vrc-soak.XXXXXX)
ncpu=$(nproc)
hog_cpu=$((ncpu - 1))

# The hog: a busy shell loop pinned to the last core (taskset, util-linux).
taskset -c "$hog_cpu" sh -c 'while :; do :; done' &
hog=$!
trap 'kill $hog 2>/dev/null; wait $hog 2>/dev/null || true' EXIT INT TERM

echo "soak: $runs runs of --suite='$suite' against ref, CPU hog on cpu $hog_cpu (pid $hog), results in $out"
fail=0
i=1
while [ "$i" -le "$runs" ]; do
	start=$(date +%s)
	if "$b/vrc" run --backend=sim --model=ref --suite="$suite" --out="$out/run-$i" \
		--vgpu-sim="$b/vgpu-sim" >"$out/run-$i.ktap" 2>&1; then
		verdict=pass
	else
		verdict=FAIL
		fail=$((fail + 1))
		grep -E '^not ok|^# .*violated' "$out/run-$i.ktap" | sed 's/^/soak:   /' || true
	fi
	echo "soak: run $i/$runs: $verdict ($(($(date +%s) - start)) s)"
	i=$((i + 1))
done
echo "soak: $fail of $runs runs failed"
[ "$fail" -eq 0 ]
