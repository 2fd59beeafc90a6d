"""A ridge-regression training script reports suspiciously good numbers: find and fix the deviations from the
documented procedure (split leakage, preprocessing statistics taken from the test rows, penalised intercept, metrics
in the wrong space), then regenerate the metrics. The verifier recomputes the metrics and also runs the fixed script
on a hidden data set so patching only the numbers does not pass."""

from __future__ import annotations

import datetime as dt
import json
import math
import random

from litecoder_terminal.synth.procedural import kit

# (what, target, date column, features [(name, mean, scale, decimals, log-effect)])
THEMES = [
    ("house-price", "sale_price", "sale_date",
     [("living_sqft", 1800, 450, 0, 0.32), ("lot_sqft", 7200, 2100, 0, 0.08), ("bedrooms", 3, 0.9, 0, 0.05),
      ("age_years", 35, 14, 0, -0.11), ("dist_center_km", 9, 3.5, 2, -0.18), ("school_score", 6.5, 1.4, 1, 0.09)]),
    ("delivery-cost", "cost_usd", "ship_date",
     [("weight_kg", 14, 5, 2, 0.35), ("distance_km", 420, 160, 1, 0.28), ("volume_l", 60, 22, 1, 0.12),
      ("stops", 3, 1.2, 0, 0.07), ("fuel_index", 1.4, 0.15, 3, 0.1), ("fragile_items", 2, 1.1, 0, 0.04)]),
    ("energy-usage", "kwh", "reading_date",
     [("floor_area_m2", 140, 40, 1, 0.3), ("occupants", 3, 1.1, 0, 0.12), ("outdoor_temp_c", 12, 6, 1, -0.15),
      ("insulation_score", 5, 1.5, 1, -0.13), ("appliance_count", 14, 4, 0, 0.1), ("window_area_m2", 18, 5, 1, 0.05)]),
    ("cloud-bill", "monthly_cost", "invoice_date",
     [("vcpu_hours", 5200, 1500, 0, 0.36), ("storage_tb", 18, 6, 2, 0.17), ("egress_tb", 4.5, 1.6, 2, 0.14),
      ("services", 9, 3, 0, 0.05), ("reserved_pct", 35, 12, 1, -0.12), ("regions", 3, 1, 0, 0.04)]),
]

# bug id -> (snippet in the correct script, buggy replacement). Each one silently changes the reported numbers.
BUGS = {
    "split": ('train = [r for r in rows if r[DATE] < cutoff]',
              'train = [r for r in rows if r[DATE] <= cutoff]'),
    "impute": ('med = np.nanmedian(Xtr, axis=0)',
               'med = np.nanmedian(np.vstack([Xtr, Xte]), axis=0)'),
    "scale": ('mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)',
              'allX = np.vstack([Xtr, Xte])\n    mu, sd = allX.mean(axis=0), allX.std(axis=0)'),
    "intercept": ('penalty[0, 0] = 0.0  # the intercept is not regularised',
                  'penalty[0, 0] = lam'),
    "logspace": ('pred = np.expm1(Ate @ w)',
                 'pred = Ate @ w\n    yte = np.log1p(yte)'),
    "r2": ('ss_tot = float(((yte - yte.mean()) ** 2).sum())',
           'ss_tot = float(((yte - ytr.mean()) ** 2).sum())'),
}
BUG_ORDER = ["split", "impute", "scale", "intercept", "logspace", "r2"]

def _dataset(rng: random.Random, date_col: str, target: str, feats: list, n: int, cutoff: dt.date,
             missing: float, scale: float) -> str:
    start = cutoff - dt.timedelta(days=rng.randint(400, 700))
    end = cutoff + dt.timedelta(days=rng.randint(90, 200))
    span = (end - start).days
    base = math.log(scale)
    lines = [",".join(["record_id", date_col] + [f[0] for f in feats] + [target])]
    recs = []
    for i in range(n):
        day = start + dt.timedelta(days=rng.randrange(span))
        if i < 6:
            day = cutoff  # some records fall exactly on the cutoff date
        z = [max(-2.5, min(2.5, rng.gauss(0, 1))) for _ in feats]
        vals = [max(0.0, round(m + s * zi, d)) for (_, m, s, d, _), zi in zip(feats, z)]
        zr = [(v - m) / s for (_, m, s, _, _), v in zip(feats, vals)]
        y = math.exp(base + sum(e * zi for (*_, e), zi in zip(feats, zr)) + rng.gauss(0, 0.12))
        cells = [("" if rng.random() < missing else (f"{v:.{d}f}" if d else str(int(v))))
                 for (_, _, _, d, _), v in zip(feats, vals)]
        recs.append((day.isoformat(), cells, f"{y:.2f}"))
    recs.sort(key=lambda r: r[0])
    for j, (day, cells, y) in enumerate(recs):
        lines.append(",".join([str(100000 + 7 * j + rng.randrange(7)), day] + cells + [y]))
    return "\n".join(lines) + "\n"



KNOBS = {
    "which": kit.Knob("FIXES", "FIXES[:1]", "fixes only the first deviation it finds"),
    "own_stats": kit.Knob("pass", "s = s.replace('Xte = (Xte - mu) / sd', "
                          "'Xte = (Xte - Xte.mean(axis=0)) / Xte.std(axis=0)')",
                          "fixes every deviation but standardises the test rows with their own statistics"),
    "install": kit.Knob('cp /tmp/train_fixed.py "$script"', ': leave "$script" as it was',
                        "writes the right metrics from a private copy and leaves the buggy script in place"),
}


class FixLeakyTrainingScript(kit.KitFamily):
    title = "Fix a ridge-regression training script that deviates from its documented procedure"
    levels = kit.Levels(bugs=((2, 2), (3, 3), (4, 5)), features=(3, 4, 5), missing_pct=(0, 4, 4),
                        rows=((300, 450), (450, 650), (600, 900)), agent_timeout=(900, 1200, 1800),
                        expert_minutes=(15, 25, 40))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        what, target, date_col, pool = rng.choice(THEMES)
        bugs = sorted(rng.sample(BUG_ORDER, rng.randint(*k.bugs)), key=BUG_ORDER.index)
        missing = 0.04 if "impute" in bugs else k.missing_pct / 100
        feats = sorted(rng.sample(pool, k.features))
        scale = rng.choice([250000, 120, 900, 4000]) if what != "house-price" else 250000

        proj = rng.choice(["/app/model", "/srv/ml/price-model", "/home/ds/regression", "/opt/forecast"])
        data_rel = rng.choice(["data/records.csv", "data/history.csv", "data/train_full.csv"])
        out_rel = rng.choice(["metrics.json", "reports/metrics.json", "artifacts/metrics.json"])
        cutoff = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300))
        lam = rng.choice([0.5, 1.0, 2.0, 5.0, 10.0])
        cfg = {"features": [f[0] for f in feats], "target": target, "date_column": date_col,
               "cutoff": cutoff.isoformat(), "ridge_lambda": lam}
        data = _dataset(rng, date_col, target, feats, rng.randint(*k.rows), cutoff, missing, scale)
        hcut = cutoff + dt.timedelta(days=rng.randint(20, 60))
        hcfg = dict(cfg, cutoff=hcut.isoformat(), ridge_lambda=rng.choice([0.3, 3.0, 7.0]))
        hidden = _dataset(rng, date_col, target, feats, rng.randint(250, 400), hcut, 0.05, scale)

        script_rel = rng.choice(["train.py", "train_model.py", "scripts/train.py"])
        run_cmd = f"python3 {script_rel}"
        lines = {b: (BUGS[b][1] if b in bugs else BUGS[b][0]) for b in BUG_ORDER}
        files: dict[str, str | bytes] = {
            f"environment/project/{script_rel}": self.template("train.py", what=what, data=data_rel, out=out_rel,
                                                                **lines),
            f"environment/project/{data_rel}": data,
            "environment/project/config.json": json.dumps(cfg, indent=2) + "\n",
            "environment/project/docs/PROCEDURE.md": self.template(
                "procedure.md", what=what, run_cmd=run_cmd, data=data_rel, out=out_rel, date_col=date_col,
                target=target),
            "environment/project/logs/runs.log": self.template(
                "runs.log", day=f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", run_cmd=run_cmd),
            "environment/project/notebooks/explore.py": self.data("explore.py"),
        }
        untouched = {p: d for p, d in kit.digests(files, "project", proj).items()
                     if p in (f"{proj}/{data_rel}", f"{proj}/config.json")}
        values = {"proj": proj, "script": script_rel}
        fixes = json.dumps([[BUGS[b][1], BUGS[b][0]] for b in bugs])
        files |= self.solver(KNOBS).files(
            {**values, "fixes": fixes, "out": out_rel, "data": data_rel},
            {"fix_first_deviation_only": "which", "scale_test_with_own_stats": "own_stats",
             "patch_metrics_not_code": "install"})
        files |= self.alt_solutions(**values)
        files |= self.verifier(**values, data=data_rel, out=out_rel)
        files |= kit.expected_file({"untouched": untouched})
        files["tests/hidden.csv"] = hidden
        files["tests/hidden_config.json"] = json.dumps(hcfg, indent=2) + "\n"
        instruction = self.instruction(intro=self.intro(rng, what=what), proj=proj, script=script_rel,
                                       run_cmd=run_cmd, data=data_rel, out=out_rel, date_col=date_col,
                                       target=target)
        return kit.draft(
            instruction=instruction, dockerfile_body=f"COPY project/ {proj}/\nWORKDIR {proj}\n", files=files,
            tags=["numpy", "regression", "debugging", "data-leakage"],
            artifacts=[proj], outputs=[f"{proj}/{out_rel}"],  # the script, the metrics, the inputs (untouched)
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
        )
