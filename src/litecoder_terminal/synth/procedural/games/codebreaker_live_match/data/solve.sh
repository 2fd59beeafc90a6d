#!/bin/bash
# Reference: a minimax (Knuth-style) player that drives the game over pipes.
set -euo pipefail
# The house's rules: how it answers, the limits per round, where it logs.
sed -n '1,25p' @@game@@
cat @@rules@@
cat > /tmp/player.py <<'PY'
@@player@@
PY
@@play@@
# The log must show the session cleared.
tail -n 3 @@log@@
