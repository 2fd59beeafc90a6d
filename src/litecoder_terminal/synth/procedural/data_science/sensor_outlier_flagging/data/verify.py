"""The agent's outlier flags, per-sensor summary (and cleaned copy) against the results computed when the task was
made (hidden in expected.json): flagged rows exactly and in order, statistics to 1e-6, counts as integers."""

import csv
import json
from pathlib import Path

import lct_verify

FLAGS, SUMMARY, CLEAN = Path("@@flags@@"), Path("@@summary@@"), "@@clean@@"
EXPECTED = lct_verify.expected()
TOL = 2e-6


def csv_rows(path):
    assert path.is_file() and not path.is_symlink(), f"{path} is missing (or not a regular file)"
    with path.open(newline="") as fh:
        return [[c.strip() for c in r] for r in csv.reader(fh) if r]


def test_export_untouched():
    assert lct_verify.untouched() == [], f"export files changed: {lct_verify.untouched()}"


def test_flag_header():
    got = csv_rows(FLAGS)
    assert got and got[0] == ["timestamp", "sensor_id", "value", "direction"], f"bad header {got[:1]}"


def test_flagged_rows():
    got, want = csv_rows(FLAGS)[1:], EXPECTED["flags"]
    missing = [w for w in want if w not in got]
    extra = [g for g in got if g not in want]
    assert not missing and not extra, f"missing flags {missing[:5]}, unexpected flags {extra[:5]}"
    assert got == want, "flagged rows are not sorted by sensor_id, then timestamp (or are duplicated)"


def test_summary():
    assert SUMMARY.is_file() and not SUMMARY.is_symlink(), f"{SUMMARY} is missing (or not a regular file)"
    got = json.loads(SUMMARY.read_text())
    want = EXPECTED["summary"]
    assert isinstance(got, dict) and sorted(got) == sorted(want), f"sensors {sorted(got)} != {sorted(want)}"
    for sid, fields in want.items():
        assert isinstance(got[sid], dict), f"{sid}: not an object"
        for key, val in fields.items():
            assert key in got[sid], f"{sid}: missing {key}"
            g = got[sid][key]
            if key in ("n", "outliers"):
                assert type(g) is int and g == val, f"{sid}.{key}: {g!r} != {val} (an integer)"
            else:
                assert type(g) in (int, float) and abs(g - val) <= TOL * max(1.0, abs(val)), \
                    f"{sid}.{key}: {g!r} != {val}"


if CLEAN:  # only instances that ask for a cleaned copy have this test
    def test_clean_copy():
        got, want = csv_rows(Path(CLEAN)), EXPECTED["clean"]
        assert got and got[0] == ["timestamp", "sensor_id", "value"], f"bad header {got[:1]}"
        assert len(got) - 1 == len(want), f"{len(got) - 1} rows, expected {len(want)}"
        for i, (g, (ts, sid, value)) in enumerate(zip(got[1:], want), 1):
            assert len(g) == 3 and g[:2] == [ts, sid], f"row {i}: {g[:2]} != {[ts, sid]} (input order)"
            try:
                v = float(g[2])
            except ValueError:
                raise AssertionError(f"row {i}: value {g[2]!r} is not a number") from None
            assert abs(v - value) <= 6e-5, f"row {i}: value {g[2]} != {value}"
