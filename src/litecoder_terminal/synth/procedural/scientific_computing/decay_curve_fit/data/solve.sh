#!/bin/bash
# Reference: find the fit settings and the lab's method, look at the data, then fit with scipy.
set -euo pipefail
cd /app
# The symptom first: the report build fails; its message names the settings file and the method.
./make_report.sh || true
# What is in the lab folder? Expect the measurements, the settings, the method and some history.
ls -la @@in_dir@@
ls -la @@in_dir@@/logs @@in_dir@@/archive @@in_dir@@/old
# The build log says what is missing and where the report looks for it.
cat @@in_dir@@/logs/report.log
grep -n 'ERROR' @@in_dir@@/logs/report.log
# The settings name the data files of this run, the detectors, the output file and its time unit.
cat @@conf@@
grep -n '^\(files\|detectors\|result\|time_unit\|threshold\) *=' @@conf@@
# The method says which rows count, the weighting, the uncertainties and the result's fields.
cat @@in_dir@@/FIT_METHOD.md
grep -n 'least squares\|sigma\|flag\|nan' @@in_dir@@/FIT_METHOD.md
# The old spreadsheet fit is the number nobody believes: log-linear, no offset. Not something to build on.
head -n 4 @@in_dir@@/old/spreadsheet_fit.py
# The archive holds superseded runs; the settings list only this run's files.
head -n 3 @@in_dir@@/archive/*.dat
files=$(sed -n 's/^files *= *//p' @@conf@@)
# Each data file: header (units, columns), size, and the quality flags and nan values it contains.
for f in $files; do head -n 5 "$f"; done
for f in $files; do grep -vc '^#' "$f"; done
for f in $files; do grep -v '^#' "$f" | awk 'NF > 3 {print $4}' | sort | uniq -c; done
grep -c ' nan ' $files || true
# The spreadsheet's number on the first file, to compare with the proper fit at the end.
python3 @@in_dir@@/old/spreadsheet_fit.py "${files%% *}"
result=$(sed -n 's/^result *= *//p' @@conf@@)
mkdir -p "$(dirname "$result")"
cat > /tmp/decay_fit.py <<'PY'
import configparser, json, math, sys
import numpy as np
from scipy.optimize import least_squares

cfg = configparser.ConfigParser()
cfg.read(sys.argv[1])
UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0}
FILES = cfg["data"]["files"].split()
NAMES = [n.strip() for n in cfg["data"]["detectors"].split(",")]
METHOD = cfg["model"]["method"]
WEIGHTED = METHOD != "unweighted"
FACTOR = UNITS[cfg["data"]["time_unit"]] / UNITS[cfg["output"]["time_unit"]]
OUT = cfg["output"]["result"]
OFFSET = @@offset@@            # C is a free parameter of the model
LINEARISE = @@linearise@@      # the least-squares optimum, not a straight line through log(y)
SHARED = @@shared@@            # one global fit with a shared tau


def load(path):
    rows = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
    keep = [r for r in rows if r[1] != "nan" and (not WEIGHTED or @@keep@@)]
    t = np.array([float(r[0]) for r in keep])
    y = np.array([float(r[1]) for r in keep])
    s = np.array([@@sigma@@ for r in keep])
    return t, y, s


def fit(sets):
    def model(p, i, t):
        return p[1 + 2 * i] * np.exp(-t / p[0]) + (p[2 + 2 * i] if OFFSET else 0.0)

    def resid(p):
        return np.concatenate([(y - model(p, i, t)) / s for i, (t, y, s) in enumerate(sets)])
    p0 = [np.ptp(sets[0][0]) / 3]
    for t, y, s in sets:
        p0 += [y.max() - y.min(), y.min() if OFFSET else 0.0]
    r = least_squares(resid, p0, x_scale="jac", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=20000)
    cov = (np.linalg.inv if OFFSET else np.linalg.pinv)(r.jac.T @ r.jac)
    chi2 = float(np.sum(r.fun ** 2))
    n = sum(len(t) for t, _, _ in sets)
    if not WEIGHTED:
        cov *= chi2 / (n - len(p0))
    return r.x, np.sqrt(np.abs(np.diag(cov))), chi2, n


sets = [load(f) for f in FILES]
p, err, chi2, n = fit(sets)
if LINEARISE:  # background from the tail, then a straight line through log(y - C)
    t, y, _ = sets[0]
    c = y[np.argsort(t)][-5:].mean()
    m = y - c > 0
    slope, icpt = np.polyfit(t[m], np.log(y[m] - c), 1)
    p = np.array([-1 / slope, math.exp(icpt), c])
if not SHARED:
    parts = [fit([s]) for s in sets]
    p = np.array([np.mean([q[0][0] for q in parts])] + [v for q in parts for v in q[0][1:]])
tau, tau_err = p[0] * @@factor@@, err[0] * @@factor@@
if METHOD == "global":
    res = {"tau": tau, "tau_err": tau_err, "half_life": tau * math.log(2), "n_used": n,
           "chi2_red": chi2 / (n - len(p)), "detectors": {}}
    for i, name in enumerate(NAMES):
        res["detectors"][name] = {"A": p[1 + 2 * i], "A_err": err[1 + 2 * i], "C": p[2 + 2 * i],
                                  "C_err": err[2 + 2 * i]}
    res["t_threshold"] = tau * math.log(p[1] / (float(cfg["output"]["threshold"]) - p[2]))
elif WEIGHTED:
    res = {"tau": tau, "tau_err": tau_err, "half_life": tau * math.log(2), "A": p[1], "A_err": err[1],
           "C": p[2], "C_err": err[2], "chi2_red": chi2 / (n - 3), "n_used": n}
else:
    res = {"tau": tau, "half_life": tau * math.log(2), "A": p[1], "C": p[2]}
res = json.loads(json.dumps(res, default=float))
with open(OUT, "w") as fh:
    json.dump(res, fh, indent=2)
PY
python3 /tmp/decay_fit.py @@conf@@
# Check: the result parses, tau is positive and the report build now goes through.
python3 -m json.tool "$result"
grep -n '"tau"' "$result"
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["tau"] > 0, r' "$result"
./make_report.sh
