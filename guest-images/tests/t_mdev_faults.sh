#!/bin/sh
# The kernel path sees faults: vgpu-mdev's fault models (its fault=
# parameter: dup, leak, no-cursor, warn, torn-offset) in the mdev guest,
# each loaded in turn and run with vrc run --backend=mdev (the virtual-time
# suites; TEAR through real dma-bufs). A fault with a vgpu-sim twin of the
# same name must be flagged on exactly the clauses vrc mutation expects of
# the twin (harness/vrc/mutation.c), less those whose tests all skip on
# this backend (the rt-* tests: no guest); warn must flag no clause and
# turn tests into dmesg-warn/dmesg-fail. Prints the table. TAP; opt-in
# (make mutation-mdev). Environment: VRC_BUILD (default build),
# VRC_MDEV_KERNEL, VRC_ACCEL, VRC_BOOT_TIMEOUT as t_mdev.sh; VRC_MDEV_FAULTS the faults to
# run (default all); VRC_MDEV_OUT a directory to keep each run's KTAP and
# results.json in.
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
faults=${VRC_MDEV_FAULTS:-dup leak no-cursor warn torn-offset}
n=0
fail=0
qemu_pid=
dir=$(mktemp -d /tmp/vrc-mdev-faults.XXXXXX)
cleanup() {
	[ -n "${VRC_MDEV_OUT:-}" ] && mkdir -p "$VRC_MDEV_OUT" &&
		cp "$dir"/*.tap "$dir"/*.json "$VRC_MDEV_OUT/" 2>/dev/null
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n $*"; fail=1; }
qga() { perl "$here/qga.pl" "$dir/qga.sock" "$@"; }

# summary RESULTS.JSON: "FLAGGED RAN DMESG" - the clauses violated by failing
# tests, the clauses of the tests that ran, and how many were dmesg-*
summary() {
	perl -MJSON::PP -e '
		local $/; open my $f, "<", $ARGV[0] or die "$ARGV[0]: $!\n";
		my $r = JSON::PP->new->decode(<$f>);
		my (%flag, %ran, $dm);
		for my $t (@{$r->{tests}}) {
			next if $t->{result} eq "skip";
			$ran{$_} = 1 for @{$t->{clauses}};
			$dm++ if $t->{result} =~ /^dmesg-/;
			next unless $t->{result} =~ /fail|timeout|crash/;
			$flag{$_} = 1 for @{$t->{violated} || []};
		}
		my $s = sub { my %h = @_; join(",", sort keys %h) || "-" };
		print $s->(%flag), " ", $s->(%ran), " ", ($dm // 0), "\n";' "$1"
}
# expected NAME: the twin's clauses from vrc mutation --list-expected, its
# row for the series' ABI (v6 on 6.1, v7 on 6.12) if it has one, else "-"
expected() {
	"$b/vrc" mutation --list-expected 2>/dev/null | awk -v m="$1" -v abi="$abi" '
		$1 == m && $2 == abi { own = $3 } $1 == m && $2 == "-" { any = $3 }
		END { print (own != "" ? own : any) }'
}
# within A B: the clauses of A (comma list) that are in B, sorted
within() {
	echo "$1" | tr , '\n' | while read -r c; do
		case ",$2," in *",$c,"*) echo "$c" ;; esac
	done | sort | paste -sd, - | sed 's/^$/-/'
}

echo "TAP version 13"
echo "1..$(( $(echo $faults | wc -w) + 1 ))"
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

# the series' ABI, as the module's type describes it
abi=$(qga exec 10 /bin/cat /sys/class/mdev_bus/vgpu-mdev/mdev_supported_types/vgpu-mdev-display/description |
	sed -n 's/.*(ABI \(v[0-9]*\)).*/\1/p')
echo "# the module's series: ABI ${abi:-unknown}; the twins' rows of that ABI, else their general ones"
echo "# fault      twin's clauses (ran here)   flagged on mdev   dmesg-*"
for fault in $faults; do
	if ! qga exec 30 /bin/sh -c "rmmod vgpu_mdev && insmod /lib/modules/\$(uname -r)/extra/vgpu-mdev.ko fault=$fault" \
		>"$dir/insmod.txt" 2>&1; then
		not_ok "$fault: vgpu-mdev reloaded with fault=$fault # $(cat "$dir/insmod.txt")"
		continue
	fi
	qga exec 600 /usr/bin/vrc run --backend=mdev --destructive --out="/tmp/$fault" \
		--suite='disc-*,irq-*,evt-*,iso-*,tear-*' --progress=off >"$dir/$fault.tap" 2>&1
	qga exec 20 /bin/cat "/tmp/$fault/results.json" >"$dir/$fault.json" 2>&1
	set -- $(summary "$dir/$fault.json" 2>/dev/null)
	flagged=${1:-?} ran=${2:-} dmesg=${3:-0}
	if [ "$fault" = warn ]; then
		want=-
	else
		want=$(within "$(expected "$fault")" "$ran")
	fi
	printf '# %-10s %-27s %-17s %s\n' "$fault" "$want" "$flagged" "$dmesg"
	# results.json says which module model ran
	grep -q "\"model\":\"vgpu-mdev-display.fault-$fault\"" "$dir/$fault.json" ||
		flagged="$flagged (results.json does not name model vgpu-mdev-display.fault-$fault)"
	if [ "$flagged" = "$want" ] && { [ "$fault" != warn ] || [ "$dmesg" -gt 0 ]; }; then
		ok "$fault: flagged on exactly $flagged$([ "$fault" = warn ] && echo ", $dmesg tests dmesg-*")"
	else
		not_ok "$fault: flagged on $flagged, want $want (dmesg-*: $dmesg)"
		grep -E '^(not ok|# Totals)' "$dir/$fault.tap" | sed 's/^/#   /'
	fi
done
exit $fail
