#!/usr/bin/env python3
"""@@title@@ -- a terminal duel against the house.

Each round starts from a row of @@heap@@s. On your turn you either take some @@item@@ from ONE @@heap@@ (only the
amounts allowed in that round) or, where the round allows it, split one @@heap@@ into two non-empty @@heap@@s of
different sizes (the new @@heap@@ is appended at the end of the row). Whoever cannot move loses. You always move first.

The house plays perfectly: it computes Sprague-Grundy values and makes the FIRST move (in the order: @@heap@@s left
to right; for each @@heap@@ the takes by increasing amount, then the splits by increasing size of the part that is
appended) that leaves a position of Grundy value 0; when no such move exists it makes the first legal move.

Input: `take H K` (or just `H K`) takes K from @@heap@@ H (1-based); `split H A` splits @@heap@@ H and appends a new
@@heap@@ of A (@@heap@@ H keeps the rest, which must differ from A). Every move is appended to the move log.
"""
import json
import sys

with open(__file__[:-3] + ".rules.json") as _f:
    ROUNDS = json.load(_f)["rounds"]
LOG = "@@log@@"


@@heaps_rules@@


def log(entry):
    with open(LOG, "a") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")


def parse(text, heaps, take, split):
    parts = text.lower().replace(",", " ").split()
    if parts and parts[0] in ("take", "split"):
        kind, parts = parts[0], parts[1:]
    else:
        kind = "take"
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    h, x = int(parts[0]) - 1, int(parts[1])
    mv = (kind, h, x)
    return mv if mv in legal_moves(heaps, take, split) else None


def main():
    with open(LOG, "a+") as f:
        f.seek(0)
        session = sum(1 for line in f if '"start"' in line) + 1
    log({"event": "start", "session": session})
    print(f"== @@title@@ == (session {session})", flush=True)
    for r, rnd in enumerate(ROUNDS, 1):
        heaps, take, split = list(rnd["heaps"]), rnd["take"], rnd["split"]
        g = grundy(take, split, max(heaps))
        rule = f"take {', '.join(map(str, take))} @@item@@ from one @@heap@@" + (
            " or split a @@heap@@ into two unequal @@heap@@s" if split else "")
        print(f"Round {r}/{len(ROUNDS)}: {rule}; whoever cannot move loses; you move first", flush=True)
        while True:
            print("@@heap@@s: " + " ".join(map(str, heaps)), flush=True)
            if not legal_moves(heaps, take, split):
                print(f"You cannot move. The house wins round {r}. GAME OVER", flush=True)
                log({"event": "lost", "session": session, "round": r})
                return 1
            try:
                text = input("your move> ")
            except EOFError:
                print("\nbye", flush=True)
                return 2
            if text.strip().lower() in ("quit", "exit"):
                return 2
            mv = parse(text, heaps, take, split)
            if mv is None:
                print(f"  illegal move {text.strip()!r}", flush=True)
                continue
            heaps = play(heaps, mv)
            log({"event": "move", "session": session, "round": r, "who": "you", "move": list(mv)})
            print(f"  you: {mv[0]} {mv[1] + 1} {mv[2]}", flush=True)
            options = legal_moves(heaps, take, split)
            if not options:
                print(f"The house cannot move. You win round {r}!", flush=True)
                log({"event": "round_won", "session": session, "round": r})
                break
            reply = options[0]
            for cand in options:
                x = 0
                for n in play(heaps, cand):
                    x ^= g[n]
                if x == 0:
                    reply = cand
                    break
            heaps = play(heaps, reply)
            log({"event": "move", "session": session, "round": r, "who": "house", "move": list(reply)})
            print(f"  house: {reply[0]} {reply[1] + 1} {reply[2]}", flush=True)
    print("ALL ROUNDS WON", flush=True)
    log({"event": "cleared", "session": session})
    return 0


if __name__ == "__main__":
    sys.exit(main())
