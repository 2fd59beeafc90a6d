"""Write the nightly exporter for a live, sparsely documented local HTTP API (pagination, auth, throttling).

The service on the agent's host serves a development snapshot; the verifier runs the agent's exporter against a
fresh instance of the same program serving data generated here and kept only in tests/expected.json, so the
export cannot be made without paging through the API."""

from __future__ import annotations

import json
import random

from litecoder_terminal.synth.procedural import kit

WAREHOUSES = [("AMS1", "Amsterdam"), ("FRA2", "Frankfurt"), ("LHR1", "London"), ("DUB3", "Dublin"),
              ("WAW1", "Warsaw"), ("MAD2", "Madrid"), ("CPH1", "Copenhagen"), ("OSL2", "Oslo"),
              ("MIL1", "Milan"), ("PRG1", "Prague")]
ADJ = ["Hex", "Flat", "Heavy-duty", "Compact", "Steel", "Nylon", "Brass", "Galvanised", "Threaded", "Insulated",
       "Coated", "Spring", "Locking", "Mini", "Industrial"]
NOUN = ["bolt", "washer", "bracket", "cable tie", "hinge", "anchor", "clamp", "spacer", "rivet", "gasket",
        "pulley", "fuse", "connector", "coupling", "valve", "sensor", "relay", "switch"]
SIZE = ["M4", "M6", "M8", "M10", "12mm", "20mm", "50mm", "100mm", "1/4in", "3/8in", "2A", "10A", "24V", "x10", "x50"]
QTY = [0] * 2 + list(range(1, 400))
KEYS = ("sku", "name", "warehouse", "qty", "unit_price", "discontinued")

AUTH_LINES = {
    "none": "AUTH_H='X-Client: nightly-export'",
    "bearer": ("KEY=$(sed -n 's/^api_key *= *//p' /etc/@@svc@@/client.conf | tr -d '[:space:]')\n"
               'AUTH_H="Authorization: Bearer $KEY"'),
    "apikey": ("KEY=$(sed -n 's/^api_key *= *//p' /etc/@@svc@@/client.conf | tr -d '[:space:]')\n"
               'AUTH_H="X-Api-Key: $KEY"'),
}
KNOBS = {
    "first_page_only": kit.Knob(": next page", "break", "takes the first response of a listing as all of it"),
    "filter": kit.Knob('it["discontinued"]', "False", "keeps discontinued records in the summary totals"),
    "on_429": kit.Knob("""wait=$(tr -d '\\r' < "$work/headers.txt" | sed -n 's/^[Rr]etry-[Aa]fter: *//p')
      sleep "${wait:-1}"; continue""", "break", "treats a throttled response as the end of the listing"),
}


def keep(*names: str) -> dict[str, str]:
    """Placeholders left for a later render (the solver's knobs)."""
    return {n: f"@@{n}@@" for n in names}


def dataset(rng: random.Random, mode: str, n_wh: int, n_items: tuple[int, int]) -> tuple[dict, list[dict]]:
    """(the service's data file, the records an export must hold) for one instance of the service."""
    whs = sorted(rng.sample(WAREHOUSES, n_wh))
    codes = [c for c, _ in whs]
    used: set[str] = set()

    def new_item() -> dict:
        while True:
            sku = f"{rng.choice(['HW', 'EL', 'PL', 'FX'])}-{rng.randrange(10000, 100000)}"
            if sku not in used:
                break
        used.add(sku)
        return {"sku": sku, "name": f"{rng.choice(ADJ)} {rng.choice(NOUN)} {rng.choice(SIZE)}",
                "qty": rng.choice(QTY), "unit_price": round(rng.randrange(15, 25000) / 100, 2),
                "discontinued": rng.random() < 0.15}

    if mode != "warehouses":
        items = []
        for _ in range(rng.randint(*n_items)):
            it = new_item()
            items.append({k: (it[k] if k != "warehouse" else rng.choice(codes)) for k in KEYS})
        # a discontinued record with stock on hand, past the first page: the summary rule and paging both matter
        items[rng.randrange(len(items) // 2, len(items))].update(discontinued=True, qty=rng.randint(5, 90))
        return {"items": items}, items
    stock: dict[str, list[dict]] = {}
    skus: list[str] = []
    names: dict[str, str] = {}
    for c in codes:
        rows: list[dict] = []
        target = rng.randint(55, 90) if c == codes[0] else rng.randint(30, 90)
        while len(rows) < target:
            shared = bool(skus) and rng.random() < 0.2  # some SKUs are stocked in several warehouses
            it = new_item()
            if shared:
                it["sku"] = rng.choice(skus)
                it["name"] = names[it["sku"]]
            if any(r["sku"] == it["sku"] for r in rows):
                continue
            if not shared:
                skus.append(it["sku"])
                names[it["sku"]] = it["name"]
            rows.append({k: it[k] for k in KEYS if k != "warehouse"})
        stock[c] = rows
    first = stock[codes[0]]
    first[rng.randrange(50, len(first))].update(discontinued=True, qty=rng.randint(5, 90))
    pages = sum(-(-len(rows) // 50) for rows in stock.values())
    # never more than the pages a 50-per-page client fetches: every client meets the throttle at least once
    data = {"names": [list(w) for w in whs], "stock": stock, "throttle_every": min(rng.choice([3, 4, 5]), pages)}
    return data, [{**r, "warehouse": c} for c in codes for r in stock[c]]


class PaginatedApiExport(kit.KitFamily):
    title = "Write a nightly exporter for a live local HTTP API with undocumented pagination, auth and throttling"
    interactive = True
    levels = kit.Levels(mode=("pages", "cursor", "warehouses"), auth=(False, True, True), warehouses=(3, 4, 5),
                        items=((45, 110), (150, 320), (0, 0)), noise=(0, 0, 1),
                        agent_timeout=(600, 900, 1200), expert_minutes=(10, 20, 30))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        mode = k.mode
        auth = rng.choice(["bearer", "apikey"]) if k.auth else "none"
        svc = rng.choice(["stockd", "inventory-api", "catalog-svc", "partsdb-api"])
        res = rng.choice(["items", "products", "parts", "articles"])
        port = rng.randrange(8100, 9800)
        per_page = rng.choice([20, 25, 30]) if mode == "pages" else rng.choice([10, 20, 25])
        key = "".join(rng.choice("abcdef0123456789") for _ in range(32))
        env = svc.upper().replace("-", "_") + "_DATA"
        snapshot, snap_records = dataset(rng, mode, k.warehouses, k.items)
        # the fresh instance the verifier starts: its own stream, other warehouses, other records
        fresh, fresh_records = dataset(random.Random(rng.getrandbits(64)), mode, k.warehouses, k.items)
        outdir = rng.choice(["/app/export", "/srv/exports", "/opt/reports/stock"])
        export_name = f"{res}.json"
        summary_name = rng.choice(["summary.csv", "warehouse_totals.csv", "stock_value.csv"])
        base = f"http://127.0.0.1:{port}"

        server = self.template("server.py", svc=svc, port=port, mode=mode, auth=auth, key=key, res=res,
                               per_page=per_page, env=env)
        if mode == "pages":
            doc, url = f"`GET /api/{res}` lists the {res}", f"{base}/api/{res}"
        elif mode == "cursor":
            doc, url = f"`GET /api/v2/{res}` lists the {res}", f"{base}/api/v2/{res}"
        else:
            doc = (f"`GET /api/v2/warehouses` lists the warehouses, and `GET /api/v2/warehouses/<code>/{res}` "
                   f"lists the {res} stocked in one warehouse")
            url = f"{base}/api/v2/warehouses"
        creds = ("" if auth == "none" else
                 f" The service needs credentials: our service account is in `/etc/{svc}/client.conf`; work out "
                 "how the API expects them from its responses.")
        by_wh = mode == "warehouses"
        order = "by `warehouse`, then by `sku` (both ascending)" if by_wh else "by `sku` ascending"
        wh_note = (" (a SKU stocked in several warehouses appears once per warehouse; `warehouse` is the code of "
                   "the warehouse whose listing it came from)" if by_wh else "")
        spec = dict(svc=svc, base=base, doc=doc, creds=creds, outdir=outdir, export_name=export_name,
                    summary_name=summary_name, order=order, wh_note=wh_note)

        ticket = rng.randrange(1000, 9999)
        log = [f"2026-11-{d:02d}T02:30:0{rng.randint(1, 9)}Z stock-export: starting\n"
               f"bash: {outdir}/export.sh: No such file or directory\n"
               f"2026-11-{d:02d}T02:30:0{rng.randint(1, 9)}Z stock-export: FAILED (exit 127)\n"
               for d in range(22, 29)]
        files: dict[str, str | bytes] = {
            f"environment/{svc}/server.py": server,
            f"environment/{svc}/snapshot.json": json.dumps(snapshot, separators=(",", ":")) + "\n",
            "environment/entrypoint.sh": self.template("entrypoint", svc=svc),
            "environment/export/README.md": self.template("README.md", **spec),
            "environment/cron/stock-export": (f"# Nightly stock export for finance (ticket OPS-{ticket})\n"
                                              f"30 2 * * * root bash {outdir}/export.sh >>/var/log/stock-export.log 2>&1\n"),
            "environment/logs/stock-export.log": "".join(log),
        }
        if auth != "none":
            files["environment/client.conf"] = (f"# service account for batch exports (ticket OPS-{ticket})\n"
                                                f"user = export-bot\napi_key = {key}\n")
        legacy = ""
        if k.noise:  # a retired exporter, an old partial export and a v1 endpoint that is gone: red herrings
            files["environment/export/legacy/export_v1.sh"] = self.template("export_v1.sh", base=base, res=res,
                                                                            outdir=outdir)
            old = rng.sample(snap_records, 12)
            old = [{**r, "qty": r["qty"] + rng.randint(1, 40)} for r in old]  # stale values
            files[f"environment/export/archive/{res}-2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}.json"] = (
                json.dumps(sorted(old, key=lambda r: r["sku"]), indent=1) + "\n")
            legacy = self.template("legacy.sh", base=base, res=res, outdir=outdir)

        knobs = {n: KNOBS[n] for n in (("first_page_only", "filter", "on_429") if by_wh else
                                       ("first_page_only", "filter"))}
        auth_lines = kit.render(AUTH_LINES[auth], {"svc": svc} if auth != "none" else {}, where="AUTH_LINES")
        fetch = self.template(f"fetch.{mode}.sh", res=res, **keep(*[n for n in knobs if n != "filter"]))
        exporter = self.template("exporter.sh", svc=svc, port=port, outdir=outdir, auth_lines=auth_lines,
                                 fetch=fetch.rstrip("\n"), export_name=export_name, summary_name=summary_name,
                                 sort_key="sort_by([.warehouse, .sku])" if by_wh else "sort_by(.sku)",
                                 **keep("filter"))
        solve = self.template(
            "solve.sh", outdir=outdir, base=base, export_name=export_name, summary_name=summary_name,
            auth_probe=self.template(f"auth.{auth}.sh", url=url, **({"svc": svc} if auth != "none" else {})).rstrip(),
            explore=self.template(f"explore.{mode}.sh", base=base, res=res).rstrip(), legacy=legacy.rstrip(),
            exporter=exporter.rstrip("\n"), order_key='"\\(.warehouse) \\(.sku)"' if by_wh else ".sku")
        wrong = {"first-page-only": "first_page_only", "counts-discontinued": "filter"}
        if by_wh:
            wrong["gives-up-on-429"] = "on_429"
        files |= kit.Solver(solve, knobs, where=f"{self.folder}/data/solve.sh").files({}, wrong)
        files |= self.alt_solutions(base=base, outdir=outdir, mode=mode, auth=auth, res=res, svc=svc,
                                    export_name=export_name, summary_name=summary_name)
        files |= self.verifier(outdir=outdir, export_name=export_name, summary_name=summary_name, svc=svc, env=env)
        files |= kit.expected_file({
            "port": port, "by_warehouse": by_wh, "snapshot_records": snap_records, "fresh_records": fresh_records,
            "fresh_service_data": fresh, "untouched": {f"/opt/{svc}/server.py": kit.sha256(server)}})

        throttle = (" It is known to throttle busy clients; when it does, respect what it tells you and carry on."
                    if by_wh else "")
        instruction = self.instruction(intro=self.intro(rng), throttle=throttle, **spec)
        dockerfile = (f"COPY {svc}/server.py /opt/{svc}/server.py\n"
                      f"COPY {svc}/snapshot.json /var/lib/{svc}/snapshot.json\n"
                      "COPY entrypoint.sh /usr/local/bin/service-entrypoint\n"
                      + (f"COPY client.conf /etc/{svc}/client.conf\n" if auth != "none" else "") +
                      f"COPY export/ {outdir}/\n"
                      "COPY cron/stock-export /etc/cron.d/stock-export\n"
                      "COPY logs/stock-export.log /var/log/stock-export.log\n"
                      f"RUN chmod 755 /usr/local/bin/service-entrypoint && mkdir -p /var/log/{svc}\n"
                      "ENTRYPOINT [\"/usr/local/bin/service-entrypoint\"]\n"
                      "WORKDIR /app\n")
        outputs = [f"{outdir}/{export_name}", f"{outdir}/{summary_name}", f"{outdir}/export.sh"]
        return kit.draft(
            instruction=instruction, dockerfile_body=dockerfile, files=files, artifacts=[outdir], outputs=outputs,
            tags=["http", "curl", "jq", "pagination", "api"], agent_timeout_sec=k.agent_timeout,
            verifier_timeout_sec=300, expert_minutes=k.expert_minutes)
