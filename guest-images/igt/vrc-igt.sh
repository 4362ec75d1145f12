#!/bin/sh
# vrc-igt: run one igt subtest in the igt guest flavour (busybox sh, outside
# the chroot). The igt userland is mounted on /igt by the guest's /init
# (guest-images/init.sh); the test runs chrooted into it with a clean
# environment and a time limit. Prints igt's output (stdout and stderr
# together) and then one last line "vrc-igt: exit N" with igt's exit status:
# 0 pass, 77 skip, 78 timeout (igt's own), 79 no such subtest, 98 fail,
# 112 abort; 124 killed by vrc-igt's limit; 2 usage or no igt userland.
#   vrc-igt TEST SUBTEST [SECONDS]     e.g. vrc-igt kms_flip basic-flip-vs-wf_vblank 120
#   vrc-igt --record TEST SUBTEST [SECONDS]
#                                      the same under the KMS recorder
#                                      (vrc-kmsrec.so, LD_PRELOAD): its vrc
#                                      timeline in /igt/tmp/vrc-igt.timeline.json
#   vrc-igt --list TEST                its subtests
#   vrc-igt --version                  the igt-gpu-tools version in /igt
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
root=/igt
bin=/usr/libexec/igt-gpu-tools

[ -x "$root$bin/kms_flip" ] || { echo "vrc-igt: no igt userland on $root"; echo "vrc-igt: exit 2"; exit 2; }
igt_env() {	# the environment igt sees: nothing inherited from qemu-ga
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp TERM=dumb "$@"
}
case ${1:-} in
--version) cat "$root/etc/vrc-igt-version"; exit 0 ;;
--list)
	case ${2:-} in ''|*/*|.*) echo "vrc-igt: --list TEST"; exit 2 ;; esac
	igt_env "$bin/$2" --list-subtests 2>&1
	exit $? ;;
esac
record=
if [ "${1:-}" = --record ]; then
	shift
	# the chroot sees /igt/tmp (a tmpfs) as /tmp: the library and the
	# timeline live there
	[ -f /usr/lib/vrc/vrc-kmsrec.so ] || { echo "vrc-igt: no /usr/lib/vrc/vrc-kmsrec.so in this image"; echo "vrc-igt: exit 2"; exit 2; }
	cp /usr/lib/vrc/vrc-kmsrec.so "$root/tmp/vrc-kmsrec.so" || { echo "vrc-igt: cannot copy the recorder into $root/tmp"; echo "vrc-igt: exit 2"; exit 2; }
	rm -f "$root/tmp/vrc-igt.timeline.json"
	record="LD_PRELOAD=/tmp/vrc-kmsrec.so VRC_KMSREC_OUT=/tmp/vrc-igt.timeline.json"
fi
[ $# -ge 2 ] || { echo "usage: vrc-igt [--record] TEST SUBTEST [SECONDS]"; echo "vrc-igt: exit 2"; exit 2; }
test=$1 sub=$2 secs=${3:-120}
case $test in ''|*/*|.*) echo "vrc-igt: bad test name '$test'"; echo "vrc-igt: exit 2"; exit 2 ;; esac
[ -x "$root$bin/$test" ] || { echo "vrc-igt: no igt test $test"; echo "vrc-igt: exit 2"; exit 2; }
# the kernel's view of this run, from here on
dmesg -c > /dev/null 2>&1
# shellcheck disable=SC2086 # $record: words by design
timeout -s KILL "$secs" chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/tmp TERM=dumb $record "$bin/$test" --run-subtest "$sub" 2>&1
rc=$?
# busybox timeout: 128+9 when it killed the test
[ "$rc" = 137 ] && { echo "vrc-igt: killed after ${secs}s"; rc=124; }
dmesg > /tmp/vrc-igt.dmesg 2>&1
echo "vrc-igt: exit $rc"
exit "$rc"
