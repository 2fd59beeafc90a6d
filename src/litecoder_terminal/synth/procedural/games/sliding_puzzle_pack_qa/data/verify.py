"""Recompute solvability (permutation parity) and optimal lengths (A*), replay every submitted solution."""

import csv
import heapq
import json
from pathlib import Path

import lct_verify

BASE = Path("@@base@@")
SOLDIR = BASE / "@@sol_dir@@"
EXPECTED = lct_verify.expected()
LEVELS, PACK, BRONZE, SILVER = EXPECTED["levels"], EXPECTED["pack"], EXPECTED["bronze"], EXPECTED["silver"]
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
    for name in sorted(LEVELS):
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
    assert isinstance(data, dict) and lct_verify.same(data.get("pack"), PACK)
    good = [(best, n, size) for n, (size, ok, best) in get_truth().items() if ok]
    expected = [{"name": n, "size": size, "moves": best,
                 "tier": "bronze" if best <= BRONZE else "silver" if best <= SILVER else "gold"}
                for best, n, size in sorted(good)]
    assert lct_verify.same(data.get("levels"), expected), data.get("levels")
    assert lct_verify.same(data.get("unsolvable"), sorted(n for n, (_, ok, _) in get_truth().items() if not ok))
