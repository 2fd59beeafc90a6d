"""Multi-stage pipeline over point-of-sale exports: ingest CSV/JSONL store files into a staging table, clean it
(deduplicate, drop invalid lines, convert local time to UTC and money to USD), aggregate per UTC day and store,
and write a JSON report. Every intermediate file is checked."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

# store id, city, utc offset (hours, minutes), currency
STORES_UTC = [("LON1", "London", (0, 0), "USD"), ("DUB2", "Dublin", (0, 0), "USD"), ("LIS3", "Lisbon", (0, 0), "USD"),
              ("REY4", "Reykjavik", (0, 0), "USD"), ("ACC5", "Accra", (0, 0), "USD")]
STORES_US = [("NYC1", "New York", (-5, 0), "USD"), ("CHI2", "Chicago", (-6, 0), "USD"),
             ("DEN3", "Denver", (-7, 0), "USD"), ("LAX4", "Los Angeles", (-8, 0), "USD"),
             ("ANC5", "Anchorage", (-9, 0), "USD"), ("HNL6", "Honolulu", (-10, 0), "USD"),
             ("STJ7", "St. John's", (-3, -30), "USD")]
STORES_WORLD = [("NYC1", "New York", (-5, 0), "USD"), ("BER2", "Berlin", (1, 0), "EUR"),
                ("ZRH3", "Zurich", (1, 0), "CHF"), ("LON4", "London", (0, 0), "GBP"),
                ("SYD5", "Sydney", (10, 0), "AUD"), ("TOR6", "Toronto", (-5, 0), "CAD"),
                ("DEL7", "Delhi", (5, 30), "INR"), ("LAX8", "Los Angeles", (-8, 0), "USD")]
BASE_RATE = {"EUR": 10850, "CHF": 11300, "GBP": 12650, "AUD": 6550, "CAD": 7350, "INR": 120, "USD": 10000}
SKU_POOL = ["TEE-BLK", "TEE-WHT", "CAP-RED", "MUG-12", "SOCK-3P", "BAG-TOT", "HOOD-GRY", "PIN-SET", "BOT-750",
            "NOTE-A5", "SCARF-W", "GLOVE-M", "UMB-CMP", "KEY-CH", "POST-10"]


def _off(o: tuple[int, int]) -> dt.timedelta:
    return dt.timedelta(hours=o[0], minutes=o[1])


def _off_str(o: tuple[int, int]) -> str:
    total = o[0] * 60 + o[1]
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"


def _m(c: int) -> str:
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


@register
class StoreExportsPipeline(TaskFamily):
    name = "store_exports_pipeline"
    domain = "data_science"
    title = "Ingest, clean, aggregate and report point-of-sale exports (each stage checked)"
    multi_stage = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        medium_up = level != "easy"
        hard = level == "hard"
        in_dir = pick(rng, ["/data/pos", "/srv/pos/exports", "/data/retail/pos_exports", "/opt/pos/outbox"])
        work = pick(rng, ["/app/pipeline", "/app/etl", "/app/work/pos", "/root/pos_etl"])
        pool = STORES_WORLD if hard else STORES_US if medium_up else STORES_UTC
        n_stores = {"easy": rng.randint(2, 3), "medium": rng.randint(3, 4), "hard": rng.randint(4, 5)}[level]
        stores = sorted(rng.sample(pool, n_stores))
        n_days = {"easy": 3, "medium": 4, "hard": 5}[level]
        day0 = dt.date(rng.randint(2023, 2025), rng.randint(1, 12), rng.randint(1, 20))
        days = [day0 + dt.timedelta(days=i) for i in range(n_days)]
        skus = sorted(rng.sample(SKU_POOL, rng.randint(8, 12)))
        price = {s: rng.randint(300, 6000) for s in skus}
        csv_cols = pick(rng, ["txn_id,timestamp,sku,qty,amount", "receipt_no,sold_at,sku,quantity,line_total",
                              "transaction_id,ts,item_code,units,total"]).split(",")
        json_keys = pick(rng, ["id,time,item,units,amount_cents", "receipt,at,product,count,total_cents",
                               "txn,local_ts,sku,qty,cents"]).split(",")
        jsonl_stores = set()
        if medium_up:
            jsonl_stores = {s[0] for s in rng.sample(stores, max(1, n_stores // 2))}
        # fx: USD per unit, 4 decimals, per UTC date (one day either side of the export window)
        rate: dict[tuple[str, dt.date], int] = {}
        currencies = sorted({s[3] for s in stores if s[3] != "USD"})
        for cur in currencies:
            r = BASE_RATE[cur]
            for i in range(-1, n_days + 1):
                r = max(1, r + rng.randint(-max(2, r // 150), max(2, r // 150)))
                rate[(cur, day0 + dt.timedelta(days=i))] = r
            if len({rate[(cur, day0 + dt.timedelta(days=i))] for i in range(-1, n_days + 1)}) == 1:
                rate[(cur, days[-1])] += 3

        # ---- transactions --------------------------------------------------------------------------------
        files: dict[str, str | bytes] = {}
        staging, txns = [], []  # staging: every exported row (duplicates included)
        exports: dict[tuple[str, dt.date], list[dict]] = {}
        for sid, city, off, cur in stores:
            seq = rng.randint(1000, 5000)
            prev: list[dict] = []
            for d in days:
                n = {"easy": rng.randint(12, 25), "medium": rng.randint(15, 30), "hard": rng.randint(15, 30)}[level]
                mine = []
                secs = sorted(rng.sample(range(8 * 3600, 24 * 3600), n))
                for s in secs:
                    seq += rng.randint(1, 3)
                    local = dt.datetime.combine(d, dt.time()) + dt.timedelta(seconds=s)
                    sku = rng.choice(skus)
                    qty = rng.choice([1] * 6 + [2] * 3 + [3, 4, 5])
                    if rng.random() < 0.04:
                        qty = rng.choice([0, -1, -2])
                    if rng.random() < 0.02:
                        sku = ""
                    amount = qty * (price[sku] if sku else 999)
                    mine.append({"store": sid, "id": f"{sid}-{seq:06d}", "local": local, "sku": sku, "qty": qty,
                                 "amount": amount, "cur": cur, "off": off})
                rows = mine
                if prev and rng.random() < 0.8:
                    rows = rng.sample(prev, min(len(prev), rng.randint(1, 3))) + mine  # re-exported tail
                exports[(sid, d)] = rows
                txns += mine
                prev = mine[-5:]
        by_id = {t["id"]: t for t in txns}
        # guarantees: a duplicate, an invalid line, and (medium+) a sale that lands on another UTC day
        first_store = stores[0][0]
        if not any(len(v) > 0 and v[0]["id"] in {t["id"] for t in exports.get((k[0], k[1] - dt.timedelta(days=1)), [])}
                   for k, v in exports.items()):
            k2 = (first_store, days[1])
            exports[k2] = [exports[(first_store, days[0])][-1]] + exports[k2]
        bad = next(t for t in txns if t["store"] == first_store)
        if bad["qty"] > 0 and bad["sku"]:
            bad["qty"], bad["amount"] = 0, 0
        if medium_up:
            shifted = [t for t in txns if t["off"] != (0, 0)]
            t = shifted[len(shifted) // 2]
            sign = 1 if t["off"][0] < 0 else -1
            late = dt.time(23, 30) if sign > 0 else dt.time(max(0, t["off"][0] - 1), 15)
            t["local"] = dt.datetime.combine(t["local"].date(), late)
            if t["qty"] <= 0 or not t["sku"]:
                t["qty"], t["sku"] = 2, skus[0]
                t["amount"] = 2 * price[skus[0]]
            # keep each file in time order after the move
            for key, rows in exports.items():
                head = [r for r in rows if r["local"].date() != key[1]]
                body = sorted((r for r in rows if r["local"].date() == key[1]), key=lambda r: (r["local"], r["id"]))
                exports[key] = head + body

        def utc(t: dict) -> dt.datetime:
            return t["local"] - _off(t["off"])

        def fx(t: dict) -> int:
            return 10000 if t["cur"] == "USD" else rate[(t["cur"], utc(t).date())]

        # no half-cent cases: any rounding method then agrees
        for t in txns:
            while t["cur"] != "USD" and 4800 <= (t["amount"] * fx(t)) % 10000 <= 5200:
                t["amount"] += 1 if t["amount"] >= 0 else -1

        def usd(t: dict) -> int:
            return (t["amount"] * fx(t) + 5000) // 10000 if t["amount"] >= 0 else -((-t["amount"] * fx(t) + 5000) // 10000)

        # ---- write the exports ----------------------------------------------------------------------------
        digests = {}
        for (sid, d), rows in sorted(exports.items()):
            base = f"store_{sid}_{d.strftime('%Y%m%d')}"
            if sid in jsonl_stores:
                name = base + ".jsonl"
                text = "".join(json.dumps(dict(zip(json_keys, [r["id"], r["local"].strftime("%Y-%m-%dT%H:%M:%S"),
                                                               r["sku"] or None, r["qty"], r["amount"]])))
                               + "\n" for r in rows)
            else:
                name = base + ".csv"
                buf = io.StringIO()
                w = csv.writer(buf, lineterminator="\n")
                w.writerow(csv_cols)
                for r in rows:
                    w.writerow([r["id"], r["local"].strftime("%Y-%m-%d %H:%M:%S"), r["sku"], r["qty"],
                                _m(r["amount"])])
                text = buf.getvalue()
            files[f"environment/data/incoming/{name}"] = text
            digests[f"{in_dir}/incoming/{name}"] = hashlib.sha256(text.encode()).hexdigest()
            for r in rows:
                staging.append([r["store"], r["id"], r["local"].strftime("%Y-%m-%d %H:%M:%S"), r["sku"], str(r["qty"]),
                                _m(r["amount"])])
        stores_json = json.dumps([{"store": s, "city": c, "utc_offset": _off_str(o), "currency": cur}
                                  for s, c, o, cur in stores], indent=2) + "\n"
        files["environment/data/stores.json"] = stores_json
        digests[f"{in_dir}/stores.json"] = hashlib.sha256(stores_json.encode()).hexdigest()
        if hard:
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(["date", "currency", "usd_per_unit"])
            for (cur, d), r in sorted(rate.items(), key=lambda kv: (kv[0][1], kv[0][0])):
                w.writerow([d.isoformat(), cur, f"{r // 10000}.{r % 10000:04d}"])
            files["environment/data/fx_rates.csv"] = buf.getvalue()
            digests[f"{in_dir}/fx_rates.csv"] = hashlib.sha256(buf.getvalue().encode()).hexdigest()

        # ---- expected stage outputs ---------------------------------------------------------------------------
        staging.sort(key=lambda r: (r[0], r[2], r[1]))
        seen, clean, dups, invalid = set(), [], 0, 0
        for r in staging:
            if (r[0], r[1]) in seen:
                dups += 1
                continue
            seen.add((r[0], r[1]))
            t = by_id[r[1]]
            if t["qty"] <= 0 or not t["sku"]:
                invalid += 1
                continue
            clean.append(t)
        clean_rows = sorted(([t["store"], t["id"], utc(t).strftime("%Y-%m-%dT%H:%M:%SZ"), t["sku"], str(t["qty"]),
                              _m(usd(t))] for t in clean), key=lambda r: (r[2], r[0], r[1]))
        daily: dict[tuple[str, str], list[int]] = {}
        for t in clean:
            e = daily.setdefault((utc(t).date().isoformat(), t["store"]), [0, 0, 0])
            e[0] += 1
            e[1] += t["qty"]
            e[2] += usd(t)
        daily_rows = [[d, s, str(v[0]), str(v[1]), _m(v[2])] for (d, s), v in sorted(daily.items())]
        by_store: dict[str, int] = {}
        by_day: dict[str, int] = {}
        units: dict[str, int] = {}
        for t in clean:
            by_store[t["store"]] = by_store.get(t["store"], 0) + usd(t)
            by_day[utc(t).date().isoformat()] = by_day.get(utc(t).date().isoformat(), 0) + usd(t)
            units[t["sku"]] = units.get(t["sku"], 0) + t["qty"]
        report = {"rows_ingested": len(staging), "duplicates_removed": dups, "invalid_removed": invalid,
                  "rows_clean": len(clean), "total_revenue_usd": float(_m(sum(usd(t) for t in clean))),
                  "best_store": min(by_store, key=lambda s: (-by_store[s], s)),
                  "best_day": min(by_day, key=lambda d: (-by_day[d], d)),
                  "top_sku": min(units, key=lambda s: (-units[s], s))}
        paths = {"staging": f"{work}/staging.csv", "clean": f"{work}/clean.csv",
                 "daily": f"{work}/{pick(rng, ['daily_store_sales.csv', 'daily_sales.csv', 'sales_by_day_store.csv'])}",
                 "report": f"{work}/{pick(rng, ['report.json', 'summary.json', 'run_report.json'])}"}
        exp = {"paths": paths, "staging": staging, "clean": clean_rows, "daily": daily_rows, "report": report,
               "digests": digests}
        files["tests/expected.json"] = json.dumps(exp)
        files["tests/test_outputs.py"] = TEST_PY

        # ---- instruction ---------------------------------------------------------------------------------------
        intro = pick(rng, [
            "The point-of-sale boxes push their daily exports to this machine and nobody has built the pipeline yet.",
            "We need a small, reproducible ETL over the stores' point-of-sale exports; the BI team will read each "
            "stage's output.",
            "Head office wants daily sales per store, but the POS exports are raw. Build the pipeline stage by stage.",
            "Finance is tired of pasting till exports into spreadsheets. Give them a proper staged pipeline.",
            "Our retail analytics job died with its author's laptop; rebuild it from the raw exports on this host.",
        ])
        cc = csv_cols
        fmt = [pick(rng, [
            f"- CSV files `store_<STORE>_<YYYYMMDD>.csv` with header `{','.join(cc)}`; `{cc[1]}` is "
            f"`YYYY-MM-DD HH:MM:SS` and `{cc[4]}` the line total with two decimals.",
            f"- `store_<STORE>_<YYYYMMDD>.csv`: comma-separated, header `{','.join(cc)}`, where `{cc[1]}` looks like "
            f"`2024-05-01 13:45:10` and `{cc[4]}` is the line total (two decimals).",
        ])]
        if jsonl_stores:
            jk = json_keys
            fmt.append(pick(rng, [
                f"- JSON Lines files `store_<STORE>_<YYYYMMDD>.jsonl`, one object per line with `{jk[0]}`, `{jk[1]}` "
                f"(`YYYY-MM-DDTHH:MM:SS`), `{jk[2]}` (the SKU, possibly `null`), `{jk[3]}` (quantity) and `{jk[4]}` "
                "(the line total in cents, an integer).",
                f"- `store_<STORE>_<YYYYMMDD>.jsonl` from the newer tills: one JSON object per line; `{jk[0]}` is the "
                f"transaction id, `{jk[1]}` the local time as `YYYY-MM-DDTHH:MM:SS`, `{jk[2]}` the SKU (may be "
                f"`null`), `{jk[3]}` the quantity and `{jk[4]}` the line total as integer cents.",
            ]))
        store_list = ", ".join(f"`{sid}` ({city})" for sid, city, _, _ in stores)
        tz = (pick(rng, ["Timestamps are in the store's local time; `stores.json` gives each store's fixed "
                         "`utc_offset` (no daylight saving) and `currency`.",
                         "Every timestamp is the till's local wall-clock time. Look up the store's fixed UTC offset "
                         "(`utc_offset`, no DST) and its `currency` in `stores.json`."]) if medium_up else
              pick(rng, ["Timestamps are local store time, and every store here runs on UTC (see `stores.json`).",
                         "All of these stores keep their tills on UTC (`stores.json` confirms it), so local time "
                         "is UTC."]))
        money = (pick(rng, ["Amounts are in the store's currency. `fx_rates.csv` (`date,currency,usd_per_unit`) "
                            "gives a rate per currency and UTC date; convert with the rate of the transaction's UTC "
                            "date.",
                            "Money is recorded in each store's own currency; `fx_rates.csv` lists `usd_per_unit` per "
                            "`currency` and UTC `date`, and a transaction converts at the rate of its UTC date."])
                 if hard else pick(rng, ["All stores report in US dollars.", "Every store sells in USD."]))
        resend = pick(rng, [
            "A store sometimes re-sends a few transactions from the previous day at the top of the next export; "
            "a transaction is identified by (store, transaction id).",
            "Exports overlap: a till may repeat some of yesterday's last transactions at the start of today's "
            "file. The pair (store, transaction id) is unique per real transaction.",
        ])
        stage1 = pick(rng, [
            f"1. **Ingest** -> `{paths['staging']}`: every row of every export (duplicates included), header "
            "`store,txn_id,local_time,sku,qty,amount`, `local_time` as `YYYY-MM-DD HH:MM:SS`, `sku` empty when "
            "missing, `amount` in the store's currency with two decimals; sorted by store, then local_time, then "
            "txn_id.",
            f"1. **Ingest**: combine all exports, CSV and JSONL alike, into `{paths['staging']}` with header "
            "`store,txn_id,local_time,sku,qty,amount`. Keep every row, repeats too. Write `local_time` as "
            "`YYYY-MM-DD HH:MM:SS`, leave `sku` empty if it is missing and give `amount` in the store's currency "
            "with two decimals. Order: store, local_time, txn_id.",
        ])
        stage2 = pick(rng, [
            f"2. **Clean** -> `{paths['clean']}`: from the staging rows, keep one row per (store, txn_id), then drop "
            "invalid lines (`qty` <= 0 or empty `sku`). Header `store,txn_id,utc_time,sku,qty,amount_usd`, "
            "`utc_time` as `YYYY-MM-DDTHH:MM:SSZ`, `amount_usd` rounded to cents (two decimals); sorted by "
            "utc_time, then store, then txn_id.",
            f"2. **Clean**: starting from staging, drop repeated (store, txn_id) pairs (keep one), then lines with "
            f"`qty` of zero or less or without a SKU, and write `{paths['clean']}` with header "
            "`store,txn_id,utc_time,sku,qty,amount_usd`. `utc_time` is ISO with a `Z` (`YYYY-MM-DDTHH:MM:SSZ`), "
            "`amount_usd` is rounded to the cent. Order: utc_time, store, txn_id.",
        ])
        stage3 = pick(rng, [
            f"3. **Aggregate** -> `{paths['daily']}`: header `date,store,transactions,units,revenue_usd`, one row "
            "per UTC date and store that has clean rows (`revenue_usd` = sum of the rounded `amount_usd`, two "
            "decimals); sorted by date, then store.",
            f"3. **Aggregate**: per UTC calendar date and store, count transactions, sum units and sum the rounded "
            f"`amount_usd` into `{paths['daily']}` (header `date,store,transactions,units,revenue_usd`, revenue "
            "with two decimals, only combinations that occur, ordered by date then store).",
        ])
        stage4 = pick(rng, [
            f"4. **Report** -> `{paths['report']}`: a JSON object with `rows_ingested`, `duplicates_removed`, "
            "`invalid_removed`, `rows_clean` (integers), `total_revenue_usd` (number, two decimals), `best_store` "
            "(highest revenue), `best_day` (UTC date with the highest revenue over all stores) and `top_sku` (most "
            "units sold); ties go to the alphabetically/chronologically first.",
            f"4. **Report**: `{paths['report']}` holds one JSON object: the integer counts `rows_ingested` "
            "(staging rows), `duplicates_removed`, `invalid_removed` and `rows_clean`; `total_revenue_usd` (a "
            "number with two decimals); `best_store` and `best_day` (the store, and the UTC date, with the most "
            "revenue); `top_sku` (most units). Break ties by taking the smallest name or earliest date.",
        ])
        lines = [intro, "", f"Exports from {store_list} are in `{in_dir}/incoming/`, named after the store id and "
                 "the export date:", *fmt, "", tz + " " + money, "", resend, "",
                 pick(rng, [f"Build the pipeline in `{work}/`, one output per stage:",
                            f"Each stage writes its own file under `{work}/`; later stages read the earlier ones:"]),
                 "", stage1, stage2, stage3, stage4,
                 "", pick(rng, [f"Do not modify anything in `{in_dir}`.",
                                f"The exports in `{in_dir}` must stay exactly as they are.",
                                f"Treat `{in_dir}` as read-only."])]
        instruction = "\n".join(lines)

        ctx = dict(JK=json_keys, IN=in_dir, WORK=work, STAGING=paths["staging"], CLEAN=paths["clean"], DAILY=paths["daily"],
                   REPORT=paths["report"], HARD=hard)
        files["solution/solve.sh"] = _solve(ctx)
        files["solution/wrong/stops-after-clean.sh"] = _solve(ctx, stages=2)
        if medium_up:
            files["solution/wrong/local-dates.sh"] = _solve(ctx, tz=False)
        else:
            files["solution/wrong/keeps-duplicates.sh"] = _solve(ctx, dedup=False)
        if hard:
            files["solution/wrong/single-fx-rate.sh"] = _solve(ctx, fx="first")
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY data/ {in_dir}/\nWORKDIR /app\n", files=files,
            tags=["etl", "pipeline", "csv", "jsonl", "timezones", "multi-stage"],
            artifacts=[work, in_dir],  # every stage's output and the exports (checked untouched)
            agent_timeout_sec={"easy": 900, "medium": 1500, "hard": 1800}[level],
            expert_minutes={"easy": 25, "medium": 40, "hard": 60}[level],
        )


def _solve(ctx: dict, *, stages: int = 4, tz: bool = True, dedup: bool = True, fx: str = "daily") -> str:
    IN, WORK = ctx["IN"], ctx["WORK"]
    s = [
        "#!/bin/bash",
        "# Stage by stage: shell for ingest, python for the clean step, sqlite3 for the roll-up, jq for the report.",
        "set -euo pipefail",
        f"IN={IN}",
        f"WORK={WORK}",
        'mkdir -p "$WORK"',
        'ls -l "$IN/incoming"',
        'cat "$IN/stores.json"',
        "# ---- stage 1: ingest --------------------------------------------------------------------------",
        'tmp=$(mktemp)',
        'for f in "$IN"/incoming/*.csv; do',
        '  [ -e "$f" ] || continue',
        '  store=$(basename "$f" | cut -d_ -f2)',
        '  tail -n +2 "$f" | awk -F, -v OFS=, -v s="$store" \'{ print s, $0 }\' >> "$tmp"',
        "done",
        'for f in "$IN"/incoming/*.jsonl; do',
        '  [ -e "$f" ] || continue',
        '  store=$(basename "$f" | cut -d_ -f2)',
        '  jq -r --arg s "$store" \'[$s, .%s, (.%s | sub("T"; " ")), (.%s // ""), .%s, .%s]' % tuple(ctx["JK"]) +
        ' | map(tostring) | join(",")\' "$f" \\',
        '    | awk -F, -v OFS=, \'{ $6 = sprintf("%.2f", $6 / 100); print }\' >> "$tmp"',
        "done",
        f'{{ echo "store,txn_id,local_time,sku,qty,amount"; LC_ALL=C sort -t, -k1,1 -k3,3 -k2,2 "$tmp"; }}'
        f' > {ctx["STAGING"]}',
        'rm -f "$tmp"',
        f'wc -l {ctx["STAGING"]}',
        "# ---- stage 2: clean ---------------------------------------------------------------------------",
        "python3 - <<'PY'",
        f"STAGING, CLEAN, IN, HARD = {ctx['STAGING']!r}, {ctx['CLEAN']!r}, {IN!r}, {ctx['HARD']!r}",
        f"TZ, DEDUP, FX = {tz!r}, {dedup!r}, {fx!r}",
        CLEAN_PY.strip(),
        "PY",
        f'head -n 5 {ctx["CLEAN"]}',
    ]
    if stages >= 3:
        s += [
            "# ---- stage 3: aggregate per UTC day and store --------------------------------------------------",
            'db=$(mktemp -u).db',
            'sqlite3 "$db" "CREATE TABLE clean (store TEXT, txn_id TEXT, utc_time TEXT, sku TEXT, qty INTEGER, '
            'amount_usd REAL);"',
            f'sqlite3 "$db" ".import --csv --skip 1 {ctx["CLEAN"]} clean"',
            f'sqlite3 -header -csv "$db" "SELECT substr(utc_time, 1, 10) AS date, store, COUNT(*) AS transactions, '
            f'SUM(qty) AS units, printf(\'%.2f\', SUM(amount_usd)) AS revenue_usd FROM clean GROUP BY 1, 2 '
            f'ORDER BY 1, 2;" | tr -d \'\\r\' > {ctx["DAILY"]}',
            f'cat {ctx["DAILY"]}',
        ]
    if stages >= 4:
        s += [
            "# ---- stage 4: report ----------------------------------------------------------------------------",
            f'ingested=$(($(wc -l < {ctx["STAGING"]}) - 1))',
            f'cleaned=$(($(wc -l < {ctx["CLEAN"]}) - 1))',
            f'dups=$(tail -n +2 {ctx["STAGING"]} | cut -d, -f1,2 | sort | uniq -d -c | awk \'{{ n += $1 - 1 }} '
            f'END {{ print n + 0 }}\')',
            'total=$(sqlite3 "$db" "SELECT printf(\'%.2f\', SUM(amount_usd)) FROM clean;")',
            'best_store=$(sqlite3 "$db" "SELECT store FROM clean GROUP BY store '
            'ORDER BY ROUND(SUM(amount_usd), 2) DESC, store LIMIT 1;")',
            'best_day=$(sqlite3 "$db" "SELECT substr(utc_time, 1, 10) d FROM clean GROUP BY d '
            'ORDER BY ROUND(SUM(amount_usd), 2) DESC, d LIMIT 1;")',
            'top_sku=$(sqlite3 "$db" "SELECT sku FROM clean GROUP BY sku ORDER BY SUM(qty) DESC, sku LIMIT 1;")',
            'jq -n --argjson ing "$ingested" --argjson clean "$cleaned" --argjson dups "$dups" '
            '--argjson total "$total" --arg bs "$best_store" --arg bd "$best_day" --arg ts "$top_sku" '
            "'{rows_ingested: $ing, duplicates_removed: $dups, invalid_removed: ($ing - $dups - $clean), "
            "rows_clean: $clean, total_revenue_usd: $total, best_store: $bs, best_day: $bd, top_sku: $ts}' "
            f'> {ctx["REPORT"]}',
            f'cat {ctx["REPORT"]}',
            'rm -f "$db"',
        ]
    return "\n".join(s) + "\n"


CLEAN_PY = r'''
import csv, json
from datetime import datetime, timedelta
from decimal import Decimal, ROUND_HALF_UP

stores = {s["store"]: s for s in json.load(open(IN + "/stores.json"))}
rates = {}
if HARD:
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
    if DEDUP and key in seen:
        continue
    seen.add(key)
    if int(r["qty"]) <= 0 or not r["sku"]:
        continue
    st = stores[r["store"]]
    local = datetime.strptime(r["local_time"], "%Y-%m-%d %H:%M:%S")
    utc = local - offset(st["utc_offset"]) if TZ else local
    amount = Decimal(r["amount"])
    if st["currency"] != "USD":
        rate = rates[(st["currency"], utc.date().isoformat())] if FX == "daily" else first_rate[st["currency"]]
        amount *= rate
    usd = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    out.append([r["store"], r["txn_id"], utc.strftime("%Y-%m-%dT%H:%M:%SZ"), r["sku"], r["qty"], f"{usd:.2f}"])
out.sort(key=lambda x: (x[2], x[0], x[1]))
with open(CLEAN, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["store", "txn_id", "utc_time", "sku", "qty", "amount_usd"])
    w.writerows(out)
'''

TEST_PY = r'''"""Each stage of the pipeline is checked against the generator's ground truth for the same exports."""

import csv
import hashlib
import json
from pathlib import Path

E = json.loads(Path(__file__).with_name("expected.json").read_text())
P = E["paths"]


def read(path):
    with open(path, newline="") as fh:
        return [[c.strip() for c in r] for r in csv.reader(fh) if r]


def money_eq(a, b, tol=0.006):
    return abs(float(a) - float(b)) < tol and len(a.split(".")[-1]) == 2


def test_exports_untouched():
    for path, digest in E["digests"].items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest, f"{path} was modified"


def test_stage1_staging():
    rows = read(P["staging"])
    assert rows[0] == ["store", "txn_id", "local_time", "sku", "qty", "amount"], f"header {rows[0]}"
    got, exp = rows[1:], E["staging"]
    assert len(got) == len(exp), f"{len(got)} staging rows, expected {len(exp)}"
    norm = lambda r: (r[0], r[1], r[2], r[3], int(r[4]), round(float(r[5]), 2))  # noqa: E731
    assert sorted(map(norm, got)) == sorted(map(norm, exp)), "staging rows differ from the exports"
    keys = [(r[0], r[2], r[1]) for r in got]
    assert keys == sorted(keys), "staging is not sorted by store, local_time, txn_id"


def test_stage2_clean():
    rows = read(P["clean"])
    assert rows[0] == ["store", "txn_id", "utc_time", "sku", "qty", "amount_usd"], f"header {rows[0]}"
    got, exp = rows[1:], E["clean"]
    assert len(got) == len(exp), f"{len(got)} clean rows, expected {len(exp)}"
    for i, (g, e) in enumerate(zip(got, exp)):
        assert g[:5] == e[:5], f"row {i + 1}: {g} != {e}"
        assert money_eq(g[5], e[5]), f"row {i + 1} amount_usd: {g[5]} != {e[5]}"


def test_stage3_daily():
    rows = read(P["daily"])
    assert rows[0] == ["date", "store", "transactions", "units", "revenue_usd"], f"header {rows[0]}"
    got, exp = rows[1:], E["daily"]
    assert [g[:2] for g in got] == [e[:2] for e in exp], "wrong (date, store) rows or order"
    for g, e in zip(got, exp):
        assert g[2:4] == e[2:4], f"{e[:2]}: counts {g[2:4]} != {e[2:4]}"
        assert money_eq(g[4], e[4]), f"{e[:2]}: revenue {g[4]} != {e[4]}"


def test_stage4_report():
    got = json.loads(Path(P["report"]).read_text())
    exp = E["report"]
    for key in ("rows_ingested", "duplicates_removed", "invalid_removed", "rows_clean"):
        assert isinstance(got.get(key), int) and got[key] == exp[key], f"{key}: {got.get(key)} != {exp[key]}"
    assert abs(float(got["total_revenue_usd"]) - exp["total_revenue_usd"]) < 0.006, "total_revenue_usd"
    for key in ("best_store", "best_day", "top_sku"):
        assert got.get(key) == exp[key], f"{key}: {got.get(key)} != {exp[key]}"
'''
