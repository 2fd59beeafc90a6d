#!/bin/bash
# Lays out the build host as it was left: site settings, login fragments, local wrappers, old logs and notes.
set -euo pipefail
cp /tmp/host/profile.d/*.sh /etc/profile.d/
chmod 644 /etc/profile.d/*.sh
mkdir -p /usr/local/bin
cp /tmp/host/bin/* /usr/local/bin/
chmod 755 /usr/local/bin/*
cp /tmp/host/ld/*.conf /etc/ld.so.conf.d/
mkdir -p /var/log/ci
cp /tmp/host/ci/*.log /var/log/ci/
cp -r /tmp/host/opt/. /opt/
chmod -R a+rX /opt
cp /tmp/host/NOTES.md /root/NOTES.md
