#!/bin/bash
# Nightly: convert every service config to JSON for the deploy.
set -u
CONVERTER=@@tool_path@@
LOG=/app/logs/export.log
mkdir -p /app/out
status=0
for cfg in /app/configs/*.ini; do
  name=$(basename "$cfg" .ini)
  if "$CONVERTER" "$cfg" > "/app/out/$name.json.tmp"; then
    mv "/app/out/$name.json.tmp" "/app/out/$name.json"
    echo "$(date -u +%FT%TZ) export: $name ok" >> "$LOG"
  else
    rc=$?
    rm -f "/app/out/$name.json.tmp"
    echo "$(date -u +%FT%TZ) export: $name FAILED (exit $rc)" >> "$LOG"
    status=1
  fi
done
exit $status
