#!/bin/bash
# Alternative: a pure-Python minimax player (no numpy) that reads the round header from the screen, opens with
# the best guess of each letter-count pattern (all codes alive are symmetric), then plays full minimax.
set -eu
cat > /tmp/alt_player.py <<'PY'
import re
import subprocess
import sys
from collections import Counter
from itertools import permutations, product


def fb(a, b):
    black = sum(x == y for x, y in zip(a, b))
    ca, cb = Counter(a), Counter(b)
    return black * 10 + sum(min(ca[k], cb[k]) for k in ca) - black


def worst(guess, alive):
    return max(Counter(fb(guess, c) for c in alive).values())


game = subprocess.Popen([sys.executable, sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                        bufsize=1)


def line():
    text = game.stdout.readline()
    if not text:
        sys.exit("the game ended")
    print(text, end="")
    return text


while True:
    head = line()
    if "ALL ROUNDS CLEARED" in head:
        break
    m = re.search(r"of (\d+) pegs, colours ([A-J]+), repeats (allowed|not allowed)", head)
    if not m:
        continue
    pegs, letters, repeats = int(m.group(1)), m.group(2), m.group(3) == "allowed"
    codes = ["".join(c) for c in (product(letters, repeat=pegs) if repeats else permutations(letters, pegs))]
    alive = list(codes)
    first = True
    while True:
        if first:
            reps = {}
            for c in codes:
                reps.setdefault(tuple(sorted(Counter(c).values())), c)
            pool = sorted(reps.values())
        else:
            pool = codes
        alive_set = set(alive)
        guess = min(pool, key=lambda g: (worst(g, alive), g not in alive_set, g)) if len(alive) > 1 else alive[0]
        first = False
        game.stdin.write(guess + "\n")
        game.stdin.flush()
        while True:
            r = re.search(r"-> black (\d+) white (\d+)", line())
            if r:
                break
        b, w = int(r.group(1)), int(r.group(2))
        if b == pegs:
            break
        alive = [c for c in alive if fb(guess, c) == b * 10 + w]
game.wait()
PY
python3 /tmp/alt_player.py @@game@@
