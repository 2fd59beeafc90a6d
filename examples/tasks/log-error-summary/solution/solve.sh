#!/bin/bash
# Count 5xx statuses (field 5), then sort by count desc and status asc.
set -euo pipefail
cd /app
{
  echo "status,count"
  awk '$5 >= 500 && $5 <= 599 { n[$5]++ } END { for (s in n) print s "," n[s] }' access.log \
    | sort -t, -k2,2nr -k1,1n
} > errors.csv
