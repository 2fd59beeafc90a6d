#!/bin/bash
# Alternative: exact rational arithmetic (fractions, no numpy), Gauss-Jordan elimination, results written in the
# opposite order (power, sources, voltages), settings read with awk.
set -euo pipefail
conf=@@conf@@
get() { awk -F' *= *' -v k="$1" '$1 == k { print $2 }' "$conf"; }
python3 - "$(get netlist)" "$(get voltages)" "$(get sources)" "$(get power)" <<'PY'
import os, re, sys
from fractions import Fraction

netlist, volts_out, src_out, pow_out = sys.argv[1:5]
MULT = {"f": Fraction(1, 10 ** 15), "p": Fraction(1, 10 ** 12), "n": Fraction(1, 10 ** 9), "u": Fraction(1, 10 ** 6),
        "m": Fraction(1, 1000), "k": Fraction(1000), "g": Fraction(10 ** 9)}


def val(tok):
    num, rest = re.match(r"([-+0-9.eE]+?)([a-zA-Z]*)$", tok).groups()
    x = Fraction(num)
    rest = rest.lower()
    return x * 10 ** 6 if rest[:3] == "meg" else x * MULT.get(rest[:1], 1)


text = open(netlist).read()
text = re.sub(r"\n\s*\+", " ", text)  # join continuation lines first
parts = []
for line in text.splitlines():
    line = line.partition(";")[0].strip()
    if line.lower() == ".end":
        break
    if line and not line.startswith("*"):
        parts.append(line.split())
node = lambda n: "0" if n.lower() == "gnd" else n
elems = [(p[0], p[0][0].upper(), node(p[1]), node(p[2]), val(p[3])) for p in parts]
nodes = sorted({n for e in elems for n in e[2:4]} - {"0"})
vs = [e for e in elems if e[1] == "V"]
size = len(nodes) + len(vs)
pos = {n: i for i, n in enumerate(nodes)}
A = [[Fraction(0)] * (size + 1) for _ in range(size)]
for name, kind, a, b, v in elems:
    if kind == "R":
        for p, q in ((a, b), (b, a)):
            if p != "0":
                A[pos[p]][pos[p]] += 1 / v
                if q != "0":
                    A[pos[p]][pos[q]] -= 1 / v
    elif kind == "I":
        if a != "0":
            A[pos[a]][size] -= v
        if b != "0":
            A[pos[b]][size] += v
for j, (name, kind, p, n, e) in enumerate(vs):
    row = len(nodes) + j
    for nd, s in ((p, 1), (n, -1)):
        if nd != "0":
            A[pos[nd]][row] += s
            A[row][pos[nd]] += s
    A[row][size] = e
for c in range(size):
    piv = next(r for r in range(c, size) if A[r][c] != 0)
    A[c], A[piv] = A[piv], A[c]
    A[c] = [x / A[c][c] for x in A[c]]
    for r in range(size):
        if r != c and A[r][c] != 0:
            f = A[r][c]
            A[r] = [x - f * y for x, y in zip(A[r], A[c])]
sol = [A[r][size] for r in range(size)]
V = {n: sol[pos[n]] for n in nodes} | {"0": Fraction(0)}
os.makedirs(os.path.dirname(volts_out), exist_ok=True)
if pow_out != "(none)":
    pw = [((V[a] - V[b]) ** 2 / v, name) for name, kind, a, b, v in elems if kind == "R"]
    with open(pow_out, "w") as fh:
        fh.write("resistor,power\n")
        for p, name in sorted(pw, key=lambda t: (-t[0], t[1])):
            fh.write(f"{name},{float(p * 1000):.9f}\n")
if src_out != "(none)":
    with open(src_out, "w") as fh:
        fh.write("source,current\n")
        for j, e in sorted(enumerate(vs), key=lambda t: t[1][0]):
            fh.write(f"{e[0]},{float(-sol[len(nodes) + j] * 1000):.9f}\n")
with open(volts_out, "w") as fh:
    fh.write("node,voltage\n" + "".join(f"{n},{float(V[n]):.8f}\n" for n in nodes))
PY
cat "$(get voltages)"
