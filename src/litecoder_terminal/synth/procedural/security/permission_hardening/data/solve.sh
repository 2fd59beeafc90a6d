#!/bin/bash
# Reference: read the policy, survey the tree for what it forbids (other-write, set-id, loose keys, owners,
# symlinks), fix path by path with lstat (never through a link), write the change report, then re-check.
set -euo pipefail
# The policy and what the scanner found: they name the tree, the rules and the report.
cat /etc/security/file-permissions.md
tail -n 20 /var/log/secscan/findings.log
if [ -n "@@allowlist@@" ]; then cat @@allowlist@@; else echo "no set-id allowlist"; fi
cd @@root@@
ls -la
# Other-writable paths (files and directories), special bits included in the mode.
find @@root@@ -perm -o+w ! -type l -printf '%m %u:%g %y %p\n' | sort -k4
# Set-user/group-ID regular files: which of them are approved?
find @@root@@ -type f -perm /6000 -printf '%m %p\n' | sort -k2
# Candidate private keys: *.key, and *.pem that hold a PRIVATE KEY (certificates are fine as they are).
find @@root@@ -type f \( -name '*.key' -o -name '*.pem' \) -printf '%m %p\n'
find @@root@@ -type f -name '*.pem' -exec grep -l 'PRIVATE KEY' {} + || true
# Symbolic links must be left alone and not followed: where do they point?
find @@root@@ -type l -printf '%p -> %l\n'
# Ownership as it is now.
find @@root@@ -printf '%u:%g\n' | sort | uniq -c
cat > /tmp/fix_perms.py <<'PY'
import csv, grp, os, pwd, stat, sys
P = {"root": "@@root@@", "tmp": "@@tmp@@", "allowlist": "@@allowlist@@", "owner_dir": "@@owner_dir@@",
     "report": "@@report@@", "setid_rule": True, "key_rule": @@key_rule@@}
root, tmpdir = P["root"], P["tmp"]
allow = set()
if P["allowlist"] and @@use_allowlist@@:
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
    if stat.S_ISLNK(st.st_mode) and not @@follow_links@@:
        continue
    if stat.S_ISLNK(st.st_mode):  # only reached when following links
        st = os.stat(path)
    old = stat.S_IMODE(st.st_mode)
    new = old
    is_file = stat.S_ISREG(st.st_mode)
    if path == tmpdir and @@exempt_tmp@@:
        new = 0o1777
    else:
        new &= ~0o002
    if is_file and path not in allow and P["setid_rule"]:
        new &= ~0o6000
    if is_file and P["key_rule"] and is_private_key(path):
        new = 0o600
    old_owner = owner(st)
    new_owner = old_owner
    if @@fix_owners@@ and P["owner_dir"] and (path == P["owner_dir"] or path.startswith(P["owner_dir"] + "/")):
        if (st.st_uid, st.st_gid) != (uid, gid):
            os.lchown(path, uid, gid) if not @@follow_links@@ else os.chown(path, uid, gid)
            new_owner = "webapp:webapp"
    if new != old:
        os.chmod(path, new)
    if new != old or new_owner != old_owner:
        fmt = "@@mode_fmt@@"  # four octal digits, special bits included
        row = [path, fmt % old, fmt % new]
        if P["owner_dir"]:
            row += [old_owner, new_owner]
        rows.append(row)
os.makedirs(os.path.dirname(P["report"]), exist_ok=True)
with open(P["report"], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["path", "old_mode", "new_mode"] + (["old_owner", "new_owner"] if P["owner_dir"] else []))
    w.writerows(rows)
PY
python3 /tmp/fix_perms.py
# Check: the report, and nothing other-writable left except the sticky scratch directory.
cat @@report@@
find @@root@@ -perm -o+w ! -type l ! -path @@tmp@@ -printf '%m %p\n'
stat -c '%a %n' @@tmp@@
