#!/bin/bash
# Reference: parse the netlist as FORMAT.md describes, then modified nodal analysis with numpy.
set -euo pipefail
cd /app
# The symptom first: the review check fails and names its settings file.
./review_dc.sh || true
# What is in the design folder: the netlist, its documentation, older revisions, bench notes?
ls -la @@in_dir@@
ls -la @@in_dir@@/archive
# The settings name the current netlist and every result file with its layout.
cat @@conf@@
grep -n '^[a-z]* *= */' @@conf@@
# The format: suffixes (m is milli, meg is mega), comments, continuation lines, ground aliases, parallel parts.
cat @@in_dir@@/FORMAT.md
netlist=$(sed -n 's/^netlist *= *//p' @@conf@@)
# The netlist itself, and which of the tricky features it uses.
wc -l "$netlist"
head -n 15 "$netlist"
grep -c '^[Rr]' "$netlist"
grep -c '^[RrIiVv]' "$netlist"
grep -n '^+' "$netlist" || echo "no continuation lines"
grep -n ';' "$netlist" || echo "no inline comments"
grep -in ' gnd\b' "$netlist" || echo "no gnd alias"
grep -inE '[0-9](m|meg)[a-z]*\b' "$netlist" || echo "no m/meg suffixes"
# Parallel parts: the same node pair twice (either order).
grep -E '^[Rr]' "$netlist" | awk '{a = $2 < $3 ? $2 " " $3 : $3 " " $2; print a}' | sort | uniq -d || true
# The bench notes are rough DMM readings on another board: context, not a reference to match.
cat @@in_dir@@/bench_readings.txt
# The archived revision is not the current one: compare only to be sure which file is current.
diff <(grep -v '^\*' "$netlist") <(grep -v '^\*' @@in_dir@@/archive/*.cir) || true
volts=$(sed -n 's/^voltages *= *//p' @@conf@@)
mkdir -p "$(dirname "$volts")"
cat > /tmp/dcop.py <<'PY'
import configparser, csv, re, sys
import numpy as np

cfg = configparser.ConfigParser()
cfg.read(sys.argv[1])
R = cfg["results"]
SUFFIX = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, @@milli@@, "k": 1e3, "g": 1e9}


def value(tok):
    m = re.fullmatch(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([a-zA-Z]*)", tok)
    num, rest = float(m.group(1)), m.group(2).lower()
    if rest.startswith("meg"):
        return num * 1e6
    if rest and rest[0] in SUFFIX:
        return num * SUFFIX[rest[0]]
    return num


lines = []
for raw in open(cfg["input"]["netlist"]):
    line = raw.split(";")[0].strip()
    if not line or line.startswith("*"):
        continue
    if line.startswith("+"):
        lines[-1] += " " + line[1:].strip()
        continue
    if line.lower() == ".end":
        break
    lines.append(line)

gnd = lambda n: "0" if n.lower() in ("0", "gnd") else n
res, isrc, vsrc = {}, [], []
for line in lines:
    name, a, b, tok = line.split()
    a, b, v = gnd(a), gnd(b), value(tok)
    kind = name[0].upper()
    if kind == "R":
        res[@@parallel@@] = (name, a, b, v)
    elif kind == "I":
        isrc.append((name, a, b, @@isign@@))
    elif kind == "V":
        vsrc.append((name, a, b, v))
nodes = sorted({n for _, a, b, _ in list(res.values()) + isrc + vsrc for n in (a, b)} - {"0"})
idx = {n: i for i, n in enumerate(nodes)}
N, M = len(nodes), len(vsrc)
A = np.zeros((N + M, N + M))
z = np.zeros(N + M)
for _, a, b, r in res.values():
    for p, q in ((a, b), (b, a)):
        if p != "0":
            A[idx[p], idx[p]] += 1.0 / r
            if q != "0":
                A[idx[p], idx[q]] -= 1.0 / r
for _, a, b, i in isrc:
    if a != "0":
        z[idx[a]] -= i
    if b != "0":
        z[idx[b]] += i
for k, (_, p, n, e) in enumerate(vsrc):
    for node, s in ((p, 1), (n, -1)):
        if node != "0":
            A[idx[node], N + k] += s
            A[N + k, idx[node]] += s
    z[N + k] = e
x = np.linalg.solve(A, z)
V = {n: x[idx[n]] for n in nodes}
V["0"] = 0.0


def write(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


write(R["voltages"], ["node", "voltage"], [[n, f"{V[n]:.6f}"] for n in nodes])
if R["sources"] != "(none)":
    write(R["sources"], ["source", "current"],
          [[name, f"{-x[N + k] * 1e3:.6f}"] for k, (name, *_r) in sorted(enumerate(vsrc), key=lambda kv: kv[1][0])])
if R["power"] != "(none)":
    pw = sorted((((V[a] - V[b]) ** 2 / r, name) for name, a, b, r in res.values()), key=lambda t: (-t[0], t[1]))
    write(R["power"], ["resistor", "power"], [[name, f"{p * 1e3:.6f}"] for p, name in pw])
PY
python3 /tmp/dcop.py @@conf@@
# Check: every non-ground node once, and the review passes now.
cat "$volts"
tail -n +2 "$volts" | wc -l
./review_dc.sh
