"""VLSM address plan: carve a parent block into subnets for requested host counts (headroom, reservations, /31s)."""

from __future__ import annotations

import random

from litecoder_terminal.synth.procedural import kit

SEGMENTS = ["eng-floor1", "eng-floor2", "eng-floor3", "sales", "finance", "hr", "voip", "guest-wifi", "corp-wifi",
            "printers", "mgmt", "oob", "dmz-web", "dmz-mail", "lab", "ci-runners", "storage", "backup", "cctv",
            "badge-readers", "kiosk", "iot", "build-farm", "vdi", "dev-k8s", "prod-k8s", "monitoring", "support"]
P2P = ["p2p-core1-edge1", "p2p-core1-edge2", "p2p-core2-edge1", "p2p-core2-edge2", "p2p-fw-isp1", "p2p-fw-isp2",
       "p2p-dc1-dc2"]

KNOBS = {
    "sizing": kit.Knob("2", "0", "counts every address in the subnet as usable (forgets network and broadcast)"),
    "order": kit.Knob("sorted(rows, key=lambda r: (prefix(r[1]), r[0]))", "rows",
                      "allocates in the order of the requests file instead of largest first"),
    "use_reserved": kit.Knob("True", "False", "never reads the reserved ranges"),
}


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


class SubnetAllocationPlan(kit.KitFamily):
    title = "Carve a parent IPv4 block into right-sized subnets and write the address plan"
    levels = kit.Levels(
        block=((22, 23), (20, 21), (20,)), headroom=(False, True, True), lans=((4, 6), (7, 10), (9, 12)),
        p2p=(0, 0, 1), reserved=(0, 0, 1), messy=(0, 0, 1), free_list=(0, 0, 1), noise=(0, 1, 1),
        agent_timeout=(600, 900, 1200), expert_minutes=(10, 20, 30),
    )

    def build(self, rng: random.Random) -> kit.TaskDraft:
        while True:
            draft = self._try(rng)
            if draft is not None:
                return draft

    def _try(self, rng: random.Random) -> kit.TaskDraft | None:
        k = self.knobs
        plen = rng.choice(k.block)
        first = rng.choice([10, 172, 192])
        if first == 10:
            parent = (10 << 24) | rng.getrandbits(24)
        elif first == 172:
            parent = (172 << 24) | (rng.randrange(16, 32) << 16) | rng.getrandbits(16)
        else:
            parent = (192 << 24) | (168 << 16) | rng.getrandbits(16)
        parent &= ~((1 << (32 - plen)) - 1) & 0xFFFFFFFF
        headroom = rng.choice([10, 15, 20, 25, 30]) if k.headroom else 0
        names = rng.sample(SEGMENTS, rng.randint(*k.lans))
        p2p = sorted(rng.sample(P2P, rng.randint(2, 4))) if k.p2p else []

        def need_of(hosts: int) -> int:
            return (hosts * (100 + headroom) + 99) // 100

        # One segment sits exactly on a power-of-two boundary: forgetting network/broadcast changes its size.
        trap = None
        for _ in range(50):
            e = rng.randint(4, 7)
            target = rng.choice([(1 << e) - 1, 1 << e])
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
        if k.reserved:
            # Already-used ranges, one of them at the very start of the block (ignoring them must go wrong).
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
        # Each known-wrong solution must really give a different plan on this instance.
        if _allocate(parent, plen, [(nm, prefixes[nm]) for nm, _ in file_rows], reserved) == alloc:
            return None
        if {nm: _prefix_for(need_of(h), reserve_two=False) for nm, h in hosts.items()} == lan_prefix:
            return None

        netdir = rng.choice(["/app/network", "/srv/ipam", "/root/netplan"])
        req_name = rng.choice(["requests.csv", "segments.csv", "vlan_requests.csv"])
        lines = ["segment,hosts"]
        for nm, h in file_rows:
            if k.messy and rng.random() < 0.25:
                lines.append(rng.choice(["# requested by facilities", "# TODO: confirm with security", "",
                                         "# from the Q3 sizing spreadsheet"]))
            lines.append(f"{nm},{h}" if not k.messy or rng.random() < 0.7 else f" {nm} , {h} ")
        files: dict[str, str | bytes] = {f"environment/ipam/{req_name}": "\n".join(lines) + "\n"}
        if reserved_lines:
            files["environment/ipam/reserved.txt"] = ("# ranges already in use inside the block (CIDR, comment)\n"
                                                      + "\n".join(reserved_lines) + "\n")
        plan = f"{netdir}/{rng.choice(['plan.csv', 'address_plan.csv', 'allocation.csv'])}"
        free = f"{netdir}/free.txt" if k.free_list else ""
        block = f"{_ip(parent)}/{plen}"
        if k.noise:  # an abandoned draft for the site's previous block and a stale note: red herrings
            old = f"{_ip((parent ^ (1 << (32 - plen))) & 0xFFFFFFFF)}/{plen}"
            files["environment/ipam/archive/plan-draft.csv"] = (
                "segment,cidr\n" + "".join(f"{nm},{_ip(parent ^ (1 << (32 - plen)))}/{rng.randint(24, 28)}\n"
                                           for nm in rng.sample(names, min(3, len(names)))))
            files["environment/ipam/archive/NOTES.txt"] = (
                f"Draft against {old} (withdrawn: that block went to another site). Sized without headroom.\n")

        paths = {"requests": f"{netdir}/{req_name}", "reserved": f"{netdir}/reserved.txt" if reserved_lines else "",
                 "plan": plan, "free": free, "block": block, "netdir": netdir}
        rules = [self.template("rules/requests.md", requests=paths["requests"])]
        if headroom:
            rules.append(self.template("rules/headroom.md", headroom=headroom, example=need_of(50)))
        rules.append(self.data("rules/sizing.md"))
        if p2p:
            rules.append(self.data("rules/p2p.md"))
        if k.messy:
            rules.append(self.data("rules/messy.md"))
        if reserved_lines:
            rules.append(self.template("rules/reserved.md", reserved=paths["reserved"]))
        rules.append(self.data("rules/order.md"))
        p2p_note = (" For a /31, `first_usable` and `last_usable` are its two addresses and `broadcast` is `-`."
                    if p2p else "")
        outputs = [self.template("rules/plan.md", plan=plan, p2p_note=p2p_note)]
        if free:
            outputs.append(self.template("rules/free.md", free=free, block=block))
        rules_text, outputs_text = "".join(rules).rstrip(), "".join(outputs).rstrip()
        files["environment/ipam/README.md"] = self.template("README.md", block=block, rules=rules_text,
                                                           outputs=outputs_text)

        values = {"netdir": netdir, "block": block, "headroom": headroom, "requests": paths["requests"],
                  "reserved_path": paths["reserved"], "plan": plan, "free": free}
        wrong = {"no-network-broadcast": "sizing", "file-order": "order"}
        if reserved_lines:
            wrong["ignores-reserved"] = "use_reserved"
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(**values)
        files["tests/test_outputs.py"] = self.template("verify.py") + (self.data("verify_free.py") if free else "")
        files |= kit.expected_file({"params": {"block": block, "headroom": headroom, "requests": paths["requests"],
                                               "reserved": paths["reserved"], "plan": plan, "free": free}})
        intro = self.intro(rng, block=block)
        instruction = self.instruction(intro=intro, rules=rules_text, outputs=outputs_text, netdir=netdir,
                                       requests=paths["requests"], plan=plan,
                                       free_part=f" and the free list to `{free}`" if free else "")
        outs = [plan, free] if free else [plan]
        return kit.draft(
            instruction=instruction, dockerfile_body=f"COPY ipam/ {netdir}/\nWORKDIR {netdir}\n",
            files=files, artifacts=outs, outputs=outs, tags=["ipv4", "subnetting", "vlsm", "csv"],
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
        )
