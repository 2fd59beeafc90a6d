#!/bin/bash
# Reference: read the policy and the export, compare with the account database, then apply with shadow-utils.
set -euo pipefail
# The old sync's log says what stopped working and where the export lives.
tail -n 5 /var/log/hr-sync.log
ls -la @@hr_dir@@
cat @@hr_dir@@/POLICY.md
head -n 5 @@hr_dir@@/@@csv@@
cat @@hr_dir@@/departments.csv
cat @@hr_dir@@/access_groups.csv
# How many rows, duplicate employee ids (several rows per person), departures?
wc -l @@hr_dir@@/@@csv@@
cut -d, -f1 @@hr_dir@@/@@csv@@ | sort | uniq -d
grep -ic terminated @@hr_dir@@/@@csv@@ || true
# Defaults useradd applies (home mode, password ageing) and what a new home gets from /etc/skel.
grep -E '^(UID_MIN|PASS_MAX_DAYS|HOME_MODE|UMASK)' /etc/login.defs || true
ls -A /etc/skel
# Current state: human accounts, groups with members, locked passwords.
getent passwd | awk -F: '$3 >= 1000 && $3 < 60000'
getent group | awk -F: '$3 >= 1000 && $3 < 60000'
awk -F: '$2 ~ /^!/ { print $1 " locked" }' /etc/shadow
ls -la /home
HR=@@hr_dir@@
# 1. department and access groups with their fixed GIDs
tail -n +2 "$HR/departments.csv" "$HR/access_groups.csv" | grep , | while IFS=, read -r name gid; do
  getent group "$name" >/dev/null || groupadd -g "$gid" "$name"
done
# 2. normalise the export (trim, lower-case, latest row per employee)
python3 - > /tmp/hr_rows.tsv <<'PY'
import csv
rows = list(csv.DictReader(open("@@hr_dir@@/@@csv@@", newline="")))
latest = {}
for r in rows:
    r = {k: v.strip() for k, v in r.items()}
    key = r["employee_id"]
    if @@dupes@@ and key in latest:
        if @@newer@@:
            continue
    latest[key] = r
for key in sorted(latest):
    r = latest[key]
    status = @@status@@
    print("\t".join([status, r["username"].lower(), str(@@uid_base@@ + int(key[1:])), r["full_name"],
                     r["department"].lower(), r["groups"].replace(";", ",") or "-", r.get("end_date", "") or "-"]))
PY
cat /tmp/hr_rows.tsv
# 3. accounts
while IFS=$'\t' read -r status user uid name dept groups end; do
  [ "$groups" = "-" ] && groups=""
  if [ "$status" = "active" ]; then
    if id "$user" >/dev/null 2>&1; then
      usermod -u "$uid" -g "$dept" -c "$name" -d "/home/$user" -s /bin/bash "$user"
    else
      useradd -m -u "$uid" -g "$dept" -c "$name" -d "/home/$user" -s /bin/bash "$user"
    fi
    usermod @@append@@-G "$groups" "$user"
    chown "$user:$dept" "/home/$user"
    chmod @@mode@@ "/home/$user"
    if [ "$end" != "-" ]; then usermod -e "$end" "$user"; fi
  elif id "$user" >/dev/null 2>&1; then
    usermod -L -s /usr/sbin/nologin -G "" "$user"
  fi
done < /tmp/hr_rows.tsv
rm -f /tmp/hr_rows.tsv
# 4. spot checks
getent passwd | awk -F: '$3 >= 1000 && $3 < 60000'
getent group | awk -F: '$3 >= 1000 && $3 < 60000'
awk -F: '$2 ~ /^!/ { print $1 " locked" }' /etc/shadow
ls -ld /home/*
stat -c '%a %U:%G %n' /home/*
# Contractors: expiry dates set (shadow field 8)
awk -F: '$8 != "" { print $1, $8 }' /etc/shadow
