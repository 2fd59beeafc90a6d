#!/bin/bash
# @@app@@ retention job (ported from the old host; data path not updated yet)
set -eu
DATA=/mnt/@@app@@-data
if [ ! -d "$DATA" ]; then
  echo "retention: $DATA not found, nothing to do" >&2
  exit 1
fi
find "$DATA/cache" -type f -mtime +@@cache_days@@ -delete
