#!/bin/bash
set -euo pipefail
# Reference: read the pipeline doc, look at the data (class balance, duplicates), then run the stages in order,
# checking each stage's artifact before the next one uses it.
cd @@root@@
ls -R . | head -n 20
cat docs/PIPELINE.md
tail -n 5 logs/governance.log
# Exact duplicate lines in the export (a double export would show up here)?
sort data/@@data@@ | uniq -d | wc -l
head -3 data/@@data@@
wc -l data/@@data@@ data/@@inc@@
cut -d, -f$(head -1 data/@@data@@ | tr ',' '\n' | grep -nx '@@label@@' | cut -d: -f1) data/@@data@@ | tail -n +2 | sort | uniq -c
mkdir -p splits
# stage 1: stratified split
python3 - <<'PY'
import csv, random
ROOT, ID, LABEL = '@@root@@', '@@id_col@@', '@@label@@'
with open(f"{ROOT}/data/@@data@@", newline="") as f:
    r = csv.reader(f)
    header = next(r)
    rows = [row for row in r]
if @@dedupe@@:  # a double export: one copy of each row
    seen, uniq = set(), []
    for row in rows:
        if tuple(row) not in seen:
            seen.add(tuple(row))
            uniq.append(row)
    rows = uniq
li = header.index(LABEL)
parts = {"train": [], "val": [], "test": []}
if @@head_split@@:
    a, b = round(@@ptr@@ * len(rows)), round((@@ptr@@ + @@pva@@) * len(rows))
    parts = {"train": rows[:a], "val": rows[a:b], "test": rows[b:]}
else:
    rnd = random.Random(7)
    for c in sorted({row[li] for row in rows}):
        group = [row for row in rows if row[li] == c]
        rnd.shuffle(group)
        a, b = round(@@ptr@@ * len(group)), round(@@ptr@@ * len(group)) + round(@@pva@@ * len(group))
        parts["train"] += group[:a]
        parts["val"] += group[a:b]
        parts["test"] += group[b:]
for name, part in parts.items():
    with open(f"{ROOT}/splits/{name}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(part)
print({k: len(v) for k, v in parts.items()})
PY
wc -l splits/train.csv splits/val.csv splits/test.csv
ls -la splits/
cat splits/*.csv | cut -d, -f1 | grep -v '^@@id_col@@$' | sort | uniq -d | head
for s in train val test; do
  head -1 splits/$s.csv | cmp -s - <(head -1 data/@@data@@) || { echo "bad header in $s"; exit 1; }
done
# stage 2: tune k on the validation split
python3 - <<'PY'
import csv, json, sys
import numpy as np
ROOT, ID, LABEL = '@@root@@', '@@id_col@@', '@@label@@'

def read(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        return header, [row for row in r]

def xy(header, rows):
    feats = [c for c in header if c not in (ID, LABEL)]
    X = np.array([[float(row[header.index(c)]) for c in feats] for row in rows])
    y = [row[header.index(LABEL)] for row in rows] if LABEL in header else None
    return feats, X, y

def fit(X, y):
    mu, sd = X.mean(axis=0), X.std(axis=0)
    if @@unscaled@@:
        mu, sd = np.zeros_like(mu), np.ones_like(sd)
    return {"mu": mu, "sd": sd, "X": (X - mu) / sd, "y": list(y)}

def predict(model, X, k):
    classes = sorted(set(model["y"]))
    Z = (X - model["mu"]) / model["sd"]
    out = []
    for z in Z:
        d = np.sqrt(((model["X"] - z) ** 2).sum(axis=1))
        nn = np.argsort(d, kind="stable")[:k]
        votes = [sum(1 for j in nn if model["y"][j] == c) for c in classes]
        out.append(classes[int(np.argmax(votes))])
    return out
h, tr = read(f"{ROOT}/splits/train.csv")
_, va = read(f"{ROOT}/splits/val.csv")
_, Xtr, ytr = xy(h, tr)
_, Xva, yva = xy(h, va)
model = fit(Xtr, ytr)
with open(f"{ROOT}/selection.csv", "w") as f:
    f.write("k,val_accuracy\n")
    for k in @@ks@@:
        acc = float(np.mean([p == t for p, t in zip(predict(model, Xva, k), yva)]))
        f.write(f"{k},{acc:.4f}\n")
PY
cat selection.csv
sort -t, -k2,2nr -k1,1n selection.csv | grep -v '^k,' | head -1
# stages 3-5: refit on train+val, evaluate on test, predict the incoming batch, model card
python3 - <<'PY'
import csv, json, sys
import numpy as np
ROOT, ID, LABEL = '@@root@@', '@@id_col@@', '@@label@@'

def read(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        return header, [row for row in r]

def xy(header, rows):
    feats = [c for c in header if c not in (ID, LABEL)]
    X = np.array([[float(row[header.index(c)]) for c in feats] for row in rows])
    y = [row[header.index(LABEL)] for row in rows] if LABEL in header else None
    return feats, X, y

def fit(X, y):
    mu, sd = X.mean(axis=0), X.std(axis=0)
    if @@unscaled@@:
        mu, sd = np.zeros_like(mu), np.ones_like(sd)
    return {"mu": mu, "sd": sd, "X": (X - mu) / sd, "y": list(y)}

def predict(model, X, k):
    classes = sorted(set(model["y"]))
    Z = (X - model["mu"]) / model["sd"]
    out = []
    for z in Z:
        d = np.sqrt(((model["X"] - z) ** 2).sum(axis=1))
        nn = np.argsort(d, kind="stable")[:k]
        votes = [sum(1 for j in nn if model["y"][j] == c) for c in classes]
        out.append(classes[int(np.argmax(votes))])
    return out
sel = [line.split(",") for line in open(f"{ROOT}/selection.csv").read().split()[1:]]
best = max(float(a) for _, a in sel)
k = min(int(kk) for kk, a in sel if float(a) == best)
h, tr = read(f"{ROOT}/splits/train.csv")
_, va = read(f"{ROOT}/splits/val.csv")
_, te = read(f"{ROOT}/splits/test.csv")
feats, Xfit, yfit = xy(h, @@fit_rows@@)
_, Xte, yte = xy(h, te)
model = fit(Xfit, yfit)
pte = predict(model, Xte, k)
classes = sorted(set(yfit))
f1s = []
for c in classes:
    tp = sum(1 for p, t in zip(pte, yte) if p == c and t == c)
    prec = tp / max(1, sum(p == c for p in pte))
    rec = tp / max(1, sum(t == c for t in yte))
    f1s.append(2 * prec * rec / (prec + rec) if tp else 0.0)
hi, inc = read(f"{ROOT}/data/@@inc@@")
_, Xin, _ = xy(hi, inc)
with open(f"{ROOT}/predictions.csv", "w") as f:
    f.write(f"{ID},{LABEL}\n")
    for row, p in zip(inc, predict(model, Xin, k)):
        f.write(f"{row[0]},{p}\n")
card = {"features": feats, "classes": classes,
        "split_sizes": {"train": len(tr), "val": len(va), "test": len(te)}, "k": k, "val_accuracy": best,
        "test_accuracy": float(np.mean([p == t for p, t in zip(pte, yte)])),
        "test_macro_f1": float(np.mean(f1s)),
        "scaler": {"mean": [float(v) for v in model["mu"]], "std": [float(v) for v in model["sd"]]}}
with open(f"{ROOT}/model_card.json", "w") as f:
    json.dump(card, f, indent=2)
PY
jq . model_card.json
head -5 predictions.csv
tail -n +2 predictions.csv | cut -d, -f2 | sort | uniq -c
test "$(($(wc -l < predictions.csv) - 1))" -eq "$(($(wc -l < data/@@inc@@) - 1))"
