"""The heap games' rules: pasted into the game and the reference player (one source), imported by
family.py for its build-time checks. The verifier keeps an independent copy."""


def legal_moves(heaps, take, split):
    out = []
    for i, n in enumerate(heaps):
        out += [("take", i, k) for k in take if k <= n]
        if split:
            out += [("split", i, a) for a in range(1, n) if a < n - a]
    return out


def play(heaps, mv):
    kind, i, x = mv
    heaps = list(heaps)
    heaps[i] -= x
    if kind == "split":
        heaps.append(x)
    return heaps


def grundy(take, split, upto):
    g = []
    for n in range(upto + 1):
        opts = {g[n - k] for k in take if k <= n}
        if split:
            opts |= {g[a] ^ g[n - a] for a in range(1, n) if a < n - a}
        m = 0
        while m in opts:
            m += 1
        g.append(m)
    return g
