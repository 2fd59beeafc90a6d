"""Play the agent's rules module through many positions and compare with an independent referee."""

import json
import random

import lct_verify

SPEC = lct_verify.expected()  # board size and package, as the task was made
R, C, K = SPEC["rows"], SPEC["cols"], SPEC["connect"]

# Runs unprivileged in its own process: loads the agent's rules.py, makes the calls read from stdin and prints
# plain JSON (values encoded so that tuples, non-JSON objects and exceptions stay distinguishable).
HARNESS = r"""
import copy, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("agent_rules", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)

def enc(v):
    if v is None or isinstance(v, (bool, int, float, str)) and type(v) in (bool, int, float, str):
        return v
    if type(v) is list:
        return [enc(x) for x in v]
    if type(v) is tuple:
        return {"__tuple__": [enc(x) for x in v]}
    return {"__repr__": repr(v)[:200], "__type__": type(v).__name__}

out = []
for call in json.loads(sys.stdin.read()):
    if "attr" in call:
        v = getattr(m, call["attr"], None)
        out.append({"value": enc(v)} if call["attr"] != "IllegalMove" else
                   {"value": isinstance(v, type) and issubclass(v, ValueError)})
        continue
    args = call["args"]
    before = copy.deepcopy(args)
    try:
        v = getattr(m, call["fn"])(*args)
        res = {"value": enc(v), "truth": bool(v)}
    except m.IllegalMove:
        res = {"raised": "IllegalMove"}
    except Exception as e:
        res = {"raised": "other: " + type(e).__name__}
    res["mutated"] = args != before
    out.append(res)
print(json.dumps(out))
"""


class Agent:
    """The agent's module, seen through the harness: calls are batched, results are plain data."""

    def call(self, calls):
        res = lct_verify.call_json(["python3", "-B", "-c", HARNESS, f"/app/{SPEC['pkg']}/rules.py"],
                                   input=json.dumps(calls), cwd="/app", timeout=120)
        assert isinstance(res, list) and len(res) == len(calls), "the rules module could not be loaded and run"
        return res

    def values(self, fn, arg_lists):
        res = self.call([{"fn": fn, "args": a} for a in arg_lists])
        for r, a in zip(res, arg_lists):
            assert "value" in r, f"{fn}{tuple(a)} raised {r.get('raised')}"
        return res


def load():
    return Agent()


# ---------------- the referee ----------------
def ref_empty():
    return [["."] * C for _ in range(R)]


def ref_strings(grid):
    return ["".join(row) for row in grid]


def ref_legal(grid):
    return [c for c in range(C) if any(grid[r][c] == "." for r in range(R))]


def ref_drop(grid, c, p):
    g = [row[:] for row in grid]
    r = max(r for r in range(R) if g[r][c] == ".")
    g[r][c] = p
    return g


def ref_winner(grid):
    owners = set()
    for r in range(R):
        for c in range(C):
            p = grid[r][c]
            if p == ".":
                continue
            for dr, dc in ((0, 1), (1, 0), (1, 1), (-1, 1)):
                cells = [(r + dr * k, c + dc * k) for k in range(K)]
                if all(0 <= y < R and 0 <= x < C and grid[y][x] == p for y, x in cells):
                    owners.add(p)
    assert len(owners) <= 1
    return owners.pop() if owners else None


def ref_full(grid):
    return all(cell != "." for row in grid for cell in row)


def ref_bot(grid, p):
    o = "O" if p == "X" else "X"
    moves = ref_legal(grid)
    for want in (p, o):
        for c in moves:
            if ref_winner(ref_drop(grid, c, want)) == want:
                return c
    return sorted(moves, key=lambda c: (abs(2 * c - (C - 1)), c))[0]


def random_positions(seed, n, stop_at_win=True):
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        g, p = ref_empty(), "X"
        while ref_legal(g):
            g = ref_drop(g, rng.choice(ref_legal(g)), p)
            p = "O" if p == "X" else "X"
            out.append(([row[:] for row in g], p))
            if stop_at_win and ref_winner(g):
                break
    return out[:n]


def line_boards():
    """One board per possible line: exactly K pieces in a row, plus a few opponent pieces elsewhere."""
    boards = []
    rng = random.Random(7)
    for dr, dc in ((0, 1), (1, 0), (1, 1), (-1, 1)):
        for r in range(R):
            for c in range(C):
                cells = [(r + dr * k, c + dc * k) for k in range(K)]
                if not all(0 <= y < R and 0 <= x < C for y, x in cells):
                    continue
                p = rng.choice("XO")
                g = ref_empty()
                for y, x in cells:
                    g[y][x] = p
                boards.append((g, p))
    return boards


def pattern_full(shift):
    """A full board with no line longer than two."""
    return [["X" if (c + (r // 2) + shift) % 2 == 0 else "O" for c in range(C)] for r in range(R)]


# ---------------- tests ----------------
def test_constants_and_api_unchanged():
    m = load()
    res = m.call([{"attr": a} for a in ("ROWS", "COLS", "CONNECT", "EMPTY", "IllegalMove")]
                 + [{"fn": "new_board", "args": []}])
    assert [r.get("value") for r in res[:4]] == [R, C, K, "."] and all(
        lct_verify.same(r.get("value"), v) for r, v in zip(res[:4], [R, C, K, "."])), "constants changed"
    assert res[4]["value"] is True, "IllegalMove must be a ValueError subclass"
    assert lct_verify.same(res[5].get("value"), ref_strings(ref_empty())), "new_board()"


def test_legal_moves():
    m = load()
    positions = random_positions(1, 400, stop_at_win=False)
    res = m.values("legal_moves", [[ref_strings(g)] for g, _ in positions])
    for (g, _), r in zip(positions, res):
        assert lct_verify.same(r["value"], ref_legal(g)), "\n".join(ref_strings(g))


def test_drop_places_and_rejects():
    m = load()
    calls, expect = [], []
    for g, p in random_positions(2, 300, stop_at_win=False):
        board = ref_strings(g)
        for c in range(C):
            calls.append({"fn": "drop", "args": [board, c, p]})
            expect.append(ref_strings(ref_drop(g, c, p)) if c in ref_legal(g) else None)
        for c in (-1, -C, C, C + 2):
            calls.append({"fn": "drop", "args": [board, c, p]})
            expect.append(None)
    for call, want, r in zip(calls, expect, m.call(calls)):
        col = call["args"][1]
        assert not r["mutated"], "drop must not modify its input"
        if want is not None:
            assert "value" in r and lct_verify.same(r["value"], want), f"drop col {col}: {r}"
        else:
            assert r.get("raised") == "IllegalMove", f"column {col} (out of range or full) must raise IllegalMove"


def test_winner_every_line():
    m = load()
    boards, expect = [], []
    for g, p in line_boards():
        boards.append(ref_strings(g))
        expect.append(p)
        g2 = [row[:] for row in g]
        for y in range(R):
            for x in range(C):
                if g2[y][x] == p:
                    g2[y][x] = "O" if p == "X" else "X"
                    break
            else:
                continue
            break
        boards.append(ref_strings(g2))
        expect.append(ref_winner(g2))
    for b, want, r in zip(boards, expect, m.values("winner", [[b] for b in boards])):
        assert lct_verify.same(r["value"], want), "\n".join(b)


def test_winner_in_played_games():
    m = load()
    positions = random_positions(3, 1500)
    res = m.values("winner", [[ref_strings(g)] for g, _ in positions])
    for (g, _), r in zip(positions, res):
        assert lct_verify.same(r["value"], ref_winner(g)), "\n".join(ref_strings(g))


def test_draw_detection():
    m = load()
    exact = []
    for shift in (0, 1):
        full = pattern_full(shift)
        assert ref_winner(full) is None
        exact.append((ref_strings(full), True))
        won = [row[:] for row in full]
        for x in range(K):
            won[R - 1][x] = "X"
        exact.append((ref_strings(won), False))
        partial = [row[:] for row in full]
        partial[0][C // 2] = "."
        exact.append((ref_strings(partial), False))
    for (b, want), r in zip(exact, m.values("is_draw", [[b] for b, _ in exact])):
        assert r["value"] is want, "\n".join(b)
    positions = random_positions(4, 300)
    res = m.values("is_draw", [[ref_strings(g)] for g, _ in positions])
    for (g, _), r in zip(positions, res):
        assert r["truth"] == (ref_full(g) and ref_winner(g) is None), "\n".join(ref_strings(g))
