"""Play Connect-N in the terminal: `python3 -m @@pkg@@.cli` (two humans, or `--bot` at hard level)."""
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
