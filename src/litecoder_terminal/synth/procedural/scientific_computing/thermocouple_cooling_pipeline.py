"""Multi-stage analysis of a thermocouple cooling run: clean the logger data (status flags, retransmitted rows,
spikes), fit a calibration curve from reference baths, convert to temperature, fit Newton's law of cooling and
predict. Each stage writes a file that the verifier recomputes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

SETUPS = ["quench test of a steel coupon", "cooling of a sealed aluminium housing after the burn-in oven",
          "cool-down of the reflow fixture", "cooling curve of a ceramic sample after firing",
          "passive cool-down of the battery enclosure mock-up"]


@register
class ThermocoupleCoolingPipeline(TaskFamily):
    name = "thermocouple_cooling_pipeline"
    domain = "scientific_computing"
    title = "Clean logger data, calibrate a thermocouple, fit Newton cooling and predict (each stage checked)"
    multi_stage = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        medium_up = level != "easy"
        hard = level == "hard"
        setup = rng.choice(SETUPS)
        in_dir = pick(rng, ["/data/run", "/srv/lab/tc_run", "/data/thermal/run", "/opt/lab/cooldown"])
        work = pick(rng, ["/app/analysis", "/app/work", "/app/pipeline", "/root/cooldown"])
        channels = ["TC1", "TC2", "TC3"][: (2 if medium_up else 1)]
        chan = rng.choice(channels)
        degree = 2 if medium_up else 1
        # thermocouple: V = a T + b T^2 (mV, degC), slightly nonlinear
        a = rng.uniform(0.0395, 0.0415)
        b = rng.uniform(0.6e-5, 1.4e-5) * rng.choice([1, -1])

        def volts(t: float) -> float:
            return a * t + b * t * t

        # ---- calibration baths -------------------------------------------------------------------------------
        refs = [0.0, 100.0] + sorted(rng.sample([25.0, 50.0, 75.0, 150.0, 200.0, 250.0], 3 if medium_up else 1))
        cal_lines = ["ref_temp_C,reading_mV"]
        for t in refs:
            for _ in range(rng.randint(2, 4)):
                cal_lines.append(f"{t:.1f},{volts(t) + rng.gauss(0, 0.002):.4f}")

        # ---- cooling run -------------------------------------------------------------------------------------
        t_amb = rng.uniform(18.0, 28.0)
        t0 = rng.uniform(150.0, 240.0)
        tau = rng.uniform(600.0, 1500.0)
        step = rng.choice([2, 3, 4, 5])
        n = int(2.5 * tau / step)
        start = dt.datetime(rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 28), rng.randint(8, 16),
                            rng.randint(0, 59), rng.randint(0, 59))
        warmup = rng.randint(2, 4)  # the logger reports a disconnected probe for the first few samples
        rows = []  # (timestamp, channel, value text, status)
        spike_at = set()
        if hard:
            cands = list(range(warmup + 4, warmup + n - 4))
            while len(spike_at) < rng.randint(3, 5):
                k = rng.choice(cands)
                if all(abs(k - s) >= 4 for s in spike_at):
                    spike_at.add(k)
        for i in range(warmup + n):
            ts = start + dt.timedelta(seconds=step * i)
            for c in channels:
                if i < warmup:
                    rows.append((ts, c, "0.0000", "DISC"))
                    continue
                el = step * (i - warmup)
                if c == chan:
                    temp = t_amb + (t0 - t_amb) * math.exp(-el / tau)
                else:
                    temp = t_amb + 5 + (60 - t_amb) * math.exp(-el / (tau * 1.7))
                v = volts(temp) + rng.gauss(0, 0.0015)
                status = "OK"
                if c == chan and i in spike_at:
                    v += rng.choice([-1, 1]) * rng.uniform(0.5, 1.2)
                elif rng.random() < 0.02:
                    status = rng.choice(["OVR", "DISC"])
                    v = 99.999 if status == "OVR" else 0.0
                rows.append((ts, c, f"{v:.4f}", status))
                if medium_up and rng.random() < 0.03:
                    rows.append((ts, c, f"{v:.4f}", status))  # retransmission
        # at least one flagged sample in the analysed channel after the warm-up
        idx = next(k for k, r in enumerate(rows) if r[1] == chan and r[3] == "OK" and r[0] > start +
                   dt.timedelta(seconds=step * (warmup + 10)) and (r[0] - start).seconds // step not in spike_at)
        rows[idx] = (rows[idx][0], chan, "99.9990", "OVR")
        raw_lines = ["timestamp,channel,mV,status"] + [f"{r[0].strftime('%Y-%m-%dT%H:%M:%S')},{r[1]},{r[2]},{r[3]}"
                                                       for r in rows]
        threshold = round(t_amb + (t0 - t_amb) * rng.uniform(0.08, 0.2))
        last = step * (n - 1)
        horizon = sorted(rng.sample([last + k * 600 for k in range(1, 8)], 2))
        raw_name = pick(rng, ["logger.csv", "daq_export.csv", "tc_log.csv"])
        cal_name = pick(rng, ["calibration.csv", "bath_calibration.csv"])
        files: dict[str, str | bytes] = {f"environment/data/{raw_name}": "\n".join(raw_lines) + "\n",
                                         f"environment/data/{cal_name}": "\n".join(cal_lines) + "\n"}
        digests = {f"{in_dir}/{n_}": hashlib.sha256(files[f"environment/data/{n_}"].encode()).hexdigest()
                   for n_ in (raw_name, cal_name)}
        paths = {"clean": f"{work}/clean.csv", "calibration": f"{work}/calibration.json",
                 "temperature": f"{work}/temperature.csv", "fit": f"{work}/cooling_fit.json",
                 "prediction": f"{work}/prediction.json"}
        params = {"raw": f"{in_dir}/{raw_name}", "cal": f"{in_dir}/{cal_name}", "channel": chan, "degree": degree,
                  "dedupe": medium_up, "despike": hard, "spike_mv": 0.25, "threshold": threshold,
                  "horizon": horizon, "paths": paths, "digests": digests,
                  "p0": [t_amb, t0, tau]}
        files["tests/params.json"] = json.dumps(params, indent=1)
        files["tests/test_outputs.py"] = TEST_PY

        # ---- instruction ---------------------------------------------------------------------------------------
        intro = pick(rng, [
            f"We logged the {setup} with a type-K thermocouple and need the analysis done end to end.",
            f"The {setup} finished overnight; the raw logger export and the bath calibration are on this box.",
            f"Please turn the raw logger data from the {setup} into a cooling model and a prediction.",
            f"Thermal engineering needs a time constant for the {setup}, derived from the raw logger file.",
            f"Analyse the {setup}: the probe was calibrated in baths beforehand, the run itself is in the logger "
            "export.",
        ])
        clean_rules = ("the samples of channel `{chan}` whose status is `OK`".format(chan=chan)
                       + (pick(rng, [", keeping only the first row when the logger re-sent a timestamp",
                                     "; when a timestamp appears more than once (logger retransmission) keep its "
                                     "first row only"]) if medium_up else "")
                       + (pick(rng, [
                           ", then despiked: drop every sample whose mV differs by more than 0.25 from the median of "
                           "the window made of itself and up to two neighbours on each side (fewer at the ends), "
                           "all medians taken over the status-filtered series before anything is dropped",
                           ". Then remove spikes: a sample goes if it is more than 0.25 mV away from the median of "
                           "the up-to-5-sample window centred on it (itself plus at most two samples either side, "
                           "truncated at the ends); compute all medians on the status-filtered series first, then "
                           "drop"]) if hard else ""))
        cal_desc = ("quadratic" if degree == 2 else "linear") + " function of reading, `T = c0 + c1*mV" + \
            (" + c2*mV^2" if degree == 2 else "") + "`"
        lines = [intro, "", pick(rng, ["Inputs:", "What you have:"]),
                 f"- `{in_dir}/{raw_name}`: `timestamp,channel,mV,status`, ISO timestamps (logger clock, one "
                 f"sample every {step} s" + (f" per channel; channels {', '.join(channels)} are interleaved" if
                                             medium_up else "") + ").",
                 f"- `{in_dir}/{cal_name}`: `ref_temp_C,reading_mV`, " + pick(rng, [
                     "several readings of the same probe in reference baths at known temperatures.",
                     f"probe readings taken in reference baths at {', '.join(f'{t:g}' for t in sorted(refs))} degC."]), "",
                 pick(rng, [f"Work in `{work}/` and produce one file per stage (later stages use the earlier "
                            "results):",
                            f"Build it as a chain of stages in `{work}/`, each writing the file named below:"]), "",
                 f"1. **Clean** -> `{paths['clean']}` with header `t_s,mV`: {clean_rules}. "
                 + pick(rng, ["`t_s` is seconds since the first remaining sample; `mV` as in the input; in time "
                              "order.",
                              "Time order; `t_s` counts seconds from the first sample that survived cleaning, and "
                              "`mV` is copied from the input."]),
                 f"2. **Calibrate** -> `{paths['calibration']}`: " + pick(rng, [
                     f"fit temperature as a {cal_desc}, by ordinary least squares over all calibration rows; ",
                     f"least-squares fit (every calibration row, equal weights) of temperature as a {cal_desc}; "])
                 + "write `{\"c0\": ..., \"c1\": ...," + (" \"c2\": ...," if degree == 2 else "")
                 + " \"rms_residual_C\": ...}` (root mean square of the fit residuals in degC).",
                 f"3. **Convert** -> `{paths['temperature']}` with header `t_s,temp_C`: " + pick(rng, [
                     "every clean sample converted with that calibration (at least 4 decimals).",
                     "apply the calibration to each clean sample; keep 4 or more decimals."]),
                 f"4. **Fit** -> `{paths['fit']}`: " + pick(rng, [
                     "fit Newton's law of cooling `T(t) = Ta + (T0 - Ta) * exp(-t / tau)` to the converted samples "
                     "by least squares;",
                     "least-squares fit of Newton cooling, `T(t) = Ta + (T0 - Ta) * exp(-t / tau)`, to the "
                     "temperature series;"])
                 + " write `{\"ambient_C\": Ta, \"initial_C\": T0, \"tau_s\": tau}`.",
                 f"5. **Predict** -> `{paths['prediction']}`: `{{\"t_reach_s\": ..., \"temp_at\": {{...}}}}` where "
                 f"`t_reach_s` is when the fitted curve reaches {threshold} degC (same time origin as `t_s`) and "
                 f"`temp_at` maps the strings \"{horizon[0]}\" and \"{horizon[1]}\" (seconds) to the fitted "
                 "temperature at those times.",
                 "", pick(rng, ["Results must agree with an exact computation to about 1e-4 relative (fit "
                                "parameters at the least-squares optimum).",
                                "Numbers are checked against an independent recomputation at roughly 1e-4 relative, "
                                "so converge the fits fully."]), "",
                 pick(rng, [f"Do not modify the inputs in `{in_dir}`.", "Keep the raw files unchanged.",
                            f"`{in_dir}` is read-only."])]
        instruction = "\n".join(lines)

        ctx = dict(RAW=f"{in_dir}/{raw_name}", CAL=f"{in_dir}/{cal_name}", WORK=work, CHAN=chan, DEG=degree,
                   DEDUPE=medium_up, DESPIKE=hard, THRESH=threshold, H1=horizon[0], H2=horizon[1], **paths)
        files["solution/solve.sh"] = _solve(ctx)
        files["solution/wrong/stops-after-convert.sh"] = _solve(ctx, stages=3)
        files["solution/wrong/keeps-flagged-samples.sh"] = _solve(ctx, status_filter=False)
        if medium_up:
            files["solution/wrong/linear-calibration.sh"] = _solve(ctx, deg=1)
        else:
            files["solution/wrong/time-from-first-raw-row.sh"] = _solve(ctx, origin="raw")
        if hard:
            files["solution/wrong/no-despike.sh"] = _solve(ctx, despike=False)
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY data/ {in_dir}/\nWORKDIR /app\n", files=files,
            artifacts=[work],
            tags=["calibration", "curve-fitting", "signal-cleaning", "multi-stage", "scipy"],
            agent_timeout_sec={"easy": 900, "medium": 1500, "hard": 1800}[level],
            expert_minutes={"easy": 25, "medium": 40, "hard": 55}[level],
        )


def _solve(c: dict, *, stages: int = 5, status_filter: bool = True, deg: int | None = None, origin: str = "clean",
           despike: bool | None = None) -> str:
    deg = c["DEG"] if deg is None else deg
    despike = c["DESPIKE"] if despike is None else despike
    status = '$4 == "OK"' if status_filter else "1"
    dedupe = " && !seen[$1]++" if c["DEDUPE"] else ""
    s = [
        "#!/bin/bash",
        "set -euo pipefail",
        f"mkdir -p {c['WORK']}",
        f"head -n 5 {c['RAW']}",
        f"wc -l {c['RAW']} {c['CAL']}",
        f"cut -d, -f4 {c['RAW']} | sort | uniq -c",
        "# ---- stage 1: clean ----------------------------------------------------------------------------",
        f"awk -F, 'NR > 1 && $2 == \"{c['CHAN']}\" && {status}{dedupe} {{ print $1 \",\" $3 }}' {c['RAW']} "
        f"| sort -t, -k1,1 -s > {c['WORK']}/selected.csv",
        f"wc -l {c['WORK']}/selected.csv",
        "python3 - <<'PY'",
        f"WORK, DESPIKE, ORIGIN, RAW = {c['WORK']!r}, {despike!r}, {origin!r}, {c['RAW']!r}",
        textwrap.dedent('''\
            from datetime import datetime
            from statistics import median
            rows = [l.strip().split(",") for l in open(f"{WORK}/selected.csv") if l.strip()]
            ts = [datetime.fromisoformat(r[0]) for r in rows]
            mv = [float(r[1]) for r in rows]
            keep = list(range(len(rows)))
            if DESPIKE:
                keep = [i for i in keep if abs(mv[i] - median(mv[max(0, i - 2):i + 3])) <= 0.25]
            if ORIGIN == "raw":
                t0 = datetime.fromisoformat(open(RAW).readlines()[1].split(",")[0])
            else:
                t0 = ts[keep[0]]
            with open(f"{WORK}/clean.csv", "w") as fh:
                fh.write("t_s,mV\\n")
                for i in keep:
                    fh.write(f"{(ts[i] - t0).total_seconds():g},{rows[i][1]}\\n")'''),
        "PY",
        f"rm -f {c['WORK']}/selected.csv",
        f"head -n 3 {c['clean']}",
        "# ---- stage 2: calibrate ------------------------------------------------------------------------",
        "python3 - <<'PY'",
        f"CAL, OUT, DEG = {c['CAL']!r}, {c['calibration']!r}, {deg!r}",
        textwrap.dedent('''\
            import json
            import numpy as np
            d = np.loadtxt(CAL, delimiter=",", skiprows=1)
            coef = np.polyfit(d[:, 1], d[:, 0], DEG)[::-1]
            resid = d[:, 0] - np.polyval(coef[::-1], d[:, 1])
            out = {f"c{i}": float(v) for i, v in enumerate(coef)}
            out["rms_residual_C"] = float(np.sqrt(np.mean(resid ** 2)))
            json.dump(out, open(OUT, "w"), indent=2)'''),
        "PY",
        f"cat {c['calibration']}",
        "# ---- stage 3: convert --------------------------------------------------------------------------",
        f"c0=$(jq -r .c0 {c['calibration']})",
        f"c1=$(jq -r .c1 {c['calibration']})",
        f"c2=$(jq -r '.c2 // 0' {c['calibration']})",
        f"awk -F, -v c0=\"$c0\" -v c1=\"$c1\" -v c2=\"$c2\" 'NR == 1 {{ print \"t_s,temp_C\"; next }} "
        f"{{ printf \"%s,%.6f\\n\", $1, c0 + c1 * $2 + c2 * $2 * $2 }}' {c['clean']} > {c['temperature']}",
        f"tail -n 3 {c['temperature']}",
    ]
    if stages >= 4:
        s += [
            "# ---- stages 4 and 5: cooling fit and prediction ------------------------------------------------",
            "python3 - <<'PY'",
            f"TEMP, FIT, PRED, THRESH, H = {c['temperature']!r}, {c['fit']!r}, {c['prediction']!r}, "
            f"{c['THRESH']!r}, {[c['H1'], c['H2']]!r}",
            textwrap.dedent('''\
                import json, math
                import numpy as np
                from scipy.optimize import curve_fit
                d = np.loadtxt(TEMP, delimiter=",", skiprows=1)
                t, T = d[:, 0], d[:, 1]
                f = lambda t, ta, t0, tau: ta + (t0 - ta) * np.exp(-t / tau)
                p, _ = curve_fit(f, t, T, p0=[T.min(), T.max(), t.max() / 3], maxfev=20000)
                ta, t0, tau = map(float, p)
                json.dump({"ambient_C": ta, "initial_C": t0, "tau_s": tau}, open(FIT, "w"), indent=2)
                pred = {"t_reach_s": tau * math.log((t0 - ta) / (THRESH - ta)),
                        "temp_at": {str(h): float(f(h, ta, t0, tau)) for h in H}}
                json.dump(pred, open(PRED, "w"), indent=2)'''),
            "PY",
            f"cat {c['fit']} {c['prediction']}",
        ]
    return "\n".join(s) + "\n"


TEST_PY = textwrap.dedent(r'''
    """Recompute every stage from the raw inputs and compare with the agent's intermediate and final files."""

    import csv
    import json
    import math
    from datetime import datetime
    from pathlib import Path
    from statistics import median

    import numpy as np
    from scipy.optimize import least_squares

    P = json.loads(Path(__file__).with_name("params.json").read_text())
    PATHS = P["paths"]


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
        with open(path, newline="") as fh:
            rows = [[c.strip() for c in r] for r in csv.reader(fh) if r]
        assert rows and rows[0] == header, f"{path}: header {rows[:1]} != {header}"
        return [[float(x) for x in r] for r in rows[1:]]


    def test_stage1_clean():
        exp = ref_clean()
        got = read_csv(PATHS["clean"], ["t_s", "mV"])
        assert len(got) == len(exp), f"{len(got)} clean samples, expected {len(exp)}"
        for i, (g, e) in enumerate(zip(got, exp)):
            assert abs(g[0] - e[0]) < 1e-6 and abs(g[1] - e[1]) < 1e-9, f"row {i + 1}: {g} != {list(e)}"


    def test_stage2_calibration():
        coef, rms, d = ref_calibration()
        got = json.loads(Path(PATHS["calibration"]).read_text())
        keys = [f"c{i}" for i in range(len(coef))]
        assert all(k in got for k in keys), f"missing coefficients {keys}"
        assert "c2" not in got or P["degree"] == 2 or abs(float(got["c2"])) < 1e-12, "calibration is not linear"
        v = np.linspace(d[:, 1].min(), d[:, 1].max(), 50)
        mine = sum(float(got[k]) * v ** i for i, k in enumerate(keys))
        ref = sum(c * v ** i for i, c in enumerate(coef))
        assert np.max(np.abs(mine - ref)) < 1e-5, "calibration curve differs from the least-squares fit"
        assert abs(float(got["rms_residual_C"]) - rms) <= 1e-4 * rms + 1e-9, f"rms_residual_C {got['rms_residual_C']} != {rms}"


    def test_stage3_temperature():
        _, t, T = ref_fit()
        got = read_csv(PATHS["temperature"], ["t_s", "temp_C"])
        assert len(got) == len(T), f"{len(got)} rows, expected {len(T)}"
        g = np.array(got)
        assert np.max(np.abs(g[:, 0] - t)) < 1e-6, "time column differs from the clean samples"
        assert np.max(np.abs(g[:, 1] - T)) < 1e-4, f"temperatures off by up to {np.max(np.abs(g[:, 1] - T)):.3g} degC"


    def test_stage4_cooling_fit():
        p = ref_fit()[0]
        got = json.loads(Path(PATHS["fit"]).read_text())
        for key, want in zip(("ambient_C", "initial_C", "tau_s"), p):
            assert abs(float(got[key]) - want) <= 1e-4 * abs(want), f"{key}: {got[key]} != {want:.8g}"


    def test_stage5_prediction():
        ta, t0, tau = ref_fit()[0]
        got = json.loads(Path(PATHS["prediction"]).read_text())
        want = tau * math.log((t0 - ta) / (P["threshold"] - ta))
        assert abs(float(got["t_reach_s"]) - want) <= 1e-4 * want, f"t_reach_s {got['t_reach_s']} != {want:.6g}"
        assert sorted(got["temp_at"]) == sorted(str(h) for h in P["horizon"]), "temp_at keys"
        for h in P["horizon"]:
            w = ta + (t0 - ta) * math.exp(-h / tau)
            assert abs(float(got["temp_at"][str(h)]) - w) <= 1e-3, f"temp_at[{h}] {got['temp_at'][str(h)]} != {w:.5f}"
''').lstrip()
