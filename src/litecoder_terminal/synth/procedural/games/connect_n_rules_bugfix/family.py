"""Fix the reported bugs in a Connect-N rules module (and, at hard, implement its bot); the verifier plays it."""

from __future__ import annotations

import json
import random

from litecoder_terminal.synth.procedural import kit

DIMS = [(6, 7, 4), (5, 6, 4), (6, 8, 4), (7, 9, 5), (6, 6, 4), (8, 8, 5), (7, 8, 5)]
PACKAGES = ["c4", "connectn", "dropgame", "fourplay"]
BLOCK = "        if winner(drop(board, col, other)) == other:\n            return col\n"


class ConnectNRulesBugfix(kit.KitFamily):
    title = "Fix a Connect-N rules engine (and write its bot) so it survives verifier play"
    # bugs reported in the tracker; hard adds one unreported bug and the bot to write
    levels = kit.Levels(reported=(1, 2, 3), unreported=(0, 0, 1), bot=(False, False, True),
                        agent_timeout=(900, 1200, 1800), expert_minutes=(10, 20, 35))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        bugs_table = json.loads(self.data("bugs.json"))
        rows, cols, connect = rng.choice(DIMS)
        pkg = rng.choice(PACKAGES)
        ids = sorted(bugs_table)
        rng.shuffle(ids)
        bugs = ids[:k.reported + k.unreported]
        reported = bugs[:k.reported]
        good = self.template("rules.py", rows=rows, cols=cols, connect=connect, pkg=pkg)
        buggy = good
        for b in bugs:
            assert buggy.count(bugs_table[b]["correct"]) == 1, b
            buggy = buggy.replace(bugs_table[b]["correct"], bugs_table[b]["buggy"])
        if k.bot:
            buggy += self.data("bot_stub.py")
        files: dict[str, str | bytes] = {
            f"environment/app/{pkg}/__init__.py": f'"""Connect-{connect} game package."""\n',
            f"environment/app/{pkg}/rules.py": buggy,
            f"environment/app/{pkg}/cli.py": self.template("cli.py", pkg=pkg),
        }
        last = bugs_table[bugs[-1]]
        fixes = "".join(f"assert s.count({bugs_table[b]['buggy']!r}) == 1\n"
                        f"s = s.replace({bugs_table[b]['buggy']!r}, {bugs_table[b]['correct']!r})\n"
                        for b in bugs[:-1]).rstrip("\n")
        knobs = {
            "last_fix": kit.Knob(repr(last["correct"]), repr(last["plausible"]), "one fix is itself off by one"),
            "skip_last": kit.Knob("", "# ", "leaves one defect unfixed"),
            "block": kit.Knob(BLOCK, "        pass\n", "the bot wins when it can but never blocks"),
        }
        wrong = {"off_by_one_fix": "last_fix"}
        if k.reported > 1 or k.unreported:
            wrong["fix_reported_only" if k.unreported else "fix_first_only"] = "skip_last"
        else:
            files["solution/wrong/patch_cli_instead.sh"] = self.template("wrong_patch_cli.sh", pkg=pkg,
                                                                         last_col=cols - 1)
        if k.bot:
            wrong["bot_never_blocks"] = "block"
        files |= self.solver(knobs).files({"pkg": pkg, "fixes": fixes, "last_bad": repr(last["buggy"])}, wrong)
        files |= self.alt_solutions(pkg=pkg)
        test = self.verifier()["tests/test_outputs.py"] + (self.data("verify_bot.py") if k.bot else "")
        files["tests/test_outputs.py"] = test
        files |= kit.expected_file({"rows": rows, "cols": cols, "connect": connect, "pkg": pkg, "bot": k.bot})
        tracker = "\n".join(f"- #{rng.randint(100, 999)}: {bugs_table[b]['report']}" for b in reported)
        more = (" The tracker is known to be incomplete: the docstrings in `rules.py` are the specification, and "
                "anything that contradicts them is a bug too." if k.unreported else "")
        bot_text = ("\n\nThe server's house bot is still missing: implement `choose_move(board, piece)` in the rules "
                    "module exactly as its docstring specifies." if k.bot else "")
        instruction = self.instruction(
            intro=self.intro(rng, connect=connect, rows=rows, cols=cols), pkg=pkg, tracker=tracker, more=more,
            bot_text=bot_text, first_report=bugs_table[reported[0]]["report"])
        outputs = [f"/app/{pkg}/rules.py"]
        return kit.draft(
            instruction=instruction, dockerfile_body="COPY app/ /app/\nWORKDIR /app\n", files=files,
            artifacts=[f"/app/{pkg}"], outputs=outputs, tags=["game-engine", "connect-four", "bugfix", "python"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=180, expert_minutes=k.expert_minutes,
        )
