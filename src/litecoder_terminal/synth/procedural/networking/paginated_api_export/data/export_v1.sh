#!/bin/bash
# export v1 (2023): one request to the v1 listing. Retired with the v2 API; kept for reference.
set -e
curl -sf "@@base@@/api/v1/@@res@@?page=1" -o /tmp/v1.json
jq '.items' /tmp/v1.json > @@outdir@@/archive/@@res@@-$(date +%F).json
