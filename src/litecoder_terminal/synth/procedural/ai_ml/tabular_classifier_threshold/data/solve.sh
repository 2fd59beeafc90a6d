#!/bin/bash
# Reference: softmax regression on standardised numeric features (train-median imputation) + one-hot categories.
set -euo pipefail
cd @@base@@
# What does the scoring job read and where does it look for predictions? The config and the log say.
ls -la
cat scoring.conf
tail -n 5 logs/scoring.log
# The notes describe the columns (which are bookkeeping, which are categorical) and the acceptance bar.
cat README.md
# The retired baseline is a hint of what not to do: read why it was retired.
head -n 5 models/baseline_v0.py
train=$(sed -n 's/^labelled = //p' scoring.conf)
batch=$(sed -n 's/^batch = //p' scoring.conf)
out=$(sed -n 's/^predictions = //p' scoring.conf)
target=$(sed -n 's/^target = //p' scoring.conf)
echo "train=$train batch=$batch out=$out target=$target"
# Size and shape of the data: rows, header, a few records.
wc -l "$train" "$batch"
head -n 3 "$train"
head -n 2 "$batch"
# How balanced are the labels (is a majority vote anywhere near the bar)? The target is the last column.
awk -F, 'NR > 1 {print $NF}' "$train" | sort | uniq -c
# Are there empty cells (missing values) to impute, and in which file?
grep -c ',,\|,$' "$train" || true
grep -c ',,\|,$' "$batch" || true
mkdir -p "$(dirname "$out")"
cat > /tmp/train_model.py <<'PY'
import csv
import sys

import numpy as np

TRAIN, TEST, OUT, TARGET = sys.argv[1:5]
ID = "@@id_col@@"
BOOKKEEPING = {ID, @@bookkeeping@@}
MODEL = "@@model@@"


def load(name):
    with open(name, newline="") as f:
        return list(csv.DictReader(f))


def is_number(v):
    try:
        float(v)
        return True
    except ValueError:
        return v == ""


train = [r for r in load(TRAIN) if r[TARGET] != "?"]  # unannotated rows carry no label
test = @@rows@@
cols = [c for c in train[0] if c != TARGET]
cats = [c for c in cols if c not in BOOKKEEPING and not all(is_number(r[c]) for r in train)]
num = [c for c in cols if c not in BOOKKEEPING and c not in cats]
classes = sorted({r[TARGET] for r in train})
y = np.array([classes.index(r[TARGET]) for r in train])


def numeric(rows, names):
    return np.array([[float(r[c]) if r[c] != "" else np.nan for c in names] for r in rows])


if MODEL == "knn_raw":
    names = [c for c in cols if c not in cats]
    Xtr, Xte = np.nan_to_num(numeric(train, names)), np.nan_to_num(numeric(test, names))
    pred = []
    for x in Xte:
        nn = np.argsort(((Xtr - x) ** 2).sum(1))[:5]
        pred.append(classes[int(np.bincount(y[nn], minlength=len(classes)).argmax())])
else:
    Xtr, Xte = numeric(train, num), numeric(test, num)
    med = np.nanmedian(Xtr, axis=0)
    Xtr = np.where(np.isnan(Xtr), med, Xtr)
    Xte = np.where(np.isnan(Xte), med, Xte)
    mu, sd = Xtr.mean(0), Xtr.std(0)
    Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
    for c in cats:
        levels = sorted({r[c] for r in train})
        Xtr = np.hstack([Xtr, np.array([[r[c] == v for v in levels] for r in train], float)])
        Xte = np.hstack([Xte, np.array([[r[c] == v for v in levels] for r in test], float)])
    Xtr = np.hstack([Xtr, np.ones((len(Xtr), 1))])
    Xte = np.hstack([Xte, np.ones((len(Xte), 1))])
    Y = np.eye(len(classes))[y]
    W = np.zeros((Xtr.shape[1], len(classes)))
    for _ in range(@@epochs@@):
        Z = Xtr @ W
        Z -= Z.max(1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(1, keepdims=True)
        W -= 0.5 * (Xtr.T @ (P - Y) / len(Xtr) + 1e-4 * W)
    train_acc = float(((Xtr @ W).argmax(1) == y).mean())
    print(f"training accuracy {train_acc:.3f} on {len(y)} rows, features {num} + one-hot {cats}")
    pred = [classes[i] for i in (Xte @ W).argmax(1)]
with open(OUT, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow([ID, TARGET])
    for r, p in zip(test, pred):
        w.writerow([r[ID], p])
print("wrote", len(pred), "predictions")
PY
python3 /tmp/train_model.py "$train" "$batch" "$out" "$target"
# Check: one row per batch row plus the header, every id once, only known class names.
wc -l "$batch" "$out"
head -n 3 "$out"
cut -d, -f1 "$out" | sort | uniq -d | head
cut -d, -f2 "$out" | sort | uniq -c
