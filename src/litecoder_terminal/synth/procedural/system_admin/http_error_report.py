"""Summarise server errors from a web access log (rotated and malformed lines at higher difficulty)."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

PATHS = ["/", "/login", "/logout", "/api/v1/items", "/api/v1/orders", "/api/v2/users", "/static/app.js",
         "/health", "/metrics", "/search", "/cart", "/checkout"]
METHODS = ["GET"] * 6 + ["POST"] * 2 + ["PUT", "DELETE"]


def _log_lines(rng: random.Random, n: int, day: int, malformed: bool) -> list[str]:
    statuses = [200] * 30 + [201, 204, 301, 302, 304, 400, 401, 403, 404, 404, 429] + \
        rng.sample([500, 501, 502, 503, 504, 507], k=rng.randint(3, 6)) * rng.randint(1, 3)
    # Whole columns at once (rng.choices): generating thousands of tasks must stay fast.
    hours, minutes, secs = rng.choices(range(24), k=n), rng.choices(range(60), k=n), rng.choices(range(60), k=n)
    octets = zip(rng.choices(range(8), k=n), rng.choices(range(256), k=n), rng.choices(range(1, 255), k=n))
    methods, paths = rng.choices(METHODS, k=n), rng.choices(PATHS, k=n)
    codes, sizes = rng.choices(statuses, k=n), rng.choices(range(90000), k=n)
    lines = []
    for i, (a, b, c) in enumerate(octets):
        line = (f"2026-03-{day:02d}T{hours[i]:02d}:{minutes[i]:02d}:{secs[i]:02d}Z 10.{a}.{b}.{c} "
                f"{methods[i]} {paths[i]} {codes[i]} {sizes[i]}")
        if malformed and rng.random() < 0.04:
            line = rng.choice([line.rsplit(" ", 2)[0], "-- log rotated --", line.replace(" ", "  ", 1) + " extra"])
        lines.append(line)
    return lines


@register
class HttpErrorReport(TaskFamily):
    name = "http_error_report"
    domain = "system_admin"
    title = "Report 5xx errors per status (and per path) from access logs"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        n_files = {"easy": 1, "medium": 3, "hard": 3}[level]
        malformed = level != "easy"
        by_path = level == "hard"
        files: dict[str, str | bytes] = {}
        logs = []
        for k in range(n_files):
            lines = _log_lines(rng, rng.randint(300, 700), 10 + k, malformed)
            name = "access.log" if k == 0 else f"access.log.{k}" + (".gz" if k == 2 else "")
            data = ("\n".join(lines) + "\n").encode()
            files[f"environment/logs/{name}"] = gzip.compress(data, mtime=0) if name.endswith(".gz") else data
            logs.append(name)
        service = pick(rng, ["webapp", "checkout", "billing-api", "search", "gateway", "storefront", "auth-proxy",
                             "media-cdn", "orders", "partner-api", "inventory", "admin-portal"])
        log_dir = f"/var/log/{service}"
        out = pick(rng, [f"/app/report/{service}_5xx.csv", "/app/errors.csv", "/root/5xx_summary.csv",
                         f"/srv/reports/{service}-server-errors.csv", "/app/out/server_errors.csv",
                         f"/root/incident/{service}_errors.csv"])
        key = "status,path,count" if by_path else "status,count"
        what = ("for every (status, path) pair with a status from 500 to 599" if by_path
                else "for every HTTP status code from 500 to 599")
        intro = pick(rng, [
            f"Our on-call rotation needs a quick summary of the server-side failures of `{service}`.",
            f"Before tomorrow's incident review we need hard numbers on the server errors `{service}` returned.",
            f"The `{service}` tier has been flapping since the last deploy; summarise the server errors it logged.",
            f"Customers report intermittent failures from `{service}`. Quantify the 5xx responses from its logs.",
            f"Capacity planning wants to know how often `{service}` failed on the server side last week.",
            f"An SLO burn alert fired for `{service}`. Give the SRE team a breakdown of its server errors.",
        ])
        rotated = ("" if n_files == 1 else
                   f"The log has been rotated: read every file in `{log_dir}/` ({', '.join(logs)}; `.gz` files "
                   "are gzip-compressed).")
        bad = "" if not malformed else " Skip lines that do not have exactly six fields or whose status is not an integer."
        order = ("sorted by count (highest first), then by status (lowest first), then by path (alphabetical)"
                 if by_path else "sorted by count (highest first) and, for equal counts, by status (lowest first)")
        instruction = textwrap.dedent(f"""\
            {intro} The server writes its access log to `{log_dir}/access.log`; each line is

            ```
            <ISO-8601 timestamp> <client IP> <method> <path> <status> <bytes>
            ```
            {(rotated + bad).strip()}

            Count the requests {what} that appears in the logs and write `{out}` as CSV with the header
            `{key}`, one row per {"pair" if by_path else "status"}, {order}. Do not modify or delete the logs.
            """)
        solve_awk = ("$5 ~ /^[0-9]+$/ && NF == 6 && $5 >= 500 && $5 <= 599 { n[$5 \",\" $4]++ } "
                     "END { for (k in n) print k \",\" n[k] }" if by_path else
                     "$5 ~ /^[0-9]+$/ && NF == 6 && $5 >= 500 && $5 <= 599 { n[$5]++ } END { for (s in n) print s \",\" n[s] }")
        sort = "sort -t, -k3,3nr -k1,1n -k2,2" if by_path else "sort -t, -k2,2nr -k1,1n"
        files["solution/solve.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            # Read every log (compressed ones through zcat), keep well-formed 5xx lines, count, sort.
            set -euo pipefail
            mkdir -p "$(dirname {out})"
            {{
              echo "{key}"
              for f in {log_dir}/access.log*; do
                case "$f" in *.gz) zcat "$f" ;; *) cat "$f" ;; esac
              done | awk '{solve_awk}' | LC_ALL=C {sort}
            }} > {out}
            """)
        # Mistake: ignores the rotated files (and on single-file tasks, counts 4xx as server errors too).
        lazy_awk = solve_awk.replace("$5 >= 500", "$5 >= 400") if n_files == 1 else solve_awk
        files["solution/wrong/only-current-log.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            mkdir -p "$(dirname {out})"
            {{ echo "{key}"; awk '{lazy_awk}' {log_dir}/access.log | LC_ALL=C {sort}; }} > {out}
            """)
        files["solution/wrong/unsorted-no-header.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            # Mistake: right counts, wrong format (no header, sorted by key only).
            mkdir -p "$(dirname {out})"
            for f in {log_dir}/access.log*; do case "$f" in *.gz) zcat "$f" ;; *) cat "$f" ;; esac; done \\
              | awk '{solve_awk}' | sort > {out}
            """)
        digests = {name: hashlib.sha256(files[f"environment/logs/{name}"]).hexdigest() for name in logs}
        files["tests/test_outputs.py"] = TEST_TEMPLATE.format(out=out, by_path=by_path, digests=json.dumps(digests),
                                                               log_dir=log_dir)
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY logs/ {log_dir}/\nWORKDIR /app\n",
            files=files, tags=["logs", "awk", "csv"], expert_minutes={"easy": 5, "medium": 15, "hard": 20}[level],
            artifacts=[out, log_dir],  # the report, and the logs the tests check are untouched
        )


TEST_TEMPLATE = '''"""Recompute the error summary from the logs themselves and compare with the agent's report."""

import csv
import gzip
import hashlib
from collections import Counter
from pathlib import Path

LOG_DIR = Path("{log_dir}")
OUT = Path("{out}")
BY_PATH = {by_path}
DIGESTS = {digests}


def read_logs():
    for name in sorted(DIGESTS):
        data = (LOG_DIR / name).read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        yield from data.decode().splitlines()


def expected():
    counts = Counter()
    for line in read_logs():
        f = line.split()
        if len(f) != 6 or not f[4].isdigit() or not 500 <= int(f[4]) <= 599:
            continue
        counts[(f[4], f[3]) if BY_PATH else (f[4],)] += 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], int(kv[0][0]), kv[0][1:]))
    return [[*k, str(n)] for k, n in rows]


def test_logs_untouched():
    for name, digest in DIGESTS.items():
        assert hashlib.sha256((LOG_DIR / name).read_bytes()).hexdigest() == digest, name


def test_header():
    rows = list(csv.reader(OUT.open()))
    assert rows and rows[0] == (["status", "path", "count"] if BY_PATH else ["status", "count"])


def test_counts_and_order():
    rows = list(csv.reader(OUT.open()))
    assert rows[1:] == expected()
'''
