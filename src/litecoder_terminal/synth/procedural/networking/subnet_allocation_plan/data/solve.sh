#!/bin/bash
# Reference: read the site's IPAM rules and inputs, size every segment, allocate largest-first at the lowest
# aligned free address, write the plan (and the free list when asked), then check the result.
set -euo pipefail
cd @@netdir@@
# What is here? The rules, the requests and maybe reservations and old drafts.
ls -la
ls -R . | head -n 30
# The README holds the rules and the output paths the pipeline checks.
cat README.md
# The requests: header, and any comments/blank lines or padded fields to strip.
head -n 40 @@requests@@
grep -c ',' @@requests@@
grep -n '^#\|^ *$\| ,' @@requests@@ || echo "no comments or padding"
# Anything already in use inside the block?
cat @@reserved_path@@ 2>/dev/null || echo "no reservations"
# The block itself: how many addresses do we have?
python3 -c 'import ipaddress; n = ipaddress.ip_network("@@block@@"); print(n, n.num_addresses, "addresses")'
mkdir -p "$(dirname @@plan@@)"
cat > /tmp/plan.py <<'PY'
import csv
import ipaddress

BLOCK = ipaddress.ip_network("@@block@@")
HEADROOM = @@headroom@@
REQUESTS, RESERVED, PLAN, FREE = "@@requests@@", "@@reserved_path@@", "@@plan@@", "@@free@@"
rows = []
for line in open(REQUESTS).read().splitlines()[1:]:
    if not line.strip() or line.lstrip().startswith("#"):
        continue
    seg, hosts = [f.strip() for f in line.split(",")]
    rows.append((seg, hosts))


def prefix(hosts):
    if hosts == "p2p":
        return 31
    need = (int(hosts) * (100 + HEADROOM) + 99) // 100
    p = 30
    while 2 ** (32 - p) - @@sizing@@ < need:  # network and broadcast are not usable
        p -= 1
    return p


used = []
if RESERVED and @@use_reserved@@:
    for line in open(RESERVED):
        line = line.split("#", 1)[0].strip()
        if line:
            used.append(ipaddress.ip_network(line.split()[0]))
plan = []
for seg, hosts in @@order@@:
    cand = next(c for c in BLOCK.subnets(new_prefix=prefix(hosts)) if not any(c.overlaps(u) for u in used))
    used.append(cand)
    plan.append((seg, cand))
with open(PLAN, "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["segment", "cidr", "netmask", "first_usable", "last_usable", "broadcast", "usable_hosts"])
    for seg, net in sorted(plan, key=lambda x: int(x[1].network_address)):
        if net.prefixlen == 31:
            w.writerow([seg, net, net.netmask, net[0], net[1], "-", 2])
        else:
            w.writerow([seg, net, net.netmask, net[1], net[-2], net.broadcast_address, net.num_addresses - 2])
if FREE:
    free = [BLOCK]
    for u in used:
        free = [part for f in free for part in (f.address_exclude(u) if f.overlaps(u) else [f])]
    with open(FREE, "w") as f:
        f.writelines(f"{n}\n" for n in ipaddress.collapse_addresses(free))
PY
python3 /tmp/plan.py
# Check: one row per request, and no two subnets overlap.
cat @@plan@@
wc -l @@plan@@
python3 -c '
import csv, ipaddress, itertools
nets = [ipaddress.ip_network(r["cidr"]) for r in csv.DictReader(open("@@plan@@"))]
assert not any(a.overlaps(b) for a, b in itertools.combinations(nets, 2)), "overlap"
print(len(nets), "subnets, no overlap")'
[ -z "@@free@@" ] || cat @@free@@
