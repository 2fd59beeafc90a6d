"""Replay every logged session: the player's moves must be legal, and against the house's own strategy
(recomputed here, not read from the log) they must win every round."""

import json
from pathlib import Path

import lct_verify

ROUNDS = lct_verify.expected()["rounds"]  # as the task was made (the game in the image may have been edited)
LOG = Path("@@log@@")


def options(heaps, take, split):
    result = []
    for i, n in enumerate(heaps):
        for k in take:
            if k <= n:
                result.append(("take", i, k))
        if split:
            for a in range(1, n):
                if a < n - a:
                    result.append(("split", i, a))
    return result


def do(heaps, mv):
    out = heaps[:]
    out[mv[1]] -= mv[2]
    if mv[0] == "split":
        out = out + [mv[2]]
    return out


def values(take, split, top):
    g = [0] * (top + 1)
    for n in range(top + 1):
        reach = set()
        for k in take:
            if k <= n:
                reach.add(g[n - k])
        if split:
            for a in range(1, (n + 1) // 2):
                reach.add(g[a] ^ g[n - a])
        v = 0
        while v in reach:
            v += 1
        g[n] = v
    return g


def house(heaps, take, split, g):
    opts = options(heaps, take, split)
    for mv in opts:
        total = 0
        for n in do(heaps, mv):
            total ^= g[n]
        if total == 0:
            return mv
    return opts[0] if opts else None


def session_wins(player_moves):
    for r, spec in enumerate(ROUNDS, 1):
        heaps, take, split = list(spec["heaps"]), spec["take"], spec["split"]
        g = values(take, split, sum(heaps))
        mine = [tuple(m) for m in player_moves.get(r, [])]
        won = False
        for i, mv in enumerate(mine):
            if mv not in options(heaps, take, split):
                return False
            heaps = do(heaps, mv)
            reply = house(heaps, take, split, g)
            if reply is None:
                won = i == len(mine) - 1
                break
            heaps = do(heaps, reply)
        if not won:
            return False
    return True


def test_logged_session_beats_the_house():
    assert LOG.is_file() and not LOG.is_symlink(), f"{LOG} is missing"
    sessions, cleared = {}, set()
    for n, line in enumerate(LOG.read_text().splitlines(), 1):
        if not line.strip():
            continue
        e = json.loads(line)
        assert isinstance(e, dict) and isinstance(e.get("session"), int), f"line {n} is no game event: {line!r}"
        if e.get("event") == "move" and e.get("who") == "you":
            sessions.setdefault(e["session"], {}).setdefault(e["round"], []).append(e["move"])
        if e.get("event") == "cleared":
            cleared.add(e["session"])
    # the moves must win, and the game itself must have recorded that session as cleared
    assert any(session_wins(moves) and s in cleared for s, moves in sorted(sessions.items())), \
        "no session in the log wins every round against the house"
