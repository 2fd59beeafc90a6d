"""Per-class precision/recall/F1, averages and a confusion matrix from prediction CSVs (dirty labels, several
models joined to a ground-truth file and missing predictions at higher difficulty)."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

THEMES = [
    ("support-ticket intent classifier", ["billing", "cancel", "greeting", "refund", "shipping", "tech_support"]),
    ("review sentiment model", ["negative", "neutral", "positive", "mixed", "spam"]),
    ("surface-defect detector", ["crack", "dent", "ok", "rust", "scratch", "stain"]),
    ("land-cover classifier", ["crop", "desert", "forest", "grass", "urban", "water"]),
    ("document-type router", ["contract", "invoice", "letter", "receipt", "resume", "report"]),
    ("bug-triage model", ["backend", "docs", "frontend", "infra", "security", "ux"]),
]
MODEL_NAMES = ["baseline", "bert_small", "cnn_v2", "distil_ft", "gbdt", "logreg", "mlp_wide", "svm_rbf"]
MISSING = "<missing>"


def _metrics(labels: list[str], pairs: list[tuple[str, str | None]], missing_col: bool) -> dict:
    idx = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    cm = [[0] * (k + (1 if missing_col else 0)) for _ in labels]
    for t, p in pairs:
        cm[idx[t]][k if p is None else idx[p]] += 1
    n = len(pairs)
    per = {}
    for i, label in enumerate(labels):
        tp, support, predicted = cm[i][i], sum(cm[i]), sum(cm[r][i] for r in range(k))
        prec = tp / predicted if predicted else 0.0
        rec = tp / support if support else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[label] = {"precision": prec, "recall": rec, "f1": f1, "support": support}
    macro = {m: sum(per[c][m] for c in labels) / k for m in ("precision", "recall", "f1")}
    weighted = {m: sum(per[c][m] * per[c]["support"] for c in labels) / n for m in ("precision", "recall", "f1")}
    acc = sum(cm[i][i] for i in range(k)) / n
    return {"n": n, "labels": labels, "accuracy": acc, "per_class": per, "macro_avg": macro,
            "weighted_avg": weighted, "confusion_matrix": cm}


def _distinct(m: dict) -> bool:
    """True when the known-wrong variants give a visibly different answer for this data."""
    pr_differ = any(abs(v["precision"] - v["recall"]) > 1e-3 for v in m["per_class"].values())
    mp, mr = m["macro_avg"]["precision"], m["macro_avg"]["recall"]
    harmonic = 2 * mp * mr / (mp + mr) if mp + mr else 0.0
    return pr_differ and abs(harmonic - m["macro_avg"]["f1"]) > 1e-3


def _dirty(rng: random.Random, label: str) -> str:
    form = rng.random()
    if form < 0.7:
        return label
    if form < 0.8:
        return label.upper()
    if form < 0.9:
        return " " + label.capitalize()
    return label + "  "


def _predict(rng: random.Random, t: str, labels: list[str], acc: float, confusions: dict[str, list[str]],
             never: str | None) -> str:
    if t != never and rng.random() < acc:
        return t
    return rng.choice(confusions[t])


@register
class ClassificationMetricsReport(TaskFamily):
    name = "classification_metrics_report"
    domain = "ai_ml"
    title = "Compute per-class precision/recall/F1, averages and a confusion matrix from predictions"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        theme, pool = rng.choice(THEMES)
        k = min(len(pool), {"easy": 3, "medium": rng.randint(4, 5), "hard": rng.randint(4, 6)}[level])
        dirty = level != "easy"
        multi = level == "hard"
        for _ in range(200):
            labels = sorted(rng.sample(pool, k))
            never = rng.choice(labels) if level == "medium" else None
            weights = [rng.uniform(0.5, 3.0) for _ in labels]
            confusions = {t: [c for c in labels if c != t and c != never] for t in labels}
            for t in labels:
                confusions[t] = confusions[t] + [rng.choice(confusions[t])] * 3  # one favourite confusion
            models = sorted(rng.sample(MODEL_NAMES, rng.randint(2, 3))) if multi else ["model"]
            n = {"easy": rng.randint(60, 150), "medium": rng.randint(200, 400), "hard": rng.randint(250, 450)}[level]
            truths = [rng.choices(labels, weights)[0] for _ in range(n)]
            preds = {}
            for mname in models:
                acc = rng.uniform(0.55, 0.9)
                preds[mname] = [_predict(rng, t, labels, acc, confusions, never) for t in truths]
            ok = True
            computed = {}
            missing_ids: dict[str, list[int]] = {}
            for mname in models:
                miss = sorted(rng.sample(range(n), rng.randint(3, 9))) if multi else []
                missing_ids[mname] = miss
                pairs = [(t, None if i in miss else p) for i, (t, p) in enumerate(zip(truths, preds[mname]))]
                computed[mname] = _metrics(labels, pairs, multi)
                ok = ok and _distinct(computed[mname]) and all(v["support"] > 0 for v in computed[mname]["per_class"].values())
                if multi:
                    full = _metrics(labels, [(t, p) for i, (t, p) in enumerate(zip(truths, preds[mname]))
                                             if i not in miss], True)
                    ok = ok and abs(full["macro_avg"]["recall"] - computed[mname]["macro_avg"]["recall"]) > 1e-3
            if multi:
                f1s = sorted(computed[m]["macro_avg"]["f1"] for m in models)
                ok = ok and all(b - a > 2e-3 for a, b in itertools.pairwise(f1s))
            if ok:
                break
        else:  # pragma: no cover - the data generator virtually always succeeds quickly
            raise RuntimeError("could not generate distinct metrics data")

        base_dir = pick(rng, ["/app/eval", "/srv/ml/eval", "/home/mlops/eval_run", "/data/experiments/eval"])
        out = pick(rng, [f"{base_dir}/metrics.json", "/app/report/metrics.json", f"{base_dir}/report/classification_report.json"])
        id_prefix = pick(rng, ["s", "ex", "row", "doc"])
        ids = [f"{id_prefix}{i:05d}" for i in rng.sample(range(1, 10 * n), n)]
        files: dict[str, str | bytes] = {}
        inputs: list[str] = []
        unlabeled = 0
        if not multi:
            rows = ["id,y_true,y_pred"]
            for i, (t, p) in enumerate(zip(truths, preds["model"])):
                rows.append(f"{ids[i]},{_dirty(rng, t) if dirty else t},{_dirty(rng, p) if dirty else p}")
                if dirty and rng.random() < 0.04:
                    unlabeled += 1
                    rows.append(f"{id_prefix}9{rng.randrange(10000):04d}x,,{rng.choice(labels)}")
            files["environment/data/predictions.csv"] = "\n".join(rows) + "\n"
            inputs.append("predictions.csv")
        else:
            order = list(range(n))
            rng.shuffle(order)
            rows = ["id,label"] + [f"{ids[i]},{_dirty(rng, truths[i])}" for i in order]
            files["environment/data/labels.csv"] = "\n".join(rows) + "\n"
            inputs.append("labels.csv")
            for mname in models:
                order = [i for i in range(n) if i not in missing_ids[mname]]
                rng.shuffle(order)
                rows = ["id,prediction"] + [f"{ids[i]},{_dirty(rng, preds[mname][i])}" for i in order]
                for _ in range(rng.randint(1, 4)):  # predictions for samples dropped from the labelled set
                    rows.insert(rng.randint(1, len(rows)), f"{id_prefix}x{rng.randrange(100000):05d},{rng.choice(labels)}")
                files[f"environment/data/preds/{mname}.csv"] = "\n".join(rows) + "\n"
                inputs.append(f"preds/{mname}.csv")

        def v(*options: str) -> str:
            return pick(rng, list(options))

        intro = v(
            f"We need the evaluation numbers for our {theme} before the model review.",
            f"The offline evaluation of the {theme} finished, but nobody computed the metrics yet.",
            f"Please produce the classification report for the {theme}; the dashboard reads it from a JSON file.",
            f"Our {theme} needs a proper per-class breakdown, not just accuracy.",
            f"Product wants to know where the {theme} goes wrong, class by class.",
            f"The model-review template for the {theme} asks for a full per-class evaluation.",
        )
        class_list = ", ".join(f"`{c}`" for c in labels)
        classes = v(f"The classes are {class_list}.", f"Expect these {k} classes: {class_list}.",
                    f"The label set is {class_list}.", f"There are {k} classes ({class_list}).")
        bullets = [
            v("`n`: the number of evaluated samples;", "`n`: how many samples were evaluated (an integer);",
              "`n`: the count of evaluated samples;"),
            v("`labels`: every class label, sorted alphabetically (this order is used everywhere below);",
              "`labels`: the class labels in alphabetical order - every list and matrix below uses this order;",
              "`labels`: all class labels, sorted A-Z (the order used by the matrix below);"),
            v("`accuracy`: correct predictions / `n`;", "`accuracy`: the fraction of samples predicted correctly;",
              "`accuracy`: number of correct predictions divided by `n`;"),
            v('`per_class`: an object keyed by label, each value `{"precision": .., "recall": .., "f1": .., '
              '"support": ..}` where support is the number of samples whose true label is that class (an integer);',
              '`per_class`: for every label, an object `{"precision": .., "recall": .., "f1": .., "support": ..}`; '
              "support counts the samples whose true label is that class;",
              '`per_class`: label -> `{"precision": .., "recall": .., "f1": .., "support": ..}`, with support the '
              "(integer) number of samples truly in that class;"),
            v('`macro_avg`: `{"precision": .., "recall": .., "f1": ..}`, the unweighted mean over classes of each '
              "per-class value (so macro F1 is the mean of the per-class F1 scores);",
              '`macro_avg`: `{"precision": .., "recall": .., "f1": ..}` where each entry is the plain average of the '
              "per-class values (macro F1 = mean of per-class F1, not the F1 of the averages);",
              '`macro_avg`: the unweighted per-class means, as `{"precision": .., "recall": .., "f1": ..}` '
              "(macro F1 averages the per-class F1 scores);"),
            v("`weighted_avg`: the same three means weighted by support;",
              "`weighted_avg`: like `macro_avg` but each class weighted by its support;",
              "`weighted_avg`: support-weighted means of precision, recall and F1;"),
            v("`confusion_matrix`: a list of lists, row = true label, column = predicted label, both in `labels` "
              "order, integer counts.",
              "`confusion_matrix`: integer counts as a list of rows; rows are true labels and columns predicted "
              "labels, both in `labels` order.",
              "`confusion_matrix`: `confusion_matrix[i][j]` = number of samples with true label `labels[i]` "
              "predicted as `labels[j]`."),
        ]
        metric_spec = "\n".join(f"- {b}" for b in bullets)
        zero = v("If a denominator is zero (for example a class that is never predicted) the metric is 0, and F1 "
                 "is 0 when precision + recall is 0.",
                 "Zero denominators give 0 (e.g. precision of a class nobody predicted), and F1 is 0 whenever "
                 "precision + recall is 0.",
                 "Use 0 for any metric whose denominator is 0 - a class that is never predicted has precision 0 - "
                 "and for F1 when precision and recall are both 0.")
        rnd = v("Round every non-integer value to 4 decimal places.", "Floats are rounded to 4 decimals.",
                "Give all floating-point values rounded to 4 decimal places.")
        keep = v("Do not modify the input files.", "Leave the input files untouched.",
                 "The inputs are read-only: do not edit them.")
        if not multi:
            src = f"{base_dir}/predictions.csv"
            where = v(f"The predictions are in `{src}` (CSV with header `id,y_true,y_pred`, one evaluated sample "
                      "per row).",
                      f"`{src}` holds one row per evaluated sample, with the header `id,y_true,y_pred`.",
                      f"Each evaluated sample is a row of `{src}` (columns `id,y_true,y_pred`).")
            clean = ""
            if dirty:
                clean = "\n" + v(
                    "The labels were typed by several annotators: compare them after stripping surrounding "
                    "whitespace and lower-casing (report the normalised, lower-case labels).",
                    "Labels were entered by hand, so case and surrounding spaces vary: strip and lower-case them "
                    "before comparing, and report the lower-case forms.",
                    "Normalise every label by trimming whitespace and lower-casing it (the report uses these "
                    "normalised labels).") + " " + v(
                    "Some rows have an empty `y_true` because the sample was never annotated: leave those rows out "
                    "entirely.",
                    "Rows with an empty `y_true` were never annotated and must be skipped.",
                    "A blank `y_true` means the sample was not labelled; exclude such rows from everything.") + "\n"
            head = v(f"Write `{out}` as a JSON object with these keys:",
                     f"The report goes to `{out}`: one JSON object with the keys",
                     f"Save the result as `{out}`, a JSON object containing:")
            instruction = textwrap.dedent(f"""\
                {intro} {where} {classes}
                {{clean}}
                {head}

                {{metric_spec}}

                {zero} {rnd} {keep}
                """).replace("{metric_spec}", metric_spec).replace("{clean}", clean)
        else:
            model_list = ", ".join(f"`{m}`" for m in models)
            where = v(
                f"Ground truth is in `{base_dir}/labels.csv` (header `id,label`) and every candidate model wrote its "
                f"predictions to `{base_dir}/preds/<model>.csv` (header `id,prediction`; the model name is the file "
                "name without `.csv`; rows are in no particular order).",
                f"The true labels live in `{base_dir}/labels.csv` (`id,label`); each candidate's predictions are in "
                f"`{base_dir}/preds/<model>.csv` (`id,prediction`, unordered), named after the model.",
                f"`{base_dir}/labels.csv` (columns `id,label`) is the ground truth; `{base_dir}/preds/` has one CSV "
                "per model (`id,prediction`, any row order; the file name without `.csv` is the model name).")
            norm = v("Compare labels after stripping surrounding whitespace and lower-casing them (report the "
                     "normalised labels).",
                     "Labels are compared case-insensitively and without surrounding spaces; report them lower-case.",
                     "Trim and lower-case every label before comparing (and in the report).")
            scope = v("The evaluation set is exactly the ids in `labels.csv`: ignore predictions for ids that are "
                      "not in it.",
                      "Only ids present in `labels.csv` are evaluated; predictions for any other id are ignored.",
                      "Predictions whose id is not in `labels.csv` do not count at all.")
            missing = v(
                "Some models crashed on a few samples and have no prediction for them: such a sample still counts "
                "(it is wrong: it adds to its true class's support but is a false positive for no class) and in "
                f"the confusion matrix it goes into an extra last column for the predicted label `{MISSING}`.",
                "A model that has no prediction for a labelled id got that sample wrong: it still counts in `n` and "
                "in the support of its true class, is a false positive for no class, and is counted in an extra "
                f"last confusion-matrix column named `{MISSING}`.",
                "Missing predictions (labelled ids absent from a model's file) are errors: keep them in `n` and in "
                "the true class's support, count them as nobody's false positive, and put them in an additional "
                f"last column `{MISSING}` of the confusion matrix.")
            head = v(
                f"Write `{out}` as a JSON object `{{\"models\": {{<model>: <report>, ...}}, \"best_model\": "
                "<model>}` with one report per model file and `best_model` the model with the highest "
                "macro-averaged F1. Each report is an object with these keys:",
                f"Produce `{out}`: `{{\"models\": {{<model>: <report>}}, \"best_model\": <model>}}`, one report "
                "per model and `best_model` the one with the best macro F1. A report has the keys:",
                f"The output `{out}` is a JSON object with `models` (model name -> report) and `best_model` (the "
                "model with the highest macro-averaged F1). Every report contains:")
            instruction = textwrap.dedent(f"""\
                {intro} {where} Models to compare: {model_list}. {classes}

                {norm} {scope} {missing}

                {head}

                {{metric_spec}}
                  Here every row has one extra last column, `{MISSING}`, as described above.

                {zero} {rnd} {keep}
                """).replace("{metric_spec}", metric_spec)

        files["solution/solve.sh"] = _script(base_dir, out, multi, dirty, "")
        files["solution/wrong/transposed-confusion.sh"] = _script(base_dir, out, multi, dirty, "transpose")
        files["solution/wrong/macro-f1-from-averages.sh"] = _script(base_dir, out, multi, dirty, "harmonic")
        if level == "medium":
            files["solution/wrong/no-label-normalisation.sh"] = _script(base_dir, out, multi, False, "")
        if multi:
            files["solution/wrong/drop-missing-predictions.sh"] = _script(base_dir, out, multi, dirty, "dropmissing")

        digests = {}
        for rel in inputs:
            data = files[f"environment/data/{rel}"]
            digests[rel] = hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()
        params = {"base": base_dir, "out": out, "multi": multi, "dirty": dirty, "digests": digests,
                  "models": models if multi else [], "missing": MISSING}
        files["tests/test_outputs.py"] = (TEST + (TEST_BEST if multi else "")).replace(
            "__PARAMS__", json.dumps(params, sort_keys=True))
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY data/ {base_dir}/\nWORKDIR {base_dir}\n",
            files=files, tags=["metrics", "classification", "python", "json"],
            # the inputs (checked untouched, and the expected report is recomputed from them) and the report
            artifacts=[base_dir] + ([] if out.startswith(base_dir + "/") else [out]),
            agent_timeout_sec={"easy": 600.0, "medium": 900.0, "hard": 1200.0}[level],
            expert_minutes={"easy": 10, "medium": 20, "hard": 30}[level],
        )


def _script(base: str, out: str, multi: bool, normalise: bool, mistake: str) -> str:
    """The reference solution, or a known-wrong variant of it (`mistake`)."""
    norm = "s.strip().lower()" if normalise else "s"
    return textwrap.dedent(f"""\
        #!/bin/bash
        set -euo pipefail
        mkdir -p "$(dirname '{out}')"
        python3 - <<'PY'
        import csv, glob, json, os
        BASE, OUT, MULTI, MISTAKE = {base!r}, {out!r}, {multi!r}, {mistake!r}

        def norm(s):
            return {norm}

        def report(pairs, labels, missing_col):
            k = len(labels)
            idx = {{l: i for i, l in enumerate(labels)}}
            cm = [[0] * (k + (1 if missing_col else 0)) for _ in labels]
            for t, p in pairs:
                cm[idx[t]][k if p is None else idx[p]] += 1
            if MISTAKE == "transpose":
                cm = [[cm[c][r] for c in range(k)] + ([cm[r][k]] if missing_col else []) for r in range(k)]
            n = len(pairs)
            per = {{}}
            for i, l in enumerate(labels):
                tp, sup, pred = cm[i][i], sum(cm[i]), sum(cm[r][i] for r in range(k))
                p = tp / pred if pred else 0.0
                r = tp / sup if sup else 0.0
                f = 2 * p * r / (p + r) if p + r else 0.0
                per[l] = {{"precision": p, "recall": r, "f1": f, "support": sup}}
            macro = {{m: sum(per[c][m] for c in labels) / k for m in ("precision", "recall", "f1")}}
            if MISTAKE == "harmonic":
                mp, mr = macro["precision"], macro["recall"]
                macro["f1"] = 2 * mp * mr / (mp + mr) if mp + mr else 0.0
            weighted = {{m: sum(per[c][m] * per[c]["support"] for c in labels) / n for m in ("precision", "recall", "f1")}}
            r4 = lambda d: {{m: round(v, 4) if isinstance(v, float) else v for m, v in d.items()}}
            return {{"n": n, "labels": labels, "accuracy": round(sum(cm[i][i] for i in range(k)) / n, 4),
                    "per_class": {{l: r4(per[l]) for l in labels}}, "macro_avg": r4(macro),
                    "weighted_avg": r4(weighted), "confusion_matrix": cm}}

        if not MULTI:
            pairs = []
            with open(os.path.join(BASE, "predictions.csv"), newline="") as f:
                for row in csv.DictReader(f):
                    t, p = norm(row["y_true"]), norm(row["y_pred"])
                    if t.strip():
                        pairs.append((t, p))
            labels = sorted({{x for pr in pairs for x in pr}})
            result = report(pairs, labels, False)
        else:
            with open(os.path.join(BASE, "labels.csv"), newline="") as f:
                truth = {{r["id"]: norm(r["label"]) for r in csv.DictReader(f)}}
            result = {{"models": {{}}}}
            for path in sorted(glob.glob(os.path.join(BASE, "preds", "*.csv"))):
                name = os.path.basename(path)[:-4]
                with open(path, newline="") as f:
                    pred = {{r["id"]: norm(r["prediction"]) for r in csv.DictReader(f)}}
                pairs = [(t, pred.get(i)) for i, t in truth.items()]
                if MISTAKE == "dropmissing":
                    pairs = [(t, p) for t, p in pairs if p is not None]
                labels = sorted({{x for pr in pairs for x in pr if x is not None}})
                result["models"][name] = report(pairs, labels, True)
            result["best_model"] = max(sorted(result["models"]), key=lambda m: result["models"][m]["macro_avg"]["f1"])
        with open(OUT, "w") as f:
            json.dump(result, f, indent=2)
        PY
        """)


TEST = r'''"""Recompute the classification report from the (untouched) inputs and compare it with the agent's JSON."""

import csv
import glob
import hashlib
import json
import math
import os

P = json.loads("""__PARAMS__""")
BASE, OUT, MULTI, MISSING = P["base"], P["out"], P["multi"], P["missing"]
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
    with open(OUT) as f:
        return json.load(f)


def reports(data):
    exp = expected()
    if not MULTI:
        return [("report", data, exp)]
    assert isinstance(data.get("models"), dict), "top level must have a 'models' object"
    assert sorted(data["models"]) == sorted(exp["models"]), "one report per model file"
    return [(m, data["models"][m], exp["models"][m]) for m in sorted(exp["models"])]


def close(a, b):
    return isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a) and abs(a - b) <= TOL


def test_inputs_untouched():
    for rel, digest in P["digests"].items():
        with open(os.path.join(BASE, rel), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, f"{rel} was modified"


def test_counts_and_labels():
    for name, got, exp in reports(load()):
        assert got["n"] == exp["n"], name
        assert got["labels"] == exp["labels"], name
        assert {l: v["support"] for l, v in got["per_class"].items()} == \
            {l: v["support"] for l, v in exp["per_class"].items()}, name


def test_confusion_matrix():
    for name, got, exp in reports(load()):
        assert got["confusion_matrix"] == exp["confusion_matrix"], name


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
'''

TEST_BEST = '''

def test_best_model():
    assert load().get("best_model") == expected()["best_model"]
'''
