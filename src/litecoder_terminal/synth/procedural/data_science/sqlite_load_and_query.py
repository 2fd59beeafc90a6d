"""Load CRM CSV exports into a typed SQLite database (empty fields as NULL) and answer questions with SQL into
CSV files; at hard the invoice amounts live in a line-items table."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
import re
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

FIRST = ["Alice", "Bruno", "Carmen", "Dev", "Eva", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca",
         "Maya", "Nils", "Olga", "Pavel", "Rosa", "Sami", "Tess", "Viktor", "Wendy", "Yara"]
LAST = ["Abbott", "Brandt", "Chen", "Diaz", "Evans", "Frost", "Gupta", "Hale", "Iversen", "Jovanovic", "Klein",
        "Lopez", "Meyer", "Nakamura", "O'Neil", "Price", "Quist", "Ramos", "Schmidt", "Turner", "Varga", "Wolff"]
COUNTRIES = ["AT", "BE", "CH", "DE", "DK", "ES", "FR", "IE", "IT", "NL", "NO", "PL", "PT", "SE", "UK", "US"]
PRODUCTS = ["consulting hour", "license seat", "support plan", "training day", "hosting month", "setup fee",
            "storage TB", "api package"]

SCHEMA = {
    "customers": [("customer_id", "INTEGER PRIMARY KEY"), ("name", "TEXT"), ("email", "TEXT"), ("country", "TEXT"),
                  ("signup_date", "TEXT")],
    "invoices": [("invoice_id", "INTEGER PRIMARY KEY"), ("customer_id", "INTEGER"), ("issued_on", "TEXT"),
                 ("status", "TEXT"), ("amount", "REAL")],
    "invoice_lines": [("invoice_id", "INTEGER"), ("line_no", "INTEGER"), ("product", "TEXT"), ("qty", "INTEGER"),
                      ("unit_price", "REAL")],
}


def _m(c: int) -> str:
    return f"{c // 100}.{c % 100:02d}"


@register
class SqliteLoadAndQuery(TaskFamily):
    name = "sqlite_load_and_query"
    domain = "data_science"
    title = "Load CSV exports into a typed SQLite database and answer questions with SQL"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        medium_up = level != "easy"
        hard = level == "hard"
        in_dir = pick(rng, ["/data/crm", "/srv/billing/export", "/data/finance/crm_dump", "/opt/crm/export"])
        db = pick(rng, ["/app/crm.db", "/app/data/billing.sqlite", "/app/warehouse.db", "/srv/app/crm.sqlite3"])
        ans_dir = pick(rng, ["/app/answers", "/app/out/queries", "/app/results"])
        year = rng.randint(2021, 2024)

        # ---- data -----------------------------------------------------------------------------------------
        n_cust = {"easy": rng.randint(20, 35), "medium": rng.randint(35, 70), "hard": rng.randint(50, 90)}[level]
        countries = sorted(rng.sample(COUNTRIES, rng.randint(4, 7)))
        customers = []
        cid = rng.randint(100, 900)
        for k in range(n_cust):
            cid += rng.randint(1, 5)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first} {last}"
            if medium_up and rng.random() < 0.15:
                name = f"{last}, {first}" + rng.choice(["", " Jr.", " (billing)"])
            email = f"{first.lower()}.{last.lower().replace(chr(39), '')}{rng.randint(1, 99)}@example.com"
            if medium_up and (k == 1 or rng.random() < 0.12):
                email = None
            country = rng.choice(countries)
            if medium_up and (k == 2 or rng.random() < 0.06):
                country = None
            signup = dt.date(year - rng.randint(1, 3), rng.randint(1, 12), rng.randint(1, 28))
            customers.append({"id": cid, "name": name, "email": email, "country": country, "signup": signup})
        active = rng.sample(customers, max(3, int(n_cust * rng.uniform(0.7, 0.85))))
        n_inv = {"easy": rng.randint(80, 140), "medium": rng.randint(150, 260), "hard": rng.randint(200, 320)}[level]
        invoices, lines = [], []
        iid = rng.randint(20000, 50000)
        for k in range(n_inv):
            iid += rng.randint(1, 3)
            c = rng.choice(active)
            issued = dt.date(year - 1, 1, 1) + dt.timedelta(days=rng.randint(0, 729))
            status = rng.choice(["paid"] * 6 + ["open"] * 3 + ["void"])
            inv = {"id": iid, "cust": c["id"], "issued": issued, "status": status}
            if hard:
                amount = 0
                n_lines = rng.choice([0] + [1] * 3 + [2] * 4 + [3] * 3 + [4] * 2) if k > 3 else 2
                for ln in range(1, n_lines + 1):
                    qty, price = rng.randint(1, 20), rng.randint(500, 45000)
                    lines.append({"inv": iid, "no": ln, "product": rng.choice(PRODUCTS), "qty": qty, "price": price})
                    amount += qty * price
            else:
                amount = rng.randint(1500, 950000)
            inv["amount"] = amount
            invoices.append(inv)
        # an open invoice for the e-mail-less customer, and a void one somewhere
        invoices[0].update(cust=customers[1]["id"], status="open")
        invoices[2].update(cust=customers[1]["id"], status="paid")
        invoices[1].update(status="void", issued=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)))
        if invoices[1]["amount"] == 0:
            invoices[1]["amount"] = 1  # never happens at hard (k <= 3 has two lines)

        cust_by_id = {c["id"]: c for c in customers}

        # ---- questions ---------------------------------------------------------------------------------------
        top_n = rng.randint(3, 6)
        cutoff = dt.date(year, rng.randint(2, 11), 1)
        pool = ["revenue_by_country", "top_customers", "no_invoices", "monthly", "overdue"]
        if level == "easy":
            qs = ["revenue_by_country"] + rng.sample(["top_customers", "monthly", "overdue"], 1)
        elif level == "medium":
            qs = ["missing_email_open"] + rng.sample(pool, 2)
        else:
            qs = ["revenue_by_country", "missing_email_open"] + rng.sample([q for q in pool if q != "revenue_by_country"], 2)
        order = ["revenue_by_country", "top_customers", "no_invoices", "monthly", "missing_email_open", "overdue"]
        qs = [q for q in order if q in qs]
        fname = {"revenue_by_country": pick(rng, ["revenue_by_country.csv", "country_totals.csv"]),
                 "top_customers": pick(rng, [f"top_customers_{year}.csv", "top_payers.csv"]),
                 "no_invoices": pick(rng, ["never_invoiced.csv", "customers_without_invoices.csv"]),
                 "monthly": pick(rng, [f"monthly_{year}.csv", "monthly_totals.csv"]),
                 "missing_email_open": pick(rng, ["chase_by_phone.csv", "open_without_email.csv"]),
                 "overdue": pick(rng, ["overdue.csv", f"open_before_{cutoff.isoformat()}.csv"])}
        text = {
            "revenue_by_country": "header `country,invoices,total`: over invoices whose status is not `void`, the "
                                  "number of invoices and the sum of their amounts per customer country (a customer "
                                  "without a country counts as `unknown`); sorted by total descending, then "
                                  "country ascending.",
            "top_customers": f"header `customer_id,name,total`: the {top_n} customers with the largest sum of `paid` "
                             f"invoice amounts issued in {year}; sorted by total descending, then customer_id "
                             "ascending.",
            "no_invoices": "header `customer_id,name`: customers without any invoice (of any status), sorted by "
                           "customer_id.",
            "monthly": f"header `month,invoices,total`: for each month `YYYY-MM` of {year} that has any invoice "
                       "that is not `void`, the number of such invoices and their total amount; sorted by month.",
            "missing_email_open": "header `customer_id,name,open_total`: customers with no e-mail address who have "
                                  "at least one `open` invoice, with the sum of their open invoices; sorted by "
                                  "open_total descending, then customer_id ascending.",
            "overdue": f"header `invoice_id,customer_id,issued_on,amount`: every `open` invoice issued before "
                       f"{cutoff.isoformat()}, sorted by issued_on, then invoice_id.",
        }
        headers = {q: text[q].split("`")[1].split(",") for q in qs}

        def country(c):
            return c["country"] or "unknown"

        exp: dict[str, list[list]] = {}
        live = [i for i in invoices if i["status"] != "void"]
        for q in qs:
            if q == "revenue_by_country":
                g: dict[str, list[int]] = {}
                for i in live:
                    e = g.setdefault(country(cust_by_id[i["cust"]]), [0, 0])
                    e[0] += 1
                    e[1] += i["amount"]
                exp[q] = [[k, v[0], _m(v[1])] for k, v in sorted(g.items(), key=lambda kv: (-kv[1][1], kv[0]))]
            elif q == "top_customers":
                g2: dict[int, int] = {}
                for i in invoices:
                    if i["status"] == "paid" and i["issued"].year == year:
                        g2[i["cust"]] = g2.get(i["cust"], 0) + i["amount"]
                top = sorted(g2, key=lambda c: (-g2[c], c))[:top_n]
                exp[q] = [[c, cust_by_id[c]["name"], _m(g2[c])] for c in top]
            elif q == "no_invoices":
                used = {i["cust"] for i in invoices}
                exp[q] = [[c["id"], c["name"]] for c in customers if c["id"] not in used]
            elif q == "monthly":
                g3: dict[str, list[int]] = {}
                for i in live:
                    if i["issued"].year == year:
                        e = g3.setdefault(i["issued"].isoformat()[:7], [0, 0])
                        e[0] += 1
                        e[1] += i["amount"]
                exp[q] = [[k, v[0], _m(v[1])] for k, v in sorted(g3.items())]
            elif q == "missing_email_open":
                g4: dict[int, int] = {}
                for i in invoices:
                    if i["status"] == "open" and cust_by_id[i["cust"]]["email"] is None:
                        g4[i["cust"]] = g4.get(i["cust"], 0) + i["amount"]
                exp[q] = [[c, cust_by_id[c]["name"], _m(g4[c])] for c in sorted(g4, key=lambda c: (-g4[c], c))]
            elif q == "overdue":
                rows = [i for i in invoices if i["status"] == "open" and i["issued"] < cutoff]
                exp[q] = [[i["id"], i["cust"], i["issued"].isoformat(), _m(i["amount"])]
                          for i in sorted(rows, key=lambda i: (i["issued"], i["id"]))]

        # ---- files -----------------------------------------------------------------------------------------
        files: dict[str, str | bytes] = {}
        tables = {"customers": [[c["id"], c["name"], c["email"], c["country"], c["signup"].isoformat()]
                                for c in customers],
                  "invoices": [[i["id"], i["cust"], i["issued"].isoformat(), i["status"]]
                               + ([] if hard else [_m(i["amount"])]) for i in invoices]}
        if hard:
            tables["invoice_lines"] = [[ln["inv"], ln["no"], ln["product"], ln["qty"], _m(ln["price"])] for ln in lines]
        tname = dict(zip(["customers", "invoices", "invoice_lines"], pick(rng, [
            "customers,invoices,invoice_lines", "clients,bills,bill_lines", "accounts,invoices,line_items",
            "customers,invoices,invoice_items"]).split(",")))
        tables = {tname[t]: rows for t, rows in tables.items()}
        schema = {tname[t]: SCHEMA[t] if not (hard and t == "invoices") else SCHEMA[t][:-1]
                  for t in ["customers", "invoices", "invoice_lines"] if tname[t] in tables}
        digests = {}
        for t, rows in tables.items():
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow([c for c, _ in schema[t]])
            for r in rows:
                w.writerow(["" if v is None else v for v in r])
            files[f"environment/data/{t}.csv"] = buf.getvalue()
            digests[f"{in_dir}/{t}.csv"] = hashlib.sha256(buf.getvalue().encode()).hexdigest()
        params = {"db": db, "in_dir": in_dir, "schema": {t: [[c, ty.split()[0]] for c, ty in cols]
                                                          for t, cols in schema.items()},
                  "answers": {q: {"path": f"{ans_dir}/{fname[q]}", "header": headers[q], "rows": exp[q]} for q in qs},
                  "digests": digests}
        files["tests/params.json"] = json.dumps(params, indent=1)
        files["tests/test_outputs.py"] = TEST_PY

        # ---- instruction -------------------------------------------------------------------------------------
        intro = pick(rng, [
            "Accounting wants the CRM export in a proper SQLite database so they can run ad-hoc SQL on it.",
            "We are retiring the spreadsheet workflow: load the billing exports into SQLite and answer the open "
            "questions from the tickets with SQL.",
            "The CRM vendor only gives us CSV dumps. Put them into an SQLite database and pull a few numbers.",
            "Collections needs a few lists and totals, and they want a database they can query themselves next "
            "time.",
            "Set up a small SQLite copy of the billing data and use it to answer this week's finance questions.",
        ])
        ddl = "\n".join(f"{t}({', '.join(f'{c} {ty}' for c, ty in cols)})" for t, cols in schema.items())
        counts = ", ".join(f"`{t}.csv` ({len(rows)} rows)" for t, rows in tables.items())
        lines_ = [intro, "", pick(rng, [
            f"The exports are in `{in_dir}/` ({', '.join(f'`{t}.csv`' for t in tables)}), comma-separated with a "
            "header row; text fields containing commas are double-quoted.",
            f"In `{in_dir}/` you will find {counts}: standard CSV with a header line and double quotes around "
            "fields that contain commas.",
        ]), "",
            pick(rng, [f"1. Create the SQLite database `{db}` with exactly these tables and columns (names and "
                       "declared types):",
                       f"1. Build `{db}` (SQLite) with precisely this schema, same table names, column names, order "
                       "and declared types:"]), "", "```", ddl, "```", "",
            pick(rng, ["   Load every row of each CSV into its table. Numbers must be stored as numbers (not text), "
                       "and every empty field must be stored as SQL `NULL`",
                       "   Import all rows. Integer and real columns must hold numeric values, not strings, and an "
                       "empty CSV field has to become a real SQL `NULL`"])
            + (" (some customers have no e-mail or no country)." if medium_up else ".")]
        if hard:
            lines_ += ["", f"   An invoice's amount is the sum of `qty * unit_price` over its lines in "
                       f"`{tname['invoice_lines']}`; an invoice without lines (a draft) has amount 0 but is still an "
                       "invoice."]
        lines_ += ["", pick(rng, [
            f"2. Answer the following with queries against the database, each written to a CSV file in `{ans_dir}/` "
            "with a header row; money amounts with exactly two decimals:",
            f"2. Then run SQL against that database for each question below and save the result as CSV (with "
            f"header) in `{ans_dir}/`; print money with exactly two decimals:",
        ]), ""]
        for q in qs:
            lines_.append(f"   - `{fname[q]}`: {text[q]}")
        lines_ += ["", pick(rng, [f"Leave the CSV exports in `{in_dir}` unchanged.",
                                  "Do not modify the CSV exports.", f"`{in_dir}` is read-only."])]
        instruction = "\n".join(lines_)

        ctx = dict(in_dir=in_dir, db=db, ans=ans_dir, year=year, top=top_n, cutoff=cutoff.isoformat(), hard=hard,
                   medium_up=medium_up, qs=qs, fname=fname, schema=schema)
        def solve(**kw) -> str:
            return re.sub(r"\bTBL_(customers|invoices|invoice_lines)\b", lambda m: tname[m.group(1)],
                          _solve(ctx, **kw))
        files["solution/solve.sh"] = solve()
        files["solution/wrong/untyped-import.sh"] = solve(typed=False)
        files["solution/wrong/ignores-status.sh"] = solve(void=True)
        if medium_up:
            files["solution/wrong/empty-strings-not-null.sh"] = solve(nulls=False)
        if hard:
            files["solution/wrong/join-fanout-count.sh"] = solve(fanout=True)
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY data/ {in_dir}/\nWORKDIR /app\n", files=files,
            tags=["sqlite", "sql", "csv"], agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1800}[level],
            # the database (with a write-ahead log it may have left), the answers, the exports (checked untouched)
            artifacts=[db, f"{db}-wal", ans_dir, in_dir],
            expert_minutes={"easy": 12, "medium": 25, "hard": 35}[level],
        )


def _solve(ctx: dict, *, typed: bool = True, void: bool = False, nulls: bool = True, fanout: bool = False) -> str:
    y, live = ctx["year"], ("1=1" if void else "i.status <> 'void'")
    amount = "amount" if not ctx["hard"] else \
        "COALESCE((SELECT SUM(l.qty * l.unit_price) FROM TBL_invoice_lines l WHERE l.invoice_id = i0.invoice_id), 0)"
    inv = f"(SELECT i0.*, {amount} AS amt FROM TBL_invoices i0)" if ctx["hard"] else \
        "(SELECT i0.*, i0.amount AS amt FROM TBL_invoices i0)"
    sql = {
        "revenue_by_country": f"""SELECT COALESCE(c.country, 'unknown') AS country, COUNT(*) AS invoices,
  printf('%.2f', SUM(i.amt)) AS total FROM {inv} i JOIN TBL_customers c USING (customer_id)
  WHERE {live} GROUP BY 1 ORDER BY ROUND(SUM(i.amt), 2) DESC, country;""",
        "top_customers": f"""SELECT c.customer_id, c.name, printf('%.2f', SUM(i.amt)) AS total
  FROM {inv} i JOIN TBL_customers c USING (customer_id)
  WHERE {'1=1' if void else "i.status = 'paid'"} AND substr(i.issued_on, 1, 4) = '{y}'
  GROUP BY c.customer_id ORDER BY ROUND(SUM(i.amt), 2) DESC, c.customer_id LIMIT {ctx['top']};""",
        "no_invoices": """SELECT c.customer_id, c.name FROM TBL_customers c
  WHERE NOT EXISTS (SELECT 1 FROM TBL_invoices i WHERE i.customer_id = c.customer_id) ORDER BY c.customer_id;""",
        "monthly": f"""SELECT substr(i.issued_on, 1, 7) AS month, COUNT(*) AS invoices, printf('%.2f', SUM(i.amt)) AS total
  FROM {inv} i WHERE {live} AND substr(i.issued_on, 1, 4) = '{y}' GROUP BY 1 ORDER BY 1;""",
        "missing_email_open": f"""SELECT c.customer_id, c.name, printf('%.2f', SUM(i.amt)) AS open_total
  FROM {inv} i JOIN TBL_customers c USING (customer_id)
  WHERE c.email IS NULL AND {'1=1' if void else "i.status = 'open'"}
  GROUP BY c.customer_id ORDER BY ROUND(SUM(i.amt), 2) DESC, c.customer_id;""",
        "overdue": f"""SELECT i.invoice_id, i.customer_id, i.issued_on, printf('%.2f', i.amt) AS amount FROM {inv} i
  WHERE {'1=1' if void else "i.status = 'open'"} AND i.issued_on < '{ctx['cutoff']}' ORDER BY i.issued_on, i.invoice_id;""",
    }
    if fanout:
        sql["revenue_by_country"] = f"""SELECT COALESCE(c.country, 'unknown') AS country, COUNT(*) AS invoices,
  printf('%.2f', SUM(l.qty * l.unit_price)) AS total FROM TBL_invoices i JOIN TBL_invoice_lines l USING (invoice_id)
  JOIN TBL_customers c USING (customer_id) WHERE {live} GROUP BY 1 ORDER BY ROUND(SUM(l.qty * l.unit_price), 2) DESC, country;"""
    out = ["#!/bin/bash", "set -euo pipefail", f"mkdir -p \"$(dirname {ctx['db']})\" {ctx['ans']}",
           f"rm -f {ctx['db']}", f"head -n 3 {ctx['in_dir']}/*.csv"]
    if typed:
        ddl = "\n".join(f"CREATE TABLE {t} ({', '.join(f'{c} {ty}' for c, ty in cols)});"
                        for t, cols in ctx["schema"].items())
        out += [f"sqlite3 {ctx['db']} <<'SQL'", ddl, "SQL"]
        skip = "--skip 1 "
    else:
        skip = ""
    for t in ctx["schema"]:
        out.append(f"sqlite3 {ctx['db']} \".import --csv {skip}{ctx['in_dir']}/{t}.csv {t}\"")
    if nulls:
        for t, cols in ctx["schema"].items():
            sets = "; ".join(f"UPDATE {t} SET {c} = NULL WHERE {c} = ''" for c, ty in cols
                             if "PRIMARY" not in ty)
            out.append(f"sqlite3 {ctx['db']} \"{sets};\"")
    for t in ctx["schema"]:
        out.append(f"sqlite3 {ctx['db']} \"SELECT '{t}', COUNT(*) FROM {t};\"")
    for q in ctx["qs"]:
        out += [f"sqlite3 -header -csv {ctx['db']} > {ctx['ans']}/{ctx['fname'][q]} <<'SQL'", sql[q], "SQL"]
    out.append(f"wc -l {ctx['ans']}/*.csv")
    return "\n".join(out) + "\n"


TEST_PY = textwrap.dedent(r'''
    """Check the database contents against the CSV exports and every answer against the generator's ground truth."""

    import csv
    import hashlib
    import json
    import sqlite3
    from pathlib import Path

    P = json.loads(Path(__file__).with_name("params.json").read_text())
    KIND = {"INTEGER": ("integer",), "REAL": ("real", "integer"), "TEXT": ("text",)}


    def connect():
        assert Path(P["db"]).is_file(), f"{P['db']} does not exist"
        return sqlite3.connect(f"file:{P['db']}?mode=ro", uri=True)


    def test_inputs_untouched():
        for path, digest in P["digests"].items():
            assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest, f"{path} was modified"


    def test_schema():
        con = connect()
        for table, cols in P["schema"].items():
            info = con.execute(f"PRAGMA table_info({table})").fetchall()
            assert info, f"table {table} is missing"
            got = [(r[1], r[2].upper().split()[0] if r[2] else "") for r in info]
            assert got == [tuple(c) for c in cols], f"{table}: columns {got} != {cols}"


    def test_values_typed_and_nulls():
        con = connect()
        for table, cols in P["schema"].items():
            with open(f"{P['in_dir']}/{table}.csv", newline="") as fh:
                src = list(csv.reader(fh))[1:]
            names = ", ".join(c for c, _ in cols)
            got = con.execute(f"SELECT {names} FROM {table}").fetchall()
            assert len(got) == len(src), f"{table}: {len(got)} rows, expected {len(src)}"
            key = lambda r: tuple(str(v) for v in r[:2])  # noqa: E731
            got_by = {key(r): r for r in got}
            for s in src:
                g = got_by.get(key([int(s[0]), int(s[1]) if cols[1][1] == "INTEGER" else s[1]]))
                assert g is not None, f"{table}: row {s[:2]} missing"
                for (col, ty), want, have in zip(cols, s, g):
                    if want == "":
                        assert have is None, f"{table}.{col} for {s[:2]}: empty field must be NULL, got {have!r}"
                    elif ty == "INTEGER":
                        assert isinstance(have, int) and have == int(want), f"{table}.{col}: {have!r} != {want}"
                    elif ty == "REAL":
                        assert isinstance(have, (int, float)) and abs(have - float(want)) < 1e-9, \
                            f"{table}.{col}: {have!r} != {want}"
                    else:
                        assert have == want, f"{table}.{col}: {have!r} != {want!r}"


    def _make(q, spec):
        def check():
            with open(spec["path"], newline="") as fh:
                got = [r for r in csv.reader(fh) if r]
            assert got, f"{spec['path']} is empty"
            assert [c.strip() for c in got[0]] == spec["header"], f"header {got[0]} != {spec['header']}"
            rows = got[1:]
            assert len(rows) == len(spec["rows"]), f"{len(rows)} rows, expected {len(spec['rows'])}"
            for i, (g, e) in enumerate(zip(rows, spec["rows"])):
                assert len(g) == len(e), f"row {i + 1}: {g}"
                for col, have, want in zip(spec["header"], g, e):
                    if col in ("total", "open_total", "amount"):
                        assert len(have.split(".")[-1]) == 2 and abs(float(have) - float(want)) < 0.006, \
                            f"row {i + 1} {col}: {have} != {want}"
                    else:
                        assert have.strip() == str(want), f"row {i + 1} {col}: {have!r} != {want!r}"
        check.__name__ = f"test_answer_{q}"
        return check


    for _q, _spec in P["answers"].items():
        globals()[f"test_answer_{_q}"] = _make(_q, _spec)
''').lstrip()
