#!/bin/bash
# Alternative: standard library only (no numpy): statistics.quantiles(method="inclusive") is the same (n-1)p
# linear interpolation; readings grouped per sensor first, then each output written in its own pass.
set -eu
mkdir -p "$(dirname "@@flags@@")" "$(dirname "@@summary@@")"
python3 - <<'PY'
import csv, json, statistics

FILES = @@files@@
readings = []
for name in FILES:
    with open("@@in_dir@@/" + name, newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["value"].strip() in ("", "NA", "nan") or rec.get("status", "OK") != "OK":
                continue
            readings.append(rec)
rules_file = "@@rules_file@@"
if rules_file:
    with open(rules_file) as fh:
        cfg = json.load(fh)
    default, per_sensor = cfg["default"], cfg.get("sensors", {})
else:
    default, per_sensor = {"method": "iqr", "k": @@k@@}, {}

by_sensor = {}
for rec in readings:
    by_sensor.setdefault(rec["sensor_id"], []).append(rec)

summary, direction = {}, {}
for sid in sorted(by_sensor):
    values = [float(r["value"]) for r in by_sensor[sid]]
    rule = per_sensor.get(sid, default)
    if rule["method"] == "iqr":
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        lower, upper = q1 - rule["k"] * (q3 - q1), q3 + rule["k"] * (q3 - q1)
        verdict = lambda v: "low" if v < lower else "high" if v > upper else None
        summary[sid] = {"n": len(values), "q1": q1, "q3": q3, "lower": lower, "upper": upper}
    else:
        med = statistics.median(values)
        mad = statistics.median(abs(v - med) for v in values)
        t = rule["threshold"]
        verdict = lambda v: ("low" if 0.6745 * (v - med) / mad < -t else
                             "high" if 0.6745 * (v - med) / mad > t else None)
        summary[sid] = {"n": len(values), "median": med, "mad": mad}
    count = 0
    for rec, v in zip(by_sensor[sid], values):
        d = verdict(v)
        if d:
            direction[(rec["timestamp"], sid)] = d
            count += 1
    summary[sid]["outliers"] = count

with open("@@flags@@", "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["timestamp", "sensor_id", "value", "direction"])
    for rec in sorted(readings, key=lambda r: (r["sensor_id"], r["timestamp"])):
        d = direction.get((rec["timestamp"], rec["sensor_id"]))
        if d:
            w.writerow([rec["timestamp"], rec["sensor_id"], rec["value"], d])
with open("@@summary@@", "w") as fh:
    json.dump(summary, fh, indent=1, sort_keys=True)
if "@@clean@@":
    medians = {sid: statistics.median(float(r["value"]) for r in recs) for sid, recs in by_sensor.items()}
    with open("@@clean@@", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["timestamp", "sensor_id", "value"])
        for rec in readings:
            key = (rec["timestamp"], rec["sensor_id"])
            w.writerow([*key, "%.4f" % medians[rec["sensor_id"]] if key in direction else rec["value"]])
PY
