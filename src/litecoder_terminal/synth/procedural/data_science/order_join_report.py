"""Join orders, customers and products (price history and customer change log at hard) and answer business
questions in a JSON report."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
from fractions import Fraction

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

FIRST = ["Ana", "Ben", "Chloe", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ivo", "Jana", "Kofi", "Lena", "Mats",
         "Nora", "Omar", "Pia", "Quinn", "Rui", "Sofia", "Tariq", "Uma", "Vera", "Wim", "Xenia", "Yusuf", "Zoe"]
LAST = ["Adler", "Berg", "Costa", "Dahl", "Eriksen", "Fischer", "Garcia", "Horvat", "Ito", "Jansen", "Kowalski",
        "Lind", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Silva", "Tanaka", "Urban", "Weber", "Young"]
COUNTRIES = ["DE", "FR", "US", "GB", "ES", "IT", "NL", "SE", "PL", "CA", "PT", "AT"]
CATEGORIES = ["tools", "garden", "kitchen", "office", "outdoor", "lighting", "storage", "electrical", "plumbing"]
NOUNS = ["hammer", "hose", "kettle", "stapler", "lantern", "shelf", "cable", "faucet", "rake", "desk lamp", "drawer",
         "pliers", "sprinkler", "toaster", "binder", "tent", "bulb", "crate", "socket", "valve"]
TIER_SETS = [["bronze", "silver", "gold"], ["basic", "plus", "pro"], ["standard", "premium"]]

QUESTIONS = {
    "total_revenue": "`total_revenue`: revenue of all orders (a number).",
    "revenue_by_country": "`revenue_by_country`: object mapping each customer country code to its revenue.",
    "revenue_by_category": "`revenue_by_category`: object mapping each product category to its revenue.",
    "monthly_revenue": "`monthly_revenue`: object mapping each month `YYYY-MM` (from `order_date`) to its revenue.",
    "top_products": "`top_products`: the {n} SKUs with the highest revenue, as a list of objects "
                    "`{{\"sku\": ..., \"revenue\": ...}}`, highest first (ties: SKU ascending).",
    "top_customers": "`top_customers`: the {n} known customers with the highest revenue, as a list of objects "
                     "`{{\"customer_id\": ..., \"name\": ..., \"revenue\": ...}}`, highest first (ties: customer_id "
                     "ascending).",
    "repeat_customers": "`repeat_customers`: how many known customers placed two or more orders (an integer).",
    "orphan_orders": "`orphan_orders`: how many orders reference a customer_id that is not in the customer data "
                     "(an integer).",
    "avg_order_value_by_tier": "`avg_order_value_by_tier`: object mapping each customer tier to the mean revenue "
                               "per order of that tier's orders.",
}


def _r2(x: Fraction) -> float:
    # round half up on the exact value, then a clean float
    cents = (x * 100 + Fraction(1, 2)) // 1
    return float(Fraction(cents, 100))


@register
class OrderJoinReport(TaskFamily):
    name = "multi_source_order_report"
    domain = "data_science"
    title = "Join orders, customers and products and answer questions in a JSON report"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        medium_up = level != "easy"
        hard = level == "hard"
        in_dir = pick(rng, ["/data/shop", "/srv/webshop/export", "/data/warehouse/dump", "/opt/retail/data"])
        out = pick(rng, ["/app/report.json", "/app/out/sales_report.json", "/app/analysis/answers.json",
                         "/root/report.json"])
        tiers = pick(rng, [",".join(t) for t in TIER_SETS]).split(",")
        countries = sorted(rng.sample(COUNTRIES, rng.randint(4, 7)))
        categories = sorted(rng.sample(CATEGORIES, rng.randint(3, 5)))
        year = rng.randint(2022, 2025)
        m0 = rng.randint(1, 7)
        n_months = rng.randint(3, 5)
        d0 = dt.date(year, m0, 1)
        d1 = dt.date(year, m0 + n_months, 1) - dt.timedelta(days=1)
        span = (d1 - d0).days

        # customers -----------------------------------------------------------------------------------------
        n_cust = rng.randint(12, 25) if level == "easy" else rng.randint(25, 60)
        cust_ids = sorted(rng.sample(range(1, 3000), n_cust))
        customers = {}
        for cid in cust_ids:
            customers[f"C{cid:04d}"] = {"id": f"C{cid:04d}", "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                                        "country": rng.choice(countries), "tier": rng.choice(tiers)}
        # products --------------------------------------------------------------------------------------------
        n_prod = rng.randint(8, 14) if level == "easy" else rng.randint(12, 22)
        nouns = rng.sample(NOUNS, min(n_prod, len(NOUNS)))
        products = {}
        for k, noun in enumerate(nouns):
            sku = f"{noun[:3].upper()}-{rng.randint(100, 999)}"
            while sku in products:
                sku = f"{noun[:3].upper()}-{rng.randint(100, 999)}"
            products[sku] = {"sku": sku, "name": noun.title(), "category": rng.choice(categories),
                             "price": rng.choice([rng.randint(199, 1999), rng.randint(2000, 29999)])}
        skus = sorted(products)
        # price history (hard): price in effect at the order date --------------------------------------------
        history: dict[str, list[tuple[dt.date, int]]] = {}
        for sku in skus:
            entries = [(d0 - dt.timedelta(days=rng.randint(30, 400)), products[sku]["price"])]
            if hard:
                for _ in range(rng.choice([0, 1, 1, 2])):
                    when = d0 + dt.timedelta(days=rng.randint(5, span - 5))
                    entries.append((when, max(99, entries[-1][1] + rng.choice([-1, 1, 1]) * rng.randint(50, 900))))
            history[sku] = sorted(entries)
        if hard and all(len(v) == 1 for v in history.values()):
            history[skus[0]].append((d0 + dt.timedelta(days=span // 2), history[skus[0]][0][1] + 500))

        def price_at(sku: str, day: dt.date) -> int:
            return [p for when, p in history[sku] if when <= day][-1]

        # customer change log (hard) --------------------------------------------------------------------------
        log = []
        if hard:
            for cid, c in customers.items():
                t0 = dt.datetime(year - 1, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
                log.append({**c, "updated_at": t0})
            movers = rng.sample(sorted(customers), max(3, n_cust // 5))
            for cid in movers:
                c = dict(customers[cid])
                c["country"] = rng.choice([x for x in countries if x != c["country"]])
                if rng.random() < 0.5:
                    c["tier"] = rng.choice(tiers)
                t1 = dt.datetime(year, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
                log.append({**c, "updated_at": t1})
                customers[cid] = {k: c[k] for k in ("id", "name", "country", "tier")}
            rng.shuffle(log)

        # orders -------------------------------------------------------------------------------------------------
        n_orders = {"easy": rng.randint(60, 120), "medium": rng.randint(150, 300), "hard": rng.randint(250, 450)}[level]
        orphan_ids = [f"C{x:04d}" for x in rng.sample(range(3000, 9999), 4)]
        orders = []
        oid = rng.randint(10000, 60000)
        for k in range(n_orders):
            oid += rng.randint(1, 3)
            cid = rng.choice(sorted(customers))
            if medium_up and (k == 0 or rng.random() < 0.05):
                cid = rng.choice(orphan_ids)
            orders.append({"id": f"O{oid}", "cust": cid, "sku": rng.choice(skus), "qty": rng.randint(1, 8),
                           "date": d0 + dt.timedelta(days=rng.randint(0, span)),
                           "disc": rng.choice([0, 0, 0, 5, 10, 15, 20]) if medium_up else 0})
        orders[1]["qty"] = max(2, orders[1]["qty"])
        if medium_up:
            orders[1]["disc"] = 10
        if hard:  # someone who moved country ordered something; a price change is straddled
            mover = movers[0]
            orders[2].update(cust=mover)
            changed = next(s for s in skus if len(history[s]) > 1)
            orders[3].update(sku=changed, date=history[changed][1][0])
            orders[4].update(sku=changed, date=history[changed][1][0] - dt.timedelta(days=1))

        def revenue(o: dict) -> Fraction:
            return Fraction(o["qty"] * price_at(o["sku"], o["date"]) * (100 - o["disc"]), 10000)

        # questions ------------------------------------------------------------------------------------------
        top_n = rng.randint(3, 5)
        optional = ["revenue_by_category", "monthly_revenue", "top_customers", "repeat_customers",
                    "revenue_by_country"]
        if level == "easy":
            qs = ["top_products", "total_revenue"] + rng.sample(optional, 1)
            # make sure ranking by units differs from ranking by revenue
            for _ in range(6):
                by_rev = sorted(skus, key=lambda s: (-sum(revenue(o) for o in orders if o["sku"] == s), s))[:top_n]
                by_qty = sorted(skus, key=lambda s: (-sum(o["qty"] for o in orders if o["sku"] == s), s))[:top_n]
                if by_rev != by_qty:
                    break
                cheap = min(skus, key=lambda s: products[s]["price"])
                oid += 1
                orders.append({"id": f"O{oid}", "cust": rng.choice(sorted(customers)), "sku": cheap, "qty": 40,
                               "date": d0 + dt.timedelta(days=rng.randint(0, span)), "disc": 0})
        elif level == "medium":
            qs = ["total_revenue", "orphan_orders"] + rng.sample(optional + ["avg_order_value_by_tier",
                                                                            "top_products"], 2)
        else:
            qs = ["total_revenue", "revenue_by_country", "top_products"] + rng.sample(
                [q for q in optional if q != "revenue_by_country"] + ["avg_order_value_by_tier", "orphan_orders"], 2)
        qs = [q for q in QUESTIONS if q in qs]  # stable order

        # expected answers -----------------------------------------------------------------------------------
        def group(keyf) -> dict:
            acc: dict[str, Fraction] = {}
            for o in orders:
                acc[keyf(o)] = acc.get(keyf(o), Fraction(0)) + revenue(o)
            return acc

        known = lambda o: o["cust"] in customers  # noqa: E731
        exp: dict = {}
        if "total_revenue" in qs:
            exp["total_revenue"] = _r2(sum((revenue(o) for o in orders), Fraction(0)))
        if "revenue_by_country" in qs:
            exp["revenue_by_country"] = {k: _r2(v) for k, v in sorted(group(
                lambda o: customers[o["cust"]]["country"] if known(o) else "UNKNOWN").items())}
        if "revenue_by_category" in qs:
            exp["revenue_by_category"] = {k: _r2(v) for k, v in sorted(group(
                lambda o: products[o["sku"]]["category"]).items())}
        if "monthly_revenue" in qs:
            exp["monthly_revenue"] = {k: _r2(v) for k, v in sorted(group(lambda o: o["date"].isoformat()[:7]).items())}
        if "top_products" in qs:
            g = group(lambda o: o["sku"])
            exp["top_products"] = [{"sku": s, "revenue": _r2(g[s])} for s in sorted(g, key=lambda s: (-g[s], s))[:top_n]]
        if "top_customers" in qs:
            g = {k: v for k, v in group(lambda o: o["cust"]).items() if k in customers}
            exp["top_customers"] = [{"customer_id": c, "name": customers[c]["name"], "revenue": _r2(g[c])}
                                    for c in sorted(g, key=lambda c: (-g[c], c))[:top_n]]
        if "repeat_customers" in qs:
            cnt: dict[str, int] = {}
            for o in orders:
                if known(o):
                    cnt[o["cust"]] = cnt.get(o["cust"], 0) + 1
            exp["repeat_customers"] = sum(1 for v in cnt.values() if v >= 2)
        if "orphan_orders" in qs:
            exp["orphan_orders"] = sum(1 for o in orders if not known(o))
        if "avg_order_value_by_tier" in qs:
            g = group(lambda o: customers[o["cust"]]["tier"] if known(o) else "unknown")
            n: dict[str, int] = {}
            for o in orders:
                t = customers[o["cust"]]["tier"] if known(o) else "unknown"
                n[t] = n.get(t, 0) + 1
            exp["avg_order_value_by_tier"] = {k: _r2(v / n[k]) for k, v in sorted(g.items())}

        # files ------------------------------------------------------------------------------------------------
        files: dict[str, str | bytes] = {}
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["order_id", "customer_id", "sku", "qty", "order_date"] + (["discount_pct"] if medium_up else []))
        for o in orders:
            w.writerow([o["id"], o["cust"], o["sku"], o["qty"], o["date"].isoformat()] + ([o["disc"]] if medium_up else []))
        files["environment/data/orders.csv"] = buf.getvalue()
        if hard:
            cust_name = "customers.jsonl"
            files[f"environment/data/{cust_name}"] = "".join(json.dumps(
                {"customer_id": c["id"], "name": c["name"], "country": c["country"], "tier": c["tier"],
                 "updated_at": c["updated_at"].strftime("%Y-%m-%dT%H:%M:%SZ")}) + "\n" for c in log)
            prod_buf = io.StringIO()
            w = csv.writer(prod_buf, lineterminator="\n")
            w.writerow(["sku", "name", "category"])
            for s in skus:
                w.writerow([s, products[s]["name"], products[s]["category"]])
            files["environment/data/products.csv"] = prod_buf.getvalue()
            hist_buf = io.StringIO()
            w = csv.writer(hist_buf, lineterminator="\n")
            w.writerow(["sku", "effective_from", "unit_price"])
            rows = [(s, when, p) for s in skus for when, p in history[s]]
            rng.shuffle(rows)
            for s, when, p in rows:
                w.writerow([s, when.isoformat(), f"{p // 100}.{p % 100:02d}"])
            files["environment/data/price_history.csv"] = hist_buf.getvalue()
        else:
            cust_name = "customers.json"
            files[f"environment/data/{cust_name}"] = json.dumps(
                [{"customer_id": c["id"], "name": c["name"], "country": c["country"], "tier": c["tier"]}
                 for c in customers.values()], indent=2) + "\n"
            prod_buf = io.StringIO()
            w = csv.writer(prod_buf, lineterminator="\n")
            w.writerow(["sku", "name", "category", "unit_price"])
            for s in skus:
                p = products[s]["price"]
                w.writerow([s, products[s]["name"], products[s]["category"], f"{p // 100}.{p % 100:02d}"])
            files["environment/data/products.csv"] = prod_buf.getvalue()
        digests = {f"{in_dir}/{k.split('/', 2)[2]}": hashlib.sha256(
            v.encode() if isinstance(v, str) else v).hexdigest() for k, v in files.items()}
        files["tests/expected.json"] = json.dumps({"out": out, "answers": exp, "digests": digests}, indent=1)
        files["tests/test_outputs.py"] = TEST_PY

        # instruction ------------------------------------------------------------------------------------------
        intro = pick(rng, [
            "The webshop team dumped three tables and wants a handful of numbers for their weekly sync.",
            "Product management asked a few questions about last quarter's orders; the raw exports are on this box.",
            "We are preparing the sales review and need some figures computed from the shop's database export.",
            "Marketing needs a small JSON report to feed their dashboard; the source tables are exported below.",
        ])
        period = f"{d0.isoformat()} to {d1.isoformat()}"
        lines = [intro, "", pick(rng, [f"Inputs (in `{in_dir}/`):",
                                       f"The export in `{in_dir}/` covers {period}:",
                                       f"Source files, all under `{in_dir}/` ({len(orders)} orders, {period}):"]),
                 pick(rng, ["- `orders.csv`: `order_id`, `customer_id`, `sku`, `qty`, `order_date` (ISO date)",
                            "- `orders.csv`, one row per order with columns `order_id`, `customer_id`, `sku`, `qty`, "
                            "`order_date` (YYYY-MM-DD)"])
                 + (", `discount_pct` (a percentage off the line price, 0-100)" if medium_up else "")
                 + "; one row per order."]
        if hard:
            lines += [f"- `{cust_name}`: a change log of customer records (`customer_id`, `name`, `country`, `tier`, "
                      "`updated_at`), one JSON object per line and not sorted; a customer's current record is the "
                      "one with the latest `updated_at`, and every order is attributed to the customer's current "
                      "country and tier.",
                      "- `products.csv`: `sku`, `name`, `category`.",
                      "- `price_history.csv`: `sku`, `effective_from`, `unit_price` (USD). A price applies from its "
                      "`effective_from` date (inclusive) until the next price of that SKU; an order is charged the "
                      "price in effect on its `order_date`."]
        else:
            lines += [f"- `{cust_name}`: a JSON array of customers (`customer_id`, `name`, `country`, `tier`).",
                      "- `products.csv`: `sku`, `name`, `category`, `unit_price` (USD)."]
        rev_def = "`qty * unit_price" + (" * (1 - discount_pct / 100)`" if medium_up else "`")
        lines += ["", pick(rng, [f"The revenue of an order is {rev_def}.",
                                 f"Define an order's revenue as {rev_def}."])]
        if medium_up:
            lines += [pick(rng, [
                "Some orders reference customer ids that are missing from the customer data: they still count in "
                "every revenue figure, under the country `UNKNOWN` and the tier `unknown`, but never as a known "
                "customer.",
                "The customer export is incomplete, so a few orders point to unknown customer ids. Keep those orders "
                "in all revenue numbers, grouped as country `UNKNOWN` / tier `unknown`, and never list them as "
                "known customers."])]
        lines += ["", pick(rng, [f"Write `{out}`: a single JSON object with exactly these keys:",
                                 f"Produce `{out}` containing one JSON object with these keys (no others):"])]
        lines += ["- " + QUESTIONS[q].format(n=top_n) for q in qs]
        lines += ["", pick(rng, ["Every money amount is a JSON number in USD rounded to 2 decimals (round each "
                                 "reported figure, not the individual orders).",
                                 "Report money as plain JSON numbers rounded to cents; do the rounding only on the "
                                 "final figures."]),
                  pick(rng, [f"Leave the files in `{in_dir}` as they are.", "Do not edit the input files."])]
        instruction = "\n".join(lines)

        knobs = dict(IN_DIR=in_dir, OUT=out, QS=qs, TOP=top_n, HARD=hard, MEDIUM_UP=medium_up)
        files["solution/solve.sh"] = _solver(knobs)
        if level == "easy":
            files["solution/wrong/forgot-qty.sh"] = _solver(knobs, QTY_MODE="price")
            files["solution/wrong/top-by-units.sh"] = _solver(knobs, RANK="units")
        else:
            files["solution/wrong/inner-join.sh"] = _solver(knobs, JOIN="inner")
            files["solution/wrong/ignores-discount.sh"] = _solver(knobs, DISCOUNT=False)
        if hard:
            files["solution/wrong/latest-price-only.sh"] = _solver(knobs, PRICE="latest")
            files["solution/wrong/first-customer-record.sh"] = _solver(knobs, CUST="first")
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY data/ {in_dir}/\nWORKDIR /app\n", files=files,
            tags=["join", "json", "csv", "aggregation"],
            artifacts=[out, in_dir],  # the report and the exports (checked untouched)
            agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1800}[level],
            expert_minutes={"easy": 12, "medium": 25, "hard": 40}[level],
        )


def _solver(knobs: dict, **mistakes) -> str:
    settings = dict(QTY_MODE="qty", RANK="revenue", JOIN="left", DISCOUNT=True, PRICE="asof", CUST="latest")
    settings.update(mistakes)
    head = "\n".join(f"{k} = {v!r}" for k, v in {**knobs, **settings}.items())
    return ("#!/bin/bash\nset -euo pipefail\nmkdir -p \"$(dirname " + repr(knobs["OUT"]) + ")\"\n"
            "python3 - <<'PY'\n" + head + "\n" + SOLVER_BODY + "PY\n")


SOLVER_BODY = r'''
import csv, json
from collections import defaultdict
from decimal import Decimal, ROUND_HALF_UP

def money(x):
    return float(Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

orders = list(csv.DictReader(open(IN_DIR + "/orders.csv", newline="")))
products = {p["sku"]: p for p in csv.DictReader(open(IN_DIR + "/products.csv", newline=""))}
if HARD:
    recs = [json.loads(l) for l in open(IN_DIR + "/customers.jsonl") if l.strip()]
    customers = {}
    for r in sorted(recs, key=lambda r: r["updated_at"]):
        if CUST == "latest" or r["customer_id"] not in customers:
            customers[r["customer_id"]] = r
    hist = defaultdict(list)
    for h in csv.DictReader(open(IN_DIR + "/price_history.csv", newline="")):
        hist[h["sku"]].append((h["effective_from"], Decimal(h["unit_price"])))
    for v in hist.values():
        v.sort()
    def price(sku, day):
        if PRICE == "latest":
            return hist[sku][-1][1]
        return [p for when, p in hist[sku] if when <= day][-1]
else:
    customers = {c["customer_id"]: c for c in json.load(open(IN_DIR + "/customers.json"))}
    def price(sku, day):
        return Decimal(products[sku]["unit_price"])

lines = []
for o in orders:
    known = o["customer_id"] in customers
    if JOIN == "inner" and not known:
        continue
    qty = int(o["qty"])
    rev = price(o["sku"], o["order_date"]) * (qty if QTY_MODE == "qty" else 1)
    if MEDIUM_UP and DISCOUNT:
        rev = rev * (100 - Decimal(o["discount_pct"])) / 100
    c = customers.get(o["customer_id"])
    lines.append(dict(o, rev=rev, qty=qty, known=known, country=c["country"] if c else "UNKNOWN",
                      tier=c["tier"] if c else "unknown", category=products[o["sku"]]["category"]))

def by(key):
    acc = defaultdict(Decimal)
    for l in lines:
        acc[l[key]] += l["rev"]
    return acc

report = {}
for q in QS:
    if q == "total_revenue":
        report[q] = money(sum(l["rev"] for l in lines))
    elif q == "revenue_by_country":
        report[q] = {k: money(v) for k, v in sorted(by("country").items())}
    elif q == "revenue_by_category":
        report[q] = {k: money(v) for k, v in sorted(by("category").items())}
    elif q == "monthly_revenue":
        for l in lines:
            l["month"] = l["order_date"][:7]
        report[q] = {k: money(v) for k, v in sorted(by("month").items())}
    elif q == "top_products":
        g = by("sku")
        units = defaultdict(int)
        for l in lines:
            units[l["sku"]] += l["qty"]
        rank = (lambda s: (-g[s], s)) if RANK == "revenue" else (lambda s: (-units[s], s))
        report[q] = [{"sku": s, "revenue": money(g[s])} for s in sorted(g, key=rank)[:TOP]]
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
'''

TEST_PY = r'''"""Answers recomputed by the generator from its ground truth; the agent's report must agree to the cent."""

import hashlib
import json
from pathlib import Path

P = json.loads(Path(__file__).with_name("expected.json").read_text())
TOL = 0.011


def report():
    return json.loads(Path(P["out"]).read_text())


def same(got, exp, where):
    if isinstance(exp, dict):
        assert isinstance(got, dict), f"{where}: expected an object"
        assert sorted(got) == sorted(exp), f"{where}: keys {sorted(got)} != {sorted(exp)}"
        for k in exp:
            same(got[k], exp[k], f"{where}.{k}")
    elif isinstance(exp, list):
        assert isinstance(got, list) and len(got) == len(exp), f"{where}: expected a list of {len(exp)}"
        for i, (g, e) in enumerate(zip(got, exp)):
            same(g, e, f"{where}[{i}]")
    elif isinstance(exp, str):
        assert got == exp, f"{where}: {got!r} != {exp!r}"
    elif isinstance(exp, int) and not isinstance(exp, bool) and not isinstance(exp, float):
        assert isinstance(got, int) and got == exp, f"{where}: {got!r} != {exp!r}"
    else:
        assert isinstance(got, (int, float)) and abs(got - exp) <= TOL, f"{where}: {got!r} != {exp!r}"


def test_inputs_untouched():
    for path, digest in P["digests"].items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest, f"{path} was modified"


def test_report_has_exactly_the_keys():
    assert sorted(report()) == sorted(P["answers"])


def _make(key):
    def check():
        got = report()
        assert key in got, f"missing key {key}"
        same(got[key], P["answers"][key], key)
    check.__name__ = f"test_{key}"
    return check


for _key in P["answers"]:
    globals()[f"test_{_key}"] = _make(_key)
'''
