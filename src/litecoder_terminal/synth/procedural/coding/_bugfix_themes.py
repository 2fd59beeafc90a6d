"""Modules with seeded bugs for the python_module_bugfix family: reference source, bug patches, visible tests and
hidden-case generators. Every bug is a (function, old, new) text patch of the reference source."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Bug:
    fn: str
    old: str
    new: str
    visible: bool  # the shipped tests catch it
    report: str  # how a user would describe the symptom


@dataclass
class Theme:
    key: str
    modules: list[str]
    purpose: str
    source: str
    bugs: list[Bug]
    visible_tests: str  # uses the placeholder MOD for the module name
    gen: Callable[[random.Random, int], dict[str, list[list]]]
    functions: list[str] = field(default_factory=list)


INTERVALS_SRC = '''"""Helpers for closed integer intervals [start, end] (both ends included)."""


def merge(intervals):
    """Merge overlapping or touching intervals.

    `intervals` is a list of [start, end] lists (start <= end) in any order. Two intervals are merged when
    one starts at or before the other one ends, so [1, 3] and [3, 5] give [1, 5], while [1, 2] and [3, 4]
    stay separate. Returns a new list of disjoint [start, end] lists sorted by start.
    """
    result = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([start, end])
    return result


def total_covered(intervals):
    """Number of integers covered by at least one interval ([2, 4] covers 3 integers)."""
    return sum(end - start + 1 for start, end in merge(intervals))


def gaps(intervals, lo, hi):
    """Maximal runs [start, end] of integers in [lo, hi] not covered by any interval, sorted.

    Returns [[lo, hi]] when nothing in the window is covered and [] when all of it is.
    """
    out = []
    cur = lo
    for start, end in merge(intervals):
        if end < lo:
            continue
        if start > hi:
            break
        if start > cur:
            out.append([cur, start - 1])
        cur = max(cur, end + 1)
    if cur <= hi:
        out.append([cur, hi])
    return out


def locate(intervals, x):
    """Index in merge(intervals) of the merged interval that contains x, or -1 if none does."""
    merged = merge(intervals)
    lo, hi = 0, len(merged) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        start, end = merged[mid]
        if x < start:
            hi = mid - 1
        elif x > end:
            lo = mid + 1
        else:
            return mid
    return -1
'''

INTERVALS_BUGS = [
    Bug("merge", "    for start, end in sorted(intervals):\n        if result and start <= result[-1][1]:",
        "    for start, end in intervals:\n        if result and start <= result[-1][1]:", True,
        "merging intervals that are not already sorted gives overlapping output"),
    Bug("merge", "        if result and start <= result[-1][1]:", "        if result and start < result[-1][1]:", False,
        "intervals that share an endpoint are not merged"),
    Bug("merge", "            result[-1][1] = max(result[-1][1], end)", "            result[-1][1] = end", False,
        "an interval nested inside another one shrinks the result"),
    Bug("total_covered", "    return sum(end - start + 1 for start, end in merge(intervals))",
        "    return sum(end - start for start, end in merge(intervals))", True,
        "coverage counts are one short per interval"),
    Bug("gaps", "    if cur <= hi:\n        out.append([cur, hi])", "    if cur < hi:\n        out.append([cur, hi])", False,
        "a one-integer gap at the end of the window is missing"),
    Bug("gaps", "            out.append([cur, start - 1])", "            out.append([cur, start])", True,
        "reported gaps overlap the next interval by one"),
    Bug("locate", "    while lo <= hi:", "    while lo < hi:", False,
        "`locate` sometimes returns -1 for a point that is covered"),
]

INTERVALS_TESTS = '''from MOD import gaps, locate, merge, total_covered


def test_merge_basic():
    assert merge([[5, 8], [1, 3], [2, 4]]) == [[1, 4], [5, 8]]


def test_total_covered():
    assert total_covered([[1, 3], [10, 10]]) == 4


def test_gaps_middle():
    assert gaps([[3, 4], [8, 9]], 1, 12) == [[1, 2], [5, 7], [10, 12]]


def test_locate_found():
    assert locate([[1, 2], [5, 9], [20, 30], [40, 41]], 7) == 1
'''


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


VERSIONS_SRC = '''"""Semantic version strings: parsing, ordering, bumping and range matching."""


def parse(text):
    """Parse "MAJOR.MINOR.PATCH" with an optional leading "v" and an optional "-PRERELEASE".

    PRERELEASE is a dot-separated list of non-empty identifiers made of ASCII letters, digits and "-".
    Returns [major, minor, patch, identifiers] where identifiers is a list in which purely numeric
    identifiers are ints and the others strings ("1.2.3-rc.1" -> [1, 2, 3, ["rc", 1]]).
    Raises ValueError for anything else, including leading zeros in MAJOR/MINOR/PATCH ("1.02.3").
    """
    s = text.strip()
    if s.startswith("v"):
        s = s[1:]
    core, sep, pre = s.partition("-")
    parts = core.split(".")
    if len(parts) != 3:
        raise ValueError(f"not a version: {text!r}")
    nums = []
    for p in parts:
        if not (p.isascii() and p.isdigit()) or (len(p) > 1 and p[0] == "0"):
            raise ValueError(f"not a version: {text!r}")
        nums.append(int(p))
    idents = []
    if sep:
        for ident in pre.split("."):
            if not ident or not all(c.isascii() and (c.isalnum() or c == "-") for c in ident):
                raise ValueError(f"bad pre-release in {text!r}")
            idents.append(int(ident) if ident.isdigit() else ident)
    return nums + [idents]


def compare(a, b):
    """Return -1, 0 or 1 as version a has lower, equal or higher precedence than version b.

    MAJOR, MINOR and PATCH compare numerically. A version with a pre-release is lower than the same version
    without one. Pre-releases compare identifier by identifier: numeric identifiers compare numerically and
    are lower than alphanumeric ones, alphanumeric ones compare in ASCII order, and when all shared
    identifiers are equal the shorter list is lower.
    """
    pa, pb = parse(a), parse(b)
    if pa[:3] != pb[:3]:
        return -1 if pa[:3] < pb[:3] else 1
    ia, ib = pa[3], pb[3]
    if ia == ib:
        return 0
    if not ia:
        return 1
    if not ib:
        return -1
    for x, y in zip(ia, ib):
        if x == y:
            continue
        if isinstance(x, int) and isinstance(y, int):
            return -1 if x < y else 1
        if isinstance(x, int):
            return -1
        if isinstance(y, int):
            return 1
        return -1 if x < y else 1
    return -1 if len(ia) < len(ib) else 1


def bump(version, part):
    """Next version string (without "v") after bumping part "major", "minor" or "patch".

    Lower parts reset to 0 and any pre-release is dropped: bump("1.4.2-rc.1", "minor") == "1.5.0".
    Raises ValueError for an unknown part.
    """
    major, minor, patch, _ = parse(version)
    if part == "major":
        major, minor, patch = major + 1, 0, 0
    elif part == "minor":
        minor, patch = minor + 1, 0
    elif part == "patch":
        patch += 1
    else:
        raise ValueError(f"unknown part {part!r}")
    return f"{major}.{minor}.{patch}"


def satisfies(version, spec):
    """Whether version matches spec: "X.Y.Z" (exactly), ">=X.Y.Z", "~X.Y.Z" (>= X.Y.Z and < X.(Y+1).0) or
    "^X.Y.Z" (>= X.Y.Z and < (X+1).0.0; when X is 0: < 0.(Y+1).0).

    A version with a pre-release only matches an exact spec equal to it.
    """
    v = parse(version)
    if spec[0] not in "^~>":
        return compare(version, spec) == 0
    if v[3]:
        return False
    base = spec[2:] if spec.startswith(">=") else spec[1:]
    b = parse(base)
    if compare(version, base) < 0:
        return False
    if spec.startswith(">="):
        return True
    if spec[0] == "~":
        return v[:2] == b[:2]
    if b[0] == 0:
        return v[:2] == b[:2]
    return v[0] == b[0]


def max_satisfying(versions, spec):
    """Highest version string in `versions` that satisfies spec, or None. Invalid strings are skipped."""
    best = None
    for candidate in versions:
        try:
            ok = satisfies(candidate, spec)
        except ValueError:
            continue
        if ok and (best is None or compare(candidate, best) > 0):
            best = candidate
    return best
'''

VERSIONS_BUGS = [
    Bug("parse", '    if s.startswith("v"):\n        s = s[1:]\n', "", True,
        'versions written with a leading "v" are rejected'),
    Bug("parse", ' or (len(p) > 1 and p[0] == "0"):', ":", False,
        'versions with leading zeros such as "1.02.3" are accepted'),
    Bug("compare", "        return -1 if pa[:3] < pb[:3] else 1",
        "        return -1 if [str(n) for n in pa[:3]] < [str(n) for n in pb[:3]] else 1", True,
        "1.10.0 sorts below 1.9.0"),
    Bug("compare", "    if not ia:\n        return 1\n    if not ib:\n        return -1",
        "    if not ia:\n        return -1\n    if not ib:\n        return 1", False,
        "release candidates rank above the final release"),
    Bug("compare", "    return -1 if len(ia) < len(ib) else 1", "    return -1 if len(ia) > len(ib) else 1", False,
        '"1.0.0-alpha" ranks above "1.0.0-alpha.1"'),
    Bug("bump", "        minor, patch = minor + 1, 0", "        minor = minor + 1", True,
        "bumping the minor version keeps the old patch number"),
    Bug("satisfies", "    if b[0] == 0:\n        return v[:2] == b[:2]\n", "", False,
        '"^0.3.1" matches 0.4.0'),
    Bug("max_satisfying", "        try:\n            ok = satisfies(candidate, spec)\n        except ValueError:\n"
        "            continue\n", "        ok = satisfies(candidate, spec)\n", False,
        "one malformed tag in the list makes `max_satisfying` crash"),
    Bug("satisfies", "    if v[3]:\n        return False\n", "", False,
        "pre-releases are picked by range specs"),
]

VERSIONS_TESTS = '''from MOD import bump, compare, max_satisfying, parse


def test_parse_prefixed():
    assert parse("v1.2.3-rc.1") == [1, 2, 3, ["rc", 1]]


def test_compare_numeric():
    assert compare("1.10.0", "1.9.0") == 1
    assert compare("2.0.0", "2.0.0") == 0


def test_bump_minor():
    assert bump("1.4.2", "minor") == "1.5.0"


def test_max_satisfying_tilde():
    assert max_satisfying(["1.2.3", "1.2.9", "1.3.0"], "~1.2.0") == "1.2.9"
'''


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


TEXT_SRC = '''"""Small text helpers used by the publishing pipeline."""

import re

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"^\\s*(?:(\\d+)d)?\\s*(?:(\\d+)h)?\\s*(?:(\\d+)m)?\\s*(?:(\\d+)s)?\\s*$")


def slugify(title, max_len=40):
    """URL slug: lowercase ASCII letters and digits; every run of other characters becomes one "-";
    no leading or trailing "-". The result is cut to at most max_len characters, and a "-" left at the
    end by the cut is removed too."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:max_len].rstrip("-")


def wrap(text, width):
    """Greedy word wrap. Words are the whitespace-separated parts of text; each line holds as many
    words as fit in `width` characters, joined by single spaces. A word longer than width gets a line
    of its own. Returns the list of lines ([] when text has no words)."""
    lines = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def parse_duration(text):
    """Seconds in a duration such as "1h30m", "45s", "2d 4h" or "1h 5m 3s". Units are d, h, m and s, each
    used at most once and in that order, with optional whitespace between parts. Raises ValueError for
    anything else, including an empty string."""
    m = _DURATION.match(text)
    if not m or not any(m.groups()):
        raise ValueError(f"bad duration: {text!r}")
    return sum(int(v) * _UNITS[u] for v, u in zip(m.groups(), "dhms") if v)


def top_words(text, k):
    """The k most frequent words as [word, count] lists, most frequent first and, for equal counts,
    alphabetical. Words are runs of ASCII letters, compared case-insensitively (reported lowercase)."""
    counts = {}
    for word in re.findall(r"[a-z]+", text.lower()):
        counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [[w, c] for w, c in ranked[:k]]


def chunk(items, size):
    """Split a list into consecutive lists of `size` items (the last one may be shorter).
    Raises ValueError when size < 1."""
    if size < 1:
        raise ValueError("size must be at least 1")
    return [items[i:i + size] for i in range(0, len(items), size)]
'''

TEXT_BUGS = [
    Bug("slugify", "    return slug[:max_len].rstrip(\"-\")", "    return slug[:max_len]", False,
        "long titles can produce slugs ending in a dash"),
    Bug("slugify", 're.sub(r"[^a-z0-9]+", "-", title.lower())', 're.sub(r"[^a-z0-9]", "-", title.lower())', True,
        "slugs contain double dashes"),
    Bug("wrap", "len(current) + 1 + len(word) <= width", "len(current) + 1 + len(word) < width", True,
        "lines are wrapped one character too early"),
    Bug("wrap", "    if current:\n        lines.append(current)\n    return lines", "    return lines", True,
        "the last line of a paragraph disappears"),
    Bug("parse_duration", "    if not m or not any(m.groups()):", "    if not m:", False,
        "an empty duration is accepted as 0 seconds"),
    Bug("parse_duration", '_UNITS = {"d": 86400,', '_UNITS = {"d": 3600 * 12,', True, "days count as 12 hours"),
    Bug("top_words", "key=lambda kv: (-kv[1], kv[0])", "key=lambda kv: -kv[1]", False,
        "words with the same count come out in a random-looking order"),
    Bug("top_words", 're.findall(r"[a-z]+", text.lower())', 're.findall(r"[a-z]+", text)', False,
        '"The" and "the" are counted as different words'),
    Bug("chunk", "range(0, len(items), size)", "range(0, len(items) - size + 1, size)", False,
        "the last, shorter chunk is dropped"),
]

TEXT_TESTS = '''from MOD import chunk, parse_duration, slugify, top_words, wrap


def test_slugify_simple():
    assert slugify("Hello, World!") == "hello-world"


def test_wrap():
    assert wrap("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"]
    assert wrap("aaa bbb ccc", 7) == ["aaa bbb", "ccc"]


def test_parse_duration():
    assert parse_duration("1d 1h") == 90000


def test_top_words():
    assert top_words("b a b c b a", 2) == [["b", 3], ["a", 2]]


def test_chunk_even():
    assert chunk([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
'''

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
    Theme("intervals", ["intervals", "spans", "ranges"], "booking-window calculations", INTERVALS_SRC,
          INTERVALS_BUGS, INTERVALS_TESTS, _intervals_gen, ["merge", "total_covered", "gaps", "locate"]),
    Theme("versions", ["versions", "semver", "vercmp"], "release tooling that picks dependency versions",
          VERSIONS_SRC, VERSIONS_BUGS, VERSIONS_TESTS, _versions_gen,
          ["parse", "compare", "bump", "satisfies", "max_satisfying"]),
    Theme("text", ["textutil", "texttools", "strhelpers"], "the static-site publishing pipeline", TEXT_SRC,
          TEXT_BUGS, TEXT_TESTS, _text_gen, ["slugify", "wrap", "parse_duration", "top_words", "chunk"]),
]
