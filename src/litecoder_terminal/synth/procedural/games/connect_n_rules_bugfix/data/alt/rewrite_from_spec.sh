#!/bin/bash
# Alternative: instead of patching lines, rewrite the rules module from its docstrings (keeping its constants
# and public names), with a table-driven line scan; the bot is written only if the module declares one.
set -eu
cd /app
python3 - <<'PY'
import pathlib
import re

p = pathlib.Path("/app/@@pkg@@/rules.py")
old = p.read_text()
const = {k: int(re.search(rf"^{k} = (\d+)$", old, re.M).group(1)) for k in ("ROWS", "COLS", "CONNECT")}
doc = old.split('"""', 2)[1]
new = f'''"""{doc}"""

ROWS = {const["ROWS"]}
COLS = {const["COLS"]}
CONNECT = {const["CONNECT"]}
EMPTY = "."


class IllegalMove(ValueError):
    """Raised for a column that is out of range or already full."""


def new_board():
    return [EMPTY * COLS for _ in range(ROWS)]


def legal_moves(board):
    return [c for c in range(COLS) if any(board[r][c] == EMPTY for r in range(ROWS))]


def drop(board, col, piece):
    if not isinstance(col, int) or col < 0 or col >= COLS:
        raise IllegalMove(f"column {{col}} out of range")
    free = [r for r in range(ROWS) if board[r][col] == EMPTY]
    if not free:
        raise IllegalMove(f"column {{col}} is full")
    r = max(free)
    out = list(board)
    out[r] = board[r][:col] + piece + board[r][col + 1:]
    return out


def winner(board):
    for r in range(ROWS):
        for c in range(COLS):
            p = board[r][c]
            if p == EMPTY:
                continue
            for dr, dc in ((0, 1), (1, 0), (1, 1), (-1, 1)):
                end_r, end_c = r + dr * (CONNECT - 1), c + dc * (CONNECT - 1)
                if 0 <= end_r < ROWS and 0 <= end_c < COLS and all(
                        board[r + dr * k][c + dc * k] == p for k in range(CONNECT)):
                    return p
    return None


def is_draw(board):
    return not any(EMPTY in line for line in board) and winner(board) is None


def next_player(board):
    xs = sum(line.count("X") for line in board)
    os_ = sum(line.count("O") for line in board)
    return "X" if xs == os_ else "O"
'''
if "def choose_move(" in old:
    new += '''

def choose_move(board, piece):
    other = "O" if piece == "X" else "X"
    moves = legal_moves(board)
    for who in (piece, other):
        hits = [c for c in moves if winner(drop(board, c, who)) == who]
        if hits:
            return hits[0]
    return sorted(moves, key=lambda c: (abs(2 * c - (COLS - 1)), c))[0]
'''
p.write_text(new)
PY
python3 -c 'import @@pkg@@.rules as r; print(r.legal_moves(r.new_board()))'
