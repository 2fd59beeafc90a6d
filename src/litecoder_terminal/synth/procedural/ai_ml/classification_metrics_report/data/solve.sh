#!/bin/bash
# Reference: read the documented format, inspect the raw labels, then compute the report in one Python pass.
set -euo pipefail
cd @@base@@
# What was recorded, and what does the dashboard expect? The README documents both; the log names the report.
ls -R . | head -n 20
cat README.md
tail -n 3 logs/eval.log
out=$(sed -n 's/^The model-review dashboard reads the report from `\(.*\)`\..*/\1/p' README.md)
echo "report goes to $out"
# The previous report is stale (another run): only a reminder of the shape.
head -c 300 report.prev.json; echo
# Look at the raw inputs: headers, sizes, and how the label spellings vary.
for f in $(find . -name '*.csv' | sort); do echo "== $f"; head -n 3 "$f"; wc -l < "$f"; done
cut -d, -f2 "$(find . -name '*.csv' | sort | head -n 1)" | sort | uniq -c | head -n 20
# Unannotated rows (empty true label) or ids missing from a model's predictions?
grep -c '^[^,]*,,' $(find . -name '*.csv') || true
mkdir -p "$(dirname "$out")"
python3 - "$out" <<'PY'
import csv, glob, json, os, sys

OUT, MULTI = sys.argv[1], @@multi@@


def norm(s):
    return @@norm@@


def report(pairs, labels, missing_col):
    k = len(labels)
    idx = {l: i for i, l in enumerate(labels)}
    cm = [[0] * (k + (1 if missing_col else 0)) for _ in labels]
    for t, p in pairs:
        cm[idx[t]][k if p is None else idx[p]] += 1
    cm = @@cm@@
    n = len(pairs)
    per = {}
    for i, l in enumerate(labels):
        tp, sup, pred = cm[i][i], sum(cm[i]), sum(cm[r][i] for r in range(k))
        p = tp / pred if pred else 0.0
        r = tp / sup if sup else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[l] = {"precision": p, "recall": r, "f1": f, "support": sup}
    macro = {m: sum(per[c][m] for c in labels) / k for m in ("precision", "recall")}
    macro["f1"] = @@macro_f1@@
    weighted = {m: sum(per[c][m] * per[c]["support"] for c in labels) / n for m in ("precision", "recall", "f1")}
    r4 = lambda d: {m: round(v, 4) if isinstance(v, float) else v for m, v in d.items()}
    return {"n": n, "labels": labels, "accuracy": round(sum(cm[i][i] for i in range(k)) / n, 4),
            "per_class": {l: r4(per[l]) for l in labels}, "macro_avg": r4(macro),
            "weighted_avg": r4(weighted), "confusion_matrix": cm}


if not MULTI:
    pairs = []
    with open(glob.glob("**/predictions.csv", recursive=True)[0], newline="") as f:
        for row in csv.DictReader(f):
            t, p = norm(row["y_true"]), norm(row["y_pred"])
            if t.strip():  # never annotated: not part of the evaluation
                pairs.append((t, p))
    result = report(pairs, sorted({x for pr in pairs for x in pr}), False)
else:
    with open(glob.glob("**/labels.csv", recursive=True)[0], newline="") as f:
        truth = {r["id"]: norm(r["label"]) for r in csv.DictReader(f)}
    result = {"models": {}}
    for path in sorted(glob.glob("**/preds/*.csv", recursive=True)):
        with open(path, newline="") as f:
            pred = {r["id"]: norm(r["prediction"]) for r in csv.DictReader(f)}
        pairs = [(t, pred.get(i)) for i, t in truth.items()]  # ids outside labels.csv are ignored
        pairs = @@missing@@
        labels = sorted({x for pr in pairs for x in pr if x is not None})
        result["models"][os.path.basename(path)[:-4]] = report(pairs, labels, True)
    result["best_model"] = max(sorted(result["models"]), key=lambda m: result["models"][m]["macro_avg"]["f1"])
with open(OUT, "w") as f:
    json.dump(result, f, indent=2)
PY
# Check: valid JSON, the counts add up, and the matrix rows sum to the supports.
python3 -m json.tool "$out" | head -n 30
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sorted(d))" "$out"
