"""The agent's report against the answers computed when the task was made (hidden in expected.json): exactly the
asked keys, every figure to the cent, integers as integers, rankings in order; the export left untouched."""

import json
from pathlib import Path

import pytest

import lct_verify

OUT = Path("@@out@@")
ANSWERS = lct_verify.expected()["answers"]
TOL = 0.005  # half a cent: the figures are rounded to cents, so a right answer is exact up to float printing


def report():
    assert OUT.is_file() and not OUT.is_symlink(), f"{OUT} is missing (or not a regular file)"
    try:
        data = json.loads(OUT.read_text())
    except ValueError as e:
        raise AssertionError(f"{OUT} is not valid JSON: {e}") from None
    assert isinstance(data, dict), f"{OUT} must hold one JSON object, not a {type(data).__name__}"
    return data


def check(got, exp, where):
    if isinstance(exp, dict):
        assert isinstance(got, dict), f"{where}: expected an object, got {got!r}"
        assert sorted(got) == sorted(exp), f"{where}: keys {sorted(got)} != {sorted(exp)}"
        for k in exp:
            check(got[k], exp[k], f"{where}.{k}")
    elif isinstance(exp, list):
        assert isinstance(got, list) and len(got) == len(exp), f"{where}: expected a list of {len(exp)}, got {got!r}"
        for i, (g, e) in enumerate(zip(got, exp)):
            check(g, e, f"{where}[{i}]")
    elif isinstance(exp, str):
        assert isinstance(got, str) and got == exp, f"{where}: {got!r} != {exp!r}"
    elif isinstance(exp, int):
        assert type(got) is int and got == exp, f"{where}: {got!r} != {exp!r} (an integer)"
    else:
        assert type(got) in (int, float) and abs(got - exp) <= TOL, f"{where}: {got!r} != {exp!r}"


def test_export_untouched():
    assert lct_verify.untouched() == [], f"inputs changed: {lct_verify.untouched()}"


def test_exactly_the_asked_keys():
    assert sorted(report()) == sorted(ANSWERS)


@pytest.mark.parametrize("key", sorted(ANSWERS))
def test_answer(key):
    got = report()
    assert key in got, f"missing key {key}"
    check(got[key], ANSWERS[key], key)
