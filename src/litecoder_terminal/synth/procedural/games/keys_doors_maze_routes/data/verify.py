"""Replay each route on its map (read from the pristine image) and compare its length with the optimum."""

from pathlib import Path

import lct_verify

BASE = Path("@@base@@")
OUT = BASE / "@@out_dir@@"
PAR = lct_verify.expected()["par"]  # map name -> fewest moves, computed when the task was made
MOVES = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}


def route(name):
    path = OUT / f"{name}.txt"
    assert path.is_file() and not path.is_symlink(), f"{path} is missing"
    return "".join(path.read_text().split())


def test_routes_are_legal_and_reach_the_exit():
    for name in PAR:
        grid = (BASE / "maps" / f"{name}.map").read_text().splitlines()
        moves = route(name)
        assert moves and set(moves) <= set(MOVES), f"{name}: moves must be U/D/L/R"
        pos = next((y, x) for y, row in enumerate(grid) for x, c in enumerate(row) if c == "@")
        keys = set()
        for i, m in enumerate(moves):
            pos = (pos[0] + MOVES[m][0], pos[1] + MOVES[m][1])
            ch = grid[pos[0]][pos[1]]
            assert ch != "#" and not (ch.isupper() and ch.lower() not in keys), f"{name}: move {i + 1} ({m}) is illegal"
            if ch.islower():
                keys.add(ch)
        assert grid[pos[0]][pos[1]] == "$", f"{name}: route ends at {pos}, not on the exit"


def test_routes_are_shortest():
    for name, best in PAR.items():
        assert len(route(name)) == best, f"{name}: {len(route(name))} moves, the shortest route has {best}"

