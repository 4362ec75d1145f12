#!/bin/sh
# /init of the vrc guest image (busybox sh, PID 1). Mounts the pseudo file
# systems, loads the flavour's modules in dependency order, starts
# qemu-guest-agent on the virtio-serial port org.qemu.guest_agent.0 and
# prints "vrc-guest: ready" on the console. Kernel command line switches:
#   vrc.probe=1     run vdisp-probe once ready and print its verdict
#   vrc.poweroff=1  power off after the probe (for one-shot runs)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /dev/pts /run /tmp /var/run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp

say() { echo "vrc-guest: $*" > /dev/console; }

kver=$(uname -r)
while read -r m; do
	[ -n "$m" ] || continue
	insmod "/lib/modules/$kver/$m" 2>/tmp/insmod.err ||
		say "insmod $m failed: $(cat /tmp/insmod.err)"
done < /etc/vrc-modules

# devtmpfs has the ports; the /dev/virtio-ports names are udev's job, ours here.
wait_for() {	# wait_for PATH TENTHS
	n=0
	while [ ! -e "$1" ] && [ "$n" -lt "$2" ]; do sleep 0.1; n=$((n + 1)); done
	[ -e "$1" ]
}
mkdir -p /dev/virtio-ports
for p in /sys/class/virtio-ports/vport*; do
	[ -r "$p/name" ] || continue
	name=$(cat "$p/name")
	[ -n "$name" ] && ln -sf "/dev/${p##*/}" "/dev/virtio-ports/$name"
done

port=/dev/virtio-ports/org.qemu.guest_agent.0
if [ -e "$port" ]; then
	mkdir -p /run/qemu-ga
	qemu-ga -m virtio-serial -p "$port" -t /run/qemu-ga -f /run/qemu-ga.pid &
else
	say "no virtio-serial port org.qemu.guest_agent.0: no agent"
fi

grep -q vdisp /proc/modules && {
	if wait_for /dev/dri/card0 30; then say "/dev/dri/card0 present"; else say "/dev/dri/card0 missing"; fi
	dmesg | grep -i 'vdisp' | sed 's/^/vrc-guest: dmesg: /' > /dev/console
}
# The mdev flavour: the vgpu-mdev parent and its type, as the module saw them.
if [ "$(cat /etc/vrc-flavour)" = mdev ]; then
	if [ -d /sys/class/mdev_bus/vgpu-mdev ]; then
		say "mdev parent vgpu-mdev: types $(ls /sys/class/mdev_bus/vgpu-mdev/mdev_supported_types | tr '\n' ' ')"
	else
		say "mdev parent vgpu-mdev missing"
	fi
	dmesg | grep -iE 'vgpu-mdev|vfio' | sed 's/^/vrc-guest: dmesg: /' > /dev/console
fi
# The igt flavours (vdisp, i915): the igt userland (guest-images/igt/mkigt.sh),
# a squashfs on the read-only virtio-blk disk, on /igt with the pseudo file
# systems and scratch tmpfs bound in; vrc-igt chroots into it.
if [ "$(cat /etc/vrc-flavour)" = igt ] || [ "$(cat /etc/vrc-flavour)" = igt-i915 ]; then
	mkdir -p /igt
	if wait_for /dev/vda 50 && mount -t squashfs -o ro /dev/vda /igt 2>/tmp/mount.err; then
		for d in dev dev/pts proc sys sys/kernel/debug; do
			mount -o bind "/$d" "/igt/$d" 2>/dev/null || say "igt: cannot bind /$d"
		done
		for d in tmp run var/tmp; do mount -t tmpfs tmpfs "/igt/$d"; done
		say "igt userland on /igt ($(cat /igt/etc/vrc-igt-version 2>/dev/null))"
	else
		say "igt: no igt userland on /dev/vda: $(cat /tmp/mount.err 2>/dev/null)"
	fi
fi

read -r up _ < /proc/uptime
say "ready in ${up}s (kernel $kver, flavour $(cat /etc/vrc-flavour))"

case " $(cat /proc/cmdline) " in
*" vrc.probe=1 "*)
	vdisp-probe > /dev/console 2>&1
	say "probe exit $?" ;;
esac
case " $(cat /proc/cmdline) " in
*" vrc.poweroff=1 "*) poweroff -f ;;
esac
while :; do sleep 3600; done
