"""Beat a perfect-play house bot at take-away heap games (Nim variants) through the game's terminal interface."""

from __future__ import annotations

import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

THEMES = [("stones", "STONE HEAPS", "stones", "heap"), ("matches", "MATCHSTICKS", "matches", "pile"),
          ("pebbles", "PEBBLE DUEL", "pebbles", "pile")]


# ---------------- rules shared by the build-time checks (the game and the verifier carry their own copies) ----
def moves(heaps: list[int], take: list[int], split: bool) -> list[tuple]:
    out = []
    for i, n in enumerate(heaps):
        out += [("take", i, k) for k in take if k <= n]
        if split:
            out += [("split", i, a) for a in range(1, n) if a < n - a]
    return out


def apply(heaps: list[int], mv: tuple) -> list[int]:
    kind, i, x = mv
    new = list(heaps)
    if kind == "take":
        new[i] -= x
    else:
        new[i] -= x
        new.append(x)
    return new


def grundy_table(take: list[int], split: bool, upto: int) -> list[int]:
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


def bot_move(heaps, take, split, g):
    legal = moves(heaps, take, split)
    for mv in legal:
        x = 0
        for n in apply(heaps, mv):
            x ^= g[n]
        if x == 0:
            return mv
    return legal[0] if legal else None


def play_round(heaps, take, split, g, player) -> bool:
    """True if `player` (a function of the position) beats the bot from `heaps`, the player moving first."""
    heaps = list(heaps)
    while True:
        mv = player(heaps)
        if mv is None:
            return False
        heaps = apply(heaps, mv)
        reply = bot_move(heaps, take, split, g)
        if reply is None:
            return True
        heaps = apply(heaps, reply)


def plain_nim_player(take, split):
    def choose(heaps):
        legal = moves(heaps, take, split)
        for mv in legal:
            x = 0
            for n in apply(heaps, mv):
                x ^= n
            if x == 0:
                return mv
        return legal[0] if legal else None
    return choose


def greedy_player(take, split):
    def choose(heaps):
        legal = moves(heaps, take, split)
        if not legal:
            return None
        return max((m for m in legal if m[0] == "take"), key=lambda m: (m[2], heaps[m[1]], -m[1]), default=legal[0])
    return choose


GAME = r'''#!/usr/bin/env python3
"""@@TITLE@@ -- a terminal duel against the house.

Each round starts from a row of @@HEAP@@s. On your turn you either take some @@ITEM@@ from ONE @@HEAP@@ (only the
amounts allowed in that round) or, where the round allows it, split one @@HEAP@@ into two non-empty @@HEAP@@s of
different sizes (the new @@HEAP@@ is appended at the end of the row). Whoever cannot move loses. You always move first.

The house plays perfectly: it computes Sprague-Grundy values and makes the FIRST move (in the order: @@HEAP@@s left
to right; for each @@HEAP@@ the takes by increasing amount, then the splits by increasing size of the part that is
appended) that leaves a position of Grundy value 0; when no such move exists it makes the first legal move.

Input: `take H K` (or just `H K`) takes K from @@HEAP@@ H (1-based); `split H A` splits @@HEAP@@ H and appends a new
@@HEAP@@ of A (@@HEAP@@ H keeps the rest, which must differ from A). Every move is appended to the move log.
"""
import json
import sys

ROUNDS = @@ROUNDS@@
LOG = "@@LOG@@"


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
    print(f"== @@TITLE@@ == (session {session})", flush=True)
    for r, rnd in enumerate(ROUNDS, 1):
        heaps, take, split = list(rnd["heaps"]), rnd["take"], rnd["split"]
        g = grundy(take, split, max(heaps))
        rule = f"take {', '.join(map(str, take))} @@ITEM@@ from one @@HEAP@@" + (
            " or split a @@HEAP@@ into two unequal @@HEAP@@s" if split else "")
        print(f"Round {r}/{len(ROUNDS)}: {rule}; whoever cannot move loses; you move first", flush=True)
        while True:
            print("@@HEAP@@s: " + " ".join(map(str, heaps)), flush=True)
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
'''

PLAYER = r'''
import re, subprocess, sys

GAME, STRATEGY = sys.argv[1], sys.argv[2]


def legal(heaps, take, split):
    out = []
    for i, n in enumerate(heaps):
        out += [("take", i, k) for k in take if k <= n]
        if split:
            out += [("split", i, a) for a in range(1, n) if a < n - a]
    return out


def after(heaps, mv):
    h = list(heaps)
    h[mv[1]] -= mv[2]
    if mv[0] == "split":
        h.append(mv[2])
    return h


def grundy(take, split, upto):
    g = []
    for n in range(upto + 1):
        s = {g[n - k] for k in take if k <= n}
        if split:
            s |= {g[a] ^ g[n - a] for a in range(1, n) if a < n - a}
        g.append(min(set(range(len(s) + 2)) - s))
    return g


proc = subprocess.Popen(["python3", GAME], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
take, split, g = None, False, None
for line in proc.stdout:
    sys.stdout.write(line)
    m = re.search(r"Round \d+/\d+: take ([\d, ]+) \w+ from one \w+( or split)?", line)
    if m:
        take = [int(x) for x in m.group(1).split(",")]
        split = bool(m.group(2))
        g = grundy(take, split, 200)
        continue
    m = re.search(r"\w+s: ([\d ]+)$", line.strip())
    if m and take is not None:
        heaps = [int(x) for x in m.group(1).split()]
        options = legal(heaps, take, split)
        choice = options[0]
        for mv in options:
            x = 0
            for n in after(heaps, mv):
                x ^= (g[n] if STRATEGY == "grundy" else n)
            if x == 0:
                choice = mv
                break
        proc.stdin.write(f"{choice[0]} {choice[1] + 1} {choice[2]}\n")
        proc.stdin.flush()
proc.wait()
sys.exit(proc.returncode)
'''

LEVELS = {
    "easy": [("range", False)],
    "medium": [("range", False), ("set", False)],
    "hard": [("set", False), ("set", True), ("range", True)],
}


@register
class StoneHeapsDuel(TaskFamily):
    name = "stone_heaps_live_duel"
    domain = "games"
    title = "Win take-away heap games (Nim variants) against a perfect house bot, live"
    interactive = True

    @staticmethod
    def _start(rng: random.Random, take: list[int], split: bool, g: list[int]) -> list[int] | None:
        """A first-player win that punishes the classic mistakes (plain-Nim XOR play, greedy play)."""
        for _ in range(60):
            heaps = [rng.randint(3, 11 if split else 16) for _ in range(rng.randint(3, 4 if split else 5))]
            x = 0
            for n in heaps:
                x ^= g[n]
            if x == 0:
                continue
            if play_round(heaps, take, split, g, plain_nim_player(take, split)):
                continue
            if play_round(heaps, take, split, g, greedy_player(take, split)):
                continue
            return heaps
        return None

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        prog, title, item, heap = rng.choice(THEMES)
        log_path = pick(rng, [f"/var/log/{prog}/moves.jsonl", f"/app/logs/{prog}.jsonl", f"/srv/arcade/{prog}.jsonl"])
        rounds = []
        for kind, split in LEVELS[level]:
            for _ in range(50):
                if kind == "range":
                    take = list(range(1, rng.randint(2, 5) + 1))
                else:
                    take = sorted(rng.sample(range(1, 8), rng.randint(2, 3)))
                    if 1 not in take and rng.random() < 0.5:
                        take = [1] + take[:2]
                g = grundy_table(take, split, 40)
                if max(g[:17]) < 2:
                    continue  # e.g. odd amounts only: the outcome is fixed by parity, no skill involved
                heaps = self._start(rng, take, split, g)
                if heaps:
                    break
            else:  # pragma: no cover
                raise RuntimeError("no suitable round")
            rounds.append({"heaps": heaps, "take": take, "split": split})
        game = (GAME.replace("@@ROUNDS@@", json.dumps(rounds).replace("false", "False").replace("true", "True"))
                .replace("@@LOG@@", log_path).replace("@@TITLE@@", title).replace("@@ITEM@@", item)
                .replace("@@HEAP@@", heap))
        game_path = f"/app/{prog}.py"
        files: dict[str, str | bytes] = {f"environment/app/{prog}.py": game}
        rows = []
        for i, rd in enumerate(rounds, 1):
            rows.append(f"| {i} | {' '.join(map(str, rd['heaps']))} | {', '.join(map(str, rd['take']))} | "
                        f"{'yes' if rd['split'] else 'no'} |")
        intro = pick(rng, [
            f"Our arcade's `{game_path}` bot is advertised as unbeatable; marketing wants a recorded win against it.",
            f"Before launch we need evidence that every round of `{game_path}` can be won against the house bot.",
            f"A player claims the house bot in `{game_path}` can be beaten in every round; reproduce it.",
        ])
        instruction = textwrap.dedent(f"""\
            {intro}

            Run `python3 {game_path}` and play it through its terminal interface (interactively, in tmux, or by
            driving its stdin/stdout from a program). A session has {len(rounds)} round{'s' if len(rounds) > 1 else ''}:

            | round | starting {heap}s | may take | may split a {heap} |
            |---|---|---|---|
            @@ROWS@@

            On your turn you take one of the allowed numbers of {item} from a single {heap} (`take H K`, {heap}s
            numbered from 1) or, where allowed, split one {heap} into two non-empty {heap}s of different sizes
            (`split H A`: {heap} H keeps the rest and a new {heap} of A is appended). Whoever cannot move loses;
            you always move first. The house plays perfectly and deterministically (the program's docstring
            and source describe exactly how), so a single mistake loses the round, and a lost round ends the
            session. You may start as many sessions as you need.

            Win every round of one session. The game appends every move to `{log_path}`; a grader replays that
            log against the rules and the house's strategy, so do not edit the game or the log.
            """).replace("@@ROWS@@", "\n".join(rows))
        solve = textwrap.dedent(f"""\
            #!/bin/bash
            # Reference: Sprague-Grundy values per round; always move to a position whose Grundy XOR is 0.
            set -euo pipefail
            sed -n '1,20p' {game_path}
            cat > /tmp/heaps_player.py <<'EOF'
            """) + PLAYER + "EOF\n" + textwrap.dedent(f"""\
            python3 /tmp/heaps_player.py {game_path} grundy
            tail -n 2 {log_path}
            """)
        files["solution/solve.sh"] = solve
        # Mistake: plays textbook Nim (XOR of heap sizes), ignoring the round's move rules.
        files["solution/wrong/plain_nim_xor.sh"] = solve.replace(f"{game_path} grundy", f"{game_path} plain || true")
        files["solution/wrong/forged_log.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            # Mistake: writes a winning-looking log instead of beating the house.
            mkdir -p "$(dirname {log_path})"
            printf '%s\\n' '{{"event": "start", "session": 1}}' '{{"event": "cleared", "session": 1}}' >> {log_path}
            """)
        files["tests/test_outputs.py"] = TEST.replace("@@ROUNDS@@", json.dumps(rounds)).replace(
            "@@LOG@@", log_path)
        log_dir = log_path.rsplit("/", 1)[0]
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY app/ /app/\nRUN mkdir -p {log_dir} && chmod +x {game_path}\nWORKDIR /app\n",
            files=files, artifacts=[log_path], tags=["interactive", "nim", "sprague-grundy", "game"],
            agent_timeout_sec={"easy": 900, "medium": 1200, "hard": 1800}[level], verifier_timeout_sec=120,
            expert_minutes={"easy": 10, "medium": 25, "hard": 40}[level],
        )


TEST = r'''"""Replay every logged session: the player's moves must be legal, and against the house's own strategy
(recomputed here, not read from the log) they must win every round."""

import json
from pathlib import Path

ROUNDS = json.loads("""@@ROUNDS@@""")
LOG = Path("@@LOG@@")


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
    sessions = {}
    for line in LOG.read_text().splitlines():
        if not line.strip():
            continue
        e = json.loads(line)
        if e.get("event") == "move" and e.get("who") == "you":
            sessions.setdefault(e["session"], {}).setdefault(e["round"], []).append(e["move"])
    assert any(session_wins(moves) for _, moves in sorted(sessions.items())), \
        "no session in the log wins every round against the house"
'''
