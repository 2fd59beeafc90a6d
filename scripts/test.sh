#!/usr/bin/env bash
# The test suite: set up (including Harbor's own venv for the conformance tests), then every test,
# fast unit tests and Docker tests alike.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/harbor-venv.sh
LCT_HARBOR_VERSION=0.26.0 LCT_HARBOR_VENV="$PWD/.cache/harbor-venv-0.26" bash scripts/harbor-venv.sh
exec python3 -m pytest -q "$@"
