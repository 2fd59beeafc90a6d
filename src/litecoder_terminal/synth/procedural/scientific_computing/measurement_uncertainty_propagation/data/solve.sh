#!/bin/bash
# Reference: read the analysis settings and the lab protocol, then convert, combine and propagate in Python.
set -euo pipefail
cd /app
# The symptom first: the report build fails; its messages name the settings file it reads.
./build_report.sh || true
# What is in the lab folder? Expect the raw log, the settings and some documentation.
ls -la @@in_dir@@
# The report build's log says what it is missing and where it looks for it.
cat @@in_dir@@/logs/report_build.log
grep -n 'ERROR' @@in_dir@@/logs/report_build.log
# The settings name the input log, the formula, its exponents and every output file.
cat @@conf@@
grep -n '^\(log\|results\|unit\|factor\|incomplete\|summary\) *=' @@conf@@
# The protocol is the method to follow (conversion, repeated readings, propagation, outputs).
cat @@in_dir@@/PROTOCOL.md
grep -n 'sqrt' @@in_dir@@/PROTOCOL.md
# The quick-look script is the draft whose uncertainties nobody believes: it sums relative uncertainties and
# never converts units, which the protocol rules out. Not something to build on.
head -n 12 @@in_dir@@/scripts/quick_look.py
grep -n 'sum(rel)' @@in_dir@@/scripts/quick_look.py
log=$(sed -n 's/^log *= *//p' @@conf@@)
# The log itself: header, size, which units and quantities occur, how many readings each sample has.
head -n 5 "$log"
wc -l "$log"
cut -d, -f5 "$log" | sort | uniq -c
cut -d, -f2 "$log" | sort | uniq -c
cut -d, -f1 "$log" | sort | uniq -c | head -n 20
# Are there repeated readings of one quantity for one sample (they need type A + type B)?
cut -d, -f1,2 "$log" | sort | uniq -d | head -n 5
results=$(sed -n 's/^results *= *//p' @@conf@@)
mkdir -p "$(dirname "$results")"
cat > /tmp/propagate.py <<'PY'
import configparser, csv, json, math, statistics, sys

cfg = configparser.ConfigParser()
cfg.read(sys.argv[1])
F = {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "um": 1e-6, "in": 0.0254, "ft": 0.3048, "kg": 1.0, "g": 1e-3,
     "mg": 1e-6, "lb": 0.45359237, "s": 1.0, "ms": 1e-3, "min": 60.0, "Ohm": 1.0, "mOhm": 1e-3, "kOhm": 1e3}
EXPS = {q.split(":")[0].strip(): int(q.split(":")[1]) for q in cfg["model"]["exponents"].split(",")}
CONST = @@const@@
RESULT = cfg["model"]["result"]
FACTOR = float(cfg["output"]["factor"])
OUT = cfg["output"]

readings = {}
for r in csv.DictReader(open(cfg["input"]["log"], newline="")):
    f = @@unit@@
    readings.setdefault(r["sample"], {}).setdefault(r["quantity"], []).append(
        (float(r["value"]) * f, float(r["uncertainty"]) * f))


def combine(rs):
    vals = [v for v, _ in rs]
    mean = sum(vals) / len(vals)
    ub = max(u for _, u in rs)
    if len(rs) == 1:
        return mean, ub
    s = statistics.stdev(vals)
    ua = @@sem@@
    return mean, math.sqrt(ua ** 2 + ub ** 2)


out, missing = [], []
for sample in sorted(readings):
    q = readings[sample]
    if set(q) != set(EXPS):
        missing.append(sample)
        continue
    val, terms = CONST, []
    for name, p in EXPS.items():
        x, u = combine(q[name])
        val *= x ** p
        terms.append(@@expo@@ * u / x)
    rel = @@combine@@
    out.append((sample, val / FACTOR, abs(val) * rel / FACTOR))

with open(OUT["results"], "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["sample", RESULT, RESULT + "_unc"])
    for s, v, u in out:
        w.writerow([s, f"{v:.8g}", f"{u:.8g}"])
if OUT["incomplete"] != "(none)":
    open(OUT["incomplete"], "w").write("".join(s + "\n" for s in missing))
if OUT["summary"] != "(none)":
    ws = [1 / u ** 2 for _, _, u in out]
    mean = sum(w * v for w, (_, v, _) in zip(ws, out)) / sum(ws)
    json.dump({"weighted_mean": mean, "weighted_mean_unc": 1 / math.sqrt(sum(ws)), "n_samples": len(out)},
              open(OUT["summary"], "w"), indent=2)
PY
python3 /tmp/propagate.py @@conf@@
# Check: one row per complete sample, sorted, and every file the settings name exists.
cat "$results"
tail -n +2 "$results" | cut -d, -f1 | sort -c
ls -l "$(dirname "$results")"
./build_report.sh
