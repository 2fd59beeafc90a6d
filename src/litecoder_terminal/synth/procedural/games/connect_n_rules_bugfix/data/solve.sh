#!/bin/bash
# Reference: restore each buggy line to the spec and implement the bot where its stub is.
set -euo pipefail
cd /app
# The module's docstrings are the spec; check the board size before touching anything.
sed -n '1,12p' @@pkg@@/rules.py
python3 -c 'import @@pkg@@.rules as r; print(r.ROWS, r.COLS, r.CONNECT)'
cat > /tmp/bot.py <<'PY'
def choose_move(board, piece):
    """Win now, else block the lowest immediate threat, else the legal column nearest the centre."""
    other = "O" if piece == "X" else "X"
    moves = legal_moves(board)
    for col in moves:
        if winner(drop(board, col, piece)) == piece:
            return col
    for col in moves:
@@block@@    return min(moves, key=lambda c: (abs(2 * c - (COLS - 1)), c))
PY
python3 - <<'PY'
import pathlib
p = pathlib.Path('/app/@@pkg@@/rules.py')
s = p.read_text()
@@fixes@@
@@skip_last@@s = s.replace(@@last_bad@@, @@last_fix@@)
if '\n\ndef choose_move(' in s:
    s = s[:s.index('\n\ndef choose_move(')] + '\n\n' + pathlib.Path('/tmp/bot.py').read_text()
p.write_text(s)
PY
# Play a short game through the fixed engine.
python3 - <<'PY'
from @@pkg@@ import rules as r
b = r.new_board()
for c in [0, 1, 0, 1, 0, 1]:
    b = r.drop(b, c, r.next_player(b))
print("\n".join(b), r.winner(b), r.legal_moves(b))
PY
