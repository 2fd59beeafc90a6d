"""Train a classifier from scratch (numpy only) on a tabular CSV and predict a held-out batch; the verifier scores
the predictions against hidden labels. Scales, missing values, a categorical column and an imbalanced multi-class
target (macro-F1 bar) by difficulty."""

from __future__ import annotations

import math
import random

from litecoder_terminal.synth.procedural import kit

# (what, id column, numeric [(name, mean, scale, decimals)], bookkeeping [(name, lo, hi)], categorical, binary, multi)
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

KNOBS = {
    "model": kit.Knob("softmax", "knn_raw", "5-nearest neighbours on raw, unscaled columns including the bookkeeping "
                      "ids: the largest numbers decide the distance"),
    "epochs": kit.Knob("3000", "0", "never trains: zero weights predict one class for every row"),
    "rows": kit.Knob("load(TEST)", '[r for r in load(TEST) if "" not in r.values()]',
                     "skips held-out rows with a missing cell instead of imputing them"),
}


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


class TabularClassifierThreshold(kit.KitFamily):
    title = "Train a numpy-only classifier on tabular data and beat an accuracy / macro-F1 bar on held-out rows"
    levels = kit.Levels(
        features=(3, 4, 5), categorical=(False, True, True), multiclass=(False, False, True),
        missing_pct=(0, 5, 6), train_rows=((500, 800), (700, 1000), (1200, 1600)),
        test_rows=((250, 350), (300, 400), (400, 500)), agent_timeout=(900, 1200, 1800),
        expert_minutes=(20, 30, 45),
    )

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        what, id_col, numeric, noise, (cat_name, cat_levels), binary, multi = rng.choice(THEMES)
        missing_rate = k.missing_pct / 100
        target, classes = multi if k.multiclass else binary
        n_cls = len(classes)
        feats = sorted(rng.sample(numeric, k.features))
        n_train, n_test = rng.randint(*k.train_rows), rng.randint(*k.test_rows)
        rows, labels, threshold = self._dataset(rng, feats, noise, cat_levels, n_cls, n_train, n_test, missing_rate)

        base = rng.choice(["/app", "/srv/ml", "/home/ds/project", "/opt/modeling"])
        sub = rng.choice(["data", "dataset", "inputs"])
        train_path = f"{sub}/{rng.choice(['train.csv', 'training.csv', 'labelled.csv'])}"
        test_path = f"{sub}/{rng.choice(['test.csv', 'holdout.csv', 'score_me.csv'])}"
        out = rng.choice(["predictions.csv", "out/predictions.csv", f"{sub}/predictions.csv"])
        cols = [f[0] for f in feats] + [n for n, _, _ in noise] + ([cat_name] if k.categorical else [])
        order = list(range(len(cols)))
        rng.shuffle(order)  # column order is shuffled (the id stays first)
        header = [id_col] + [cols[i] for i in order]
        ids = rng.sample(range(100000, 999999), n_train + n_test)
        train_lines, test_lines = [",".join(header + [target])], [",".join(header)]
        for i, (cells, nz, lv) in enumerate(rows):
            values = cells + nz + ([lv] if k.categorical else [])
            line = ",".join([str(ids[i])] + [values[j] for j in order])
            if i < n_train:
                train_lines.append(line + "," + classes[labels[i]])
                if k.multiclass and rng.random() < 0.015:  # a few rows whose label never got filled in
                    train_lines.append(",".join([str(rng.randint(100000, 999999))] + [values[j] for j in order]) + ",?")
            else:
                test_lines.append(line)

        bookkeeping = ", ".join(f"`{n}`" for n, _, _ in noise)
        notes = [rng.choice([f"`{id_col}` is a unique row identifier; {bookkeeping} are bookkeeping columns.",
                             f"`{id_col}` identifies the row; {bookkeeping} are bookkeeping fields, not measurements.",
                             f"Besides the id `{id_col}`, the columns {bookkeeping} are just bookkeeping."])]
        if k.categorical:
            notes.append(f"`{cat_name}` is categorical (values: {', '.join(cat_levels)}).")
        if missing_rate:
            notes.append("Some numeric cells are empty (the value is missing) in both files; every held-out row "
                         "still needs a prediction.")
        if k.multiclass:
            notes.append("A few training rows have the label `?` (never annotated). The classes are "
                         f"{', '.join('`' + c + '`' for c in classes)} and they are not balanced.")
        metric = (f"a macro-averaged F1 (mean over the {n_cls} classes of the per-class F1) of at least "
                  f"**{threshold:.2f}**" if k.multiclass else f"an accuracy of at least **{threshold:.2f}**")
        paths = {"train_path": train_path, "test_path": test_path, "out": out}
        files: dict[str, str | bytes] = {
            f"environment/{train_path}": "\n".join(train_lines) + "\n",
            f"environment/{test_path}": "\n".join(test_lines) + "\n",
            "environment/README.md": self.template("README.md", what=what, target=target, id_col=id_col,
                                                   notes="\n".join(f"- {n}" for n in notes), metric=metric,
                                                   train_path=train_path, test_path=test_path),
            "environment/scoring.conf": self.template("scoring.conf", target=target, id_col=id_col, **paths),
            "environment/logs/scoring.log": self.template(
                "scoring.log", day=f"{rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                n_test=n_test, test_path=test_path, out=out),
            "environment/models/baseline_v0.py": self.data("baseline_v0.py"),
        }
        values = {"base": base, "id_col": id_col, "bookkeeping": ", ".join(f'"{n}"' for n, _, _ in noise)}
        wrong = {"untrained_constant": "epochs", "unscaled_knn": "model"}
        if missing_rate:
            wrong["skip_incomplete_rows"] = "rows"
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(base=base)
        files |= self.verifier(out=f"{base}/{out}")
        files |= kit.expected_file({
            "labels": {str(ids[n_train + i]): classes[y] for i, y in enumerate(labels[n_train:])},
            "classes": classes, "threshold": threshold, "macro": k.multiclass, "id": id_col, "target": target})
        instruction = self.instruction(
            intro=self.intro(rng, what=what, target=target, n_test=n_test, n_train=n_train), base=base,
            target=target, id_col=id_col, notes=" ".join(notes), metric=metric, **paths)
        return kit.draft(
            instruction=instruction, dockerfile_body=f"COPY . {base}/\nWORKDIR {base}\n", files=files,
            tags=["numpy", "classification", "training", "csv"],
            artifacts=[f"{base}/{out}"], outputs=[f"{base}/{out}"],
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
        )

    def _dataset(self, rng, feats, noise, cat_levels, k, n_train, n_test, missing_rate):
        """Rows drawn from a softmax-linear model, resampled until the bar (the Bayes rule's score less a margin)
        is well above what a majority vote reaches."""
        multiclass, use_cat = self.knobs.multiclass, self.knobs.categorical
        for _attempt in range(50):
            if multiclass:
                w = [[rng.gauss(0, 1.9) for _ in feats] for _ in range(k)]
                b = [rng.uniform(-0.3, 0.3) for _ in range(k)]
                b[rng.randrange(k)] -= 1.0  # a minority class
                ce = [{lv: rng.uniform(-1.2, 1.2) for lv in cat_levels} for _ in range(k)]
            else:
                w = [[0.0] * len(feats), [rng.choice([-1, 1]) * rng.uniform(1.2, 2.4) for _ in feats]]
                b = [0.0, rng.uniform(-0.5, 0.5)]
                ce = [{lv: 0.0 for lv in cat_levels},
                      {lv: rng.uniform(-1.4, 1.4) if use_cat else 0.0 for lv in cat_levels}]
            rows, labels, oracle = [], [], []
            for _ in range(n_train + n_test):
                z = [max(-2.8, min(2.8, rng.gauss(0, 1))) for _ in feats]
                vals = [round(m + s * zi, d) for (_, m, s, d), zi in zip(feats, z)]
                zr = [(v - m) / s for (_, m, s, _), v in zip(feats, vals)]
                lv = rng.choice(cat_levels)
                logits = [sum(wi * zi for wi, zi in zip(w[c], zr)) + b[c] + ce[c][lv] for c in range(k)]
                labels.append(_softmax_pick(rng, logits))
                oracle.append(max(range(k), key=lambda c: logits[c]))
                cells = [("" if rng.random() < missing_rate else (f"{v:.{d}f}" if d else str(int(v))))
                         for (_, _, _, d), v in zip(feats, vals)]
                rows.append((cells, [str(rng.randint(lo, hi)) for _, lo, hi in noise], lv))
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
                return rows, labels, threshold
        raise RuntimeError("could not generate a learnable dataset")  # pragma: no cover
