#!/bin/bash
# Alternative: solvability by the inversion-count rule (with the blank's row for even widths), A* with plain
# Manhattan distance, solutions first; the report written by the shell and the catalogue assembled with jq.
set -eu
cd @@base@@
cat > /tmp/alt_slide.py <<'PY'
import heapq
import sys


def load(path):
    rows = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
    r, c = map(int, rows[0][1].split("x"))
    return r, c, tuple(0 if t == "_" else int(t) for row in rows[1:] for t in row)


def solvable(r, c, s):
    tiles = [t for t in s if t]
    inv = sum(1 for i in range(len(tiles)) for j in range(i + 1, len(tiles)) if tiles[i] > tiles[j])
    if c % 2:
        return inv % 2 == 0
    return (inv + (r - 1 - s.index(0) // c)) % 2 == 0


def solve(r, c, s):
    goal = tuple(range(1, r * c)) + (0,)

    def h(state):
        return sum(abs((t - 1) // c - i // c) + abs((t - 1) % c - i % c) for i, t in enumerate(state) if t)

    seen = {s: ""}
    todo = [(h(s), 0, s)]
    while todo:
        _, g, state = heapq.heappop(todo)
        path = seen[state]
        if len(path) < g:
            continue
        if state == goal:
            return path
        z = state.index(0)
        for m, d, ok in (("U", -c, z >= c), ("D", c, z < (r - 1) * c), ("L", -1, z % c), ("R", 1, z % c < c - 1)):
            if not ok:
                continue
            t = list(state)
            t[z], t[z + d] = t[z + d], t[z]
            t = tuple(t)
            if t not in seen or len(seen[t]) > g + 1:
                seen[t] = path + m
                heapq.heappush(todo, (g + 1 + h(t), g + 1, t))


r, c, s = load(sys.argv[2])
if sys.argv[1] == "size":
    print(f"{r}x{c}")
elif sys.argv[1] == "check":
    print("yes" if solvable(r, c, s) else "no")
else:
    print(solve(r, c, s))
PY
mkdir -p @@sol_dir@@
for f in levels/*.txt; do
  name=$(basename "$f" .txt)
  if [ "$(python3 /tmp/alt_slide.py check "$f")" = yes ]; then
    python3 /tmp/alt_slide.py solve "$f" > "@@sol_dir@@/$name.txt"
  fi
done
{
  echo "level,size,solvable"
  for f in $(ls levels/*.txt | LC_ALL=C sort); do
    name=$(basename "$f" .txt)
    echo "$name,$(python3 /tmp/alt_slide.py size "$f"),$(python3 /tmp/alt_slide.py check "$f")"
  done
} > report.csv
tail -n +2 report.csv | while IFS=, read -r name size ok; do
  if [ "$ok" = yes ]; then
    n=$(tr -d '\n' < "@@sol_dir@@/$name.txt" | wc -c)
    jq -n --arg name "$name" --arg size "$size" --argjson n "$n" \
      '{name: $name, size: $size, moves: $n, tier: (if $n <= @@bronze@@ then "bronze" elif $n <= @@silver@@ then "silver" else "gold" end)}'
  fi
done | jq -s --arg pack "@@pack@@" --argjson broken "$(awk -F, 'NR > 1 && $3 == "no" {print $1}' report.csv | jq -R . | jq -s 'sort')" \
  '{pack: $pack, levels: sort_by(.moves, .name), unsolvable: $broken}' > pack.json
