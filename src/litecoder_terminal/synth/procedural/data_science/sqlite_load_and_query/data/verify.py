"""Check the database against the CSV exports (tables, declared types, stored types, NULLs) and every answer file
against the answers computed when the task was made (tests/expected.json)."""

import csv
import shutil
import sqlite3
import tempfile
from pathlib import Path

import lct_verify

EXP = lct_verify.expected()
MONEY = ("total", "open_total", "amount")


def regular(path):
    p = Path(path)
    assert not p.is_symlink() and p.is_file(), f"{path} is missing (or not a regular file)"
    return p


def connect():
    """A read-only connection to a private copy of the database (so nothing is written beside the agent's file)."""
    src = regular(EXP["db"])
    tmp = Path(tempfile.mkdtemp()) / "copy.db"
    shutil.copyfile(src, tmp)
    wal = Path(EXP["db"] + "-wal")
    if wal.is_file() and not wal.is_symlink():
        shutil.copyfile(wal, str(tmp) + "-wal")
    return sqlite3.connect(f"file:{tmp}?mode=ro", uri=True)


def test_exports_untouched():
    assert lct_verify.untouched() == [], f"exports modified: {lct_verify.untouched()}"


def test_schema():
    con = connect()
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)], f"{EXP['db']} is not a sound database"
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(EXP["schema"]), f"tables {sorted(tables)} != {sorted(EXP['schema'])}"
    for table, cols in EXP["schema"].items():
        info = con.execute(f"PRAGMA table_info({table})").fetchall()
        got = [[r[1], r[2].upper().split()[0] if r[2] else ""] for r in info]
        assert got == cols, f"{table}: columns {got} != {cols}"


def test_values_typed_and_nulls():
    con = connect()
    for table, cols in EXP["schema"].items():
        with open(f"{EXP['in_dir']}/{table}.csv", newline="") as fh:
            src = list(csv.reader(fh))[1:]
        names = ", ".join(c for c, _ in cols)
        got = con.execute(f"SELECT {names} FROM {table} ORDER BY {cols[0][0]}, {cols[1][0]}").fetchall()
        assert len(got) == len(src), f"{table}: {len(got)} rows, the export has {len(src)}"
        key = lambda r: (int(r[0]), int(r[1]) if cols[1][1] == "INTEGER" else r[1])  # noqa: E731
        src.sort(key=key)
        for s, g in zip(src, got):
            for (col, ty), want, have in zip(cols, s, g):
                where = f"{table}.{col} of row {s[:2]}"
                if want == "":
                    assert have is None, f"{where}: an empty field must be NULL, got {have!r}"
                elif ty == "INTEGER":
                    assert type(have) is int and have == int(want), f"{where}: {have!r} != {want}"
                elif ty == "REAL":
                    # exact: the CSV's decimal text read as a double, as SQLite's REAL affinity does
                    assert type(have) in (int, float) and have == float(want), f"{where}: {have!r} != {want}"
                else:
                    assert type(have) is str and have == want, f"{where}: {have!r} != {want!r}"


def _make(q, spec):
    def check():
        with open(regular(spec["path"]), newline="") as fh:
            got = [r for r in csv.reader(fh) if r]
        assert got, f"{spec['path']} is empty"
        assert [c.strip() for c in got[0]] == spec["header"], f"{spec['path']}: header {got[0]} != {spec['header']}"
        rows = got[1:]
        assert len(rows) == len(spec["rows"]), f"{spec['path']}: {len(rows)} rows, expected {len(spec['rows'])}"
        for i, (g, e) in enumerate(zip(rows, spec["rows"]), 1):
            assert len(g) == len(e), f"{spec['path']} row {i}: {g}"
            for col, have, want in zip(spec["header"], g, e):
                have = have.strip()
                if col in MONEY:
                    assert have.rpartition(".")[2].isdigit() and len(have.rpartition(".")[2]) == 2 and "." in have, \
                        f"{spec['path']} row {i} {col}: {have!r} is not money with two decimals"
                    assert abs(float(have) - float(want)) < 0.006, f"{spec['path']} row {i} {col}: {have} != {want}"
                else:
                    assert have == str(want), f"{spec['path']} row {i} {col}: {have!r} != {want!r}"
    check.__name__ = f"test_answer_{q}"
    return check


for _q, _spec in EXP["answers"].items():
    globals()[f"test_answer_{_q}"] = _make(_q, _spec)
