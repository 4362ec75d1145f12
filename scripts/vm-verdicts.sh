#!/bin/sh
# VM guests must not change what the suite concludes about a model (issue:
# "vrc run --model=v6 (and the other known-bad models) fails on the same
# clauses as with process guests"). For each model: the whole suite with
# --guest=process and with --guest=vm (virtual-time tests use a process guest
# either way; the rt-* workloads move into a TCG guest), each run reduced to
# the set of clauses it found violated plus any test that crashed or timed
# out; the two sets must be equal. Per-test differences are printed as notes:
# a TCG guest cannot flip at every vblank, so a workload in it has gaps a
# process guest does not, and e.g. `late` can show in rt-flip-every-vblank
# there and only in rt-flip-pattern here; that is the same verdict on the
# model, not a disagreement. The igt-* extras are left out (no clause).
# A VM run may flag a clause more than the process run only where the table
# below says why (SPEC §5 allows it); it may never flag one less.
#
#   scripts/vm-verdicts.sh BUILD MODEL...
set -eu
b=$1
shift
out=$(mktemp -d /tmp/vrc-vmv.XXXXXX)
status=0

# KTAP -> "test verdict {clauses}" lines, sorted (the per-test view)
per_test() {
	awk '
	/^# [a-z0-9-]+: [A-Z]+-[0-9] violated:/ {
		t = $2; sub(":", "", t); v[t] = v[t] " " $3
	}
	/^(not )?ok [0-9]+ / {
		ok = ($1 == "ok"); name = ok ? $3 : $4
		if (name ~ /^igt-/) next
		if ($0 ~ /# SKIP/) { print name " skip"; next }
		r = ok ? "pass" : ($0 ~ /# ERROR/ ? "error" : "fail")
		print name " " r " {" v[name] " }"
	}' "$1" | sort
}
# per-test lines -> the run's verdict on the model: clauses violated, and
# tests that crashed or timed out
per_run() {
	awk '$2 == "fail" || $2 == "error" {
		for (i = 3; i <= NF; i++) { c = $i; gsub(/[{}]/, "", c); if (c != "") print c }
		if ($2 == "error") print "error:" $1
	}' "$1" | sort -u
}

# Clauses a VM guest may add, per model, and why.
vm_extra() {
	case $1 in
	early)	# signals at the register write: during vdisp's modeset the surface
		# is written before the plane is enabled, and a cursor image is
		# captured before it latches (SPEC §5: "TEAR-1 may also fail")
		echo "TEAR-1 TEAR-2" ;;
	esac
}

for m in "$@"; do
	for g in process vm; do
		echo "vm-verdicts: model $m: whole suite, $g guest..."
		"$b/vrc" run --model="$m" --guest=$g --igt-image=/nonexistent --progress=off \
			--vgpu-sim="$b/vgpu-sim" --out="$out/$m-$g" >"$out/$m-$g.ktap" 2>&1 || true
		per_test "$out/$m-$g.ktap" >"$out/$m-$g.tests"
		per_run "$out/$m-$g.tests" >"$out/$m-$g.clauses"
	done
	if ! grep -q '^rt-' "$out/$m-vm.tests"; then
		echo "vm-verdicts: model $m: the VM run produced no rt verdicts:"
		tail -20 "$out/$m-vm.ktap" | sed 's/^/vm-verdicts:   /'
		status=1
		continue
	fi
	vm_rt=$(grep -c '^rt-.* \(pass\|fail\|error\) ' "$out/$m-vm.tests" || true)
	missing=$(comm -23 "$out/$m-process.clauses" "$out/$m-vm.clauses" | tr '\n' ' ')
	extra=$(comm -13 "$out/$m-process.clauses" "$out/$m-vm.clauses" | tr '\n' ' ')
	allowed=" $(vm_extra "$m") "
	unexplained=""
	for c in $extra; do
		case $allowed in *" $c "*) ;; *) unexplained="$unexplained $c" ;; esac
	done
	if [ -z "$missing" ] && [ -z "$unexplained" ]; then
		more=""
		[ -z "$extra" ] || more=" plus, in the VM, {$extra} (allowed for $m)"
		echo "vm-verdicts: model $m: same verdict: {$(tr '\n' ' ' <"$out/$m-process.clauses")}$more" \
			"($vm_rt rt tests ran in the VM)"
	else
		echo "vm-verdicts: model $m: DIFFERENT verdicts: process {$(tr '\n' ' ' \
			<"$out/$m-process.clauses")}, VM {$(tr '\n' ' ' <"$out/$m-vm.clauses")}"
		[ -z "$missing" ] || echo "vm-verdicts:   the VM run missed: $missing"
		[ -z "$unexplained" ] || echo "vm-verdicts:   the VM run added, unexplained:$unexplained"
		status=1
	fi
	# notes: tests whose own verdict moved (skips in the VM left out)
	awk 'NR == FNR { p[$1] = $0; next }
	     $2 != "skip" && ($1 in p) && p[$1] != $0 {
		print "vm-verdicts:   note: process: " p[$1] "; VM: " $0 }' \
		"$out/$m-process.tests" "$out/$m-vm.tests"
done
echo "vm-verdicts: runs kept in $out"
exit $status
