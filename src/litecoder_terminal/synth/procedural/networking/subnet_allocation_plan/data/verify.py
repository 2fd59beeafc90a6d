"""Recompute the address plan from the requests (and reservations) and compare with the agent's files."""

import csv
import ipaddress
from pathlib import Path

import lct_verify

P = lct_verify.expected()["params"]  # block, headroom and the paths; inputs are read from the pristine image
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


def output(path):
    p = Path(path)
    assert p.is_file() and not p.is_symlink(), f"{path} is missing (or not a regular file)"
    return p.read_text()


def read_plan():
    rows = list(csv.reader(output(P["plan"]).splitlines()))
    assert rows, f"{P['plan']} is empty"
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
