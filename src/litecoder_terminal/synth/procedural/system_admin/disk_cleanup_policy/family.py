"""Apply a retention policy to an application's data directory as of a fixed snapshot time: age cut-offs per area,
boundary timestamps, live logs, `.retain` markers, symlinks and awkward names; then report what was freed (and, at
hard, which areas are still the largest). mtimes are set at image build time with `touch -d`."""

from __future__ import annotations

import datetime as dt
import random

from litecoder_terminal.synth.procedural import kit

WORDS = ["thumb", "render", "session", "chunk", "index", "blob", "export", "tile", "feed", "avatar", "manifest", "query"]
EXT = [".bin", ".dat", ".json", ".cache", ".tmp", ".png", ".html"]
DAY = 86400
# One sentence per rule and report key (the same text in the full instruction and in the policy document).
RULES = {
    "cache": "`@@root@@/cache/` (all levels below it): delete regular files last modified more than @@cache_days@@ "
             "days before the reference time.",
    "logs": "`@@root@@/logs/`: delete rotated logs - names ending in `.log.<N>` or `.log.<N>.gz` - last modified "
            "more than @@log_days@@ days before the reference time. Live logs (`*.log`) are never deleted, however old.",
    "parts": "`@@root@@/uploads/tmp/`: delete `*.part` files (abandoned partial uploads) last modified more than "
             "@@part_days@@ days before the reference time.",
    "rest": "Nothing else is deleted (other areas are out of scope).",
    "except": "Never delete anything in a directory that contains a file named `.retain`, or in any directory below "
              "it. Symbolic links are never deleted and never followed. File names may contain spaces.",
}
KEYS = {
    "deleted": "`deleted`: the sorted list of absolute paths you deleted",
    "freed": "`freed_bytes`: the sum of their sizes in bytes (apparent size, as `stat -c %s` reports)",
    "top": "`largest_areas`: after the cleanup, the three largest immediate subdirectories of `@@root@@` as a list of "
           "`{\"path\": <absolute path>, \"bytes\": <int>}`, where bytes is the total apparent size of the regular "
           "files below it (symlinks not followed, directories themselves not counted), largest first (ties by path)",
}


def _epoch(t: dt.datetime) -> int:
    return int((t - dt.datetime(1970, 1, 1)).total_seconds())


class DiskCleanupPolicy(kit.KitFamily):
    title = "Apply a file-retention policy as of a snapshot time and report the space freed"
    levels = kit.Levels(cache_dirs=(2, 3, 4), cache_files=(24, 40, 55), logs=(0, 1, 1), parts=(0, 0, 1),
                        exceptions=(0, 1, 1), top=(0, 0, 1), agent_timeout=(600, 900, 1200),
                        expert_minutes=(10, 20, 30))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        app = rng.choice(["shopfront", "mediahub", "ledger", "tracker", "atlas", "beacon"])
        root = rng.choice([f"/srv/{app}", f"/var/lib/{app}", f"/opt/{app}/data"])
        ref = dt.datetime(2026, rng.randint(2, 10), rng.randint(1, 28), rng.choice([0, 6, 12]), 0, 0)
        now = _epoch(ref)
        cache_days, log_days, part_days = rng.choice([7, 10, 14, 21]), rng.choice([30, 45, 60]), rng.choice([2, 3])
        entries: list[dict] = []  # {path, size, mtime, kind: file|link, target, delete}
        used: set[str] = set()

        def add(path: str, age_s: int, size: int, delete: bool) -> None:
            if path not in used:
                used.add(path)
                entries.append({"path": path, "size": size, "mtime": now - age_s, "kind": "file", "delete": delete})

        def fname() -> str:
            sep = rng.choice(["_", "-", " "]) if k.exceptions and rng.random() < 0.15 else "_"
            return f"{rng.choice(WORDS)}{sep}{rng.randrange(10000):04d}{rng.choice(EXT)}"

        cache_dirs = ["cache", "cache/img", "cache/api/v1", "cache/api/v2"][:k.cache_dirs]
        for _ in range(k.cache_files):
            age = rng.randint(0, 3 * cache_days * DAY)
            add(f"{root}/{rng.choice(cache_dirs)}/{fname()}", age, rng.randint(200, 400000), age > cache_days * DAY)
        # boundary cases: exactly at the cut-off (kept) and one second past it (deleted)
        add(f"{root}/{cache_dirs[0]}/boundary_{rng.randrange(1000):03d}.bin", cache_days * DAY,
            rng.randint(1000, 9000), False)
        add(f"{root}/{cache_dirs[-1]}/boundary_{rng.randrange(1000):03d}.bin", cache_days * DAY + 1,
            rng.randint(1000, 9000), True)
        if k.exceptions:  # a protected subtree, old files in it (forbidden to delete)
            retained_dir = f"{root}/cache/{rng.choice(['golden', 'fixtures', 'pinned'])}"
            entries.append({"path": f"{retained_dir}/.retain", "size": 0, "mtime": now - 400 * DAY,
                            "kind": "file", "delete": False})
            for _ in range(rng.randint(3, 6)):
                add(f"{retained_dir}/{rng.choice(['v1', 'v2', '.'])}/{fname()}".replace("/./", "/"),
                    rng.randint(cache_days * DAY + 60, 200 * DAY), rng.randint(500, 90000), False)
        if k.logs:  # old live logs (`*-old.log`) are the forbidden case of the log rule
            for svc in sorted(rng.sample(["api", "worker", "scheduler", "web"], 2)):
                add(f"{root}/logs/{svc}.log", rng.randint(0, 3600), rng.randint(10000, 900000), False)
                add(f"{root}/logs/{svc}.log.1", rng.randint(DAY, 3 * DAY), rng.randint(10000, 900000), False)
                add(f"{root}/logs/{svc}-old.log", (log_days + rng.randint(5, 90)) * DAY, rng.randint(1000, 90000), False)
                for n in range(2, rng.randint(6, 10)):
                    age = n * rng.randint(6, 12) * DAY
                    add(f"{root}/logs/{svc}.log.{n}.gz", age, rng.randint(5000, 200000), age > log_days * DAY)
            add(f"{root}/logs/boundary.log.9.gz", log_days * DAY, 4321, False)
        if k.parts:
            for _ in range(rng.randint(6, 10)):
                age = rng.randint(0, 3 * part_days * DAY)
                add(f"{root}/uploads/tmp/{rng.randrange(10**8):08x}.part", age, rng.randint(1000, 5000000),
                    age > part_days * DAY)
            for _ in range(rng.randint(4, 8)):  # finished uploads are never touched
                add(f"{root}/uploads/{rng.choice(WORDS)}_{rng.randrange(10000):04d}.jpg", rng.randint(0, 400 * DAY),
                    rng.randint(1000, 3000000), False)
        for _ in range(rng.randint(3, 6)):  # an area the policy does not cover, old files included
            add(f"{root}/releases/{app}-v{rng.randint(1, 9)}.{rng.randint(0, 20)}.tar",
                rng.randint(30 * DAY, 300 * DAY), rng.randint(100000, 9000000), False)
        rel = sorted(e["path"] for e in entries if e["path"].startswith(f"{root}/releases/"))
        links = []
        if k.exceptions:  # old symlinks inside the cache: relative targets that stay inside the data directory
            links.append({"path": f"{root}/cache/current-release", "target": "../releases/" + rel[-1].rsplit("/", 1)[1],
                          "mtime": now - 90 * DAY, "kind": "link", "size": 0, "delete": False})
            links.append({"path": f"{root}/cache/img/latest", "target": "../../releases",
                          "mtime": now - 60 * DAY, "kind": "link", "size": 0, "delete": False})
        entries.sort(key=lambda e: e["path"])

        setup = ["#!/bin/bash", "set -e"]  # build-time: sparse files of the right apparent size, fixed mtimes
        for e in entries:
            q = e["path"].replace("'", "'\\''")
            setup.append(f"mkdir -p \"$(dirname '{q}')\" && truncate -s {e['size']} '{q}' && touch -d @{e['mtime']} '{q}'")
        for e in links:
            setup.append(f"mkdir -p \"$(dirname '{e['path']}')\" && ln -s '{e['target']}' '{e['path']}' && "
                         f"touch -h -d @{e['mtime']} '{e['path']}'")
        deleted = sorted(e["path"] for e in entries if e["delete"])
        top_dirs = []
        if k.top:
            sizes: dict[str, int] = {}
            for e in entries:
                if not e["delete"]:
                    area = e["path"][len(root) + 1:].split("/")[0]
                    sizes[area] = sizes.get(area, 0) + e["size"]
            top_dirs = [{"path": f"{root}/{a}", "bytes": b}
                        for a, b in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
        report = rng.choice(["/root/cleanup_report.json", f"/root/{app}_cleanup.json", "/var/tmp/retention_report.json"])
        when = ref.strftime("%Y-%m-%d %H:%M:%S")

        vals = {"root": root, "cache_days": cache_days, "log_days": log_days, "part_days": part_days}
        rules = ["cache"] + ["logs"] * k.logs + ["parts"] * k.parts + ["rest"] + ["except"] * k.exceptions
        rules_md = "\n".join("- " + kit.render(RULES[r], vals, where=f"rule {r}", allow_unused=True) for r in rules)
        keys_md = "\n".join("- " + kit.render(KEYS[key], vals, where=f"key {key}", allow_unused=True)
                            for key in ["deleted", "freed"] + ["top"] * k.top)
        doc = {"app": app, "root": root, "when": when, "rules": rules_md, "keys": keys_md, "report": report}
        files: dict[str, str | bytes] = {
            "environment/setup_tree.sh": "\n".join(setup) + "\n",
            "environment/etc/retention.md": self.template("retention.md", **doc),
            "environment/etc/cron": self.template("cron", app=app, inc=rng.randint(1000, 9999)),
            "environment/etc/job.sh": self.template("job.sh", app=app, cache_days=cache_days),
            "environment/etc/job.log": self.template("job.log", lines="\n".join(
                f"retention: /mnt/{app}-data not found, nothing to do" for _ in range(rng.randint(2, 5)))),
        }
        py = {True: "True", False: "False"}
        sh = {True: "true", False: "false"}
        values = {"app": app, "root": root, "ref": now, "report": report, "cache_days": cache_days,
                  "log_days": log_days, "part_days": part_days, "use_logs": py[bool(k.logs)],
                  "use_parts": py[bool(k.parts)], "top": py[bool(k.top)]}
        knobs = {
            "clock": kit.Knob(str(now), "int(time.time())", "ages measured from the current clock, not the snapshot"),
            "cmp": kit.Knob("<", "<=", "a file exactly on the cut-off counts as older (inclusive cut-off)"),
            "retain": kit.Knob('".retain" in filenames', "False", "ignores `.retain` markers"),
            "links": kit.Knob("os.path.islink(p) or ", "", "deletes old symbolic links"),
            "live": kit.Knob('r".*\\.log\\.[0-9]+(\\.gz)?$"', 'r".*\\.log(\\.[0-9]+)?(\\.gz)?$"',
                             "deletes old live logs (`*.log`) too"),
        }
        wrong = {"uses-current-clock": "clock", "cutoff-inclusive": "cmp"}
        if k.exceptions:
            wrong |= {"ignores-retain": "retain", "deletes-symlinks": "links"}
        if k.logs:
            wrong["deletes-live-logs"] = "live"
        files |= self.solver(knobs).files(values, wrong)
        files |= self.alt_solutions(root=root, ref=now, report=report, cache_days=cache_days, log_days=log_days,
                                    part_days=part_days, use_logs_sh=sh[bool(k.logs)],
                                    use_parts_sh=sh[bool(k.parts)], top_sh=sh[bool(k.top)])
        files |= self.verifier()
        files |= kit.expected_file({"root": root, "entries": entries + links, "deleted": deleted,
                                    "freed": sum(e["size"] for e in entries if e["delete"]), "top": top_dirs,
                                    "report": report})
        instruction = self.instruction(intro=self.intro(rng, app=app), **doc)
        body = ("COPY setup_tree.sh /tmp/setup_tree.sh\nRUN bash /tmp/setup_tree.sh && rm /tmp/setup_tree.sh\n"
                f"COPY etc/retention.md /etc/{app}/retention.md\nCOPY etc/cron /etc/cron.d/{app}-retention\n"
                f"COPY etc/job.sh /usr/local/bin/{app}-retention\nCOPY etc/job.log /var/log/{app}-retention.log\n"
                f"RUN chmod 755 /usr/local/bin/{app}-retention\nWORKDIR /root\n")
        return kit.draft(
            instruction=instruction, dockerfile_body=body, files=files, tags=["disk", "find", "retention", "mtime"],
            artifacts=[root, report], outputs=[report, root], agent_timeout_sec=k.agent_timeout,
            verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
            # composition: the bytes the clean-up freed open a later part's inputs
            handoff=kit.Handoff(value=str(sum(e["size"] for e in entries if e["delete"])),
                                read="python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))"
                                     f"[\"freed_bytes\"])' {report}",
                                says=f"the `freed_bytes` value of `{report}`"),
        )
