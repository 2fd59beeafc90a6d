#!/bin/bash
# Alternative: the install prefix is fixed at configure time (CMAKE_INSTALL_PREFIX) and installed through the
# build tool's `install` target; the report is written by a Python script parsing the tool's key=value output
# (rather than awk), with the file list from Python's own directory scan.
set -euo pipefail
cd @@root@@
cat > CMakeLists.txt <<'CMAKE_EOF'
@@cmakelists@@CMAKE_EOF
rm -rf build
cmake -S . -B build -DCMAKE_INSTALL_PREFIX=@@prefix@@
cmake --build build --target all
@@ctest@@cmake --build build --target install
python3 - <<'PY_EOF'
import os
import subprocess

incoming, report, tool = "@@incoming@@", "@@report@@", "@@prefix@@/bin/@@tool@@"
header = "@@header@@"
sep = "\t" if "\t" in header else ","
cols = header.split(sep)[1:]
names = sorted((n for n in os.listdir(incoming)
                if n.endswith(".txt") and os.path.isfile(os.path.join(incoming, n))), key=lambda n: n.encode())
rows = [header]
for name in names:
    out = subprocess.run([tool, os.path.join(incoming, name)], check=True, capture_output=True, text=True).stdout
    fields = dict(kv.split("=", 1) for kv in out.rsplit(": ", 1)[1].split())
    rows.append(sep.join([name] + [fields[c] for c in cols]))
os.makedirs(os.path.dirname(report), exist_ok=True)
with open(report, "w") as f:
    f.write("\n".join(rows) + "\n")
PY_EOF
