import csv, gzip, ipaddress, json, re
from collections import defaultdict
from datetime import datetime


FAIL = re.compile(r"Failed password for (?:invalid user )?(\S+) from (\S+) port \d+")
ACC = re.compile(r"Accepted (?:password|publickey) for (\S+) from (\S+) port \d+")
REP = re.compile(r"^message repeated (\d+) times: \[ ?(.*)\]$")
MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
HEAD = re.compile(r"^(\w{3} +\d+ \d\d:\d\d:\d\d) \S+ sshd\[\d+\]: (.*)$")


def analyse(P, read):
    events = []
    for name in (P["logs"] if ALL_FILES else P["logs"][-1:]):
        for line in read(name).splitlines():
            m = HEAD.match(line)
            if not m:
                continue
            msg, n = m.group(2), 1
            r = REP.match(msg)
            if r and EXPAND_REPEATS:
                n, msg = int(r.group(1)), r.group(2)
            f = FAIL.search(msg)
            a = None if f else ACC.search(msg)
            if not (f or a):
                continue
            mon, day, hms = m.group(1).split()
            hh, mm, ss = hms.split(":")
            ts = datetime(P["year"], MONTHS[mon], int(day), int(hh), int(mm), int(ss))
            if f:
                events += [("fail", ts, f.group(2), f.group(1))] * n
                continue
            if a:
                events.append(("ok", ts, a.group(2), a.group(1)))
    trusted = [ipaddress.ip_network(t) for t in P["trusted"]] if USE_TRUSTED else []
    fails = defaultdict(list)
    for kind, ts, ip, _ in events:
        if kind == "fail":
            fails[ip].append(ts)
    T, W = P["threshold"], P["window_min"] * 60
    blocked = []
    for ip, times in fails.items():
        times.sort()
        if any(ipaddress.ip_address(ip) in net for net in trusted):
            continue
        if WINDOW:
            hit = any((times[i + T - 1] - times[i]).total_seconds() <= W for i in range(len(times) - T + 1))
        else:
            hit = len(times) >= T
        if hit:
            blocked.append(ip)
    blocked.sort(key=(lambda ip: ipaddress.ip_address(ip)) if NUMERIC_SORT else None)
    report = [[ip, str(len(fails[ip])), min(fails[ip]).isoformat(), max(fails[ip]).isoformat()] for ip in blocked]
    comp = sorted(((ts, ip, user) for kind, ts, ip, user in events
                   if kind == "ok" and ip in fails and ip in blocked and ts > min(fails[ip])))
    compromised = [[ip, user, ts.isoformat()] for ts, ip, user in comp]
    return blocked, report, compromised
