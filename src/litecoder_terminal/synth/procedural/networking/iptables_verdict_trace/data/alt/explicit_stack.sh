#!/bin/bash
# Alternative: tokenise the saved rules with plain split (no shlex), match addresses with integer masks (no
# ipaddress), and walk the chains with an explicit stack of (chain, next rule) frames instead of recursion.
set -euo pipefail
cat @@notes@@
python3 - <<'PY'
import csv

RULES, PROBES, OUT = "@@rules@@", "@@probes@@", "@@out@@"


def ip(text):
    a, b, c, d = (int(x) for x in text.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def in_net(addr, cidr):
    net, _, bits = cidr.partition("/")
    bits = int(bits or 32)
    mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
    return ip(addr) & mask == ip(net) & mask


policy, chains, table = {}, {}, None
for line in open(RULES):
    s = line.strip()
    if not s or s.startswith("#"):
        continue
    if s.startswith("*"):
        table = s[1:]
    elif table != "filter" or s == "COMMIT":
        continue
    elif s.startswith(":"):
        name, pol = s[1:].split()[:2]
        policy[name] = pol
        chains.setdefault(name, [])
    elif s.startswith("-A "):
        if "--log-prefix" in s:  # the prefix is quoted text; it never matters for the walk
            s = s[:s.index("--log-prefix")]
        words = s.split()
        conds, target, i, negate = [], None, 2, False
        while i < len(words):
            w = words[i]
            if w == "!":
                negate = True
                i += 1
                continue
            if w == "-j":
                target = words[i + 1]
            elif w in ("-s", "-d", "-i", "-p", "--dport", "--dports", "--ctstate", "--state"):
                conds.append((w, words[i + 1], negate))
            negate = False
            i += 2
        chains.setdefault(words[1], []).append((conds, target))


def holds(kind, value, pkt):
    if kind == "-i":
        return pkt["iface"] == value or (value.endswith("+") and pkt["iface"].startswith(value[:-1]))
    if kind == "-s":
        return in_net(pkt["src"], value)
    if kind == "-d":
        return in_net(pkt["dst"], value)
    if kind == "-p":
        return pkt["proto"] == value
    if kind in ("--dport", "--dports"):
        if pkt["dport"] == "-":
            return False
        port = int(pkt["dport"])
        return any(int(r.split(":")[0]) <= port <= int(r.split(":")[-1]) for r in value.split(","))
    return pkt["state"] in value.split(",")


def decide(pkt):
    stack = [["INPUT", 0]]
    while stack:
        frame = stack[-1]
        name, pos = frame
        if pos >= len(chains[name]):
            stack.pop()  # fell off a chain: back to the caller (off INPUT: the policy below)
            continue
        frame[1] += 1
        conds, target = chains[name][pos]
        if not all(holds(k, v, pkt) != neg for k, v, neg in conds):
            continue
        if target in ("ACCEPT", "DROP", "REJECT"):
            return target, "%s:%d" % (name, pos + 1)
        if target == "RETURN":
            stack.pop()
        elif target in chains:
            stack.append([target, 0])
    return policy["INPUT"], "INPUT:policy"


rows = []
with open(PROBES, newline="") as f:
    for pkt in csv.DictReader(f):
        rows.append([pkt["id"], *decide(pkt)])
rows.sort(key=lambda r: int(r[0]))
with open(OUT, "w", newline="") as f:
    csv.writer(f).writerows([["id", "verdict", "rule"], *rows])
PY
wc -l @@out@@
