#!/bin/bash
# Alternative: Python with gzip and csv modules, rotations read oldest first, counts kept in a Counter.
set -eu
python3 - <<'PY'
import csv
import gzip
import os
from collections import Counter

log_dir = "@@log_dir@@"
by_path = @@by_path@@
names = sorted(os.listdir(log_dir), reverse=True)
counts = Counter()
for name in names:
    if not name.startswith("access.log"):
        continue
    path = os.path.join(log_dir, name)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt") as fh:
        for line in fh:
            f = line.split()
            if len(f) != 6 or not f[4].isdigit() or not 500 <= int(f[4]) <= 599:
                continue
            counts[(int(f[4]), f[3]) if by_path else (int(f[4]),)] += 1
rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
out = "@@out@@"
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["status", "path", "count"] if by_path else ["status", "count"])
    for key, n in rows:
        w.writerow([*key, n])
PY
