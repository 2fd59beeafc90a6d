"""Connect-N rules used by the game server and the CLI (`python3 -m @@pkg@@.cli`).

Board: a list of ROWS strings; row 0 is the TOP row and each string has COLS characters: '.' (empty),
'X' or 'O'. X always moves first. A piece dropped into a column falls to the lowest empty cell.
"""

ROWS = @@rows@@
COLS = @@cols@@
CONNECT = @@connect@@
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
