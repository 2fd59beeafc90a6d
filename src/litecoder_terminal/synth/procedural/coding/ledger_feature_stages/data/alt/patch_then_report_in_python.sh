#!/bin/bash
# Alternative: patch only the faulty lines of the parser in place (bottom-up hunks), write the report and CLI
# modules, then produce the reports from Python by calling the CLI's main() with stdout captured per file.
set -euo pipefail
cd @@root@@
cat docs/TICKET.md
python3 - <<'PY'
import json
import pathlib

path = pathlib.Path("@@pkg@@/parse.py")
lines = path.read_text().splitlines(keepends=True)
for start, end, new in sorted(json.loads(r'''@@hunks@@'''), key=lambda h: h[0], reverse=True):
    lines[start:end] = new
path.write_text("".join(lines))
PY
cat > @@pkg@@/report.py <<'PYEOF'
@@report@@PYEOF
cat > @@pkg@@/cli.py <<'PYEOF'
@@cli@@PYEOF
python3 - <<'PY'
import contextlib
import io
import json
import os
import sys

sys.path.insert(0, os.getcwd())
from @@pkg@@.cli import main

jobs = json.loads(r'''@@jobs@@''')
os.makedirs("@@reports@@", exist_ok=True)
for out, argv in jobs:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(argv) == 0, argv
    with open(out, "w") as f:
        f.write(buf.getvalue())
    print("wrote", out)
PY
