"""Load CRM CSV exports into a typed SQLite database (empty fields as NULL) and answer finance tickets with SQL into
CSV files; at hard the invoice amounts live in a line-items table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from litecoder_terminal.synth.procedural import kit

FIRST = ["Alice", "Bruno", "Carmen", "Dev", "Eva", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca",
         "Maya", "Nils", "Olga", "Pavel", "Rosa", "Sami", "Tess", "Viktor", "Wendy", "Yara"]
LAST = ["Abbott", "Brandt", "Chen", "Diaz", "Evans", "Frost", "Gupta", "Hale", "Iversen", "Jovanovic", "Klein",
        "Lopez", "Meyer", "Nakamura", "O'Neil", "Price", "Quist", "Ramos", "Schmidt", "Turner", "Varga", "Wolff"]
COUNTRIES = ["AT", "BE", "CH", "DE", "DK", "ES", "FR", "IE", "IT", "NL", "NO", "PL", "PT", "SE", "UK", "US"]
PRODUCTS = ["consulting hour", "license seat", "support plan", "training day", "hosting month", "setup fee",
            "storage TB", "api package"]
PEOPLE = ["controlling", "collections", "the CFO's office", "accounts receivable", "sales ops"]
SCHEMA = {
    "customers": [("customer_id", "INTEGER PRIMARY KEY"), ("name", "TEXT"), ("email", "TEXT"), ("country", "TEXT"),
                  ("signup_date", "TEXT")],
    "invoices": [("invoice_id", "INTEGER PRIMARY KEY"), ("customer_id", "INTEGER"), ("issued_on", "TEXT"),
                 ("status", "TEXT"), ("amount", "REAL")],
    "lines": [("invoice_id", "INTEGER"), ("line_no", "INTEGER"), ("product", "TEXT"), ("qty", "INTEGER"),
              ("unit_price", "REAL")],
}
TABLE_NAMES = [("customers", "invoices", "invoice_lines"), ("clients", "bills", "bill_lines"),
               ("accounts", "invoices", "line_items"), ("customers", "invoices", "invoice_items")]
QUESTIONS = ["revenue_by_country", "top_customers", "no_invoices", "monthly", "missing_email_open", "overdue"]
SUBJECTS = {"revenue_by_country": "revenue per country", "top_customers": "top paying customers",
            "no_invoices": "customers never invoiced", "monthly": "monthly invoice totals",
            "missing_email_open": "open invoices of customers without e-mail", "overdue": "old open invoices"}

KNOBS = {  # each known-wrong solution is the reference with one of these flipped
    "typed": kit.Knob("cat /tmp/schema.sql", "sed -E 's/ (INTEGER|REAL|TEXT)//' /tmp/schema.sql",
                      "creates the tables without declared types, so every value stays text"),
    "live": kit.Knob("i.status <> 'void'", "1=1", "counts void invoices in the totals"),
    "nulls": kit.Knob("""sqlite3 "$db" "UPDATE $t SET $c = NULL WHERE $c = ''\"""", """echo "keeping '' in $t.$c\"""",
                      "keeps empty fields as empty strings instead of NULL"),
    "join": kit.Knob("LEFT JOIN", "JOIN", "an inner join to the line items drops the draft invoices without lines"),
}


def _m(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class SqliteLoadAndQuery(kit.KitFamily):
    title = "Load CSV exports into a typed SQLite database and answer questions with SQL"
    levels = kit.Levels(customers=((20, 35), (35, 70), (50, 90)), invoices=((80, 140), (150, 260), (200, 320)),
                        messy=(False, True, True), lines=(False, False, True), questions=(2, 3, 4),
                        agent_timeout=(600, 1200, 1800), expert_minutes=(12, 25, 35))

    def _data(self, rng: random.Random, year: int):
        k = self.knobs
        countries = sorted(rng.sample(COUNTRIES, rng.randint(4, 7)))
        customers = []
        cid = rng.randint(100, 900)
        for n in range(rng.randint(*k.customers)):
            cid += rng.randint(1, 5)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first} {last}"
            if k.messy and rng.random() < 0.15:
                name = f"{last}, {first}" + rng.choice(["", " Jr.", " (billing)"])
            email = f"{first.lower()}.{last.lower().replace(chr(39), '')}{rng.randint(1, 99)}@example.com"
            if k.messy and (n == 1 or rng.random() < 0.12):
                email = None
            country = rng.choice(countries)
            if k.messy and (n == 2 or rng.random() < 0.06):
                country = None
            signup = dt.date(year - rng.randint(1, 3), rng.randint(1, 12), rng.randint(1, 28))
            customers.append({"id": cid, "name": name, "email": email, "country": country, "signup": signup})
        active = rng.sample(customers, max(3, int(len(customers) * rng.uniform(0.7, 0.85))))
        invoices, lines = [], []
        iid = rng.randint(20000, 50000)
        for n in range(rng.randint(*k.invoices)):
            iid += rng.randint(1, 3)
            inv = {"id": iid, "cust": rng.choice(active)["id"],
                   "issued": dt.date(year - 1, 1, 1) + dt.timedelta(days=rng.randint(0, 729)),
                   "status": rng.choice(["paid"] * 6 + ["open"] * 3 + ["void"])}
            if k.lines:
                amount = 0
                n_lines = 2 if n <= 3 else 0 if n == 5 else rng.choice([0] + [1] * 3 + [2] * 4 + [3] * 3 + [4] * 2)
                for ln in range(1, n_lines + 1):
                    qty, price = rng.randint(1, 20), rng.randint(500, 45000)
                    lines.append({"inv": iid, "no": ln, "product": rng.choice(PRODUCTS), "qty": qty, "price": price})
                    amount += qty * price
            else:
                amount = rng.randint(1500, 950000)
            inv["amount"] = amount
            invoices.append(inv)
        # an open and a paid invoice for the customer without e-mail, a void one in the asked year, and (with line
        # items) a paid draft without lines: each known mistake goes wrong on every instance
        invoices[0].update(cust=customers[1]["id"], status="open")
        invoices[2].update(cust=customers[1]["id"], status="paid")
        invoices[1].update(status="void", issued=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)))
        if k.lines:
            invoices[5].update(status="paid", issued=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)))
        return customers, invoices, lines

    @staticmethod
    def _answers(qs, customers, invoices, year, top_n, cutoff):
        by_id = {c["id"]: c for c in customers}
        live = [i for i in invoices if i["status"] != "void"]
        out: dict[str, list[list]] = {}

        def totals(invs, key):
            g: dict = {}
            for i in invs:
                e = g.setdefault(key(i), [0, 0])
                e[0] += 1
                e[1] += i["amount"]
            return g

        for q in qs:
            if q == "revenue_by_country":
                g = totals(live, lambda i: by_id[i["cust"]]["country"] or "unknown")
                out[q] = [[c, n, _m(t)] for c, (n, t) in sorted(g.items(), key=lambda kv: (-kv[1][1], kv[0]))]
            elif q == "top_customers":
                g = totals([i for i in invoices if i["status"] == "paid" and i["issued"].year == year],
                           lambda i: i["cust"])
                out[q] = [[c, by_id[c]["name"], _m(g[c][1])] for c in sorted(g, key=lambda c: (-g[c][1], c))[:top_n]]
            elif q == "no_invoices":
                used = {i["cust"] for i in invoices}
                out[q] = [[c["id"], c["name"]] for c in customers if c["id"] not in used]
            elif q == "monthly":
                g = totals([i for i in live if i["issued"].year == year], lambda i: i["issued"].isoformat()[:7])
                out[q] = [[m, n, _m(t)] for m, (n, t) in sorted(g.items())]
            elif q == "missing_email_open":
                g = totals([i for i in invoices if i["status"] == "open" and by_id[i["cust"]]["email"] is None],
                           lambda i: i["cust"])
                out[q] = [[c, by_id[c]["name"], _m(g[c][1])] for c in sorted(g, key=lambda c: (-g[c][1], c))]
            else:  # overdue
                rows = sorted((i for i in invoices if i["status"] == "open" and i["issued"] < cutoff),
                              key=lambda i: (i["issued"], i["id"]))
                out[q] = [[i["id"], i["cust"], i["issued"].isoformat(), _m(i["amount"])] for i in rows]
        return out

    def _questions(self, rng: random.Random) -> list[str]:
        """Always one question over non-void invoices (revenue or monthly); the one about missing e-mails whenever
        the data has empty fields; the rest drawn."""
        k = self.knobs
        qs = [rng.choice(["revenue_by_country", "monthly"]) if k.messy and not k.lines else "revenue_by_country"]
        if k.messy:
            qs.append("missing_email_open")
        rest = [q for q in ["top_customers", "no_invoices", "monthly", "overdue"] if q not in qs]
        qs += rng.sample(rest, k.questions - len(qs))
        return [q for q in QUESTIONS if q in qs]

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        in_dir = rng.choice(["/data/crm", "/srv/billing/export", "/data/finance/crm_dump", "/opt/crm/export"])
        db = rng.choice(["/app/crm.db", "/app/data/billing.sqlite", "/app/warehouse.db", "/srv/app/crm.sqlite3"])
        ans_dir = rng.choice(["/app/answers", "/app/out/queries", "/app/results"])
        year = rng.randint(2021, 2024)
        customers, invoices, lines = self._data(rng, year)
        top_n = rng.randint(3, 6)
        cutoff = dt.date(year, rng.randint(2, 11), 1)
        qs = self._questions(rng)
        fname = {"revenue_by_country": rng.choice(["revenue_by_country.csv", "country_totals.csv"]),
                 "top_customers": rng.choice([f"top_customers_{year}.csv", "top_payers.csv"]),
                 "no_invoices": rng.choice(["never_invoiced.csv", "customers_without_invoices.csv"]),
                 "monthly": rng.choice([f"monthly_{year}.csv", "monthly_totals.csv"]),
                 "missing_email_open": rng.choice(["chase_by_phone.csv", "open_without_email.csv"]),
                 "overdue": rng.choice(["overdue.csv", f"open_before_{cutoff.isoformat()}.csv"])}
        answers = self._answers(qs, customers, invoices, year, top_n, cutoff)

        tname = dict(zip(["customers", "invoices", "lines"], rng.choice(TABLE_NAMES)))
        tables = {"customers": [[c["id"], c["name"], c["email"], c["country"], c["signup"].isoformat()]
                                for c in customers],
                  "invoices": [[i["id"], i["cust"], i["issued"].isoformat(), i["status"]]
                               + ([] if k.lines else [_m(i["amount"])]) for i in invoices]}
        schema = {"customers": SCHEMA["customers"], "invoices": SCHEMA["invoices"][:-1] if k.lines else SCHEMA["invoices"]}
        if k.lines:
            tables["lines"] = [[ln["inv"], ln["no"], ln["product"], ln["qty"], _m(ln["price"])] for ln in lines]
            schema["lines"] = SCHEMA["lines"]
        files: dict[str, str | bytes] = {}
        for t, rows in tables.items():
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow([c for c, _ in schema[t]])
            w.writerows([["" if v is None else v for v in r] for r in rows])
            files[f"environment/data/{tname[t]}.csv"] = buf.getvalue()
        ddl = "\n".join(f"CREATE TABLE {tname[t]} ({', '.join(f'{c} {ty}' for c, ty in cols)});"
                        for t, cols in schema.items())
        names = {"customers": tname["customers"], "invoices": tname["invoices"], "lines": tname["lines"]}
        amount_rule = (self.template("amount_lines.md", lines=tname["lines"]) if k.lines
                       else self.data("amount_column.md")).strip()
        places = {"in_dir": in_dir, "db": db, "ans_dir": ans_dir}
        files["environment/app/docs/SCHEMA.md"] = self.template("SCHEMA.md", ddl=ddl, amount_rule=amount_rule,
                                                                **places)
        files["environment/app/reporting.conf"] = self.template("reporting.conf", **places)
        files["environment/app/check_reports.sh"] = self.data("check_reports.sh")
        day = dt.date(year + 1, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
        files["environment/app/logs/crm_sync.log"] = self.template(
            "crm_sync.log", day=day, in_dir=in_dir, db=db, rows=sum(len(r) for r in tables.values()))
        numbers = rng.sample(range(180, 990), len(qs) + 2)
        ticket_name = {}
        for q, n in zip(qs, numbers):
            ticket_name[q] = f"FIN-{n}"
            files[f"environment/app/tickets/open/FIN-{n}.md"] = self.template(
                "ticket.md", ticket=f"FIN-{n}", subject=SUBJECTS[q], who=rng.choice(PEOPLE), fname=fname[q],
                question=self._question(q, year, top_n, cutoff))
        for n in numbers[len(qs):]:
            files[f"environment/app/tickets/closed/FIN-{n}.md"] = self.template(
                "ticket_closed.md", ticket=f"FIN-{n}", closed_on=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")

        values = {**{f"f_{q}": fname[q] if q in qs else "-" for q in QUESTIONS}, **names,
                  "year": year, "top": top_n, "cutoff": cutoff.isoformat()}
        wrong = {"untyped-import": "typed", "ignores-status": "live"}
        if k.messy:
            wrong["empty-strings-not-null"] = "nulls"
        if k.lines:
            wrong["drafts-dropped"] = "join"
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(**values)
        files |= self.verifier()
        files |= kit.expected_file({
            "db": db, "in_dir": in_dir,
            "schema": {tname[t]: [[c, ty.split()[0]] for c, ty in cols] for t, cols in schema.items()},
            "answers": {q: {"path": f"{ans_dir}/{fname[q]}", "header": self._header(q), "rows": answers[q]}
                        for q in qs},
            "untouched": kit.digests(files, "data", in_dir)})

        counts = ", ".join(f"`{tname[t]}.csv` ({len(rows)} rows)" for t, rows in tables.items())
        questions = "\n".join(f"   - `{fname[q]}`: {self._question(q, year, top_n, cutoff)}" for q in qs)
        instruction = self.instruction(
            intro=self.intro(rng), counts=counts, ddl=ddl, questions=questions,
            amount_note=" " + amount_rule.removeprefix("- ").replace("\n  ", " ") if k.lines else "", **places)
        return kit.draft(
            instruction=instruction, files=files,
            dockerfile_body=(f"COPY data/ {in_dir}/\nCOPY app/ /app/\nRUN chmod +x /app/check_reports.sh\n"
                             "WORKDIR /app\n"),
            tags=["sqlite", "sql", "csv"], agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
            # the database (with a write-ahead log it may have left), the answers, the exports (checked untouched)
            artifacts=[db, f"{db}-wal", ans_dir, in_dir],
            outputs=[db] + [f"{ans_dir}/{fname[q]}" for q in qs],
        )

    def _question(self, q: str, year: int, top_n: int, cutoff: dt.date) -> str:
        values = {"top_customers": {"top": top_n, "year": year}, "monthly": {"year": year},
                  "overdue": {"cutoff": cutoff.isoformat()}}.get(q, {})
        return self.template(f"questions/{q}.md", **values).strip()

    def _header(self, q: str) -> list[str]:
        return self.data(f"questions/{q}.md").split("`")[1].split(",")
