#!/bin/sh
# The guest's checks of the mdev path can fail: vgpu-mdev.ko is built from
# copies of its kernel's reference series with one fault each
# (mkimage.sh --series), booted with t_mdev.sh, and exactly the checks of
# that fault must fail (mutants written for 6.1's v6 and 6.12's v7 series), in vrc-mdev-probe and in vrc run --backend=mdev:
# every expected failure seen, no other. TAP; opt-in
# (make check-mdev-mutants). Environment: VRC_BUILD (default build), and
# what t_mdev.sh reads.
set -u
b=${VRC_BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/vrc-mdev-mut.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n $*"; fail=1; }

# the kernel whose series is mutated (VRC_MDEV_KERNEL)
kver=${VRC_MDEV_KERNEL:-6.1}
export VRC_MDEV_KERNEL=$kver
rel=$(cat "$b/guest-mdev-$kver/kernel-release" 2>/dev/null) ||
	{ echo "Bail out! $b/guest-mdev-$kver missing: run make image-mdev BUILD=$b"; exit 1; }
kmm=$(echo "$rel" | sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p')
[ -d "$top/kernel/$kmm" ] || { echo "Bail out! no kernel/$kmm for $rel"; exit 1; }

# NAME#PATCH#PERL SUBSTITUTION#EXPECTED FAILURES (substrings, ';'-separated),
# per series: each is written against its text
mutants_6_1="mask-ignored#0002#s/ \|\| irq->masked\)/)/#masked, a flip;vrc: irq-mask-unmask [IRQ-2];vrc: irq-mask-bool [IRQ-2];vrc: irq-unmask-next-vblank [IRQ-2,EVT-2];vrc: irq-set-states;vrc: irq-set-product [IRQ-1,IRQ-2,IRQ-3]
release-keeps#0002#s/(irq_release\(struct intel_vgpu \*vgpu\)\n\+\{.*?)\+\tif \(irq->trigger\)\n\+\t\teventfd_ctx_put\(irq->trigger\);\n\+\tirq->trigger = NULL;\n/\$1/s#after a reset, a flip;vrc: irq-close-releases [IRQ-4];vrc: irq-reset-releases [IRQ-4];vrc: irq-set-states
cursor-warns#0003#s/plane_updated\(vgpu, pipe,\n(\+[\t ]+)GVT_DISPLAY_UPDATE_CURSOR/plane_updated(vgpu, pipe + I915_MAX_PIPES,\n\$1GVT_DISPLAY_UPDATE_CURSOR/#the cursor move is signalled;guest dmesg;vrc: evt-cursor-move [EVT-3] # dmesg-fail;# dmesg-"

# v7: the two sub-irqs swapped (each plane's update signals the other's
# eventfd: the tear-* tests see no signal of their plane to judge at), and
# a release whose loop over the eventfds never runs
mutants_6_12="planes-swapped#0002#s/if \(\(planes & BIT\(i\)\) && irq->trigger\[i\]\)/if ((planes & BIT(GVT_DISPLAY_NR_PLANES - 1 - i)) && irq->trigger[i])/#the flip is signalled as one primary update;the cursor move is signalled as one cursor update;vrc: evt-flip-every-vblank [EVT-1,EVT-2];vrc: evt-flip-burst [EVT-1,EVT-2];vrc: evt-idle-bound [EVT-1,EVT-2];vrc: evt-flip-pattern [EVT-2];vrc: evt-cursor-move [EVT-3];vrc: evt-cursor-pattern [EVT-3];vrc: evt-cursor-curpos-only [EVT-3];vrc: evt-frontbuffer-draw [EVT-4];vrc: evt-values-decode [EVT-2,EVT-3,EVT-5];vrc: evt-async-flip [EVT-1,EVT-2];vrc: evt-flip-pattern-pipe-b [EVT-2];vrc: evt-primary-values [EVT-1,EVT-2];vrc: evt-cursor-positions [EVT-1,EVT-3];vrc: evt-cursor-control [EVT-1,EVT-3];vrc: irq-set-product [IRQ-1,IRQ-2,IRQ-3];vrc: evt-planes-off-on [EVT-1,EVT-2,EVT-3];vrc: evt-pipe-b-off-on [EVT-1,EVT-2];vrc: iso-heuristic-independent [ISO-1];vrc: iso-updates-independent [ISO-1];vrc: iso-masks-independent [ISO-1];vrc: tear-flip-pattern [TEAR-1];vrc: tear-slow-render [TEAR-1];vrc: tear-slow-render-pipe-b [TEAR-1];vrc: tear-torn-rate [TEAR-1];vrc: tear-cursor-pattern [TEAR-2];vrc: tear-cursor-pipe-b [TEAR-2]
release-keeps#0002#s/(irq_release\(struct intel_vgpu \*vgpu\)\n\+\{.*?\+\tfor \(i = )0(; i < GVT_DISPLAY_NR_PLANES)/\$1GVT_DISPLAY_NR_PLANES\$2/s#after a reset, a flip;vrc: irq-close-releases [IRQ-4];vrc: irq-reset-releases [IRQ-4];vrc: irq-set-states"
case $kmm in
6.1) mutants=$mutants_6_1 ;;
6.12) mutants=$mutants_6_12 ;;
*) echo "Bail out! no mutants written for kernel/$kmm"; exit 1 ;;
esac

echo "TAP version 13"
echo "1..$(printf '%s\n' "$mutants" | wc -l)"
printf '%s\n' "$mutants" > "$tmp/list"
while IFS='#' read -r name patch subst expect; do
	m=$tmp/$name/$kmm
	mkdir -p "$m" && cp "$top/kernel/$kmm/"*.patch "$m/"
	p=$(ls "$m/$patch"-*.patch)
	cp "$p" "$tmp/orig"
	perl -0pi -e "$subst" "$p"
	if cmp -s "$p" "$tmp/orig"; then
		not_ok "$name: the mutation no longer applies to kernel/$kmm/$patch-*.patch"
		continue
	fi
	mkdir -p "$tmp/$name/build"
	if ! "$top/guest-images/mkimage.sh" --build="$b" --flavour=mdev --series="$m" \
		--kernel="$(cat "$b/guest-mdev-$kver/kernel-suite" 2>/dev/null || echo host)" \
		--out="$tmp/$name/build/guest-mdev-$kver" >"$tmp/$name/mkimage.log" 2>&1; then
		sed 's/^/# /' "$tmp/$name/mkimage.log"
		not_ok "$name: vgpu-mdev.ko builds from the mutant"
		continue
	fi
	VRC_BUILD=$tmp/$name/build sh "$here/t_mdev.sh" >"$tmp/$name/tap" 2>&1
	# the failures: the probe's checks ("#   not ok"), vrc's tests ("# vrc:
	# not ok", with their clauses) and t_mdev's own but 3 and 5, which only
	# sum up the probe and vrc
	# (the suite's second run, with the module's clock stepped, must flag
	# the same tests: its lines count as vrc's)
	sed -n 's/^#   not ok [0-9]* - //p; s/^# vrc: not ok [0-9]* /vrc: /p;
		s/^# vrc stepped: not ok [0-9]* /vrc: /p; s/^not ok [0-9]* //p' \
		"$tmp/$name/tap" | grep -v '^vrc-mdev-probe in the guest' |
		grep -v '^vrc run --backend=mdev in the guest' |
		grep -v '^vrc run --backend=mdev, clock stepped' > "$tmp/$name/failed"
	bad=
	set -f	# the expectations hold [brackets]: never globs
	for e in $(echo "$expect" | tr ' ;' '_ '); do
		e=$(echo "$e" | tr _ ' ')
		grep -qF "$e" "$tmp/$name/failed" || bad="$bad; not flagged: $e"
	done
	while read -r f; do
		hit=
		for e in $(echo "$expect" | tr ' ;' '_ '); do
			case $f in *"$(echo "$e" | tr _ ' ')"*) hit=1 ;; esac
		done
		[ -n "$hit" ] || bad="$bad; also failed: $f"
	done < "$tmp/$name/failed"
	set +f
	if [ -z "$bad" ]; then
		ok "$name: flagged on exactly: $expect"
	else
		not_ok "$name: ${bad#; }"
		sed 's/^/# /' "$tmp/$name/tap"
	fi
done < "$tmp/list"
exit $fail
