"""Derive a physical quantity per sample from a long-format measurement table with mixed units: convert, combine
repeated readings (type A + type B), propagate uncertainties in quadrature, and (hard) form an inverse-variance
weighted mean over the complete samples."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

# unit -> (dimension, factor to SI)
UNITS = {
    "m": ("length", 1.0), "cm": ("length", 1e-2), "mm": ("length", 1e-3), "um": ("length", 1e-6),
    "in": ("length", 0.0254), "ft": ("length", 0.3048),
    "kg": ("mass", 1.0), "g": ("mass", 1e-3), "mg": ("mass", 1e-6), "lb": ("mass", 0.45359237),
    "s": ("time", 1.0), "ms": ("time", 1e-3), "min": ("time", 60.0),
    "Ohm": ("resistance", 1.0), "mOhm": ("resistance", 1e-3), "kOhm": ("resistance", 1e3),
}

# experiment: result name, SI unit, constant factor, {quantity: (exponent, dimension, true SI range, units to use)}
EXPERIMENTS = {
    "density": dict(
        what="density of machined cylinders", result="density", si_unit="kg/m^3",
        formula="rho = 4 m / (pi d^2 h)", const=4 / math.pi,
        q={"mass": (1, (0.02, 0.9), ["g", "kg", "lb", "g"]), "diameter": (-2, (0.01, 0.05), ["mm", "cm", "in"]),
           "height": (-1, (0.02, 0.12), ["mm", "cm", "in", "m"])},
        alt=("g/cm^3", 1e3)),
    "pendulum": dict(
        what="local gravitational acceleration from a simple pendulum", result="g", si_unit="m/s^2",
        formula="g = 4 pi^2 L N^2 / t^2  (t is the time for N full oscillations)", const=None,
        q={"length": (1, (0.4, 2.0), ["cm", "m", "mm", "in"]), "time": (-2, None, ["s", "ms", "s"])},
        alt=("cm/s^2", 1e-2)),
    "resistivity": dict(
        what="resistivity of wire samples", result="resistivity", si_unit="ohm*m",
        formula="rho = pi R d^2 / (4 L)", const=math.pi / 4,
        q={"resistance": (1, (0.05, 5.0), ["Ohm", "mOhm", "Ohm"]), "diameter": (2, (2e-4, 1.5e-3), ["mm", "um"]),
           "length": (-1, (0.3, 3.0), ["m", "cm", "ft", "in"])},
        alt=("uOhm*cm", 1e-8)),
    "energy": dict(
        what="kinetic energy of carts on the air track", result="energy", si_unit="J",
        formula="E = m s^2 / (2 t^2)  (s is the distance covered in time t)", const=0.5,
        q={"mass": (1, (0.1, 1.5), ["g", "kg", "lb"]), "distance": (2, (0.3, 1.5), ["cm", "m", "in", "mm"]),
           "time": (-2, (0.2, 2.0), ["s", "ms"])},
        alt=("mJ", 1e-3)),
}


def _sig(x: float, n: int = 5) -> str:
    return f"{x:.{n}g}" if abs(x) >= 1e-4 else f"{x:.{n}e}"


@register
class MeasurementUncertainty(TaskFamily):
    name = "measurement_uncertainty_propagation"
    domain = "scientific_computing"
    title = "Convert units, combine repeated readings and propagate uncertainties to a derived quantity"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        medium_up = level != "easy"
        hard = level == "hard"
        key = pick(rng, sorted(EXPERIMENTS))
        ex = EXPERIMENTS[key]
        in_dir = pick(rng, ["/data/lab", "/srv/labbook", "/data/practicum", "/opt/lab/data"])
        csv_name = pick(rng, ["measurements.csv", "readings.csv", "lab_measurements.csv"])
        out_dir = pick(rng, ["/app/out", "/app/analysis", "/app/results", "/root/lab"])
        out_unit, out_factor = (ex["si_unit"], 1.0) if not medium_up or rng.random() < 0.4 else ex["alt"]
        n_osc = rng.choice([10, 20, 25, 50]) if key == "pendulum" else None
        n_samples = {"easy": rng.randint(4, 7), "medium": rng.randint(6, 10), "hard": rng.randint(9, 14)}[level]
        prefix = pick(rng, ["S", "R", "spec-", "run"])
        samples = [f"{prefix}{i:02d}" for i in sorted(rng.sample(range(1, 60), n_samples))]
        incomplete = set(rng.sample(samples, rng.randint(1, 2))) if hard else set()

        rows = []  # sample, quantity, value text, uncertainty text, unit
        used_units: set[str] = set()
        g_true = rng.uniform(9.79, 9.83)
        anchor = next(i for i, s in enumerate(samples) if s not in incomplete)
        for si, sample in enumerate(samples):
            truth = {}
            for qname, (_, rng_range, _) in ex["q"].items():
                if qname == "time" and key == "pendulum":
                    period = 2 * math.pi * math.sqrt(truth["length"] / g_true)
                    truth[qname] = period * n_osc
                else:
                    lo, hi = rng_range
                    truth[qname] = rng.uniform(lo, hi)
            drop = rng.choice(sorted(ex["q"])) if sample in incomplete else None
            for qi, (qname, (_, _, units)) in enumerate(ex["q"].items()):
                if qname == drop:
                    continue
                n_read = 1 if not medium_up else rng.choice([1, 1, 2, 3, 4])
                if medium_up and si == anchor:
                    n_read = 3  # at least one repeated quantity
                unit = rng.choice(units)
                if si == anchor and qi == 0:
                    unit = next(u for u in units if UNITS[u][1] != 1.0)  # at least one non-SI unit
                used_units.add(unit)
                f = UNITS[unit][1]
                res_rel = rng.uniform(0.001, 0.01)
                for _ in range(n_read):
                    v = truth[qname] * (1 + rng.gauss(0, res_rel if n_read > 1 else 0))
                    u = truth[qname] * res_rel * rng.uniform(0.5, 1.0)
                    rows.append([sample, qname, _sig(v / f, 5), _sig(u / f, 2), unit])
        rng.shuffle(rows)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["sample", "quantity", "value", "uncertainty", "unit"])
        w.writerows(rows)
        files: dict[str, str | bytes] = {f"environment/data/{csv_name}": buf.getvalue()}
        digest = hashlib.sha256(buf.getvalue().encode()).hexdigest()

        res_name = ex["result"]
        results = f"{out_dir}/{pick(rng, ['results.csv', f'{res_name}_by_sample.csv', 'derived.csv'])}"
        incomplete_path = f"{out_dir}/incomplete.txt" if hard else None
        summary_path = f"{out_dir}/{pick(rng, ['summary.json', 'weighted_mean.json'])}" if hard else None
        exps = {q: v[0] for q, v in ex["q"].items()}
        params = {"csv": f"{in_dir}/{csv_name}", "key": key, "exps": exps, "n_osc": n_osc, "medium_up": medium_up,
                  "out_factor": out_factor, "results": results, "result": res_name, "incomplete": incomplete_path,
                  "summary": summary_path, "units": {u: UNITS[u][1] for u in UNITS},
                  "digests": {f"{in_dir}/{csv_name}": digest}}
        files["tests/params.json"] = json.dumps(params, indent=1)
        files["tests/test_outputs.py"] = TEST_PY

        # ---- instruction ---------------------------------------------------------------------------------------
        intro = pick(rng, [
            f"The lab course measured the {ex['what']}; turn the raw log into results with honest uncertainties.",
            f"We need the {ex['what']} with propagated uncertainties for the report appendix.",
            f"Several people logged measurements for the {ex['what']} in whatever units they liked. Sort it out.",
            f"QA wants the {ex['what']} per sample, each with a standard uncertainty.",
            f"Please evaluate the {ex['what']} from the shared measurement log.",
        ])
        unit_list = sorted(used_units, key=lambda u: (UNITS[u][0], UNITS[u][1]))
        base = dict(length='m', mass='kg', time='s', resistance='ohm')
        conv = ", ".join(f"`{u}` = {UNITS[u][1]:.10g} {base[UNITS[u][0]]}" for u in unit_list if UNITS[u][1] != 1.0)
        qlist = ", ".join(f"`{q}`" for q in ex["q"])
        log_desc = pick(rng, [
            f"`{in_dir}/{csv_name}` has one row per reading: `sample,quantity,value,uncertainty,unit`; `uncertainty` "
            "is the stated standard uncertainty of that reading, in the same unit as the value. Units vary from row "
            f"to row. Conversions: {conv}",
            f"The log `{in_dir}/{csv_name}` ({len(rows)} readings of {qlist} for {n_samples} samples) is in long "
            "format, `sample,quantity,value,uncertainty,unit`, where the uncertainty is a standard uncertainty in "
            f"the row's own unit. People used different units; convert with {conv}",
        ]) + (" (units are case-sensitive: `mOhm` is milliohm)." if key == "resistivity" else ".")
        formula = pick(rng, [f"For each sample compute `{res_name}` from `{ex['formula']}`",
                             f"The derived quantity is `{res_name}`, given by `{ex['formula']}`"])
        lines = [intro, "", log_desc, "",
                 formula + (f", where every time was taken over N = {n_osc} oscillations" if n_osc else "") + "."]
        if medium_up:
            lines += ["", pick(rng, [
                "A quantity may have been read several times for a sample. Then use the mean of the readings (after "
                "conversion to SI) as its value, and as its standard uncertainty `sqrt(u_A^2 + u_B^2)` where `u_A` "
                "is the sample standard deviation of the readings (n - 1 in the denominator) divided by sqrt(n), and "
                "`u_B` is the largest stated uncertainty among those readings. A single reading just keeps its "
                "stated uncertainty.",
                "Repeated readings of one quantity are combined: value = mean of the converted readings; standard "
                "uncertainty = `sqrt(u_A^2 + u_B^2)` with `u_A` = (sample standard deviation, n - 1 denominator) / "
                "sqrt(n) and `u_B` = the largest stated uncertainty of those readings. With only one reading the "
                "stated uncertainty is used as is.",
            ])]
        lines += ["", pick(rng, [
            "Propagate to the result with the first-order (linearised) formula for uncorrelated inputs: relative "
            "uncertainties, each multiplied by the magnitude of its exponent in the formula, add in quadrature.",
            "Inputs are uncorrelated; use first-order propagation, i.e. the relative uncertainty of the result is "
            "the root-sum-square of each input's relative uncertainty times the absolute value of its exponent.",
        ])]
        if hard:
            lines += ["", pick(rng, [
                "Some samples lack a required quantity: leave them out of the results and list their ids, one per "
                f"line in sorted order, in `{incomplete_path}`.",
                f"A few samples are missing one of {qlist}; skip them and put their ids (sorted, one per line) in "
                f"`{incomplete_path}`.",
            ])]
        unit_note = f"in `{out_unit}`" + (f" (1 {out_unit} = {out_factor:g} {ex['si_unit']})" if out_factor != 1.0
                                          else "")
        lines += ["", pick(rng, [
            f"Write `{results}` with header `sample,{res_name},{res_name}_unc`, one row per "
            f"{'complete ' if hard else ''}sample sorted by sample id, both numbers {unit_note} with at least 7 "
            "significant digits.",
            f"Output: `{results}`, header `sample,{res_name},{res_name}_unc`, sorted by sample id, value and "
            f"uncertainty {unit_note}, printed with 7 or more significant digits.",
        ]) + " Values must be within 1e-6 relative and uncertainties within 1e-4 relative of the exact computation."]
        if hard:
            lines += ["", f"Finally write `{summary_path}` with `weighted_mean` and `weighted_mean_unc` (inverse-"
                      f"variance weighted mean of the samples' {res_name} and its standard uncertainty "
                      f"1/sqrt(sum of weights), in `{out_unit}`) and `n_samples`."]
        lines += ["", pick(rng, ["Do not edit the measurement log.", f"`{in_dir}` is read-only: do not modify it.",
                                 "Leave the raw log exactly as it is."])]
        instruction = "\n".join(lines)

        ctx = dict(CSV=f"{in_dir}/{csv_name}", EXPS=exps, N_OSC=n_osc, KEY=key, OUT_FACTOR=out_factor,
                   RESULTS=results, RESULT=res_name, INCOMPLETE=incomplete_path or "", SUMMARY=summary_path or "")
        files["solution/solve.sh"] = _solver(ctx)
        files["solution/wrong/linear-uncertainty-sum.sh"] = _solver(ctx, COMBINE="linear")
        files["solution/wrong/ignores-units.sh"] = _solver(ctx, UNITS_ON=False)
        if medium_up:
            files["solution/wrong/forgets-exponents.sh"] = _solver(ctx, EXPONENTS=False)
            files["solution/wrong/std-instead-of-sem.sh"] = _solver(ctx, SEM=False)
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY data/ {in_dir}/\nWORKDIR /app\n", files=files,
            artifacts=[out_dir],
            tags=["units", "uncertainty", "error-propagation", "csv"],
            agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1800}[level],
            expert_minutes={"easy": 12, "medium": 25, "hard": 35}[level],
        )


def _solver(ctx: dict, **mistakes) -> str:
    settings = dict(COMBINE="quadrature", UNITS_ON=True, EXPONENTS=True, SEM=True)
    settings.update(mistakes)
    head = "\n".join(f"{k} = {v!r}" for k, v in {**ctx, **settings}.items())
    return ("#!/bin/bash\nset -euo pipefail\nmkdir -p \"$(dirname " + ctx["RESULTS"] + ")\"\n"
            "python3 - <<'PY'\n" + head + "\n" + SOLVER_BODY + "PY\n")


SOLVER_BODY = textwrap.dedent(r'''
    import csv, json, math, statistics

    F = {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "um": 1e-6, "in": 0.0254, "ft": 0.3048, "kg": 1.0, "g": 1e-3,
         "mg": 1e-6, "lb": 0.45359237, "s": 1.0, "ms": 1e-3, "min": 60.0, "Ohm": 1.0, "mOhm": 1e-3, "kOhm": 1e3}
    CONST = {"density": 4 / math.pi, "resistivity": math.pi / 4, "energy": 0.5}

    readings = {}
    for r in csv.DictReader(open(CSV, newline="")):
        f = F[r["unit"]] if UNITS_ON else 1.0
        readings.setdefault(r["sample"], {}).setdefault(r["quantity"], []).append(
            (float(r["value"]) * f, float(r["uncertainty"]) * f))

    def combine(rs):
        vals = [v for v, _ in rs]
        mean = sum(vals) / len(vals)
        ub = max(u for _, u in rs)
        if len(rs) == 1:
            return mean, ub
        s = statistics.stdev(vals)
        ua = s / math.sqrt(len(rs)) if SEM else s
        return mean, math.sqrt(ua ** 2 + ub ** 2)

    out, missing = [], []
    for sample in sorted(readings):
        q = readings[sample]
        if set(q) != set(EXPS):
            missing.append(sample)
            continue
        val = CONST.get(KEY, 4 * math.pi ** 2 * (N_OSC or 1) ** 2)
        terms = []
        for name, p in EXPS.items():
            x, u = combine(q[name])
            val *= x ** p
            terms.append((abs(p) if EXPONENTS else 1) * u / x)
        rel = math.sqrt(sum(t * t for t in terms)) if COMBINE == "quadrature" else sum(terms)
        out.append((sample, val / OUT_FACTOR, abs(val) * rel / OUT_FACTOR))

    with open(RESULTS, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["sample", RESULT, RESULT + "_unc"])
        for s, v, u in out:
            w.writerow([s, f"{v:.10g}", f"{u:.10g}"])
    if INCOMPLETE:
        open(INCOMPLETE, "w").write("".join(s + "\n" for s in missing))
    if SUMMARY:
        ws = [1 / u ** 2 for _, _, u in out]
        mean = sum(w * v for w, (_, v, _) in zip(ws, out)) / sum(ws)
        json.dump({"weighted_mean": mean, "weighted_mean_unc": 1 / math.sqrt(sum(ws)), "n_samples": len(out)},
                  open(SUMMARY, "w"), indent=2)
    print(open(RESULTS).read())
''').lstrip()

TEST_PY = textwrap.dedent(r'''
    """Recompute every sample's derived value and uncertainty from the measurement log."""

    import csv
    import json
    import math
    from pathlib import Path

    P = json.loads(Path(__file__).with_name("params.json").read_text())
    CONST = {"density": 4 / math.pi, "resistivity": math.pi / 4, "energy": 0.5}


    def expected():
        readings = {}
        with open(P["csv"], newline="") as fh:
            for r in csv.DictReader(fh):
                f = P["units"][r["unit"]]
                readings.setdefault(r["sample"], {}).setdefault(r["quantity"], []).append(
                    (float(r["value"]) * f, float(r["uncertainty"]) * f))
        out, missing = {}, []
        for sample, q in readings.items():
            if set(q) != set(P["exps"]):
                missing.append(sample)
                continue
            val = CONST[P["key"]] if P["key"] in CONST else 4 * math.pi ** 2 * P["n_osc"] ** 2
            rel2 = 0.0
            for name, p in P["exps"].items():
                vals = [v for v, _ in q[name]]
                n = len(vals)
                mean = sum(vals) / n
                ub = max(u for _, u in q[name])
                if n > 1:
                    var = sum((v - mean) ** 2 for v in vals) / (n - 1)
                    u = math.sqrt(var / n + ub ** 2)
                else:
                    u = ub
                val *= mean ** p
                rel2 += (p * u / mean) ** 2
            out[sample] = (val / P["out_factor"], abs(val) * math.sqrt(rel2) / P["out_factor"])
        return out, sorted(missing)


    def rows():
        with open(P["results"], newline="") as fh:
            got = [[c.strip() for c in r] for r in csv.reader(fh) if r]
        assert got[0] == ["sample", P["result"], P["result"] + "_unc"], f"header {got[0]}"
        return got[1:]


    def test_samples_listed_in_order():
        exp = expected()[0]
        assert [r[0] for r in rows()] == sorted(exp), "wrong samples or order"


    def test_values():
        exp = expected()[0]
        for sample, v, _ in rows():
            assert abs(float(v) - exp[sample][0]) <= 1e-6 * abs(exp[sample][0]), f"{sample}: {v} != {exp[sample][0]:.10g}"


    def test_uncertainties():
        exp = expected()[0]
        for sample, _, u in rows():
            assert abs(float(u) - exp[sample][1]) <= 1e-4 * exp[sample][1], f"{sample}: unc {u} != {exp[sample][1]:.6g}"


    if P["incomplete"]:
        def test_incomplete_and_weighted_mean():
            exp, missing = expected()
            got = [l.strip() for l in Path(P["incomplete"]).read_text().splitlines() if l.strip()]
            assert got == missing, f"incomplete {got} != {missing}"
            s = json.loads(Path(P["summary"]).read_text())
            ws = {k: 1 / u ** 2 for k, (_, u) in exp.items()}
            mean = sum(ws[k] * exp[k][0] for k in exp) / sum(ws.values())
            unc = 1 / math.sqrt(sum(ws.values()))
            assert int(s["n_samples"]) == len(exp)
            assert abs(float(s["weighted_mean"]) - mean) <= 1e-6 * abs(mean), f"weighted_mean {s['weighted_mean']} != {mean}"
            assert abs(float(s["weighted_mean_unc"]) - unc) <= 1e-4 * unc, f"weighted_mean_unc {s['weighted_mean_unc']}"
''').lstrip()
