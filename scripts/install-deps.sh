#!/bin/sh
# Install the Debian packages of scripts/debian-packages.txt that are missing.
# The one place vrc's dependencies come from; make test / make check call it.
#
#   scripts/install-deps.sh [PROFILE...]
#
# Lines without a profile are always installed; a line "PROFILE: pkg..." only
# when PROFILE is named (e.g. "kernel" for make kernel-check, whose kernel
# sources are large). Quiet when everything is there already.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
list="$here/debian-packages.txt"

want=""
for prof in "" "$@"; do
	if [ -z "$prof" ]; then
		pkgs=$(grep -v '^[[:space:]]*#' "$list" | grep -v ':' || true)
	else
		if ! grep -q "^$prof:" "$list"; then
			echo "install-deps: unknown profile '$prof' (see $list)" >&2
			exit 2
		fi
		pkgs=$(grep "^$prof:" "$list" | sed 's/^[^:]*://')
	fi
	want="$want $pkgs"
done

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "install-deps: need root (or sudo) to install:$missing" >&2
		exit 2
	fi
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq -o Acquire::Check-Valid-Until=false >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
