"""Compare the agent's report, parsed as CSV, with the counts computed when the task was made (hidden)."""

import csv
from pathlib import Path

import lct_verify

OUT = Path("@@out@@")
EXPECTED = lct_verify.expected()


def rows():
    assert OUT.is_file() and not OUT.is_symlink(), f"{OUT} is missing (or not a regular file)"
    return [[cell.strip() for cell in row] for row in csv.reader(OUT.read_text().splitlines()) if row]


def test_header():
    got = rows()
    assert got and got[0] == EXPECTED["header"], f"header {got[:1]}, want {EXPECTED['header']}"


def test_counts():
    got = sorted(tuple(r) for r in rows()[1:])
    want = sorted(tuple(r) for r in EXPECTED["rows"])
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert not missing and not extra, f"missing rows {missing[:5]}, unexpected rows {extra[:5]}"
    assert len(got) == len(want), "duplicate rows"


def test_order():
    assert rows()[1:] == EXPECTED["rows"], "rows are not in the required order"
