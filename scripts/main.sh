#!/usr/bin/env bash
# The main job: set up, generate one task per domain (or, with --all-families, one of every task family), and
# validate them together with the bundled examples; prints the verdict table, then writes the report page
# (jobs/main/report.html) and prints its path. Extra arguments go to `lct validate`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
gen=(--count 10)
if [ "${1:-}" = "--all-families" ]; then gen=(--per-family 1); shift; fi
out=jobs/main/tasks
rm -rf "$out"
lct generate --domain all "${gen[@]}" --seed "${LCT_SEED:-0}" --out "$out"
status=0
lct validate "$out" examples/tasks --job-dir jobs/main/validate --report jobs/main/report.json "$@" || status=$?
# the page: verdicts by gate and reason, charts, every trial turn by turn (opens from disk)
lct report "$out" examples/tasks jobs/main/validate --out jobs/main/report.html \
  --title "lct main: generated tasks + examples"
echo "report written: $PWD/jobs/main/report.html"
exit "$status"
