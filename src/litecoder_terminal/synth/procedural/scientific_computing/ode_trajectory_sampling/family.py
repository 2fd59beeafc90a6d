"""Integrate an ODE model (driven oscillator, SIR epidemic, Lotka-Volterra, nonlinear pendulum) from a parameter
file with units, sample it on a grid to a stated rounding, locate an event; at hard, several scenarios from a
parameter sheet. The verifier re-integrates from the true SI parameters (tests/expected.json) with its own code."""

from __future__ import annotations

import json
import math
import random

from litecoder_terminal.synth.procedural import kit

KNOBS = {  # each known-wrong solution is the reference with one of these flipped
    "euler": kit.Knob("False", "True", "explicit Euler at the output step: far from the exact solution"),
    "grid": kit.Knob("np.linspace(t0, t1, n + 1)", "np.arange(t0, t1, dt)", "the grid misses its end point t_end"),
    "unit": kit.Knob("UNIT.get(unit, 1.0)", "1.0", "takes the parameters as written, without unit conversion"),
    "scenarios": kit.Knob("", "[:1]", "integrates only the first scenario of the sheet"),
}


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
CONVERSIONS = {"g": "`g` = 1e-3 kg", "cm": "`cm` = 1e-2 m", "mN": "`mN` = 1e-3 N", "deg": "`deg` = pi/180 rad",
               "deg/s": "`deg/s` = pi/180 rad/s", "Hz": "`Hz` = cycles per second (w = 2*pi*f)",
               "h": "`h` = 1/24 day", "1/month": "a rate in `1/month` is 1/12 of the same rate in `1/year`"}


def decimals(model: str, scenarios: list[dict]) -> dict[str, int]:
    """Decimal places of each state column: a unit of the last place is about 1e-6 of the column's scale."""
    state = MODELS[model]["state"]
    if model == "sir":
        n = max(s["si"]["population"] for s in scenarios)
        return {name: max(0, 6 - int(math.floor(math.log10(n)))) for name in state}
    return {name: {"oscillator": 6, "pendulum": 6, "lotka_volterra": 4}[model] for name in state}


class OdeTrajectory(kit.KitFamily):
    title = "Integrate an ODE model from a parameter file with units, sample it and locate an event"
    levels = kit.Levels(units=(False, True, True), scenarios=((1, 1), (1, 1), (3, 4)),
                        agent_timeout=(600, 1200, 1800), expert_minutes=(12, 25, 40))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        units = k.units
        model = rng.choice(sorted(MODELS))
        spec = MODELS[model]
        in_dir = rng.choice(["/data/ode", "/srv/sim/inputs", "/data/model", "/opt/lab/sim"])
        out_dir = rng.choice(["/app/out", "/app/sim", "/app/results", "/root/run"])
        n_scen = rng.randint(*k.scenarios)
        sheet = n_scen > 1
        prefix = rng.choice(["run", "case", "sc"])
        scenarios = []
        for i in range(n_scen):
            disp, si, scale = spec["sampler"](rng, units)
            scenarios.append({"id": f"{prefix}{i + 1:02d}" if sheet else "main", "disp": disp, "si": si,
                              "scale": scale})
        scale = max(s["scale"] for s in scenarios)
        dt_ = min(NICE_STEPS, key=lambda s: abs(math.log(s / (scale / rng.uniform(20, 35)))))
        horizon = 2.5 if model == "sir" else rng.uniform(3.0, 4.5)
        n_steps = max(100, int(math.ceil(horizon * scale / dt_)))
        t_end = round(n_steps * dt_, 6)
        tu = spec["time_unit"]

        files: dict[str, str | bytes] = {}
        if sheet:
            header = ["scenario"] + [f"{name} [{unit}]" for name, _, unit in scenarios[0]["disp"]]
            lines = [",".join(header)] + [",".join([s["id"]] + [v for _, v, _ in s["disp"]]) for s in scenarios]
            pname = "scenarios.csv"
            files[f"environment/data/{pname}"] = "\n".join(lines) + "\n"
            files["environment/data/grid.json"] = json.dumps({"t_start": 0, "t_end": t_end, "dt": dt_}, indent=2) + "\n"
            grid = f"{in_dir}/grid.json"
        else:
            pname = rng.choice(["params.json", "model_params.json", "run_config.json"])
            doc = {"model": model, "parameters": {name: {"value": _num(v) if "." in v or "e" in v else int(v),
                                                         "unit": unit} for name, v, unit in scenarios[0]["disp"]},
                   "t_start": 0, "t_end": t_end, "dt": dt_}
            files[f"environment/data/{pname}"] = json.dumps(doc, indent=2) + "\n"
            grid = f"{in_dir}/{pname}"
        params = f"{in_dir}/{pname}"
        traj = {s["id"]: (f"{out_dir}/{s['id']}.csv" if sheet else
                          f"{out_dir}/{rng.choice(['trajectory.csv', 'solution.csv', 'samples.csv'])}")
                for s in scenarios}
        summary = f"{out_dir}/{rng.choice(['summary.json', 'events.json'])}" if units else ""
        dec = decimals(model, scenarios)
        conf = f"{in_dir}/sim.conf"
        files["environment/data/sim.conf"] = self.template(
            "sim.conf", model=model, params=params, grid=grid, summary=summary or "(none)",
            traj_lines="\n".join(f"traj.{sid} = {path}" for sid, path in traj.items()),
            decimals_lines="\n".join(f"decimals.{name} = {d}" for name, d in dec.items()))
        # noise: an earlier parameter file, the colleague's quick simulation, the bench log
        old = spec["sampler"](rng, units)[0]
        files["environment/data/old/params_draft.json"] = json.dumps(
            {"model": model, "note": "draft values from the first lab meeting, superseded",
             "parameters": {n: {"value": v, "unit": u} for n, v, u in old}}, indent=2) + "\n"
        files["environment/data/old/quick_sim.py"] = self.data("quick_sim.py")
        stamp = f"{rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        files["environment/data/logs/bench.log"] = self.template(
            "bench.log", stamp=stamp, conf=conf, first_traj=next(iter(traj.values())), n_scen=n_scen)
        files["environment/app/check_bench.sh"] = self.template("check_bench.sh", conf=conf)

        present = sorted({u for s in scenarios for _, _, u in s["disp"]})
        conv = [CONVERSIONS[u] for u in present if u in CONVERSIONS]
        ids = ", ".join(s["id"] for s in scenarios)
        dec_text = "; ".join(f"`{name}` to {d} decimal places" for name, d in dec.items())
        event_part = ""
        if units:
            event_part = self.template(
                "event.md", summary=summary, event=spec["event"], event_value=spec["event_value"],
                event_text=spec["event_text"], tu=tu,
                where="an object keyed by scenario id whose values are objects" if sheet else "an object")
        model_text = self.template(
            "model.md", title=spec["title"], eq=spec["eq"],
            legend=spec.get("legend_units", spec["legend"]) if units else spec["legend"],
            conversions=("Convert every parameter to the units of the equations before integrating ("
                         + "; ".join(conv) + ").") if conv else "The parameters are in the units of the equations.",
            out_desc=(f"one file per scenario ({ids}) at the path the settings give (`traj.<scenario> = path`)"
                      if sheet else f"`{traj['main']}`"),
            outcols=",".join(["t"] + spec["state"]), n_rows=n_steps + 1, out_units=spec["out_units"],
            decimals_text=dec_text, event_part=event_part)
        files["environment/data/MODEL.md"] = f"# Reference simulation: model description\n\n{model_text}"
        inputs = (self.template("inputs.sheet.md", params=params, ids=ids, grid=grid, tu=tu) if sheet else
                  self.template("inputs.single.md", params=params, tu=tu))

        wrong = {"euler-output-step": "euler", "grid-missing-endpoint": "grid"}
        if units:
            wrong["raw-units"] = "unit"
        if sheet:
            wrong["first-scenario-only"] = "scenarios"
        values = {"conf": conf, "in_dir": in_dir}
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(conf=conf)
        files |= self.verifier()
        files |= kit.expected_file({
            "model": model, "state": spec["state"], "t_end": t_end, "n": n_steps + 1, "sheet": sheet,
            "scenarios": {s["id"]: s["si"] for s in scenarios}, "traj": traj, "summary": summary,
            "event": [spec["event"], spec["event_value"]], "decimals": dec})
        instruction = self.instruction(
            intro=self.intro(rng, title=spec["title"]), conf=conf, model_doc=f"{in_dir}/MODEL.md",
            model=model_text, inputs=inputs, in_dir=in_dir)
        outputs = list(traj.values()) + ([summary] if summary else [])
        return kit.draft(
            instruction=instruction, files=files,
            dockerfile_body=f"COPY data/ {in_dir}/\nCOPY app/ /app/\nRUN chmod +x /app/check_bench.sh\nWORKDIR /app\n",
            artifacts=[out_dir], outputs=outputs, tags=["ode", "numerical-integration", "scipy", "units"],
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes)
