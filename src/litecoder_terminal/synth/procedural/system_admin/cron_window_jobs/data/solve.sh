#!/bin/bash
# Reference: find the ticket (window, sources, rules, format), read every crontab cron reads, expand each schedule
# over the window in Python, write the CSV, then spot-check it.
set -euo pipefail
# Which ticket is open? Closed ones describe older windows and must not be used.
ls -la /root/
grep -l '^Status: open' /root/CHANGE-*.md
cat /root/@@ticket@@.md
# The sources cron reads: spool (no user field), /etc/cron.d (user field; odd file names are ignored by cron),
# /etc/crontab.
ls -la /etc/cron.d /var/spool/cron/crontabs 2>/dev/null || true
cat /etc/crontab 2>/dev/null || true
for f in /etc/cron.d/*; do echo "== $f"; cat "$f"; done
for f in /var/spool/cron/crontabs/*; do echo "== $f"; cat "$f"; done
# Tabs as separators and names such as mon-fri or @daily?
grep -rnP '\t' /var/spool/cron/crontabs /etc/cron.d | head -n 5 || true
grep -rn '^@' /var/spool/cron/crontabs /etc/cron.d /etc/crontab 2>/dev/null | head -n 5 || true
# Which weekdays does the window cover? (cron: 0 and 7 = Sunday)
date -u -d '@@start@@' '+%A %w'
date -u -d '@@end@@' '+%A %w'
mkdir -p "$(dirname '@@out@@')"
python3 - <<'PY'
import csv
import datetime as dt
import glob
import os

@@cron_expand@@

MISTAKES = {@@inclusive@@@@weekday@@@@dow_and@@@@dotfiles@@@@no_spool@@}
paths = find_crontabs(@@scopes@@)
files = [(p, open(p).read()) for p in paths]
start = dt.datetime.strptime("@@start@@", "%Y-%m-%d %H:%M")
end = dt.datetime.strptime("@@end@@", "%Y-%m-%d %H:%M")
rows = expand(files, start, end, MISTAKES)
with open("@@out@@", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["time", "user", "command"])
    w.writerows(rows)
print(len(rows), "executions from", len(paths), "crontabs")
PY
# Check: first and last rows lie inside the window; executions per user.
head -n 5 '@@out@@'
tail -n 3 '@@out@@'
cut -d, -f2 '@@out@@' | sort | uniq -c
