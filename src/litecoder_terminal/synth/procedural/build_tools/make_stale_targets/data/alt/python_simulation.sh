#!/bin/bash
# Alternative: no make at all — parse the Makefile and simulate GNU make's serial update in Python from the
# files' modification times (missing or older target, propagated remakes, phony and order-only prerequisites).
set -eu
notes=@@notes@@
out=$(grep -o 'reads a \*rebuild plan\* from `[^`]*`' "$notes" | sed 's/.*`\(.*\)`/\1/')
goals=$(grep -o 'The build job runs `make [^`]*`' "$notes" | sed 's/.*`make \(.*\)`/\1/')
cd @@root@@
mkdir -p "$(dirname "$out")"
python3 - $goals > "$out.tmp" <<'PY'
import os
import sys

rules, phony, current = {}, set(), None
for line in open("Makefile"):
    line = line.rstrip("\n")
    if line.startswith("\t") and current:
        rules[current]["recipe"] = True
        continue
    current = None
    if not line or line.startswith("#") or ":=" in line or "+=" in line or ":" not in line:
        continue
    name, _, rest = line.partition(":")
    if name == ".PHONY":
        phony |= set(rest.split())
        continue
    if name.startswith("."):
        continue
    normal, _, order_only = rest.partition("|")
    rules[name] = {"deps": normal.split(), "oo": order_only.split(), "recipe": False}
    current = name


def mtime(path):
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return None


done, plan = {}, []


def update(t):
    if t not in rules:
        return False  # a plain source file
    if t in done:
        return done[t]
    done[t] = False
    r = rules[t]
    remade = [update(d) for d in r["deps"]]
    for d in r["oo"]:
        update(d)
    mine = None if t in phony else mtime(t)
    if mine is None:
        again = True
    else:
        again = any(remade) or any((mtime(d) or 0) > mine for d in r["deps"] if mtime(d) is not None)
    if again and r["recipe"]:
        plan.append(t)
    done[t] = again
    return again


for goal in sys.argv[1:]:
    update(goal)
print("\n".join(plan))
PY
mv "$out.tmp" "$out"
cat "$out"
