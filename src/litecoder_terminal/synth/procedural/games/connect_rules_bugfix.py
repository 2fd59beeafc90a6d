"""Fix the reported bugs in a Connect-N rules module (and, at hard, implement its bot); the verifier plays it."""

from __future__ import annotations

import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

DIMS = [(6, 7, 4), (5, 6, 4), (6, 8, 4), (7, 9, 5), (6, 6, 4), (8, 8, 5), (7, 8, 5)]
PACKAGES = ["c4", "connectn", "dropgame", "fourplay"]

HEADER = '''"""Connect-N rules used by the game server and the CLI (`python3 -m @@PKG@@.cli`).

Board: a list of ROWS strings; row 0 is the TOP row and each string has COLS characters: '.' (empty),
'X' or 'O'. X always moves first. A piece dropped into a column falls to the lowest empty cell.
"""

ROWS = @@ROWS@@
COLS = @@COLS@@
CONNECT = @@CONNECT@@
EMPTY = "."


class IllegalMove(ValueError):
    """Raised for a column that is out of range or already full."""


def new_board():
    """An empty board."""
    return [EMPTY * COLS for _ in range(ROWS)]


def legal_moves(board):
    """Columns (ascending) that still have room for a piece."""
    return [c for c in range(COLS) if board[0][c] == EMPTY]


def drop(board, col, piece):
    """Return a NEW board with `piece` dropped into column `col`; the input board is not modified.

    Raises IllegalMove if `col` is not in 0..COLS-1 or if the column is full.
    """
    if not 0 <= col < COLS:
        raise IllegalMove(f"column {col} out of range")
    for row in range(ROWS - 1, -1, -1):
        if board[row][col] == EMPTY:
            new = list(board)
            new[row] = board[row][:col] + piece + board[row][col + 1:]
            return new
    raise IllegalMove(f"column {col} is full")


def _line(board, row, col, dr, dc):
    """The piece that owns CONNECT cells starting at (row, col) in direction (dr, dc), else None."""
    first = board[row][col]
    if first == EMPTY:
        return None
    for k in range(1, CONNECT):
        if board[row + dr * k][col + dc * k] != first:
            return None
    return first


def winner(board):
    """'X' or 'O' if that player has CONNECT pieces in a row horizontally, vertically or on either
    diagonal; otherwise None."""
    # horizontal
    for row in range(ROWS):
        for col in range(COLS - CONNECT + 1):
            found = _line(board, row, col, 0, 1)
            if found:
                return found
    # vertical
    for row in range(ROWS - CONNECT + 1):
        for col in range(COLS):
            found = _line(board, row, col, 1, 0)
            if found:
                return found
    # diagonal, going down to the right
    for row in range(ROWS - CONNECT + 1):
        for col in range(COLS - CONNECT + 1):
            found = _line(board, row, col, 1, 1)
            if found:
                return found
    # diagonal, going up to the right
    for row in range(CONNECT - 1, ROWS):
        for col in range(COLS - CONNECT + 1):
            found = _line(board, row, col, -1, 1)
            if found:
                return found
    return None


def is_draw(board):
    """True when the board is full and nobody has won."""
    return all(EMPTY not in line for line in board) and winner(board) is None


def next_player(board):
    """Whose turn it is: 'X' when both players have the same number of pieces, otherwise 'O'."""
    xs = sum(line.count("X") for line in board)
    os_ = sum(line.count("O") for line in board)
    return "X" if xs == os_ else "O"
'''

BOT_STUB = '''

def choose_move(board, piece):
    """The house bot's column for `piece` ('X' or 'O') on a board where nobody has won yet:

    1. if some legal column wins immediately for `piece`, play it (the lowest such column);
    2. otherwise, if the opponent could win immediately by dropping into some column, play that column
       (the lowest such column);
    3. otherwise play the legal column closest to the centre of the board; between two equally close
       columns take the lower one.
    """
    raise NotImplementedError("bot not written yet")
'''

BOT_IMPL = '''

def choose_move(board, piece):
    """Win now, else block the lowest immediate threat, else the legal column nearest the centre."""
    other = "O" if piece == "X" else "X"
    moves = legal_moves(board)
    for col in moves:
        if winner(drop(board, col, piece)) == piece:
            return col
    for col in moves:
        if winner(drop(board, col, other)) == other:
            return col
    return min(moves, key=lambda c: (abs(2 * c - (COLS - 1)), c))
'''

CLI = '''"""Play Connect-N in the terminal: `python3 -m @@PKG@@.cli` (two humans, or `--bot` at hard level)."""
import sys

from . import rules


def show(board):
    print(" ".join(str(c % 10) for c in range(rules.COLS)))
    for line in board:
        print(" ".join(line))


def main():
    board = rules.new_board()
    while True:
        show(board)
        if rules.winner(board) or rules.is_draw(board):
            print("winner:", rules.winner(board) or "draw")
            return 0
        player = rules.next_player(board)
        try:
            text = input(f"{player} column> ")
        except EOFError:
            return 1
        try:
            board = rules.drop(board, int(text), player)
        except (ValueError, rules.IllegalMove) as e:
            print("illegal:", e)


if __name__ == "__main__":
    sys.exit(main())
'''

ANTI_GOOD = """    # diagonal, going up to the right
    for row in range(CONNECT - 1, ROWS):
        for col in range(COLS - CONNECT + 1):
            found = _line(board, row, col, -1, 1)
            if found:
                return found
"""

# bug id -> (correct text, buggy text, plausible-but-wrong fix, bug report)
BUGS = {
    "float": ("    for row in range(ROWS - 1, -1, -1):\n        if board[row][col] == EMPTY:",
              "    for row in range(ROWS):\n        if board[row][col] == EMPTY:",
              "    for row in range(ROWS - 1, 0, -1):\n        if board[row][col] == EMPTY:",
              "Pieces float: after a `drop` the new piece sits in the top row of the column instead of on top of "
              "the pieces already in it."),
    "legal": ("    return [c for c in range(COLS) if board[0][c] == EMPTY]",
              "    return [c for c in range(COLS) if board[ROWS - 1][c] == EMPTY]",
              "    return [c for c in range(COLS) if any(board[r][c] == EMPTY for r in range(1, ROWS))]",
              "As soon as a column holds one piece, `legal_moves` stops offering it (and the CLI rejects it)."),
    "edge": ("    # horizontal\n    for row in range(ROWS):\n        for col in range(COLS - CONNECT + 1):",
             "    # horizontal\n    for row in range(ROWS):\n        for col in range(COLS - CONNECT):",
             "    # horizontal\n    for row in range(ROWS):\n        for col in range(COLS - CONNECT + 2):",
             "A horizontal line that ends in the right-most column is not recognised as a win."),
    "antidiag": (ANTI_GOOD, "    # TODO: diagonals going up to the right\n",
                 ANTI_GOOD.replace("range(CONNECT - 1, ROWS)", "range(0, ROWS - CONNECT + 1)"),
                 "Diagonal wins rising from bottom-left to top-right are never detected."),
    "draw": ("    return all(EMPTY not in line for line in board) and winner(board) is None",
             "    return all(EMPTY not in line for line in board)",
             "    return winner(board) is None",
             "A full board is reported as a draw even when the last piece completed a line."),
    "negative": ("    if not 0 <= col < COLS:",
                 "    if col >= COLS:",
                 "    if col < 0 or col > COLS:",
                 "`drop(board, -1, 'X')` does not raise `IllegalMove`; it silently corrupts the board."),
}


@register
class ConnectRulesBugfix(TaskFamily):
    name = "connect_n_rules_bugfix"
    domain = "games"
    title = "Fix a Connect-N rules engine (and write its bot) so it survives verifier play"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        rows, cols, connect = rng.choice(DIMS)
        pkg = rng.choice(PACKAGES)
        ids = sorted(BUGS)
        rng.shuffle(ids)
        n_reported = {"easy": 1, "medium": 2, "hard": 3}[level]
        bugs = ids[:n_reported + (1 if level == "hard" else 0)]
        reported = bugs[:n_reported]
        bot = level == "hard"
        good = (HEADER.replace("@@ROWS@@", str(rows)).replace("@@COLS@@", str(cols))
                .replace("@@CONNECT@@", str(connect)).replace("@@PKG@@", pkg))
        buggy = good
        for b in bugs:
            assert buggy.count(BUGS[b][0]) == 1, b
            buggy = buggy.replace(BUGS[b][0], BUGS[b][1])
        if bot:
            buggy += BOT_STUB
        files: dict[str, str | bytes] = {
            f"environment/app/{pkg}/__init__.py": f'"""Connect-{connect} game package."""\n',
            f"environment/app/{pkg}/rules.py": buggy,
            f"environment/app/{pkg}/cli.py": CLI.replace("@@PKG@@", pkg),
        }
        tracker = "\n".join(f"- #{rng.randint(100, 999)}: {BUGS[b][3]}" for b in reported)
        intro = pick(rng, [
            f"Players of our Connect-{connect} server ({rows} rows x {cols} columns) keep filing bugs against the "
            "rules engine.",
            f"The rules module of the Connect-{connect} game ({rows}x{cols} board) is misbehaving in production.",
            f"Tournament mode for Connect-{connect} on a {rows}x{cols} board is blocked by rules-engine bugs.",
        ])
        more = (" The tracker is known to be incomplete: the docstrings in `rules.py` are the specification, and "
                "anything that contradicts them is a bug too." if level == "hard" else "")
        bot_text = ("\n\nThe server's house bot is still missing: implement `choose_move(board, piece)` in "
                    "`rules.py` exactly as its docstring specifies." if bot else "")
        instruction = textwrap.dedent(f"""\
            {intro} The engine is `/app/{pkg}/rules.py` (a terminal client is `python3 -m {pkg}.cli`, run from
            `/app`). Open issues:

            @@TRACKER@@

            Fix the engine so that every function behaves as its docstring says.{more}@@BOT@@ Keep the module's
            public names, signatures, constants and board format unchanged (a board is a list of row strings,
            row 0 at the top). A verifier will import the module and play it through a large number of
            positions, including edge cases.
            """).replace("@@TRACKER@@", tracker).replace("@@BOT@@", bot_text)

        def patch_script(fixes: dict[str, str], add_bot: str | None) -> str:
            body = "import pathlib\n" + f"p = pathlib.Path('/app/{pkg}/rules.py')\n" + "s = p.read_text()\n"
            for bad, new in fixes.items():
                body += f"assert s.count({bad!r}) == 1\ns = s.replace({bad!r}, {new!r})\n"
            if add_bot:
                body += (f"i = s.index('\\n\\ndef choose_move(')\ns = s[:i] + {add_bot!r}\n")
            body += "p.write_text(s)\n"
            return body

        def script(fixes: dict[str, str], add_bot: str | None, comment: str) -> str:
            return textwrap.dedent(f"""\
                #!/bin/bash
                # {comment}
                set -euo pipefail
                cd /app
                python3 -c 'import {pkg}.rules as r; print(r.ROWS, r.COLS, r.CONNECT)'
                python3 - <<'EOF'
                """) + patch_script(fixes, add_bot) + "EOF\n" + textwrap.dedent(f"""\
                python3 - <<'EOF'
                from {pkg} import rules as r
                b = r.new_board()
                for c in [0, 1, 0, 1, 0, 1]:
                    b = r.drop(b, c, r.next_player(b))
                print("\\n".join(b), r.winner(b), r.legal_moves(b))
                EOF
                """)

        all_fixes = {BUGS[b][1]: BUGS[b][0] for b in bugs}
        files["solution/solve.sh"] = script(all_fixes, BOT_IMPL if bot else None,
                                            "Reference: restore each buggy line to the spec and implement the bot.")
        # Mistake: a plausible but off-by-one fix for the last bug.
        wrong_fix = dict(all_fixes)
        wrong_fix[BUGS[bugs[-1]][1]] = BUGS[bugs[-1]][2]
        files["solution/wrong/off_by_one_fix.sh"] = script(wrong_fix, BOT_IMPL if bot else None,
                                                           "Mistake: one fix is itself off by one.")
        if level == "easy":
            files["solution/wrong/patch_cli_instead.sh"] = textwrap.dedent(f"""\
                #!/bin/bash
                # Mistake: works around the symptom in the CLI, leaving the rules engine wrong.
                cd /app
                sed -i 's/        text = input(f"{{player}} column> ")/        text = input(f"{{player}} column (0-{cols - 1})> ")/' {pkg}/cli.py
                python3 -c 'import {pkg}.cli'
                """)
        else:
            partial = {BUGS[b][1]: BUGS[b][0] for b in bugs[:-1]}
            files["solution/wrong/fix_reported_only.sh" if level == "hard" else "solution/wrong/fix_first_only.sh"] = \
                script(partial, BOT_IMPL if bot else None, "Mistake: leaves one defect unfixed.")
        if bot:
            no_block = BOT_IMPL.replace("        if winner(drop(board, col, other)) == other:\n            return col\n",
                                        "        pass\n")
            assert no_block != BOT_IMPL
            files["solution/wrong/bot_never_blocks.sh"] = script(all_fixes, no_block,
                                                                 "Mistake: the bot wins when it can but never blocks.")
        spec = {"rows": rows, "cols": cols, "connect": connect, "pkg": pkg, "bot": bot}
        files["tests/test_outputs.py"] = TEST.replace("@@SPEC@@", json.dumps(spec)) + (TEST_BOT if bot else "")
        return TaskDraft(
            instruction=instruction, dockerfile_body="COPY app/ /app/\nWORKDIR /app\n", files=files,
            artifacts=[f"/app/{pkg}"],
            tags=["game-engine", "connect-four", "bugfix", "python"],
            agent_timeout_sec={"easy": 900, "medium": 1200, "hard": 1800}[level], verifier_timeout_sec=180,
            expert_minutes={"easy": 10, "medium": 20, "hard": 35}[level],
        )


TEST = r'''"""Play the agent's rules module through many positions and compare with an independent referee."""

import json
import random

import lct_verify

SPEC = json.loads("""@@SPEC@@""")
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
'''

TEST_BOT = r'''

def test_bot_follows_its_spec():
    m = load()
    positions = [(g, p) for g, p in random_positions(5, 1200) if not ref_winner(g) and ref_legal(g)]
    assert len(positions) > 500
    res = m.values("choose_move", [[ref_strings(g), p] for g, p in positions])
    for (g, p), r in zip(positions, res):
        assert lct_verify.same(r["value"], ref_bot(g, p)), "\n".join(ref_strings(g)) + f"\n{p} to move"
'''
