"""Effective sshd settings (what `sshd -T -C user=...,addr=...` would print, for the keywords used here);
used at build time, and shipped as tests/sshd_eval.py for the verifier (data/verify.py imports it): one copy."""

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
