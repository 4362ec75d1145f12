#!/bin/sh
# The suite's power: every known-bad model is flagged exactly on its clauses
# (SPEC section 5, with the corrections listed in harness/vrc/mutation.c).
# A model flagged wrongly is a failure: its "expected ..., got ..." lines
# and the tests' reasons go to stderr too, so prove's log shows them.
set -u
b=${VRC_BUILD:-build}
out=$(mktemp /tmp/vrc-mutation.XXXXXX)
trap 'rm -f "$out" "$out.err"' EXIT
# Under ASan (make asan) the virtual-time rows only: the verdict logic is the
# same code, the real-time path runs under ASan in t_suite_ref.sh, and the
# rt rows are minutes of 60 Hz runs that the plain build already judges.
rt=
if grep -qa __asan_init "$b/vrc"; then
	rt=--realtime=none
	echo "# ASan build: virtual-time rows only ($rt)"
fi
rc=0
"$b/vrc" mutation --vgpu-sim="$b/vgpu-sim" $rt >"$out" 2>"$out.err" || rc=$?
cat "$out"
if [ "$rc" != 0 ]; then
	echo "# --- vrc mutation exited $rc; the rows that failed:" >&2
	awk '/^# [^ ]+: (expected flags|the run itself)/ { show = 1 }
	     show { print }
	     /^not ok/ { show = 0 }' "$out" >&2
	tail -20 "$out.err" | sed 's/^/# stderr: /' >&2
fi
exit "$rc"
