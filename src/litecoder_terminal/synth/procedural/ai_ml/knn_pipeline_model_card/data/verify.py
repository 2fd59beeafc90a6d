"""Every artifact of the pipeline, recomputed from the agent's own split files."""

import csv
import json
import os
from collections import Counter

import numpy as np

import lct_verify

P = lct_verify.expected()
ROOT, ID, LABEL, OUT = P["root"], P["id"], P["label"], P["out"]
FEATS = P["features"]


def read(path):
    assert os.path.isfile(path) and not os.path.islink(path), f"{path} is missing"
    with open(path, newline="") as f:
        r = csv.reader(f)
        return next(r), [row for row in r]


def data_rows():
    header, rows = read(os.path.join(ROOT, "data", P["data"]))
    uniq = {}
    for row in rows:
        uniq.setdefault(row[0], row)
    return header, uniq


def splits():
    return {s: read(OUT[s]) for s in ("train", "val", "test")}


def xy(header, rows):
    X = np.array([[float(row[header.index(c)]) for c in FEATS] for row in rows])
    y = [row[header.index(LABEL)] for row in rows] if LABEL in header else None
    return X, y


def knn(Xfit, yfit, Xq, k):
    mu, sd = Xfit.mean(axis=0), Xfit.std(axis=0)
    F, Q = (Xfit - mu) / sd, (Xq - mu) / sd
    classes = sorted(set(yfit))
    yi = np.array([classes.index(c) for c in yfit])
    out = []
    for q in Q:
        nn = np.argsort(((F - q) ** 2).sum(axis=1), kind="stable")[:k]
        out.append(classes[int(np.argmax(np.bincount(yi[nn], minlength=len(classes))))])
    return out, mu, sd


def val_scores():
    sp = splits()
    h = sp["train"][0]
    Xtr, ytr = xy(h, sp["train"][1])
    Xva, yva = xy(h, sp["val"][1])
    return {k: float(np.mean([p == t for p, t in zip(knn(Xtr, ytr, Xva, k)[0], yva)])) for k in P["ks"]}


def chosen_k():
    scores = val_scores()
    best = max(scores.values())
    return min(k for k, v in scores.items() if v >= best - 1e-12), scores


def final():
    sp = splits()
    h = sp["train"][0]
    k, _ = chosen_k()
    Xfit, yfit = xy(h, sp["train"][1] + sp["val"][1])
    Xte, yte = xy(h, sp["test"][1])
    pte, mu, sd = knn(Xfit, yfit, Xte, k)
    hi, inc = read(os.path.join(ROOT, "data", P["incoming"]))
    pin, _, _ = knn(Xfit, yfit, xy(hi, inc)[0], k)
    classes = sorted(set(yfit))
    f1s = []
    for c in classes:
        tp = sum(1 for p, t in zip(pte, yte) if p == c and t == c)
        pr = tp / max(1, sum(p == c for p in pte))
        rc = tp / max(1, sum(t == c for t in yte))
        f1s.append(2 * pr * rc / (pr + rc) if tp else 0.0)
    return {"k": k, "acc": float(np.mean([p == t for p, t in zip(pte, yte)])), "f1": float(np.mean(f1s)),
            "mu": mu, "sd": sd, "pred_in": [(row[0], p) for row, p in zip(inc, pin)], "classes": classes}


def test_inputs_untouched():
    assert lct_verify.untouched() == [], f"modified: {lct_verify.untouched()}"


def test_stage1_split_is_a_partition():
    header, uniq = data_rows()
    sp = splits()
    seen = []
    for name, (h, rows) in sp.items():
        assert h == header, f"{name}: header differs from the data file"
        for row in rows:
            assert row[0] in uniq and row == uniq[row[0]], f"{name}: row {row[:1]} is not a row of the data file"
            seen.append(row[0])
    assert len(seen) == len(set(seen)), "a row appears twice across (or within) the splits"
    assert sorted(seen) == sorted(uniq), "the splits must cover every (de-duplicated) labelled row"


def test_stage1_split_is_stratified():
    header, uniq = data_rows()
    li = header.index(LABEL)
    total = Counter(row[li] for row in uniq.values())
    sp = splits()
    for name, frac in (("train", P["fracs"][0]), ("val", P["fracs"][1])):
        got = Counter(row[li] for row in sp[name][1])
        for c, n in total.items():
            assert abs(got.get(c, 0) - frac * n) <= 1.5, f"{name} has {got.get(c, 0)} rows of {c}, want ~{frac * n:.1f}"


def test_stage2_selection_table():
    read(OUT["selection"])
    with open(OUT["selection"], newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["k", "val_accuracy"]
    assert [int(r[0]) for r in rows[1:]] == sorted(P["ks"]), "one row per candidate k, ascending"
    scores = val_scores()
    for r in rows[1:]:
        assert abs(float(r[1]) - scores[int(r[0])]) <= 6e-5, (r, scores[int(r[0])])


def test_stage3_model_card():
    assert os.path.isfile(OUT["card"]) and not os.path.islink(OUT["card"]), f"{OUT['card']} is missing"
    with open(OUT["card"]) as f:
        card = json.load(f)
    assert isinstance(card, dict), "the model card must be a JSON object"
    fin = final()
    k, scores = chosen_k()
    sp = splits()
    assert card["features"] == FEATS
    assert card["classes"] == fin["classes"]
    assert lct_verify.same(card["split_sizes"], {s: len(sp[s][1]) for s in ("train", "val", "test")})
    assert lct_verify.same(card["k"], k), f"k={card['k']}, but validation accuracy picks {k}"
    assert abs(card["val_accuracy"] - scores[k]) <= 6e-5
    assert abs(card["test_accuracy"] - fin["acc"]) <= 1e-5, (card["test_accuracy"], fin["acc"])
    assert abs(card["test_macro_f1"] - fin["f1"]) <= 1e-5, (card["test_macro_f1"], fin["f1"])
    assert np.allclose(card["scaler"]["mean"], fin["mu"], rtol=1e-6, atol=1e-6), "scaler mean is not train+val's"
    assert np.allclose(card["scaler"]["std"], fin["sd"], rtol=1e-6, atol=1e-6), "scaler std is not train+val's"


def test_stage4_predictions():
    read(OUT["pred"])
    with open(OUT["pred"], newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [ID, LABEL]
    got = [tuple(r) for r in rows[1:]]
    exp = final()["pred_in"]
    assert [g[0] for g in got] == [e[0] for e in exp], "one row per incoming row, same order"
    wrong = sum(g != e for g, e in zip(got, exp))
    assert wrong == 0, f"{wrong} predictions differ from the final model's"
