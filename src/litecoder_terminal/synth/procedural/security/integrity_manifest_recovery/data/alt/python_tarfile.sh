#!/bin/bash
# Alternative: everything in one Python program with the hmac and tarfile modules (no openssl, no tar CLI, no
# extraction to disk): members are read straight from the archives, newest archive (by the date in its name) first.
set -euo pipefail
python3 - <<'PY'
import csv, glob, hashlib, hmac, os, re, shutil, tarfile

root, app, mdir, quarantine = "@@root@@", "@@app@@", "@@mdir@@", "@@quarantine@@"
version = open(f"{root}/VERSION").read().strip()
key = bytes.fromhex(open("/etc/integrity/hmac.key").read().strip())
authentic = None
for m in sorted(glob.glob(f"{mdir}/{app}-{version}+b*.sha256")):
    mac = hmac.new(key, open(m, "rb").read(), hashlib.sha256).hexdigest()
    if hmac.compare_digest(mac, open(m + ".sig").read().strip()):
        authentic = m
assert authentic, "no manifest verifies"
os.makedirs(os.path.dirname("@@used@@"), exist_ok=True)
open("@@used@@", "w").write(os.path.basename(authentic) + "\n")
want = {}
for line in open(authentic):
    digest, path = line.rstrip("\n").split("  ", 1)
    want[path] = digest
have = {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}
audit = []
for p in sorted(set(want) | have):
    if p not in want:
        audit.append([p, "UNEXPECTED"])
    elif p not in have:
        audit.append([p, "MISSING"])
    elif hashlib.sha256(open(os.path.join(root, p), "rb").read()).hexdigest() != want[p]:
        audit.append([p, "MODIFIED"])
with open("@@audit@@", "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows([["path", "status"]] + audit)
archives = sorted(glob.glob(f"/var/backups/{app}/*.tar.gz"), key=lambda a: re.findall(r"\d{8}", a)[-1], reverse=True)
report = []
for p, status in audit:
    if status == "UNEXPECTED":
        dest = os.path.join(quarantine, p)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.move(os.path.join(root, p), dest)
        report.append([p, "quarantined", dest])
        continue
    for a in archives:
        with tarfile.open(a) as tar:
            try:
                member = tar.getmember(f"{app}/{p}")
            except KeyError:
                continue
            data = tar.extractfile(member).read()
        if hashlib.sha256(data).hexdigest() == want[p]:
            target = os.path.join(root, p)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(data)
            os.chmod(target, member.mode & 0o7777)
            report.append([p, "restored", os.path.basename(a)])
            break
    else:
        raise SystemExit(f"no good copy of {p}")
with open("@@restore_csv@@", "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows([["path", "action", "source"]] + sorted(report))
PY
