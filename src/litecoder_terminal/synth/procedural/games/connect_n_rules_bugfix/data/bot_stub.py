

def choose_move(board, piece):
    """The house bot's column for `piece` ('X' or 'O') on a board where nobody has won yet:

    1. if some legal column wins immediately for `piece`, play it (the lowest such column);
    2. otherwise, if the opponent could win immediately by dropping into some column, play that column
       (the lowest such column);
    3. otherwise play the legal column closest to the centre of the board; between two equally close
       columns take the lower one.
    """
    raise NotImplementedError("bot not written yet")
