"""Reference expansion of crontabs over a window: imported by family.py (build-time checks) and pasted into
solve.sh. `mistakes` replays the known-wrong solutions (a set of names)."""
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


def runs(sched, user, cmd, start, end, mistakes=()):
    mins, hours, doms, mons, dows = (field(f, i) for i, f in enumerate(sched))
    restricted = not sched[2].startswith("*") and not sched[4].startswith("*")
    out = []
    day = start.date()
    last = end if "inclusive" in mistakes else end - dt.timedelta(minutes=1)
    while day <= last.date():
        dow = day.weekday() if "weekday" in mistakes else day.isoweekday() % 7
        dom_ok, dow_ok = day.day in doms, dow in dows
        if restricted and "dow_and" not in mistakes:
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


def expand(files, start, end, mistakes=()):
    """files: [(path, text)]; returns the sorted (time, user, command) rows."""
    rows = []
    for path, text in files:
        name = path.rsplit("/", 1)[1]
        if path == "/etc/crontab":
            jobs = parse(text, None, True)
        elif path.startswith("/etc/cron.d/"):
            if not re.fullmatch(r"[A-Za-z0-9_-]+", name) and "dotfiles" not in mistakes:
                continue
            jobs = parse(text, None, True)
        else:
            if "no_spool" in mistakes:
                continue
            jobs = parse(text, name, False)
        for sched, user, cmd in jobs:
            rows += runs(sched, user, cmd, start, end, mistakes)
    return sorted(rows)
