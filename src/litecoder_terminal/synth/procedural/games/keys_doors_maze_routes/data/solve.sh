#!/bin/bash
# Reference: breadth-first search over (cell, set of keys held) for each map.
set -euo pipefail
cd @@base@@
# Where does the game read maps and write routes? Its config says; the log says what is missing.
cat game.conf
tail -n 3 logs/partimes.log
sed -n '1,20p' docs/legend.md
ls maps
head -n 5 "maps/$(ls maps | sed -n 1p)"
cat > /tmp/route.py <<'PY'
import sys
from collections import deque

STEPS = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}


def solve(path):
    grid = open(path).read().splitlines()
    start = next((y, x) for y, row in enumerate(grid) for x, ch in enumerate(row) if ch == "@")
    state = (start, frozenset())
    back = {state: None}
    queue = deque([state])
    while queue:
        state = @@take@@
        (y, x), keys = state
        if grid[y][x] == "$":
            moves = []
            while back[state] is not None:
                state, m = back[state]
                moves.append(m)
            return "".join(reversed(moves))@@trim@@
        for m, (dy, dx) in STEPS.items():
            ny, nx = y + dy, x + dx
            ch = grid[ny][nx]
            if ch == "#" or @@locked@@:
                continue
            nxt = ((ny, nx), keys | {ch} if ch.islower() else keys)
            if nxt not in back:
                back[nxt] = (state, m)
                queue.append(nxt)
    raise SystemExit(f"no route in {path}")


print(solve(sys.argv[1]))
PY
routes=$(sed -n 's/^routes = //p' game.conf)
mkdir -p "$routes"
for f in maps/*.map; do
  python3 /tmp/route.py "$f" > "$routes/$(basename "$f" .map).txt"
done
# Check: one line per map, only U/D/L/R.
wc -c "$routes"/*.txt
! grep -l '[^UDLR]' "$routes"/*.txt
