#!/bin/bash
# Alternative: a different program — every minute of the window is tested against every job (no per-field
# expansion into day lists), files read in reverse order, rows sorted at the end.
set -eu
python3 - <<'PY'
import csv, datetime as dt, glob, os, re

SCOPES = @@scopes@@
START = dt.datetime.strptime("@@start@@", "%Y-%m-%d %H:%M")
END = dt.datetime.strptime("@@end@@", "%Y-%m-%d %H:%M")
MACRO = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
         "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
MON = "jan feb mar apr may jun jul aug sep oct nov dec".split()
DOW = "sun mon tue wed thu fri sat".split()
BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def num(tok, i):
    tok = tok.lower()
    if i == 3 and tok in MON:
        return MON.index(tok) + 1
    if i == 4 and tok in DOW:
        return DOW.index(tok)
    return int(tok)


def allowed(spec, i):
    vals = set()
    for item in spec.split(","):
        rng_part, _, step = item.partition("/")
        step = int(step) if step else 1
        if rng_part == "*":
            lo, hi = BOUNDS[i]
        elif "-" in rng_part:
            lo, hi = (num(t, i) for t in rng_part.split("-"))
        else:
            lo = hi = num(rng_part, i)
        vals |= set(range(lo, hi + 1, step))
    if i == 4 and 7 in vals:
        vals.add(0)
    return vals


def jobs(path, user_field, owner):
    for raw in open(path).read().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or re.match(r"^[A-Za-z_]\w*\s*=", line):
            continue
        if line.startswith("@"):
            head, rest = line.split(None, 1)
            if head == "@reboot":
                continue
            fields = MACRO[head].split()
        else:
            parts = line.split(None, 5)
            fields, rest = parts[:5], parts[5]
        user = owner
        if user_field:
            user, rest = rest.split(None, 1)
        yield [allowed(f, i) for i, f in enumerate(fields)], fields, user, rest.strip()


sources = []
if "spool" in SCOPES:
    sources += [(p, False, os.path.basename(p)) for p in glob.glob("/var/spool/cron/crontabs/*")]
if "crond" in SCOPES:
    sources += [(p, True, None) for p in glob.glob("/etc/cron.d/*") if re.fullmatch(r"[A-Za-z0-9_-]+", os.path.basename(p))]
if "crontab" in SCOPES and os.path.exists("/etc/crontab"):
    sources.append(("/etc/crontab", True, None))
rows = []
for path, user_field, owner in sorted(sources, reverse=True):
    for sets, fields, user, cmd in jobs(path, user_field, owner):
        both = not fields[2].startswith("*") and not fields[4].startswith("*")
        t = START
        while t < END:
            dom_ok, dow_ok = t.day in sets[2], (t.isoweekday() % 7) in sets[4]
            day_ok = (dom_ok or dow_ok) if both else (dom_ok and dow_ok)
            if t.minute in sets[0] and t.hour in sets[1] and t.month in sets[3] and day_ok:
                rows.append((t.strftime("%Y-%m-%d %H:%M"), user, cmd))
            t += dt.timedelta(minutes=1)
rows.sort()
os.makedirs(os.path.dirname("@@out@@"), exist_ok=True)
with open("@@out@@", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["time", "user", "command"])
    w.writerows(rows)
PY
