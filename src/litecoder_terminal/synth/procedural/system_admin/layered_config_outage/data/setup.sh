#!/bin/bash
set -e
useradd --system --home-dir /var/lib/@@svc@@ --no-create-home --shell /usr/sbin/nologin @@svc@@
install -d -m 0755 /opt/@@svc@@ /etc/@@svc@@ /etc/@@svc@@/conf.d /var/lib/@@svc@@ /root/runbooks
install -d -m 0755 -o @@svc@@ -g @@svc@@ /var/log/@@svc@@
install -m 0755 /tmp/svc/server.py /opt/@@svc@@/server.py
install -m 0755 /tmp/svc/ctl /usr/local/bin/@@svc@@ctl
install -m 0644 /tmp/svc/etc/@@svc@@.conf /tmp/svc/etc/@@svc@@.env /etc/@@svc@@/
install -m 0644 /tmp/svc/etc/conf.d/* /etc/@@svc@@/conf.d/
install -m 0644 /tmp/svc/runbook.md /root/runbooks/@@svc@@.md
cp -r /tmp/svc/catalog /var/lib/@@svc@@/catalog
chmod 755 /var/lib/@@svc@@/catalog && chmod 644 /var/lib/@@svc@@/catalog/*
@@perm_cmd@@
cp /tmp/svc/log/* /var/log/@@svc@@/
chown @@svc@@:@@svc@@ /var/log/@@svc@@/*
rm -rf /tmp/svc
