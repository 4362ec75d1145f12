#!/bin/sh
# The real-time suite's verdicts with workloads in a VM guest must equal
# those with a process guest, for ref and for known-bad models (issue:
# "Verdicts in the VM must equal the process-guest verdicts"). For each
# model: run rt-* both ways, reduce each run to "test: verdict {violated
# clauses}" (tests the VM cannot run, skipped there, are left out of both),
# and compare. Exit 1 on any difference, printing both sides.
#
#   scripts/vm-verdicts.sh BUILD MODEL...
set -eu
b=$1
shift
out=$(mktemp -d /tmp/vrc-vmv.XXXXXX)
status=0

# KTAP -> one line per test: name verdict {clauses violated, from diagnostics}
reduce() {
	awk '
	/^# [a-z0-9-]+: [A-Z]+-[0-9] violated:/ {
		t = $2; sub(":", "", t); v[t] = v[t] " " $3
	}
	/^(not )?ok [0-9]+ / {
		ok = ($1 == "ok"); name = ok ? $3 : $4
		if ($0 ~ /# SKIP/) { print name " skip"; next }
		print name " " (ok ? "pass" : "fail") " {" v[name] " }"
	}' "$1" | sort
}

for m in "$@"; do
	echo "vm-verdicts: model $m: process guest..."
	"$b/vrc" run --model="$m" --suite='rt-*' --guest=process --progress=off \
		--vgpu-sim="$b/vgpu-sim" --out="$out/$m-process" >"$out/$m-process.ktap" 2>&1 || true
	echo "vm-verdicts: model $m: VM guest..."
	"$b/vrc" run --model="$m" --suite='rt-*' --guest=vm --progress=off \
		--vgpu-sim="$b/vgpu-sim" --out="$out/$m-vm" >"$out/$m-vm.ktap" 2>&1 || true
	reduce "$out/$m-process.ktap" >"$out/$m-process.v"
	reduce "$out/$m-vm.ktap" >"$out/$m-vm.v"
	# the VM skips what KMS cannot do; leave those out of both sides
	skipped=$(awk '$2 == "skip" { print $1 }' "$out/$m-vm.v")
	for f in process vm; do
		grep -v -x -F -f /dev/null "$out/$m-$f.v" | awk -v s="$skipped" '
			BEGIN { n = split(s, a, " "); for (i = 1; i <= n; i++) skip[a[i]] = 1 }
			!($1 in skip)' >"$out/$m-$f.cmp"
	done
	if ! [ -s "$out/$m-vm.cmp" ]; then
		echo "vm-verdicts: model $m: the VM run produced no verdicts:"
		tail -20 "$out/$m-vm.ktap" | sed 's/^/vm-verdicts:   /'
		status=1
	elif diff -u "$out/$m-process.cmp" "$out/$m-vm.cmp" >"$out/$m.diff"; then
		echo "vm-verdicts: model $m: same verdicts ($(wc -l <"$out/$m-vm.cmp") tests," \
			"$(grep -c ' fail ' "$out/$m-vm.cmp" || true) failing)"
	else
		echo "vm-verdicts: model $m: verdicts differ (- process, + VM):"
		sed 's/^/vm-verdicts:   /' "$out/$m.diff"
		status=1
	fi
done
echo "vm-verdicts: runs kept in $out"
exit $status
