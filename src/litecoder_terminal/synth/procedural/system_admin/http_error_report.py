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
    lines = []
    for i in range(n):
        ts = f"2026-03-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
        ip = f"10.{rng.randrange(8)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        line = f"{ts} {ip} {rng.choice(METHODS)} {rng.choice(PATHS)} {rng.choice(statuses)} {rng.randrange(90000)}"
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
        out = pick(rng, ["/app/report/server_errors.csv", "/app/errors.csv", "/root/5xx_summary.csv"])
        key = "status,path,count" if by_path else "status,count"
        what = ("for every (status, path) pair with a status from 500 to 599" if by_path
                else "for every HTTP status code from 500 to 599")
        intro = pick(rng, [
            "Our on-call rotation needs a quick summary of server-side failures.",
            "Before the incident review we need hard numbers on server errors.",
            "The web tier has been flapping; summarise the server errors it logged.",
        ])
        rotated = ("" if n_files == 1 else
                   f"The log has been rotated: read every file in `/var/log/webapp/` ({', '.join(logs)}; `.gz` files "
                   "are gzip-compressed).")
        bad = "" if not malformed else " Skip lines that do not have exactly six fields or whose status is not an integer."
        order = ("sorted by count (highest first), then by status (lowest first), then by path (alphabetical)"
                 if by_path else "sorted by count (highest first) and, for equal counts, by status (lowest first)")
        instruction = textwrap.dedent(f"""\
            {intro} The web server writes its access log to `/var/log/webapp/access.log`; each line is

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
              for f in /var/log/webapp/access.log*; do
                case "$f" in *.gz) zcat "$f" ;; *) cat "$f" ;; esac
              done | awk '{solve_awk}' | LC_ALL=C {sort}
            }} > {out}
            """)
        # Mistake: ignores the rotated files (and on single-file tasks, counts 4xx as server errors too).
        lazy_awk = solve_awk.replace("$5 >= 500", "$5 >= 400") if n_files == 1 else solve_awk
        files["solution/wrong/only-current-log.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            mkdir -p "$(dirname {out})"
            {{ echo "{key}"; awk '{lazy_awk}' /var/log/webapp/access.log | LC_ALL=C {sort}; }} > {out}
            """)
        files["solution/wrong/unsorted-no-header.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            # Mistake: right counts, wrong format (no header, sorted by key only).
            mkdir -p "$(dirname {out})"
            for f in /var/log/webapp/access.log*; do case "$f" in *.gz) zcat "$f" ;; *) cat "$f" ;; esac; done \\
              | awk '{solve_awk}' | sort > {out}
            """)
        digests = {name: hashlib.sha256(files[f"environment/logs/{name}"]).hexdigest() for name in logs}
        files["tests/test_outputs.py"] = TEST_TEMPLATE.format(out=out, by_path=by_path, digests=json.dumps(digests))
        return TaskDraft(
            instruction=instruction,
            dockerfile_body="COPY logs/ /var/log/webapp/\nWORKDIR /app\n",
            files=files, tags=["logs", "awk", "csv"], expert_minutes={"easy": 5, "medium": 15, "hard": 20}[level],
        )


TEST_TEMPLATE = '''"""Recompute the error summary from the logs themselves and compare with the agent's report."""

import csv
import gzip
import hashlib
from collections import Counter
from pathlib import Path

LOG_DIR = Path("/var/log/webapp")
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
