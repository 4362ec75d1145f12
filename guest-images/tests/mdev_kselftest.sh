# Sourced by t_mdev.sh and t_mdev_faults.sh (needs their qga()): the
# irq's kernel selftest in the mdev guest.
#
# guest_kselftest KTAP [TIMEOUT]: vfio_display_irq_test on an mdev made
# for it and removed after (VFIO_DISPLAY_IRQ_DESTRUCTIVE=1: the guest is
# disposable), its output in KTAP; returns its exit status (97: the mdev
# was not removed, 98: not created)
guest_kselftest() {
	qga exec "${2:-600}" /bin/sh -c '
		t=/sys/class/mdev_bus/vgpu-mdev/mdev_supported_types/vgpu-mdev-display
		u=$(cat /proc/sys/kernel/random/uuid)
		echo "$u" > $t/create || { echo "Bail out! mdev $u not created"; exit 98; }
		VFIO_DISPLAY_IRQ_DEVICE=$u VFIO_DISPLAY_IRQ_DESTRUCTIVE=1 /usr/bin/vfio_display_irq_test 2>&1
		rc=$?
		echo 1 > /sys/bus/mdev/devices/$u/remove || { echo "# mdev $u not removed"; rc=97; }
		exit $rc' >"$1" 2>&1
}
