"""The three modules of python_module_bugfix: who uses them, their public functions and the hidden cases drawn
for each (sources, seeded bug patches and shipped tests are data/themes/<key>/)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Theme:
    key: str
    modules: tuple[str, ...]
    purpose: str
    functions: tuple[str, ...]
    gen: Callable[[random.Random, int], dict[str, list[list]]]
    cli: str  # a red-herring caller shipped beside the module (scripts/<cli>.py)


def _intervals_gen(rng: random.Random, n: int) -> dict[str, list[list]]:
    def ivs(k: int, span: int) -> list[list[int]]:
        out = []
        for _ in range(k):
            s = rng.randint(-span, span)
            out.append([s, s + rng.choice([0, 0, 1, 2, 3, 5, 8, 13])])
        return out

    fixed = [[[1, 3], [3, 5]], [[1, 2], [3, 4]], [[1, 10], [2, 3]], [[5, 6], [1, 2], [3, 4]], [[0, 0]], [],
             [[4, 9], [1, 1], [9, 9], [2, 3]]]
    sets = fixed + [ivs(rng.randint(1, 9), rng.choice([5, 20, 60])) for _ in range(n)]
    cases: dict[str, list[list]] = {"merge": [[s] for s in sets], "total_covered": [[s] for s in sets]}
    g = [[[[2, 3]], 1, 5], [[[1, 3]], 1, 4], [[[1, 3]], 1, 3], [[], 0, 0], [[[0, 9]], 2, 4], [[[5, 6]], 1, 3]]
    for s in sets:
        lo = rng.randint(-30, 10)
        g.append([s, lo, lo + rng.randint(0, 40)])
    cases["gaps"] = g
    loc = [[[[1, 2]], 1], [[[1, 2]], 2], [[[1, 2], [4, 6]], 6], [[[1, 2], [4, 6], [9, 9]], 9], [[], 3]]
    for s in sets:
        loc.append([s, rng.randint(-25, 25)])
        if s:
            loc.append([s, rng.choice(s)[rng.randint(0, 1)]])
    cases["locate"] = loc
    return cases


def _versions_gen(rng: random.Random, n: int) -> dict[str, list[list]]:
    def ver(pre_p: float = 0.3, v_p: float = 0.15) -> str:
        core = f"{rng.choice([0, 0, 1, 1, 2, 9, 10, 11])}.{rng.choice([0, 1, 2, 3, 9, 10, 12])}.{rng.randint(0, 12)}"
        if rng.random() < pre_p:
            ids = [rng.choice(["alpha", "beta", "rc", "1", "2", "10", "x-1"]) for _ in range(rng.randint(1, 3))]
            core += "-" + ".".join(ids)
        return ("v" if rng.random() < v_p else "") + core

    bad = ["1.2", "1.2.3.4", "1.02.3", "01.2.3", "1.2.x", "", "1.2.3-", "1.2.3-rc..1", "v", "1.2.3-r c", "a.b.c",
           "1.2.-3"]
    parse_cases = [[v] for v in bad] + [[ver(0.5, 0.3)] for _ in range(n)] + [["v0.0.1"], ["1.0.0-0.3.7"]]
    pairs = [["1.0.0-alpha", "1.0.0-alpha.1"], ["1.0.0-rc.1", "1.0.0"], ["1.10.0", "1.9.0"], ["1.0.0-2", "1.0.0-10"],
             ["1.0.0-alpha", "1.0.0-1"], ["1.0.0-beta.11", "1.0.0-beta.2"], ["v2.0.0", "2.0.0"], ["0.9.9", "0.10.0"]]
    pairs += [[ver(), ver()] for _ in range(n)]
    pairs += [[b, a] for a, b in pairs[:8]]
    bumps = [[ver(), rng.choice(["major", "minor", "patch"])] for _ in range(n)] + [["1.2.3", "build"],
                                                                                       ["1.4.2-rc.1", "minor"]]
    specs = ["^0.3.1", "^1.2.0", "~1.2.0", ">=1.0.0", "1.2.3", "^0.0.3", "~0.3.0", ">=2.0.0-rc.1", "^10.1.0"]
    pools = []
    for _ in range(n):
        pool = [ver(0.25, 0.1) for _ in range(rng.randint(0, 9))]
        if rng.random() < 0.4:
            pool.append(rng.choice(bad[:5]))
        pools.append(pool)
    fixed_pools = [["0.3.1", "0.3.9", "0.4.0"], ["1.2.3", "banana", "1.2.4"], ["1.2.3", "1.3.0-rc.1", "1.2.9"],
                   ["1.0.0", "1.9.0", "1.10.0", "2.0.0"]]
    ms = [[p, s] for p, s in zip(fixed_pools, ["^0.3.1", "~1.2.0", "^1.2.0", "^1.0.0"])]
    ms += [[p, rng.choice(specs)] for p in pools]
    sat = [["0.4.0", "^0.3.1"], ["1.3.0-rc.1", "^1.2.0"], ["1.2.3-rc.1", "1.2.3-rc.1"]]
    sat += [[ver(0.3, 0.1), rng.choice(specs)] for _ in range(n)]
    return {"parse": parse_cases, "compare": pairs, "bump": bumps, "max_satisfying": ms, "satisfies": sat}


_TEXT_WORDS = ("the quick brown fox jumps over lazy dog release notes build deploy cache Server API v2 "
               "The Quick rust python ledger ledger alpha beta").split()


def _text_gen(rng: random.Random, n: int) -> dict[str, list[list]]:
    def sentence(k: int) -> str:
        return " ".join(rng.choice(_TEXT_WORDS) for _ in range(k))

    titles = ["Hello, World!", "  --Already--slugged--  ", "C++ & Rust: a comparison (2024)", "", "!!!",
              "aaaa bbbb cccc dddd eeee", "Ünïcode Tëxt"]
    slug = [[t] for t in titles] + [["aaaa bbbb cccc", 5], ["abc def", 4], ["one two three four", 8]]
    for _ in range(n):
        t = sentence(rng.randint(1, 9)) + rng.choice(["", "!", " -- ", "  (draft)", "?", "..."])
        slug.append([t, rng.randint(3, 30)] if rng.random() < 0.6 else [t])
    wraps = [["", 10], ["   ", 5], ["supercalifragilistic is long", 6], ["ab cd", 5], ["ab cd", 4]]
    wraps += [[sentence(rng.randint(1, 25)), rng.randint(4, 30)] for _ in range(n)]
    durs = ["", "   ", "1h30m", "45s", "2d", "1h 5m 3s", "3m2h", "1x", "10", "1d1d", "0s", "2d 4h", " 7m "]
    dur = [[d] for d in durs]
    for _ in range(n):
        parts = [f"{rng.randint(0, 50)}{u}" for u in "dhms" if rng.random() < 0.5]
        if rng.random() < 0.15 and len(parts) > 1:
            parts.reverse()
        dur.append([rng.choice(["", " "]).join(parts)])
    tw = [["", 3], ["a b c d", 2], ["The the THE cat", 1], ["b a c", 3]]
    tw += [[sentence(rng.randint(0, 40)), rng.randint(1, 6)] for _ in range(n)]
    ch = [[[], 3], [[1, 2, 3], 5], [[1, 2, 3, 4, 5], 2], [[1], 1], [[1, 2], 0]]
    ch += [[list(range(rng.randint(0, 20))), rng.randint(1, 7)] for _ in range(n)]
    return {"slugify": slug, "wrap": wraps, "parse_duration": dur, "top_words": tw, "chunk": ch}


THEMES = [
    Theme("intervals", ("intervals", "spans", "ranges"), "booking-window calculations",
          ("merge", "total_covered", "gaps", "locate"), _intervals_gen, "free_slots"),
    Theme("versions", ("versions", "semver", "vercmp"), "release tooling that picks dependency versions",
          ("parse", "compare", "bump", "satisfies", "max_satisfying"), _versions_gen, "pick_release"),
    Theme("text", ("textutil", "texttools", "strhelpers"), "the static-site publishing pipeline",
          ("slugify", "wrap", "parse_duration", "top_words", "chunk"), _text_gen, "render_post"),
]
