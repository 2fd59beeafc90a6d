"""Each stage of the pipeline is checked against the stage outputs computed when the task was made
(tests/expected.json); the exports must be untouched."""

import csv
import json
from pathlib import Path

import lct_verify

E = lct_verify.expected()
P = E["paths"]


def text(path):
    p = Path(path)
    assert not p.is_symlink() and p.is_file(), f"{path} is missing (or not a regular file)"
    return p.read_text()


def read(path):
    return [[c.strip() for c in r] for r in csv.reader(text(path).splitlines()) if r]


def money_eq(a, b, tol=0.006):
    return a.count(".") == 1 and len(a.split(".")[-1]) == 2 and abs(float(a) - float(b)) < tol


def test_exports_untouched():
    assert lct_verify.untouched() == [], f"exports modified: {lct_verify.untouched()}"


def test_stage1_staging():
    rows = read(P["staging"])
    assert rows and rows[0] == ["store", "txn_id", "local_time", "sku", "qty", "amount"], f"header {rows[:1]}"
    got, exp = rows[1:], E["staging"]
    assert len(got) == len(exp), f"{len(got)} staging rows, expected {len(exp)}"
    assert all(len(r) == 6 for r in got), "every staging row needs 6 fields"
    norm = lambda r: (r[0], r[1], r[2], r[3], int(r[4]), round(float(r[5]), 2))  # noqa: E731
    assert sorted(map(norm, got)) == sorted(map(norm, exp)), "staging rows differ from the exports"
    assert all(len(r[5].split(".")[-1]) == 2 for r in got), "amounts need two decimals"
    keys = [(r[0], r[2], r[1]) for r in got]
    assert keys == sorted(keys), "staging is not sorted by store, local_time, txn_id"


def test_stage2_clean():
    rows = read(P["clean"])
    assert rows and rows[0] == ["store", "txn_id", "utc_time", "sku", "qty", "amount_usd"], f"header {rows[:1]}"
    got, exp = rows[1:], E["clean"]
    assert len(got) == len(exp), f"{len(got)} clean rows, expected {len(exp)}"
    for i, (g, e) in enumerate(zip(got, exp), 1):
        assert len(g) == 6 and g[:5] == e[:5], f"row {i}: {g} != {e}"
        assert money_eq(g[5], e[5]), f"row {i} amount_usd: {g[5]} != {e[5]}"


def test_stage3_daily():
    rows = read(P["daily"])
    assert rows and rows[0] == ["date", "store", "transactions", "units", "revenue_usd"], f"header {rows[:1]}"
    got, exp = rows[1:], E["daily"]
    assert [g[:2] for g in got] == [e[:2] for e in exp], "wrong (date, store) rows or order"
    for g, e in zip(got, exp):
        assert len(g) == 5 and g[2:4] == e[2:4], f"{e[:2]}: counts {g[2:]} != {e[2:4]}"
        assert money_eq(g[4], e[4]), f"{e[:2]}: revenue {g[4]} != {e[4]}"


def test_stage4_report():
    try:
        got = json.loads(text(P["report"]))
    except ValueError as e:
        raise AssertionError(f"{P['report']} is not JSON: {e}") from None
    exp = E["report"]
    assert isinstance(got, dict), f"{P['report']} must hold a JSON object"
    for key in ("rows_ingested", "duplicates_removed", "invalid_removed", "rows_clean"):
        assert lct_verify.same(got.get(key), exp[key]), f"{key}: {got.get(key)!r} != {exp[key]}"
    total = got.get("total_revenue_usd")
    assert type(total) in (int, float) and abs(total - exp["total_revenue_usd"]) < 0.006, \
        f"total_revenue_usd: {total!r} != {exp['total_revenue_usd']}"
    for key in ("best_store", "best_day", "top_sku"):
        assert lct_verify.same(got.get(key), exp[key]), f"{key}: {got.get(key)!r} != {exp[key]}"
