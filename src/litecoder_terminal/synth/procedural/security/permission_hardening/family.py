"""Audit a deployed tree for dangerous permissions (world-writable, setuid, loose keys, ownership) and fix it to
a stated policy, with a change report; verified with lstat on every path."""

from __future__ import annotations

import hashlib
import random

from litecoder_terminal.synth.procedural import kit

NORMAL_FILE = [0o644, 0o644, 0o644, 0o640, 0o664, 0o600]
BAD_FILE = [0o666, 0o646, 0o777, 0o757, 0o662]
SETID = [0o4755, 0o6755, 0o2755, 0o4750, 0o4777]

KNOBS = {
    "exempt_tmp": kit.Knob("True", "False", "`chmod -R o-w` over everything, the scratch directory included"),
    "mode_fmt": kit.Knob("%04o", "%o", "right changes, but the report uses `stat -c %a` style modes"),
    "use_allowlist": kit.Knob("True", "False", "strips set-id bits from the approved programs too"),
    "follow_links": kit.Knob("False", "True", "chmod/chown through symbolic links"),
    "fix_owners": kit.Knob("True", "False", "fixes modes but not the ownership of the data directory"),
}


class PermissionHardening(kit.KitFamily):
    title = "Find and fix dangerous file permissions in a deployed tree to a stated policy, with a change report"
    levels = kit.Levels(files=(14, 26, 40), loose_dirs=(1, 2, 2), loose_files=(3, 5, 7), setid=(2, 3, 3),
                        keys=(0, 1, 1), owners=(0, 0, 1), agent_timeout=(600, 1200, 1500),
                        expert_minutes=(15, 25, 40))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        medium_up, hard = bool(k.keys), bool(k.owners)
        root = rng.choice(["/srv/webapp", "/opt/shop", "/var/www/portal", "/srv/intranet"])
        tmp = f"{root}/{rng.choice(['tmp', 'scratch', 'cache/tmp'])}"
        dirs = ["bin", "conf", "lib", "public", "public/assets", "logs", "data", "data/uploads", "ssl",
                tmp[len(root) + 1:]]
        if "cache/tmp" in tmp:
            dirs.insert(0, "cache")
        if hard:
            dirs += ["data/exports", "data/shared"]
        entries: dict[str, dict] = {}  # rel -> {"type": "d"|"f"|"l", "mode", "owner", "content"/"target"}
        for d in dirs:
            entries[d] = {"type": "d", "mode": 0o755, "owner": "root:root"}
        entries[""] = {"type": "d", "mode": 0o755, "owner": "root:root"}
        entries[tmp[len(root) + 1:]]["mode"] = rng.choice([0o777, 0o775, 0o757])
        for d in rng.sample(["logs", "public/assets", "data/uploads", "lib"], k.loose_dirs):
            entries[d]["mode"] = rng.choice([0o777, 0o757, 0o773])
        if hard:
            entries["data/shared"]["mode"] = rng.choice([0o2775, 0o2777])  # setgid dir is fine (not a file)
        n_files = k.files
        names = {"bin": ["backup.sh", "rotate-logs", "healthcheck", "deploy.sh", "reindex", "ping-helper",
                         "mailq-helper", "migrate"],
                 "conf": ["app.ini", "nginx.conf", "workers.yaml", "logging.conf", "cron.txt", "db.conf"],
                 "lib": ["util.py", "models.py", "render.py", "cache.py"],
                 "public": ["index.html", "robots.txt", "favicon.ico"],
                 "public/assets": ["app.js", "site.css", "logo.svg"],
                 "logs": ["access.log", "error.log", "worker.log"],
                 "data": ["customers.db", "orders.csv", "state.json"],
                 "data/uploads": ["invoice-1001.pdf", "avatar-77.png", "import.xlsx"],
                 "ssl": ["server.crt", "chain.pem"]}
        if hard:
            names["data/exports"] = ["q1.csv", "q2.csv"]
            names["data/shared"] = ["handover.txt"]
        pool = [f"{d}/{n}" for d in sorted(names) for n in names[d]]
        files = rng.sample(pool, min(n_files, len(pool)))
        for rel in files:
            base = 0o755 if rel.startswith("bin/") else rng.choice(NORMAL_FILE)
            entries[rel] = {"type": "f", "mode": base, "owner": "root:root",
                            "content": f"# {rel}\n" + "".join(f"{rng.choice(['ok', 'cfg', 'data', 'line'])} "
                                                              f"{rng.randrange(10**6)}\n" for _ in range(rng.randint(1, 6)))}
        # Private keys (always), a certificate that is not a key, and the problems to find.
        keys = ["ssl/server.key"] + (["ssl/client.pem"] if medium_up else [])
        for key in keys:
            entries[key] = {"type": "f", "mode": rng.choice([0o644, 0o640, 0o604, 0o666]), "owner": "root:root",
                          "content": "-----BEGIN PRIVATE KEY-----\n" + "".join(
                              "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/") for _ in range(64)) + "\n"
                              for _ in range(4)) + "-----END PRIVATE KEY-----\n"}
        entries["ssl/ca-bundle.pem"] = {"type": "f", "mode": 0o644, "owner": "root:root",
                                        "content": "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"}
        plain = sorted(r for r, e in entries.items() if e["type"] == "f" and r not in keys and not r.startswith("bin/"))
        for rel in rng.sample(plain, k.loose_files):
            entries[rel]["mode"] = rng.choice(BAD_FILE)
        bins = sorted(r for r in entries if r.startswith("bin/") and entries[r]["type"] == "f")
        if len(bins) < 3:
            for extra in ("bin/ping-helper", "bin/mailq-helper", "bin/healthcheck"):
                entries.setdefault(extra, {"type": "f", "mode": 0o755, "owner": "root:root",
                                           "content": f"#!/bin/sh\n# {extra}\nexit 0\n"})
            bins = sorted(r for r in entries if r.startswith("bin/") and entries[r]["type"] == "f")
        setid = rng.sample(bins, k.setid)
        for rel in setid:
            entries[rel]["mode"] = rng.choice(SETID)
        allowed = [f"{root}/{setid[0]}"] if medium_up else []
        if medium_up:
            entries[setid[0]]["mode"] = rng.choice([0o4755, 0o4777])
        owner_dir = f"{root}/data" if hard else ""
        # A file outside the tree, next to it: relative links keep the graded copy (the parent dir) self-contained.
        outside = f"{root.rsplit('/', 1)[0]}/shared/settings.conf"
        if hard:
            data_paths = sorted(r for r in entries if r == "data" or r.startswith("data/"))
            for rel in data_paths:
                entries[rel]["owner"] = rng.choice(["root:root", "root:root", "webapp:webapp", "nobody:nogroup",
                                                    "webapp:root"])
            entries["data"]["owner"] = "root:root"
            entries["conf/shared-settings.conf"] = {"type": "l", "target": "../../shared/settings.conf"}
            entries["public/current"] = {"type": "l", "target": "assets"}

        # Expected state.
        allowset = set(allowed)
        expected: dict[str, dict] = {}
        report_rows = []
        for rel in sorted(entries, key=lambda r: f"{root}/{r}" if r else root):
            e = entries[rel]
            path = f"{root}/{rel}" if rel else root
            if e["type"] == "l":
                continue
            old = e["mode"]
            new = 0o1777 if path == tmp else old & ~0o002
            if e["type"] == "f" and path not in allowset:
                new &= ~0o6000
            if e["type"] == "f" and medium_up and rel in keys:
                new = 0o600
            own = e["owner"]
            new_own = "webapp:webapp" if owner_dir and (path == owner_dir or path.startswith(owner_dir + "/")) else own
            expected[path] = {"mode": new, "owner": new_own, "type": e["type"],
                              "sha256": hashlib.sha256(e["content"].encode()).hexdigest() if e["type"] == "f" else ""}
            if new != old or new_own != own:
                row = [path, f"{old:04o}", f"{new:04o}"] + ([own, new_own] if hard else [])
                report_rows.append(row)
        report_rows.sort(key=lambda r: r[0])


        # Build context: file contents plus a script that sets every mode and owner at build time.
        out: dict[str, str | bytes] = {}
        setup = ["#!/bin/bash", "set -euo pipefail"]
        if hard:
            setup += ["grep -q '^webapp:' /etc/group || echo 'webapp:x:990:' >> /etc/group",
                      "grep -q '^webapp:' /etc/passwd || echo 'webapp:x:990:990:web application:/nonexistent:"
                      "/usr/sbin/nologin' >> /etc/passwd",
                      f"mkdir -p {outside.rsplit('/', 1)[0]}", f"echo 'shared=1' > {outside}",
                      f"chmod 0666 {outside}"]
        for rel in sorted(entries):
            e = entries[rel]
            path = f"{root}/{rel}" if rel else root
            if e["type"] == "d":
                setup.append(f"mkdir -p '{path}'")
            elif e["type"] == "f":
                out[f"environment/tree/{rel}"] = e["content"]
        for rel in sorted(entries):
            e = entries[rel]
            path = f"{root}/{rel}" if rel else root
            if e["type"] == "l":
                setup.append(f"ln -sfn '{e['target']}' '{path}'")
            else:
                setup += [f"chown {e['owner']} '{path}'", f"chmod {e['mode']:04o} '{path}'"]
        out["environment/setup_perms.sh"] = "\n".join(setup) + "\n"
        if allowed:
            out["environment/suid-allowlist"] = ("# set-id programs approved by security (SEC-"
                                                 f"{rng.randrange(100, 999)})\n" + "\n".join(allowed) + "\n")
        report = rng.choice(["/root/perm_changes.csv", "/var/tmp/permission_fixes.csv", "/root/audit/perms.csv"])
        allowlist_path = "/etc/security/setid-allowlist" if allowed else ""

        policy = [self.template("policy/world.md", root=root, tmp=tmp)]
        policy.append(self.template("policy/setid_allow.md", allowlist=allowlist_path) if allowed
                      else self.data("policy/setid.md"))
        if medium_up:
            policy.append(self.data("policy/keys.md"))
        if hard:
            policy.append(self.template("policy/owner.md", owner_dir=owner_dir))
        policy_text = "".join(policy).rstrip()
        report_text = self.template(
            "policy/report.md", report=report, cols="path,old_mode,new_mode" + (",old_owner,new_owner" if hard else ""),
            what="mode or owner" if hard else "mode", owners=", owners as `user:group`" if hard else "").rstrip()
        out["environment/policy.md"] = self.template("policy.md", root=root, policy=policy_text, report=report_text)
        # The scanner's log: names the tree and the policy, shows some findings (not all) and a false positive.
        stamp = f"{rng.randint(2024, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        flagged = sorted(p for p, w in expected.items() if (entries[p[len(root) + 1:] if p != root else ""]
                                                           .get("mode", 0) & 0o002))
        log = [f"{stamp}T02:10:00 secscan: scanning {root} against /etc/security/file-permissions.md"]
        log += [f"{stamp}T02:15:{i:02d} secscan: FAIL other-writable {p}" for i, p in
                enumerate(rng.sample(flagged, max(1, len(flagged) // 2)))]
        log += [f"{stamp}T02:16:00 secscan: ok /var/tmp is other-writable with the sticky bit",
                f"{stamp}T02:16:01 secscan: summary: findings truncated, re-run a full audit of {root}"]
        out["environment/findings.log"] = "\n".join(log) + "\n"

        values = {"root": root, "tmp": tmp, "allowlist": allowlist_path, "owner_dir": owner_dir, "report": report,
                  "key_rule": "True" if medium_up else "False"}
        wrong = {"no-tmp-exception": "exempt_tmp", "three-digit-modes": "mode_fmt"}
        if medium_up:
            wrong["ignores-allowlist"] = "use_allowlist"
        if hard:
            wrong |= {"follows-symlinks": "follow_links", "no-ownership-fix": "fix_owners"}
        out |= self.solver(KNOBS).files(values, wrong)
        out |= self.alt_solutions(root=root, tmp=tmp, allowlist=allowlist_path, owner_dir=owner_dir, report=report,
                                  key_rule_sh=int(medium_up))
        out["tests/test_outputs.py"] = self.template("verify.py") + (self.data("verify_hard.py") if hard else "")
        P = {"root": root, "tmp": tmp, "allowlist": allowlist_path, "owner_dir": owner_dir, "report": report,
             "setid_rule": True, "key_rule": medium_up}
        out |= kit.expected_file({"P": P, "expected": expected, "rows": report_rows,
                                  "links": {f"{root}/{r}": e["target"] for r, e in entries.items() if e["type"] == "l"},
                                  "outside": outside if hard else ""})
        dockerfile = (f"COPY tree/ {root}/\nCOPY setup_perms.sh /tmp/setup_perms.sh\n"
                      + (f"COPY suid-allowlist {allowlist_path}\n" if allowed else "")
                      + "COPY policy.md /etc/security/file-permissions.md\n"
                      + "COPY findings.log /var/log/secscan/findings.log\n"
                      + "RUN bash /tmp/setup_perms.sh && rm /tmp/setup_perms.sh\n"
                      f"WORKDIR {root}\n")
        instruction = self.instruction(intro=self.intro(rng), root=root, report=report, policy=policy_text,
                                       report_text=report_text)
        return kit.draft(
            instruction=instruction, dockerfile_body=dockerfile, files=out,
            tags=["permissions", "chmod", "setuid", "find", "hardening"],
            # hard: the tree's parent, so the file next to it (reached through a symlink) is graded as well
            artifacts=[root.rsplit("/", 1)[0] if hard else root, report], outputs=[root, report],
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
        )
