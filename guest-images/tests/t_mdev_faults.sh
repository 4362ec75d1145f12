#!/bin/sh
# The kernel path sees faults: vgpu-mdev's fault models (its fault=
# parameter) in the mdev guest, each loaded in turn and run with vrc run
# --backend=mdev. Each fault has a vgpu-sim twin (the table below), run
# here on the host on the same virtual-time suites: per clause, the
# verdict on mdev must be the twin's, over the tests that ran on mdev
# (rt-* skip there: no guest; TEAR runs through real dma-bufs, the
# harness filling BAR2). One table per
# kernel, fault x clause, the twin's verdict beside mdev's; a fault
# fails on any clause where they differ, or when its dmesg expectation
# does not hold (warn: the series WARNs, so tests must turn dmesg-*).
# The module runs with its clock stepped by vrc (clock=stepped): the
# verdicts in virtual time, as its twin's, and a few seconds a fault
# (t_mdev.sh runs the real 60 Hz clock).
# The kernel selftest of the irq (vfio_display_irq_test) runs with each
# fault of its table below too, on an mdev of its own: it must fail (exit
# 1) on exactly the clauses named there, by its tests' names (irq_3_4_...
# is IRQ-3); on a v6 series (6.1) it must skip as a whole (exit 4), while
# the native build (v7 on every kernel) must fail there too. TAP; opt-in (make mutation-mdev). Environment: VRC_BUILD (default
# build; needs vrc and vgpu-sim), VRC_MDEV_KERNEL, VRC_ACCEL,
# VRC_BOOT_TIMEOUT as t_mdev.sh; VRC_MDEV_FAULTS the faults to run
# (default all of the table); VRC_MDEV_OUT a directory to keep each run's
# KTAP and results.json in (the twin's as twin-FAULT.*, the selftest's as
# kselftest-FAULT.ktap).
set -u
b=${VRC_BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
kver=${VRC_MDEV_KERNEL:-6.1}
img=$b/guest-mdev-$kver
if [ -z "${VRC_ACCEL:-}" ] && [ -w /dev/kvm ] &&
   { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
	VRC_ACCEL=kvm:tcg
fi
accel=${VRC_ACCEL:-tcg}
boot_timeout=${VRC_BOOT_TIMEOUT:-120}
# FAULT TWIN DMESG: one row a fault model of the module. TWIN is the
# vgpu-sim model of the same fault (run at the series' ABI); @series is the
# series' own clean model, kernel-VER (a fault the conformance clauses do
# not see). DMESG: any, or some (at least one test dmesg-warn/-fail).
# native-FAULT: the fault in the module's native build (vgpu-mdev-native.ko,
# its own v7 irq, no series code), its twin run at v7 whatever the kernel;
# there the clean twin of warn is ref.
twins='dup dup any
leak leak any
no-cursor no-cursor any
torn-offset torn-offset any
warn @series some
native-dup dup any
native-leak leak any
native-no-cursor no-cursor any
native-torn-offset torn-offset any
native-warn ref some'
faults=${VRC_MDEV_FAULTS:-$(echo "$twins" | cut -d' ' -f1 | tr '\n' ' ')}
# FAULT CLAUSES: the clauses the kernel selftest must fail on, and no other
# (run after vrc's run, on the module loaded again with the fault)
kst_faults='leak IRQ-3
dup EVT-1
native-leak IRQ-3
native-dup EVT-1'
nkst=0
for fault in $faults; do
	echo "$kst_faults" | grep -q "^$fault " && nkst=$((nkst + 1))
done
n=0
fail=0
qemu_pid=
dir=$(mktemp -d /tmp/vrc-mdev-faults.XXXXXX)
cleanup() {
	[ -n "${VRC_MDEV_OUT:-}" ] && mkdir -p "$VRC_MDEV_OUT" &&
		cp "$dir"/*.tap "$dir"/*.json "$dir"/*.ktap "$VRC_MDEV_OUT/" 2>/dev/null
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n $*"; fail=1; }
qga() { perl "$here/qga.pl" "$dir/qga.sock" "$@"; }
. "$here/mdev_kselftest.sh"

# load KO PARAM: the module build KO in place of the loaded one, with
# fault=PARAM and the stepped clock; its output in $dir/insmod.txt
load() {
	qga exec 30 /bin/sh -c "rmmod vgpu_mdev && insmod /lib/modules/\$(uname -r)/extra/$1 fault=$2 clock=stepped" \
		>"$dir/insmod.txt" 2>&1
}

# kselftest FAULT CLAUSES KO PARAM ABI: the kernel selftest on an mdev made
# for it, with the module build KO loaded with fault=PARAM; a TAP line: it
# fails (exit 1) on exactly CLAUSES (comma list), read from its failing
# tests' names, or on a v6 device (ABI) it skips as a whole
kselftest() {
	# a fresh module: leak keeps what it leaked (16 eventfds at most) until
	# unload, and vrc's run has filled that already
	load "$3" "$4" ||
		echo "# $1: vgpu-mdev not reloaded for the selftest: $(cat "$dir/insmod.txt")"
	guest_kselftest "$dir/kselftest-$1.ktap" 300
	krc=$?
	kfailed=$(sed -n 's/^not ok [0-9]* [a-z_.]*\.\([a-z]*\)_\([0-9]*\)_[a-z0-9_]*$/\1-\2/p' \
		"$dir/kselftest-$1.ktap" | tr 'a-z' 'A-Z' | sort -u | paste -sd, -)
	ktot=$(sed -n 's/^# Totals: //p' "$dir/kselftest-$1.ktap")
	# the v7 uAPI's test: on the v6 series it skips as a whole, saying why
	# (the native build is v7 on every kernel)
	if [ "$5" = v6 ]; then
		if [ "$krc" = 4 ] && grep -q '^1\.\.0 # SKIP .*v6 display irq' "$dir/kselftest-$1.ktap"; then
			ok "$1: the kernel selftest # SKIP $(sed -n 's/^1\.\.0 # SKIP //p' "$dir/kselftest-$1.ktap")"
		else
			not_ok "$1: the kernel selftest exits $krc on a v6 series, want 4 (skipped, saying v6)"
		fi
	elif [ "$krc" = 1 ] && [ "$kfailed" = "$2" ]; then
		ok "$1: the kernel selftest fails on $2: $ktot"
	else
		not_ok "$1: the kernel selftest exits $krc failing on ${kfailed:-nothing}, want 1 failing on $2 (${ktot:-no totals})"
	fi
	grep '^not ok' "$dir/kselftest-$1.ktap" | sed "s/^/#   kselftest $1: /"
}

# verdicts MDEV.JSON TWIN.JSON: "RAN MDEV TWIN DMESG" - the clauses of the
# tests that ran on mdev; those violated by failing tests there; those
# violated by the twin's failing tests among the same tests (by name); and
# how many tests were dmesg-* on mdev. Comma lists, "-" for none.
verdicts() {
	perl -MJSON::PP -e '
		sub tests {
			local $/; open my $f, "<", $_[0] or die "$_[0]: $!\n";
			my $r = JSON::PP->new->decode(<$f>);
			ref $r->{tests} eq "ARRAY" or die "$_[0]: no tests\n";
			return @{$r->{tests}};
		}
		sub failed { $_[0]->{result} =~ /fail|timeout|crash/ }
		my (%ran, %name, %mdev, %twin, $dm);
		for my $t (tests($ARGV[0])) {
			next if $t->{result} eq "skip";
			$name{$t->{name}} = 1;
			$ran{$_} = 1 for @{$t->{clauses}};
			$dm++ if $t->{result} =~ /^dmesg-/;
			next unless failed($t);
			$mdev{$_} = 1 for @{$t->{violated} || []};
		}
		for my $t (tests($ARGV[1])) {
			next unless $name{$t->{name}} && failed($t);
			$twin{$_} = 1 for @{$t->{violated} || []};
		}
		my $s = sub { my %h = @_; join(",", sort keys %h) || "-" };
		print join(" ", $s->(%ran), $s->(%mdev), $s->(%twin), $dm // 0), "\n";' "$1" "$2"
}
# has LIST CLAUSE: whether the comma list names the clause
has() { case ",$1," in *",$2,"*) return 0 ;; esac; return 1; }
# cell FLAGGED-TWIN FLAGGED-MDEV RAN CLAUSE: "twin|mdev", x flagged, .
# clean, - did not run on mdev; a trailing ! when they differ
cell() {
	has "$3" "$4" || { echo "-"; return; }
	t=.; m=.
	has "$1" "$4" && t=x
	has "$2" "$4" && m=x
	if [ $t = $m ]; then echo "$t|$m"; else echo "$t|$m!"; fi
}

echo "TAP version 13"
echo "1..$(( $(echo $faults | wc -w) + nkst + 1 ))"
for f in "$img/vmlinuz" "$img/initrd.img" "$b/vrc"; do
	[ -f "$f" ] || { echo "Bail out! $f missing: run make image-mdev BUILD=$b MDEV_KERNELS=$kver"; exit 1; }
done
case $(cat "$img/kernel-release") in
"$kver".*) ;;
*) echo "Bail out! $img holds kernel $(cat "$img/kernel-release"), not $kver"; exit 1 ;;
esac
echo "# kernel $kver: $(cat "$img/kernel-release") from $(cat "$img/kernel-suite" 2>/dev/null || echo '?')"
kernel=$img/vmlinuz
[ -f "$img/vmlinux" ] && kernel=$img/vmlinux
qemu-system-x86_64 -nodefaults -machine q35,accel="$accel" -m 512 -smp 2 -display none \
	-kernel "$kernel" -initrd "$img/initrd.img" \
	-append "console=ttyS0 quiet panic=-1" -no-reboot \
	-serial file:"$dir/console.log" \
	-device virtio-serial-pci \
	-chardev socket,path="$dir/qga.sock",server=on,wait=off,id=qga \
	-device virtserialport,chardev=qga,name=org.qemu.guest_agent.0 \
	>"$dir/qemu.log" 2>&1 &
qemu_pid=$!
if qga ping "$boot_timeout" 2>"$dir/qga.err"; then
	ok "the mdev guest answers (kernel $(qga exec 10 /bin/uname -r))"
else
	echo "Bail out! the guest does not answer: $(cat "$dir/qga.err")"
	exit 1
fi

# the series and its ABI, as the module's type describes it
desc=$(qga exec 10 /bin/cat /sys/class/mdev_bus/vgpu-mdev/mdev_supported_types/vgpu-mdev-display/description)
abi=$(echo "$desc" | sed -n 's/.*(ABI \(v[0-9]*\)).*/\1/p')
series=$(echo "$desc" | sed -n 's/.*reference series for \([0-9][0-9.]*\) .*/\1/p')
echo "# the module: reference series ${series:-unknown}, ABI ${abi:-unknown}; each twin runs on vgpu-sim at that ABI"
rows=
for fault in $faults; do
	row=$(echo "$twins" | awk -v f="$fault" '$1 == f')
	if [ -z "$row" ]; then
		not_ok "$fault: no vgpu-sim twin for it in t_mdev_faults.sh's table"
		continue
	fi
	set -- $row
	twin=$2 want_dmesg=$3
	[ "$twin" = @series ] && twin=kernel-$series
	ko=vgpu-mdev.ko param=$fault twin_abi=$abi
	case $fault in
	native-*) ko=vgpu-mdev-native.ko param=${fault#native-} twin_abi=v7 ;;
	esac
	if ! load "$ko" "$param"; then
		not_ok "$fault: $ko loaded with fault=$param # $(cat "$dir/insmod.txt")"
		continue
	fi
	qga exec 600 /usr/bin/vrc run --backend=mdev --destructive --out="/tmp/$fault" \
		--suite='disc-*,irq-*,evt-*,iso-*,tear-*' --progress=off >"$dir/$fault.tap" 2>&1
	kclauses=$(echo "$kst_faults" | awk -v f="$fault" '$1 == f { print $2 }')
	[ -n "$kclauses" ] && kselftest "$fault" "$kclauses" "$ko" "$param" "$twin_abi"
	qga exec 20 /bin/cat "/tmp/$fault/results.json" >"$dir/$fault.json" 2>&1
	# the twin on the host, virtual-time tests only ([a-z]: not rt-* by clause)
	"$b/vrc" run --model="$twin" --abi="$twin_abi" --out="$dir/twin-$fault" \
		--suite='disc-[a-z]*,irq-[a-z]*,evt-[a-z]*,iso-[a-z]*,tear-[a-z]*' --progress=off \
		>"$dir/twin-$fault.tap" 2>&1
	cp "$dir/twin-$fault/results.json" "$dir/twin-$fault.json" 2>/dev/null
	if ! v=$(verdicts "$dir/$fault.json" "$dir/twin-$fault.json" 2>"$dir/verdicts.err"); then
		not_ok "$fault: no verdicts to compare: $(head -1 "$dir/verdicts.err")"
		grep -E '^(not ok|# Totals)' "$dir/$fault.tap" "$dir/twin-$fault.tap" | sed 's/^/#   /'
		continue
	fi
	set -- $v
	ran=$1 mdev=$2 flagged_twin=$3 dmesg=$4
	rows="$rows$fault $twin $ran $mdev $flagged_twin $dmesg
"
	why=
	[ "$mdev" = "$flagged_twin" ] || why="the twin flags ${flagged_twin}, mdev $mdev"
	[ "$want_dmesg" = some ] && [ "$dmesg" -eq 0 ] && why="${why:+$why; }no test turned dmesg-*"
	# results.json says which module model ran
	grep -q "\"model\":\"vgpu-mdev-display.fault-$param.clock-stepped\"" "$dir/$fault.json" ||
		why="${why:+$why; }results.json does not name model vgpu-mdev-display.fault-$param.clock-stepped"
	if [ -z "$why" ]; then
		ok "$fault: as its twin $twin per clause: flagged on $mdev ($dmesg tests dmesg-*)"
	else
		not_ok "$fault: $why"
		grep -E '^(not ok|# Totals)' "$dir/$fault.tap" | sed 's/^/#   mdev: /'
		grep -E '^(not ok|# Totals)' "$dir/twin-$fault.tap" | sed "s/^/#   $twin: /"
	fi
done

# the table: fault x clause, the twin's verdict | mdev's, over every clause
# that ran on mdev for some fault
clauses=$(printf '%s' "$rows" | awk '{ print $3 }' | tr , '\n' | grep -v '^-$' | sort -u |
	sed 's/^DISC/1 &/; s/^IRQ/2 &/; s/^EVT/3 &/; s/^ISO/4 &/; s/^TEAR/5 &/; /^[0-9] /!s/^/9 /' |
	sort -k1,1n -k2,2V | cut -d' ' -f2 | tr '\n' ' ')	# in docs/spec.md's order
echo "# kernel $(cat "$img/kernel-release"), series ${series:-?} ($abi): verdict per clause, vgpu-sim twin | mdev"
echo "# (x flagged, . clean, - no test of it ran on mdev, ! they differ)"
line=$(printf '%-18s %-11s' fault twin)
for c in $clauses; do line="$line $(printf '%-6s' "$c")"; done
echo "# $line dmesg-*"
printf '%s' "$rows" | while read -r fault twin ran mdev flagged_twin dmesg; do
	line=$(printf '%-18s %-11s' "$fault" "$twin")
	for c in $clauses; do
		line="$line $(printf '%-6s' "$(cell "$flagged_twin" "$mdev" "$ran" "$c")")"
	done
	echo "# $line $dmesg"
done
exit $fail
