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
# How big is each crontab, and which lines only set variables (MAILTO=, PATH=: not jobs)?
wc -l /var/spool/cron/crontabs/* /etc/cron.d/* 2>/dev/null || true
grep -rhE '^[A-Za-z_]+ *=' /var/spool/cron/crontabs /etc/cron.d 2>/dev/null | sort -u || true
# File names cron ignores in /etc/cron.d (dots: backups, dpkg leftovers) and @reboot jobs (never in a window).
ls /etc/cron.d | grep -vE '^[A-Za-z0-9_-]+$' || true
grep -rnE '^@reboot' /var/spool/cron/crontabs /etc/cron.d /etc/crontab 2>/dev/null || true
# The spool file name is the user: do those accounts exist here?
for u in $(ls /var/spool/cron/crontabs/); do id "$u" >/dev/null 2>&1 && echo "$u: ok" || echo "$u: no local account"; done
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
wc -l '@@out@@'
# Distinct minutes with at least one execution, and the busiest ones.
tail -n +2 '@@out@@' | cut -d, -f1 | sort | uniq -c | sort -rn | head -n 5
# Nothing outside [start, end): the end minute itself is excluded.
awk -F, 'NR > 1 && ($1 < "@@start@@" || $1 >= "@@end@@")' '@@out@@' | head -n 5
python3 -c "import csv; r = list(csv.reader(open('@@out@@'))); print(len(r) - 1, 'rows, sorted:', r[1:] == sorted(r[1:]))"
