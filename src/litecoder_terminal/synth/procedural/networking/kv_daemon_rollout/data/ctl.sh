#!/bin/bash
# @@svc@@ctl: start|stop|status for the @@svc@@ daemon.
PIDFILE=/run/@@svc@@.pid
CONF=/etc/@@svc@@/@@svc@@.conf
port() { sed -n 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$CONF" | head -n1; }
usage() { echo "usage: $0 start|stop|status" >&2; exit 2; }
running() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
case "${1:-}" in
  start)
    if running; then echo "@@svc@@ already running (pid $(cat "$PIDFILE"))"; exit 0; fi
    mkdir -p /var/lib/@@svc@@ /var/log
    nohup python3 /opt/@@svc@@/@@svc@@.py >>/var/log/@@svc@@.log 2>&1 </dev/null &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 50); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$(port)") 2>/dev/null; then echo "@@svc@@ started (pid $!)"; exit 0; fi
      sleep 0.2
    done
    echo "@@svc@@ did not start listening" >&2; exit 1 ;;
  stop)
    if running; then
      kill "$(cat "$PIDFILE")"
      for _ in $(seq 1 50); do running || break; sleep 0.1; done
    fi
    rm -f "$PIDFILE"; echo "@@svc@@ stopped"; exit 0 ;;
  ""|-*) usage ;;
  status)
    if running; then echo "running $(cat "$PIDFILE")"; exit 0; fi
    echo "stopped"; exit 3 ;;
esac
usage
