#!/bin/bash
# Thermal report gate: every stage result named in analysis.conf exists and is not empty.
set -u
conf=/app/analysis.conf
status=0
for stage in clean calibration temperature fit prediction; do
  path=$(awk -F' *= *' -v k="$stage" '$1 == k && $2 ~ /^\// { print $2; exit }' "$conf")
  if [ -s "$path" ]; then
    echo "analysis: $stage ok ($path)"
  else
    echo "analysis: FAIL $stage result missing: $path" >&2
    status=1
  fi
done
exit $status
