"""VLSM address plan: carve a parent block into subnets for requested host counts (headroom, reservations, /31s)."""

from __future__ import annotations

import hashlib
import json
import random

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

SEGMENTS = ["eng-floor1", "eng-floor2", "eng-floor3", "sales", "finance", "hr", "voip", "guest-wifi", "corp-wifi",
            "printers", "mgmt", "oob", "dmz-web", "dmz-mail", "lab", "ci-runners", "storage", "backup", "cctv",
            "badge-readers", "kiosk", "iot", "build-farm", "vdi", "dev-k8s", "prod-k8s", "monitoring", "support"]
P2P = ["p2p-core1-edge1", "p2p-core1-edge2", "p2p-core2-edge1", "p2p-core2-edge2", "p2p-fw-isp1", "p2p-fw-isp2",
       "p2p-dc1-dc2"]


def _ip(n: int) -> str:
    return ".".join(str((n >> s) & 255) for s in (24, 16, 8, 0))


def _prefix_for(need: int, reserve_two: bool = True) -> int:
    p = 30
    while (1 << (32 - p)) - (2 if reserve_two else 0) < need:
        p -= 1
    return p


def _allocate(parent: int, plen: int, blocks: list[tuple[str, int]], reserved: list[tuple[int, int]]
              ) -> dict[str, int] | None:
    """First fit, in the given order, at the lowest aligned free address. blocks: (name, prefix)."""
    used = list(reserved)
    end = parent + (1 << (32 - plen))
    out = {}
    for name, p in blocks:
        size = 1 << (32 - p)
        start = parent
        while start + size <= end:
            if all(start + size <= a or b <= start for a, b in used):
                break
            start += size
        else:
            return None
        used.append((start, start + size))
        out[name] = start
    return out


@register
class SubnetAllocationPlan(TaskFamily):
    name = "subnet_allocation_plan"
    domain = "networking"
    title = "Carve a parent IPv4 block into right-sized subnets and write the address plan"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        while True:
            draft = self._try(rng, level)
            if draft is not None:
                return draft

    def _try(self, rng: random.Random, level: str) -> TaskDraft | None:
        plen = {"easy": rng.choice([22, 23]), "medium": rng.choice([20, 21]), "hard": 20}[level]
        first = rng.choice([10, 172, 192])
        if first == 10:
            parent = (10 << 24) | rng.getrandbits(24)
        elif first == 172:
            parent = (172 << 24) | (rng.randrange(16, 32) << 16) | rng.getrandbits(16)
        else:
            parent = (192 << 24) | (168 << 16) | rng.getrandbits(16)
        parent &= ~((1 << (32 - plen)) - 1) & 0xFFFFFFFF
        headroom = 0 if level == "easy" else rng.choice([10, 15, 20, 25, 30])
        n_lan = {"easy": rng.randint(4, 6), "medium": rng.randint(7, 10), "hard": rng.randint(9, 12)}[level]
        names = rng.sample(SEGMENTS, n_lan)
        p2p = sorted(rng.sample(P2P, rng.randint(2, 4))) if level == "hard" else []

        def need_of(hosts: int) -> int:
            return (hosts * (100 + headroom) + 99) // 100

        # One segment sits exactly on a power-of-two boundary: forgetting network/broadcast changes its size.
        trap = None
        for _ in range(50):
            k = rng.randint(4, 7)
            target = rng.choice([(1 << k) - 1, 1 << k])
            cands = [h for h in range(1, target + 1) if need_of(h) == target]
            if cands:
                trap = rng.choice(cands)
                break
        if trap is None:
            return None
        space = 1 << (32 - plen)
        hosts = {names[0]: trap}
        for nm in names[1:]:
            hosts[nm] = rng.choice([rng.randint(3, 30), rng.randint(20, 120), rng.randint(60, 250)]) \
                if space >= 2048 else rng.choice([rng.randint(3, 30), rng.randint(10, 60), rng.randint(30, 120)])
        reserved: list[tuple[int, int]] = []
        reserved_lines: list[str] = []
        if level == "hard":
            # Already-used ranges, one of them at the very start of the block.
            r0 = rng.choice([24, 25, 26])
            reserved.append((parent, parent + (1 << (32 - r0))))
            reserved_lines.append(f"{_ip(parent)}/{r0}    # legacy servers, do not touch")
            for comment in rng.sample(["# vendor VPN pool", "# old DHCP scope, still in use", "# loopbacks",
                                       "# migration staging"], rng.randint(1, 2)):
                rp = rng.choice([25, 26, 27, 28])
                start = parent + rng.randrange(1, space >> (32 - rp)) * (1 << (32 - rp))
                if any(not (start + (1 << (32 - rp)) <= a or b <= start) for a, b in reserved):
                    continue
                reserved.append((start, start + (1 << (32 - rp))))
                reserved_lines.append(f"{_ip(start)}/{rp}    {comment}")

        lan_prefix = {nm: _prefix_for(need_of(h)) for nm, h in hosts.items()}
        prefixes = {**lan_prefix, **{nm: 31 for nm in p2p}}
        order = sorted(prefixes, key=lambda nm: (prefixes[nm], nm))
        used_space = sum(1 << (32 - p) for p in prefixes.values()) + sum(b - a for a, b in reserved)
        if used_space > space * 0.8:
            return None
        alloc = _allocate(parent, plen, [(nm, prefixes[nm]) for nm in order], reserved)
        if alloc is None:
            return None
        file_rows = [(nm, str(hosts[nm])) for nm in names] + [(nm, "p2p") for nm in p2p]
        rng.shuffle(file_rows)
        # The known-wrong orders must really give different plans.
        in_file_order = _allocate(parent, plen, [(nm, prefixes[nm]) for nm, _ in file_rows], reserved)
        if in_file_order == alloc:
            return None
        sloppy = {nm: _prefix_for(need_of(h), reserve_two=False) for nm, h in hosts.items()}
        if sloppy == lan_prefix:
            return None

        files: dict[str, str | bytes] = {}
        netdir = pick(rng, ["/app/network", "/srv/ipam", "/root/netplan"])
        req_name = pick(rng, ["requests.csv", "segments.csv", "vlan_requests.csv"])
        lines = ["segment,hosts"]
        for nm, h in file_rows:
            if level == "hard" and rng.random() < 0.25:
                lines.append(rng.choice(["# requested by facilities", "# TODO: confirm with security", "",
                                         "# from the Q3 sizing spreadsheet"]))
            lines.append(f"{nm},{h}" if level != "hard" or rng.random() < 0.7 else f" {nm} , {h} ")
        files[f"environment/ipam/{req_name}"] = "\n".join(lines) + "\n"
        if reserved_lines:
            files["environment/ipam/reserved.txt"] = ("# ranges already in use inside the block (CIDR, comment)\n"
                                                      + "\n".join(reserved_lines) + "\n")
        plan = f"{netdir}/{pick(rng, ['plan.csv', 'address_plan.csv', 'allocation.csv'])}"
        free = f"{netdir}/free.txt"
        block = f"{_ip(parent)}/{plen}"
        intro = pick(rng, [
            f"We are re-addressing the branch office onto `{block}` and need the address plan before the change window.",
            f"Networking has been handed `{block}` for the new site; produce the subnet plan for it.",
            f"The IPAM ticket for the new building assigns `{block}`; carve it up for the requested segments.",
        ])
        rules = [
            f"Each row of `{netdir}/{req_name}` (header `segment,hosts`) is a segment and the number of hosts "
            "that must fit in it.",
        ]
        if headroom:
            rules.append(f"Size every LAN segment for {headroom}% more hosts than requested, rounded up to a whole "
                         f"host (e.g. 50 requested -> {need_of(50)} needed).")
        rules.append("Give each LAN segment the smallest subnet whose usable host count (addresses minus network "
                     "and broadcast) is at least the hosts needed; never use anything smaller than a /30.")
        if p2p:
            rules.append("A `hosts` value of `p2p` marks a point-to-point link: it gets a /31 (RFC 3021, both "
                         "addresses usable, no broadcast) and no headroom.")
        if level == "hard":
            rules.append("In the requests file, ignore blank lines and lines starting with `#`, and strip spaces "
                         "around fields.")
            rules.append(f"`{netdir}/reserved.txt` lists ranges inside the block that are already in use (CIDR, "
                         "then a comment); no subnet may overlap them.")
        rules.append("Allocate subnets from the largest to the smallest (ties: segment name ascending), each at the "
                     "lowest address inside the block that is aligned to its own size and does not overlap anything "
                     "allocated or reserved before it.")
        cols = "segment,cidr,netmask,first_usable,last_usable,broadcast,usable_hosts"
        out_spec = [f"`{plan}`: CSV with the header `{cols}`, one row per segment, sorted by network address "
                    "ascending. `cidr` is like `10.1.2.0/26`, `netmask` dotted-quad, `first_usable`/`last_usable` "
                    "the first and last host addresses, `usable_hosts` their count."
                    + (" For a /31, `first_usable` and `last_usable` are its two addresses and `broadcast` is `-`."
                       if p2p else "")]
        if level == "hard":
            out_spec.append(f"`{free}`: the space of `{block}` left over after the reserved ranges and your "
                            "allocations, as the shortest list of CIDR blocks, one per line, ascending.")
        instruction = (intro + "\n\nRules:\n\n" + "\n".join(f"- {r}" for r in rules) + "\n\nWrite:\n\n"
                       + "\n".join(f"- {o}" for o in out_spec)
                       + f"\n\nDo not modify the input files in `{netdir}`.\n")

        params = {"block": block, "headroom": headroom, "requests": f"{netdir}/{req_name}",
                  "reserved": f"{netdir}/reserved.txt" if reserved_lines else "", "plan": plan,
                  "free": free if level == "hard" else ""}
        planner = PLANNER.replace("__PARAMS__", json.dumps(params))
        files["solution/solve.sh"] = ("#!/bin/bash\n# Size, allocate largest-first at the lowest aligned free "
                                      "address, write the plan.\nset -euo pipefail\n"
                                      f"mkdir -p {netdir}\npython3 - <<'PY'\n" + planner + "PY\n"
                                      f"cat {plan}\n")
        files["solution/wrong/no-network-broadcast.sh"] = (
            "#!/bin/bash\n# Mistake: counts every address in the subnet as usable (forgets network/broadcast).\n"
            "python3 - <<'PY'\n" + planner.replace("SLOPPY = False", "SLOPPY = True") + "PY\n")
        files["solution/wrong/file-order.sh"] = (
            "#!/bin/bash\n# Mistake: allocates in the order of the requests file instead of largest first.\n"
            "python3 - <<'PY'\n" + planner.replace("FILE_ORDER = False", "FILE_ORDER = True") + "PY\n")
        if level == "hard":
            files["solution/wrong/ignores-reserved.sh"] = (
                "#!/bin/bash\n# Mistake: never reads the reserved ranges.\n"
                "python3 - <<'PY'\n" + planner.replace("USE_RESERVED = True", "USE_RESERVED = False") + "PY\n")
        digests = {params["requests"]: hashlib.sha256(files[f"environment/ipam/{req_name}"].encode()).hexdigest()}
        if reserved_lines:
            digests[params["reserved"]] = hashlib.sha256(files["environment/ipam/reserved.txt"].encode()).hexdigest()
        files["tests/test_outputs.py"] = (TEST + (FREE_TEST if level == "hard" else "")).replace(
            "__PARAMS__", json.dumps(params)).replace("__DIGESTS__", json.dumps(digests))
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY ipam/ {netdir}/\nWORKDIR {netdir}\n",
            files=files, artifacts=[plan, free] if level == "hard" else [plan],
            tags=["ipv4", "subnetting", "vlsm", "csv"],
            agent_timeout_sec={"easy": 600.0, "medium": 900.0, "hard": 1200.0}[level],
            expert_minutes={"easy": 10, "medium": 20, "hard": 30}[level],
        )


PLANNER = '''import csv, ipaddress, json
P = json.loads(\'\'\'__PARAMS__\'\'\')
SLOPPY = False
FILE_ORDER = False
USE_RESERVED = True
block = ipaddress.ip_network(P["block"])
rows = []
for line in open(P["requests"]).read().splitlines()[1:]:
    if not line.strip() or line.lstrip().startswith("#"):
        continue
    seg, hosts = [f.strip() for f in line.split(",")]
    rows.append((seg, hosts))
def prefix(hosts):
    if hosts == "p2p":
        return 31
    need = (int(hosts) * (100 + P["headroom"]) + 99) // 100
    p = 30
    while 2 ** (32 - p) - (0 if SLOPPY else 2) < need:
        p -= 1
    return p
used = []
if P["reserved"] and USE_RESERVED:
    for line in open(P["reserved"]):
        line = line.split("#", 1)[0].strip()
        if line:
            used.append(ipaddress.ip_network(line.split()[0]))
order = rows if FILE_ORDER else sorted(rows, key=lambda r: (prefix(r[1]), r[0]))
plan = []
for seg, hosts in order:
    for cand in block.subnets(new_prefix=prefix(hosts)):
        if not any(cand.overlaps(u) for u in used):
            break
    used.append(cand)
    plan.append((seg, cand))
with open(P["plan"], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\\n")
    w.writerow(["segment", "cidr", "netmask", "first_usable", "last_usable", "broadcast", "usable_hosts"])
    for seg, net in sorted(plan, key=lambda x: int(x[1].network_address)):
        if net.prefixlen == 31:
            w.writerow([seg, net, net.netmask, net[0], net[1], "-", 2])
        else:
            w.writerow([seg, net, net.netmask, net[1], net[-2], net.broadcast_address, net.num_addresses - 2])
if P["free"]:
    free = [block]
    for u in used:
        nxt = []
        for f in free:
            nxt.extend(f.address_exclude(u) if f.overlaps(u) else [f])
        free = nxt
    with open(P["free"], "w") as f:
        for n in ipaddress.collapse_addresses(free):
            f.write(f"{n}\\n")
'''

TEST = '''"""Recompute the address plan from the requests (and reservations) and compare with the agent's files."""

import csv
import ipaddress
import json
from pathlib import Path

P = json.loads(\'\'\'__PARAMS__\'\'\')
DIGESTS = json.loads(\'\'\'__DIGESTS__\'\'\')
BLOCK = ipaddress.ip_network(P["block"])


def requests():
    out = []
    for line in Path(P["requests"]).read_text().splitlines()[1:]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        seg, hosts = (f.strip() for f in line.split(","))
        out.append((seg, hosts))
    return out


def size_prefix(hosts):
    if hosts == "p2p":
        return 31
    need = -(-int(hosts) * (100 + P["headroom"]) // 100)
    return max(p for p in range(0, 31) if 2 ** (32 - p) - 2 >= need)


def reserved():
    if not P["reserved"]:
        return []
    nets = []
    for line in Path(P["reserved"]).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            nets.append(ipaddress.ip_network(line.split()[0]))
    return nets


def expected_plan():
    taken = reserved()
    plan = {}
    for seg, hosts in sorted(requests(), key=lambda r: (size_prefix(r[1]), r[0])):
        p = size_prefix(hosts)
        net = next(c for c in BLOCK.subnets(new_prefix=p) if not any(c.overlaps(t) for t in taken))
        taken.append(net)
        plan[seg] = net
    return plan


def read_plan():
    rows = list(csv.reader(Path(P["plan"]).read_text().splitlines()))
    assert rows[0] == ["segment", "cidr", "netmask", "first_usable", "last_usable", "broadcast", "usable_hosts"]
    return rows[1:]


def test_every_segment_allocated_once():
    segs = [r[0] for r in read_plan()]
    assert sorted(segs) == sorted(s for s, _ in requests())


def test_subnets_inside_block_and_disjoint():
    nets = [ipaddress.ip_network(r[1]) for r in read_plan()]
    for n in nets:
        assert n.subnet_of(BLOCK), n
        for t in reserved():
            assert not n.overlaps(t), f"{n} overlaps reserved {t}"
    for i, a in enumerate(nets):
        for b in nets[i + 1:]:
            assert not a.overlaps(b), f"{a} overlaps {b}"


def test_sizes_and_placement():
    plan = expected_plan()
    got = {r[0]: r[1] for r in read_plan()}
    for seg, net in plan.items():
        assert got.get(seg) == str(net), f"{seg}: expected {net}, got {got.get(seg)}"


def test_row_details_and_order():
    plan = expected_plan()
    want = []
    for seg, net in sorted(plan.items(), key=lambda kv: int(kv[1].network_address)):
        if net.prefixlen == 31:
            want.append([seg, str(net), str(net.netmask), str(net[0]), str(net[1]), "-", "2"])
        else:
            want.append([seg, str(net), str(net.netmask), str(net[1]), str(net[-2]), str(net.broadcast_address),
                         str(net.num_addresses - 2)])
    assert read_plan() == want
'''

FREE_TEST = '''

def test_free_space():
    taken = reserved() + list(expected_plan().values())
    free = [BLOCK]
    for t in taken:
        nxt = []
        for f in free:
            nxt.extend(f.address_exclude(t) if f.overlaps(t) else [f])
        free = nxt
    want = [str(n) for n in ipaddress.collapse_addresses(free)]
    got = [ln.strip() for ln in Path(P["free"]).read_text().splitlines() if ln.strip()]
    assert got == want

'''
