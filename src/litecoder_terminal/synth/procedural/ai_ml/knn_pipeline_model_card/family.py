"""Multi-stage: stratified split -> choose k for a k-NN classifier on the validation split -> refit on train+val and
evaluate on test -> predict an incoming batch -> write a model card. The verifier recomputes every stage from the
agent's own split files, so any valid stratified split is accepted but every later artifact must follow from it."""

from __future__ import annotations

import random

from litecoder_terminal.synth.procedural import kit

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



KNOBS = {
    "head_split": kit.Knob("False", "True", "splits the class-sorted export by position, not per class"),
    "unscaled": kit.Knob("False", "True", "k-NN on raw features: the nuisance column's scale decides the neighbours"),
    "fit_rows": kit.Knob("tr + va", "tr", "the final model is fitted on train only, not train + validation"),
    "dedupe": kit.Knob("True", "False", "keeps the double-exported duplicate rows in the splits"),
}


class KnnPipelineModelCard(kit.KitFamily):
    title = "Split, tune, evaluate and ship a k-NN classifier with a model card"
    multi_stage = True
    levels = kit.Levels(classes=(2, 3, 4), features=(3, 4, 5), rows=((240, 360), (360, 520), (500, 700)),
                        duplicates=(False, False, True), agent_timeout=(1200, 1500, 1800),
                        expert_minutes=(30, 40, 55))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        kn = self.knobs
        what, id_col, label_col, class_pool, informative, nuisance = rng.choice(THEMES)
        classes = sorted(rng.sample(class_pool, kn.classes))
        feats = sorted(rng.sample(informative, kn.features), key=informative.index)
        cols = list(feats)
        cols.insert(rng.randrange(len(cols) + 1), nuisance)
        fracs = rng.choice(SPLITS)
        ks = rng.choice(KS)
        n = rng.randint(*kn.rows)
        n_incoming = rng.randint(80, 160)
        dupes = kn.duplicates

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

        root = rng.choice(["/app/pipeline", "/srv/ml/knn", "/home/mlops/knn_job", "/opt/classifier"])
        data_name = rng.choice(["dataset.csv", "labelled.csv", "export.csv"])
        inc_name = rng.choice(["incoming.csv", "new_batch.csv", "unlabelled.csv"])
        files: dict[str, str | bytes] = {
            f"environment/work/data/{data_name}": dataset,
            f"environment/work/data/{inc_name}": incoming,
        }
        untouched = kit.digests(files, "work", root)
        out = {"train": f"{root}/splits/train.csv", "val": f"{root}/splits/val.csv", "test": f"{root}/splits/test.csv",
               "selection": f"{root}/selection.csv", "card": f"{root}/model_card.json",
               "pred": f"{root}/predictions.csv"}
        feat_names = [c[0] for c in cols]
        ptr, pva, _ = fracs
        dup_txt = ("The export was accidentally written twice in places: remove exact duplicate rows first (keep "
                   "one copy of each); every remaining row goes into exactly one split." if dupes else
                   "Every row goes into exactly one split.")
        names = {"root": root, "data": data_name, "inc": inc_name, "id_col": id_col, "label": label_col}
        spec = self.template("pipeline.md", what=what, feats=", ".join(f"`{f}`" for f in feat_names),
                             ptr_pct=f"{ptr:.0%}", pva_pct=f"{pva:.0%}", ptr=str(ptr), pva=str(pva), ks=str(ks),
                             dup_txt=dup_txt, **names)
        files["environment/work/docs/PIPELINE.md"] = spec
        files["environment/work/logs/governance.log"] = self.template(
            "governance.log", day=f"2025-{rng.randint(1, 12):02d}-{rng.randint(10, 28)}", what=what)
        files["environment/work/legacy/model_v0.json"] = (
            f'{{"k": {rng.choice(ks)}, "features": "all", "note": "exported from a notebook, no split recorded"}}\n')
        wrong = {"unstratified_head_split": "head_split", "no_standardisation": "unscaled",
                 "final_model_train_only": "fit_rows"}
        if dupes:
            wrong["keep_duplicates"] = "dedupe"
        files |= self.solver(KNOBS).files({**names, "ptr": str(ptr), "pva": str(pva), "ks": str(ks)}, wrong)
        files |= self.alt_solutions(root=root)
        files |= self.verifier()
        files |= kit.expected_file({"root": root, "data": data_name, "incoming": inc_name, "id": id_col,
                                    "label": label_col, "features": feat_names, "fracs": list(fracs), "ks": ks,
                                    "out": out, "untouched": untouched})
        instruction = self.instruction(intro=self.intro(rng, what=what), spec=spec, root=root)
        return kit.draft(
            instruction=instruction, dockerfile_body=f"COPY work/ {root}/\nWORKDIR {root}\n", files=files,
            tags=["numpy", "knn", "pipeline", "model-card", "multi-stage"],
            artifacts=[root], outputs=list(out.values()),
            agent_timeout_sec=kn.agent_timeout, verifier_timeout_sec=240.0, expert_minutes=kn.expert_minutes,
        )
