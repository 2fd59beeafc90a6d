#!/bin/bash
set -e
useradd --system --home-dir /var/lib/@@svc@@ --no-create-home --shell /usr/sbin/nologin @@svc@@
install -d -m 0755 /opt/@@svc@@ /etc/@@svc@@ /var/lib/@@svc@@ /var/log/@@svc@@ /root/runbooks
install -d -m 0750 -o @@svc@@ -g @@svc@@ /var/lib/@@svc@@/quarantine
install -m 0755 /tmp/svc/server.py /opt/@@svc@@/server.py
install -m 0755 /tmp/svc/ctl /usr/local/bin/@@svc@@ctl
install -m 0644 /tmp/svc/conf /etc/@@svc@@/@@svc@@.conf
install -m 0644 /tmp/svc/runbook.md /root/runbooks/@@svc@@.md
cp -r /tmp/svc/records /var/lib/@@svc@@/records
chmod 644 /var/lib/@@svc@@/records/*.jsonl
@@perm_cmd@@
cp /tmp/svc/log/* /var/log/@@svc@@/
rm -rf /tmp/svc
