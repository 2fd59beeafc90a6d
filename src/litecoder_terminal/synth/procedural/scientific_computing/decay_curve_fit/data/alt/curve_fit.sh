#!/bin/bash
# Alternative: settings read with sed, scipy.optimize.curve_fit on the stacked data of all detectors (detector
# index as a second coordinate), covariance from curve_fit itself (absolute sigma unless unweighted).
set -euo pipefail
conf=@@conf@@
get() { sed -n "s/^$1 *= *//p" "$conf"; }
result=$(get result)
mkdir -p "$(dirname "$result")"
python3 - "$(get files)" "$(get detectors)" "$(get method)" "$(get time_unit | head -n 1)" \
  "$(get time_unit | tail -n 1)" "$result" "$(get threshold)" <<'PY'
import json, math, sys
import numpy as np
from scipy.optimize import curve_fit

files, names, method, tin, tout, out, thr = sys.argv[1:]
files = files.split()
names = [n.strip() for n in names.split(",")]
factor = {"s": 1.0, "min": 60.0, "h": 3600.0}[tin] / {"s": 1.0, "min": 60.0, "h": 3600.0}[tout]
T, Y, S, D = [], [], [], []
for d, f in enumerate(files):
    for line in open(f):
        c = line.split()
        if not c or c[0].startswith("#") or c[1] == "nan":
            continue
        if method != "unweighted" and c[3] != "ok":
            continue
        T.append(float(c[0])); Y.append(float(c[1])); D.append(d)
        S.append(float(c[2]) if method != "unweighted" else 1.0)
T, Y, S, D = map(np.array, (T, Y, S, D))
k = len(files)


def model(x, *p):
    t, d = x
    d = d.astype(int)
    return np.array(p)[1 + 2 * d] * np.exp(-t / p[0]) + np.array(p)[2 + 2 * d]


p0 = [np.ptp(T) / 3]
for d in range(k):
    p0 += [np.ptp(Y[D == d]), Y[D == d].min()]
p, cov = curve_fit(model, (T, D), Y, p0=p0, sigma=S, absolute_sigma=method != "unweighted", method="trf",
                   x_scale="jac", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=20000)
err = np.sqrt(np.diag(cov))
chi2 = float(np.sum(((Y - model((T, D), *p)) / S) ** 2))
n = len(T)
res = {"tau": p[0] * factor, "half_life": p[0] * factor * math.log(2)}
if method == "unweighted":
    res |= {"A": p[1], "C": p[2]}
elif method == "weighted":
    res |= {"tau_err": err[0] * factor, "A": p[1], "A_err": err[1], "C": p[2], "C_err": err[2],
            "chi2_red": chi2 / (n - 3), "n_used": n}
else:
    res |= {"tau_err": err[0] * factor, "chi2_red": chi2 / (n - len(p)), "n_used": n,
            "detectors": {nm: {"A": p[1 + 2 * i], "A_err": err[1 + 2 * i], "C": p[2 + 2 * i], "C_err": err[2 + 2 * i]}
                          for i, nm in enumerate(names)},
            "t_threshold": p[0] * factor * math.log(p[1] / (float(thr) - p[2]))}
json.dump(json.loads(json.dumps(res, default=float)), open(out, "w"), indent=1)
PY
cat "$result"
