#!/bin/bash
# Reference: find what the BI import loads and its documented rules, inspect the ledger's mess, then clean and
# roll up with exact cent arithmetic, and check the result against the raw data.
set -euo pipefail
# Why does the import fail? Its log names the file it could not open.
ls -la /var/log/@@job@@/
tail -n 5 /var/log/@@job@@/import.log
# Its configuration: where the source is, where the roll-up goes, which document holds the rules.
ls -la /etc/@@job@@/
cat /etc/@@job@@/job.conf
cat /etc/@@job@@/ROLLUP.md
# Earlier roll-ups, if any were archived: their shape is a useful reference, their numbers are not ours.
ls -laR /srv/ledger-archive/ 2>/dev/null | head -n 20 || true
# The ledger: which files, how many rows, does every file end with a newline (a lost last line is a classic)?
ls -la @@in_dir@@/
wc -l @@in_dir@@/*.csv
for f in @@in_dir@@/*.csv; do tail -c 1 "$f" | od -An -c; done
head -n 5 @@in_dir@@/@@first_file@@
# Duplicated order ids (re-exports), possibly with a different date format.
tail -q -n +2 @@in_dir@@/*.csv | cut -d, -f1 | sort | uniq -d | head -n 5
tail -q -n +2 @@in_dir@@/*.csv | cut -d, -f1 | sort | uniq -d | wc -l
# Date formats in use: ISO, DD/MM/YYYY, "D Mon YYYY"?
tail -q -n +2 @@in_dir@@/*.csv | cut -d, -f2 | sed -E 's/[0-9]/9/g' | sort | uniq -c
# Price spellings and missing values ($, USD, thousands separators, N/A, empty).
python3 -c "import csv, glob, collections; c = collections.Counter(); [c.update([r['@@price_col@@'][:1] or '<empty>']) for f in glob.glob('@@in_dir@@/*.csv') for r in csv.DictReader(open(f))]; print(c)"
python3 -c "import csv, glob; print(sum(1 for f in glob.glob('@@in_dir@@/*.csv') for r in csv.DictReader(open(f)) if not r['@@qty_col@@'].strip().isdigit()), 'rows without a quantity')"
# Region spellings (case, spaces, empty) and statuses, if there is a status column.
python3 -c "import csv, glob, collections; print(collections.Counter(r['region'] for f in glob.glob('@@in_dir@@/*.csv') for r in csv.DictReader(open(f))).most_common())"
head -n 1 @@in_dir@@/@@first_file@@ | grep -q status && tail -q -n +2 @@in_dir@@/*.csv | awk -F, '{ print $NF }' | sort | uniq -c || true
mkdir -p "$(dirname @@out@@)"
python3 - <<'PY'
import csv, glob, json, re
from decimal import Decimal

IN_DIR, OUT, SUMMARY = "@@in_dir@@", "@@out@@", "@@summary@@"
ID, DATE, QTY, PRICE = "@@id_col@@", "@@date_col@@", "@@qty_col@@", "@@price_col@@"
MON = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def month_of(s):
    s = s.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        y, m, _ = s.split("-")
    elif re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", s):
        a, b, y = s.split("/")
        m = b if @@dayfirst@@ or int(a) > 12 else a
    else:
        _, mon, y = s.split()
        m = MON[mon[:3].lower()]
    return f"{int(y):04d}-{int(m):02d}"


def cents(s):
    s = s.strip().replace("USD", "").replace("$", "").replace(",", "").strip()
    if s in ("", "N/A"):
        return None
    return int((Decimal(s) * 100).to_integral_value())


rows, seen = [], set()
stats = dict(rows_read=0, duplicates_removed=0, dropped_missing=0, excluded_status=0, rows_used=0)
for path in sorted(glob.glob(IN_DIR + "/*.csv")):
    with open(path, newline="") as fh:
        for rec in csv.DictReader(fh):
            stats["rows_read"] += 1
            key = @@dedup@@
            if key in seen:
                stats["duplicates_removed"] += 1
                continue
            seen.add(key)
            qty, price = rec[QTY].strip(), cents(rec[PRICE])
            if @@missing@@:
                stats["dropped_missing"] += 1
                continue
            qty, price = int(qty) if qty.isdigit() else 0, price or 0
            if @@status@@:
                stats["excluded_status"] += 1
                continue
            rows.append((month_of(rec[DATE]), rec["region"].strip().title() or "UNKNOWN", qty, price))
stats["rows_used"] = len(rows)

agg = {}
for month, region, qty, price in rows:
    g = agg.setdefault((month, region), [0, 0, 0])
    g[0] += 1
    g[1] += qty
    g[2] += @@revenue@@
with open(OUT, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["month", "region", "orders", "units", "revenue"])
    for (month, region), (n, units, rev) in sorted(agg.items()):
        w.writerow([month, region, n, units, f"{rev // 100}.{rev % 100:02d}"])
if SUMMARY:
    with open(SUMMARY, "w") as fh:
        json.dump(stats, fh, indent=2)
PY
# Check: header, row count, months and regions present, and the totals against the raw counts above.
head -n 5 @@out@@
wc -l @@out@@
cut -d, -f1 @@out@@ | sort | uniq -c
awk -F, 'NR > 1 { n += $3; u += $4; r += $5 } END { print n " lines, " u " units, revenue " r }' @@out@@
# The summary's counts must reconcile: read - duplicates - dropped - excluded = used = the roll-up's order lines.
if [ -n "@@summary@@" ]; then cat "@@summary@@"; python3 -c "import json; s = json.load(open('@@summary@@')); print(s['rows_read'] - s['duplicates_removed'] - s['dropped_missing'] - s['excluded_status'] == s['rows_used'])"; fi
awk -F, 'NR > 1 { n += $3 } END { print n }' @@out@@
# Nothing may have changed in the ledger itself.
ls -la --time-style=full-iso @@in_dir@@/
