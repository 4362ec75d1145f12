#!/bin/sh
# docs/coverage.md stays true to the code: every row names tests `vrc list`
# knows, models `vgpu-sim --list-models` knows and a sentence id docs/spec.md
# defines; every sentence of docs/spec.md has a row; a `covered` row has a
# test and a model, and each model's row in `vrc mutation --list-expected`
# includes the sentence's clause. `open` rows are TAP TODO lines. Then the
# checker itself is shown to fail on deliberately broken copies, and the
# repository is searched for references to files outside it.
#
#   t_coverage.sh                     the whole self-test (TAP)
#   t_coverage.sh --check SPEC TABLE TESTS MODELS EXPECTED
#                                     check one table (lists as files)
#   t_coverage.sh --refs DIR          references to outside files under DIR
set -u
b=${VRC_BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

# TAP lines ("ok - ..." / "not ok - ...") for one table, unnumbered.
check_table() {
	awk -v f_spec="$1" -v f_tab="$2" -v f_tests="$3" -v f_models="$4" \
	    -v f_exp="$5" -v root="$root" '
	function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
	function none(s) { return s == "" || s == "-" || s == "\342\200\224" }
	function bad(msg) { errs = errs (errs ? "; " : "") msg }
	FILENAME == f_tests { test[$1] = 1; next }
	FILENAME == f_models { model[$1] = 1; next }
	FILENAME == f_exp { want[$1 SUBSEP $2] = "," $3 ","; next }
	FILENAME == f_spec {
		line = $0
		while (match(line, /\*\*[A-Z]+-[0-9]+\.[0-9]+\*\*/)) {
			id = substr(line, RSTART + 2, RLENGTH - 4)
			if (id in def)
				print "not ok - " id " is defined twice in the spec"
			def[id] = 1; order[++nd] = id
			line = substr(line, RSTART + RLENGTH)
		}
		next
	}
	FILENAME == f_tab && /^\|[ ]*[A-Z]+-[0-9]+(\.[0-9]+)?[ ]*\|/ {
		n = split($0, c, "|")
		id = trim(c[2]); errs = ""
		if (n != 7) {
			print "not ok - " id ": want 5 cells, got " n - 2
			next
		}
		tests = trim(c[3]); models = trim(c[4]); status = trim(c[5]); note = trim(c[6])
		ic = id ~ /^IC-[0-9]+$/
		if (id in row)
			bad("a second row for it")
		row[id] = 1
		if (!ic && !(id in def))
			bad("not a sentence id of the spec")
		nt = 0
		if (!none(tests)) {
			k = split(tests, t, ",")
			for (i = 1; i <= k; i++) {
				x = trim(t[i]); nt++
				if (x ~ /^self-test:/) {
					p = substr(x, 11)
					if (system("test -f \"" root "/" p "\""))
						bad("no file " p)
				} else if (!(x in test))
					bad("vrc list knows no test " x)
			}
		}
		nm = 0; delete mods
		if (!none(models)) {
			k = split(models, m, ",")
			for (i = 1; i <= k; i++) {
				x = trim(m[i]); abi = "-"; nm++
				if (x ~ /\//) {
					abi = substr(x, index(x, "/") + 1)
					x = substr(x, 1, index(x, "/") - 1)
					if (abi !~ /^v[567]$/)
						bad("abi " abi " of " x " is not v5, v6 or v7")
				}
				if (!(x in model))
					bad("vgpu-sim knows no model " x)
				mods[nm] = x SUBSEP abi
			}
		}
		if (status == "covered") {
			if (!nt)
				bad("covered without a test")
			clause = id; sub(/\.[0-9]+$/, "", clause)
			if (!ic && clause ~ /^(DISC|IRQ|EVT|TEAR|ISO)-/) {
				if (!nm)
					bad("covered without a model that fails it")
				for (i = 1; i <= nm; i++) {
					split(mods[i], ma, SUBSEP)
					if (!(mods[i] in want))
						bad("vrc mutation has no expected row for " ma[1] \
						    (ma[2] == "-" ? "" : "/" ma[2]))
					else if (index(want[mods[i]], "," clause ",") == 0)
						bad(ma[1] (ma[2] == "-" ? "" : "/" ma[2]) \
						    " is not expected to be flagged on " clause)
				}
			}
		} else if (status == "measured") {
			if (!nt)
				bad("measured by no test")
		} else if (status == "open") {
			if (note == "")
				bad("open without saying what is missing")
		} else
			bad("status \"" status "\" is not covered, open or measured")
		if (errs != "")
			print "not ok - " id ": " errs
		else if (status == "open")
			print "not ok - " id " # TODO " note
		else
			print "ok - " id " " status " (" nt " tests, " nm " models)"
		next
	}
	END {
		missing = 0
		for (i = 1; i <= nd; i++)
			if (!(order[i] in row)) {
				print "not ok - " order[i] " of the spec has no row in the table"
				missing++
			}
		if (!nd)
			print "not ok - the spec defines no sentence id"
		else if (!missing)
			print "ok - every one of the spec'"'"'s " nd " sentences has a row"
	}' "$3" "$4" "$5" "$1" "$2"
}

# Files under $1 that cite a document outside the repository. The pattern is
# spelled so that this script does not match itself.
scan_refs() {
	pat='\.\./shared/|/work/share[d]|(SPEC|ARCHITECTURE|PROTOCOLS|ANCHORS|LAB)\.md'
	if [ -d "$1/.git" ] || [ -f "$1/.git" ]; then
		(cd "$1" && git ls-files --cached --others --exclude-standard -z |
		 xargs -0 grep -IlE "$pat" -- 2>/dev/null)
	else
		(cd "$1" && grep -rIlE --exclude-dir='build*' --exclude-dir=results \
		 "$pat" . 2>/dev/null)
	fi
}

# Number "ok"/"not ok" lines, add the plan; exit 1 on a failure not TODO.
tap_number() {
	awk '/^(not )?ok / {
		n++
		if ($1 == "ok") $0 = "ok " n substr($0, 3)
		else { $0 = "not ok " n substr($0, 7); if ($0 !~ / # TODO /) f++ }
	}
	{ print }
	END { print "1.." n; exit f ? 1 : 0 }'
}

case "${1:-}" in
--check)
	[ $# = 6 ] || { echo "usage: $0 --check SPEC TABLE TESTS MODELS EXPECTED" >&2; exit 2; }
	check_table "$2" "$3" "$4" "$5" "$6" | tap_number
	exit $?
	;;
--refs)
	[ $# = 2 ] || { echo "usage: $0 --refs DIR" >&2; exit 2; }
	found=$(scan_refs "$2")
	[ -z "$found" ] && exit 0
	echo "$found"
	exit 1
	;;
esac

tmp=$(mktemp -d /tmp/vrc-coverage.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
spec=$root/docs/spec.md
tab=$root/docs/coverage.md
"$b/vrc" list | awk '{ print $1 }' >"$tmp/tests" &&
	"$b/vgpu-sim" --list-models | awk '{ print $1 }' >"$tmp/models" &&
	"$b/vrc" mutation --list-expected >"$tmp/expected" || {
	echo "Bail out! cannot list tests, models or expectations from $b"
	exit 1
}
lists="$tmp/tests $tmp/models $tmp/expected"

# A broken copy of the table (or spec) must be rejected, with a line that
# names what is wrong. $1 what, $2 the line's text, $3 spec, $4 table.
rejects() {
	out=$(sh "$here/t_coverage.sh" --check "$3" "$4" $lists 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -v '# TODO' | grep -q "^not ok.*$2"; then
		echo "ok - the checker rejects $1"
	else
		echo "not ok - the checker does not reject $1 (exit $rc)"
		printf '%s\n' "$out" | grep '^not ok' | grep -v '# TODO' | sed 's/^/# /'
	fi
}

# $1 name, $2 sed script applied to the table (or spec with $3 = spec)
broken() {
	src=$tab
	[ "${3:-}" = spec ] && src=$spec
	sed "$2" "$src" >"$tmp/$1"
	cmp -s "$src" "$tmp/$1" && return 1	# the sed script changed nothing
	echo "$tmp/$1"
}
unmade() { echo "not ok - the broken copy $1 could not be made (has the table changed?)"; }

{
	check_table "$spec" "$tab" $lists
	c=$(broken unknown-test 's/^| DISC-1.6 | disc-display-irq |/| DISC-1.6 | disc-no-such-test |/') &&
		rejects "a test vrc list does not know" "no test disc-no-such-test" "$spec" "$c" ||
		unmade unknown-test
	c=$(broken unknown-model 's/^| DISC-2.1 | disc-chain-well-formed | bad-caps |/| DISC-2.1 | disc-chain-well-formed | no-such-model |/') &&
		rejects "a model vgpu-sim does not know" "no model no-such-model" "$spec" "$c" ||
		unmade unknown-model
	c=$(broken unknown-sentence '$a\
| EVT-9.9 | evt-flip-pattern | late | covered | |') &&
		rejects "a sentence id the spec does not define" "EVT-9.9: not a sentence id" "$spec" "$c" ||
		unmade unknown-sentence
	c=$(broken missing-row '/^| IRQ-3.4 |/d') &&
		rejects "a sentence of the spec without a row" "IRQ-3.4 of the spec has no row" "$spec" "$c" ||
		unmade missing-row
	c=$(broken wrong-clause 's/^| DISC-2.1 | disc-chain-well-formed | bad-caps |/| DISC-2.1 | disc-chain-well-formed | leak |/') &&
		rejects "a model not expected to fail the clause" "leak is not expected to be flagged on DISC-2" "$spec" "$c" ||
		unmade wrong-clause
	c=$(broken wrong-abi 's/^| EVT-5.2 | evt-values-decode | badval\/v7 |/| EVT-5.2 | evt-values-decode | sticky-mask\/v7 |/') &&
		rejects "a model and ABI without an expected row" "no expected row for sticky-mask/v7" "$spec" "$c" ||
		unmade wrong-abi
	c=$(broken no-model 's/^| IRQ-3.4 | irq-reregister | leak | covered/| IRQ-3.4 | irq-reregister | — | covered/') &&
		rejects "a covered row without a failing model" "covered without a model" "$spec" "$c" ||
		unmade no-model
	c=$(broken open-no-note 's/^\(| EVT-4.2 | [^|]* | [^|]* | \)covered |.*/\1open | |/') &&
		rejects "an open row that does not say what is missing" "open without saying" "$spec" "$c" ||
		unmade open-no-note
	s=$(broken spec-new-sentence 's/^- \*\*EVT-4.2\*\*/- **EVT-4.3** A new requirement.\n&/' spec) &&
		rejects "a new sentence of the spec with no row" "EVT-4.3 of the spec has no row" "$s" "$tab" ||
		unmade spec-new-sentence

	# References to documents outside the repository
	found=$(scan_refs "$root")
	if [ -z "$found" ]; then
		echo "ok - nothing in the repository cites a document outside it"
	else
		echo "not ok - these files cite documents outside the repository:"
		printf '%s\n' "$found" | sed 's/^/#   /'
	fi
	mkdir -p "$tmp/tree/lib" &&
		printf '/* see SPEC.%s section 2 */\n' md >"$tmp/tree/lib/a.c" &&
		printf 'ok\n' >"$tmp/tree/b.md"
	if [ "$(scan_refs "$tmp/tree")" = "./lib/a.c" ]; then
		echo "ok - the reference scan finds a planted citation of an outside file"
	else
		echo "not ok - the reference scan misses a planted citation of an outside file"
	fi
} | tap_number
