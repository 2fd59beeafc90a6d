#!/bin/bash
# Nightly stock export: every record of @@svc@@ through its API, then the per-warehouse summary.
set -euo pipefail
BASE=http://127.0.0.1:@@port@@
OUT=@@outdir@@
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 60); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.5; done
@@auth_lines@@
: > "$work/raw.jsonl"
@@fetch@@
jq -s 'map({sku, name, warehouse, qty, unit_price, discontinued}) | @@sort_key@@' "$work/raw.jsonl" > "$work/export.json"
mv "$work/export.json" "$OUT/@@export_name@@"
python3 - "$OUT/@@export_name@@" "$OUT/@@summary_name@@" <<'PY'
import csv, json, sys
from decimal import Decimal
items = json.load(open(sys.argv[1]))
agg = {}
for it in items:
    if @@filter@@:
        continue
    a = agg.setdefault(it["warehouse"], [0, 0, Decimal(0)])
    a[0] += 1
    a[1] += it["qty"]
    a[2] += Decimal(str(it["unit_price"])) * it["qty"]
rows = sorted(agg.items(), key=lambda kv: (-kv[1][2], kv[0]))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["warehouse", "skus", "units", "value"])
    for wh, (n, units, value) in rows:
        w.writerow([wh, n, units, f"{value:.2f}"])
PY
