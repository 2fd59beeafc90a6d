"""Multi-stage: stratified split -> choose k for a k-NN classifier on the validation split -> refit on train+val and
evaluate on test -> predict an incoming batch -> write a model card. The verifier recomputes every stage from the
agent's own split files, so any valid stratified split is accepted but every later artifact must follow from it."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

# (what, id column, label column, classes, informative [(name, mean, scale, decimals)], nuisance feature)
THEMES = [
    ("wheat kernel measurements", "kernel_id", "variety", ["canadian", "durum", "kama", "rosa"],
     [("area_mm2", 15.0, 2.8, 3), ("perimeter_mm", 14.6, 1.3, 3), ("compactness", 0.871, 0.024, 4),
      ("kernel_length_mm", 5.63, 0.44, 3), ("asymmetry", 3.7, 1.5, 3)],
     ("scanner_temp_c", 1200.0, 350.0, 2)),
    ("wine lab analyses", "sample_id", "cultivar", ["barolo", "grignolino", "nebbiolo", "barbera"],
     [("alcohol_pct", 13.0, 0.8, 2), ("malic_acid", 2.34, 1.1, 2), ("flavanoids", 2.03, 1.0, 3),
      ("color_intensity", 5.06, 2.3, 2), ("hue", 0.96, 0.23, 3)],
     ("lab_batch_ppm", 5000.0, 1400.0, 1)),
    ("wearable activity windows", "window_id", "activity", ["cycling", "running", "sitting", "walking"],
     [("acc_mean_g", 1.02, 0.08, 4), ("acc_std_g", 0.31, 0.12, 4), ("gyro_energy", 4.1, 1.7, 3),
      ("step_freq_hz", 1.6, 0.5, 3), ("baro_delta_pa", 3.0, 1.4, 2)],
     ("firmware_clock_ms", 86000.0, 24000.0, 0)),
    ("network host fingerprints", "host_id", "os_family", ["bsd", "linux", "macos", "windows"],
     [("ttl_mean", 90.0, 25.0, 2), ("win_size_kb", 48.0, 14.0, 2), ("syn_opts", 4.5, 1.2, 3),
      ("rtt_jitter_ms", 2.2, 0.8, 3), ("mss_ratio", 0.95, 0.03, 4)],
     ("scan_epoch_s", 1.7e9, 9.0e6, 0)),
]
SPLITS = [(0.7, 0.15, 0.15), (0.6, 0.2, 0.2), (0.8, 0.1, 0.1)]
KS = [[1, 3, 5, 7, 9], [1, 3, 5, 7, 9, 11, 15], [3, 5, 7, 9, 11, 13, 15, 21]]


@register
class KnnPipelineModelCard(TaskFamily):
    name = "knn_pipeline_model_card"
    domain = "ai_ml"
    title = "Split, tune, evaluate and ship a k-NN classifier with a model card"
    multi_stage = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        what, id_col, label_col, class_pool, informative, nuisance = rng.choice(THEMES)
        k_cls = {"easy": 2, "medium": 3, "hard": 4}[level]
        classes = sorted(rng.sample(class_pool, k_cls))
        feats = sorted(rng.sample(informative, {"easy": 3, "medium": 4, "hard": 5}[level]), key=informative.index)
        cols = list(feats)
        cols.insert(rng.randrange(len(cols) + 1), nuisance)
        fracs = rng.choice(SPLITS)
        ks = rng.choice(KS)
        n = {"easy": rng.randint(240, 360), "medium": rng.randint(360, 520), "hard": rng.randint(500, 700)}[level]
        n_incoming = rng.randint(80, 160)
        dupes = level == "hard"

        centers = {c: [rng.gauss(0, 1.25) for _ in feats] for c in classes}
        weights = [rng.uniform(0.6, 1.6) for _ in classes]
        seen: set[tuple] = set()

        def sample(c: str) -> list[str]:
            while True:
                vals = []
                for name, mean, scale, dec in cols:
                    if (name, mean, scale, dec) == nuisance:
                        z = rng.gauss(0, 1)
                    else:
                        z = centers[c][feats.index((name, mean, scale, dec))] + rng.gauss(0, 1)
                    v = mean + scale * z
                    vals.append(f"{v:.{dec}f}" if dec else str(round(v)))
                key = tuple(vals)
                if key not in seen:  # no two identical feature vectors (exact distance ties)
                    seen.add(key)
                    return vals

        ids = rng.sample(range(10000, 99999), n + n_incoming)
        rows = []
        for i in range(n):
            c = rng.choices(classes, weights)[0]
            rows.append((c, ids[i], sample(c)))
        for c in classes:  # every class well represented
            for j in range(12):
                rows.append((c, 100000 + len(rows), sample(c)))
        rows.sort(key=lambda r: (r[0], r[1]))  # the export is sorted by label
        header = ",".join([id_col] + [c[0] for c in cols] + [label_col])
        lines = [",".join([str(i)] + v + [c]) for c, i, v in rows]
        if dupes:
            for _ in range(rng.randint(8, 20)):
                j = rng.randrange(len(lines))
                lines.insert(j + 1, lines[j])  # exact duplicate rows from a double export
        dataset = header + "\n" + "\n".join(lines) + "\n"
        inc_rows, hidden = [], {}
        for i in range(n_incoming):
            c = rng.choices(classes, weights)[0]
            inc_rows.append(",".join([str(ids[n + i])] + sample(c)))
            hidden[str(ids[n + i])] = c
        incoming = ",".join([id_col] + [c[0] for c in cols]) + "\n" + "\n".join(inc_rows) + "\n"

        root = pick(rng, ["/app/pipeline", "/srv/ml/knn", "/home/mlops/knn_job", "/opt/classifier"])
        data_name = pick(rng, ["dataset.csv", "labelled.csv", "export.csv"])
        inc_name = pick(rng, ["incoming.csv", "new_batch.csv", "unlabelled.csv"])
        files: dict[str, str | bytes] = {
            f"environment/work/data/{data_name}": dataset,
            f"environment/work/data/{inc_name}": incoming,
        }
        out = {"train": f"{root}/splits/train.csv", "val": f"{root}/splits/val.csv", "test": f"{root}/splits/test.csv",
               "selection": f"{root}/selection.csv", "card": f"{root}/model_card.json",
               "pred": f"{root}/predictions.csv"}
        feat_names = [c[0] for c in cols]
        ptr, pva, _ = fracs
        def v(*options: str) -> str:
            return pick(rng, list(options))

        intro = v(
            f"We are productionising a small k-nearest-neighbours classifier for {what} and need the whole pipeline "
            "run end to end with artifacts we can audit.",
            f"Please take the labelled {what} through our standard model pipeline (split, tune, evaluate, predict, "
            "document).",
            f"The {what} classifier needs to be rebuilt from scratch; reviewers will check each artifact of the "
            "pipeline separately.",
            f"New batch of {what} to classify, and the old model has no paper trail: redo the k-NN pipeline "
            "properly this time.",
            f"Model governance asks for a documented, reproducible k-NN model for {what} ({k_cls} classes).",
        )
        feat_txt = ", ".join(f"`{f}`" for f in feat_names)
        data_desc = v(
            f"The labelled data is `{root}/data/{data_name}` (CSV, header row, id column `{id_col}`, class column "
            f"`{label_col}`; the rows are sorted by class). The features are the other columns, in file order: "
            f"{feat_txt}. Unlabelled rows to score are in `{root}/data/{inc_name}`.",
            f"Labelled rows: `{root}/data/{data_name}` (header; `{id_col}` identifies a row, `{label_col}` is the "
            f"class, and the file is sorted by `{label_col}`). Features, in file order: {feat_txt}. The rows to "
            f"score are in `{root}/data/{inc_name}` (no `{label_col}` column).",
            f"Inputs: `{root}/data/{data_name}` - one labelled example per row, id `{id_col}`, class `{label_col}`, "
            f"exported sorted by class - and `{root}/data/{inc_name}`, the unlabelled batch. Use these features in "
            f"this order: {feat_txt}.",
        )
        model_desc = v(
            "The k-NN model used everywhere below: standardise each feature with the mean and population standard "
            "deviation (ddof = 0) of the rows the model is fit on, Euclidean distance on the standardised features, "
            "majority vote of the k nearest fitted rows; a vote tie goes to the alphabetically first of the tied "
            "classes, and a distance tie to the row that comes first in the fitted data.",
            "Definition of the model (used in every step): z-score each feature using the mean and population std "
            "(ddof = 0) of the rows it is fitted on; neighbours by Euclidean distance in that space; predict the "
            "majority class among the k nearest fitted rows, breaking vote ties towards the alphabetically smallest "
            "class and distance ties towards the earlier fitted row.",
            "Throughout, \"k-NN\" means: features standardised with the fitted rows' mean and ddof=0 standard "
            "deviation, Euclidean distance, plain majority vote over the k closest fitted rows (equal votes -> "
            "alphabetically first class; equal distances -> the row that comes first in the fitted data).",
        )
        dup_txt = (v("The export was accidentally written twice in places: remove exact duplicate rows first (keep "
                     "one copy of each); every remaining row goes into exactly one split.",
                     "Some lines were exported twice: drop exact duplicates (keeping one copy) before splitting, "
                     "then put every remaining row in exactly one split.") if dupes else
                   v("Every row goes into exactly one split.", "Each row lands in exactly one of the three files."))
        s1 = v(
            f"**Split** the labelled rows into train / validation / test, stratified by `{label_col}`: for every "
            f"class with n rows, about {ptr:.0%} go to train and {pva:.0%} to validation (within one row of "
            f"round({ptr} * n) and round({pva} * n)), the rest to test. Write them to `{out['train']}`, "
            f"`{out['val']}` and `{out['test']}`, each with the original header and rows copied unchanged.",
            f"**Split** stratified by `{label_col}` into `{out['train']}` ({ptr:.0%}), `{out['val']}` ({pva:.0%}) "
            f"and `{out['test']}` (the rest): per class of n rows, train gets round({ptr} * n) rows and validation "
            f"round({pva} * n), give or take one. Keep the original header and copy rows verbatim.",
            f"**Stratified split**: per `{label_col}` value with n rows, put about {ptr} * n rows (+-1 of the "
            f"rounded value) in `{out['train']}`, about {pva} * n in `{out['val']}` and the remainder in "
            f"`{out['test']}`; same header as the input, rows unchanged.",
        ) + " " + dup_txt
        s2 = v(
            f"**Tune**: fit on train only and compute validation accuracy for each k in {ks}. Write "
            f"`{out['selection']}` with header `k,val_accuracy`, one row per k in ascending order, accuracy rounded "
            "to 4 decimals. The chosen k has the highest validation accuracy (the smallest such k on a tie).",
            f"**Choose k** from {ks}: fit on the train split, measure accuracy on validation for every candidate, "
            f"and write `{out['selection']}` (`k,val_accuracy`, ascending k, 4 decimals). Pick the k with the best "
            "validation accuracy; on a tie the smallest k wins.",
            f"**Hyper-parameter search** over k in {ks}, trained on train only and scored by validation accuracy, "
            f"recorded in `{out['selection']}` (header `k,val_accuracy`, k ascending, accuracies to 4 decimals). "
            "Select the most accurate k, preferring the smaller k when tied.",
        )
        s3 = v(
            "**Evaluate**: refit the model with the chosen k on train + validation (train rows first, then "
            "validation rows, each in file order) and score it on the test split.",
            "**Final model**: refit with the chosen k on train and validation together (train rows first, then "
            "validation, file order) and evaluate it on the test split.",
            "**Test**: the final model is the chosen k fitted on train+validation (train rows, then validation "
            "rows, in file order); measure it on the test split.",
        )
        s4 = v(
            f"**Predict** every row of `{inc_name}` with that final model: `{out['pred']}` with header "
            f"`{id_col},{label_col}`, rows in the same order as `{inc_name}`.",
            f"**Score the batch**: `{out['pred']}` (header `{id_col},{label_col}`) has the final model's class for "
            f"every row of `{inc_name}`, in the input order.",
            f"**Predictions** for all rows of `{inc_name}` from the final model go to `{out['pred']}` as "
            f"`{id_col},{label_col}`, same row order as the input.",
        )
        s5 = v(
            f"**Model card** `{out['card']}`: a JSON object with",
            f"**Document** the model in `{out['card']}`, a JSON object holding",
            f"**Model card**: write `{out['card']}` (JSON object) with",
        ) + (" `features` (list, file order), `classes` (sorted list), `split_sizes` "
             "(`{\"train\": .., \"val\": .., \"test\": ..}`), `k`, `val_accuracy` (of the chosen k), `test_accuracy`, "
             "`test_macro_f1` (mean of per-class F1 on test, F1 = 0 for a class with no correct prediction), and "
             "`scaler` = `{\"mean\": [..], \"std\": [..]}` of the final model (one value per feature, feature "
             "order). ") + v("Floats may be rounded to 6 decimals or more.",
                             "Round floats to no fewer than 6 decimals (or not at all).")
        tools = v("Use python3 with numpy (no scikit-learn is installed).",
                  "Only numpy is available - no scikit-learn.", "Implement it with python3 + numpy; there is no sklearn.")
        keep = v(f"Do not modify the files in `{root}/data/`.", f"`{root}/data/` is read-only input.",
                 f"Leave the inputs in `{root}/data/` untouched.")
        steps = "\n".join(f"{i}. {st}" for i, st in enumerate([s1, s2, s3, s4, s5], 1))
        instruction = f"{intro} {data_desc}\n\n{model_desc}\n\n{steps}\n\n{tools} {keep}\n"

        files["solution/solve.sh"] = _solve(root, data_name, inc_name, id_col, label_col, fracs, ks, "")
        files["solution/wrong/unstratified-head-split.sh"] = _solve(root, data_name, inc_name, id_col, label_col,
                                                                    fracs, ks, "headsplit")
        files["solution/wrong/no-standardisation.sh"] = _solve(root, data_name, inc_name, id_col, label_col,
                                                               fracs, ks, "raw")
        files["solution/wrong/final-model-train-only.sh"] = _solve(root, data_name, inc_name, id_col, label_col,
                                                                   fracs, ks, "norefit")
        if dupes:
            files["solution/wrong/keep-duplicates.sh"] = _solve(root, data_name, inc_name, id_col, label_col,
                                                                fracs, ks, "dupes")
        digests = {name: hashlib.sha256(files[f"environment/work/data/{name}"].encode()).hexdigest()
                   for name in (data_name, inc_name)}
        params = {"root": root, "data": data_name, "incoming": inc_name, "id": id_col, "label": label_col,
                  "features": feat_names, "fracs": list(fracs), "ks": ks, "out": out, "digests": digests}
        files["tests/test_outputs.py"] = TEST.replace("__PARAMS__", json.dumps(params, sort_keys=True))
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY work/ {root}/\nWORKDIR {root}\n",
            files=files, tags=["numpy", "knn", "pipeline", "model-card", "multi-stage"],
            artifacts=[root],  # the inputs in data/ (checked untouched), the splits and every later stage's output
            agent_timeout_sec={"easy": 1200.0, "medium": 1500.0, "hard": 1800.0}[level],
            verifier_timeout_sec=240.0,
            expert_minutes={"easy": 30, "medium": 40, "hard": 55}[level],
        )


def _solve(root: str, data: str, inc: str, id_col: str, label: str, fracs: tuple, ks: list, mistake: str) -> str:
    ptr, pva, _ = fracs
    knn_lib = textwrap.dedent(f"""\
        import csv, json, sys
        import numpy as np
        ROOT, ID, LABEL, MISTAKE = {root!r}, {id_col!r}, {label!r}, {mistake!r}

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
            if MISTAKE == "raw":
                mu, sd = np.zeros_like(mu), np.ones_like(sd)
            return {{"mu": mu, "sd": sd, "X": (X - mu) / sd, "y": list(y)}}

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
        """)
    split_py = textwrap.dedent(f"""\
        import csv, random
        ROOT, ID, LABEL, MISTAKE = {root!r}, {id_col!r}, {label!r}, {mistake!r}
        with open(f"{{ROOT}}/data/{data}", newline="") as f:
            r = csv.reader(f)
            header = next(r)
            rows = [row for row in r]
        if MISTAKE != "dupes":
            seen, uniq = set(), []
            for row in rows:
                if tuple(row) not in seen:
                    seen.add(tuple(row))
                    uniq.append(row)
            rows = uniq
        li = header.index(LABEL)
        parts = {{"train": [], "val": [], "test": []}}
        if MISTAKE == "headsplit":
            a, b = round({ptr} * len(rows)), round(({ptr} + {pva}) * len(rows))
            parts = {{"train": rows[:a], "val": rows[a:b], "test": rows[b:]}}
        else:
            rnd = random.Random(7)
            for c in sorted({{row[li] for row in rows}}):
                group = [row for row in rows if row[li] == c]
                rnd.shuffle(group)
                a, b = round({ptr} * len(group)), round({ptr} * len(group)) + round({pva} * len(group))
                parts["train"] += group[:a]
                parts["val"] += group[a:b]
                parts["test"] += group[b:]
        for name, part in parts.items():
            with open(f"{{ROOT}}/splits/{{name}}.csv", "w", newline="") as f:
                w = csv.writer(f, lineterminator="\\n")
                w.writerow(header)
                w.writerows(part)
        print({{k: len(v) for k, v in parts.items()}})
        """)
    tune_py = knn_lib + textwrap.dedent(f"""\
        h, tr = read(f"{{ROOT}}/splits/train.csv")
        _, va = read(f"{{ROOT}}/splits/val.csv")
        _, Xtr, ytr = xy(h, tr)
        _, Xva, yva = xy(h, va)
        model = fit(Xtr, ytr)
        with open(f"{{ROOT}}/selection.csv", "w") as f:
            f.write("k,val_accuracy\\n")
            for k in {ks}:
                acc = float(np.mean([p == t for p, t in zip(predict(model, Xva, k), yva)]))
                f.write(f"{{k}},{{acc:.4f}}\\n")
        """)
    final_py = knn_lib + textwrap.dedent(f"""\
        sel = [line.split(",") for line in open(f"{{ROOT}}/selection.csv").read().split()[1:]]
        best = max(float(a) for _, a in sel)
        k = min(int(kk) for kk, a in sel if float(a) == best)
        h, tr = read(f"{{ROOT}}/splits/train.csv")
        _, va = read(f"{{ROOT}}/splits/val.csv")
        _, te = read(f"{{ROOT}}/splits/test.csv")
        feats, Xfit, yfit = xy(h, tr if MISTAKE == "norefit" else tr + va)
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
        hi, inc = read(f"{{ROOT}}/data/{inc}")
        _, Xin, _ = xy(hi, inc)
        with open(f"{{ROOT}}/predictions.csv", "w") as f:
            f.write(f"{{ID}},{{LABEL}}\\n")
            for row, p in zip(inc, predict(model, Xin, k)):
                f.write(f"{{row[0]}},{{p}}\\n")
        card = {{"features": feats, "classes": classes,
                "split_sizes": {{"train": len(tr), "val": len(va), "test": len(te)}}, "k": k, "val_accuracy": best,
                "test_accuracy": float(np.mean([p == t for p, t in zip(pte, yte)])),
                "test_macro_f1": float(np.mean(f1s)),
                "scaler": {{"mean": [float(v) for v in model["mu"]], "std": [float(v) for v in model["sd"]]}}}}
        with open(f"{{ROOT}}/model_card.json", "w") as f:
            json.dump(card, f, indent=2)
        """)
    return textwrap.dedent(f"""\
        #!/bin/bash
        set -euo pipefail
        cd {root}
        head -3 data/{data}
        wc -l data/{data} data/{inc}
        cut -d, -f$(head -1 data/{data} | tr ',' '\\n' | grep -nx '{label}' | cut -d: -f1) data/{data} | tail -n +2 | sort | uniq -c
        mkdir -p splits
        # stage 1: stratified split
        python3 - <<'PY'
        """) + split_py + textwrap.dedent(f"""\
        PY
        wc -l splits/train.csv splits/val.csv splits/test.csv
        ls -la splits/
        cat splits/*.csv | cut -d, -f1 | grep -v '^{id_col}$' | sort | uniq -d | head
        for s in train val test; do
          head -1 splits/$s.csv | cmp -s - <(head -1 data/{data}) || {{ echo "bad header in $s"; exit 1; }}
        done
        # stage 2: tune k on the validation split
        python3 - <<'PY'
        """) + tune_py + textwrap.dedent("""\
        PY
        cat selection.csv
        sort -t, -k2,2nr -k1,1n selection.csv | grep -v '^k,' | head -1
        # stages 3-5: refit on train+val, evaluate on test, predict the incoming batch, model card
        python3 - <<'PY'
        """) + final_py + textwrap.dedent(f"""\
        PY
        jq . model_card.json
        head -5 predictions.csv
        tail -n +2 predictions.csv | cut -d, -f2 | sort | uniq -c
        test "$(($(wc -l < predictions.csv) - 1))" -eq "$(($(wc -l < data/{inc}) - 1))"
        """)


TEST = r'''"""Every artifact of the pipeline, recomputed from the agent's own split files."""

import csv
import hashlib
import json
import os
from collections import Counter

import numpy as np

P = json.loads("""__PARAMS__""")
ROOT, ID, LABEL, OUT = P["root"], P["id"], P["label"], P["out"]
FEATS = P["features"]


def read(path):
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
    for name, digest in P["digests"].items():
        with open(os.path.join(ROOT, "data", name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, f"{name} was modified"


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
    with open(OUT["selection"], newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["k", "val_accuracy"]
    assert [int(r[0]) for r in rows[1:]] == sorted(P["ks"]), "one row per candidate k, ascending"
    scores = val_scores()
    for r in rows[1:]:
        assert abs(float(r[1]) - scores[int(r[0])]) <= 6e-5, (r, scores[int(r[0])])


def test_stage3_model_card():
    with open(OUT["card"]) as f:
        card = json.load(f)
    fin = final()
    k, scores = chosen_k()
    sp = splits()
    assert card["features"] == FEATS
    assert card["classes"] == fin["classes"]
    assert card["split_sizes"] == {s: len(sp[s][1]) for s in ("train", "val", "test")}
    assert card["k"] == k, f"k={card['k']}, but validation accuracy picks {k}"
    assert abs(card["val_accuracy"] - scores[k]) <= 6e-5
    assert abs(card["test_accuracy"] - fin["acc"]) <= 1e-5, (card["test_accuracy"], fin["acc"])
    assert abs(card["test_macro_f1"] - fin["f1"]) <= 1e-5, (card["test_macro_f1"], fin["f1"])
    assert np.allclose(card["scaler"]["mean"], fin["mu"], rtol=1e-6, atol=1e-6), "scaler mean is not train+val's"
    assert np.allclose(card["scaler"]["std"], fin["sd"], rtol=1e-6, atol=1e-6), "scaler std is not train+val's"


def test_stage4_predictions():
    with open(OUT["pred"], newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [ID, LABEL]
    got = [tuple(r) for r in rows[1:]]
    exp = final()["pred_in"]
    assert [g[0] for g in got] == [e[0] for e in exp], "one row per incoming row, same order"
    wrong = sum(g != e for g, e in zip(got, exp))
    assert wrong == 0, f"{wrong} predictions differ from the final model's"
'''
