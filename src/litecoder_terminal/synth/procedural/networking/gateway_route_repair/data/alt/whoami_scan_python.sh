#!/bin/bash
# Alternative: find every listening port from /proc/net/tcp, ask each one who it is (GET /__whoami), and write
# the table in Python, most specific prefix first.
set -euo pipefail
sleep 2
cat /etc/gateway/contract.txt
python3 - <<'PY'
import json
import time
import urllib.error
import urllib.request

def listening():
    ports = set()
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and local.startswith("0100007F:"):
            ports.add(int(local.split(":")[1], 16))
    return sorted(ports)

def whoami(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__whoami", timeout=3) as r:
            return json.loads(r.read()).get("service")
    except urllib.error.HTTPError as e:
        return "gateway" if e.code == 404 and b"no route" in e.read() else None
    except (OSError, ValueError):
        return None

contract = [l.split() for l in open("/etc/gateway/contract.txt") if l.strip() and not l.startswith("#")]
where = {}
for _ in range(40):
    where = {whoami(p): p for p in listening()}
    if "gateway" in where and all(svc in where for _, svc, _ in contract):
        break
    time.sleep(0.25)
missing = [svc for _, svc, _ in contract if svc not in where]
assert not missing, f"services not found listening: {missing}"
lines = ["# routes (generated from the contract; most specific first)"]
for pub, svc, up in sorted(contract, key=lambda r: -len(r[0])):
    lines.append(f"{pub}\thttp://127.0.0.1:{where[svc]}" + ("" if up == "-" else f"\t{up}"))
open("/etc/gateway/routes.conf", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
gw=$(sed -n 's/^PORT = //p' /opt/gateway/gateway.py)
curl -s "http://127.0.0.1:$gw/not-routed"; echo
