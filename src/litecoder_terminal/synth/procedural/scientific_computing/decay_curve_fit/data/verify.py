"""Compare the agent's fit result with the least-squares optimum computed when the task was made
(tests/expected.json): each check is a field of the result, the value it must have and its tolerance."""

import json
import math
from pathlib import Path

import lct_verify

EXP = lct_verify.expected()
OUT = "@@out@@"


def result():
    p = Path(OUT)
    assert p.is_file() and not p.is_symlink(), f"{OUT} is missing (or not a regular file)"
    try:
        got = json.loads(p.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise AssertionError(f"{OUT} is not JSON: {e}") from None
    assert isinstance(got, dict), f"{OUT} must hold one JSON object"
    return got


def field(got, path):
    value = got
    for key in path:
        assert isinstance(value, dict) and key in value, f"{OUT}: no field {'.'.join(path)}"
        value = value[key]
    return value


def check(group):
    got = result()
    items = [c for c in EXP["checks"] if c[0] == group]
    assert items, f"no checks in group {group}"
    for _, path, want, tol in items:
        value = field(got, path)
        name = ".".join(path)
        if isinstance(want, int):
            assert type(value) is int and value == want, f"{name}: {value!r} != {want}"
            continue
        assert type(value) in (int, float) and math.isfinite(value), f"{name}: {value!r} is not a number"
        assert abs(value - want) <= tol, f"{name}: {value} != {want:.10g} (tolerance {tol:.3g})"


def test_fields_are_the_asked_ones():
    got = result()
    assert sorted(got) == sorted(EXP["keys"]), f"fields {sorted(got)} != {sorted(EXP['keys'])}"
    if "detectors" in EXP["keys"]:
        assert sorted(got["detectors"]) == sorted(EXP["detectors"]), "detector names"


def test_time_constant():
    check("time")


def test_amplitudes_and_offsets():
    check("params")


for _group in sorted({c[0] for c in EXP["checks"]} - {"time", "params"}):
    def _test(group=_group):
        check(group)
    globals()[f"test_{_group}"] = _test
