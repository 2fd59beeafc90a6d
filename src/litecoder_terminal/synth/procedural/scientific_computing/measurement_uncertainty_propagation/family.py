"""Derive a physical quantity per sample from a long-format measurement table with mixed units: convert, combine
repeated readings (type A + type B), propagate uncertainties in quadrature, and (hard) an inverse-variance mean."""

from __future__ import annotations

import csv
import io
import math
import random
import statistics

from litecoder_terminal.synth.procedural import kit

# unit -> (dimension, factor to SI)
UNITS = {
    "m": ("length", 1.0), "cm": ("length", 1e-2), "mm": ("length", 1e-3), "um": ("length", 1e-6),
    "in": ("length", 0.0254), "ft": ("length", 0.3048),
    "kg": ("mass", 1.0), "g": ("mass", 1e-3), "mg": ("mass", 1e-6), "lb": ("mass", 0.45359237),
    "s": ("time", 1.0), "ms": ("time", 1e-3), "min": ("time", 60.0),
    "Ohm": ("resistance", 1.0), "mOhm": ("resistance", 1e-3), "kOhm": ("resistance", 1e3),
}
SI_BASE = {"length": "m", "mass": "kg", "time": "s", "resistance": "Ohm"}

# experiment: what, result name, SI unit, formula, constant, {quantity: (exponent, true SI range, units)}, alt unit
EXPERIMENTS = {
    "density": dict(
        what="density of machined cylinders", result="density", si_unit="kg/m^3",
        formula="rho = 4 m / (pi d^2 h)", const="4 / math.pi",
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
        formula="rho = pi R d^2 / (4 L)", const="math.pi / 4",
        q={"resistance": (1, (0.05, 5.0), ["Ohm", "mOhm", "Ohm"]), "diameter": (2, (2e-4, 1.5e-3), ["mm", "um"]),
           "length": (-1, (0.3, 3.0), ["m", "cm", "ft", "in"])},
        alt=("uOhm*cm", 1e-8)),
    "energy": dict(
        what="kinetic energy of carts on the air track", result="energy", si_unit="J",
        formula="E = m s^2 / (2 t^2)  (s is the distance covered in time t)", const="0.5",
        q={"mass": (1, (0.1, 1.5), ["g", "kg", "lb"]), "distance": (2, (0.3, 1.5), ["cm", "m", "in", "mm"]),
           "time": (-2, (0.2, 2.0), ["s", "ms"])},
        alt=("mJ", 1e-3)),
}

KNOBS = {  # each known-wrong solution is the reference with one of these flipped
    "combine": kit.Knob("math.sqrt(sum(t * t for t in terms))", "sum(terms)",
                        "adds relative uncertainties linearly instead of in quadrature"),
    "unit": kit.Knob('F[r["unit"]]', "1.0", "ignores the units column (no conversion to SI)"),
    "expo": kit.Knob("abs(p)", "1", "forgets to weight relative uncertainties by the exponents"),
    "sem": kit.Knob("s / math.sqrt(len(rs))", "s",
                    "uses the standard deviation of the readings instead of the standard error of their mean"),
}


def _sig(x: float, n: int = 5) -> str:
    return f"{x:.{n}g}" if abs(x) >= 1e-4 else f"{x:.{n}e}"


def evaluate(text: str, exps: dict[str, int], const: float, out_factor: float, *, combine: str = "quadrature",
             units: bool = True, exponents: bool = True, sem: bool = True) -> tuple[dict, list[str]]:
    """Per-sample (value, uncertainty) in the output unit and the incomplete samples, as the reference computes
    them; the keyword flags give each known-wrong variant (used at build time to prove each one goes wrong)."""
    readings: dict[str, dict[str, list]] = {}
    for r in csv.DictReader(io.StringIO(text)):
        f = UNITS[r["unit"]][1] if units else 1.0
        readings.setdefault(r["sample"], {}).setdefault(r["quantity"], []).append(
            (float(r["value"]) * f, float(r["uncertainty"]) * f))
    out, missing = {}, []
    for sample in sorted(readings):
        q = readings[sample]
        if set(q) != set(exps):
            missing.append(sample)
            continue
        val, terms = const, []
        for name, p in exps.items():
            vals = [v for v, _ in q[name]]
            x, u = sum(vals) / len(vals), max(u for _, u in q[name])
            if len(vals) > 1:
                s = statistics.stdev(vals)
                u = math.sqrt((s / math.sqrt(len(vals)) if sem else s) ** 2 + u ** 2)
            val *= x ** p
            terms.append((abs(p) if exponents else 1) * u / x)
        rel = math.sqrt(sum(t * t for t in terms)) if combine == "quadrature" else sum(terms)
        out[sample] = (val / out_factor, abs(val) * rel / out_factor)
    return out, missing


def weighted(out: dict) -> tuple[float, float]:
    ws = {k: 1 / u ** 2 for k, (_, u) in out.items()}
    return sum(ws[k] * out[k][0] for k in out) / sum(ws.values()), 1 / math.sqrt(sum(ws.values()))


def _differs(a: dict, b: dict) -> bool:
    """True when some value (1e-5) or uncertainty (1e-3 relative) is off: far beyond the verifier's tolerance."""
    return any(abs(a[k][0] - b[k][0]) > 1e-5 * abs(b[k][0]) or abs(a[k][1] - b[k][1]) > 1e-3 * b[k][1]
               for k in b)


class MeasurementUncertaintyPropagation(kit.KitFamily):
    title = "Convert units, combine repeated readings and propagate uncertainties to a derived quantity"
    levels = kit.Levels(
        samples=((4, 7), (6, 10), (9, 14)), repeats=(False, True, True), incomplete=(0, 0, 2),
        alt_unit=(False, True, True), agent_timeout=(600, 1200, 1800), expert_minutes=(12, 25, 35),
    )

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        key = rng.choice(sorted(EXPERIMENTS))
        ex = EXPERIMENTS[key]
        in_dir = rng.choice(["/data/lab", "/srv/labbook", "/data/practicum", "/opt/lab/data"])
        csv_name = rng.choice(["measurements.csv", "readings.csv", "lab_measurements.csv"])
        out_dir = rng.choice(["/app/out", "/app/analysis", "/app/results", "/root/lab"])
        out_unit, out_factor = ex["alt"] if k.alt_unit and rng.random() >= 0.4 else (ex["si_unit"], 1.0)
        n_osc = rng.choice([10, 20, 25, 50]) if key == "pendulum" else 0
        const_expr = ex["const"] or f"4 * math.pi ** 2 * {n_osc} ** 2"
        const = eval(const_expr, {"math": math})  # noqa: S307 - our own constant expressions
        prefix = rng.choice(["S", "R", "spec-", "run"])
        n_samples = rng.randint(*k.samples)
        samples = [f"{prefix}{i:02d}" for i in sorted(rng.sample(range(1, 60), n_samples))]
        incomplete = set(rng.sample(samples, rng.randint(1, k.incomplete))) if k.incomplete else set()
        exps = {q: v[0] for q, v in ex["q"].items()}

        rows, used_units = [], set()
        g_true = rng.uniform(9.79, 9.83)
        anchor = next(i for i, s in enumerate(samples) if s not in incomplete)
        for si, sample in enumerate(samples):
            truth: dict[str, float] = {}
            for qname, (_, span, _) in ex["q"].items():
                if qname == "time" and key == "pendulum":
                    truth[qname] = 2 * math.pi * math.sqrt(truth["length"] / g_true) * n_osc
                else:
                    truth[qname] = rng.uniform(*span)
            drop = rng.choice(sorted(ex["q"])) if sample in incomplete else None
            for qi, (qname, (_, _, units)) in enumerate(ex["q"].items()):
                if qname == drop:
                    continue
                n_read = rng.choice([1, 1, 2, 3, 4]) if k.repeats else 1
                if k.repeats and si == anchor:
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
        text = buf.getvalue()

        res = ex["result"]
        results = f"{out_dir}/{rng.choice(['results.csv', f'{res}_by_sample.csv', 'derived.csv'])}"
        incomplete_path = f"{out_dir}/incomplete.txt" if k.incomplete else ""
        summary_path = f"{out_dir}/{rng.choice(['summary.json', 'weighted_mean.json'])}" if k.incomplete else ""
        out, missing = evaluate(text, exps, const, out_factor)
        assert missing == sorted(incomplete)
        wrong = {"linear-uncertainty-sum": "combine", "ignores-units": "unit", "forgets-exponents": "expo"}
        if k.repeats:
            wrong["std-instead-of-sem"] = "sem"
        flags = {"combine": {"combine": "linear"}, "unit": {"units": False}, "expo": {"exponents": False},
                 "sem": {"sem": False}}
        for name, knob in wrong.items():  # each known mistake must really go wrong on this instance
            if not _differs(evaluate(text, exps, const, out_factor, **flags[knob])[0], out):
                raise RuntimeError(f"{self.name}: the mistake {name!r} gives the right answer on this instance")

        unit_list = sorted(used_units, key=lambda u: (UNITS[u][0], UNITS[u][1]))
        conv = ", ".join(f"`{u}` = {UNITS[u][1]:.10g} {SI_BASE[UNITS[u][0]]}" for u in unit_list
                         if UNITS[u][1] != 1.0)
        conf = "analysis.conf"
        files: dict[str, str | bytes] = {f"environment/data/{csv_name}": text}
        files[f"environment/data/{conf}"] = self.template(
            "analysis.conf", csv=f"{in_dir}/{csv_name}", result=res, formula=ex["formula"],
            exponents=", ".join(f"{q}:{p}" for q, p in exps.items()), n_osc=n_osc, out_unit=out_unit,
            out_factor=f"{out_factor:g}", results=results, incomplete=incomplete_path or "(none)",
            summary=summary_path or "(none)")
        files["environment/data/PROTOCOL.md"] = self.template(
            "PROTOCOL.md", result=res, conversions=conv, weighted_rule=self.data(
                "weighted_rule.md" if k.incomplete else "no_weighted_rule.md").strip())
        stamp = f"{rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        files["environment/data/logs/report_build.log"] = self.template(
            "report_build.log", stamp=stamp, results=results, n_rows=len(rows))
        files["environment/data/scripts/quick_look.py"] = self.data("quick_look.py")
        files["environment/app/build_report.sh"] = self.template("build_report.sh", conf=f"{in_dir}/{conf}")
        values = {"conf": f"{in_dir}/{conf}", "in_dir": in_dir, "const": const_expr}
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(conf=f"{in_dir}/{conf}")
        expected: dict = {"results": {s: list(vu) for s, vu in out.items()}, "result": res}
        outputs = [results]
        if k.incomplete:
            mean, unc = weighted(out)
            expected |= {"incomplete": missing, "weighted_mean": mean, "weighted_mean_unc": unc}
            outputs += [incomplete_path, summary_path]
        files |= self.verifier(results=results, incomplete=incomplete_path, summary=summary_path)
        files |= kit.expected_file(expected)

        qlist = ", ".join(f"`{q}`" for q in ex["q"])
        instruction = self.instruction(
            intro=self.intro(rng, what=ex["what"]), csv=f"{in_dir}/{csv_name}", conf=f"{in_dir}/{conf}",
            in_dir=in_dir, n_rows=len(rows), qlist=qlist, n_samples=n_samples, conv=conv, result=res,
            formula=ex["formula"] + (f", where every time was taken over N = {n_osc} oscillations" if n_osc else ""),
            results=results, out_unit=out_unit, incomplete=incomplete_path, summary=summary_path,
            repeats=self.data("repeats_rule.md").strip() if k.repeats else "",
            hard_part=self.template("hard_part.md", incomplete=incomplete_path, summary=summary_path,
                                    qlist=qlist, result=res, out_unit=out_unit).strip() if k.incomplete else "")
        return kit.draft(
            instruction=instruction, files=files,
            dockerfile_body=f"COPY data/ {in_dir}/\nCOPY app/ /app/\nRUN chmod +x /app/build_report.sh\nWORKDIR /app\n",
            artifacts=[out_dir], outputs=outputs, tags=["units", "uncertainty", "error-propagation", "csv"],
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
        )
