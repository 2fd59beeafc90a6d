"""Find SSH brute-force sources in rotated auth logs (sliding window, trusted nets, rsyslog repeats) and report."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import textwrap
from datetime import datetime, timedelta

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

USERS = ["root", "admin", "ubuntu", "test", "oracle", "postgres", "git", "user", "ftp", "pi", "support", "guest"]
STAFF = ["deploy", "alice", "bob", "carol", "dave", "backup", "ansible"]

ANALYSER = r'''
import csv, gzip, ipaddress, json, re
from collections import defaultdict
from datetime import datetime

WINDOW = True           # wrong: counts all failures, ignoring the time window
NUMERIC_SORT = True     # wrong: sorts addresses as text
ALL_FILES = True        # wrong: reads only the current log
USE_TRUSTED = True      # wrong: ignores the trusted networks
EXPAND_REPEATS = True   # wrong: counts a "message repeated N times" line once

FAIL = re.compile(r"Failed password for (?:invalid user )?(\S+) from (\S+) port \d+")
ACC = re.compile(r"Accepted (?:password|publickey) for (\S+) from (\S+) port \d+")
REP = re.compile(r"^message repeated (\d+) times: \[ ?(.*)\]$")
MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
HEAD = re.compile(r"^(\w{3} +\d+ \d\d:\d\d:\d\d) \S+ sshd\[\d+\]: (.*)$")


def analyse(P, read):
    events = []
    for name in (P["logs"] if ALL_FILES else P["logs"][-1:]):
        for line in read(name).splitlines():
            m = HEAD.match(line)
            if not m:
                continue
            msg, n = m.group(2), 1
            r = REP.match(msg)
            if r and EXPAND_REPEATS:
                n, msg = int(r.group(1)), r.group(2)
            f = FAIL.search(msg)
            a = None if f else ACC.search(msg)
            if not (f or a):
                continue
            mon, day, hms = m.group(1).split()
            hh, mm, ss = hms.split(":")
            ts = datetime(P["year"], MONTHS[mon], int(day), int(hh), int(mm), int(ss))
            if f:
                events += [("fail", ts, f.group(2), f.group(1))] * n
                continue
            if a:
                events.append(("ok", ts, a.group(2), a.group(1)))
    trusted = [ipaddress.ip_network(t) for t in P["trusted"]] if USE_TRUSTED else []
    fails = defaultdict(list)
    for kind, ts, ip, _ in events:
        if kind == "fail":
            fails[ip].append(ts)
    T, W = P["threshold"], P["window_min"] * 60
    blocked = []
    for ip, times in fails.items():
        times.sort()
        if any(ipaddress.ip_address(ip) in net for net in trusted):
            continue
        if WINDOW:
            hit = any((times[i + T - 1] - times[i]).total_seconds() <= W for i in range(len(times) - T + 1))
        else:
            hit = len(times) >= T
        if hit:
            blocked.append(ip)
    blocked.sort(key=(lambda ip: ipaddress.ip_address(ip)) if NUMERIC_SORT else None)
    report = [[ip, str(len(fails[ip])), min(fails[ip]).isoformat(), max(fails[ip]).isoformat()] for ip in blocked]
    comp = sorted(((ts, ip, user) for kind, ts, ip, user in events
                   if kind == "ok" and ip in fails and ip in blocked and ts > min(fails[ip])))
    compromised = [[ip, user, ts.isoformat()] for ts, ip, user in comp]
    return blocked, report, compromised
'''


@register
class SshBruteforceBlocklist(TaskFamily):
    name = "ssh_bruteforce_blocklist"
    domain = "security"
    title = "Find SSH brute-force sources in rotated auth logs and produce a blocklist and incident report"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        ns: dict = {}
        exec(ANALYSER, ns)  # noqa: S102 - our own constant code: proves each wrong solution gives another answer
        for _ in range(50):
            draft = self._try(rng, level, ns)
            if draft is not None:
                return draft
        raise RuntimeError("could not build a discriminating log set")

    def _try(self, rng: random.Random, level: str, ns: dict) -> TaskDraft | None:
        medium_up = level != "easy"
        hard = level == "hard"
        year = rng.choice([2024, 2025])
        month = rng.randint(1, 12)
        start = datetime(year, month, rng.randint(1, 25), 6, 25, 0)
        days = 3 if medium_up else 1
        span = days * 86400
        T = rng.choice([5, 6, 8, 10])
        W = rng.choice([5, 10, 15, 30])
        host = pick(rng, ["bastion", "web01", "gw-eu1", "jump", "vpn-edge"])
        office = f"10.{rng.randrange(10, 250)}.0.0/16"
        monitor = f"192.0.2.{rng.randrange(2, 250)}"
        trusted = [office, f"{monitor}/32"] if medium_up else []
        pid_base = rng.randrange(1000, 9000)
        pids = iter(range(pid_base, pid_base + 100000, 7))
        ev: list[tuple[float, str]] = []
        used_ips: set[str] = set()

        def pub_ip(low: bool | None = None) -> str:
            while True:
                first = rng.choice([45, 61, 77, 91] if low else [103, 141, 185, 193, 211, 218] if low is False
                                   else [45, 61, 77, 91, 103, 141, 185, 193, 211, 218, 222])
                ip = f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
                if ip not in used_ips:
                    used_ips.add(ip)
                    return ip

        def port() -> int:
            return rng.randrange(32768, 61000)

        def fail(t: float, ip: str, user: str | None = None, noise: bool = True) -> None:
            user = user or rng.choice(USERS)
            pid = next(pids)
            invalid = user not in ("root", "deploy", "backup") and user not in STAFF
            if invalid and noise:
                ev.append((t - 1, f"sshd[{pid}]: Invalid user {user} from {ip} port {port()}"))
            if noise and rng.random() < 0.5:
                ev.append((t - 0.5, f"sshd[{pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
                                    f"euid=0 tty=ssh ruser= rhost={ip}" + ("" if invalid else f"  user={user}")))
            ev.append((t, f"sshd[{pid}]: Failed password for {'invalid user ' if invalid else ''}{user} from {ip} "
                          f"port {port()} ssh2"))
            if noise and rng.random() < 0.3:
                ev.append((t + 1, f"sshd[{pid}]: Connection closed by {'invalid user ' if invalid else 'authenticating user '}"
                                  f"{user} {ip} port {port()} [preauth]"))

        def ok(t: float, ip: str, user: str) -> None:
            pid = next(pids)
            how = rng.choice(["publickey", "password"])
            extra = f": ED25519 SHA256:{''.join(rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh0123456789+/') for _ in range(43))}" if how == "publickey" else ""
            ev.append((t, f"sshd[{pid}]: Accepted {how} for {user} from {ip} port {port()} ssh2{extra}"))
            ev.append((t + 0.5, f"sshd[{pid}]: pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)"))

        def burst(ip: str, n: int, t0: float, width: float) -> list[float]:
            times = sorted(t0 + rng.uniform(0, width) for _ in range(n))
            times = [round(t) for t in times]
            for i in range(1, len(times)):  # strictly increasing whole seconds
                if times[i] <= times[i - 1]:
                    times[i] = times[i - 1] + 1
            user = rng.choice(USERS) if rng.random() < 0.5 else None
            for t in times:
                fail(t, ip, user)
            return times

        margin = 3600
        attackers = [pub_ip(low=True), pub_ip(low=False)] + [pub_ip() for _ in range({"easy": 1, "medium": 2, "hard": 3}[level])]
        for ip in attackers:
            burst(ip, T + rng.randint(0, 12), rng.uniform(margin, span - margin), W * 60 * rng.uniform(0.3, 0.9))
        # Slow-and-low: many failures, never T of them within W minutes.
        gap = -(-W * 60 // (T - 1)) + 30
        slow = pub_ip()
        t = rng.uniform(margin, margin * 2)
        for _ in range(T + rng.randint(2, 6)):
            fail(t, slow)
            t += gap + rng.randint(0, 600)
        # Near miss: T-1 failures in a burst, plus one more much later.
        near = pub_ip()
        t0 = rng.uniform(margin, span / 2)
        burst(near, T - 1, t0, W * 60 * 0.5)
        fail(t0 + W * 60 * 3 + rng.randint(0, 3000), near)
        # Exactly T failures, first and last exactly W minutes apart: counts.
        edge = pub_ip()
        t0 = float(rng.randint(margin, span - margin - W * 60))
        inner = sorted(rng.sample(range(1, W * 60), T - 2))
        for dt in [0, *inner, W * 60]:
            fail(t0 + dt, edge)
        blocked_extra = [edge]
        files: dict[str, str | bytes] = {}
        if medium_up:
            # A burst that straddles the newest rotation point.
            rot = pub_ip()
            boundary = 2 * 86400
            k = rng.randint(1, T - 1)
            for i in range(k):
                fail(boundary - 5 - i * rng.randint(5, 15), rot)
            for i in range(T - k):
                fail(boundary + 5 + i * rng.randint(5, 15), rot)
            blocked_extra.append(rot)
            # Monitoring and office hosts that fail a lot but are trusted.
            for ip in (monitor, f"10.{office.split('.')[1]}.{rng.randrange(256)}.{rng.randrange(1, 255)}"):
                burst(ip, T + rng.randint(1, 5), rng.uniform(margin, span - margin), W * 60 * 0.5)
        if hard:
            # rsyslog collapses identical messages: one logged line plus "message repeated n times".
            rep = pub_ip()
            n_rep = rng.randint(2, 4)
            singles = T - 1 - n_rep
            t0 = rng.uniform(margin, span - margin)
            for i in range(singles):
                fail(t0 + i * rng.randint(5, 15), rep, "root", noise=False)
            tl = t0 + singles * 15 + 5
            msg = f"Failed password for root from {rep} port {port()} ssh2"
            pid = next(pids)
            ev.append((tl, f"sshd[{pid}]: {msg}"))
            ev.append((tl + 20, f"sshd[{pid}]: message repeated {n_rep} times: [ {msg}]"))
            # A brute-forcer that got in, and one of them had logged in legitimately before its attack.
            winner = attackers[2]
            ok(span - margin / 2, winner, rng.choice(["root", "admin", "git"]))
            early = attackers[0]
            ok(rng.uniform(60, margin / 2), early, "deploy")
        # Legitimate staff traffic, with the odd typo.
        for _ in range({"easy": 25, "medium": 60, "hard": 90}[level]):
            ip = f"10.{office.split('.')[1]}.{rng.randrange(256)}.{rng.randrange(1, 255)}" if medium_up and rng.random() < 0.6 \
                else f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            t = rng.uniform(60, span - 60)
            user = rng.choice(STAFF)
            if rng.random() < 0.2:
                fail(t - 20, ip, user)
            ok(t, ip, user)
        for _ in range({"easy": 15, "medium": 40, "hard": 60}[level]):
            t = rng.uniform(0, span)
            ev.append((t, rng.choice([
                f"CRON[{next(pids)}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
                f"CRON[{next(pids)}]: pam_unix(cron:session): session closed for user root",
                f"sudo:   {rng.choice(STAFF)} : TTY=pts/0 ; PWD=/home/{rng.choice(STAFF)} ; USER=root ; COMMAND=/usr/bin/systemctl status nginx",
                f"systemd-logind[{next(pids) % 900 + 100}]: New session {rng.randrange(100, 999)} of user {rng.choice(STAFF)}.",
                f"sshd[{next(pids)}]: Received disconnect from {pub_ip()} port {port()}:11: Bye Bye [preauth]",
            ])))
        ev.sort(key=lambda e: e[0])
        if ev[0][0] < 0 or ev[-1][0] >= span:
            return None

        def fmt(t: float) -> str:
            d = start + timedelta(seconds=int(t))
            return f"{d.strftime('%b')} {d.day:>2} {d.strftime('%H:%M:%S')}"

        def line(e: tuple[float, str]) -> str:
            return f"{fmt(e[0])} {host} {e[1]}"

        logdir = "/var/log"
        if medium_up:
            chunks = [[line(e) for e in ev if k * 86400 <= e[0] < (k + 1) * 86400] for k in range(3)]
            names = ["auth.log.2.gz", "auth.log.1", "auth.log"]
        else:
            chunks = [[line(e) for e in ev]]
            names = ["auth.log"]
        contents = {}
        for name, chunk in zip(names, chunks):
            text = ("\n".join(chunk) + "\n").encode()
            contents[name] = text
            files[f"environment/logs/{name}"] = gzip.compress(text, mtime=0) if name.endswith(".gz") else text
        logs = [f"{logdir}/{n}" for n in names]
        outdir = pick(rng, ["/root/incident", "/srv/security/ssh-review", "/var/tmp/ir"])
        out = {"blocklist": f"{outdir}/blocklist.txt", "report": f"{outdir}/offenders.csv" if medium_up else "",
               "compromised": f"{outdir}/suspicious_logins.csv" if hard else ""}
        trusted_path = "/etc/security/trusted_networks.conf"
        if medium_up:
            files["environment/trusted_networks.conf"] = ("# never block these (office LAN, monitoring probe)\n"
                                                          f"{office}\n{monitor}/32   # uptime checker\n")
        P = {"logs": logs, "year": year, "threshold": T, "window_min": W, "trusted": trusted, **out}

        def read(name: str) -> str:
            return contents[name.rsplit("/", 1)[1]].decode()

        def run(**flags: bool) -> tuple:
            saved = {k: ns[k] for k in flags}
            ns.update(flags)
            try:
                return ns["analyse"](P, read)
            finally:
                ns.update(saved)

        right = run()
        if not all(ip in right[0] for ip in attackers + blocked_extra) or slow in right[0] or near in right[0]:
            return None
        variants = {"no-time-window": run(WINDOW=False), "text-sort": run(NUMERIC_SORT=False)}
        if medium_up:
            variants["current-log-only"] = run(ALL_FILES=False)
            variants["ignores-trusted-networks"] = run(USE_TRUSTED=False)
        if hard:
            variants["counts-repeat-line-once"] = run(EXPAND_REPEATS=False)
            if len(right[2]) != 1:
                return None
        if any(v[0] == right[0] for v in variants.values()):
            return None

        intro = pick(rng, [
            f"`{host}` has been hammered over SSH and we want to block the worst offenders at the edge.",
            f"Our SSH jump host `{host}` shows a flood of failed logins; security asked for a blocklist.",
            f"Incident review for `{host}`: work out which addresses brute-forced SSH.",
        ])
        logs_desc = (f"`{logdir}/auth.log`" if not medium_up else
                     f"`{logdir}/auth.log` and its rotations `auth.log.1` and `auth.log.2.gz` (gzip; oldest)")
        rules = [
            "A failure is an sshd line `Failed password for <user> from <ip> port ...` (including the "
            "`for invalid user <user>` form). Other lines (`Invalid user ...`, `pam_unix(...) authentication "
            "failure`, `Connection closed ...`) are not additional failures.",
            f"An address is brute-forcing when it has at least **{T}** failures within **{W} minutes**: {T} of "
            f"its failures such that at most {W * 60} seconds separate the first from the last (inclusive).",
            f"Syslog timestamps have no year: all entries are from {year}.",
        ]
        if medium_up:
            rules.append("Failures are counted across all the log files together (an attack can straddle a "
                         "rotation).")
            rules.append(f"Never block addresses inside the networks listed in `{trusted_path}`.")
        if hard:
            rules.append("rsyslog collapses repeats: `message repeated N times: [ <message>]` stands for N more "
                         "occurrences of `<message>` at that line's timestamp.")
        outputs = [f"`{out['blocklist']}`: the brute-forcing addresses, one per line, sorted numerically "
                   "(as IP addresses, not as text)."]
        if medium_up:
            outputs.append(f"`{out['report']}`: CSV with the header `ip,failures,first_seen,last_seen`, one row per "
                           "blocked address in the same order; `failures` counts all of its failures in all logs, "
                           "`first_seen`/`last_seen` are the times of its first and last failure as "
                           "`YYYY-MM-DDTHH:MM:SS`.")
        if hard:
            outputs.append(f"`{out['compromised']}`: CSV with the header `ip,user,time`: every accepted login "
                           "(`Accepted password` or `Accepted publickey`) from a blocked address that happened after "
                           "that address's first failure, sorted by time (`YYYY-MM-DDTHH:MM:SS`).")
        instruction = (intro + f" The authentication log is {logs_desc}.\n\nRules:\n\n"
                       + "\n".join(f"- {r}" for r in rules) + "\n\nWrite:\n\n" + "\n".join(f"- {o}" for o in outputs)
                       + "\n\nDo not modify or delete the logs.\n")

        def script(comment: str, flags: str = "") -> str:
            return textwrap.dedent(f"""\
                #!/bin/bash
                {comment}
                set -euo pipefail
                mkdir -p {outdir}
                ls -l {logdir}/auth.log*
                zgrep -h 'Failed password' {' '.join(logs)} | wc -l
                python3 - <<'PY'
                """) + ANALYSER + flags + "\n" + textwrap.dedent(f"""\
                P = json.loads({json.dumps(json.dumps(P))})
                def read(name):
                    return gzip.open(name, "rt").read() if name.endswith(".gz") else open(name).read()
                blocked, report, compromised = analyse(P, read)
                open(P["blocklist"], "w").write("".join(ip + "\\n" for ip in blocked))
                if P["report"]:
                    with open(P["report"], "w", newline="") as f:
                        w = csv.writer(f, lineterminator="\\n")
                        w.writerow(["ip", "failures", "first_seen", "last_seen"])
                        w.writerows(report)
                if P["compromised"]:
                    with open(P["compromised"], "w", newline="") as f:
                        w = csv.writer(f, lineterminator="\\n")
                        w.writerow(["ip", "user", "time"])
                        w.writerows(compromised)
                PY
                cat {out['blocklist']}
                """)

        files["solution/solve.sh"] = script("# Parse every rotation, expand repeats, sliding window per address.")
        flag_for = {"no-time-window": "WINDOW = False", "text-sort": "NUMERIC_SORT = False",
                    "current-log-only": "ALL_FILES = False", "ignores-trusted-networks": "USE_TRUSTED = False",
                    "counts-repeat-line-once": "EXPAND_REPEATS = False"}
        comments = {"no-time-window": "# Mistake: blocks on the total number of failures, ignoring the window.",
                    "text-sort": "# Mistake: sorts the addresses as strings.",
                    "current-log-only": "# Mistake: only reads the current auth.log.",
                    "ignores-trusted-networks": "# Mistake: blocks trusted hosts too.",
                    "counts-repeat-line-once": "# Mistake: counts a 'message repeated N times' line as one failure."}
        for name in variants:
            files[f"solution/wrong/{name}.sh"] = script(comments[name], flag_for[name])
        digests = {f"{logdir}/{n}": hashlib.sha256(files[f"environment/logs/{n}"]).hexdigest() for n in names}
        files["tests/test_outputs.py"] = (TEST.replace("__ANALYSER__", ANALYSER)
                                          .replace("__P__", json.dumps(json.dumps(P)))
                                          .replace("__DIGESTS__", json.dumps(json.dumps(digests)))
                                          + (TEST_REPORT if medium_up else "") + (TEST_COMP if hard else ""))
        dockerfile = "COPY logs/ /var/log/\n"
        if medium_up:
            dockerfile += f"COPY trusted_networks.conf {trusted_path}\n"
        dockerfile += "WORKDIR /root\n"
        return TaskDraft(
            instruction=instruction, dockerfile_body=dockerfile, files=files,
            tags=["auth.log", "ssh", "brute-force", "log-analysis", "blocklist"],
            artifacts=[outdir, *logs],  # the outputs, and the logs the tests check are untouched
            agent_timeout_sec={"easy": 600.0, "medium": 1200.0, "hard": 1500.0}[level],
            expert_minutes={"easy": 15, "medium": 30, "hard": 45}[level],
        )


TEST = '''"""Recompute the brute-force analysis from the logs and compare with the agent's files."""

import csv
import gzip
import hashlib
import json
from pathlib import Path
__ANALYSER__

P = json.loads(__P__)
DIGESTS = json.loads(__DIGESTS__)


def read(name):
    return gzip.open(name, "rt").read() if name.endswith(".gz") else open(name).read()


def expected():
    return analyse(P, read)


def test_logs_untouched():
    for path, digest in DIGESTS.items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest, path


def test_blocklist_addresses():
    got = [ln.strip() for ln in Path(P["blocklist"]).read_text().splitlines() if ln.strip()]
    want = expected()[0]
    assert sorted(got) == sorted(want), f"missing {sorted(set(want) - set(got))}, unexpected {sorted(set(got) - set(want))}"


def test_blocklist_numeric_order():
    got = [ln.strip() for ln in Path(P["blocklist"]).read_text().splitlines() if ln.strip()]
    assert got == expected()[0]
'''

TEST_REPORT = '''

def test_offender_report():
    rows = list(csv.reader(Path(P["report"]).read_text().splitlines()))
    assert rows and rows[0] == ["ip", "failures", "first_seen", "last_seen"], rows[:1]
    assert [r for r in rows[1:] if r] == expected()[1]
'''

TEST_COMP = '''

def test_suspicious_logins():
    rows = list(csv.reader(Path(P["compromised"]).read_text().splitlines()))
    assert rows and rows[0] == ["ip", "user", "time"], rows[:1]
    assert [r for r in rows[1:] if r] == expected()[2]
'''
