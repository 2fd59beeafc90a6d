#!/bin/bash
# Alternative: one Python program with the csv module and numpy only: the calibration by lstsq on a Vandermonde
# matrix, the cooling fit by Gauss-Newton on (Ta, T0, 1/tau) started from a log-linear estimate; settings read with
# configparser.
set -euo pipefail
python3 - <<'PY'
import configparser, csv, json, math, os
from datetime import datetime
import numpy as np

cfg = configparser.ConfigParser()
cfg.read("/app/analysis.conf")
inp, cl, res = cfg["inputs"], cfg["clean"], cfg["results"]
for key in ("clean", "calibration", "temperature", "fit", "prediction"):
    os.makedirs(os.path.dirname(res[key]), exist_ok=True)

rows, seen = [], set()
with open(inp["raw"], newline="") as fh:
    for r in csv.DictReader(fh):
        if r["channel"] == cl["channel"] and r["status"] == "OK" and r["timestamp"] not in seen:
            seen.add(r["timestamp"])
            rows.append(r)
rows.sort(key=lambda r: r["timestamp"])
mv = np.array([float(r["mV"]) for r in rows])
keep = np.ones(len(rows), bool)
if cl["despike_mV"] != "none":
    lim = float(cl["despike_mV"])
    for i in range(len(rows)):
        keep[i] = abs(mv[i] - np.median(mv[max(0, i - 2):i + 3])) <= lim
idx = np.flatnonzero(keep)
t0 = datetime.fromisoformat(rows[idx[0]]["timestamp"])
t = np.array([(datetime.fromisoformat(rows[i]["timestamp"]) - t0).total_seconds() for i in idx])
with open(res["clean"], "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["t_s", "mV"])
    w.writerows([f"{t[k]:.0f}", rows[i]["mV"]] for k, i in enumerate(idx))

cal = np.array([[float(x) for x in r] for r in list(csv.reader(open(inp["bath_calibration"])))[1:]])
deg = int(cfg["calibration"]["degree"])
A = np.vander(cal[:, 1], deg + 1, increasing=True)
coef, *_ = np.linalg.lstsq(A, cal[:, 0], rcond=None)
resid = cal[:, 0] - A @ coef
calib = {f"c{i}": float(c) for i, c in enumerate(coef)} | {"rms_residual_C": float(np.sqrt(np.mean(resid ** 2)))}
json.dump(calib, open(res["calibration"], "w"))

T = np.vander(mv[idx], deg + 1, increasing=True) @ coef
with open(res["temperature"], "w") as fh:
    fh.write("t_s,temp_C\n" + "".join(f"{a:.0f},{b:.6f}\n" for a, b in zip(t, T)))
T = np.round(T, 6)

# log-linear start: ambient a bit under the last reading
ta = T[-1] - 0.05 * (T[0] - T[-1])
slope, icept = np.polyfit(t, np.log(T - ta), 1)
p = np.array([ta, ta + math.exp(icept), -slope])  # Ta, T0, k = 1/tau
for _ in range(200):
    e = np.exp(-p[2] * t)
    model = p[0] + (p[1] - p[0]) * e
    J = np.column_stack([1 - e, e, -(p[1] - p[0]) * t * e])
    step, *_ = np.linalg.lstsq(J, T - model, rcond=None)
    p = p + step
    if np.all(np.abs(step) <= 1e-13 * np.maximum(1, np.abs(p))):
        break
ta, t0_, tau = float(p[0]), float(p[1]), float(1 / p[2])
json.dump({"tau_s": tau, "initial_C": t0_, "ambient_C": ta}, open(res["fit"], "w"), indent=1)
thr = float(res["threshold_C"])
pred = {"temp_at": {h: ta + (t0_ - ta) * math.exp(-float(h) / tau) for h in res["horizons_s"].split()},
        "t_reach_s": tau * math.log((t0_ - ta) / (thr - ta))}
json.dump(pred, open(res["prediction"], "w"), indent=1)
PY
/app/check_analysis.sh
