"""Re-integrate the model from the true SI parameters (tests/expected.json) with scipy at a tight tolerance and
compare: every state value rounded to its stated decimals, the grid, and the located event."""

import csv
import json
import math
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

EXP = __import__("lct_verify").expected()


def model_setup(p):
    model = EXP["model"]
    if model == "oscillator":
        m, k, c, f0, w = p["mass"], p["stiffness"], p["damping"], p["force_amplitude"], p["drive_frequency"]
        return (lambda t, y: [y[1], (f0 * math.cos(w * t) - c * y[1] - k * y[0]) / m]), [p["x0"], p["v0"]], \
            (lambda t, y: y[0]), 1
    if model == "sir":
        n, b, g = p["population"], p["beta"], p["gamma"]
        return (lambda t, y: [-b * y[0] * y[1] / n, b * y[0] * y[1] / n - g * y[1], g * y[1]]), \
            [n - p["initial_infected"], p["initial_infected"], 0.0], \
            (lambda t, y: b * y[0] * y[1] / n - g * y[1]), 1
    if model == "lotka_volterra":
        a, b, g, d = p["alpha"], p["beta"], p["gamma"], p["delta"]
        return (lambda t, y: [a * y[0] - b * y[0] * y[1], d * y[0] * y[1] - g * y[1]]), \
            [p["prey0"], p["predator0"]], (lambda t, y: d * y[0] * y[1] - g * y[1]), 1
    L, g, b = p["length"], p["gravity"], p["damping"]
    return (lambda t, y: [y[1], -(g / L) * math.sin(y[0]) - b * y[1]]), [p["theta0"], p["omega0"]], \
        (lambda t, y: y[0]), 0


def reference(sid):
    rhs, y0, ev, vi = model_setup(EXP["scenarios"][sid])
    ev.direction = -1
    ts = np.linspace(0.0, EXP["t_end"], EXP["n"])
    sol = solve_ivp(rhs, (0.0, EXP["t_end"]), y0, method="DOP853", t_eval=ts, events=ev, rtol=1e-13,
                    atol=1e-13, dense_output=True)
    assert sol.success, f"reference integration failed: {sol.message}"
    te = [t for t in sol.t_events[0] if t > 1e-9]
    return ts, sol.y.T, (te[0], float(sol.sol(te[0])[vi])) if te else None


def read(path):
    p = Path(path)
    assert p.is_file() and not p.is_symlink(), f"{path} is missing (or not a regular file)"
    return p.read_text()


def check_trajectory(sid):
    ts, Y, _ = reference(sid)
    path = EXP["traj"][sid]
    rows = [r for r in csv.reader(read(path).splitlines()) if r]
    assert rows, f"{path} is empty"
    assert [c.strip() for c in rows[0]] == ["t"] + EXP["state"], f"{path}: header {rows[0]}"
    try:
        data = np.array([[float(x) for x in r] for r in rows[1:]])
    except ValueError as e:
        raise AssertionError(f"{path}: {e}") from None
    want = (len(ts), 1 + len(EXP["state"]))
    assert data.ndim == 2 and data.shape == want, f"{path}: shape {data.shape}, expected {want}"
    assert np.all(np.isfinite(data)), f"{path}: non-finite values"
    assert np.allclose(data[:, 0], ts, rtol=0, atol=1e-9 * max(1.0, EXP["t_end"])), f"{path}: time column is not the grid"
    for j, name in enumerate(EXP["state"]):
        unit = 10.0 ** -EXP["decimals"][name]
        err = np.abs(data[:, j + 1] - Y[:, j])
        worst = int(np.argmax(err))
        assert err[worst] <= 0.5 * unit + 0.02 * unit, \
            f"{sid}: column {name} at t={ts[worst]:g} is {data[worst, j + 1]!r}, exact {Y[worst, j]:.12g} " \
            f"(rounded to {EXP['decimals'][name]} decimals it must be within half a unit)"


def _make(sid):
    def check():
        check_trajectory(sid)
    return check


for _sid in EXP["traj"]:
    globals()[f"test_trajectory_{_sid}"] = _make(_sid)


if EXP["summary"]:
    def test_event_summary():
        try:
            got = json.loads(read(EXP["summary"]))
        except ValueError as e:
            raise AssertionError(f"{EXP['summary']} is not JSON: {e}") from None
        assert isinstance(got, dict), f"{EXP['summary']} must hold an object"
        if not EXP["sheet"]:
            got = {"main": got}
        tkey, vkey = EXP["event"]
        assert sorted(got) == sorted(EXP["traj"]), f"scenarios {sorted(got)} != {sorted(EXP['traj'])}"
        for sid in EXP["traj"]:
            _, Y, ev = reference(sid)
            assert ev is not None, f"{sid}: the reference finds no event"
            entry = got[sid]
            assert isinstance(entry, dict) and sorted(entry) == sorted([tkey, vkey]), f"{sid}: keys {entry!r}"
            t, v = entry[tkey], entry[vkey]
            assert type(t) in (int, float) and type(v) in (int, float), f"{sid}: non-numeric event values"
            assert abs(t - ev[0]) <= 1e-3, f"{sid}: {tkey} {t} != {ev[0]:.6f}"
            vscale = max(abs(ev[1]), 1e-3 * np.max(np.abs(Y)))
            assert abs(v - ev[1]) <= 1e-4 * vscale + 1e-9, f"{sid}: {vkey} {v} != {ev[1]:.8g}"
