"""QA a sliding-puzzle level pack: classify solvability, write optimal solutions, build the pack manifest."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

THEMES = ["amber", "cobalt", "dune", "ember", "fjord", "glacier", "harbor", "indigo", "jade", "kelp", "lagoon",
          "mesa", "nebula", "orchid", "prairie", "quarry", "reef", "summit", "tundra", "umber"]
DELTA = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
OPP = {"U": "D", "D": "U", "L": "R", "R": "L"}

# (rows, cols, scramble length range) per difficulty; "x" marks a level made unsolvable.
LEVELS = {
    "easy": [(3, 3, (20, 40))] * 3 + [(3, 3, (20, 40), "x")],
    "medium": [(3, 3, (30, 80))] * 3 + [(2, 4, (20, 40))] * 2 + [(3, 3, (20, 40), "x"), (2, 4, (20, 40), "x")],
    "hard": [(3, 3, (60, 120))] * 3 + [(2, 4, (30, 60)), (4, 2, (30, 60)), (3, 4, (28, 34)), (4, 3, (28, 34))]
    + [(3, 3, (20, 40), "x"), (2, 4, (20, 40), "x"), (3, 4, (20, 30), "x")],
}


def _scramble(rng: random.Random, rows: int, cols: int, length: int) -> list[int]:
    n = rows * cols
    while True:
        s = list(range(1, n)) + [0]
        z, last = n - 1, None
        for _ in range(length):
            zr, zc = divmod(z, cols)
            opts = [m for m in "UDLR" if 0 <= zr + DELTA[m][0] < rows and 0 <= zc + DELTA[m][1] < cols
                    and m != OPP.get(last)]
            m = rng.choice(opts)
            t = z + DELTA[m][0] * cols + DELTA[m][1]
            s[z], s[t] = s[t], s[z]
            z, last = t, m
        if s != list(range(1, n)) + [0]:
            return s


def _render(name: str, pack: str, rows: int, cols: int, tiles: list[int]) -> str:
    width = len(str(rows * cols - 1))
    lines = [f"# level {name} -- pack {pack}", f"size {rows}x{cols}"]
    for r in range(rows):
        lines.append(" ".join(("_" if t == 0 else str(t)).rjust(width) for t in tiles[r * cols:(r + 1) * cols]))
    return "\n".join(lines) + "\n"


SOLVER = r'''
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
    return parity % 2 == blank_dist % 2


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
        if s == goal:
            path = []
            while parent[s]:
                s, m = parent[s]
                path.append(m)
            return "".join(reversed(path))
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


WEIGHT = 1

if __name__ == "__main__":
    cmd, path = sys.argv[1], sys.argv[2]
    rows, cols, tiles = parse(path)
    if cmd == "check":
        print("yes" if solvable(rows, cols, tiles) else "no")
    else:
        print(astar(rows, cols, tiles))
'''


@register
class SlidingPuzzlePack(TaskFamily):
    name = "sliding_puzzle_pack_qa"
    domain = "games"
    title = "Classify, optimally solve and catalogue a pack of sliding-tile puzzle levels"
    multi_stage = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        pack = f"{rng.choice(THEMES)}-{rng.choice(['classic', 'trials', 'gauntlet', 'express'])}"
        base = pick(rng, ["/app/puzzles", "/srv/levelpack", "/home/player/pack"])
        specs = list(LEVELS[level])
        rng.shuffle(specs)
        names = rng.sample(THEMES, len(specs))
        names = [f"{n}-{rng.randint(1, 99):02d}" for n in names]
        files: dict[str, str | bytes] = {}
        digests = {}
        forced = False
        for name, spec in zip(names, specs):
            rows, cols, (lo, hi) = spec[:3]
            tiles = _scramble(rng, rows, cols, rng.randint(lo, hi))
            if cols % 2 == 0 and not forced:
                # one even-width level has its blank an odd number of rows above the bottom, so the
                # odd-width "inversions only" rule misclassifies it
                while (rows - 1 - tiles.index(0) // cols) % 2 == 0:
                    tiles = _scramble(rng, rows, cols, rng.randint(lo, hi))
                forced = True
            if len(spec) > 3:
                idx = [i for i, t in enumerate(tiles) if t]
                a, b = rng.sample(idx, 2)
                tiles[a], tiles[b] = tiles[b], tiles[a]
            text = _render(name, pack, rows, cols, tiles)
            files[f"environment/levels/{name}.txt"] = text
            digests[name] = hashlib.sha256(text.encode()).hexdigest()
        bronze, silver = rng.randint(8, 12), rng.randint(16, 21)
        sol_dir = pick(rng, ["solutions", "answers", "moves"])
        intro = pick(rng, [
            f"Level designers dropped a new sliding-puzzle pack (`{pack}`) for the mobile game and QA has to sign it off.",
            f"Before the `{pack}` puzzle pack ships, every level needs to be checked and rated.",
            f"The `{pack}` pack of sliding-tile levels came back from the generator; we need it verified and catalogued.",
        ])
        instruction = textwrap.dedent(f"""\
            {intro} The levels are the files `{base}/levels/*.txt` (level name = file name without `.txt`):

            ```
            # level <name> -- pack <pack>
            size <rows>x<cols>
            <rows lines of space-separated tiles; `_` is the empty cell>
            ```

            A level is solved when the tiles read 1, 2, 3, ... in row-major order with the empty cell in the
            bottom-right corner. A move slides the empty cell one step: `U`, `D`, `L` or `R` swaps the empty
            cell with the tile above, below, left of or right of it.@@SQUARE@@ Some levels came out of the
            generator broken and cannot be solved at all.

            1. Write `{base}/report.csv` with the header `level,size,solvable` and one row per level, sorted
               by level name: `size` as in the file (e.g. `3x3`), `solvable` is `yes` or `no`.
            2. For every solvable level write `{base}/{sol_dir}/<name>.txt` containing the moves as one line of
               letters (e.g. `ULDR...`). Each solution must be **optimal** (no shorter solution exists). Write no
               file for unsolvable levels.
            3. Write `{base}/pack.json`: `{{"pack": "{pack}", "levels": [...], "unsolvable": [...]}}` where
               `levels` holds one object `{{"name", "size", "moves", "tier"}}` per solvable level, ordered by
               `moves` (the optimal move count) and then by name; `tier` is `bronze` for at most {bronze}
               moves, `silver` for {bronze + 1} to {silver} moves and `gold` above that; `unsolvable` lists the
               names of the broken levels in alphabetical order.

            Do not modify the level files.
            """).replace("@@SQUARE@@", "" if level == "easy" else " Boards are not all square.")
        solver = SOLVER
        classify = textwrap.dedent("""\
            import os, sys
            sys.path.insert(0, "/tmp")
            from slide import parse, solvable
            print("level,size,solvable")
            for f in sorted(os.listdir(sys.argv[1])):
                rows, cols, tiles = parse(os.path.join(sys.argv[1], f))
                print(f"{f[:-4]},{rows}x{cols},{'yes' if solvable(rows, cols, tiles) else 'no'}")
            """)
        packer = textwrap.dedent(f"""\
            import csv, json, sys
            levels, broken = [], []
            for row in csv.DictReader(open("report.csv")):
                if row["solvable"] == "no":
                    broken.append(row["level"])
                    continue
                n = len(open(f"{sol_dir}/{{row['level']}}.txt").read().strip())
                tier = "bronze" if n <= {bronze} else "silver" if n <= {silver} else "gold"
                levels.append({{"name": row["level"], "size": row["size"], "moves": n, "tier": tier}})
            levels.sort(key=lambda l: (l["moves"], l["name"]))
            json.dump({{"pack": "{pack}", "levels": levels, "unsolvable": sorted(broken)}}, sys.stdout, indent=2)
            """)
        solve = textwrap.dedent(f"""\
            #!/bin/bash
            # Reference: parity test for solvability, A* (Manhattan + linear conflict) for optimal solutions.
            set -euo pipefail
            cd {base}
            ls levels | wc -l
            cat "levels/$(ls levels | sed -n 1p)"
            cat > /tmp/slide.py <<'EOF'
            """) + solver + "EOF\n" + "cat > /tmp/classify.py <<'EOF'\n" + classify + "EOF\n" + textwrap.dedent(f"""\
            python3 /tmp/classify.py levels > report.csv
            cat report.csv
            mkdir -p {sol_dir}
            for f in levels/*.txt; do
              name=$(basename "$f" .txt)
              if grep -q "^$name,.*,yes$" report.csv; then
                python3 /tmp/slide.py solve "$f" > "{sol_dir}/$name.txt"
              fi
            done
            wc -c {sol_dir}/*.txt
            """) + "cat > /tmp/pack.py <<'EOF'\n" + packer + "EOF\n" + textwrap.dedent("""\
            python3 /tmp/pack.py > pack.json
            python3 -m json.tool pack.json > /dev/null
            grep -c '"tier"' pack.json
            """)
        files["solution/solve.sh"] = solve
        # Mistake: greedy best-first search (huge heuristic weight): valid but non-optimal solutions.
        files["solution/wrong/greedy_solver.sh"] = solve.replace("WEIGHT = 1\n", "WEIGHT = 25\n")
        # Mistake: letters name the direction the TILE moves (the opposite convention).
        files["solution/wrong/tile_direction_convention.sh"] = solve.replace(
            'return "".join(reversed(path))', 'return "".join(reversed(path)).translate(str.maketrans("UDLR", "DURL"))')
        if level != "easy":
            # Mistake: the odd-width inversion rule applied to every board (wrong for even widths).
            files["solution/wrong/inversions_only_parity.sh"] = solve.replace(
                "return parity % 2 == blank_dist % 2",
                "inv = sum(1 for i in range(n) for j in range(i + 1, n) if tiles[i] and tiles[j] and tiles[i] > tiles[j])\n"
                "    return inv % 2 == 0").replace(
                'python3 /tmp/slide.py solve "$f" > "{0}/$name.txt"'.format(sol_dir),
                'timeout 60 python3 /tmp/slide.py solve "$f" > "{0}/$name.txt" || true'.format(sol_dir))
        else:
            # Mistake: stage 3 counts the trailing newline of each solution file as a move.
            files["solution/wrong/pack_counts_newline.sh"] = solve.replace(
                ".read().strip())", ".read())")
        for k, v in files.items():
            if k.startswith("solution/wrong/"):
                assert v != solve, k
        files["tests/test_outputs.py"] = TEST.replace("@@BASE@@", base).replace("@@SOLDIR@@", sol_dir).replace(
            "@@DIGESTS@@", json.dumps(digests, indent=1, sort_keys=True)).replace("@@PACK@@", pack).replace(
            "@@BRONZE@@", str(bronze)).replace("@@SILVER@@", str(silver))
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY levels/ {base}/levels/\nWORKDIR {base}\n", files=files,
            artifacts=[f"{base}/report.csv", f"{base}/{sol_dir}", f"{base}/pack.json"],
            tags=["puzzle", "search", "a-star", "sliding-puzzle"],
            agent_timeout_sec={"easy": 900, "medium": 1500, "hard": 1800}[level], verifier_timeout_sec=240,
            expert_minutes={"easy": 20, "medium": 35, "hard": 50}[level],
        )


TEST = r'''"""Recompute solvability (permutation parity) and optimal lengths (A*), replay every submitted solution."""

import csv
import heapq
import json
from pathlib import Path

BASE = Path("@@BASE@@")
SOLDIR = BASE / "@@SOLDIR@@"
DIGESTS = @@DIGESTS@@
PACK = "@@PACK@@"
BRONZE, SILVER = @@BRONZE@@, @@SILVER@@
STEP = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}


def load(name):
    text = (BASE / "levels" / f"{name}.txt").read_text()
    lines = [l.split() for l in text.splitlines() if l.strip() and not l.startswith("#")]
    rows, cols = (int(x) for x in lines[0][1].split("x"))
    tiles = tuple(0 if t == "_" else int(t) for row in lines[1:] for t in row)
    assert len(tiles) == rows * cols
    return rows, cols, tiles


def goal(rows, cols):
    return tuple(range(1, rows * cols)) + (0,)


def is_solvable(rows, cols, tiles):
    # count transpositions needed to sort (blank as the largest tile) vs. blank's distance to its goal cell
    arr = [t or rows * cols for t in tiles]
    swaps = 0
    for i in range(len(arr)):
        while arr[i] != i + 1:
            j = arr[i] - 1
            arr[i], arr[j] = arr[j], arr[i]
            swaps += 1
    z = tiles.index(0)
    return swaps % 2 == (abs(rows - 1 - z // cols) + abs(cols - 1 - z % cols)) % 2


def neighbours(rows, cols, s):
    z = s.index(0)
    r, c = divmod(z, cols)
    for m, (dr, dc) in STEP.items():
        if 0 <= r + dr < rows and 0 <= c + dc < cols:
            t = list(s)
            o = (r + dr) * cols + c + dc
            t[z], t[o] = t[o], t[z]
            yield m, tuple(t)


def optimal_length(rows, cols, start):
    target = goal(rows, cols)

    def manhattan(s):
        total = 0
        for i, t in enumerate(s):
            if t:
                total += abs((t - 1) // cols - i // cols) + abs((t - 1) % cols - i % cols)
        return total

    dist = {start: 0}
    heap = [(manhattan(start), 0, start)]
    while heap:
        f, g, s = heapq.heappop(heap)
        if s == target:
            return g
        if g > dist[s]:
            continue
        for _, t in neighbours(rows, cols, s):
            if g + 1 < dist.get(t, 10 ** 9):
                dist[t] = g + 1
                heapq.heappush(heap, (g + 1 + manhattan(t), g + 1, t))
    raise AssertionError("unreachable")


def truth():
    out = {}
    for name in sorted(DIGESTS):
        rows, cols, tiles = load(name)
        ok = is_solvable(rows, cols, tiles)
        out[name] = (f"{rows}x{cols}", ok, optimal_length(rows, cols, tiles) if ok else None)
    return out


TRUTH = None


def get_truth():
    global TRUTH
    if TRUTH is None:
        TRUTH = truth()
    return TRUTH


def test_report_classifies_every_level():
    rows = list(csv.reader((BASE / "report.csv").open()))
    assert rows[0] == ["level", "size", "solvable"]
    expected = [[n, size, "yes" if ok else "no"] for n, (size, ok, _) in sorted(get_truth().items())]
    assert [[c.strip() for c in r] for r in rows[1:] if r] == expected


def test_solutions_are_legal_and_optimal():
    for name, (size, ok, best) in get_truth().items():
        path = SOLDIR / f"{name}.txt"
        if not ok:
            assert not path.exists(), f"{name} is unsolvable but has a solution file"
            continue
        moves = "".join(path.read_text().split())
        assert set(moves) <= set("UDLR"), f"{name}: bad characters"
        rows, cols, s = load(name)
        for m in moves:
            nxt = dict(neighbours(rows, cols, s))
            assert m in nxt, f"{name}: illegal move {m}"
            s = nxt[m]
        assert s == goal(rows, cols), f"{name}: moves do not solve the level"
        assert len(moves) == best, f"{name}: {len(moves)} moves, optimum is {best}"


def test_pack_manifest():
    data = json.loads((BASE / "pack.json").read_text())
    assert data["pack"] == PACK
    good = [(best, n, size) for n, (size, ok, best) in get_truth().items() if ok]
    expected = [{"name": n, "size": size, "moves": best,
                 "tier": "bronze" if best <= BRONZE else "silver" if best <= SILVER else "gold"}
                for best, n, size in sorted(good)]
    assert data["levels"] == expected
    assert data["unsolvable"] == sorted(n for n, (_, ok, _) in get_truth().items() if not ok)
'''
