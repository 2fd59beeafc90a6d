#!/bin/bash
# Alternative: stream every rotation oldest first through `zcat -f` into Python, keep per-address failure times,
# find a window with two pointers, sort addresses as integer tuples.
set -euo pipefail
mkdir -p @@outdir@@
zcat -f @@logs_sh@@ | python3 -c '
import csv, ipaddress, re, sys
from datetime import datetime
T, W, YEAR = @@threshold@@, @@window_min@@ * 60, @@year@@
TRUSTED = [ipaddress.ip_network(n) for n in @@trusted@@]
BLOCKLIST, REPORT, COMP = "@@blocklist@@", "@@report@@", "@@compromised@@"
MON = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
fails, oks = {}, []
for line in sys.stdin:
    parts = line.split(None, 5)
    if len(parts) < 6 or not parts[4].startswith("sshd["):
        continue
    stamp = datetime(YEAR, MON.index(parts[0]) + 1, int(parts[1]), *map(int, parts[2].split(":")))
    msg, times = parts[5].rstrip("\n"), 1
    rep = re.match(r"message repeated (\d+) times: \[ ?(.*)\]$", msg)
    if rep:
        times, msg = int(rep.group(1)), rep.group(2)
    m = re.match(r"Failed password for (?:invalid user )?\S+ from (\S+) port \d+", msg)
    if m:
        fails.setdefault(m.group(1), []).extend([stamp] * times)
        continue
    m = re.match(r"Accepted (?:password|publickey) for (\S+) from (\S+) port \d+", msg)
    if m:
        oks.append((stamp, m.group(2), m.group(1)))
blocked = []
for ip, ts in fails.items():
    if any(ipaddress.ip_address(ip) in n for n in TRUSTED):
        continue
    ts.sort()
    lo = 0
    for hi in range(len(ts)):
        while (ts[hi] - ts[lo]).total_seconds() > W:
            lo += 1
        if hi - lo + 1 >= T:
            blocked.append(ip)
            break
blocked.sort(key=lambda ip: tuple(int(x) for x in ip.split(".")))
with open(BLOCKLIST, "w") as f:
    f.writelines(ip + "\n" for ip in blocked)
if REPORT:
    with open(REPORT, "w") as f:
        f.write("ip,failures,first_seen,last_seen\n")
        for ip in blocked:
            f.write(f"{ip},{len(fails[ip])},{min(fails[ip]).isoformat()},{max(fails[ip]).isoformat()}\n")
if COMP:
    rows = sorted((ts, ip, user) for ts, ip, user in oks if ip in blocked and ts > min(fails[ip]))
    with open(COMP, "w") as f:
        f.write("ip,user,time\n")
        f.writelines(f"{ip},{user},{ts.isoformat()}\n" for ts, ip, user in rows)
'
cat @@blocklist@@
