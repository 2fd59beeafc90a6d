"""Train a classifier from scratch (numpy only) on a tabular CSV and predict a held-out file; the verifier scores the
predictions against hidden labels. Features on wildly different scales, missing values, a categorical column and
an imbalanced multi-class target (macro-F1 threshold) by difficulty."""

from __future__ import annotations

import hashlib
import json
import math
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

# (what, id column, numeric [(name, mean, scale, decimals)], nuisance [(name, lo, hi)], categorical, binary, multi)
THEMES = [
    ("telecom customers", "customer_id",
     [("tenure_months", 40, 12, 0), ("monthly_charges", 70, 18, 2), ("support_calls", 4, 1.4, 0), ("data_gb", 14, 4, 1),
      ("dropped_calls_pct", 2.5, 0.8, 2)],
     [("account_number", 100000, 999999), ("signup_ts", 1500000000, 1700000000)],
     ("contract", ["annual", "monthly", "two_year"]),
     ("churned", ["no", "yes"]), ("next_action", ["cancel", "downgrade", "stay", "upgrade"])),
    ("pump sensor readings", "unit_id",
     [("temp_c", 65, 7, 1), ("vibration_mm_s", 4.5, 1.2, 2), ("pressure_kpa", 310, 35, 0), ("rpm", 1800, 250, 0),
      ("current_a", 12, 2.5, 2)],
     [("serial_no", 1000000, 9999999), ("install_epoch", 1300000000, 1650000000)],
     ("line", ["line_a", "line_b", "line_c", "line_d"]),
     ("fails_30d", ["no", "yes"]), ("fault_type", ["bearing", "electrical", "none", "overheating"])),
    ("loan applications", "application_id",
     [("income_k", 60, 15, 1), ("debt_ratio", 0.35, 0.09, 3), ("credit_score", 680, 45, 0), ("loan_k", 22, 6, 1),
      ("years_employed", 8, 3, 0)],
     [("branch_code", 10000, 99999), ("application_ts", 1600000000, 1710000000)],
     ("purpose", ["business", "car", "education", "home"]),
     ("defaulted", ["no", "yes"]), ("risk_grade", ["a", "b", "c", "d"])),
    ("network flow records", "flow_id",
     [("duration_s", 14, 4, 2), ("bytes_out_kb", 320, 90, 0), ("pkt_rate", 80, 22, 1), ("port_entropy", 0.5, 0.14, 3),
      ("syn_ratio", 0.3, 0.08, 3)],
     [("src_port", 1024, 65535), ("capture_offset_us", 1000000, 90000000)],
     ("protocol", ["icmp", "tcp", "udp"]),
     ("malicious", ["no", "yes"]), ("traffic_class", ["bulk", "interactive", "scan", "streaming"])),
]


def _softmax_pick(rng: random.Random, logits: list[float]) -> int:
    m = max(logits)
    ws = [math.exp(v - m) for v in logits]
    r = rng.random() * sum(ws)
    for i, w in enumerate(ws):
        r -= w
        if r <= 0:
            return i
    return len(ws) - 1


def _macro_f1(truth: list[int], pred: list[int], k: int) -> float:
    f1s = []
    for c in range(k):
        tp = sum(1 for t, p in zip(truth, pred) if t == c and p == c)
        np_ = sum(1 for p in pred if p == c)
        nt = sum(1 for t in truth if t == c)
        pr = tp / np_ if np_ else 0.0
        rc = tp / nt if nt else 0.0
        f1s.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    return sum(f1s) / k


@register
class TabularClassifierThreshold(TaskFamily):
    name = "tabular_classifier_threshold"
    domain = "ai_ml"
    title = "Train a numpy-only classifier on tabular data and beat an accuracy / macro-F1 bar on held-out rows"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        what, id_col, numeric, nuisance, (cat_name, cat_levels), binary, multi = rng.choice(THEMES)
        multiclass = level == "hard"
        use_cat = level != "easy"
        missing_rate = {"easy": 0.0, "medium": 0.05, "hard": 0.06}[level]
        target, classes = multi if multiclass else binary
        k = len(classes)
        feats = sorted(rng.sample(numeric, {"easy": 3, "medium": 4, "hard": 5}[level]))
        noise = list(nuisance)
        n_train = {"easy": rng.randint(500, 800), "medium": rng.randint(700, 1000), "hard": rng.randint(1200, 1600)}[level]
        n_test = {"easy": rng.randint(250, 350), "medium": rng.randint(300, 400), "hard": rng.randint(400, 500)}[level]

        for _attempt in range(50):
            if multiclass:
                w = [[rng.gauss(0, 1.9) for _ in feats] for _ in range(k)]
                b = [rng.uniform(-0.3, 0.3) for _ in range(k)]
                b[rng.randrange(k)] -= 1.0  # a minority class
                ce = [{lv: rng.uniform(-1.2, 1.2) for lv in cat_levels} for _ in range(k)]
            else:
                w = [[0.0] * len(feats), [rng.choice([-1, 1]) * rng.uniform(1.2, 2.4) for _ in feats]]
                b = [0.0, rng.uniform(-0.5, 0.5)]
                ce = [{lv: 0.0 for lv in cat_levels}, {lv: rng.uniform(-1.4, 1.4) if use_cat else 0.0 for lv in cat_levels}]
            rows, labels, oracle = [], [], []
            for _ in range(n_train + n_test):
                z = [max(-2.8, min(2.8, rng.gauss(0, 1))) for _ in feats]
                vals = [round(m + s * zi, d) for (_, m, s, d), zi in zip(feats, z)]
                zr = [(v - m) / s for (_, m, s, _), v in zip(feats, vals)]
                lv = rng.choice(cat_levels)
                logits = [sum(wi * zi for wi, zi in zip(w[c], zr)) + b[c] + ce[c][lv] for c in range(k)]
                y = _softmax_pick(rng, logits)
                oracle.append(max(range(k), key=lambda c: logits[c]))
                cells = [("" if rng.random() < missing_rate else (f"{v:.{d}f}" if d else str(int(v))))
                         for (_, _, _, d), v in zip(feats, vals)]
                nz = [str(rng.randint(lo, hi)) for _, lo, hi in noise]
                rows.append((cells, nz, lv))
                labels.append(y)
            test_y, test_o = labels[n_train:], oracle[n_train:]
            counts = [test_y.count(c) for c in range(k)]
            if min(counts) < 0.06 * n_test:
                continue
            if multiclass:
                oracle_score = _macro_f1(test_y, test_o, k)
                majority = _macro_f1(test_y, [max(range(k), key=lambda c: counts[c])] * n_test, k)
                margin = 0.12
            else:
                oracle_score = sum(t == o for t, o in zip(test_y, test_o)) / n_test
                majority = max(counts) / n_test
                margin = 0.09 + missing_rate
            threshold = math.floor((oracle_score - margin) * 100) / 100
            if threshold >= majority + 0.12 and oracle_score > 0.7:
                break
        else:  # pragma: no cover
            raise RuntimeError("could not generate a learnable dataset")

        data_dir = pick(rng, ["/app/data", "/srv/ml/dataset", "/home/ds/project/data", "/opt/modeling/data"])
        train_name = pick(rng, ["train.csv", "training.csv", "labelled.csv"])
        test_name = pick(rng, ["test.csv", "holdout.csv", "score_me.csv"])
        out = pick(rng, [f"{data_dir}/../predictions.csv", "/app/out/predictions.csv", f"{data_dir}/predictions.csv"])
        out = out.replace("/data/../", "/").replace("/dataset/../", "/")
        cols = [id_col] + [f[0] for f in feats] + [n for n, _, _ in noise] + ([cat_name] if use_cat else [])
        order = list(range(len(cols) - 1))
        rng.shuffle(order)  # column order is shuffled (the id stays first)
        header = [id_col] + [cols[1 + i] for i in order]
        ids = rng.sample(range(100000, 999999), n_train + n_test)
        train_lines, test_lines = [",".join(header + [target])], [",".join(header)]
        bad_rows = 0
        for i, (cells, nz, lv) in enumerate(rows):
            values = cells + nz + ([lv] if use_cat else [])
            line = ",".join([str(ids[i])] + [values[j] for j in order])
            if i < n_train:
                train_lines.append(line + "," + classes[labels[i]])
                if multiclass and rng.random() < 0.015:  # a few rows whose label never got filled in
                    bad_rows += 1
                    train_lines.append(",".join([str(rng.randint(100000, 999999))] + [values[j] for j in order]) + ",?")
            else:
                test_lines.append(line)
        files: dict[str, str | bytes] = {
            f"environment/data/{train_name}": "\n".join(train_lines) + "\n",
            f"environment/data/{test_name}": "\n".join(test_lines) + "\n",
        }
        hidden = {str(ids[n_train + i]): classes[y] for i, y in enumerate(labels[n_train:])}

        metric_txt = (f"a macro-averaged F1 (mean over the {k} classes of the per-class F1) of at least "
                      f"**{threshold:.2f}**" if multiclass else f"an accuracy of at least **{threshold:.2f}**")
        def v(*options: str) -> str:
            return pick(rng, list(options))

        intro = v(
            f"We want a quick baseline model for our {what} before the data-science team builds anything fancy.",
            f"The modelling server has no internet and no scikit-learn, but we still need predictions for a batch "
            f"of {what}.",
            f"Product asked for a first-cut classifier on the {what} export.",
            f"Please build a small model on the {what} data set and score the held-out batch.",
            f"Score {n_test} new {what} for `{target}` using a model trained on the {n_train} labelled ones.",
        )
        data = v(
            f"- Training data: `{data_dir}/{train_name}` (CSV with a header; the target column is `{target}`).\n"
            f"- Held-out rows to score: `{data_dir}/{test_name}` (same columns without `{target}`).",
            f"- `{data_dir}/{train_name}`: labelled rows (CSV with header, label column `{target}`).\n"
            f"- `{data_dir}/{test_name}`: the rows to predict (same columns, no `{target}`).",
            f"- Labelled: `{data_dir}/{train_name}` (target `{target}`)\n"
            f"- To score: `{data_dir}/{test_name}` (no target column)",
        )
        nuisance_txt = ", ".join(f"`{n}`" for n, _, _ in noise)
        notes = [v(f"`{id_col}` is a unique row identifier; {nuisance_txt} are bookkeeping columns.",
                   f"`{id_col}` identifies the row; {nuisance_txt} are administrative fields, not measurements.",
                   f"Besides the id `{id_col}`, the columns {nuisance_txt} are just bookkeeping.")]
        if use_cat:
            notes.append(v(f"`{cat_name}` is categorical (values: {', '.join(cat_levels)}).",
                           f"`{cat_name}` takes the categorical values {', '.join(cat_levels)}.",
                           f"The `{cat_name}` column is a category ({', '.join(cat_levels)})."))
        if missing_rate:
            notes.append(v("Some numeric cells are empty (the sensor/form value is missing) in both files; every "
                           "held-out row still needs a prediction.",
                           "Both files have empty numeric cells (missing values), and rows with gaps must still be "
                           "predicted.",
                           "Expect blanks in numeric columns of both files; a prediction is required for every "
                           "held-out row regardless."))
        if multiclass:
            notes.append(v("A few training rows have the label `?` (never annotated); they carry no label "
                           "information.", "Training rows labelled `?` were never annotated.",
                           "Some training labels are `?` (unknown).") + " " +
                         v(f"The classes are {', '.join('`' + c + '`' for c in classes)} and they are not balanced.",
                           f"The {k} classes ({', '.join('`' + c + '`' for c in classes)}) are imbalanced."))
        out_txt = v(
            f"Write `{out}` as CSV with the header `{id_col},{target}` and exactly one row per held-out row (every "
            f"`{id_col}` of `{test_name}` once, any order), the predicted class spelled exactly as in the training "
            "labels.",
            f"Save predictions to `{out}`: header `{id_col},{target}`, one row for each row of `{test_name}` (each "
            "id exactly once, order free), classes spelled as in the training data.",
            f"`{out}` must be a CSV (`{id_col},{target}` header) covering every held-out `{id_col}` exactly once; "
            "use the class names exactly as they appear in training.",
        )
        bar = v(f"The predictions must reach {metric_txt} on the held-out rows; we hold their true labels.",
                f"We will score them against the true labels (which we keep): you need {metric_txt}.",
                f"Acceptance bar: {metric_txt} on the held-out rows, measured against labels only we have.")
        tools = v("Only python3 with numpy/scipy is available (no scikit-learn, no network): implement the model "
                  "yourself.", "There is no scikit-learn and no network here - write the model with numpy/scipy.",
                  "Implement the model yourself in python3 (numpy and scipy are installed, nothing else).")
        keep = v("Do not modify the data files.", "Leave the data files unchanged.", "The CSVs are read-only.")
        instruction = f"{intro}\n\n{data}\n\n{' '.join(notes)}\n\n{out_txt} {bar}\n\n{tools} {keep}\n"

        files["solution/solve.sh"] = _solve(data_dir, train_name, test_name, out, id_col, target, use_cat, "")
        files["solution/wrong/majority-class.sh"] = _solve(data_dir, train_name, test_name, out, id_col, target, use_cat, "majority")
        files["solution/wrong/unscaled-knn.sh"] = _solve(data_dir, train_name, test_name, out, id_col, target, use_cat, "knn")
        if missing_rate:
            files["solution/wrong/skip-incomplete-rows.sh"] = _solve(data_dir, train_name, test_name, out, id_col,
                                                                     target, use_cat, "dropmissing")
        digests = {n: hashlib.sha256(files[f"environment/data/{n}"].encode()).hexdigest() for n in (train_name, test_name)}
        params = {"data_dir": data_dir, "test": test_name, "out": out, "id": id_col, "target": target,
                  "classes": classes, "threshold": threshold, "macro": multiclass, "digests": digests}
        files["tests/labels.json"] = json.dumps(hidden, sort_keys=True)
        files["tests/test_outputs.py"] = TEST.replace("__PARAMS__", json.dumps(params, sort_keys=True))
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY data/ {data_dir}/\nWORKDIR {data_dir}\n",
            files=files, tags=["numpy", "classification", "training", "csv"],
            artifacts=[data_dir] + ([] if out.startswith(data_dir + "/") else [out]),  # data (checked) + predictions
            agent_timeout_sec={"easy": 900.0, "medium": 1200.0, "hard": 1800.0}[level],
            expert_minutes={"easy": 20, "medium": 30, "hard": 45}[level],
        )


def _solve(data_dir: str, train: str, test: str, out: str, id_col: str, target: str, use_cat: bool, mistake: str) -> str:
    return textwrap.dedent(f"""\
        #!/bin/bash
        # Softmax regression on standardised numeric features (train-median imputation) + one-hot categorical.
        set -euo pipefail
        mkdir -p "$(dirname '{out}')"
        head -3 '{data_dir}/{train}'
        python3 - <<'PY'
        import csv
        import numpy as np

        DATA, TRAIN, TEST, OUT = {data_dir!r}, {train!r}, {test!r}, {out!r}
        ID, TARGET, MISTAKE = {id_col!r}, {target!r}, {mistake!r}
        BOOKKEEPING = {{ID, "account_number", "signup_ts", "serial_no", "install_epoch", "branch_code",
                       "application_ts", "src_port", "capture_offset_us"}}
        CATEGORICAL = {{"contract", "line", "purpose", "protocol"}}

        def load(name):
            with open(f"{{DATA}}/{{name}}", newline="") as f:
                return list(csv.DictReader(f))

        train = [r for r in load(TRAIN) if r[TARGET] != "?"]
        test = load(TEST)
        if MISTAKE == "dropmissing":
            test = [r for r in test if all(v != "" for v in r.values())]
        cols = list(train[0].keys())
        num = [c for c in cols if c not in BOOKKEEPING and c not in CATEGORICAL and c != TARGET]
        cats = [c for c in cols if c in CATEGORICAL]
        classes = sorted({{r[TARGET] for r in train}})
        y = np.array([classes.index(r[TARGET]) for r in train])

        def numeric(rows, names):
            return np.array([[float(r[c]) if r[c] != "" else np.nan for c in names] for r in rows])

        if MISTAKE == "majority":
            pred = [classes[int(np.bincount(y).argmax())]] * len(test)
        elif MISTAKE == "knn":
            names = [c for c in cols if c not in CATEGORICAL and c not in (ID, TARGET)]
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
                levels = sorted({{r[c] for r in train}})
                Xtr = np.hstack([Xtr, np.array([[r[c] == v for v in levels] for r in train], float)])
                Xte = np.hstack([Xte, np.array([[r[c] == v for v in levels] for r in test], float)])
            Xtr = np.hstack([Xtr, np.ones((len(Xtr), 1))])
            Xte = np.hstack([Xte, np.ones((len(Xte), 1))])
            Y = np.eye(len(classes))[y]
            W = np.zeros((Xtr.shape[1], len(classes)))
            for _ in range(3000):
                Z = Xtr @ W
                Z -= Z.max(1, keepdims=True)
                P = np.exp(Z)
                P /= P.sum(1, keepdims=True)
                W -= 0.5 * (Xtr.T @ (P - Y) / len(Xtr) + 1e-4 * W)
            pred = [classes[i] for i in (Xte @ W).argmax(1)]
        with open(OUT, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow([ID, TARGET])
            for r, p in zip(test, pred):
                w.writerow([r[ID], p])
        print("wrote", len(pred), "predictions")
        PY
        wc -l '{out}'
        """)


TEST = r'''"""Score the agent's predictions against the hidden labels (tests/labels.json)."""

import csv
import hashlib
import json
import os

P = json.loads("""__PARAMS__""")
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "labels.json")) as f:
    TRUTH = json.load(f)


def rows():
    with open(P["out"], newline="") as f:
        return list(csv.reader(f))


def test_data_untouched():
    for name, digest in P["digests"].items():
        with open(os.path.join(P["data_dir"], name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, f"{name} was modified"


def test_one_valid_prediction_per_heldout_row():
    r = rows()
    assert r and r[0] == [P["id"], P["target"]], f"header must be {P['id']},{P['target']}"
    ids = [row[0] for row in r[1:]]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert sorted(ids) == sorted(TRUTH), "predictions must cover exactly the held-out ids"
    assert all(len(row) == 2 and row[1] in P["classes"] for row in r[1:]), f"labels must be one of {P['classes']}"


def test_quality_threshold():
    pred = {row[0]: row[1] for row in rows()[1:] if len(row) == 2}
    truth = TRUTH
    if not P["macro"]:
        score = sum(pred.get(i) == t for i, t in truth.items()) / len(truth)
    else:
        f1s = []
        for c in P["classes"]:
            tp = sum(1 for i, t in truth.items() if t == c and pred.get(i) == c)
            npred = sum(1 for i in truth if pred.get(i) == c)
            ntrue = sum(1 for t in truth.values() if t == c)
            pr = tp / npred if npred else 0.0
            rc = tp / ntrue if ntrue else 0.0
            f1s.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
        score = sum(f1s) / len(f1s)
    assert score >= P["threshold"], f"score {score:.4f} is below the required {P['threshold']:.2f}"
'''
