"""Multi-stage pipeline over point-of-sale exports: ingest CSV/JSONL store files into a staging table, clean it
(deduplicate, drop invalid lines, convert local time to UTC and money to USD), aggregate per UTC day and store,
and write a JSON report. Every intermediate file is checked."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random

from litecoder_terminal.synth.procedural import kit

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
POOLS = {"utc": STORES_UTC, "us": STORES_US, "world": STORES_WORLD}
BASE_RATE = {"EUR": 10850, "CHF": 11300, "GBP": 12650, "AUD": 6550, "CAD": 7350, "INR": 120, "USD": 10000}
SKU_POOL = ["TEE-BLK", "TEE-WHT", "CAP-RED", "MUG-12", "SOCK-3P", "BAG-TOT", "HOOD-GRY", "PIN-SET", "BOT-750",
            "NOTE-A5", "SCARF-W", "GLOVE-M", "UMB-CMP", "KEY-CH", "POST-10"]
CSV_COLS = ["txn_id,timestamp,sku,qty,amount", "receipt_no,sold_at,sku,quantity,line_total",
            "transaction_id,ts,item_code,units,total"]
JSON_KEYS = ["id,time,item,units,amount_cents", "receipt,at,product,count,total_cents", "txn,local_ts,sku,qty,cents"]

KNOBS = {  # each known-wrong solution is the reference with one of these flipped
    "dedup": kit.Knob("key in seen", "False", "keeps the re-sent duplicate transactions"),
    "tz": kit.Knob('local - offset(st["utc_offset"])', "local", "treats local till time as UTC"),
    "fx": kit.Knob('rates[(st["currency"], utc.date().isoformat())]', 'first_rate[st["currency"]]',
                   "converts every day at the first day's exchange rate"),
    "stop": kit.Knob('echo "clean: $(($(wc -l < "$CLEAN") - 1)) rows"', "exit 0",
                     "stops after the clean stage (no aggregate, no report)"),
}


def _off(o: tuple[int, int]) -> dt.timedelta:
    return dt.timedelta(hours=o[0], minutes=o[1])


def _off_str(o: tuple[int, int]) -> str:
    total = o[0] * 60 + o[1]
    return f"{'-' if total < 0 else '+'}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def _m(c: int) -> str:
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"


class StoreExportsPipeline(kit.KitFamily):
    title = "Ingest, clean, aggregate and report point-of-sale exports (each stage checked)"
    multi_stage = True
    levels = kit.Levels(pool=("utc", "us", "world"), stores=((2, 3), (3, 4), (4, 5)), days=(3, 4, 5),
                        per_day=((12, 25), (15, 30), (15, 30)), jsonl=(False, True, True),
                        agent_timeout=(900, 1500, 1800), expert_minutes=(25, 40, 60))

    def _transactions(self, rng, stores, days, skus, price):
        k = self.knobs
        txns, exports = [], {}
        for sid, _city, off, cur in stores:
            seq = rng.randint(1000, 5000)
            prev: list[dict] = []
            for d in days:
                mine = []
                for s in sorted(rng.sample(range(8 * 3600, 24 * 3600), rng.randint(*k.per_day))):
                    seq += rng.randint(1, 3)
                    sku = rng.choice(skus)
                    qty = rng.choice([1] * 6 + [2] * 3 + [3, 4, 5])
                    if rng.random() < 0.04:
                        qty = rng.choice([0, -1, -2])
                    if rng.random() < 0.02:
                        sku = ""
                    mine.append({"store": sid, "id": f"{sid}-{seq:06d}", "sku": sku, "qty": qty,
                                 "local": dt.datetime.combine(d, dt.time()) + dt.timedelta(seconds=s),
                                 "amount": qty * (price[sku] if sku else 999), "cur": cur, "off": off})
                rows = mine
                if prev and rng.random() < 0.8:
                    rows = rng.sample(prev, min(len(prev), rng.randint(1, 3))) + mine  # re-exported tail
                exports[(sid, d)] = rows
                txns += mine
                prev = mine[-5:]
        # guarantees: a duplicate, an invalid line, and (away from UTC) a sale that lands on another UTC day
        first_store = stores[0][0]
        if not any(v and v[0]["id"] in {t["id"] for t in exports.get((key[0], key[1] - dt.timedelta(days=1)), [])}
                   for key, v in exports.items()):
            k2 = (first_store, days[1])
            exports[k2] = [exports[(first_store, days[0])][-1]] + exports[k2]
        bad = next(t for t in txns if t["store"] == first_store)
        if bad["qty"] > 0 and bad["sku"]:
            bad["qty"], bad["amount"] = 0, 0
        if k.pool != "utc":
            shifted = [t for t in txns if t["off"] != (0, 0)]
            t = shifted[len(shifted) // 2]
            late = dt.time(23, 30) if t["off"][0] < 0 else dt.time(max(0, t["off"][0] - 1), 15)
            t["local"] = dt.datetime.combine(t["local"].date(), late)
            if t["qty"] <= 0 or not t["sku"]:
                t["qty"], t["sku"] = 2, skus[0]
                t["amount"] = 2 * price[skus[0]]
            for key, rows in exports.items():  # keep each file in time order after the move
                head = [r for r in rows if r["local"].date() != key[1]]
                body = sorted((r for r in rows if r["local"].date() == key[1]), key=lambda r: (r["local"], r["id"]))
                exports[key] = head + body
        return txns, exports

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        in_dir = rng.choice(["/data/pos", "/srv/pos/exports", "/data/retail/pos_exports", "/opt/pos/outbox"])
        work = rng.choice(["/app/pipeline", "/app/etl", "/app/work/pos", "/root/pos_etl"])
        stores = sorted(rng.sample(POOLS[k.pool], rng.randint(*k.stores)))
        day0 = dt.date(rng.randint(2023, 2025), rng.randint(1, 12), rng.randint(1, 20))
        days = [day0 + dt.timedelta(days=i) for i in range(k.days)]
        skus = sorted(rng.sample(SKU_POOL, rng.randint(8, 12)))
        price = {s: rng.randint(300, 6000) for s in skus}
        csv_cols = rng.choice(CSV_COLS).split(",")
        json_keys = rng.choice(JSON_KEYS).split(",")
        jsonl_stores = {s[0] for s in rng.sample(stores, max(1, len(stores) // 2))} if k.jsonl else set()
        # fx: USD per unit, 4 decimals, per UTC date (one day either side of the export window)
        rate: dict[tuple[str, dt.date], int] = {}
        for cur in sorted({s[3] for s in stores if s[3] != "USD"}):
            r = BASE_RATE[cur]
            for i in range(-1, k.days + 1):
                r = max(1, r + rng.randint(-max(2, r // 150), max(2, r // 150)))
                rate[(cur, day0 + dt.timedelta(days=i))] = r
            if len({rate[(cur, day0 + dt.timedelta(days=i))] for i in range(-1, k.days + 1)}) == 1:
                rate[(cur, days[-1])] += 3
        txns, exports = self._transactions(rng, stores, days, skus, price)
        by_id = {t["id"]: t for t in txns}

        def utc(t: dict) -> dt.datetime:
            return t["local"] - _off(t["off"])

        def fx(t: dict) -> int:
            return 10000 if t["cur"] == "USD" else rate[(t["cur"], utc(t).date())]

        for t in txns:  # no half-cent cases: any rounding method then agrees
            while t["cur"] != "USD" and 4800 <= (t["amount"] * fx(t)) % 10000 <= 5200:
                t["amount"] += 1 if t["amount"] >= 0 else -1

        def usd(t: dict) -> int:
            a = abs(t["amount"]) * fx(t) + 5000
            return a // 10000 if t["amount"] >= 0 else -(a // 10000)

        # ---- the exports -------------------------------------------------------------------------------------
        files: dict[str, str | bytes] = {}
        staging = []  # every exported row (duplicates included)
        for (sid, d), rows in sorted(exports.items()):
            base = f"store_{sid}_{d.strftime('%Y%m%d')}"
            if sid in jsonl_stores:
                name = base + ".jsonl"
                text = "".join(json.dumps(dict(zip(json_keys, [r["id"], r["local"].strftime("%Y-%m-%dT%H:%M:%S"),
                                                               r["sku"] or None, r["qty"], r["amount"]]))) + "\n"
                               for r in rows)
            else:
                name = base + ".csv"
                buf = io.StringIO()
                w = csv.writer(buf, lineterminator="\n")
                w.writerow(csv_cols)
                w.writerows([r["id"], r["local"].strftime("%Y-%m-%d %H:%M:%S"), r["sku"], r["qty"], _m(r["amount"])]
                            for r in rows)
                text = buf.getvalue()
            files[f"environment/data/incoming/{name}"] = text
            staging += [[r["store"], r["id"], r["local"].strftime("%Y-%m-%d %H:%M:%S"), r["sku"], str(r["qty"]),
                         _m(r["amount"])] for r in rows]
        files["environment/data/stores.json"] = json.dumps(
            [{"store": s, "city": c, "utc_offset": _off_str(o), "currency": cur} for s, c, o, cur in stores],
            indent=2) + "\n"
        if rate:
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(["date", "currency", "usd_per_unit"])
            for (cur, d), r in sorted(rate.items(), key=lambda kv: (kv[0][1], kv[0][0])):
                w.writerow([d.isoformat(), cur, f"{r // 10000}.{r % 10000:04d}"])
            files["environment/data/fx_rates.csv"] = buf.getvalue()

        # ---- expected stage outputs --------------------------------------------------------------------------
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
        by_store: dict[str, int] = {}
        by_day: dict[str, int] = {}
        units: dict[str, int] = {}
        for t in clean:
            day = utc(t).date().isoformat()
            e = daily.setdefault((day, t["store"]), [0, 0, 0])
            e[0], e[1], e[2] = e[0] + 1, e[1] + t["qty"], e[2] + usd(t)
            by_store[t["store"]] = by_store.get(t["store"], 0) + usd(t)
            by_day[day] = by_day.get(day, 0) + usd(t)
            units[t["sku"]] = units.get(t["sku"], 0) + t["qty"]
        daily_rows = [[d, s, str(v[0]), str(v[1]), _m(v[2])] for (d, s), v in sorted(daily.items())]
        report = {"rows_ingested": len(staging), "duplicates_removed": dups, "invalid_removed": invalid,
                  "rows_clean": len(clean), "total_revenue_usd": float(_m(sum(usd(t) for t in clean))),
                  "best_store": min(by_store, key=lambda s: (-by_store[s], s)),
                  "best_day": min(by_day, key=lambda d: (-by_day[d], d)),
                  "top_sku": min(units, key=lambda s: (-units[s], s))}
        paths = {"staging": f"{work}/staging.csv", "clean": f"{work}/clean.csv",
                 "daily": f"{work}/{rng.choice(['daily_store_sales.csv', 'daily_sales.csv', 'sales_by_day_store.csv'])}",
                 "report": f"{work}/{rng.choice(['report.json', 'summary.json', 'run_report.json'])}"}

        # ---- the environment: spec, settings, check, log -----------------------------------------------------
        formats = [self.template("fmt_csv.md", cols=",".join(csv_cols), c_time=csv_cols[1], c_amount=csv_cols[4])]
        if jsonl_stores:
            formats.append(self.template("fmt_jsonl.md", **dict(zip(["k_id", "k_time", "k_sku", "k_qty", "k_amount"],
                                                                     json_keys))))
        spec = self.template(
            "spec.md", store_list=", ".join(f"`{sid}` ({city})" for sid, city, _, _ in stores), in_dir=in_dir,
            formats="\n".join(f.strip() for f in formats), work=work, **paths,
            tz=self.data("tz_utc.md" if k.pool == "utc" else "tz_local.md").strip(),
            money=self.data("money_fx.md" if rate else "money_usd.md").strip()).strip()
        files["environment/app/docs/PIPELINE.md"] = self.template("PIPELINE.md", spec=spec)
        files["environment/app/pipeline.conf"] = self.template("pipeline.conf", in_dir=in_dir,
                                                               fx=f"{in_dir}/fx_rates.csv" if rate else "(none)",
                                                               **paths)
        files["environment/app/check_pipeline.sh"] = self.data("check_pipeline.sh")
        files["environment/app/logs/etl.log"] = self.template(
            "etl.log", day=(days[-1] + dt.timedelta(days=1)).isoformat(), in_dir=in_dir, files=len(exports))

        wrong = {"stops-after-clean": "stop", "keeps-duplicates": "dedup"}
        if k.pool != "utc":
            wrong["local-dates"] = "tz"
        if rate:
            wrong["single-fx-rate"] = "fx"
        values = dict(zip(["k_id", "k_time", "k_sku", "k_qty", "k_amount"], json_keys))
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions()
        files |= self.verifier()
        files |= kit.expected_file({"paths": paths, "staging": staging, "clean": clean_rows, "daily": daily_rows,
                                    "report": report, "untouched": kit.digests(files, "data", in_dir)})
        instruction = self.instruction(intro=self.intro(rng), spec=spec, in_dir=in_dir, work=work)
        return kit.draft(
            instruction=instruction, files=files,
            dockerfile_body=(f"COPY data/ {in_dir}/\nCOPY app/ /app/\nRUN chmod +x /app/check_pipeline.sh\n"
                             "WORKDIR /app\n"),
            tags=["etl", "pipeline", "csv", "jsonl", "timezones", "multi-stage"],
            artifacts=[work, in_dir],  # every stage's output and the exports (checked untouched)
            outputs=[paths["staging"], paths["clean"], paths["daily"], paths["report"]],
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
        )
