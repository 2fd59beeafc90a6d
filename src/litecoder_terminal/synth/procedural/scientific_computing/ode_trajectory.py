"""Integrate an ODE model (driven oscillator, SIR epidemic, Lotka-Volterra, nonlinear pendulum) from a parameter
file with units, sample it on a grid to a stated accuracy, locate an event; at hard, several scenarios from a
parameter sheet."""

from __future__ import annotations

import hashlib
import json
import math
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register


def _fmt(x: float, sig: int = 5) -> str:
    return f"{x:.{sig}g}"


def _num(s: str) -> float:
    return float(s)


# Each sampler returns (display parameters [(name, value string, unit)], SI parameters, timescale, event text).
def _oscillator(rng: random.Random, units: bool):
    m = rng.randint(80, 1500) / 1000 if units else round(rng.uniform(0.1, 2.0), 3)
    w0 = rng.uniform(2.0, 9.0)
    k = round(m * w0 * w0, 2)
    zeta = rng.uniform(0.02, 0.2)
    c = round(2 * zeta * math.sqrt(k * m), 4)
    x0 = round(rng.uniform(0.03, 0.2), 3)
    f0 = round(k * x0 * rng.uniform(0.05, 0.2), 4)
    fdrive = round(math.sqrt(k / m) * rng.uniform(0.5, 1.5) / (2 * math.pi), 3)
    v0 = round(rng.uniform(-0.1, 0.1) * w0 * x0, 3)
    if units:
        disp = [("mass", _fmt(m * 1000, 6), "g"), ("stiffness", f"{k:.2f}", "N/m"), ("damping", f"{c:.4f}", "N*s/m"),
                ("force_amplitude", _fmt(f0 * 1000, 6), "mN"), ("drive_frequency", f"{fdrive:.3f}", "Hz"),
                ("x0", _fmt(x0 * 100, 6), "cm"), ("v0", f"{v0:.3f}", "m/s")]
    else:
        wd = round(2 * math.pi * fdrive, 3)
        disp = [("mass", f"{m:.3f}", "kg"), ("stiffness", f"{k:.2f}", "N/m"), ("damping", f"{c:.4f}", "N*s/m"),
                ("force_amplitude", f"{f0:.4f}", "N"), ("drive_frequency", f"{wd:.3f}", "rad/s"),
                ("x0", f"{x0:.3f}", "m"), ("v0", f"{v0:.3f}", "m/s")]
    si = _si("oscillator", disp)
    return disp, si, 2 * math.pi / math.sqrt(si["stiffness"] / si["mass"])


def _sir(rng: random.Random, units: bool):
    n = rng.choice([10_000, 50_000, 100_000, 250_000, 1_000_000])
    i0 = rng.randint(1, 40)
    r0 = round(rng.uniform(1.6, 4.0), 2)
    d = round(rng.uniform(3.0, 12.0), 1)
    if units:
        disp = [("population", str(n), "people"), ("initial_infected", str(i0), "people"),
                ("basic_reproduction_number", f"{r0:.2f}", "1"), ("infectious_period", str(int(d * 24)), "h")]
    else:
        gamma = round(1 / d, 4)
        beta = round(r0 * gamma, 4)
        disp = [("population", str(n), "people"), ("initial_infected", str(i0), "people"),
                ("beta", f"{beta:.4f}", "1/day"), ("gamma", f"{gamma:.4f}", "1/day")]
    si = _si("sir", disp)
    growth = si["beta"] - si["gamma"]
    return disp, si, math.log(n / i0) / growth


def _lv(rng: random.Random, units: bool):
    alpha, gamma = rng.uniform(0.8, 1.5), rng.uniform(0.6, 1.4)
    xs, ys = rng.uniform(20, 60), rng.uniform(5, 20)
    delta, beta = gamma / xs, alpha / ys
    prey0, pred0 = round(xs * rng.uniform(1.3, 2.0), 1), round(ys * rng.uniform(0.5, 0.9), 1)
    rates = [("alpha", alpha), ("beta", beta), ("gamma", gamma), ("delta", delta)]
    if units:
        disp = [(nm, _fmt(v / 12, 5), "1/month") for nm, v in rates]
    else:
        disp = [(nm, _fmt(v, 5), "1/year") for nm, v in rates]
    disp += [("prey0", f"{prey0:.1f}", "animals"), ("predator0", f"{pred0:.1f}", "animals")]
    si = _si("lotka_volterra", disp)
    return disp, si, 2 * math.pi / math.sqrt(si["alpha"] * si["gamma"]) * 1.3


def _pendulum(rng: random.Random, units: bool):
    length = round(rng.uniform(0.3, 2.5), 3)
    b = round(rng.uniform(0.02, 0.3), 3)
    th0 = rng.randint(20, 120)
    om0 = round(rng.uniform(-0.3, 0.3), 3)
    if units:
        disp = [("length", _fmt(length * 100, 6), "cm"), ("gravity", "9.81", "m/s^2"), ("damping", f"{b:.3f}", "1/s"),
                ("theta0", str(th0), "deg"), ("omega0", _fmt(om0 * 180 / math.pi, 5), "deg/s")]
    else:
        disp = [("length", f"{length:.3f}", "m"), ("gravity", "9.81", "m/s^2"), ("damping", f"{b:.3f}", "1/s"),
                ("theta0", f"{th0 * math.pi / 180:.5f}", "rad"), ("omega0", f"{om0:.3f}", "rad/s")]
    si = _si("pendulum", disp)
    return disp, si, 2 * math.pi * math.sqrt(si["length"] / si["gravity"]) * 1.2


UNIT = {"kg": 1.0, "g": 1e-3, "N/m": 1.0, "N*s/m": 1.0, "N": 1.0, "mN": 1e-3, "rad/s": 1.0, "m": 1.0, "cm": 1e-2,
        "m/s": 1.0, "people": 1.0, "1": 1.0, "days": 1.0, "1/day": 1.0, "1/year": 1.0, "1/month": 12.0, "h": 1 / 24,
        "animals": 1.0, "m/s^2": 1.0, "1/s": 1.0, "rad": 1.0, "deg": math.pi / 180, "deg/s": math.pi / 180,
        "Hz": 2 * math.pi}


def _si(model: str, disp) -> dict:
    v = {name: _num(val) * UNIT[unit] for name, val, unit in disp}
    if model == "sir" and "basic_reproduction_number" in v:
        v["gamma"] = 1 / v.pop("infectious_period")
        v["beta"] = v.pop("basic_reproduction_number") * v["gamma"]
    return v


MODELS = {
    "oscillator": dict(
        sampler=_oscillator, state=["x", "v"], time_unit="s", title="driven, damped mass-spring oscillator",
        eq="m x'' + c x' + k x = F0 cos(w t)   (x in m, v = x' in m/s, t in s)",
        legend="`mass` m, `stiffness` k, `damping` c, `force_amplitude` F0, `drive_frequency` w (angular; a "
               "value in Hz means w = 2*pi*f), initial conditions `x0`, `v0`",
        event="t_first_down_crossing", event_value="v_at_crossing",
        event_text="the first time t > 0 at which x crosses zero going downwards, and v at that instant",
        outcols="t,x,v", out_units="t in s, x in m, v in m/s"),
    "sir": dict(
        sampler=_sir, state=["S", "I", "R"], time_unit="days", title="SIR epidemic model",
        eq="S' = -beta*S*I/N,  I' = beta*S*I/N - gamma*I,  R' = gamma*I   (t in days)",
        legend="population N, initially `initial_infected` infected, nobody recovered and everyone else "
               "susceptible, transmission rate `beta` and recovery rate `gamma`",
        legend_units="population N, initially `initial_infected` infected, nobody recovered and everyone else "
                     "susceptible; the configuration gives the basic reproduction number R0 and the mean "
                     "infectious period D instead of the rates: gamma = 1/D and beta = R0*gamma",
        event="t_peak", event_value="I_peak",
        event_text="the time at which I reaches its maximum and that maximum",
        outcols="t,S,I,R", out_units="t in days, S, I, R in people (not rounded)"),
    "lotka_volterra": dict(
        sampler=_lv, state=["prey", "predator"], time_unit="years", title="Lotka-Volterra predator-prey model",
        eq="prey' = alpha*prey - beta*prey*predator,  predator' = delta*prey*predator - gamma*predator   "
           "(t in years)",
        legend="rates `alpha`, `beta`, `gamma`, `delta` (a rate per month is 12 times smaller than the same rate "
               "per year), initial populations `prey0`, `predator0`",
        event="t_predator_peak", event_value="predator_peak",
        event_text="the first time t > 0 at which the predator population has a local maximum, and that maximum",
        outcols="t,prey,predator", out_units="t in years, populations in animals (not rounded)"),
    "pendulum": dict(
        sampler=_pendulum, state=["theta", "omega"], time_unit="s", title="damped nonlinear pendulum",
        eq="theta'' = -(g/L) sin(theta) - b theta'   (theta in rad, omega = theta' in rad/s, t in s)",
        legend="`length` L, `gravity` g, `damping` b, initial angle `theta0` and angular velocity `omega0`",
        event="t_first_zero", event_value="omega_at_zero",
        event_text="the first time t > 0 at which theta crosses zero going downwards, and omega at that instant",
        outcols="t,theta,omega", out_units="t in s, theta in rad, omega in rad/s (even if the inputs use degrees)"),
}
NICE_STEPS = [0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0]


@register
class OdeTrajectory(TaskFamily):
    name = "ode_trajectory_sampling"
    domain = "scientific_computing"
    title = "Integrate an ODE model from a parameter file with units, sample it and locate an event"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        units = level != "easy"
        hard = level == "hard"
        model = pick(rng, sorted(MODELS))
        spec = MODELS[model]
        in_dir = pick(rng, ["/data/ode", "/srv/sim/inputs", "/data/model", "/opt/lab/sim"])
        out_dir = pick(rng, ["/app/out", "/app/sim", "/app/results", "/root/run"])
        n_scen = rng.randint(3, 4) if hard else 1
        scenarios = []
        for i in range(n_scen):
            disp, si, scale = spec["sampler"](rng, units)
            scenarios.append({"id": f"{pick(rng, ['run', 'case', 'sc'])}{i + 1:02d}" if hard else "main",
                              "disp": disp, "si": si, "scale": scale})
        if hard:  # unique ids
            prefix = scenarios[0]["id"][:-2]
            for i, s in enumerate(scenarios):
                s["id"] = f"{prefix}{i + 1:02d}"
        scale = max(s["scale"] for s in scenarios)
        dt_ = min(NICE_STEPS, key=lambda s: abs(math.log(s / (scale / rng.uniform(20, 35)))))
        horizon = 2.5 if model == "sir" else rng.uniform(3.0, 4.5)
        n_steps = max(100, int(math.ceil(horizon * scale / dt_)))
        t_end = round(n_steps * dt_, 6)

        files: dict[str, str | bytes] = {}
        if hard:
            header = ["scenario"] + [f"{name} [{unit}]" for name, _, unit in scenarios[0]["disp"]]
            lines = [",".join(header)] + [",".join([s["id"]] + [v for _, v, _ in s["disp"]]) for s in scenarios]
            pname = "scenarios.csv"
            files[f"environment/data/{pname}"] = "\n".join(lines) + "\n"
            grid = {"t_start": 0, "t_end": t_end, "dt": dt_}
            files["environment/data/grid.json"] = json.dumps(grid, indent=2) + "\n"
        else:
            pname = pick(rng, ["params.json", "model_params.json", "run_config.json"])
            doc = {"model": model, "parameters": {name: {"value": _num(v) if "." in v or "e" in v else int(v),
                                                         "unit": unit} for name, v, unit in scenarios[0]["disp"]},
                   "t_start": 0, "t_end": t_end, "dt": dt_}
            files[f"environment/data/{pname}"] = json.dumps(doc, indent=2) + "\n"

        traj = {s["id"]: (f"{out_dir}/{s['id']}.csv" if hard else
                          f"{out_dir}/{pick(rng, ['trajectory.csv', 'solution.csv', 'samples.csv'])}")
                for s in scenarios}
        summary = f"{out_dir}/{pick(rng, ['summary.json', 'events.json'])}" if units else None
        params = {"model": model, "state": spec["state"], "t_end": t_end, "dt": dt_, "n": n_steps + 1,
                  "scenarios": {s["id"]: s["si"] for s in scenarios}, "traj": traj, "summary": summary,
                  "event": [spec["event"], spec["event_value"]], "hard": hard,
                  "digests": {f"{in_dir}/{k.split('/', 2)[2]}": hashlib.sha256(v.encode()).hexdigest()
                              for k, v in files.items() if k.startswith("environment/")}}
        files["tests/params.json"] = json.dumps(params, indent=1)
        files["tests/test_outputs.py"] = TEST_PY

        # ---- instruction ---------------------------------------------------------------------------------------
        intro = pick(rng, [
            f"For the modelling report we need reference trajectories of our {spec['title']}.",
            f"A colleague's spreadsheet simulation of the {spec['title']} disagrees with the lab; produce a "
            "trustworthy numerical solution.",
            f"We need high-accuracy samples of a {spec['title']} to validate our embedded implementation against.",
            f"Please run the {spec['title']} for the configuration on this box and hand over the sampled solution.",
            f"The test bench for our {spec['title']} code needs golden reference data.",
        ])
        tu = spec["time_unit"]
        lines_ = [intro, "", pick(rng, ["Model:", "The equations:", "Governing equations:"]), "", "```", spec["eq"],
                  "```", "", f"with {spec.get('legend_units', spec['legend']) if units else spec['legend']}."]
        if hard:
            lines_ += ["", pick(rng, [
                f"`{in_dir}/{pname}` holds one scenario per row; each column header gives the parameter name and "
                f"its unit in brackets. `{in_dir}/grid.json` gives the common time grid (`t_start`, `t_end`, `dt`).",
                f"The {n_scen} scenarios ({', '.join(s['id'] for s in scenarios)}) are rows of `{in_dir}/{pname}`, "
                f"with headers of the form `name [unit]`; all share the grid in `{in_dir}/grid.json` (`t_start`, "
                f"`t_end`, `dt`, in {tu}).",
            ])]
        else:
            lines_ += ["", pick(rng, [
                f"The configuration is `{in_dir}/{pname}`: every parameter has a `value` and a `unit`; `t_start`, "
                f"`t_end` and `dt` define the output grid (in {tu}).",
                f"Parameters live in `{in_dir}/{pname}` as `{{\"value\": ..., \"unit\": ...}}` objects, next to the "
                f"output grid `t_start`/`t_end`/`dt` (here 0 to {t_end:g} {tu} in steps of {dt_:g}).",
            ])]
        if units:
            present = sorted({u for s in scenarios for _, _, u in s["disp"]})
            known = {"g": "`g` = 1e-3 kg", "cm": "`cm` = 1e-2 m", "mN": "`mN` = 1e-3 N", "deg": "`deg` = pi/180 rad",
                     "deg/s": "`deg/s` = pi/180 rad/s", "Hz": "`Hz` = cycles per second",
                     "h": "`h` = 1/24 day", "1/month": "a rate in `1/month` is 1/12 of the same rate in `1/year`"}
            conv = [known[u] for u in present if u in known]
            lines_ += [pick(rng, ["Convert every quantity to the units of the equations above before integrating",
                                  "The inputs are not all in the units the equations use; convert first",
                                  "Mind the units in the configuration"])
                       + " (" + "; ".join(conv) + ")."]
        out_desc = (pick(rng, [f"For each scenario write `{out_dir}/<scenario>.csv`",
                               f"Write one file per scenario, `{out_dir}/<scenario id>.csv`,"]) if hard else
                    pick(rng, [f"Write `{traj['main']}`", f"Save the samples to `{traj['main']}`"]))
        lines_ += ["", f"{out_desc} with header `{spec['outcols']}` and one row per grid time t = t_start, "
                   f"t_start + dt, ..., t_end (inclusive; {n_steps + 1} rows), units: {spec['out_units']}. "
                   + pick(rng, [
                       "Every value must be within 1e-4 x (the largest magnitude of that column) of the exact "
                       "solution of the initial value problem; a crude fixed-step method will not be accurate "
                       "enough.",
                       "Accuracy requirement: each sampled value must agree with the true solution to 1e-4 "
                       "relative to the column's largest absolute value, so choose the integrator and tolerances "
                       "accordingly.",
                       "Tolerance: the error of every entry may be at most 1e-4 times the largest absolute value "
                       "in its column; an adaptive high-order integrator with tight tolerances is the safe choice."])]
        if units:
            where = "an object keyed by scenario id whose values are objects" if hard else "an object"
            lines_ += ["", pick(rng, [
                f"Also write `{summary}`: {where} with `{spec['event']}` and `{spec['event_value']}`: "
                f"{spec['event_text']}. Times must be accurate to 1e-3 {tu} (finer than the output grid, so locate "
                "the event properly), values to 1e-4 relative.",
                f"Then report the event in `{summary}` ({where} with keys `{spec['event']}` and "
                f"`{spec['event_value']}`): {spec['event_text']}. The grid is too coarse for this, so find the time "
                f"to within 1e-3 {tu} (root finding or solver events); the value must be good to 1e-4 relative.",
            ])]
        lines_ += ["", pick(rng, [f"Do not edit the inputs in `{in_dir}`.", "Leave the configuration files as "
                                  "they are.", f"Treat `{in_dir}` as read-only."])]
        instruction = "\n".join(lines_)

        ctx = dict(MODEL=model, IN=in_dir, PNAME=pname, HARD=hard, OUT_DIR=out_dir, TRAJ=traj, SUMMARY=summary or "",
                   STATE=spec["state"], EVENT=[spec["event"], spec["event_value"]])
        files["solution/solve.sh"] = _solver(ctx)
        files["solution/wrong/euler-output-step.sh"] = _solver(ctx, METHOD="euler")
        if units:
            files["solution/wrong/raw-units.sh"] = _solver(ctx, RAW_UNITS=True)
        else:
            files["solution/wrong/grid-missing-endpoint.sh"] = _solver(ctx, GRID="arange")
        if hard:
            files["solution/wrong/first-scenario-only.sh"] = _solver(ctx, ONLY_FIRST=True)
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY data/ {in_dir}/\nWORKDIR /app\n", files=files,
            artifacts=[out_dir],
            tags=["ode", "numerical-integration", "scipy", "units"],
            agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1800}[level],
            expert_minutes={"easy": 12, "medium": 25, "hard": 40}[level],
        )


def _solver(ctx: dict, **mistakes) -> str:
    settings = dict(METHOD="dop853", RAW_UNITS=False, GRID="linspace", ONLY_FIRST=False)
    settings.update(mistakes)
    head = "\n".join(f"{k} = {v!r}" for k, v in {**ctx, **settings}.items())
    return ("#!/bin/bash\nset -euo pipefail\nmkdir -p " + ctx["OUT_DIR"] + "\n"
            "python3 - <<'PY'\n" + head + "\n" + SOLVER_BODY + "PY\n")


SOLVER_BODY = textwrap.dedent(r'''
    import csv, json, math
    import numpy as np
    from scipy.integrate import solve_ivp

    UNIT = {"g": 1e-3, "mN": 1e-3, "cm": 1e-2, "deg": math.pi / 180, "deg/s": math.pi / 180, "Hz": 2 * math.pi,
            "1/month": 12.0, "h": 1 / 24}

    def conv(value, unit):
        return float(value) * (1.0 if RAW_UNITS else UNIT.get(unit, 1.0))

    if HARD:
        rows = list(csv.reader(open(f"{IN}/{PNAME}")))
        names = [(h.split("[")[0].strip(), h.split("[")[1].rstrip("]").strip()) for h in rows[0][1:]]
        scen = {r[0]: {n: conv(v, u) for (n, u), v in zip(names, r[1:])} for r in rows[1:]}
        grid = json.load(open(f"{IN}/grid.json"))
    else:
        cfg = json.load(open(f"{IN}/{PNAME}"))
        scen = {"main": {n: conv(p["value"], p["unit"]) for n, p in cfg["parameters"].items()}}
        grid = cfg
    if ONLY_FIRST:
        scen = dict(list(scen.items())[:1])

    def setup(p):
        if MODEL == "oscillator":
            m, k, c, f0, w = p["mass"], p["stiffness"], p["damping"], p["force_amplitude"], p["drive_frequency"]
            rhs = lambda t, y: [y[1], (f0 * math.cos(w * t) - c * y[1] - k * y[0]) / m]
            ev = lambda t, y: y[0]
            return rhs, [p["x0"], p["v0"]], ev, 1
        if MODEL == "sir":
            if "basic_reproduction_number" in p:
                p["gamma"] = 1 / p["infectious_period"]
                p["beta"] = p["basic_reproduction_number"] * p["gamma"]
            n, b, g = p["population"], p["beta"], p["gamma"]
            rhs = lambda t, y: [-b * y[0] * y[1] / n, b * y[0] * y[1] / n - g * y[1], g * y[1]]
            ev = lambda t, y: b * y[0] * y[1] / n - g * y[1]
            return rhs, [n - p["initial_infected"], p["initial_infected"], 0.0], ev, 1
        if MODEL == "lotka_volterra":
            a, b, g, d = p["alpha"], p["beta"], p["gamma"], p["delta"]
            rhs = lambda t, y: [a * y[0] - b * y[0] * y[1], d * y[0] * y[1] - g * y[1]]
            ev = lambda t, y: d * y[0] * y[1] - g * y[1]
            return rhs, [p["prey0"], p["predator0"]], ev, 1
        L, g, b = p["length"], p["gravity"], p["damping"]
        rhs = lambda t, y: [y[1], -(g / L) * math.sin(y[0]) - b * y[1]]
        ev = lambda t, y: y[0]
        return rhs, [p["theta0"], p["omega0"]], ev, 0

    t0, t1, dt = float(grid["t_start"]), float(grid["t_end"]), float(grid["dt"])
    n = int(round((t1 - t0) / dt))
    ts = np.linspace(t0, t1, n + 1) if GRID == "linspace" else np.arange(t0, t1, dt)
    summary = {}
    for sid, p in scen.items():
        rhs, y0, ev, value_index = setup(dict(p))
        if METHOD == "euler":
            ys = [np.array(y0, float)]
            for t in ts[:-1]:
                ys.append(ys[-1] + dt * np.array(rhs(t, ys[-1])))
            Y = np.array(ys)
        else:
            ev.direction = -1
            sol = solve_ivp(rhs, (t0, t1), y0, method="DOP853", t_eval=ts, events=ev, rtol=1e-11, atol=1e-12,
                            dense_output=True)
            Y = sol.y.T
            te = [t for t in sol.t_events[0] if t > t0 + 1e-9]
            if te:
                summary[sid] = {EVENT[0]: float(te[0]), EVENT[1]: float(sol.sol(te[0])[value_index])}
        with open(TRAJ[sid], "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["t"] + STATE)
            for t, y in zip(ts, Y):
                w.writerow([f"{t:.10g}"] + [f"{v:.12g}" for v in y])
    if SUMMARY:
        with open(SUMMARY, "w") as fh:
            json.dump(summary if HARD else summary.get("main", {}), fh, indent=2)
''').lstrip()

TEST_PY = textwrap.dedent(r'''
    """Re-integrate the model from the true SI parameters with a tight tolerance and compare."""

    import csv
    import json
    import math
    from pathlib import Path

    import numpy as np
    from scipy.integrate import solve_ivp

    P = json.loads(Path(__file__).with_name("params.json").read_text())


    def model_setup(p):
        model = P["model"]
        if model == "oscillator":
            m, k, c, f0, w = p["mass"], p["stiffness"], p["damping"], p["force_amplitude"], p["drive_frequency"]
            return (lambda t, y: [y[1], (f0 * math.cos(w * t) - c * y[1] - k * y[0]) / m]), [p["x0"], p["v0"]], \
                (lambda t, y: y[0]), 1
        if model == "sir":
            n, b, g = p["population"], p["beta"], p["gamma"]
            return (lambda t, y: [-b * y[0] * y[1] / n, b * y[0] * y[1] / n - g * y[1], g * y[1]]), \
                [n - p["initial_infected"], p["initial_infected"], 0.0], \
                (lambda t, y: b * y[0] * y[1] / n - g * y[1]), 1
        if model == "lotka_volterra":
            a, b, g, d = p["alpha"], p["beta"], p["gamma"], p["delta"]
            return (lambda t, y: [a * y[0] - b * y[0] * y[1], d * y[0] * y[1] - g * y[1]]), \
                [p["prey0"], p["predator0"]], (lambda t, y: d * y[0] * y[1] - g * y[1]), 1
        L, g, b = p["length"], p["gravity"], p["damping"]
        return (lambda t, y: [y[1], -(g / L) * math.sin(y[0]) - b * y[1]]), [p["theta0"], p["omega0"]], \
            (lambda t, y: y[0]), 0


    def reference(sid):
        rhs, y0, ev, vi = model_setup(P["scenarios"][sid])
        ev.direction = -1
        ts = np.linspace(0.0, P["t_end"], P["n"])
        sol = solve_ivp(rhs, (0.0, P["t_end"]), y0, method="DOP853", t_eval=ts, events=ev, rtol=1e-12,
                        atol=1e-12, dense_output=True)
        assert sol.success
        te = [t for t in sol.t_events[0] if t > 1e-9]
        return ts, sol.y.T, (te[0], float(sol.sol(te[0])[vi])) if te else None


    def check_trajectory(sid):
        ts, Y, _ = reference(sid)
        with open(P["traj"][sid], newline="") as fh:
            rows = [r for r in csv.reader(fh) if r]
        assert [c.strip() for c in rows[0]] == ["t"] + P["state"], f"header {rows[0]}"
        data = np.array([[float(x) for x in r] for r in rows[1:]])
        assert data.shape == (len(ts), 1 + len(P["state"])), f"shape {data.shape}, expected {(len(ts), 1 + len(P['state']))}"
        assert np.allclose(data[:, 0], ts, rtol=0, atol=1e-9 * max(1.0, P["t_end"])), "time column is not the grid"
        for j, name in enumerate(P["state"]):
            scale = np.max(np.abs(Y[:, j]))
            err = np.max(np.abs(data[:, j + 1] - Y[:, j]))
            assert err <= 1e-4 * scale, f"{sid}: column {name} off by {err:.3g} (allowed {1e-4 * scale:.3g})"


    def _make(sid):
        def check():
            check_trajectory(sid)
        check.__name__ = f"test_trajectory_{sid}"
        return check


    for _sid in P["traj"]:
        globals()[f"test_trajectory_{_sid}"] = _make(_sid)


    if P["summary"]:
        def test_event_summary():
            got = json.loads(Path(P["summary"]).read_text())
            if not P["hard"]:
                got = {"main": got}
            tkey, vkey = P["event"]
            assert sorted(got) == sorted(P["traj"]), f"scenarios {sorted(got)}"
            for sid in P["traj"]:
                _, Y, ev = reference(sid)
                assert ev is not None
                assert abs(float(got[sid][tkey]) - ev[0]) <= 1.5e-3, f"{sid}: {tkey} {got[sid][tkey]} != {ev[0]:.6f}"
                vscale = max(abs(ev[1]), 1e-3 * np.max(np.abs(Y)))
                assert abs(float(got[sid][vkey]) - ev[1]) <= 1e-4 * vscale + 1e-9, \
                    f"{sid}: {vkey} {got[sid][vkey]} != {ev[1]:.8g}"
''').lstrip()
