#!/bin/bash
# Alternative: multinomial logistic regression fitted with scipy's L-BFGS (not gradient descent), mean imputation
# plus missing-value indicator columns, bookkeeping columns read from the README rather than assumed, and the
# rows written in id order.
set -eu
cd @@base@@
out=$(awk -F' = ' '$1 == "predictions" {print $2}' scoring.conf)
train=$(awk -F' = ' '$1 == "labelled" {print $2}' scoring.conf)
batch=$(awk -F' = ' '$1 == "batch" {print $2}' scoring.conf)
target=$(awk -F' = ' '$1 == "target" {print $2}' scoring.conf)
idcol=$(awk -F' = ' '$1 == "id_column" {print $2}' scoring.conf)
mkdir -p "$(dirname "$out")"
python3 - "$train" "$batch" "$out" "$target" "$idcol" <<'PY'
import csv
import re
import sys

import numpy as np
from scipy.optimize import minimize

train_f, test_f, out_f, target, idcol = sys.argv[1:6]
notes = open("README.md").read()
drop = {idcol, target}
for line in notes.splitlines():
    if "bookkeeping" in line:
        drop |= set(re.findall(r"`([^`]+)`", line))
with open(train_f) as f:
    train = [r for r in csv.DictReader(f) if r[target] != "?"]
with open(test_f) as f:
    test = list(csv.DictReader(f))
feats = [c for c in train[0] if c not in drop]


def num(v):
    try:
        return float(v)
    except ValueError:
        return None


cat = [c for c in feats if any(r[c] != "" and num(r[c]) is None for r in train)]
numc = [c for c in feats if c not in cat]
A = np.array([[num(r[c]) if r[c] != "" else np.nan for c in numc] for r in train])
B = np.array([[num(r[c]) if r[c] != "" else np.nan for c in numc] for r in test])
mean, std = np.nanmean(A, 0), np.nanstd(A, 0)


def design(M, rows):
    miss = np.isnan(M).astype(float)
    Z = (np.where(np.isnan(M), mean, M) - mean) / std
    parts = [Z, miss[:, miss_cols], np.ones((len(M), 1))]
    for c in cat:
        lv = sorted({r[c] for r in train})
        parts.append(np.array([[float(r[c] == v) for v in lv] for r in rows]))
    return np.hstack(parts)


miss_cols = np.isnan(A).any(0)
X, T = design(A, train), design(B, test)
labels = sorted({r[target] for r in train})
y = np.array([labels.index(r[target]) for r in train])
k, d = len(labels), X.shape[1]
Y = np.eye(k)[y]


def loss(w):
    W = w.reshape(d, k)
    Z = X @ W
    Z -= Z.max(1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(1, keepdims=True)
    ll = -np.sum(Y * np.log(P + 1e-12)) / len(X) + 1e-3 * np.sum(W * W)
    return ll, (X.T @ (P - Y) / len(X) + 2e-3 * W).ravel()


res = minimize(loss, np.zeros(d * k), jac=True, method="L-BFGS-B", options={"maxiter": 500})
pred = (T @ res.x.reshape(d, k)).argmax(1)
pairs = sorted((r[idcol], labels[p]) for r, p in zip(test, pred))
with open(out_f, "w", newline="") as f:
    csv.writer(f).writerows([(idcol, target)] + pairs)
print("loss", round(float(res.fun), 4), "rows", len(pairs))
PY
