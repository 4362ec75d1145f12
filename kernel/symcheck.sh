#!/bin/sh
# The symbols a patch series makes a module of drivers/gpu/drm/i915 need
# from outside it must be exported to that module, or the module does not
# load ("Unknown symbol"). modpost would say so, but it needs a whole
# kernel build; this checks what the series adds with the objects of the
# i915 directory alone: it rebuilds the touched objects from the sources
# before the series, compares each module's undefined symbols before and
# after, and looks every new one up among the tree's EXPORT_SYMBOL*s,
# with its namespace (which the module must import) and EXPORT_SYMBOL_
# FOR_MODULES list. Run by kernel/check.sh after building the directory.
set -eu
export LC_ALL=C	# sort and comm must agree

usage() {
	cat <<EOF
usage: kernel/symcheck.sh --src DIR --obj DIR --base REV [--jobs N]

  --src DIR   the kernel source tree, a git repository with the series
              committed on top of REV (kernel/check.sh makes it so)
  --obj DIR   its build directory, drivers/gpu/drm/i915 built in it
  --base REV  the commit before the series
  --jobs N    make -j N for the rebuild (default 2)

Prints, per module, the symbols the series adds and where each is
exported. Leaves the tree at HEAD; the touched objects are then those of
REV's sources (the caller rebuilds them). Exit status: 0 every new symbol
is reachable, 1 one is not or a step failed (named on stderr), 2 bad usage.
EOF
}

src='' obj='' base='' jobs=2
for a in "$@"; do
	case $a in
	--src=*) src=${a#*=} ;;
	--obj=*) obj=${a#*=} ;;
	--base=*) base=${a#*=} ;;
	--jobs=*) jobs=${a#*=} ;;
	-h|--help) usage; exit 0 ;;
	*) echo "symcheck: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done
if [ -z "$src" ] || [ -z "$obj" ] || [ -z "$base" ]; then
	echo "symcheck: --src, --obj and --base are required (see --help)" >&2; exit 2
fi
case $jobs in ''|*[!0-9]*|0) echo "symcheck: --jobs wants a positive number, not '$jobs'" >&2; exit 2 ;; esac
src=$(cd "$src" && pwd) && obj=$(cd "$obj" && pwd) ||
	{ echo "symcheck: --src or --obj is not a folder" >&2; exit 2; }
dir=drivers/gpu/drm/i915
git -C "$src" rev-parse -q --verify "$base^{commit}" >/dev/null ||
	{ echo "symcheck: '$base' is not a commit of $src" >&2; exit 2; }
ls "$obj/$dir"/*.mod >/dev/null 2>&1 ||
	{ echo "symcheck: no $obj/$dir/*.mod: build $dir first" >&2; exit 1; }

tmp=$(mktemp -d)
restore=0
cleanup() {
	[ $restore -eq 0 ] || git -C "$src" checkout -q HEAD -- $files_old 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
files=$(git -C "$src" diff --name-only "$base" HEAD)
# the touched files that existed before the series (added ones have no
# past), but Kconfig files: one put back would make the next make rerun
# syncconfig and drop the symbols the series adds (the 7.2 series' sample)
# from the build's .config, and objects do not need them
files_old=$(for f in $files; do
	case "${f##*/}" in Kconfig*) continue ;; esac
	if git -C "$src" cat-file -e "$base:$f" 2>/dev/null; then echo "$f"; fi
done)
# c_objs FILE...: the objects of the C files among them
c_objs() { printf '%s\n' "$@" | sed -n "s|^\\($dir/.*\\)\\.c\$|\\1.o|p"; }
# shellcheck disable=SC2086 # one word per file
objs=$(c_objs $files)
# shellcheck disable=SC2086
existing=$(c_objs $files_old)

# syms OBJ...: "U name" and "D name" lines (global symbols only)
syms() {
	for o in "$@"; do
		[ -f "$obj/$o" ] || { echo "symcheck: no $obj/$o, which a .mod names" >&2; exit 1; }
		nm -g "$obj/$o" | awk '$1 == "U" { print "U", $2; next }
			NF == 3 { print "D", $3 }'
	done
}
# needs TABLE_DIR: a module's undefined symbols, one a line, from its
# objects' tables in TABLE_DIR (named by the object path)
needs() {
	cat "$1"/* > "$tmp/all"
	awk '$1 == "D" { d[$2] = 1 } $1 == "U" { u[$2] = 1 }
	     END { for (s in u) if (!(s in d)) print s }' "$tmp/all" | sort
}
table() {	# table OBJ DIR: OBJ's symbols into DIR
	mkdir -p "$2"
	syms "$1" > "$2/$(echo "$1" | tr / _)"
}

# after: every object of every module, as built
for m in "$obj/$dir"/*.mod; do
	name=$(basename "$m" .mod)
	for o in $(tr ' ' '\n' < "$m" | grep '\.o$'); do
		o=${o#"$obj"/}
		table "$o" "$tmp/after-$name"
	done
done
# before: the touched objects rebuilt from REV's sources
restore=1
# shellcheck disable=SC2086 # one word per file
git -C "$src" checkout -q "$base" -- $files_old
# the objects of files the series adds have no past: none before
for o in $objs; do
	case " $(echo $existing) " in *" $o "*) ;; *) rm -f "$obj/$o" ;; esac
done
if [ -n "$existing" ]; then
	# shellcheck disable=SC2086 # one word per object
	make -s -C "$src" O="$obj" -j"$jobs" $existing > "$tmp/make.log" 2>&1 ||
		{ tail -n 30 "$tmp/make.log" >&2; echo "symcheck: building $base's objects failed" >&2; exit 1; }
fi
# shellcheck disable=SC2086 # one word per file
git -C "$src" checkout -q HEAD -- $files_old
restore=0
for m in "$obj/$dir"/*.mod; do
	name=$(basename "$m" .mod)
	cp -r "$tmp/after-$name" "$tmp/before-$name"
	for o in $objs; do
		f="$tmp/before-$name/$(echo "$o" | tr / _)"
		[ -e "$f" ] || continue
		if [ -e "$obj/$o" ]; then syms "$o" > "$f"; else : > "$f"; fi
	done
done

# every EXPORT_* line of the tree naming one of the new symbols
bad=0
for m in "$obj/$dir"/*.mod; do
	name=$(basename "$m" .mod)
	needs "$tmp/after-$name" > "$tmp/u-after"
	needs "$tmp/before-$name" > "$tmp/u-before"
	new=$(comm -23 "$tmp/u-after" "$tmp/u-before")
	if [ -z "$new" ]; then
		echo "$name: the series needs no new symbol from outside it"
		continue
	fi
	echo "$name: the symbols the series needs from outside it ($(echo "$new" | wc -l)):"
	# the module's own sources, for MODULE_IMPORT_NS
	srcs=$(tr ' ' '\n' < "$m" | sed -n "s|^\\($dir/.*\\)\\.o\$|$src/\\1.c|p")
	for s in $new; do
		hit=$(git -C "$src" grep --untracked --no-exclude-standard -n -E "^[[:space:]]*EXPORT_[A-Z_]*\\([[:space:]]*${s}[[:space:]]*[,)]" \
			-- '*.c' '*.S' '*.h' | head -n 1 || true)
		if [ -z "$hit" ]; then
			echo "    $s: NOT EXPORTED to modules"
			bad=1
			continue
		fi
		where=${hit%%:*}
		line=${hit#*:*:}
		kind=$(printf '%s\n' "$line" | sed 's/^[[:space:]]*\(EXPORT_[A-Z_]*\).*/\1/')
		ns=$(printf '%s\n' "$line" | sed -n 's/^[^,]*,[[:space:]]*"\{0,1\}\([A-Za-z0-9_]*\)"\{0,1\}[[:space:]]*).*/\1/p')
		case $kind in
		*_FOR_MODULES)
			if printf '%s\n' "$line" | grep -q "[\",]${name}[\",]"; then
				echo "    $s: $kind, $where (names $name)"
			else
				echo "    $s: $kind, $where: NOT FOR $name"; bad=1
			fi ;;
		*_NS*)
			# shellcheck disable=SC2086 # one word per source
			if grep -qE "MODULE_IMPORT_NS\\(\"?$ns\"?\\)" $srcs 2>/dev/null; then
				echo "    $s: $kind $ns, $where ($name imports $ns)"
			else
				echo "    $s: $kind $ns, $where: $name DOES NOT IMPORT $ns"; bad=1
			fi ;;
		*) echo "    $s: $kind, $where" ;;
		esac
	done
done
[ $bad -eq 0 ] || { echo "symcheck: a module would not load: symbols above" >&2; exit 1; }
