import re, subprocess, sys
from itertools import permutations, product
import numpy as np

GAME = sys.argv[1]
STRATEGY = sys.argv[2]  # minimax | first_consistent | blind


def codes(pegs, colours, repeats):
    letters = "ABCDEFGHIJ"[:colours]
    it = product(letters, repeat=pegs) if repeats else permutations(letters, pegs)
    return ["".join(c) for c in it]


def score_matrix(cs, colours):
    a = np.array([[ord(ch) - 65 for ch in c] for c in cs])
    black = (a[:, None, :] == a[None, :, :]).sum(-1)
    common = np.zeros_like(black)
    for k in range(colours):
        cnt = (a == k).sum(1)
        common += np.minimum(cnt[:, None], cnt[None, :])
    return black * 10 + (common - black)


proc = subprocess.Popen(["python3", GAME], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)


def readline():
    line = proc.stdout.readline()
    if not line:
        raise SystemExit("game ended")
    sys.stdout.write(line)
    return line


while True:
    line = readline()
    if "ALL ROUNDS CLEARED" in line:
        break
    m = re.search(r"Round (\d+)/(\d+): .* of (\d+) pegs, colours ([A-J]+), repeats (allowed|not allowed)\. "
                  r"You have (\d+) guesses", line)
    if not m:
        continue
    pegs, colours, repeats = int(m.group(3)), len(m.group(4)), m.group(5) == "allowed"
    cs = codes(pegs, colours, repeats)
    M = score_matrix(cs, colours)
    alive = np.arange(len(cs))
    n = 0
    while True:
        n += 1
        if STRATEGY == "minimax":
            sub = M[:, alive]
            counts = np.stack([(sub == v).sum(1) for v in range(pegs * 10 + 1)], 1)
            in_alive = np.zeros(len(cs), bool)
            in_alive[alive] = True
            g = int(np.argmin(counts.max(1) * 2 + (~in_alive)))
        elif STRATEGY == "first_consistent":
            g = int(alive[0])
        else:
            g = n - 1
        proc.stdin.write(cs[g] + "\n")
        proc.stdin.flush()
        while True:
            fb = re.search(r"-> black (\d+) white (\d+)", readline())
            if fb:
                break
        b, w = int(fb.group(1)), int(fb.group(2))
        if b == pegs:
            break
        alive = alive[M[g, alive] == b * 10 + w]
proc.wait()
