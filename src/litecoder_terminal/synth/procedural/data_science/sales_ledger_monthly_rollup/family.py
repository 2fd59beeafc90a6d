"""Clean a sales ledger (duplicates, mixed date formats, currency strings, missing values, statuses) and roll it
up per month and region with exact cent arithmetic, for the finance BI import."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random

from litecoder_terminal.synth.procedural import kit

REGIONS = ["North", "South", "East", "West", "Central", "Coastal", "Highlands", "Metro", "Valley", "Harbor",
           "Lakeside", "Prairie"]
SKU_WORDS = ["BOLT", "CLAMP", "DRILL", "GASKET", "HINGE", "LATCH", "PANEL", "PUMP", "SENSOR", "VALVE", "WIRE",
             "BRACKET", "FILTER", "MOTOR", "SWITCH"]
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# The reference solver's decisions; each known-wrong solution flips one. Each mistake is made to matter on every
# instance by construction (records 0-3 in build: a multi-unit line, a line without quantity, a cancelled line and
# an order re-exported with a day-first date that is also a valid month-first date).
KNOBS = {
    "dedup": kit.Knob("rec[ID]", "tuple(rec.values())",
                      "removes only byte-identical duplicate lines (a re-export with another date format stays)"),
    "dayfirst": kit.Knob("True", "False", "reads DD/MM/YYYY dates month-first"),
    "missing": kit.Knob("not qty.isdigit() or price is None", "False",
                        "keeps rows with a missing quantity or price (as zero) instead of dropping them"),
    "status": kit.Knob("rec[\"status\"].strip() != \"completed\"", "False",
                       "counts cancelled, returned and pending lines too"),
    "revenue": kit.Knob("qty * price", "price", "revenue = unit price, the quantity forgotten"),
}


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
        return f"${cents // 100:,}.{cents % 100:02d}"
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


class SalesLedgerRollup(kit.KitFamily):
    title = "Clean a dirty sales ledger and roll it up per month and region"
    levels = kit.Levels(regions=((3, 5), (4, 6), (4, 6)), months=((3, 3), (4, 6), (5, 7)),
                        rows=((60, 110), (180, 320), (320, 520)), dirty=(False, True, True),
                        statuses=(False, False, True), files=(1, 1, 3), noise=(0, 1, 2),
                        agent_timeout=(600, 1200, 1800), expert_minutes=(10, 25, 40))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        dirty, hard = k.dirty, k.statuses
        in_dir = rng.choice(["/data/sales", "/srv/ledger", "/data/exports/sales", "/opt/finance/ledger"])
        out = rng.choice(["/app/out/monthly_region.csv", "/app/reports/region_month.csv", "/app/rollup.csv",
                          "/app/results/sales_by_month_region.csv", "/srv/bi/inbox/region_month.csv"])
        summary_path = out.rsplit("/", 1)[0] + "/" + rng.choice(["cleaning_summary.json", "cleaning_stats.json"])
        qty_col = rng.choice(["quantity", "qty", "units"])
        price_col = rng.choice(["unit_price", "price_each", "unit_cost"])
        date_col = rng.choice(["order_date", "date", "sold_on"])
        id_col = rng.choice(["order_id", "order_no", "invoice_id"])
        prefix = rng.choice(["SO", "ORD", "INV", "S"])
        regions = sorted(rng.sample(REGIONS, rng.randint(*k.regions)))
        skus = sorted({f"{w}-{rng.randint(10, 99)}" for w in rng.sample(SKU_WORDS, rng.randint(5, 9))})
        base_price = {s: rng.choice([rng.randint(150, 9900), rng.randint(10000, 250000)]) for s in skus}
        year, start_month = rng.randint(2021, 2025), rng.randint(1, 6)
        n_months = rng.randint(*k.months)
        first = dt.date(year, start_month, 1)
        last_month = start_month + n_months - 1
        last = dt.date(year, last_month + 1, 1) - dt.timedelta(days=1) if last_month < 12 else dt.date(year, 12, 31)
        span = (last - first).days

        # ---- underlying records ----------------------------------------------------------------------------
        n_rows = rng.randint(*k.rows)
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
        # records that make each known mistake change the outcome
        recs[0].update(qty=max(recs[0]["qty"] or 2, 2), price=recs[0]["price"] or 1000, status="completed")
        if dirty:
            recs[1].update(qty=None, price=recs[1]["price"] or 1000, status="completed")
            if hard:
                recs[2].update(qty=3, price=recs[2]["price"] or 1500, status="cancelled")
            amb = recs[3]
            amb.update(qty=amb["qty"] or 1, price=amb["price"] or 1200, status="completed")
            m = rng.randint(start_month, last_month)
            amb["date"] = dt.date(year, m, rng.choice([d for d in range(1, 13) if d != m]))
        valid = [r for r in recs if r["qty"] is not None and r["price"] is not None and r["status"] == "completed"]

        # ---- files: assignment, duplicates (re-exports), rendering -------------------------------------------
        if k.files > 1:
            names = sorted(rng.sample(["branch_north.csv", "branch_south.csv", "web_shop.csv", "wholesale.csv",
                                       "retail_east.csv", "call_centre.csv"], k.files))
        else:
            names = [rng.choice(["sales.csv", "ledger.csv", "orders_export.csv", f"sales_{year}.csv"])]
        entries: list[list[tuple[dict, str | None]]] = [[] for _ in names]
        for r in recs:
            entries[rng.randrange(len(names))].append((r, None))
        n_dups = 0
        if dirty:
            n_dups = max(3, n_rows // rng.randint(12, 25))
            for r in rng.sample(recs[4:], n_dups - 1):
                f = rng.randrange(len(names))
                entries[f].insert(rng.randint(0, len(entries[f])), (r, None))
            entries[-1].append((recs[3], "mon"))  # a later re-export that reformatted the date
            for fi in range(len(names)):  # the ambiguous-date record's first occurrence is day-first
                entries[fi] = [(r, "dmy" if r is recs[3] and st is None else st) for r, st in entries[fi]]
        header = [id_col, date_col, "region", "sku", qty_col, price_col] + (["status"] if hard else [])
        files: dict[str, str | bytes] = {}
        for fi, name in enumerate(names):
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(header)
            for r, style in entries[fi]:
                row = [r["id"], _render_date(rng, r["date"], dirty, style), _render_region(rng, r["region"], dirty),
                       r["sku"], "" if r["qty"] is None else str(r["qty"]), _render_price(rng, r["price"], dirty)]
                w.writerow(row + ([r["status"]] if hard else []))
            text = buf.getvalue()
            if fi == 0 and not dirty:
                text = text.rstrip("\n")  # exported without a final newline
            files[f"environment/data/{name}"] = text

        # ---- expected outcome ------------------------------------------------------------------------------
        groups: dict[tuple[str, str], list[int]] = {}
        for r in valid:
            g = groups.setdefault((f"{r['date'].year}-{r['date'].month:02d}", r["region"] or "UNKNOWN"), [0, 0, 0])
            g[0] += 1
            g[1] += r["qty"]
            g[2] += r["qty"] * r["price"]
        rows = [[m, reg, str(g[0]), str(g[1]), _money(g[2])] for (m, reg), g in sorted(groups.items())]
        dropped = sum(1 for r in recs if r["qty"] is None or r["price"] is None)
        excluded = sum(1 for r in recs if r["qty"] is not None and r["price"] is not None
                       and r["status"] != "completed")
        summary = {"rows_read": n_rows + n_dups, "duplicates_removed": n_dups, "dropped_missing": dropped,
                   "excluded_status": excluded, "rows_used": len(valid)} if hard else None

        # ---- the contract: told in the instruction (full) or in the job's documents (partial, symptom) --------
        if len(names) == 1:
            src = f"the export `{in_dir}/{names[0]}`"
        else:
            src = f"the branch exports in `{in_dir}/` (" + ", ".join(f"`{n}`" for n in names) + "; same header)"
        rules = []
        if dirty:
            rules = [
                f"- `{id_col}` identifies an order. Some orders were exported more than once (possibly with "
                f"different formatting): keep only one row per `{id_col}`.",
                f"- `{date_col}` comes in three formats: ISO `YYYY-MM-DD`, day-first `DD/MM/YYYY` (our European "
                "branches), and `D Mon YYYY` (e.g. `7 Mar 2024`).",
                f"- `{price_col}` may carry a `$` sign, a `USD ` prefix, thousands separators (`$1,234.50`) or "
                "stray spaces; it is always a dollar amount.",
                "- Region names are case-insensitive and may have leading/trailing spaces: report them in Title "
                "case (`North`). A row with an empty region is kept under the region `UNKNOWN`.",
                f"- Drop rows whose `{qty_col}` or `{price_col}` is empty or `N/A`.",
            ]
            if hard:
                rules += ["- Only rows with `status` equal to `completed` count; ignore every other status.",
                          "- Apply the rules in this order: remove duplicates first, then drop rows with missing "
                          "values, then exclude non-completed statuses."]
        summary_doc = ("" if not hard else
                       f"Also write `{summary_path}`, a JSON object with integer fields `rows_read` (data rows "
                       "across all files), `duplicates_removed`, `dropped_missing`, `excluded_status` and "
                       "`rows_used` (the rows that made it into the roll-up).")
        contract = dict(in_dir=in_dir, out=out, src=src, columns="`" + "`, `".join(header) + "`", qty_col=qty_col,
                        price_col=price_col, rules="\n".join(rules) if rules else "The export is clean.",
                        summary=summary_doc)
        job = rng.choice(["ledger-rollup", "finance-bi", "region-kpis"])
        conf_dir = f"/etc/{job}"
        files[f"environment/conf/ROLLUP.md"] = self.template("rollup.md", **contract)
        files[f"environment/conf/job.conf"] = self.template(
            "job.conf", job=job, in_dir=in_dir, out=out, doc=f"{conf_dir}/ROLLUP.md",
            summary=f"summary = {summary_path}\n" if hard else "")
        stamp = f"{last.isoformat()}T0{rng.randint(1, 9)}:{rng.randint(10, 59)}"
        log = [f"{stamp}:0{i}Z import region_kpis_{year - 1 - i}: ok ({rng.randint(30, 90)} rows)"
               for i in range(k.noise)]
        log += [f"{stamp}:1{i}Z import {job}: cannot open {out}: No such file or directory" for i in range(2)]
        if hard:
            log.append(f"{stamp}:13Z import {job}: cannot open {summary_path}: No such file or directory")
        files["environment/joblog/import.log"] = self.template("import.log", lines="\n".join(log))
        for i in range(k.noise):  # last years' roll-ups: same shape, other numbers (red herrings)
            old = [["month", "region", "orders", "units", "revenue"]] + [
                [f"{year - 1 - i}-{m:02d}", reg, str(rng.randint(1, 30)), str(rng.randint(5, 200)),
                 _money(rng.randint(10000, 9000000))] for m in range(1, 4) for reg in regions[:2]]
            files[f"environment/archive/{year - 1 - i}/region_month.csv"] = "".join(",".join(r) + "\n" for r in old)

        values = dict(in_dir=in_dir, out=out, summary=summary_path if hard else "", id_col=id_col,
                      date_col=date_col, qty_col=qty_col, price_col=price_col, job=job,
                      first_file=names[0])
        knobs = dict(KNOBS)
        wrong = {}
        if dirty:
            wrong = {"dedup-identical-lines": "dedup", "month-first-dates": "dayfirst",
                     "missing-as-zero": "missing"}
            knobs.pop("revenue")
            values["revenue"] = KNOBS["revenue"].right
        else:
            wrong = {"forgot-quantity": "revenue"}
            for name in ("dedup", "dayfirst", "missing"):
                knobs.pop(name)
                values[name] = KNOBS[name].right
        if hard:
            wrong["all-statuses"] = "status"
        else:
            knobs.pop("status")
            values["status"] = "False"  # no status column
        files |= self.solver(knobs).files(values, wrong)
        if not dirty:  # the classic `while read` loop loses the last line of a file without a final newline
            files["solution/wrong/while-read-loop.sh"] = self.template(
                "wrong/while_read.sh", in_dir=in_dir, out=out, id_col=id_col, file=names[0])
        files |= self.alt_solutions(in_dir=in_dir, out=out, summary=summary_path if hard else "", id_col=id_col,
                                    date_col=date_col, qty_col=qty_col, price_col=price_col)
        files |= self.verifier(out=out, summary=summary_path if hard else "")
        files |= kit.expected_file({"header": ["month", "region", "orders", "units", "revenue"], "rows": rows,
                                    "summary": summary, "untouched": kit.digests(files, "data", in_dir)})

        instruction = self.instruction(intro=self.intro(rng), job=job, doc=f"{conf_dir}/ROLLUP.md", **contract)
        body = (f"COPY data/ {in_dir}/\nCOPY conf/ {conf_dir}/\nCOPY joblog/ /var/log/{job}/\n"
                + ("COPY archive/ /srv/ledger-archive/\n" if k.noise else "") + "WORKDIR /app\n")
        outputs = [out, *([summary_path] if hard else [])]
        return kit.draft(
            instruction=instruction, dockerfile_body=body, files=files, tags=["csv", "cleaning", "aggregation"],
            artifacts=[*outputs, in_dir], outputs=outputs, agent_timeout_sec=k.agent_timeout,
            expert_minutes=k.expert_minutes,
            # composition: the roll-up's total units open a later part's inputs; the ledger may come sealed
            handoff=kit.Handoff(value=str(sum(int(r[3]) for r in rows)),
                                read=f"awk -F, 'NR > 1 {{s += $4}} END {{print s}}' {out}",
                                says=f"the total of the `units` column of `{out}`"),
            sealable=[in_dir],
        )
