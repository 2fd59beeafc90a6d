

def test_bot_follows_its_spec():
    m = load()
    positions = [(g, p) for g, p in random_positions(5, 1200) if not ref_winner(g) and ref_legal(g)]
    assert len(positions) > 500
    res = m.values("choose_move", [[ref_strings(g), p] for g, p in positions])
    for (g, p), r in zip(positions, res):
        assert lct_verify.same(r["value"], ref_bot(g, p)), "\n".join(ref_strings(g)) + f"\n{p} to move"
