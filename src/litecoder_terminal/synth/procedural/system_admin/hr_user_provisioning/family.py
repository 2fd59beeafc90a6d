"""Provision local accounts from an HR export: groups with fixed GIDs, users with policy UIDs, exact supplementary
groups, private home directories, and locking of departed staff. Pre-existing accounts with drift, dirty CSV rows and
superseded duplicate rows (plus contractor expiry dates) at higher difficulty. Verified from /etc/passwd, /etc/group,
/etc/shadow and the home directories themselves."""

from __future__ import annotations

import datetime as dt
import random

from litecoder_terminal.synth.procedural import kit

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
RULES = {
    "groups": "Each department is a group of the same name with exactly the GID given in `@@hr_dir@@/departments.csv`; "
              "each access group that may appear in the `groups` column has the GID given in "
              "`@@hr_dir@@/access_groups.csv`. Create the ones that do not exist.",
    "active": "Every `active` person gets an account named `username`, with UID = @@uid_base@@ + the number in "
              "`employee_id` (E@@ex@@ -> @@ex_uid@@), primary group = their department, full name as the GECOS "
              "comment, home directory `/home/<username>` (created from /etc/skel if missing, owned by the user and "
              "their primary group, mode 0750) and login shell `/bin/bash`.",
    "supp": "`groups` lists the person's supplementary groups (separated by `;`, possibly empty). Afterwards each "
            "active person must be in exactly those supplementary groups - remove memberships that are not listed.",
    "term": "A `terminated` person who has an account: lock the password (`usermod -L` style `!` prefix in "
            "/etc/shadow), set the shell to `/usr/sbin/nologin` and remove them from every supplementary group; keep "
            "the account and its home directory. Do not create accounts for terminated people who have none.",
    "local": "Leave accounts that are not in the export (for example `@@local_user@@`) exactly as they are.",
    "dirty": "The export is hand-edited: ignore surrounding whitespace and letter case in `username`, `department` "
             "and `status` (account and group names are lower case).",
    "dupes": "Some people appear more than once: only the row with the latest `updated_at` counts.",
    "contract": "Rows with `type` = `contractor` have an `end_date`: set the account expiry date to that day (as "
                "`usermod -e YYYY-MM-DD` does). Employees have no expiry date.",
}
KNOBS = {
    "newer": kit.Knob('r["updated_at"] <= latest[key]["updated_at"]', "True",
                      "the first row of an employee wins, not the latest `updated_at`"),
    "status": kit.Knob('r["status"].lower()', '"active"', "creates accounts for terminated people too"),
    "append": kit.Knob("", "-a ", "only adds supplementary groups, never removes stale memberships"),
    "mode": kit.Knob("0750", "0755", "leaves home directories world-readable (0755)"),
}


def _messy(rng: random.Random, s: str, on: bool) -> str:
    if not on or rng.random() < 0.6:
        return s
    return rng.choice([" " + s, s + " ", s.upper(), s.capitalize()])


class HrUserProvisioning(kit.KitFamily):
    title = "Provision and lock local accounts from an HR export"
    levels = kit.Levels(depts=(3, 4, 5), people=((6, 8), (9, 12), (12, 15)), terminated=(2, 3, 4), dirty=(0, 1, 1),
                        preexisting=(0, 1, 1), dupes=(0, 0, 1), contractors=(0, 0, 1),
                        agent_timeout=(600, 900, 1200), expert_minutes=(10, 20, 30))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        uid_base = rng.choice([10000, 20000, 30000])
        depts = sorted(rng.sample(DEPARTMENTS, k.depts))
        gid_base = rng.choice([3000, 4000, 5000])
        dept_gid = {d: gid_base + 10 * i + rng.randrange(10) for i, d in enumerate(depts)}
        extras = sorted(rng.sample(EXTRA_GROUPS, 4))
        existing_extras = extras[:2]  # these exist in the image already; the others must be created
        extra_gid = {g: 2000 + 7 * i + rng.randrange(7) for i, g in enumerate(extras)}
        n = rng.randint(*k.people)
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
        n_term = k.terminated
        for p in people[:n_term]:
            p["status"] = "terminated"
        if k.contractors:
            for p in people[n_term:n_term + 3]:
                p["type"] = "contractor"
                p["end"] = (dt.date(2026, 6, 1) + dt.timedelta(days=rng.randrange(200))).isoformat()
        exists_term = [p for i, p in enumerate(people[:n_term]) if k.preexisting and i % 2 == 0]
        exists_active = people[n_term:n_term + 2] if k.preexisting else []
        for p in exists_active:  # each pre-existing active account carries one membership it must lose
            if all(g in p["groups"] for g in existing_extras):
                p["groups"] = [g for g in p["groups"] if g != existing_extras[1]]
        local_user = rng.choice(["deploy", "jenkins", "ansible", "monitor"])
        local_uid = rng.randint(1100, 1900)

        rows = [(p, dt.datetime(2026, 2, 1) + dt.timedelta(minutes=rng.randrange(40000))) for p in people]
        extra_rows = []
        if k.dupes:  # an older row superseded by a newer one with a different department or status
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
        head += ["type", "end_date"] * k.contractors + ["updated_at"] * k.dupes
        lines = [",".join(head)]
        for p, stamp in all_rows:
            cells = [f"E{p['num']:04d}", _messy(rng, p["user"], bool(k.dirty)), p["name"],
                     _messy(rng, p["dept"], bool(k.dirty)), ";".join(p["groups"]),
                     _messy(rng, p["status"], bool(k.dirty))]
            cells += [p["type"], p["end"]] * k.contractors + [stamp.strftime("%Y-%m-%dT%H:%M:%S")] * k.dupes
            lines.append(",".join(cells))

        setup = ["#!/bin/bash", "set -e"]  # build-time state
        setup += [f"groupadd -g {extra_gid[g]} {g}" for g in existing_extras]
        setup.append(f"useradd -m -u {local_uid} -s /bin/bash -c 'local service account' {local_user}")
        setup.append(f"usermod -p '{FAKE_HASH}' -aG {existing_extras[0]} {local_user}")
        for p in exists_term + exists_active:
            setup.append(f"getent group {p['dept']} >/dev/null || groupadd -g {dept_gid[p['dept']]} {p['dept']}")
        for p in exists_term + exists_active:
            grp = [g for g in existing_extras if g not in p["groups"]][:1] + \
                [g for g in p["groups"] if g in existing_extras]
            gflag = f"-G {','.join(sorted(set(grp)))} " if grp else ""
            setup.append(f"useradd -m -u {uid_base + p['num']} -g {p['dept']} {gflag}-s /bin/bash "
                         f"-c '{p['name']}' {p['user']}")
            setup.append(f"usermod -p '{FAKE_HASH}' {p['user']}")
            setup.append(f"chmod 755 /home/{p['user']}")
        setup.append("rm -f /var/log/lastlog /var/log/faillog")
        hr_dir = rng.choice(["/root/hr", "/srv/hr_sync", "/root/onboarding", "/var/lib/hr-import"])
        csv_name = rng.choice(["employees.csv", "hr_export.csv", "staff.csv"])
        ex = rng.choice(people)["num"]
        vals = {"hr_dir": hr_dir, "uid_base": uid_base, "ex": f"{ex:04d}", "ex_uid": uid_base + ex,
                "local_user": local_user}
        chosen = ["groups", "active", "supp", "term", "local"] + ["dirty"] * k.dirty + ["dupes"] * k.dupes + \
            ["contract"] * k.contractors
        rules = "\n".join("- " + kit.render(RULES[r], vals, where=f"rule {r}", allow_unused=True) for r in chosen)
        host = rng.choice(["jump01", "build-03", "bastion", "ops-gw", "ci-runner-2"])
        files: dict[str, str | bytes] = {
            f"environment/hr/{csv_name}": "\n".join(lines) + "\n",
            "environment/hr/departments.csv": "name,gid\n" + "".join(f"{d},{dept_gid[d]}\n" for d in depts),
            "environment/hr/access_groups.csv": "name,gid\n" + "".join(f"{g},{extra_gid[g]}\n" for g in extras),
            "environment/hr/POLICY.md": self.template("policy.md", host=host, hr_dir=hr_dir, csv=csv_name, rules=rules),
            "environment/setup_accounts.sh": "\n".join(setup) + "\n",
            "environment/sync.log": self.template("sync.log", lines="\n".join(
                f"2026-03-{d:02d}T02:00:0{d % 10}Z hr-sync: ldap://ldap.corp.example:389 unreachable, no changes "
                f"applied (export waiting in {hr_dir}/{csv_name})" for d in range(1, rng.randint(4, 9)))),
        }
        active = {p["user"]: {"uid": uid_base + p["num"], "gid": dept_gid[p["dept"]], "gecos": p["name"],
                              "home": f"/home/{p['user']}", "groups": p["groups"], "preexisting": p in exists_active,
                              "expire": ((dt.date.fromisoformat(p["end"]) - dt.date(1970, 1, 1)).days
                                         if p["end"] else None)}
                  for p in people if p["status"] == "active"}
        terminated = {p["user"]: {"uid": uid_base + p["num"], "gid": dept_gid[p["dept"]], "home": f"/home/{p['user']}"}
                      for p in exists_term}
        files |= kit.expected_file({
            "active": active, "terminated": terminated, "gids": dept_gid | extra_gid,
            "local": {"user": local_user, "uid": local_uid, "groups": [existing_extras[0]]}})
        values = {"hr_dir": hr_dir, "csv": csv_name, "uid_base": uid_base, "dupes": "True" if k.dupes else "False"}
        wrong = {"default-home-mode": "mode", "create-everyone": "status"}
        if k.preexisting:
            wrong["append-groups-only"] = "append"
        if k.dupes:
            wrong["first-row-wins"] = "newer"
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(hr_dir=hr_dir, csv=csv_name, uid_base=uid_base)
        files |= self.verifier()
        instruction = self.instruction(intro=self.intro(rng), hr_dir=hr_dir, csv=csv_name, rules=rules)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=(f"COPY hr/ {hr_dir}/\nCOPY setup_accounts.sh /tmp/setup_accounts.sh\n"
                             "RUN bash /tmp/setup_accounts.sh && rm /tmp/setup_accounts.sh\n"
                             "COPY sync.log /var/log/hr-sync.log\nWORKDIR /root\n"),
            files=files, tags=["users", "groups", "useradd", "permissions", "csv"],
            artifacts=["/etc/passwd", "/etc/group", "/etc/shadow", "/home"],
            outputs=["/etc/passwd", "/etc/group", "/etc/shadow", "/home"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
            sealable=[hr_dir],  # composition: the HR export may come sealed with the result of the part before
        )
