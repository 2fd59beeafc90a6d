"""Harden an OpenSSH server configuration spread over sshd_config, drop-ins and Match blocks so that the
effective settings (first value wins, Match overrides) meet a policy, without changing anything else."""

from __future__ import annotations

import fnmatch
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

# Effective-configuration evaluator (what `sshd -T -C user=...,addr=...` would print, for the keywords used here).
EVALUATOR = r'''
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
'''

FIXER_IO = r'''
import glob, json, re
P = json.loads(P_JSON)


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def globber(pattern):
    return sorted(glob.glob(pattern))
'''

FIXER = r'''
import re
FIX_DROPINS = True       # wrong: only edits the main file (drop-ins are read first and win)
APPEND = False           # wrong: appends the policy at the end of sshd_config (inside the last Match block)
KEEP_EXCEPTION = True    # wrong: switches password logins off for the SFTP partners too
POLICY = {"permitrootlogin": "PermitRootLogin no", "passwordauthentication": "PasswordAuthentication no",
          "x11forwarding": "X11Forwarding no", "maxauthtries": "MaxAuthTries 3",
          "permitemptypasswords": "PermitEmptyPasswords no"}
if P["ciphers"]:
    POLICY["ciphers"] = "Ciphers " + P["ciphers"]
KEYS = re.compile(r"^\s*(%s)\b" % "|".join(POLICY), re.I)
if FIX_DROPINS:
    for name in globber("/etc/ssh/sshd_config.d/*.conf"):
        text = read(name)
        new = "".join(("# hardening: " + l) if KEYS.match(l) else l for l in text.splitlines(True))
        if new != text:
            write(name, new)
main = "/etc/ssh/sshd_config"
lines = read(main).splitlines()
if APPEND:
    lines += [""] + list(POLICY.values())
else:
    first_match = next((i for i, l in enumerate(lines) if re.match(r"^\s*Match\b", l, re.I)), len(lines))
    head, blocks = lines[:first_match], []
    for l in lines[first_match:]:
        if re.match(r"^\s*Match\b", l, re.I):
            blocks.append([l])
        else:
            blocks[-1].append(l)
    head = [l for l in head if not KEYS.match(l)]
    at = next(i for i, l in enumerate(head) if re.match(r"^\s*Include\b", l, re.I)) + 1
    head[at:at] = ["", "# --- hardening policy (first value wins: keep these above everything else) ---"] + \
        list(POLICY.values())
    out = list(head)
    for block in blocks:
        hdr, body = block[0], [l for l in block[1:] if not KEYS.match(l) and not re.match(r"^\s*AllowTcpForwarding\b", l, re.I)]
        is_sftp = re.match(r"^\s*Match\s+Group\s+%s\s*$" % re.escape(P["sftp_group"]), hdr, re.I)
        if is_sftp:
            tail_blank = []
            while body and not body[-1].strip():
                tail_blank.insert(0, body.pop())
            body.append("    AllowTcpForwarding no")
            if P["exception"] == "group" and KEEP_EXCEPTION:
                body.append("    PasswordAuthentication yes")
            body += tail_blank
        else:
            keep_tcp = [l for l in block[1:] if re.match(r"^\s*AllowTcpForwarding\b", l, re.I)]
            body = keep_tcp + body
        out += [hdr] + body
    if P["exception"] == "group+office" and KEEP_EXCEPTION:
        out += ["", "Match Group %s Address %s" % (P["sftp_group"], P["office"]), "    PasswordAuthentication yes"]
    lines = out
write(main, "\n".join(lines) + "\n")
'''


@register
class SshdConfigHardening(TaskFamily):
    name = "sshd_config_hardening"
    domain = "security"
    title = "Harden sshd's effective configuration across drop-ins and Match blocks without collateral changes"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        medium_up = level != "easy"
        hard = level == "hard"
        ns: dict = {}
        exec(EVALUATOR, ns)  # noqa: S102 - our own constant code; computes the expected effective settings
        sftp_group = pick(rng, ["sftp-partners", "sftponly", "uploaders", "edi"])
        sftp_user = pick(rng, ["acme-upload", "partner01", "edi-feed", "vendor7"])
        office = f"10.{rng.randrange(10, 250)}.0.0/16"
        office_ip = office.replace("0.0/16", f"{rng.randrange(256)}.{rng.randrange(1, 255)}")
        port = rng.choice([22, 22, 2222, 2022, 4422])
        ciphers = "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com" if medium_up else ""
        exception = {"easy": "none", "medium": "group", "hard": "group+office"}[level]

        main = ["# This is the sshd server system-wide configuration file.  See", "# sshd_config(5) for more information.",
                "", "Include /etc/ssh/sshd_config.d/*.conf", "", f"Port {port}", "#AddressFamily any",
                f"ListenAddress {rng.choice(['0.0.0.0', '::', '10.0.0.5'])}", "",
                "# Authentication:", f"LoginGraceTime {rng.choice(['30', '1m', '2m'])}",
                f"PermitRootLogin {rng.choice(['yes', 'prohibit-password', 'without-password'])}"]
        if rng.random() < 0.6:
            main.append(f"MaxAuthTries {rng.choice([6, 10, 5])}")
        main += ["PubkeyAuthentication yes", "", "PasswordAuthentication no",
                 f"PermitEmptyPasswords {rng.choice(['no', 'yes'])}", "KbdInteractiveAuthentication no", "",
                 "UsePAM yes", "", f"AllowTcpForwarding {rng.choice(['yes', 'local'])}",
                 "X11Forwarding yes", "PrintMotd no", f"ClientAliveInterval {rng.choice([120, 300, 600])}",
                 "ClientAliveCountMax 3", "", "AcceptEnv LANG LC_*", "",
                 "Subsystem sftp /usr/lib/openssh/sftp-server", ""]
        main += [f"Match Group {sftp_group}", "    ChrootDirectory /srv/sftp/%u", "    ForceCommand internal-sftp",
                 f"    AllowTcpForwarding {rng.choice(['yes', 'remote'])}", "    X11Forwarding yes"]
        if medium_up:
            main.append("    PasswordAuthentication yes")
        main.append("")
        if hard:
            main += [f"Match Address {office}", "    PasswordAuthentication yes",
                     f"    Banner /etc/issue.{rng.choice(['office', 'internal'])}", ""]
        main += ["Match User backup", "    PermitTTY no", f"    ForceCommand /usr/local/sbin/backup-{rng.choice(['pull', 'recv'])}", ""]
        dropins = {"50-cloud-init.conf": "PasswordAuthentication yes\n"}
        if medium_up:
            dropins["40-legacy-clients.conf"] = ("# old appliances still need these\n"
                                                 "Ciphers aes256-ctr,aes128-cbc,aes256-cbc,chacha20-poly1305@openssh.com\n"
                                                 f"MaxAuthTries {rng.choice([8, 10, 12])}\n")
        if hard:
            dropins["10-ops.conf"] = ("# ops overrides\npermitrootlogin yes\n"
                                      f"ClientAliveInterval {rng.choice([30, 60])}\n")
        main_text = "\n".join(main)

        # Contexts in which the effective configuration is checked.
        ctxs = [{"name": "root from the internet", "user": "root", "groups": ["root"], "addr": "203.0.113.50"},
                {"name": "staff from the office", "user": "alice", "groups": ["staff"], "addr": office_ip},
                {"name": "staff from outside", "user": "bob", "groups": ["staff", "dev"], "addr": "198.51.100.7"},
                {"name": "partner from the office", "user": sftp_user, "groups": [sftp_group], "addr": office_ip},
                {"name": "partner from outside", "user": sftp_user, "groups": [sftp_group], "addr": "198.51.100.7"},
                {"name": "backup job", "user": "backup", "groups": ["backup"], "addr": office_ip}]

        before = [self._effective(ns, main_text, dropins, c) for c in ctxs]
        policy_keys = ["permitrootlogin", "passwordauthentication", "x11forwarding", "maxauthtries",
                       "permitemptypasswords", "allowtcpforwarding"] + (["ciphers"] if ciphers else [])
        expected = []
        for c, eff in zip(ctxs, before):
            want = {"permitrootlogin": "no", "x11forwarding": "no", "maxauthtries": "3", "permitemptypasswords": "no"}
            partner = sftp_group in c["groups"]
            if exception == "group" and partner or exception == "group+office" and partner and c["addr"] == office_ip:
                want["passwordauthentication"] = "yes"
            else:
                want["passwordauthentication"] = "no"
            want["allowtcpforwarding"] = "no" if partner else eff["allowtcpforwarding"]
            if ciphers:
                want["ciphers"] = ciphers
            keep = {k: v for k, v in eff.items() if k not in policy_keys}
            expected.append({"ctx": c, "policy": want, "keep": keep})

        P = {"sftp_group": sftp_group, "office": office, "ciphers": ciphers, "exception": exception}
        # Prove the reference fix and that every known-wrong fix gives another effective configuration.
        results = {}
        for flags in ({}, {"FIX_DROPINS": False}, {"APPEND": True}, {"KEEP_EXCEPTION": False}):
            new_main, new_drop = self._apply_fixer(P, flags, main_text, dropins)
            results[json.dumps(flags)] = [self._effective(ns, new_main, new_drop, c) for c in ctxs]

        def complies(effs: list[dict]) -> bool:
            return all(all(e[k] == x["policy"][k] for k in x["policy"]) and
                       all(e.get(k) == v for k, v in x["keep"].items()) for e, x in zip(effs, expected))

        if not complies(results["{}"]):
            raise AssertionError("sshd_config_hardening: reference fix does not comply")
        wrong_flags = {"only-main-file": {"FIX_DROPINS": False}, "appends-policy-at-end": {"APPEND": True}}
        if exception != "none":
            wrong_flags["drops-partner-exception"] = {"KEEP_EXCEPTION": False}
        for name, flags in wrong_flags.items():
            if complies(results[json.dumps(flags)]):
                raise AssertionError(f"sshd_config_hardening: wrong fix {name} complies")

        files: dict[str, str | bytes] = {"environment/sshd_config": main_text + "\n"}
        for name, text in dropins.items():
            files[f"environment/sshd_config.d/{name}"] = text
        intro = pick(rng, [
            "The quarterly CIS scan failed on this bastion's SSH daemon. Fix its configuration.",
            "Security wants the OpenSSH server on this host hardened before it is exposed to partners.",
            "Hardening ticket: the sshd configuration on this jump host has drifted from policy.",
        ])
        policy = [
            "`PermitRootLogin no`, `X11Forwarding no`, `MaxAuthTries 3` and `PermitEmptyPasswords no` for every "
            "connection.",
        ]
        if exception == "none":
            policy.append("`PasswordAuthentication no` for every connection.")
        elif exception == "group":
            policy.append(f"`PasswordAuthentication no` for every connection, except members of group "
                          f"`{sftp_group}` (our SFTP partners), who must keep `PasswordAuthentication yes`.")
        else:
            policy.append(f"`PasswordAuthentication no` for every connection, except members of group "
                          f"`{sftp_group}` connecting from the office network `{office}`, who must get "
                          "`PasswordAuthentication yes` (from anywhere else they must not).")
        policy.append(f"`AllowTcpForwarding no` for members of `{sftp_group}`; for everybody else it stays what it "
                      "is today.")
        if ciphers:
            policy.append(f"`Ciphers {ciphers}` for every connection (no CBC modes).")
        semantics = textwrap.dedent("""\
            sshd reads `/etc/ssh/sshd_config` from the top; `Include` inserts the matching files (in lexical order)
            at that point. For each keyword (case-insensitive) the first value obtained is the one used. A `Match`
            line starts a block that lasts until the next `Match` line or the end of the file; all of its criteria
            (`User`, `Group`, `Address`, comma-separated patterns) must hold for it to apply. For a connection,
            values from applicable `Match` blocks override the global values, and among applicable blocks the
            first value wins again. Unset keywords keep OpenSSH's defaults (e.g. `PasswordAuthentication yes`,
            `PermitRootLogin prohibit-password`, `MaxAuthTries 6`).""")
        instruction = (intro + " The configuration is `/etc/ssh/sshd_config` plus the drop-ins in "
                       "`/etc/ssh/sshd_config.d/`. There is no sshd binary on this machine, so you cannot ask it "
                       "(`sshd -T`); reason from the files.\n\n" + semantics + "\n\nThe effective configuration "
                       "must satisfy:\n\n" + "\n".join(f"- {p}" for p in policy) + "\n\n"
                       + "Every other effective setting, for every user, group and client address, must stay exactly "
                         "as it is now (ports, timeouts, chroot and forced commands, banners, ...). Edit the existing "
                         "files as you see fit, but do not add files outside `/etc/ssh/`.\n")
        p_json = json.dumps(json.dumps(P))

        def script(comment: str, flags: dict) -> str:
            code = FIXER
            for k, v in flags.items():
                code = code.replace(f"{k} = {not v}", f"{k} = {v}", 1)
            return (f"#!/bin/bash\n{comment}\nset -euo pipefail\n"
                    "cp -a /etc/ssh/sshd_config /root/sshd_config.before-hardening\n"
                    "grep -rniE '^[[:space:]]*(include|match|permitrootlogin|passwordauthentication|x11forwarding|"
                    "maxauthtries|permitemptypasswords|allowtcpforwarding|ciphers)' /etc/ssh/sshd_config "
                    "/etc/ssh/sshd_config.d/ || true\n"
                    f"python3 - <<'PY'\nP_JSON = {p_json}\n{FIXER_IO}{code}PY\n"
                    "diff -u /root/sshd_config.before-hardening /etc/ssh/sshd_config || true\n"
                    "grep -rn . /etc/ssh/sshd_config.d/\n")

        files["solution/solve.sh"] = script(
            "# Neutralise the policy keywords in the drop-ins, put the policy first in the global section, fix the "
            "Match blocks.", {})
        files["solution/wrong/only-main-file.sh"] = script(
            "# Mistake: edits sshd_config only; the drop-ins are read first and still win.", wrong_flags["only-main-file"])
        files["solution/wrong/appends-policy-at-end.sh"] = script(
            "# Mistake: appends the policy at the end of sshd_config, where it belongs to the last Match block.",
            wrong_flags["appends-policy-at-end"])
        if "drops-partner-exception" in wrong_flags:
            files["solution/wrong/drops-partner-exception.sh"] = script(
                "# Mistake: password logins off for everybody, partners included.", wrong_flags["drops-partner-exception"])
        files["tests/expected.json"] = json.dumps({"contexts": expected}, indent=1, sort_keys=True) + "\n"
        files["tests/test_outputs.py"] = TEST.replace("__EVALUATOR__", EVALUATOR)
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=("COPY sshd_config /etc/ssh/sshd_config\nCOPY sshd_config.d/ /etc/ssh/sshd_config.d/\n"
                             "WORKDIR /etc/ssh\n"),
            files=files, tags=["ssh", "sshd_config", "hardening", "cis"],
            artifacts=["/etc/ssh"],  # sshd_config and its drop-ins (files outside /etc/ssh are not to be added)
            agent_timeout_sec={"easy": 600.0, "medium": 900.0, "hard": 1200.0}[level],
            expert_minutes={"easy": 10, "medium": 20, "hard": 35}[level],
        )

    @staticmethod
    def _memfs(main_text: str, dropins: dict[str, str]) -> dict[str, str]:
        fs = {"/etc/ssh/sshd_config": main_text + "\n"}
        fs.update({f"/etc/ssh/sshd_config.d/{n}": t for n, t in dropins.items()})
        return fs

    @staticmethod
    def _globber(fs: dict[str, str]):
        return lambda pattern: sorted(p for p in fs if fnmatch.fnmatchcase(p, pattern))

    def _effective(self, ns: dict, main_text: str, dropins: dict[str, str], ctx: dict) -> dict:
        """The evaluator run against in-memory files (no disk access at build time)."""
        fs = self._memfs(main_text, dropins)
        return ns["effective"](ns["load"]("/etc/ssh/sshd_config", fs.__getitem__, self._globber(fs)), ctx)

    def _apply_fixer(self, P: dict, flags: dict, main_text: str, dropins: dict[str, str]
                     ) -> tuple[str, dict[str, str]]:
        """The fixer script run against in-memory files; returns the new main file and drop-ins."""
        fs = self._memfs(main_text, dropins)
        code = FIXER
        for k, v in flags.items():
            code = code.replace(f"{k} = {not v}", f"{k} = {v}", 1)
        env = {"P": P, "read": fs.__getitem__, "write": fs.__setitem__, "globber": self._globber(fs)}
        exec(code, env)  # noqa: S102 - our own constant code, run on in-memory files
        new_drop = {p.rsplit("/", 1)[1]: t for p, t in fs.items() if p.startswith("/etc/ssh/sshd_config.d/")}
        return fs["/etc/ssh/sshd_config"].rstrip("\n"), new_drop


TEST = '''"""Evaluate the effective sshd configuration for several connections, as sshd -T -C would, and compare."""

import json
from pathlib import Path
__EVALUATOR__

EXP = json.loads((Path(__file__).parent / "expected.json").read_text())


def effs():
    entries = load("/etc/ssh/sshd_config")
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
'''
