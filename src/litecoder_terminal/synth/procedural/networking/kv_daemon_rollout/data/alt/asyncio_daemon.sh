#!/bin/bash
# Alternative: an asyncio daemon (one event loop, no threads) and a control script that tracks the daemon with
# setsid and checks liveness through /proc instead of kill -0.
set -euo pipefail
cat /opt/@@svc@@/PROTOCOL.md @@conf@@
@@port_step@@
cat > /opt/@@svc@@/@@svc@@.py <<'PYEOF'
#!/usr/bin/env python3
"""@@svc@@ on asyncio: protocol v1 and v2 (PROTOCOL.md), configured by /etc/@@svc@@/@@svc@@.conf."""
import asyncio
import json
import os
import re

MORE = @@more@@
store = {}
key_ok = re.compile(r"[A-Za-z0-9_.:-]{1,64}").fullmatch


def config():
    cfg = {"bind": "127.0.0.1", "port": "0", "datafile": "/var/lib/@@svc@@/data.json"}
    for raw in open("/etc/@@svc@@/@@svc@@.conf"):
        line = raw.split("#")[0]
        if "=" in line:
            key, _, val = line.partition("=")
            cfg[key.strip()] = val.strip()
    return cfg


CFG = config()


def answer(line):
    name, _, rest = line.partition(" ")
    name = name.upper()
    args = rest.split(" ", 1) if rest else []
    if name in ("GET", "DEL", "INCR", "SET") and args and not key_ok(args[0]):
        return ["ERR invalid key"]
    if name == "PING" and not rest:
        return ["PONG"]
    if name == "SET" and len(args) == 2 and args[1]:
        store[args[0]] = args[1]
        return ["OK"]
    if name == "GET" and len(args) == 1:
        return ["VALUE " + store[args[0]]] if args[0] in store else ["NOT_FOUND"]
    if name == "DEL" and len(args) == 1:
        return ["DELETED %d" % (store.pop(args[0], None) is not None)]
    if name == "INCR" and len(args) == 1:
        current = store.get(args[0], "0")
        try:
            number = int(current, 10)
        except ValueError:
            return ["ERR not an integer"]
        if current.strip() != current or "_" in current:
            return ["ERR not an integer"]
        store[args[0]] = str(number + 1)
        return ["VALUE " + store[args[0]]]
    if MORE and name == "KEYS" and " " not in rest:
        found = sorted((k for k in store if k.startswith(rest)), key=str.encode)
        return ["KEYS %d" % len(found), *found]
    if MORE and name == "SAVE" and not rest:
        path = CFG["datafile"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".new"
        with open(tmp, "w") as f:
            json.dump(store, f)
        os.rename(tmp, path)
        return ["SAVED %d" % len(store)]
    return ["ERR bad request"]


async def serve(reader, writer):
    try:
        while True:
            raw = await reader.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace").rstrip("\n").rstrip("\r")
            if line.upper() == "QUIT":
                writer.write(b"BYE\n")
                break
            writer.write("".join(r + "\n" for r in answer(line)).encode())
            await writer.drain()
    finally:
        writer.close()


async def main():
    if MORE and os.path.isfile(CFG["datafile"]):
        with open(CFG["datafile"]) as f:
            store.update({str(k): str(v) for k, v in json.load(f).items()})
    server = await asyncio.start_server(serve, CFG["bind"], int(CFG["port"]), reuse_address=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
PYEOF
cat > @@ctl@@ <<'SHEOF'
#!/bin/bash
# @@svc@@ control: start | stop | status
pidfile=/run/@@svc@@.pid
alive() { [ -f "$pidfile" ] && pid=$(cat "$pidfile") && [ -n "$pid" ] && [ -d "/proc/$pid" ] && grep -q '@@svc@@.py' "/proc/$pid/cmdline" 2>/dev/null; }
listening() {
  local port
  port=$(awk -F= '$1 ~ /^[ \t]*port[ \t]*$/ {gsub(/[ \t]/, "", $2); print $2; exit}' /etc/@@svc@@/@@svc@@.conf)
  python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$port" 2>/dev/null
}
if [ "${1:-}" = start ]; then
  alive && { echo "already running"; exit 0; }
  mkdir -p /var/lib/@@svc@@
  setsid python3 /opt/@@svc@@/@@svc@@.py </dev/null >>/var/log/@@svc@@.log 2>&1 &
  echo $! > "$pidfile"
  for i in $(seq 100); do listening && { echo "started"; exit 0; }; sleep 0.1; done
  echo "not listening" >&2
  exit 1
elif [ "${1:-}" = stop ]; then
  if alive; then kill "$pid"; while [ -d "/proc/$pid" ]; do sleep 0.1; done; fi
  rm -f "$pidfile"
  echo "stopped"
elif [ "${1:-}" = status ]; then
  if alive; then echo "running $pid"; else echo "stopped"; exit 3; fi
else
  echo "usage: $0 start|stop|status" >&2
  exit 2
fi
SHEOF
chmod 755 @@ctl@@
@@ctl@@ start
printf 'PING\nSET a b  c\nGET a\nQUIT\n' | nc -q 2 127.0.0.1 "$(sed -n 's/^port *= *//p' @@conf@@)"
@@ctl@@ stop
