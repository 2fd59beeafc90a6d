#!/usr/bin/env bash
# The main job: set up, then validate the bundled example tasks and print the verdict table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec lct validate examples/tasks --report jobs/main-report.json "$@"
