"""Evaluate the effective sshd configuration for several connections, as sshd -T -C would, and compare."""

import os

import lct_verify

import fnmatch, glob, ipaddress, re

DEFAULTS = {"permitrootlogin": "prohibit-password", "passwordauthentication": "yes", "x11forwarding": "no",
            "maxauthtries": "6", "permitemptypasswords": "no", "allowtcpforwarding": "yes",
            "ciphers": "default"}


def parse_cond(text):
    words = text.split()
    return [(words[i].lower(), words[i + 1]) for i in range(0, len(words) - 1, 2)]


def _read(path):
    with open(path) as f:
        return f.read()


def _glob(pattern):
    return sorted(glob.glob(pattern))


def load(path, read=_read, globber=_glob):
    out, cond = [], None
    for raw in read(path).splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = re.split(r"[\s=]+", line, maxsplit=1)
        kw, rest = parts[0].lower(), (parts[1].strip() if len(parts) > 1 else "")
        if kw == "include":
            for pattern in rest.split():
                for name in globber(pattern):
                    out += load(name, read, globber)
            continue
        if kw == "match":
            cond = None if rest.lower() == "all" else parse_cond(rest)
            continue
        out.append((kw, " ".join(rest.split()), cond))
    return out


def satisfied(cond, ctx):
    for crit, patterns in cond:
        pats = patterns.split(",")
        if crit == "user":
            ok = any(fnmatch.fnmatchcase(ctx["user"], p) for p in pats)
        elif crit == "group":
            ok = any(fnmatch.fnmatchcase(g, p) for g in ctx["groups"] for p in pats)
        elif crit == "address":
            ok = any(ipaddress.ip_address(ctx["addr"]) in ipaddress.ip_network(p, strict=False) for p in pats)
        else:
            ok = False
        if not ok:
            return False
    return True


def effective(entries, ctx):
    glob_vals, match_vals = {}, {}
    for kw, val, cond in entries:
        if cond is None:
            glob_vals.setdefault(kw, val)
        elif satisfied(cond, ctx):
            match_vals.setdefault(kw, val)
    eff = dict(DEFAULTS)
    eff.update(glob_vals)
    eff.update(match_vals)
    return {k: (v.lower() if v.lower() in ("yes", "no") else v) for k, v in eff.items()}


MAIN = "/etc/ssh/sshd_config"
EXP = lct_verify.expected()  # per connection: the policy's values and every other setting as it was


def effs():
    assert os.path.isfile(MAIN) and not os.path.islink(MAIN), f"{MAIN} is missing (or not a regular file)"
    entries = load(MAIN)
    return [(c, effective(entries, c["ctx"])) for c in EXP["contexts"]]


def test_root_login_and_auth_limits():
    for c, eff in effs():
        for k in ("permitrootlogin", "maxauthtries", "permitemptypasswords", "x11forwarding"):
            assert eff[k] == c["policy"][k], f"{c['ctx']['name']}: {k} is {eff[k]!r}, want {c['policy'][k]!r}"


def test_password_authentication():
    for c, eff in effs():
        want = c["policy"]["passwordauthentication"]
        assert eff["passwordauthentication"] == want, f"{c['ctx']['name']}: PasswordAuthentication {eff['passwordauthentication']}, want {want}"


def test_tcp_forwarding_and_ciphers():
    for c, eff in effs():
        assert eff["allowtcpforwarding"] == c["policy"]["allowtcpforwarding"], c["ctx"]["name"]
        if "ciphers" in c["policy"]:
            assert eff["ciphers"] == c["policy"]["ciphers"], f"{c['ctx']['name']}: Ciphers {eff['ciphers']}"


def test_everything_else_unchanged():
    for c, eff in effs():
        changed = {k: (eff.get(k), v) for k, v in c["keep"].items() if eff.get(k) != v}
        assert not changed, f"{c['ctx']['name']}: settings changed (now, before): {changed}"
        extra = sorted(set(eff) - set(c["keep"]) - set(c["policy"]))
        assert not extra, f"{c['ctx']['name']}: new settings appeared: {extra}"
