#!/bin/bash
# Alternative: the exporter is a Python program (urllib, no curl or jq) that follows whatever paging the service
# offers (page numbers, a `next` link in the body, or a Link header with Retry-After on 429) and aggregates in the
# same pass; the shell file only starts it.
set -euo pipefail
cat @@outdir@@/README.md
cat > @@outdir@@/export.py <<'PY'
import csv
import json
import re
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal

BASE = "@@base@@"
OUT = "@@outdir@@"
MODE, AUTH, RES = "@@mode@@", "@@auth@@", "@@res@@"


def headers():
    if AUTH == "none":
        return {}
    conf = dict(line.split("=", 1) for line in open("/etc/@@svc@@/client.conf") if "=" in line and not line.startswith("#"))
    key = conf[next(k for k in conf if k.strip() == "api_key")].strip()
    return {"Authorization": "Bearer " + key} if AUTH == "bearer" else {"X-Api-Key": key}


HDRS = headers()


def get(path):
    while True:
        req = urllib.request.Request(BASE + path, headers=HDRS)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read()), r.headers
        except urllib.error.HTTPError as e:
            if e.code == 429:
                time.sleep(float(e.headers.get("Retry-After") or 1))
                continue
            raise


for _ in range(60):
    try:
        urllib.request.urlopen(BASE + "/health", timeout=2).read()
        break
    except OSError:
        time.sleep(0.5)

records = []
if MODE == "pages":
    page = 1
    while True:
        body, _ = get("/api/%s?page=%d" % (RES, page))
        records += body[RES]
        if page >= body["total_pages"]:
            break
        page += 1
elif MODE == "cursor":
    nxt = "/api/v2/%s?limit=37" % RES
    while nxt:
        body, _ = get(nxt)
        records += body["data"]
        nxt = body.get("next")
else:
    for wh in get("/api/v2/warehouses")[0]["data"]:
        nxt = "/api/v2/warehouses/%s/%s?limit=20" % (wh["code"], RES)
        while nxt:
            rows, hdrs = get(nxt)
            records += [dict(r, warehouse=wh["code"]) for r in rows]
            m = re.search(r'<([^>]*)>;\s*rel="next"', hdrs.get("Link") or "")
            nxt = m.group(1) if m else None

keys = ("sku", "name", "warehouse", "qty", "unit_price", "discontinued")
records = [{k: r[k] for k in keys} for r in records]
records.sort(key=(lambda r: (r["warehouse"], r["sku"])) if MODE == "warehouses" else (lambda r: r["sku"]))
with open(OUT + "/@@export_name@@", "w") as f:
    json.dump(records, f, indent=2)
agg = {}
for r in records:
    if not r["discontinued"]:
        a = agg.setdefault(r["warehouse"], [0, 0, Decimal(0)])
        a[0] += 1
        a[1] += r["qty"]
        a[2] += Decimal(str(r["unit_price"])) * r["qty"]
with open(OUT + "/@@summary_name@@", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["warehouse", "skus", "units", "value"])
    for wh, (n, units, value) in sorted(agg.items(), key=lambda kv: (-kv[1][2], kv[0])):
        w.writerow([wh, n, units, "%.2f" % value])
print("exported %d records" % len(records), file=sys.stderr)
PY
printf '#!/bin/bash\nexec python3 %s/export.py "$@"\n' @@outdir@@ > @@outdir@@/export.sh
bash @@outdir@@/export.sh
