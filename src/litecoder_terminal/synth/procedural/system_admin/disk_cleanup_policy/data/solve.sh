#!/bin/bash
# Reference: read the policy, look at the tree (ages, markers, links), then delete exactly what it allows.
set -euo pipefail
# Why does the scheduled job do nothing? Its cron line, its log and the script itself.
cat /etc/cron.d/@@app@@-retention
tail -n 3 /var/log/@@app@@-retention.log
cat /usr/local/bin/@@app@@-retention
# The written policy: reference time, rules, exceptions and the report.
cat /etc/@@app@@/retention.md
# The tree: areas and their sizes, depth, markers and symlinks (never followed, never deleted).
du -sb @@root@@/* | sort -rn
find @@root@@ -maxdepth 3 -type d | sort
find @@root@@ -name .retain
find @@root@@ -type l -printf '%p -> %l\n'
df -h @@root@@ || true
find @@root@@ -type f | wc -l
# Protected subtrees (a .retain marker protects its directory and everything below it).
find @@root@@ -name .retain -printf '%h\n'
# The reference time as a date, and a few mtimes next to it (the clock of this machine is irrelevant).
date -u -d @@@ref@@
ls -la --time-style=+%s @@root@@/cache | head -n 8
ls -la --time-style=+%s @@root@@/logs 2>/dev/null | head -n 12 || true
ls -la --time-style=+%s @@root@@/uploads/tmp 2>/dev/null | head -n 6 || true
# The boundary files sit exactly on / one second past the cut-off: compare their mtimes with the reference.
stat -c '%Y %s %n' @@root@@/cache/boundary_* @@root@@/cache/*/boundary_* @@root@@/cache/*/*/boundary_* 2>/dev/null || true
# Names with spaces exist: handle paths in Python, not with word-split shell loops.
find @@root@@ -name '* *' | head -n 5
mkdir -p "$(dirname '@@report@@')"
python3 - <<'PY'
import json, os, re, time
ROOT, REF = "@@root@@", @@clock@@
RULES = [("cache", None, @@cache_days@@)]
if @@use_logs@@:
    RULES.append(("logs", re.compile(@@live@@), @@log_days@@))
if @@use_parts@@:
    RULES.append(("uploads/tmp", re.compile(r".*\.part$"), @@part_days@@))
doomed = []
for area, pattern, days in RULES:
    cutoff = REF - days * 86400
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, area)):
        if @@retain@@:
            dirnames[:] = []
            continue
        for name in filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if @@links@@(pattern and not pattern.match(name)):
                continue
            if st.st_mtime @@cmp@@ cutoff:
                doomed.append((p, st.st_size))
doomed.sort()
for p, _ in doomed:
    os.remove(p)
out = {"deleted": [p for p, _ in doomed], "freed_bytes": sum(s for _, s in doomed)}
if @@top@@:
    sizes = {}
    for area in sorted(os.listdir(ROOT)):
        full = os.path.join(ROOT, area)
        if not os.path.isdir(full) or os.path.islink(full):
            continue
        total = 0
        for dirpath, _, filenames in os.walk(full):
            for name in filenames:
                if not os.path.islink(os.path.join(dirpath, name)):
                    total += os.lstat(os.path.join(dirpath, name)).st_size
        sizes[area] = total
    ranked = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    out["largest_areas"] = [{"path": os.path.join(ROOT, a), "bytes": b} for a, b in ranked]
with open("@@report@@", "w") as f:
    json.dump(out, f, indent=2)
print(len(doomed), "files deleted,", out["freed_bytes"], "bytes freed")
PY
# Check: the report, what is left, and that every symlink still resolves.
head -c 600 '@@report@@'; echo
du -sb @@root@@/* | sort -rn
find @@root@@ -type l -printf '%p -> %l\n'
find -L @@root@@ -type l
# Markers and live logs are still there; the report's totals.
find @@root@@ -name .retain
find @@root@@/logs -name '*.log' 2>/dev/null || true
python3 -c "import json; r = json.load(open('@@report@@')); print(len(r['deleted']), 'deleted,', r['freed_bytes'], 'bytes')"
