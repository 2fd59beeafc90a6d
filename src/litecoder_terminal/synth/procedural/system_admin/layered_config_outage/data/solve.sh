#!/bin/bash
# Reference: read the runbook, look at what the log says now, walk the layered configuration (main file, conf.d
# fragments in name order, their permissions, the environment file), then start -> read the error -> fix that one
# cause -> start again, until the service answers; report the codes seen and the fragments at fault.
set -uo pipefail
# What is this service and what does the on-call procedure want?
ls /root/runbooks/
cat /root/runbooks/@@svc@@.md
# Which logs exist? The current one ends with the failing attempts; the rotated one is older history.
ls -la /var/log/@@svc@@/
tail -n 12 /var/log/@@svc@@/@@svc@@.log
grep -n ERROR /var/log/@@svc@@/@@svc@@.log.1 /var/log/@@svc@@/@@svc@@.log
# How is it started: env file, config path, user.
cat /usr/local/bin/@@svc@@ctl
cat /etc/@@svc@@/@@svc@@.env
id @@svc@@
# The main configuration and its include directory, with permissions (the service reads them as @@svc@@).
cat /etc/@@svc@@/@@svc@@.conf
ls -la /etc/@@svc@@/conf.d/
# Every fragment, in the order the service reads them (only *.conf; later ones override earlier ones).
for f in /etc/@@svc@@/conf.d/*.conf; do echo "== $f"; cat "$f"; done
# The disabled fragment looks related, but the service ignores it: it stays disabled.
cat /etc/@@svc@@/conf.d/@@disabled@@
# Which fragment sets what: the last assignment of a key wins.
grep -nE '^[a-z_]+ *=' /etc/@@svc@@/@@svc@@.conf /etc/@@svc@@/conf.d/*.conf
# Where does the data really live?
ls -la /var/lib/@@svc@@/ /var/lib/@@svc@@/catalog/
# Can the service user read every fragment?
for f in /etc/@@svc@@/conf.d/*.conf; do runuser -u @@svc@@ -- test -r "$f" || echo "unreadable for @@svc@@: $f"; done
# Reproduce the first error, fix its cause, and repeat for each error that shows up next.
/usr/local/bin/@@svc@@ctl start || tail -n 2 /var/log/@@svc@@/@@svc@@.log
@@first_fix@@
@@rest@@
@@herring@@
/usr/local/bin/@@svc@@ctl stop || true
/usr/local/bin/@@svc@@ctl start
for i in $(seq 1 30); do curl -fsS http://127.0.0.1:@@port@@/health >/dev/null 2>&1 && break; sleep 0.5; done
/usr/local/bin/@@svc@@ctl status
ps -o user=,pid=,args= -C python3 || true
# The error codes of this outage: only the current log (the rotated one holds an old, unrelated incident).
CODES=$(grep -ohE 'ERROR E[0-9]+' @@logs@@ | awk '{print $2}' | sort -u | jq -R . | jq -sc .)
echo "$CODES"
curl -fsS http://127.0.0.1:@@port@@/health | tee /tmp/health.json
mkdir -p "$(dirname '@@report@@')"
jq -n --argjson codes "$CODES" --argjson frags '@@fragments@@' --slurpfile h /tmp/health.json \
  '{error_codes: $codes, fragments: $frags, records: $h[0].records}' > '@@report@@'
cat '@@report@@'
