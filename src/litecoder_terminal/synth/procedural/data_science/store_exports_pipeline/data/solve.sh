#!/bin/bash
# Reference, stage by stage: shell + jq for the ingest, python for the clean step, sqlite3 for the roll-up, jq for
# the report.
set -euo pipefail
cd /app
# The symptom first: which stage outputs does the check miss?
./check_pipeline.sh || true
# The settings name the inputs, every stage output and the spec.
cat /app/pipeline.conf
get() { awk -F' *= *' -v k="$1" '$1 == k { print $2; exit }' /app/pipeline.conf; }
# The spec: formats, time zones, currencies, duplicates, each stage's layout.
cat /app/docs/PIPELINE.md
# What happened to the old job, and what the tills do.
tail -n 20 /app/logs/etl.log
IN=$(dirname "$(get exports)")
STAGING=$(get staging)
CLEAN=$(get clean)
DAILY=$(get daily)
REPORT=$(get report)
mkdir -p "$(dirname "$STAGING")" "$(dirname "$CLEAN")" "$(dirname "$DAILY")" "$(dirname "$REPORT")"
# The exports: CSV and JSON Lines, one per store and day; their headers and first records.
ls -l "$IN" "$IN/incoming"
cat "$IN/stores.json"
head -n 3 "$IN"/incoming/*.csv
head -n 2 "$IN"/incoming/*.jsonl 2>/dev/null || echo "no JSON Lines exports"
ls "$IN"/fx_rates.csv 2>/dev/null && head -n 5 "$IN/fx_rates.csv" || echo "no fx rates: all USD"
# Re-sent transactions: ids that appear in two files.
cat "$IN"/incoming/*.csv | cut -d, -f1 | sort | uniq -d | head -n 5
# ---- stage 1: ingest -------------------------------------------------------------------------------------
tmp=$(mktemp)
for f in "$IN"/incoming/*.csv; do
  [ -e "$f" ] || continue
  store=$(basename "$f" | cut -d_ -f2)
  tail -n +2 "$f" | awk -F, -v OFS=, -v s="$store" '{ print s, $0 }' >> "$tmp"
done
for f in "$IN"/incoming/*.jsonl; do
  [ -e "$f" ] || continue
  store=$(basename "$f" | cut -d_ -f2)
  jq -r --arg s "$store" '[$s, .@@k_id@@, (.@@k_time@@ | sub("T"; " ")), (.@@k_sku@@ // ""), .@@k_qty@@, .@@k_amount@@] | map(tostring) | join(",")' "$f" \
    | awk -F, -v OFS=, '{ $6 = sprintf("%.2f", $6 / 100); print }' >> "$tmp"
done
{ echo "store,txn_id,local_time,sku,qty,amount"; LC_ALL=C sort -t, -k1,1 -k3,3 -k2,2 "$tmp"; } > "$STAGING"
rm -f "$tmp"
wc -l "$STAGING"
# ---- stage 2: clean --------------------------------------------------------------------------------------
python3 - "$IN" "$STAGING" "$CLEAN" <<'PY'
import csv, json, os, sys
from datetime import datetime, timedelta
from decimal import Decimal, ROUND_HALF_UP

IN, STAGING, CLEAN = sys.argv[1:4]
stores = {s["store"]: s for s in json.load(open(IN + "/stores.json"))}
rates = {}
if os.path.exists(IN + "/fx_rates.csv"):
    for r in csv.DictReader(open(IN + "/fx_rates.csv", newline="")):
        rates[(r["currency"], r["date"])] = Decimal(r["usd_per_unit"])
first_rate = {}
for (cur, day), r in sorted(rates.items(), key=lambda kv: kv[0][1]):
    first_rate.setdefault(cur, r)


def offset(s):
    sign = -1 if s.startswith("-") else 1
    h, m = s[1:].split(":")
    return sign * timedelta(hours=int(h), minutes=int(m))


seen, out = set(), []
for r in csv.DictReader(open(STAGING, newline="")):
    key = (r["store"], r["txn_id"])
    if @@dedup@@:
        continue
    seen.add(key)
    if int(r["qty"]) <= 0 or not r["sku"]:
        continue
    st = stores[r["store"]]
    local = datetime.strptime(r["local_time"], "%Y-%m-%d %H:%M:%S")
    utc = @@tz@@
    amount = Decimal(r["amount"])
    if st["currency"] != "USD":
        amount *= @@fx@@
    usd = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    out.append([r["store"], r["txn_id"], utc.strftime("%Y-%m-%dT%H:%M:%SZ"), r["sku"], r["qty"], f"{usd:.2f}"])
out.sort(key=lambda x: (x[2], x[0], x[1]))
with open(CLEAN, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["store", "txn_id", "utc_time", "sku", "qty", "amount_usd"])
    w.writerows(out)
PY
head -n 5 "$CLEAN"
@@stop@@
# ---- stage 3: aggregate per UTC day and store ------------------------------------------------------------
db=$(mktemp -u).db
sqlite3 "$db" "CREATE TABLE clean (store TEXT, txn_id TEXT, utc_time TEXT, sku TEXT, qty INTEGER, amount_usd REAL);"
sqlite3 "$db" ".import --csv --skip 1 $CLEAN clean"
sqlite3 -header -csv "$db" "SELECT substr(utc_time, 1, 10) AS date, store, COUNT(*) AS transactions, SUM(qty) AS units, printf('%.2f', SUM(amount_usd)) AS revenue_usd FROM clean GROUP BY 1, 2 ORDER BY 1, 2;" | tr -d '\r' > "$DAILY"
cat "$DAILY"
# ---- stage 4: report -------------------------------------------------------------------------------------
ingested=$(($(wc -l < "$STAGING") - 1))
cleaned=$(($(wc -l < "$CLEAN") - 1))
dups=$(tail -n +2 "$STAGING" | cut -d, -f1,2 | sort | uniq -d -c | awk '{ n += $1 - 1 } END { print n + 0 }')
total=$(sqlite3 "$db" "SELECT printf('%.2f', SUM(amount_usd)) FROM clean;")
best_store=$(sqlite3 "$db" "SELECT store FROM clean GROUP BY store ORDER BY ROUND(SUM(amount_usd), 2) DESC, store LIMIT 1;")
best_day=$(sqlite3 "$db" "SELECT substr(utc_time, 1, 10) d FROM clean GROUP BY d ORDER BY ROUND(SUM(amount_usd), 2) DESC, d LIMIT 1;")
top_sku=$(sqlite3 "$db" "SELECT sku FROM clean GROUP BY sku ORDER BY SUM(qty) DESC, sku LIMIT 1;")
jq -n --argjson ing "$ingested" --argjson clean "$cleaned" --argjson dups "$dups" --argjson total "$total" \
  --arg bs "$best_store" --arg bd "$best_day" --arg ts "$top_sku" \
  '{rows_ingested: $ing, duplicates_removed: $dups, invalid_removed: ($ing - $dups - $clean), rows_clean: $clean, total_revenue_usd: $total, best_store: $bs, best_day: $bd, top_sku: $ts}' > "$REPORT"
cat "$REPORT"
rm -f "$db"
# Check: the sums agree across stages, and the pipeline check passes.
awk -F, 'NR > 1 { s += $6 } END { printf "clean total %.2f\n", s }' "$CLEAN"
awk -F, 'NR > 1 { s += $5 } END { printf "daily total %.2f\n", s }' "$DAILY"
./check_pipeline.sh
