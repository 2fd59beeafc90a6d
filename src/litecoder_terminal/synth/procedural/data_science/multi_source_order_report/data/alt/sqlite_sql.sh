#!/bin/bash
# Alternative: load the export into an in-memory SQLite database and answer with SQL, money kept as integer
# ten-thousandths of a dollar (qty * cents * percent) and rounded half up only at the end.
set -eu
mkdir -p "$(dirname "@@out@@")"
python3 - <<'PY'
import csv, json, os, sqlite3
from fractions import Fraction

IN, OUT, QS, TOP = "@@in_dir@@", "@@out@@", @@questions_json@@, @@top@@
db = sqlite3.connect(":memory:")

def cents(text):
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])

def load(name, cols, rows):
    db.execute(f"CREATE TABLE {name} ({', '.join(cols)})")
    db.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(cols))})", rows)

orders = list(csv.DictReader(open(f"{IN}/orders.csv", newline="")))
load("orders", ["id", "cust", "sku", "qty", "day", "disc"],
     [(o["order_id"], o["customer_id"], o["sku"], int(o["qty"]), o["order_date"], int(o.get("discount_pct") or 0))
      for o in orders])
products = list(csv.DictReader(open(f"{IN}/products.csv", newline="")))
load("products", ["sku", "name", "category"], [(p["sku"], p["name"], p["category"]) for p in products])
if os.path.exists(f"{IN}/price_history.csv"):
    load("prices", ["sku", "since", "cents"], [(h["sku"], h["effective_from"], cents(h["unit_price"]))
                                               for h in csv.DictReader(open(f"{IN}/price_history.csv", newline=""))])
else:
    load("prices", ["sku", "since", "cents"], [(p["sku"], "", cents(p["unit_price"])) for p in products])
if os.path.exists(f"{IN}/customers.jsonl"):
    recs = [json.loads(l) for l in open(f"{IN}/customers.jsonl") if l.strip()]
else:
    recs = json.load(open(f"{IN}/customers.json"))
load("cust_log", ["id", "name", "country", "tier", "at"],
     [(r["customer_id"], r["name"], r["country"], r["tier"], r.get("updated_at", "")) for r in recs])
db.executescript("""
CREATE TABLE customers AS SELECT id, name, country, tier FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY at DESC) AS rn FROM cust_log) WHERE rn = 1;
CREATE TABLE lines AS
SELECT o.id, o.cust, o.sku, o.qty, substr(o.day, 1, 7) AS month, p.category,
       c.id IS NOT NULL AS known, COALESCE(c.country, 'UNKNOWN') AS country, COALESCE(c.tier, 'unknown') AS tier,
       o.qty * (SELECT cents FROM prices WHERE prices.sku = o.sku AND since <= o.day
                ORDER BY since DESC LIMIT 1) * (100 - o.disc) AS rev
FROM orders o JOIN products p ON p.sku = o.sku LEFT JOIN customers c ON c.id = o.cust;
""")

def money(units):  # units: ten-thousandths of a dollar (an int or a Fraction)
    return float(Fraction((Fraction(units) / 100 + Fraction(1, 2)) // 1, 100))

def grouped(col):
    return {k: money(v) for k, v in db.execute(f"SELECT {col}, SUM(rev) FROM lines GROUP BY {col} ORDER BY {col}")}

report = {}
for q in QS:
    if q == "total_revenue":
        report[q] = money(db.execute("SELECT SUM(rev) FROM lines").fetchone()[0])
    elif q == "revenue_by_country":
        report[q] = grouped("country")
    elif q == "revenue_by_category":
        report[q] = grouped("category")
    elif q == "monthly_revenue":
        report[q] = grouped("month")
    elif q == "top_products":
        report[q] = [{"sku": s, "revenue": money(r)} for s, r in db.execute(
            "SELECT sku, SUM(rev) AS r FROM lines GROUP BY sku ORDER BY r DESC, sku LIMIT ?", (TOP,))]
    elif q == "top_customers":
        report[q] = [{"customer_id": c, "name": n, "revenue": money(r)} for c, n, r in db.execute(
            "SELECT l.cust, c.name, SUM(l.rev) AS r FROM lines l JOIN customers c ON c.id = l.cust "
            "GROUP BY l.cust ORDER BY r DESC, l.cust LIMIT ?", (TOP,))]
    elif q == "repeat_customers":
        report[q] = db.execute("SELECT COUNT(*) FROM (SELECT cust FROM lines WHERE known GROUP BY cust "
                               "HAVING COUNT(*) >= 2)").fetchone()[0]
    elif q == "orphan_orders":
        report[q] = db.execute("SELECT COUNT(*) FROM lines WHERE NOT known").fetchone()[0]
    elif q == "avg_order_value_by_tier":
        report[q] = {t: money(Fraction(s, n)) for t, s, n in db.execute(
            "SELECT tier, SUM(rev), COUNT(*) FROM lines GROUP BY tier ORDER BY tier")}
with open(OUT, "w") as fh:
    json.dump(report, fh, indent=1, sort_keys=True)
PY
