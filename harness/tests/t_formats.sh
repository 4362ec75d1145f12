#!/bin/sh
# The lab formats, each checked by something other than vrc: the JUnit XML
# against harness/lab/junit.xsd (xmllint), the KCIDB JSON against the v5
# schema's required fields and patterns (our own checker, below), the LAVA
# job and test definition with a YAML parser, and vrc-lava-results' calls
# through a stand-in lava-test-case that records them.
b=${VRC_BUILD:-build}
src=$(cd "$(dirname "$0")/../.." && pwd)
lab=$src/harness/lab
py=/usr/bin/python3
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0
fail=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi; }

echo "TAP version 13"
echo "1..17"
"$b/vrc" run --model=v6 --out="$d/run" --vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
# every result kind, and a reason that needs escaping; raw/ has the same run
# with guest bytes in a reason, for the exports (vrc-lava-results refuses it)
mkdir "$d/raw"
$py - "$d/run/results.json" "$d/raw/results.json" <<'PYEOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
t = d["tests"]
t[0]["result"] = "incomplete"; t[0]["reason"] = "host died <in> \"it\" & 'then' \x01"
t[1]["result"] = "notrun"
t[2]["result"] = "skip"
t[4]["result"] = "dmesg-warn"
t[5]["result"] = "timeout"
t[6]["result"] = "fail"; t[6]["attempts"] = ["fail", "pass"]; t[6]["flaky"] = True
# guest output as vrc's results.json carries it: malformed UTF-8 (bad leads,
# overlong, a surrogate, past U+10FFFF, cut short) as raw bytes (json.dump
# would escape them), C0 controls, a noncharacter and a CDATA end
t[3]["reason"] = "RAWBYTES"
raw = (b"guest: \xff\xfe \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \\u001b[1m \\u000b\\u000c "
       b"\xef\xbf\xbe ]]> caf\xc3\xa9 \xe2\x82")
json.dump(d, open(p, "w"))
open(sys.argv[2], "wb").write(json.dumps(d).encode().replace(b"RAWBYTES", raw))
PYEOF
grep -o '"result": *"[a-z-]*"' "$d/run/results.json" | sort | uniq -c | sed 's/^/# /'
ntests=$($py -c 'import json,sys; print(len(json.load(open(sys.argv[1], errors="replace"))["tests"]))' "$d/run/results.json")
# JUnit's skipped: the forced skip and notrun, plus what skips on its own
# (the igt-* extra workloads with a process guest)
nskipped=$($py -c 'import json,sys; print(sum(t["result"] in ("skip", "notrun") for t in json.load(open(sys.argv[1], errors="replace"))["tests"]))' "$d/run/results.json")

"$b/vrc" export --junit="$d/junit.xml" --kcidb="$d/kcidb.json" --origin=vrc_lab "$d/raw"
check "export: exit 0" "[ $? -eq 0 ]"
fffd=$(printf '\357\277\275')
want="guest: $fffd$fffd $fffd$fffd $fffd$fffd$fffd $fffd$fffd$fffd$fffd $fffd[1m $fffd$fffd $fffd ]]&gt; caf$(printf '\303\251') $fffd"
check "JUnit and KCIDB: malformed UTF-8 and controls from the guest come out as U+FFFD" \
	"grep -qF -- \"\$want\" $d/junit.xml && grep -qF -- \"guest: $fffd$fffd \" $d/kcidb.json"
check "JUnit validates against junit.xsd" \
	"xmllint --noout --schema $lab/junit.xsd $d/junit.xml 2>$d/xmlerr"
check "JUnit: one testsuite, a testcase per test, counts" \
	"[ \$(grep -c '<testsuite ' $d/junit.xml) -eq 1 ] &&
	 [ \$(grep -c '<testcase ' $d/junit.xml) -eq $ntests ] &&
	 grep -q 'errors=\"3\"' $d/junit.xml && grep -q 'skipped=\"$nskipped\"' $d/junit.xml"
check "JUnit: classname per clause group, escaped reason, flake noted" \
	"grep -q 'classname=\"vrc.IRQ\"' $d/junit.xml && grep -q 'host died &lt;in&gt; &quot;it&quot; &amp; &apos;then&apos; $fffd' $d/junit.xml &&
	 grep -q 'FLAKY, attempts' $d/junit.xml"
# the schema is not a rubber stamp: a testcase with two verdicts is refused
sed 's|<skipped message="notrun"/>|<skipped/><failure type="x"/>|' "$d/junit.xml" >"$d/bad.xml"
check "junit.xsd refuses a testcase with two verdicts" \
	"! xmllint --noout --schema $lab/junit.xsd $d/bad.xml 2>/dev/null"

# KCIDB v5: our checker of the schema's required fields and patterns
cat >"$d/kcidb_check.py" <<'PYEOF'
import json, re, sys
doc = json.load(open(sys.argv[1]))
errs = []
def err(m): errs.append(m)
ORIGIN = re.compile(r"^[a-z0-9_]+$")
ORIGIN_ID = re.compile(r"^[a-z0-9_]+:.*$")
PATH = re.compile(r"^([a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*)?$")
STATUS = {"FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP"}
TEST_KEYS = {"id", "origin", "build_id", "path", "status", "waived", "start_time",
             "duration", "comment", "environment", "misc", "number", "log_url",
             "log_excerpt", "output_files"}
def nonull(x, where):
    if x is None: err(f"{where}: null")
    elif isinstance(x, dict):
        for k, v in x.items(): nonull(v, f"{where}.{k}")
    elif isinstance(x, list):
        for i, v in enumerate(x): nonull(v, f"{where}[{i}]")
nonull(doc, "$")
v = doc.get("version", {})
if v.get("major") != 5 or not isinstance(v.get("minor"), int): err("version is not 5.x")
for k in doc:
    if k not in ("version", "checkouts", "builds", "tests", "issues", "incidents"):
        err(f"unknown top-level {k}")
def obj(o, kind, req):
    for r in req:
        if r not in o: err(f"{kind} {o.get('id')}: missing {r}")
    if not ORIGIN.match(o.get("origin", "")): err(f"{kind}: bad origin")
    for key in ("id", "checkout_id", "build_id"):
        if key in o and not ORIGIN_ID.match(o[key]): err(f"{kind}: bad {key}")
    if "id" in o and not o["id"].startswith(o.get("origin", "") + ":"):
        err(f"{kind} {o['id']}: id not <origin>:...")
    if "status" in o and o["status"] not in STATUS: err(f"{kind}: bad status {o['status']}")
checkouts = {c["id"] for c in doc.get("checkouts", [])}
builds = {b["id"] for b in doc.get("builds", [])}
for c in doc.get("checkouts", []): obj(c, "checkout", ["id", "origin"])
for b in doc.get("builds", []):
    obj(b, "build", ["id", "origin", "checkout_id"])
    if b["checkout_id"] not in checkouts: err("build: dangling checkout_id")
for t in doc.get("tests", []):
    obj(t, "test", ["id", "origin", "build_id"])
    if t.get("build_id") not in builds: err("test: dangling build_id")
    if not PATH.match(t.get("path", "")): err(f"test: bad path {t.get('path')}")
    for k in t:
        if k not in TEST_KEYS: err(f"test {t['id']}: unknown property {k}")
    env = t.get("environment", {})
    if set(env) - {"comment", "misc", "compatible"}: err("test: environment properties")
    if "number" in t and (set(t["number"]) - {"value", "unit", "prefix"} or "value" not in t["number"]):
        err("test: bad number")
if len({t["id"] for t in doc.get("tests", [])}) != len(doc.get("tests", [])): err("duplicate test ids")
for e in errs[:20]: print("# kcidb:", e)
sys.exit(1 if errs else 0)
PYEOF
check "KCIDB JSON passes the v5 required-field checks" "$py $d/kcidb_check.py $d/kcidb.json"
check "KCIDB: statuses mapped (incomplete/notrun MISS, timeout ERROR, dmesg-warn FAIL)" \
	"$py -c 'import json,sys
t={x[\"path\"]:x[\"status\"] for x in json.load(open(sys.argv[1]))[\"tests\"]}
want={\"vrc.disc.display-irq\":\"MISS\",\"vrc.disc.chain-well-formed\":\"MISS\",\"vrc.irq.invalid-requests\":\"SKIP\",
\"vrc.irq.mask-unmask\":\"FAIL\",\"vrc.irq.mask-bool\":\"ERROR\",\"vrc.evt.idle-bound\":\"FAIL\",\"vrc.evt.flip-every-vblank\":\"PASS\",
\"vrc.evt.idle-bound.idle_signal_rate\":\"DONE\"}
bad=[(k,t.get(k),v) for k,v in want.items() if t.get(k)!=v]
print(\"# mismatches:\", bad) if bad else None
sys.exit(1 if bad else 0)' $d/kcidb.json"
# the checker is not a rubber stamp either
sed 's/"origin":"vrc_lab"/"origin":"Bad Origin"/' "$d/kcidb.json" >"$d/bad-kcidb.json"
check "the KCIDB checker refuses a bad origin" "! $py $d/kcidb_check.py $d/bad-kcidb.json >/dev/null"
"$b/vrc" export --kcidb="$d/k2.json" --origin='no way' "$d/run" 2>"$d/e1"
check "export --origin with bad characters: exit 2" "[ $? -eq 2 ] && grep -q 'origin=no way' $d/e1"
"$b/vrc" export "$d/run" 2>"$d/e2"
check "export without a format: exit 2" "[ $? -eq 2 ] && grep -q 'nothing to do' $d/e2"

# LAVA: the job and the test definition parse, and have what LAVA needs
check "LAVA job: a test-only job on an ssh device, running the definition" \
	"$py -c 'import yaml,sys
j=yaml.safe_load(open(sys.argv[1]))
a={list(x)[0]:x[list(x)[0]] for x in j[\"actions\"]}
ok=(j[\"device_type\"] and j[\"job_name\"] and j[\"timeouts\"][\"job\"] and
    a[\"deploy\"][\"to\"]==\"ssh\" and a[\"boot\"][\"method\"]==\"ssh\" and
    a[\"test\"][\"definitions\"][0][\"path\"]==\"harness/lab/vrc-lava-test.yaml\")
sys.exit(0 if ok else 1)' $lab/vrc-lava-job.yaml"
check "LAVA test definition: format 1.0, runs make check and reports results" \
	"$py -c 'import yaml,sys
t=yaml.safe_load(open(sys.argv[1]))
s=\" \".join(t[\"run\"][\"steps\"])
ok=(t[\"metadata\"][\"format\"]==\"Lava-Test Test Definition 1.0\" and t[\"metadata\"][\"name\"] and
    \"make check\" in s and \"harness/lab/vrc-lava-results\" in s and \"--resume\" in s)
sys.exit(0 if ok else 1)' $lab/vrc-lava-test.yaml"
check "the definition's helper exists in the tree" "[ -x $lab/vrc-lava-results ] && [ -e \"$src/\$(sed -n 's/^ *path: //p' $lab/vrc-lava-job.yaml)\" ]"

# vrc-lava-results through a recording lava-test-case
cat >"$d/lava-test-case" <<'SH'
#!/bin/sh
printf '%s\n' "$*" >>"$LAVA_LOG"
SH
chmod +x "$d/lava-test-case"
LAVA_TEST_CASE="$d/lava-test-case" LAVA_LOG="$d/calls" "$lab/vrc-lava-results" "$d/run" >"$d/lava.out"
check "vrc-lava-results: exit 0, one call per test plus measurements" \
	"[ $? -eq 0 ] && [ \$(grep -vc -- '--measurement' $d/calls) -eq $ntests ] &&
	 grep -q -- '--measurement' $d/calls"
check "vrc-lava-results: results mapped (incomplete unknown, notrun skip, crash fail)" \
	"grep -qx 'disc-display-irq --result unknown' $d/calls && grep -qx 'disc-chain-well-formed --result skip' $d/calls &&
	 grep -qx 'irq-invalid-requests-oops --result fail' $d/calls && grep -qx 'evt-flip-every-vblank --result pass' $d/calls &&
	 grep -q '^evt-idle-bound.idle_signal_rate --result pass --measurement [0-9.]* --units signals/vblank\$' $d/calls &&
	 grep -q 'irq-unregister is FLAKY' $d/lava.out"
echo '{"format":"vrc-results","tests":[{"name":"a b","result":"pass"}]}' >"$d/evil.json"
LAVA_TEST_CASE="$d/lava-test-case" LAVA_LOG="$d/calls2" "$lab/vrc-lava-results" "$d/evil.json" 2>"$d/e3"
check "vrc-lava-results refuses a bad test name, calls nothing" "[ $? -eq 2 ] && [ ! -e $d/calls2 ]"
exit $fail
