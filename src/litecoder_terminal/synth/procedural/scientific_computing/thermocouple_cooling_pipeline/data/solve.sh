#!/bin/bash
# Reference, stage by stage: awk selects the channel, python cleans and despikes, numpy fits the calibration, awk
# converts, scipy fits the cooling curve and predicts.
set -euo pipefail
cd /app
# The symptom first: which stage results does the check miss?
./check_analysis.sh || true
# The settings: inputs, cleaning rules, calibration degree, where each result goes.
cat /app/analysis.conf
get() { awk -F' *= *' -v k="$1" '$1 == k { print $2; exit }' /app/analysis.conf; }
# The agreed procedure for every stage.
cat /app/docs/ANALYSIS.md
# The quick look somebody did: context (it fitted every raw row, flags and all), not a reference.
cat /app/notes/quick_look.txt
RAW=$(get raw)
CAL=$(get bath_calibration)
CHAN=$(get channel)
CLEAN=$(get clean)
CALIB=$(get calibration)
TEMP=$(get temperature)
mkdir -p "$(dirname "$CLEAN")" "$(dirname "$CALIB")" "$(dirname "$TEMP")" "$(dirname "$(get fit)")"
# The raw export: layout, channels, status flags, repeated timestamps.
head -n 5 "$RAW"
wc -l "$RAW" "$CAL"
cut -d, -f2 "$RAW" | sort | uniq -c
cut -d, -f4 "$RAW" | sort | uniq -c
awk -F, -v c="$CHAN" '$2 == c { print $1 }' "$RAW" | sort | uniq -d | head -n 5
cat "$CAL"
# ---- stage 1: clean --------------------------------------------------------------------------------------
awk -F, -v c="$CHAN" 'NR > 1 && $2 == c && @@status@@ && !seen[$1]++ { print $1 "," $3 }' "$RAW" | sort -t, -k1,1 -s > /tmp/selected.csv
wc -l /tmp/selected.csv
python3 - "$CLEAN" "$(get despike_mV)" "$RAW" <<'PY'
import sys
from datetime import datetime
from statistics import median

CLEAN, SPIKE, RAW = sys.argv[1], sys.argv[2], sys.argv[3]
DESPIKE = SPIKE != "none"
rows = [l.strip().split(",") for l in open("/tmp/selected.csv") if l.strip()]
ts = [datetime.fromisoformat(r[0]) for r in rows]
mv = [float(r[1]) for r in rows]
keep = list(range(len(rows)))
if @@despike@@:
    keep = [i for i in keep if abs(mv[i] - median(mv[max(0, i - 2):i + 3])) <= float(SPIKE)]
print(f"kept {len(keep)} of {len(rows)} samples")
t0 = @@origin@@
with open(CLEAN, "w") as fh:
    fh.write("t_s,mV\n")
    for i in keep:
        fh.write(f"{(ts[i] - t0).total_seconds():g},{rows[i][1]}\n")
PY
rm -f /tmp/selected.csv
head -n 3 "$CLEAN"
# ---- stage 2: calibrate ----------------------------------------------------------------------------------
python3 - "$CAL" "$CALIB" "$(get degree)" <<'PY'
import json, sys
import numpy as np

CAL, OUT, DEG = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = np.loadtxt(CAL, delimiter=",", skiprows=1)
coef = np.polyfit(d[:, 1], d[:, 0], @@degree@@)[::-1]
resid = d[:, 0] - np.polyval(coef[::-1], d[:, 1])
out = {f"c{i}": float(v) for i, v in enumerate(coef)}
out["rms_residual_C"] = float(np.sqrt(np.mean(resid ** 2)))
json.dump(out, open(OUT, "w"), indent=2)
PY
cat "$CALIB"
# ---- stage 3: convert ------------------------------------------------------------------------------------
c0=$(jq -r .c0 "$CALIB")
c1=$(jq -r .c1 "$CALIB")
c2=$(jq -r '.c2 // 0' "$CALIB")
awk -F, -v c0="$c0" -v c1="$c1" -v c2="$c2" 'NR == 1 { print "t_s,temp_C"; next } { printf "%s,%.6f\n", $1, c0 + c1 * $2 + c2 * $2 * $2 }' "$CLEAN" > "$TEMP"
tail -n 3 "$TEMP"
@@stop@@
# ---- stages 4 and 5: cooling fit and prediction ----------------------------------------------------------
python3 - "$TEMP" "$(get fit)" "$(get prediction)" "$(get threshold_C)" $(get horizons_s) <<'PY'
import json, math, sys
import numpy as np
from scipy.optimize import curve_fit

TEMP, FIT, PRED, THRESH, H = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5:]
d = np.loadtxt(TEMP, delimiter=",", skiprows=1)
t, T = d[:, 0], d[:, 1]
f = lambda t, ta, t0, tau: ta + (t0 - ta) * np.exp(-t / tau)
p, _ = curve_fit(f, t, T, p0=[T.min(), T.max(), t.max() / 3], maxfev=20000, xtol=1e-14, ftol=1e-14, gtol=1e-14)
ta, t0, tau = map(float, p)
json.dump({"ambient_C": ta, "initial_C": t0, "tau_s": tau}, open(FIT, "w"), indent=2)
pred = {"t_reach_s": tau * math.log((t0 - ta) / (THRESH - ta)),
        "temp_at": {h: float(f(float(h), ta, t0, tau)) for h in H}}
json.dump(pred, open(PRED, "w"), indent=2)
PY
# Check: the fit and prediction, a residual sanity check, and the gate passes now.
cat "$(get fit)" "$(get prediction)"
awk -F, 'NR > 1 { n++ } END { print n " temperature samples" }' "$TEMP"
./check_analysis.sh
