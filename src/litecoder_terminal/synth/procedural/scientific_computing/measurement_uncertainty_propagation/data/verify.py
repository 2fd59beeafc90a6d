"""Compare each sample's derived value and uncertainty (and, when asked, the incomplete list and the weighted
mean) with the values computed when the task was made (tests/expected.json)."""

import csv
import json
import math
from pathlib import Path

import lct_verify

EXP = lct_verify.expected()
RESULTS, INCOMPLETE, SUMMARY = "@@results@@", "@@incomplete@@", "@@summary@@"


def read(path):
    p = Path(path)
    assert p.is_file() and not p.is_symlink(), f"{path} is missing (or not a regular file)"
    return p.read_text()


def rows():
    got = [[c.strip() for c in r] for r in csv.reader(read(RESULTS).splitlines()) if r]
    assert got, f"{RESULTS} is empty"
    res = EXP["result"]
    assert got[0] == ["sample", res, res + "_unc"], f"{RESULTS}: header {got[0]}"
    assert all(len(r) == 3 for r in got[1:]), f"{RESULTS}: every row needs 3 fields"
    return got[1:]


def num(text, what):
    try:
        return float(text)
    except ValueError:
        raise AssertionError(f"{what}: {text!r} is not a number") from None


def close(got, want, rel):
    return abs(got - want) <= rel * abs(want)


def rounded(got, want):
    """Within half a unit of the 8th significant digit of `want` (the precision the instruction asks for)."""
    unit = 10.0 ** (math.floor(math.log10(abs(want))) - 7)
    return abs(got - want) <= 0.5 * unit + 1e-12 * abs(want)


def test_samples_listed_in_order():
    assert [r[0] for r in rows()] == sorted(EXP["results"]), "wrong samples or order"


def test_values():
    for sample, v, _ in rows():
        want = EXP["results"][sample][0]
        assert rounded(num(v, sample), want), f"{sample}: {v} != {want:.8g}"


def test_uncertainties():
    for sample, _, u in rows():
        want = EXP["results"][sample][1]
        assert rounded(num(u, sample), want), f"{sample}: uncertainty {u} != {want:.8g}"


if INCOMPLETE:
    def test_incomplete_samples():
        got = [line.strip() for line in read(INCOMPLETE).splitlines() if line.strip()]
        assert got == EXP["incomplete"], f"incomplete {got} != {EXP['incomplete']}"

    def test_weighted_mean():
        try:
            s = json.loads(read(SUMMARY))
        except json.JSONDecodeError as e:
            raise AssertionError(f"{SUMMARY} is not JSON: {e}") from None
        assert isinstance(s, dict), f"{SUMMARY} must hold an object"
        n = s.get("n_samples")
        assert type(n) in (int, float) and n == len(EXP["results"]), f"n_samples {n!r} != {len(EXP['results'])}"
        for key, rel in (("weighted_mean", 1e-6), ("weighted_mean_unc", 1e-4)):
            got = s.get(key)
            assert type(got) in (int, float), f"{key}: {got!r} is not a number"
            assert close(got, EXP[key], rel), f"{key} {got} != {EXP[key]:.10g}"
