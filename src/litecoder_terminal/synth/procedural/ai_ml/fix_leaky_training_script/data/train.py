#!/usr/bin/env python3
"""Train the @@what@@ model (ridge regression on log1p of the target) and write held-out metrics."""
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
    ap.add_argument("--data", default="@@data@@")
    ap.add_argument("--config", default="config.json")
    ap.add_argument("--out", default="@@out@@")
    args = ap.parse_args()
    with open(args.config) as f:
        cfg = json.load(f)
    features, TARGET, DATE = cfg["features"], cfg["target"], cfg["date_column"]
    cutoff, lam = cfg["cutoff"], float(cfg["ridge_lambda"])
    rows = load(args.data)

    # time-based split
    @@split@@
    test = [r for r in rows if r[DATE] >= cutoff]
    Xtr, Xte = matrix(train, features), matrix(test, features)
    ytr = np.array([float(r[TARGET]) for r in train])
    yte = np.array([float(r[TARGET]) for r in test])

    # missing values
    @@impute@@
    Xtr = np.where(np.isnan(Xtr), med, Xtr)
    Xte = np.where(np.isnan(Xte), med, Xte)

    # standardisation
    @@scale@@
    Xtr = (Xtr - mu) / sd
    Xte = (Xte - mu) / sd

    # ridge regression, closed form
    Atr = np.hstack([np.ones((len(Xtr), 1)), Xtr])
    Ate = np.hstack([np.ones((len(Xte), 1)), Xte])
    penalty = lam * np.eye(Atr.shape[1])
    @@intercept@@
    w = np.linalg.solve(Atr.T @ Atr + penalty, Atr.T @ np.log1p(ytr))
    @@logspace@@

    # metrics
    err = pred - yte
    @@r2@@
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
