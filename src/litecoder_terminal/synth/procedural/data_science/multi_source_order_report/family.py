"""Join orders, customers and products (price history and customer change log at hard) and answer business
questions in a JSON report the sales dashboard reads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from fractions import Fraction

from litecoder_terminal.synth.procedural import kit

FIRST = ["Ana", "Ben", "Chloe", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ivo", "Jana", "Kofi", "Lena", "Mats",
         "Nora", "Omar", "Pia", "Quinn", "Rui", "Sofia", "Tariq", "Uma", "Vera", "Wim", "Xenia", "Yusuf", "Zoe"]
LAST = ["Adler", "Berg", "Costa", "Dahl", "Eriksen", "Fischer", "Garcia", "Horvat", "Ito", "Jansen", "Kowalski",
        "Lind", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Silva", "Tanaka", "Urban", "Weber", "Young"]
COUNTRIES = ["DE", "FR", "US", "GB", "ES", "IT", "NL", "SE", "PL", "CA", "PT", "AT"]
CATEGORIES = ["tools", "garden", "kitchen", "office", "outdoor", "lighting", "storage", "electrical", "plumbing"]
NOUNS = ["hammer", "hose", "kettle", "stapler", "lantern", "shelf", "cable", "faucet", "rake", "desk lamp", "drawer",
         "pliers", "sprinkler", "toaster", "binder", "tent", "bulb", "crate", "socket", "valve"]
TIER_SETS = [["bronze", "silver", "gold"], ["basic", "plus", "pro"], ["standard", "premium"]]
TEAMS = ["weekly-sync", "sales-review", "marketing-kpis", "category-mgmt", "exec-summary"]

QUESTIONS = {
    "total_revenue": "`total_revenue`: revenue of all orders (a number).",
    "revenue_by_country": "`revenue_by_country`: object mapping each customer country code to its revenue.",
    "revenue_by_category": "`revenue_by_category`: object mapping each product category to its revenue.",
    "monthly_revenue": "`monthly_revenue`: object mapping each month `YYYY-MM` (from `order_date`) to its revenue.",
    "top_products": "`top_products`: the @@n@@ SKUs with the highest revenue, as a list of objects "
                    "`{\"sku\": ..., \"revenue\": ...}`, highest first (ties: SKU ascending).",
    "top_customers": "`top_customers`: the @@n@@ known customers with the highest revenue, as a list of objects "
                     "`{\"customer_id\": ..., \"name\": ..., \"revenue\": ...}`, highest first (ties: customer_id "
                     "ascending).",
    "repeat_customers": "`repeat_customers`: how many known customers placed two or more orders (an integer).",
    "orphan_orders": "`orphan_orders`: how many orders reference a customer_id that is not in the customer data "
                     "(an integer).",
    "avg_order_value_by_tier": "`avg_order_value_by_tier`: object mapping each customer tier to the mean revenue "
                               "per order of that tier's orders.",
}
OPTIONAL = ["revenue_by_category", "monthly_revenue", "top_customers", "repeat_customers", "revenue_by_country",
            "avg_order_value_by_tier", "orphan_orders", "top_products"]

# The reference solver's decisions; each known-wrong solution flips one (only those that go wrong on the instance).
KNOBS = {
    "qty": kit.Knob(" * int(o[\"qty\"])", "", "charges each order one unit instead of qty units"),
    "rank": kit.Knob("-rev[s]", "-units[s]", "ranks products by units sold instead of revenue"),
    "join": kit.Knob("", " if o[\"customer_id\"] in customers",
                     "inner join: drops orders of unknown customers from the revenue figures"),
    "discount": kit.Knob(" * (100 - Decimal(o[\"discount_pct\"])) / 100", "", "ignores the discount"),
    "price": kit.Knob("[p for since, p in hist[sku] if since <= day][-1]", "hist[sku][-1][1]",
                      "charges every order the latest price, not the price in effect on its date"),
    "cust": kit.Knob("False", "True", "takes each customer's first record, not the latest"),
}


def _r2(units: int | Fraction) -> float:
    """Ten-thousandths of a dollar (exact) to dollars rounded half up to cents, as a clean float."""
    cents = (Fraction(units) / 100 + Fraction(1, 2)) // 1 if isinstance(units, Fraction) else (units + 50) // 100
    return float(Fraction(cents, 100))


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _answers(qs, top_n, orders, customers, history, products, mistake: str | None = None) -> dict:
    """The report as the reference computes it; `mistake` (a KNOBS name) replays one known-wrong solution."""
    def price_at(sku, day):
        if mistake == "price":
            return history[sku][-1][1]
        return [p for when, p in history[sku] if when <= day][-1]

    def revenue(o):
        qty = 1 if mistake == "qty" else o["qty"]
        disc = 0 if mistake == "discount" else o["disc"]
        return qty * price_at(o["sku"], o["date"]) * (100 - disc)  # ten-thousandths of a dollar

    lines = [o for o in orders if mistake != "join" or o["cust"] in customers]
    revs = [revenue(o) for o in lines]

    def group(keyf):
        acc: dict[str, int] = {}
        for o, rev in zip(lines, revs):
            acc[keyf(o)] = acc.get(keyf(o), 0) + rev
        return acc

    def attr(o, field, unknown):
        return customers[o["cust"]][field] if o["cust"] in customers else unknown

    exp: dict = {}
    for q in qs:
        if q == "total_revenue":
            exp[q] = _r2(sum(revs))
        elif q == "revenue_by_country":
            exp[q] = {k: _r2(v) for k, v in sorted(group(lambda o: attr(o, "country", "UNKNOWN")).items())}
        elif q == "revenue_by_category":
            exp[q] = {k: _r2(v) for k, v in sorted(group(lambda o: products[o["sku"]]["category"]).items())}
        elif q == "monthly_revenue":
            exp[q] = {k: _r2(v) for k, v in sorted(group(lambda o: o["date"].isoformat()[:7]).items())}
        elif q == "top_products":
            g = group(lambda o: o["sku"])
            units: dict[str, int] = {}
            for o in lines:
                units[o["sku"]] = units.get(o["sku"], 0) + o["qty"]
            key = (lambda s: (-units[s], s)) if mistake == "rank" else (lambda s: (-g[s], s))
            exp[q] = [{"sku": s, "revenue": _r2(g[s])} for s in sorted(g, key=key)[:top_n]]
        elif q == "top_customers":
            g = {k: v for k, v in group(lambda o: o["cust"]).items() if k in customers}
            exp[q] = [{"customer_id": c, "name": customers[c]["name"], "revenue": _r2(g[c])}
                      for c in sorted(g, key=lambda c: (-g[c], c))[:top_n]]
        elif q == "repeat_customers":
            cnt: dict[str, int] = {}
            for o in lines:
                if o["cust"] in customers:
                    cnt[o["cust"]] = cnt.get(o["cust"], 0) + 1
            exp[q] = sum(1 for v in cnt.values() if v >= 2)
        elif q == "orphan_orders":
            exp[q] = sum(1 for o in orders if o["cust"] not in customers)
        elif q == "avg_order_value_by_tier":
            g = group(lambda o: attr(o, "tier", "unknown"))
            n: dict[str, int] = {}
            for o in lines:
                n[attr(o, "tier", "unknown")] = n.get(attr(o, "tier", "unknown"), 0) + 1
            exp[q] = {k: _r2(Fraction(v, n[k])) for k, v in sorted(g.items())}
    return exp


def _csv(header: list[str], rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


class OrderJoinReport(kit.KitFamily):
    title = "Join orders, customers and products and answer questions in a JSON report"
    levels = kit.Levels(customers=((12, 25), (25, 60), (25, 60)), products=((8, 14), (12, 22), (12, 22)),
                        orders=((60, 120), (150, 300), (250, 450)), discounts=(False, True, True),
                        orphans=(False, True, True), history=(False, False, True),
                        core=(("top_products", "total_revenue"), ("total_revenue", "orphan_orders"),
                              ("total_revenue", "revenue_by_country", "top_products")),
                        extra_questions=(1, 2, 2), noise=(0, 1, 2),
                        agent_timeout=(600, 1200, 1800), expert_minutes=(12, 25, 40))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        in_dir = rng.choice(["/data/shop", "/srv/webshop/export", "/data/warehouse/dump", "/opt/retail/data"])
        out = rng.choice(["/app/report.json", "/app/out/sales_report.json", "/app/analysis/answers.json",
                          "/root/report.json", "/srv/reports/current/sales.json"])
        team = rng.choice(TEAMS)
        tiers = rng.choice(TIER_SETS)
        countries = sorted(rng.sample(COUNTRIES, rng.randint(4, 7)))
        categories = sorted(rng.sample(CATEGORIES, rng.randint(3, 5)))
        year, m0, n_months = rng.randint(2022, 2025), rng.randint(1, 7), rng.randint(3, 5)
        d0 = dt.date(year, m0, 1)
        d1 = dt.date(year, m0 + n_months, 1) - dt.timedelta(days=1)
        span = (d1 - d0).days

        n_cust = rng.randint(*k.customers)
        customers = {}
        for cid in sorted(rng.sample(range(1, 3000), n_cust)):
            customers[f"C{cid:04d}"] = {"id": f"C{cid:04d}", "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                                        "country": rng.choice(countries), "tier": rng.choice(tiers)}
        products: dict[str, dict] = {}
        for noun in rng.sample(NOUNS, min(rng.randint(*k.products), len(NOUNS))):
            sku = f"{noun[:3].upper()}-{rng.randint(100, 999)}"
            while sku in products:
                sku = f"{noun[:3].upper()}-{rng.randint(100, 999)}"
            products[sku] = {"sku": sku, "name": noun.title(), "category": rng.choice(categories),
                             "price": rng.choice([rng.randint(199, 1999), rng.randint(2000, 29999)])}
        skus = sorted(products)
        # price history (hard): the price in effect on the order date
        history: dict[str, list[tuple[dt.date, int]]] = {}
        for sku in skus:
            entries = [(d0 - dt.timedelta(days=rng.randint(30, 400)), products[sku]["price"])]
            if k.history:
                for _ in range(rng.choice([0, 1, 1, 2])):
                    when = d0 + dt.timedelta(days=rng.randint(5, span - 5))
                    entries.append((when, max(99, entries[-1][1] + rng.choice([-1, 1, 1]) * rng.randint(50, 900))))
            history[sku] = sorted(entries)
        if k.history and all(len(v) == 1 for v in history.values()):
            history[skus[0]].append((d0 + dt.timedelta(days=span // 2), history[skus[0]][0][1] + 500))
        # customer change log (hard): the current record is the latest
        log, first_seen, movers = [], dict(customers), []
        if k.history:
            for c in customers.values():
                t0 = dt.datetime(year - 1, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                                 rng.randint(0, 59))
                log.append({**c, "updated_at": t0})
            movers = rng.sample(sorted(customers), max(3, n_cust // 5))
            for cid in movers:
                c = dict(customers[cid])
                c["country"] = rng.choice([x for x in countries if x != c["country"]])
                if rng.random() < 0.5:
                    c["tier"] = rng.choice(tiers)
                t1 = dt.datetime(year, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
                log.append({**c, "updated_at": t1})
                customers[cid] = {f: c[f] for f in ("id", "name", "country", "tier")}
            rng.shuffle(log)

        orphan_ids = [f"C{x:04d}" for x in rng.sample(range(3000, 9999), 4)]
        known_ids = sorted(customers)
        orders = []
        oid = rng.randint(10000, 60000)
        for i in range(rng.randint(*k.orders)):
            oid += rng.randint(1, 3)
            cid = rng.choice(known_ids)
            if k.orphans and (i == 0 or rng.random() < 0.05):
                cid = rng.choice(orphan_ids)
            orders.append({"id": f"O{oid}", "cust": cid, "sku": rng.choice(skus), "qty": rng.randint(1, 8),
                           "date": d0 + dt.timedelta(days=rng.randint(0, span)),
                           "disc": rng.choice([0, 0, 0, 5, 10, 15, 20]) if k.discounts else 0})
        orders[1]["qty"] = max(2, orders[1]["qty"])
        if k.discounts:
            orders[1]["disc"] = 10
        if k.history:  # someone who moved country ordered something; a price change is straddled
            orders[2].update(cust=movers[0])
            changed = next(s for s in skus if len(history[s]) > 1)
            orders[3].update(sku=changed, date=history[changed][1][0])
            orders[4].update(sku=changed, date=history[changed][1][0] - dt.timedelta(days=1))

        top_n = rng.randint(3, 5)
        qs = list(k.core) + rng.sample([q for q in OPTIONAL if q not in k.core
                                        and (k.orphans or q != "orphan_orders")], k.extra_questions)
        if k.history and "revenue_by_country" not in qs:
            qs.append("revenue_by_country")
        qs = [q for q in QUESTIONS if q in qs]  # stable order
        if "top_products" in qs:  # ranking by units must differ from ranking by revenue
            for _ in range(6):
                exp = _answers(qs, top_n, orders, customers, history, products)
                if exp != _answers(qs, top_n, orders, customers, history, products, "rank"):
                    break
                cheap = min(skus, key=lambda s: products[s]["price"])
                oid += 1
                orders.append({"id": f"O{oid}", "cust": rng.choice(known_ids), "sku": cheap, "qty": 40,
                               "date": d0 + dt.timedelta(days=rng.randint(0, span)), "disc": 0})
        exp = _answers(qs, top_n, orders, customers, history, products)

        # the known-wrong solutions that really go wrong on this instance
        applicable = {"forgot-qty": "qty", "top-by-units": "rank"}
        if k.orphans:
            applicable["inner-join"] = "join"
        if k.discounts:
            applicable["ignores-discount"] = "discount"
        if k.history:
            applicable["latest-price-only"] = "price"
            applicable["first-customer-record"] = "cust"
        wrong = {}
        for name, knob in applicable.items():
            got = (_answers(qs, top_n, orders, first_seen, history, products) if knob == "cust"
                   else _answers(qs, top_n, orders, customers, history, products, knob))
            if got != exp:
                wrong[name] = knob
        if len(wrong) < 2:
            raise RuntimeError("order report: fewer than two known-wrong solutions differ on this instance")

        # files ---------------------------------------------------------------------------------------------------
        files: dict[str, str | bytes] = {}
        o_head = ["order_id", "customer_id", "sku", "qty", "order_date"] + (["discount_pct"] if k.discounts else [])
        files["environment/data/orders.csv"] = _csv(o_head, [
            [o["id"], o["cust"], o["sku"], o["qty"], o["date"].isoformat()] + ([o["disc"]] if k.discounts else [])
            for o in orders])
        if k.history:
            cust_name = "customers.jsonl"
            files[f"environment/data/{cust_name}"] = "".join(json.dumps(
                {"customer_id": c["id"], "name": c["name"], "country": c["country"], "tier": c["tier"],
                 "updated_at": c["updated_at"].strftime("%Y-%m-%dT%H:%M:%SZ")}) + "\n" for c in log)
            files["environment/data/products.csv"] = _csv(["sku", "name", "category"], [
                [s, products[s]["name"], products[s]["category"]] for s in skus])
            rows = [(s, when, p) for s in skus for when, p in history[s]]
            rng.shuffle(rows)
            files["environment/data/price_history.csv"] = _csv(["sku", "effective_from", "unit_price"], [
                [s, when.isoformat(), _money(p)] for s, when, p in rows])
        else:
            cust_name = "customers.json"
            files[f"environment/data/{cust_name}"] = json.dumps(
                [{"customer_id": c["id"], "name": c["name"], "country": c["country"], "tier": c["tier"]}
                 for c in customers.values()], indent=2) + "\n"
            files["environment/data/products.csv"] = _csv(["sku", "name", "category", "unit_price"], [
                [s, products[s]["name"], products[s]["category"], _money(products[s]["price"])] for s in skus])

        # the report's contract, told in the instruction (full) or in the dashboard's spec (partial, symptom)
        period = f"{d0.isoformat()} to {d1.isoformat()}"
        orders_line = ("- `orders.csv`: `order_id`, `customer_id`, `sku`, `qty`, `order_date` (YYYY-MM-DD)"
                       + (", `discount_pct` (a percentage off the line price, 0-100)" if k.discounts else "")
                       + "; one row per order.")
        if k.history:
            inputs = [orders_line,
                      f"- `{cust_name}`: a change log of customer records (`customer_id`, `name`, `country`, `tier`, "
                      "`updated_at`), one JSON object per line and not sorted; a customer's current record is the "
                      "one with the latest `updated_at`, and every order is attributed to the customer's current "
                      "country and tier.",
                      "- `products.csv`: `sku`, `name`, `category`.",
                      "- `price_history.csv`: `sku`, `effective_from`, `unit_price` (USD). A price applies from its "
                      "`effective_from` date (inclusive) until the next price of that SKU; an order is charged the "
                      "price in effect on its `order_date`."]
        else:
            inputs = [orders_line,
                      f"- `{cust_name}`: a JSON array of customers (`customer_id`, `name`, `country`, `tier`).",
                      "- `products.csv`: `sku`, `name`, `category`, `unit_price` (USD)."]
        rev_def = "`qty * unit_price" + (" * (1 - discount_pct / 100)`" if k.discounts else "`")
        rules = f"The revenue of an order is {rev_def}."
        if k.orphans:
            rules += (" Some orders reference customer ids that are missing from the customer data: they still "
                      "count in every revenue figure, under the country `UNKNOWN` and the tier `unknown`, but never "
                      "as a known customer.")
        questions = "\n".join("- " + kit.render(QUESTIONS[q], {"n": top_n} if "@@n@@" in QUESTIONS[q] else {},
                                                where=f"question {q}") for q in qs)
        contract = dict(in_dir=in_dir, out=out, period=period, inputs="\n".join(inputs), rules=rules,
                        questions=questions)
        spec = f"/etc/sales-dashboard/specs/{team}.md"
        files[f"environment/dash/specs/{team}.md"] = self.template("spec.md", team=team, **contract)
        panels = [(team, in_dir, spec, out)]
        others = rng.sample([t for t in TEAMS if t != team], k.noise)
        for other in others:
            panels.append((other, "/data/archive/" + other, f"/etc/sales-dashboard/specs/{other}.md",
                           f"/srv/reports/{other}.json"))
        files["environment/dash/dashboard.conf"] = self.template("dashboard.conf", panels="\n\n".join(
            f"[panel {t}]\nsource = {src}\nspec = {sp}\nreport = {rp}" for t, src, sp, rp in sorted(panels)))
        stamp = f"{d1.isoformat()}T0{rng.randint(1, 9)}:{rng.randint(10, 59)}"
        lines = [f"{stamp}:0{i}Z panel {o}: refreshed from /srv/reports/{o}.json" for i, o in enumerate(others)]
        lines += [f"{stamp}:1{i}Z panel {team}: cannot load {out}: No such file or directory" for i in range(3)]
        files["environment/dashlog/refresh.log"] = self.template("refresh.log", lines="\n".join(lines))
        for other in others:  # other panels' reports and archived exports (red herrings: not this panel's data)
            old = {"total_revenue": round(rng.uniform(5000, 90000), 2), "orphan_orders": rng.randint(0, 9)}
            files[f"environment/reports/{other}.json"] = json.dumps(old, indent=2) + "\n"
            files[f"environment/archive/{other}/orders.csv"] = _csv(o_head[:5], [
                [f"O{rng.randint(1000, 9999)}", rng.choice(sorted(customers)), rng.choice(skus), rng.randint(1, 5),
                 (d0 - dt.timedelta(days=rng.randint(30, 300))).isoformat()] for _ in range(rng.randint(5, 15))])

        values = {"in_dir": in_dir, "out": out, "team": team, "spec": spec, "cust_name": cust_name,
                  "questions_json": json.dumps(qs), "top": top_n}
        knobs = dict(KNOBS)
        for name, used in (("discount", k.discounts), ("price", k.history), ("cust", k.history),
                           ("join", k.orphans)):
            if not used:  # not part of this instance's contract: no knob to flip (no discount column at all)
                values[name] = "" if name == "discount" else KNOBS[name].right
                knobs.pop(name)
        files |= self.solver(knobs).files(values, wrong)
        files |= self.alt_solutions(in_dir=in_dir, out=out, questions_json=json.dumps(qs), top=top_n)
        files |= self.verifier(out=out)
        files |= kit.expected_file({"answers": exp, "untouched": kit.digests(files, "data", in_dir)})

        intro = self.intro(rng, team=team)
        instruction = self.instruction(intro=intro, team=team, spec=spec, **contract)
        body = (f"COPY data/ {in_dir}/\nCOPY dash/ /etc/sales-dashboard/\nCOPY dashlog/ /var/log/sales-dashboard/\n"
                + ("COPY reports/ /srv/reports/\nCOPY archive/ /data/archive/\n" if others else "")
                + "WORKDIR /app\n")
        return kit.draft(
            instruction=instruction, dockerfile_body=body, files=files, tags=["join", "json", "csv", "aggregation"],
            artifacts=[out, in_dir], outputs=[out], agent_timeout_sec=k.agent_timeout,
            sealable=[in_dir],  # composition: the exports may come sealed with the part before's result
            expert_minutes=k.expert_minutes,
        )
