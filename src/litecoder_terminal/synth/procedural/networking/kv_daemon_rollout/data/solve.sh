#!/bin/bash
# Reference: read the ticket, the spec and the configuration; run the prototype and reproduce each reported bug;
# rewrite the daemon to the spec, write the control script, then smoke-test everything through the control script.
set -uo pipefail
# What is there: the program directory (ticket, spec, prototype) and the configuration.
ls -la /opt/@@svc@@ /etc/@@svc@@
cat @@ticket_path@@
cat /opt/@@svc@@/PROTOCOL.md
cat @@conf@@
# What clients saw.
tail -n 15 /var/log/@@svc@@-clients.log
# Where does the prototype listen, and how does it read requests?
grep -n -e 'PORT' -e 'bind' -e 'recv' -e 'split' /opt/@@svc@@/@@svc@@.py
# Reproduce: run the prototype on its hard-coded port and send what clients send.
python3 /opt/@@svc@@/@@svc@@.py >/tmp/proto.log 2>&1 &
proto=$!
for i in $(seq 1 20); do nc -z 127.0.0.1 @@default_port@@ && break; sleep 0.2; done
# two requests on one connection: only the first is answered
printf 'SET motd hello  world\nGET motd\n' | nc -q 1 127.0.0.1 @@default_port@@
# the value comes back cut at the first space, and a missing key answers "nil"
printf 'GET motd\n' | nc -q 1 127.0.0.1 @@default_port@@
printf 'GET nope\n' | nc -q 1 127.0.0.1 @@default_port@@
# a malformed request kills the whole daemon
printf 'GET\n' | nc -q 1 127.0.0.1 @@default_port@@
sleep 0.5
kill -0 "$proto" 2>/dev/null && echo "prototype still alive" || { echo "prototype died:"; tail -n 3 /tmp/proto.log; }
kill "$proto" 2>/dev/null
# Rewrite the daemon: threaded line server, v1 exactly as specified, v2 commands, configuration-driven.
cp -n /opt/@@svc@@/@@svc@@.py /tmp/@@svc@@.py.orig
cat > /opt/@@svc@@/@@svc@@.py <<'PYEOF'
@@server@@
PYEOF
python3 -m py_compile /opt/@@svc@@/@@svc@@.py
@@port_step@@
# The control script: PID file, start waits for the port, stale PID files ignored, status exit codes per ticket.
cat > /tmp/@@svc@@ctl <<'SHEOF'
@@ctl_src@@
SHEOF
bash -n /tmp/@@svc@@ctl
@@install_ctl@@
mkdir -p /var/lib/@@svc@@
@@ctl@@ start
@@ctl@@ status
PORT=$(sed -n 's/^port *= *//p' @@conf@@)
# Smoke test through the configured port: several requests on one connection, spaces kept, case-insensitive names.
printf 'PING\nSET greeting hello  there\nget greeting\nGET nope\nQUIT\n' | nc -q 2 127.0.0.1 "$PORT"
printf 'INCR visits\nINCR visits\nDEL visits\nDEL visits\nGET\nPING\n' | nc -q 2 127.0.0.1 "$PORT"
@@more_checks@@
@@ctl@@ stop
@@ctl@@ status
