#!/bin/bash
# Alternative: parse the Backport trailers with git interpret-trailers-style output in Python (no --grep), and
# release the branches newest first.
set -euo pipefail
cd @@repo@@
python3 - <<'PYEOF'
import subprocess

def git(*args):
    return subprocess.run(["git", *args], check=True, text=True, stdout=subprocess.PIPE).stdout

specs = "@@specs@@".split()
for spec in reversed(specs):
    branch, base, version = spec.split(":")
    picks = []
    for rec in git("log", "--reverse", "--format=%H%x00%(trailers:key=Backport,valueonly,separator=%x2C)%x1e",
                   f"{base}..main").split("\x1e"):
        rec = rec.strip()
        if not rec:
            continue
        h, _, value = rec.partition("\0")
        if branch in [v.strip() for v in value.split(",")]:
            picks.append(h)
    git("checkout", "-q", branch)
    for h in picks:
        git("cherry-pick", "-x", h)
    with open("VERSION", "w") as f:
        f.write(version + "\n")
    git("commit", "-q", "-m", f"Release {version}", "VERSION")
    git("tag", "-a", f"v{version}", "-m", f"Release {version}")
git("checkout", "-q", "main")
PYEOF
