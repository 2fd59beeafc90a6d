#!/bin/bash
# Reference: read the request, reproduce the failures, fix the parser, add monthly_summary and the CLI
# subcommand, then produce the reports; each stage checked before the next.
set -euo pipefail
cd @@root@@
# What is in the project: the package, its tests, docs, data, logs.
ls -la
ls @@pkg@@ docs logs data
# The request with every detail (stages, function, command line, report files).
cat docs/TICKET.md
# What the nightly job saw on the real export.
tail -n 20 logs/import.log
# Keep a copy of the package to compare at the end.
rm -rf /tmp/@@pkg@@.orig && cp -r @@pkg@@ /tmp/@@pkg@@.orig
# Reproduce: the current tool on the real export, and the shipped tests.
python3 -m @@pkg@@ balance data/@@data_name@@ --format csv > /tmp/before.csv 2>&1 || echo "balance fails before the fix"
tail -n 3 /tmp/before.csv
python3 -m pytest -q -p no:cacheprovider tests || true
# The export's shape: a byte-order mark? CRLF? accounting-style or grouped amounts? separator rows?
head -c 3 data/@@data_name@@ | od -c | head -n 2
grep -c $'\r' data/@@data_name@@ || true
grep -n -m 5 '(\|"[0-9-]*,[0-9]' data/@@data_name@@ || true
grep -n -m 3 '^,' data/@@data_name@@ || true
cut -d, -f2 data/@@data_name@@ | sort | uniq -c | sort -rn | head -n 12
# The parser's docstrings are the contract: read them against the code.
grep -n 'def \|"""' @@pkg@@/parse.py
sed -n '/def parse_amount/,/return -cents/p' @@pkg@@/parse.py
sed -n '/def load_transactions/,$p' @@pkg@@/parse.py
# Stage 1: the parser, every function as its docstring says.
cat > @@pkg@@/parse.py <<'PYEOF'
@@parse@@PYEOF
python3 -c 'from @@pkg@@.parse import parse_amount as p, normalize_account as n; assert p("(4.00)") == -400 and p("1,234.56") == 123456 and p("19.99") == 1999 and n(" Expenses:Food ") == "expenses:food"; print("parser ok")'
python3 -m @@pkg@@ balance data/@@data_name@@ --format csv > /tmp/after.csv
diff /tmp/before.csv /tmp/after.csv || true
# Stage 2: monthly_summary in the report module (the stub raises NotImplementedError).
grep -n 'def ' @@pkg@@/report.py
cat > @@pkg@@/report.py <<'PYEOF'
@@report@@PYEOF
python3 -c 'from @@pkg@@.parse import load_transactions; from @@pkg@@.report import monthly_summary; rows = monthly_summary(load_transactions("data/@@data_name@@")); assert all(r["expense"] >= 0 and r["net"] == r["income"] - r["expense"] for r in rows); print(len(rows), "months")'
# Stage 3: the monthly subcommand, next to balance.
cat > @@pkg@@/cli.py <<'PYEOF'
@@cli@@PYEOF
python3 -m @@pkg@@ monthly data/@@data_name@@ > /tmp/monthly.csv
head -n 3 /tmp/monthly.csv
python3 -m @@pkg@@ balance data/@@data_name@@ > /dev/null
python3 -m pytest -q -p no:cacheprovider tests
# Stage 4: the reports the ticket lists.
mkdir -p @@reports@@
@@runs@@
ls -l @@reports@@
wc -l @@reports@@/monthly.csv
diff -r /tmp/@@pkg@@.orig @@pkg@@ > /dev/null || echo "package updated"
