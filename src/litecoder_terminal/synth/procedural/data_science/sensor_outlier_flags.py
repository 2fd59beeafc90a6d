"""Flag outliers per sensor with a stated rule (IQR fences, or a per-sensor MAD rule from a config file at hard),
write the flagged rows and a per-sensor summary; at hard also a cleaned copy with outliers replaced."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import random
import statistics

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

# (tag prefix, what, unit, base, noise sd, decimals)
SENSORS = [
    ("PT", "pressure", "hPa", 1013.25, 2.5, 2), ("TT", "temperature", "degC", 21.5, 0.6, 2),
    ("FT", "flow", "L/min", 12.8, 0.4, 3), ("VT", "vibration", "mm/s", 0.85, 0.05, 4),
    ("LT", "tank level", "m", 3.2, 0.08, 3), ("HT", "humidity", "%RH", 45.0, 3.0, 2),
    ("ET", "supply voltage", "V", 230.0, 1.5, 2), ("IT", "motor current", "A", 4.2, 0.12, 3),
]


def _quantile(xs: list[float], p: float, exclusive: bool = False) -> float:
    s = sorted(xs)
    n = len(s)
    pos = (n + 1) * p - 1 if exclusive else (n - 1) * p
    pos = min(max(pos, 0.0), n - 1.0)
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _apply(rule: dict, xs: list[float], *, exclusive: bool = False, upper_only: bool = False):
    """-> (per-value direction or None, summary dict, list of thresholds for the tie guard)."""
    if rule["method"] == "iqr":
        q1, q3 = _quantile(xs, 0.25, exclusive), _quantile(xs, 0.75, exclusive)
        lo, hi = q1 - rule["k"] * (q3 - q1), q3 + rule["k"] * (q3 - q1)
        dirs = ["low" if (x < lo and not upper_only) else "high" if x > hi else None for x in xs]
        summ = {"n": len(xs), "q1": q1, "q3": q3, "lower": lo, "upper": hi}
        guards = [lo, hi]
    else:
        med = statistics.median(xs)
        mad = statistics.median([abs(x - med) for x in xs])
        t = rule["threshold"]
        dirs = []
        for x in xs:
            z = 0.6745 * (x - med) / mad
            dirs.append("low" if (z < -t and not upper_only) else "high" if z > t else None)
        summ = {"n": len(xs), "median": med, "mad": mad}
        guards = [med - t * mad / 0.6745, med + t * mad / 0.6745]
    summ["outliers"] = sum(d is not None for d in dirs)
    return dirs, summ, guards


@register
class SensorOutlierFlags(TaskFamily):
    name = "sensor_outlier_flagging"
    domain = "data_science"
    title = "Flag outliers per sensor with a stated IQR / MAD rule and summarise them"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        medium_up = level != "easy"
        hard = level == "hard"
        in_dir = pick(rng, ["/data/lab", "/srv/telemetry", "/data/plant/historian", "/opt/scada/export"])
        out_dir = pick(rng, ["/app/out", "/app/qa", "/app/results", "/root/outliers"])
        flag_name = pick(rng, ["outliers.csv", "flagged_readings.csv", "anomalies.csv"])
        summ_name = pick(rng, ["outlier_summary.json", "sensor_stats.json", "summary.json"])
        clean_name = pick(rng, ["readings_clean.csv", "cleaned.csv"])
        n_sens = {"easy": rng.randint(3, 4), "medium": rng.randint(4, 5), "hard": rng.randint(5, 7)}[level]
        sensors = []
        for pre, what, unit, base, sd, dec in sorted(rng.sample(SENSORS, n_sens)):
            base = round(base * rng.uniform(0.8, 1.25), dec)
            sensors.append({"id": f"{pre}-{rng.randint(100, 999)}", "what": what, "unit": unit, "base": base,
                            "sd": sd * rng.uniform(0.7, 1.3), "dec": dec})
        ids = [s["id"] for s in sensors]
        k = rng.choice([1.5, 1.5, 2.0, 3.0])
        rules = {sid: {"method": "iqr", "k": k} for sid in ids}
        overrides = {}
        if hard:
            for sid in rng.sample(ids, 2):
                overrides[sid] = ({"method": "mad", "threshold": rng.choice([3.0, 3.5])} if not overrides else
                                  {"method": "iqr", "k": rng.choice([x for x in (1.5, 2.0, 3.0) if x != k])})
                rules[sid] = overrides[sid]
            if all(r["method"] == "iqr" for r in overrides.values()):
                overrides[ids[0]] = rules[ids[0]] = {"method": "mad", "threshold": 3.5}

        # ---- readings ------------------------------------------------------------------------------------
        step = rng.choice([1, 2, 5, 10])
        n_ts = {"easy": rng.randint(40, 70), "medium": rng.randint(70, 120), "hard": rng.randint(120, 200)}[level]
        t0 = dt.datetime(rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 27), rng.randint(0, 12), 0)
        times = [(t0 + dt.timedelta(minutes=step * i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(n_ts)]
        # rows: [ts, sid, raw value string, status, float or None]
        rows = []
        for ts in times:
            for s in sensors:
                v = round(rng.gauss(s["base"], s["sd"]), s["dec"])
                rows.append([ts, s["id"], f"{v:.{s['dec']}f}", "OK", v])
        by_sensor = {sid: [r for r in rows if r[1] == sid] for sid in ids}
        for s in sensors:
            mine = by_sensor[s["id"]]
            picks = rng.sample(range(len(mine)), rng.randint(2, 4))
            for j, idx in enumerate(picks):
                sign = -1 if j == 0 else rng.choice([-1, 1])
                v = round(s["base"] + sign * rng.uniform(7, 15) * s["sd"], s["dec"])
                mine[idx][2], mine[idx][4] = f"{v:.{s['dec']}f}", v
        if medium_up:
            for r in rows:
                u = rng.random()
                if u < 0.03:
                    r[3], r[2], r[4] = "ERR", "-9999", None
                elif u < 0.05:
                    r[2], r[4] = rng.choice(["", "NA", "nan"]), None
            # a calibration run: one sensor fed its reference value for a few samples
            cal = rng.choice(sensors)
            mine = by_sensor[cal["id"]]
            start = rng.randrange(len(mine) - 4)
            ref = round(cal["base"] * rng.choice([0.5, 1.6, 2.0]), cal["dec"])
            for r in mine[start:start + rng.randint(3, 4)]:
                r[3], r[2], r[4] = "CAL", f"{ref:.{cal['dec']}f}", None

        # ---- tie guard: nothing sits on a fence ---------------------------------------------------------
        for _ in range(50):
            moved = False
            for s in sensors:
                xs = [r[4] for r in by_sensor[s["id"]] if r[4] is not None]
                _, _, guards = _apply(rules[s["id"]], xs)
                for r in by_sensor[s["id"]]:
                    if r[4] is not None and any(abs(r[4] - g) < 10 ** -s["dec"] for g in guards):
                        r[4] = round(r[4] + 3 * 10 ** -s["dec"] * (1 if r[4] > s["base"] else -1), s["dec"])
                        r[2] = f"{r[4]:.{s['dec']}f}"
                        moved = True
            if not moved:
                break

        # ---- expected (and the mistakes, which must each change the outcome) ---------------------------
        def outcome(*, pool=False, upper_only=False, exclusive=False, default_rule=False, keep_status=False):
            flagged, summary = [], {}
            valid = [r for r in rows if r[2] not in ("", "NA", "nan") and (keep_status or r[3] == "OK")]
            if pool:
                allx = [float(r[2]) for r in valid]
                dirs, _, _ = _apply({"method": "iqr", "k": k}, allx, upper_only=upper_only)
                flagged = sorted((r[1], r[0], d) for r, d in zip(valid, dirs) if d)
                return flagged, None
            for sid in ids:
                mine = [r for r in valid if r[1] == sid]
                xs = [float(r[2]) for r in mine]
                rule = {"method": "iqr", "k": k} if default_rule else rules[sid]
                dirs, summ, _ = _apply(rule, xs, exclusive=exclusive, upper_only=upper_only)
                summary[sid] = summ
                flagged += [(sid, r[0], d) for r, d in zip(mine, dirs) if d]
            return sorted(flagged), summary

        exp_flags, exp_summary = outcome()
        wrongs = {"global-fences": outcome(pool=True), "upper-only": outcome(upper_only=True)}
        if medium_up:
            wrongs["ignores-status"] = outcome(keep_status=True)
        else:
            wrongs["exclusive-quartiles"] = outcome(exclusive=True)
        if hard:
            wrongs["default-rule-everywhere"] = outcome(default_rule=True)

        def differs(w) -> bool:
            flags, summ = w
            if flags != exp_flags or summ is None:
                return True
            for sid in ids:
                for key, val in exp_summary[sid].items():
                    if key not in summ[sid] or abs(summ[sid][key] - val) > 1e-5:
                        return True
            return False

        wrongs = {name: w for name, w in wrongs.items() if differs(w)}

        # ---- files ---------------------------------------------------------------------------------------
        header = ["timestamp", "sensor_id", "value"] + (["status"] if medium_up else [])
        if hard:
            half = (n_ts // 2) * n_sens
            chunks = [(f"readings_{times[0][:10]}_a.csv", rows[:half]), (f"readings_{times[0][:10]}_b.csv", rows[half:])]
        else:
            chunks = [(pick(rng, ["readings.csv", "sensor_log.csv", "historian_export.csv"]), rows)]
        files: dict[str, str | bytes] = {}
        digests = {}
        for name, part in chunks:
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(header)
            for r in part:
                w.writerow(r[:3] + ([r[3]] if medium_up else []))
            files[f"environment/data/{name}"] = buf.getvalue()
            digests[f"{in_dir}/{name}"] = hashlib.sha256(buf.getvalue().encode()).hexdigest()
        rules_name = "outlier_rules.json"
        if hard:
            cfg = {"default": {"method": "iqr", "k": k}, "sensors": {sid: overrides[sid] for sid in sorted(overrides)}}
            text = json.dumps(cfg, indent=2) + "\n"
            files[f"environment/data/{rules_name}"] = text
            digests[f"{in_dir}/{rules_name}"] = hashlib.sha256(text.encode()).hexdigest()
        params = {"in_dir": in_dir, "files": [n for n, _ in chunks], "status": medium_up, "rules": rules,
                  "flags": f"{out_dir}/{flag_name}", "summary": f"{out_dir}/{summ_name}",
                  "clean": f"{out_dir}/{clean_name}" if hard else None, "digests": digests}
        files["tests/params.json"] = json.dumps(params, indent=1)
        files["tests/test_outputs.py"] = TEST_PY

        # ---- instruction -------------------------------------------------------------------------------------
        intro = pick(rng, [
            "Process engineering suspects some of the plant sensors are producing spikes.",
            "Before we retrain the anomaly model we need a rule-based baseline of outlier readings.",
            "QA asked for a list of suspicious sensor readings from the last logging window.",
            "The historian export below has some obviously bad samples; flag them per sensor.",
        ])
        src = (f"`{in_dir}/{chunks[0][0]}`" if not hard else
               "`" + "` and `".join(f"{in_dir}/{n}" for n, _ in chunks) + "` (consecutive parts of one export; "
               "treat them as one dataset)")
        sens_desc = ", ".join(f"`{s['id']}` ({s['what']}, {s['unit']})" for s in sensors)
        lines = [intro, "", pick(rng, [
            f"Readings are in {src}, CSV with header `{','.join(header)}`. Sensors: {sens_desc}.",
            f"The data ({n_ts} timestamps, one every {step} min, starting {times[0]}) is in {src} with columns "
            f"`{','.join(header)}`; it covers {sens_desc}.",
        ])]
        if medium_up:
            lines += ["", pick(rng, [
                "Only rows with `status` `OK` are valid measurements (`CAL` rows are calibration runs, `ERR` rows "
                "are logger faults); rows whose value is empty, `NA` or `nan` are not valid either. Ignore invalid "
                "rows entirely: they are neither used for the statistics nor flagged.",
                "A reading is valid only if its `status` is `OK` (not `CAL`, a calibration run, nor `ERR`, a logger "
                "fault) and its value is a number (not empty, `NA` or `nan`). Invalid rows take no part in the "
                "statistics and are never reported as outliers.",
            ])]
        iqr_rule = ("quartiles Q1 and Q3 are the 25th and 75th percentiles with linear interpolation between "
                    "closest ranks (position `(n-1)*p` in the sorted values, which is numpy's default); a "
                    "reading is an outlier when it is strictly below `Q1 - k*IQR` (`low`) or strictly above "
                    "`Q3 + k*IQR` (`high`), with `IQR = Q3 - Q1`")
        mad_rule = ("with `median` the sensor's median and `MAD` the median of absolute deviations from it, the "
                    "modified z-score is `0.6745 * (x - median) / MAD`; a reading is `low` when that is strictly "
                    "below `-threshold` and `high` when strictly above `threshold`")
        if hard:
            lines += ["", f"The rule for each sensor is configured in `{in_dir}/{rules_name}`: `default` applies to "
                      "every sensor not listed under `sensors`. Method `iqr` (parameter `k`): " + iqr_rule + ". "
                      "Method `mad` (parameter `threshold`): " + mad_rule + "."]
        else:
            lines += ["", f"Statistics are computed per sensor over its valid readings, using the IQR rule with "
                      f"`k = {k}`: " + iqr_rule + "."]
        lines += ["", f"Write `{out_dir}/{flag_name}` with header `timestamp,sensor_id,value,direction`: one row per "
                  "outlier, `value` copied verbatim from the input, `direction` `low` or `high`, sorted by "
                  "sensor_id and then timestamp.",
                  "",
                  f"Write `{out_dir}/{summ_name}`: a JSON object keyed by sensor_id (every sensor, even one without "
                  "outliers) whose value is an object with `n` (number of valid readings), "
                  + ("for `iqr` sensors `q1`, `q3`, `lower`, `upper` (the two fences), for `mad` sensors `median` "
                     "and `mad`," if hard else "`q1`, `q3`, `lower`, `upper` (the two fences),")
                  + " and `outliers` (count). Numbers may be rounded to 6 decimal places."]
        if hard:
            lines += ["", f"Finally write `{out_dir}/{clean_name}` with header `timestamp,sensor_id,value`: every "
                      "valid reading in input order (first file first), where an outlier's value is replaced by "
                      "its sensor's median over valid readings written with 4 decimals; other values unchanged."]
        lines += ["", pick(rng, [f"Do not change the files under `{in_dir}`.",
                                 f"`{in_dir}` is read-only for this job: do not touch it."])]
        instruction = "\n".join(lines)

        knobs = dict(IN_DIR=in_dir, FILES=[n for n, _ in chunks], STATUS=medium_up, HARD=hard, K=k,
                     RULES_FILE=f"{in_dir}/{rules_name}" if hard else "", FLAGS=f"{out_dir}/{flag_name}",
                     SUMMARY=f"{out_dir}/{summ_name}", CLEAN=f"{out_dir}/{clean_name}" if hard else "")
        files["solution/solve.sh"] = _solver(knobs)
        variants = {"global-fences": dict(POOL=True), "upper-only": dict(UPPER_ONLY=True),
                    "ignores-status": dict(KEEP_STATUS=True), "exclusive-quartiles": dict(EXCLUSIVE=True),
                    "default-rule-everywhere": dict(DEFAULT_RULE=True)}
        for name in wrongs:
            files[f"solution/wrong/{name}.sh"] = _solver(knobs, **variants[name])
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY data/ {in_dir}/\nWORKDIR /app\n", files=files,
            tags=["outliers", "statistics", "csv", "json"],
            artifacts=[out_dir, in_dir],  # the outputs and the readings they are recomputed from (checked untouched)
            agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1800}[level],
            expert_minutes={"easy": 12, "medium": 20, "hard": 35}[level],
        )


def _solver(knobs: dict, **mistakes) -> str:
    settings = dict(POOL=False, UPPER_ONLY=False, KEEP_STATUS=False, EXCLUSIVE=False, DEFAULT_RULE=False)
    settings.update(mistakes)
    head = "\n".join(f"{k} = {v!r}" for k, v in {**knobs, **settings}.items())
    return ("#!/bin/bash\nset -euo pipefail\nmkdir -p \"$(dirname " + repr(knobs["FLAGS"]) + ")\"\n"
            "python3 - <<'PY'\n" + head + "\n" + SOLVER_BODY + "PY\n")


SOLVER_BODY = r'''
import csv, json
import numpy as np

rows = []
for name in FILES:
    with open(f"{IN_DIR}/{name}", newline="") as fh:
        rows += list(csv.DictReader(fh))
valid = [r for r in rows if r["value"].strip() not in ("", "NA", "nan")
         and (not STATUS or KEEP_STATUS or r["status"] == "OK")]
cfg = json.load(open(RULES_FILE)) if HARD else {"default": {"method": "iqr", "k": K}, "sensors": {}}

def rule_for(sid):
    return cfg["default"] if DEFAULT_RULE else cfg["sensors"].get(sid, cfg["default"])

def quartiles(x):
    if EXCLUSIVE:
        return tuple(np.percentile(x, [25, 75], method="weibull"))
    return tuple(np.percentile(x, [25, 75]))

groups = {"*": valid} if POOL else {}
if not POOL:
    for r in valid:
        groups.setdefault(r["sensor_id"], []).append(r)
flag, summary, direction = [], {}, {}
for sid, mine in sorted(groups.items()):
    x = np.array([float(r["value"]) for r in mine])
    rule = rule_for(sid)
    if rule["method"] == "iqr":
        q1, q3 = quartiles(x)
        lo, hi = q1 - rule["k"] * (q3 - q1), q3 + rule["k"] * (q3 - q1)
        low, high = x < lo, x > hi
        info = {"n": len(x), "q1": round(q1, 6), "q3": round(q3, 6), "lower": round(lo, 6), "upper": round(hi, 6)}
    else:
        med = float(np.median(x))
        mad = float(np.median(np.abs(x - med)))
        z = 0.6745 * (x - med) / mad
        low, high = z < -rule["threshold"], z > rule["threshold"]
        info = {"n": len(x), "median": round(med, 6), "mad": round(mad, 6)}
    if UPPER_ONLY:
        low = np.zeros_like(low)
    info["outliers"] = int(low.sum() + high.sum())
    summary[sid] = info
    for r, l, h in zip(mine, low, high):
        if l or h:
            flag.append((r["sensor_id"], r["timestamp"], r["value"], "low" if l else "high"))
            direction[id(r)] = True

with open(FLAGS, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["timestamp", "sensor_id", "value", "direction"])
    for sid, ts, v, d in sorted(flag):
        w.writerow([ts, sid, v, d])
if POOL:
    summary = {sid: {"n": 0, "outliers": 0} for sid in sorted({r["sensor_id"] for r in rows})}
with open(SUMMARY, "w") as fh:
    json.dump(summary, fh, indent=2)
if CLEAN:
    med = {sid: float(np.median([float(r["value"]) for r in valid if r["sensor_id"] == sid]))
           for sid in {r["sensor_id"] for r in valid}}
    with open(CLEAN, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["timestamp", "sensor_id", "value"])
        for r in valid:
            v = f"{med[r['sensor_id']]:.4f}" if id(r) in direction else r["value"]
            w.writerow([r["timestamp"], r["sensor_id"], v])
'''

TEST_PY = r'''"""Recompute the per-sensor statistics from the readings with numpy and compare with the agent's outputs."""

import csv
import hashlib
import json
from pathlib import Path

import numpy as np

P = json.loads(Path(__file__).with_name("params.json").read_text())
TOL = 2e-6


def readings():
    rows = []
    for name in P["files"]:
        with open(f"{P['in_dir']}/{name}", newline="") as fh:
            rows += list(csv.DictReader(fh))
    return [r for r in rows if r["value"].strip() not in ("", "NA", "nan")
            and (not P["status"] or r["status"] == "OK")]


def expected():
    valid = readings()
    flags, summary, outlier_rows = [], {}, set()
    for sid in sorted(P["rules"]):
        mine = [(i, r) for i, r in enumerate(valid) if r["sensor_id"] == sid]
        x = np.array([float(r["value"]) for _, r in mine])
        rule = P["rules"][sid]
        if rule["method"] == "iqr":
            q1, q3 = np.percentile(x, [25, 75])
            lo, hi = q1 - rule["k"] * (q3 - q1), q3 + rule["k"] * (q3 - q1)
            low, high = x < lo, x > hi
            summary[sid] = {"n": len(x), "q1": q1, "q3": q3, "lower": lo, "upper": hi}
        else:
            med = np.median(x)
            mad = np.median(np.abs(x - med))
            z = 0.6745 * (x - med) / mad
            low, high = z < -rule["threshold"], z > rule["threshold"]
            summary[sid] = {"n": len(x), "median": med, "mad": mad}
        summary[sid]["outliers"] = int(low.sum() + high.sum())
        for (i, r), l, h in zip(mine, low, high):
            if l or h:
                flags.append([r["timestamp"], sid, r["value"], "low" if l else "high"])
                outlier_rows.add(i)
    flags.sort(key=lambda f: (f[1], f[0]))
    return valid, flags, summary, outlier_rows


def test_inputs_untouched():
    for path, digest in P["digests"].items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest, f"{path} was modified"


def test_flagged_rows():
    with open(P["flags"], newline="") as fh:
        got = [[c.strip() for c in r] for r in csv.reader(fh) if r]
    assert got and got[0] == ["timestamp", "sensor_id", "value", "direction"], "bad header"
    exp = expected()[1]
    assert sorted(map(tuple, got[1:])) == sorted(map(tuple, exp)), "flagged rows differ"
    assert got[1:] == exp, "flagged rows are not sorted by sensor_id, timestamp"


def test_summary():
    got = json.loads(Path(P["summary"]).read_text())
    exp = expected()[2]
    assert sorted(got) == sorted(exp), f"sensors {sorted(got)} != {sorted(exp)}"
    for sid, fields in exp.items():
        for key, val in fields.items():
            assert key in got[sid], f"{sid}: missing {key}"
            if key in ("n", "outliers"):
                assert int(got[sid][key]) == val, f"{sid}.{key}: {got[sid][key]} != {val}"
            else:
                assert abs(float(got[sid][key]) - float(val)) <= TOL * max(1.0, abs(float(val))), \
                    f"{sid}.{key}: {got[sid][key]} != {val}"


if P["clean"]:
    def test_clean_copy():
        valid, _, summary, outlier_rows = expected()
        with open(P["clean"], newline="") as fh:
            got = [[c.strip() for c in r] for r in csv.reader(fh) if r]
        assert got[0] == ["timestamp", "sensor_id", "value"], "bad header"
        assert len(got) - 1 == len(valid), f"{len(got) - 1} rows, expected {len(valid)}"
        med = {}
        for sid in P["rules"]:
            med[sid] = float(np.median([float(r["value"]) for r in valid if r["sensor_id"] == sid]))
        for i, (g, r) in enumerate(zip(got[1:], valid)):
            assert g[:2] == [r["timestamp"], r["sensor_id"]], f"row {i + 1}: {g[:2]} out of order"
            want = med[r["sensor_id"]] if i in outlier_rows else float(r["value"])
            assert abs(float(g[2]) - want) <= 6e-5, f"row {i + 1}: value {g[2]} != {want}"
'''
