"""Recompute the 5xx report from the log the agent must not touch, and compare."""

import csv
import hashlib
from collections import Counter
from pathlib import Path

LOG = Path("/app/access.log")
REPORT = Path("/app/errors.csv")
LOG_SHA256 = Path("/tests/access.log.sha256").read_text().split()[0]


def expected_rows():
    counts = Counter()
    for line in LOG.read_text().splitlines():
        status = int(line.split()[4])
        if 500 <= status <= 599:
            counts[status] += 1
    return [[str(s), str(n)] for s, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def test_log_untouched():
    assert hashlib.sha256(LOG.read_bytes()).hexdigest() == LOG_SHA256


def test_header():
    rows = list(csv.reader(REPORT.open()))
    assert rows[0] == ["status", "count"]


def test_rows_match_log():
    rows = list(csv.reader(REPORT.open()))
    assert rows[1:] == expected_rows()
