#!/bin/bash
# Alternative: Grundy values by memoized recursion, and among the winning moves the one on the RIGHTMOST heap
# with the largest take (a different winning line from the reference's); the rules come from the game's header.
set -eu
cat > /tmp/alt_heaps.py <<'PY'
import functools
import re
import subprocess
import sys

game = subprocess.Popen([sys.executable, sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                        bufsize=1)
take, split = None, False


@functools.lru_cache(maxsize=None)
def grundy(n, rule):
    take, split = rule
    seen = {grundy(n - k, rule) for k in take if k <= n}
    if split:
        seen |= {grundy(a, rule) ^ grundy(n - a, rule) for a in range(1, n) if a < n - a}
    return next(v for v in range(len(seen) + 1) if v not in seen)


def moves(heaps):
    for i in reversed(range(len(heaps))):
        for k in sorted(take, reverse=True):
            if k <= heaps[i]:
                yield ("take", i, k)
        if split:
            for a in range(1, heaps[i]):
                if a < heaps[i] - a:
                    yield ("split", i, a)


def value(heaps):
    x = 0
    for n in heaps:
        x ^= grundy(n, (tuple(take), split))
    return x


for line in game.stdout:
    print(line, end="")
    m = re.search(r"Round \d+/\d+: take ([\d, ]+) \w+ from one \w+( or split)?", line)
    if m:
        take, split = [int(x) for x in m.group(1).split(",")], bool(m.group(2))
        continue
    m = re.search(r"^\w+s: ([\d ]+)$", line.strip())
    if m and take is not None:
        heaps = [int(x) for x in m.group(1).split()]
        best = None
        for kind, i, x in moves(heaps):
            after = list(heaps)
            after[i] -= x
            if kind == "split":
                after.append(x)
            if value(after) == 0:
                best = (kind, i, x)
                break
        kind, i, x = best or next(moves(heaps))
        game.stdin.write(f"{kind} {i + 1} {x}\n")
        game.stdin.flush()
game.wait()
sys.exit(game.returncode)
PY
python3 /tmp/alt_heaps.py @@game@@
