#!/bin/bash
# Alternative: Python's csv and sqlite3 modules: each value converted by its column's declared type while it is
# inserted (empty field -> None), invoice amounts totalled in Python, answers written with the csv module.
set -euo pipefail
python3 - <<'PY'
import configparser, csv, os, re, sqlite3
from collections import defaultdict

cfg = configparser.ConfigParser()
cfg.read("/app/reporting.conf")
src, db, ans = cfg["exports"]["exports_dir"], cfg["database"]["path"], cfg["answers"]["answers_dir"]
doc = open(cfg["database"]["schema"]).read()
ddl = re.search(r"```sql\n(.*?)```", doc, re.S).group(1)
os.makedirs(os.path.dirname(db), exist_ok=True)
os.makedirs(ans, exist_ok=True)
if os.path.exists(db):
    os.remove(db)
con = sqlite3.connect(db)
con.executescript(ddl)
conv = {"INTEGER": int, "REAL": float, "TEXT": str}
tables = {}
for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
    cols = con.execute(f"PRAGMA table_info({table})").fetchall()
    with open(os.path.join(src, table + ".csv"), newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    typed = [[None if v == "" else conv[c[2].split()[0]](v) for v, c in zip(r, cols)] for r in rows]
    con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})", typed)
    tables[table] = [dict(zip([c[1] for c in cols], r)) for r in typed]
con.commit()
con.close()

customers = {c["customer_id"]: c for c in tables["@@customers@@"]}
invoices = tables["@@invoices@@"]
if "@@lines@@" in tables:
    amt = defaultdict(float)
    for line in tables["@@lines@@"]:
        amt[line["invoice_id"]] += line["qty"] * line["unit_price"]
    for inv in invoices:
        inv["amount"] = amt.get(inv["invoice_id"], 0.0)
live = [i for i in invoices if i["status"] != "void"]
money = lambda x: f"{x:.2f}"  # noqa: E731


def write(name, header, rows):
    if name != "-":
        with open(os.path.join(ans, name), "w", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows([header, *rows])


def group(invs, key):
    g = defaultdict(lambda: [0, 0.0])
    for i in invs:
        g[key(i)][0] += 1
        g[key(i)][1] += i["amount"]
    return g


g = group(live, lambda i: customers[i["customer_id"]]["country"] or "unknown")
write("@@f_revenue_by_country@@", ["country", "invoices", "total"],
      [[k, n, money(t)] for k, (n, t) in sorted(g.items(), key=lambda kv: (-round(kv[1][1], 2), kv[0]))])
g = group([i for i in invoices if i["status"] == "paid" and i["issued_on"][:4] == "@@year@@"],
          lambda i: i["customer_id"])
top = sorted(g, key=lambda c: (-round(g[c][1], 2), c))[:@@top@@]
write("@@f_top_customers@@", ["customer_id", "name", "total"], [[c, customers[c]["name"], money(g[c][1])] for c in top])
used = {i["customer_id"] for i in invoices}
write("@@f_no_invoices@@", ["customer_id", "name"], [[c, customers[c]["name"]] for c in sorted(customers) if c not in used])
g = group([i for i in live if i["issued_on"][:4] == "@@year@@"], lambda i: i["issued_on"][:7])
write("@@f_monthly@@", ["month", "invoices", "total"], [[m, n, money(t)] for m, (n, t) in sorted(g.items())])
g = group([i for i in invoices if i["status"] == "open" and customers[i["customer_id"]]["email"] is None],
          lambda i: i["customer_id"])
write("@@f_missing_email_open@@", ["customer_id", "name", "open_total"],
      [[c, customers[c]["name"], money(g[c][1])] for c in sorted(g, key=lambda c: (-round(g[c][1], 2), c))])
late = sorted((i for i in invoices if i["status"] == "open" and i["issued_on"] < "@@cutoff@@"),
              key=lambda i: (i["issued_on"], i["invoice_id"]))
write("@@f_overdue@@", ["invoice_id", "customer_id", "issued_on", "amount"],
      [[i["invoice_id"], i["customer_id"], i["issued_on"], money(i["amount"])] for i in late])
PY
/app/check_reports.sh
