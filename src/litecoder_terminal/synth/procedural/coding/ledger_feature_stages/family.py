"""Multi-stage work on a small Python CLI package: fix the parsing bugs, add a reporting function, expose it as a
CLI subcommand, then produce the reports for the real data. Each stage is checked by hidden tests whose answers
(tests/expected.json) the family computes from its reference package (data/*.py) at build time."""

from __future__ import annotations

import difflib
import json
import random
import sys
import types

from litecoder_terminal.synth.procedural import kit

# Each seeded bug: the text of data/parse.py's placeholder when right and when buggy.
BUG_TEXT = {
    "paren": ('    if s.startswith("(") and s.endswith(")"):\n        neg, s = True, s[1:-1].strip()\n', ""),
    "thousands": ('    s = s.replace(",", "")\n', ""),
    "float_cents": ('    whole, _, frac = s.partition(".")\n    cents = int(whole) * 100 + int((frac + "00")[:2])\n',
                    "    cents = int(float(s) * 100)\n"),
    "account_case": ("name.strip().lower()", "name.strip()"),
    "bom": ("utf-8-sig", "utf-8"),
    "blank_rows": ('        if not (row.get("date") or "").strip():\n            continue\n', ""),
}
BUG_SLOT = {"paren": "paren", "thousands": "thousands", "float_cents": "convert", "account_case": "norm",
            "bom": "enc", "blank_rows": "skip"}
BUG_REPORTS = {
    "float_cents": "some amounts come out one cent short (19.99 becomes 1998 cents)",
    "paren": "amounts written in accounting style, like `(4.00)`, make the tool crash",
    "thousands": "amounts with a thousands separator such as `\"1,234.56\"` make the tool crash",
    "bom": "exports saved by the spreadsheet (UTF-8 with a byte-order mark) come out empty",
    "account_case": "`Expenses:Food` and `expenses:food ` show up as two different accounts",
    "blank_rows": "exports with empty separator rows make the tool crash",
}
ACCOUNTS = ["income:salary", "income:freelance", "expenses:food:groceries", "expenses:food:restaurants",
            "expenses:rent", "expenses:transport", "expenses:utilities:power", "expenses:utilities:internet",
            "savings", "expenses:health"]
ACCT_SPEC = {
    "none": "",
    "exact": " With `account`, only transactions of exactly that account (compared after `normalize_account`) "
             "are counted.",
    "prefix": " With `account`, only transactions of that account or of its sub-accounts are counted "
              "(`expenses:food` matches `expenses:food` and `expenses:food:groceries`, not `expenses:foodtruck`); "
              "the name is compared after `normalize_account`.",
}
FIXED_AMOUNTS = ["12.50", "-3.2", "7", "(4.00)", "1,234.56", "-1,000.00", "0.29", "19.99", "0.07", "", "abc",
                 "1.234", "12.", "(12.30)", " 5.5 ", "-0.01", "1,000,000.01", "$5", "--3", "4.1.1"]


def _amount_text(rng: random.Random, cents: int, level_noise: bool) -> str:
    neg = cents < 0
    a = abs(cents)
    whole, frac = divmod(a, 100)
    style = rng.random()
    body = f"{whole}.{frac:02d}"
    if frac % 10 == 0 and style < 0.15:
        body = f"{whole}.{frac // 10}" if frac else f"{whole}"
    if level_noise and a >= 100000 and rng.random() < 0.7:
        body = f"{whole:,}.{frac:02d}"
    if neg:
        return f"({body})" if level_noise and rng.random() < 0.35 else f"-{body}"
    return body


def _csv_text(rng: random.Random, n: int, year: int, blank_row: bool = False) -> str:
    lines = ["date,account,amount,memo"]
    for _ in range(n):
        month = rng.randint(1, 12)
        acc = rng.choice(ACCOUNTS)
        if acc.startswith("income"):
            cents = rng.randint(5000, 450000)
        elif acc == "savings":
            cents = rng.choice([-1, 1]) * rng.randint(1000, 200000)
        else:
            cents = -rng.randint(99, 180000)
        shown = acc
        if rng.random() < 0.25:
            shown = rng.choice([acc.title(), f" {acc}", acc.upper(), f"{acc} "])
        amt = _amount_text(rng, cents, True)
        if "," in amt:
            amt = f'"{amt}"'
        memo = rng.choice(["", "card", "transfer", "monthly", "refund?", "\"quoted, memo\""])
        lines.append(f"{year}-{month:02d}-{rng.randint(1, 28):02d},{shown},{amt},{memo}")
        if rng.random() < 0.03:
            lines.append(",,,")
    if blank_row:
        lines.insert(rng.randint(1, len(lines)), ",,,")
    eol = "\r\n" if rng.random() < 0.5 else "\n"
    return eol.join(lines) + eol


def load_package(sources: dict[str, str]) -> dict[str, types.ModuleType]:
    """Our own package text as modules (a unique package name, so relative imports work), at build time."""
    name = f"lct_ledger_ref_{kit.sha256(''.join(sources.values()))[:16]}"
    pkg = types.ModuleType(name)
    pkg.__path__ = []
    sys.modules[name] = pkg
    mods = {}
    try:
        for mod, src in sources.items():
            m = types.ModuleType(f"{name}.{mod}")
            m.__package__ = name
            sys.modules[m.__name__] = m
            exec(compile(src, f"<{m.__name__}>", "exec"), m.__dict__)
            mods[mod] = m
    finally:
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]
    return mods


def outcome(fn, *args) -> list:
    try:
        return ["ok", fn(*args)]
    except ValueError:
        return ["ValueError", None]
    except Exception as e:  # noqa: BLE001 - any other exception is an outcome too
        return [type(e).__name__, None]


def read_rows(parse: types.ModuleType, text: str) -> list:
    """load_transactions of one export given as text (a temporary file: the parser opens a path)."""
    import tempfile

    with tempfile.NamedTemporaryFile("wb", suffix=".csv") as f:
        f.write(text.encode())
        f.flush()
        return [[t.date, t.account, t.amount, t.memo] for t in parse.load_transactions(f.name)]


class LedgerFeatureStages(kit.KitFamily):
    title = "Fix a Python CLI's parsing bugs, add a monthly report function and subcommand, produce the reports"
    multi_stage = True
    levels = kit.Levels(bugs=(1, 2, 3), rows=(120, 220, 350), match=("none", "exact", "prefix"),
                        json_report=(False, True, True), since=(False, False, True),
                        agent_timeout=(1200, 1500, 1800), expert_minutes=(25, 40, 55))

    def parse_source(self, bugs: set[str]) -> str:
        return self.template("parse.py", **{BUG_SLOT[b]: BUG_TEXT[b][b in bugs] for b in BUG_TEXT})

    def report_source(self, sig: str, implemented: bool, expense_negative: bool = False) -> str:
        k = self.knobs
        if not implemented:
            return self.data("report_head.py") + self.template("report_stub.py", sig=sig)
        match = "" if k.match == "none" else self.data(f"match.{'medium' if k.match == 'exact' else 'hard'}.py")
        return self.data("report_head.py") + self.template(
            "report_monthly.py", sig=sig, match=match,
            expense='row["expense"] += t.amount' if expense_negative else 'row["expense"] -= t.amount',
            net='row["income"] + row["expense"]' if expense_negative else 'row["income"] - row["expense"]')

    def cli_source(self, pkg: str, with_monthly: bool) -> str:
        k = self.knobs
        if not with_monthly:
            return self.template("cli.py", pkg=pkg, imports="balances, format_cents", monthly_args="",
                                 monthly_run="")
        args = self.data("cli_monthly_args.py") + (self.data("cli_monthly_args.filters.py") if k.json_report
                                                   else "") + (self.data("cli_monthly_args.since.py") if k.since else "")
        run = self.template("cli_monthly_run.py",
                            call="monthly_summary(txns)" if k.match == "none" else "monthly_summary(txns, args.account)",
                            since=self.data("cli_monthly_run.since.py") if k.since else "",
                            json=self.data("cli_monthly_run.json.py") if k.json_report else "")
        return self.template("cli.py", pkg=pkg, imports="balances, format_cents, monthly_summary",
                             monthly_args=args, monthly_run=run)

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        level = self.config.difficulty
        pkg = rng.choice(["ledger", "books", "spendlog", "cashbook"])
        proj = rng.choice([f"{pkg}-cli", pkg, f"{pkg}-tool"])
        root = f"/app/{proj}"
        year = rng.randint(2021, 2025)
        bugs = set(rng.sample(sorted(BUG_TEXT), k.bugs))
        data_name = f"transactions-{year}.csv"
        data = _csv_text(rng, k.rows, year)
        data = ("\ufeff" if "bom" in bugs or rng.random() < 0.5 else "") + data  # the real export trips every bug
        eol = "\r\n" if data.endswith("\r\n") else "\n"
        data_lines = data.splitlines(keepends=True)
        for row in [f'{year}-01-03,Expenses:Food:Groceries ,"-1,234.56",bulk', f"{year}-02-11,expenses:rent,(1.50),fee",
                    f"{year}-03-09,expenses:food:groceries,-19.99,x", ",,,"]:
            data_lines.insert(rng.randint(1, len(data_lines)), row + eol)
        data = "".join(data_lines)
        account = (rng.choice(["expenses:food", "expenses:utilities", "expenses"]) if k.match == "prefix" else
                   rng.choice(["expenses:rent", "income:salary", "expenses:transport", "savings"]))
        since = f"{year}-{rng.randint(3, 9):02d}"
        slug = account.replace(":", "-")
        reports = rng.choice(["/app/reports", "/srv/reports", f"{root}/out"])
        sig = "monthly_summary(txns)" if k.match == "none" else "monthly_summary(txns, account=None)"

        good_parse, buggy_parse = self.parse_source(set()), self.parse_source(bugs)
        good_report = self.report_source(sig, True)
        sign_report = self.report_source(sig, True, expense_negative=True)
        good_cli, old_cli = self.cli_source(pkg, True), self.cli_source(pkg, False)
        ref = load_package({"parse": good_parse, "report": good_report})
        parse, report = ref["parse"], ref["report"]

        # hidden exports: one with a byte-order mark, one with a separator row, so every seeded bug shows
        hidden = {f"h{i}.csv": ("\ufeff" if i == 0 or rng.random() < 0.4 else "")
                  + _csv_text(rng, rng.randint(5, 80), rng.choice([year, year - 1]), blank_row=i == 1)
                  for i in range(6)}
        hidden["h_empty.csv"] = "date,account,amount,memo\n"
        amounts = FIXED_AMOUNTS + [_amount_text(rng, rng.randint(-9999999, 9999999), True) for _ in range(60)]
        queries = [None] if k.match == "none" else [None, account, account.upper(), "expenses:food", "income",
                                                    "savings", "nope"]
        load_want = {n: read_rows(parse, t) for n, t in sorted(hidden.items())}
        load_want[f"data/{data_name}"] = read_rows(parse, data)

        def txns(rows):
            return [parse.Txn(*r) for r in rows]

        def monthly(rows, q=None, rep=report):
            return rep.monthly_summary(txns(rows)) if q is None else rep.monthly_summary(txns(rows), q)

        fmt = report.format_cents

        def monthly_csv(rows, q=None, since_=None):
            out = [r for r in monthly(rows, q) if not since_ or r["month"] >= since_]
            return "month,income,expense,net,count\n" + "".join(
                f"{r['month']},{fmt(r['income'])},{fmt(r['expense'])},{fmt(r['net'])},{r['count']}\n" for r in out)

        def monthly_json(rows, q=None, since_=None):
            return [{"month": r["month"], "income": fmt(r["income"]), "expense": fmt(r["expense"]),
                     "net": fmt(r["net"]), "count": r["count"]}
                    for r in monthly(rows, q) if not since_ or r["month"] >= since_]

        def balance_table(rows):
            totals = report.balances(txns(rows))
            width = max((len(a) for a in totals), default=7)
            return "".join(f"{a:<{width}}  {fmt(totals[a]):>12}\n" for a in sorted(totals))

        def balance_csv(rows):
            totals = report.balances(txns(rows))
            return "account,balance\n" + "".join(f"{a},{fmt(totals[a])}\n" for a in sorted(totals))

        cli_calls = []
        for name in sorted(hidden):
            rows = load_want[name]
            cli_calls.append({"args": ["monthly", name], "stdout": monthly_csv(rows)})
            if k.json_report:
                for q in queries[1:5]:
                    s = since if k.since and q == account else None
                    cli_calls.append({"args": ["monthly", name, "--account", q, "--format", "json"]
                                      + (["--since", s] if s else []), "json": monthly_json(rows, q, s)})
                cli_calls.append({"args": ["monthly", name, "--account", account, "--format", "csv"],
                                  "stdout": monthly_csv(rows, account)})
        real = load_want[f"data/{data_name}"]
        report_files = {f"{reports}/balances.csv": balance_csv(real), f"{reports}/monthly.csv": monthly_csv(real)}
        runs = [f"python3 -m {pkg} balance data/{data_name} --format csv > {reports}/balances.csv",
                f"python3 -m {pkg} monthly data/{data_name} > {reports}/monthly.csv"]
        jobs = [[f"{reports}/balances.csv", ["balance", f"data/{data_name}", "--format", "csv"]],
                [f"{reports}/monthly.csv", ["monthly", f"data/{data_name}"]]]
        ticket_outputs = [f"`{reports}/balances.csv`: the output of `python3 -m {pkg} balance data/{data_name} "
                          "--format csv`", f"`{reports}/monthly.csv`: the output of `python3 -m {pkg} monthly "
                          f"data/{data_name}`"]
        if k.json_report:
            flags = ["--account", account] + (["--since", since] if k.since else []) + ["--format", "json"]
            out = f"{reports}/{slug}-monthly.json"
            report_files[out] = monthly_json(real, account, since if k.since else None)
            runs.append(f"python3 -m {pkg} monthly data/{data_name} {' '.join(flags)} > {out}")
            jobs.append([out, ["monthly", f"data/{data_name}", *flags]])
            ticket_outputs.append(f"`{out}`: the output of `python3 -m {pkg} monthly data/{data_name} "
                                  f"{' '.join(flags)}`")

        # every known mistake must show on this instance
        bad = load_package({"parse": buggy_parse, "report": good_report})["parse"]
        if ([outcome(bad.parse_amount, a) for a in amounts] == [outcome(parse.parse_amount, a) for a in amounts]
                and all(outcome(read_rows, bad, t) == ["ok", load_want[n]] for n, t in hidden.items())):
            raise ValueError(f"{self.name}: the hidden cases do not catch the seeded bugs {sorted(bugs)}")
        signed = load_package({"parse": good_parse, "report": sign_report})["report"]
        if all(monthly(load_want[n], None, signed) == monthly(load_want[n]) for n in hidden):
            raise ValueError(f"{self.name}: the hidden cases do not catch the expense sign")

        files: dict[str, str | bytes] = {}
        ctx = f"environment/{proj}"
        files[f"{ctx}/{pkg}/__init__.py"] = f'"""{pkg}: personal finance exports."""\n'
        files[f"{ctx}/{pkg}/__main__.py"] = f"import sys\n\nfrom {pkg}.cli import main\n\nsys.exit(main())\n"
        files[f"{ctx}/{pkg}/parse.py"] = buggy_parse
        files[f"{ctx}/{pkg}/report.py"] = self.report_source(sig, False)
        files[f"{ctx}/{pkg}/cli.py"] = old_cli
        files[f"{ctx}/tests/test_basic.py"] = self.template("test_basic.py", pkg=pkg)
        files[f"{ctx}/data/{data_name}"] = data.encode()
        usage = "monthly FILE" + (" [--account NAME]" if k.match != "none" else "") + (
            " [--since YYYY-MM]" if k.since else "") + (" [--format csv|json]" if k.json_report else "")
        cli_extra = ""
        if k.json_report:
            cli_extra += (" `--account` is passed to `monthly_summary`. `--format json` prints a JSON array "
                          "instead: one object per month with the keys `month`, `income`, `expense`, `net` (strings "
                          "formatted with `format_cents`) and `count` (an integer).")
        if k.since:
            cli_extra += " `--since YYYY-MM` keeps only the months from that one on."
        ticket = self.template(
            "ticket.md", ticket=rng.randint(100, 999), pkg=pkg, root=root, data_name=data_name, sig=sig,
            bugs="\n".join(f"   - {BUG_REPORTS[b]}" for b in sorted(bugs)), acct_spec=ACCT_SPEC[k.match],
            cli_usage=usage, cli_extra=cli_extra, outputs="\n".join(f"   - {o}" for o in ticket_outputs))
        files[f"{ctx}/docs/TICKET.md"] = ticket
        crash = outcome(read_rows, bad, data)
        day = f"{year}-12-{rng.randint(10, 28):02d}"
        error_lines = (f"{day}T06:00:02Z Traceback (most recent call last): ... {crash[0]} in "
                       f"{pkg}/parse.py" if crash[0] != "ok" else
                       f"{day}T06:00:02Z wrote balances ({len(set(r[1] for r in crash[1]))} accounts); "
                       "finance: totals disagree with the bank statement")
        files[f"{ctx}/logs/import.log"] = self.template("import.log", day=day, pkg=pkg, data_name=data_name,
                                                        error_lines=error_lines)

        knobs = {
            "parse": kit.Knob(good_parse, buggy_parse, "adds the feature and the reports, skips the parser fix"),
            "report": kit.Knob(good_report, sign_report, "sums expenses as negative numbers"),
            "cli": kit.Knob(good_cli, old_cli, "fixes the parser and adds the function, stops before the CLI"),
        }
        values = {"root": root, "pkg": pkg, "data_name": data_name, "reports": reports, "runs": "\n".join(runs)}
        files |= self.solver(knobs).files(values, {"features-without-fix": "parse", "expense-sign": "report",
                                                   "stages-1-2-only": "cli"})
        a, b = buggy_parse.splitlines(keepends=True), good_parse.splitlines(keepends=True)
        hunks = [[i1, i2, b[j1:j2]] for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False)
                 .get_opcodes() if op != "equal"]
        files |= self.alt_solutions(root=root, pkg=pkg, reports=reports, report=good_report, cli=good_cli,
                                    hunks=json.dumps(hunks), jobs=json.dumps(jobs))
        files |= self.verifier()
        files |= kit.expected_file({
            "root": root, "pkg": pkg, "level": level, "data": f"data/{data_name}",
            "untouched": {f"{root}/data/{data_name}": kit.sha256(data)},
            "amounts": amounts, "amount_want": [outcome(parse.parse_amount, x) for x in amounts],
            "hidden_csv": hidden, "load_want": load_want, "queries": queries,
            "monthly_want": {n: [monthly(load_want[n], q) for q in queries] for n in sorted(hidden)},
            "cli_monthly": cli_calls, "balance_want": {n: balance_csv(load_want[n]) for n in sorted(hidden)},
            "table_want": {n: balance_table(load_want[n]) for n in sorted(hidden)},
            "reports": report_files})
        return kit.draft(
            instruction=self.instruction(intro=self.intro(rng, pkg=pkg, root=root), root=root, pkg=pkg,
                                         ticket_text=ticket),
            dockerfile_body=f"COPY {proj}/ {root}/\nWORKDIR {root}\n",
            files=files, tags=["python", "debugging", "feature", "cli", "multi-stage"],
            artifacts=[root] + ([] if reports.startswith(root + "/") else [reports]),
            outputs=[f"{root}/{pkg}/parse.py", f"{root}/{pkg}/report.py", f"{root}/{pkg}/cli.py", *report_files],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=240, expert_minutes=k.expert_minutes,
        )
