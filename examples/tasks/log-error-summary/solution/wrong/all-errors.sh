#!/bin/bash
# Plausible mistake: counts client errors (4xx) too.
cd /app
{ echo "status,count"; awk '$5 >= 400 { n[$5]++ } END { for (s in n) print s "," n[s] }' access.log | sort -t, -k2,2nr -k1,1n; } > errors.csv
