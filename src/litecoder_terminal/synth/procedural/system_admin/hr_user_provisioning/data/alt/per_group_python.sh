#!/bin/bash
# Alternative: Python drives the tools, offboarding first, homes copied from /etc/skel by hand, and supplementary
# groups set per group (gpasswd -M with the full member list) instead of per user.
set -eu
python3 - <<'PY'
import csv, grp, os, pwd, shutil, subprocess

HR = "@@hr_dir@@"


def run(*cmd):
    subprocess.run(cmd, check=True)


def exists(user):
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


for name in ("departments.csv", "access_groups.csv"):
    for row in csv.DictReader(open(os.path.join(HR, name))):
        try:
            grp.getgrnam(row["name"])
        except KeyError:
            run("groupadd", "-g", row["gid"], row["name"])
best = {}
for r in csv.DictReader(open(os.path.join(HR, "@@csv@@"), newline="")):
    r = {k: v.strip() for k, v in r.items()}
    old = best.get(r["employee_id"])
    if old is None or r.get("updated_at", "") > old.get("updated_at", ""):
        best[r["employee_id"]] = r
people = sorted(best.values(), key=lambda r: r["status"].lower() != "terminated")
want = {}  # group -> set of HR-managed members
managed = set()
for r in people:
    user, dept = r["username"].lower(), r["department"].lower()
    managed.add(user)
    if r["status"].lower() == "terminated":
        if exists(user):
            run("usermod", "-L", "-s", "/usr/sbin/nologin", user)
        continue
    uid = str(@@uid_base@@ + int(r["employee_id"][1:]))
    home = f"/home/{user}"
    if exists(user):
        run("usermod", "-u", uid, "-g", dept, "-c", r["full_name"], "-d", home, "-s", "/bin/bash", user)
    else:
        run("useradd", "-M", "-u", uid, "-g", dept, "-c", r["full_name"], "-d", home, "-s", "/bin/bash", user)
        if not os.path.isdir(home):
            shutil.copytree("/etc/skel", home, symlinks=True)
            for d, dirs, files in os.walk(home):
                for n in [d] + [os.path.join(d, f) for f in dirs + files]:
                    os.lchown(n, int(uid), grp.getgrnam(dept).gr_gid)
    os.chown(home, int(uid), grp.getgrnam(dept).gr_gid)
    os.chmod(home, 0o750)
    if r.get("end_date"):
        run("usermod", "-e", r["end_date"], user)
    for g in filter(None, r["groups"].split(";")):
        want.setdefault(g, set()).add(user)
for g in grp.getgrall():
    if g.gr_mem or g.gr_name in want:
        members = sorted({m for m in g.gr_mem if m not in managed} | want.get(g.gr_name, set()))
        if members != sorted(g.gr_mem):
            run("gpasswd", "-M", ",".join(members), g.gr_name)
PY
