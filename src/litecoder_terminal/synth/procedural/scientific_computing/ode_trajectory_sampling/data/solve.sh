#!/bin/bash
# Reference: read the run settings and the model description, look at the parameters, then integrate with scipy.
set -euo pipefail
cd /app
# The symptom first: the bench fails; its messages name the run settings and the model description.
./check_bench.sh || true
# What is in the inputs folder? Expect the parameters, the settings, the description and some history.
ls -la @@in_dir@@
ls -la @@in_dir@@/logs @@in_dir@@/old
# The bench log says which reference files are missing.
cat @@in_dir@@/logs/bench.log
grep -n 'ERROR' @@in_dir@@/logs/bench.log
# The settings: model, parameter file, grid, one output file per scenario, the summary and the rounding.
cat @@conf@@
grep -n '^\(name\|parameters\|grid\|summary\|traj\.\|decimals\.\)' @@conf@@
# The model description: equations, the units the parameters must be in, the output format, the event.
cat @@in_dir@@/MODEL.md
grep -n '=' @@in_dir@@/MODEL.md | head -n 20
# The colleague's quick simulation is the one that disagrees: Euler, no unit conversion. Not a reference.
head -n 3 @@in_dir@@/old/quick_sim.py
params=$(sed -n 's/^parameters *= *//p' @@conf@@)
grid=$(sed -n 's/^grid *= *//p' @@conf@@)
# The parameters and their units (some are not in the units of the equations), and the grid.
cat "$params"
grep -o '"unit": *"[^"]*"\|\[[^]]*\]' "$params" | sort | uniq -c
cat "$grid"
# How many rows the description asks for, and the rounding of each state column.
grep -o '[0-9]* rows' @@in_dir@@/MODEL.md
grep -n '^decimals\.' @@conf@@
# The integrator to use (adaptive, high order) must be available.
python3 -c 'import scipy; print("scipy", scipy.__version__)'
for d in $(sed -n 's/^traj\.[^=]*= *//p' @@conf@@); do mkdir -p "$(dirname "$d")"; done
cat > /tmp/integrate.py <<'PY'
import configparser, csv, json, math, sys
import numpy as np
from scipy.integrate import solve_ivp

cfg = configparser.ConfigParser()
cfg.optionxform = str  # keys are case-sensitive (state names S, I, R)
cfg.read(sys.argv[1])
MODEL = cfg["model"]["name"]
OUT = cfg["output"]
TRAJ = {k[len("traj."):]: v for k, v in OUT.items() if k.startswith("traj.")}
DEC = {k[len("decimals."):]: int(v) for k, v in OUT.items() if k.startswith("decimals.")}
STATE = {"oscillator": ["x", "v"], "sir": ["S", "I", "R"], "lotka_volterra": ["prey", "predator"],
         "pendulum": ["theta", "omega"]}[MODEL]
EVENT = {"oscillator": ("t_first_down_crossing", "v_at_crossing"), "sir": ("t_peak", "I_peak"),
         "lotka_volterra": ("t_predator_peak", "predator_peak"), "pendulum": ("t_first_zero", "omega_at_zero")}[MODEL]
UNIT = {"g": 1e-3, "mN": 1e-3, "cm": 1e-2, "deg": math.pi / 180, "deg/s": math.pi / 180, "Hz": 2 * math.pi,
        "1/month": 12.0, "h": 1 / 24}


def conv(value, unit):
    return float(value) * @@unit@@


src = cfg["model"]["parameters"]
if src.endswith(".csv"):
    rows = list(csv.reader(open(src)))
    names = [(h.split("[")[0].strip(), h.split("[")[1].rstrip("]").strip()) for h in rows[0][1:]]
    scen = {r[0]: {n: conv(v, u) for (n, u), v in zip(names, r[1:])} for r in rows[1:]}
else:
    scen = {"main": {n: conv(p["value"], p["unit"]) for n, p in json.load(open(src))["parameters"].items()}}
grid = json.load(open(cfg["model"]["grid"]))
scen = dict(list(scen.items())@@scenarios@@)


def setup(p):
    if MODEL == "oscillator":
        m, k, c, f0, w = p["mass"], p["stiffness"], p["damping"], p["force_amplitude"], p["drive_frequency"]
        return (lambda t, y: [y[1], (f0 * math.cos(w * t) - c * y[1] - k * y[0]) / m]), [p["x0"], p["v0"]], \
            (lambda t, y: y[0]), 1
    if MODEL == "sir":
        if "basic_reproduction_number" in p:
            p["gamma"] = 1 / p["infectious_period"]
            p["beta"] = p["basic_reproduction_number"] * p["gamma"]
        n, b, g = p["population"], p["beta"], p["gamma"]
        return (lambda t, y: [-b * y[0] * y[1] / n, b * y[0] * y[1] / n - g * y[1], g * y[1]]), \
            [n - p["initial_infected"], p["initial_infected"], 0.0], (lambda t, y: b * y[0] * y[1] / n - g * y[1]), 1
    if MODEL == "lotka_volterra":
        a, b, g, d = p["alpha"], p["beta"], p["gamma"], p["delta"]
        return (lambda t, y: [a * y[0] - b * y[0] * y[1], d * y[0] * y[1] - g * y[1]]), \
            [p["prey0"], p["predator0"]], (lambda t, y: d * y[0] * y[1] - g * y[1]), 1
    L, g, b = p["length"], p["gravity"], p["damping"]
    return (lambda t, y: [y[1], -(g / L) * math.sin(y[0]) - b * y[1]]), [p["theta0"], p["omega0"]], \
        (lambda t, y: y[0]), 0


t0, t1, dt = float(grid["t_start"]), float(grid["t_end"]), float(grid["dt"])
n = int(round((t1 - t0) / dt))
ts = @@grid@@
summary = {}
for sid, p in scen.items():
    rhs, y0, ev, vi = setup(dict(p))
    ev.direction = -1  # the event is a downward crossing (a maximum for the derivative events)
    sol = solve_ivp(rhs, (t0, t1), y0, method="DOP853", events=ev, rtol=1e-12, atol=1e-12, dense_output=True)
    Y = sol.sol(ts).T
    if @@euler@@:  # explicit Euler at the output step
        ys = [np.array(y0, float)]
        for t in ts[:-1]:
            ys.append(ys[-1] + dt * np.array(rhs(t, ys[-1])))
        Y = np.array(ys)
    te = [t for t in sol.t_events[0] if t > t0 + 1e-9]
    summary[sid] = {EVENT[0]: float(te[0]), EVENT[1]: float(sol.sol(te[0])[vi])}
    with open(TRAJ[sid], "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["t"] + STATE)
        for t, y in zip(ts, Y):
            w.writerow([f"{t:.10g}"] + [f"{v:.{DEC[s]}f}" for s, v in zip(STATE, y)])
if OUT["summary"] != "(none)":
    with open(OUT["summary"], "w") as fh:
        json.dump(summary if len(TRAJ) > 1 else summary["main"], fh, indent=2)
PY
python3 /tmp/integrate.py @@conf@@
# Check: each trajectory has the header and one row per grid time, and the bench is satisfied.
for f in $(sed -n 's/^traj\.[^=]*= *//p' @@conf@@); do head -n 3 "$f"; wc -l < "$f"; done
# The last row must be t_end (the grid includes its end point).
for f in $(sed -n 's/^traj\.[^=]*= *//p' @@conf@@); do tail -n 1 "$f"; done
summary=$(sed -n 's/^summary *= *//p' @@conf@@)
[ "$summary" = "(none)" ] || cat "$summary"
./check_bench.sh
