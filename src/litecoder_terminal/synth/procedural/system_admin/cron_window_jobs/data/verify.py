"""Compare the agent's list, parsed as CSV, with the executions computed when the task was made (hidden)."""

import csv
from pathlib import Path

import lct_verify

E = lct_verify.expected()
OUT = Path(E["out"])


def rows():
    assert OUT.is_file() and not OUT.is_symlink(), f"{OUT} is missing (or not a regular file)"
    return list(csv.reader(OUT.read_text().splitlines()))


def test_header():
    got = rows()
    assert got and got[0] == ["time", "user", "command"], f"header {got[:1]}"


def test_executions_match():
    got = [tuple(r) for r in rows()[1:]]
    want = [tuple(r) for r in E["rows"]]
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing and not extra, f"missing {missing[:5]} ... extra {extra[:5]}"
    assert len(got) == len(want), "duplicate rows"


def test_sorted():
    got = rows()[1:]
    assert got == sorted(got, key=lambda r: (r[0], r[1], r[2])), "rows must be sorted by time, user, command"
