"""Which cron jobs fire during a maintenance window? Parse per-user crontabs, /etc/cron.d and /etc/crontab (names,
ranges, steps, macros, the day-of-month/day-of-week OR rule, files cron ignores) and list every execution."""

from __future__ import annotations

import datetime as dt
import random
from importlib import resources

from litecoder_terminal.synth.procedural import kit

from .cron_expand import expand

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


def _schedule(rng: random.Random, kinds: int, start: dt.datetime, hours: int) -> str:
    """A schedule line (5 fields or a macro) that has a fair chance to fire inside the window."""
    d = start + dt.timedelta(hours=rng.randrange(max(1, hours)))
    cdow = d.isoweekday() % 7
    pool = ["hourly", "step", "daily", "hours_list", "weekly"]
    if kinds >= 1:
        pool += ["hour_range", "weekdays_step", "weekend", "hour_step", "range_step", "dom", "months"]
    if kinds >= 2:
        pool += ["macro", "macro", "dom_dow", "dow7", "reboot"]
    k = rng.choice(pool)
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

SCOPE = {
    "spool": "the per-user crontabs in `/var/spool/cron/crontabs/` (the file name is the user; no user field)",
    "crond": "the system crontabs in `/etc/cron.d/` (6th field is the user)",
    "crontab": "`/etc/crontab` (same format as /etc/cron.d)",
}
NOTES = {
    "basic": "Blank lines, comments and environment assignments (`NAME=value`) are not jobs.",
    "fancy": "Fields may be separated by tabs; month and weekday names (`jan`, `mon-fri`, ...) are allowed.",
    "ignored": "Files in /etc/cron.d whose names contain anything other than letters, digits, `_` and `-` (e.g. "
               "`*.dpkg-old`, `*.bak`) are ignored, as Debian's cron does.",
    "macros": "`@reboot` never fires in the window; `@hourly`, `@daily`, `@weekly`, ... mean their usual schedules.",
    "sunday": "Weekday 0 and 7 are both Sunday.",
    "or": "When both day-of-month and day-of-week are restricted (neither starts with `*`) the job runs on days "
          "matching either one.",
}
CRONTAB = "crontab"  # data/crontab: Debian's /etc/crontab
KNOBS = {  # each known-wrong solution = the reference with one flag of the expansion flipped
    "inclusive": kit.Knob("", '"inclusive", ', "counts executions at the window's end minute (end is exclusive)"),
    "weekday": kit.Knob("", '"weekday", ', "uses Python's weekday() numbering (Monday = 0) for day-of-week"),
    "dow_and": kit.Knob("", '"dow_and", ', "requires day-of-month AND day-of-week when both are restricted"),
    "dotfiles": kit.Knob("", '"dotfiles", ', "reads /etc/cron.d files that cron ignores (*.bak, *.dpkg-old)"),
    "no_spool": kit.Knob("", '"no_spool", ', "skips the per-user crontabs"),
}
WRONG_NAMES = {"inclusive": "window-end-inclusive", "weekday": "python-weekday-numbering",
               "no_spool": "system-crontabs-only", "dow_and": "dom-and-dow", "dotfiles": "reads-ignored-cron-files"}
FMT = "%Y-%m-%d %H:%M"


def _expand_source() -> str:
    text = resources.files(__package__).joinpath("cron_expand.py").read_text()
    return text.split('"""', 2)[2].strip()  # the module docstring cut


class CronWindowJobs(kit.KitFamily):
    title = "List every cron job execution that falls inside a maintenance window"
    # window: 0 a few hours in a day, 1 an evening into the night, 2 across a month boundary
    levels = kit.Levels(window=(0, 1, 2), users=(2, 3, 3), spool_jobs=(4, 3, 3), kinds=(0, 1, 2), crond=(0, 1, 1),
                        crontab=(0, 0, 1), fancy=(0, 1, 1), old_tickets=(0, 1, 2), agent_timeout=(600, 900, 1200),
                        expert_minutes=(10, 20, 35))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        mistakes = ["inclusive", "weekday"] + ["no_spool"] * k.crond + ["dow_and", "dotfiles"] * k.crontab
        if k.crontab:
            mistakes.remove("weekday")
        for _attempt in range(100):
            if k.window == 2:  # across a month boundary
                start = dt.datetime(2026, rng.choice([1, 3, 5, 7, 8, 10]), 1) - dt.timedelta(
                    hours=rng.randint(6, 30), minutes=rng.choice([0, 0, 30]))
                hours = rng.randint(30, 44)
            elif k.window == 1:
                start = dt.datetime(2026, rng.randint(1, 12), rng.randint(1, 27), rng.randint(14, 22),
                                    rng.choice([0, 30]))
                hours = rng.randint(10, 20)
            else:
                start = dt.datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 16), 0)
                hours = rng.randint(3, 6)
            end = start + dt.timedelta(hours=hours)
            users = sorted(rng.sample(USERS, k.users))
            files: list[tuple[str, str]] = []

            def job_lines(n: int, with_user: bool, start: dt.datetime = start, hours: int = hours,
                          users: list[str] = users) -> list[str]:
                out = []
                for _ in range(n):
                    sched = _schedule(rng, k.kinds, start, hours)
                    user = f"{rng.choice(users + ['root'])} " if with_user else ""
                    sep = rng.choice([" ", " ", "\t"]) if k.fancy else " "
                    out.append(f"{sched}{sep}{user}{rng.choice(COMMANDS)}")
                    if k.fancy and rng.random() < 0.2:
                        out.append("#" + rng.choice(["", " "]) + f"{_schedule(rng, k.kinds, start, hours)} "
                                   f"{user}{rng.choice(COMMANDS)}")
                return out

            for u in users:
                lines = [f"# crontab for {u}", "# m h dom mon dow command"]
                if k.fancy:
                    lines.insert(0, rng.choice(["MAILTO=ops@example.com", "SHELL=/bin/bash",
                                                "PATH=/usr/local/bin:/usr/bin:/bin"]))
                lines += job_lines(k.spool_jobs, False)
                files.append((f"/var/spool/cron/crontabs/{u}", "\n".join(lines) + "\n"))
            if k.crond:
                for name in sorted(rng.sample(["app-maint", "backups", "certs", "etl_jobs", "reports"], 2)):
                    lines = ["SHELL=/bin/sh", "PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin", ""]
                    lines += job_lines(3, True)
                    files.append((f"/etc/cron.d/{name}", "\n".join(lines) + "\n"))
            if k.crontab:
                ignored = rng.choice(["backups.dpkg-old", "old-jobs.disabled", "etl.bak", "certs.ucf-dist"])
                files.append((f"/etc/cron.d/{ignored}", "\n".join(job_lines(3, True)) + "\n"))
                files.append(("/etc/crontab", self.data(CRONTAB)))
                # make sure the day-of-month/day-of-week OR rule matters
                d = start + dt.timedelta(hours=hours // 2)
                files[0] = (files[0][0], files[0][1] + f"{rng.randrange(60)} {d.hour} {d.day} * "
                            f"{DOW_NAMES[(d.isoweekday() % 7 + 3) % 7]} /usr/local/bin/month-close --dry-run\n")
            if not k.crond:  # and that day-of-week numbering matters
                d = start + dt.timedelta(hours=rng.randrange(hours))
                files[0] = (files[0][0], files[0][1] + f"{rng.randrange(60)} {d.hour} * * {d.isoweekday() % 7} "
                            "/usr/local/bin/weekly-digest\n")
            # something exactly at the window end
            files[-1] = (files[-1][0], files[-1][1] + f"{end.minute} {end.hour} * * * "
                         + ("root " if files[-1][0].startswith("/etc/") else "") + "/usr/local/bin/window-end-marker\n")
            check = files + ([("/etc/cron.d/e2scrub_all", E2SCRUB)] if k.crond else [])
            rows = expand(check, start, end)
            if not rows or len(rows) > 1500:
                continue
            if all(expand(check, start, end, {mk}) != rows for mk in mistakes):
                break
        else:  # pragma: no cover
            raise RuntimeError("could not build distinguishing crontabs")

        out = rng.choice(["/root/window_jobs.csv", "/root/maintenance/cron_in_window.csv", "/var/tmp/cron_window.csv"])
        s0, e0 = start.strftime(FMT), end.strftime(FMT)
        scopes = ["crontab"] * k.crontab + ["crond"] * k.crond + ["spool"]
        where = [SCOPE[s] for s in ("spool", "crond", "crontab") if s in scopes]
        scope = ("Consider " + ("only " if len(where) == 1 else "") + "; ".join(where) + ".")
        notes = ["basic"] + ["fancy"] * k.fancy
        if k.crontab:
            hard = ["ignored", "macros", "sunday", "or"]
            rng.shuffle(hard)
            notes += hard
        notes_md = " ".join(NOTES[n] for n in notes)
        number = rng.randint(1000, 9899)
        ticket = f"CHANGE-{number}"
        title = rng.choice(["storage swap", "database failover test", "kernel upgrade", "datacenter move",
                            "backup appliance replacement"])
        env: dict[str, str | bytes] = {
            f"environment/tickets/{ticket}.md": self.template("ticket.md", ticket=ticket, title=title, start=s0,
                                                               end=e0, scope=scope, notes=notes_md, out=out)}
        for j in range(k.old_tickets):  # closed tickets: other windows, other deliverables (red herrings)
            old_start = start - dt.timedelta(days=rng.randint(20, 90), hours=rng.randint(0, 12))
            env[f"environment/tickets/CHANGE-{number - 37 * (j + 1)}.md"] = self.template(
                "old_ticket.md", ticket=f"CHANGE-{number - 37 * (j + 1)}", title=rng.choice(["patching", "fsck"]),
                start=old_start.strftime(FMT), end=(old_start + dt.timedelta(hours=4)).strftime(FMT),
                out=f"/root/maintenance/old-{j + 1}.csv")
        setup = ["#!/bin/bash", "set -e", "mkdir -p /etc/cron.d /var/spool/cron/crontabs"]
        for i, (path, text) in enumerate(files):
            env[f"environment/cron/f{i}"] = text
            setup.append(f"install -m {'0600' if '/spool/' in path else '0644'} /tmp/cron/f{i} '{path}'")
        setup.append("rm -rf /tmp/cron")
        env["environment/setup_cron.sh"] = "\n".join(setup) + "\n"
        values = {"ticket": ticket, "out": out, "start": s0, "end": e0, "scopes": repr(scopes),
                  "cron_expand": _expand_source()}
        env |= self.solver(KNOBS).files(values, {WRONG_NAMES[m]: m for m in mistakes})
        env |= self.alt_solutions(out=out, start=s0, end=e0, scopes=repr(scopes))
        env |= self.verifier()
        env |= kit.expected_file({"out": out, "rows": [list(r) for r in rows]})
        instruction = self.instruction(intro=self.intro(rng, weekday=start.strftime("%A")), start=s0, end=e0,
                                       scope=scope, notes=notes_md, out=out, ticket=ticket)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=("COPY cron/ /tmp/cron/\nCOPY setup_cron.sh /tmp/setup_cron.sh\n"
                             "RUN bash /tmp/setup_cron.sh && rm /tmp/setup_cron.sh\nCOPY tickets/ /root/\n"
                             "WORKDIR /root\n"),
            files=env, tags=["cron", "scheduling", "parsing"], artifacts=[out], outputs=[out],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
        )
