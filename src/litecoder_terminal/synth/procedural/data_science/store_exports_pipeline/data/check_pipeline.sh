#!/bin/bash
# Nightly pipeline check: every stage output named in pipeline.conf exists and is not empty.
set -u
conf=/app/pipeline.conf
status=0
for stage in staging clean daily report; do
  path=$(awk -F' *= *' -v k="$stage" '$1 == k { print $2; exit }' "$conf")
  if [ -s "$path" ]; then
    echo "pipeline: $stage ok ($path, $(wc -l < "$path") lines)"
  else
    echo "pipeline: FAIL $stage output missing: $path" >&2
    status=1
  fi
done
exit $status
