#!/bin/sh
# --suite selects by comma-separated globs over test names and clause ids:
# a test matching any one of them is in, an empty piece selects nothing.
# And what there is to select: every row of the suites' tables (suites/*.c,
# a row per test, `{ .name = "..."`) is listed once, nothing else is.
b=${VRC_BUILD:-build}
suites=$(cd "$(dirname "$0")/../../suites" && pwd)
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
echo "1..7"
check "one name" "irq-close-releases" "irq-close-releases"
check "two globs: the union" "irq-close-releases irq-reset-releases $evt3" "irq-*-releases,EVT-3"
check "clause globs ignore case" "$evt3" "evt-3"
check "empty pieces select nothing" "irq-close-releases" ",irq-close-releases,,"
check "overlapping globs list a test once" "$all" "*,*"

n=$((n + 1))
rows=$(sed -n 's/^[[:space:]]*{ \.name = "\([^"]*\)".*/\1/p' "$suites"/*.c | sort)
listed=$(printf '%s\n' "$all" | sort)
if [ -n "$rows" ] && [ "$rows" = "$listed" ]; then
	echo "ok $n every table row is listed, nothing else ($(printf '%s\n' "$rows" | wc -l) tests)"
else
	tmp=$(mktemp -d /tmp/vrc-t-select.XXXXXX)
	printf '%s\n' "$rows" >"$tmp/rows"
	printf '%s\n' "$listed" >"$tmp/listed"
	echo "# rows of suites/*.c that vrc list lacks (<), listed names with no row (>):"
	diff "$tmp/rows" "$tmp/listed" | grep '^[<>]' | sed 's/^/#   /'
	rm -rf "$tmp"
	echo "not ok $n every table row is listed, nothing else"; fail=1
fi
n=$((n + 1))
twice=$(printf '%s\n' "$listed" | uniq -d | tr '\n' ' ')
if [ -z "$twice" ]; then
	echo "ok $n every test is listed once"
else
	echo "# listed more than once: $twice"
	echo "not ok $n every test is listed once"; fail=1
fi
exit $fail
