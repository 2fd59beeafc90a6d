#!/bin/bash
# Reference: read the failing export job's log and schedule, find its spec and the stock service, learn the
# service's credentials and paging from its own responses, write the exporter the job runs, run it, check it.
set -uo pipefail
# The symptom: what the nightly job logged, and what it runs.
tail -n 20 /var/log/stock-export.log
cat /etc/cron.d/stock-export
# The export directory: the spec of both files, and whatever is there already.
ls -la @@outdir@@
cat @@outdir@@/README.md
# The service: which process, on which port, is it answering?
ps -eo pid,args | grep '[s]erver.py'
for i in $(seq 1 60); do curl -sf @@base@@/health >/dev/null && break; sleep 0.5; done
curl -s @@base@@/health
@@auth_probe@@
@@explore@@
@@legacy@@
# Write the exporter the job runs: every page through the API (the job's instance holds other data), then the
# per-warehouse summary the spec asks for.
cat > @@outdir@@/export.sh <<'EXPORTER'
@@exporter@@
EXPORTER
bash -n @@outdir@@/export.sh
# Run it once, as the job would.
bash @@outdir@@/export.sh
# Check: the record count, one record's keys, the order, discontinued stock kept in the export, and the summary.
jq length @@outdir@@/@@export_name@@
jq -c '.[0]' @@outdir@@/@@export_name@@
jq -r '.[] | @@order_key@@' @@outdir@@/@@export_name@@ | LC_ALL=C sort -c && echo "order ok"
jq '[.[] | select(.discontinued and .qty > 0)] | length' @@outdir@@/@@export_name@@
cat @@outdir@@/@@summary_name@@
