"""Replay the move log against an independent implementation of the house's rules."""

import json
from itertools import permutations, product
from pathlib import Path

import lct_verify

RULES = lct_verify.expected()  # the rules as the task was made (the game in the image may have been edited)
ROUNDS = RULES["rounds"]
PREFS = RULES["preferences"]
LOG = Path("@@log@@")


def answer(code, guess):
    exact = sum(1 for x, y in zip(code, guess) if x == y)
    shared = 0
    for ch in sorted(set(code) | set(guess)):
        shared += min(code.count(ch), guess.count(ch))
    return (exact, shared - exact)


def replay_session(moves):
    """True if these guesses win every round within its limit under the house's rules."""
    by_round = {}
    for m in moves:
        by_round.setdefault(m["round"], []).append(m["guess"])
    for r, (pegs, colours, repeats, limit) in enumerate(ROUNDS, 1):
        letters = "ABCDEFGHIJ"[:colours]
        pool = product(letters, repeat=pegs) if repeats else permutations(letters, pegs)
        alive = ["".join(p) for p in pool]
        order = [tuple(p) for p in PREFS[r - 1]]
        guesses = by_round.get(r, [])
        won = False
        for i, g in enumerate(guesses, 1):
            assert len(g) == pegs and set(g) <= set(letters), f"illegal guess {g!r}"
            assert repeats or len(set(g)) == pegs, f"illegal guess {g!r}"
            if i > limit:
                return False
            groups = {}
            for code in alive:
                groups.setdefault(answer(code, g), []).append(code)
            keys = [k for k in groups if k != (pegs, 0)] or [(pegs, 0)]
            keys.sort(key=lambda k: (-len(groups[k]), order.index(k)))
            alive = groups[keys[0]]
            if keys[0] == (pegs, 0):
                won = i == len(guesses)
                break
        if not won:
            return False
    return True


def sessions():
    """session -> its events, in log order. The log must be the game's own: JSON objects, one per line."""
    assert LOG.is_file() and not LOG.is_symlink(), f"{LOG} is missing"
    out = {}
    for n, line in enumerate(LOG.read_text().splitlines(), 1):
        if not line.strip():
            continue
        e = json.loads(line)
        assert isinstance(e, dict) and isinstance(e.get("session"), int), f"line {n} is no game event: {line!r}"
        out.setdefault(e["session"], []).append(e)
    return out


def is_win(events):
    """The guesses beat every round under the house's rules, and the game itself recorded the session cleared."""
    guesses = [e for e in events if e.get("event") == "guess"]
    return replay_session(guesses) and events[-1].get("event") == "cleared"


def test_some_session_is_a_legal_win():
    found = [s for s, events in sorted(sessions().items()) if is_win(events)]
    assert found, "no session in the move log beats every round within the limits"
