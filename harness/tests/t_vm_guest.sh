#!/bin/sh
# The VM launcher with the real guest image (make image), through vrc-vm:
# boot, agent, guest-exec with captured stdout/stderr/status, a file fetch,
# shutdown; ivshmem sockets of vgpu-sim reach the guest as PCI devices; a
# guest panic is reported as crash with the panic on the console excerpt; an
# agent that stops answering is reported as timeout. No hang: every vrc-vm
# runs under timeout(1). TAP for prove. Environment:
#   VRC_BUILD     build directory (default build)
#   VRC_VM_ACCEL  kvm|tcg to override vrc-vm's automatic choice
b=${VRC_BUILD:-build}
n=0
fail=0
dir=$(mktemp -d /tmp/vrc-vmguest.XXXXXX)
trap 'rm -rf "$dir"' EXIT
limit=600	# per vrc-vm run, seconds: TCG boots take 15-40 s here

echo "TAP version 13"
echo "1..5"
for f in "$b/vrc-vm" "$b/vgpu-sim" "$b/guest/vmlinuz" "$b/guest/initrd.img"; do
	[ -f "$f" ] || { echo "Bail out! $f missing: run make image BUILD=$b"; exit 1; }
done

run() {	# run NAME ARGS...: vrc-vm's stdout, stderr and status in $dir/NAME.*
	name=$1; shift
	timeout -k 5 $limit "$b/vrc-vm" --shutdown-timeout=3 --run-dir="$dir/$name.run" "$@" \
		>"$dir/$name.out" 2>"$dir/$name.err"
	echo $? > "$dir/$name.rc"
}
check() {	# check NAME DESCRIPTION WANT-STATUS, then "FILE|PATTERN" lines on stdin
	name=$1 desc=$2 want=$3
	n=$((n + 1))
	st=$(cat "$dir/$name.rc")
	bad=
	[ "$st" = "$want" ] || bad="status $st, want $want"
	while IFS='|' read -r file pat; do
		[ -z "$file" ] && continue
		grep -q -- "$pat" "$dir/$name.$file" || bad="$bad; no '$pat' in $file"
	done
	if [ -z "$bad" ]; then
		echo "ok $n $desc"
		grep -h 'agent ready after\|ended by' "$dir/$name.err" | sed 's/^/# /'
	else
		echo "not ok $n $desc # $bad"
		sed 's/^/#   err: /' "$dir/$name.err" | tail -50
		sed 's/^/#   out: /' "$dir/$name.out" | tail -10
		fail=1
	fi
}

# 1: boot, exec with stdout+stderr+status, a file written by the command fetched
run exec --fetch="/tmp/t.json:$dir/fetched.json" -- /bin/sh -c \
	'echo hello vrc; echo oops >&2; echo "{\"vblanks\": [1, 2, 3]}" > /tmp/t.json; exit 3'
check exec "boot, guest-exec output and status, file fetch, shutdown" 3 <<EOF
out|^hello vrc\$
err|^oops\$
err|guest agent ready after
err|exited with status 3
err|fetched /tmp/t.json (23 bytes)
err|QEMU ended by
err|result: ok
EOF
n=$((n + 1))
if [ "$(cat "$dir/fetched.json" 2>/dev/null)" = '{"vblanks": [1, 2, 3]}' ]; then
	echo "ok $n fetched file has the guest's bytes"
else
	echo "not ok $n fetched file has the guest's bytes # got: $(head -c 200 "$dir/fetched.json" 2>&1)"
	fail=1
fi

# 3: vgpu-sim's ivshmem server reaches the guest as 1af4:1110
run ivshmem --vgpus=1 -- /bin/sh -c 'cat /sys/bus/pci/devices/*/vendor /sys/bus/pci/devices/*/device'
check ivshmem "vgpu-sim ivshmem socket becomes the guest's ivshmem device" 0 <<EOF
out|0x1110
err|vgpu-sim with 1 vGPU
err|result: ok
EOF

# 4: a guest panic is a crash, with the panic on the console excerpt
run panic --timeout=60 -- /bin/sh -c 'echo c > /proc/sysrq-trigger'
check panic "guest panic is reported as crash with the console excerpt" 123 <<EOF
err|result: crash: guest kernel panic
err|Kernel panic - not syncing: sysrq triggered crash
err|--- console (last
EOF

# 5: an agent that stops answering is a timeout (the VM is then killed)
run hang --timeout=5 -- /bin/sh -c 'kill -STOP $(pidof qemu-ga)'
check hang "silent agent is reported as timeout" 124 <<EOF
err|result: timeout: guest agent silent
err|--- console (last
EOF
exit $fail
