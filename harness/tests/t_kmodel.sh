#!/bin/sh
# The kernel models run the reference series' own code: show that the
# suite sees it. Each series is copied, one line of its code is broken (a
# fault of SPEC section 5), vgpu-sim is built from the copies
# (KMODEL_DIR, mk/kmodel.mk), and the tests of that fault must fail against
# the mutant and pass against the series as it is. A mutation that no
# longer applies (the patch was rewritten) fails too. And the lines the
# patches add inside GVT's own functions, which glue.h
# (harness/vgpu-sim/kmodel) re-does by hand, must still be the patches'
# lines: a patch that moves or changes one fails here until glue.h
# follows. TAP output.
set -u
b=${VRC_BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/vrc-kmodel.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); echo "not ok $n $1"; fail=1; }

echo "TAP version 13"
echo "1..10"

# The glue's contract: "COUNT LINE", LINE as added (indentation aside) in
# patches 2-4; COUNT 7.2: once, in that series only. The vblank call must
# also sit right before the per-pipe vblank: before the frame counters move.
contract='1 intel_vgpu_display_irq_signal(vgpu, display_irq_vblank_planes(vgpu));
3 intel_vgpu_display_plane_updated(vgpu, pipe,
6 cursor_mmio_write);
2 intel_vgpu_display_irq_release(vgpu);
1 hdr.index >= INTEL_GVT_DISPLAY_IRQ_INDEX) {
1 INTEL_GVT_NUM_IRQS, &data_size);
1 return intel_vgpu_get_display_irq_info(&info, arg);
1 func = intel_vgpu_set_display_irq;
7.2 if (!hdr.count && !(hdr.flags & VFIO_IRQ_SET_DATA_NONE))'
for v in 6.1 6.12 7.2; do
	cat "$top/kernel/$v"/000[234]-*.patch | sed -n 's/^+[[:space:]]*//p' >"$tmp/added"
	bad=
	while IFS= read -r row; do
		want=${row%% *}
		line=${row#* }
		if [ "$want" = 7.2 ]; then
			[ "$v" = 7.2 ] || continue
			want=1
		fi
		got=$(grep -cF -- "$line" "$tmp/added")
		if [ "$got" != "$want" ]; then
			echo "# kernel/$v adds '$line' $got times, glue.h assumes $want"
			bad=1
		fi
	done <<EOF
$contract
EOF
	after=$(grep -A2 -F 'intel_vgpu_display_irq_signal(vgpu, display_irq_vblank_planes' \
		"$top/kernel/$v"/0002-*.patch | grep -c '^ .*emulate_vblank_on_pipe(vgpu, pipe);')
	if [ "$after" != 1 ]; then
		echo "# kernel/$v: the vblank call is not right before emulate_vblank_on_pipe()"
		bad=1
	fi
	if [ -z "$bad" ]; then
		ok "kernel/$v adds the hooks glue.h re-does"
	else
		notok "kernel/$v adds the hooks glue.h re-does"
	fi
done

mkdir -p "$tmp/k"
cp -r "$top/kernel/6.1" "$top/kernel/6.12" "$top/kernel/7.2" "$tmp/k/"

# mutate SERIES PATCH PERL-EXPR NAME: rewrite one patch of the copy
mutate() {
	f=$(ls "$tmp/k/$1"/"$2"-*.patch)
	cp "$f" "$tmp/orig"
	perl -0pi -e "$3" "$f"
	if cmp -s "$f" "$tmp/orig"; then
		notok "mutation $4 applies to kernel/$1 # the patch changed: update $0"
	else
		ok "mutation $4 applies to kernel/$1"
	fi
}
# 7.2: a cursor update resets the idle count (v5/v6's EVT-4 fault)
mutate 7.2 0002 's/(\+\t\tif \(updates) & GVT_DISPLAY_UPDATE_PRIMARY\)/$1)/' cursor-resets-idle
# 6.12: every cursor register is pipe A's (the curpipe fault, EVT-3)
mutate 6.12 0003 's/(\+\t\t\treturn) pipe;/$1 PIPE_A;/' cursor-on-pipe-a
# 6.1: close and reset keep the eventfd (v5/v6's IRQ-4 fault)
mutate 6.1 0002 's/\+\tif \(irq->trigger\)\n\+\t\teventfd_ctx_put\(irq->trigger\);\n\+\tirq->trigger = NULL;\n//' release-keeps-trigger

# The mutant vgpu-sim, without the caller's make settings (make asan's
# BUILD and SAN would otherwise reach it through MAKEFLAGS).
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top" BUILD="$tmp/b" \
	KMODEL_DIR="$tmp/k" "$tmp/b/vgpu-sim" >"$tmp/make.log" 2>&1; then
	ok "vgpu-sim built from the mutated series"
else
	sed 's/^/# /' "$tmp/make.log" | tail -30
	notok "vgpu-sim built from the mutated series"
fi

# flags SIM MODEL SUITE: the clauses the run flagged, one line
flags() {
	rm -rf "$tmp/run"
	"$b/vrc" run --backend=sim --vgpu-sim="$1" --model="$2" --suite="$3" \
		--out="$tmp/run" --progress=off >"$tmp/run.log" 2>&1
	sed -n 's/^not ok [0-9]* [^ ]* \[\([^]]*\)\].*/\1/p' "$tmp/run.log" |
		tr ',' '\n' | sort -u | tr '\n' ' '
}

# check MODEL SUITE CLAUSE: the mutant flags CLAUSE, the series flags nothing
check() {
	got=$(flags "$tmp/b/vgpu-sim" "$1" "$2")
	good=$(flags "$b/vgpu-sim" "$1" "$2")
	case " $got" in
	*" $3 "*)
		if [ -z "$good" ]; then
			ok "$1 mutant fails $3, the series passes ($2)"
			return
		fi
		echo "# the series itself was flagged: $good" ;;
	*) echo "# the mutant was flagged on: ${got:-nothing}"
	   sed 's/^/#   /' "$tmp/run.log" | grep -E 'not ok|# ' | head -20 ;;
	esac
	notok "$1 mutant fails $3, the series passes ($2)"
}
check kernel-7.2 'evt-frontbuffer-*' EVT-4
check kernel-6.12 'evt-cursor-pipe-b,tear-cursor-pipe-b' EVT-3
check kernel-6.1 'irq-close-releases,irq-reset-releases' IRQ-4
exit $fail
