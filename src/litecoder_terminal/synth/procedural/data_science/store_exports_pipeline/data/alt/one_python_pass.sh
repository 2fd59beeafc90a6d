#!/bin/bash
# Alternative: one Python program, integer cents throughout (no Decimal, no sqlite3, no jq), stages written in
# reverse order once everything is computed in memory; the settings read with configparser.
set -euo pipefail
python3 - <<'PY'
import configparser, csv, glob, json, os
from collections import Counter, defaultdict
from datetime import datetime, timedelta

cfg = configparser.ConfigParser()
cfg.read("/app/pipeline.conf")
inp, out = cfg["inputs"], cfg["outputs"]
stores = {s["store"]: s for s in json.load(open(inp["stores"]))}
rate = {}  # (currency, date) -> USD per unit in 1/10000
if os.path.exists(inp["fx_rates"]):
    for r in csv.DictReader(open(inp["fx_rates"])):
        whole, _, frac = r["usd_per_unit"].partition(".")
        rate[(r["currency"], r["date"])] = int(whole) * 10000 + int(frac.ljust(4, "0"))


def cents(text):
    neg = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    c = int(whole) * 100 + int(frac.ljust(2, "0"))
    return -c if neg else c


def money(c):
    return ("-" if c < 0 else "") + f"{abs(c) // 100}.{abs(c) % 100:02d}"


rows = []  # store, txn_id, local_time, sku, qty, amount cents
for path in sorted(glob.glob(os.path.join(inp["exports"], "store_*"))):
    store = os.path.basename(path).split("_")[1]
    if path.endswith(".jsonl"):
        with open(path) as fh:
            for line in fh:
                if line.strip():
                    o = list(json.loads(line).values())
                    rows.append([store, str(o[0]), o[1].replace("T", " "), o[2] or "", int(o[3]), int(o[4])])
    else:
        with open(path, newline="") as fh:
            for r in list(csv.reader(fh))[1:]:
                rows.append([store, r[0], r[1], r[2], int(r[3]), cents(r[4])])
rows.sort(key=lambda r: (r[0], r[2], r[1]))

seen, dups, invalid, clean = set(), 0, 0, []
for r in rows:
    if (r[0], r[1]) in seen:
        dups += 1
        continue
    seen.add((r[0], r[1]))
    if r[4] <= 0 or not r[3]:
        invalid += 1
        continue
    st = stores[r[0]]
    sign = -1 if st["utc_offset"][0] == "-" else 1
    h, m = st["utc_offset"][1:].split(":")
    utc = datetime.strptime(r[2], "%Y-%m-%d %H:%M:%S") - sign * timedelta(hours=int(h), minutes=int(m))
    usd = r[5]
    if st["currency"] != "USD":
        q, rem = divmod(r[5] * rate[(st["currency"], utc.date().isoformat())], 10000)
        usd = q + (1 if rem >= 5000 else 0)
    clean.append([r[0], r[1], utc.strftime("%Y-%m-%dT%H:%M:%SZ"), r[3], r[4], usd])
clean.sort(key=lambda r: (r[2], r[0], r[1]))

daily = defaultdict(lambda: [0, 0, 0])
for r in clean:
    d = daily[(r[2][:10], r[0])]
    d[0] += 1
    d[1] += r[4]
    d[2] += r[5]
by_store, by_day, units = Counter(), Counter(), Counter()
for r in clean:
    by_store[r[0]] += r[5]
    by_day[r[2][:10]] += r[5]
    units[r[3]] += r[4]
report = {"rows_ingested": len(rows), "duplicates_removed": dups, "invalid_removed": invalid,
          "rows_clean": len(clean), "total_revenue_usd": round(sum(r[5] for r in clean) / 100, 2),
          "best_store": min(by_store, key=lambda s: (-by_store[s], s)),
          "best_day": min(by_day, key=lambda d: (-by_day[d], d)),
          "top_sku": min(units, key=lambda s: (-units[s], s))}

for key in ("report", "daily", "clean", "staging"):
    os.makedirs(os.path.dirname(out[key]), exist_ok=True)
with open(out["report"], "w") as fh:
    json.dump(report, fh, indent=2)
with open(out["daily"], "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["date", "store", "transactions", "units", "revenue_usd"])
    w.writerows([d, s, v[0], v[1], money(v[2])] for (d, s), v in sorted(daily.items()))
with open(out["clean"], "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["store", "txn_id", "utc_time", "sku", "qty", "amount_usd"])
    w.writerows(r[:5] + [money(r[5])] for r in clean)
with open(out["staging"], "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["store", "txn_id", "local_time", "sku", "qty", "amount"])
    w.writerows(r[:5] + [money(r[5])] for r in rows)
PY
/app/check_pipeline.sh
