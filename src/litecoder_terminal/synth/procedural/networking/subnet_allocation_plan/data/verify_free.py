

def test_free_space():
    taken = reserved() + list(expected_plan().values())
    free = [BLOCK]
    for t in taken:
        nxt = []
        for f in free:
            nxt.extend(f.address_exclude(t) if f.overlaps(t) else [f])
        free = nxt
    want = [str(n) for n in ipaddress.collapse_addresses(free)]
    got = [ln.strip() for ln in output(P["free"]).splitlines() if ln.strip()]
    assert got == want
