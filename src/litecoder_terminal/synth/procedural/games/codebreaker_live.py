"""Beat a live code-breaking game whose "house" never commits to a code (an adversarial Mastermind)."""

from __future__ import annotations

import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

THEMES = [
    ("codebreaker", "CODEBREAKER", "code"),
    ("vault", "VAULT DOOR", "combination"),
    ("safecracker", "SAFECRACKER", "dial sequence"),
]
ALPHABET = "ABCDEFGHIJ"

# (pegs, colours, repeats allowed, guess limit) per round. Limits leave one guess of slack over what a
# minimax (Knuth-style) player needs against this adversary; a plain "first consistent code" player needs more.
ROUNDS = {
    "easy": [[(4, 6, False, 7)]],
    "medium": [[(4, 6, False, 6), (4, 6, True, 7)], [(4, 6, True, 7), (4, 6, False, 6)]],
    "hard": [[(4, 6, True, 6), (4, 8, False, 7), (4, 7, True, 7)],
             [(4, 8, False, 7), (4, 6, True, 6), (4, 7, True, 7)]],
}

GAME = r'''#!/usr/bin/env python3
"""@@TITLE@@ -- a terminal code-breaking game.

The house is a sore loser: it never picks its secret in advance. After every guess it answers with the
feedback (black = right colour in the right place, white = right colour in the wrong place) that keeps the
largest number of codes still possible; ties are broken by its fixed preference list below, and it only admits
defeat when exactly one code is left and you guess it.

Every accepted guess is appended to the move log; a new session is started each time the game is launched.
"""
import json
import sys
from itertools import permutations, product

ROUNDS = @@ROUNDS@@
PREFERENCES = @@PREFS@@
LOG = "@@LOG@@"
WORD = "@@WORD@@"


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
    print(f"== @@TITLE@@ == (session {session})", flush=True)
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
'''

PLAYER = r'''
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
'''


def _prefs(rng: random.Random, pegs: int) -> list[list[int]]:
    fbs = [[b, w] for b in range(pegs + 1) for w in range(pegs + 1 - b)]
    rng.shuffle(fbs)
    return fbs


@register
class CodebreakerLive(TaskFamily):
    name = "codebreaker_live_match"
    domain = "games"
    title = "Beat an adversarial code-breaking game through its terminal interface"
    interactive = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        prog, title, word = rng.choice(THEMES)
        rounds = [list(r) for r in rng.choice(ROUNDS[level])]
        prefs = [_prefs(rng, r[0]) for r in rounds]
        game_path = f"/app/{prog}.py"
        log_path = pick(rng, [f"/var/log/{prog}/moves.jsonl", f"/app/logs/{prog}_moves.jsonl",
                              f"/srv/games/{prog}/moves.jsonl"])
        game = (GAME.replace("@@TITLE@@", title).replace("@@ROUNDS@@", repr(rounds))
                .replace("@@PREFS@@", json.dumps(prefs)).replace("@@LOG@@", log_path).replace("@@WORD@@", word))
        files: dict[str, str | bytes] = {f"environment/app/{prog}.py": game}
        table = "\n".join(f"| {i} | {p} | {c} (`{ALPHABET[:c]}`) | {'yes' if rep else 'no'} | {lim} |"
                          for i, (p, c, rep, lim) in enumerate(rounds, 1))
        intro = pick(rng, [
            f"The arcade team shipped `{game_path}`, a terminal {word}-breaking game, and claims nobody can beat it.",
            f"QA needs a recorded winning run of `{game_path}` (our terminal {word}-breaking game) for the release "
            "sign-off.",
            f"We are preparing a demo of `{game_path}`; we need proof that its hardest setting is winnable.",
        ])
        instruction = textwrap.dedent(f"""\
            {intro}

            Start it with `python3 {game_path}` and play it through its terminal interface (interactively, in
            tmux, or by driving its stdin/stdout from a script). Each session has {len(rounds)} round{'s' if len(rounds) > 1 else ''}:

            | round | pegs | colours | repeats | guesses allowed |
            |---|---|---|---|---|
            @@TABLE@@

            A guess is one line of letters (for example `{ALPHABET[:rounds[0][0]]}`); the game answers
            `black B white W` (B = right letter in the right place, W = right letter in the wrong place). The
            house does not fix its {word} in advance: it always gives the answer that keeps the most codes
            possible (its exact rules are in the program's source, which you may read). Losing a round ends the
            session; you may start as many sessions as you like.

            Win every round of one session within the limits. The game appends every accepted move to
            `{log_path}`; a grader will replay that log against the game's rules, so do not edit the game or the
            log.
            """).replace("@@TABLE@@", table)  # after dedent: the multi-line table would defeat it
        solve = textwrap.dedent(f"""\
            #!/bin/bash
            # Reference: a minimax (Knuth-style) player that drives the game over pipes.
            set -euo pipefail
            sed -n '1,20p' {game_path}
            cat > /tmp/player.py <<'EOF'
            """) + PLAYER + "EOF\n" + textwrap.dedent(f"""\
            python3 /tmp/player.py {game_path} minimax
            tail -n 3 {log_path}
            """)
        files["solution/solve.sh"] = solve
        files["solution/wrong/first_consistent_player.sh"] = solve.replace(f"{game_path} minimax",
                                                                           f"{game_path} first_consistent || true")
        if level == "easy":
            # first-consistent play wins easy, so this check is replaced by a cheat: raise the limit, play blind
            files["solution/wrong/first_consistent_player.sh"] = solve.replace(
                f"python3 /tmp/player.py {game_path} minimax",
                f"sed -i 's/, {rounds[0][3]}]]/, 400]]/' {game_path}\n"
                f"python3 /tmp/player.py {game_path} blind || true")
        files["solution/wrong/forged_log.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            # Mistake: writes a "winning" log without beating the house.
            mkdir -p "$(dirname {log_path})"
            {{
              echo '{{"event": "start", "session": 1}}'
              echo '{{"black": {rounds[0][0]}, "event": "guess", "guess": "{ALPHABET[:rounds[0][0]]}", "n": 1, "round": 1, "session": 1, "white": 0}}'
              echo '{{"event": "cleared", "session": 1}}'
            }} >> {log_path}
            """)
        files["tests/test_outputs.py"] = TEST.replace("@@ROUNDS@@", repr(rounds)).replace(
            "@@PREFS@@", json.dumps(prefs)).replace("@@LOG@@", log_path)
        log_dir = log_path.rsplit("/", 1)[0]
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY app/ /app/\nRUN mkdir -p {log_dir} && chmod +x {game_path}\nWORKDIR /app\n",
            files=files, artifacts=[log_path], tags=["interactive", "mastermind", "adversarial", "game"],
            agent_timeout_sec={"easy": 900, "medium": 1200, "hard": 1800}[level], verifier_timeout_sec=120,
            expert_minutes={"easy": 15, "medium": 30, "hard": 45}[level],
        )


TEST = r'''"""Replay the move log against an independent implementation of the house's rules."""

import json
from itertools import permutations, product
from pathlib import Path

ROUNDS = @@ROUNDS@@
PREFS = @@PREFS@@
LOG = Path("@@LOG@@")


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
    out = {}
    for line in LOG.read_text().splitlines():
        if not line.strip():
            continue
        e = json.loads(line)
        if e.get("event") == "guess":
            out.setdefault(e["session"], []).append(e)
    return out


def test_some_session_is_a_legal_win():
    found = [s for s, moves in sorted(sessions().items()) if replay_session(moves)]
    assert found, "no session in the move log beats every round within the limits"
'''
