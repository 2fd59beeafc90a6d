#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian machine: the Python package and its deps, a Docker engine when none is
# reachable, and the base images tasks start FROM (pulled, or built locally when no registry answers).
#   LCT_EXTRA_CA_BUNDLE  extra CA bundle baked into locally built base images (default: the host bundle;
#                        set it empty to bake none)
#   LCT_BASE_IMAGES      base images to make available (default: debian:bookworm-slim)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

"$PY" - <<'PY' || { echo "setup: Python >= 3.11 is required (set PYTHON=...)" >&2; exit 1; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
"$PY" -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v -e "Running pip as the 'root'" -e "^WARNING: Location" || true

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1; then
    echo "setup: installing a Docker engine (docker.io)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq docker.io >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "setup: starting dockerd (log: /var/log/lct-dockerd.log)"
    as_root sh -c 'nohup dockerd >/var/log/lct-dockerd.log 2>&1 &'
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { echo "setup: dockerd did not come up:" >&2; tail -20 /var/log/lct-dockerd.log >&2; exit 1; }
  fi
fi

# lct report's browser test drives Debian's headless Chromium (never a downloaded browser build)
if ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then
  echo "setup: installing chromium and chromium-driver (Debian packages)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null
fi

export LCT_EXTRA_CA_BUNDLE=${LCT_EXTRA_CA_BUNDLE-/etc/ssl/certs/ca-certificates.crt}
[ -n "$LCT_EXTRA_CA_BUNDLE" ] && [ ! -f "$LCT_EXTRA_CA_BUNDLE" ] && LCT_EXTRA_CA_BUNDLE=""
for image in ${LCT_BASE_IMAGES:-debian:bookworm-slim}; do
  bash scripts/base-image.sh "$image"
done
echo "setup: ready"
