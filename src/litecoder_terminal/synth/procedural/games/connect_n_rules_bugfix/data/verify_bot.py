

def test_bot_follows_its_spec():
    m = load()
    positions = [(g, p) for g, p in random_positions(5, 1200) if not ref_winner(g) and ref_legal(g)]
    assert len(positions) > 500
    res = m.values("choose_move", [[ref_strings(g), p] for g, p in positions])
    for (g, p), r in zip(positions, res):
        assert lct_verify.same(r["value"], ref_bot(g, p)), "\n".join(ref_strings(g)) + f"\n{p} to move"


def test_bot_prefers_the_centre_when_central_columns_are_full():
    """Random play rarely fills the middle: here the k most central columns are full, so rule 3's distance and
    tie-break decide (a bot that mis-measures the centre passes random positions but not these)."""
    m = load()
    order = sorted(range(C), key=lambda c: (abs(2 * c - (C - 1)), c))
    cases = []
    for k in range(1, C):
        for shift in (0, 1):
            full = pattern_full(shift)
            g = [[full[r][c] if c in order[:k] else "." for c in range(C)] for r in range(R)]
            if ref_winner(g) is None and ref_legal(g):
                cases += [(g, p) for p in "XO"]
    assert len(cases) >= C
    res = m.values("choose_move", [[ref_strings(g), p] for g, p in cases])
    for (g, p), r in zip(cases, res):
        assert lct_verify.same(r["value"], ref_bot(g, p)), "\n".join(ref_strings(g)) + f"\n{p} to move"
