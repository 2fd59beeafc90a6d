"""Compare the agent's verdict table with the trace computed when the task was made (tests/expected.json holds
it; nothing of it is in the agent's image)."""

import csv
import io
import os

import lct_verify

EXP = lct_verify.expected()
OUT = "@@out@@"


def rows():
    assert os.path.isfile(OUT) and not os.path.islink(OUT), f"{OUT} is missing or not a regular file"
    with open(OUT, "rb") as f:
        text = f.read().decode("utf-8")
    table = [r for r in csv.reader(io.StringIO(text)) if r]
    assert table and table[0] == ["id", "verdict", "rule"], f"{OUT}: header {table[:1]}"
    bad = [r for r in table[1:] if len(r) != 3]
    assert not bad, f"{OUT}: rows without exactly three fields, e.g. {bad[:3]}"
    return table[1:]


def test_one_row_per_packet_in_order():
    got = [r[0] for r in rows()]
    assert got == [r[0] for r in EXP["rows"]], f"ids {got[:8]}..., expected {[r[0] for r in EXP['rows']][:8]}..."


def test_verdicts():
    want = {r[0]: r[1] for r in EXP["rows"]}
    wrong = [(i, v, want.get(i)) for i, v, _ in rows() if want.get(i) != v]
    assert not wrong, f"{len(wrong)} wrong verdicts, e.g. (id, got, expected) {wrong[:5]}"


def test_deciding_rules():
    want = {r[0]: r[2] for r in EXP["rows"]}
    wrong = [(i, m, want.get(i)) for i, _, m in rows() if want.get(i) != m]
    assert not wrong, f"{len(wrong)} wrong deciding rules, e.g. (id, got, expected) {wrong[:5]}"
