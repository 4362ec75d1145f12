#!/bin/sh
# The judged igt subtests (igt-evt-*, suites/igt.c, the recorder in
# guest-images/kmsrec/) can fail: against ref they pass, and against
# known-bad vgpu-sim models they fail on the clauses the model breaks (at
# least those; a test that must pass, "-", must pass: no false failure on
# a clause the model keeps). vrc mutation leaves them out (each boots a TCG guest: about 30 s a
# test, minutes a model), so this is their mutation check: two subtests
# that cover the three workload kinds (kms_flip's page flips,
# kms_cursor_crc's cursor moves and front-buffer redraws) against ref and
# four models. About 5 minutes; not part of make test. Skips without the
# igt image (make image-igt) or without the recorder in it. TAP for prove.
# Environment:
#   VRC_BUILD     build directory (default build)
#   VRC_IGT_IMAGE the igt flavour (default VRC_BUILD/guest-igt)
b=${VRC_BUILD:-build}
img=${VRC_IGT_IMAGE:-$b/guest-igt}
tests='igt-evt-flip-plain,igt-evt-cursor-sliding'
# model:flip-plain:cursor-sliding, the clauses each must be flagged on
# ("-": it must pass). late fails kms_flip's flip-every-vblank on EVT-1 only:
# with a flip at every vblank each one meets some flip's (late) signal, and
# EVT-1 is what it breaks here (see README.md).
cases='ref:-:-
dup:EVT-1:EVT-1
late:EVT-1:EVT-3
no-cursor:-:EVT-3
silent:EVT-2:EVT-3,EVT-4'
n=0
fail=0
dir=$(mktemp -d /tmp/vrc-igt-judged.XXXXXX)
trap 'rm -rf "$dir"' EXIT

echo "TAP version 13"
echo "1..$(echo "$cases" | wc -l)"
for f in "$b/vrc" "$b/vgpu-sim"; do
	[ -x "$f" ] || { echo "Bail out! $f missing: run make BUILD=$b"; exit 1; }
done
if [ ! -f "$img/rootfs.sqfs" ] || [ ! -f "$img/initrd.img" ] || [ ! -f "$b/vrc-kmsrec.so" ]; then
	echo "$cases" | while IFS=: read -r m _ _; do
		echo "ok - $m # SKIP no igt image with the recorder in $img (make image-igt BUILD=$b)"
	done
	exit 0
fi

# "name result violated" per test of a run
results() {
	perl -MJSON::PP -e '
		local $/; open my $f, "<", $ARGV[0] or die "$ARGV[0]: $!\n";
		my $j = JSON::PP->new->decode(<$f>);
		for my $t (@{$j->{tests}}) {
			my $v = $t->{violated} // [];
			printf "%s %s %s\n", $t->{name}, $t->{result},
				@$v ? join(",", sort @$v) : "-";
		}' "$1/results.json"
}

# judged RESULTS TEST WANT: TEST passed (WANT "-") or failed on every
# clause of WANT (comma-separated)
judged() {
	line=$(echo "$1" | grep "^$2 ")
	[ -n "$line" ] || return 1
	# shellcheck disable=SC2086 # the line's three words
	set -- $line "$3"
	if [ "$4" = - ]; then
		[ "$2" = pass ]
		return
	fi
	[ "$2" = fail ] || return 1
	for c in $(echo "$4" | tr , ' '); do
		echo ",$3," | grep -q ",$c," || return 1
	done
}

echo "$cases" | {
while IFS=: read -r model flip cursor; do
	n=$((n + 1))
	t0=$(date +%s)
	nice "$b/vrc" run --vgpu-sim="$b/vgpu-sim" --guest=vm --timeout=120 --model="$model" \
		--suite="$tests" --out="$dir/$model" --progress=off > "$dir/$model.ktap" 2>&1
	got=$(results "$dir/$model" 2>/dev/null)
	echo "# $model ($(( $(date +%s) - t0 )) s): $(echo "$got" | tr '\n' ';')"
	if judged "$got" igt-evt-flip-plain "$flip" &&
	   judged "$got" igt-evt-cursor-sliding "$cursor"; then
		echo "ok $n $model: flip-plain {$flip}, cursor-sliding {$cursor}"
	else
		echo "not ok $n $model: want flip-plain {$flip}, cursor-sliding {$cursor}"
		grep -v '^# .*measure' "$dir/$model.ktap" | sed 's/^/#   /' | cut -c1-300 | tail -20
		fail=1
	fi
done
exit $fail
}
