#!/bin/bash
# Alternative: no rewrite — edit only the faulty line ranges in place, bottom-up so earlier line numbers hold.
set -euo pipefail
cd @@root@@
python3 -m pytest -q -p no:cacheprovider tests || true
python3 - <<'PY'
import json
import pathlib

path = pathlib.Path("@@mod@@.py")
lines = path.read_text().splitlines(keepends=True)
hunks = json.loads(r'''@@hunks@@''')
for start, end, new in sorted(hunks, key=lambda h: h[0], reverse=True):
    lines[start:end] = new
path.write_text("".join(lines))
PY
python3 -m pytest -q -p no:cacheprovider tests
