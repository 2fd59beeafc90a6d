"""Multi-stage work on a small Python CLI package: fix the parsing bugs, add a reporting function, expose it as a
CLI subcommand, then produce the reports for the real data. Each stage is checked by hidden tests."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

BUGS = ["float_cents", "paren", "thousands", "bom", "account_case", "blank_rows"]
BUG_REPORTS = {
    "float_cents": "some amounts come out one cent short (19.99 becomes 1998 cents)",
    "paren": "amounts written in accounting style, like `(4.00)`, make the tool crash",
    "thousands": "amounts with a thousands separator such as `\"1,234.56\"` make the tool crash",
    "bom": "exports saved by the spreadsheet (UTF-8 with a byte-order mark) come out empty",
    "account_case": "`Expenses:Food` and `expenses:food ` show up as two different accounts",
    "blank_rows": "exports with empty separator rows make the tool crash",
}


def parse_py(bugs: set[str]) -> str:
    paren = "" if "paren" in bugs else (
        '    if s.startswith("(") and s.endswith(")"):\n        neg, s = True, s[1:-1].strip()\n')
    thousands = "" if "thousands" in bugs else '    s = s.replace(",", "")\n'
    if "float_cents" in bugs:
        convert = "    cents = int(float(s) * 100)\n"
    else:
        convert = '    whole, _, frac = s.partition(".")\n    cents = int(whole) * 100 + int((frac + "00")[:2])\n'
    norm = "name.strip()" if "account_case" in bugs else "name.strip().lower()"
    enc = "utf-8" if "bom" in bugs else "utf-8-sig"
    skip = "" if "blank_rows" in bugs else (
        '        if not (row.get("date") or "").strip():\n            continue\n')
    return textwrap.dedent('''\
        """Reading transaction exports (CSV: date,account,amount,memo)."""

        import csv
        import re
        from dataclasses import dataclass


        @dataclass
        class Txn:
            date: str  # ISO date, YYYY-MM-DD
            account: str  # normalised account name, e.g. "expenses:food"
            amount: int  # in cents; negative means money going out
            memo: str


        def parse_amount(text):
            """Amount in cents: "12.50" -> 1250, "-3.2" -> -320, "7" -> 700, "(4.00)" -> -400 (accounting style
            negative), "1,234.56" -> 123456. Raises ValueError for anything else (empty, letters, more than two
            decimals)."""
            s = text.strip()
            neg = False
        @PAREN@    if s.startswith("-"):
                neg, s = not neg, s[1:]
        @THOUSANDS@    if not re.fullmatch(r"[0-9]+(\\.[0-9]{1,2})?", s):
                raise ValueError(f"bad amount: {text!r}")
        @CONVERT@    return -cents if neg else cents


        def normalize_account(name):
            """Account names ignore surrounding whitespace and letter case: " Expenses:Food " -> "expenses:food"."""
            return @NORM@


        def load_transactions(path):
            """Transactions of a CSV export with the header date,account,amount,memo, in file order.

            The file is UTF-8 and may start with a byte-order mark; rows with an empty date cell (separator rows)
            are skipped.
            """
            with open(path, encoding="@ENC@", newline="") as f:
                rows = list(csv.DictReader(f))
            out = []
            for row in rows:
        @SKIP@        out.append(Txn(row["date"].strip(), normalize_account(row["account"]), parse_amount(row["amount"]),
                               (row.get("memo") or "").strip()))
            return out
        ''').replace("@PAREN@", paren).replace("@THOUSANDS@", thousands).replace("@CONVERT@", convert) \
        .replace("@NORM@", norm).replace("@ENC@", enc).replace("@SKIP@", skip)


def report_py(level: str, implemented: bool, expense_negative: bool = False) -> str:
    head = textwrap.dedent('''\
        """Aggregations over transactions."""

        from .parse import normalize_account


        def balances(txns):
            """Total amount in cents per account: {account: cents}."""
            totals = {}
            for t in txns:
                totals[t.account] = totals.get(t.account, 0) + t.amount
            return totals


        def format_cents(cents):
            """1234 -> "12.34", -5 -> "-0.05", 0 -> "0.00"."""
            sign = "-" if cents < 0 else ""
            cents = abs(cents)
            return f"{sign}{cents // 100}.{cents % 100:02d}"
        ''')
    sig = "monthly_summary(txns)" if level == "easy" else "monthly_summary(txns, account=None)"
    if not implemented:
        return head + textwrap.dedent(f'''\


            def {sig}:
                """Not implemented yet (see the ticket)."""
                raise NotImplementedError
            ''')
    if level == "easy":
        match = ""
    elif level == "medium":
        match = ('        if account is not None and t.account != normalize_account(account):\n'
                 '            continue\n')
    else:
        match = ('        if account is not None:\n'
                 '            want = normalize_account(account)\n'
                 '            if t.account != want and not t.account.startswith(want + ":"):\n'
                 '                continue\n')
    exp = "row[\"expense\"] += t.amount" if expense_negative else "row[\"expense\"] -= t.amount"
    net = "row[\"income\"] + row[\"expense\"]" if expense_negative else "row[\"income\"] - row[\"expense\"]"
    return head + textwrap.dedent(f'''\


        def {sig}:
            """One dict per month with transactions, sorted by month:
            {{"month": "YYYY-MM", "income": cents in, "expense": cents out, "net": income - expense, "count": n}}."""
            months = {{}}
            for t in txns:
        @MATCH@        row = months.setdefault(t.date[:7], {{"month": t.date[:7], "income": 0, "expense": 0, "net": 0,
                                                      "count": 0}})
                if t.amount >= 0:
                    row["income"] += t.amount
                else:
                    {exp}
                row["count"] += 1
            for row in months.values():
                row["net"] = {net}
            return [months[m] for m in sorted(months)]
        ''').replace("@MATCH@", match)


def cli_py(pkg: str, level: str, with_monthly: bool) -> str:
    monthly_args = ""
    monthly_run = ""
    if with_monthly:
        monthly_args = '    m = sub.add_parser("monthly", help="income and expense per month")\n    m.add_argument("file")\n'
        if level != "easy":
            monthly_args += ('    m.add_argument("--account")\n'
                             '    m.add_argument("--format", choices=["csv", "json"], default="csv")\n')
        if level == "hard":
            monthly_args += '    m.add_argument("--since", help="first month to include, YYYY-MM")\n'
        call = "monthly_summary(txns)" if level == "easy" else "monthly_summary(txns, args.account)"
        since = ('        if args.since:\n            rows = [r for r in rows if r["month"] >= args.since]\n'
                 if level == "hard" else "")
        fmt_json = ('        if args.format == "json":\n'
                    '            print(json.dumps([{"month": r["month"], "income": format_cents(r["income"]),\n'
                    '                               "expense": format_cents(r["expense"]),\n'
                    '                               "net": format_cents(r["net"]), "count": r["count"]}\n'
                    '                              for r in rows], indent=2))\n'
                    '            return 0\n') if level != "easy" else ""
        monthly_run = (f'    if args.command == "monthly":\n        rows = {call}\n{since}{fmt_json}'
                       '        print("month,income,expense,net,count")\n'
                       '        for r in rows:\n'
                       '            print(f"{r[\'month\']},{format_cents(r[\'income\'])},{format_cents(r[\'expense\'])},"\n'
                       '                  f"{format_cents(r[\'net\'])},{r[\'count\']}")\n'
                       '        return 0\n')
    imports = "from .report import balances, format_cents" + (", monthly_summary" if with_monthly else "")
    return textwrap.dedent(f'''\
        """Command line: python3 -m {pkg} <command> ..."""

        import argparse
        import json

        from .parse import load_transactions
        {imports}


        def main(argv=None):
            parser = argparse.ArgumentParser(prog="{pkg}")
            sub = parser.add_subparsers(dest="command", required=True)
            b = sub.add_parser("balance", help="balance per account")
            b.add_argument("file")
            b.add_argument("--format", choices=["table", "csv"], default="table")
        @MONTHLY_ARGS@    args = parser.parse_args(argv)
            txns = load_transactions(args.file)
        @MONTHLY_RUN@    totals = balances(txns)
            if args.format == "csv":
                print("account,balance")
                for acc in sorted(totals):
                    print(f"{{acc}},{{format_cents(totals[acc])}}")
            else:
                width = max((len(a) for a in totals), default=7)
                for acc in sorted(totals):
                    print(f"{{acc:<{{width}}}}  {{format_cents(totals[acc]):>12}}")
            return 0
        ''').replace("@MONTHLY_ARGS@", monthly_args).replace("@MONTHLY_RUN@", monthly_run) \
        .replace("import json\n\n", "import json  # noqa: F401\n\n" if level == "easy" or not with_monthly
                 else "import json\n\n")


ACCOUNTS = ["income:salary", "income:freelance", "expenses:food:groceries", "expenses:food:restaurants",
            "expenses:rent", "expenses:transport", "expenses:utilities:power", "expenses:utilities:internet",
            "savings", "expenses:health"]


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


def _csv_text(rng: random.Random, n: int, year: int, noisy: bool) -> str:
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
        if noisy and rng.random() < 0.25:
            shown = rng.choice([acc.title(), f" {acc}", acc.upper(), f"{acc} "])
        amt = _amount_text(rng, cents, noisy)
        if "," in amt:
            amt = f'"{amt}"'
        memo = rng.choice(["", "card", "transfer", "monthly", "refund?", "\"quoted, memo\""])
        lines.append(f"{year}-{month:02d}-{rng.randint(1, 28):02d},{shown},{amt},{memo}")
        if noisy and rng.random() < 0.03:
            lines.append(",,,")
    eol = "\r\n" if noisy and rng.random() < 0.5 else "\n"
    return eol.join(lines) + eol


@register
class LedgerFeatureStages(TaskFamily):
    name = "ledger_feature_stages"
    domain = "coding"
    title = "Fix a Python CLI's parsing bugs, add a monthly report function and subcommand, produce the reports"
    multi_stage = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        pkg = pick(rng, ["ledger", "books", "spendlog", "cashbook"])
        proj = pick(rng, [f"{pkg}-cli", pkg, f"{pkg}-tool"])
        root = f"/app/{proj}"
        year = rng.randint(2021, 2025)
        n_bugs = {"easy": 1, "medium": 2, "hard": 3}[level]
        bugs = set(rng.sample(BUGS, n_bugs))
        data_name = f"transactions-{year}.csv"
        data = _csv_text(rng, {"easy": 120, "medium": 220, "hard": 350}[level], year, noisy=True)
        # the real export trips every seeded bug
        data = ("\ufeff" if "bom" in bugs or rng.random() < 0.5 else "") + data
        extra_rows = ['2025-01-03,Expenses:Food:Groceries ,"1,234.56",bulk', f"{year}-02-11,expenses:rent,(1.50),fee",
                      f"{year}-03-09,expenses:food:groceries,-19.99,x", ",,,"]
        extra_rows[0] = extra_rows[0].replace("2025", str(year)).replace(',"1,234.56"', ',"-1,234.56"')
        data_lines = data.splitlines(keepends=True)
        eol = "\r\n" if data_lines[0].endswith("\r\n") else "\n"
        for row in extra_rows:
            data_lines.insert(rng.randint(1, len(data_lines)), row + eol)
        data = "".join(data_lines)

        account = pick(rng, ["expenses:food", "expenses:utilities", "expenses"]) if level == "hard" else \
            pick(rng, ["expenses:rent", "income:salary", "expenses:transport", "savings"])
        since = f"{year}-{rng.randint(3, 9):02d}"
        slug = account.replace(":", "-")
        reports = pick(rng, ["/app/reports", "/srv/reports", f"{root}/out"])

        files: dict[str, str | bytes] = {}
        ctx = f"environment/{proj}"
        files[f"{ctx}/{pkg}/__init__.py"] = f'"""{pkg}: personal finance exports."""\n'
        files[f"{ctx}/{pkg}/__main__.py"] = f"import sys\n\nfrom {pkg}.cli import main\n\nsys.exit(main())\n"
        files[f"{ctx}/{pkg}/parse.py"] = parse_py(bugs)
        files[f"{ctx}/{pkg}/report.py"] = report_py(level, implemented=False)
        files[f"{ctx}/{pkg}/cli.py"] = cli_py(pkg, level, with_monthly=False)
        files[f"{ctx}/tests/test_basic.py"] = textwrap.dedent(f"""\
            import sys
            from pathlib import Path

            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

            from {pkg}.parse import Txn, parse_amount  # noqa: E402
            from {pkg}.report import balances, format_cents  # noqa: E402


            def test_parse_amount_plain():
                assert parse_amount("12.50") == 1250
                assert parse_amount("-3") == -300


            def test_balances():
                txns = [Txn("2024-01-02", "a", 100, ""), Txn("2024-01-03", "a", -30, ""), Txn("2024-02-01", "b", 5, "")]
                assert balances(txns) == {{"a": 70, "b": 5}}


            def test_format_cents():
                assert format_cents(-5) == "-0.05"
            """)
        files[f"{ctx}/data/{data_name}"] = data.encode()

        # ---- the ticket
        reported = sorted(bugs)
        bug_txt = "\n".join(f"   - {BUG_REPORTS[b]}" for b in reported)
        acct_spec = {
            "easy": "",
            "medium": " With `account`, only transactions of exactly that account (compared after "
                      "`normalize_account`) are counted.",
            "hard": " With `account`, only transactions of that account or of its sub-accounts are counted "
                    "(`expenses:food` matches `expenses:food` and `expenses:food:groceries`, not "
                    "`expenses:foodtruck`); the name is compared after `normalize_account`.",
        }[level]
        sig = "monthly_summary(txns)" if level == "easy" else "monthly_summary(txns, account=None)"
        cli_usage = {
            "easy": "monthly FILE",
            "medium": "monthly FILE [--account NAME] [--format csv|json]",
            "hard": "monthly FILE [--account NAME] [--since YYYY-MM] [--format csv|json]",
        }[level]
        cli_extra = ""
        if level != "easy":
            cli_extra += (" `--account` is passed to `monthly_summary`. `--format json` prints a JSON array "
                          "instead: one object per month with the keys `month`, `income`, `expense`, `net` (strings "
                          "formatted with `format_cents`) and `count` (an integer).")
        if level == "hard":
            cli_extra += " `--since YYYY-MM` keeps only the months from that one on."
        outputs = [f"`{reports}/balances.csv`: the output of `python3 -m {pkg} balance data/{data_name} "
                   "--format csv`",
                   f"`{reports}/monthly.csv`: the output of `python3 -m {pkg} monthly data/{data_name}`"]
        if level != "easy":
            extra_flags = f" --since {since}" if level == "hard" else ""
            outputs.append(f"`{reports}/{slug}-monthly.json`: the output of `python3 -m {pkg} monthly "
                           f"data/{data_name} --account {account}{extra_flags} --format json`")
        out_txt = "\n".join(f"   - {o}" for o in outputs)
        intro = pick(rng, [
            f"`{pkg}` ({root}) is our little command-line tool for bank exports. Finance asked for a monthly view, "
            "but the tool first needs some fixes.",
            f"We use `{pkg}` in `{root}` to summarise transaction exports. This ticket bundles a bug report and a "
            "feature request.",
            f"Please take over the `{pkg}` ticket: the tool in `{root}` mis-reads some exports, and people want "
            "monthly totals from it.",
        ])
        instruction = textwrap.dedent(f"""\
            {intro} Work through these stages in order; each one is verified by hidden tests.

            1. **Fix the parser.** Users report:
            @BUGS@
               Make `{pkg}/parse.py` behave as its docstrings say for every input (`parse_amount`,
               `normalize_account`, `load_transactions`); the hidden tests cover many more amounts and files than
               the ones above.
            2. **Add the report function.** Implement `{sig}` in `{pkg}/report.py`: it returns a list with one
               dict per calendar month (`YYYY-MM`, from the transaction date) that has at least one counted
               transaction, sorted by month, each `{{"month": "YYYY-MM", "income": ..., "expense": ..., "net": ...,
               "count": ...}}` where `income` is the sum of the positive amounts and `expense` the sum of the
               absolute values of the negative amounts (both in cents, so `expense` is never negative),
               `net = income - expense` and `count` the number of transactions counted.{acct_spec}
               It takes a list of `Txn` objects and must not modify them.
            3. **Expose it on the command line.** Add the subcommand `python3 -m {pkg} {cli_usage}`. By default it
               prints CSV: the header `month,income,expense,net,count`, then one line per month with the amounts
               formatted by `format_cents`.{cli_extra} The existing `balance` command must keep working.
            4. **Produce the reports** for `{root}/data/{data_name}` (run from `{root}`):
            @OUTPUTS@

            Do not modify anything under `{root}/data/`. Keep the package importable (`python3 -m {pkg}` from
            `{root}`) and use only the standard library.
            """).replace("@BUGS@", bug_txt).replace("@OUTPUTS@", out_txt)

        good_parse, good_report, good_cli = parse_py(set()), report_py(level, True), cli_py(pkg, level, True)
        run_cmds = [f"python3 -m {pkg} balance data/{data_name} --format csv > {reports}/balances.csv",
                    f"python3 -m {pkg} monthly data/{data_name} > {reports}/monthly.csv"]
        if level != "easy":
            extra_flags = f" --since {since}" if level == "hard" else ""
            run_cmds.append(f"python3 -m {pkg} monthly data/{data_name} --account {account}{extra_flags} "
                            f"--format json > {reports}/{slug}-monthly.json")
        runs = "\n".join(run_cmds)

        def script(parse_src: str, report_src: str | None, cli_src: str | None, do_reports: bool, note: str) -> str:
            parts = [f"#!/bin/bash\n# {note}\nset -euo pipefail\ncd {root}\n",
                     f"cat > {pkg}/parse.py <<'PYEOF'\n{parse_src}PYEOF\n"]
            if report_src is not None:
                parts.append(f"cat > {pkg}/report.py <<'PYEOF'\n{report_src}PYEOF\n")
            if cli_src is not None:
                parts.append(f"cat > {pkg}/cli.py <<'PYEOF'\n{cli_src}PYEOF\n")
            if do_reports:
                parts.append(f"mkdir -p {reports}\n{runs}\n")
            return "".join(parts)

        files["solution/solve.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            # Reference: reproduce, fix the parser, add monthly_summary and the CLI subcommand, then the reports.
            set -euo pipefail
            cd {root}
            cp -r {pkg} /tmp/{pkg}.orig
            python3 -m {pkg} balance data/{data_name} --format csv > /tmp/before.csv 2>&1 || echo "balance fails before the fix"
            python3 -m pytest -q -p no:cacheprovider tests || true
            # stage 1: parser
            cat > {pkg}/parse.py <<'PYEOF'
            {{parse}}PYEOF
            python3 -c 'from {pkg}.parse import parse_amount as p; assert p("(4.00)") == -400 and p("1,234.56") == 123456 and p("19.99") == 1999'
            python3 -m {pkg} balance data/{data_name} --format csv > /tmp/after.csv
            diff /tmp/before.csv /tmp/after.csv || true
            # stage 2: monthly_summary
            cat > {pkg}/report.py <<'PYEOF'
            {{report}}PYEOF
            python3 -c 'from {pkg}.parse import load_transactions; from {pkg}.report import monthly_summary; print(len(monthly_summary(load_transactions("data/{data_name}"))), "months")'
            # stage 3: CLI
            cat > {pkg}/cli.py <<'PYEOF'
            {{cli}}PYEOF
            python3 -m {pkg} monthly data/{data_name} | head -3
            python3 -m {pkg} balance data/{data_name} > /dev/null
            python3 -m pytest -q -p no:cacheprovider tests
            # stage 4: reports
            mkdir -p {reports}
            {{runs}}
            ls -l {reports}
            wc -l {reports}/monthly.csv
            diff -r /tmp/{pkg}.orig {pkg} > /dev/null || echo "package updated"
            """).replace("{parse}", good_parse).replace("{report}", good_report).replace("{cli}", good_cli) \
            .replace("{runs}", runs)
        files["solution/wrong/stages-1-2-only.sh"] = script(good_parse, good_report, None, False,
                                                            "Fixes the parser and adds the function, stops there.")
        files["solution/wrong/features-without-fix.sh"] = script(parse_py(bugs), good_report, good_cli, True,
                                                                 "Adds the feature and the reports, skips the fix.")
        files["solution/wrong/expense-sign.sh"] = script(
            good_parse, report_py(level, True, expense_negative=True), good_cli, True,
            "Everything, but expenses are summed as negative numbers.")

        hidden_csv = {f"h{i}.csv": (("\ufeff" if rng.random() < 0.4 else "")
                                    + _csv_text(rng, rng.randint(5, 80), rng.choice([year, year - 1]), noisy=True))
                      for i in range(6)}
        hidden_csv["h_empty.csv"] = "date,account,amount,memo\n"
        amounts = ["12.50", "-3.2", "7", "(4.00)", "1,234.56", "-1,000.00", "0.29", "19.99", "0.07", "", "abc",
                   "1.234", "12.", "(12.30)", " 5.5 ", "-0.01", "1,000,000.01", "$5", "--3", "4.1.1"]
        amounts += [_amount_text(rng, rng.randint(-9999999, 9999999), True) for _ in range(60)]
        acct_queries = [account, account.upper(), "expenses:food", "income", "savings", "nope"]
        files["tests/spec.json"] = json.dumps({
            "root": root, "pkg": pkg, "level": level, "data": f"data/{data_name}", "reports": reports,
            "account": account, "since": since, "slug": slug, "amounts": amounts, "hidden_csv": hidden_csv,
            "acct_queries": acct_queries,
            "data_sha256": hashlib.sha256(data.encode()).hexdigest()}, indent=1) + "\n"
        files["tests/ref_parse.py"] = good_parse
        files["tests/ref_report.py"] = good_report.replace("from .parse import normalize_account",
                                                           "from ref_parse import normalize_account")
        files["tests/test_outputs.py"] = TEST_TEMPLATE
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY {proj}/ {root}/\nWORKDIR {root}\n",
            files=files, tags=["python", "debugging", "feature", "cli", "multi-stage"],
            # the package and its data (checked untouched), and the reports
            artifacts=[root] + ([] if reports.startswith(root + "/") else [reports]),
            agent_timeout_sec={"easy": 1200, "medium": 1500, "hard": 1800}[level],
            verifier_timeout_sec=180, expert_minutes={"easy": 25, "medium": 40, "hard": 55}[level],
        )


TEST_TEMPLATE = '''"""Hidden tests for every stage: parser fixes, monthly_summary, the CLI subcommand, and the produced reports."""

import copy
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

import lct_verify

HERE = Path(__file__).parent
S = json.loads((HERE / "spec.json").read_text())
ROOT, PKG, LEVEL = Path(S["root"]), S["pkg"], S["level"]
sys.path.insert(0, str(HERE))
import ref_parse  # noqa: E402
import ref_report  # noqa: E402

# The agent's package is imported only in a child process of the unprivileged user; it hands back plain JSON.
RUNNER = """
import importlib, json, sys
out, sys.stdout = sys.stdout, sys.stderr  # whatever the package prints stays out of the answer
job = json.load(sys.stdin)
sys.path.insert(0, job["root"])
parse = importlib.import_module(job["pkg"] + ".parse")
report = importlib.import_module(job["pkg"] + ".report")


def outcome(fn, *args):
    try:
        return ["ok", fn(*args)]
    except ValueError:
        return ["ValueError", None]
    except Exception as e:
        return [type(e).__name__, None]


def rows(txns):
    return [[t.date, t.account, t.amount, t.memo] for t in txns]


if job["op"] == "parse_amount":
    result = [outcome(parse.parse_amount, a) for a in job["amounts"]]
elif job["op"] == "load":
    result = [rows(parse.load_transactions(p)) for p in job["paths"]]
else:
    result = {"has": hasattr(report, "monthly_summary"), "files": []}
    for f in job["files"] if result["has"] else []:
        txns = [parse.Txn(*t) for t in f["txns"]]
        got = [[dict(r) for r in (report.monthly_summary(txns) if q is None else report.monthly_summary(txns, q))]
               for q in f["queries"]]
        result["files"].append({"got": got, "after": rows(txns)})
out.write(json.dumps(result, default=repr))
"""


def agent_call(job):
    res = lct_verify.run_as_agent([sys.executable, "-c", RUNNER], cwd=str(ROOT), timeout=120,
                                  input=json.dumps({"root": str(ROOT), "pkg": PKG, **job}))
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout)


def plain(value):
    """The reference's answer as the JSON data the agent's answer arrives as."""
    return json.loads(json.dumps(value))


@pytest.fixture(scope="module")
def hidden():
    """Hidden exports, readable (not writable) by the agent's code."""
    d = Path(tempfile.mkdtemp(prefix="lct-csv-"))
    os.chmod(d, 0o755)
    for name, text in S["hidden_csv"].items():
        (d / name).write_bytes(text.encode())
        os.chmod(d / name, 0o644)
    return d


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except ValueError:
        return ("ValueError", None)
    except Exception as e:  # noqa: BLE001
        return (type(e).__name__, None)


def cli(*args):
    return lct_verify.run_as_agent([sys.executable, "-m", PKG, *args], cwd=str(ROOT), timeout=60)


def ref_monthly(path, account=None, since=None, fmt="csv"):
    txns = ref_parse.load_transactions(path)
    rows = ref_report.monthly_summary(txns) if LEVEL == "easy" else ref_report.monthly_summary(txns, account)
    if since:
        rows = [r for r in rows if r["month"] >= since]
    f = ref_report.format_cents
    if fmt == "json":
        return [{"month": r["month"], "income": f(r["income"]), "expense": f(r["expense"]), "net": f(r["net"]),
                 "count": r["count"]} for r in rows]
    return "month,income,expense,net,count\\n" + "".join(
        f"{r['month']},{f(r['income'])},{f(r['expense'])},{f(r['net'])},{r['count']}\\n" for r in rows)


def ref_balance_csv(path):
    totals = ref_report.balances(ref_parse.load_transactions(path))
    return "account,balance\\n" + "".join(f"{a},{ref_report.format_cents(totals[a])}\\n" for a in sorted(totals))


def as_tuples(txns):
    return [(t.date, t.account, t.amount, t.memo) for t in txns]


def test_data_untouched():
    assert hashlib.sha256((ROOT / S["data"]).read_bytes()).hexdigest() == S["data_sha256"]


def test_stage1_parse_amount():
    got = agent_call({"op": "parse_amount", "amounts": S["amounts"]})
    assert isinstance(got, list) and len(got) == len(S["amounts"]), "one outcome per amount"
    bad = [(a, g, plain(outcome(ref_parse.parse_amount, a))) for a, g in zip(S["amounts"], got)]
    bad = [b for b in bad if b[1] != b[2]]
    assert not bad, f"{len(bad)} amounts wrong, e.g. {bad[:4]}"


def test_stage1_load_transactions(hidden):
    paths = [str(p) for p in sorted(hidden.iterdir())] + [str(ROOT / S["data"])]
    got = agent_call({"op": "load", "paths": paths})
    assert isinstance(got, list) and len(got) == len(paths), "one result per file"
    for p, g in zip(paths, got):
        assert g == plain(as_tuples(ref_parse.load_transactions(p))), Path(p).name


def test_stage2_monthly_summary(hidden):
    queries = [None] if LEVEL == "easy" else [None] + S["acct_queries"]
    names, files, wants = [], [], []
    for p in sorted(hidden.iterdir()):
        ref_txns = ref_parse.load_transactions(str(p))
        names.append(p.name)
        files.append({"txns": plain(as_tuples(ref_txns)), "queries": queries})
        wants.append([plain(ref_report.monthly_summary(ref_txns) if LEVEL == "easy" else
                            ref_report.monthly_summary(ref_txns, q)) for q in queries])
    got = agent_call({"op": "monthly", "files": files})
    assert got["has"], "monthly_summary missing"
    assert len(got["files"]) == len(files)
    for name, f, g, want in zip(names, files, got["files"], wants):
        assert len(g["got"]) == len(queries)
        for q, rows, w in zip(queries, g["got"], want):
            assert rows == w, f"{name} account={q!r}"
        assert g["after"] == f["txns"], "monthly_summary modified its input"


def test_stage3_cli_monthly(hidden):
    for p in sorted(hidden.iterdir()):
        res = cli("monthly", str(p))
        assert res.returncode == 0, res.stderr[-1000:]
        assert res.stdout == ref_monthly(str(p)), p.name
        if LEVEL == "easy":
            continue
        for q in S["acct_queries"][:4]:
            args = ["monthly", str(p), "--account", q, "--format", "json"]
            since = S["since"] if LEVEL == "hard" and q == S["acct_queries"][0] else None
            if since:
                args += ["--since", since]
            res = cli(*args)
            assert res.returncode == 0, res.stderr[-1000:]
            assert json.loads(res.stdout) == ref_monthly(str(p), q, since, "json"), (p.name, args)
        res = cli("monthly", str(p), "--account", S["acct_queries"][0], "--format", "csv")
        assert res.stdout == ref_monthly(str(p), S["acct_queries"][0]), p.name


def test_stage3_balance_still_works(hidden):
    for p in sorted(hidden.iterdir()):
        res = cli("balance", str(p), "--format", "csv")
        assert res.returncode == 0, res.stderr[-1000:]
        assert res.stdout == ref_balance_csv(str(p)), p.name
        res = cli("balance", str(p))
        assert res.returncode == 0


def test_stage4_reports():
    data = str(ROOT / S["data"])
    reports = Path(S["reports"])
    assert (reports / "balances.csv").read_text() == ref_balance_csv(data)
    assert (reports / "monthly.csv").read_text() == ref_monthly(data)
    if LEVEL != "easy":
        since = S["since"] if LEVEL == "hard" else None
        got = json.loads((reports / f"{S['slug']}-monthly.json").read_text())
        assert got == ref_monthly(data, S["account"], since, "json")
'''
