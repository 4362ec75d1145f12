#!/bin/sh
# scripts/apt-mirror.sh against apt trees made here: it picks the main
# archive's URI in both source formats, never a security or third-party
# source nor a disabled one, and falls back to Debian's public mirror.
am="$(dirname "$0")/../apt-mirror.sh"
n=0
fail=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
d=$dir/etc/apt
mkdir -p "$d/sources.list.d"

is() {	# is NAME WANT: apt-mirror's answer for the tree as it is now
	got=$("$am" --root="$dir" 2>&1)
	n=$((n + 1))
	if [ "$got" = "$2" ]; then echo "ok $n $1"; else
		echo "not ok $n $1"; echo "#   want: $2"; echo "#   got:  $got"; fail=1; fi
}

echo "TAP version 13"
echo "1..7"

is "no sources: Debian's public mirror" "http://deb.debian.org/debian"

cat > "$d/sources.list.d/debian.sources" <<'S'
# a third-party suite first, then security, then a disabled one
Types: deb
URIs: https://repo.example/node_20.x
Suites: nodistro
Components: main

Types: deb
URIs: http://mirror.lab/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://disabled.lab/debian
Suites: bookworm
Enabled: no

types: deb-src deb
uris: http://mirror.lab/debian/ http://second.lab/debian
suites: bookworm bookworm-updates
components: main
S
is "deb822: the main archive's first URI, trailing slash dropped" "http://mirror.lab/debian"

printf 'Types: deb-src\nURIs: http://src.lab/debian\nSuites: sid\n' > "$d/sources.list.d/debian.sources"
is "deb822: a deb-src source is not a binary mirror" "http://deb.debian.org/debian"

printf 'Types: deb\nURIs: http://snap.lab/archive/debian/20250520T000000Z\nSuites: bookworm' \
	> "$d/sources.list.d/debian.sources"
is "deb822: last paragraph without a trailing newline" "http://snap.lab/archive/debian/20250520T000000Z"

cat > "$d/sources.list" <<'S'
# deb http://commented.lab/debian bookworm main
deb http://security.lab/debian-security bookworm-security main
deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://one.lab/debian bookworm main
S
is "one-line: options skipped, security skipped; sources.list first" "http://one.lab/debian"

printf 'deb http://extra.lab/debian trixie-backports main\n' > "$d/sources.list.d/extra.list"
rm -f "$d/sources.list" "$d/sources.list.d/debian.sources"
is "one-line: a .list in sources.list.d" "http://extra.lab/debian"

n=$((n + 1))
if "$am" --bogus > /dev/null 2>&1; then echo "not ok $n a bad argument exits non-zero"; fail=1
else echo "ok $n a bad argument exits non-zero"; fi
exit $fail
