"""Fit an exponential decay with offset, y = A exp(-t/tau) + C, to noisy instrument data: unweighted at easy,
chi-square weighted with quality flags and parameter uncertainties at medium, a global fit with a shared tau over
several detectors plus a threshold prediction at hard."""

from __future__ import annotations

import hashlib
import json
import math
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

SCENARIOS = [
    dict(what="activity of an irradiated foil sample", y="count rate", yunit="counts/s", instr="GM counter",
         cols=("t", "rate", "sigma", "flag"), names=["GM-A", "GM-B", "GM-C"]),
    dict(what="discharge of the RC timing stage", y="voltage", yunit="mV", instr="scope channel",
         cols=("t", "v_mV", "sigma_mV", "flag"), names=["CH1", "CH2", "CH3"]),
    dict(what="cooling of the heated test block", y="temperature rise over ambient", yunit="mK",
         cols=("t", "dT_mK", "sigma_mK", "flag"), instr="thermistor", names=["TH-1", "TH-2", "TH-3"]),
    dict(what="fluorescence decay of the dye sample", y="photon rate", yunit="kcounts/s", instr="PMT",
         cols=("t", "rate_k", "sigma_k", "flag"), names=["PMT-1", "PMT-2", "PMT-3"]),
]
TUNITS = {"s": 1.0, "min": 60.0, "h": 3600.0}


# ---- tiny least-squares helpers (pure python; the generator must be fast and numpy-free) ---------------------
def _solve_ac(ts, ys, ws, tau):
    """Weighted linear LSQ of y = A e + C for fixed tau -> (A, C, chi2)."""
    sw = swe = swee = swy = swey = 0.0
    es = [math.exp(-t / tau) for t in ts]
    for e, y, w in zip(es, ys, ws):
        sw += w
        swe += w * e
        swee += w * e * e
        swy += w * y
        swey += w * e * y
    det = swee * sw - swe * swe
    a = (swey * sw - swe * swy) / det
    c = (swee * swy - swe * swey) / det
    chi2 = sum(w * (y - a * e - c) ** 2 for e, y, w in zip(es, ys, ws))
    return a, c, chi2


def _fit(sets, tau0):
    """Shared-tau fit over datasets [(ts, ys, ws)] by golden section on log tau -> (tau, [(A, C)], chi2)."""
    def total(lt):
        return sum(_solve_ac(ts, ys, ws, math.exp(lt))[2] for ts, ys, ws in sets)
    lo, hi = math.log(tau0 / 2.5), math.log(tau0 * 2.5)
    g = (math.sqrt(5) - 1) / 2
    x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
    f1, f2 = total(x1), total(x2)
    for _ in range(40):
        if f1 < f2:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - g * (hi - lo)
            f1 = total(x1)
        else:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + g * (hi - lo)
            f2 = total(x2)
    tau = math.exp((lo + hi) / 2)
    acs = [_solve_ac(ts, ys, ws, tau)[:2] for ts, ys, ws in sets]
    return tau, acs, total(math.log(tau))


def _inverse(m):
    n = len(m)
    a = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(m)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[piv] = a[piv], a[col]
        p = a[col][col]
        a[col] = [v / p for v in a[col]]
        for r in range(n):
            if r != col:
                f = a[r][col]
                a[r] = [v - f * u for v, u in zip(a[r], a[col])]
    return [row[n:] for row in a]


def _sigmas(sets, tau, acs, scale=1.0):
    """1-sigma errors of (tau, A1, C1, A2, C2, ...) from (J^T W J)^-1 (times `scale`)."""
    k = 1 + 2 * len(sets)
    m = [[0.0] * k for _ in range(k)]
    for d, ((ts, ys, ws), (a, c)) in enumerate(zip(sets, acs)):
        for t, w in zip(ts, ws):
            e = math.exp(-t / tau)
            j = [0.0] * k
            j[0] = a * e * t / tau ** 2
            j[1 + 2 * d] = e
            j[2 + 2 * d] = 1.0
            for r in range(k):
                if j[r]:
                    for s in range(k):
                        m[r][s] += w * j[r] * j[s]
    inv = _inverse(m)
    return [math.sqrt(max(inv[i][i] * scale, 0.0)) for i in range(k)]


def _loglin(ts, ys):
    n = len(ts)
    ls = [math.log(y) for y in ys]
    mt, ml = sum(ts) / n, sum(ls) / n
    slope = sum((t - mt) * (v - ml) for t, v in zip(ts, ls)) / sum((t - mt) ** 2 for t in ts)
    return math.exp(ml - slope * mt), -1 / slope


@register
class DecayCurveFit(TaskFamily):
    name = "decay_curve_fit"
    domain = "scientific_computing"
    title = "Fit an exponential decay with offset to noisy instrument data (weights, flags, shared parameters)"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        weighted = level != "easy"
        hard = level == "hard"
        sc = rng.choice(SCENARIOS)
        in_dir = pick(rng, ["/data/fit", "/srv/lab/decay", "/data/measurements", "/opt/lab/runs"])
        out = pick(rng, ["/app/fit/result.json", "/app/decay_fit.json", "/app/results/fit.json", "/root/fit.json"])
        t_unit = rng.choice(sorted(TUNITS))
        out_unit = t_unit if level == "easy" else rng.choice([u for u in sorted(TUNITS) if u != t_unit])
        tau_true = rng.uniform(2.0, 30.0)  # in data time units
        n_sets = rng.randint(2, 3) if hard else 1
        names = sc["names"][:n_sets]

        for _attempt in range(30):
            sets_all, sets_used, raw_files = [], [], []
            for d in range(n_sets):
                a_true = rng.uniform(80, 4000)
                c_true = a_true * rng.uniform(0.05, 0.3)
                n = {"easy": rng.randint(30, 45), "medium": rng.randint(60, 90), "hard": rng.randint(50, 75)}[level]
                t_max = tau_true * rng.uniform(3.5, 5.0)
                ts = sorted(round(rng.uniform(0, t_max), 3) for _ in range(n))
                ts[0] = 0.0
                const_sd = a_true * rng.uniform(0.008, 0.02)
                rows = []
                for i, t in enumerate(ts):
                    true = a_true * math.exp(-t / tau_true) + c_true
                    sd = math.sqrt(true) * rng.uniform(0.8, 1.2) * max(1.0, a_true / 800) if weighted else const_sd
                    y = true + rng.gauss(0, sd)
                    flag = "ok"
                    if weighted and i > 0 and rng.random() < 0.07:
                        flag = rng.choice(["sat", "glitch", "dead"])
                        y = true * rng.choice([rng.uniform(1.6, 3.0), rng.uniform(0.1, 0.5)])
                    ytxt = f"{y:.3f}"
                    if weighted and i > 0 and flag == "ok" and rng.random() < 0.03:
                        ytxt = "nan"
                    rows.append([f"{t:.3f}", ytxt, f"{sd:.3f}", flag])
                if weighted and not any(r[3] != "ok" for r in rows):
                    rows[len(rows) // 2][3] = "glitch"
                    rows[len(rows) // 2][1] = f"{float(rows[len(rows) // 2][1]) * 2.2:.3f}"
                raw_files.append(rows)
                use = [r for r in rows if r[1] != "nan" and (not weighted or r[3] == "ok")]
                every = [r for r in rows if r[1] != "nan"]
                w = (lambda r: 1 / float(r[2]) ** 2) if weighted else (lambda r: 1.0)
                sets_used.append(([float(r[0]) for r in use], [float(r[1]) for r in use], [w(r) for r in use]))
                sets_all.append(([float(r[0]) for r in every], [float(r[1]) for r in every], [w(r) for r in every]))
            tau, acs, chi2 = _fit(sets_used, tau_true)
            n_used = sum(len(s[0]) for s in sets_used)
            k = 1 + 2 * n_sets
            scale = 1.0 if weighted else chi2 / (n_used - k)
            sig = _sigmas(sets_used, tau, acs, scale)
            best = [tau] + [v for ac in acs for v in ac]

            def far(params) -> bool:
                return any(abs(p - q) > 3 * max(1e-4 * abs(q), 0.02 * s) for p, q, s in zip(params, best, sig))

            wrong_params = {}
            if not weighted:
                ts_, ys_, _ = sets_used[0]
                a_ll, tau_ll = _loglin(ts_, ys_)
                wrong_params["log-linear-no-offset"] = [tau_ll, a_ll, 0.0]
                tail = sorted(zip(ts_, ys_))[-5:]
                c_tail = sum(y for _, y in tail) / 5
                keep = [(t, y - c_tail) for t, y in zip(ts_, ys_) if y - c_tail > 0]
                a_tb, tau_tb = _loglin([t for t, _ in keep], [y for _, y in keep])
                wrong_params["tail-baseline-loglin"] = [tau_tb, a_tb, c_tail]
            else:
                unw = [(s[0], s[1], [1.0] * len(s[0])) for s in sets_used]
                t_u, ac_u, _ = _fit(unw, tau_true)
                wrong_params["unweighted"] = [t_u] + [v for ac in ac_u for v in ac]
                t_f, ac_f, _ = _fit(sets_all, tau_true)
                wrong_params["keeps-flagged-rows"] = [t_f] + [v for ac in ac_f for v in ac]
                if hard:
                    singles = [_fit([s], tau_true) for s in sets_used]
                    wrong_params["separate-fits-mean-tau"] = ([sum(x[0] for x in singles) / len(singles)]
                                                              + [v for x in singles for v in x[1][0]])
            if all(far(p) for p in wrong_params.values()):
                break

        # ---- files ---------------------------------------------------------------------------------------
        files: dict[str, str | bytes] = {}
        cols = sc["cols"]
        data_names = []
        for d, rows in enumerate(raw_files):
            fname = (f"{names[d].lower().replace('-', '')}.dat" if hard else
                     pick(rng, ["decay.dat", "run_01.dat", "measurement.dat"]))
            data_names.append(fname)
            head = [f"# instrument: {sc['instr']} {names[d]}", f"# quantity: {sc['y']} in {sc['yunit']}",
                    f"# time unit: {t_unit}"]
            if weighted:
                head.append(f"# columns: {cols[0]}[{t_unit}] {cols[1]} {cols[2]} {cols[3]}")
                body = [" ".join(r) for r in rows]
            else:
                head.append(f"# columns: {cols[0]}[{t_unit}] {cols[1]}")
                body = [f"{r[0]} {r[1]}" for r in rows]
            files[f"environment/data/{fname}"] = "\n".join(head + body) + "\n"
        digests = {f"{in_dir}/{n}": hashlib.sha256(files[f"environment/data/{n}"].encode()).hexdigest()
                   for n in data_names}
        thr = None
        if hard:
            a1, c1 = acs[0]
            thr = round(c1 + a1 * rng.uniform(0.05, 0.2), 2)
        params = {"files": [f"{in_dir}/{n}" for n in data_names], "names": names, "weighted": weighted,
                  "hard": hard, "out": out, "factor": TUNITS[t_unit] / TUNITS[out_unit],
                  "p0": [tau] + [v for ac in acs for v in ac], "threshold": thr, "digests": digests}
        files["tests/params.json"] = json.dumps(params, indent=1)
        files["tests/test_outputs.py"] = TEST_PY

        # ---- instruction ---------------------------------------------------------------------------------------
        intro = pick(rng, [
            f"We measured the {sc['what']} and need the decay constant with a defensible fit.",
            f"Fit the {sc['what']} so we can quote a time constant in the lab report.",
            f"The analysis of the {sc['what']} is still open: fit the model below to the recorded data.",
            f"Our student's spreadsheet fit of the {sc['what']} is not trustworthy; redo it properly.",
            f"For the paper draft we need a clean fit of the {sc['what']}.",
        ])
        n_rows = sum(len(r) for r in raw_files)
        span = max(float(r[0]) for rows_ in raw_files for r in rows_)
        where = (f"`{in_dir}/{data_names[0]}`" if not hard else
                 ", ".join(f"`{in_dir}/{n}`" for n in data_names) + f" (detectors {', '.join(names)})")
        lines = [intro, "", pick(rng, [
            f"Data: {where}: whitespace-separated columns, `#` lines are comments (read the header comments: time "
            f"is in `{t_unit}`, the signal is the {sc['y']} in {sc['yunit']}).",
            f"The {sc['instr']} recorded {n_rows} rows over {span:g} {t_unit} into {where}. Columns are separated "
            f"by whitespace and lines starting with `#` are header comments; the signal is the {sc['y']} "
            f"({sc['yunit']}) and time is given in `{t_unit}`.",
        ])]
        if weighted:
            lines += [pick(rng, [
                f"`{cols[2]}` is the 1-sigma uncertainty of each point and `{cols[3]}` a quality flag: use only "
                "rows whose flag is `ok` and whose value is a number (some are `nan`).",
                f"Each point comes with its standard uncertainty (`{cols[2]}`). The `{cols[3]}` column marks "
                "saturated or glitched samples: only `ok` rows with a numeric value (not `nan`) may be used.",
            ])]
        model = "y(t) = A * exp(-t / tau) + C"
        if hard:
            lines += ["", pick(rng, [
                "All detectors saw the same decay, so fit them together: detector i follows "
                "`y_i(t) = A_i * exp(-t / tau) + C_i` with one shared `tau` and its own `A_i`, `C_i`, by minimising "
                "the total chi-square `sum((y - model)^2 / sigma^2)` over all detectors' usable points.",
                "The detectors look at the same source, so the time constant is common: do one global fit of "
                "`y_i(t) = A_i * exp(-t / tau) + C_i` (shared `tau`, per-detector amplitude `A_i` and background "
                "`C_i`) that minimises the summed chi-square `sum(((y - model) / sigma)^2)` of every usable point.",
            ])]
        elif weighted:
            lines += ["", pick(rng, [
                f"Fit `{model}` by weighted least squares, i.e. minimise chi-square `sum(((y - model) / sigma)^2)` "
                "over the usable points.",
                f"The model is `{model}`; estimate `A`, `tau`, `C` by minimising chi-square, "
                "`sum((y - model)^2 / sigma^2)`, over the usable points.",
            ])]
        else:
            lines += ["", pick(rng, [
                f"Fit `{model}` to all points by ordinary (unweighted, non-linear) least squares: the offset `C` is "
                "a free parameter, so a straight-line fit of `log(y)` is not the right estimator.",
                f"Use plain non-linear least squares (every point weighted equally) for `{model}`. `C` is a free "
                "background level; linearising with a logarithm does not give the least-squares answer.",
            ])]
        keys = ["`A`", "`tau`", "`C`", "`half_life` (= tau * ln 2)"]
        lines += ["", pick(rng, [f"Write `{out}` as a JSON object with numeric fields:",
                                 f"Results go to `{out}`, one JSON object containing:"])]
        if hard:
            lines += [f"- `tau`, `tau_err`, `half_life`: in `{out_unit}`;",
                      "- `chi2_red`: the minimum chi-square divided by (number of points used - number of fitted "
                      f"parameters, here {1 + 2 * n_sets});",
                      "- `n_used`: number of points used;",
                      "- `detectors`: an object keyed by detector name, each `{\"A\", \"A_err\", \"C\", \"C_err\"}` "
                      f"in {sc['yunit']};",
                      f"- `t_threshold`: the time (in `{out_unit}`, from t = 0) at which detector {names[0]}'s fitted "
                      f"curve falls to {thr} {sc['yunit']}."]
        elif weighted:
            lines += [f"- {', '.join(keys[:3])} and their 1-sigma uncertainties `A_err`, `tau_err`, `C_err`;",
                      f"- {keys[3]};", "- `chi2_red` (minimum chi-square / (points used - 3)) and `n_used`."]
        else:
            lines += [f"- {', '.join(keys)}."]
        tq = f"`tau`, `half_life`{', `tau_err`, `t_threshold`' if hard else ', `tau_err`' if weighted else ''}"
        lines += ["", pick(rng, [f"Time quantities ({tq}) must be in `{out_unit}`; `A`, `C` in {sc['yunit']}.",
                                 f"Report {tq} in `{out_unit}`" + (" (not in the file's time unit)"
                                                                   if out_unit != t_unit else "")
                                 + f", and amplitudes/offsets in {sc['yunit']}."])]
        if weighted:
            lines += [pick(rng, [
                "Uncertainties are the square roots of the diagonal of the covariance matrix (J^T W J)^-1 at the "
                "optimum, with W = diag(1/sigma^2) (the sigmas are absolute: do not rescale by chi2_red).",
                "The `_err` values are standard errors from the covariance (J^T W J)^-1 at the optimum, W = "
                "diag(1/sigma^2); treat sigma as absolute, so no scaling by the reduced chi-square.",
            ])]
        lines += [pick(rng, ["Values must match the least-squares optimum closely (within 1e-4 relative or 2% of "
                             "the parameter's standard error, whichever is larger).",
                             "Acceptance: each value within 1e-4 relative of the true optimum, or within 2% of its "
                             "standard error if that is larger."]), "",
                  pick(rng, [f"Do not edit the data files in `{in_dir}`.", "The raw data files must stay untouched.",
                             f"`{in_dir}` holds the original measurements; do not change them."])]
        instruction = "\n".join(lines)

        ctx = dict(FILES=[f"{in_dir}/{n}" for n in data_names], NAMES=names, WEIGHTED=weighted, HARD=hard, OUT=out,
                   FACTOR=TUNITS[t_unit] / TUNITS[out_unit], THRESHOLD=thr)
        files["solution/solve.sh"] = _solver(ctx)
        if not weighted:
            files["solution/wrong/log-linear-no-offset.sh"] = _solver(ctx, MODE="loglin")
            files["solution/wrong/tail-baseline-loglin.sh"] = _solver(ctx, MODE="tail")
        else:
            files["solution/wrong/unweighted.sh"] = _solver(ctx, UNWEIGHTED=True)
            files["solution/wrong/keeps-flagged-rows.sh"] = _solver(ctx, KEEP_FLAGGED=True)
            files["solution/wrong/tau-in-data-units.sh"] = _solver(ctx, FACTOR=1.0)
        if hard:
            files["solution/wrong/separate-fits-mean-tau.sh"] = _solver(ctx, SEPARATE=True)
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY data/ {in_dir}/\nWORKDIR /app\n", files=files,
            artifacts=[out],
            tags=["curve-fitting", "least-squares", "scipy", "uncertainty"],
            agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1800}[level],
            expert_minutes={"easy": 12, "medium": 25, "hard": 40}[level],
        )


def _solver(ctx: dict, **mistakes) -> str:
    settings = dict(MODE="nls", UNWEIGHTED=False, KEEP_FLAGGED=False, SEPARATE=False)
    settings.update(mistakes)
    head = "\n".join(f"{k} = {v!r}" for k, v in {**ctx, **settings}.items())
    return ("#!/bin/bash\nset -euo pipefail\nmkdir -p \"$(dirname " + ctx["OUT"] + ")\"\n"
            "python3 - <<'PY'\n" + head + "\n" + SOLVER_BODY + "PY\n")


SOLVER_BODY = textwrap.dedent(r'''
    import json, math
    import numpy as np
    from scipy.optimize import least_squares

    def load(path):
        rows = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
        keep = [r for r in rows if r[1] != "nan" and (not WEIGHTED or KEEP_FLAGGED or r[3] == "ok")]
        t = np.array([float(r[0]) for r in keep])
        y = np.array([float(r[1]) for r in keep])
        s = np.array([float(r[2]) for r in keep]) if WEIGHTED and not UNWEIGHTED else np.ones_like(y)
        return t, y, s

    def fit(sets):
        k = len(sets)
        def resid(p):
            tau = p[0]
            return np.concatenate([(y - (p[1 + 2 * i] * np.exp(-t / tau) + p[2 + 2 * i])) / s
                                   for i, (t, y, s) in enumerate(sets)])
        p0 = [np.ptp(sets[0][0]) / 3]
        for t, y, s in sets:
            p0 += [y.max() - y.min(), y.min()]
        r = least_squares(resid, p0, x_scale="jac", xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=20000)
        J = r.jac
        cov = np.linalg.inv(J.T @ J)
        chi2 = float(np.sum(r.fun ** 2))
        n = sum(len(t) for t, _, _ in sets)
        if not WEIGHTED:
            cov *= chi2 / (n - len(p0))
        return r.x, np.sqrt(np.diag(cov)), chi2, n

    sets = [load(f) for f in FILES]
    if MODE == "loglin":
        t, y, _ = sets[0]
        slope, icpt = np.polyfit(t, np.log(y), 1)
        p, err = np.array([-1 / slope, math.exp(icpt), 0.0]), np.zeros(3)
    elif MODE == "tail":
        t, y, _ = sets[0]
        order = np.argsort(t)
        c = y[order][-5:].mean()
        m = y - c > 0
        slope, icpt = np.polyfit(t[m], np.log(y[m] - c), 1)
        p, err = np.array([-1 / slope, math.exp(icpt), c]), np.zeros(3)
    else:
        p, err, chi2, n = fit(sets)
        if SEPARATE:
            parts = [fit([s]) for s in sets]
            p = np.array([np.mean([q[0][0] for q in parts])] + [v for q in parts for v in q[0][1:]])
    tau, tau_err = p[0] * FACTOR, err[0] * FACTOR
    if HARD:
        res = {"tau": tau, "tau_err": tau_err, "half_life": tau * math.log(2), "n_used": n,
               "chi2_red": chi2 / (n - len(p)), "detectors": {}}
        for i, name in enumerate(NAMES):
            res["detectors"][name] = {"A": p[1 + 2 * i], "A_err": err[1 + 2 * i], "C": p[2 + 2 * i],
                                      "C_err": err[2 + 2 * i]}
        a1, c1 = p[1], p[2]
        res["t_threshold"] = tau * math.log(a1 / (THRESHOLD - c1))
    elif WEIGHTED:
        res = {"A": p[1], "tau": tau, "C": p[2], "A_err": err[1], "tau_err": tau_err, "C_err": err[2],
               "half_life": tau * math.log(2), "chi2_red": chi2 / (n - 3), "n_used": n}
    else:
        res = {"A": p[1], "tau": tau, "C": p[2], "half_life": tau * math.log(2)}
    res = json.loads(json.dumps(res, default=float))
    with open(OUT, "w") as fh:
        json.dump(res, fh, indent=2)
    print(json.dumps(res, indent=2))
''').lstrip()

TEST_PY = textwrap.dedent(r'''
    """Refit the data with scipy from the raw files and compare the agent's numbers with the optimum."""

    import json
    import math
    from pathlib import Path

    import numpy as np
    from scipy.optimize import least_squares

    P = json.loads(Path(__file__).with_name("params.json").read_text())
    F = P["factor"]


    def load(path):
        rows = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
        keep = [r for r in rows if r[1] != "nan" and (not P["weighted"] or r[3] == "ok")]
        t = np.array([float(r[0]) for r in keep])
        y = np.array([float(r[1]) for r in keep])
        s = np.array([float(r[2]) for r in keep]) if P["weighted"] else np.ones_like(y)
        return t, y, s


    def reference():
        sets = [load(f) for f in P["files"]]

        def resid(p):
            return np.concatenate([(y - (p[1 + 2 * i] * np.exp(-t / p[0]) + p[2 + 2 * i])) / s
                                   for i, (t, y, s) in enumerate(sets)])
        r = least_squares(resid, P["p0"], x_scale="jac", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=50000)
        chi2 = float(np.sum(r.fun ** 2))
        n = sum(len(t) for t, _, _ in sets)
        cov = np.linalg.inv(r.jac.T @ r.jac)
        if not P["weighted"]:
            cov *= chi2 / (n - len(r.x))
        return r.x, np.sqrt(np.diag(cov)), chi2, n


    REF = reference()


    def result():
        return json.loads(Path(P["out"]).read_text())


    def close(got, want, sigma, what):
        tol = max(1e-4 * abs(want), 0.02 * sigma)
        assert abs(float(got) - want) <= tol, f"{what}: {got} != {want:.8g} (tolerance {tol:.3g})"


    def test_time_constant():
        p, err, _, _ = REF
        got = result()
        close(got["tau"], p[0] * F, err[0] * F, "tau")
        close(got["half_life"], p[0] * F * math.log(2), err[0] * F * math.log(2), "half_life")


    def test_amplitudes_and_offsets():
        p, err, _, _ = REF
        got = result()
        if P["hard"]:
            assert sorted(got["detectors"]) == sorted(P["names"]), "detectors"
            for i, name in enumerate(P["names"]):
                close(got["detectors"][name]["A"], p[1 + 2 * i], err[1 + 2 * i], f"{name}.A")
                close(got["detectors"][name]["C"], p[2 + 2 * i], err[2 + 2 * i], f"{name}.C")
        else:
            close(got["A"], p[1], err[1], "A")
            close(got["C"], p[2], err[2], "C")


    if P["weighted"]:
        def test_uncertainties_and_goodness_of_fit():
            p, err, chi2, n = REF
            got = result()
            assert int(got["n_used"]) == n, f"n_used {got['n_used']} != {n}"
            assert abs(float(got["chi2_red"]) - chi2 / (n - len(p))) <= 1e-3 * chi2 / (n - len(p)), "chi2_red"
            assert abs(float(got["tau_err"]) - err[0] * F) <= 0.01 * err[0] * F, "tau_err"
            if P["hard"]:
                for i, name in enumerate(P["names"]):
                    d = got["detectors"][name]
                    assert abs(float(d["A_err"]) - err[1 + 2 * i]) <= 0.01 * err[1 + 2 * i], f"{name}.A_err"
                    assert abs(float(d["C_err"]) - err[2 + 2 * i]) <= 0.01 * err[2 + 2 * i], f"{name}.C_err"
            else:
                assert abs(float(got["A_err"]) - err[1]) <= 0.01 * err[1], "A_err"
                assert abs(float(got["C_err"]) - err[2]) <= 0.01 * err[2], "C_err"


    if P["hard"]:
        def test_threshold_prediction():
            got = result()
            d = got["detectors"][P["names"][0]]
            own = float(got["tau"]) * math.log(float(d["A"]) / (P["threshold"] - float(d["C"])))
            assert abs(float(got["t_threshold"]) - own) <= 1e-6 * abs(own) + 1e-9, \
                "t_threshold is not where the reported curve crosses the threshold"
            p = REF[0]
            want = p[0] * F * math.log(p[1] / (P["threshold"] - p[2]))
            assert abs(float(got["t_threshold"]) - want) <= 5e-3 * abs(want), f"t_threshold {got['t_threshold']} != {want}"
''').lstrip()
