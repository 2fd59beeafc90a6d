#!/bin/bash
# Plausible mistake: right numbers, wrong format (no header, sorted by status).
cd /app
awk '$5 >= 500 && $5 <= 599 { n[$5]++ } END { for (s in n) print s "," n[s] }' access.log | sort > errors.csv
