#!/bin/bash
# Alternative: keep the file and splice each implementation over its stub (Python edits in place), function by
# function in reverse order, then build with the sanitizers first and the Makefile last.
set -euo pipefail
cd @@root@@
python3 - <<'PY'
import json
import pathlib

path = pathlib.Path("src/@@impl@@")
text = path.read_text()
for stub, body in reversed(json.loads(r'''@@pairs@@''')):
    assert text.count(stub) == 1, "stub not found once"
    text = text.replace(stub, body)
path.write_text(text)
PY
gcc -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -Iinclude tests/test_basic.c src/@@impl@@ -o /tmp/alt_san
ASAN_OPTIONS=detect_leaks=0 /tmp/alt_san
rm -f /tmp/alt_san
make test
