"""Apply a retention policy to an application's data directory as of a fixed snapshot time: age cut-offs per area,
boundary timestamps, live logs, `.retain` markers, symlinks and awkward names; then report what was freed (and, at
hard, which areas are still the largest). mtimes are set at image build time with `touch -d`."""

from __future__ import annotations

import datetime as dt
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

WORDS = ["thumb", "render", "session", "chunk", "index", "blob", "export", "tile", "feed", "avatar", "manifest", "query"]
EXT = [".bin", ".dat", ".json", ".cache", ".tmp", ".png", ".html"]


def _epoch(t: dt.datetime) -> int:
    return int((t - dt.datetime(1970, 1, 1)).total_seconds())


@register
class DiskCleanupPolicy(TaskFamily):
    name = "disk_cleanup_policy"
    domain = "system_admin"
    title = "Apply a file-retention policy as of a snapshot time and report the space freed"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        app = pick(rng, ["shopfront", "mediahub", "ledger", "tracker", "atlas", "beacon"])
        root = pick(rng, [f"/srv/{app}", f"/var/lib/{app}", f"/opt/{app}/data"])
        ref = dt.datetime(2026, rng.randint(2, 10), rng.randint(1, 28), rng.choice([0, 6, 12]), 0, 0)
        cache_days = rng.choice([7, 10, 14, 21])
        log_days = rng.choice([30, 45, 60])
        part_days = rng.choice([2, 3])
        use_logs = level != "easy"
        use_parts = level == "hard"
        exceptions = level != "easy"
        top = level == "hard"

        entries: list[dict] = []  # {path, size, mtime, kind: file|link, target, delete}
        used: set[str] = set()

        def add(path: str, age_s: int, size: int, delete: bool) -> None:
            if path in used:
                return
            used.add(path)
            entries.append({"path": path, "size": size, "mtime": _epoch(ref) - age_s, "kind": "file", "delete": delete})

        def fname() -> str:
            sep = rng.choice(["_", "-", " "]) if exceptions and rng.random() < 0.15 else "_"
            return f"{rng.choice(WORDS)}{sep}{rng.randrange(10000):04d}{rng.choice(EXT)}"

        day = 86400
        # cache area
        cache_dirs = ["cache", "cache/img", "cache/api/v1", "cache/api/v2"][: {"easy": 2, "medium": 3, "hard": 4}[level]]
        for _ in range({"easy": 24, "medium": 40, "hard": 55}[level]):
            d = rng.choice(cache_dirs)
            age = rng.randint(0, 3 * cache_days * day)
            add(f"{root}/{d}/{fname()}", age, rng.randint(200, 400000), age > cache_days * day)
        # boundary cases: exactly at the cut-off (kept) and one second past it (deleted)
        add(f"{root}/{cache_dirs[0]}/boundary_{rng.randrange(1000):03d}.bin", cache_days * day, rng.randint(1000, 9000), False)
        add(f"{root}/{cache_dirs[-1]}/boundary_{rng.randrange(1000):03d}.bin", cache_days * day + 1,
            rng.randint(1000, 9000), True)
        retained_dir = None
        if exceptions:
            retained_dir = f"{root}/cache/{rng.choice(['golden', 'fixtures', 'pinned'])}"
            entries.append({"path": f"{retained_dir}/.retain", "size": 0, "mtime": _epoch(ref) - 400 * day,
                            "kind": "file", "delete": False})
            for _ in range(rng.randint(3, 6)):
                add(f"{retained_dir}/{rng.choice(['v1', 'v2', '.'])}/{fname()}".replace("/./", "/"),
                    rng.randint(cache_days * day + 60, 200 * day), rng.randint(500, 90000), False)
        # logs
        if use_logs:
            for svc in sorted(rng.sample(["api", "worker", "scheduler", "web"], 2)):
                add(f"{root}/logs/{svc}.log", rng.randint(0, 3600), rng.randint(10000, 900000), False)
                add(f"{root}/logs/{svc}.log.1", rng.randint(day, 3 * day), rng.randint(10000, 900000), False)
                add(f"{root}/logs/{svc}-old.log", (log_days + rng.randint(5, 90)) * day, rng.randint(1000, 90000), False)
                for k in range(2, rng.randint(6, 10)):
                    age = k * rng.randint(6, 12) * day
                    add(f"{root}/logs/{svc}.log.{k}.gz", age, rng.randint(5000, 200000), age > log_days * day)
            add(f"{root}/logs/boundary.log.9.gz", log_days * day, 4321, False)
        # partial uploads
        if use_parts:
            for _ in range(rng.randint(6, 10)):
                age = rng.randint(0, 3 * part_days * day)
                add(f"{root}/uploads/tmp/{rng.randrange(10**8):08x}.part", age, rng.randint(1000, 5000000),
                    age > part_days * day)
            for _ in range(rng.randint(4, 8)):  # finished uploads are never touched
                add(f"{root}/uploads/{rng.choice(WORDS)}_{rng.randrange(10000):04d}.jpg", rng.randint(0, 400 * day),
                    rng.randint(1000, 3000000), False)
        # areas the policy does not cover, old files included
        for _ in range(rng.randint(3, 6)):
            add(f"{root}/releases/{app}-v{rng.randint(1, 9)}.{rng.randint(0, 20)}.tar", rng.randint(30 * day, 300 * day),
                rng.randint(100000, 9000000), False)
        rel = sorted(e["path"] for e in entries if e["path"].startswith(f"{root}/releases/"))
        links = []
        if exceptions:  # relative targets: a link that stays inside the data directory
            links.append({"path": f"{root}/cache/current-release", "target": "../releases/" + rel[-1].rsplit("/", 1)[1],
                          "mtime": _epoch(ref) - 90 * day, "kind": "link", "size": 0, "delete": False})
            links.append({"path": f"{root}/cache/img/latest", "target": "../../releases",
                          "mtime": _epoch(ref) - 60 * day, "kind": "link", "size": 0, "delete": False})
        entries.sort(key=lambda e: e["path"])
        all_entries = entries + links

        # build-time setup: sparse files of the right apparent size, fixed mtimes
        setup = ["#!/bin/bash", "set -e"]
        for e in entries:
            q = e["path"].replace("'", "'\\''")
            setup.append(f"mkdir -p \"$(dirname '{q}')\" && truncate -s {e['size']} '{q}' && touch -d @{e['mtime']} '{q}'")
        for e in links:
            setup.append(f"ln -s '{e['target']}' '{e['path']}' && touch -h -d @{e['mtime']} '{e['path']}'")
        deleted = sorted(e["path"] for e in entries if e["delete"])
        freed = sum(e["size"] for e in entries if e["delete"])
        top_dirs = []
        if top:
            sizes: dict[str, int] = {}
            for e in entries:
                if not e["delete"]:
                    area = e["path"][len(root) + 1:].split("/")[0]
                    sizes[area] = sizes.get(area, 0) + e["size"]
            top_dirs = [{"path": f"{root}/{a}", "bytes": b}
                        for a, b in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]

        report = pick(rng, ["/root/cleanup_report.json", f"/root/{app}_cleanup.json", "/var/tmp/retention_report.json"])
        when = ref.strftime("%Y-%m-%d %H:%M:%S")
        def v(*options: str) -> str:
            return pick(rng, list(options))

        intro = v(
            f"The data volume of `{app}` is almost full and the retention job has been broken for months.",
            f"Disk usage alert on the `{app}` host: apply the retention policy by hand this time.",
            f"We restored a snapshot of `{app}`'s data directory and must apply the retention policy to it before "
            "it goes back into service.",
            f"`{app}` filled its disk again ({len(entries)} files under its data directory); clean it up per policy.",
            f"The `{app}` cleanup cron was disabled during an incident and never re-enabled; do its job once.",
        )
        clock = v(
            f"The data lives in `{root}`. Apply this retention policy, evaluated as of the reference time "
            f"**{when} UTC** (the moment the snapshot was taken; do not use the current clock).",
            f"Everything is under `{root}`. Ages are measured from the reference time **{when} UTC**, not from "
            "the machine's clock.",
            f"Work in `{root}` and evaluate the policy as of **{when} UTC** (treat that as \"now\"; the system clock "
            "is irrelevant).",
        ) + " " + v('"More than N days" means strictly older than exactly N x 24 hours before the reference time.',
                    'A file is "older than N days" when its mtime is strictly before the reference time minus '
                    "N x 24 h; exactly on the cut-off is not older.",
                    "Cut-offs are exact: N days = N x 86400 seconds before the reference time, and only files "
                    "modified strictly before that instant qualify.")
        rules = [v(f"`{root}/cache/` (all levels below it): delete regular files last modified more than "
                   f"{cache_days} days before the reference time.",
                   f"Cache (`{root}/cache/`, recursively): regular files older than {cache_days} days are deleted.",
                   f"Under `{root}/cache/` and its subdirectories, remove every regular file not modified for more "
                   f"than {cache_days} days.")]
        if use_logs:
            rules.append(v(f"`{root}/logs/`: delete rotated logs - names ending in `.log.<N>` or `.log.<N>.gz` - "
                           f"last modified more than {log_days} days before the reference time. Live logs (`*.log`) "
                           "are never deleted, however old.",
                           f"Logs (`{root}/logs/`): rotated files (`*.log.<N>`, `*.log.<N>.gz`) older than "
                           f"{log_days} days go; files ending in `.log` are live and always stay.",
                           f"In `{root}/logs/`, remove rotated logs (`name.log.N` or `name.log.N.gz`) older than "
                           f"{log_days} days; never delete a `*.log` file regardless of its age."))
        if use_parts:
            rules.append(v(f"`{root}/uploads/tmp/`: delete `*.part` files (abandoned partial uploads) last modified "
                           f"more than {part_days} days before the reference time.",
                           f"Abandoned partial uploads (`{root}/uploads/tmp/*.part`) older than {part_days} days "
                           "are removed.",
                           f"`*.part` files in `{root}/uploads/tmp/` older than {part_days} days are stale uploads: "
                           "delete them."))
        rules.append(v("Nothing else is deleted (other areas are out of scope).",
                       "Everything else stays, including old files in other directories.",
                       "No other file may be removed."))
        if exceptions:
            rules.append(v("Never delete anything in a directory that contains a file named `.retain`, or in any "
                           "directory below it. Symbolic links are never deleted and never followed. File names "
                           "may contain spaces.",
                           "A `.retain` file protects its directory and everything below it. Symlinks are neither "
                           "followed nor deleted. Some names contain spaces.",
                           "Exceptions: directories holding a `.retain` marker (and their subtrees) are off limits; "
                           "symlinks are left alone and not followed; beware of spaces in names."))
        keys = [v("`deleted`: the sorted list of absolute paths you deleted",
                  "`deleted`: absolute paths of the removed files, sorted",
                  "`deleted`: every path you removed (absolute, sorted ascending)"),
                v("`freed_bytes`: the sum of their sizes in bytes (apparent size, as `stat -c %s` reports)",
                  "`freed_bytes`: their total size in bytes (apparent sizes, `stat -c %s`)",
                  "`freed_bytes`: bytes freed, i.e. the sum of the deleted files' apparent sizes (`stat -c %s`)")]
        if top:
            keys.append("`largest_areas`: after the cleanup, the three largest immediate subdirectories of "
                        f"`{root}` as a list of `{{\"path\": <absolute path>, \"bytes\": <int>}}`, where bytes is the "
                        "total apparent size of the regular files below it (symlinks not followed, directories "
                        "themselves not counted), largest first (ties by path)")
        report_txt = v(f"Then write `{report}`, a JSON object with", f"Finally record what you did in `{report}` "
                       "(JSON object):", f"Afterwards create `{report}` containing a JSON object with")
        instruction = (f"{intro} {clock}\n\n" + "\n".join(f"- {r}" for r in rules) + f"\n\n{report_txt}\n" +
                       "\n".join(f"- {k}" for k in keys) + "\n")

        expected = {"root": root, "entries": all_entries, "deleted": deleted, "freed": freed, "top": top_dirs,
                    "report": report}
        files: dict[str, str | bytes] = {
            "environment/setup_tree.sh": "\n".join(setup) + "\n",
            "tests/expected.json": json.dumps(expected, indent=1, sort_keys=True),
            "tests/test_outputs.py": TEST + (TEST_TOP if top else ""),
        }
        args = {"root": root, "ref": _epoch(ref), "cache_days": cache_days, "log_days": log_days,
                "part_days": part_days, "use_logs": use_logs, "use_parts": use_parts, "top": top, "report": report}
        files["solution/solve.sh"] = _solve(**args, mistake="")
        files["solution/wrong/uses-current-clock.sh"] = _solve(**args, mistake="now")
        files["solution/wrong/cutoff-inclusive.sh"] = _solve(**args, mistake="inclusive")
        if exceptions:
            files["solution/wrong/ignores-retain-and-live-logs.sh"] = _solve(**args, mistake="noexcept")
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=("COPY setup_tree.sh /tmp/setup_tree.sh\n"
                             "RUN bash /tmp/setup_tree.sh && rm /tmp/setup_tree.sh\nWORKDIR /root\n"),
            files=files, tags=["disk", "find", "retention", "mtime"],
            artifacts=[root, report],
            agent_timeout_sec={"easy": 600.0, "medium": 900.0, "hard": 1200.0}[level],
            expert_minutes={"easy": 10, "medium": 20, "hard": 30}[level],
        )


def _solve(root: str, ref: int, cache_days: int, log_days: int, part_days: int, use_logs: bool, use_parts: bool,
           top: bool, report: str, mistake: str) -> str:
    return textwrap.dedent(f"""\
        #!/bin/bash
        set -euo pipefail
        du -sb {root}/* | sort -rn
        find {root} -maxdepth 3 -type d | sort
        find {root} -name .retain
        date -u -d @{ref}
        mkdir -p "$(dirname '{report}')"
        python3 - <<'PY'
        import json, os, re, time
        ROOT, REF, MISTAKE = {root!r}, {ref}, {mistake!r}
        if MISTAKE == "now":
            REF = int(time.time())
        RULES = [("cache", None, {cache_days})]
        if {use_logs!r}:
            RULES.append(("logs", re.compile(r".*\\.log\\.[0-9]+(\\.gz)?$"), {log_days}))
        if {use_parts!r}:
            RULES.append(("uploads/tmp", re.compile(r".*\\.part$"), {part_days}))
        doomed = []
        for area, pattern, days in RULES:
            cutoff = REF - days * 86400
            for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, area)):
                if ".retain" in filenames and MISTAKE != "noexcept":
                    dirnames[:] = []
                    continue
                for name in filenames:
                    p = os.path.join(dirpath, name)
                    st = os.lstat(p)
                    if os.path.islink(p) or (pattern and not pattern.match(name)):
                        continue
                    old = st.st_mtime <= cutoff if MISTAKE == "inclusive" else st.st_mtime < cutoff
                    if old:
                        doomed.append((p, st.st_size))
        if MISTAKE == "noexcept":
            for p in os.listdir(os.path.join(ROOT, "logs")) if os.path.isdir(os.path.join(ROOT, "logs")) else []:
                full = os.path.join(ROOT, "logs", p)
                if p.endswith(".log") and os.lstat(full).st_mtime < REF - {log_days} * 86400:
                    doomed.append((full, os.lstat(full).st_size))
        doomed.sort()
        for p, _ in doomed:
            os.remove(p)
        out = {{"deleted": [p for p, _ in doomed], "freed_bytes": sum(s for _, s in doomed)}}
        if {top!r}:
            sizes = {{}}
            for area in sorted(os.listdir(ROOT)):
                total = 0
                for dirpath, _, filenames in os.walk(os.path.join(ROOT, area)):
                    for name in filenames:
                        st = os.lstat(os.path.join(dirpath, name))
                        if not os.path.islink(os.path.join(dirpath, name)):
                            total += st.st_size
                if os.path.isdir(os.path.join(ROOT, area)) and not os.path.islink(os.path.join(ROOT, area)):
                    sizes[area] = total
            ranked = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            out["largest_areas"] = [{{"path": os.path.join(ROOT, a), "bytes": b}} for a, b in ranked]
        with open({report!r}, "w") as f:
            json.dump(out, f, indent=2)
        print(len(doomed), "files deleted,", out["freed_bytes"], "bytes freed")
        PY
        du -sb {root}/* | sort -rn
        """)


TEST = r'''"""Compare the file tree and the report with the retention decisions made from the generated manifest."""

import json
import os
import stat

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.json")) as f:
    E = json.load(f)


def report():
    with open(E["report"]) as f:
        return json.load(f)


def test_policy_files_deleted():
    left = [e["path"] for e in E["entries"] if e["delete"] and os.path.lexists(e["path"])]
    assert not left, f"{len(left)} files the policy deletes are still there, e.g. {left[:3]}"


def test_everything_else_kept_intact():
    bad = []
    for e in E["entries"]:
        if e["delete"]:
            continue
        p = e["path"]
        if not os.path.lexists(p):
            bad.append(("missing", p))
            continue
        st = os.lstat(p)
        if e["kind"] == "link":
            if not stat.S_ISLNK(st.st_mode) or os.readlink(p) != e["target"] or not os.path.exists(p):
                bad.append(("link changed", p))
        elif not stat.S_ISREG(st.st_mode) or st.st_size != e["size"] or int(st.st_mtime) != e["mtime"]:
            bad.append(("modified", p))
    assert not bad, f"{len(bad)} files that must be kept were removed or changed, e.g. {bad[:3]}"


def test_report_deleted_list():
    assert report()["deleted"] == E["deleted"]


def test_report_freed_bytes():
    r = report()["freed_bytes"]
    assert isinstance(r, int) and r == E["freed"], (r, E["freed"])
'''

TEST_TOP = r'''

def test_report_largest_areas():
    assert report()["largest_areas"] == E["top"]
'''
