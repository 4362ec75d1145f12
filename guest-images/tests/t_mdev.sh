#!/bin/sh
# Boot the mdev guest image (guest-images/mkimage.sh --flavour=mdev: Debian's
# kernel as a VFIO host with vfio, vfio_iommu_type1, mdev and vgpu-mdev.ko,
# which runs the reference series of that kernel) under QEMU and run
# vrc-mdev-probe in it through qemu-guest-agent: libvrc's kernel-VFIO client
# creates an mdev, opens it through its group and a type1v2 container, finds
# the display irq, and sees flips and cursor moves written through BAR0
# signalled at the next vblank, silence when masked, unregistered or reset,
# and the primary and cursor planes captured through real dma-bufs. The
# kernel selftest of the irq (kernel/selftests/vfio/vfio_display_irq_test,
# KTAP) runs on an mdev of its own (its destructive test too: the guest is
# disposable), with the real clock and with the
# stepped one: it passes (exit 0), or on a v6 series (6.1) skips as a whole
# (exit 4) saying so. Then
# vrc itself runs the suite there (vrc run --backend=mdev --destructive:
# DISC, IRQ, EVT, ISO on the device, and TEAR with the harness filling the
# planes' memory through BAR2 and capturing real dma-bufs, judged with the
# guest kernel's dmesg; rt-* skip), again with the clock stepped, and
# with the module's native build (vgpu-mdev-native.ko, no series code:
# issue 24's samples/vfio-mdev form), the guest kernel's log must be free of
# WARN/BUG and the module must unload. Prints what ran where and the wall times. TAP for prove; opt-in
# (make check-mdev), not part of make test. Environment:
#   VRC_BUILD         build directory (default build)
#   VRC_MDEV_KERNEL   the kernel's MAJOR.MINOR: boots VRC_BUILD/guest-mdev-VER
#                     (default 6.1; make check-mdev runs each of MDEV_KERNELS)
#   VRC_ACCEL         QEMU accelerators (default kvm:tcg with hardware KVM, else tcg)
#   VRC_BOOT_TIMEOUT  seconds to wait for the guest (default 120)
#   VRC_MDEV_OUT      a directory to keep the probe's TAP, vrc's KTAP and
#                     results.json, the selftest's KTAP (kselftest*.ktap),
#                     the guest's dmesg and console in
#                     (default: not kept)
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
n=0
fail=0
qemu_pid=

dir=$(mktemp -d /tmp/vrc-mdev.XXXXXX)
keep() {	# copy the evidence out before the directory goes
	[ -n "${VRC_MDEV_OUT:-}" ] || return 0
	mkdir -p "$VRC_MDEV_OUT" && cp "$dir"/*.log "$dir"/*.tap "$dir"/*.txt "$dir"/*.json \
		"$dir"/*.ktap "$VRC_MDEV_OUT/" 2>/dev/null
}
cleanup() {
	keep
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n $*"; fail=1; }
console() {
	{
		echo "# --- guest console ($dir/console.log)"
		sed 's/^/#   /' "$dir/console.log" 2>/dev/null | tail -60
	} >&2
}
bail() { console; echo "Bail out! $*"; exit 1; }
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{ printf "%.2f", $1 - $2 }'; }
qga() { perl "$here/qga.pl" "$dir/qga.sock" "$@"; }
. "$here/mdev_kselftest.sh"

# guest_vrc [NAME]: vrc run --backend=mdev in the guest, its KTAP in
# $dir/vrc[-NAME].tap and results in $dir/results[-NAME].json, the summary
# lines shown; sets vrc_rc, vtot (its Totals), vt_pass, vt_skip and vt_s
# (the seconds it took)
guest_vrc() {
	sfx=${1:+-$1}
	tv=$(now)
	qga exec 600 /usr/bin/vrc run --backend=mdev --destructive --out="/tmp/vrc-mdev$sfx" \
		--progress=off >"$dir/vrc$sfx.tap" 2>&1
	vrc_rc=$?
	vt_s=$(since "$tv")
	qga exec 20 /bin/cat "/tmp/vrc-mdev$sfx/results.json" >"$dir/results$sfx.json" 2>&1
	grep -E '^(# (vrc|mdev|Totals)|not ok)' "$dir/vrc$sfx.tap" | sed "s/^/# vrc${1:+ $1}: /"
	vtot=$(sed -n 's/^# Totals: //p' "$dir/vrc$sfx.tap")
	vt_pass=$(echo "$vtot" | sed -n 's/.*pass:\([0-9]*\).*/\1/p')
	vt_skip=$(echo "$vtot" | sed -n 's/.*skip:\([0-9]*\).*/\1/p')
}

# kselftest NAME CLOCK: the kernel selftest on an mdev made for it (and
# removed after), its KTAP in $dir/NAME.ktap; a TAP line: exit 0 with no
# test failed, or exit 4 (all skipped) on a v6 series, which must say so
kselftest() {
	tk=$(now)
	guest_kselftest "$dir/$1.ktap"
	krc=$?
	ktot=$(sed -n 's/^# Totals: //p' "$dir/$1.ktap")
	grep -E '^(not ok|# Totals|1\.\.0)' "$dir/$1.ktap" | sed "s/^/# $1: /"
	kpass=$(echo "$ktot" | sed -n 's/^pass:\([0-9]*\).*/\1/p')
	if [ "$krc" = 0 ] && echo "$ktot" | grep -q ' fail:0 ' && [ "${kpass:-0}" -ge 20 ]; then
		ok "kernel selftest vfio_display_irq_test, $2 clock: $ktot in $(since "$tk")s"
	elif [ "$krc" = 4 ] && grep -q '^1\.\.0 # SKIP .*v6 display irq' "$dir/$1.ktap" &&
	     grep -q 'ABI v6' "$dir/type-description.txt"; then
		ok "kernel selftest vfio_display_irq_test, $2 clock: skipped, the v6 series # $(sed -n 's/^1\.\.0 # SKIP //p' "$dir/$1.ktap")"
	else
		not_ok "kernel selftest vfio_display_irq_test, $2 clock: exit $krc, ${ktot:-no totals} ($(since "$tk")s)"
		sed 's/^/#   /' "$dir/$1.ktap" | tail -60
	fi
}

echo "TAP version 13"
echo "1..12"
for f in "$img/vmlinuz" "$img/initrd.img"; do
	[ -f "$f" ] || { echo "Bail out! $f missing: run make image-mdev BUILD=$b MDEV_KERNELS=$kver"; exit 1; }
done
case $(cat "$img/kernel-release") in
"$kver".*) ;;
*) echo "Bail out! $img holds kernel $(cat "$img/kernel-release"), not $kver"; exit 1 ;;
esac
echo "# kernel $kver: $(cat "$img/kernel-release") from $(cat "$img/kernel-suite" 2>/dev/null || echo '?')"
command -v qemu-system-x86_64 >/dev/null || { echo "Bail out! qemu-system-x86_64 missing: scripts/install-deps.sh"; exit 1; }

kernel=$img/vmlinuz
[ -f "$img/vmlinux" ] && kernel=$img/vmlinux
t0=$(now)
qemu-system-x86_64 -nodefaults -machine q35,accel="$accel" -m 512 -smp 2 -display none \
	-kernel "$kernel" -initrd "$img/initrd.img" \
	-append "console=ttyS0 quiet panic=-1" -no-reboot \
	-serial file:"$dir/console.log" \
	-device virtio-serial-pci \
	-chardev socket,path="$dir/qga.sock",server=on,wait=off,id=qga \
	-device virtserialport,chardev=qga,name=org.qemu.guest_agent.0 \
	>"$dir/qemu.log" 2>&1 &
qemu_pid=$!

# 1: ready, with the module's parent device
while ! grep -q '^vrc-guest: ready' "$dir/console.log" 2>/dev/null; do
	kill -0 "$qemu_pid" 2>/dev/null || { sed 's/^/# qemu: /' "$dir/qemu.log"; bail "QEMU exited before the guest was ready"; }
	[ "$(since "$t0" | cut -d. -f1)" -lt "$boot_timeout" ] || bail "no 'vrc-guest: ready' within ${boot_timeout}s"
	sleep 0.1
done
t_ready=$(since "$t0")
if grep -q '^vrc-guest: mdev parent vgpu-mdev: types vgpu-mdev-display' "$dir/console.log"; then
	ok "guest ready after ${t_ready}s with the vgpu-mdev parent and its type"
else
	not_ok "guest ready after ${t_ready}s with the vgpu-mdev parent and its type"
	console
fi
sed -n 's/^vrc-guest: \(ready.*\|dmesg: .*vgpu-mdev.*\)/# guest: \1/p' "$dir/console.log" | tr -d '\r'

# 2: the agent
if qga ping 60 2>"$dir/qga.err"; then
	ok "qemu-guest-agent answers after $(since "$t0")s (accel $accel)"
else
	bail "qemu-guest-agent does not answer: $(cat "$dir/qga.err")"
fi

# 3: vrc itself on the mdev, first: a WARN it provokes taints the kernel for
# what follows, the probe's checks do not care; its results come back
# through the agent, saying the backend, the model (the type; no fault) and
# the kernel that served the device
guest_vrc
totals=$vtot vpass=$vt_pass t_vrc=$vt_s
if [ "$vrc_rc" = 0 ] && echo "$totals" | grep -q ' fail:0 .*timeout:0 crash:0$' &&
   [ "${vpass:-0}" -ge 30 ] && grep -q '"backend":"mdev"' "$dir/results.json" &&
   grep -q '"model":"vgpu-mdev-display"' "$dir/results.json" &&
   grep -q "\"host_kernel\":\"Linux $(cat "$img/kernel-release")" "$dir/results.json"; then
	ok "vrc run --backend=mdev in the guest: $totals in ${t_vrc}s"
else
	not_ok "vrc run --backend=mdev in the guest: exit $vrc_rc, $totals (${t_vrc}s)"
fi

# 4: the probe, libvrc over kernel VFIO on a vgpu-mdev device
tp=$(now)
qga exec 120 /usr/bin/vrc-mdev-probe >"$dir/probe.tap" 2>&1
rc=$?
t_probe=$(since "$tp")
sed 's/^/#   /' "$dir/probe.tap"
fails=$(grep -c '^not ok' "$dir/probe.tap")
passes=$(grep -c '^ok' "$dir/probe.tap")
if [ "$rc" = 0 ] && [ "$fails" = 0 ] && [ "$passes" -ge 30 ]; then
	ok "vrc-mdev-probe in the guest: $passes checks passed in ${t_probe}s"
else
	not_ok "vrc-mdev-probe in the guest: exit $rc, $passes passed, $fails failed (${t_probe}s)"
fi

qga exec 10 /bin/cat /sys/class/mdev_bus/vgpu-mdev/mdev_supported_types/vgpu-mdev-display/description \
	>"$dir/type-description.txt" 2>&1
# 5: the kernel selftest of the irq, on the module's real 60 Hz clock
kselftest kselftest real

# 6: what served it: the guest kernel and the series in the module
rel=$(qga exec 10 /bin/uname -r 2>&1)
desc=$(qga exec 10 /bin/cat /sys/class/mdev_bus/vgpu-mdev/mdev_supported_types/vgpu-mdev-display/description 2>&1)
echo "$rel" > "$dir/kernel-release.txt"
if [ "$rel" = "$(cat "$img/kernel-release" 2>/dev/null)" ] && echo "$desc" | grep -q 'reference series for'; then
	ok "served by guest kernel $rel: $desc"
else
	not_ok "served by the image's kernel ($(cat "$img/kernel-release" 2>/dev/null)): uname -r '$rel', type '$desc'"
fi

# 7: the module unloads: no device left, the vblank clock stops
if qga exec 20 /sbin/rmmod vgpu_mdev >"$dir/rmmod.txt" 2>&1; then
	ok "rmmod vgpu_mdev"
else
	not_ok "rmmod vgpu_mdev # $(cat "$dir/rmmod.txt")"
fi

# 8: the kernel selftest with the module's clock stepped (clock=stepped):
# it steps the device's vblanks through debugfs, every window exact
qga exec 30 /bin/sh -c "insmod /lib/modules/\$(uname -r)/extra/vgpu-mdev.ko clock=stepped" \
	>"$dir/insmod.txt" 2>&1 || not_ok "insmod vgpu-mdev.ko clock=stepped # $(cat "$dir/insmod.txt")"
kselftest kselftest-stepped stepped

# 9: the suite again with the module's clock stepped by the harness
# (clock=stepped, its debugfs step files): the kernel path judged in
# virtual time, exactly as on vgpu-sim, ISO-1 against a lone baseline
guest_vrc stepped
stotals=$vtot spass=$vt_pass sskip=$vt_skip t_step=$vt_s
if [ "$vrc_rc" = 0 ] && echo "$stotals" | grep -q ' fail:0 .*timeout:0 crash:0$' &&
   [ "${spass:-0}" -ge "${vpass:-30}" ] &&
   grep -q '"model":"vgpu-mdev-display.clock-stepped"' "$dir/results-stepped.json" &&
   grep -q 'clock stepped by the harness' "$dir/vrc-stepped.tap" &&
   qga exec 20 /sbin/rmmod vgpu_mdev >>"$dir/rmmod.txt" 2>&1; then
	ok "vrc run --backend=mdev, clock stepped: $stotals in ${t_step}s"
else
	not_ok "vrc run --backend=mdev, clock stepped: exit $vrc_rc, $stotals (${t_step}s)"
fi

# 10: the native build (vgpu-mdev-native.ko, VGPU_MDEV_IRQ=native: the
# driver's own v7 irq, the samples/vfio-mdev form, whatever the kernel)
# through the same stepped run: it must do what the series does, so where
# the series speaks v7 too the pass and skip counts must be the series'
# (on a v6 series, 6.1, tests of the other encoding differ: no failure and
# at least as many passes as the 60 Hz run)
sabi=$(echo "$desc" | sed -n 's/.*(ABI \(v[0-9]*\)).*/\1/p')
qga exec 30 /bin/sh -c "insmod /lib/modules/\$(uname -r)/extra/vgpu-mdev-native.ko clock=stepped" \
	>"$dir/insmod.txt" 2>&1 || not_ok "insmod vgpu-mdev-native.ko clock=stepped # $(cat "$dir/insmod.txt")"
ndesc=$(qga exec 10 /bin/cat /sys/class/mdev_bus/vgpu-mdev/mdev_supported_types/vgpu-mdev-display/description 2>&1)
guest_vrc native
ntotals=$vtot npass=$vt_pass nskip=$vt_skip t_native=$vt_s
why=
[ "$vrc_rc" = 0 ] && echo "$ntotals" | grep -q ' fail:0 .*timeout:0 crash:0$' || why="exit $vrc_rc"
echo "$ndesc" | grep -q 'series for sample (ABI v7)' || why="${why:+$why; }type says '$ndesc'"
grep -q '"model":"vgpu-mdev-display.clock-stepped"' "$dir/results-native.json" ||
	why="${why:+$why; }results.json names another model"
if [ "$sabi" = v7 ]; then
	[ "${npass:-x}" = "${spass:-y}" ] && [ "${nskip:-x}" = "${sskip:-y}" ] ||
		why="${why:+$why; }pass:${npass:-?} skip:${nskip:-?}, the series' pass:${spass:-?} skip:${sskip:-?}"
else
	[ "${npass:-0}" -ge "${vpass:-30}" ] || why="${why:+$why; }pass:${npass:-?} < ${vpass:-30}"
fi
if [ -z "$why" ]; then
	ok "vrc run --backend=mdev, native build, clock stepped: $ntotals in ${t_native}s (series $sabi: $stotals)"
else
	not_ok "vrc run --backend=mdev, native build, clock stepped: $why ($ntotals)"
fi

# 11: the kernel selftest against the native build, the sample of the
# series (samples/vfio-mdev): v7 whatever the kernel, so it must pass here
# even where the series is v6
kselftest kselftest-native "native build, stepped"
qga exec 20 /sbin/rmmod vgpu_mdev >>"$dir/rmmod.txt" 2>&1 || not_ok "rmmod of the native build failed"

# 12: the guest kernel's log: no WARN, BUG or lockdep splat from any of it
qga exec 20 /bin/dmesg >"$dir/dmesg.log" 2>&1
bad=$(grep -E 'WARNING:|BUG:|Oops|circular locking|general protection' "$dir/dmesg.log")
if [ -s "$dir/dmesg.log" ] && [ -z "$bad" ] && grep -q 'vgpu-mdev: vblank clock stopped' "$dir/dmesg.log"; then
	ok "guest dmesg: no WARN/BUG, the vblank clock stopped at unload"
else
	not_ok "guest dmesg: no WARN/BUG, the vblank clock stopped at unload"
	sed 's/^/#   /' "$dir/dmesg.log" | tail -40 >&2
fi
grep -E 'vgpu-mdev' "$dir/dmesg.log" | sed 's/^/# guest dmesg: /'

echo "# wall: guest ready ${t_ready}s, probe ${t_probe}s, vrc run ${t_vrc}s, stepped ${t_step}s, native ${t_native}s, total $(since "$t0")s (accel $accel)"
exit $fail
