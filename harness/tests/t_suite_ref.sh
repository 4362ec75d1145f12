#!/bin/sh
# The whole conformance suite against the reference model must pass (KTAP
# for prove), and its results.json must record every test.
set -eu
b=${VRC_BUILD:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$b/vrc" run --backend=sim --model=ref --out="$out" --vgpu-sim="$b/vgpu-sim"
n=$(grep -c '"name"' "$out/results.json")
want=$("$b/vrc" list --vgpu-sim="$b/vgpu-sim" | wc -l)
if [ "$n" -ne "$want" ]; then
	echo "# results.json has $n test records, vrc list has $want" >&2
	exit 1
fi
# SHOULD measurements travel from the test child into results.json.
if ! grep -q '"idle_signal_rate"' "$out/results.json"; then
	echo "# results.json lacks the idle_signal_rate measurement" >&2
	exit 1
fi
