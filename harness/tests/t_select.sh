#!/bin/sh
# --suite selects by comma-separated globs over test names and clause ids:
# a test matching any one of them is in, an empty piece selects nothing.
b=${VRC_BUILD:-build}
n=0
fail=0
check() {	# check NAME WANT-NAMES GLOBS
	n=$((n + 1))
	got=$("$b/vrc" list --suite="$3" --vgpu-sim="$b/vgpu-sim" 2>&1 | cut -d' ' -f1 | sort | tr '\n' ' ')
	want=$(printf '%s\n' $2 | sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then
		echo "ok $n $1"
	else
		echo "# --suite='$3': got [$got], want [$want]"
		echo "not ok $n $1"; fail=1
	fi
}
all=$("$b/vrc" list --vgpu-sim="$b/vgpu-sim" | cut -d' ' -f1)
evt3=$("$b/vrc" list --vgpu-sim="$b/vgpu-sim" | awk '$2 ~ /(^|,)EVT-3(,|$)/ { print $1 }')
echo "TAP version 13"
echo "1..5"
check "one name" "irq-close-releases" "irq-close-releases"
check "two globs: the union" "irq-close-releases irq-reset-releases $evt3" "irq-*-releases,EVT-3"
check "clause globs ignore case" "$evt3" "evt-3"
check "empty pieces select nothing" "irq-close-releases" ",irq-close-releases,,"
check "overlapping globs list a test once" "$all" "*,*"
exit $fail
