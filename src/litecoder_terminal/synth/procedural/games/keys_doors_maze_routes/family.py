"""Find the shortest legal route through dungeon maps with keys and locked doors; replayed and checked for optimality."""

from __future__ import annotations

import random
from collections import deque

from litecoder_terminal.synth.procedural import kit

STEPS = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
NAMES = ["crypt", "vault", "warren", "catacomb", "bastion", "grotto", "keep", "labyrinth", "mines", "sewer"]


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


KNOBS = {
    "take": kit.Knob("queue.popleft()", "queue.pop()", "depth-first search finds a route, not the shortest one"),
    "locked": kit.Knob("(ch.isupper() and ch.lower() not in keys)", "False",
                       "treats locked doors as open floor (illegal moves through doors)"),
    "trim": kit.Knob("", "[:-1]", "drops the final step onto the exit"),
}


class KeysDoorsMazeRoutes(kit.KitFamily):
    title = "Shortest legal routes through dungeon maps with keys and locked doors"
    levels = kit.Levels(
        maps=(1, 2, 3), height=(15, 17, 21), width=(31, 37, 45), doors=(0, 2, 3), locked=(0, 0, 2),
        decoys=(0, 1, 2), loops=(12, 18, 28), agent_timeout=(600, 900, 1200), expert_minutes=(10, 20, 30),
    )

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        base = rng.choice(["/app/dungeon", "/srv/game", "/home/player/dungeon"])
        out_dir = rng.choice(["routes", "solutions", "paths", "par"])
        names = [f"{n}-{rng.randint(1, 9)}" for n in rng.sample(NAMES, k.maps)]
        files: dict[str, str | bytes] = {}
        par = {}
        for name in names:
            for _ in range(40):
                text = _make_map(rng, k.height, k.width, k.doors, k.locked, k.decoys, k.loops)
                best = solve_map(text)
                if best is None:
                    continue
                dfs = solve_map(text, "dfs")
                if dfs is not None and len(dfs) <= len(best):
                    continue  # depth-first search must not stumble on an optimal route
                if k.doors and len(solve_map(text, "nodoors")) >= len(best):
                    continue  # the doors must matter: walking through them would be a shortcut
                break
            else:  # pragma: no cover - construction guarantees a route
                raise RuntimeError("could not build a solvable map")
            files[f"environment/maps/{name}.map"] = text
            par[name] = len(best)
        season = f"{rng.randint(2019, 2026)}-{rng.choice('ABCD')}"
        log = [f"[{season}] par board: loading {len(names)} map(s)"]
        log += [f"[{season}] warn: no par route for {n} ({out_dir}/{n}.txt missing)" for n in names]
        log.append(f"[{season}] par board: 0/{len(names)} par times available")
        files["environment/game.conf"] = self.template("game.conf", out_dir=out_dir, season=season)
        files["environment/docs/legend.md"] = self.data("legend.md")
        files["environment/logs/partimes.log"] = self.template("partimes.log", log="\n".join(log))
        values = {"base": base}
        wrong = {"dfs_route": "take", "ignores_doors": "locked"} if k.doors else \
            {"dfs_route": "take", "stops_next_to_exit": "trim"}
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(**values)
        files |= self.verifier(base=base, out_dir=out_dir)
        files |= kit.expected_file({"par": par})
        n_maps = f"{len(names)} map{'s' if len(names) > 1 else ''}"
        instruction = self.instruction(intro=self.intro(rng), base=base, out_dir=out_dir, n_maps=n_maps)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=f"COPY . {base}/\nWORKDIR {base}\n", files=files,
            artifacts=[f"{base}/{out_dir}"], outputs=[f"{base}/{out_dir}"],
            tags=["puzzle", "bfs", "maze", "state-space-search"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
        )
