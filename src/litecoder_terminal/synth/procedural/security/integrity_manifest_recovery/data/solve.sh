#!/bin/bash
# Reference: find the procedure, verify the manifests' signatures, audit, restore each file from the newest backup
# whose copy matches the manifest, quarantine intruders, report.
set -euo pipefail
# Where is the procedure? The login banner names the open incident and its runbook.
cat /etc/motd
# The monitoring log says what it found and where the runbook is.
tail -n 20 /var/log/fim/fim.log
grep -c 'ALERT' /var/log/fim/fim.log
cat @@workdir@@/RUNBOOK.md
# The night shift's notes suggest the newest backup and the highest build: the runbook says otherwise.
cat @@workdir@@/notes.txt
mkdir -p @@workdir@@ @@quarantine@@ /tmp/restore
cd @@root@@
VERSION=$(tr -d '[:space:]' < VERSION)
echo "deployed version: $VERSION"
KEY=$(tr -d '[:space:]' < /etc/integrity/hmac.key)
# Candidate manifests for this version and their signatures; the backups and their dates.
ls -l @@mdir@@/ /var/backups/@@app@@/
head -n 3 @@mdir@@/@@app@@-"$VERSION"+b*.sha256
MANIFEST=''
for m in @@mdir@@/@@app@@-"$VERSION"+b*.sha256; do
  mac=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY" "$m" | awk '{print $NF}')
  echo "$(basename "$m"): computed $mac, signed $(tr -d '[:space:]' < "$m.sig")"
  if @@sigcheck@@; then MANIFEST=$m; fi
done
[ -n "$MANIFEST" ] || { echo "no authentic manifest" >&2; exit 1; }
basename "$MANIFEST" > @@used@@
# What does the manifest say is wrong (content) before anything is touched?
sha256sum -c --quiet "$MANIFEST" 2>/dev/null || true
find . -type f | sed 's|^\./||' | sort > /tmp/restore/present.txt
python3 - "$MANIFEST" <<'PY'
import csv, hashlib, sys
manifest = {}
for line in open(sys.argv[1]):
    digest, path = line.rstrip("\n").split("  ", 1)
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
with open("@@audit@@", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["path", "status"])
    w.writerows(rows)
PY
cat @@audit@@
# Each backup's listing: which of the damaged files does it hold?
for b in /var/backups/@@app@@/*.tar.gz; do echo "$b: $(tar -tzf "$b" | grep -vc '/$') files"; done
if @@restore@@; then
  for b in /var/backups/@@app@@/*.tar.gz; do
    mkdir -p "/tmp/restore/$(basename "$b" .tar.gz)"
    tar -xzf "$b" -C "/tmp/restore/$(basename "$b" .tar.gz)"
  done
  python3 - "$MANIFEST" <<'PY'
import csv, hashlib, os, shutil, sys
manifest = {}
for line in open(sys.argv[1]):
    digest, path = line.rstrip("\n").split("  ", 1)
    manifest[path] = digest
backups = sorted(os.listdir("/var/backups/@@app@@"), reverse=True)  # newest first (the date is in the name)
report = []
for path, status in list(csv.reader(open("@@audit@@")))[1:]:
    if status == "UNEXPECTED":
        dest = "@@quarantine@@/" + path
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        @@quarantine_op@@
        report.append((path, "quarantined", dest))
        continue
    for b in backups:
        src = "/tmp/restore/" + b[:-len(".tar.gz")] + "/@@app@@/" + path
        if not os.path.isfile(src):
            continue
        if @@accept@@:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            shutil.copyfile(src, path)
            os.chmod(path, os.stat(src).st_mode & 0o7777)
            report.append((path, "restored", b))
            break
with open("@@restore_csv@@", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["path", "action", "source"])
    w.writerows(sorted(report))
PY
fi
# Checks: the manifest passes, the tree holds nothing else, the quarantine and the report.
sha256sum -c --quiet "$MANIFEST"
diff <(find . -type f | sed 's|^\./||' | sort) <(awk '{print $2}' "$MANIFEST" | sort)
find @@quarantine@@ -type f
cat @@restore_csv@@
rm -rf /tmp/restore
