"""Compare the node voltages, voltage-source currents and resistor powers with the DC solution computed when the
task was made (tests/expected.json)."""

import csv
import math
from pathlib import Path

import lct_verify

EXP = lct_verify.expected()
VOLTS, SOURCES, POWER = "@@volts@@", "@@sources@@", "@@power@@"


def read(path, header):
    p = Path(path)
    assert p.is_file() and not p.is_symlink(), f"{path} is missing (or not a regular file)"
    rows = [[c.strip() for c in r] for r in csv.reader(p.read_text().splitlines()) if r]
    assert rows and rows[0] == header, f"{path}: header {rows[:1]} != {header}"
    assert all(len(r) == 2 for r in rows[1:]), f"{path}: every row needs 2 fields"
    return rows[1:]


def num(text, what):
    try:
        x = float(text)
    except ValueError:
        raise AssertionError(f"{what}: {text!r} is not a number") from None
    assert math.isfinite(x), f"{what}: {text!r} is not finite"
    return x


TOL = 0.5e-6 + 1e-10  # half a unit of the 6th decimal the instruction asks for (+ float noise)


def check(rows, want, what, factor=1.0):
    for name, got in rows:
        g = num(got, f"{what}({name})")
        assert abs(g - want[name] * factor) <= TOL, f"{what}({name}): {got} != {want[name] * factor:.6f}"


def test_node_voltages():
    rows = read(VOLTS, ["node", "voltage"])
    assert [r[0] for r in rows] == sorted(EXP["volts"]), f"nodes {[r[0] for r in rows]} != {sorted(EXP['volts'])}"
    check(rows, EXP["volts"], "V")


if SOURCES:
    def test_source_currents():
        rows = read(SOURCES, ["source", "current"])
        assert [r[0] for r in rows] == sorted(EXP["currents"]), f"sources {[r[0] for r in rows]}"
        check(rows, EXP["currents"], "I", 1e3)


if POWER:
    def test_resistor_power():
        rows = read(POWER, ["resistor", "power"])
        assert sorted(r[0] for r in rows) == sorted(EXP["power"]), "resistor list"
        assert len(rows) == len(EXP["power"]), "each resistor once"
        check(rows, EXP["power"], "P", 1e3)
        got = [num(p, name) for name, p in rows]
        assert all(a >= b - 2 * TOL for a, b in zip(got, got[1:])), "not sorted by power, largest first"
