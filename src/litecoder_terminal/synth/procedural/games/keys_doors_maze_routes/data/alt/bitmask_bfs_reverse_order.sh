#!/bin/bash
# Alternative: a different program — keys held as a bitmask of the keys that open a door on the map, a distance
# table instead of back-pointers (the route is walked back from the exit) — maps processed in reverse order.
set -eu
cd @@base@@
cat > /tmp/alt_route.py <<'PY'
import os
import sys

DIRS = (("U", -1, 0), ("D", 1, 0), ("L", 0, -1), ("R", 0, 1))


def par_route(rows):
    h, w = len(rows), len(rows[0])
    doors = sorted({c.lower() for r in rows for c in r if c.isupper()})
    bit = {k: 1 << i for i, k in enumerate(doors)}
    sy, sx = next((y, x) for y in range(h) for x in range(w) if rows[y][x] == "@")
    dist = {(sy, sx, 0): 0}
    frontier = [(sy, sx, 0)]
    goal = None
    while frontier and goal is None:
        nxt = []
        for y, x, mask in frontier:
            if rows[y][x] == "$":
                goal = (y, x, mask)
                break
            for _, dy, dx in DIRS:
                ny, nx = y + dy, x + dx
                c = rows[ny][nx]
                if c == "#" or (c.isupper() and not mask & bit.get(c.lower(), 0)):
                    continue
                nm = mask | bit.get(c, 0)
                if (ny, nx, nm) not in dist:
                    dist[(ny, nx, nm)] = dist[(y, x, mask)] + 1
                    nxt.append((ny, nx, nm))
        frontier = nxt
    if goal is None:
        sys.exit("no route")
    moves = []
    y, x, mask = goal
    while dist[(y, x, mask)]:
        d = dist[(y, x, mask)]
        for name, dy, dx in DIRS:
            py, px = y - dy, x - dx
            c = rows[y][x]
            for pm in {mask, mask & ~bit.get(c, 0)}:
                if dist.get((py, px, pm)) == d - 1 and (pm | bit.get(c, 0)) == mask:
                    moves.append(name)
                    y, x, mask = py, px, pm
                    break
            else:
                continue
            break
    return "".join(reversed(moves))


conf = dict(line.split(" = ", 1) for line in open("game.conf").read().splitlines() if " = " in line)
os.makedirs(conf["routes"], exist_ok=True)
for name in sorted(os.listdir(conf["maps"]), reverse=True):
    rows = open(os.path.join(conf["maps"], name)).read().splitlines()
    with open(os.path.join(conf["routes"], name[:-4] + ".txt"), "w") as f:
        f.write(par_route(rows) + "\n")
PY
python3 /tmp/alt_route.py
