"""Find the shortest legal route through dungeon maps with keys and locked doors; replayed and checked for optimality."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap
from collections import deque

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

STEPS = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
NAMES = ["crypt", "vault", "warren", "catacomb", "bastion", "grotto", "keep", "labyrinth", "mines", "sewer"]

# per difficulty: number of maps, (height, width), doors on the route, locked-forever doors, decoy keys, loops
LEVELS = {
    "easy": (1, (15, 31), 0, 0, 0, 12),
    "medium": (2, (17, 37), 2, 0, 1, 18),
    "hard": (3, (21, 45), 3, 2, 2, 28),
}


def _carve(rng: random.Random, h: int, w: int, loops: int) -> list[list[str]]:
    g = [["#"] * w for _ in range(h)]
    g[1][1] = "."
    stack = [(1, 1)]
    while stack:
        y, x = stack[-1]
        opts = [(dy, dx) for dy, dx in ((0, 2), (2, 0), (0, -2), (-2, 0))
                if 1 <= y + dy < h - 1 and 1 <= x + dx < w - 1 and g[y + dy][x + dx] == "#"]
        if not opts:
            stack.pop()
            continue
        dy, dx = rng.choice(opts)
        g[y + dy // 2][x + dx // 2] = "."
        g[y + dy][x + dx] = "."
        stack.append((y + dy, x + dx))
    walls = [(y, x) for y in range(1, h - 1) for x in range(1, w - 1) if g[y][x] == "#" and
             ((g[y - 1][x] == "." and g[y + 1][x] == "." and g[y][x - 1] == "#" and g[y][x + 1] == "#") or
              (g[y][x - 1] == "." and g[y][x + 1] == "." and g[y - 1][x] == "#" and g[y + 1][x] == "#"))]
    for y, x in rng.sample(walls, min(loops, len(walls))):
        g[y][x] = "."
    return g


def _bfs(g: list[list[str]], start: tuple[int, int], blocked: set) -> dict:
    dist = {start: None}
    q = deque([start])
    while q:
        y, x = q.popleft()
        for dy, dx in STEPS.values():
            n = (y + dy, x + dx)
            if g[n[0]][n[1]] != "#" and n not in dist and n not in blocked:
                dist[n] = (y, x)
                q.append(n)
    return dist


def _path(prev: dict, end: tuple[int, int]) -> list[tuple[int, int]]:
    out = [end]
    while prev[out[-1]] is not None:
        out.append(prev[out[-1]])
    return out[::-1]


def _make_map(rng: random.Random, h: int, w: int, n_doors: int, n_locked: int, n_decoys: int, loops: int) -> str:
    g = _carve(rng, h, w, loops)
    floor = [(y, x) for y in range(h) for x in range(w) if g[y][x] == "."]
    start = rng.choice(floor)
    prev = _bfs(g, start, set())
    goal = list(prev)[-1]  # BFS discovery order: the last cell found is as far from the start as any
    route = _path(prev, goal)
    colours = rng.sample("abcdefgh", n_doors + n_locked + n_decoys)
    # doors on corridor cells of the route (two open neighbours), spread along it
    corridor = [c for c in route[3:-3] if sum(g[c[0] + dy][c[1] + dx] != "#" for dy, dx in STEPS.values()) == 2]
    doors = []
    if n_doors:
        chunk = max(1, len(corridor) // (n_doors + 1))
        for i in range(n_doors):
            cands = corridor[chunk * i + chunk // 2: chunk * (i + 1) + chunk // 2] or corridor
            doors.append(rng.choice([c for c in cands if c not in doors] or corridor))
    doors.sort(key=route.index)
    used = {start, goal, *doors}
    for i, d in enumerate(doors):
        region = _bfs(g, start, set(doors[i:]))
        cands = sorted(c for c in region if c not in used and c not in route)
        cands = cands or sorted(c for c in region if c not in used)
        k = rng.choice(cands[len(cands) // 2:] if len(cands) > 4 else cands)
        g[k[0]][k[1]] = colours[i]
        g[d[0]][d[1]] = colours[i].upper()
        used.add(k)
    # doors nobody can open (no key anywhere) and keys that open nothing
    side = [c for c in floor if c not in used and c not in route and
            sum(g[c[0] + dy][c[1] + dx] != "#" for dy, dx in STEPS.values()) == 2]
    for j in range(n_locked):
        if side:
            c = rng.choice(side)
            side.remove(c)
            g[c[0]][c[1]] = colours[n_doors + j].upper()
            used.add(c)
    free = sorted(c for c in floor if c not in used and g[c[0]][c[1]] == ".")
    for j in range(n_decoys):
        c = rng.choice(free)
        free.remove(c)
        g[c[0]][c[1]] = colours[n_doors + n_locked + j]
    g[start[0]][start[1]] = "@"
    g[goal[0]][goal[1]] = "$"
    return "\n".join("".join(r) for r in g) + "\n"


def solve_map(text: str, mode: str = "bfs") -> str | None:
    """Routes as the reference and the known-wrong solvers find them (used at build time to make sure every
    map is solvable and that each wrong approach really goes wrong on it). States are ints: cell << nk | keys."""
    rows = text.splitlines()
    width = len(rows[0])
    flat = "".join(rows)
    # only keys that open a door on this map change what is reachable, so only they are tracked
    letters = sorted(c for c in set(flat) if c.islower() and c.upper() in flat)
    bit = {ch: 1 << i for i, ch in enumerate(letters)}
    nk = len(letters)
    key_of = [bit.get(c, 0) if mode != "nodoors" else 0 for c in flat]
    door_of = [(bit.get(c.lower(), 0) or (1 << nk) if c.isupper() else 0) if mode != "nodoors" else 0
               for c in flat]
    wall = [c == "#" for c in flat]
    offs = ((-width, "U"), (width, "D"), (-1, "L"), (1, "R"))
    dfs = mode == "dfs"
    s0 = flat.index("@") << nk
    back = {s0: None}
    q = deque([s0])
    while q:
        s = q.pop() if dfs else q.popleft()
        cell, mask = s >> nk, s & ((1 << nk) - 1)
        if flat[cell] == "$":
            out = []
            while back[s] is not None:
                s, m = back[s]
                out.append(m)
            return "".join(reversed(out))
        for off, m in offs:
            n = cell + off
            if wall[n] or (door_of[n] and not mask & door_of[n]):
                continue
            t = (n << nk) | mask | key_of[n]
            if t not in back:
                back[t] = (s, m)
                q.append(t)
    return None


SOLVER = r'''
import sys
from collections import deque

STEPS = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}


def solve(path):
    grid = open(path).read().splitlines()
    start = next((y, x) for y, row in enumerate(grid) for x, ch in enumerate(row) if ch == "@")
    state0 = (start, frozenset())
    back = {VISIT(*state0): None}
    queue = deque([state0])
    while queue:
        state = queue.popleft()
        (y, x), keys = state
        if grid[y][x] == "$":
            moves = []
            while back[VISIT(*state)] is not None:
                state, m = back[VISIT(*state)]
                moves.append(m)
            return "".join(reversed(moves))
        for m, (dy, dx) in STEPS.items():
            ny, nx = y + dy, x + dx
            ch = grid[ny][nx]
            if ch == "#" or (ch.isupper() and ch.lower() not in keys):
                continue
            nxt = ((ny, nx), keys | {ch} if ch.islower() else keys)
            if VISIT(*nxt) not in back:
                back[VISIT(*nxt)] = (state, m)
                queue.append(nxt)
    raise SystemExit(f"no route in {path}")


def VISIT(cell, keys):
    return (cell, keys)



if __name__ == "__main__":
    print(solve(sys.argv[1]))
'''


@register
class KeysDoorsMaze(TaskFamily):
    name = "keys_doors_maze_routes"
    domain = "games"
    title = "Shortest legal routes through dungeon maps with keys and locked doors"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        n_maps, (h, w), n_doors, n_locked, n_decoys, loops = LEVELS[level]
        base = pick(rng, ["/app/dungeon", "/srv/game", "/home/player/dungeon"])
        out_dir = pick(rng, ["routes", "solutions", "paths"])
        names = [f"{n}-{rng.randint(1, 9)}" for n in rng.sample(NAMES, n_maps)]
        files: dict[str, str | bytes] = {}
        digests = {}
        for name in names:
            for _ in range(40):
                text = _make_map(rng, h, w, n_doors, n_locked, n_decoys, loops)
                best = solve_map(text)
                if best is None:
                    continue
                dfs = solve_map(text, "dfs")
                if dfs is not None and len(dfs) <= len(best):
                    continue  # depth-first search must not stumble on an optimal route
                if n_doors and len(solve_map(text, "nodoors")) >= len(best):
                    continue  # the doors must matter: walking through them would be a shortcut
                break
            else:  # pragma: no cover - construction guarantees a route
                raise RuntimeError("could not build a solvable map")
            files[f"environment/maps/{name}.map"] = text
            digests[name] = hashlib.sha256(text.encode()).hexdigest()
        keys_text = ("" if n_doors == 0 else
                     " Lower-case letters are keys: stepping onto a key picks it up (you keep it for the rest of "
                     "the map, it is never used up). Upper-case letters are locked doors: you may step onto `A` "
                     "only while holding key `a`, and so on. Some doors may have no key on the map, and some keys "
                     "open nothing.")
        intro = pick(rng, [
            "The level designers need reference speed-run routes for the dungeon maps before the leaderboard "
            "opens.",
            "For the replay-based anti-cheat we need the shortest possible route through each dungeon map.",
            "Our dungeon crawler's par times come from the shortest routes through its maps; compute them.",
        ])
        instruction = textwrap.dedent(f"""\
            {intro} The maps are `{base}/maps/*.map` ({len(names)} map{'s' if len(names) > 1 else ''}), plain text
            grids: `#` is wall, `.` is floor, `@` is the start and `$` is the exit.@@KEYS@@

            A move is one of `U`, `D`, `L`, `R` (one cell up, down, left or right); moving into a wall{'' if n_doors == 0 else ' or into a door you cannot open'} is
            not allowed. For every map `<name>.map` write `{base}/{out_dir}/<name>.txt` containing one line with
            the moves from `@` to `$`. Every route must be legal and as short as possible: no legal route with
            fewer moves may exist. Do not modify the maps.
            """).replace("@@KEYS@@", keys_text)
        solve = textwrap.dedent(f"""\
            #!/bin/bash
            # Reference: breadth-first search over (cell, set of keys held) for each map.
            set -euo pipefail
            cd {base}
            ls maps
            head -n 5 "maps/$(ls maps | sed -n 1p)"
            cat > /tmp/route.py <<'EOF'
            """) + SOLVER + "EOF\n" + textwrap.dedent(f"""\
            mkdir -p {out_dir}
            for f in maps/*.map; do
              python3 /tmp/route.py "$f" > "{out_dir}/$(basename "$f" .map).txt"
            done
            wc -c {out_dir}/*.txt
            """)
        files["solution/solve.sh"] = solve
        # Mistake: depth-first search finds *a* route, not the shortest one.
        files["solution/wrong/dfs_route.sh"] = solve.replace("state = queue.popleft()", "state = queue.pop()")
        if n_doors:
            # Mistake: treats doors as open floor (illegal moves through locked doors).
            files["solution/wrong/ignores_doors.sh"] = solve.replace(
                "(ch.isupper() and ch.lower() not in keys)", "False")
        else:
            # Mistake: drops the final step onto the exit.
            files["solution/wrong/stops_next_to_exit.sh"] = solve.replace(
                'return "".join(reversed(moves))', 'return "".join(reversed(moves))[:-1]')
        for k, v in files.items():
            if k.startswith("solution/wrong/"):
                assert v != solve, k
        files["tests/test_outputs.py"] = TEST.replace("@@BASE@@", base).replace("@@OUT@@", out_dir).replace(
            "@@DIGESTS@@", json.dumps(digests, indent=1, sort_keys=True))
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY maps/ {base}/maps/\nWORKDIR {base}\n", files=files,
            artifacts=[f"{base}/{out_dir}"],
            tags=["puzzle", "bfs", "maze", "state-space-search"],
            agent_timeout_sec={"easy": 600, "medium": 900, "hard": 1200}[level], verifier_timeout_sec=120,
            expert_minutes={"easy": 10, "medium": 20, "hard": 30}[level],
        )


TEST = r'''"""Replay each route on its map and compare its length with a breadth-first optimum over (cell, keys)."""

import json
from collections import deque
from pathlib import Path

BASE = Path("@@BASE@@")
OUT = BASE / "@@OUT@@"
DIGESTS = @@DIGESTS@@
MOVES = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}


def load(name):
    return (BASE / "maps" / f"{name}.map").read_text().splitlines()


def locate(grid, ch):
    return [(y, x) for y, row in enumerate(grid) for x, c in enumerate(row) if c == ch]


def passable(grid, cell, keys):
    ch = grid[cell[0]][cell[1]]
    return ch != "#" and not (ch.isupper() and ch.lower() not in keys)


def shortest(grid):
    start = (locate(grid, "@")[0], 0)
    key_bits = {ch: 1 << i for i, ch in enumerate(sorted({c for row in grid for c in row if c.islower()}))}
    held = lambda mask: {k for k, b in key_bits.items() if mask & b}
    dist = {start: 0}
    todo = deque([start])
    while todo:
        (y, x), mask = s = todo.popleft()
        if grid[y][x] == "$":
            return dist[s]
        for dy, dx in MOVES.values():
            n = (y + dy, x + dx)
            if not passable(grid, n, held(mask)):
                continue
            ch = grid[n[0]][n[1]]
            t = (n, mask | key_bits.get(ch, 0))
            if t not in dist:
                dist[t] = dist[s] + 1
                todo.append(t)
    raise AssertionError("map has no route")


def test_routes_are_legal_and_reach_the_exit():
    for name in DIGESTS:
        grid = load(name)
        moves = "".join((OUT / f"{name}.txt").read_text().split())
        assert moves and set(moves) <= set(MOVES), f"{name}: moves must be U/D/L/R"
        pos, keys = locate(grid, "@")[0], set()
        for i, m in enumerate(moves):
            nxt = (pos[0] + MOVES[m][0], pos[1] + MOVES[m][1])
            assert passable(grid, nxt, keys), f"{name}: move {i + 1} ({m}) is illegal"
            pos = nxt
            ch = grid[pos[0]][pos[1]]
            if ch.islower():
                keys.add(ch)
        assert grid[pos[0]][pos[1]] == "$", f"{name}: route ends at {pos}, not on the exit"


def test_routes_are_shortest():
    for name in DIGESTS:
        moves = "".join((OUT / f"{name}.txt").read_text().split())
        best = shortest(load(name))
        assert len(moves) == best, f"{name}: {len(moves)} moves, the shortest route has {best}"
'''
