#!/bin/sh
# kernel/symcheck.sh on a tree made here: two modules in
# drivers/gpu/drm/i915 (i915 and kvmgt, their .mod files as kbuild writes
# them), a Makefile standing in for kbuild's single-object targets, and
# "series" commits that make kvmgt call something new. A call to an
# unexported function, to a namespaced export kvmgt does not import, or
# to an export for other modules only must fail naming the symbol; an
# exported one, or an imported namespace, passes; a file the series
# adds counts as all new; the tree is left at HEAD. Offline, no kernel tree; TAP output.
here=$(cd "$(dirname "$0")" && pwd)
sc="$here/symcheck.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
src=$dir/src obj=$dir/obj d=drivers/gpu/drm/i915
n=0
fail=0
git_() { git -C "$src" -c user.name=t -c user.email=t@invalid "$@"; }

mkdir -p "$src/$d/gvt" "$src/kernel" "$obj/$d/gvt"
# kbuild's "make O=DIR path/file.o", for the files here
cat > "$src/Makefile" <<'EOF'
MAKEFLAGS += -r
%.o: FORCE
	@mkdir -p $(dir $(O)/$@)
	$(CC) -c -o $(O)/$@ $*.c
.PHONY: FORCE
FORCE:
EOF
cat > "$src/kernel/core.c" <<'EOF'
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_NS_GPL(s, ns)
#define EXPORT_SYMBOL_FOR_MODULES(s, m)
int exported(void) { return 1; }
EXPORT_SYMBOL(exported);
int hidden(void) { return 2; }
int in_ns(void) { return 3; }
EXPORT_SYMBOL_NS_GPL(in_ns, "SOME_NS");
int for_kvm(void) { return 4; }
EXPORT_SYMBOL_FOR_MODULES(for_kvm, "kvm");
EOF
echo 'int i915_thing(void) { return 0; }' > "$src/$d/i915_core.c"
echo 'int old_use(void); int display(void) { return old_use(); }' > "$src/$d/gvt/display.c"
echo 'int kvmgt_main(void) { return 0; }' > "$src/$d/gvt/kvmgt.c"
echo "$d/i915_core.o" > "$obj/$d/i915.mod"
printf '%s\n' "$d/gvt/display.o" "$d/gvt/kvmgt.o" > "$obj/$d/kvmgt.mod"
# as kernel-check's tree: git tracks only the files the series changes, so
# the exports elsewhere (kernel/core.c) are found in untracked files
git_ init -q && git_ add "$d/gvt/display.c" "$d/gvt/kvmgt.c" && git_ commit -qm base
base=$(git_ rev-parse HEAD)

# series NAME C_BODY [KVMGT_EXTRA]: one commit on base that changes
# display.c (and kvmgt.c), then the objects built as kbuild would
series() {
	git_ checkout -q -f "$base"
	printf 'int old_use(void);\n%s\n' "$2" > "$src/$d/gvt/display.c"
	[ -z "${3:-}" ] || echo "$3" >> "$src/$d/gvt/kvmgt.c"
	git_ commit -qam "$1"
	for o in "$d/i915_core.o" "$d/gvt/display.o" "$d/gvt/kvmgt.o"; do
		make -s -C "$src" O="$obj" "$o" >/dev/null || exit 1
	done
}
# check NAME WANT_RC WORD: symcheck's exit status and a line of its output
check() {
	rc=0
	"$sc" --src="$src" --obj="$obj" --base="$base" --jobs=1 > "$dir/out" 2>&1 || rc=$?
	n=$((n + 1))
	if [ $rc -eq "$2" ] && grep -qF -- "$3" "$dir/out" &&
	   [ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "#   want: exit $2, '$3', a clean tree; got exit $rc:"
		sed 's/^/#   /' "$dir/out"; git -C "$src" status --short --untracked-files=no | sed 's/^/#   /'
		fail=1
	fi
}

echo "TAP version 13"
echo "1..8"
series "nothing new" 'int old_use(void); int display(void) { return old_use() + 1; }'
check "no new symbol: passes" 0 "kvmgt: the series needs no new symbol from outside it"

series "exported" 'int exported(void); int display(void) { return old_use() + exported(); }'
check "a new exported symbol passes, naming its export" 0 \
	"    exported: EXPORT_SYMBOL, kernel/core.c"

series "hidden" 'int hidden(void); int display(void) { return old_use() + hidden(); }'
check "an unexported symbol fails, naming it" 1 "    hidden: NOT EXPORTED to modules"

series "namespace" 'int in_ns(void); int display(void) { return old_use() + in_ns(); }'
check "a namespace the module does not import fails" 1 \
	"    in_ns: EXPORT_SYMBOL_NS_GPL SOME_NS, kernel/core.c: kvmgt DOES NOT IMPORT SOME_NS"

series "namespace imported" 'int in_ns(void); int display(void) { return old_use() + in_ns(); }' \
	'#define MODULE_IMPORT_NS(ns)
MODULE_IMPORT_NS("SOME_NS");'
check "an imported namespace passes" 0 "    in_ns: EXPORT_SYMBOL_NS_GPL SOME_NS, kernel/core.c (kvmgt imports SOME_NS)"

series "for other modules" 'int for_kvm(void); int display(void) { return old_use() + for_kvm(); }'
check "an export for other modules only fails" 1 "    for_kvm: EXPORT_SYMBOL_FOR_MODULES, kernel/core.c: NOT FOR kvmgt"

series "within" 'int kvmgt_main(void); int display(void) { return old_use() + kvmgt_main(); }'
check "a symbol the module defines itself is not asked for" 0 \
	"kvmgt: the series needs no new symbol from outside it"

# a file the series adds has no objects before it: all it needs is new
series "added file" 'int display(void) { return old_use(); }'
echo 'int hidden(void); int extra(void) { return hidden(); }' > "$src/$d/gvt/extra.c"
git_ add -A && git_ commit -qm "added file"
make -s -C "$src" O="$obj" "$d/gvt/extra.o" >/dev/null || exit 1
echo "$d/gvt/extra.o" >> "$obj/$d/kvmgt.mod"
check "what a file the series adds needs is checked too" 1 "    hidden: NOT EXPORTED to modules"
exit $fail
