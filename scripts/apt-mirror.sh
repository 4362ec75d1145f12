#!/bin/sh
# Print the Debian mirror this host's apt already uses for the main archive,
# so the scripts that fetch from other suites (bookworm-backports' QEMU, sid's
# igt) go where this host is allowed to go: lab hosts often reach Debian only
# through a mirror or snapshot of their own. Falls back to Debian's public
# mirror when the sources name none.
set -eu

usage() {
	cat <<EOF
usage: scripts/apt-mirror.sh [--root=DIR]

Print the first URI of an enabled 'deb' source for a Debian suite (bookworm,
trixie, sid, ... and their -updates/-backports; not -security, not
third-party suites) in DIR/etc/apt/sources.list and sources.list.d/*.list,
*.sources. Prints http://deb.debian.org/debian if there is none.

  --root=DIR   read DIR/etc/apt instead of /etc/apt (for tests)
EOF
}

root=
for a in "$@"; do
	case $a in
	--root=*) root=${a#*=} ;;
	--help|-h) usage; exit 0 ;;
	*) echo "apt-mirror: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done

dir=$root/etc/apt
# a suite of Debian's main archive (the security archive is another tree)
suite_re='^(oldoldstable|oldstable|stable|testing|unstable|sid|experimental|buster|bullseye|bookworm|trixie|forky|duke)(-updates|-backports|-proposed-updates)?$'

one_line() {	# sources.list format: deb [opts] URI SUITE COMPONENT...
	awk -v re="$suite_re" '
	{ sub(/#.*/, "") }
	$1 == "deb" {
		i = 2
		if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
		if ($(i + 1) ~ re) { print $i; exit }
	}' "$@"
}

deb822() {	# Types:, URIs:, Suites:, Enabled: paragraphs, blank-line separated
	awk -v re="$suite_re" '
	function flush(   n, s, i) {
		if (types ~ /(^| )deb( |$)/ && enabled !~ /^(no|false)$/ && uris != "") {
			n = split(suites, s, " ")
			for (i = 1; i <= n; i++)
				if (s[i] ~ re) { split(uris, u, " "); print u[1]; found = 1; exit }
		}
		types = uris = suites = enabled = ""
	}
	/^[ \t]*#/ { next }
	/^[ \t]*$/ { flush(); next }
	{
		line = $0
		key = tolower(line); sub(/:.*/, "", key)
		val = line; sub(/^[^:]*:[ \t]*/, "", val)
		if (key == "types") types = val
		else if (key == "uris") uris = val
		else if (key == "suites") suites = val
		else if (key == "enabled") enabled = tolower(val)
	}
	END { if (!found) flush() }' "$@"
}

uri=
if [ -f "$dir/sources.list" ]; then
	uri=$(one_line "$dir/sources.list")
fi
for f in "$dir"/sources.list.d/*.list; do
	[ -z "$uri" ] && [ -f "$f" ] || continue
	uri=$(one_line "$f")
done
for f in "$dir"/sources.list.d/*.sources; do
	[ -z "$uri" ] && [ -f "$f" ] || continue
	uri=$(deb822 "$f")
done
uri=${uri%/}
echo "${uri:-http://deb.debian.org/debian}"
