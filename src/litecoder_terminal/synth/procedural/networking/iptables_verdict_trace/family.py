"""Trace test packets through an iptables-save ruleset (user chains, LOG, RETURN, negation) and report verdicts."""

from __future__ import annotations

import json
import random
from importlib import resources

from litecoder_terminal.synth.procedural import kit

KNOBS = {  # each known-wrong solution = the reference with one of the evaluator's flags set
    "line_numbers": kit.Knob("False", "True", "names rules by their line in the file instead of their position "
                                              "in the chain"),
    "ignore_state": kit.Knob("False", "True", "assumes every test packet is a new connection"),
    "end_is_policy": kit.Knob("False", "True", "treats the end of a user chain like the end of INPUT (policy "
                                               "applies)"),
}


def evaluator_text() -> str:
    return resources.files(__package__).joinpath("evaluator.py").read_text()


IFACES = ["eth0", "eth1", "wg0"]


def _rand_public(rng: random.Random) -> str:
    return f"{rng.choice([23, 45, 62, 81, 91, 104, 141, 185, 212])}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _host_in(rng: random.Random, cidr: str) -> str:
    net, plen = cidr.split("/")
    base = sum(int(o) << s for o, s in zip(net.split("."), (24, 16, 8, 0)))
    size = 1 << (32 - int(plen))
    n = base + (rng.randrange(1, size - 1) if size > 2 else 0)
    return ".".join(str((n >> s) & 255) for s in (24, 16, 8, 0))


def _render(rule: dict) -> str:
    parts = []
    for key in ("-s", "-d", "-i", "-p"):
        if key in rule:
            val = rule[key] + ("/32" if key in ("-s", "-d") and "/" not in rule[key] else "")
            parts.append(("! " if key in rule.get("neg", ()) else "") + f"{key} {val}")
    if "dport" in rule:
        d = rule["dport"]
        if "," in d:
            parts.append(f"-m multiport --dports {d}")
        else:
            parts.append(f"-m {rule['-p']} --dport {d}")
    if "state" in rule:
        mod, opt = rule.get("statemod", ("conntrack", "--ctstate"))
        parts.append(f"-m {mod} {opt} {rule['state']}")
    parts.append(f"-j {rule['target']}")
    if rule["target"] == "LOG":
        parts.append(f'--log-prefix "{rule["prefix"]}"')
    if rule["target"] == "REJECT":
        parts.append("--reject-with " + ("tcp-reset" if rule.get("-p") == "tcp" else "icmp-port-unreachable"))
    return " ".join(parts)


class IptablesVerdictTrace(kit.KitFamily):
    title = "Trace test packets through an iptables-save ruleset and report each verdict and deciding rule"
    levels = kit.Levels(chains=(0, 1, 1), extras=(0, 0, 1), probes=(24, 36, 50), noise=(0, 0, 1),
                        agent_timeout=(600, 900, 1200), expert_minutes=(15, 25, 40))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        ns: dict = {}
        exec(evaluator_text(), ns)  # noqa: S102 - our own module, run to prove each wrong answer differs
        for _ in range(200):
            draft = self._try(rng, ns)
            if draft is not None:
                return draft
        raise RuntimeError("could not build a discriminating ruleset")

    def _try(self, rng: random.Random, ns: dict) -> kit.TaskDraft | None:
        k = self.knobs
        a = rng.randrange(1, 250)
        office = f"10.{a}.0.0/16"
        admin = f"10.{a}.{rng.randrange(10, 250)}.0/24"
        mon = f"10.{a}.{rng.randrange(2, 9)}.{rng.randrange(2, 250)}"
        bad = rng.choice(["198.51.100.0/24", "192.0.2.0/24", "203.0.113.0/25"])
        partner = f"203.0.113.{rng.randrange(130, 254)}"
        vpn = f"172.{rng.randrange(16, 32)}.{rng.randrange(0, 256, 16)}.0/20"
        srv = [f"10.{a}.1.{rng.randrange(10, 60)}", f"10.{a}.1.{rng.randrange(60, 120)}"]
        web_ports = rng.choice(["80,443", "80,443,8443", "443,8080"])
        ssh_port = rng.choice(["22", "22", "2222"])
        hard = bool(k.extras)

        chains: dict[str, list[dict]] = {}
        policy = "DROP" if not k.chains or rng.random() < 0.75 else "ACCEPT"
        inp: list[dict] = [{"-i": "lo", "target": "ACCEPT"}]
        est = {"state": "ESTABLISHED,RELATED", "target": "ACCEPT"}
        badrule = {"-s": bad, "target": "DROP"}
        inp += [est, badrule] if rng.random() < 0.5 else [badrule, est]
        if rng.random() < 0.6:
            inp.append({"state": "INVALID", "target": "DROP"})
        middle: list[dict] = []
        if rng.random() < 0.7:
            middle.append({"-p": "icmp", "target": "ACCEPT"})
        ssh_chain = rng.choice(["SSH_IN", "ssh-allow", "SSH"])
        web_chain = rng.choice(["WEB_IN", "web", "HTTP_IN"])
        mgmt_chain = rng.choice(["MGMT", "mgmt-in", "VPN_IN"])
        if not k.chains:
            middle += [{"-s": admin, "-p": "tcp", "dport": ssh_port, "target": "ACCEPT"},
                       {"-p": "tcp", "dport": ssh_port, "target": "REJECT"}]
            for port in web_ports.split(","):
                middle.append({"-p": "tcp", "dport": port, "target": "ACCEPT"})
        else:
            middle += [{"-p": "tcp", "dport": ssh_port, "target": ssh_chain},
                       {"-p": "tcp", "dport": web_ports, "target": web_chain}]
            ssh_rules = [{"-s": admin, "target": "ACCEPT"}, {"-s": partner, "target": "ACCEPT"}]
            if rng.random() < 0.5:
                ssh_rules += [{"target": "LOG", "prefix": "ssh-deny: "}, {"target": "REJECT", "-p": "tcp"}]
            chains[ssh_chain] = ssh_rules
            first_web = web_ports.split(",")[0]
            chains[web_chain] = [{"-s": partner, "target": "LOG", "prefix": "web-partner: "},
                                 {"-p": "tcp", "dport": web_ports.split(",")[1], "target": "ACCEPT"},
                                 {"-s": office, "-p": "tcp", "dport": first_web, "target": "ACCEPT"}]
        middle.append({"-s": mon, "-p": "udp", "dport": "161", "target": "ACCEPT"})
        middle.append({"-i": "eth1", "-p": "udp", "dport": "53", "target": "ACCEPT"})
        if rng.random() < 0.6:
            middle.append({"-s": office, "-p": "tcp", "dport": "3306", "target": "ACCEPT"})
        if hard:
            chains[mgmt_chain] = [{"-s": mon, "target": "RETURN"},
                                  {"-p": "tcp", "dport": "9100:9110", "target": "ACCEPT"},
                                  {"-s": vpn, "-p": "tcp", "dport": "5432", "target": "ACCEPT"},
                                  {"target": "LOG", "prefix": "mgmt: "}]
            if rng.random() < 0.5:
                chains[mgmt_chain].append({"target": "DROP"})
            middle += [{"-i": "wg0", "target": mgmt_chain},
                       {"-s": office, "neg": ("-s",), "-p": "tcp", "dport": "5432", "target": "DROP"},
                       {"-d": srv[1], "-p": "tcp", "dport": "6000:6010", "target": "ACCEPT"},
                       {"-i": "eth+", "-p": "udp", "dport": "123", "target": "ACCEPT"},
                       {"-p": "tcp", "dport": "5432", "state": "NEW", "statemod": ("state", "--state"),
                        "target": "ACCEPT"}]
        rng.shuffle(middle)
        inp += middle
        if k.chains:
            # Web clients the web chain did not accept get a polite reset instead of a silent drop.
            inp.append({"-p": "tcp", "dport": web_ports, "target": "REJECT"})
        inp.append({"target": "LOG", "prefix": "INPUT-drop: "})
        if policy == "ACCEPT":
            inp.append({"-p": "tcp", "target": "REJECT"})
            inp.append({"-p": "udp", "target": "DROP"})

        # Render in iptables-save layout: built-in chains, user chains, then the rules chain by chain.
        lines = [f"# Generated by iptables-save v1.8.9 on {rng.choice(['Mon', 'Tue', 'Wed', 'Thu'])} "
                 f"Mar {rng.randint(1, 28)} {rng.randrange(24):02d}:{rng.randrange(60):02d}:12 2026", "*filter",
                 f":INPUT {policy} [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]"]
        lines += [f":{c} - [0:0]" for c in chains]
        lines += [f"-A INPUT {_render(r)}" for r in inp]
        for c, rules in chains.items():
            lines += [f"-A {c} {_render(r)}" for r in rules]
        lines += ["COMMIT", "# Completed"]
        if hard:
            lines = (["*nat", ":PREROUTING ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]",
                      f"-A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination {srv[0]}:80",
                      "-A POSTROUTING -o eth0 -j MASQUERADE", "COMMIT"] + lines)
        rules_text = "\n".join(lines) + "\n"

        # Probes: at least one aimed at every rule, the rest random.
        all_rules = inp + [r for rs in chains.values() for r in rs]
        probes = []
        ports = sorted({int(p.split(":")[0]) for r in all_rules if "dport" in r for p in r["dport"].split(",")}
                       | {25, 8080, 3389, 5900, 6005, 9105})

        def probe_for(rule: dict | None) -> dict:
            p = {"iface": rng.choice(IFACES), "src": rng.choice([_rand_public(rng), _host_in(rng, office),
                                                                 _host_in(rng, bad), partner, mon, _host_in(rng, vpn)]),
                 "dst": rng.choice(srv), "proto": rng.choice(["tcp", "tcp", "tcp", "udp", "icmp"]),
                 "dport": str(rng.choice(ports)),
                 "state": rng.choice(["NEW"] * 5 + ["ESTABLISHED", "ESTABLISHED", "RELATED", "INVALID"])}
            if rule is not None:
                neg = rule.get("neg", ())
                if "-i" in rule:
                    p["iface"] = rule["-i"].rstrip("+") + ("0" if rule["-i"].endswith("+") else "")
                if "-s" in rule:
                    p["src"] = _rand_public(rng) if "-s" in neg else (
                        _host_in(rng, rule["-s"]) if "/" in rule["-s"] else rule["-s"])
                if "-d" in rule:
                    p["dst"] = rule["-d"]
                if "-p" in rule:
                    p["proto"] = rule["-p"]
                if "dport" in rule:
                    lo, _, hi = rng.choice(rule["dport"].split(",")).partition(":")
                    p["dport"] = str(rng.randint(int(lo), int(hi or lo)))
                if "state" in rule:
                    p["state"] = rng.choice(rule["state"].split(","))
            if p["proto"] == "icmp":
                p["dport"] = "-"
            if p["iface"] == "lo":
                p["src"] = p["dst"] = "127.0.0.1"
            return p

        for r in all_rules:
            probes.append(probe_for(r))
            if r.get("target") not in ("LOG",):
                probes.append(probe_for(r))
            if "-s" in r and "-s" not in r.get("neg", ()):
                near_miss = probe_for(r)  # same packet from an address the rule does not cover
                if near_miss["iface"] != "lo":
                    near_miss["src"] = _rand_public(rng)
                    probes.append(near_miss)
        n_total = k.probes
        while len(probes) < n_total:
            probes.append(probe_for(None))
        rng.shuffle(probes)
        for i, p in enumerate(probes, 1):
            p["id"] = str(i)
        right = ns["verdicts"](rules_text, probes)

        def variant(**flags: bool) -> list:
            saved = {k: ns[k] for k in flags}
            ns.update(flags)
            try:
                return ns["verdicts"](rules_text, probes)
            finally:
                ns.update(saved)

        wrongs = {"line-numbers": variant(LINE_NUMBERS=True), "ignores-conntrack-state": variant(IGNORE_STATE=True)}
        if k.chains:
            wrongs["chain-end-is-policy"] = variant(END_IS_POLICY=True)
        if any(w == right for w in wrongs.values()):
            return None
        verdict_kinds = {v for _, v, _ in right}
        if not {"ACCEPT", "DROP"} <= verdict_kinds or not any(m == "INPUT:policy" for _, _, m in right):
            return None

        files: dict[str, str | bytes] = {}
        workdir = rng.choice(["/app", "/root/fw-review", "/srv/firewall"])
        probes_path = f"{workdir}/{rng.choice(['probes.csv', 'test_packets.csv', 'packets.csv'])}"
        out = f"{workdir}/{rng.choice(['verdicts.csv', 'trace_results.csv', 'expected_verdicts.csv'])}"
        notes = f"{workdir}/{rng.choice(['README.md', 'REVIEW.md', 'NOTES.md'])}"
        rules_path = "/etc/iptables/rules.v4"
        header = "id,iface,src,dst,proto,dport,state"
        ticket = f"SEC-{rng.randrange(1000, 9999)}"
        semantics = self.data(f"semantics.{'extras' if hard else 'chains' if k.chains else 'flat'}.md").rstrip()
        files["environment/review/rules.v4"] = rules_text
        files["environment/review/probes.csv"] = header + "\n" + "".join(
            f"{p['id']},{p['iface']},{p['src']},{p['dst']},{p['proto']},{p['dport']},{p['state']}\n" for p in probes)
        files["environment/review/notes.md"] = self.template("README.md", ticket=ticket, rules=rules_path,
                                                             probes=probes_path, header=header, out=out,
                                                             semantics=semantics)
        noise = ""
        bak = f"{rules_path}.{rng.randint(2024, 2025)}0{rng.randint(1, 9)}{rng.randint(10, 28)}.bak"
        if k.noise:  # an older ruleset and a previous review's table: plausible, wrong sources
            old_lines = [ln for ln in rules_text.splitlines() if "LOG" not in ln]
            old_lines = [ln.replace(":INPUT DROP", ":INPUT ACCEPT") if ln.startswith(":INPUT") else ln
                         for ln in old_lines]
            files["environment/review/rules.v4.bak"] = "\n".join(old_lines) + "\n"
            stale = rng.sample(right, min(10, len(right)))
            files["environment/review/previous.csv"] = "id,verdict,rule\n" + "".join(
                f"{i},{rng.choice(['ACCEPT', 'DROP'])},INPUT:{rng.randint(1, 9)}\n" for i, _v, _m in stale)
            noise = self.template("noise.sh", bak=bak, rules=rules_path, workdir=workdir).rstrip()
        files |= self.solver(KNOBS).files(
            {"workdir": workdir, "notes": notes, "probes": probes_path, "rules": rules_path, "out": out,
             "noise": noise, "evaluator": evaluator_text().rstrip()},
            {"line-numbers": "line_numbers", "ignores-conntrack-state": "ignore_state",
             **({"chain-end-is-policy": "end_is_policy"} if k.chains else {})})
        files |= self.alt_solutions(notes=notes, rules=rules_path, probes=probes_path, out=out)
        files |= self.verifier(out=out)
        files |= kit.expected_file({"rows": [list(r) for r in sorted(right, key=lambda r: int(r[0]))]})

        instruction = self.instruction(intro=self.intro(rng), rules=rules_path, probes=probes_path, header=header,
                                       out=out, notes=notes, semantics=semantics)
        dockerfile = (f"COPY review/rules.v4 {rules_path}\nCOPY review/probes.csv {probes_path}\n"
                      f"COPY review/notes.md {notes}\n"
                      + (f"COPY review/rules.v4.bak {bak}\nCOPY review/previous.csv {workdir}/previous/"
                         f"{out.rsplit('/', 1)[1].replace('.csv', '')}-{ticket}-draft.csv\n" if k.noise else "")
                      + f"WORKDIR {workdir}\n")
        return kit.draft(
            instruction=instruction, dockerfile_body=dockerfile, files=files, artifacts=[out], outputs=[out],
            tags=["iptables", "firewall", "netfilter", "csv"], agent_timeout_sec=k.agent_timeout,
            expert_minutes=k.expert_minutes)
