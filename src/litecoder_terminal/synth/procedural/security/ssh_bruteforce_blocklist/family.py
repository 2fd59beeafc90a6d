"""Find SSH brute-force sources in rotated auth logs (sliding window, trusted nets, rsyslog repeats) and report."""

from __future__ import annotations

import functools
import gzip
import json
import random
from datetime import datetime, timedelta

from litecoder_terminal.synth.procedural import kit

USERS = ["root", "admin", "ubuntu", "test", "oracle", "postgres", "git", "user", "ftp", "pi", "support", "guest"]
STAFF = ["deploy", "alice", "bob", "carol", "dave", "backup", "ansible"]


@functools.lru_cache(maxsize=4)
def _compiled(text: str):
    """data/analyser.py compiled once per process (it is exec'd several times per sample)."""
    return compile(text, "analyser.py", "exec")


KNOBS = {
    "window": kit.Knob("True", "False", "blocks on the total number of failures, ignoring the time window"),
    "numeric_sort": kit.Knob("True", "False", "sorts the addresses as strings"),
    "all_files": kit.Knob("True", "False", "only reads the current auth.log"),
    "use_trusted": kit.Knob("True", "False", "blocks trusted hosts too"),
    "expand_repeats": kit.Knob("True", "False", "counts a 'message repeated N times' line as one failure"),
}


class SshBruteforceBlocklist(kit.KitFamily):
    title = "Find SSH brute-force sources in rotated auth logs and produce a blocklist and incident report"
    levels = kit.Levels(rotations=(0, 1, 1), repeats=(0, 0, 1), attackers=(1, 2, 3), staff=(25, 60, 90),
                        noise=(15, 40, 60), agent_timeout=(600, 1200, 1500), expert_minutes=(15, 30, 45))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        for _ in range(50):
            draft = self._try(rng)
            if draft is not None:
                return draft
        raise RuntimeError("could not build a discriminating log set")

    def _try(self, rng: random.Random) -> kit.TaskDraft | None:
        k = self.knobs
        medium_up, hard = bool(k.rotations), bool(k.repeats)
        year = rng.choice([2024, 2025])
        month = rng.randint(1, 12)
        start = datetime(year, month, rng.randint(1, 25), 6, 25, 0)
        days = 3 if k.rotations else 1
        span = days * 86400
        T = rng.choice([5, 6, 8, 10])
        W = rng.choice([5, 10, 15, 30])
        host = rng.choice(["bastion", "web01", "gw-eu1", "jump", "vpn-edge"])
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
        attackers = [pub_ip(low=True), pub_ip(low=False)] + [pub_ip() for _ in range(k.attackers)]
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
            before = rng.randint(1, T - 1)
            for i in range(before):
                fail(boundary - 5 - i * rng.randint(5, 15), rot)
            for i in range(T - before):
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
        for _ in range(k.staff):
            ip = f"10.{office.split('.')[1]}.{rng.randrange(256)}.{rng.randrange(1, 255)}" if medium_up and rng.random() < 0.6 \
                else f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            t = rng.uniform(60, span - 60)
            user = rng.choice(STAFF)
            if rng.random() < 0.2:
                fail(t - 20, ip, user)
            ok(t, ip, user)
        for _ in range(k.noise):
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
            chunks = [[line(e) for e in ev if d * 86400 <= e[0] < (d + 1) * 86400] for d in range(3)]
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
        outdir = rng.choice(["/root/incident", "/srv/security/ssh-review", "/var/tmp/ir"])
        out = {"blocklist": f"{outdir}/blocklist.txt", "report": f"{outdir}/offenders.csv" if medium_up else "",
               "compromised": f"{outdir}/suspicious_logins.csv" if hard else ""}
        trusted_path = "/etc/security/trusted_networks.conf"
        if medium_up:
            files["environment/trusted_networks.conf"] = ("# never block these (office LAN, monitoring probe)\n"
                                                          f"{office}\n{monitor}/32   # uptime checker\n")
        P = {"logs": logs, "year": year, "threshold": T, "window_min": W, "trusted": trusted, **out}

        def read(name: str) -> str:
            return contents[name.rsplit("/", 1)[1]].decode()

        def run(flip: str | None = None) -> tuple:
            ns = {n.upper(): (kn.wrong if n == flip else kn.right) == "True" for n, kn in KNOBS.items()}
            exec(_compiled(self.data("analyser.py")), ns)  # noqa: S102 - our own package data: the reference analyser
            return ns["analyse"](P, read)

        right = run()
        if not all(ip in right[0] for ip in attackers + blocked_extra) or slow in right[0] or near in right[0]:
            return None
        wrong = {"no-time-window": "window", "text-sort": "numeric_sort"}
        if medium_up:
            wrong |= {"current-log-only": "all_files", "ignores-trusted-networks": "use_trusted"}
        if hard:
            wrong["counts-repeat-line-once"] = "expand_repeats"
        variants = {name: run(flip) for name, flip in wrong.items()}
        if hard and len(right[2]) != 1:
            return None
        if any(v[0] == right[0] for v in variants.values()):
            return None

        logs_desc = (f"`{logdir}/auth.log`" if not medium_up else
                     f"`{logdir}/auth.log` and its rotations `auth.log.1` and `auth.log.2.gz` (gzip; oldest)")
        rules = self.template("rules/base.md", threshold=T, window_min=W, window_s=W * 60, year=year)
        rules += self.data("rules/rotation.md") if medium_up else ""
        rules += self.data("rules/repeats.md") if hard else ""
        outputs = self.template("rules/blocklist.md", blocklist=out["blocklist"])
        outputs += self.template("rules/report.md", report=out["report"]) if medium_up else ""
        outputs += self.template("rules/comp.md", compromised=out["compromised"]) if hard else ""
        rules, outputs = rules.rstrip(), outputs.rstrip()
        ticket = f"/root/{rng.choice(['TICKET', 'INCIDENT', 'IR'])}-{rng.randint(1000, 9999)}.md"
        files["environment/ticket.md"] = self.template("ticket.md", host=host, logs_desc=logs_desc, rules=rules,
                                                      outputs=outputs)
        values = {"ticket": ticket, "outdir": outdir, "logs": json.dumps(logs), "year": year, "threshold": T,
                  "window_min": W, "trusted": json.dumps(trusted), "blocklist": out["blocklist"],
                  "report": out["report"], "compromised": out["compromised"]}
        files |= self.solver(KNOBS).files({**values, "analyser": self.data("analyser.py").rstrip()}, wrong)
        alt_values = {k: v for k, v in values.items() if k not in ("ticket", "logs")}
        files |= self.alt_solutions(**alt_values, logs_sh=" ".join(logs))
        files["tests/test_outputs.py"] = (self.template("verify.py") + (self.data("verify_report.py") if medium_up
                                          else "") + (self.data("verify_comp.py") if hard else ""))
        answers = {"blocklist": right[0], "report": right[1], "compromised": right[2]}
        files |= kit.expected_file({"params": P, "answers": answers, "untouched": kit.digests(
            {p: v for p, v in files.items() if p.startswith("environment/logs/")}, "logs", logdir)})
        dockerfile = "COPY logs/ /var/log/\n"
        if medium_up:
            dockerfile += "COPY trusted_networks.conf /etc/security/trusted_networks.conf\n"
        dockerfile += f"COPY ticket.md {ticket}\nWORKDIR /root\n"
        instruction = self.instruction(intro=self.intro(rng, host=host), logs_desc=logs_desc, rules=rules,
                                       outputs=outputs, ticket=ticket, blocklist=out["blocklist"])
        outs = [p for p in out.values() if p]
        return kit.draft(
            instruction=instruction, dockerfile_body=dockerfile, files=files,
            tags=["auth.log", "ssh", "brute-force", "log-analysis", "blocklist"],
            artifacts=[outdir, *logs], outputs=outs,  # the outputs, and the logs the tests check are untouched
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
        )
