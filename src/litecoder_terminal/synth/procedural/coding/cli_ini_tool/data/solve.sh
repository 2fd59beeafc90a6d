#!/bin/bash
# Reference: find what the failing export needs, read the dialect specification, write the converter, check it.
set -euo pipefail
cd /app
# What is in the project: configs, the pipeline, docs, examples, logs.
ls -la
cat README.md
# The failing job first: what does it run, and what did it say?
cat pipeline/export-configs.sh
tail -n 12 logs/export.log
# The converter the job calls does not exist yet (exit 127 in the log): confirm, and see where it must go.
ls -la "$(dirname @@tool_path@@)" || true
bash pipeline/export-configs.sh || echo "export still failing (exit $?)"
# The retired converter: configparser-based, why it is no answer (the spec's dialect differs).
head -n 30 legacy/@@legacy@@
python3 legacy/@@legacy@@ examples/example1.ini || true
# The specification: lines, comments, separators, types, flags, exit statuses.
cat docs/ini-dialect.md
grep -n 'exit with status\|status [0-9]' docs/ini-dialect.md
# The examples: inputs and the JSON they must give (CRLF endings and odd spacing are part of the test).
ls examples
head -n 30 examples/example1.ini | cat -A
cat examples/example1.json
# The configs the job converts.
ls configs
head -n 15 configs/@@cfg1@@.ini
# Which interpreter this image offers for the converter.
command -v python3
python3 --version
# Write the converter to the specification (a self-contained Python 3 script).
mkdir -p "$(dirname @@tool_path@@)"
cat > @@tool_path@@ <<'PYEOF'
@@source@@PYEOF
chmod +x @@tool_path@@
# Check 1: every example converts to exactly its JSON (compared as data).
for f in examples/*.ini; do @@tool_path@@ "$f" | python3 -c 'import json,sys; a=json.load(sys.stdin); b=json.load(open(sys.argv[1])); assert a == b, sys.argv[1]; print("ok", sys.argv[1])' "${f%.ini}.json"; done
# Check 2: invalid input and unreadable files give the documented statuses, nothing on stdout.
printf '[ok]\nkey = 1\njust text\n' > /tmp/ini-bad.ini
@@tool_path@@ /tmp/ini-bad.ini || echo "exit $? (want @@err@@)"
@@tool_path@@ /tmp/no-such-file.ini || echo "exit $? (want @@read@@)"
@@flag_checks@@
# Check 4: the job itself now runs clean.
bash pipeline/export-configs.sh
ls out
tail -n 3 logs/export.log
