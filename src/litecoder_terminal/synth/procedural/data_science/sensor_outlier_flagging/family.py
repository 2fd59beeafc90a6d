"""Flag outliers per sensor with a stated rule (IQR fences, or a per-sensor MAD rule from a config file at hard),
write the flagged rows and a per-sensor summary; at hard also a cleaned copy with outliers replaced."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import random
import statistics

from litecoder_terminal.synth.procedural import kit

# (tag prefix, what, unit, base, noise sd, decimals)
SENSORS = [
    ("PT", "pressure", "hPa", 1013.25, 2.5, 2), ("TT", "temperature", "degC", 21.5, 0.6, 2),
    ("FT", "flow", "L/min", 12.8, 0.4, 3), ("VT", "vibration", "mm/s", 0.85, 0.05, 4),
    ("LT", "tank level", "m", 3.2, 0.08, 3), ("HT", "humidity", "%RH", 45.0, 3.0, 2),
    ("ET", "supply voltage", "V", 230.0, 1.5, 2), ("IT", "motor current", "A", 4.2, 0.12, 3),
]
PLANTS = ["line-a", "boiler-house", "pump-station", "clean-room", "packaging"]

# The reference solver's decisions; each known-wrong solution flips one (kept only if it goes wrong here).
KNOBS = {
    "group": kit.Knob('r["sensor_id"]', '"*"', "one set of fences over all sensors pooled, not per sensor"),
    "flagged": kit.Knob("low | high", "high", "flags only high outliers"),
    "valid": kit.Knob('r.get("status", "OK") == "OK"', "True",
                      "uses CAL and ERR rows as measurements (statistics and flags)"),
    "quartiles": kit.Knob("", ', method="weibull"', "exclusive quartiles ((n+1)p), not numpy's linear (n-1)p"),
    "rule": kit.Knob('cfg["sensors"].get(sid, cfg["default"])', 'cfg["default"]',
                     "applies the default rule to every sensor, ignoring the per-sensor overrides"),
}
MISTAKES = {"global-fences": "group", "upper-only": "flagged", "ignores-status": "valid",
            "exclusive-quartiles": "quartiles", "default-rule-everywhere": "rule"}


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


class SensorOutlierFlags(kit.KitFamily):
    title = "Flag outliers per sensor with a stated IQR / MAD rule and summarise them"
    levels = kit.Levels(sensors=((3, 4), (4, 5), (5, 7)), timestamps=((40, 70), (70, 120), (120, 200)),
                        invalid_rows=(False, True, True), rules_file=(False, False, True), noise=(0, 1, 2),
                        agent_timeout=(600, 1200, 1800), expert_minutes=(12, 20, 35))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        kn = self.knobs
        medium_up, hard = kn.invalid_rows, kn.rules_file
        in_dir = rng.choice(["/data/lab", "/srv/telemetry", "/data/plant/historian", "/opt/scada/export"])
        out_dir = rng.choice(["/app/out", "/app/qa", "/app/results", "/root/outliers"])
        flag_name = rng.choice(["outliers.csv", "flagged_readings.csv", "anomalies.csv"])
        summ_name = rng.choice(["outlier_summary.json", "sensor_stats.json", "summary.json"])
        clean_name = rng.choice(["readings_clean.csv", "cleaned.csv"])
        plant = rng.choice(PLANTS)
        n_sens = rng.randint(*kn.sensors)
        sensors = []
        for pre, what, unit, base, sd, dec in sorted(rng.sample(SENSORS, n_sens)):
            base = round(base * rng.uniform(0.8, 1.25), dec)
            sensors.append({"id": f"{pre}-{rng.randint(100, 999)}", "what": what, "unit": unit, "base": base,
                            "sd": sd * rng.uniform(0.7, 1.3), "dec": dec})
        ids = [s["id"] for s in sensors]
        k = rng.choice([1.5, 1.5, 2.0, 3.0])
        rules = {sid: {"method": "iqr", "k": k} for sid in ids}
        overrides: dict[str, dict] = {}
        if hard:
            for sid in rng.sample(ids, 2):
                overrides[sid] = ({"method": "mad", "threshold": rng.choice([3.0, 3.5])} if not overrides else
                                  {"method": "iqr", "k": rng.choice([x for x in (1.5, 2.0, 3.0) if x != k])})
                rules[sid] = overrides[sid]

        # ---- readings ------------------------------------------------------------------------------------
        step = rng.choice([1, 2, 5, 10])
        n_ts = rng.randint(*kn.timestamps)
        t0 = dt.datetime(rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 27), rng.randint(0, 12), 0)
        times = [(t0 + dt.timedelta(minutes=step * i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(n_ts)]
        rows = []  # [ts, sid, raw value string, status, float or None]
        for ts in times:
            for s in sensors:
                v = round(rng.gauss(s["base"], s["sd"]), s["dec"])
                rows.append([ts, s["id"], f"{v:.{s['dec']}f}", "OK", v])
        by_sensor = {sid: [r for r in rows if r[1] == sid] for sid in ids}
        for s in sensors:
            mine = by_sensor[s["id"]]
            for j, idx in enumerate(rng.sample(range(len(mine)), rng.randint(2, 4))):
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
            cal = rng.choice(sensors)  # a calibration run: one sensor fed its reference value for a few samples
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
        def outcome(mistake: str | None = None):
            valid = [r for r in rows if r[2] not in ("", "NA", "nan") and (mistake == "valid" or r[3] == "OK")]
            groups: dict[str, list] = {}
            for r in valid:
                groups.setdefault("*" if mistake == "group" else r[1], []).append(r)
            flagged, summary = [], {}
            for key, mine in sorted(groups.items()):
                rule = rules[key] if key in rules and mistake != "rule" else {"method": "iqr", "k": k}
                dirs, summ, _ = _apply(rule, [float(r[2]) for r in mine], exclusive=mistake == "quartiles",
                                       upper_only=mistake == "flagged")
                summary[key] = summ
                flagged += [[r[0], r[1], r[2], d] for r, d in zip(mine, dirs) if d]
            return sorted(flagged, key=lambda f: (f[1], f[0])), summary, valid

        exp_flags, exp_summary, valid = outcome()

        def differs(flags, summ) -> bool:
            return flags != exp_flags or summ.keys() != exp_summary.keys() or any(
                summ[sid].keys() != fields.keys() or any(abs(summ[sid][f] - v) > 1e-5 for f, v in fields.items())
                for sid, fields in exp_summary.items())

        candidates = ["global-fences", "upper-only"] + (["ignores-status"] if medium_up else
                                                        ["exclusive-quartiles"]) + (
            ["default-rule-everywhere"] if hard else [])
        wrong = {name: MISTAKES[name] for name in candidates if differs(*outcome(MISTAKES[name])[:2])}
        if len(wrong) < 2:
            raise RuntimeError("sensor outliers: fewer than two known-wrong solutions differ on this instance")
        clean_rows = None
        if hard:
            medians = {sid: statistics.median(float(r[2]) for r in valid if r[1] == sid) for sid in ids}
            out_keys = {(f[0], f[1]) for f in exp_flags}
            clean_rows = [[r[0], r[1], round(medians[r[1]], 4) if (r[0], r[1]) in out_keys else float(r[2])]
                          for r in valid]

        # ---- files ---------------------------------------------------------------------------------------
        header = ["timestamp", "sensor_id", "value"] + (["status"] if medium_up else [])
        if hard:
            half = (n_ts // 2) * n_sens
            chunks = [(f"readings_{times[0][:10]}_a.csv", rows[:half]),
                      (f"readings_{times[0][:10]}_b.csv", rows[half:])]
        else:
            chunks = [(rng.choice(["readings.csv", "sensor_log.csv", "historian_export.csv"]), rows)]
        files: dict[str, str | bytes] = {}
        for name, part in chunks:
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(header)
            for r in part:
                w.writerow(r[:3] + ([r[3]] if medium_up else []))
            files[f"environment/data/{name}"] = buf.getvalue()
        rules_name = "outlier_rules.json"
        if hard:
            cfg = {"default": {"method": "iqr", "k": k}, "sensors": {sid: overrides[sid] for sid in sorted(overrides)}}
            files[f"environment/data/{rules_name}"] = json.dumps(cfg, indent=2) + "\n"

        # ---- the method, told in the instruction (full) or in the QA pipeline's docs (partial, symptom) ------
        flags_path, summ_path, clean_path = f"{out_dir}/{flag_name}", f"{out_dir}/{summ_name}", f"{out_dir}/{clean_name}"
        if hard:
            src = ("`" + "` and `".join(f"{in_dir}/{n}" for n, _ in chunks) + "` (consecutive parts of one export; "
                   "treat them as one dataset)")
        else:
            src = f"`{in_dir}/{chunks[0][0]}`"
        sens_desc = ", ".join(f"`{s['id']}` ({s['what']}, {s['unit']})" for s in sensors)
        validity = ("" if not medium_up else
                    "A reading is valid only if its `status` is `OK` (not `CAL`, a calibration run, nor `ERR`, a logger "
                    "fault) and its value is a number (not empty, `NA` or `nan`). Invalid rows take no part in the "
                    "statistics and are never reported as outliers.")
        iqr_rule = ("quartiles Q1 and Q3 are the 25th and 75th percentiles with linear interpolation between "
                    "closest ranks (position `(n-1)*p` in the sorted values, which is numpy's default); a "
                    "reading is an outlier when it is strictly below `Q1 - k*IQR` (`low`) or strictly above "
                    "`Q3 + k*IQR` (`high`), with `IQR = Q3 - Q1`")
        mad_rule = ("with `median` the sensor's median and `MAD` the median of absolute deviations from it, the "
                    "modified z-score is `0.6745 * (x - median) / MAD`; a reading is `low` when that is strictly "
                    "below `-threshold` and `high` when strictly above `threshold`")
        if hard:
            method = (f"The rule for each sensor is configured in `{in_dir}/{rules_name}`: `default` applies to every "
                      "sensor not listed under `sensors`. Method `iqr` (parameter `k`): " + iqr_rule + ". Method "
                      "`mad` (parameter `threshold`): " + mad_rule + ".")
        else:
            method = (f"Statistics are computed per sensor over its valid readings, using the IQR rule with "
                      f"`k = {k}`: " + iqr_rule + ".")
        summary_fields = ("for `iqr` sensors `q1`, `q3`, `lower`, `upper` (the two fences), for `mad` sensors "
                          "`median` and `mad`," if hard else "`q1`, `q3`, `lower`, `upper` (the two fences),")
        clean_doc = ("" if not hard else
                     f"Finally write `{clean_path}` with header `timestamp,sensor_id,value`: every valid reading in "
                     "input order (first file first), where an outlier's value is replaced by its sensor's median "
                     "over valid readings written with 4 decimals; other values unchanged.")
        contract = dict(in_dir=in_dir, src=src, header=",".join(header), sensors=sens_desc, validity=validity,
                        method=method, flags=flags_path, summary=summ_path, summary_fields=summary_fields,
                        clean=clean_doc)
        files["environment/qa/OUTLIERS.md"] = self.template("outliers.md", plant=plant, **contract)
        files["environment/qa/pipeline.conf"] = self.template(
            "pipeline.conf", plant=plant, in_dir=in_dir, flags=flags_path, summary=summ_path,
            clean=f"cleaned = {clean_path}\n" if hard else "")
        stamp = f"{times[-1][:10]}T2{rng.randint(0, 3)}:{rng.randint(10, 59)}"
        log = [f"{stamp}:0{i}Z stage ingest {other}: ok" for i, other in enumerate(
            rng.sample([p for p in PLANTS if p != plant], kn.noise))]
        log += [f"{stamp}:1{i}Z stage publish {plant}: missing {p}" for i, p in
                enumerate([flags_path, summ_path] + ([clean_path] if hard else []))]
        files["environment/qalog/qa.log"] = self.template("qa.log", lines="\n".join(log))
        for i in range(kn.noise):  # another plant's export (a red herring: other sensors, other period)
            other = [["timestamp", "sensor_id", "value"]] + [
                [(t0 - dt.timedelta(days=30 + i, minutes=step * j)).strftime("%Y-%m-%dT%H:%M:%SZ"), f"XT-{100 + i}",
                 f"{rng.gauss(50, 5):.2f}"] for j in range(rng.randint(10, 30))]
            files[f"environment/archive/export_{i}.csv"] = "".join(",".join(r) + "\n" for r in other)

        values = dict(in_dir=in_dir, flags=flags_path, summary=summ_path, clean=clean_path if hard else "",
                      rules_file=f"{in_dir}/{rules_name}" if hard else "", k=str(k), plant=plant,
                      files=json.dumps([n for n, _ in chunks]))
        knobs = {n: kn_ for n, kn_ in KNOBS.items() if n in wrong.values()}
        for name in set(KNOBS) - set(knobs):
            values[name] = KNOBS[name].right
        files |= self.solver(knobs).files(values, wrong)
        files |= self.alt_solutions(in_dir=in_dir, flags=flags_path, summary=summ_path,
                                    clean=clean_path if hard else "", rules_file=f"{in_dir}/{rules_name}" if hard
                                    else "", k=str(k), files=json.dumps([n for n, _ in chunks]))
        files |= self.verifier(flags=flags_path, summary=summ_path, clean=clean_path if hard else "")
        files |= kit.expected_file({"flags": exp_flags, "summary": exp_summary, "clean": clean_rows,
                                    "untouched": kit.digests(files, "data", in_dir)})

        instruction = self.instruction(intro=self.intro(rng, plant=plant), plant=plant, **contract)
        body = (f"COPY data/ {in_dir}/\nCOPY qa/ /etc/sensor-qa/\nCOPY qalog/ /var/log/sensor-qa/\n"
                + ("COPY archive/ /data/archive/\n" if kn.noise else "") + "WORKDIR /app\n")
        outputs = [flags_path, summ_path] + ([clean_path] if hard else [])
        return kit.draft(
            instruction=instruction, dockerfile_body=body, files=files, tags=["outliers", "statistics", "csv", "json"],
            artifacts=[out_dir, in_dir], outputs=outputs, agent_timeout_sec=kn.agent_timeout,
            sealable=[in_dir],  # composition: the exports may come sealed with the part before's result
            expert_minutes=kn.expert_minutes,
        )
