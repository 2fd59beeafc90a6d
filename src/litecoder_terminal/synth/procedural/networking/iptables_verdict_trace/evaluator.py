"""Walk packets through the filter table of an iptables-save ruleset (the reference solver pastes this module; the
flags are its knobs: each known-wrong solution sets one of them)."""
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
