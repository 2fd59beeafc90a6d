"""Beat a perfect-play house bot at take-away heap games (Nim variants) through the game's terminal interface."""

from __future__ import annotations

import json
import random
from importlib import resources

from litecoder_terminal.synth.procedural import kit

from .heaps_rules import grundy as grundy_table
from .heaps_rules import legal_moves as moves
from .heaps_rules import play as apply

THEMES = [("stones", "STONE HEAPS", "stones", "heap"), ("matches", "MATCHSTICKS", "matches", "pile"),
          ("pebbles", "PEBBLE DUEL", "pebbles", "pile")]


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


def rules_source() -> str:
    """heaps_rules.py's functions as text (its docstring cut), for the game and the player."""
    text = resources.files(__package__).joinpath("heaps_rules.py").read_text()
    return text[text.index("def "):].rstrip()


class StoneHeapsLiveDuel(kit.KitFamily):
    title = "Win take-away heap games (Nim variants) against a perfect house bot, live"
    interactive = True
    # each round: (kind of take set, splits allowed)
    levels = kit.Levels(rounds=([("range", False)], [("range", False), ("set", False)],
                                [("set", False), ("set", True), ("range", True)]),
                        agent_timeout=(900, 1200, 1800), expert_minutes=(10, 25, 40))

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

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        prog, title, item, heap = rng.choice(THEMES)
        log = rng.choice([f"/var/log/{prog}/moves.jsonl", f"/app/logs/{prog}.jsonl", f"/srv/arcade/{prog}.jsonl"])
        rounds = []
        for kind, split in k.rounds:
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
        game = f"/app/{prog}.py"
        rules_path = f"/app/{prog}.rules.json"
        files: dict[str, str | bytes] = {
            f"environment/app/{prog}.py": self.template("game.py", title=title, item=item, heap=heap, log=log,
                                                        heaps_rules=rules_source()),
            f"environment/app/{prog}.rules.json": json.dumps({"rounds": rounds}, indent=1) + "\n",
        }
        knobs = {"play": kit.Knob(f"python3 /tmp/heaps_player.py {game} grundy",
                                  f"python3 /tmp/heaps_player.py {game} plain || true",
                                  "plays textbook Nim (XOR of heap sizes), ignoring the round's move rules")}
        files |= self.solver(knobs).files({"game": game, "rules": rules_path, "log": log,
                                           "player": self.template("player.py", heaps_rules=rules_source()).rstrip()},
                                          {"plain_nim_xor": "play"})
        files["solution/wrong/forged_log.sh"] = self.template("wrong_forged_log.sh", log=log)
        files |= self.alt_solutions(game=game)
        files |= self.verifier(log=log)
        files |= kit.expected_file({"rounds": rounds})
        rows = "\n".join(f"| {i} | {' '.join(map(str, rd['heaps']))} | {', '.join(map(str, rd['take']))} | "
                         f"{'yes' if rd['split'] else 'no'} |" for i, rd in enumerate(rounds, 1))
        n_rounds = f"{len(rounds)} round{'s' if len(rounds) > 1 else ''}"
        instruction = self.instruction(intro=self.intro(rng, game=game), game=game, heap=heap, item=item, log=log,
                                       rows=rows, n_rounds=n_rounds)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=f"COPY app/ /app/\nRUN mkdir -p {log.rsplit('/', 1)[0]} && chmod +x {game}\nWORKDIR /app\n",
            files=files, artifacts=[log], outputs=[log], tags=["interactive", "nim", "sprague-grundy", "game"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
        )
