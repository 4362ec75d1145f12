#!/bin/sh
# vrc report renders: Chromium (headless) loads report.html, its DOM has the
# sections (regressions first with --compare), its screenshot is not blank
# (decoded with cairo by pngstat; a blank page is the negative control), and
# the page is self-contained. Missing artifacts say "no data"; broken ones
# are skipped, not fatal.
b=${VRC_BUILD:-build}
py=/usr/bin/python3
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0
fail=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi; }
chrome() {	# chrome OUTPUT-ARGS... URL
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$d/chrome" --window-size=1200,1600 "$@" 2>>"$d/chrome.log"
}

echo "TAP version 13"
echo "1..12"
"$b/vrc" run --model=ref --out="$d/ref" --vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
"$b/vrc" run --model=v6 --out="$d/v6" --vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
# the artifacts other parts will produce: latency samples, a tear map; and junk
$py -c 'import json,random
random.seed(1)
json.dump({"samples_us":[abs(random.gauss(900,200)) for _ in range(500)]},
          open("'"$d"'/v6/tests/evt-flip-every-vblank/latency.json","w"))'
mkdir -p "$d/v6/tests/evt-flip-burst"
echo '{"bands":4,"torn_per_band":[0,3,9,1],"captures":10}' >"$d/v6/tests/evt-flip-burst/tearmap.json"
echo '{"rows":[{"flip":1,' >"$d/v6/tests/evt-flip-burst/vblanks-broken.json"

"$b/vrc" report "$d/v6" --compare="$d/ref" >"$d/out"
check "vrc report: exit 0, prints the page's path" \
	"[ $? -eq 0 ] && grep -qx '$d/v6/report.html' $d/out && [ -s $d/v6/report.html ]"
nvb=$(ls "$d"/v6/tests/*/vblanks-*.json | grep -vc broken)
nart=$(ls "$d"/v6/tests/*/latency.json "$d"/v6/tests/*/tearmap.json | wc -l)
check "one embedded PNG per timeline ($nvb), latency and tear map ($nart), the rates" \
	"[ \$(grep -o 'src=\"data:image/png;base64,' $d/v6/report.html | wc -l) -eq $((nvb + nart + 1)) ]"
check "self-contained: no script, no external resource" \
	"! grep -qi '<script\\|src=\"http\\|href=\"http\\|<link ' $d/v6/report.html"

chrome --dump-dom "file://$d/v6/report.html" >"$d/dom.html"
check "Chromium loads it (DOM dumped)" "grep -q '<h1>vrc report: ' $d/dom.html"
check "the DOM has every section" \
	"for h in 'Regressions and changes against baseline' '>Results<' 'Signal rate: event-driven vs timer-driven' \
	          '>Latency<' '>Tear map<' 'Timelines: signals per vblank'; do grep -q \"\$h\" $d/dom.html || exit 1; done"
check "regressions come before the results" \
	"[ \$(grep -n 'Regressions and changes' $d/dom.html | cut -d: -f1 | head -1) -lt \$(grep -n '>Results<' $d/dom.html | cut -d: -f1 | head -1) ] &&
	 grep -q '<td>regressed</td><td>evt-idle-bound</td>' $d/dom.html"
check "latency and tear map drawn from their artifacts" \
	"grep -q '500 samples, median' $d/dom.html && grep -q '4 bands, 10 captures, worst band torn 9' $d/dom.html"

chrome --screenshot="$d/shot.png" "file://$d/v6/report.html" >/dev/null
read -r w h var col <<EOT
$("$b/lab/pngstat" "$d/shot.png")
EOT
echo "# screenshot: ${w}x${h}, luma variance $var, $col colours"
check "the screenshot is not blank (variance, colours)" \
	"[ '$w' = 1200 ] && $py -c 'import sys; sys.exit(not (float(sys.argv[1]) > 200 and int(sys.argv[2]) > 32))' ${var:-0} ${col:-0}"
echo '<html><body></body></html>' >"$d/blank.html"
chrome --screenshot="$d/blank.png" "file://$d/blank.html" >/dev/null
read -r w h var col <<EOT
$("$b/lab/pngstat" "$d/blank.png")
EOT
check "negative control: a blank page measures blank" \
	"$py -c 'import sys; sys.exit(not (float(sys.argv[1]) < 1 and int(sys.argv[2]) <= 2))' ${var:-999} ${col:-999}"

"$b/vrc" run --model=ref --suite='irq-*' --out="$d/irq" --vgpu-sim="$b/vgpu-sim" >/dev/null 2>&1
"$b/vrc" report "$d/irq/results.json" >/dev/null
check "no artifacts: each plot says no data" \
	"[ \$(grep -c '<p>no data' $d/irq/report.html) -eq 4 ]"
"$b/vrc" report "$d/none" 2>"$d/e1"
check "a missing run: exit 2 naming it" "[ $? -eq 2 ] && grep -q '$d/none' $d/e1"
"$b/vrc" report "$d/ref" --compare="$d/nothing" 2>"$d/e2"
check "a missing baseline: exit 2 naming it" "[ $? -eq 2 ] && grep -q 'compare=$d/nothing' $d/e2"
exit $fail
