"""Trace test packets through an iptables-save ruleset (user chains, LOG, RETURN, negation) and report verdicts."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

# The evaluator shared by the reference solution, the known-wrong solutions (through the flags) and, at build time,
# the check that every wrong solution really gives a different answer. The verifier has its own copy in TEST.
EVALUATOR = r'''
import csv, functools, ipaddress, shlex

LINE_NUMBERS = False    # wrong: report file line numbers instead of the rule's position in its chain
IGNORE_STATE = False    # wrong: treat every packet as NEW
END_IS_POLICY = False   # wrong: falling off the end of a user chain applies the INPUT policy


def parse_rules(text):
    policies, chains, table = {}, {}, None
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("*"):
            table = s[1:]
            continue
        if s == "COMMIT" or table != "filter":
            continue
        if s.startswith(":"):
            name, pol = s[1:].split()[:2]
            policies[name] = pol
            chains.setdefault(name, [])
            continue
        toks = shlex.split(s)
        if toks[0] != "-A":
            continue
        rule, i, neg = {"neg": {}, "line": n}, 2, False
        while i < len(toks):
            t = toks[i]
            if t == "!":
                neg, i = True, i + 1
                continue
            if t in ("-s", "-d", "-i", "-p", "--dport", "--dports", "--ctstate", "--state"):
                key = {"--state": "--ctstate", "--dports": "--dport"}.get(t, t)
                rule[key] = toks[i + 1]
                rule["neg"][key] = neg
                neg, i = False, i + 2
                continue
            if t == "-j":
                rule["target"] = toks[i + 1]
                i += 2
                continue
            i += 2  # -m <module>, --log-prefix <text>, --reject-with <type>
        chains.setdefault(toks[1], []).append(rule)
    return policies, chains


@functools.lru_cache(maxsize=None)
def _addr(text):
    return ipaddress.ip_address(text)


@functools.lru_cache(maxsize=None)
def _net(text):
    return ipaddress.ip_network(text, strict=False)


def match_one(key, val, p):
    if key == "-i":
        return p["iface"] == val or (val.endswith("+") and p["iface"].startswith(val[:-1]))
    if key in ("-s", "-d"):
        addr = p["src"] if key == "-s" else p["dst"]
        return _addr(addr) in _net(val)
    if key == "-p":
        return p["proto"] == val
    if key == "--dport":
        if p["dport"] == "-":
            return False
        port = int(p["dport"])
        for part in val.split(","):
            lo, _, hi = part.partition(":")
            if int(lo) <= port <= int(hi or lo):
                return True
        return False
    if key == "--ctstate":
        return ("NEW" if IGNORE_STATE else p["state"]) in val.split(",")
    raise ValueError(key)


def matches(rule, p):
    for key, val in rule.items():
        if key in ("neg", "line", "target"):
            continue
        if match_one(key, val, p) == rule["neg"][key]:
            return False
    return True


def walk(policies, chains, name, p):
    for idx, rule in enumerate(chains[name], 1):
        if not matches(rule, p):
            continue
        t = rule.get("target")
        if t in ("ACCEPT", "DROP", "REJECT"):
            return t, "%s:%d" % (name, rule["line"] if LINE_NUMBERS else idx)
        if t == "RETURN":
            return None
        if t in chains:
            res = walk(policies, chains, t, p)
            if res:
                return res
    if END_IS_POLICY and name != "INPUT":
        return policies["INPUT"], "INPUT:policy"
    return None


def verdicts(rules_text, probes):
    policies, chains = parse_rules(rules_text)
    out = []
    for p in probes:
        res = walk(policies, chains, "INPUT", p) or (policies["INPUT"], "INPUT:policy")
        out.append((p["id"], res[0], res[1]))
    return out
'''

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


@register
class IptablesVerdictTrace(TaskFamily):
    name = "iptables_verdict_trace"
    domain = "networking"
    title = "Trace test packets through an iptables-save ruleset and report each verdict and deciding rule"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        ns: dict = {}
        exec(EVALUATOR, ns)  # noqa: S102 - our own constant code, used to prove the wrong answers differ
        for _ in range(200):
            draft = self._try(rng, level, ns)
            if draft is not None:
                return draft
        raise RuntimeError("could not build a discriminating ruleset")

    def _try(self, rng: random.Random, level: str, ns: dict) -> TaskDraft | None:
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
        hard = level == "hard"

        chains: dict[str, list[dict]] = {}
        policy = "DROP" if level == "easy" or rng.random() < 0.75 else "ACCEPT"
        inp: list[dict] = [{"-i": "lo", "target": "ACCEPT"}]
        est = {"state": "ESTABLISHED,RELATED", "target": "ACCEPT"}
        badrule = {"-s": bad, "target": "DROP"}
        inp += [est, badrule] if rng.random() < 0.5 else [badrule, est]
        if rng.random() < 0.6:
            inp.append({"state": "INVALID", "target": "DROP"})
        middle: list[dict] = []
        if rng.random() < 0.7:
            middle.append({"-p": "icmp", "target": "ACCEPT"})
        ssh_chain = pick(rng, ["SSH_IN", "ssh-allow", "SSH"])
        web_chain = pick(rng, ["WEB_IN", "web", "HTTP_IN"])
        mgmt_chain = pick(rng, ["MGMT", "mgmt-in", "VPN_IN"])
        if level == "easy":
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
        if level != "easy":
            # Web clients the web chain did not accept get a polite reset instead of a silent drop.
            inp.append({"-p": "tcp", "dport": web_ports, "target": "REJECT"})
        inp.append({"target": "LOG", "prefix": "INPUT-drop: "})
        if policy == "ACCEPT":
            inp.append({"-p": "tcp", "target": "REJECT"})
            inp.append({"-p": "udp", "target": "DROP"})

        # Render in iptables-save layout: built-in chains, user chains, then the rules chain by chain.
        lines = [f"# Generated by iptables-save v1.8.9 on {pick(rng, ['Mon', 'Tue', 'Wed', 'Thu'])} "
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
        n_total = {"easy": 24, "medium": 36, "hard": 50}[level]
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
        if level != "easy":
            wrongs["chain-end-is-policy"] = variant(END_IS_POLICY=True)
        if any(w == right for w in wrongs.values()):
            return None
        verdict_kinds = {v for _, v, _ in right}
        if not {"ACCEPT", "DROP"} <= verdict_kinds or not any(m == "INPUT:policy" for _, _, m in right):
            return None

        files: dict[str, str | bytes] = {}
        workdir = pick(rng, ["/app", "/root/fw-review", "/srv/firewall"])
        probes_path = f"{workdir}/{pick(rng, ['probes.csv', 'test_packets.csv', 'packets.csv'])}"
        out = f"{workdir}/{pick(rng, ['verdicts.csv', 'trace_results.csv', 'expected_verdicts.csv'])}"
        rules_path = "/etc/iptables/rules.v4"
        files["environment/rules.v4"] = rules_text
        header = "id,iface,src,dst,proto,dport,state"
        files["environment/probes.csv"] = header + "\n" + "".join(
            f"{p['id']},{p['iface']},{p['src']},{p['dst']},{p['proto']},{p['dport']},{p['state']}\n" for p in probes)
        intro = pick(rng, [
            "Before we load the new firewall on the edge host we want to know exactly what it will do to a set of "
            "test packets.",
            "Security asked for a dry run of the host firewall: which of our test packets get through, and which "
            "rule decides each one.",
            "We are reviewing the saved ruleset of a bastion host and need a packet-by-packet trace of its "
            "INPUT path.",
        ])
        semantics = [
            "Only the `filter` table matters" + (" (ignore `*nat` and everything else)" if hard else "")
            + "; each packet enters the `INPUT` chain.",
            "Rules are tried in order; a rule matches when all of its conditions hold. `ACCEPT`, `DROP` and "
            "`REJECT` end the traversal with that verdict. `LOG` only logs: traversal continues with the next rule.",
        ]
        if level != "easy":
            semantics.append("`-j <chain>` to a user-defined chain traverses that chain; if it ends the traversal, "
                             "that is the verdict; if the packet "
                             + ("hits `-j RETURN` or " if hard else "")
                             + "falls off the end of the user chain, it continues in the calling chain with the "
                             "rule after the jump.")
        semantics.append("If the packet falls off the end of `INPUT`, the chain policy applies.")
        semantics.append("Conditions: `-i` (a trailing `+` is a prefix wildcard), `-s`/`-d` address or CIDR, `-p`, "
                         "`--dport N` or `--dport N:M` (inclusive range), `-m multiport --dports a,b,...`, and "
                         "`-m conntrack --ctstate ...`" + (" / `-m state --state ...`" if hard else "")
                         + " against the packet's `state` column"
                         + ("; `!` before a condition negates it." if hard else "."))
        instruction = textwrap.dedent(f"""\
            {intro} The saved ruleset is `{rules_path}` (iptables-save format); the test packets are in
            `{probes_path}` with the header `{header}` (`dport` is `-` for ICMP, `state` is the conntrack state
            the packet would have).

            Evaluate every packet the way netfilter would:

            """) + "\n".join(f"- {s}" for s in semantics) + textwrap.dedent(f"""


            Write `{out}` as CSV with the header `id,verdict,rule` and one row per packet, sorted by `id`
            numerically. `verdict` is `ACCEPT`, `DROP` or `REJECT`. `rule` names the rule that decided it as
            `<chain>:<n>`, where `<n>` is the rule's 1-based position among the `-A` rules of that chain (so the
            first `-A INPUT` rule is `INPUT:1`), or `INPUT:policy` when the policy decided.

            Do not load the rules into a real firewall and do not modify `{rules_path}` or the packet file.
            """)
        evaluator = EVALUATOR

        def script(comment: str, flags: str = "") -> str:
            return (f"#!/bin/bash\n{comment}\nset -euo pipefail\npython3 - <<'PY'\n{evaluator}{flags}\n"
                    "probes = list(csv.DictReader(open(" + repr(probes_path) + ")))\n"
                    "rows = verdicts(open(" + repr(rules_path) + ").read(), probes)\n"
                    "rows.sort(key=lambda r: int(r[0]))\n"
                    "with open(" + repr(out) + ", 'w', newline='') as f:\n"
                    "    w = csv.writer(f, lineterminator='\\n')\n"
                    "    w.writerow(['id', 'verdict', 'rule'])\n"
                    "    w.writerows(rows)\nPY\n")

        files["solution/solve.sh"] = script("# Parse the filter table and walk each packet through INPUT.")
        files["solution/wrong/line-numbers.sh"] = script(
            "# Mistake: names rules by their line in the file (grep -n) instead of their position in the chain.",
            "LINE_NUMBERS = True")
        files["solution/wrong/ignores-conntrack-state.sh"] = script(
            "# Mistake: assumes every test packet is a new connection.", "IGNORE_STATE = True")
        if level != "easy":
            files["solution/wrong/chain-end-is-policy.sh"] = script(
                "# Mistake: treats the end of a user chain like the end of INPUT (policy applies).",
                "END_IS_POLICY = True")
        digests = {rules_path: hashlib.sha256(rules_text.encode()).hexdigest(),
                   probes_path: hashlib.sha256(files["environment/probes.csv"].encode()).hexdigest()}
        files["tests/test_outputs.py"] = (TEST.replace("__EVALUATOR__", EVALUATOR)
                                          .replace("__PARAMS__", json.dumps({"rules": rules_path, "probes": probes_path,
                                                                             "out": out, "digests": digests})))
        probes_dir = probes_path.rsplit("/", 1)[0]
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=(f"COPY rules.v4 {rules_path}\nCOPY probes.csv {probes_path}\nWORKDIR {probes_dir}\n"),
            files=files, artifacts=[out], tags=["iptables", "firewall", "netfilter", "csv"],
            agent_timeout_sec={"easy": 600.0, "medium": 900.0, "hard": 1200.0}[level],
            expert_minutes={"easy": 15, "medium": 25, "hard": 40}[level],
        )


TEST = '''"""Re-trace every packet through the saved ruleset and compare with the agent's verdict table."""

import csv
import json
from pathlib import Path

P = json.loads(\'\'\'__PARAMS__\'\'\')
__EVALUATOR__


def expected():
    probes = list(csv.DictReader(open(P["probes"])))
    return sorted(verdicts(Path(P["rules"]).read_text(), probes), key=lambda r: int(r[0]))


def read_out():
    rows = list(csv.reader(Path(P["out"]).read_text().splitlines()))
    assert rows and rows[0] == ["id", "verdict", "rule"], rows[:1]
    return [tuple(r) for r in rows[1:] if r]


def test_one_row_per_packet_in_order():
    got = [r[0] for r in read_out()]
    assert got == [r[0] for r in expected()]


def test_verdicts():
    want = {r[0]: r[1] for r in expected()}
    wrong = [(i, v, want.get(i)) for i, v, _ in read_out() if want.get(i) != v]
    assert not wrong, f"{len(wrong)} wrong verdicts, e.g. (id, got, expected) {wrong[:5]}"


def test_deciding_rules():
    want = {r[0]: r[2] for r in expected()}
    wrong = [(i, m, want.get(i)) for i, _, m in read_out() if want.get(i) != m]
    assert not wrong, f"{len(wrong)} wrong deciding rules, e.g. (id, got, expected) {wrong[:5]}"
'''
