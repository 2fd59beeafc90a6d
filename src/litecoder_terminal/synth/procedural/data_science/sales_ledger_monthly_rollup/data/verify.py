"""The agent's roll-up (and cleaning summary) against the figures computed when the task was made (hidden in
expected.json): the exact header, every (month, region) row in order with exact counts and cents; ledger untouched."""

import csv
import json
import re
from pathlib import Path

import lct_verify

OUT = Path("@@out@@")
SUMMARY = "@@summary@@"
EXPECTED = lct_verify.expected()


def rows():
    assert OUT.is_file() and not OUT.is_symlink(), f"{OUT} is missing (or not a regular file)"
    with OUT.open(newline="") as fh:
        return [[c.strip() for c in r] for r in csv.reader(fh) if r]


def test_ledger_untouched():
    assert lct_verify.untouched() == [], f"ledger files changed: {lct_verify.untouched()}"


def test_header():
    got = rows()
    assert got and got[0] == EXPECTED["header"], f"header {got[:1]}, want {EXPECTED['header']}"


def test_groups_in_order():
    got = [r[:2] for r in rows()[1:]]
    want = [r[:2] for r in EXPECTED["rows"]]
    assert got == want, f"(month, region) rows differ: missing {[w for w in want if w not in got][:5]}, " \
                        f"unexpected {[g for g in got if g not in want][:5]}"


def test_orders_units_revenue():
    got = {(r[0], r[1]): r for r in rows()[1:]}
    for exp in EXPECTED["rows"]:
        r = got.get((exp[0], exp[1]))
        assert r is not None and len(r) == 5, f"missing or malformed row {exp[:2]}: {r}"
        assert re.fullmatch(r"\d+", r[2]) and int(r[2]) == int(exp[2]), f"orders for {exp[:2]}: {r[2]} != {exp[2]}"
        assert re.fullmatch(r"\d+", r[3]) and int(r[3]) == int(exp[3]), f"units for {exp[:2]}: {r[3]} != {exp[3]}"
        assert re.fullmatch(r"\d+\.\d\d", r[4]), f"revenue for {exp[:2]} not written with two decimals: {r[4]!r}"
        assert r[4] == exp[4], f"revenue for {exp[:2]}: {r[4]} != {exp[4]}"


if SUMMARY:  # only instances that ask for a cleaning summary have this test
    def test_cleaning_summary():
        path = Path(SUMMARY)
        assert path.is_file() and not path.is_symlink(), f"{path} is missing (or not a regular file)"
        got = json.loads(path.read_text())
        assert isinstance(got, dict), f"{path} must hold a JSON object"
        for key, value in EXPECTED["summary"].items():
            assert lct_verify.same(got.get(key), value), f"{key}: {got.get(key)!r} != {value} (an integer)"
