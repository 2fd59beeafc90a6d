#!/bin/bash
# Reference: parity test for solvability, A* (Manhattan + linear conflict) for optimal solutions, then the pack.
set -euo pipefail
cd @@base@@
# The sign-off is specified in the README; look at the levels' format first.
cat README.md
ls levels | wc -l
cat "levels/$(ls levels | sed -n 1p)"
cat > /tmp/slide.py <<'PY'
import heapq, sys


def parse(path):
    rows = cols = None
    tiles = []
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("size"):
            rows, cols = map(int, line.split()[1].split("x"))
            continue
        tiles += [0 if t == "_" else int(t) for t in line.split()]
    return rows, cols, tuple(tiles)


def solvable(rows, cols, tiles):
    n = rows * cols
    perm = [t if t else n for t in tiles]          # blank counts as tile n (its goal is the last cell)
    seen, parity = [False] * n, 0
    for i in range(n):                             # permutation parity from its cycle structure
        if not seen[i]:
            j, length = i, 0
            while not seen[j]:
                seen[j] = True
                j = perm[j] - 1
                length += 1
            parity += length - 1
    z = tiles.index(0)
    blank_dist = (rows - 1 - z // cols) + (cols - 1 - z % cols)
    @@parity@@


def astar(rows, cols, start):
    n = rows * cols
    goal = tuple(list(range(1, n)) + [0])
    gpos = {t: divmod(t - 1, cols) for t in range(1, n)}

    def h(s):
        d = 0
        for i, t in enumerate(s):
            if t:
                r, c = gpos[t]
                d += abs(r - i // cols) + abs(c - i % cols)
        for r in range(rows):                      # linear conflicts in rows
            line = [gpos[t][1] for t in s[r * cols:(r + 1) * cols] if t and gpos[t][0] == r]
            d += 2 * sum(1 for a in range(len(line)) for b in range(a + 1, len(line)) if line[a] > line[b])
        for c in range(cols):                      # and in columns
            line = [gpos[s[r * cols + c]][0] for r in range(rows) if s[r * cols + c] and gpos[s[r * cols + c]][1] == c]
            d += 2 * sum(1 for a in range(len(line)) for b in range(a + 1, len(line)) if line[a] > line[b])
        return d

    step = {"U": -cols, "D": cols, "L": -1, "R": 1}
    best = {start: 0}
    parent = {start: None}
    heap = [(h(start), 0, start)]
    while heap:
        f, g, s = heapq.heappop(heap)
        if g > best[s]:
            continue
        if len(best) > MAX_NODES:
            return None
        if s == goal:
            path = []
            while parent[s]:
                s, m = parent[s]
                path.append(m)
            return @@moves_out@@
        z = s.index(0)
        zr, zc = divmod(z, cols)
        for m in "UDLR":
            if (m == "U" and zr == 0) or (m == "D" and zr == rows - 1) or (m == "L" and zc == 0) or \
                    (m == "R" and zc == cols - 1):
                continue
            t = list(s)
            t[z], t[z + step[m]] = t[z + step[m]], t[z]
            t = tuple(t)
            if g + 1 < best.get(t, 1 << 30):
                best[t] = g + 1
                parent[t] = (s, m)
                heapq.heappush(heap, (g + 1 + WEIGHT * h(t), g + 1, t))
    return None


WEIGHT = @@weight@@
MAX_NODES = 300000  # far above what a solvable pack level needs; an unsolvable 3x4 would take hours

if __name__ == "__main__":
    cmd, path = sys.argv[1], sys.argv[2]
    rows, cols, tiles = parse(path)
    if cmd == "check":
        print("yes" if solvable(rows, cols, tiles) else "no")
    else:
        print(astar(rows, cols, tiles))
PY
cat > /tmp/classify.py <<'PY'
import os, sys
sys.path.insert(0, "/tmp")
from slide import parse, solvable
print("level,size,solvable")
for f in sorted(os.listdir(sys.argv[1])):
    rows, cols, tiles = parse(os.path.join(sys.argv[1], f))
    print(f"{f[:-4]},{rows}x{cols},{'yes' if solvable(rows, cols, tiles) else 'no'}")
PY
python3 /tmp/classify.py levels > report.csv
cat report.csv
mkdir -p @@sol_dir@@
for f in levels/*.txt; do
  name=$(basename "$f" .txt)
  if grep -q "^$name,.*,yes$" report.csv; then
    python3 /tmp/slide.py solve "$f" > "@@sol_dir@@/$name.txt"
  fi
done
wc -c @@sol_dir@@/*.txt
cat > /tmp/pack.py <<'PY'
import csv, json, sys
levels, broken = [], []
for row in csv.DictReader(open("report.csv")):
    if row["solvable"] == "no":
        broken.append(row["level"])
        continue
    n = len(open(f"@@sol_dir@@/{row['level']}.txt").read()@@strip@@)
    tier = "bronze" if n <= @@bronze@@ else "silver" if n <= @@silver@@ else "gold"
    levels.append({"name": row["level"], "size": row["size"], "moves": n, "tier": tier})
levels.sort(key=lambda l: (l["moves"], l["name"]))
json.dump({"pack": "@@pack@@", "levels": levels, "unsolvable": sorted(broken)}, sys.stdout, indent=2)
PY
python3 /tmp/pack.py > pack.json
python3 -m json.tool pack.json > /dev/null
grep -c '"tier"' pack.json
