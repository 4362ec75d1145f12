#!/bin/sh
# vrc-wl's kms backend where it is meant to run: in the vdisp guest image,
# booted in QEMU against a real-clock vgpu-sim. Runs the workloads through
# qemu-guest-agent, fetches each timeline and parses it on the host with
# `vrc-wl --inspect` (libvrc's parser), checking what a broken kms backend
# would get wrong. TAP for prove. Environment as guest-images/tests/t_boot.sh
# (VRC_BUILD, VRC_ACCEL, VRC_BOOT_TIMEOUT).
b=${VRC_BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
qga_pl=$here/../../tests/qga.pl
img=$b/guest
accel=${VRC_ACCEL:-tcg}
boot_timeout=${VRC_BOOT_TIMEOUT:-120}
n=0
fail=0
qemu_pid= sim_pid=

echo "TAP version 13"
for f in "$img/vmlinuz" "$img/initrd.img" "$b/vgpu-sim" "$b/vrc-wl" "$qga_pl"; do
	[ -f "$f" ] || { echo "1..0 # SKIP $f missing (make image BUILD=$b)"; exit 0; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "1..0 # SKIP qemu-system-x86_64 missing"; exit 0; }

dir=$(mktemp -d /tmp/vrc-wl-vm.XXXXXX)
cleanup() {
	for p in $qemu_pid $sim_pid; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n $*"; fail=1; }
bail() {
	sed 's/^/#   /' "$dir/console.log" 2>/dev/null | tail -40
	echo "Bail out! $*"
	exit 1
}
qga() { perl "$qga_pl" "$dir/qga.sock" "$@"; }
# field NAME LINE: the value of NAME=... in an --inspect line
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

echo "1..6"
"$b/vgpu-sim" --runtime-dir="$dir/run" --clock=real --hz=60 --die-with-parent \
	>"$dir/sim.log" 2>&1 &
sim_pid=$!
i=0
while [ ! -S "$dir/run/vgpu0.ivshmem" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$dir/run/vgpu0.ivshmem" ] || bail "vgpu-sim did not start"

kernel=$img/vmlinuz
[ -f "$img/vmlinux" ] && kernel=$img/vmlinux
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
t=0
while ! grep -q '^vrc-guest: ready' "$dir/console.log" 2>/dev/null; do
	kill -0 "$qemu_pid" 2>/dev/null || bail "QEMU exited before the guest was ready"
	[ $t -lt $((boot_timeout * 10)) ] || bail "no 'vrc-guest: ready' within ${boot_timeout}s"
	sleep 0.1
	t=$((t + 1))
done
qga ping 60 2>"$dir/qga.err" || bail "qemu-guest-agent does not answer: $(cat "$dir/qga.err")"
qga exec 10 /bin/sh -c 'test -x /usr/bin/vrc-wl' ||
	{ echo "# the image has no /usr/bin/vrc-wl: rebuild it (make image BUILD=$b)"; bail "no vrc-wl in the image"; }

# 1: the device the kms backend would use
out=$(qga exec 30 /usr/bin/vrc-wl --list-devices 2>&1)
echo "$out" | sed 's/^/# /'
if echo "$out" | grep -q 'driver vdisp, KMS' && echo "$out" | grep -q 'connected, mode'; then
	ok "--list-devices: vdisp with a connected connector"
else
	not_ok "--list-devices: vdisp with a connected connector"
fi

# run NAME ARGS...: the workload in the guest, its timeline inspected on the host
run() {
	name=$1; shift
	if ! qga exec 180 /usr/bin/vrc-wl "$@" --timeline=/tmp/t.json >"$dir/$name.out" 2>&1; then
		sed 's/^/# guest: /' "$dir/$name.out"
		return 1
	fi
	sed 's/^/# guest: /' "$dir/$name.out"
	qga exec 30 /bin/cat /tmp/t.json >"$dir/$name.json" 2>"$dir/$name.err" || return 1
	line=$("$b/vrc-wl" --inspect="$dir/$name.json" 2>&1) || { echo "# $line"; return 1; }
	echo "# host: $line"
}

# 2: page flips with events; vdisp exposes frame_counter, so the offset is exact
if run flip flip --vblanks=30 && [ "$(field backend "$line")" = kms ] &&
   [ "$(field offset "$line")" != unknown ] && [ "$(field flips "$line")" -ge 5 ]; then
	ok "flip: page-flip events recorded, hw offset exact ($(field offset "$line"))"
else
	not_ok "flip: page-flip events recorded, hw offset exact"
fi

# 3: the pattern: every latched flip on a vblank the pattern picks, or late
if run pattern flip --pattern --seed=9 --vblanks=40 && [ "$(field flips "$line")" -ge 3 ]; then
	ok "flip --pattern: $(field flips "$line") flips, $(field delayed "$line") latched later than the next vblank"
else
	not_ok "flip --pattern"
fi

# 4: cursor moves, image and hotspot changes through the legacy cursor ioctls
if run cursor cursor --vblanks=24 --image-every=3 --hotspot-every=4 &&
   [ "$(field cursor "$line")" -ge 8 ] && [ "$(field image "$line")" -ge 1 ] &&
   [ "$(field hotspot "$line")" -ge 1 ] && [ "$(field skipped "$line")" = 0 ]; then
	ok "cursor: moves, image and hotspot changes"
else
	not_ok "cursor: moves, image and hotspot changes"
fi

# 5: front-buffer drawing with DIRTYFB while the cursor moves
if run draw draw --with-cursor --vblanks=20 && [ "$(field draws "$line")" -ge 4 ] &&
   [ "$(field flips "$line")" = 0 ] && [ "$(field cursor "$line")" = "$(field draws "$line")" ]; then
	ok "draw --with-cursor: strokes and cursor moves, no flips"
else
	not_ok "draw --with-cursor: strokes and cursor moves, no flips"
fi

# 6: async flips only where DRM_CAP_ASYNC_PAGE_FLIP says so, else recorded as skipped
if run async flip --async --vblanks=10; then
	case $(field skipped "$line") in
	*async*) ok "flip --async: not offered, recorded as skipped" ;;
	*) if [ "$(field async "$line")" -ge 1 ]; then ok "flip --async: async flips"
	   else not_ok "flip --async: neither async flips nor a skip"; fi ;;
	esac
else
	not_ok "flip --async"
fi

exit $fail
