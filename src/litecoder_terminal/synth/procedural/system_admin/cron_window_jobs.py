"""Which cron jobs fire during a maintenance window? Parse per-user crontabs, /etc/cron.d and /etc/crontab (names,
ranges, steps, macros, the day-of-month/day-of-week OR rule, files cron ignores) and list every execution."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

# The reference expansion. Shipped verbatim (with the mistake switch) in solve.sh and the wrong solutions, executed at
# build time to make sure every wrong variant really changes the answer for the generated crontabs.
SOLVER = r'''
import datetime as dt
import re

MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
          "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
NAMES = {3: {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())},
         4: {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}}
RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _val(x, idx):
    return NAMES.get(idx, {}).get(x, None) if not x.isdigit() else int(x)


def field(spec, idx):
    lo, hi = RANGES[idx]
    out = set()
    for part in spec.lower().split(","):
        step = 1
        if "/" in part:
            part, s = part.split("/")
            step = int(s)
        if part == "*":
            a, b = lo, hi
        elif "-" in part:
            a, b = (_val(x, idx) for x in part.split("-"))
        else:
            a = b = _val(part, idx)
        out.update(range(a, b + 1, step))
    if idx == 4 and 7 in out:
        out.add(0)
    return out


def parse(text, user, has_user_field):
    jobs = []
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", s):
            continue
        if s.startswith("@"):
            macro, rest = s.split(None, 1)
            if macro == "@reboot":
                continue
            sched = MACROS[macro].split()
        else:
            parts = s.split(None, 5)
            sched, rest = parts[:5], parts[5]
        if has_user_field:
            user, rest = rest.split(None, 1)
        jobs.append((sched, user, rest.strip()))
    return jobs


def runs(sched, user, cmd, start, end, mistake=""):
    mins, hours, doms, mons, dows = (field(f, i) for i, f in enumerate(sched))
    restricted = not sched[2].startswith("*") and not sched[4].startswith("*")
    out = []
    day = start.date()
    last = end if mistake == "inclusive" else end - dt.timedelta(minutes=1)
    while day <= last.date():
        dow = day.weekday() if mistake == "weekday" else day.isoweekday() % 7
        dom_ok, dow_ok = day.day in doms, dow in dows
        if restricted and mistake != "dow_and":
            day_ok = dom_ok or dow_ok
        else:
            day_ok = dom_ok and dow_ok
        if day.month in mons and day_ok:
            for h in sorted(hours):
                for m in sorted(mins):
                    t = dt.datetime(day.year, day.month, day.day, h, m)
                    if start <= t <= last:
                        out.append((t.strftime("%Y-%m-%d %H:%M"), user, cmd))
        day += dt.timedelta(days=1)
    return out


def find_crontabs(scopes):
    import glob
    import os
    paths = []
    if "crontab" in scopes and os.path.exists("/etc/crontab"):
        paths.append("/etc/crontab")
    if "crond" in scopes:
        paths += sorted(glob.glob("/etc/cron.d/*"))
    if "spool" in scopes:
        paths += sorted(glob.glob("/var/spool/cron/crontabs/*"))
    return paths


def expand(files, start, end, mistake=""):
    """files: [(path, text)]; returns the sorted (time, user, command) rows."""
    rows = []
    for path, text in files:
        name = path.rsplit("/", 1)[1]
        if path == "/etc/crontab":
            jobs = parse(text, None, True)
        elif path.startswith("/etc/cron.d/"):
            if not re.fullmatch(r"[A-Za-z0-9_-]+", name) and mistake != "dotfiles":
                continue
            jobs = parse(text, None, True)
        else:
            if mistake == "no_spool":
                continue
            jobs = parse(text, name, False)
        for sched, user, cmd in jobs:
            rows += runs(sched, user, cmd, start, end, mistake)
    return sorted(rows)
'''

# Shipped by e2fsprogs in the base image: a real /etc/cron.d entry the agent must take into account as well.
E2SCRUB = ("30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 "
           "/usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n"
           "10 3 * * * root test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r\n")
COMMANDS = [
    "/usr/local/bin/backup.sh --full", "/usr/local/bin/backup.sh --incremental", "/usr/bin/certbot renew -q",
    "/usr/sbin/logrotate /etc/logrotate.conf", "python3 /srv/etl/sync.py --since 1h", "/opt/app/bin/rotate-logs",
    "rsync -a /srv/data/ backup01:/srv/data/", "/usr/local/bin/healthcheck > /dev/null 2>&1",
    "/opt/reports/daily_report.sh", "pg_dump shop | gzip > /var/backups/shop.sql.gz", "/usr/bin/find /tmp -mtime +7 -delete",
    "php /var/www/app/artisan schedule:run", "/usr/local/sbin/refresh-geoip", "/srv/billing/bin/invoice-run --batch",
    "/usr/local/bin/purge-cache --older-than 2h", "/opt/search/reindex.sh products", "/usr/bin/apt-get -qq update",
    "/usr/local/bin/ship-metrics", "sh /home/deploy/warm_cache.sh", "/opt/ml/retrain.sh --nightly",
]
USERS = ["www-data", "deploy", "postgres", "backup", "etl", "reports", "app"]
DOW_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
MON_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def _schedule(rng: random.Random, level: str, start: dt.datetime, hours: int) -> str:
    """A schedule line (5 fields or a macro) that has a fair chance to fire inside the window."""
    d = start + dt.timedelta(hours=rng.randrange(max(1, hours)))
    cdow = d.isoweekday() % 7
    kinds = ["hourly", "step", "daily", "hours_list", "weekly"]
    if level != "easy":
        kinds += ["hour_range", "weekdays_step", "weekend", "hour_step", "range_step", "dom", "months"]
    if level == "hard":
        kinds += ["macro", "macro", "dom_dow", "dow7", "reboot"]
    k = rng.choice(kinds)
    m = rng.randrange(60)
    if k == "hourly":
        return f"{m} * * * *"
    if k == "step":
        return f"*/{rng.choice([10, 15, 20, 30])} * * * *"
    if k == "daily":
        return f"{m} {d.hour} * * *"
    if k == "hours_list":
        hs = sorted({d.hour, rng.randrange(24), rng.randrange(24)})
        return f"{m} {','.join(map(str, hs))} * * *"
    if k == "weekly":
        return f"{m} {d.hour} * * {cdow}"
    if k == "hour_range":
        a = max(0, d.hour - rng.randint(0, 3))
        return f"{m} {a}-{min(23, a + rng.randint(2, 6))} * * *"
    if k == "weekdays_step":
        return f"*/{rng.choice([15, 20, 30])} {max(0, d.hour - 1)}-{min(23, d.hour + 2)} * * mon-fri"
    if k == "weekend":
        return f"{m} {d.hour} * * sat,sun"
    if k == "hour_step":
        return f"{m} */{rng.choice([2, 3, 4, 6])} * * *"
    if k == "range_step":
        return f"{rng.randrange(5)}-59/{rng.choice([15, 20])} {d.hour} * * *"
    if k == "dom":
        return f"{m} {d.hour} {d.day},{(d.day + 14) % 28 + 1} * *"
    if k == "months":
        mons = sorted({d.month, rng.randint(1, 12)})
        return f"{m} {d.hour} * {','.join(MON_NAMES[x - 1] for x in mons)} *"
    if k == "macro":
        return rng.choice(["@hourly", "@daily", "@midnight", "@weekly", "@monthly"])
    if k == "dom_dow":
        other = (d + dt.timedelta(days=rng.randint(1, 3)))
        return f"{m} {d.hour} {other.day} * {DOW_NAMES[cdow]}"
    if k == "dow7":
        return f"{m} {d.hour} * * 7" if cdow == 0 else f"{m} {d.hour} * * {cdow}-7"
    return "@reboot"


@register
class CronWindowJobs(TaskFamily):
    name = "cron_window_jobs"
    domain = "system_admin"
    title = "List every cron job execution that falls inside a maintenance window"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        ns: dict = {}
        exec(SOLVER, ns)  # noqa: S102 - our own constant source
        mistakes = {"easy": ["inclusive", "weekday"], "medium": ["inclusive", "no_spool", "weekday"],
                    "hard": ["inclusive", "dow_and", "dotfiles", "no_spool"]}[level]
        for _attempt in range(100):
            if level == "hard":  # across a month boundary
                start = dt.datetime(2026, rng.choice([1, 3, 5, 7, 8, 10]), 1) - dt.timedelta(
                    hours=rng.randint(6, 30), minutes=rng.choice([0, 0, 30]))
                hours = rng.randint(30, 44)
            elif level == "medium":
                start = dt.datetime(2026, rng.randint(1, 12), rng.randint(1, 27), rng.randint(14, 22), rng.choice([0, 30]))
                hours = rng.randint(10, 20)
            else:
                start = dt.datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 16), 0)
                hours = rng.randint(3, 6)
            end = start + dt.timedelta(hours=hours)
            users = sorted(rng.sample(USERS, {"easy": 2, "medium": 3, "hard": 3}[level]))
            files: list[tuple[str, str]] = []

            def job_lines(k: int, with_user: bool, start: dt.datetime = start, hours: int = hours,
                          users: list[str] = users) -> list[str]:
                out = []
                for _ in range(k):
                    sched = _schedule(rng, level, start, hours)
                    user = f"{rng.choice(users + ['root'])} " if with_user else ""
                    sep = rng.choice([" ", " ", "\t"]) if level != "easy" else " "
                    out.append(f"{sched}{sep}{user}{rng.choice(COMMANDS)}")
                    if level != "easy" and rng.random() < 0.2:
                        out.append("#" + rng.choice(["", " "]) + f"{_schedule(rng, level, start, hours)} "
                                   f"{user}{rng.choice(COMMANDS)}")
                return out

            for u in users:
                lines = [f"# crontab for {u}", "# m h dom mon dow command"]
                if level != "easy":
                    lines.insert(0, rng.choice(["MAILTO=ops@example.com", "SHELL=/bin/bash", "PATH=/usr/local/bin:/usr/bin:/bin"]))
                lines += job_lines({"easy": 4, "medium": 3, "hard": 3}[level], False)
                files.append((f"/var/spool/cron/crontabs/{u}", "\n".join(lines) + "\n"))
            if level != "easy":
                for name in sorted(rng.sample(["app-maint", "backups", "certs", "etl_jobs", "reports"], 2)):
                    lines = ["SHELL=/bin/sh", "PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin", ""]
                    lines += job_lines(3, True)
                    files.append((f"/etc/cron.d/{name}", "\n".join(lines) + "\n"))
            if level == "hard":
                ignored = rng.choice(["backups.dpkg-old", "old-jobs.disabled", "etl.bak", "certs.ucf-dist"])
                files.append((f"/etc/cron.d/{ignored}", "\n".join(job_lines(3, True)) + "\n"))
                files.append(("/etc/crontab", textwrap.dedent("""\
                    # /etc/crontab: system-wide crontab
                    SHELL=/bin/sh
                    PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

                    # m h dom mon dow user\tcommand
                    17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly
                    25 6\t* * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }
                    47 6\t* * 7\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }
                    52 6\t1 * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.monthly; }
                    """)))
                # make sure the day-of-month/day-of-week OR rule matters
                d = start + dt.timedelta(hours=hours // 2)
                files[0] = (files[0][0], files[0][1] + f"{rng.randrange(60)} {d.hour} {d.day} * "
                            f"{DOW_NAMES[(d.isoweekday() % 7 + 3) % 7]} /usr/local/bin/month-close --dry-run\n")
            if level == "easy":  # and that day-of-week numbering matters
                d = start + dt.timedelta(hours=rng.randrange(hours))
                files[0] = (files[0][0], files[0][1] + f"{rng.randrange(60)} {d.hour} * * {d.isoweekday() % 7} "
                            "/usr/local/bin/weekly-digest\n")
            # something exactly at the window end
            files[-1] = (files[-1][0], files[-1][1] + f"{end.minute} {end.hour} * * * "
                         + ("root " if files[-1][0].startswith("/etc/") else "") + "/usr/local/bin/window-end-marker\n")
            check = files + ([("/etc/cron.d/e2scrub_all", E2SCRUB)] if level != "easy" else [])
            expected = ns["expand"](check, start, end)
            if not expected or len(expected) > 1500:
                continue
            if all(ns["expand"](check, start, end, mk) != expected for mk in mistakes):
                break
        else:  # pragma: no cover
            raise RuntimeError("could not build distinguishing crontabs")

        out = pick(rng, ["/root/window_jobs.csv", "/root/maintenance/cron_in_window.csv", "/var/tmp/cron_window.csv"])
        fmt = "%Y-%m-%d %H:%M"
        def v(*options: str) -> str:
            return pick(rng, list(options))

        s0, e0 = start.strftime(fmt), end.strftime(fmt)
        intro = v(
            "We have a maintenance window coming up on this host and need to know exactly which cron jobs would "
            "fire during it.",
            "Change management wants the list of scheduled jobs that will run while the database is offline.",
            "Before we freeze this server for the migration, list every cron execution that falls into the freeze "
            "window.",
            f"Storage is being swapped on this host on {start.strftime('%A')} and we must warn the owners of every "
            "cron job that would run meanwhile.",
            "Ops review: give me the exact cron schedule for the upcoming outage window on this machine.",
        )
        window = v(
            f"The window starts at **{s0}** (inclusive) and ends at **{e0}** (exclusive), server local time (the "
            "server runs in UTC).",
            f"Window: from **{s0}** up to but not including **{e0}**, in the server's time zone (UTC).",
            f"It covers [**{s0}**, **{e0}**) UTC - the start minute counts, the end minute does not.",
        )
        user_tabs = v("the per-user crontabs in `/var/spool/cron/crontabs/` (the file name is the user; no user "
                      "field)",
                      "users' own crontabs under `/var/spool/cron/crontabs/` (one file per user, named after the "
                      "user, lines have no user column)")
        where = [user_tabs]
        if level != "easy":
            where.append(v("the system crontabs in `/etc/cron.d/` (6th field is the user)",
                           "every file in `/etc/cron.d/` (system format: the user is the 6th field)"))
        if level == "hard":
            where.append(v("`/etc/crontab` (same format as /etc/cron.d)", "the system-wide `/etc/crontab`"))
        scope = v("Consider ", "Take into account ", "The sources are ") + ("only " if level == "easy" else "") + \
            "; ".join(where) + "."
        notes = [v("Blank lines, comments and environment assignments (`NAME=value`) are not jobs.",
                   "Comments, empty lines and variable assignments like `MAILTO=...` are not jobs.",
                   "Skip blank lines, `#` comments and `NAME=value` environment lines.")]
        if level != "easy":
            notes.append(v("Fields may be separated by tabs; month and weekday names (`jan`, `mon-fri`, ...) are "
                           "allowed.",
                           "Separators can be tabs or spaces, and names such as `sat,sun` or `jan-mar` appear.",
                           "Watch for tab separators and symbolic month/weekday names."))
        if level == "hard":
            hard_notes = [
                v("Files in /etc/cron.d whose names contain anything other than letters, digits, `_` and `-` "
                  "(e.g. `*.dpkg-old`, `*.bak`) are ignored, as Debian's cron does.",
                  "Like Debian's cron, skip /etc/cron.d files whose names have characters other than `A-Za-z0-9_-` "
                  "(backup copies such as `x.bak` or `x.dpkg-old`)."),
                v("`@reboot` never fires in the window; `@hourly`, `@daily`, `@weekly`, ... mean their usual "
                  "schedules.",
                  "Macros (`@daily`, `@hourly`, `@midnight`, `@weekly`, `@monthly`) have their standard meaning; "
                  "`@reboot` jobs do not run."),
                v("Weekday 0 and 7 are both Sunday.", "Both 0 and 7 denote Sunday."),
                v("When both day-of-month and day-of-week are restricted (neither starts with `*`) the job runs on "
                  "days matching either one.",
                  "If day-of-month and day-of-week are both restricted (neither begins with `*`), a day matching "
                  "either field is enough (classic Vixie cron behaviour)."),
            ]
            rng.shuffle(hard_notes)
            notes += hard_notes
        output = v(
            f"Write `{out}` as CSV with the header `time,user,command` and one row per execution in the window: "
            "`time` as `YYYY-MM-DD HH:MM`, `user` the account the job runs as, `command` the command text exactly "
            "as written in the crontab (without the schedule/user fields and without surrounding whitespace).",
            f"The answer goes to `{out}`: CSV, header `time,user,command`, one row for every single execution - "
            "`time` formatted `YYYY-MM-DD HH:MM`, `user` the account that runs it, `command` verbatim from the "
            "crontab minus the schedule (and user) fields, trimmed.",
            f"Produce `{out}` (CSV with header `time,user,command`): each execution inside the window is a row; "
            "`time` is `YYYY-MM-DD HH:MM`, `user` the executing account, `command` the crontab's command text "
            "exactly, without leading/trailing whitespace.",
        )
        order = v("Sort by time, then user, then command.", "Order rows by time, user, command.",
                  "Rows are sorted by time, ties by user and then command.")
        keep = v("Do not modify any crontab.", "Leave all crontabs untouched.", "Do not edit the crontabs.")
        instruction = f"{intro} {window} {scope}\n{' '.join(notes)}\n\n{output} {order} {keep}\n"

        env_files: dict[str, str | bytes] = {}
        setup = ["#!/bin/bash", "set -e", "mkdir -p /etc/cron.d /var/spool/cron/crontabs"]
        for i, (path, text) in enumerate(files):
            env_files[f"environment/cron/f{i}"] = text
            setup.append(f"install -m 0600 /tmp/cron/f{i} '{path}'" if "/spool/" in path else
                         f"install -m 0644 /tmp/cron/f{i} '{path}'")
        setup.append("rm -rf /tmp/cron")
        env_files["environment/setup_cron.sh"] = "\n".join(setup) + "\n"
        scopes = {"easy": ["spool"], "medium": ["crond", "spool"], "hard": ["crontab", "crond", "spool"]}[level]
        spec = {"start": start.strftime(fmt), "end": end.strftime(fmt), "out": out, "scopes": scopes,
                "files": {p: hashlib.sha256(t.encode()).hexdigest() for p, t in files}}
        env_files["tests/test_outputs.py"] = TEST.replace("__SOLVER__", SOLVER).replace("__SPEC__", json.dumps(spec))
        env_files["solution/solve.sh"] = _solve(start.strftime(fmt), end.strftime(fmt), out, scopes, "")
        for mk in mistakes:
            env_files[f"solution/wrong/{WRONG_NAMES[mk]}.sh"] = _solve(start.strftime(fmt), end.strftime(fmt), out, scopes, mk)
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=("COPY cron/ /tmp/cron/\nCOPY setup_cron.sh /tmp/setup_cron.sh\n"
                             "RUN bash /tmp/setup_cron.sh && rm /tmp/setup_cron.sh\nWORKDIR /root\n"),
            files=env_files, tags=["cron", "scheduling", "parsing"],
            # the answer, and the generated crontabs the tests check are untouched (the rest stays pristine)
            artifacts=[out, *(p for p, _ in files)],
            agent_timeout_sec={"easy": 600.0, "medium": 900.0, "hard": 1200.0}[level],
            expert_minutes={"easy": 10, "medium": 20, "hard": 35}[level],
        )


WRONG_NAMES = {"inclusive": "window-end-inclusive", "weekday": "python-weekday-numbering",
               "no_spool": "system-crontabs-only", "dow_and": "dom-and-dow", "dotfiles": "reads-ignored-cron-files"}


def _solve(start: str, end: str, out: str, scopes: list[str], mistake: str) -> str:
    return textwrap.dedent(f"""\
        #!/bin/bash
        set -euo pipefail
        ls -la /etc/cron.d /var/spool/cron/crontabs 2>/dev/null || true
        cat /etc/crontab 2>/dev/null || true
        mkdir -p "$(dirname '{out}')"
        python3 - <<'PY'
        import csv, datetime as dt, glob, os
        """) + SOLVER + textwrap.dedent(f"""\
        paths = find_crontabs({scopes!r})
        files = [(p, open(p).read()) for p in paths]
        start = dt.datetime.strptime({start!r}, "%Y-%m-%d %H:%M")
        end = dt.datetime.strptime({end!r}, "%Y-%m-%d %H:%M")
        rows = expand(files, start, end, {mistake!r})
        with open({out!r}, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\\n")
            w.writerow(["time", "user", "command"])
            w.writerows(rows)
        print(len(rows), "executions")
        PY
        head -20 '{out}'
        """)


TEST = r'''"""Expand the (untouched) crontabs independently and compare with the agent's list."""

import csv
import datetime as dt
import hashlib
import json
import os

__SOLVER__

SPEC = json.loads("""__SPEC__""")


def expected():
    files = [(p, open(p).read()) for p in find_crontabs(SPEC["scopes"])]
    start = dt.datetime.strptime(SPEC["start"], "%Y-%m-%d %H:%M")
    end = dt.datetime.strptime(SPEC["end"], "%Y-%m-%d %H:%M")
    return [list(r) for r in expand(files, start, end)]


def rows():
    with open(SPEC["out"], newline="") as f:
        return list(csv.reader(f))


def test_crontabs_untouched():
    for path, digest in SPEC["files"].items():
        with open(path, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, f"{path} was modified"


def test_header():
    assert rows()[0] == ["time", "user", "command"]


def test_executions_match():
    got, exp = rows()[1:], expected()
    missing = [r for r in exp if r not in got]
    extra = [r for r in got if r not in exp]
    assert not missing and not extra, f"missing {missing[:5]} ... extra {extra[:5]}"
    assert len(got) == len(exp), "duplicate rows"


def test_sorted():
    got = rows()[1:]
    assert got == sorted(got, key=lambda r: (r[0], r[1], r[2])), "rows must be sorted by time, user, command"
'''
