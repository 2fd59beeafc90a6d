#!/usr/bin/env bash
# The main job: set up, generate one task per domain (or, with --all-families, one of every task family), and
# validate them together with the bundled examples; prints the verdict table. Extra arguments go to `lct validate`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
gen=(--count 10)
if [ "${1:-}" = "--all-families" ]; then gen=(--per-family 1); shift; fi
out=jobs/main/tasks
rm -rf "$out"
lct generate --domain all "${gen[@]}" --seed "${LCT_SEED:-0}" --out "$out"
exec lct validate "$out" examples/tasks --job-dir jobs/main/validate --report jobs/main/report.json "$@"
