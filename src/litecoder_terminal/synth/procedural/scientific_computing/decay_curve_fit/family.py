"""Fit an exponential decay with offset, y = A exp(-t/tau) + C, to noisy instrument data: unweighted at easy,
chi-square weighted with quality flags and parameter uncertainties at medium, a global fit with a shared tau over
several detectors plus a threshold prediction at hard. The optimum is computed here (pure Python, golden section
on log tau with A, C solved linearly) and hidden in tests/expected.json."""

from __future__ import annotations

import math
import random

from litecoder_terminal.synth.procedural import kit

SCENARIOS = [
    dict(what="activity of an irradiated foil sample", y="count rate", yunit="counts/s", instr="GM counter",
         names=["GM-A", "GM-B", "GM-C"]),
    dict(what="discharge of the RC timing stage", y="voltage", yunit="mV", instr="scope channel",
         names=["CH1", "CH2", "CH3"]),
    dict(what="cooling of the heated test block", y="temperature rise over ambient", yunit="mK",
         instr="thermistor", names=["TH-1", "TH-2", "TH-3"]),
    dict(what="fluorescence decay of the dye sample", y="photon rate", yunit="kcounts/s", instr="PMT",
         names=["PMT-1", "PMT-2", "PMT-3"]),
]
TUNITS = {"s": 1.0, "min": 60.0, "h": 3600.0}

KNOBS = {  # each known-wrong solution is the reference with one of these flipped
    "offset": kit.Knob("True", "False", "fits without the background offset C"),
    "linearise": kit.Knob("False", "True", "straight line through log(y - tail mean) instead of least squares"),
    "sigma": kit.Knob("float(r[2]) if WEIGHTED else 1.0", "1.0", "ignores the uncertainties (unweighted fit)"),
    "keep": kit.Knob('r[3] == "ok"', "True", "keeps the flagged (saturated, glitched, dead) rows"),
    "factor": kit.Knob("FACTOR", "1.0", "reports tau in the data's time unit, not the one asked for"),
    "shared": kit.Knob("True", "False", "fits each detector separately and averages tau"),
}


# ---- tiny least-squares helpers (pure python; the generator must be fast and numpy-free) ---------------------
def _solve_ac(ts, ys, ws, tau, offset=True):
    """Weighted linear LSQ of y = A e + C (C = 0 without offset) for fixed tau -> (A, C, chi2)."""
    es = [math.exp(-t / tau) for t in ts]
    sw = sum(ws)
    swe = sum(w * e for w, e in zip(ws, es))
    swee = sum(w * e * e for w, e in zip(ws, es))
    swy = sum(w * y for w, y in zip(ws, ys))
    swey = sum(w * e * y for w, e, y in zip(ws, es, ys))
    if offset:
        det = swee * sw - swe * swe
        a, c = (swey * sw - swe * swy) / det, (swee * swy - swe * swey) / det
    else:
        a, c = swey / swee, 0.0
    chi2 = sum(w * (y - a * e - c) ** 2 for e, y, w in zip(es, ys, ws))
    return a, c, chi2


def _fit(sets, tau0, offset=True):
    """Shared-tau fit over datasets [(ts, ys, ws)] by golden section on log tau -> (tau, [(A, C)], chi2)."""
    def total(lt):
        return sum(_solve_ac(ts, ys, ws, math.exp(lt), offset)[2] for ts, ys, ws in sets)
    lo, hi = math.log(tau0 / 2.5), math.log(tau0 * 2.5)
    g = (math.sqrt(5) - 1) / 2
    x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
    f1, f2 = total(x1), total(x2)
    for _ in range(64):
        if f1 < f2:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - g * (hi - lo)
            f1 = total(x1)
        else:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + g * (hi - lo)
            f2 = total(x2)
    tau = math.exp((lo + hi) / 2)
    acs = [_solve_ac(ts, ys, ws, tau, offset)[:2] for ts, ys, ws in sets]
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


def _rows(rng, tau_true, n, weighted):
    """One detector's rows [t, y, sigma, flag] (strings) around a random A, C."""
    a_true = rng.uniform(80, 4000)
    c_true = a_true * rng.uniform(0.05, 0.3)
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
        mid = rows[len(rows) // 2]
        mid[3], mid[1] = "glitch", f"{float(mid[1]) * 2.2:.3f}"
    return rows


def _as_sets(raw, weighted, *, flagged=False, weights=True):
    out = []
    for rows in raw:
        use = [r for r in rows if r[1] != "nan" and (not weighted or flagged or r[3] == "ok")]
        out.append(([float(r[0]) for r in use], [float(r[1]) for r in use],
                    [1 / float(r[2]) ** 2 if weighted and weights else 1.0 for r in use]))
    return out


class DecayCurveFit(kit.KitFamily):
    title = "Fit an exponential decay with offset to noisy instrument data (weights, flags, shared parameters)"
    levels = kit.Levels(method=("unweighted", "weighted", "global"), detectors=((1, 1), (1, 1), (2, 3)),
                        points=((30, 45), (60, 90), (50, 75)), agent_timeout=(600, 1200, 1800),
                        expert_minutes=(12, 25, 40))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        weighted, hard = k.method != "unweighted", k.method == "global"
        sc = rng.choice(SCENARIOS)
        in_dir = rng.choice(["/data/fit", "/srv/lab/decay", "/data/measurements", "/opt/lab/runs"])
        out = rng.choice(["/app/fit/result.json", "/app/decay_fit.json", "/app/results/fit.json", "/root/fit.json"])
        t_unit = rng.choice(sorted(TUNITS))
        out_unit = rng.choice([u for u in sorted(TUNITS) if u != t_unit]) if weighted else t_unit
        factor = TUNITS[t_unit] / TUNITS[out_unit]
        tau_true = rng.uniform(2.0, 30.0)  # in data time units
        n_sets = rng.randint(*k.detectors)
        names = sc["names"][:n_sets]
        single = rng.choice(["decay.dat", "run_01.dat", "measurement.dat"])
        data_names = [f"{n.lower().replace('-', '')}.dat" for n in names] if n_sets > 1 else [single]

        wrong = {"no-offset": "offset", "tail-baseline-loglin": "linearise"}
        if weighted:
            wrong = {"unweighted": "sigma", "keeps-flagged-rows": "keep", "tau-in-data-units": "factor",
                     "no-offset": "offset"}
        if hard:
            wrong["separate-fits-mean-tau"] = "shared"
        for _attempt in range(40):
            raw = [_rows(rng, tau_true, rng.randint(*k.points), weighted) for _ in range(n_sets)]
            sets = _as_sets(raw, weighted)
            tau, acs, chi2 = _fit(sets, tau_true)
            n_used = sum(len(s[0]) for s in sets)
            n_params = 1 + 2 * n_sets
            sig = _sigmas(sets, tau, acs, 1.0 if weighted else chi2 / (n_used - n_params))
            best = [tau] + [v for ac in acs for v in ac]
            tols = [max(1e-5 * abs(q), 0.005 * s) for q, s in zip(best, sig)]

            def far(params) -> bool:
                return any(abs(p - q) > 20 * t for p, q, t in zip(params, best, tols))
            mistakes = {}
            t_n, ac_n, _ = _fit(sets, tau_true, offset=False)
            mistakes["offset"] = [t_n] + [v for ac in ac_n for v in ac]
            ts_, ys_, _ = sets[0]
            c_tail = sum(y for _, y in sorted(zip(ts_, ys_))[-5:]) / 5
            keep = [(t, y - c_tail) for t, y in zip(ts_, ys_) if y - c_tail > 0]
            a_tb, tau_tb = _loglin([t for t, _ in keep], [y for _, y in keep])
            mistakes["linearise"] = [tau_tb, a_tb, c_tail] + best[3:]
            if weighted:
                t_u, ac_u, _ = _fit(_as_sets(raw, weighted, weights=False), tau_true)
                mistakes["sigma"] = [t_u] + [v for ac in ac_u for v in ac]
                t_f, ac_f, _ = _fit(_as_sets(raw, weighted, flagged=True), tau_true)
                mistakes["keep"] = [t_f] + [v for ac in ac_f for v in ac]
                mistakes["factor"] = [tau / factor] + best[1:]  # compared in output units below
            if hard:
                singles = [_fit([s], tau_true) for s in sets]
                mistakes["shared"] = [sum(x[0] for x in singles) / len(singles)] + [
                    v for x in singles for v in x[1][0]]
            if all(far(mistakes[knob]) for knob in wrong.values()):
                break
        else:
            raise RuntimeError(f"{self.name}: no instance where every known mistake goes wrong")

        # ---- files -------------------------------------------------------------------------------------------
        files: dict[str, str | bytes] = {}
        for d, rows in enumerate(raw):
            head = [f"# instrument: {sc['instr']} {names[d]}", f"# quantity: {sc['y']} in {sc['yunit']}",
                    f"# time unit: {t_unit}"]
            if weighted:
                head.append(f"# columns: t[{t_unit}] y sigma flag")
                body = [" ".join(r) for r in rows]
            else:
                head.append(f"# columns: t[{t_unit}] y")
                body = [f"{r[0]} {r[1]}" for r in rows]
            files[f"environment/data/{data_names[d]}"] = "\n".join(head + body) + "\n"
        # a superseded run in the archive (noise: the settings do not list it)
        old = _rows(rng, tau_true * rng.uniform(0.6, 0.9), rng.randint(*k.points), weighted)
        files[f"environment/data/archive/{rng.choice(['run_2019', 'pilot', 'old_setup'])}.dat"] = "\n".join(
            [f"# instrument: {sc['instr']} (previous setup, superseded)", f"# time unit: {t_unit}"]
            + [" ".join(r) if weighted else f"{r[0]} {r[1]}" for r in old]) + "\n"
        thr = round(acs[0][1] + acs[0][0] * rng.uniform(0.05, 0.2), 2) if hard else None
        conf = f"{in_dir}/fit.conf"
        files["environment/data/fit.conf"] = self.template(
            "fit.conf", files=" ".join(f"{in_dir}/{n}" for n in data_names), detectors=", ".join(names),
            t_unit=t_unit, method_name=k.method, out=out, out_unit=out_unit,
            threshold_line=f"# detector {names[0]}'s curve falls to this level at t_threshold\nthreshold = {thr}"
            if hard else "")
        method = self.template(f"method.{k.method}.md", out_unit=out_unit, yunit=sc["yunit"],
                               **({"t_unit": t_unit} if weighted else {}),
                               **({"n_params": n_params, "detectors": ", ".join(names), "first": names[0],
                                   "threshold": str(thr)} if hard else {}))
        files["environment/data/FIT_METHOD.md"] = f"# Decay fit method\n\n{method}"
        stamp = f"{rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        files["environment/data/logs/report.log"] = self.template("report.log", stamp=stamp, conf=conf, out=out)
        files["environment/data/old/spreadsheet_fit.py"] = self.data("spreadsheet_fit.py")
        files["environment/app/make_report.sh"] = self.template("make_report.sh", conf=conf)

        # ---- hidden expected values ----------------------------------------------------------------------------
        def num(group, path, want, tol):
            return [group, path, want, tol]
        checks = [num("time", ["tau"], tau * factor, tols[0] * factor),
                  num("time", ["half_life"], tau * factor * math.log(2), tols[0] * factor * math.log(2))]
        keys = ["tau", "half_life"]
        for d, name in enumerate(names):
            base = ["detectors", name] if hard else []
            for j, key in enumerate(("A", "C")):
                i = 1 + 2 * d + j
                checks.append(num("params", base + [key], best[i], tols[i]))
                if weighted:
                    checks.append(num("uncertainties", base + [key + "_err"], sig[i], 1e-3 * sig[i]))
            if not hard:
                keys += ["A", "C"] + (["A_err", "C_err"] if weighted else [])
        if weighted:
            red = chi2 / (n_used - n_params)
            checks += [num("uncertainties", ["tau_err"], sig[0] * factor, 1e-3 * sig[0] * factor),
                       num("goodness_of_fit", ["chi2_red"], red, 1e-3 * red), ["goodness_of_fit", ["n_used"], n_used, 0]]
            keys += ["tau_err", "chi2_red", "n_used"]
        if hard:
            t_thr = tau * factor * math.log(acs[0][0] / (thr - acs[0][1]))
            checks.append(num("threshold", ["t_threshold"], t_thr, 1e-3 * abs(t_thr)))
            keys += ["detectors", "t_threshold"]
        files |= kit.expected_file({"checks": checks, "keys": sorted(keys), "detectors": names})

        values = {"conf": conf, "in_dir": in_dir}
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(conf=conf)
        files |= self.verifier(out=out)
        where = (", ".join(f"`{in_dir}/{n}`" for n in data_names) + f" (detectors {', '.join(names)})"
                 if hard else f"`{in_dir}/{data_names[0]}`")
        instruction = self.instruction(
            intro=self.intro(rng, what=sc["what"]), where=where, t_unit=t_unit, quantity=sc["y"],
            yunit=sc["yunit"], conf=conf, method_path=f"{in_dir}/FIT_METHOD.md", method=method, out=out,
            in_dir=in_dir)
        return kit.draft(
            instruction=instruction, files=files,
            dockerfile_body=f"COPY data/ {in_dir}/\nCOPY app/ /app/\nRUN chmod +x /app/make_report.sh\nWORKDIR /app\n",
            artifacts=[out], outputs=[out], tags=["curve-fitting", "least-squares", "scipy", "uncertainty"],
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes)
