"""Recompute every stage from the pristine raw inputs with the verifier's own code (cleaning rules and fit settings
from tests/expected.json) and compare with the agent's intermediate and final files."""

import csv
import json
import math
from datetime import datetime
from pathlib import Path
from statistics import median

import lct_verify
import numpy as np
from scipy.optimize import least_squares

P = lct_verify.expected()
PATHS = P["paths"]
ROUND6 = 0.5e-6 + 2e-9  # half a unit of the 6th decimal (+ float noise)


def text(path):
    p = Path(path)
    assert not p.is_symlink() and p.is_file(), f"{path} is missing (or not a regular file)"
    return p.read_text()


def load_json(path):
    try:
        value = json.loads(text(path))
    except ValueError as e:
        raise AssertionError(f"{path} is not JSON: {e}") from None
    assert isinstance(value, dict), f"{path} must hold a JSON object"
    return value


def number(value, what):
    assert type(value) in (int, float) and math.isfinite(value), f"{what}: {value!r} is not a finite number"
    return float(value)


def ref_clean():
    with open(P["raw"], newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["channel"] == P["channel"] and r["status"] == "OK"]
    if P["dedupe"]:
        seen, uniq = set(), []
        for r in rows:
            if r["timestamp"] not in seen:
                seen.add(r["timestamp"])
                uniq.append(r)
        rows = uniq
    rows.sort(key=lambda r: r["timestamp"])
    mv = [float(r["mV"]) for r in rows]
    keep = list(range(len(rows)))
    if P["despike"]:
        keep = [i for i in keep if abs(mv[i] - median(mv[max(0, i - 2):i + 3])) <= P["spike_mv"]]
    t0 = datetime.fromisoformat(rows[keep[0]]["timestamp"])
    return [((datetime.fromisoformat(rows[i]["timestamp"]) - t0).total_seconds(), mv[i]) for i in keep]


def ref_calibration():
    d = np.loadtxt(P["cal"], delimiter=",", skiprows=1)
    coef = np.polyfit(d[:, 1], d[:, 0], P["degree"])[::-1]
    resid = d[:, 0] - np.polyval(coef[::-1], d[:, 1])
    return coef, float(np.sqrt(np.mean(resid ** 2))), d


def ref_fit():
    coef = ref_calibration()[0]
    clean = ref_clean()
    t = np.array([c[0] for c in clean])
    v = np.array([c[1] for c in clean])
    T = sum(c * v ** i for i, c in enumerate(coef))
    r = least_squares(lambda p: p[0] + (p[1] - p[0]) * np.exp(-t / p[2]) - T, P["p0"], xtol=1e-15, ftol=1e-15,
                      gtol=1e-15, max_nfev=20000)
    return r.x, t, T


def read_csv(path, header):
    rows = [[c.strip() for c in r] for r in csv.reader(text(path).splitlines()) if r]
    assert rows and rows[0] == header, f"{path}: header {rows[:1]} != {header}"
    try:
        return [[float(x) for x in r] for r in rows[1:]], rows[1:]
    except ValueError as e:
        raise AssertionError(f"{path}: {e}") from None


def test_inputs_untouched():
    assert lct_verify.untouched() == [], f"inputs modified: {lct_verify.untouched()}"


def test_stage1_clean():
    exp = ref_clean()
    got, _ = read_csv(PATHS["clean"], ["t_s", "mV"])
    assert len(got) == len(exp), f"{len(got)} clean samples, expected {len(exp)}"
    for i, (g, e) in enumerate(zip(got, exp), 1):
        assert len(g) == 2 and abs(g[0] - e[0]) < 1e-6 and abs(g[1] - e[1]) < 1e-9, f"row {i}: {g} != {list(e)}"


def test_stage2_calibration():
    coef, rms, d = ref_calibration()
    got = load_json(PATHS["calibration"])
    keys = [f"c{i}" for i in range(len(coef))]
    assert all(k in got for k in keys), f"missing coefficients {keys}"
    assert P["degree"] == 2 or "c2" not in got or number(got["c2"], "c2") == 0, "calibration is not linear"
    v = np.linspace(d[:, 1].min(), d[:, 1].max(), 50)
    mine = sum(number(got[k], k) * v ** i for i, k in enumerate(keys))
    ref = sum(c * v ** i for i, c in enumerate(coef))
    assert np.max(np.abs(mine - ref)) < 1e-5, "calibration curve differs from the least-squares fit"
    have = number(got.get("rms_residual_C"), "rms_residual_C")
    assert abs(have - rms) <= 1e-4 * rms + 1e-9, f"rms_residual_C {have} != {rms}"


def test_stage3_temperature():
    _, t, T = ref_fit()
    got, raw = read_csv(PATHS["temperature"], ["t_s", "temp_C"])
    assert len(got) == len(T), f"{len(got)} rows, expected {len(T)}"
    assert all(len(r) == 2 for r in got), "every row needs t_s,temp_C"
    g = np.array(got)
    assert np.max(np.abs(g[:, 0] - t)) < 1e-6, "time column differs from the clean samples"
    worst = int(np.argmax(np.abs(g[:, 1] - T)))
    assert abs(g[worst, 1] - T[worst]) <= ROUND6, \
        f"row {worst + 1}: temp_C {raw[worst][1]} is not {T[worst]:.9f} rounded to 6 decimals"


def test_stage4_cooling_fit():
    p = ref_fit()[0]
    got = load_json(PATHS["fit"])
    for key, want in zip(("ambient_C", "initial_C", "tau_s"), p):
        have = number(got.get(key), key)
        assert abs(have - want) <= 1e-4 * abs(want), f"{key}: {have} != {want:.8g}"


def test_stage5_prediction():
    ta, t0, tau = ref_fit()[0]
    got = load_json(PATHS["prediction"])
    want = tau * math.log((t0 - ta) / (P["threshold"] - ta))
    have = number(got.get("t_reach_s"), "t_reach_s")
    assert abs(have - want) <= 1e-4 * want, f"t_reach_s {have} != {want:.6g}"
    at = got.get("temp_at")
    assert isinstance(at, dict) and sorted(at) == sorted(str(h) for h in P["horizon"]), f"temp_at keys {at!r}"
    for h in P["horizon"]:
        w = ta + (t0 - ta) * math.exp(-h / tau)
        have = number(at[str(h)], f"temp_at[{h}]")
        assert abs(have - w) <= 1e-3, f"temp_at[{h}] {have} != {w:.5f}"
