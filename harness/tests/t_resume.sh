#!/bin/sh
# Runs that survive the harness dying: the journal keeps every finished
# test; --resume marks the running one incomplete, never runs a finished
# test twice, runs the rest with the run's own options and ends with the
# verdicts of an uninterrupted run. Also --rerun-failures and the progress
# output (stderr only: KTAP on stdout stays clean).
b=${VRC_BUILD:-build}
vrc=$(cd "$(dirname "$b/vrc")" && pwd)/vrc
sim=$(cd "$(dirname "$b/vgpu-sim")" && pwd)/vgpu-sim
py=/usr/bin/python3
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); echo "not ok $n $1"; fail=1; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

# verdicts NAME RESULT, sorted, of a results.json
verdicts() {
	$py -c 'import json,sys
for t in sorted(json.load(open(sys.argv[1]))["tests"], key=lambda t: t["name"]):
    print(t["name"], t["result"])' "$1"
}
# tests with more than one first-attempt start in a journal
twice() {
	$py -c 'import json,sys,collections
c=collections.Counter()
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["type"]=="start" and r["attempt"]==0: c[r["test"]]+=1
print(" ".join(k for k,v in c.items() if v>1))' "$1"
}

echo "TAP version 13"
echo "1..26"
# The reference: model v6 has passes, failures and a crash. The tests of
# virtual time only ('[dit]*': disc, irq, iso, tear), whose verdicts are
# exact; the rt-* tests run in real time and may flake on a loaded machine.
suite='[dit]*'
"$vrc" run --model=v6 --suite="$suite" --out="$d/full" --vgpu-sim="$sim" >"$d/full.ktap" 2>/dev/null
check "uninterrupted run exits 1 (v6 fails)" "[ $? -eq 1 ]"
verdicts "$d/full/results.json" >"$d/full.v"
total=$(wc -l <"$d/full.v")
check "journal: header, start+result per test, end" \
	"[ $(wc -l <"$d/full/journal.jsonl") -eq $((2 * total + 2)) ]"

# A run that died in test k+1, with a torn last line (SIGKILL mid-append):
# cut the reference journal there, and drop results.json (only a view).
mkdir "$d/cut"
$py - "$d/full/journal.jsonl" "$d/cut/journal.jsonl" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines(keepends=True)
k = 5
out = lines[:1 + 2 * k] + [lines[1 + 2 * k]]       # header, k tests, start of k+1
open(sys.argv[2], "w").write("".join(out) + lines[2 + 2 * k][:25])
EOF
victim=$($py -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[11])["test"])' "$d/full/journal.jsonl")
"$vrc" run --resume="$d/cut" --vgpu-sim="$sim" >"$d/cut.ktap" 2>"$d/cut.err"
check "resume exits 1 (failures and an incomplete test)" "[ $? -eq 1 ]"
check "the running test ($victim) is incomplete" \
	"verdicts $d/cut/results.json | grep -x '$victim incomplete' >/dev/null"
verdicts "$d/cut/results.json" | grep -v "^$victim " >"$d/cut.v"
grep -v "^$victim " "$d/full.v" >"$d/full-victim.v"
check "every other verdict equals the uninterrupted run's" "cmp -s $d/cut.v $d/full-victim.v"
check "no test ran twice" "[ -z \"$(twice "$d/cut/journal.jsonl")\" ]"
check "the torn line is gone, every line is whole JSON" \
	"$py -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' $d/cut/journal.jsonl"
check "KTAP of the resumed run is complete" \
	"grep -q '^1\\.\\.$total\$' $d/cut.ktap && [ \$(grep -c '^ok \\|^not ok ' $d/cut.ktap) -eq $total ]"
check "the resumed run keeps the original options (model v6)" \
	"grep -q 'model=v6' $d/cut.ktap && grep -q '\"model\":\"v6\"' $d/cut/results.json"
check "results.json records the resume" "grep -q '\"resumed\":1' $d/cut/results.json"

# The destructive choice is the run's: on the sim it is on by default (the
# reference run crashed v6 with it), and a run started with
# --no-destructive resumes without it although the sim's default is on.
check "a sim run is destructive by default (journal header)" \
	"head -1 $d/full/journal.jsonl | grep -q '\"destructive\":true'"
mkdir "$d/nd"
"$vrc" run --model=v6 --no-destructive --suite=irq-invalid-requests-oops --out="$d/nd-full" \
	--vgpu-sim="$sim" >/dev/null 2>&1
head -1 "$d/nd-full/journal.jsonl" >"$d/nd/journal.jsonl"
"$vrc" run --resume="$d/nd" --vgpu-sim="$sim" >"$d/nd.ktap" 2>&1
check "a --no-destructive run resumes without the destructive test" \
	"grep -q '^ok 1 irq-invalid-requests-oops .*# SKIP destructive' $d/nd.ktap"

# Resuming a finished run runs nothing and changes no verdict.
cp -r "$d/cut" "$d/again"
"$vrc" run --resume="$d/again" --vgpu-sim="$sim" >/dev/null 2>&1
verdicts "$d/again/results.json" >"$d/again.v"
check "resuming a finished run changes nothing" \
	"verdicts $d/cut/results.json | cmp -s - $d/again.v && [ -z \"$(twice "$d/again/journal.jsonl")\" ]"

# Conflicting options are an error naming them; the run's own are fine.
"$vrc" run --resume="$d/cut" --model=ref --timeout=5 --vgpu-sim="$sim" 2>"$d/err" >/dev/null
check "conflicting options: exit 2 naming them" \
	"[ $? -eq 2 ] && grep -q -- '--model=ref (run: v6)' $d/err && grep -q -- '--timeout=5 (run: 60)' $d/err"
"$vrc" run --resume="$d/again" --model=v6 --vgpu-sim="$sim" >/dev/null 2>&1
check "the run's own options on the command line are accepted" "[ $? -eq 1 ]"
"$vrc" run --resume="$d/none" --vgpu-sim="$sim" 2>"$d/err" >/dev/null
check "a missing journal: exit 2 naming it" \
	"[ $? -eq 2 ] && grep -q 'none/journal.jsonl' $d/err"

"$vrc" run --model=v6 --out="$d/full" --vgpu-sim="$sim" 2>"$d/err" >/dev/null
check "a new run into a folder that holds one: exit 2, results kept" \
	"[ $? -eq 2 ] && grep -q -- '--resume=$d/full' $d/err && verdicts $d/full/results.json | cmp -s - $d/full.v"

# SIGKILL at arbitrary moments: nothing finished is lost, nothing runs twice,
# and the verdicts are the uninterrupted run's (but for incomplete ones).
lost=0 twice_any=0 differ=0
for delay in 0.1 0.3 0.6 0.9 1.3; do
	out="$d/kill-$delay"
	"$vrc" run --model=v6 --suite="$suite" --out="$out" --vgpu-sim="$sim" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sleep 0.3	# the orphaned test child finishes on its own
	[ -f "$out/journal.jsonl" ] || continue
	$py -c 'import json,sys
for l in open(sys.argv[1]):
    try: r=json.loads(l)
    except ValueError: continue
    if r["type"]=="result" and r["attempt"]==0: print(r["test"]["name"], r["test"]["result"])' \
		"$out/journal.jsonl" | sort >"$out.before"
	"$vrc" run --resume="$out" --vgpu-sim="$sim" >/dev/null 2>&1
	verdicts "$out/results.json" >"$out.after"
	[ -z "$(comm -23 "$out.before" "$out.after")" ] || lost=1
	[ -z "$(twice "$out/journal.jsonl")" ] || twice_any=1
	grep -v ' incomplete$' "$out.after" >"$out.c"
	awk 'NR == FNR { keep[$1]; next } ($1 in keep)' "$out.c" "$d/full.v" | cmp -s - "$out.c" ||
		differ=1
	[ "$(wc -l <"$out.after")" -eq "$total" ] || differ=1
	echo "# kill -9 after ${delay}s: $(wc -l <"$out.before") finished before, $(grep -c incomplete "$out.after") incomplete"
done
check "kill -9: no finished result lost" "[ $lost -eq 0 ]"
check "kill -9: no test ran twice" "[ $twice_any -eq 0 ]"
check "kill -9: resumed verdicts equal the uninterrupted run's" "[ $differ -eq 0 ]"

# --rerun-failures: every outcome recorded; a consistent failure is no flake.
"$vrc" run --model=v6 --suite=evt-idle-bound --rerun-failures=2 --out="$d/rerun" \
	--vgpu-sim="$sim" >"$d/rerun.ktap" 2>/dev/null
check "rerun: three attempts recorded, not flaky, verdict fail" \
	"$py -c 'import json,sys
t=json.load(open(sys.argv[1]))[\"tests\"][0]
sys.exit(not (t[\"attempts\"]==[\"fail\"]*3 and t[\"flaky\"] is False and t[\"result\"]==\"fail\"))' $d/rerun/results.json"
check "rerun: three starts in the journal, noted in KTAP" \
	"[ \$(grep -c '\"type\":\"start\"' $d/rerun/journal.jsonl) -eq 3 ] && grep -q 'reran: attempts fail fail fail' $d/rerun.ktap"
"$vrc" run --model=ref --suite=evt-idle-bound --rerun-failures=2 --out="$d/rerun-pass" \
	--vgpu-sim="$sim" >/dev/null 2>&1
check "rerun: a pass is not rerun" \
	"[ \$(grep -c '\"type\":\"start\"' $d/rerun-pass/journal.jsonl) -eq 1 ]"

# Progress: plain lines on stderr; KTAP on stdout untouched; a live line on a tty.
"$vrc" run --suite='irq-*' --progress=plain --out="$d/p" --vgpu-sim="$sim" >"$d/p.out" 2>"$d/p.err"
nirq=$("$vrc" list --suite='irq-*' --vgpu-sim="$sim" | wc -l)
check "progress plain: one line per test on stderr with n/N and ETA" \
	"[ \$(grep -c '^vrc: \\[[0-9]*/$nirq\\] .* ETA ' $d/p.err) -eq $nirq ]"
check "progress never reaches stdout (KTAP lines only)" \
	"! grep -v '^KTAP version 1\$\\|^1\\.\\.\\|^ok \\|^not ok \\|^#' $d/p.out"
script -qec "$vrc run --suite='disc-*' --out=$d/tty --vgpu-sim=$sim" /dev/null >"$d/tty.out" 2>&1
check "progress on a terminal: a live line rewritten in place" \
	"$py -c 'import sys; sys.exit(b\"\\r\\x1b[K[1/2] disc-display-irq  elapsed\" not in open(sys.argv[1],\"rb\").read())' $d/tty.out"
exit $fail
