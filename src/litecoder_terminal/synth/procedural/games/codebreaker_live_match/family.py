"""Beat a live code-breaking game whose "house" never commits to a code (an adversarial Mastermind)."""

from __future__ import annotations

import json
import random

from litecoder_terminal.synth.procedural import kit

THEMES = [("codebreaker", "CODEBREAKER", "code"), ("vault", "VAULT DOOR", "combination"),
          ("safecracker", "SAFECRACKER", "dial sequence")]
ALPHABET = "ABCDEFGHIJ"

# Round sets per level, each round (pegs, colours, repeats allowed, guess limit). Limits leave one guess of slack
# over what a minimax (Knuth-style) player needs against this adversary; a "first consistent code" player needs
# more (except at easy, where the wrong solution is a cheat instead).
EASY = [[(4, 6, False, 7)]]
MEDIUM = [[(4, 6, False, 6), (4, 6, True, 7)], [(4, 6, True, 7), (4, 6, False, 6)]]
HARD = [[(4, 6, True, 6), (4, 8, False, 7), (4, 7, True, 7)], [(4, 8, False, 7), (4, 6, True, 6), (4, 7, True, 7)]]


def _prefs(rng: random.Random, pegs: int) -> list[list[int]]:
    fbs = [[b, w] for b in range(pegs + 1) for w in range(pegs + 1 - b)]
    rng.shuffle(fbs)
    return fbs


class CodebreakerLiveMatch(kit.KitFamily):
    title = "Beat an adversarial code-breaking game through its terminal interface"
    interactive = True
    levels = kit.Levels(round_sets=(EASY, MEDIUM, HARD), first_consistent_wins=(True, False, False),
                        agent_timeout=(900, 1200, 1800), expert_minutes=(15, 30, 45))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        prog, title, word = rng.choice(THEMES)
        rounds = [list(r) for r in rng.choice(k.round_sets)]
        rules = {"rounds": rounds, "preferences": [_prefs(rng, r[0]) for r in rounds]}
        game = f"/app/{prog}.py"
        rules_path = f"/app/{prog}.rules.json"
        log = rng.choice([f"/var/log/{prog}/moves.jsonl", f"/app/logs/{prog}_moves.jsonl",
                          f"/srv/games/{prog}/moves.jsonl"])
        files: dict[str, str | bytes] = {
            f"environment/app/{prog}.py": self.template("game.py", title=title, log=log, word=word),
            f"environment/app/{prog}.rules.json": json.dumps(rules, indent=1) + "\n",
        }
        example = ALPHABET[:rounds[0][0]]
        if k.first_consistent_wins:  # a weak player wins here: the known mistake is a cheat on the rules file
            mistake = kit.Knob(f"python3 /tmp/player.py {game} minimax",
                               f"python3 -c \"import json; p='{rules_path}'; r=json.load(open(p)); "
                               "[x.__setitem__(3, 400) for x in r['rounds']]; json.dump(r, open(p, 'w'))\"\n"
                               f"python3 /tmp/player.py {game} blind || true",
                               "raises the guess limits in the rules file and plays blind")
        else:
            mistake = kit.Knob(f"python3 /tmp/player.py {game} minimax",
                               f"python3 /tmp/player.py {game} first_consistent || true",
                               "plays the first code consistent with the answers so far: too many guesses")
        files |= self.solver({"play": mistake}).files(
            {"game": game, "rules": rules_path, "log": log, "player": self.data("player.py").rstrip()},
            {"weak_player": "play"})
        files["solution/wrong/forged_log.sh"] = self.template("wrong_forged_log.sh", log=log, pegs=rounds[0][0],
                                                              example=example)
        files |= self.alt_solutions(game=game)
        files |= self.verifier(log=log)
        files |= kit.expected_file(rules)
        table = "\n".join(f"| {i} | {p} | {c} (`{ALPHABET[:c]}`) | {'yes' if rep else 'no'} | {lim} |"
                          for i, (p, c, rep, lim) in enumerate(rounds, 1))
        n_rounds = f"{len(rounds)} round{'s' if len(rounds) > 1 else ''}"
        instruction = self.instruction(intro=self.intro(rng, game=game, word=word), game=game, word=word, log=log,
                                       table=table, n_rounds=n_rounds, example=example)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=f"COPY app/ /app/\nRUN mkdir -p {log.rsplit('/', 1)[0]} && chmod +x {game}\nWORKDIR /app\n",
            files=files, artifacts=[log], outputs=[log], tags=["interactive", "mastermind", "adversarial", "game"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
        )
