"""Recompute the brute-force analysis from the logs and compare with the agent's files."""

import csv
import gzip
from pathlib import Path

import lct_verify

WINDOW = NUMERIC_SORT = ALL_FILES = USE_TRUSTED = EXPAND_REPEATS = True

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

P = lct_verify.expected()["params"]  # the logs, the rules' numbers and the output paths


def read(name):
    return gzip.open(name, "rt").read() if name.endswith(".gz") else open(name).read()


def expected():
    return analyse(P, read)


def output(path):
    p = Path(path)
    assert p.is_file() and not p.is_symlink(), f"{path} is missing (or not a regular file)"
    return p.read_text()


def test_logs_untouched():
    assert lct_verify.untouched() == []


def test_blocklist_addresses():
    got = [ln.strip() for ln in output(P["blocklist"]).splitlines() if ln.strip()]
    want = expected()[0]
    assert sorted(got) == sorted(want), f"missing {sorted(set(want) - set(got))}, unexpected {sorted(set(got) - set(want))}"


def test_blocklist_numeric_order():
    got = [ln.strip() for ln in output(P["blocklist"]).splitlines() if ln.strip()]
    assert got == expected()[0]
