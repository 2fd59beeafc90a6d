"""Per-class precision/recall/F1, averages and a confusion matrix from prediction CSVs (dirty labels, several
models joined to a ground-truth file and missing predictions at higher difficulty)."""

from __future__ import annotations

import itertools
import json
import random

from litecoder_terminal.synth.procedural import kit

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



KNOBS = {
    "cm": kit.Knob("cm", "[[cm[c][r] for c in range(k)] + ([cm[r][k]] if missing_col else []) for r in range(k)]",
                   "transposes the confusion matrix (rows = predicted instead of true labels)"),
    "macro_f1": kit.Knob('sum(per[c]["f1"] for c in labels) / k',
                         '2 * macro["precision"] * macro["recall"] / (macro["precision"] + macro["recall"]) '
                         'if macro["precision"] + macro["recall"] else 0.0',
                         "macro F1 as the F1 of the macro precision and recall, not the mean of per-class F1"),
    "norm": kit.Knob("s.strip().lower()", "s", "compares labels as typed (case and spaces vary)"),
    "missing": kit.Knob("pairs", "[(t, p) for t, p in pairs if p is not None]",
                        "drops samples a model has no prediction for instead of counting them as errors"),
}


class ClassificationMetricsReport(kit.KitFamily):
    title = "Compute per-class precision/recall/F1, averages and a confusion matrix from predictions"
    levels = kit.Levels(classes=((3, 3), (4, 5), (4, 6)), dirty=(False, True, True), never_predicted=(False, True, False),
                        multi=(False, False, True), samples=((60, 150), (200, 400), (250, 450)),
                        agent_timeout=(600, 900, 1200), expert_minutes=(10, 20, 30))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        kn = self.knobs
        theme, pool = rng.choice(THEMES)
        k = min(len(pool), rng.randint(*kn.classes))
        dirty, multi = kn.dirty, kn.multi
        for _ in range(200):
            labels = sorted(rng.sample(pool, k))
            never = rng.choice(labels) if kn.never_predicted else None
            weights = [rng.uniform(0.5, 3.0) for _ in labels]
            confusions = {t: [c for c in labels if c != t and c != never] for t in labels}
            for t in labels:
                confusions[t] = confusions[t] + [rng.choice(confusions[t])] * 3  # one favourite confusion
            models = sorted(rng.sample(MODEL_NAMES, rng.randint(2, 3))) if multi else ["model"]
            n = rng.randint(*kn.samples)
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
                ok = ok and _distinct(computed[mname]) and all(v["support"] > 0
                                                               for v in computed[mname]["per_class"].values())
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

        base = rng.choice(["/app/eval", "/srv/ml/eval", "/home/mlops/eval_run", "/data/experiments/eval"])
        out = rng.choice([f"{base}/metrics.json", "/app/report/metrics.json", f"{base}/report/classification_report.json"])
        id_prefix = rng.choice(["s", "ex", "row", "doc"])
        ids = [f"{id_prefix}{i:05d}" for i in rng.sample(range(1, 10 * n), n)]
        files: dict[str, str | bytes] = {}
        if not multi:
            rows = ["id,y_true,y_pred"]
            for i, (t, p) in enumerate(zip(truths, preds["model"])):
                rows.append(f"{ids[i]},{_dirty(rng, t) if dirty else t},{_dirty(rng, p) if dirty else p}")
                if dirty and rng.random() < 0.04:
                    rows.append(f"{id_prefix}9{rng.randrange(10000):04d}x,,{rng.choice(labels)}")
            files["environment/data/predictions.csv"] = "\n".join(rows) + "\n"
            inputs = (f"The predictions are in `{base}/predictions.csv` (CSV with header `id,y_true,y_pred`, one "
                      "evaluated sample per row).")
            rules = ("The labels were typed by several annotators: compare them after stripping surrounding "
                     "whitespace and lower-casing (report the normalised, lower-case labels). Rows with an empty "
                     "`y_true` were never annotated: leave them out entirely.") if dirty else ""
            shape = "It is one JSON object with these keys:"
            missing_col = ""
        else:
            order = list(range(n))
            rng.shuffle(order)
            files["environment/data/labels.csv"] = "\n".join(
                ["id,label"] + [f"{ids[i]},{_dirty(rng, truths[i])}" for i in order]) + "\n"
            for mname in models:
                order = [i for i in range(n) if i not in missing_ids[mname]]
                rng.shuffle(order)
                rows = ["id,prediction"] + [f"{ids[i]},{_dirty(rng, preds[mname][i])}" for i in order]
                for _ in range(rng.randint(1, 4)):  # predictions for samples dropped from the labelled set
                    rows.insert(rng.randint(1, len(rows)),
                                f"{id_prefix}x{rng.randrange(100000):05d},{rng.choice(labels)}")
                files[f"environment/data/preds/{mname}.csv"] = "\n".join(rows) + "\n"
            inputs = (f"Ground truth is in `{base}/labels.csv` (header `id,label`) and every candidate model wrote "
                      f"its predictions to `{base}/preds/<model>.csv` (header `id,prediction`; the model name is the "
                      "file name without `.csv`; rows are in no particular order).")
            rules = ("Compare labels after stripping surrounding whitespace and lower-casing them (report the "
                     "normalised labels). The evaluation set is exactly the ids in `labels.csv`: ignore predictions "
                     "for other ids. A model with no prediction for a labelled id got that sample wrong: it still "
                     "counts in `n` and in the support of its true class, is a false positive for no class, and is "
                     f"counted in an extra last confusion-matrix column for the predicted label `{MISSING}`.")
            shape = ('It is a JSON object `{"models": {<model>: <report>, ...}, "best_model": <model>}` with one '
                     "report per model file and `best_model` the model with the highest macro-averaged F1. Each "
                     "report is an object with these keys:")
            missing_col = f"\n  Here every row has one extra last column, `{MISSING}`, as described above."
        spec = self.template("spec.md", missing_col=missing_col)
        text = {"inputs": inputs, "rules": rules, "shape": shape, "spec": spec, "out": out}
        files["environment/data/README.md"] = self.template("README.md", theme=theme, **text)
        files["environment/data/logs/eval.log"] = self.template(
            "eval.log", day=f"2025-{rng.randint(1, 12):02d}-{rng.randint(10, 28)}", base=base, out=out)
        files["environment/data/report.prev.json"] = json.dumps(
            {"n": n + rng.randint(5, 40), "labels": labels, "accuracy": round(rng.uniform(0.5, 0.9), 4),
             "note": "previous evaluation run"}, indent=2) + "\n"
        wrong = {"transposed_confusion": "cm", "macro_f1_from_averages": "macro_f1"}
        if dirty and not multi:
            wrong["no_label_normalisation"] = "norm"
        if multi:
            wrong["drop_missing_predictions"] = "missing"
        files |= self.solver(KNOBS).files({"base": base, "multi": str(multi)}, wrong)
        files |= self.alt_solutions(base=base)
        files |= self.verifier(base=base, out=out)
        files |= kit.expected_file({"multi": multi, "n": n, "labels": labels, "models": models if multi else []})
        instruction = self.instruction(intro=self.intro(rng, theme=theme), base=base, **text)
        # composition: a result of the report opens a later part's inputs
        if multi:
            handoff = kit.Handoff(
                value=max(models, key=lambda m: computed[m]["macro_avg"]["f1"]),
                read=f"python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[\"best_model\"])' {out}",
                says=f"the `best_model` named in `{out}`")
        else:
            cm = computed["model"]["confusion_matrix"]
            handoff = kit.Handoff(
                value=str(sum(row[i] for i, row in enumerate(cm))),
                read="python3 -c 'import json, sys; m = json.load(open(sys.argv[1]))[\"confusion_matrix\"]; "
                     f"print(sum(r[i] for i, r in enumerate(m)))' {out}",
                says=f"the number of correctly classified samples in `{out}` (the sum of its confusion matrix's "
                     "diagonal)")
        return kit.draft(handoff=handoff,
            instruction=instruction, dockerfile_body=f"COPY data/ {base}/\nWORKDIR {base}\n", files=files,
            tags=["metrics", "classification", "python", "json"], artifacts=[out], outputs=[out],
            agent_timeout_sec=kn.agent_timeout, expert_minutes=kn.expert_minutes,
        )
