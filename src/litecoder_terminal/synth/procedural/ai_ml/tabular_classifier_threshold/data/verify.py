"""Score the agent's predictions file against the hidden labels (tests/expected.json)."""

import csv
import os

import lct_verify

E = lct_verify.expected()
OUT = "@@out@@"
TRUTH = E["labels"]  # held-out id -> true class, kept only on the verifier side


def rows():
    assert os.path.isfile(OUT) and not os.path.islink(OUT), f"{OUT} is missing (or not a regular file)"
    with open(OUT, newline="") as f:
        return list(csv.reader(f))


def test_one_valid_prediction_per_heldout_row():
    r = rows()
    assert r and [c.strip() for c in r[0]] == [E["id"], E["target"]], f"header must be {E['id']},{E['target']}"
    body = [row for row in r[1:] if row]
    assert all(len(row) == 2 for row in body), "every row must be id,class"
    ids = [row[0].strip() for row in body]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert sorted(ids) == sorted(TRUTH), "predictions must cover exactly the held-out ids"
    bad = sorted({row[1].strip() for row in body} - set(E["classes"]))
    assert not bad, f"unknown classes {bad}; labels must be one of {E['classes']}"


def score(pred):
    if not E["macro"]:
        return sum(pred.get(i) == t for i, t in TRUTH.items()) / len(TRUTH)
    f1s = []
    for c in E["classes"]:
        tp = sum(1 for i, t in TRUTH.items() if t == c and pred.get(i) == c)
        npred = sum(1 for i in TRUTH if pred.get(i) == c)
        ntrue = sum(1 for t in TRUTH.values() if t == c)
        pr = tp / npred if npred else 0.0
        rc = tp / ntrue if ntrue else 0.0
        f1s.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    return sum(f1s) / len(f1s)


def test_quality_threshold():
    pred = {row[0].strip(): row[1].strip() for row in rows()[1:] if len(row) == 2}
    s = score(pred)
    assert s >= E["threshold"], f"score {s:.4f} is below the required {E['threshold']:.2f}"
