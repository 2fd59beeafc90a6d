#!/bin/bash
# Alternative: read every file first, keep the first row of each order id, then filter and aggregate with
# datetime.strptime for the date formats, Decimal for money and itertools.groupby over the sorted rows.
set -eu
mkdir -p "$(dirname "@@out@@")"
python3 - <<'PY'
import csv, glob, itertools, json, os
from datetime import datetime
from decimal import Decimal

ID, DATE, QTY, PRICE = "@@id_col@@", "@@date_col@@", "@@qty_col@@", "@@price_col@@"
records = []
for path in sorted(glob.glob(os.path.join("@@in_dir@@", "*.csv"))):
    with open(path, newline="", encoding="utf-8") as fh:
        records.extend(csv.DictReader(fh))

first = {}
for rec in records:
    first.setdefault(rec[ID], rec)
unique = list(first.values())


def money(text):
    text = text.replace("USD", "").replace("$", "").replace(",", "").strip()
    return None if text in ("", "N/A") else Decimal(text)


def month(text):
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d %b %Y"):
        try:
            return datetime.strptime(text.strip(), fmt).strftime("%Y-%m")
        except ValueError:
            pass
    raise ValueError(f"unknown date {text!r}")


complete = [r for r in unique if r[QTY].strip() and money(r[PRICE]) is not None]
used = [r for r in complete if r.get("status", "completed").strip() == "completed"]
lines = sorted((month(r[DATE]), r["region"].strip().title() or "UNKNOWN", int(r[QTY]), money(r[PRICE]))
               for r in used)
with open("@@out@@", "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["month", "region", "orders", "units", "revenue"])
    for (m, region), group in itertools.groupby(lines, key=lambda t: t[:2]):
        group = list(group)
        revenue = sum((q * p for _, _, q, p in group), Decimal(0)).quantize(Decimal("0.01"))
        w.writerow([m, region, len(group), sum(q for _, _, q, _ in group), f"{revenue:f}"])
if "@@summary@@":
    with open("@@summary@@", "w") as fh:
        json.dump({"rows_read": len(records), "duplicates_removed": len(records) - len(unique),
                   "dropped_missing": len(unique) - len(complete), "excluded_status": len(complete) - len(used),
                   "rows_used": len(used)}, fh)
PY
