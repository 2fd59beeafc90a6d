#!/bin/bash
# Reference: find the logs and the report's contract, then count well-formed 5xx lines over every rotation.
set -euo pipefail
# What does the dashboard complain about? Its log names the panel and the report it could not read.
tail -n 5 /var/log/sre-dashboard/dashboard.log
ls -la /etc/sre-dashboard/
cat /etc/sre-dashboard/panels.conf
ls -la /var/log/sre-dashboard/
# Where does the panel read its report from, and which doc describes it?
grep -n -A4 '@@service@@' /etc/sre-dashboard/panels.conf
cat @@conf_dir@@/error-report.md
# Which logs exist? The rotation (and any compressed file) matters; other services' logs are not ours.
ls -la /var/log/
ls -la @@log_dir@@/
head -n 3 @@log_dir@@/access.log
# Compressed rotations: peek through zcat (a gzip file read raw would count as garbage).
for f in @@log_dir@@/access.log*.gz; do [ -e "$f" ] && zcat "$f" | head -n 2; done
du -sh @@log_dir@@
zcat -f @@log_dir@@/access.log* | wc -l
# A rough count of 5xx in the current file, and what malformed lines look like.
grep -cE ' 5[0-9][0-9] [0-9]+$' @@log_dir@@/access.log || true
grep -vE '^[^ ]+ [^ ]+ [A-Z]+ [^ ]+ [0-9]+ [0-9]+$' @@log_dir@@/access.log | head -n 5 || true
# How many lines, and do all of them have six fields? (malformed lines must be skipped)
wc -l @@log_dir@@/access.log*
for f in @@log_dir@@/access.log*; do case "$f" in *.gz) zcat "$f" ;; *) cat "$f" ;; esac; done \
  | awk '{ print NF }' | sort | uniq -c
# Which statuses occur at all? 5xx only, 4xx are client errors.
for f in @@log_dir@@/access.log*; do case "$f" in *.gz) zcat "$f" ;; *) cat "$f" ;; esac; done \
  | awk 'NF == 6 { print $5 }' | sort | uniq -c | sort -k2,2n
out=@@out@@
mkdir -p "$(dirname "$out")"
{
  echo "@@header@@"
  for f in @@logs@@; do
    case "$f" in *.gz) zcat "$f" ;; *) cat "$f" ;; esac
  done | awk '$5 ~ /^[0-9]+$/ @@nf@@ && $5 >= @@low@@ && $5 <= 599 { n[@@key@@]++ } END { for (k in n) print k "," n[k] }' \
    | LC_ALL=C @@sort@@
} > "$out"
# Check: header, row count, the biggest offenders first.
head -n 5 "$out"
tail -n 3 "$out"
wc -l "$out"
python3 -c "import csv; rows = list(csv.reader(open('$out'))); print(rows[0], len(rows) - 1, 'rows')"
cut -d, -f1 "$out" | sort | uniq -c
# Totals per status, to compare with the status histogram above.
awk -F, 'NR > 1 { s[$1] += $NF } END { for (k in s) print k, s[k] }' "$out" | sort -n
