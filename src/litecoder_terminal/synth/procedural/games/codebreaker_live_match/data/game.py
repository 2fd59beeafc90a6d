#!/usr/bin/env python3
"""@@title@@ -- a terminal code-breaking game.

The house is a sore loser: it never picks its secret in advance. After every guess it answers with the
feedback (black = right colour in the right place, white = right colour in the wrong place) that keeps the
largest number of codes still possible; ties are broken by its fixed preference list (in
the .rules.json file beside this program), and it only admits
defeat when exactly one code is left and you guess it.

Every accepted guess is appended to the move log; a new session is started each time the game is launched.
"""
import json
import sys
from itertools import permutations, product

with open(__file__[:-3] + ".rules.json") as _f:
    _RULES = json.load(_f)
ROUNDS = _RULES["rounds"]
PREFERENCES = _RULES["preferences"]
LOG = "@@log@@"
WORD = "@@word@@"


def feedback(secret, guess):
    black = sum(a == b for a, b in zip(secret, guess))
    common = sum(min(secret.count(c), guess.count(c)) for c in set(guess))
    return black, common - black


def all_codes(pegs, colours, repeats):
    letters = "ABCDEFGHIJ"[:colours]
    it = product(letters, repeat=pegs) if repeats else permutations(letters, pegs)
    return ["".join(c) for c in it]


def log(entry):
    with open(LOG, "a") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")


def main():
    with open(LOG, "a+") as f:
        f.seek(0)
        session = sum(1 for line in f if '"start"' in line) + 1
    log({"event": "start", "session": session})
    print(f"== @@title@@ == (session {session})", flush=True)
    for r, (pegs, colours, repeats, limit) in enumerate(ROUNDS, 1):
        letters = "ABCDEFGHIJ"[:colours]
        alive = all_codes(pegs, colours, repeats)
        prefs = [tuple(p) for p in PREFERENCES[r - 1]]
        print(f"Round {r}/{len(ROUNDS)}: {WORD} of {pegs} pegs, colours {letters}, "
              f"repeats {'allowed' if repeats else 'not allowed'}. You have {limit} guesses.", flush=True)
        used = 0
        while True:
            try:
                guess = input(f"guess {used + 1}/{limit}> ").strip().upper()
            except EOFError:
                print("\nbye", flush=True)
                return 2
            if guess in ("QUIT", "EXIT"):
                print("bye", flush=True)
                return 2
            if len(guess) != pegs or any(c not in letters for c in guess) or \
                    (not repeats and len(set(guess)) != pegs):
                print(f"  invalid guess {guess!r}: need {pegs} of {letters}"
                      + ("" if repeats else ", all different"), flush=True)
                continue
            used += 1
            classes = {}
            for code in alive:
                classes.setdefault(feedback(code, guess), []).append(code)
            win = (pegs, 0)
            options = [fb for fb in classes if fb != win] or [win]
            best = max(options, key=lambda fb: (len(classes[fb]), -prefs.index(fb)))
            alive = classes[best]
            log({"event": "guess", "session": session, "round": r, "n": used, "guess": guess,
                 "black": best[0], "white": best[1]})
            print(f"  {guess} -> black {best[0]} white {best[1]}", flush=True)
            if best == win:
                print(f"Round {r} cracked in {used} guesses!", flush=True)
                log({"event": "round_won", "session": session, "round": r})
                break
            if used >= limit:
                print(f"Out of guesses. The {WORD} could still have been any of {len(alive)} codes. GAME OVER",
                      flush=True)
                log({"event": "lost", "session": session, "round": r})
                return 1
    print("ALL ROUNDS CLEARED", flush=True)
    log({"event": "cleared", "session": session})
    return 0


if __name__ == "__main__":
    sys.exit(main())
