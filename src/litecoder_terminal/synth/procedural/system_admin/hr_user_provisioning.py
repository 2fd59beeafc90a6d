"""Provision local accounts from an HR export: groups with fixed GIDs, users with policy UIDs, exact supplementary
groups, private home directories, and locking of departed staff. Pre-existing accounts with drift, dirty CSV rows and
superseded duplicate rows (plus contractor expiry dates) at higher difficulty. Verified from /etc/passwd, /etc/group,
/etc/shadow and the home directories themselves."""

from __future__ import annotations

import datetime as dt
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

FIRST = ["Ada", "Bram", "Chen", "Dana", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca", "Mona",
         "Nikhil", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Xavi", "Yara", "Zoltan"]
LAST = ["Abara", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen", "Kowalski",
        "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist", "Rossi", "Sato", "Tanaka", "Usman", "Varga",
        "Weber", "Xu", "Yilmaz", "Zhang"]
DEPARTMENTS = ["engineering", "finance", "legal", "marketing", "operations", "research", "sales", "support"]
EXTRA_GROUPS = ["docker", "oncall", "vpn", "audit", "deploy-prod", "analytics", "billing-ro", "gitlab"]
FAKE_HASH = "$6$lctfixedsalt$Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4"


def _messy(rng: random.Random, s: str, on: bool) -> str:
    if not on or rng.random() < 0.6:
        return s
    return rng.choice([" " + s, s + " ", s.upper(), s.capitalize()])


@register
class HrUserProvisioning(TaskFamily):
    name = "hr_user_provisioning"
    domain = "system_admin"
    title = "Provision and lock local accounts from an HR export"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        dirty = level != "easy"
        preexisting = level != "easy"
        dupes = level == "hard"
        contractors = level == "hard"
        uid_base = rng.choice([10000, 20000, 30000])
        depts = sorted(rng.sample(DEPARTMENTS, {"easy": 3, "medium": 4, "hard": 5}[level]))
        gid_base = rng.choice([3000, 4000, 5000])
        dept_gid = {d: gid_base + 10 * i + rng.randrange(10) for i, d in enumerate(depts)}
        extras = sorted(rng.sample(EXTRA_GROUPS, 4))
        existing_extras = extras[:2]  # these exist in the image already; the others must be created
        extra_gid = {g: 2000 + 7 * i + rng.randrange(7) for i, g in enumerate(existing_extras)}
        n = {"easy": rng.randint(6, 8), "medium": rng.randint(9, 12), "hard": rng.randint(12, 15)}[level]

        people, used = [], set()
        while len(people) < n:
            f, l = rng.choice(FIRST), rng.choice(LAST)
            user = (f[0] + l).lower()
            if user in used:
                continue
            used.add(user)
            num = rng.randint(100, 9999)
            if any(p["num"] == num for p in people):
                continue
            people.append({"num": num, "user": user, "name": f"{f} {l}", "dept": rng.choice(depts),
                           "groups": sorted(rng.sample(extras, rng.randint(0, 2))), "status": "active",
                           "type": "employee", "end": ""})
        n_term = {"easy": 2, "medium": 3, "hard": 4}[level]
        for p in people[:n_term]:
            p["status"] = "terminated"
        if contractors:
            for p in people[n_term:n_term + 3]:
                p["type"] = "contractor"
                p["end"] = (dt.date(2026, 6, 1) + dt.timedelta(days=rng.randrange(200))).isoformat()
        # which accounts exist before the task starts
        exists_term = [p for p in people[:n_term] if preexisting and people.index(p) % 2 == 0]
        exists_active = [p for p in people[n_term:] if preexisting][:2]
        for p in exists_active:  # each pre-existing active account carries one membership it must lose
            if all(g in p["groups"] for g in existing_extras):
                p["groups"] = [g for g in p["groups"] if g != existing_extras[1]]
        local_user = pick(rng, ["deploy", "jenkins", "ansible", "monitor"])
        local_uid = rng.randint(1100, 1900)

        # the CSV (duplicates: an older row superseded by a newer one with a different department or status)
        rows = []
        for p in people:
            stamp = dt.datetime(2026, 2, 1) + dt.timedelta(minutes=rng.randrange(40000))
            rows.append((p, stamp))
        extra_rows = []
        if dupes:
            for p in rng.sample(people[n_term:], 2) + [people[0]]:
                old = dict(p)
                if p["status"] == "terminated":
                    old["status"] = "active"
                else:
                    old["dept"] = rng.choice([d for d in depts if d != p["dept"]])
                    old["groups"] = sorted(rng.sample(extras, 2))
                stamp = next(s for q, s in rows if q is p) - dt.timedelta(days=rng.randint(3, 40))
                extra_rows.append((old, stamp))
        all_rows = rows + extra_rows
        rng.shuffle(all_rows)
        for j, (old, _) in enumerate(extra_rows):
            a = next(i for i, (q, _) in enumerate(all_rows) if q is old)
            b = next(i for i, (q, _) in enumerate(all_rows) if q is not old and q["num"] == old["num"])
            if (a > b) == (j != 0):  # the superseded row comes first for two people, last for one
                all_rows[a], all_rows[b] = all_rows[b], all_rows[a]
        head = ["employee_id", "username", "full_name", "department", "groups", "status"]
        if contractors:
            head += ["type", "end_date"]
        if dupes:
            head += ["updated_at"]
        lines = [",".join(head)]
        for p, stamp in all_rows:
            cells = [f"E{p['num']:04d}", _messy(rng, p["user"], dirty), p["name"], _messy(rng, p["dept"], dirty),
                     ";".join(p["groups"]), _messy(rng, p["status"], dirty)]
            if contractors:
                cells += [p["type"], p["end"]]
            if dupes:
                cells += [stamp.strftime("%Y-%m-%dT%H:%M:%S")]
            lines.append(",".join(cells))
        csv_text = "\n".join(lines) + "\n"
        dept_text = "department,gid\n" + "".join(f"{d},{dept_gid[d]}\n" for d in depts)

        # build-time state
        setup = ["#!/bin/bash", "set -e"]
        for g in existing_extras:
            setup.append(f"groupadd -g {extra_gid[g]} {g}")
        setup.append(f"useradd -m -u {local_uid} -s /bin/bash -c 'local service account' {local_user}")
        setup.append(f"usermod -p '{FAKE_HASH}' -aG {existing_extras[0]} {local_user}")
        for p in exists_term + exists_active:
            setup.append(f"getent group {p['dept']} >/dev/null || groupadd -g {dept_gid[p['dept']]} {p['dept']}")
        for p in exists_term + exists_active:
            grp = [g for g in existing_extras if g not in p["groups"]][:1] + [g for g in p["groups"] if g in existing_extras]
            gflag = f"-G {','.join(sorted(set(grp)))} " if grp else ""
            setup.append(f"useradd -m -u {uid_base + p['num']} -g {p['dept']} {gflag}-s /bin/bash "
                         f"-c '{p['name']}' {p['user']}")
            setup.append(f"usermod -p '{FAKE_HASH}' {p['user']}")
            setup.append(f"chmod 755 /home/{p['user']}")
        setup.append("rm -f /var/log/lastlog /var/log/faillog")

        hr_dir = pick(rng, ["/root/hr", "/srv/hr_sync", "/root/onboarding", "/var/lib/hr-import"])
        csv_name = pick(rng, ["employees.csv", "hr_export.csv", "staff.csv"])
        def v(*options: str) -> str:
            return pick(rng, list(options))

        ex = rng.choice(people)["num"]
        intro = v(
            "HR sent this week's staff export and the accounts on this jump host have to match it.",
            "We are retiring the old LDAP sync on this box; local accounts must now be provisioned from the HR export.",
            "Access review: bring the local accounts on this server in line with the HR system export.",
            f"Onboarding/offboarding backlog: {len(people)} people in the latest HR export need their access on this "
            "host sorted out.",
            "Audit found drift between the HR system and the local accounts on this build server; fix it.",
        )
        export = v(f"The export is `{hr_dir}/{csv_name}`.", f"HR's file is `{hr_dir}/{csv_name}`.",
                   f"You will find the export at `{hr_dir}/{csv_name}` (one person per row).")
        rules = [
            v(f"Departments and their group IDs are listed in `{hr_dir}/departments.csv` (`department,gid`). Each "
              "department is a group of the same name with exactly that GID; create the ones that do not exist.",
              f"`{hr_dir}/departments.csv` (`department,gid`) maps each department to its GID: every department "
              "must exist as a group of that name with exactly that GID (create missing ones).",
              f"Each department ({', '.join(depts)}) is a group of the same name whose GID is fixed in "
              f"`{hr_dir}/departments.csv`; create any that are missing."),
            v(f"Every `active` person gets an account named `username`, with UID = {uid_base} + the number in "
              f"`employee_id` (E{ex:04d} -> {uid_base + ex}), primary group = their department, full name as the "
              "GECOS comment, home directory `/home/<username>` (created from /etc/skel if missing, owned by the "
              "user and their primary group, mode 0750) and login shell `/bin/bash`.",
              f"Active people need an account: login `username`, UID {uid_base} plus the digits of `employee_id` "
              f"(so E{ex:04d} is {uid_base + ex}), their department as primary group, `full_name` as the comment "
              "(GECOS), shell `/bin/bash`, and home `/home/<username>` populated from /etc/skel when it is "
              "created, owned by user:department and with mode 0750.",
              f"For each `active` row: account `username`; UID = {uid_base} + numeric part of `employee_id` "
              f"(E{ex:04d} -> {uid_base + ex}); primary group = department; GECOS = full name; login shell "
              "`/bin/bash`; home directory `/home/<username>` (skeleton files from /etc/skel), owner the user and "
              "group the department, permissions 0750."),
            v("`groups` lists the person's supplementary groups (separated by `;`, possibly empty). After your "
              "change each active person must be in exactly those supplementary groups - remove memberships that "
              "are not listed. Create listed groups that do not exist yet (any free GID).",
              "The `groups` column (`;`-separated, may be empty) is the complete list of supplementary groups: "
              "add missing memberships and remove any that are not listed. Groups that do not exist yet are "
              "created with any free GID.",
              "Supplementary groups must equal the `groups` column exactly (`;` separates names; empty means "
              "none) - stale memberships go. Create groups that are missing (GID of your choice)."),
            v("A `terminated` person who has an account: lock the password (`usermod -L` style `!` prefix in "
              "/etc/shadow), set the shell to `/usr/sbin/nologin` and remove them from every supplementary group; "
              "keep the account and its home directory. Do not create accounts for terminated people who have none.",
              "`terminated` people keep their account and home directory if they have one, but the password is "
              "locked (the `!` prefix `usermod -L` adds in /etc/shadow), the shell becomes `/usr/sbin/nologin` "
              "and all supplementary memberships are removed. Never create an account for a terminated person.",
              "Offboarding (`status` terminated): if the account exists, lock it (`usermod -L`), set its shell to "
              "`/usr/sbin/nologin` and drop it from all supplementary groups - do not delete it or its home. If "
              "it does not exist, do nothing."),
            v(f"Leave accounts that are not in the export (for example `{local_user}`) exactly as they are.",
              f"Accounts that are not in the export, such as the service account `{local_user}`, must not change.",
              f"Do not touch local accounts HR does not know about (e.g. `{local_user}`)."),
        ]
        if dirty:
            rules.append(v("The export is hand-edited: ignore surrounding whitespace and letter case in "
                           "`username`, `department` and `status` (account and group names are lower case).",
                           "Expect sloppy data entry: `username`, `department` and `status` may carry stray "
                           "spaces or odd capitalisation - names on the system are lower case.",
                           "Values in `username`, `department` and `status` must be trimmed and lower-cased "
                           "before use."))
        if dupes:
            rules.append(v("Some people appear more than once: only the row with the latest `updated_at` counts.",
                           "When an `employee_id` appears several times, the row with the newest `updated_at` "
                           "wins and the others are ignored.",
                           "Duplicate rows per employee exist (HR edits append a row); use the most recent "
                           "`updated_at` only."))
        if contractors:
            rules.append(v("Rows with `type` = `contractor` have an `end_date`: set the account expiry date to that "
                           "day (as `usermod -e YYYY-MM-DD` does). Employees have no expiry date.",
                           "Contractors (`type` = contractor) get an account expiry date equal to `end_date` "
                           "(`usermod -e`); employees must not have an expiry date.",
                           "For contractors, the account must expire on `end_date` (the shadow expiry field, "
                           "set with `usermod -e YYYY-MM-DD`); employee accounts never expire."))
        rule_txt = "\n".join(f"- {r}" for r in rules)
        tools = v("Use the standard tools (`groupadd`, `useradd`, `usermod`, `gpasswd`, ...) rather than editing "
                  "/etc/passwd by hand.",
                  "Make the changes with the shadow-utils commands (`useradd`, `usermod`, `groupadd`, ...), not by "
                  "editing the account files directly.",
                  "Work through `useradd`/`usermod`/`groupadd`/`gpasswd`; do not hand-edit /etc/passwd, /etc/group "
                  "or /etc/shadow.")
        keep = v(f"Do not modify the files in `{hr_dir}`.", f"The files in `{hr_dir}` are read-only input.",
                 f"Leave `{hr_dir}` as it is.")
        instruction = textwrap.dedent(f"""\
            {intro} {export}

            {{rules}}

            {tools} {keep}
            """).replace("{rules}", rule_txt)

        # expected final state
        active = {}
        for p in people:
            if p["status"] != "active":
                continue
            active[p["user"]] = {
                "uid": uid_base + p["num"], "gid": dept_gid[p["dept"]], "gecos": p["name"],
                "home": f"/home/{p['user']}", "shell": "/bin/bash", "groups": p["groups"],
                "expire": ((dt.date.fromisoformat(p["end"]) - dt.date(1970, 1, 1)).days if p["end"] else None),
                "preexisting": p in exists_active,
            }
        expected = {
            "active": active,
            "terminated_existing": sorted(p["user"] for p in exists_term),
            "terminated_absent": sorted(p["user"] for p in people[:n_term] if p not in exists_term),
            "dept_gid": dept_gid, "extra_groups": extras,
            "local": {"user": local_user, "uid": local_uid, "groups": [existing_extras[0]], "shell": "/bin/bash"},
            "contractors": contractors,
        }
        files: dict[str, str | bytes] = {
            f"environment/hr/{csv_name}": csv_text,
            "environment/hr/departments.csv": dept_text,
            "environment/setup_accounts.sh": "\n".join(setup) + "\n",
            "tests/expected.json": json.dumps(expected, indent=1, sort_keys=True),
            "tests/test_outputs.py": (TEST + (TEST_EXPIRY if contractors else "")).replace("__HRDIR__", hr_dir).replace(
                "__DIGESTS__", json.dumps({csv_name: _sha(csv_text), "departments.csv": _sha(dept_text)})),
        }
        args = {"hr": hr_dir, "csv": csv_name, "uid_base": uid_base, "dupes": dupes, "contractors": contractors}
        files["solution/solve.sh"] = _solve(**args, mistake="")
        files["solution/wrong/default-home-mode.sh"] = _solve(**args, mistake="homemode")
        files["solution/wrong/create-everyone.sh"] = _solve(**args, mistake="everyone")
        if preexisting:
            files["solution/wrong/append-groups-only.sh"] = _solve(**args, mistake="append")
        if dupes:
            files["solution/wrong/first-row-wins.sh"] = _solve(**args, mistake="firstrow")
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=(f"COPY hr/ {hr_dir}/\nCOPY setup_accounts.sh /tmp/setup_accounts.sh\n"
                             "RUN bash /tmp/setup_accounts.sh && rm /tmp/setup_accounts.sh\nWORKDIR /root\n"),
            files=files, tags=["users", "groups", "useradd", "permissions", "csv"],
            # the account database, the home directories, and the export the tests check is untouched
            artifacts=["/etc/passwd", "/etc/group", "/etc/shadow", "/home", hr_dir],
            agent_timeout_sec={"easy": 600.0, "medium": 900.0, "hard": 1200.0}[level],
            expert_minutes={"easy": 10, "medium": 20, "hard": 30}[level],
        )


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _solve(hr: str, csv: str, uid_base: int, dupes: bool, contractors: bool, mistake: str) -> str:
    normalise = textwrap.dedent(f"""\
        import csv
        MISTAKE = {mistake!r}
        rows = list(csv.DictReader(open({hr + '/' + csv!r}, newline="")))
        latest = {{}}
        for r in rows:
            r = {{k: v.strip() for k, v in r.items()}}
            key = r["employee_id"]
            if {dupes!r} and key in latest:
                newer = r["updated_at"] > latest[key]["updated_at"]
                if MISTAKE == "firstrow" or not newer:
                    continue
            latest[key] = r
        for key in sorted(latest):
            r = latest[key]
            status = r["status"].lower()
            if MISTAKE == "everyone":
                status = "active"
            print("\\t".join([status, r["username"].lower(), str({uid_base} + int(key[1:])), r["full_name"],
                             r["department"].lower(), r["groups"].replace(";", ",") or "-",
                             r.get("end_date", "") or "-"]))
        """)
    setgroups = ('usermod -a -G "$groups" "$user"' if mistake == "append" else 'usermod -G "$groups" "$user"')
    mode = "" if mistake == "homemode" else 'chmod 0750 "/home/$user"'
    expiry = ('if [ "$end" != "-" ]; then usermod -e "$end" "$user"; fi' if contractors else ":")
    return textwrap.dedent(f"""\
        #!/bin/bash
        set -euo pipefail
        HR={hr}
        head -5 "$HR/{csv}"
        cat "$HR/departments.csv"
        # 1. department groups with their fixed GIDs
        tail -n +2 "$HR/departments.csv" | while IFS=, read -r dept gid; do
          getent group "$dept" >/dev/null || groupadd -g "$gid" "$dept"
        done
        # 2. normalise the export (trim, lower-case, latest row per employee)
        python3 - > /tmp/hr_rows.tsv <<'PY'
        """) + normalise + textwrap.dedent(f"""\
        PY
        cat /tmp/hr_rows.tsv
        # 3. supplementary groups that do not exist yet
        cut -f6 /tmp/hr_rows.tsv | tr ',' '\\n' | {{ grep -v '^-$' || true; }} | sort -u | while read -r g; do
          getent group "$g" >/dev/null || groupadd "$g"
        done
        # 4. accounts
        while IFS=$'\\t' read -r status user uid name dept groups end; do
          [ "$groups" = "-" ] && groups=""
          if [ "$status" = "active" ]; then
            if id "$user" >/dev/null 2>&1; then
              usermod -u "$uid" -g "$dept" -c "$name" -d "/home/$user" -s /bin/bash "$user"
            else
              useradd -m -u "$uid" -g "$dept" -c "$name" -d "/home/$user" -s /bin/bash "$user"
            fi
            {setgroups}
            chown "$user:$dept" "/home/$user"
            {mode}
            {expiry}
          elif id "$user" >/dev/null 2>&1; then
            usermod -L -s /usr/sbin/nologin -G "" "$user"
          fi
        done < /tmp/hr_rows.tsv
        rm -f /tmp/hr_rows.tsv
        # 5. spot checks
        getent passwd | awk -F: '$3 >= 1000 && $3 < 60000'
        getent group | awk -F: '$3 >= 1000 && $3 < 60000'
        ls -ld /home/*
        """)


TEST = r'''"""Check the account database and home directories against the expected state derived from the HR export."""

import grp
import hashlib
import json
import os
import pwd
import stat

HR = "__HRDIR__"
DIGESTS = json.loads("""__DIGESTS__""")
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.json")) as f:
    E = json.load(f)


def shadow():
    out = {}
    with open("/etc/shadow") as f:
        for line in f:
            parts = line.rstrip("\n").split(":")
            out[parts[0]] = parts
    return out


def supplementary(user):
    return sorted(g.gr_name for g in grp.getgrall() if user in g.gr_mem)


def test_export_untouched():
    for name, digest in DIGESTS.items():
        with open(os.path.join(HR, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, f"{name} was modified"


def test_department_groups():
    for dept, gid in E["dept_gid"].items():
        assert grp.getgrnam(dept).gr_gid == gid, dept


def test_active_accounts():
    for user, a in E["active"].items():
        pw = pwd.getpwnam(user)
        assert pw.pw_uid == a["uid"], (user, "uid", pw.pw_uid, a["uid"])
        assert pw.pw_gid == a["gid"], (user, "primary group")
        assert pw.pw_gecos.split(",")[0] == a["gecos"], (user, "full name")
        assert pw.pw_dir == a["home"], (user, "home")
        assert pw.pw_shell == a["shell"], (user, "shell", pw.pw_shell)


def test_supplementary_groups_exact():
    for user, a in E["active"].items():
        assert supplementary(user) == sorted(a["groups"]), (user, supplementary(user), a["groups"])


def test_home_directories():
    for user, a in E["active"].items():
        st = os.stat(a["home"])
        assert stat.S_ISDIR(st.st_mode), user
        assert (st.st_uid, st.st_gid) == (a["uid"], a["gid"]), (user, "home owner")
        assert stat.S_IMODE(st.st_mode) == 0o750, (user, oct(stat.S_IMODE(st.st_mode)))
        assert os.path.isfile(os.path.join(a["home"], ".bashrc")), (user, "home not populated from /etc/skel")


def test_active_accounts_not_locked():
    sh = shadow()
    for user, a in E["active"].items():
        if a["preexisting"]:
            assert not sh[user][1].startswith("!"), (user, "an active account was locked")


def test_terminated_accounts_locked():
    sh = shadow()
    for user in E["terminated_existing"]:
        pw = pwd.getpwnam(user)
        assert sh[user][1].startswith("!") and len(sh[user][1]) > 2, (user, "password not locked")
        assert pw.pw_shell in ("/usr/sbin/nologin", "/sbin/nologin"), (user, pw.pw_shell)
        assert supplementary(user) == [], (user, "still in", supplementary(user))
        assert os.path.isdir(pw.pw_dir), (user, "home removed")


def test_no_unexpected_accounts():
    for user in E["terminated_absent"]:
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        raise AssertionError(f"account created for terminated {user}")
    want = set(E["active"]) | set(E["terminated_existing"]) | {E["local"]["user"]}
    have = {p.pw_name for p in pwd.getpwall() if 1000 <= p.pw_uid < 60000}
    assert have == want, (sorted(have - want), sorted(want - have))


def test_unrelated_account_untouched():
    loc = E["local"]
    pw = pwd.getpwnam(loc["user"])
    assert pw.pw_uid == loc["uid"] and pw.pw_shell == loc["shell"]
    assert supplementary(loc["user"]) == loc["groups"]
    assert not shadow()[loc["user"]][1].startswith("!")
'''

TEST_EXPIRY = r'''

def test_contractor_expiry():
    sh = shadow()
    for user, a in E["active"].items():
        field = sh[user][7]
        if a["expire"] is None:
            assert field == "", (user, "employees must not expire", field)
        else:
            assert field == str(a["expire"]), (user, "expiry", field, a["expire"])
'''
