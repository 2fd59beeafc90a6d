"""Clean a sales ledger (duplicates, mixed date formats, currency strings, missing values, statuses) and roll it
up per month and region with exact cent arithmetic."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

REGIONS = ["North", "South", "East", "West", "Central", "Coastal", "Highlands", "Metro", "Valley", "Harbor",
           "Lakeside", "Prairie"]
SKU_WORDS = ["BOLT", "CLAMP", "DRILL", "GASKET", "HINGE", "LATCH", "PANEL", "PUMP", "SENSOR", "VALVE", "WIRE",
             "BRACKET", "FILTER", "MOTOR", "SWITCH"]
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _render_price(rng: random.Random, cents: int | None, dirty: bool) -> str:
    if cents is None:
        return rng.choice(["", "N/A"]) if dirty else ""
    plain = _money(cents)
    if not dirty:
        return plain
    style = rng.choice(["plain", "plain", "dollar", "usd", "short", "space"])
    if style == "dollar":
        whole = f"{cents // 100:,}"
        return f"${whole}.{cents % 100:02d}"
    if style == "usd":
        return f"USD {plain}"
    if style == "short":
        return plain.rstrip("0").rstrip(".") if "." in plain else plain
    if style == "space":
        return f" {plain} "
    return plain


def _render_date(rng: random.Random, d: dt.date, dirty: bool, style: str | None = None) -> str:
    if not dirty:
        return d.isoformat()
    style = style or rng.choice(["iso", "iso", "dmy", "mon"])
    if style == "dmy":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == "mon":
        return f"{d.day} {MON[d.month - 1]} {d.year}"
    return d.isoformat()


def _render_region(rng: random.Random, region: str | None, dirty: bool) -> str:
    if region is None:
        return ""
    if not dirty:
        return region
    return rng.choice([region, region, region.upper(), region.lower(), f" {region}", f"{region.lower()} "])


@register
class SalesLedgerRollup(TaskFamily):
    name = "sales_ledger_monthly_rollup"
    domain = "data_science"
    title = "Clean a dirty sales ledger and roll it up per month and region"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        dirty = level != "easy"
        hard = level == "hard"
        in_dir = pick(rng, ["/data/sales", "/srv/ledger", "/data/exports/sales", "/opt/finance/ledger"])
        out = pick(rng, ["/app/out/monthly_region.csv", "/app/reports/region_month.csv", "/app/rollup.csv",
                         "/app/results/sales_by_month_region.csv"])
        summary_path = out.rsplit("/", 1)[0] + "/" + pick(rng, ["cleaning_summary.json", "cleaning_stats.json"])
        qty_col = pick(rng, ["quantity", "qty", "units"])
        price_col = pick(rng, ["unit_price", "price_each", "unit_cost"])
        date_col = pick(rng, ["order_date", "date", "sold_on"])
        id_col = pick(rng, ["order_id", "order_no", "invoice_id"])
        prefix = pick(rng, ["SO", "ORD", "INV", "S"])
        regions = sorted(rng.sample(REGIONS, rng.randint(3, 5) if level == "easy" else rng.randint(4, 6)))
        skus = sorted({f"{w}-{rng.randint(10, 99)}" for w in rng.sample(SKU_WORDS, rng.randint(5, 9))})
        base_price = {s: rng.choice([rng.randint(150, 9900), rng.randint(10000, 250000)]) for s in skus}
        year = rng.randint(2021, 2025)
        start_month = rng.randint(1, 6)
        n_months = {"easy": 3, "medium": rng.randint(4, 6), "hard": rng.randint(5, 7)}[level]
        first = dt.date(year, start_month, 1)
        last_month = start_month + n_months - 1
        last = dt.date(year, last_month + 1, 1) - dt.timedelta(days=1) if last_month < 12 else dt.date(year, 12, 31)
        span = (last - first).days

        # ---- underlying records ------------------------------------------------------------------------
        n_rows = {"easy": rng.randint(60, 110), "medium": rng.randint(180, 320), "hard": rng.randint(320, 520)}[level]
        oid = rng.randint(1000, 90000)
        recs = []
        for _ in range(n_rows):
            oid += rng.randint(1, 4)
            sku = rng.choice(skus)
            price = base_price[sku] + rng.choice([0, 0, 0, -rng.randint(1, 99), rng.randint(1, 99)])
            rec = {"id": f"{prefix}-{oid:06d}", "date": first + dt.timedelta(days=rng.randint(0, span)),
                   "region": rng.choice(regions), "sku": sku, "qty": rng.randint(1, 12), "price": max(price, 99),
                   "status": "completed"}
            if dirty and rng.random() < 0.05:
                rec["qty"] = None
            elif dirty and rng.random() < 0.04:
                rec["price"] = None
            if dirty and rng.random() < 0.04:
                rec["region"] = None
            if hard and rng.random() < 0.10:
                rec["status"] = rng.choice(["cancelled", "returned", "cancelled", "pending"])
            recs.append(rec)
        valid = [r for r in recs if r["qty"] is not None and r["price"] is not None and r["status"] == "completed"]
        # Guarantees that make each known mistake change the outcome.
        recs[0].update(qty=max(recs[0]["qty"] or 2, 2))
        if dirty:
            recs[1].update(qty=None, price=recs[1]["price"] or 1000, status="completed")
            if hard:
                recs[2].update(qty=3, price=recs[2]["price"] or 1500, status="cancelled")
            amb = recs[3]
            amb.update(qty=amb["qty"] or 1, price=amb["price"] or 1200, status="completed")
            months = list(range(start_month, last_month + 1))
            m = rng.choice(months)
            day = rng.choice([d for d in range(1, 13) if d != m])
            amb["date"] = dt.date(year, m, day)
        valid = [r for r in recs if r["qty"] is not None and r["price"] is not None and r["status"] == "completed"]

        # ---- files: assignment, duplicates (re-exports), rendering -----------------------------------------
        n_files = 3 if hard else 1
        if hard:
            names = sorted(rng.sample(["branch_north.csv", "branch_south.csv", "web_shop.csv", "wholesale.csv",
                                       "retail_east.csv", "call_centre.csv"], 3))
        else:
            names = [pick(rng, ["sales.csv", "ledger.csv", "orders_export.csv", f"sales_{year}.csv"])]
        entries: list[list[tuple[dict, str | None]]] = [[] for _ in range(n_files)]
        for r in recs:
            entries[rng.randrange(n_files)].append((r, None))
        n_dups = 0
        if dirty:
            n_dups = max(3, n_rows // rng.randint(12, 25))
            dup_src = rng.sample(recs[4:], n_dups - 1) + [recs[3]]
            for r in dup_src[:-1]:
                f = rng.randrange(n_files)
                entries[f].insert(rng.randint(0, len(entries[f])), (r, None))
            entries[-1].append((recs[3], "mon"))  # a later re-export that reformatted the date
            # the ambiguous-date record's first occurrence is always day-first
            for fi in range(n_files):
                for j, (r, st) in enumerate(entries[fi]):
                    if r is recs[3] and st is None:
                        entries[fi][j] = (r, "dmy")
        header = [id_col, date_col, "region", "sku", qty_col, price_col] + (["status"] if hard else [])
        files: dict[str, str | bytes] = {}
        digests = {}
        for fi, name in enumerate(names):
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(header)
            for r, style in entries[fi]:
                row = [r["id"], _render_date(rng, r["date"], dirty, style), _render_region(rng, r["region"], dirty),
                       r["sku"], "" if r["qty"] is None else str(r["qty"]), _render_price(rng, r["price"], dirty)]
                if hard:
                    row.append(r["status"])
                w.writerow(row)
            text = buf.getvalue()
            if fi == 0 and not dirty:
                text = text.rstrip("\n")  # exported without a final newline
            data = text.encode()
            files[f"environment/data/{name}"] = data
            digests[f"{in_dir}/{name}"] = hashlib.sha256(data).hexdigest()

        # ---- expected outcome ------------------------------------------------------------------------------
        groups: dict[tuple[str, str], list[int]] = {}
        for r in valid:
            key = (f"{r['date'].year}-{r['date'].month:02d}", r["region"] or "UNKNOWN")
            g = groups.setdefault(key, [0, 0, 0])
            g[0] += 1
            g[1] += r["qty"]
            g[2] += r["qty"] * r["price"]
        rows = [[m, reg, str(g[0]), str(g[1]), _money(g[2])] for (m, reg), g in sorted(groups.items())]
        dropped = sum(1 for r in recs if r["qty"] is None or r["price"] is None)
        excluded = sum(1 for r in recs if r["qty"] is not None and r["price"] is not None
                       and r["status"] != "completed")
        summary = {"rows_read": n_rows + n_dups, "duplicates_removed": n_dups, "dropped_missing": dropped,
                   "excluded_status": excluded, "rows_used": len(valid)} if hard else None
        expected = {"out": out, "header": ["month", "region", "orders", "units", "revenue"], "rows": rows,
                    "digests": digests, "summary_path": summary_path if hard else None, "summary": summary}
        files["tests/expected.json"] = json.dumps(expected, indent=1, sort_keys=True)
        files["tests/test_outputs.py"] = TEST_PY

        # ---- instruction ---------------------------------------------------------------------------------------
        intro = pick(rng, [
            "Finance wants a month-by-region revenue table for the quarterly review.",
            "The regional managers keep asking for monthly numbers; let's produce them from the raw ledger.",
            "We need a clean monthly revenue roll-up per sales region for the board pack.",
            "Before we load the ledger into the BI tool, produce a monthly per-region summary we can reconcile against.",
        ])
        src = (f"the export `{in_dir}/{names[0]}`" if n_files == 1 else
               "the branch exports in `" + in_dir + "/` (" + ", ".join(f"`{n}`" for n in names) + "; same header)")
        cols = f"`{'`, `'.join(header)}`"
        lines = [intro, "", f"Read {src}. Columns: {cols}. Each row is one order line; its revenue is "
                 f"`{qty_col} * {price_col}` ({price_col} is in US dollars)."]
        if dirty:
            rules = [
                f"- `{id_col}` identifies an order. Some orders were exported more than once (possibly with "
                "different formatting): keep only one row per "
                f"`{id_col}`.",
                f"- `{date_col}` comes in three formats: ISO `YYYY-MM-DD`, day-first `DD/MM/YYYY` (our European "
                "branches), and `D Mon YYYY` (e.g. `7 Mar 2024`).",
                f"- `{price_col}` may carry a `$` sign, a `USD ` prefix, thousands separators (`$1,234.50`) or "
                "stray spaces; it is always a dollar amount.",
                "- Region names are case-insensitive and may have leading/trailing spaces: report them in Title "
                "case (`North`). A row with an empty region is kept under the region `UNKNOWN`.",
                f"- Drop rows whose `{qty_col}` or `{price_col}` is empty or `N/A`.",
            ]
            if hard:
                rules.append("- Only rows with `status` equal to `completed` count; ignore every other status.")
            order = ("Apply the rules in this order: remove duplicates first, then drop rows with missing values, "
                     "then (if applicable) exclude non-completed statuses.") if hard else ""
            lines += ["", pick(rng, ["The data is messy:", "Known problems with the export:",
                                     "Cleaning rules (agreed with finance):"])] + rules
            if order:
                lines += ["", order]
        lines += ["", f"Write `{out}` as CSV with exactly the header `month,region,orders,units,revenue`: one row "
                  "per (month, region) pair that has at least one counted order line, where `month` is `YYYY-MM`, "
                  f"`orders` is the number of order lines, `units` the sum of `{qty_col}` and `revenue` the sum "
                  "of line revenue with exactly two decimals (no currency sign, no thousands separator, e.g. "
                  "`1234.50`). " + pick(rng, ["Sort by month, then region (both ascending).",
                                              "Order the rows by month ascending and, within a month, by region "
                                              "name ascending."])]
        if hard:
            lines += ["", f"Also write `{summary_path}`, a JSON object with integer fields `rows_read` (data rows "
                      "across all files), `duplicates_removed`, `dropped_missing`, `excluded_status` and `rows_used` "
                      "(the rows that made it into the roll-up)."]
        lines += ["", pick(rng, [f"Do not modify anything under `{in_dir}`.",
                                 f"The files in `{in_dir}` are the system of record: leave them untouched."])]
        instruction = "\n".join(lines)

        # ---- reference and wrong solutions -------------------------------------------------------------------
        knobs = dict(IN_DIR=in_dir, OUT=out, SUMMARY=summary_path if hard else "", ID=id_col, DATE=date_col,
                     QTY=qty_col, PRICE=price_col, HARD=hard)
        files["solution/solve.sh"] = _solver(knobs, dedup="id", dates="dmy", status=True, missing="drop")
        if dirty:
            files["solution/wrong/dedup-identical-lines.sh"] = _solver(knobs, dedup="line", dates="dmy",
                                                                       status=True, missing="drop")
            files["solution/wrong/month-first-dates.sh"] = _solver(knobs, dedup="id", dates="mdy", status=True,
                                                                   missing="drop")
            files["solution/wrong/missing-as-zero.sh"] = _solver(knobs, dedup="id", dates="dmy", status=True,
                                                                 missing="zero")
            if hard:
                files["solution/wrong/all-statuses.sh"] = _solver(knobs, dedup="id", dates="dmy", status=False,
                                                                  missing="drop")
        else:
            files["solution/wrong/forgot-quantity.sh"] = _solver(knobs, dedup="id", dates="dmy", status=True,
                                                                 missing="drop", revenue="price")
            files["solution/wrong/while-read-loop.sh"] = _bash_loop(knobs, names[0])
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY data/ {in_dir}/\nWORKDIR /app\n", files=files,
            tags=["csv", "cleaning", "aggregation"], agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1800}[level],
            artifacts=[out, *([summary_path] if hard else []), in_dir],  # outputs + the ledger (checked untouched)
            expert_minutes={"easy": 10, "medium": 25, "hard": 40}[level],
        )


def _solver(knobs: dict, *, dedup: str, dates: str, status: bool, missing: str, revenue: str = "qty") -> str:
    head = "\n".join(f"{k} = {v!r}" for k, v in knobs.items())
    head += f"\nDEDUP, DATES, STATUS, MISSING, REVENUE = {dedup!r}, {dates!r}, {status!r}, {missing!r}, {revenue!r}\n"
    return "#!/bin/bash\nset -euo pipefail\nmkdir -p \"$(dirname " + repr(knobs["OUT"]) + ")\"\npython3 - <<'PY'\n" \
        + head + SOLVER_BODY + "PY\n"


SOLVER_BODY = r'''
import csv, glob, json, re
from decimal import Decimal

MON = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def month_of(s):
    s = s.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        y, m, _ = s.split("-")
    elif re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", s):
        a, b, y = s.split("/")
        m = b if DATES == "dmy" or int(a) > 12 else a
    else:
        _, mon, y = s.split()
        m = MON[mon[:3].lower()]
    return f"{int(y):04d}-{int(m):02d}"


def cents(s):
    s = s.strip().replace("USD", "").replace("$", "").replace(",", "").strip()
    if s in ("", "N/A"):
        return None
    return int((Decimal(s) * 100).to_integral_value())


rows, seen_ids, seen_lines = [], set(), set()
stats = dict(rows_read=0, duplicates_removed=0, dropped_missing=0, excluded_status=0, rows_used=0)
for path in sorted(glob.glob(IN_DIR + "/*.csv")):
    with open(path, newline="") as fh:
        for rec in csv.DictReader(fh):
            stats["rows_read"] += 1
            key = rec[ID] if DEDUP == "id" else tuple(rec.values())
            if key in (seen_ids if DEDUP == "id" else seen_lines):
                stats["duplicates_removed"] += 1
                continue
            (seen_ids if DEDUP == "id" else seen_lines).add(key)
            qty = rec[QTY].strip()
            price = cents(rec[PRICE])
            if qty in ("", "N/A") or price is None:
                if MISSING == "drop":
                    stats["dropped_missing"] += 1
                    continue
                qty, price = qty if qty not in ("", "N/A") else "0", price or 0
            if HARD and STATUS and rec["status"].strip() != "completed":
                stats["excluded_status"] += 1
                continue
            region = rec["region"].strip().title() or "UNKNOWN"
            rows.append((month_of(rec[DATE]), region, int(qty), price))
stats["rows_used"] = len(rows)

agg = {}
for month, region, qty, price in rows:
    g = agg.setdefault((month, region), [0, 0, 0])
    g[0] += 1
    g[1] += qty
    g[2] += qty * price if REVENUE == "qty" else price
with open(OUT, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["month", "region", "orders", "units", "revenue"])
    for (month, region), (n, units, rev) in sorted(agg.items()):
        w.writerow([month, region, n, units, f"{rev // 100}.{rev % 100:02d}"])
if SUMMARY:
    with open(SUMMARY, "w") as fh:
        json.dump(stats, fh, indent=2)
'''


def _bash_loop(knobs: dict, name: str) -> str:
    # The classic `while read` loop: silently loses the final line when the file has no trailing newline.
    return textwrap.dedent(f"""\
        #!/bin/bash
        mkdir -p "$(dirname {knobs['OUT']})"
        declare -A orders units rev
        while IFS=, read -r id date region sku qty price; do
          [ "$id" = "{knobs['ID']}" ] && continue
          k="${{date:0:7}},$region"
          orders[$k]=$(( ${{orders[$k]:-0}} + 1 ))
          units[$k]=$(( ${{units[$k]:-0}} + qty ))
          c=$(echo "$price * 100 / 1" | bc)
          rev[$k]=$(( ${{rev[$k]:-0}} + qty * c ))
        done < {knobs['IN_DIR']}/{name}
        {{
          echo "month,region,orders,units,revenue"
          for k in "${{!orders[@]}}"; do
            r=${{rev[$k]}}
            printf '%s,%s,%s,%d.%02d\\n' "$k" "${{orders[$k]}}" "${{units[$k]}}" $((r / 100)) $((r % 100))
          done | sort -t, -k1,1 -k2,2
        }} > {knobs['OUT']}
        """)


TEST_PY = r'''"""The expected roll-up comes from the generator's ground truth; the agent's file must match it."""

import csv
import hashlib
import json
import re
from pathlib import Path

P = json.loads(Path(__file__).with_name("expected.json").read_text())
OUT = Path(P["out"])


def rows():
    with OUT.open(newline="") as fh:
        return list(csv.reader(fh))


def test_inputs_untouched():
    for path, digest in P["digests"].items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest, f"{path} was modified"


def test_header():
    got = rows()
    assert got, "output is empty"
    assert [c.strip() for c in got[0]] == P["header"]


def test_groups_in_order():
    got = [[c.strip() for c in r] for r in rows()[1:] if r]
    assert [r[:2] for r in got] == [r[:2] for r in P["rows"]], "wrong (month, region) rows or wrong order"


def test_orders_and_units():
    got = {(r[0].strip(), r[1].strip()): r for r in rows()[1:] if r}
    for exp in P["rows"]:
        r = got.get((exp[0], exp[1]))
        assert r is not None, f"missing row {exp[:2]}"
        assert int(r[2]) == int(exp[2]), f"orders for {exp[:2]}: {r[2]} != {exp[2]}"
        assert int(r[3]) == int(exp[3]), f"units for {exp[:2]}: {r[3]} != {exp[3]}"


def test_revenue_two_decimals():
    got = {(r[0].strip(), r[1].strip()): r for r in rows()[1:] if r}
    for exp in P["rows"]:
        r = got.get((exp[0], exp[1]))
        assert r is not None, f"missing row {exp[:2]}"
        assert re.fullmatch(r"-?\d+\.\d\d", r[4].strip()), f"revenue not formatted with two decimals: {r[4]!r}"
        assert abs(float(r[4]) - float(exp[4])) < 0.005, f"revenue for {exp[:2]}: {r[4]} != {exp[4]}"


if P["summary"]:
    def test_cleaning_summary():
        got = json.loads(Path(P["summary_path"]).read_text())
        for key, value in P["summary"].items():
            assert int(got[key]) == value, f"{key}: {got.get(key)} != {value}"
'''
