#!/bin/bash
# Alternative: LSODA (scipy.integrate.odeint) on the grid, the event bracketed on the grid and refined with
# brentq on a short re-integration; settings read with sed and handed over as arguments.
set -euo pipefail
conf=@@conf@@
get() { sed -n "s/^$1 *= *//p" "$conf"; }
for d in $(sed -n 's/^traj\.[^=]*= *//p' "$conf"); do mkdir -p "$(dirname "$d")"; done
python3 - "$(get name)" "$(get parameters)" "$(get grid)" "$(get summary)" \
  "$(grep '^traj\.' "$conf" | tr -d ' ')" "$(grep '^decimals\.' "$conf" | tr -d ' ')" <<'PY'
import csv, json, math, sys
import numpy as np
from scipy.integrate import odeint
from scipy.optimize import brentq

model, src, gridf, summary_path, traj_txt, dec_txt = sys.argv[1:]
traj = dict(l[len("traj."):].split("=", 1) for l in traj_txt.split())
dec = {k: int(v) for k, v in (l[len("decimals."):].split("=", 1) for l in dec_txt.split())}
to_si = {"g": 1e-3, "mN": 1e-3, "cm": 1e-2, "deg": math.pi / 180, "deg/s": math.pi / 180, "Hz": 2 * math.pi,
         "1/month": 12.0, "h": 1 / 24}
if src.endswith(".csv"):
    with open(src) as fh:
        head, *rows = list(csv.reader(fh))
    cols = [(h[:h.index("[")].strip(), h[h.index("[") + 1:h.index("]")]) for h in head[1:]]
    scen = {r[0]: {n: float(v) * to_si.get(u, 1.0) for (n, u), v in zip(cols, r[1:])} for r in rows}
else:
    with open(src) as fh:
        scen = {"main": {n: p["value"] * to_si.get(p["unit"], 1.0) for n, p in json.load(fh)["parameters"].items()}}
with open(gridf) as fh:
    g = json.load(fh)
t0, t1, dt = float(g["t_start"]), float(g["t_end"]), float(g["dt"])
ts = t0 + dt * np.arange(int(round((t1 - t0) / dt)) + 1)
ts[-1] = t1


def system(p):
    if model == "oscillator":
        f = lambda y, t: [y[1], (p["force_amplitude"] * math.cos(p["drive_frequency"] * t) - p["damping"] * y[1]
                                 - p["stiffness"] * y[0]) / p["mass"]]
        return f, [p["x0"], p["v0"]], ["x", "v"], lambda y, t: y[0], 1
    if model == "pendulum":
        f = lambda y, t: [y[1], -(p["gravity"] / p["length"]) * math.sin(y[0]) - p["damping"] * y[1]]
        return f, [p["theta0"], p["omega0"]], ["theta", "omega"], lambda y, t: y[0], 0
    if model == "lotka_volterra":
        f = lambda y, t: [p["alpha"] * y[0] - p["beta"] * y[0] * y[1], p["delta"] * y[0] * y[1] - p["gamma"] * y[1]]
        return f, [p["prey0"], p["predator0"]], ["prey", "predator"], lambda y, t: f(y, t)[1], 1
    if "infectious_period" in p:
        p["gamma"] = 1 / p["infectious_period"]
        p["beta"] = p["basic_reproduction_number"] * p["gamma"]
    N = p["population"]
    f = lambda y, t: [-p["beta"] * y[0] * y[1] / N, p["beta"] * y[0] * y[1] / N - p["gamma"] * y[1], p["gamma"] * y[1]]
    return f, [N - p["initial_infected"], p["initial_infected"], 0.0], ["S", "I", "R"], lambda y, t: f(y, t)[1], 1


events = {"oscillator": ("t_first_down_crossing", "v_at_crossing"), "sir": ("t_peak", "I_peak"),
          "lotka_volterra": ("t_predator_peak", "predator_peak"), "pendulum": ("t_first_zero", "omega_at_zero")}[model]
out = {}
for sid, p in scen.items():
    f, y0, names, gfun, vi = system(dict(p))
    Y = odeint(f, y0, ts, rtol=1e-13, atol=1e-13, mxstep=100000)
    with open(traj[sid], "w") as fh:
        fh.write(",".join(["t"] + names) + "\n")
        for t, y in zip(ts, Y):
            fh.write(",".join([repr(float(t))] + ["%.*f" % (dec[n], v) for n, v in zip(names, y)]) + "\n")
    gv = [gfun(y, t) for y, t in zip(Y, ts)]
    i = next(i for i in range(1, len(ts)) if gv[i - 1] > 0 >= gv[i])

    def at(t):
        return odeint(f, Y[i - 1], [ts[i - 1], t], rtol=1e-13, atol=1e-13, mxstep=100000)[-1]
    te = brentq(lambda t: gfun(at(t), t), ts[i - 1], ts[i], xtol=1e-12)
    out[sid] = {events[0]: te, events[1]: float(at(te)[vi])}
if summary_path != "(none)":
    with open(summary_path, "w") as fh:
        json.dump(out if len(scen) > 1 else out["main"], fh)
PY
