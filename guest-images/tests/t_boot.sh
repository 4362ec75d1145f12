#!/bin/sh
# Boot the vdisp guest image in QEMU against vgpu-sim (real clock, 60 Hz) and
# check the whole guest path: the kernel binds vdisp to the ivshmem device,
# /dev/dri/card0 appears, qemu-guest-agent answers, vdisp-probe (run through
# the agent) does a modeset, cursor and page flips with events, and the host
# side sees them: vgpu-watch over vfio-user sees the primary plane change and
# cursor signals, and vgpu-sim's control socket reports a healthy ring.
# Prints the boot time. TAP for prove. Environment:
#   VRC_BUILD       build directory (default build)
#   VRC_ACCEL       QEMU accelerators (default kvm:tcg with hardware KVM, else tcg)
#   VRC_BOOT_TIMEOUT  seconds to wait for the guest (default 120)
b=${VRC_BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
img=$b/guest
# KVM only from hardware virtualization: other /dev/kvm providers (kvm_pvm
# on the project VMs) accept the VM but never run a stock guest kernel.
if [ -z "${VRC_ACCEL:-}" ] && [ -w /dev/kvm ] &&
   { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
	VRC_ACCEL=kvm:tcg
fi
accel=${VRC_ACCEL:-tcg}
boot_timeout=${VRC_BOOT_TIMEOUT:-120}
n=0
fail=0
qemu_pid= sim_pid= watch_pid=

dir=$(mktemp -d /tmp/vrc-boot.XXXXXX)
cleanup() {
	for p in $watch_pid $qemu_pid $sim_pid; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n $*"; fail=1; }
console() {	# on stderr: prove shows it even when not verbose
	{
		echo "# --- guest console ($dir/console.log)"
		sed 's/^/#   /' "$dir/console.log" 2>/dev/null | tail -60
		echo "# --- vgpu-sim"
		sed 's/^/#   /' "$dir/sim.log" 2>/dev/null | tail -20
	} >&2
}
bail() { console; echo "Bail out! $*"; exit 1; }
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{ printf "%.2f", $1 - $2 }'; }
ctl() {	# one request on vgpu-sim's control socket
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!\n";
		print $s "$ARGV[1]\n"; alarm 5; my $l = <$s>; print $l // "";' "$dir/run/control" "$1"
}

echo "TAP version 13"
echo "1..8"
for f in "$img/vmlinuz" "$img/initrd.img" "$b/vgpu-sim" "$b/vgpu-watch"; do
	[ -f "$f" ] || { echo "Bail out! $f missing: run make image BUILD=$b"; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "Bail out! qemu-system-x86_64 missing: scripts/install-deps.sh"; exit 1; }

"$b/vgpu-sim" --runtime-dir="$dir/run" --clock=real --hz=60 --die-with-parent -v \
	>"$dir/sim.log" 2>&1 &
sim_pid=$!
i=0
while [ ! -S "$dir/run/vgpu0.ivshmem" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$dir/run/vgpu0.ivshmem" ] || bail "vgpu-sim did not start"

# vmlinux (the decompressed kernel, PVH entry) boots faster than vmlinuz
kernel=$img/vmlinuz
[ -f "$img/vmlinux" ] && kernel=$img/vmlinux
t0=$(now)
qemu-system-x86_64 -nodefaults -machine q35,accel="$accel" -m 512 -smp 2 -display none \
	-kernel "$kernel" -initrd "$img/initrd.img" \
	-append "console=ttyS0 quiet panic=-1" -no-reboot \
	-serial file:"$dir/console.log" \
	-chardev socket,path="$dir/run/vgpu0.ivshmem",id=ivs \
	-device ivshmem-doorbell,chardev=ivs,vectors=1 \
	-device virtio-serial-pci \
	-chardev socket,path="$dir/qga.sock",server=on,wait=off,id=qga \
	-device virtserialport,chardev=qga,name=org.qemu.guest_agent.0 \
	>"$dir/qemu.log" 2>&1 &
qemu_pid=$!

# 1: the ready marker, bounded
while ! grep -q '^vrc-guest: ready' "$dir/console.log" 2>/dev/null; do
	kill -0 "$qemu_pid" 2>/dev/null || { sed 's/^/# qemu: /' "$dir/qemu.log"; bail "QEMU exited before the guest was ready"; }
	[ "$(since "$t0" | cut -d. -f1)" -lt "$boot_timeout" ] || bail "no 'vrc-guest: ready' within ${boot_timeout}s"
	sleep 0.1
done
t_ready=$(since "$t0")
ok "guest ready marker after ${t_ready}s"

# 2: the agent answers
if perl "$here/qga.pl" "$dir/qga.sock" ping 60 2>"$dir/qga.err"; then
	t_agent=$(since "$t0")
	ok "qemu-guest-agent answers"
	echo "# boot to agent ready: ${t_agent}s (accel $accel, ${kernel##*/}; guest: $(sed -n 's/^vrc-guest: ready in \([^ ]*\).*/\1/p' "$dir/console.log" | tr -d '\r'))"
else
	not_ok "qemu-guest-agent answers # $(cat "$dir/qga.err")"
fi

# 3, 4: the driver bound and the DRM node exists
if grep -q 'vdisp.*bound to' "$dir/console.log"; then ok "vdisp bound (dmesg)"; else not_ok "vdisp bound (dmesg)"; fi
if grep -q '^vrc-guest: /dev/dri/card0 present' "$dir/console.log"; then ok "/dev/dri/card0 exists"; else not_ok "/dev/dri/card0 exists"; fi

# 5: modeset, cursor, page flips with events, DIRTYFB, watched from the host
"$b/vgpu-watch" --socket="$dir/run/vgpu0.vfio-user" --seconds=120 >"$dir/watch.out" 2>"$dir/watch.err" &
watch_pid=$!
i=0
while ! grep -q registered "$dir/watch.err" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if perl "$here/qga.pl" "$dir/qga.sock" exec 60 /usr/bin/vdisp-probe --flips=60 >"$dir/probe.out" 2>&1; then
	ok "vdisp-probe in the guest: modeset, cursor, 60 page flips with events"
	sed 's/^/# /' "$dir/probe.out"
else
	not_ok "vdisp-probe in the guest: modeset, cursor, 60 page flips with events"
	sed 's/^/# /' "$dir/probe.out" >&2
fi

# 6: the device saw the flips and the cursor
kill -TERM "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null
watch_pid=
w=$(cat "$dir/watch.out")
echo "# $w"
changes=$(echo "$w" | sed -n 's/.*plane_changes=\([0-9]*\).*/\1/p')
cursor=$(echo "$w" | sed -n 's/.* cursor=\([0-9]*\).*/\1/p')
if [ "${changes:-0}" -ge 30 ] && [ "${cursor:-0}" -ge 1 ] && echo "$w" | grep -q 'plane=1024x768'; then
	ok "vgpu-sim latched the guest's flips (plane changes >= 30, 1024x768, cursor signals)"
else
	not_ok "vgpu-sim latched the guest's flips # $(cat "$dir/watch.err")"
fi

# 7: vgpu-sim's own account: the guest attached, vblanks ran, the ring is sane
info=$(ctl "info 0")
echo "# vgpu-sim: $info"
case $info in
"ok "*" guest=1 "*) if echo "$info" | grep -q ' ring_errors=0 ' && ! echo "$info" | grep -q 'frmcount=0 '; then
		ok "vgpu-sim: guest attached, pipe A counting, no ring errors"
	else not_ok "vgpu-sim: guest attached, pipe A counting, no ring errors"; fi ;;
*) not_ok "vgpu-sim: guest attached, pipe A counting, no ring errors" ;;
esac

# 8: the guest reads the same hardware frame counter as the host
fc=$(perl "$here/qga.pl" "$dir/qga.sock" exec 10 /bin/cat /sys/class/drm/card0/device/frame_counter 2>&1)
hw=$(ctl "info 0" | sed -n 's/.*frmcount=\([0-9]*\).*/\1/p')
isnum() { case $1 in ''|*[!0-9]*) return 1 ;; esac; }
if isnum "$fc" && isnum "$hw" && [ "$fc" -gt 0 ] && [ "$fc" -le "$hw" ] && [ $((hw - fc)) -lt 600 ]; then
	ok "sysfs frame_counter follows PIPE_FRMCOUNT (guest $fc, host $hw)"
else
	not_ok "sysfs frame_counter follows PIPE_FRMCOUNT (guest '$fc', host '$hw')"
fi

[ "$fail" = 0 ] || console
exit $fail
