#!/bin/sh
# The suite's power: every known-bad model is flagged exactly on its clauses
# (SPEC section 5, with the corrections listed in harness/vrc/mutation.c).
set -eu
b=${VRC_BUILD:-build}
exec "$b/vrc" mutation --vgpu-sim="$b/vgpu-sim" 2>/dev/null
