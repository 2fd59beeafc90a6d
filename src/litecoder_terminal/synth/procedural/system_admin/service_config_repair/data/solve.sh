#!/bin/bash
# Reference: read the runbook, date the outage from the whole (rotated) log, then reproduce -> fix -> retry until
# the service starts as its own user, and report from the running service.
set -uo pipefail
# The runbook says what counts (outage start, data policy, report).
ls /root/runbooks/
cat /root/runbooks/@@svc@@.md
# stage 1: the history. Which log files exist (rotations, compressed)?
ls -la /var/log/@@svc@@/
(@@logs@@) | grep -E 'start requested|listening on|ERROR|runuser:' | tail -n 20
cat > /tmp/outage.py <<'PY'
import sys

attempts = []
for line in sys.stdin:
    if "ctl: start requested" in line:
        attempts.append([line.split()[0], False])
    elif attempts and " listening on " in line:
        attempts[-1][1] = True
oks = [i for i, a in enumerate(attempts) if a[1]]
last_ok = oks[-1] if oks else -1
print(next(a[0] for a in @@since@@ if not a[1]))
PY
DOWN_SINCE=$( (@@logs@@) | python3 /tmp/outage.py)
echo "down since $DOWN_SINCE"
# stage 2: what does it run, with which config, on which data?
cat /usr/local/bin/@@svc@@ctl
cat /etc/@@svc@@/@@svc@@.conf
ls -la /var/lib/@@svc@@/ /var/lib/@@svc@@/records/
id @@svc@@
ls -l /usr/bin/python*
# Reproduce: the first error the service reports now.
/usr/local/bin/@@svc@@ctl start || tail -n 3 /var/log/@@svc@@/@@svc@@.log
@@config_fixes@@
@@other_fixes@@
@@bad@@
@@root@@
cat /etc/@@svc@@/@@svc@@.conf
/usr/local/bin/@@svc@@ctl stop || true
/usr/local/bin/@@svc@@ctl start
for i in $(seq 1 30); do curl -fsS http://127.0.0.1:@@port@@/health >/dev/null 2>&1 && break; sleep 0.5; done
/usr/local/bin/@@svc@@ctl status
# Which errors did the service print during this repair (this outage's faults, each revealed by fixing the last)?
tail -n 30 /var/log/@@svc@@/@@svc@@.log | grep -oE 'ERROR E[0-9]+' | sort -u
# stage 3: report from the running service
curl -fsS http://127.0.0.1:@@port@@/health | tee /tmp/health.json
ps -o user=,pid=,args= -C python3 || true
mkdir -p "$(dirname '@@report@@')"
jq -n --arg down "$DOWN_SINCE" --argjson codes '@@codes@@' --slurpfile h /tmp/health.json \
  '{down_since: $down, error_codes: $codes, version: $h[0].version, records: $h[0].records}' > '@@report@@'
cat '@@report@@'
