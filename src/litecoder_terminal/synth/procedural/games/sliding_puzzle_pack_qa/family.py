"""QA a sliding-puzzle level pack: classify solvability, write optimal solutions, build the pack manifest."""

from __future__ import annotations

import random

from litecoder_terminal.synth.procedural import kit

THEMES = ["amber", "cobalt", "dune", "ember", "fjord", "glacier", "harbor", "indigo", "jade", "kelp", "lagoon",
          "mesa", "nebula", "orchid", "prairie", "quarry", "reef", "summit", "tundra", "umber"]
DELTA = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
OPP = {"U": "D", "D": "U", "L": "R", "R": "L"}


def _scramble(rng: random.Random, rows: int, cols: int, length: int) -> list[int]:
    n = rows * cols
    while True:
        s = list(range(1, n)) + [0]
        z, last = n - 1, None
        for _ in range(length):
            zr, zc = divmod(z, cols)
            opts = [m for m in "UDLR" if 0 <= zr + DELTA[m][0] < rows and 0 <= zc + DELTA[m][1] < cols
                    and m != OPP.get(last)]
            m = rng.choice(opts)
            t = z + DELTA[m][0] * cols + DELTA[m][1]
            s[z], s[t] = s[t], s[z]
            z, last = t, m
        if s != list(range(1, n)) + [0]:
            return s


def _render(name: str, pack: str, rows: int, cols: int, tiles: list[int]) -> str:
    width = len(str(rows * cols - 1))
    lines = [f"# level {name} -- pack {pack}", f"size {rows}x{cols}"]
    for r in range(rows):
        lines.append(" ".join(("_" if t == 0 else str(t)).rjust(width) for t in tiles[r * cols:(r + 1) * cols]))
    return "\n".join(lines) + "\n"


# Boards per level: (rows, cols, scramble length range), "x" marks a board made unsolvable.
EASY = [(3, 3, (20, 40))] * 3 + [(3, 3, (20, 40), "x")]
MEDIUM = [(3, 3, (30, 80))] * 3 + [(2, 4, (20, 40))] * 2 + [(3, 3, (20, 40), "x"), (2, 4, (20, 40), "x")]
HARD = ([(3, 3, (60, 120))] * 3 + [(2, 4, (30, 60)), (4, 2, (30, 60)), (3, 4, (28, 34)), (4, 3, (28, 34))]
        + [(3, 3, (20, 40), "x"), (2, 4, (20, 40), "x"), (3, 4, (20, 30), "x")])

KNOBS = {
    "weight": kit.Knob("1", "25", "greedy best-first search (huge heuristic weight): valid, non-optimal solutions"),
    "moves_out": kit.Knob('"".join(reversed(path))',
                          '"".join(reversed(path)).translate(str.maketrans("UDLR", "DURL"))',
                          "letters name the direction the TILE moves (the opposite convention)"),
    "parity": kit.Knob("return parity % 2 == blank_dist % 2",
                       "inv = sum(1 for i in range(n) for j in range(i + 1, n) "
                       "if tiles[i] and tiles[j] and tiles[i] > tiles[j])\n    return inv % 2 == 0",
                       "the odd-width inversion rule applied to every board (wrong for even widths)"),
    "strip": kit.Knob(".strip()", "", "the catalogue counts the trailing newline of each solution as a move"),
}


class SlidingPuzzlePackQa(kit.KitFamily):
    title = "Classify, optimally solve and catalogue a pack of sliding-tile puzzle levels"
    multi_stage = True
    levels = kit.Levels(boards=(EASY, MEDIUM, HARD), even_widths=(False, True, True),
                        agent_timeout=(900, 1500, 1800), expert_minutes=(20, 35, 50))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        pack = f"{rng.choice(THEMES)}-{rng.choice(['classic', 'trials', 'gauntlet', 'express'])}"
        base = rng.choice(["/app/puzzles", "/srv/levelpack", "/home/player/pack"])
        specs = list(k.boards)
        rng.shuffle(specs)
        names = [f"{n}-{rng.randint(1, 99):02d}" for n in rng.sample(THEMES, len(specs))]
        files: dict[str, str | bytes] = {}
        forced = False
        for name, spec in zip(names, specs):
            rows, cols, (lo, hi) = spec[:3]
            tiles = _scramble(rng, rows, cols, rng.randint(lo, hi))
            if cols % 2 == 0 and not forced:
                # one even-width level has its blank an odd number of rows above the bottom, so the
                # odd-width "inversions only" rule misclassifies it
                while (rows - 1 - tiles.index(0) // cols) % 2 == 0:
                    tiles = _scramble(rng, rows, cols, rng.randint(lo, hi))
                forced = True
            if len(spec) > 3:
                idx = [i for i, t in enumerate(tiles) if t]
                a, b = rng.sample(idx, 2)
                tiles[a], tiles[b] = tiles[b], tiles[a]
            files[f"environment/levels/{name}.txt"] = _render(name, pack, rows, cols, tiles)
        bronze, silver = rng.randint(8, 12), rng.randint(16, 21)
        sol_dir = rng.choice(["solutions", "answers", "moves"])
        spec_values = {"pack": pack, "sol_dir": sol_dir, "bronze": bronze, "silver": silver,
                       "silver_low": bronze + 1}
        files["environment/README.md"] = self.template("README.md", **spec_values)
        values = {"base": base, "pack": pack, "sol_dir": sol_dir, "bronze": bronze, "silver": silver}
        wrong = {"greedy_solver": "weight", "tile_direction_convention": "moves_out"}
        wrong |= {"inversions_only_parity": "parity"} if k.even_widths else {"pack_counts_newline": "strip"}
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(**values)
        files |= self.verifier(base=base, sol_dir=sol_dir)
        files |= kit.expected_file({"levels": sorted(names), "pack": pack, "bronze": bronze, "silver": silver})
        outputs = [f"{base}/report.csv", f"{base}/{sol_dir}", f"{base}/pack.json"]
        instruction = self.instruction(intro=self.intro(rng, pack=pack), base=base, **spec_values)
        return kit.draft(
            instruction=instruction, dockerfile_body=f"COPY . {base}/\nWORKDIR {base}\n", files=files,
            artifacts=outputs, outputs=outputs, tags=["puzzle", "search", "a-star", "sliding-puzzle"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=240, expert_minutes=k.expert_minutes,
        )
