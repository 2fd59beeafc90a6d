"""Export every record from a live, sparsely documented local HTTP API (pagination, auth, throttling)."""

from __future__ import annotations

import base64
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

WAREHOUSES = [("AMS1", "Amsterdam"), ("FRA2", "Frankfurt"), ("LHR1", "London"), ("DUB3", "Dublin"),
              ("WAW1", "Warsaw"), ("MAD2", "Madrid"), ("CPH1", "Copenhagen"), ("OSL2", "Oslo"),
              ("MIL1", "Milan"), ("PRG1", "Prague")]
ADJ = ["Hex", "Flat", "Heavy-duty", "Compact", "Steel", "Nylon", "Brass", "Galvanised", "Threaded", "Insulated",
       "Coated", "Spring", "Locking", "Mini", "Industrial"]
NOUN = ["bolt", "washer", "bracket", "cable tie", "hinge", "anchor", "clamp", "spacer", "rivet", "gasket",
        "pulley", "fuse", "connector", "coupling", "valve", "sensor", "relay", "switch"]
SIZE = ["M4", "M6", "M8", "M10", "12mm", "20mm", "50mm", "100mm", "1/4in", "3/8in", "2A", "10A", "24V", "x10", "x50"]

QTY = [0] * 2 + list(range(1, 400))

SERVER = r'''#!/usr/bin/env python3
"""__SVC__: internal read-only stock API. Ops owns it; do not change without a ticket."""
import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT = __PORT__
MODE = "__MODE__"
AUTH = "__AUTH__"
KEY = "__KEY__"
RES = "__RES__"
PER_PAGE = __PER__
THROTTLE_EVERY = __THROTTLE__
MASK = b"__MASK__"
BLOB = (
__BLOB__
)


def _load():
    raw = base64.b64decode("".join(BLOB))
    return json.loads(bytes(b ^ MASK[i % len(MASK)] for i, b in enumerate(raw)))


DATA = _load()
LOCK = threading.Lock()
HITS = [0]
LOG = open("/var/log/__SVC__/access.log", "a", buffering=1)


def enc_cursor(off):
    return base64.urlsafe_b64encode(json.dumps({"o": off, "v": 2}).encode()).decode().rstrip("=")


def dec_cursor(c):
    c += "=" * (-len(c) % 4)
    return int(json.loads(base64.urlsafe_b64decode(c.encode()))["o"])


class Handler(BaseHTTPRequestHandler):
    server_version = "__SVC__/1.4"
    sys_version = ""

    def log_message(self, fmt, *args):
        LOG.write("%s - %s\n" % (self.address_string(), fmt % args))

    def reply(self, code, obj, headers=()):
        body = (json.dumps(obj) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def authorised(self):
        if AUTH == "bearer":
            return self.headers.get("Authorization", "") == "Bearer " + KEY
        if AUTH == "apikey":
            return self.headers.get("X-Api-Key", "") == KEY
        return True

    def int_param(self, q, name, default):
        raw = q.get(name, [str(default)])[0]
        if not raw.isdigit():
            raise ValueError("%s must be a positive integer" % name)
        return int(raw)

    def throttled(self):
        if not THROTTLE_EVERY:
            return False
        with LOCK:
            HITS[0] += 1
            return HITS[0] % THROTTLE_EVERY == 0

    def do_GET(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        path = u.path.rstrip("/") or "/"
        if path == "/health":
            return self.reply(200, {"status": "ok"})
        if not self.authorised():
            if AUTH == "bearer":
                return self.reply(401, {"error": "unauthorized", "detail": "a valid bearer token is required"},
                                  [("WWW-Authenticate", 'Bearer realm="__SVC__"')])
            return self.reply(401, {"error": "unauthorized", "detail": "missing or invalid X-Api-Key header"})
        try:
            if MODE == "pages" and path == "/api/" + RES:
                return self.pages(q)
            if MODE == "cursor" and path == "/api/v2/" + RES:
                return self.cursor(q)
            if MODE == "warehouses" and path == "/api/v2/warehouses":
                return self.reply(200, {"data": [{"code": c, "name": n} for c, n in DATA["names"]]})
            parts = path.split("/")
            if MODE == "warehouses" and len(parts) == 6 and parts[1:4] == ["api", "v2", "warehouses"] \
                    and parts[5] == RES:
                return self.warehouse(parts[4], q)
        except (ValueError, KeyError) as e:
            return self.reply(400, {"error": "bad request", "detail": str(e)})
        return self.reply(404, {"error": "not found"})

    def pages(self, q):
        page = self.int_param(q, "page", 1)
        if page < 1:
            raise ValueError("page must be >= 1")
        rows = DATA["items"]
        total = max(1, -(-len(rows) // PER_PAGE))
        chunk = rows[(page - 1) * PER_PAGE:page * PER_PAGE]
        return self.reply(200, {"page": page, "per_page": PER_PAGE, "total_pages": total, RES: chunk})

    def cursor(self, q):
        limit = self.int_param(q, "limit", PER_PAGE)
        if not 1 <= limit <= 100:
            raise ValueError("limit must be between 1 and 100")
        off = dec_cursor(q["cursor"][0]) if "cursor" in q else 0
        rows = DATA["items"]
        chunk = rows[off:off + limit]
        nxt = None
        if off + limit < len(rows):
            nxt = "/api/v2/%s?limit=%d&cursor=%s" % (RES, limit, enc_cursor(off + limit))
        return self.reply(200, {"data": chunk, "next": nxt})

    def warehouse(self, code, q):
        if code not in DATA["stock"]:
            return self.reply(404, {"error": "unknown warehouse %s" % code})
        if self.throttled():
            return self.reply(429, {"error": "too many requests"}, [("Retry-After", "1")])
        limit = self.int_param(q, "limit", PER_PAGE)
        if not 1 <= limit <= 50:
            raise ValueError("limit must be between 1 and 50")
        off = dec_cursor(q["cursor"][0]) if "cursor" in q else 0
        rows = DATA["stock"][code]
        headers = []
        if off + limit < len(rows):
            link = "/api/v2/warehouses/%s/%s?limit=%d&cursor=%s" % (code, RES, limit, enc_cursor(off + limit))
            headers.append(("Link", '<%s>; rel="next"' % link))
        return self.reply(200, rows[off:off + limit], headers)


if __name__ == "__main__":
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print("__SVC__ listening on 127.0.0.1:%d" % PORT, file=sys.stderr, flush=True)
    srv.serve_forever()
'''

ENTRYPOINT = """#!/bin/sh
# Container entrypoint: bring up the stock API in the background, then run the container command.
mkdir -p /var/log/__SVC__
python3 /opt/__SVC__/server.py >>/var/log/__SVC__/server.log 2>&1 &
exec "$@"
"""


def _fetch_code(mode: str, auth: str, svc: str, res: str, port: int, *, all_pages: bool, retry: bool) -> str:
    """Bash that fetches records into /tmp/raw.jsonl (one JSON object per line, warehouse field filled in)."""
    head = [f"BASE=http://127.0.0.1:{port}",
            'for i in $(seq 1 60); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.5; done',
            ": > /tmp/raw.jsonl"]
    if auth == "none":
        head.append("AUTH_H='X-Client: export'")
    else:
        head.append(f"KEY=$(sed -n 's/^api_key *= *//p' /etc/{svc}/client.conf | tr -d '[:space:]')")
        head.append('AUTH_H="Authorization: Bearer $KEY"' if auth == "bearer" else 'AUTH_H="X-Api-Key: $KEY"')
    if mode == "pages":
        body = textwrap.dedent(f"""\
            page=1
            while :; do
              curl -sf -H "$AUTH_H" "$BASE/api/{res}?page=$page" -o /tmp/page.json
              jq -c '.{res}[]' /tmp/page.json >> /tmp/raw.jsonl
              __STOP__
              total=$(jq '.total_pages' /tmp/page.json)
              [ "$page" -ge "$total" ] && break
              page=$((page + 1))
            done
            """)
    elif mode == "cursor":
        body = textwrap.dedent(f"""\
            next="/api/v2/{res}?limit=100"
            while [ -n "$next" ]; do
              curl -sf -H "$AUTH_H" "$BASE$next" -o /tmp/page.json
              jq -c '.data[]' /tmp/page.json >> /tmp/raw.jsonl
              __STOP__
              next=$(jq -r '.next // empty' /tmp/page.json)
            done
            """)
    else:
        on_429 = ('if [ "$status" = 429 ]; then sleep 1; continue; fi; [ "$status" = 200 ] || exit 1' if retry
                  else 'if [ "$status" != 200 ]; then break; fi')
        body = textwrap.dedent(f"""\
            codes=$(curl -sf -H "$AUTH_H" "$BASE/api/v2/warehouses" | jq -r '.data[].code')
            for code in $codes; do
              next="/api/v2/warehouses/$code/{res}?limit=50"
              while [ -n "$next" ]; do
                status=$(curl -s -H "$AUTH_H" -D /tmp/headers.txt -o /tmp/page.json -w '%{{http_code}}' "$BASE$next")
                __ON429__
                jq -c --arg w "$code" '.[] | . + {{warehouse: $w}}' /tmp/page.json >> /tmp/raw.jsonl
                __STOP__
                next=$(tr -d '\\r' < /tmp/headers.txt | sed -n 's/^[Ll]ink: *<\\([^>]*\\)>; *rel="next".*/\\1/p')
              done
            done
            """)
    if mode == "warehouses":
        body = body.replace("__ON429__", on_429)
    lines = [ln for ln in body.split("\n") if ln.strip() != "__STOP__" or not all_pages]
    return "\n".join(head) + "\n" + "\n".join(lines).replace("__STOP__", "break")


SUMMARY_PY = """python3 - <<'PY'
import csv, json
from decimal import Decimal
items = json.load(open("__EXPORT__"))
agg = {}
for it in items:
    if __FILTER__:
        continue
    a = agg.setdefault(it["warehouse"], [0, 0, Decimal(0)])
    a[0] += 1
    a[1] += it["qty"]
    a[2] += Decimal(str(it["unit_price"])) * it["qty"]
rows = sorted(agg.items(), key=lambda kv: (-kv[1][2], kv[0]))
with open("__SUMMARY__", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\\n")
    w.writerow(["warehouse", "skus", "units", "value"])
    for wh, (n, units, value) in rows:
        w.writerow([wh, n, units, f"{value:.2f}"])
PY
"""


@register
class PaginatedApiExport(TaskFamily):
    name = "paginated_api_export"
    domain = "networking"
    title = "Export every record from a live local HTTP API with undocumented pagination and auth"
    interactive = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        mode = {"easy": "pages", "medium": "cursor", "hard": "warehouses"}[level]
        auth = "none" if level == "easy" else pick(rng, ["bearer", "apikey"])
        svc = pick(rng, ["stockd", "inventory-api", "catalog-svc", "partsdb-api"])
        res = pick(rng, ["items", "products", "parts", "articles"])
        port = rng.randrange(8100, 9800)
        per_page = rng.choice([20, 25, 30]) if mode == "pages" else rng.choice([10, 20, 25])
        key = "".join(rng.choice("abcdef0123456789") for _ in range(32))
        whs = sorted(rng.sample(WAREHOUSES, {"easy": 3, "medium": 4, "hard": rng.randint(4, 6)}[level]))
        codes = [c for c, _ in whs]

        used: set[str] = set()

        def new_item(sku: str | None = None) -> dict:
            if sku is None:
                while True:
                    sku = f"{rng.choice(['HW', 'EL', 'PL', 'FX'])}-{rng.randrange(10000, 100000)}"
                    if sku not in used:
                        break
                used.add(sku)
            return {"sku": sku, "name": f"{rng.choice(ADJ)} {rng.choice(NOUN)} {rng.choice(SIZE)}",
                    "qty": rng.choice(QTY),
                    "unit_price": round(rng.randrange(15, 25000) / 100, 2),
                    "discontinued": rng.random() < 0.15}

        files: dict[str, str | bytes] = {}
        if mode != "warehouses":
            n = {"easy": rng.randint(45, 110), "medium": rng.randint(150, 320)}[level]
            items = []
            for _ in range(n):
                it = new_item()
                it["warehouse"] = rng.choice(codes)
                items.append({k: it[k] for k in ("sku", "name", "warehouse", "qty", "unit_price", "discontinued")})
            # At least one discontinued item with stock on hand (so the exclusion rule matters).
            items[rng.randrange(1, n)].update(discontinued=True, qty=rng.randint(5, 90))
            data = {"items": items}
            expected = sorted(items, key=lambda it: it["sku"])
        else:
            stock: dict[str, list[dict]] = {}
            all_items = []
            skus_so_far: list[str] = []
            names: dict[str, str] = {}
            for c in codes:
                rows = []
                for _ in range(rng.randint(55, 90) if c == codes[0] else rng.randint(30, 90)):
                    # Some SKUs are stocked in several warehouses.
                    shared = skus_so_far and rng.random() < 0.2
                    it = new_item(rng.choice(skus_so_far) if shared else None)
                    if any(r["sku"] == it["sku"] for r in rows):
                        continue
                    if shared:
                        it["name"] = names[it["sku"]]
                    else:
                        skus_so_far.append(it["sku"])
                        names[it["sku"]] = it["name"]
                    rows.append({k: it[k] for k in ("sku", "name", "qty", "unit_price", "discontinued")})
                    all_items.append({**rows[-1], "warehouse": c})
                stock[c] = rows
            first = stock[codes[0]]
            first[rng.randrange(1, len(first))].update(discontinued=True, qty=rng.randint(5, 90))
            # Warehouse records in the global list reflect the updates above.
            all_items = [{**r, "warehouse": c} for c in codes for r in stock[c]]
            data = {"names": [list(w) for w in whs], "stock": stock}
            expected = sorted(({k: it[k] for k in ("sku", "name", "warehouse", "qty", "unit_price",
                                                   "discontinued")} for it in all_items),
                              key=lambda it: (it["warehouse"], it["sku"]))

        throttle = 0
        if mode == "warehouses":
            # Never more than the pages a 50-per-page client fetches: every client meets the throttle at least once.
            throttle = min(rng.choice([3, 4, 5]), sum(-(-len(rows) // 50) for rows in data["stock"].values()))
        mask = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(23))
        raw = json.dumps(data, separators=(",", ":")).encode()
        key_stream = (mask.encode() * (len(raw) // len(mask) + 1))[:len(raw)]
        mixed = (int.from_bytes(raw, "big") ^ int.from_bytes(key_stream, "big")).to_bytes(len(raw), "big")
        blob = base64.b64encode(mixed).decode()
        blob_lines = "\n".join(f'    "{blob[i:i + 96]}",' for i in range(0, len(blob), 96))
        server = (SERVER.replace("__BLOB__", blob_lines).replace("__MASK__", mask).replace("__PORT__", str(port))
                  .replace("__MODE__", mode).replace("__AUTH__", auth).replace("__KEY__", key)
                  .replace("__RES__", res).replace("__PER__", str(per_page))
                  .replace("__THROTTLE__", str(throttle))
                  .replace("__SVC__", svc))
        files[f"environment/{svc}/server.py"] = server
        files["environment/entrypoint.sh"] = ENTRYPOINT.replace("__SVC__", svc)
        if auth != "none":
            files["environment/client.conf"] = (f"# service account for batch exports (ticket OPS-{rng.randrange(1000, 9999)})\n"
                                                f"user = export-bot\napi_key = {key}\n")

        outdir = pick(rng, ["/app/export", "/srv/exports", "/root/inventory-export"])
        export = f"{outdir}/{res}.json"
        summary = f"{outdir}/{pick(rng, ['summary.csv', 'warehouse_totals.csv', 'stock_value.csv'])}"
        intro = pick(rng, [
            "Procurement wants a complete dump of what our internal stock service knows.",
            "Finance is reconciling stock value and needs a full export from the stock service.",
            "We are migrating off the old stock service and need everything it holds, exported once.",
        ])
        base = f"http://127.0.0.1:{port}"
        if mode == "pages":
            doc = f"`GET /api/{res}` lists the {res}"
        elif mode == "cursor":
            doc = f"`GET /api/v2/{res}` lists the {res}"
        else:
            doc = (f"`GET /api/v2/warehouses` lists the warehouses, and `GET /api/v2/warehouses/<code>/{res}` "
                   f"lists the {res} stocked in one warehouse")
        creds = ("" if auth == "none" else
                 f" The service needs credentials: our service account is in `/etc/{svc}/client.conf`; work out "
                 "how the API expects them from its responses.")
        throttle = (" It is known to throttle busy clients; when it does, respect what it tells you and carry on."
                    if mode == "warehouses" else "")
        order = "by `warehouse`, then by `sku` (both ascending)" if mode == "warehouses" else "by `sku` ascending"
        wh_note = (" (a SKU stocked in several warehouses appears once per warehouse; `warehouse` is the code of "
                   "the warehouse whose listing it came from)" if mode == "warehouses" else "")
        instruction = textwrap.dedent(f"""\
            {intro} The service `{svc}` is already running on this machine at `{base}` (it is started with the
            container; nothing needs to be installed). Its entire documentation is one line: {doc}.{creds}
            The listing does not return everything in one response; find out how it pages its results.{throttle}

            Produce two files:

            1. `{export}`: a JSON array with one object per record{wh_note}, each object having exactly the keys
               `sku`, `name`, `warehouse`, `qty`, `unit_price`, `discontinued` with the values the API returns,
               sorted {order}.
            2. `{summary}`: CSV with the header `warehouse,skus,units,value` and one row per warehouse that has at
               least one record with `discontinued` false. Ignore discontinued records entirely here. `skus` is the
               number of such records, `units` the sum of their `qty`, and `value` the sum of `qty * unit_price`
               written with exactly two decimals (e.g. `1234.50`). Sort rows by `value` descending, then by
               `warehouse` ascending.

            Leave the service running as it is: do not change its code, its data or its configuration.
            """)
        flt_ok = 'it["discontinued"]'
        jq_keys = "{sku, name, warehouse, qty, unit_price, discontinued}"
        sort_key = "sort_by([.warehouse, .sku])" if mode == "warehouses" else "sort_by(.sku)"

        def script(all_pages: bool = True, retry: bool = True, flt: str = flt_ok, comment: str = "") -> str:
            fetch = _fetch_code(mode, auth, svc, res, port, all_pages=all_pages, retry=retry)
            return (f"#!/bin/bash\n{comment}set -uo pipefail\nmkdir -p {outdir}\n" + fetch +
                    f"jq -s 'map({jq_keys}) | {sort_key}' /tmp/raw.jsonl > {export}\n" +
                    SUMMARY_PY.replace("__EXPORT__", export).replace("__SUMMARY__", summary).replace("__FILTER__", flt))

        files["solution/solve.sh"] = script(comment="# Follow the service's own pagination (and auth/throttling) to the end, then aggregate.\n")
        files["solution/wrong/first-page-only.sh"] = script(
            all_pages=False, comment="# Mistake: takes the first response as the whole data set.\n")
        files["solution/wrong/counts-discontinued.sh"] = script(
            flt="False", comment="# Mistake: fetches everything but keeps discontinued records in the totals.\n")
        if mode == "warehouses":
            files["solution/wrong/gives-up-on-429.sh"] = script(
                retry=False, comment="# Mistake: treats a throttled response as the end of the listing.\n")
        files["tests/expected.json"] = ('{"records": [\n' + ",\n".join(json.dumps(r, sort_keys=True) for r in expected)
                                        + "\n]}\n")
        files["tests/test_outputs.py"] = (TEST.replace("__EXPORT__", export).replace("__SUMMARY__", summary)
                                          .replace("__BY_WH__", str(mode == "warehouses")))
        dockerfile = (f"COPY {svc}/server.py /opt/{svc}/server.py\n"
                      "COPY entrypoint.sh /usr/local/bin/service-entrypoint\n"
                      + (f"COPY client.conf /etc/{svc}/client.conf\n" if auth != "none" else "") +
                      f"RUN chmod 755 /usr/local/bin/service-entrypoint && mkdir -p /var/log/{svc} {outdir}\n"
                      "ENTRYPOINT [\"/usr/local/bin/service-entrypoint\"]\n"
                      "WORKDIR /app\n")
        return TaskDraft(
            instruction=instruction, dockerfile_body=dockerfile, files=files,
            artifacts=[outdir], tags=["http", "curl", "jq", "pagination", "api"],
            agent_timeout_sec={"easy": 600.0, "medium": 900.0, "hard": 1200.0}[level],
            verifier_timeout_sec=120.0,
            expert_minutes={"easy": 10, "medium": 20, "hard": 30}[level],
        )


TEST = '''"""Compare the agent's export with the records the service holds (kept here, never in the image)."""

import csv
import json
from decimal import Decimal
from pathlib import Path

EXPORT = Path("__EXPORT__")
SUMMARY = Path("__SUMMARY__")
BY_WH = __BY_WH__
RECORDS = json.loads((Path(__file__).parent / "expected.json").read_text())["records"]
KEYS = {"sku", "name", "warehouse", "qty", "unit_price", "discontinued"}


def load_export():
    data = json.loads(EXPORT.read_text())
    assert isinstance(data, list), "the export must be a JSON array"
    return data


def ident(rec):
    return (rec["warehouse"], rec["sku"])


def test_every_record_exactly_once():
    got = [ident(r) for r in load_export()]
    assert len(got) == len(set(got)), "duplicate records in the export"
    missing = sorted(set(map(ident, RECORDS)) - set(got))
    extra = sorted(set(got) - set(map(ident, RECORDS)))
    assert not missing and not extra, f"missing {len(missing)} (e.g. {missing[:3]}), unexpected {extra[:3]}"


def test_record_fields_match_service():
    want = {ident(r): r for r in RECORDS}
    for rec in load_export():
        assert set(rec) == KEYS, f"keys {sorted(rec)}"
        exp = want[ident(rec)]
        for k in KEYS:
            got, want_v = rec[k], exp[k]
            if isinstance(want_v, (bool, str)):
                ok = type(got) is type(want_v) and got == want_v
            else:  # numbers: 33 and 33.0 are the same JSON number
                ok = isinstance(got, (int, float)) and not isinstance(got, bool) and got == want_v
            assert ok, f"{ident(rec)} {k}: {got!r} != {want_v!r}"


def test_export_order():
    got = [ident(r) for r in load_export()]
    key = (lambda i: i) if BY_WH else (lambda i: (i[1], i[0]))
    assert got == sorted(map(ident, RECORDS), key=key)


def test_summary_recomputed():
    agg = {}
    for r in RECORDS:
        if r["discontinued"]:
            continue
        a = agg.setdefault(r["warehouse"], [0, 0, Decimal(0)])
        a[0] += 1
        a[1] += r["qty"]
        a[2] += Decimal(str(r["unit_price"])) * r["qty"]
    want = [["warehouse", "skus", "units", "value"]]
    want += [[wh, str(n), str(u), f"{v:.2f}"] for wh, (n, u, v) in sorted(agg.items(), key=lambda kv: (-kv[1][2], kv[0]))]
    rows = [r for r in csv.reader(SUMMARY.read_text().splitlines()) if r]
    assert rows == want
'''
