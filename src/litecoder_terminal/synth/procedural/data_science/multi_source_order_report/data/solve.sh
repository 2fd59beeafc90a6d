#!/bin/bash
# Reference: find the panel's report contract, inspect the export, then join and aggregate with exact decimals.
set -euo pipefail
# What does the dashboard complain about? Its refresh log names the panel and the report file it could not load.
ls -la /var/log/sales-dashboard/
tail -n 5 /var/log/sales-dashboard/refresh.log
ls -la /etc/sales-dashboard/ /etc/sales-dashboard/specs/
# Which export, spec and report belong to our panel (other panels read other, archived exports)?
cat /etc/sales-dashboard/dashboard.conf
grep -n -A3 '^\[panel @@team@@\]' /etc/sales-dashboard/dashboard.conf
cat @@spec@@
# The export itself: which files, how big, what the headers look like.
ls -la @@in_dir@@/
wc -l @@in_dir@@/*
head -n 3 @@in_dir@@/orders.csv
head -n 3 @@in_dir@@/products.csv
head -c 400 @@in_dir@@/@@cust_name@@; echo
# Prices: per product, or a history with effective dates (then the price on the order date applies)?
if [ -f @@in_dir@@/price_history.csv ]; then head -n 5 @@in_dir@@/price_history.csv; cut -d, -f1 @@in_dir@@/price_history.csv | sort | uniq -c | sort -rn | head -n 5; fi
# Customer records: one per id, or a change log with several records per id (then the latest counts)?
grep -o '"customer_id": *"[^"]*"' @@in_dir@@/@@cust_name@@ | sort | uniq -c | sort -rn | head -n 5
# Orders whose customer is missing from the customer data (they still count, as UNKNOWN / unknown).
cut -d, -f2 @@in_dir@@/orders.csv | tail -n +2 | sort -u > /tmp/order-customers.txt
grep -o '"customer_id": *"[^"]*"' @@in_dir@@/@@cust_name@@ | sed 's/.*"\([^"]*\)"$/\1/' | sort -u > /tmp/known-customers.txt
comm -23 /tmp/order-customers.txt /tmp/known-customers.txt | head
# Does every ordered SKU exist in the product table (an unmatched SKU would need a decision)?
cut -d, -f3 @@in_dir@@/orders.csv | tail -n +2 | sort -u > /tmp/order-skus.txt
cut -d, -f1 @@in_dir@@/products.csv | tail -n +2 | sort -u | comm -23 /tmp/order-skus.txt - | head
# Discount column present? Quantities and dates in range?
head -n 1 @@in_dir@@/orders.csv | tr ',' '\n'
cut -d, -f4 @@in_dir@@/orders.csv | tail -n +2 | sort -n | uniq -c | head
cut -d, -f5 @@in_dir@@/orders.csv | tail -n +2 | cut -c1-7 | sort | uniq -c
mkdir -p "$(dirname @@out@@)"
python3 - <<'PY'
import csv, json, os
from collections import defaultdict
from decimal import Decimal, ROUND_HALF_UP

IN, OUT, QS, TOP = "@@in_dir@@", "@@out@@", @@questions_json@@, @@top@@

def money(x):
    return float(Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

orders = list(csv.DictReader(open(f"{IN}/orders.csv", newline="")))
products = {p["sku"]: p for p in csv.DictReader(open(f"{IN}/products.csv", newline=""))}
if os.path.exists(f"{IN}/customers.jsonl"):
    recs = [json.loads(l) for l in open(f"{IN}/customers.jsonl") if l.strip()]
else:
    recs = json.load(open(f"{IN}/customers.json"))
customers = {}
for r in sorted(recs, key=lambda r: r.get("updated_at", ""), reverse=@@cust@@):  # later records replace earlier ones
    customers[r["customer_id"]] = r
hist = defaultdict(list)
if os.path.exists(f"{IN}/price_history.csv"):
    for h in csv.DictReader(open(f"{IN}/price_history.csv", newline="")):
        hist[h["sku"]].append((h["effective_from"], Decimal(h["unit_price"])))
else:
    for sku, p in products.items():
        hist[sku].append(("0000-00-00", Decimal(p["unit_price"])))
for v in hist.values():
    v.sort()

def price(sku, day):
    return @@price@@

lines = []
for o in [o for o in orders@@join@@]:
    c = customers.get(o["customer_id"])
    rev = price(o["sku"], o["order_date"])@@qty@@@@discount@@
    lines.append(dict(o, rev=rev, known=c is not None, country=c["country"] if c else "UNKNOWN",
                      tier=c["tier"] if c else "unknown", category=products[o["sku"]]["category"],
                      month=o["order_date"][:7]))

def by(key):
    acc = defaultdict(Decimal)
    for l in lines:
        acc[l[key]] += l["rev"]
    return acc

report = {}
for q in QS:
    if q == "total_revenue":
        report[q] = money(sum(l["rev"] for l in lines))
    elif q in ("revenue_by_country", "revenue_by_category", "monthly_revenue"):
        key = {"revenue_by_country": "country", "revenue_by_category": "category", "monthly_revenue": "month"}[q]
        report[q] = {k: money(v) for k, v in sorted(by(key).items())}
    elif q == "top_products":
        rev, units = by("sku"), defaultdict(int)
        for l in lines:
            units[l["sku"]] += int(l["qty"])
        report[q] = [{"sku": s, "revenue": money(rev[s])} for s in sorted(rev, key=lambda s: (@@rank@@, s))[:TOP]]
    elif q == "top_customers":
        g = {k: v for k, v in by("customer_id").items() if k in customers}
        report[q] = [{"customer_id": c, "name": customers[c]["name"], "revenue": money(g[c])}
                     for c in sorted(g, key=lambda c: (-g[c], c))[:TOP]]
    elif q == "repeat_customers":
        n = defaultdict(int)
        for l in lines:
            if l["known"]:
                n[l["customer_id"]] += 1
        report[q] = sum(1 for v in n.values() if v >= 2)
    elif q == "orphan_orders":
        report[q] = sum(1 for o in orders if o["customer_id"] not in customers)
    elif q == "avg_order_value_by_tier":
        g, n = by("tier"), defaultdict(int)
        for l in lines:
            n[l["tier"]] += 1
        report[q] = {k: money(v / n[k]) for k, v in sorted(g.items())}
with open(OUT, "w") as fh:
    json.dump(report, fh, indent=2)
PY
# Check: valid JSON, exactly the keys the spec asks for, the totals look sane.
python3 -m json.tool @@out@@ | head -n 30
python3 -c "import json; r = json.load(open('@@out@@')); print(sorted(r) == sorted(@@questions_json@@), sorted(r))"
# Grouped figures must add up to the total (within the cents lost to rounding each group).
python3 -c "import json; r = json.load(open('@@out@@')); print({k: round(sum(v.values()), 2) for k, v in r.items() if isinstance(v, dict)}, r.get('total_revenue'))"
