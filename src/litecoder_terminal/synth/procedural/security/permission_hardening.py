"""Audit a deployed tree for dangerous permissions (world-writable, setuid, loose keys, ownership) and fix it to
a stated policy, with a change report; verified with lstat on every path."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

FIXER = r'''
import csv, grp, os, pwd, stat, sys
P = json.loads(P_JSON)
EXEMPT_TMP = True        # wrong: strips o+w from the scratch directory too (and never sets its sticky bit)
USE_ALLOWLIST = True     # wrong: strips set-id bits from allowlisted programs too
FOLLOW_LINKS = False     # wrong: chmods through symbolic links (find -perm ... -exec chmod)
FIX_OWNERS = True        # wrong: never fixes ownership
THREE_DIGITS = False     # wrong: writes modes the way `stat -c %a` prints them
root, tmpdir = P["root"], P["tmp"]
allow = set()
if P["allowlist"] and USE_ALLOWLIST:
    allow = {l.strip() for l in open(P["allowlist"]) if l.strip() and not l.startswith("#")}
uid, gid = (pwd.getpwnam("webapp").pw_uid, grp.getgrnam("webapp").gr_gid) if P["owner_dir"] else (None, None)
def owner(st):
    return "%s:%s" % (pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name)
def is_private_key(path):
    if path.endswith(".key"):
        return True
    if path.endswith(".pem"):
        with open(path, "rb") as f:
            return b"PRIVATE KEY" in f.read()
    return False
paths = [root]
for d, dirs, names in os.walk(root):
    paths += [os.path.join(d, n) for n in dirs + names]
rows = []
for path in sorted(paths):
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) and not FOLLOW_LINKS:
        continue
    if stat.S_ISLNK(st.st_mode):
        st = os.stat(path)
    old = stat.S_IMODE(st.st_mode)
    new = old
    is_file = stat.S_ISREG(st.st_mode)
    if path == tmpdir and EXEMPT_TMP:
        new = 0o1777
    else:
        new &= ~0o002
    if is_file and path not in allow and P["setid_rule"]:
        new &= ~0o6000
    if is_file and P["key_rule"] and is_private_key(path):
        new = 0o600
    old_owner = owner(st)
    new_owner = old_owner
    if FIX_OWNERS and P["owner_dir"] and (path == P["owner_dir"] or path.startswith(P["owner_dir"] + "/")):
        if (st.st_uid, st.st_gid) != (uid, gid):
            os.lchown(path, uid, gid) if not FOLLOW_LINKS else os.chown(path, uid, gid)
            new_owner = "webapp:webapp"
    if new != old:
        os.chmod(path, new)
    if new != old or new_owner != old_owner:
        fmt = "%o" if THREE_DIGITS else "%04o"
        row = [path, fmt % old, fmt % new]
        if P["owner_dir"]:
            row += [old_owner, new_owner]
        rows.append(row)
os.makedirs(os.path.dirname(P["report"]), exist_ok=True)
with open(P["report"], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["path", "old_mode", "new_mode"] + (["old_owner", "new_owner"] if P["owner_dir"] else []))
    w.writerows(rows)
'''

NORMAL_FILE = [0o644, 0o644, 0o644, 0o640, 0o664, 0o600]
BAD_FILE = [0o666, 0o646, 0o777, 0o757, 0o662]
SETID = [0o4755, 0o6755, 0o2755, 0o4750, 0o4777]


@register
class PermissionHardening(TaskFamily):
    name = "permission_hardening"
    domain = "security"
    title = "Find and fix dangerous file permissions in a deployed tree to a stated policy, with a change report"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        medium_up = level != "easy"
        hard = level == "hard"
        root = pick(rng, ["/srv/webapp", "/opt/shop", "/var/www/portal", "/srv/intranet"])
        tmp = f"{root}/{pick(rng, ['tmp', 'scratch', 'cache/tmp'])}"
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
        for d in rng.sample(["logs", "public/assets", "data/uploads", "lib"], {"easy": 1, "medium": 2, "hard": 2}[level]):
            entries[d]["mode"] = rng.choice([0o777, 0o757, 0o773])
        if hard:
            entries["data/shared"]["mode"] = rng.choice([0o2775, 0o2777])  # setgid dir is fine (not a file)
        n_files = {"easy": 14, "medium": 26, "hard": 40}[level]
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
        for k in keys:
            entries[k] = {"type": "f", "mode": rng.choice([0o644, 0o640, 0o604, 0o666]), "owner": "root:root",
                          "content": "-----BEGIN PRIVATE KEY-----\n" + "".join(
                              "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/") for _ in range(64)) + "\n"
                              for _ in range(4)) + "-----END PRIVATE KEY-----\n"}
        entries["ssl/ca-bundle.pem"] = {"type": "f", "mode": 0o644, "owner": "root:root",
                                        "content": "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"}
        plain = sorted(r for r, e in entries.items() if e["type"] == "f" and r not in keys and not r.startswith("bin/"))
        for rel in rng.sample(plain, {"easy": 3, "medium": 5, "hard": 7}[level]):
            entries[rel]["mode"] = rng.choice(BAD_FILE)
        bins = sorted(r for r in entries if r.startswith("bin/") and entries[r]["type"] == "f")
        if len(bins) < 3:
            for extra in ("bin/ping-helper", "bin/mailq-helper", "bin/healthcheck"):
                entries.setdefault(extra, {"type": "f", "mode": 0o755, "owner": "root:root",
                                           "content": f"#!/bin/sh\n# {extra}\nexit 0\n"})
            bins = sorted(r for r in entries if r.startswith("bin/") and entries[r]["type"] == "f")
        setid = rng.sample(bins, {"easy": 2, "medium": 3, "hard": 3}[level])
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
                      "grep -q '^webapp:' /etc/passwd || echo 'webapp:x:990:990:web application:/nonexistent:/usr/sbin/nologin' >> /etc/passwd",
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
                setup.append(f"chown {e['owner']} '{path}'")
                setup.append(f"chmod {e['mode']:04o} '{path}'")
        out["environment/setup_perms.sh"] = "\n".join(setup) + "\n"
        if allowed:
            out["environment/suid-allowlist"] = ("# set-id programs approved by security (SEC-"
                                                 f"{rng.randrange(100, 999)})\n" + "\n".join(allowed) + "\n")
        report = pick(rng, ["/root/perm_changes.csv", "/var/tmp/permission_fixes.csv", "/root/audit/perms.csv"])
        allowlist_path = "/etc/security/setid-allowlist" if allowed else ""
        P = {"root": root, "tmp": tmp, "allowlist": allowlist_path, "owner_dir": owner_dir, "report": report,
             "setid_rule": True, "key_rule": medium_up}

        intro = pick(rng, [
            f"A pentest flagged loose permissions on the application tree `{root}`. Fix them to our policy.",
            f"The deploy tool for `{root}` has been running with umask 000 for a while; clean up the damage.",
            f"Hardening ticket: bring `{root}` in line with the file-permission policy before the audit.",
        ])
        policy = [
            f"No file or directory under `{root}` (including `{root}` itself) may be writable by others: remove "
            f"the other-write bit and nothing else - except the scratch directory `{tmp}`, which must end up "
            "exactly `1777` (world-writable with the sticky bit).",
            "Regular files must not carry the set-user-ID or set-group-ID bit"
            + (f", except the programs listed in `{allowlist_path}` (absolute paths), which keep them." if allowed
               else "."),
        ]
        if medium_up:
            policy.append("Private keys - files named `*.key`, and `*.pem` files that contain `PRIVATE KEY` - must be "
                          "exactly `0600`.")
        if hard:
            policy.append(f"Everything under `{owner_dir}` (the directory itself included) must be owned by user "
                          "`webapp` and group `webapp`.")
            policy.append("Symbolic links are not to be touched or followed; set-group-ID on directories is fine.")
        cols = "path,old_mode,new_mode" + (",old_owner,new_owner" if hard else "")
        instruction = (intro + "\n\nPolicy:\n\n" + "\n".join(f"- {p}" for p in policy) + "\n\n" + textwrap.dedent(f"""\
            Apply exactly the changes the policy requires - no others (do not touch contents, and do not change
            modes that already comply). Then write `{report}` as CSV with the header `{cols}`: one row per path
            whose mode{' or owner' if hard else ''} you changed, `path` absolute, modes as four octal digits
            including the special bits (e.g. `4755`, `0644`){', owners as `user:group`' if hard else ''}, sorted
            by `path`.
            """))

        def script(comment: str) -> str:
            return (f"#!/bin/bash\n{comment}\nset -euo pipefail\n"
                    f"find {root} \\( -perm -o+w -o -perm /6000 \\) -printf '%m %u:%g %y %p\\n' | sort -k4\n"
                    + (f"cat {allowlist_path}\n" if allowed else "")
                    + f"python3 - <<'PY'\nimport json\nP_JSON = {json.dumps(json.dumps(P))}\n{FIXER}\nPY\n"
                    f"cat {report}\n")

        def variant(flag_line: str) -> str:
            name, _, value = flag_line.partition(" = ")
            return FIXER.replace(f"{name} = {'True' if value == 'False' else 'False'}", flag_line, 1)

        def vscript(comment: str, flag_line: str | None = None) -> str:
            code = variant(flag_line) if flag_line else FIXER
            return (f"#!/bin/bash\n{comment}\nset -euo pipefail\n"
                    + f"python3 - <<'PY'\nimport json\nP_JSON = {json.dumps(json.dumps(P))}\n{code}\nPY\n")

        out["solution/solve.sh"] = script("# Walk the tree with lstat, apply the policy rule by rule, report changes.")
        out["solution/wrong/no-tmp-exception.sh"] = vscript(
            "# Mistake: `chmod -R o-w` over everything, scratch directory included.", "EXEMPT_TMP = False")
        out["solution/wrong/three-digit-modes.sh"] = vscript(
            "# Mistake: right changes, but the report uses `stat -c %a` style modes.", "THREE_DIGITS = True")
        if medium_up:
            out["solution/wrong/ignores-allowlist.sh"] = vscript(
                "# Mistake: strips set-id bits from the approved programs too.", "USE_ALLOWLIST = False")
        if hard:
            out["solution/wrong/follows-symlinks.sh"] = vscript(
                "# Mistake: chmod/chown through symbolic links.", "FOLLOW_LINKS = True")
            out["solution/wrong/no-ownership-fix.sh"] = vscript(
                "# Mistake: fixes modes but not the ownership of the data directory.", "FIX_OWNERS = False")
        exp = {"P": P, "expected": expected, "rows": report_rows,
               "links": {f"{root}/{r}": e["target"] for r, e in entries.items() if e["type"] == "l"},
               "outside": outside if hard else ""}
        out["tests/expected.json"] = json.dumps(exp, indent=1, sort_keys=True) + "\n"
        out["tests/test_outputs.py"] = TEST + (TEST_HARD if hard else "")
        dockerfile = (f"COPY tree/ {root}/\nCOPY setup_perms.sh /tmp/setup_perms.sh\n"
                      + (f"COPY suid-allowlist {allowlist_path}\n" if allowed else "")
                      + "RUN bash /tmp/setup_perms.sh && rm /tmp/setup_perms.sh\n"
                      f"WORKDIR {root}\n")
        return TaskDraft(
            instruction=instruction, dockerfile_body=dockerfile, files=out,
            tags=["permissions", "chmod", "setuid", "find", "hardening"],
            # hard: the tree's parent, so the file next to it (reached through a symlink) is graded as well
            artifacts=[root.rsplit("/", 1)[0] if hard else root, report],
            agent_timeout_sec={"easy": 600.0, "medium": 1200.0, "hard": 1500.0}[level],
            expert_minutes={"easy": 15, "medium": 25, "hard": 40}[level],
        )


TEST = '''"""lstat every path of the tree and compare modes, owners, contents and the report with the policy's result."""

import csv
import grp
import hashlib
import json
import os
import pwd
import stat
from pathlib import Path

EXP = json.loads((Path(__file__).parent / "expected.json").read_text())
P = EXP["P"]


def owner(st):
    return f"{pwd.getpwuid(st.st_uid).pw_name}:{grp.getgrgid(st.st_gid).gr_name}"


def tree():
    out = {P["root"]: os.lstat(P["root"])}
    for d, dirs, names in os.walk(P["root"]):
        for n in dirs + names:
            out[os.path.join(d, n)] = os.lstat(os.path.join(d, n))
    return out


def test_same_paths_and_contents():
    got = tree()
    assert sorted(got) == sorted(set(EXP["expected"]) | set(EXP["links"])), "paths were added or removed"
    for path, want in EXP["expected"].items():
        if want["type"] == "f":
            assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == want["sha256"], f"{path} content changed"


def test_modes_follow_policy():
    # Set-user/group-ID bits never reach the grader (the artifact copy drops them): they are judged by the report.
    got = tree()
    bad = []
    for path, want in EXP["expected"].items():
        mode = stat.S_IMODE(got[path].st_mode)
        if mode & 0o1777 != want["mode"] & 0o1777:
            bad.append(f"{path}: {mode:04o} (expected {want['mode']:04o})")
    assert not bad, "; ".join(bad[:6])


def test_owners():
    got = tree()
    bad = [f"{p}: {owner(got[p])} (expected {w['owner']})" for p, w in EXP["expected"].items() if owner(got[p]) != w["owner"]]
    assert not bad, "; ".join(bad[:6])


def test_change_report():
    rows = list(csv.reader(Path(P["report"]).read_text().splitlines()))
    header = ["path", "old_mode", "new_mode"] + (["old_owner", "new_owner"] if P["owner_dir"] else [])
    assert rows and rows[0] == header, rows[:1]
    got = [r for r in rows[1:] if r]
    want = EXP["rows"]
    missing = [r for r in want if r not in got]
    extra = [r for r in got if r not in want]
    assert not missing and not extra, f"missing {missing[:3]}, unexpected {extra[:3]}"
    assert got == want, "report rows are not sorted by path"
'''

TEST_HARD = '''

def test_symlinks_untouched():
    for link, target in EXP["links"].items():
        assert os.path.islink(link) and os.readlink(link) == target, link
    outside = os.stat(EXP["outside"])
    assert stat.S_IMODE(outside.st_mode) == 0o666, "a file outside the tree was changed through a symlink"
    assert owner(outside) == "root:root", "a file outside the tree was chowned through a symlink"
'''
