"""Recompute the documented procedure independently; check the metrics file and the fixed script's behaviour on a
hidden data set."""

import csv
import json
import os
import shutil
import tempfile

import numpy as np

import lct_verify

P = {"proj": "@@proj@@", "script": "@@script@@", "data": "@@data@@", "out": "@@out@@"}
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
    assert isinstance(got, dict) and set(got) == set(exp), f"metrics keys must be {sorted(exp)}, got {got!r}"
    for k in ("n_train", "n_test"):
        assert type(got[k]) is int and got[k] == exp[k], (k, got[k], exp[k])
    for k in ("rmse", "mae", "r2"):
        assert type(got[k]) in (int, float) and abs(got[k] - exp[k]) <= 1e-6 * max(1.0, abs(exp[k])), (k, got[k], exp[k])


def test_inputs_untouched():
    assert lct_verify.untouched() == [], f"modified: {lct_verify.untouched()}"


def test_reported_metrics_follow_the_procedure():
    with open(os.path.join(PROJ, "config.json")) as f:
        cfg = json.load(f)
    out = os.path.join(PROJ, P["out"])
    assert os.path.isfile(out) and not os.path.islink(out), f"{out} is missing"
    with open(out) as f:
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
