#!/bin/bash
# Reference: Sprague-Grundy values per round; always move to a position whose Grundy XOR is 0.
set -euo pipefail
# The house's strategy and the input syntax are in the docstring; the rounds in the rules file.
sed -n '1,20p' @@game@@
cat @@rules@@
cat > /tmp/heaps_player.py <<'PY'
@@player@@
PY
@@play@@
tail -n 2 @@log@@
