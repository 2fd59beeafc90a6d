#!/bin/bash
# Reference: reproduce the failure the way the docs run the check (a normal user, a login shell, a fresh copy),
# then follow each error to the host setting behind it, fix only that setting, and re-run until it passes.
set -uo pipefail
cd @@proj@@
# What is the documented check, and which variables does the build honour?
cat README.md
cat Makefile
ls tests/ tests/cases/ | head -n 20
# Reproduce as an unprivileged user in a login shell (profile.d is read), on a scratch copy of the project.
rm -rf /tmp/mt-repro && cp -r @@proj@@ /tmp/mt-repro && chmod -R a+rwX /tmp/mt-repro
runuser -u nobody -- bash -lc 'cd /tmp/mt-repro && make clean test' 2>&1 | tail -n 15
# What does a login shell resolve cc / python3 to, and with which build variables?
runuser -u nobody -- bash -lc 'type -a cc python3; env | grep -E "^(CC|CFLAGS|PYTHONPATH|LD_LIBRARY_PATH)=" || true'
# Local overrides earlier on PATH than /usr/bin: what are they, and do their targets exist?
ls -l /usr/local/bin/
for f in /usr/local/bin/*; do echo "== $f"; head -n 6 "$f"; done
grep -ho '/opt/[^ "]*' /usr/local/bin/* | sort -u | while read -r p; do ls -ld "$p" 2>&1; done
# The system compiler link chain: /usr/bin/cc -> /etc/alternatives/cc -> ?
ls -l /usr/bin/cc /etc/alternatives/cc
readlink -f /usr/bin/cc; ls -l "$(readlink -f /usr/bin/cc)" 2>&1 || true
update-alternatives --display cc || true
ls -l /usr/bin/gcc*
# Login fragments: which ones export build variables, and do the paths they name exist?
ls -l /etc/profile.d/
grep -n 'export' /etc/profile.d/*.sh
cat /etc/profile.d/@@tcfile@@
grep -ho '/opt/[^ ":]*' /etc/profile.d/*.sh | sort -u | while read -r p; do ls -ld "$p" 2>&1; done
ls -R /opt | head -n 30
# Other suspects: library search paths, the admin notes and the old CI logs (older failures may be unrelated).
cat /etc/ld.so.conf.d/*.conf
cat /root/NOTES.md
ls -lt /var/log/ci/
tail -n 12 /var/log/ci/*.log
@@herring@@
# Fix the settings that break the build (the first error first; each fix may reveal the next).
@@first@@
@@rest@@
@@broad@@
@@project@@
# Re-run as a normal user in a fresh login shell and a fresh copy.
rm -rf /tmp/mt-repro && cp -r @@proj@@ /tmp/mt-repro && chmod -R a+rwX /tmp/mt-repro
runuser -u nobody -- bash -lc 'cd /tmp/mt-repro && make clean test'
# The other login settings are still there.
runuser -u nobody -- bash -lc 'echo "SITE_REGION=$SITE_REGION TOOLCHAIN_TAG=$TOOLCHAIN_TAG"; site-info'
rm -rf /tmp/mt-repro
