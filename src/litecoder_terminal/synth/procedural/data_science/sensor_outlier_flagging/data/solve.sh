#!/bin/bash
# Reference: find what the QA pipeline wants to publish and its documented method, inspect the export (statuses,
# bad values, per-sensor ranges), then flag per sensor with numpy and check the outputs.
set -euo pipefail
# Why does the publish stage stop? Its log names the missing files.
ls -la /var/log/sensor-qa/
tail -n 6 /var/log/sensor-qa/qa.log
# The pipeline's configuration and method document: input, outputs, validity and the rule.
ls -la /etc/sensor-qa/
cat /etc/sensor-qa/pipeline.conf
cat /etc/sensor-qa/OUTLIERS.md
# Other exports lying around (other plants, older periods) are not this pipeline's input.
ls -la /data/archive/ 2>/dev/null || true
# The export: which files, headers, size; a per-sensor rule file?
ls -la @@in_dir@@/
wc -l @@in_dir@@/*.csv
head -n 4 @@in_dir@@/*.csv
if [ -n "@@rules_file@@" ]; then cat "@@rules_file@@"; fi
# Statuses and unusable values (empty, NA, nan, the -9999 of logger faults) that must not enter the statistics.
tail -q -n +2 @@in_dir@@/*.csv | awk -F, '{ print (NF > 3 ? $4 : "no-status") }' | sort | uniq -c
tail -q -n +2 @@in_dir@@/*.csv | awk -F, '$3 == "" || $3 == "NA" || $3 == "nan" || $3 == "-9999"' | wc -l
# What calibration runs and logger faults look like, if there are any.
grep -h ',CAL$' @@in_dir@@/*.csv | head -n 5 || true
grep -h -- ',-9999' @@in_dir@@/*.csv | head -n 3 || true
# Readings per sensor and their raw range (spikes show up as extreme min/max).
tail -q -n +2 @@in_dir@@/*.csv | cut -d, -f2 | sort | uniq -c
python3 -c "import csv, glob, collections; d = collections.defaultdict(list); [d[r['sensor_id']].append(float(r['value'])) for f in sorted(glob.glob('@@in_dir@@/*.csv')) for r in csv.DictReader(open(f)) if r['value'] not in ('', 'NA', 'nan')]; [print(k, len(v), min(v), max(v)) for k, v in sorted(d.items())]"
# Which numpy (the method names numpy's default percentile)?
python3 -c "import numpy; print(numpy.__version__)"
mkdir -p "$(dirname @@flags@@)" "$(dirname @@summary@@)"
python3 - <<'PY'
import csv, json
import numpy as np

IN_DIR, FILES, K, RULES_FILE = "@@in_dir@@", @@files@@, @@k@@, "@@rules_file@@"
FLAGS, SUMMARY, CLEAN = "@@flags@@", "@@summary@@", "@@clean@@"

rows = []
for name in FILES:
    with open(f"{IN_DIR}/{name}", newline="") as fh:
        rows += list(csv.DictReader(fh))
valid = [r for r in rows if r["value"].strip() not in ("", "NA", "nan") and @@valid@@]
cfg = json.load(open(RULES_FILE)) if RULES_FILE else {"default": {"method": "iqr", "k": K}, "sensors": {}}

groups = {}
for r in valid:
    groups.setdefault(@@group@@, []).append(r)
flags, summary, outlier = [], {}, set()
for sid, mine in sorted(groups.items()):
    x = np.array([float(r["value"]) for r in mine])
    rule = @@rule@@
    if rule["method"] == "iqr":
        q1, q3 = np.percentile(x, [25, 75]@@quartiles@@)
        lo, hi = q1 - rule["k"] * (q3 - q1), q3 + rule["k"] * (q3 - q1)
        low, high = x < lo, x > hi
        info = {"n": len(x), "q1": round(float(q1), 6), "q3": round(float(q3), 6), "lower": round(float(lo), 6),
                "upper": round(float(hi), 6)}
    else:
        med = float(np.median(x))
        mad = float(np.median(np.abs(x - med)))
        z = 0.6745 * (x - med) / mad
        low, high = z < -rule["threshold"], z > rule["threshold"]
        info = {"n": len(x), "median": round(med, 6), "mad": round(mad, 6)}
    flagged = @@flagged@@
    info["outliers"] = int(flagged.sum())
    summary[sid] = info
    for r, f, l in zip(mine, flagged, low):
        if f:
            flags.append((r["sensor_id"], r["timestamp"], r["value"], "low" if l else "high"))
            outlier.add(id(r))

with open(FLAGS, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["timestamp", "sensor_id", "value", "direction"])
    for sid, ts, v, d in sorted(flags):
        w.writerow([ts, sid, v, d])
with open(SUMMARY, "w") as fh:
    json.dump(summary, fh, indent=2)
if CLEAN:
    med = {sid: float(np.median([float(r["value"]) for r in valid if r["sensor_id"] == sid]))
           for sid in {r["sensor_id"] for r in valid}}
    with open(CLEAN, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["timestamp", "sensor_id", "value"])
        for r in valid:
            w.writerow([r["timestamp"], r["sensor_id"], f"{med[r['sensor_id']]:.4f}" if id(r) in outlier else r["value"]])
PY
# Check: flags per sensor and direction, the summary's counts agree with them, every sensor is in the summary.
cut -d, -f2,4 @@flags@@ | sort | uniq -c
python3 -m json.tool @@summary@@ | head -n 30
python3 -c "import json, csv; s = json.load(open('@@summary@@')); n = sum(1 for _ in csv.reader(open('@@flags@@'))) - 1; print(sorted(s), sum(v['outliers'] for v in s.values()) == n)"
python3 -c "import csv; r = list(csv.reader(open('@@flags@@')))[1:]; print(len(r), 'flags, sorted:', r == sorted(r, key=lambda x: (x[1], x[0])))"
if [ -n "@@clean@@" ]; then head -n 3 "@@clean@@"; wc -l "@@clean@@"; fi
# The @@plant@@ publish stage reads these paths; nothing in the export changed.
ls -la "$(dirname @@flags@@)" @@in_dir@@/
