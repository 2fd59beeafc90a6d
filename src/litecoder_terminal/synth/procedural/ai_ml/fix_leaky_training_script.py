"""A ridge-regression training script reports suspiciously good numbers: find and fix the deviations from the
documented procedure (split leakage, preprocessing statistics taken from the test rows, penalised intercept, metrics
in the wrong space), then regenerate the metrics. The verifier recomputes the metrics and also runs the fixed script
on a hidden data set so patching only the numbers does not pass."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

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

SCRIPT = '''#!/usr/bin/env python3
"""Train the __WHAT__ model (ridge regression on log1p of the target) and write held-out metrics."""
import argparse
import csv
import json
import os

import numpy as np


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def matrix(rows, features):
    return np.array([[float(r[c]) if r[c].strip() != "" else np.nan for c in features] for r in rows])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default="__DATA__")
    ap.add_argument("--config", default="__CONFIG__")
    ap.add_argument("--out", default="__OUT__")
    args = ap.parse_args()
    with open(args.config) as f:
        cfg = json.load(f)
    features, TARGET, DATE = cfg["features"], cfg["target"], cfg["date_column"]
    cutoff, lam = cfg["cutoff"], float(cfg["ridge_lambda"])
    rows = load(args.data)

    # time-based split
    train = [r for r in rows if r[DATE] < cutoff]
    test = [r for r in rows if r[DATE] >= cutoff]
    Xtr, Xte = matrix(train, features), matrix(test, features)
    ytr = np.array([float(r[TARGET]) for r in train])
    yte = np.array([float(r[TARGET]) for r in test])

    # missing values
    med = np.nanmedian(Xtr, axis=0)
    Xtr = np.where(np.isnan(Xtr), med, Xtr)
    Xte = np.where(np.isnan(Xte), med, Xte)

    # standardisation
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
    Xtr = (Xtr - mu) / sd
    Xte = (Xte - mu) / sd

    # ridge regression, closed form
    Atr = np.hstack([np.ones((len(Xtr), 1)), Xtr])
    Ate = np.hstack([np.ones((len(Xte), 1)), Xte])
    penalty = lam * np.eye(Atr.shape[1])
    penalty[0, 0] = 0.0  # the intercept is not regularised
    w = np.linalg.solve(Atr.T @ Atr + penalty, Atr.T @ np.log1p(ytr))
    pred = np.expm1(Ate @ w)

    # metrics
    err = pred - yte
    ss_tot = float(((yte - yte.mean()) ** 2).sum())
    metrics = {
        "n_train": len(train),
        "n_test": len(test),
        "rmse": float(np.sqrt(np.mean(err ** 2))),
        "mae": float(np.mean(np.abs(err))),
        "r2": 1.0 - float((err ** 2).sum()) / ss_tot,
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
'''


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


@register
class FixLeakyTrainingScript(TaskFamily):
    name = "fix_leaky_training_script"
    domain = "ai_ml"
    title = "Fix a ridge-regression training script that deviates from its documented procedure"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        what, target, date_col, pool = rng.choice(THEMES)
        n_bugs = {"easy": 2, "medium": 3, "hard": rng.randint(4, 5)}[level]
        bugs = sorted(rng.sample(BUG_ORDER, n_bugs), key=BUG_ORDER.index)
        if "impute" in bugs or level != "easy":
            missing = 0.04
        else:
            missing = 0.0
        feats = sorted(rng.sample(pool, {"easy": 3, "medium": 4, "hard": 5}[level]))
        scale = rng.choice([250000, 120, 900, 4000]) if what != "house-price" else 250000

        proj = pick(rng, ["/app/model", "/srv/ml/price-model", "/home/ds/regression", "/opt/forecast"])
        data_rel = pick(rng, ["data/records.csv", "data/history.csv", "data/train_full.csv"])
        out_rel = pick(rng, ["metrics.json", "reports/metrics.json", "artifacts/metrics.json"])
        cutoff = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300))
        lam = rng.choice([0.5, 1.0, 2.0, 5.0, 10.0])
        cfg = {"features": [f[0] for f in feats], "target": target, "date_column": date_col,
               "cutoff": cutoff.isoformat(), "ridge_lambda": lam}
        n = {"easy": rng.randint(300, 450), "medium": rng.randint(450, 650), "hard": rng.randint(600, 900)}[level]
        data = _dataset(rng, date_col, target, feats, n, cutoff, missing, scale)
        hcut = cutoff + dt.timedelta(days=rng.randint(20, 60))
        hcfg = dict(cfg, cutoff=hcut.isoformat(), ridge_lambda=rng.choice([0.3, 3.0, 7.0]))
        hidden = _dataset(rng, date_col, target, feats, rng.randint(250, 400), hcut, 0.05, scale)

        good = SCRIPT.replace("__WHAT__", what).replace("__DATA__", data_rel).replace(
            "__CONFIG__", "config.json").replace("__OUT__", out_rel)
        buggy = good
        for b in bugs:
            fixed, broken = BUGS[b]
            assert fixed in buggy
            buggy = buggy.replace(fixed, broken)
        script_rel = pick(rng, ["train.py", "train_model.py", "scripts/train.py"])
        files: dict[str, str | bytes] = {
            f"environment/project/{script_rel}": buggy,
            f"environment/project/{data_rel}": data,
            "environment/project/config.json": json.dumps(cfg, indent=2) + "\n",
        }
        run_cmd = f"python3 {script_rel}"
        def v(*options: str) -> str:
            return pick(rng, list(options))

        feat_list = ", ".join(f"`{f[0]}`" for f in feats)
        intro = v(
            f"The {what} model's held-out numbers look too good to be true, and a reviewer found that "
            f"`{script_rel}` does not follow the documented training procedure.",
            f"Our {what} regression reports metrics nobody can reproduce by hand; the training script has drifted "
            "from the procedure in the design doc.",
            f"Before we ship the {what} model, the training script has to be audited: it was edited by several "
            "people and no longer matches the spec.",
            f"A colleague suspects leakage in the {what} model ({len(feats)} features: {feat_list}); its test "
            "scores are better than anything we see in production.",
            f"The {what} experiment cannot be reproduced from the written procedure - the code and the doc disagree.",
        )
        layout = v(
            f"The project lives in `{proj}`: the script is `{proj}/{script_rel}`, run from the project directory "
            f"as `{run_cmd}` (options `--data`, `--config`, `--out`; the defaults point at `{data_rel}`, "
            f"`config.json` and `{out_rel}`).",
            f"Project directory: `{proj}`. Training is run from there with `{run_cmd}`, which accepts `--data`, "
            f"`--config` and `--out` (defaults `{data_rel}`, `config.json`, `{out_rel}`).",
            f"Everything is in `{proj}`; `{run_cmd}` (run inside that directory) reads `{data_rel}` and "
            f"`config.json` and writes `{out_rel}` unless `--data`/`--config`/`--out` say otherwise.",
        )
        steps = [
            v(f"**Split** by time: rows whose `{date_col}` is strictly before `cutoff` (from `config.json`) are the "
              "training set; rows on or after the cutoff are the test set. No row is in both.",
              f"**Split**: training = rows with `{date_col}` < `cutoff` (config), test = rows with `{date_col}` >= "
              "`cutoff`; the two sets are disjoint.",
              f"**Time split** on `{date_col}`: strictly earlier than the configured `cutoff` -> train, the cutoff "
              "day or later -> test."),
            v("**Missing values** (empty cells) are replaced by the per-feature median of the *training* rows.",
              "**Impute** empty feature cells with the median of that feature over the *training* rows only.",
              "**Missing cells** get the training-set median of their column (never statistics that include test "
              "rows)."),
            v("**Standardise** every feature with the mean and the population standard deviation (ddof = 0) of the "
              "*training* rows (after imputation).",
              "**Scale** each feature as (x - mean) / std, where mean and population std (ddof = 0) come from the "
              "imputed *training* rows.",
              "**Standardisation** uses the training rows' mean and standard deviation (ddof = 0), computed after "
              "imputation, for both sets."),
            v(f"**Model**: ridge regression, closed form, on `log1p({target})`, with an intercept column of ones; "
              "the penalty `ridge_lambda * I` applies to the feature weights only, never to the intercept.",
              f"**Fit** closed-form ridge regression to `log1p({target})` with a column of ones for the intercept; "
              "`ridge_lambda` penalises the feature weights but not the intercept.",
              f"**Ridge** (normal equations) on the log1p-transformed `{target}`, intercept included and excluded "
              "from the `ridge_lambda` penalty."),
            v("**Predict** the test rows and map back with `expm1`, so predictions are in the original units.",
              "**Predictions** for the test rows are transformed back with `expm1` (original units).",
              "**Back-transform** the test predictions with `expm1` before scoring."),
            v("**Metrics** on the test rows in the original units: RMSE, MAE and R² = 1 - SS_res / SS_tot with "
              "SS_tot taken around the mean of the *test* targets. Also report `n_train` and `n_test`.",
              "**Score** on the test rows, original units: `rmse`, `mae`, and `r2` = 1 - SS_res/SS_tot where SS_tot "
              "uses the *test* target mean; plus the row counts `n_train` and `n_test`.",
              "**Report** `n_train`, `n_test`, and on the test set in original units RMSE, MAE and R² (SS_tot "
              "around the mean of the test targets)."),
        ]
        step_txt = "\n".join(f"{i}. {st}" for i, st in enumerate(steps, 1))
        doc = v("The documented procedure is:", "The design doc specifies:", "This is what the spec says:")
        task = v(
            f"Fix `{script_rel}` so it implements exactly this procedure (keep its command-line interface and the "
            f"keys of the metrics JSON), then run it so `{proj}/{out_rel}` holds the corrected metrics.",
            f"Make `{script_rel}` follow that procedure exactly - same command-line options, same metrics keys - "
            f"and re-run it so `{proj}/{out_rel}` contains the corrected numbers.",
            f"Correct the script (its CLI and the metrics JSON keys must stay as they are) and regenerate "
            f"`{proj}/{out_rel}` with it.",
        )
        hidden_note = v(
            "We will also run your script on other data sets with the same columns, so fix the code rather than "
            "the numbers.",
            "The fixed script will be run on other data with the same columns too; editing the output by hand "
            "will not do.",
            "CI re-runs the script on further data sets with this schema, so the code itself must be right.",
        )
        keep = v("Do not modify `config.json` or the data.", "`config.json` and the data are read-only.",
                 "Leave `config.json` and the CSV unchanged.")
        instruction = f"{intro} {layout}\n\n{doc}\n\n{step_txt}\n\n{task} {hidden_note} {keep}\n"

        fixes = json.dumps([[BUGS[b][1], BUGS[b][0]] for b in bugs])
        files["solution/solve.sh"] = _solve(proj, script_rel, fixes, run_cmd, ddof=False)
        files["solution/wrong/fix-first-bug-only.sh"] = _solve(
            proj, script_rel, json.dumps([[BUGS[bugs[0]][1], BUGS[bugs[0]][0]]]), run_cmd, ddof=False)
        files["solution/wrong/scale-test-with-own-stats.sh"] = _solve(proj, script_rel, fixes, run_cmd, ddof=True)
        files["solution/wrong/patch-metrics-not-code.sh"] = _patch_numbers(proj, data_rel, out_rel, cfg)

        digests = {rel: hashlib.sha256(files[f"environment/project/{rel}"].encode()).hexdigest()
                   for rel in (data_rel, "config.json")}
        params = {"proj": proj, "script": script_rel, "data": data_rel, "out": out_rel, "digests": digests}
        files["tests/hidden.csv"] = hidden
        files["tests/hidden_config.json"] = json.dumps(hcfg, indent=2) + "\n"
        files["tests/test_outputs.py"] = TEST.replace("__PARAMS__", json.dumps(params, sort_keys=True))
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY project/ {proj}/\nWORKDIR {proj}\n",
            files=files, tags=["numpy", "regression", "debugging", "data-leakage"],
            artifacts=[proj],  # the fixed script, the metrics it wrote, and the inputs (checked untouched)
            agent_timeout_sec={"easy": 900.0, "medium": 1200.0, "hard": 1800.0}[level],
            expert_minutes={"easy": 15, "medium": 25, "hard": 40}[level],
        )


def _solve(proj: str, script: str, fixes: str, run_cmd: str, ddof: bool) -> str:
    # Mistake variant: every bug fixed, but the test rows are standardised with their own statistics.
    extra = ("s = s.replace('Xte = (Xte - mu) / sd', 'Xte = (Xte - Xte.mean(axis=0)) / Xte.std(axis=0)')\n"
             if ddof else "")
    return textwrap.dedent(f"""\
        #!/bin/bash
        set -euo pipefail
        cd {proj}
        cat config.json
        cp {script} /tmp/{script.replace('/', '_')}.orig
        python3 - <<'PY'
        import json
        path = {script!r}
        s = open(path).read()
        for broken, fixed in json.loads({fixes!r}):
            assert broken in s, broken
            s = s.replace(broken, fixed)
        """) + extra + textwrap.dedent(f"""\
        open(path, "w").write(s)
        PY
        diff -u /tmp/{script.replace('/', '_')}.orig {script} || true
        {run_cmd}
        """)


def _patch_numbers(proj: str, data_rel: str, out_rel: str, cfg: dict) -> str:
    """Computes the right metrics out of band and writes them, leaving the buggy script in place."""
    correct = SCRIPT.replace("__WHAT__", "x").replace("__DATA__", data_rel).replace(
        "__CONFIG__", "config.json").replace("__OUT__", out_rel)
    return textwrap.dedent(f"""\
        #!/bin/bash
        set -euo pipefail
        cd {proj}
        mkdir -p "$(dirname {out_rel})"
        cat > /tmp/correct_train.py <<'PY'
        """) + correct + textwrap.dedent(f"""\
        PY
        python3 /tmp/correct_train.py --out {out_rel}
        rm /tmp/correct_train.py
        """)


TEST = r'''"""Recompute the documented procedure independently; check the metrics file and the fixed script's behaviour on a
hidden data set."""

import csv
import hashlib
import json
import os
import shutil
import tempfile

import numpy as np

import lct_verify

P = json.loads("""__PARAMS__""")
HERE = os.path.dirname(os.path.abspath(__file__))
PROJ = P["proj"]


def reference(data_path, cfg):
    with open(data_path, newline="") as f:
        rows = list(csv.DictReader(f))
    feats, target, date = cfg["features"], cfg["target"], cfg["date_column"]
    tr = [r for r in rows if r[date] < cfg["cutoff"]]
    te = [r for r in rows if r[date] >= cfg["cutoff"]]
    mat = lambda rs: np.array([[float(r[c]) if r[c].strip() else np.nan for c in feats] for r in rs])
    Xtr, Xte = mat(tr), mat(te)
    ytr = np.array([float(r[target]) for r in tr])
    yte = np.array([float(r[target]) for r in te])
    med = np.nanmedian(Xtr, axis=0)
    Xtr, Xte = np.where(np.isnan(Xtr), med, Xtr), np.where(np.isnan(Xte), med, Xte)
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
    Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
    A = np.column_stack([np.ones(len(Xtr)), Xtr])
    B = np.column_stack([np.ones(len(Xte)), Xte])
    pen = float(cfg["ridge_lambda"]) * np.eye(A.shape[1])
    pen[0, 0] = 0.0
    w = np.linalg.solve(A.T @ A + pen, A.T @ np.log1p(ytr))
    err = np.expm1(B @ w) - yte
    return {"n_train": len(tr), "n_test": len(te), "rmse": float(np.sqrt(np.mean(err ** 2))),
            "mae": float(np.mean(np.abs(err))), "r2": 1 - float((err ** 2).sum()) / float(((yte - yte.mean()) ** 2).sum())}


def check(got, exp):
    assert got["n_train"] == exp["n_train"] and got["n_test"] == exp["n_test"], (got, exp)
    for k in ("rmse", "mae", "r2"):
        assert abs(float(got[k]) - exp[k]) <= 1e-6 * max(1.0, abs(exp[k])), (k, got[k], exp[k])


def test_inputs_untouched():
    for rel, digest in P["digests"].items():
        with open(os.path.join(PROJ, rel), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, f"{rel} was modified"


def test_reported_metrics_follow_the_procedure():
    with open(os.path.join(PROJ, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(PROJ, P["out"])) as f:
        got = json.load(f)
    check(got, reference(os.path.join(PROJ, P["data"]), cfg))


def test_fixed_script_on_hidden_data():
    with open(os.path.join(HERE, "hidden_config.json")) as f:
        cfg = json.load(f)
    # the agent's script runs unprivileged on copies of the hidden inputs, writing into a directory of its own
    tmp = tempfile.mkdtemp(prefix="lct-hidden-")
    hidden, hcfg = os.path.join(tmp, "hidden.csv"), os.path.join(tmp, "hidden_config.json")
    shutil.copyfile(os.path.join(HERE, "hidden.csv"), hidden)
    shutil.copyfile(os.path.join(HERE, "hidden_config.json"), hcfg)
    lct_verify.give_to_agent(tmp)
    out = os.path.join(tmp, "m.json")
    r = lct_verify.run_as_agent(["python3", P["script"], "--data", hidden, "--config", hcfg, "--out", out],
                                cwd=PROJ, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    with open(out) as f:
        got = json.load(f)
    check(got, reference(os.path.join(HERE, "hidden.csv"), cfg))
'''
