"""Recompute the classification report from the inputs (read from the pristine image) and compare it with the
agent's JSON, value by value and type by type."""

import csv
import glob
import json
import math
import os

import lct_verify

BASE, OUT = "@@base@@", "@@out@@"
E = lct_verify.expected()  # what the task was generated with
MULTI = E["multi"]
TOL = 6e-5


def norm(s):
    return s.strip().lower()


def report(pairs, labels, missing_col):
    k = len(labels)
    idx = {l: i for i, l in enumerate(labels)}
    cm = [[0] * (k + (1 if missing_col else 0)) for _ in labels]
    for t, p in pairs:
        cm[idx[t]][k if p is None else idx[p]] += 1
    n = len(pairs)
    per = {}
    for i, l in enumerate(labels):
        tp, sup, pred = cm[i][i], sum(cm[i]), sum(cm[r][i] for r in range(k))
        p = tp / pred if pred else 0.0
        r = tp / sup if sup else 0.0
        per[l] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": sup}
    avg = lambda w: {m: sum(per[c][m] * w(c) for c in labels) / sum(w(c) for c in labels)
                     for m in ("precision", "recall", "f1")}
    return {"n": n, "labels": labels, "accuracy": sum(cm[i][i] for i in range(k)) / n, "per_class": per,
            "macro_avg": avg(lambda c: 1), "weighted_avg": avg(lambda c: per[c]["support"]), "confusion_matrix": cm}


def expected():
    if not MULTI:
        pairs = []
        with open(os.path.join(BASE, "predictions.csv"), newline="") as f:
            for row in csv.DictReader(f):
                if row["y_true"].strip():
                    pairs.append((norm(row["y_true"]), norm(row["y_pred"])))
        return report(pairs, sorted({x for pr in pairs for x in pr}), False)
    with open(os.path.join(BASE, "labels.csv"), newline="") as f:
        truth = {r["id"]: norm(r["label"]) for r in csv.DictReader(f)}
    out = {"models": {}}
    for path in sorted(glob.glob(os.path.join(BASE, "preds", "*.csv"))):
        with open(path, newline="") as f:
            pred = {r["id"]: norm(r["prediction"]) for r in csv.DictReader(f)}
        pairs = [(t, pred.get(i)) for i, t in truth.items()]
        out["models"][os.path.basename(path)[:-4]] = report(pairs, sorted({x for pr in pairs for x in pr if x}), True)
    out["best_model"] = max(sorted(out["models"]), key=lambda m: out["models"][m]["macro_avg"]["f1"])
    return out


def load():
    assert os.path.isfile(OUT) and not os.path.islink(OUT), f"{OUT} is missing"
    with open(OUT) as f:
        return json.load(f)


def reports(data):
    exp = expected()
    if not MULTI:
        assert isinstance(data, dict), "the report must be a JSON object"
        return [("report", data, exp)]
    assert isinstance(data, dict) and isinstance(data.get("models"), dict), "top level must have a 'models' object"
    assert sorted(data["models"]) == sorted(exp["models"]), "one report per model file"
    return [(m, data["models"][m], exp["models"][m]) for m in sorted(exp["models"])]


def close(a, b):
    return isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a) and abs(a - b) <= TOL


def test_counts_and_labels():
    for name, got, exp in reports(load()):
        assert lct_verify.same(got.get("n"), exp["n"]), (name, "n", got.get("n"), exp["n"])
        assert lct_verify.same(got.get("labels"), exp["labels"]), (name, "labels")
        per = got.get("per_class")
        assert isinstance(per, dict) and sorted(per) == sorted(exp["per_class"]), (name, "per_class keys")
        for label, e in exp["per_class"].items():
            assert lct_verify.same(per[label].get("support"), e["support"]), (name, label, "support")


def test_confusion_matrix():
    for name, got, exp in reports(load()):
        assert lct_verify.same(got.get("confusion_matrix"), exp["confusion_matrix"]), (name, "confusion_matrix")


def test_per_class_metrics():
    for name, got, exp in reports(load()):
        for label, e in exp["per_class"].items():
            for m in ("precision", "recall", "f1"):
                assert close(got["per_class"][label][m], e[m]), (name, label, m, got["per_class"][label][m], e[m])


def test_accuracy_and_averages():
    for name, got, exp in reports(load()):
        assert close(got["accuracy"], exp["accuracy"]), (name, "accuracy")
        for avg in ("macro_avg", "weighted_avg"):
            for m in ("precision", "recall", "f1"):
                assert close(got[avg][m], exp[avg][m]), (name, avg, m, got[avg][m], exp[avg][m])


def test_best_model():
    if MULTI:
        assert lct_verify.same(load().get("best_model"), expected()["best_model"]), "best_model"


def test_inputs_are_the_generated_evaluation():
    exp = expected()  # recomputed from the pristine inputs: must describe the evaluation the task was made with
    for name, rep in ([("report", exp)] if not MULTI else sorted(exp["models"].items())):
        assert rep["n"] == E["n"] and rep["labels"] == E["labels"], name
    if MULTI:
        assert sorted(exp["models"]) == E["models"]
